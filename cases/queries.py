"""Reads: who may see what. Every list, detail, download and export goes through these.

Anything a function here does not return is, for that user, a 404.
"""

from django.db.models import Count, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from cases.enums import STAFF_ROLES, CaseStatus, Role, Tier, statuses_reaching
from cases.models import Campaign, Case, Enterprise, Membership, Organisation

# Roles whose holders see the whole province's cases.
PROVINCE_WIDE_ROLES = (Role.PROVINCE_STAFF,)


def current_campaign() -> Campaign | None:
    return Campaign.objects.current()


def memberships_of(user) -> list[Membership]:
    """The user's roles, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user)
            .select_related("organisation", "enterprise__association")
            .order_by("id")
        )
        user._portal_memberships = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return any(membership.role in roles for membership in memberships_of(user))


def sees_whole_province(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, *PROVINCE_WIDE_ROLES))


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases the user may open.

    - provincial staff: all;
    - association, county and city staff: cases of their subtree that have reached their tier;
    - enterprise users: their enterprise's cases;
    - experts: cases assigned to them (a guardian `view_case` grant on the case);
    - observers and everybody else: none (observers read summaries only).
    """
    if not user.is_authenticated:
        return Case.objects.none()
    if sees_whole_province(user):
        return Case.objects.all()
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role == Role.ENTERPRISE_USER:
            condition |= Q(enterprise_id=membership.enterprise_id)
        elif membership.role in STAFF_ROLES:
            condition |= Q(
                enterprise__association__path__startswith=membership.organisation.path,
                status__in=statuses_reaching(membership.tier),
            )
    assigned = get_objects_for_user(
        user, "cases.view_case", klass=Case, with_superuser=False, accept_global_perms=False
    )
    return Case.objects.filter(condition | Q(pk__in=assigned.values("pk")))


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    if not user.is_authenticated:
        return Enterprise.objects.none()
    if sees_whole_province(user):
        return Enterprise.objects.all()
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role == Role.ENTERPRISE_USER:
            condition |= Q(pk=membership.enterprise_id)
        elif membership.role in STAFF_ROLES:
            condition |= Q(association__path__startswith=membership.organisation.path)
    return Enterprise.objects.filter(condition)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    if sees_whole_province(user):
        return Organisation.objects.all()
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role in STAFF_ROLES:
            condition |= Q(path__startswith=membership.organisation.path)
    return Organisation.objects.filter(condition)


def case_counts_by_status(cases: QuerySet[Case]) -> dict[str, int]:
    rows = cases.order_by().values("status").annotate(count=Count("id"))
    return {row["status"]: row["count"] for row in rows}


# The statuses in which a case waits for each tier to act.
WAITING_FOR_TIER = {
    Tier.ENTERPRISE: (CaseStatus.DRAFT, CaseStatus.RETURNED),
    Tier.ASSOCIATION: (CaseStatus.SUBMITTED, CaseStatus.ASSOCIATION_RECOMMENDED),
    Tier.COUNTY: (CaseStatus.COUNTY_REVIEW, CaseStatus.COUNTY_PASSED),
    Tier.CITY: (CaseStatus.CITY_REVIEW, CaseStatus.CITY_SELECTED),
    Tier.PROVINCE: (CaseStatus.PROVINCE_REVIEW,),
}

"""Reads for the workbench (工作台): what each of a user's roles has to do now."""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from cases.deadlines import StageWindow, stage_window
from cases.enums import FORWARD_MOVES, CaseStatus, OrganisationKind, Role, Tier, statuses_reaching
from cases.guidance import cases_guidance
from cases.models import Campaign, Case, Membership, Organisation
from cases.queries import (
    WAITING_FOR_TIER,
    case_counts_by_status,
    cases_visible_to,
    memberships_of,
    sees_whole_province,
    submitted_cases,
)
from quotas.models import CityQuota
from review.models import Batch, BatchStatus


@dataclass
class CityProgress:
    city_name: str
    quota_cases: int
    quota_presenters: int
    reached_city: int
    forwarded_to_province: int


@dataclass
class Panel:
    membership: Membership
    # The role's stage window (cases.deadlines): its countdown, and what is possible once it is shut.
    window: StageWindow
    todo: list[str] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    city_progress: list[CityProgress] = field(default_factory=list)
    can_administer: bool = False
    # Cities of the directory without a quota in the campaign (附件2 incomplete): the province must add them.
    cities_without_quota: list[str] = field(default_factory=list)

    @property
    def quota_table_incomplete(self) -> bool:
        """For provincial staff: the campaign has no quota table, or a city is missing from it."""
        return self.can_administer and (not self.city_progress or bool(self.cities_without_quota))


def deadline_of(campaign: Campaign, tier: Tier, now: datetime.datetime, **holder) -> StageWindow:
    """The tier's window for one holder (`organisation=` or `enterprise=`), with any extension the
    province granted it: the same answer every deadline check uses (cases.deadlines.stage_window)."""
    return stage_window(campaign, tier, now=now, **holder)


def _deadline_holder(membership: Membership) -> dict:
    if membership.role == Role.ENTERPRISE_USER:
        return {"enterprise": membership.enterprise}
    return {"organisation": membership.organisation}


def city_progress(campaign: Campaign) -> list[CityProgress]:
    """Quota fill per city, in 附件2's order: one query for the quotas, one for the counts."""
    quotas = list(CityQuota.objects.filter(campaign=campaign).select_related("city"))
    reached_city = statuses_reaching(Tier.CITY)
    reached_province = statuses_reaching(Tier.PROVINCE)
    rows = (
        Case.objects.filter(campaign=campaign, status__in=reached_city)
        .values("enterprise__association__path", "status")
        .annotate(n=Count("id"))
    )
    reached: dict[str, int] = {}
    forwarded: dict[str, int] = {}
    for row in rows:
        # An association's path is /province/city/county/association/: the city is its first two ids.
        city_path = "/".join(row["enterprise__association__path"].split("/")[:3]) + "/"
        reached[city_path] = reached.get(city_path, 0) + row["n"]
        if row["status"] in reached_province:
            forwarded[city_path] = forwarded.get(city_path, 0) + row["n"]
    return [
        CityProgress(
            city_name=quota.city.region or quota.city.name,
            quota_cases=quota.cases,
            quota_presenters=quota.presenters,
            reached_city=reached.get(quota.city.path, 0),
            forwarded_to_province=forwarded.get(quota.city.path, 0),
        )
        for quota in quotas
    ]


def workbench_for(user, campaign: Campaign | None, now: datetime.datetime | None = None) -> list[Panel]:
    """One panel per role the user holds, saying what that role should do now."""
    now = now or timezone.now()
    if campaign is None:
        return []
    visible = cases_visible_to(user).filter(campaign=campaign)
    panels = []
    for membership in memberships_of(user):
        tier = membership.tier
        window = deadline_of(campaign, tier, now, **_deadline_holder(membership))
        panel = Panel(membership=membership, window=window)
        if membership.role == Role.ENTERPRISE_USER:
            panel.cases = list(visible.filter(enterprise_id=membership.enterprise_id)
                               .select_related("campaign", "enterprise__association").order_by("-updated_at"))
            panel.todo += _enterprise_todo(panel.cases, window, now)
        elif membership.role in (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF):
            subtree = visible.filter(enterprise__association__path__startswith=membership.organisation.path)
            by_status = case_counts_by_status(subtree)
            waiting = sum(by_status.get(status, 0) for status in WAITING_FOR_TIER[tier])
            panel.counts = [(CaseStatus(status).label, count) for status, count in sorted(by_status.items())]
            if window.is_open:
                panel.todo.append(_("%(count)d case(s) wait for you.") % {"count": waiting})
                panel.todo.append(STAFF_TODO[tier]())
            elif window.deadline_passed:
                panel.todo.append(_("Your stage is closed: cases can no longer be decided, ranked or forwarded. "
                                    "The lists and summary tables already forwarded can still be read and downloaded."))
        elif membership.role in (Role.CITY_EXPERT, Role.PROVINCE_EXPERT):
            assigned = visible.count()
            panel.counts = [(_("Cases assigned to you"), assigned)]
            if not window.campaign_closed:
                panel.todo.append(_("Read each assigned case and score it with comments."))
        elif membership.role == Role.PROVINCE_STAFF:
            panel.can_administer = True
            panel.city_progress = city_progress(campaign)
            panel.cities_without_quota = [
                city.region or city.name
                for city in Organisation.objects.filter(kind=OrganisationKind.CITY).exclude(quotas__campaign=campaign).order_by("pk")
            ]
            by_status = case_counts_by_status(submitted_cases().filter(campaign=campaign))
            panel.counts = [(CaseStatus(status).label, count) for status, count in sorted(by_status.items())]
            if not window.campaign_closed:
                panel.todo.append(_("Follow every city's progress and quota fill; manage campaigns, quotas, organisations and accounts."))
        elif membership.role == Role.OBSERVER:
            panel.city_progress = city_progress(campaign)
            by_status = case_counts_by_status(Case.objects.filter(campaign=campaign))  # counts only: no case is visible
            panel.counts = [(CaseStatus(status).label, count) for status, count in sorted(by_status.items())]
            panel.todo.append(_("Read-only: follow the campaign's progress by city."))
            panel.todo.append(_("Open the dashboard, the list of all cities and the audit log; nothing can be changed from them."))
        panels.append(panel)
    return panels


# What each reviewing tier does while its stage is open.
STAFF_TODO = {
    Tier.ASSOCIATION: lambda: _("Review your enterprises' cases, return or recommend them, rank them, fill in the summary table (附件4) and forward it to the county."),
    Tier.COUNTY: lambda: _("Run the eligibility check, rank the cases, fill in the summary table (附件5) and forward it to the city."),
    Tier.CITY: lambda: _("Organise the expert review, select exactly your quota, mark presenter candidates, fill in the summary table (附件6) and forward it to the province."),
}


def _enterprise_todo(cases: list[Case], window: StageWindow, now: datetime.datetime) -> list[str]:
    """The enterprise's to-do, from its stage window and each case's own (cases.guidance)."""
    guidance = cases_guidance(cases, now)
    todo = []
    if any(guidance[case.pk].may_add_winner_materials for case in cases):
        todo.append(_("Your case was selected as an outstanding case: upload the talk text, slides and video."))
    if window.is_open:
        todo.append(_("Fill in the recommendation form, upload the materials and submit them to your association."))
    elif window.deadline_passed:
        todo.append(_("The deadline for submitting new cases has passed: follow the progress of your cases below."))
    returned = [case for case in cases if case.status == CaseStatus.RETURNED and guidance[case.pk].may_edit]
    if returned:
        todo.append(_("%(count)d case(s) were returned: read the reasons, revise and resubmit.") % {"count": len(returned)})
    return todo


# --- the tiers' lists (batches) ---------------------------------------------------------

def ready_status(tier: Tier) -> str:
    """The status in which a case waits in its tier's batch to be forwarded."""
    return FORWARD_MOVES[tier][0]


def ready_cases(organisation: Organisation, campaign: Campaign, tier: Tier):
    return Case.objects.filter(
        campaign=campaign, status=ready_status(tier), enterprise__association__path__startswith=organisation.path
    )


def undecided_statuses(tier: Tier) -> list[str]:
    """The statuses in which a case waits for this tier's decision (待审), not yet ready to forward."""
    return [status for status in WAITING_FOR_TIER[tier] if status != ready_status(tier)]


def undecided_case_count(organisation: Organisation, campaign: Campaign, tier: Tier) -> int:
    """How many cases of the organisation's subtree still wait for its decision (a notice before forwarding)."""
    return Case.objects.filter(
        campaign=campaign, status__in=undecided_statuses(tier), enterprise__association__path__startswith=organisation.path
    ).count()


def forwarded_batches(organisation: Organisation, campaign: Campaign) -> list[Batch]:
    """The organisation's forwarded lists in order (its list, then its supplements), with their entries."""
    return list(
        Batch.objects.filter(campaign=campaign, organisation=organisation, status=BatchStatus.FORWARDED)
        .select_related("forwarded_by")
        .prefetch_related("items__case")
        .order_by("sequence")
    )



# --- the tiers' inboxes --------------------------------------------------------------------

INBOX_ORDERINGS = {
    "updated": "-updated_at",
    "submitted": "submitted_at",
    "title": "title",
    "enterprise": "enterprise__name",
    "problems": "-error_total",
}


REVIEWING_ROLES = (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF)


def staff_memberships(user, *, with_province: bool = False) -> list[Membership]:
    """The user's memberships that review cases (association, county, city staff); with
    `with_province`, provincial staff too, for the pages that only read cases (inbox, case page)."""
    roles = REVIEWING_ROLES + ((Role.PROVINCE_STAFF,) if with_province else ())
    return [m for m in memberships_of(user) if m.role in roles]


def staff_membership_for(user, organisation_id: int | None, *, with_province: bool = False) -> Membership | None:
    """The staff membership the page acts for: the one asked for, or the user's first."""
    memberships = staff_memberships(user, with_province=with_province)
    if organisation_id is not None:
        return next((m for m in memberships if m.organisation_id == organisation_id), None)
    return memberships[0] if memberships else None


def with_problem_counts(cases):
    """Annotate each case with the errors and warnings of its current files (two subqueries, no N+1)."""
    from django.db.models import Exists, IntegerField, OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce

    from cases.models import Upload

    def total(field):
        return Coalesce(
            Subquery(
                Upload.objects.filter(case=OuterRef("pk"), superseded_at__isnull=True)
                .order_by().values("case").annotate(total=Sum(field)).values("total"),
                output_field=IntegerField(),
            ),
            0,
        )

    # 宣传性 (issue 18): the current narrative (or form) was flagged by narrative.advertising.
    advertising = Exists(Upload.objects.filter(case=OuterRef("pk"), superseded_at__isnull=True, advertising=True))
    return cases.annotate(error_total=total("error_count"), warning_total=total("warning_count"), advertising=advertising)


INBOX_COLUMNS = (
    "title", "status", "submitted_at", "updated_at", "enterprise__name",
    "enterprise__association__name", "enterprise__association__parent__region",
    "enterprise__association__parent__parent__region",
    # Organisation.place reads the kinds: the association's parent may be a county, a city or the province.
    "enterprise__association__kind", "enterprise__association__region", "enterprise__association__parent__kind",
    "enterprise__association__parent__parent__kind",
)
# What the inbox page shows of each case, read as plain values (review.views.pipeline.inbox).
INBOX_VALUES = (
    "pk", "title", "status", "submitted_at", "enterprise__name", "enterprise__association__region",
    "enterprise__association__parent__kind", "enterprise__association__parent__region",
    "enterprise__association__parent__parent__region", "error_total", "warning_total", "advertising",
)


def _inbox_filtered(user, organisation, campaign, *, status: str, search: str):
    cases = cases_visible_to(user).filter(campaign=campaign, enterprise__association__path__startswith=organisation.path)
    if status:
        cases = cases.filter(status=status)
    if search:
        from django.db.models import Q

        cases = cases.filter(Q(title__icontains=search) | Q(enterprise__name__icontains=search))
    return cases


def inbox_cases(user, organisation, campaign, *, status: str = "", search: str = "", order: str = "updated"):
    """The cases of `organisation`'s subtree this user may see in `campaign`, filtered and sorted."""
    cases = _inbox_filtered(user, organisation, campaign, status=status, search=search)
    # Only the columns the list shows: a case row carries the whole 推荐表 (several kB of text).
    cases = cases.select_related("enterprise__association__parent__parent").only(*INBOX_COLUMNS)
    return with_problem_counts(cases).order_by(INBOX_ORDERINGS.get(order, "-updated_at"), "pk")


class _CountedPaginator(Paginator):
    """A paginator told how to count: the rows of a page carry subqueries (problem counts) that
    counting every case through them would compute for nothing."""

    def __init__(self, object_list, per_page, *, counted):
        super().__init__(object_list, per_page)
        self._counted = counted

    @cached_property
    def count(self) -> int:
        return self._counted.count()


def inbox_page(user, organisation, campaign, *, status: str = "", search: str = "", order: str = "updated",
               number=None, size: int = 100):
    """One page of the inbox (`inbox_cases`) as INBOX_VALUES dicts: two queries, the count and the
    page, whatever the number of cases."""
    cases = inbox_cases(user, organisation, campaign, status=status, search=search, order=order).values(*INBOX_VALUES)
    counted = _inbox_filtered(user, organisation, campaign, status=status, search=search)
    return _CountedPaginator(cases, size, counted=counted).get_page(number)


def case_history(case) -> list:
    return list(case.transitions.select_related("actor").order_by("created_at", "id"))


def batches_visible_to(user):
    """The lists (batches) `user` may open, with everything of them: the list page, the summary
    tables (附件4/5/6), the signed scan, the packages zip, exports and archives. The one query for
    it; anything outside is a 404.

    A list belongs to its organisation while it is being prepared: only that organisation's staff
    see it. Once forwarded it is also seen by the organisation it went to (the parent: county for an
    association, city for a county, province for a city) and by provincial staff, who receive every
    forwarded list. Nobody else: not a tier two levels up (the cases of an association's list that
    the county failed never reach the city), not a sibling."""
    if not user.is_authenticated:
        return Batch.objects.none()
    forwarded = Q(status=BatchStatus.FORWARDED)
    condition = Q(pk__in=batches_received_by_province().values("pk")) if sees_whole_province(user) else Q(pk__in=[])
    for membership in staff_memberships(user):
        condition |= Q(organisation_id=membership.organisation_id)
        condition |= forwarded & Q(organisation__parent_id=membership.organisation_id)
    return Batch.objects.filter(condition)


def batches_received_by_province():
    """Every forwarded list, of every tier: what the province sees of the lists (batches_visible_to)
    and what its campaign archive holds. A list still being prepared is nobody's but its organisation's."""
    return Batch.objects.filter(status=BatchStatus.FORWARDED)


def list_fingerprint(items) -> str:
    """What the summary table shows: cases, order and presenter marks. A signed scan belongs to one."""
    text = ";".join(f"{item.case_id}:{item.rank}:{int(item.is_presenter_candidate)}" for item in items)
    return hashlib.sha256(text.encode()).hexdigest()


def lists_received_by_province(campaign) -> list[tuple[Batch, str]]:
    """The forwarded lists handed to the province itself — the cities', and those of organisations
    directly under the province — each with the fingerprint of its items
    (list_fingerprint), in the tree's order."""
    batches = list(
        batches_received_by_province().filter(campaign=campaign, organisation__parent__kind=OrganisationKind.PROVINCE)
        .select_related("organisation__parent").prefetch_related("items").order_by("organisation__path", "sequence")
    )
    return [(batch, list_fingerprint(sorted(batch.items.all(), key=lambda item: item.rank))) for batch in batches]


def batch_items_visible_to(user, batch):
    """The entries of a visible batch whose case the user may open too, in rank order (what a
    packages zip of the list holds)."""
    return batch.items.filter(case__in=cases_visible_to(user)).order_by("rank")


# --- the province ---------------------------------------------------------------------------

@dataclass
class ProvinceCityRow:
    progress: CityProgress
    city_id: int
    batch_forwarded_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    is_late: bool
    presenters_forwarded: int
    park_cases_forwarded: int


def province_city_rows(campaign: Campaign, now: datetime.datetime) -> list[ProvinceCityRow]:
    """Each city's quota fill, its forwarded list and whether it is late (extensions counted)."""
    from cases.deadlines import stage_closes_at
    from cases.enums import OrganisationKind
    from review.models import Batch, BatchStatus

    progress = {row.city_name: row for row in city_progress(campaign)}
    batches = {
        batch.organisation_id: batch
        for batch in Batch.objects.filter(campaign=campaign, tier=Tier.CITY, status=BatchStatus.FORWARDED)
    }
    forwarded = (
        Case.objects.filter(campaign=campaign, status__in=statuses_reaching(Tier.PROVINCE))
        .values("enterprise__association__path", "enterprise__association__kind", "is_presenter_candidate")
    )
    presenters: dict[str, int] = {}
    park: dict[str, int] = {}
    for row in forwarded:
        city_path = "/".join(row["enterprise__association__path"].split("/")[:3]) + "/"
        presenters[city_path] = presenters.get(city_path, 0) + int(row["is_presenter_candidate"])
        park[city_path] = park.get(city_path, 0) + int(row["enterprise__association__kind"] == OrganisationKind.PARK_ASSOCIATION)
    rows = []
    for quota in CityQuota.objects.filter(campaign=campaign).select_related("city").order_by("position"):
        city = quota.city
        batch = batches.get(city.pk)
        closes_at = stage_closes_at(campaign, Tier.CITY, organisation=city)
        rows.append(ProvinceCityRow(
            progress=progress[city.region or city.name], city_id=city.pk,
            batch_forwarded_at=batch.forwarded_at if batch else None, closes_at=closes_at,
            is_late=batch is None and closes_at is not None and now >= closes_at,
            presenters_forwarded=presenters.get(city.path, 0), park_cases_forwarded=park.get(city.path, 0),
        ))
    return rows


def province_cases(campaign: Campaign, *, reached_province_only: bool = False):
    """The campaign's submitted cases (never a draft: submitted_cases) for the province's exports."""
    cases = submitted_cases().filter(campaign=campaign).select_related("enterprise__association__parent__parent")
    if reached_province_only:
        cases = cases.filter(status__in=statuses_reaching(Tier.PROVINCE))
    return cases.order_by("enterprise__association__path", "title", "pk")


def person_label(user) -> str:
    """Who did it, as the audit log shows it: the person's name and, to tell namesakes apart, the login."""
    if user is None:
        return ""
    name = user.get_full_name().strip() or user.first_name.strip()
    return f"{name}（{user.username}）" if name else user.username


def _actor_matches(text: str):
    from django.db.models import Q

    return Q(actor__username__icontains=text) | Q(actor__first_name__icontains=text) | Q(actor__last_name__icontains=text)


@dataclass
class AuditEntry:
    at: datetime.datetime
    actor: str
    kind: str
    case_title: str
    summary: str
    detail: str


def audit_entries(*, kind: str = "", q: str = "", since: datetime.date | None = None, until: datetime.date | None = None,
                  limit: int | None = 500) -> list[AuditEntry]:
    """Transitions and other audited events, newest first, filtered."""
    from django.db.models import Q

    from cases.models import AuditEvent, CaseTransition

    def dated(queryset):
        if since:
            queryset = queryset.filter(created_at__date__gte=since)
        if until:
            queryset = queryset.filter(created_at__date__lte=until)
        return queryset

    entries: list[AuditEntry] = []
    if kind in ("", "transition"):
        transitions = dated(CaseTransition.objects.select_related("actor", "case"))
        if q:
            transitions = transitions.filter(Q(case__title__icontains=q) | _actor_matches(q) | Q(reason__icontains=q))
        for row in transitions.order_by("-created_at")[:limit]:
            entries.append(AuditEntry(
                at=row.created_at, actor=person_label(row.actor), kind=_("Case transition"), case_title=row.case.title,
                summary=f"{CaseStatus(row.from_status).label} → {CaseStatus(row.to_status).label}", detail=row.reason,
            ))
    if kind in ("", "event"):
        # What an enterprise did with its own draft (downloads of its form and package, named after
        # the case) stays its own until the case is submitted, like the draft itself.
        events = dated(AuditEvent.objects.select_related("actor", "case").exclude(case__status=CaseStatus.DRAFT))
        if q:
            events = events.filter(Q(summary__icontains=q) | _actor_matches(q))
        for row in events.order_by("-created_at")[:limit]:
            entries.append(AuditEntry(
                at=row.created_at, actor=person_label(row.actor), kind=row.get_action_display(),
                case_title=row.case.title if row.case else "", summary=row.summary,
                detail=row.details.get("reason", "") if isinstance(row.details, dict) else "",
            ))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit] if limit else entries

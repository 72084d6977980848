"""Reads of accounts: registrations by who may see them, the association picker, account lookup."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import AccountProfile, EnterpriseRegistration, RegistrationInvite, RegistrationStatus
from accounts.rules import associations_staffed_by
from cases.enums import ASSOCIATION_KINDS, OrganisationKind
from cases.models import Organisation


def registrations_visible_to(user) -> QuerySet[EnterpriseRegistration]:
    """The registrations an association's staff decide: those sent to their own associations only."""
    return EnterpriseRegistration.objects.filter(association_id__in=associations_staffed_by(user)).select_related(
        "association", "enterprise", "user", "decided_by"
    )


def waiting_registration_counts(user) -> dict[int, int]:
    """Association id → registrations waiting for it, for the staff's workbench."""
    counts: dict[int, int] = {}
    rows = registrations_visible_to(user).filter(status=RegistrationStatus.PENDING).values_list("association_id", flat=True)
    for association_id in rows:
        counts[association_id] = counts.get(association_id, 0) + 1
    return counts


def latest_registration_of(user) -> EnterpriseRegistration | None:
    """The applicant's own latest registration (what their workbench shows while they have no role)."""
    if not user.is_authenticated:
        return None
    return EnterpriseRegistration.objects.filter(user=user).select_related("association", "decided_by").first()


def active_invite(token: str) -> RegistrationInvite | None:
    return RegistrationInvite.objects.select_related("association").filter(
        token=token, expires_at__gt=timezone.now()
    ).first()


def invites_of(association_ids: list[int]) -> QuerySet[RegistrationInvite]:
    return RegistrationInvite.objects.filter(association_id__in=association_ids, expires_at__gt=timezone.now()).select_related("association")


@dataclass
class DirectoryCounty:
    county: Organisation
    associations: list[Organisation] = field(default_factory=list)


@dataclass
class DirectoryCity:
    city: Organisation
    counties: list[DirectoryCounty] = field(default_factory=list)


def association_directory() -> list[DirectoryCity]:
    """Every park / enterprise association under its county and city, in tree order: the picker of
    the registration form (city → county → association). One query."""
    organisations = Organisation.objects.filter(
        kind__in=(OrganisationKind.CITY, OrganisationKind.COUNTY, *ASSOCIATION_KINDS)
    ).order_by("path")
    cities: dict[int, DirectoryCity] = {}
    counties: dict[int, DirectoryCounty] = {}
    for organisation in organisations:
        if organisation.kind == OrganisationKind.CITY:
            cities[organisation.pk] = DirectoryCity(organisation)
        elif organisation.kind == OrganisationKind.COUNTY and organisation.parent_id in cities:
            counties[organisation.pk] = DirectoryCounty(organisation)
            cities[organisation.parent_id].counties.append(counties[organisation.pk])
        elif organisation.parent_id in counties:
            counties[organisation.parent_id].associations.append(organisation)
    return [city for city in cities.values() if any(county.associations for county in city.counties)]


def account_for_reset(identifier: str):
    """The active account a reset by SMS is for: by user name, or by its mobile number. None when
    there is none (the caller answers the same either way)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    User = get_user_model()
    by_phone = AccountProfile.objects.filter(phone=identifier).exclude(phone="").values("user_id")
    return User.objects.filter(Q(username=identifier) | Q(pk__in=by_phone), is_active=True).order_by("pk").first()


def phone_of(user) -> str:
    try:
        return user.account_profile.phone
    except AccountProfile.DoesNotExist:
        return ""


def phone_in_use(phone: str) -> bool:
    return AccountProfile.objects.filter(phone=phone).exists()

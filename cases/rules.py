"""Permission predicates shared by views and templates."""

from cases.enums import Role, Tier
from cases.queries import has_role, memberships_of


def can_administer(user) -> bool:
    """Provincial staff manage campaigns, quotas, organisations and accounts."""
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.PROVINCE_STAFF))


# The role that acts for each tier of the pipeline.
ACTING_ROLE = {
    Tier.ENTERPRISE: Role.ENTERPRISE_USER,
    Tier.ASSOCIATION: Role.ASSOCIATION_STAFF,
    Tier.COUNTY: Role.COUNTY_STAFF,
    Tier.CITY: Role.CITY_STAFF,
    Tier.PROVINCE: Role.PROVINCE_STAFF,
}


def organisation_id_for_tier(case, tier: Tier) -> int | None:
    """The id of the case's organisation at `tier`, read from its association's path
    (/province/city/county/association/)."""
    ids = [int(part) for part in case.enterprise.association.path.strip("/").split("/")]
    index = {Tier.PROVINCE: 0, Tier.CITY: 1, Tier.COUNTY: 2, Tier.ASSOCIATION: 3}.get(tier)
    return None if index is None else ids[index]


def may_act_for_tier(user, case, tier: Tier) -> bool:
    """Whether `user` holds the acting role of `tier` over this very case."""
    if not user.is_authenticated:
        return False
    role = ACTING_ROLE[tier]
    for membership in memberships_of(user):
        if membership.role != role:
            continue
        if tier == Tier.ENTERPRISE:
            if membership.enterprise_id == case.enterprise_id:
                return True
        elif membership.organisation_id == organisation_id_for_tier(case, tier):
            return True
    return False


def may_see_contact_details(user, case) -> bool:
    """Contact names' phone numbers are personal data (SPEC §8): the enterprise itself and the staff
    of the tiers that handle the case see them; experts and observers see them masked."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    association_path = case.enterprise.association.path
    for membership in memberships_of(user):
        if membership.role == Role.ENTERPRISE_USER and membership.enterprise_id == case.enterprise_id:
            return True
        if membership.role in (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF) \
                and association_path.startswith(membership.organisation.path):
            return True
    return False


def mask_phone(phone: str) -> str:
    """138****5678, 0351-****497: enough to recognise a number, not to call it."""
    digits = [index for index, char in enumerate(phone) if char.isdigit()]
    if len(digits) <= 4:
        return "*" * len(phone)
    hidden = set(digits[3:-3]) if len(digits) < 11 else set(digits[3:-4])
    return "".join("*" if index in hidden else char for index, char in enumerate(phone))


# --- the campaign's close: a closed campaign is read-only ---------------------------------------

class CampaignClosed(Exception):
    """A write to a closed campaign; the message says so, in Chinese."""


def campaign_is_open(campaign) -> bool:
    """Whether the campaign still takes writes (cases, files, moves). Closing it makes it an archive."""
    return campaign is not None and campaign.closed_at is None


def ensure_campaign_open(campaign, *, error: type[Exception] = CampaignClosed) -> None:
    """Raise `error` with a Chinese message when the campaign is closed. Every write service of a
    case (drafts, files, moves) calls this first, so a closed campaign refuses them all in one place."""
    if campaign_is_open(campaign):
        return
    from django.utils import timezone
    from django.utils.translation import gettext as _

    raise error(
        _("The campaign “%(title)s” was closed on %(closed)s and is archived: nothing in it can be changed any more.")
        % {"title": campaign.title, "closed": timezone.localtime(campaign.closed_at).strftime("%Y-%m-%d %H:%M")}
    )

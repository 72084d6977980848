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

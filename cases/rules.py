"""Permission predicates shared by views and templates."""

from cases.enums import Role
from cases.queries import has_role


def can_administer(user) -> bool:
    """Provincial staff manage campaigns, quotas, organisations and accounts."""
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.PROVINCE_STAFF))

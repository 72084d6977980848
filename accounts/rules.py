"""Who may do what with accounts: predicates shared by views, templates and services."""

from cases.enums import Role
from cases.queries import memberships_of


def associations_staffed_by(user) -> list[int]:
    """The ids of the park / enterprise associations `user` works for (as association staff)."""
    return sorted({m.organisation_id for m in memberships_of(user) if m.role == Role.ASSOCIATION_STAFF})


def may_decide_registration(user, registration) -> bool:
    """Only the staff of the association an enterprise applied to approve or reject it."""
    return user.is_authenticated and registration.association_id in associations_staffed_by(user)


def may_invite(user, association) -> bool:
    return user.is_authenticated and association.pk in associations_staffed_by(user)

"""Writes of the cases app: accounts and roles. (Case writes come with the submission issue.)"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from cases.enums import Role
from cases.models import Enterprise, Membership, Organisation

PROVINCE_ADMIN_GROUP = "省级管理员"
# The models provincial staff manage in the Django admin.
PROVINCE_ADMIN_MODELS = {
    "cases": ("campaign", "organisation", "enterprise", "membership"),
    "quotas": ("cityquota",),
    "auth": ("user",),
}


def ensure_province_admin_group() -> Group:
    """The group whose permissions let provincial staff use the admin; kept in step with the code."""
    group, _created = Group.objects.get_or_create(name=PROVINCE_ADMIN_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=PROVINCE_ADMIN_MODELS.keys()
    ).select_related("content_type")
    wanted = [
        permission for permission in permissions
        if permission.content_type.model in PROVINCE_ADMIN_MODELS[permission.content_type.app_label]
    ]
    group.permissions.set(wanted)
    return group


@transaction.atomic
def grant_role(
    *, user, role: str, organisation: Organisation | None = None, enterprise: Enterprise | None = None
) -> Membership:
    """Give `user` a role in an organisation (or enterprise). Idempotent.

    Side effects: a provincial staff role also makes the user admin staff in the provincial
    admin group, so the Django admin opens for them.
    """
    membership = Membership(user=user, role=role, organisation=organisation, enterprise=enterprise)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    membership, _created = Membership.objects.get_or_create(
        user=user, role=role, organisation=organisation, enterprise=enterprise
    )
    if role == Role.PROVINCE_STAFF:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_province_admin_group())
    return membership


def create_user(*, username: str, password: str | None, full_name: str = "", email: str = ""):
    """A portal account. `full_name` goes into first_name: Chinese names are not split."""
    User = get_user_model()
    user = User(username=username, first_name=full_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user

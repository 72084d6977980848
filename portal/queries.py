from dataclasses import dataclass

from portal.demo import DEMO_ACCOUNTS
from cases.models import Membership


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str


def demo_accounts() -> list[DemoLogin]:
    """The demo logins that exist in this database, with the role and place each one has."""
    usernames = [account.username for account in DEMO_ACCOUNTS]
    memberships = (
        Membership.objects.filter(user__username__in=usernames)
        .select_related("user", "organisation", "enterprise")
    )
    by_username = {membership.user.username: membership for membership in memberships}
    return [
        DemoLogin(
            username=name,
            role=by_username[name].get_role_display(),
            where=str(by_username[name].organisation or by_username[name].enterprise),
        )
        for name in usernames
        if name in by_username
    ]

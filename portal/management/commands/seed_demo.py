"""`python manage.py seed_demo [--stage STAGE] [--reset]`: the demo province and campaign (see
portal.demo and portal.demo_story). Refuses, changing nothing, on a database with real data."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from portal.demo_reset import DemoRefused
from portal.demo_story import STAGE_LABELS, STAGES


class Command(BaseCommand):
    help = (
        "Create (or complete) the demo province and its demo campaign. With --stage, put a fresh demo at that stage "
        "(start: work waiting at every tier; province: both demo cities forwarded, experts scored; vote: the public "
        "vote open with ballots; publicity: the 公示 published; closed: certificates issued, campaign closed). "
        "Idempotent: a demo already at the stage is left as it is; --reset builds it again anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stage", help="the stage the demo campaign should be at: " + ", ".join(STAGES))
        parser.add_argument("--reset", action="store_true", help="build the demo campaign again even if it is at the stage")

    def handle(self, *args, stage=None, reset=False, **options):
        if stage is not None and stage not in STAGES:
            raise CommandError(_("There is no demo stage “%(stage)s”. Choose one of: %(stages)s.") % {
                "stage": stage, "stages": "、".join(f"{name}（{STAGE_LABELS[name]}）" for name in STAGES)})
        try:
            report = seed_demo(stage=stage, reset=reset)
        except DemoRefused as error:
            raise CommandError(str(error)) from None
        how = _("built afresh") if report.rebuilt else _("already there, left as it is")
        self.stdout.write(
            _("Demo campaign at the stage “%(stage)s” (%(how)s): %(cases)d cases; %(organisations)d organisations, "
              "%(enterprises)d enterprises, %(users)d accounts.") % {
                "stage": STAGE_LABELS[report.stage], "how": how, "cases": report.cases,
                "organisations": report.organisations, "enterprises": report.enterprises, "users": report.users}
        )
        self.stdout.write(_("Demo logins (password %(password)s): %(logins)s") % {
            "password": DEMO_PASSWORD, "logins": ", ".join(account.username for account in DEMO_ACCOUNTS)})

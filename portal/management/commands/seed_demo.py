from django.core.management.base import BaseCommand

from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo_province


class Command(BaseCommand):
    help = "Create (or complete) the demo province: organisations, enterprises and one login per role. Idempotent."

    def handle(self, *args, **options):
        counts = seed_demo_province()
        self.stdout.write(
            "demo province: {organisations} organisations, {enterprises} enterprises, {users} users, "
            "{cases} cases".format(**counts)
        )
        self.stdout.write("demo logins (password %s): %s" % (DEMO_PASSWORD, ", ".join(a.username for a in DEMO_ACCOUNTS)))

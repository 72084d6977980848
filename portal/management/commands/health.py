"""`python manage.py health`: the checks of /readyz for operators, with the technical reasons;
`--worker` adds a round trip through a Celery worker. Exit code 0 when ready, 1 when a check failed."""

import json
import sys

from django.core.management.base import BaseCommand

from portal.health import FAIL, readiness_report, run_checks


class Command(BaseCommand):
    help = "Check the database, Redis and the upload storage (and with --worker a Celery worker); exit 1 if one fails."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the /readyz JSON instead of a table")
        parser.add_argument("--worker", action="store_true", help="also send a task through a worker and wait for its answer")
        parser.add_argument("--worker-timeout", type=float, default=3.0, help="seconds to wait for a worker (default 3)")

    def handle(self, *args, **options):
        results = run_checks(worker_timeout=options["worker_timeout"] if options["worker"] else None)
        report = readiness_report(results)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            for result in results:
                mark = {"ok": "OK  ", "fail": "FAIL", "not_configured": "--  "}[result.status]
                line = f"{mark} {result.name:<9} {result.message} ({result.duration_ms} ms)"
                if result.detail:
                    line += f"\n     {result.detail}"
                self.stdout.write(line)
            self.stdout.write(report["message"])
        if any(result.status == FAIL for result in results):
            sys.exit(1)

"""`manage.py validate_file`: check files against the notice's rules from the command line.

Provincial staff use it on packages that arrived by mail:
    python manage.py validate_file --json --kind package --unit-name U --case-name C 太原市+U+C.zip
prints a JSON array, one object per file: {"file", "kind", "findings": [{"rule", "severity",
"message", "expected", "found", "location", "fix", "detail"}]}; without --json, a readable report.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cases.validation import KINDS, RULESET_VERSION, ValidationContext, validate_file

SEVERITY_MARKS = {"error": "✗", "warning": "!", "info": "i"}


class Command(BaseCommand):
    help = "Check files against the notice's format rules and print the findings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--kind", required=True, choices=KINDS, help="What the files are.")
        parser.add_argument("--unit-name", default=None, help="完成单位: the subtitle and file names must carry it.")
        parser.add_argument("--case-name", default=None, help="案例名称: file names must carry it.")
        parser.add_argument("--region-name", default=None, help="地区名: the package name starts with it.")
        parser.add_argument("--json", action="store_true", help="Print a JSON array instead of a report.")

    def handle(self, *args, **options) -> None:
        context = ValidationContext(
            unit_name=options["unit_name"], case_name=options["case_name"], region_name=options["region_name"]
        )
        results = []
        for file_name in options["files"]:
            path = Path(file_name)
            findings = validate_file(path, options["kind"], context=context, display_name=path.name)
            results.append({"file": file_name, "kind": options["kind"], "findings": [finding.to_dict() for finding in findings]})
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            return
        for result in results:
            self._report(result)
        self.stdout.write(_("Rule set %(version)s.") % {"version": RULESET_VERSION})

    def _report(self, result: dict) -> None:
        findings = result["findings"]
        self.stdout.write(self.style.MIGRATE_HEADING(f"{result['file']} ({result['kind']})"))
        if not findings:
            self.stdout.write(self.style.SUCCESS("  " + _("No problems found.")))
            return
        for finding in findings:
            style = self.style.ERROR if finding["severity"] == "error" else self.style.WARNING if finding["severity"] == "warning" else str
            self.stdout.write(style(f"  {SEVERITY_MARKS[finding['severity']]} [{finding['rule']}] {finding['message']}"))
            for label, key in ((_("where"), "location"), (_("expected"), "expected"), (_("found"), "found"), (_("fix"), "fix"), (_("technical information"), "detail")):
                if finding[key]:
                    self.stdout.write(f"      {label}: {finding[key]}")

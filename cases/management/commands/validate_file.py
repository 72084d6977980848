"""`manage.py validate_file`: check files against the notice's rules from the command line.

Provincial staff use it on packages that arrived by mail:
    python manage.py validate_file --kind package --report 检查结果.xlsx 邮箱附件/*.zip
reads each package's region, unit and case name from its own file name (地区名+单位名称+案例名称.zip,
names written in GBK by Windows included) unless --region-name / --unit-name / --case-name give
them, and reports a zip whose name does not carry them. --report writes one row per file to an
Excel workbook; --json prints a JSON array, one object per file: {"file", "kind", "names",
"findings": [{"rule", "severity", "message", "expected", "found", "location", "fix", "detail"}]}; without
either, a readable report.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from cases.documents.spreadsheets import xlsx_row
from cases.validation import KINDS, RULESET_VERSION, ValidationContext, validate_file
from cases.validation.package import context_from_package_name

SEVERITY_MARKS = {"error": "✗", "warning": "!", "info": "i"}


def readable_name(name: str) -> str:
    """A file name (or path) as its author wrote it. A name copied from a Windows mailbox may be
    GBK bytes; Python hands those over as surrogate escapes (it expects UTF-8), so they are decoded
    again here before the name is read for the region, unit and case, or printed."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


class Command(BaseCommand):
    help = "Check files against the notice's format rules and print the findings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--kind", required=True, choices=KINDS, help="What the files are.")
        parser.add_argument("--unit-name", default=None, help="完成单位: the subtitle and file names must carry it.")
        parser.add_argument("--case-name", default=None, help="案例名称: file names must carry it.")
        parser.add_argument("--region-name", default=None, help="地区名: the package name starts with it.")
        parser.add_argument("--json", action="store_true", help="Print a JSON array instead of a report.")
        parser.add_argument("--report", default=None, metavar="OUT.xlsx",
                            help="Also write one row per file (names, verdict, problems) to this Excel workbook.")

    def handle(self, *args, **options) -> None:
        report = options["report"]
        if report and not report.lower().endswith(".xlsx"):
            raise CommandError(_("The report is an Excel workbook: give a file name ending in .xlsx, e.g. 检查结果.xlsx."))
        given = ValidationContext(
            unit_name=options["unit_name"], case_name=options["case_name"], region_name=options["region_name"]
        )
        results = []
        for file_name in options["files"]:
            path = Path(file_name)
            shown = readable_name(path.name)
            # Each package's own name supplies what the options did not (the validator reads it the
            # same way): the report shows the names the zip was judged by.
            context = context_from_package_name(shown, given) if options["kind"] == "package" else given
            findings = validate_file(path, options["kind"], context=given, display_name=shown)
            results.append({
                "file": readable_name(file_name),
                "kind": options["kind"],
                "names": {"region": context.region_name, "unit": context.unit_name, "case": context.case_name},
                "findings": [finding.to_dict() for finding in findings],
            })
        if report:
            Path(report).write_bytes(report_xlsx(results))
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            return
        for result in results:
            self._report(result)
        if report:
            self.stdout.write(_("Report written to %(path)s (one row per file).") % {"path": report})
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


def verdict(findings: list[dict]) -> str:
    """What a clerk writes back to the sender: errors to fix, warnings to look at, or nothing."""
    severities = {finding["severity"] for finding in findings}
    if "error" in severities:
        return _("Problems to fix")
    if "warning" in severities:
        return _("Check the warnings")
    return _("No problems found.")


def report_xlsx(results: list[dict]) -> bytes:
    """One row per checked file: its name, the region, unit and case it was judged by, the verdict,
    the counts by severity and every finding with where it is and how to fix it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Check results")
    headers = [_("File"), _("Region name"), _("Unit name"), _("Name of the case"), _("Verdict"), _("Errors"), _("Warnings"),
               _("Notes"), _("Problems and how to fix them")]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for result in results:
        findings = result["findings"]
        counts = {severity: sum(1 for f in findings if f["severity"] == severity) for severity in SEVERITY_MARKS}
        problems = "\n".join(_finding_line(finding) for finding in findings)
        names = result["names"]
        sheet.append(xlsx_row(sheet, [
            result["file"], names["region"] or "", names["unit"] or "", names["case"] or "", verdict(findings),
            counts["error"], counts["warning"], counts["info"], problems,
        ]))
    for column, width in zip("ABCDEFGHI", (40, 10, 28, 30, 14, 8, 8, 8, 90), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _finding_line(finding: dict) -> str:
    parts = [f"{SEVERITY_MARKS[finding['severity']]} {finding['message']}"]
    if finding["location"]:
        parts.append(_("where: %(location)s") % {"location": finding["location"]})
    if finding["fix"]:
        parts.append(_("fix: %(fix)s") % {"fix": finding["fix"]})
    return " · ".join(parts)

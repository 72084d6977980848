"""`manage.py fix_narrative IN.docx|IN.doc OUT.docx`: 一键修正格式 from the command line.

Writes the fixed document and prints, as JSON, {"input", "output", "refused", "refusal",
"changes": [{"code", "count", "text"}], "findings_left": [finding, ...], "format_rules_pass"}.
Exit 0 when it wrote a file, 2 when the input is refused (damaged, disguised, too large, not a
narrative; nothing is written then). The same path as the portal's button
(cases.documents.narrative_fixing.fix_narrative_file).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from cases.documents.narrative_fixing import fix_narrative_file
from cases.validation import ValidationContext

EXIT_REFUSED = 2


class Command(BaseCommand):
    help = "Rewrite a narrative (案例概要) to the notice's format; print the changes and what is left as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("input", metavar="IN", help="The narrative: .docx or legacy .doc.")
        parser.add_argument("output", metavar="OUT", help="Where to write the fixed .docx.")
        parser.add_argument("--unit-name", default=None, help="完成单位: the subtitle must carry it.")

    def handle(self, *args, **options) -> None:
        source, target = Path(options["input"]), Path(options["output"])
        outcome = fix_narrative_file(source, target, context=ValidationContext(unit_name=options["unit_name"]),
                                     display_name=source.name)
        result = {"input": str(source), "output": "" if outcome.refused else str(target), **outcome.to_dict()}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        if outcome.refused:
            raise SystemExit(EXIT_REFUSED)

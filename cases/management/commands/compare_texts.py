"""`manage.py compare_texts`: compare narratives from the command line with the portal's engine.

    python manage.py compare_texts --json A.txt B.txt [C.txt ...]

compares the first text with each other one through cases.similarity.text.compare (the function
the portal's index calls) and prints a JSON array, one object per other text:
{"file", "score", "judgement": "duplicate" | "company_section" | "unrelated", "passages": [...]},
each passage {"a": text of the first file, "b": text of the other, "part": "story" |
"introduction", "how": "copied" | "facts"}. Without --json, a readable report. Files are plain
text, one paragraph a line (UTF-8; GB18030, as Windows Chinese editions save, is read too).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.similarity.text import compare, read_narrative

JUDGEMENT_LABELS = {"duplicate": "疑似重复", "company_section": "企业简介相同", "unrelated": "不相似"}


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CommandError(_("“%(file)s” is not a text file in UTF-8 or GB18030: save it as plain text (UTF-8) and try again.")
                       % {"file": path})


class Command(BaseCommand):
    help = "Compare the first narrative with each other one: duplicate, company_section or unrelated."

    def add_arguments(self, parser) -> None:
        parser.add_argument("first", metavar="A.txt")
        parser.add_argument("others", nargs="+", metavar="B.txt")
        parser.add_argument("--json", action="store_true", help="Print a JSON array instead of a report.")

    def handle(self, *args, **options) -> None:
        paths = [Path(options["first"]), *map(Path, options["others"])]
        for path in paths:
            if not path.is_file():
                raise CommandError(_("There is no file “%(file)s”: check the path.") % {"file": path})
        first = read_narrative(read_text(paths[0]))
        results = []
        for path in paths[1:]:
            result = compare(first, read_narrative(read_text(path)))
            results.append({"file": options["others"][len(results)], "score": result.score, "judgement": result.judgement,
                            "passages": [passage.as_dict() for passage in result.passages]})
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            return
        for result in results:
            self.stdout.write(f"{result['file']}: {JUDGEMENT_LABELS[result['judgement']]} ({result['judgement']}) {result['score']:.2f}")
            for passage in result["passages"]:
                self.stdout.write(f"  A: {passage['a']}\n  B: {passage['b']}")

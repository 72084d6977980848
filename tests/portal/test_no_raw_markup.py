"""Text typed by users or admins is always escaped (issue 11, defect 9 and its class).

Django escapes every variable unless the code says the text is markup: `|safe`, `|safeseq`,
`{% autoescape off %}`, `mark_safe`, `SafeString`, a filter with `is_safe=True`, `format_html`
fed an f-string. None of these may appear in our templates or code; a page that needs real
markup builds it in a template from escaped parts. In the scripts, HTML is only ever parsed from
the server's own escaped fragments (slot-status.js swaps a slot for its re-rendered template)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_MARKUP = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off")
CODE_MARKUP = re.compile(r"\bmark_safe\b|\bSafeString\b|\bSafeText\b|is_safe\s*=\s*True|format_html\(\s*f[\"']|allow_tags")
SCRIPT_MARKUP = re.compile(r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|createContextualFragment")
# file → why parsing HTML there is safe
SCRIPT_ALLOWED = {"static/js/slot-status.js": "parses the slot fragment rendered (escaped) by cases/upload_slot.html"}


def _files(folders, suffixes):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in suffixes and "migrations" not in path.parts:
                yield path


def _hits(paths, pattern):
    return [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for path in paths for number, line in enumerate(path.read_text().splitlines(), start=1)
            if pattern.search(line)]


def test_no_template_marks_text_as_markup():
    assert _hits(_files(["templates", "cases", "review", "quotas", "portal"], {".html", ".txt", ".xml", ".svg"}),
                 TEMPLATE_MARKUP) == []


def test_no_code_marks_text_as_markup():
    assert _hits(_files(["cases", "review", "quotas", "portal"], {".py"}), CODE_MARKUP) == []


def test_scripts_parse_html_only_from_the_servers_own_fragments():
    hits = _hits(_files(["static/js"], {".js"}), SCRIPT_MARKUP)
    assert [hit for hit in hits if hit.split(":")[0] not in SCRIPT_ALLOWED] == []


@pytest.mark.parametrize("line", ["{{ field.help_text|safe }}", "{{ rows|safeseq }}", "{% autoescape off %}"])
def test_the_template_check_catches_each_form(line):
    assert TEMPLATE_MARKUP.search(line)

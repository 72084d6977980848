"""一键修正格式 (issue 18): the fixer's output of every bad-format narrative passes the format rules
and keeps every paragraph's text and every image (compared by text and image hash); refused files
are never opened; the command-line contract."""

from __future__ import annotations

import hashlib
import json
import zipfile
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document

from cases.documents.narrative_fixing import FIXED_RULES, fix_narrative_file
from cases.validation import ValidationContext, validate_file
from cases.validation.narrative import TITLE_STYLE_NAMES
from cases.validation.narrative_locate import locate_narrative
from cases.validation.wordml import open_word_document
from cases.validation.limits import ValidationLimits
from tests.validation.bad_narratives import BAD_NARRATIVES, letter_page_and_everything_at_once
from tests.validation.builders import HAS_LIBREOFFICE, UNIT_NAME, libreoffice_convert


def content(path: Path) -> tuple[list[str], list[str]]:
    """The narrative's paragraph texts and its pictures' SHA-256, in order, as the rules read them."""
    document = open_word_document(path, ValidationLimits())
    try:
        narrative = locate_narrative(document, TITLE_STYLE_NAMES)
        texts = [p.text for p in narrative.paragraphs if p.has_text]
        images = [hashlib.sha256(document.package.read(picture.target, limit=1 << 30)).hexdigest()
                  for p in narrative.paragraphs for picture in p.pictures]
        return texts, images
    finally:
        document.package.close()


@pytest.fixture
def context() -> ValidationContext:
    return ValidationContext(unit_name=UNIT_NAME)


@pytest.mark.parametrize("name", sorted(BAD_NARRATIVES))
def test_fixed_output_passes_the_format_rules_and_keeps_every_text_and_image(name, tmp_path, context):
    source, target = tmp_path / f"{name}.docx", tmp_path / "fixed.docx"
    source.write_bytes(BAD_NARRATIVES[name]())
    broken = {f.rule for f in validate_file(source, "narrative", context=context)}
    assert broken & FIXED_RULES  # the fixture is broken the way it says

    outcome = fix_narrative_file(source, target, context=context)

    assert outcome.refused is False
    assert [f.rule for f in outcome.findings_after] == []
    assert outcome.format_rules_pass is True
    assert content(target) == content(source)
    assert len(content(target)[1]) == 3


def test_changes_are_listed_in_the_users_terms_and_emphasis_and_tables_survive(tmp_path, context):
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(letter_page_and_everything_at_once())

    outcome = fix_narrative_file(source, target, context=context)

    by_code = {change["code"]: change for change in outcome.changes}
    assert by_code["title_style"]["text"] == "Title: style “Normal” → “Heading 1”"
    assert by_code["body_font"]["text"] == "Body, 8 paragraph(s): font 等线 → 宋体"
    assert by_code["body_line_spacing"]["text"] == "Body, 8 paragraph(s): line spacing 1.5 lines → Exactly 22 pt"
    assert by_code["picture_wrap"]["text"] == "Pictures, 1: wrapping Square → Top and Bottom"
    assert by_code["page_setup"]["text"] == "Page setup: Letter → A4"
    fixed = Document(str(target))
    runs = {run.text: run for paragraph in fixed.paragraphs for run in paragraph.runs}
    assert (runs["团队反复试验，"].bold, runs["终于成功。"].italic) == (True, True)
    assert [[cell.text for cell in row.cells] for row in fixed.tables[0].rows] == [["指标", "改进后"], ["能耗", "降低30%"]]
    assert fixed.sections[0].page_width == 7560310  # A4, as the template


def test_a_character_style_that_sets_a_font_is_dropped_but_its_bold_kept(tmp_path, context):
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(BAD_NARRATIVES["body_font_from_a_character_style"]())

    fix_narrative_file(source, target, context=context)

    run = next(r for p in Document(str(target)).paragraphs if p.text.startswith("简要介绍") for r in p.runs)
    assert (run.style.name, run.bold) == ("Default Paragraph Font", True)


@pytest.mark.skipif(not HAS_LIBREOFFICE, reason="LibreOffice converts .doc")
def test_a_legacy_doc_is_converted_first_then_fixed(tmp_path, context):
    docx = tmp_path / "案例概要.docx"
    docx.write_bytes(BAD_NARRATIVES["line_spacing_one_and_a_half_and_at_least"]())
    legacy = libreoffice_convert(docx, "doc:MS Word 97", tmp_path / "doc")
    target = tmp_path / "fixed.docx"

    outcome = fix_narrative_file(legacy, target, context=context)

    assert outcome.refused is False
    assert [f.rule for f in outcome.findings_after if f.rule in FIXED_RULES] == []
    assert content(target)[0] == content(docx)[0]


def zip_bomb_docx() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (80 << 20) + b"</w:document>")
    return buffer.getvalue()


def test_a_file_that_fails_its_safety_checks_is_refused_and_nothing_is_written(tmp_path, context, monkeypatch):
    source, target = tmp_path / "bomb.docx", tmp_path / "out.docx"
    source.write_bytes(zip_bomb_docx())
    started = []
    monkeypatch.setattr("cases.documents.narrative_fixing.run_tool", lambda *a, **k: started.append(a))

    outcome = fix_narrative_file(source, target, context=context)

    assert outcome.refused is True
    assert outcome.refusal.startswith("The format of “bomb.docx” was not fixed: The file cannot be read as a Word document:")
    assert (started, target.exists()) == ([], False)


def test_command_writes_the_file_and_prints_changes_and_findings_left(tmp_path):
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(BAD_NARRATIVES["body_in_xiao_si_direct"]())
    output = StringIO()

    call_command("fix_narrative", str(source), str(target), stdout=output)

    result = json.loads(output.getvalue())
    assert (result["output"], result["refused"], result["format_rules_pass"]) == (str(target), False, True)
    assert [change["code"] for change in result["changes"]] == ["body_size", "direct_formatting"]
    assert result["findings_left"] == []
    assert target.stat().st_size > 6 << 20  # the three photos, kept


def test_command_exits_2_when_the_input_is_refused(tmp_path):
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(b"this is not a Word file")
    output = StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("fix_narrative", str(source), str(target), stdout=output)

    assert exit_.value.code == 2
    result = json.loads(output.getvalue())
    assert (result["refused"], result["output"], target.exists()) == (True, "", False)

"""Word and PowerPoint files: docx.unreadable, legacy .doc/.ppt conversion through LibreOffice,
documents written by LibreOffice, talk text length, ppt rules, and the subprocess sandbox."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from cases.validation import ValidationContext, ValidationLimits, validate_file
from cases.validation.isolation import ToolMissing, ToolTimeout, run_tool
from tests.validation.builders import (
    HAS_LIBREOFFICE,
    UNIT_NAME,
    conforming_narrative_with_photos,
    libreoffice_convert,
    minimal_pptx,
    ole_file,
    open_docx,
    png_bytes,
    rewrite_parts,
    save_docx,
    zip_bytes,
)
from tests.validation.conftest import codes

needs_libreoffice = pytest.mark.skipif(not HAS_LIBREOFFICE, reason="LibreOffice (soffice) is not installed")


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"just some text, not a document" * 10, "the content is a unknown format"),
        (png_bytes(), "the content is a PNG image"),
        (zip_bytes({"hello.txt": b"hi"}), "it is not an Office document"),
        (ole_file(["EncryptedInfo", "EncryptedPackage"]), "it is protected by a password"),
        (ole_file(["Workbook"]), "it is an Office file of another kind"),
    ],
)
def test_unreadable_word_files(check, data, found):
    findings = check(data, "narrative", "案例概要.docx")

    assert [(f.rule, f.found) for f in findings] == [("docx.unreadable", found)]


def test_xml_with_entities_is_refused_not_expanded(check):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>'
    )
    data = rewrite_parts(conforming_narrative_with_photos(), word__document_dot_xml=lambda _xml: bomb)

    findings = check(data, "narrative", "n.docx")

    assert [(f.rule, f.found) for f in findings] == [("docx.unreadable", "it contains XML with a DOCTYPE or entity declarations")]


def test_empty_file_is_unreadable(check):
    assert [(f.rule, f.found) for f in check(b"", "narrative", "n.docx")] == [("docx.unreadable", "the file is empty")]


def test_file_above_the_size_limit_is_refused_before_reading(check):
    tiny_limits = ValidationContext(limits=ValidationLimits(max_file_bytes={**ValidationLimits().max_file_bytes, "narrative": 1000}))

    findings = check(conforming_narrative_with_photos(), "narrative", "n.docx", with_context=tiny_limits)

    assert codes(findings) == ["file.too_large"]
    assert findings[0].expected == "at most 1000 bytes"


def test_unknown_kind_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="unknown kind"):
        validate_file(tmp_path / "x", "poster", context=ValidationContext())


def test_legacy_doc_without_libreoffice_says_so_plainly(check):
    missing = ValidationContext(unit_name=UNIT_NAME, libreoffice_binary="soffice-not-installed-here")

    findings = check(ole_file(["WordDocument", "1Table"]), "narrative", "案例概要.doc", with_context=missing)

    assert [(f.rule, f.severity, f.found) for f in findings] == [
        ("tool.unavailable", "warning", "LibreOffice (needed to read .doc and .ppt files)")
    ]


@needs_libreoffice
def test_legacy_doc_is_converted_and_checked(check, tmp_path):
    source = tmp_path / "source.docx"
    source.write_bytes(conforming_narrative_with_photos())
    legacy = libreoffice_convert(source, "doc", tmp_path)

    assert check(legacy.read_bytes(), "narrative", "案例概要.doc") == []


@needs_libreoffice
def test_legacy_doc_breaking_a_rule_is_reported(check, tmp_path):
    document = open_docx(conforming_narrative_with_photos())
    from docx.enum.text import WD_LINE_SPACING

    document.styles["Normal"].paragraph_format.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
    source = tmp_path / "source.docx"
    source.write_bytes(save_docx(document))
    legacy = libreoffice_convert(source, "doc", tmp_path)

    findings = check(legacy.read_bytes(), "narrative", "案例概要.doc")

    assert [(f.rule, f.found) for f in findings] == [
        ("narrative.line_spacing", "1.5 lines, from paragraph style “Normal”")
    ]


@needs_libreoffice
def test_a_doc_written_by_libreoffice_from_a_theme_font_docx_really_names_ms_mincho(check, tmp_path):
    """Why the same text passes as .docx and fails as a LibreOffice-made .doc: LibreOffice, when it
    reads the .docx, replaces the theme's East Asian body font by the theme's *first* script font
    (Jpan: ＭＳ 明朝) although the document's East Asian language is zh-CN, and writes that name into
    the .doc. Word (and our check) take the zh-CN font, 宋体. The .doc then really says ＭＳ 明朝,
    and our own .doc → .docx conversion only reads what it says."""
    themed = rewrite_parts(
        conforming_narrative_with_photos(),
        word__styles_dot_xml=lambda xml: re.sub(
            r'(<w:style w:type="paragraph" w:default="1" w:styleId="Normal">.*?)w:eastAsia="宋体"',
            r'\1w:eastAsiaTheme="minorEastAsia"', xml, count=1, flags=re.S,
        ),
    )
    source = tmp_path / "themed.docx"
    source.write_bytes(themed)
    legacy = libreoffice_convert(source, "doc", tmp_path)

    assert check(themed, "narrative", "案例概要.docx") == []
    assert "ＭＳ 明朝".encode("utf-16-le") in legacy.read_bytes()
    findings = check(legacy.read_bytes(), "narrative", "案例概要.doc")
    assert [(f.rule, f.found) for f in findings] == [("narrative.body_font", "ＭＳ 明朝, from paragraph style “Normal”")]


@needs_libreoffice
def test_document_written_by_libreoffice_passes(check, tmp_path):
    """LibreOffice writes its own styles.xml (styleId Heading1, name "Heading 1", no theme)."""
    source = tmp_path / "source.docx"
    source.write_bytes(conforming_narrative_with_photos())
    open_document = libreoffice_convert(source, "odt", tmp_path)
    (tmp_path / "lo").mkdir()
    written = libreoffice_convert(open_document, "docx:MS Word 2007 XML", tmp_path / "lo")

    assert check(written.read_bytes(), "narrative", "案例概要.docx") == []


@needs_libreoffice
def test_concurrent_conversions_do_not_share_a_profile(tmp_path):
    source = tmp_path / "source.docx"
    source.write_bytes(conforming_narrative_with_photos())
    legacy = libreoffice_convert(source, "doc", tmp_path)
    context = ValidationContext(unit_name=UNIT_NAME)
    results: list[list] = []

    def convert() -> None:
        results.append(validate_file(legacy, "narrative", context=context))

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [[], []]


@needs_libreoffice
def test_random_bytes_named_doc_are_not_sent_to_libreoffice(check):
    findings = check(os.urandom(4096), "narrative", "案例概要.doc")

    assert [(f.rule, f.found) for f in findings] == [("docx.unreadable", "the content is a unknown format")]


# --- talk text and PPT ------------------------------------------------------------------------
def talk_text(characters: int) -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    for paragraph in list(document.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    document.add_paragraph("讲" * characters)
    return save_docx(document)


def test_talk_text_of_about_two_thousand_characters_passes(check, context):
    assert check(talk_text(context.limits.talk_text_max_chars), "talk_text", "宣讲.docx") == []
    assert check(talk_text(context.limits.talk_text_min_chars), "talk_text", "宣讲.docx") == []


@pytest.mark.parametrize("characters", [500, 2201])
def test_talk_text_far_from_two_thousand_is_a_warning(check, characters):
    findings = check(talk_text(characters), "talk_text", "宣讲.docx")

    assert [(f.rule, f.severity, f.found) for f in findings] == [("talk_text.length", "warning", str(characters))]


def test_presentation_with_slides_passes_and_without_is_empty(check):
    assert check(minimal_pptx(3), "ppt", "宣讲.pptx") == []
    assert codes(check(minimal_pptx(0), "ppt", "宣讲.pptx")) == ["ppt.empty"]


def test_word_file_named_pptx_is_unreadable_as_ppt(check):
    findings = check(conforming_narrative_with_photos(), "ppt", "宣讲.pptx")

    assert [(f.rule, f.found) for f in findings] == [("ppt.unreadable", "it is not a PowerPoint presentation")]


@needs_libreoffice
def test_legacy_ppt_is_converted(check, tmp_path):
    source = tmp_path / "deck.pptx"
    source.write_bytes(minimal_pptx(2))
    legacy = libreoffice_convert(source, "ppt", tmp_path)

    assert check(legacy.read_bytes(), "ppt", "宣讲.ppt") == []


# --- the sandbox for outside programs -----------------------------------------------------------
def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child-survived"
    script = f"sleep 5 & wait; touch {marker}"

    started = time.monotonic()
    with pytest.raises(ToolTimeout):
        run_tool(["sh", "-c", script], timeout=0.5, cwd=tmp_path)
    elapsed = time.monotonic() - started
    time.sleep(0.2)

    assert elapsed < 3
    assert not marker.exists()


def test_missing_binary_is_reported_as_missing(tmp_path):
    with pytest.raises(ToolMissing):
        run_tool(["no-such-binary-anywhere"], timeout=1, cwd=tmp_path)


def test_private_folders_are_removed_after_a_call(tmp_path, check):
    root = tmp_path / "temp-root"
    root.mkdir()
    context = ValidationContext(temp_root=root)

    check(conforming_narrative_with_photos(), "narrative", "n.docx", with_context=context)

    assert list(Path(root).iterdir()) == []

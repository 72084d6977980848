"""What users read: the Chinese wording of findings. Word's internal names (heading 1, Normal,
minorEastAsia) become the names Chinese Word shows, Chinese punctuation is used in Chinese text,
and every size is written one way (describe_bytes)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from cases.validation.findings import join_numbers, join_places
from cases.validation.styles import display_style_name, display_theme_font
from cases.validation.units import describe_bytes
from tests.validation.builders import conforming_narrative_with_photos, open_docx, png_bytes, rewrite_parts, save_docx
from tests.validation.test_narrative import dengxian_theme

INTERNAL_NAMES = re.compile(r"heading \d|majorEastAsia|minorEastAsia|\bNormal\b|来自未设置|Word 将使用其默认值")
ASCII_PUNCTUATION_IN_CHINESE = re.compile(r"[\u4e00-\u9fff”）][;,] |[;,] [\u4e00-\u9fff“（]")


@pytest.fixture(autouse=True)
def chinese(english):  # after conftest's `english`, so Chinese wins
    with translation.override("zh-hans"):
        yield


def readable_texts(findings) -> list[str]:
    return [text for finding in findings for text in (finding.message, finding.found, finding.expected, finding.location, finding.fix) if text]


def heading_1_on_theme_fonts(data: bytes) -> bytes:
    return rewrite_parts(
        data,
        word__styles_dot_xml=lambda xml: re.sub(
            r'(<w:style w:type="paragraph" w:styleId="Heading1">.*?<w:rFonts)[^/]*/>',
            r'\1 w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" w:hAnsiTheme="majorHAnsi"/>',
            xml,
            flags=re.S,
        ),
    )


def without_theme_fonts(data: bytes) -> bytes:
    return rewrite_parts(
        data,
        word__theme__theme1_dot_xml=lambda xml: re.sub(
            r"<a:minorFont>.*?</a:minorFont>", '<a:minorFont><a:latin typeface=""/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont>', xml, flags=re.S
        ),
    )


def without_first_line_indent(data: bytes) -> bytes:
    return rewrite_parts(data, word__styles_dot_xml=lambda xml: xml.replace('<w:ind w:firstLineChars="200" w:firstLine="560"/>', ""))


# --- names Word shows ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("heading 1", "标题 1"),
        ("Heading 2", "标题 2"),
        ("Heading 1 Char", "标题 1 字符"),
        ("Normal", "正文"),
        ("Title", "标题"),
        ("Default Paragraph Font", "默认段落字体"),
        ("List Paragraph", "列表段落"),
        ("toc 1", "目录 1"),
        ("Narrative Subtitle", "Narrative Subtitle"),  # a style the author made keeps its name
        ("正文", "正文"),  # WPS writes Chinese names
    ],
)
def test_word_style_names_are_shown_as_chinese_word_names_them(stored, shown):
    assert display_style_name(stored) == shown


@pytest.mark.parametrize(
    ("slot", "shown"),
    [("majorEastAsia", "主题标题字体（中文）"), ("minorEastAsia", "主题正文字体（中文）"), ("minorHAnsi", "主题正文字体（西文）")],
)
def test_theme_font_slots_are_named_in_chinese(slot, shown):
    assert display_theme_font(slot) == shown


def test_a_title_on_the_theme_heading_font_names_the_style_and_the_resolved_font(check):
    findings = check(heading_1_on_theme_fonts(conforming_narrative_with_photos()), "narrative", "n.docx")

    assert [(f.rule, f.message) for f in findings] == [
        (
            "narrative.title_font",
            "主标题格式不符合要求：字体为宋体，来自段落样式“标题 1”中的主题标题字体（中文）。应为三号黑体。",
        )
    ]


def test_body_on_the_theme_body_font_reads_as_natural_chinese(check):
    findings = check(dengxian_theme(conforming_narrative_with_photos()), "narrative", "n.docx")

    assert [(f.message, f.found, f.location) for f in findings] == [
        (
            "有8段正文的中文字体不符合要求：等线，来自文档默认设置中的主题正文字体（中文）。应为宋体。",
            "等线，来自文档默认设置中的主题正文字体（中文）",
            "第3段“一、企业简介及所获荣誉奖…”；第4段“简要介绍企业的基本情况、…”；第6段“二、聚焦典型案例：创新团…”等（共8段）",
        )
    ]


def test_a_theme_font_the_document_does_not_define_is_said_plainly(check):
    findings = check(without_theme_fonts(dengxian_theme(conforming_narrative_with_photos())), "narrative", "n.docx")

    assert [f.found for f in findings] == ["文档默认设置中的主题正文字体（中文），但文档未指明具体是哪种字体"]


def test_a_missing_first_line_indent_says_it_is_not_set(check):
    findings = check(without_first_line_indent(conforming_narrative_with_photos()), "narrative", "n.docx")

    assert [(f.rule, f.found, f.expected) for f in findings] == [("narrative.indent", "未设置首行缩进", "首行缩进2字符")]
    assert findings[0].message.startswith("有8段正文的首行缩进不符合要求：未设置首行缩进。")


def test_a_title_in_the_normal_style_names_the_style_zhengwen(check):
    document = open_docx(conforming_narrative_with_photos())
    document.paragraphs[0].style = document.styles["Normal"]

    findings = check(save_docx(document), "narrative", "n.docx")

    title_style = next(f for f in findings if f.rule == "narrative.title_style")
    assert title_style.found == "正文"
    assert title_style.message == "主标题使用的样式是“正文”，不是预设样式“标题 1”。"


@pytest.mark.parametrize(
    "build",
    [heading_1_on_theme_fonts, dengxian_theme, without_first_line_indent, lambda data: without_theme_fonts(dengxian_theme(data))],
    ids=["heading-theme", "dengxian", "no-indent", "undefined-theme"],
)
def test_narrative_findings_carry_no_internal_names_or_ascii_separators(check, build):
    findings = check(build(conforming_narrative_with_photos()), "narrative", "n.docx")

    texts = readable_texts(findings)
    assert texts
    assert [text for text in texts if INTERNAL_NAMES.search(text)] == []
    assert [text for text in texts if ASCII_PUNCTUATION_IN_CHINESE.search(text)] == []


def test_lists_use_chinese_separators():
    assert join_places(["推荐表.docx", "推荐表副本.docx"]) == "推荐表.docx；推荐表副本.docx"
    assert join_numbers([2, 5, 7]) == "2、5、7"


# --- one size format -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (512, "512 字节"),
        (1024, "1 KB"),
        (3000, "2.92 KB"),  # three significant digits, as Windows' Properties show it
        (30_000, "29.2 KB"),
        (2 * 1024 * 1024, "2 MB"),
        (2 * 1024 * 1024 - 1, "1.99 MB"),  # cut off, never rounded up to the limit
        (5 * 1024**3, "5 GB"),
    ],
)
def test_sizes_are_written_one_way(size, shown):
    assert describe_bytes(size) == shown


def test_a_small_photo_shows_its_size_in_that_format(check):
    data = png_bytes()

    findings = check(data, "photo_exterior", "x.jpg")

    too_small = next(f for f in findings if f.rule == "photo.too_small")
    assert (too_small.found, too_small.expected) == (describe_bytes(len(data)), "不小于2 MB")

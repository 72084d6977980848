"""The project's bad-format narratives: one per way the format rules are broken (issue 18's fixer
tests and bench/bench_narrative_fix.py rewrite every one of them). Each is the conforming narrative
with real camera photos (≥ 2 MB), broken the way Word users break it."""

from __future__ import annotations

import re
from io import BytesIO

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from tests.validation.builders import (
    camera_photos,
    conforming_narrative,
    conforming_narrative_with_photos,
    open_docx,
    rewrite_parts,
    save_docx,
)


def _body(document, start: str):
    return next(paragraph for paragraph in document.paragraphs if paragraph.text.startswith(start))


def _east_asia(properties, name: str) -> None:
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def _indent(paragraph, **attributes: str) -> None:
    indent = OxmlElement("w:ind")
    for name, value in attributes.items():
        indent.set(qn(f"w:{name}"), value)
    paragraph._p.get_or_add_pPr().append(indent)


def dengxian_theme(data: bytes) -> bytes:
    """Office 2016+ Chinese defaults: text on the theme's minorEastAsia (等线)."""
    return rewrite_parts(
        data,
        word__theme__theme1_dot_xml=lambda xml: re.sub(
            r'(<a:minorFont>.*?<a:font script="Hans" typeface=")[^"]*"', r'\1等线"', xml, flags=re.S),
        word__styles_dot_xml=lambda xml: re.sub(
            r'(<w:style w:type="paragraph" w:default="1" w:styleId="Normal">.*?)<w:rFonts[^/]*/>', r"\1",
            xml.replace('w:eastAsia="宋体" w:cs="Times New Roman"/>', 'w:eastAsiaTheme="minorEastAsia" w:cs="Times New Roman"/>', 1),
            flags=re.S),
    )


def title_in_normal_style() -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    document.paragraphs[0].style = document.styles["Normal"]
    return save_docx(document)


def title_and_subtitle_in_songti_small() -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    for paragraph in document.paragraphs[:2]:
        for run in paragraph.runs:
            _east_asia(run._r.get_or_add_rPr(), "宋体")
            run.font.size = Pt(12)
    return save_docx(document)


def body_on_the_dengxian_theme_font() -> bytes:
    return dengxian_theme(conforming_narrative_with_photos())


def body_in_xiao_si_direct() -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    for paragraph in document.paragraphs[2:]:
        for run in paragraph.runs:
            run.font.size = Pt(12)
    return save_docx(document)


def body_font_from_a_character_style() -> bytes:
    """仿宋 from a character style that is also bold: the bold must stay."""
    document = open_docx(conforming_narrative_with_photos())
    emphasis = document.styles.add_style("Quote Chars", WD_STYLE_TYPE.CHARACTER)
    _east_asia(emphasis.element.get_or_add_rPr(), "仿宋")
    emphasis.font.bold = True
    _body(document, "简要介绍").runs[0].style = emphasis
    return save_docx(document)


def body_font_through_a_based_on_chain() -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    base = document.styles.add_style("Base Text", WD_STYLE_TYPE.PARAGRAPH)
    base.base_style = document.styles["Normal"]
    _east_asia(base.element.get_or_add_rPr(), "楷体")
    base.paragraph_format.first_line_indent = Pt(0)
    derived = document.styles.add_style("Story Text", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = base
    for start in ("讲述科技人员", "说明创新成果"):
        _body(document, start).style = derived
    return save_docx(document)


def wrong_first_line_indents() -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    _indent(_body(document, "简要介绍"), firstLine="420")
    _indent(_body(document, "讲述科技人员"), hanging="560")
    _indent(_body(document, "说明创新成果"), firstLineChars="100", firstLine="280")
    _indent(_body(document, "总结可复制"), firstLineChars="0", firstLine="0")
    return save_docx(document)


def line_spacing_one_and_a_half_and_at_least() -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    for start in ("简要介绍", "讲述科技人员"):
        _body(document, start).paragraph_format.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
    spacing = _body(document, "说明创新成果").paragraph_format
    spacing.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
    spacing.line_spacing = Pt(22)
    return save_docx(document)


def line_spacing_left_to_word_defaults() -> bytes:
    return rewrite_parts(
        conforming_narrative_with_photos(),
        word__styles_dot_xml=lambda xml: re.sub(r'<w:spacing w:[^>]*w:line="440"[^>]*/>', '<w:spacing w:before="0" w:after="0"/>', xml),
    )


def pictures_wrapped_square_tight_and_in_front() -> bytes:
    wraps = iter(['<wp:wrapSquare wrapText="bothSides"/>', '<wp:wrapTight wrapText="bothSides"><wp:wrapPolygon edited="0">'
                  '<wp:start x="0" y="0"/><wp:lineTo x="21600" y="0"/><wp:lineTo x="21600" y="21600"/><wp:lineTo x="0" y="0"/>'
                  "</wp:wrapPolygon></wp:wrapTight>", "<wp:wrapNone/>"])
    return rewrite_parts(
        conforming_narrative_with_photos(),
        word__document_dot_xml=lambda xml: re.sub("<wp:wrapTopAndBottom/>", lambda _match: next(wraps), xml),
    )


def pictures_inline_beside_text() -> bytes:
    """Two pictures anchored, the third inline in a paragraph of text (Word's default insertion)."""
    document = open_docx(conforming_narrative(list(camera_photos()[:2])))
    paragraph = _body(document, "说明创新成果")
    paragraph.add_run().add_picture(BytesIO(camera_photos()[2]), width=Cm(16))
    return save_docx(document)


def outline_in_heading_styles() -> bytes:
    """The outline's headings in Heading 2, body on Normal."""
    document = open_docx(conforming_narrative_with_photos())
    for start in ("一、", "二、", "三、", "四、"):
        _body(document, start).style = document.styles["Heading 2"]
    return save_docx(document)


def letter_page_and_everything_at_once() -> bytes:
    """Most things wrong together, as a narrative typed into Word's defaults: Letter page, title in
    Normal, 等线 body in 小四 with 1.5 lines, a picture wrapped Square, a table and bold and italic
    runs that must survive."""
    document = open_docx(conforming_narrative_with_photos())
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.59), Cm(27.94)
    document.paragraphs[0].style = document.styles["Normal"]
    for paragraph in document.paragraphs[2:]:
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
        for run in paragraph.runs:
            run.font.size = Pt(12)
    story = _body(document, "讲述科技人员")
    story.add_run("团队反复试验，").bold = True
    story.add_run("终于成功。").italic = True
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "改进后"
    table.cell(1, 0).text, table.cell(1, 1).text = "能耗", "降低30%"
    _body(document, "总结可复制")._p.addprevious(table._tbl)
    data = dengxian_theme(save_docx(document))
    return rewrite_parts(data, word__document_dot_xml=lambda xml: xml.replace(
        "<wp:wrapTopAndBottom/>", '<wp:wrapSquare wrapText="bothSides"/>', 1))


BAD_NARRATIVES = {
    "title_in_normal_style": title_in_normal_style,
    "title_and_subtitle_in_songti_small": title_and_subtitle_in_songti_small,
    "body_on_the_dengxian_theme_font": body_on_the_dengxian_theme_font,
    "body_in_xiao_si_direct": body_in_xiao_si_direct,
    "body_font_from_a_character_style": body_font_from_a_character_style,
    "body_font_through_a_based_on_chain": body_font_through_a_based_on_chain,
    "wrong_first_line_indents": wrong_first_line_indents,
    "line_spacing_one_and_a_half_and_at_least": line_spacing_one_and_a_half_and_at_least,
    "line_spacing_left_to_word_defaults": line_spacing_left_to_word_defaults,
    "pictures_wrapped_square_tight_and_in_front": pictures_wrapped_square_tight_and_in_front,
    "pictures_inline_beside_text": pictures_inline_beside_text,
    "outline_in_heading_styles": outline_in_heading_styles,
    "letter_page_and_everything_at_once": letter_page_and_everything_at_once,
}

"""The narrative rules (narrative.*), each both ways, with formatting inherited from styles,
basedOn chains, document defaults and theme fonts."""

from __future__ import annotations

import re

import pytest
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.validation.builders import (
    TITLE,
    UNIT_NAME,
    camera_photos,
    conforming_narrative,
    conforming_narrative_with_photos,
    form_with_narrative,
    insert_before_body_end,
    open_docx,
    photo_bytes,
    read_part,
    rewrite_parts,
    save_docx,
)
from tests.validation.conftest import codes


def body_paragraph(document, text_start: str):
    return next(paragraph for paragraph in document.paragraphs if paragraph.text.startswith(text_start))


def east_asia(run_or_style_rpr, name: str) -> None:
    fonts = run_or_style_rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        run_or_style_rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def test_conforming_narrative_passes_every_rule(check):
    findings = check(conforming_narrative_with_photos(), "narrative", "案例概要.docx")

    assert findings == []


def test_template_without_photos_fails_only_the_picture_count(check):
    findings = check(conforming_narrative(), "narrative", "案例概要模板.docx")

    assert codes(findings) == ["narrative.image_count"]
    assert findings[0].found == "0"


# --- title ----------------------------------------------------------------------------------
def test_title_in_normal_style_breaks_title_style_but_not_title_font(check):
    document = open_docx(conforming_narrative_with_photos())
    title = document.paragraphs[0]
    title.style = document.styles["Normal"]
    for run in title.runs:
        east_asia(run._r.get_or_add_rPr(), "黑体")
        run.font.size = Pt(16)

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.title_style"]
    assert findings[0].found == "Normal"
    assert findings[0].location == f"paragraph 1 “{TITLE[:12]}…”"


@pytest.mark.parametrize("style_id", ["1", "Heading1", "a1"])
def test_title_style_is_matched_by_name_whatever_its_id(check, style_id):
    data = conforming_narrative_with_photos()
    changed = rewrite_parts(
        data,
        word__styles_dot_xml=lambda xml: xml.replace('w:styleId="Heading1"', f'w:styleId="{style_id}"').replace(
            '<w:name w:val="heading 1"/>', '<w:name w:val="Heading 1"/>'
        ),
        word__document_dot_xml=lambda xml: xml.replace('<w:pStyle w:val="Heading1"/>', f'<w:pStyle w:val="{style_id}"/>'),
    )

    assert check(changed, "narrative", "n.docx") == []


def test_title_left_on_the_theme_font_of_heading_1_breaks_title_font_and_says_so(check):
    data = rewrite_parts(
        conforming_narrative_with_photos(),
        word__styles_dot_xml=lambda xml: re.sub(
            r'(<w:style w:type="paragraph" w:styleId="Heading1">.*?<w:rFonts)[^/]*/>',
            r'\1 w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" w:hAnsiTheme="majorHAnsi"/>',
            xml,
            flags=re.S,
        ),
    )

    findings = check(data, "narrative", "n.docx")

    assert codes(findings) == ["narrative.title_font"]
    assert findings[0].found == "font is 宋体, from the theme heading font (Chinese) set in paragraph style “Heading 1”"
    assert findings[0].expected == "size 3 黑体"


def test_title_in_wrong_size_breaks_title_font(check):
    document = open_docx(conforming_narrative_with_photos())
    document.styles["Heading 1"].font.size = Pt(18)

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.title_font"]
    assert findings[0].found == "size is size Xiao 2 (18 pt), from paragraph style “Heading 1”"


@pytest.mark.parametrize("alias", ["SimHei", "simhei", "黑体"])
def test_title_font_aliases_are_accepted(check, alias):
    document = open_docx(conforming_narrative_with_photos())
    east_asia(document.styles["Heading 1"].element.get_or_add_rPr(), alias)

    assert check(save_docx(document), "narrative", "n.docx") == []


# --- subtitle -------------------------------------------------------------------------------
def test_subtitle_in_songti_breaks_subtitle_font(check):
    document = open_docx(conforming_narrative_with_photos())
    east_asia(document.styles["Narrative Subtitle"].element.get_or_add_rPr(), "宋体")

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.subtitle_font"]
    assert findings[0].found == "font is 宋体, from paragraph style “Narrative Subtitle”"


@pytest.mark.parametrize("alias", ["楷体_GB2312", "KaiTi", "楷体"])
def test_subtitle_kaiti_aliases_are_accepted(check, alias):
    document = open_docx(conforming_narrative_with_photos())
    east_asia(document.styles["Narrative Subtitle"].element.get_or_add_rPr(), alias)

    assert check(save_docx(document), "narrative", "n.docx") == []


def test_subtitle_other_than_the_unit_name_is_a_warning(check):
    document = open_docx(conforming_narrative_with_photos())
    document.paragraphs[1].runs[0].text = "另一家公司"

    findings = check(save_docx(document), "narrative", "n.docx")

    assert [(finding.rule, finding.severity, finding.found) for finding in findings] == [
        ("narrative.subtitle_text", "warning", "另一家公司")
    ]


def test_subtitle_with_a_leading_dash_is_the_unit_name(check):
    document = open_docx(conforming_narrative_with_photos())
    document.paragraphs[1].runs[0].text = f"——{UNIT_NAME}"

    assert check(save_docx(document), "narrative", "n.docx") == []


# --- body font and size, inherited -----------------------------------------------------------
def dengxian_theme(data: bytes) -> bytes:
    """Office 2016+ Chinese defaults: body text on the theme's minorEastAsia, which is 等线."""
    return rewrite_parts(
        data,
        word__theme__theme1_dot_xml=lambda xml: re.sub(
            r'(<a:minorFont>.*?<a:font script="Hans" typeface=")[^"]*"', r'\1等线"', xml, flags=re.S
        ),
        word__styles_dot_xml=lambda xml: re.sub(
            r'(<w:style w:type="paragraph" w:default="1" w:styleId="Normal">.*?)<w:rFonts[^/]*/>',
            r"\1",
            xml.replace(
                'w:eastAsia="宋体" w:cs="Times New Roman"/>', 'w:eastAsiaTheme="minorEastAsia" w:cs="Times New Roman"/>', 1
            ),
            flags=re.S,
        ),
    )


def test_body_left_on_the_theme_font_dengxian_is_reported_with_its_source(check):
    data = dengxian_theme(conforming_narrative_with_photos())
    assert 'w:eastAsiaTheme="minorEastAsia"' in read_part(data, "word/styles.xml")

    findings = check(data, "narrative", "n.docx")

    assert codes(findings) == ["narrative.body_font"]
    assert findings[0].found == "等线, from the theme body font (Chinese) set in the document defaults"
    assert findings[0].message == (
        "8 paragraph(s) of body text are not in the required Chinese font: "
        "等线, from the theme body font (Chinese) set in the document defaults. It should be 宋体."
    )


def test_body_font_from_a_character_style(check):
    document = open_docx(conforming_narrative_with_photos())
    from docx.enum.style import WD_STYLE_TYPE

    emphasis = document.styles.add_style("Quote Chars", WD_STYLE_TYPE.CHARACTER)
    east_asia(emphasis.element.get_or_add_rPr(), "仿宋")
    body_paragraph(document, "简要介绍").runs[0].style = emphasis

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.body_font"]
    assert findings[0].found == "仿宋, from character style “Quote Chars”"
    assert findings[0].location == "paragraph 4 “简要介绍企业的基本情况、…”"


def test_body_font_through_a_based_on_chain(check):
    document = open_docx(conforming_narrative_with_photos())
    from docx.enum.style import WD_STYLE_TYPE

    base = document.styles.add_style("Base Text", WD_STYLE_TYPE.PARAGRAPH)
    base.base_style = document.styles["Normal"]
    east_asia(base.element.get_or_add_rPr(), "楷体")
    derived = document.styles.add_style("Story Text", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = base
    body_paragraph(document, "讲述科技人员").style = derived

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.body_font"]
    assert findings[0].found == "楷体, from paragraph style “Base Text”"


@pytest.mark.parametrize("name", ["SimSun", "新宋体", "宋体"])
def test_body_font_aliases_are_accepted(check, name):
    document = open_docx(conforming_narrative_with_photos())
    east_asia(document.styles["Normal"].element.get_or_add_rPr(), name)

    assert check(save_docx(document), "narrative", "n.docx") == []


def test_a_garbled_font_name_is_recognised_by_its_alternate_name_in_the_font_table(check):
    garbled = "ËÎÌå"  # 宋体 in GBK read as Latin-1, as old converters write it
    data = rewrite_parts(
        conforming_narrative_with_photos(),
        word__styles_dot_xml=lambda xml: xml.replace('w:eastAsia="宋体"', f'w:eastAsia="{garbled}"'),
        word__fontTable_dot_xml=lambda xml: xml.replace(
            "</w:fonts>", f'<w:font w:name="{garbled}"><w:altName w:val="宋体"/></w:font></w:fonts>'
        ),
    )
    without_table_entry = rewrite_parts(data, word__fontTable_dot_xml=lambda xml: xml.replace("<w:altName w:val=\"宋体\"/>", ""))

    assert check(data, "narrative", "n.docx") == []
    assert codes(check(without_table_entry, "narrative", "n2.docx")) == ["narrative.body_font"]


def test_body_size_uses_sz_and_ignores_szcs(check):
    document = open_docx(conforming_narrative_with_photos())
    run = body_paragraph(document, "简要介绍").runs[0]
    run.font.size = Pt(12)
    run_properties = run._r.get_or_add_rPr()
    complex_size = OxmlElement("w:szCs")
    complex_size.set(qn("w:val"), "28")
    run_properties.append(complex_size)

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.body_size"]
    assert findings[0].found == "size Xiao 4 (12 pt), from direct formatting"
    assert findings[0].expected == "size 4"


def test_a_different_szcs_alone_is_fine(check):
    document = open_docx(conforming_narrative_with_photos())
    run_properties = body_paragraph(document, "简要介绍").runs[0]._r.get_or_add_rPr()
    complex_size = OxmlElement("w:szCs")
    complex_size.set(qn("w:val"), "21")
    run_properties.append(complex_size)

    assert check(save_docx(document), "narrative", "n.docx") == []


# --- indent and line spacing ----------------------------------------------------------------
def set_indent(paragraph, **attributes: str) -> None:
    paragraph_properties = paragraph._p.get_or_add_pPr()
    indent = OxmlElement("w:ind")
    for name, value in attributes.items():
        indent.set(qn(f"w:{name}"), value)
    paragraph_properties.append(indent)


@pytest.mark.parametrize(
    ("attributes", "found"),
    [
        ({"firstLineChars": "0", "firstLine": "0"}, "no first-line indent, from direct formatting"),
        ({"firstLine": "420"}, "21 pt, from direct formatting"),
        ({"firstLineChars": "100", "firstLine": "280"}, "1 characters, from direct formatting"),
        ({"hanging": "560"}, "a hanging indent, from direct formatting"),
    ],
)
def test_wrong_first_line_indent(check, attributes, found):
    document = open_docx(conforming_narrative_with_photos())
    set_indent(body_paragraph(document, "简要介绍"), **attributes)

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.indent"]
    assert findings[0].found == found
    assert findings[0].location == "paragraph 4 “简要介绍企业的基本情况、…”"


def test_first_line_indent_in_points_equal_to_two_characters_is_accepted(check):
    document = open_docx(conforming_narrative_with_photos())
    set_indent(body_paragraph(document, "简要介绍"), firstLine="560")

    assert check(save_docx(document), "narrative", "n.docx") == []


def test_line_spacing_other_than_exactly_22_pt(check):
    document = open_docx(conforming_narrative_with_photos())
    for start in ("简要介绍", "讲述科技人员"):
        paragraph_format = body_paragraph(document, start).paragraph_format
        paragraph_format.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
    body_paragraph(document, "说明创新成果").paragraph_format.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
    body_paragraph(document, "说明创新成果").paragraph_format.line_spacing = Pt(22)

    findings = check(save_docx(document), "narrative", "n.docx")

    assert [(finding.rule, finding.found, finding.message) for finding in findings] == [
        (
            "narrative.line_spacing", "1.5 lines, from direct formatting",
            "2 paragraph(s) of body text do not have the required line spacing: 1.5 lines, from direct formatting. "
            "It should be Exactly 22 pt.",
        ),
        (
            "narrative.line_spacing", "At least 22 pt, from direct formatting",
            "1 paragraph(s) of body text do not have the required line spacing: At least 22 pt, from direct formatting. "
            "It should be Exactly 22 pt.",
        ),
    ]


def test_line_spacing_left_to_word_defaults(check):
    data = rewrite_parts(
        conforming_narrative_with_photos(),
        word__styles_dot_xml=lambda xml: xml.replace('<w:spacing w:lineRule="exact" w:line="440" w:before="0" w:after="0"/>', '<w:spacing w:before="0" w:after="0"/>')
        .replace('<w:spacing w:line="440" w:lineRule="exact" w:before="0" w:after="0"/>', '<w:spacing w:before="0" w:after="0"/>'),
    )

    findings = check(data, "narrative", "n.docx")

    assert codes(findings) == ["narrative.line_spacing"]
    assert findings[0].found == "Multiple 1.15 lines, from the document defaults"


def test_picture_only_paragraphs_are_exempt_from_indent_and_spacing(check):
    document = open_docx(conforming_narrative_with_photos())
    for paragraph in document.paragraphs:
        if not paragraph.text and paragraph._p.xpath(".//w:drawing"):
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    assert check(save_docx(document), "narrative", "n.docx") == []


# --- outline and length ---------------------------------------------------------------------
def test_missing_outline_part_is_a_warning_naming_it(check):
    document = open_docx(conforming_narrative_with_photos())
    body_paragraph(document, "三、创新成果应用").runs[0].text = "三、推广情况"
    body_paragraph(document, "说明创新成果").runs[0].text = "说明推广情况。"

    findings = check(save_docx(document), "narrative", "n.docx")

    assert [(finding.rule, finding.severity, finding.found) for finding in findings] == [
        ("narrative.outline", "warning", "3. 创新成果应用")
    ]


def test_second_part_is_recognised_by_its_number_when_freely_titled(check):
    document = open_docx(conforming_narrative_with_photos())
    body_paragraph(document, "二、聚焦").runs[0].text = "二、十年磨一剑"
    body_paragraph(document, "讲述科技人员").runs[0].text = "团队从零开始研究。"

    assert check(save_docx(document), "narrative", "n.docx") == []


def _narrative_of_length(chars: int) -> bytes:
    """The conforming narrative padded to `chars` 字 as Word counts them."""
    from cases.validation.wordcount import word_count

    document = open_docx(conforming_narrative_with_photos())
    current = sum(word_count(paragraph.text) for paragraph in document.paragraphs)
    assert current < chars
    body_paragraph(document, "总结可复制").runs[0].text += "创" * (chars - current)
    return save_docx(document)


@pytest.mark.parametrize(("chars", "expected"), [
    (2000, []),
    (2001, [("narrative.length_notice", "info", "2001")]),
    (2200, [("narrative.length_notice", "info", "2200")]),
    (2201, [("narrative.length", "warning", "2201")]),
])
def test_length_above_the_notices_2000_is_a_note_and_above_the_tolerance_a_warning(check, chars, expected):
    findings = check(_narrative_of_length(chars), "narrative", "n.docx")

    assert [(finding.rule, finding.severity, finding.found) for finding in findings] == expected


def test_length_note_quotes_the_notice_and_the_tolerance(check):
    [finding] = check(_narrative_of_length(2100), "narrative", "n.docx")

    assert finding.message == ("The narrative has 2100 characters as Word counts them; the notice asks for generally "
                               "no more than 2000 (一般不超过2000字).")
    assert finding.fix.endswith("Above 2200 characters this becomes a warning.")


def test_length_limits_are_the_campaigns(check):
    from dataclasses import replace

    from cases.validation.limits import ValidationContext, campaign_limits

    class Campaign:  # the two numbers a campaign row holds (cases.models.Campaign)
        narrative_notice_chars = 1500
        narrative_max_chars = 1800

    limits = campaign_limits(Campaign())
    context = replace(ValidationContext(unit_name=UNIT_NAME, case_name=TITLE), limits=limits)

    assert [(f.rule, f.severity) for f in check(_narrative_of_length(1700), "narrative", "a.docx", with_context=context)] == [
        ("narrative.length_notice", "info")]
    assert [(f.rule, f.severity) for f in check(_narrative_of_length(1801), "narrative", "b.docx", with_context=context)] == [
        ("narrative.length", "warning")]


# --- pictures -------------------------------------------------------------------------------
def test_fewer_and_more_pictures_than_asked(check):
    from io import BytesIO

    from docx.shared import Cm

    two = conforming_narrative(list(camera_photos()[:2]))
    document = open_docx(conforming_narrative_with_photos())
    extra = body_paragraph(document, "总结可复制").insert_paragraph_before()
    extra.add_run().add_picture(BytesIO(photo_bytes(seed=4)), width=Cm(10))
    four = save_docx(document)

    assert [(f.rule, f.found) for f in check(two, "narrative", "two.docx")] == [("narrative.image_count", "2")]
    assert [(f.rule, f.found) for f in check(four, "narrative", "four.docx")] == [("narrative.image_count", "4")]


def test_small_picture_is_a_warning_per_picture(check):
    small = photo_bytes((600, 400), seed=9)
    data = conforming_narrative([camera_photos()[0], small, camera_photos()[2]])

    findings = check(data, "narrative", "n.docx")

    assert [(finding.rule, finding.severity) for finding in findings] == [("narrative.image_size", "warning")]
    assert findings[0].found.endswith(" KB")
    assert findings[0].expected == "at least 2 MB"
    assert findings[0].location == "paragraph 8 (picture)"


@pytest.mark.parametrize(("wrap", "found"), [("wrapSquare", "Square"), ("wrapTight", "Tight"), ("wrapNone", "In front of text")])
def test_picture_not_wrapped_top_and_bottom(check, wrap, found):
    data = rewrite_parts(
        conforming_narrative_with_photos(),
        word__document_dot_xml=lambda xml: xml.replace("<wp:wrapTopAndBottom/>", f'<wp:{wrap} wrapText="bothSides"/>' if wrap != "wrapNone" else "<wp:wrapNone/>", 1),
    )

    findings = check(data, "narrative", "n.docx")

    assert [(finding.rule, finding.found) for finding in findings] == [("narrative.image_wrap", found)]


def test_inline_picture_alone_is_accepted_but_not_beside_text(check):
    document = open_docx(conforming_narrative(list(camera_photos()[:2])))
    from io import BytesIO

    from docx.shared import Cm

    alone = body_paragraph(document, "总结可复制").insert_paragraph_before()
    alone.add_run().add_picture(BytesIO(camera_photos()[2]), width=Cm(10))
    accepted = save_docx(document)
    alone.add_run("图中为生产线")
    rejected = save_docx(document)

    assert check(accepted, "narrative", "a.docx") == []
    findings = check(rejected, "narrative", "b.docx")
    assert [(finding.rule, finding.found) for finding in findings] == [
        ("narrative.image_wrap", "In line with text, sharing its paragraph with text or other pictures")
    ]


def test_drawings_are_counted_not_media_files_and_fallback_copies_are_skipped(check):
    """Three drawings of one media file count 3; a VML copy in mc:Fallback does not count."""

    def duplicate_first_drawing(xml: str) -> str:
        drawings = re.findall(r"<w:drawing>.*?</w:drawing>", xml, flags=re.S)
        first = drawings[0]
        image_id = re.search(r'r:embed="(rId\d+)"', first).group(1)
        for other in drawings[1:]:
            xml = xml.replace(other, re.sub(r'r:embed="rId\d+"', f'r:embed="{image_id}"', other))
        alternate = (
            '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            f"<mc:Choice Requires=\"wps\">{drawings[1]}</mc:Choice>"
            f'<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" style="position:absolute"><v:imagedata r:id="{image_id}"/></v:shape></w:pict></mc:Fallback>'
            "</mc:AlternateContent>"
        )
        return xml.replace(drawings[1], alternate.replace(drawings[1], re.sub(r'r:embed="rId\d+"', f'r:embed="{image_id}"', drawings[1])), 1)

    data = rewrite_parts(conforming_narrative_with_photos(), word__document_dot_xml=duplicate_first_drawing)

    assert check(data, "narrative", "n.docx") == []


def test_caption_after_a_picture_is_not_body_text(check):
    document = open_docx(conforming_narrative_with_photos())
    picture_paragraph = next(p for p in document.paragraphs if not p.text and p._p.xpath(".//w:drawing"))
    caption = document.add_paragraph("图1 企业外景")
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.runs[0].font.size = Pt(10.5)
    picture_paragraph._p.addnext(caption._p)

    assert check(save_docx(document), "narrative", "n.docx") == []


# --- where the narrative is ---------------------------------------------------------------
@pytest.mark.parametrize("layout", ["cell", "appendix"])
def test_narrative_inside_the_form_is_found_and_the_form_is_not_held_to_body_rules(check, layout):
    data = form_with_narrative(layout=layout, photos=list(camera_photos()))

    assert check(data, "narrative", "推荐表.docx") == []


def test_form_without_a_narrative_is_reported_empty(check):
    document = open_docx(form_with_narrative(layout="appendix"))
    body = document.element.body
    for paragraph in [child for child in body if child.tag == qn("w:p")]:
        body.remove(paragraph)

    findings = check(save_docx(document), "narrative", "推荐表.docx")

    assert codes(findings) == ["narrative.empty"]


def test_narrative_in_the_cell_is_checked(check):
    document = open_docx(form_with_narrative(layout="cell", photos=list(camera_photos())))
    cell = document.tables[0].cell(1, 1)
    for paragraph in cell.paragraphs:
        if paragraph.text.startswith("简要介绍"):
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.DOUBLE

    findings = check(save_docx(document), "narrative", "推荐表.docx")

    assert [(finding.rule, finding.found) for finding in findings] == [
        ("narrative.line_spacing", "Double, from direct formatting")
    ]


def test_deleted_revisions_do_not_count(check):
    data = rewrite_parts(
        conforming_narrative_with_photos(),
        word__document_dot_xml=lambda xml: insert_before_body_end(
            xml,
            '<w:p><w:del w:id="1" w:author="a" w:date="2024-08-01T00:00:00Z"><w:r><w:rPr><w:sz w:val="40"/></w:rPr>'
            "<w:delText>删除的文字</w:delText></w:r></w:del></w:p>",
        ),
    )

    assert check(data, "narrative", "n.docx") == []

"""The 案例概要 narrative as the notice wants it (附件1/附件3 格式要求), generated as .docx.

`build_conforming_narrative(title=..., unit_name=..., photos=[...])` gives a document that passes
every `narrative` rule of cases.validation (the validators' self-test). Without photos it fails
`narrative.image_count` only (no pictures yet). `narrative_template()` is the blank 案例概要 users
download (cases:narrative_template): title and subtitle placeholders, the notice's outline with
short writing prompts, and a placeholder picture (≥ 2 MB, anchored Top and Bottom) where each photo
goes, so it passes every rule as shipped and each placeholder is replaced by right-click → Change
Picture. The fixer (cases.documents.narrative_fix) copies its styles and page setup.

Formatting is put where Word users expect it, so that what they type stays conforming: the title
in the built-in style Heading 1 (三号黑体), the subtitle in its own style (三号楷体), the body in
Normal (四号宋体, 首行缩进2字符, 固定值22磅). Chinese font names go to w:eastAsia and the theme
font attributes are removed, or Word would show the theme's 等线. Pictures are anchored with
Top and Bottom wrapping (上下型环绕), each in its own paragraph; an inline picture would be clipped
by the exact line spacing.
"""

from __future__ import annotations

import copy
from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

from cases.validation.limits import NOTICE_FORMAT

LATIN_FONT = "Times New Roman"
SUBTITLE_STYLE = "Narrative Subtitle"
PICTURE_WIDTH = Cm(14.5)
PICTURE_SIDE_DISTANCE = "114300"  # EMU, Word's default 0.32 cm
# Page setup (the notice sets none): A4 with the margins of Chinese Word's default Normal template.
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
MARGIN_TOP_BOTTOM, MARGIN_LEFT_RIGHT = Cm(2.54), Cm(3.17)
TEMPLATE_TITLE = "案例标题（一句话讲清创新故事）"
TEMPLATE_UNIT = "完成单位全称"
PLACEHOLDER_SIZE = (2400, 1600)  # landscape 3:2, as the case photos
PLACEHOLDER_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PLACEHOLDER_LABEL = "此处放照片：右键 → 更改图片（原图不小于2MB）"

# (outline heading, writing prompt, photos inserted after the part: how many)
OUTLINE = (
    ("一、企业简介及所获荣誉奖励", "简要介绍企业的基本情况、主营业务和近年来所获的主要荣誉奖励。", NOTICE_FORMAT.exterior_images),
    (
        "二、聚焦典型案例：创新团队攻坚克难的励志故事",
        "讲述科技人员从受到启发到锚定方向、确定技术路线，运用科学原理和创新思维方法攻克核心技术难关，"
        "再到产品研发、市场推广的过程，突出人物与细节。",
        NOTICE_FORMAT.case_images,
    ),
    ("三、创新成果应用", "说明创新成果的应用情况，以及产生的经济效益和社会效益，用数据说话。", 0),
    ("四、经验与启示", "总结可复制、可推广的经验，谈谈对企业创新发展的启示。", 0),
)


def build_conforming_narrative(*, title: str, unit_name: str, photos: list[bytes] | None = None) -> bytes:
    """A narrative .docx meeting the notice's format; `photos` are JPEG bytes in order
    (企业外景, 实物图, 场景图). Pictures keep their original bytes, so ≥ 2 MB photos stay ≥ 2 MB."""
    document = Document()
    _set_page(document)
    _set_defaults(document)
    _set_body_style(document.styles["Normal"])
    _set_title_style(document.styles["Heading 1"])
    _add_subtitle_style(document)

    document.core_properties.title = title
    document.add_paragraph(title, style="Heading 1")
    document.add_paragraph(unit_name, style=SUBTITLE_STYLE)
    remaining = list(photos or [])
    for heading, prompt, photo_count in OUTLINE:
        heading_paragraph = document.add_paragraph()
        heading_paragraph.add_run(heading).bold = True
        document.add_paragraph(prompt)
        for _index in range(photo_count):
            if remaining:
                _add_anchored_picture(document, remaining.pop(0))

    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def narrative_template() -> bytes:
    """The blank 案例概要 for download: passes every rule of the notice as shipped (tested)."""
    placeholder = placeholder_photo()
    photo_count = sum(count for _heading, _prompt, count in OUTLINE)
    return build_conforming_narrative(title=TEMPLATE_TITLE, unit_name=TEMPLATE_UNIT, photos=[placeholder] * photo_count)


def placeholder_photo() -> bytes:
    """A light-grey 3:2 JPEG saying where the photo goes. Fine grain keeps it above the notice's
    2 MB (a smooth picture would compress to a few kB and break the size rule); the three
    placeholders share one image part of the .docx (python-docx stores identical images once)."""
    import random

    width, height = PLACEHOLDER_SIZE
    grain = Image.frombytes("L", PLACEHOLDER_SIZE, random.Random(2024).randbytes(width * height))
    image = Image.merge("RGB", [grain.point(lambda value: 196 + value // 5)] * 3)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype(PLACEHOLDER_FONT, 96)
    except OSError:  # no CJK font installed: the grey box alone still marks the place
        font = None
    if font is not None:
        draw.text((width // 2, height // 2), PLACEHOLDER_LABEL, fill=(90, 90, 90), font=font, anchor="mm")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _set_page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = section.bottom_margin = MARGIN_TOP_BOTTOM
    section.left_margin = section.right_margin = MARGIN_LEFT_RIGHT


def _set_fonts(properties, east_asian: str) -> None:
    """Explicit fonts on an rPr, dropping theme attributes (which would win over them)."""
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), LATIN_FONT)


def _set_defaults(document) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _set_fonts(run_properties, NOTICE_FORMAT.body_font_family)
    language = run_properties.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")


def _set_body_style(style) -> None:
    _set_fonts(style.element.get_or_add_rPr(), NOTICE_FORMAT.body_font_family)
    style.font.size = Pt(NOTICE_FORMAT.body_size_half_points / 2)
    paragraph_format = style.paragraph_format
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(NOTICE_FORMAT.line_spacing_twips / 20)
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)
    _set_first_line_chars(style.element.get_or_add_pPr(), NOTICE_FORMAT.first_line_indent_chars, NOTICE_FORMAT.body_size_half_points)


def _set_first_line_chars(paragraph_properties, hundredths: int, size_half_points: int) -> None:
    """w:ind with firstLineChars (what Word writes for “首行缩进 2 字符”) and the matching twips."""
    indent = paragraph_properties.find(qn("w:ind"))
    if indent is None:
        indent = OxmlElement("w:ind")
        paragraph_properties.append(indent)
    indent.set(qn("w:firstLineChars"), str(hundredths))
    indent.set(qn("w:firstLine"), str(hundredths * size_half_points // 10))  # chars × pt × 20 twips
    _reorder(paragraph_properties)


def _reorder(paragraph_properties) -> None:
    """Keep pPr children in schema order (spacing before ind before jc) for strict readers."""
    order = [qn(f"w:{name}") for name in ("pStyle", "keepNext", "keepLines", "spacing", "ind", "jc", "outlineLvl")]
    children = sorted(paragraph_properties, key=lambda child: order.index(child.tag) if child.tag in order else len(order))
    for child in children:
        paragraph_properties.append(child)


def _set_title_style(style) -> None:
    run_properties = style.element.get_or_add_rPr()
    _set_fonts(run_properties, NOTICE_FORMAT.title_font_family)
    style.font.size = Pt(NOTICE_FORMAT.title_size_half_points / 2)
    style.font.bold = False  # 黑体 is heavy already; Word's fake bold smears it
    for color in run_properties.findall(qn("w:color")):
        run_properties.remove(color)
    paragraph_format = style.paragraph_format
    paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)
    _set_first_line_chars(style.element.get_or_add_pPr(), 0, NOTICE_FORMAT.title_size_half_points)


def _add_subtitle_style(document) -> None:
    style = document.styles.add_style(SUBTITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    _set_fonts(style.element.get_or_add_rPr(), NOTICE_FORMAT.subtitle_font_family)
    style.font.size = Pt(NOTICE_FORMAT.subtitle_size_half_points / 2)
    style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_first_line_chars(style.element.get_or_add_pPr(), 0, NOTICE_FORMAT.subtitle_size_half_points)


def _add_anchored_picture(document, photo: bytes) -> None:
    """A picture alone in its paragraph, anchored and wrapped Top and Bottom, centred on the column."""
    with Image.open(BytesIO(photo)) as image:
        width, height = image.size
    paragraph = document.add_paragraph()
    _set_first_line_chars(paragraph._p.get_or_add_pPr(), 0, NOTICE_FORMAT.body_size_half_points)
    run = paragraph.add_run()
    run.add_picture(BytesIO(photo), width=PICTURE_WIDTH, height=int(PICTURE_WIDTH * height / width))
    drawing = run._r.find(qn("w:drawing"))
    inline = drawing.find(qn("wp:inline"))
    drawing.replace(inline, _anchor_from_inline(inline))


def _anchor_from_inline(inline):
    anchor = OxmlElement("wp:anchor")
    for name, value in (
        ("distT", "0"), ("distB", "0"), ("distL", PICTURE_SIDE_DISTANCE), ("distR", PICTURE_SIDE_DISTANCE),
        ("simplePos", "0"), ("relativeHeight", "251659264"), ("behindDoc", "0"), ("locked", "0"),
        ("layoutInCell", "1"), ("allowOverlap", "0"),
    ):
        anchor.set(name, value)
    simple_position = OxmlElement("wp:simplePos")
    simple_position.set("x", "0")
    simple_position.set("y", "0")
    anchor.append(simple_position)
    horizontal = OxmlElement("wp:positionH")
    horizontal.set("relativeFrom", "column")
    align = OxmlElement("wp:align")
    align.text = "center"
    horizontal.append(align)
    anchor.append(horizontal)
    vertical = OxmlElement("wp:positionV")
    vertical.set("relativeFrom", "paragraph")
    offset = OxmlElement("wp:posOffset")
    offset.text = "0"
    vertical.append(offset)
    anchor.append(vertical)
    anchor.append(copy.deepcopy(inline.find(qn("wp:extent"))))
    effect = OxmlElement("wp:effectExtent")
    for side in ("l", "t", "r", "b"):
        effect.set(side, "0")
    anchor.append(effect)
    anchor.append(OxmlElement("wp:wrapTopAndBottom"))
    for tag in ("wp:docPr", "wp:cNvGraphicFramePr", "a:graphic"):
        element = inline.find(qn(tag))
        if element is not None:
            anchor.append(copy.deepcopy(element))
    return anchor

"""一键修正格式: rewrite a narrative (.docx) to the notice's format, keeping its content.

Runs in a child process with an address-space limit (cases.narrative_fixes starts it through
cases.validation.isolation.run_tool, after the file's check found it openable and the engine's guard
read its zip directory): Usage: python -m cases.documents.narrative_fix IN.docx OUT.docx [LANGUAGE]
prints {"changes": [{"code", "count", "text"}]} as JSON on stdout; exit EXIT_NOT_FIXABLE when the
file is no narrative it can rewrite. The child configures a bare Django (translations only): no
database, no storage, no project settings.

What it rewrites is what the rules judge, found by the rules' own code (cases.validation.narrative:
locate_narrative, narrative_parts), so its output passes them:
- styles: Normal (the body: 四号宋体 with the Latin font set, 首行缩进2字符, 固定值22磅), Heading 1 (the
  title: 三号黑体) and the subtitle style (三号楷体) are copied from the downloadable template
  (cases.documents.narrative_template), whose definitions the validators' self-test passes; the
  document defaults get the template's fonts (theme fonts removed: Word would show 等线);
- the title takes Heading 1, the subtitle the subtitle style, every body paragraph the body style;
  direct formatting that fights them (fonts, sizes, indents, line spacing, character styles that
  set a font) is removed; bold, italic and underline stay;
- outline headings (一、（一）1. or the outline's titles, whatever style the author used) become body
  paragraphs in bold, keeping an automatic number as it was;
- pictures are anchored Top and Bottom (上下型), centred, in their order, scaled down to the text
  width if wider; tables, text, images and everything else are copied as they are;
- the page setup (A4, margins) is the template's.
Length, missing outline parts, picture count and size, advertising tone are not changed: the
caller lists what the rules still find on the output.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from lxml import etree

from cases.documents.merge import peak_rss_kib  # the child reports its peak memory like the merge does

ROOT = Path(__file__).resolve().parents[2]
EXIT_NOT_FIXABLE = 3
EXIT_OUT_OF_MEMORY = 4
PEAK_RSS_PREFIX = "peak-rss-kib="
EMU_PER_TWIP = 635
OUTLINE_NUMBERING = re.compile(r"^\s*(第?[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十]+[)）]|\d{1,2}\s*[、．.](?!\d))")
FIGHTING_RUN_PROPERTIES = ("rFonts", "sz", "szCs")
KEPT_FROM_CHARACTER_STYLE = ("b", "i", "u", "strike")
FIGHTING_PARAGRAPH_PROPERTIES = ("ind", "spacing", "jc")
MEDIA_SUFFIXES = (".jpeg", ".jpg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf")


class NotFixable(Exception):
    """The file is no narrative this fixer can rewrite (args[0] says why, for the log)."""


@dataclass
class Change:
    code: str
    count: int
    text: str


@dataclass
class FixReport:
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"changes": [change.__dict__ for change in self.changes]}


# --- the template's definitions ----------------------------------------------------------------
@dataclass(frozen=True)
class TemplateParts:
    styles: etree._Element
    section: etree._Element
    body_style_name: str
    title_style_name: str
    subtitle_style_name: str


@lru_cache(maxsize=1)
def template_parts() -> TemplateParts:
    """Styles and section of the downloadable template, built by its own code (without photos)."""
    from cases.documents.narrative_template import SUBTITLE_STYLE, build_conforming_narrative
    from cases.validation.ooxml import qn, parse_xml

    data = build_conforming_narrative(title="标题", unit_name="单位")
    with zipfile.ZipFile(BytesIO(data)) as archive:
        styles = parse_xml(archive.read("word/styles.xml"))
        document = parse_xml(archive.read("word/document.xml"))
    section = document.find(f"{qn('w:body')}/{qn('w:sectPr')}")
    return TemplateParts(styles, section, "normal", "heading 1", SUBTITLE_STYLE)


# --- the fix -------------------------------------------------------------------------------------
def fix_document(source: Path, target: Path, limits=None) -> FixReport:
    """Rewrite `source` (a .docx) into `target`; raises NotFixable or UnreadablePackage."""
    from django.utils.translation import gettext as _

    from cases.validation.limits import ValidationLimits
    from cases.validation.narrative import TITLE_STYLE_NAMES, is_empty, narrative_parts
    from cases.validation.narrative_locate import locate_narrative
    from cases.validation.ooxml import OoxmlPackage, qn
    from cases.validation.wordml import WordDocument

    limits = limits or ValidationLimits()
    template = template_parts()
    with OoxmlPackage(source, limits) as package:
        document = WordDocument(package)
        narrative = locate_narrative(document, TITLE_STYLE_NAMES)
        if is_empty(narrative):
            raise NotFixable("no narrative text")
        parts = narrative_parts(document, narrative)
        styles_name = _styles_part_name(document)
        styles = package.optional_xml(styles_name) if styles_name else None
        if styles is None:
            raise NotFixable("the document has no styles part")
        report = FixReport()
        _describe_changes(report, document, parts, template)
        ids = _install_styles(styles, template)
        root = document.body.getroottree().getroot()
        body_ids = {id(paragraph) for paragraph in parts.body}
        stripped_runs = 0
        headings = 0
        for paragraph in parts.text_paragraphs:
            element = paragraph.element
            if paragraph is parts.title:
                stripped_runs += _restyle(document, element, ids["title"])
            elif paragraph is parts.subtitle:
                stripped_runs += _restyle(document, element, ids["subtitle"])
            elif id(paragraph) in body_ids:
                is_heading = _is_outline_heading(document, paragraph)
                had_own_style = document.formatting.paragraph_style_id(element) != document.formatting.default_paragraph_style
                stripped_runs += _restyle(document, element, None, keep_numbering=True)
                if is_heading and (_embolden(element) or had_own_style):
                    headings += 1
        text_width = _text_width_emu(template.section)
        pictures = 0
        for paragraph in parts.numbered:
            pictures += _anchor_pictures(paragraph.element, text_width)
            if paragraph.pictures and not paragraph.has_text:
                _no_first_line_indent(paragraph.element)
        for section in document.body.iter(qn("w:sectPr")):
            _copy_page_setup(section, template.section)
        if headings:
            report.changes.append(Change("headings", headings, _(
                "Outline headings, %(count)s: kept with their numbers, in bold, in the body style") % {"count": headings}))
        if stripped_runs:
            report.changes.append(Change("direct_formatting", stripped_runs, _(
                "Direct formatting that overrode the styles removed from %(count)s run(s)") % {"count": stripped_runs}))
        _write(package, target, {document.main_part: root, styles_name: styles})
    return report


def _styles_part_name(document) -> str | None:
    for target, external in document.relationships.values():
        if not external and target.rsplit("/", 1)[-1] == "styles.xml":
            return target
    return None


def _w(name: str) -> str:
    from cases.validation.ooxml import qn

    return qn(f"w:{name}")


def _normalised(name: str) -> str:
    return "".join(name.split()).casefold()


def _style_by_name(styles: etree._Element, name: str) -> etree._Element | None:
    for style in styles.iter(_w("style")):
        name_element = style.find(_w("name"))
        if name_element is not None and _normalised(name_element.get(_w("val"), "")) == _normalised(name):
            return style
    return None


def _default_paragraph_style(styles: etree._Element) -> etree._Element | None:
    for style in styles.iter(_w("style")):
        if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
            return style
    return None


def _install_styles(styles: etree._Element, template: TemplateParts) -> dict[str, str]:
    """Give the document the template's body, title and subtitle styles; their ids in the document."""
    template_normal = _style_by_name(template.styles, template.body_style_name)
    normal = _default_paragraph_style(styles)
    if normal is None:
        normal = _style_by_name(styles, template.body_style_name)
    if normal is None:
        normal = copy.deepcopy(template_normal)
        styles.append(normal)
    normal.set(_w("default"), "1")
    _replace_properties(normal, template_normal)
    normal_id = normal.get(_w("styleId"))
    ids = {"body": normal_id}
    for role, name in (("title", template.title_style_name), ("subtitle", template.subtitle_style_name)):
        source = _style_by_name(template.styles, name)
        style = _style_by_name(styles, name)
        if style is None:
            style = copy.deepcopy(source)
            style.set(_w("styleId"), _free_style_id(styles, source.get(_w("styleId"))))
            styles.append(style)
        _replace_properties(style, source)
        based_on = style.find(_w("basedOn"))
        if based_on is None:
            based_on = etree.Element(_w("basedOn"))
            name_element = style.find(_w("name"))
            style.insert(list(style).index(name_element) + 1 if name_element is not None else 0, based_on)
        based_on.set(_w("val"), normal_id)
        ids[role] = style.get(_w("styleId"))
    # Document defaults: the template's fonts (no theme font left to fall back on).
    defaults = styles.find(_w("docDefaults"))
    template_defaults = template.styles.find(_w("docDefaults"))
    if defaults is None:
        styles.insert(0, copy.deepcopy(template_defaults))
    else:
        run_defaults = defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}")
        template_run = template_defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}")
        if run_defaults is None:
            holder = defaults.find(_w("rPrDefault"))
            if holder is None:
                holder = etree.SubElement(defaults, _w("rPrDefault"))
                defaults.insert(0, holder)
            holder.append(copy.deepcopy(template_run))
        else:
            for child in run_defaults.findall(_w("rFonts")):
                run_defaults.remove(child)
            run_defaults.insert(0, copy.deepcopy(template_run.find(_w("rFonts"))))
    return ids


def _free_style_id(styles: etree._Element, wanted: str) -> str:
    taken = {style.get(_w("styleId")) for style in styles.iter(_w("style"))}
    candidate, number = wanted, 1
    while candidate in taken:
        number += 1
        candidate = f"{wanted}{number}"
    return candidate


def _replace_properties(style: etree._Element, source: etree._Element) -> None:
    for tag in ("pPr", "rPr"):
        for old in style.findall(_w(tag)):
            style.remove(old)
    table_properties = style.find(_w("tblPr"))
    position = list(style).index(table_properties) if table_properties is not None else len(style)
    for tag in ("rPr", "pPr"):  # inserted before tblPr, ending as pPr then rPr
        new = source.find(_w(tag))
        if new is not None:
            style.insert(position, copy.deepcopy(new))


def _restyle(document, element: etree._Element, style_id: str | None, *, keep_numbering: bool = False) -> int:
    """Put the paragraph on `style_id` (None: the default body style) and remove what fights it.
    Returns how many runs lost direct formatting."""
    properties = element.find(_w("pPr"))
    if properties is None:
        properties = etree.Element(_w("pPr"))
        element.insert(0, properties)
    numbering = None
    if keep_numbering:
        numbering = properties.find(_w("numPr"))
        if numbering is None:
            numbering = _style_numbering(document, element)
    for tag in ("pStyle", "numPr", *FIGHTING_PARAGRAPH_PROPERTIES):
        for old in properties.findall(_w(tag)):
            properties.remove(old)
    if style_id is not None:
        style = etree.Element(_w("pStyle"))
        style.set(_w("val"), style_id)
        properties.insert(0, style)
    if numbering is not None:
        # Direct formatting beats the numbering's own indent, so the line still starts 2 characters in.
        properties.insert(0 if style_id is None else 1, copy.deepcopy(numbering))
        _set_body_indent(properties)
    mark = properties.find(_w("rPr"))
    if mark is not None:
        _strip_run_properties(mark)
    stripped = 0
    for run in element.iter(_w("r")):
        stripped += _strip_run(document, element, run)
    return stripped


def _style_numbering(document, element: etree._Element) -> etree._Element | None:
    """The numPr a paragraph gets from its style (an automatic 一、 on a heading style), if any."""
    for info in document.formatting._chain(document.formatting.paragraph_style_id(element)):
        if info.paragraph_properties is not None and info.paragraph_properties.find(_w("numPr")) is not None:
            return info.paragraph_properties.find(_w("numPr"))
    return None


def _set_body_indent(properties: etree._Element) -> None:
    from cases.validation.limits import NOTICE_FORMAT

    indent = etree.Element(_w("ind"))
    indent.set(_w("left"), "0")
    indent.set(_w("firstLineChars"), str(NOTICE_FORMAT.first_line_indent_chars))
    indent.set(_w("firstLine"), str(NOTICE_FORMAT.first_line_indent_chars * NOTICE_FORMAT.body_size_half_points // 10))
    _insert_in_order(properties, indent)


PARAGRAPH_PROPERTY_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers",
    "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
    "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
    "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange",
)


def _insert_in_order(properties: etree._Element, child: etree._Element) -> None:
    """Insert a pPr child where the schema wants it (Word refuses some files otherwise)."""
    rank = PARAGRAPH_PROPERTY_ORDER.index(etree.QName(child).localname)
    for index, existing in enumerate(properties):
        name = etree.QName(existing).localname
        if name in PARAGRAPH_PROPERTY_ORDER and PARAGRAPH_PROPERTY_ORDER.index(name) > rank:
            properties.insert(index, child)
            return
    properties.append(child)


def _no_first_line_indent(element: etree._Element) -> None:
    """A paragraph holding only a picture: no first-line indent (it would push an inline picture)."""
    properties = element.find(_w("pPr"))
    if properties is None:
        properties = etree.Element(_w("pPr"))
        element.insert(0, properties)
    for old in properties.findall(_w("ind")):
        properties.remove(old)
    indent = etree.Element(_w("ind"))
    indent.set(_w("firstLineChars"), "0")
    indent.set(_w("firstLine"), "0")
    _insert_in_order(properties, indent)


def _strip_run_properties(properties: etree._Element) -> int:
    removed = 0
    for tag in FIGHTING_RUN_PROPERTIES:
        for old in properties.findall(_w(tag)):
            properties.remove(old)
            removed += 1
    return removed


def _strip_run(document, paragraph: etree._Element, run: etree._Element) -> int:
    properties = run.find(_w("rPr"))
    if properties is None:
        return 0
    removed = _strip_run_properties(properties)
    style = properties.find(_w("rStyle"))
    if style is not None:
        chain = document.formatting._chain(style.get(_w("val")))
        sets_font = any(info.run_properties is not None and (
            info.run_properties.find(_w("rFonts")) is not None or info.run_properties.find(_w("sz")) is not None)
            for info in chain)
        if sets_font:  # a character style that sets a font fights the body style: keep only its emphasis
            for tag in KEPT_FROM_CHARACTER_STYLE:
                if properties.find(_w(tag)) is not None:
                    continue
                inherited = next((info.run_properties.find(_w(tag)) for info in chain
                                  if info.run_properties is not None and info.run_properties.find(_w(tag)) is not None), None)
                if inherited is not None:
                    _insert_run_property(properties, copy.deepcopy(inherited))
            properties.remove(style)
            removed += 1
    return 1 if removed else 0


RUN_PROPERTY_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow", "emboss",
    "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
    "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout",
    "specVanish", "oMath",
)


def _insert_run_property(properties: etree._Element, child: etree._Element) -> None:
    """Insert an rPr child where the schema wants it."""
    rank = RUN_PROPERTY_ORDER.index(etree.QName(child).localname)
    for index, existing in enumerate(properties):
        name = etree.QName(existing).localname
        if name in RUN_PROPERTY_ORDER and RUN_PROPERTY_ORDER.index(name) > rank:
            properties.insert(index, child)
            return
    properties.append(child)


def _embolden(element: etree._Element) -> bool:
    """Make the heading's text bold; True if some of it was not."""
    changed = False
    for run in element.iter(_w("r")):
        if run.find(_w("t")) is None:
            continue
        properties = run.find(_w("rPr"))
        if properties is None:
            properties = etree.Element(_w("rPr"))
            run.insert(0, properties)
        bold = properties.find(_w("b"))
        if bold is None or bold.get(_w("val")) in ("0", "false", "off"):
            if bold is not None:
                properties.remove(bold)
            _insert_run_property(properties, etree.Element(_w("b")))
            changed = True
    return changed


def _is_outline_heading(document, paragraph) -> bool:
    """A heading of the outline: numbered like 一、（一）1., or titled like one of the outline's parts,
    or in a heading style, and short."""
    from cases.validation.limits import NOTICE_FORMAT
    from cases.validation.narrative import OUTLINE_HEAD_CHARS, style_name_of

    text = paragraph.text.strip()
    if len(text) > OUTLINE_HEAD_CHARS:
        return False
    if OUTLINE_NUMBERING.match(text) or style_name_of(document, paragraph).startswith("heading"):
        return True
    return any(text.startswith(keyword) or text.endswith(keyword) for _name, keywords in NOTICE_FORMAT.outline_parts for keyword in keywords)


# --- pictures ------------------------------------------------------------------------------------
def _anchor_pictures(element: etree._Element, text_width: int) -> int:
    """Anchor every picture of the paragraph Top and Bottom, centred; returns how many changed."""
    from cases.documents.narrative_template import _anchor_from_inline
    from cases.validation.ooxml import qn
    from cases.validation.wordml import PICTURE_URI

    changed = 0
    for drawing in list(element.iter(qn("w:drawing"))):
        inline = drawing.find(qn("wp:inline"))
        holder = inline if inline is not None else drawing.find(qn("wp:anchor"))
        if holder is None:
            continue
        data = holder.find(f"{qn('a:graphic')}/{qn('a:graphicData')}")
        if data is None or data.get("uri") != PICTURE_URI:
            continue
        _fit_width(holder, text_width)
        if inline is not None:
            drawing.replace(inline, _anchor_from_inline(inline))
            changed += 1
            continue
        if _set_top_and_bottom(holder):
            changed += 1
    for shape in list(element.iter(qn("v:shape"))):
        if next(shape.iter(qn("v:imagedata")), None) is not None and _set_vml_top_and_bottom(shape):
            changed += 1
    return changed


def _fit_width(holder: etree._Element, text_width: int) -> None:
    from cases.validation.ooxml import qn

    extent = holder.find(qn("wp:extent"))
    if extent is None:
        return
    width, height = int(extent.get("cx", "0")), int(extent.get("cy", "0"))
    if width <= text_width or width <= 0:
        return
    new_height = height * text_width // width
    extent.set("cx", str(text_width))
    extent.set("cy", str(new_height))
    for ext in holder.iter(qn("a:ext")):
        if ext.getparent().tag == qn("a:xfrm"):
            ext.set("cx", str(text_width))
            ext.set("cy", str(new_height))


def _set_top_and_bottom(anchor: etree._Element) -> bool:
    from cases.validation.ooxml import qn

    wraps = [child for child in anchor if etree.QName(child).localname.startswith("wrap")]
    if len(wraps) == 1 and etree.QName(wraps[0]).localname == "wrapTopAndBottom":
        return False
    position = list(anchor).index(wraps[0]) if wraps else len(anchor)
    for wrap in wraps:
        anchor.remove(wrap)
    if not wraps:
        doc_properties = anchor.find(qn("wp:docPr"))
        position = list(anchor).index(doc_properties) if doc_properties is not None else len(anchor)
    anchor.insert(position, etree.Element(qn("wp:wrapTopAndBottom")))
    anchor.set("behindDoc", "0")
    horizontal = anchor.find(qn("wp:positionH"))
    if horizontal is not None:
        for child in list(horizontal):
            horizontal.remove(child)
        horizontal.set("relativeFrom", "column")
        align = etree.SubElement(horizontal, qn("wp:align"))
        align.text = "center"
    return True


W10 = "urn:schemas-microsoft-com:office:word"


def _set_vml_top_and_bottom(shape: etree._Element) -> bool:
    style = shape.get("style") or ""
    wrap = shape.find(f"{{{W10}}}wrap")
    if "position:absolute" in style.replace(" ", "").lower() and wrap is not None and wrap.get("type") == "topAndBottom":
        return False
    entries = [entry for entry in style.split(";") if entry.strip() and not entry.strip().lower().startswith(("position", "mso-position-horizontal"))]
    shape.set("style", ";".join(["position:absolute", "mso-position-horizontal:center", *entries]))
    if wrap is None:
        wrap = etree.SubElement(shape, f"{{{W10}}}wrap")
    wrap.set("type", "topAndBottom")
    return True


# --- page setup ----------------------------------------------------------------------------------
def _text_width_emu(section: etree._Element) -> int:
    size, margins = section.find(_w("pgSz")), section.find(_w("pgMar"))
    width = int(size.get(_w("w"))) - int(margins.get(_w("left"))) - int(margins.get(_w("right")))
    return width * EMU_PER_TWIP


def _copy_page_setup(section: etree._Element, template_section: etree._Element) -> bool:
    changed = False
    for tag in ("pgSz", "pgMar"):
        new = template_section.find(_w(tag))
        old = section.find(_w(tag))
        if old is not None and etree.tostring(old) == etree.tostring(new):
            continue
        changed = True
        if old is not None:
            section.replace(old, copy.deepcopy(new))
        else:
            anchor = section.find(_w("pgMar")) if tag == "pgSz" else section.find(_w("pgSz"))
            index = list(section).index(anchor) + (1 if tag == "pgMar" else 0) if anchor is not None else _page_setup_index(section)
            section.insert(index, copy.deepcopy(new))
    return changed


def _page_setup_index(section: etree._Element) -> int:
    """pgSz goes after the header/footer references, footnote/endnote properties and type."""
    before = {"headerReference", "footerReference", "footnotePr", "endnotePr", "type"}
    index = 0
    for position, child in enumerate(section):
        if etree.QName(child).localname in before:
            index = position + 1
    return index


# --- what changed, in the users' words -----------------------------------------------------------
def _describe_changes(report: FixReport, document, parts, template: TemplateParts) -> None:
    from django.utils.translation import gettext as _

    from cases.validation.fonts import describe_size, size_name
    from cases.validation.limits import NOTICE_FORMAT
    from cases.validation.narrative import TITLE_STYLE_NAMES, style_name_of, wrong_font, wrong_size
    from cases.validation.styles import display_style_name

    formatting = document.formatting
    title = parts.title
    if style_name_of(document, title) not in TITLE_STYLE_NAMES:
        stored = formatting.style_name(formatting.paragraph_style_id(title.element))
        report.changes.append(Change("title_style", 1, _("Title: style “%(before)s” → “%(after)s”") % {
            "before": display_style_name(stored) if stored else _("no style"), "after": display_style_name("heading 1")}))

    def font_name(resolved) -> str:
        return resolved.value or _("Word's default font")

    for code, label, paragraph, family, size in (
        ("title", _("Title"), title, NOTICE_FORMAT.title_font_family, NOTICE_FORMAT.title_size_half_points),
        ("subtitle", _("Subtitle"), parts.subtitle, NOTICE_FORMAT.subtitle_font_family, NOTICE_FORMAT.subtitle_size_half_points),
    ):
        if paragraph is None:
            continue
        font = wrong_font(document, paragraph, family)
        if font is not None:
            report.changes.append(Change(f"{code}_font", 1, _("%(part)s: font %(before)s → %(after)s") % {
                "part": label, "before": font_name(font), "after": family}))
        wrong = wrong_size(document, paragraph, size)
        if wrong is not None:
            report.changes.append(Change(f"{code}_size", 1, _("%(part)s: size %(before)s → %(after)s") % {
                "part": label, "before": describe_size(wrong.value), "after": size_name(size)}))

    groups: dict[tuple[str, str], int] = defaultdict(int)
    for paragraph in parts.body:
        font = wrong_font(document, paragraph, NOTICE_FORMAT.body_font_family)
        if font is not None:
            groups[("font", font_name(font))] += 1
        wrong = wrong_size(document, paragraph, NOTICE_FORMAT.body_size_half_points)
        if wrong is not None:
            groups[("size", describe_size(wrong.value))] += 1
        indent = _indent_text(document, paragraph)
        if indent:
            groups[("indent", indent)] += 1
        spacing = _spacing_text(document, paragraph)
        if spacing:
            groups[("line_spacing", spacing)] += 1
    after = {
        "font": NOTICE_FORMAT.body_font_family,
        "size": size_name(NOTICE_FORMAT.body_size_half_points),
        "indent": _("%(chars)s characters") % {"chars": NOTICE_FORMAT.first_line_indent_chars // 100},
        "line_spacing": _("Exactly %(points)s pt") % {"points": _number(NOTICE_FORMAT.line_spacing_twips / 20)},
    }
    texts = {
        "font": _("Body, %(count)s paragraph(s): font %(before)s → %(after)s"),
        "size": _("Body, %(count)s paragraph(s): size %(before)s → %(after)s"),
        "indent": _("Body, %(count)s paragraph(s): first-line indent %(before)s → %(after)s"),
        "line_spacing": _("Body, %(count)s paragraph(s): line spacing %(before)s → %(after)s"),
    }
    for (kind, before), count in groups.items():
        report.changes.append(Change(f"body_{kind}", count, texts[kind] % {"count": count, "before": before, "after": after[kind]}))

    wraps: dict[str, int] = defaultdict(int)
    for paragraph in parts.numbered:
        for picture in paragraph.pictures:
            if picture.wrap != "topAndBottom":
                wraps[_wrap_name(picture.wrap)] += 1
    for before, count in wraps.items():
        report.changes.append(Change("picture_wrap", count, _("Pictures, %(count)s: wrapping %(before)s → Top and Bottom") % {
            "count": count, "before": before}))

    section = document.body.find(_w("sectPr"))
    size = section.find(_w("pgSz")) if section is not None else None
    wanted = template.section.find(_w("pgSz"))
    if size is None or (size.get(_w("w")), size.get(_w("h"))) != (wanted.get(_w("w")), wanted.get(_w("h"))):
        report.changes.append(Change("page_setup", 1, _("Page setup: %(before)s → %(after)s") % {
            "before": _page_name(size) if size is not None else _("not set"), "after": _page_name(wanted)}))


def _indent_text(document, paragraph) -> str | None:
    from django.utils.translation import gettext as _

    from cases.validation.narrative import indent_problem

    if indent_problem(document, paragraph) is None:
        return None
    group = document.formatting.first_line_indent(paragraph.element).value
    if group.get("firstLineChars"):
        return _("%(chars)s characters") % {"chars": _number(group["firstLineChars"] / 100)}
    if group.get("hangingChars") or group.get("hanging"):
        return _("a hanging indent")
    if group.get("firstLine"):
        return _("%(points)s pt") % {"points": _number(group["firstLine"] / 20)}
    return _("no first-line indent")


def _spacing_text(document, paragraph) -> str | None:
    from django.utils.translation import gettext as _

    from cases.validation.narrative import spacing_in_lines, spacing_problem

    if spacing_problem(document, paragraph) is None:
        return None
    line, rule = document.formatting.line_spacing(paragraph.element).value
    if rule == "exact":
        return _("Exactly %(points)s pt") % {"points": _number(line / 20)}
    if rule == "atLeast":
        return _("At least %(points)s pt") % {"points": _number(line / 20)}
    return spacing_in_lines(line)


def _wrap_name(wrap: str) -> str:
    from django.utils.translation import gettext as _

    names = {
        "inline": _("In line with text"), "square": _("Square"), "tight": _("Tight"), "through": _("Through"),
        "none": _("In front of text"), "behind": _("Behind text"),
    }
    return str(names.get(wrap, wrap))


def _page_name(size: etree._Element) -> str:
    from django.utils.translation import gettext as _

    width, height = int(size.get(_w("w"), "0")), int(size.get(_w("h"), "0"))
    known = {(11906, 16838): "A4", (12240, 15840): "Letter", (16838, 11906): _("A4 landscape")}
    for (known_width, known_height), name in known.items():
        if abs(width - known_width) <= 20 and abs(height - known_height) <= 20:
            return str(name)
    return _("%(width)s × %(height)s cm") % {"width": _number(width / 567), "height": _number(height / 567)}


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- writing -------------------------------------------------------------------------------------
def _write(package, target: Path, replaced: dict[str, etree._Element]) -> None:
    """Copy the package member by member (media stored, not recompressed), with the changed parts."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package._zip.infolist():
            if info.filename in replaced:
                data = etree.tostring(replaced[info.filename], xml_declaration=True, encoding="UTF-8", standalone=True)
                out.writestr(info.filename, data)
                continue
            with package._zip.open(info) as source, out.open(_copied_info(info), "w") as destination:
                while chunk := source.read(1 << 20):
                    destination.write(chunk)


def _copied_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """Pictures are compressed already: stored as they are (no time spent deflating photos)."""
    copied = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copied.compress_type = zipfile.ZIP_STORED if info.filename.lower().endswith(MEDIA_SUFFIXES) else zipfile.ZIP_DEFLATED
    return copied


# --- the child process ---------------------------------------------------------------------------
def _configure_django(language: str) -> None:
    import django
    from django.conf import settings
    from django.utils import translation

    if not settings.configured:
        settings.configure(USE_I18N=True, LANGUAGE_CODE=language, LOCALE_PATHS=[str(ROOT / "locale")], INSTALLED_APPS=[])
        django.setup()
    translation.activate(language)


def main(arguments: list[str]) -> int:
    try:
        source, target, *rest = arguments
        _configure_django(rest[0] if rest else "zh-hans")
        from cases.validation.ooxml import UnreadablePackage

        try:
            report = fix_document(Path(source), Path(target))
        except (NotFixable, UnreadablePackage) as problem:
            print(f"not fixable: {problem}", file=sys.stderr)
            return EXIT_NOT_FIXABLE
        except MemoryError:
            print("out of memory", file=sys.stderr)
            return EXIT_OUT_OF_MEMORY
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    finally:
        print(f"{PEAK_RSS_PREFIX}{peak_rss_kib()}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

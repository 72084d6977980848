"""Effective formatting of WordprocessingML runs and paragraphs, with where each value came from.

Word resolves a run property through: direct run formatting → character style (and its basedOn
chain) → paragraph style (and its basedOn chain; the default paragraph style when none is set) →
document defaults (w:docDefaults) → for fonts, the theme (minorEastAsia → theme1.xml). Paragraph
properties go: direct → paragraph style chain → document defaults. Table styles and numbering
definitions are not consulted: the narrative's rules concern body text, which they rarely carry.

python-docx's `font.name` reads only w:ascii, which says nothing about Chinese text; the Chinese
font is w:eastAsia (or w:eastAsiaTheme). Sizes are w:sz in half-points; w:szCs (complex scripts) is
ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from lxml import etree

from cases.validation.ooxml import NS, qn

W = NS["w"]
T = TypeVar("T")

MAX_STYLE_DEPTH = 20  # basedOn chains are short; a longer one is a loop or a crafted file
DEFAULT_SIZE_HALF_POINTS = 20  # Word's size when nothing sets one (10 pt)
THEME_SCRIPT_BY_LANGUAGE = {"zh-CN": "Hans", "zh-SG": "Hans", "zh-TW": "Hant", "zh-HK": "Hant", "ja-JP": "Jpan", "ko-KR": "Hang"}


def w_attr(element: etree._Element | None, name: str) -> str | None:
    return None if element is None else element.get(f"{{{W}}}{name}")


@dataclass(frozen=True)
class Source:
    """Where a value was set: 'direct', 'character_style', 'paragraph_style', 'defaults', 'unset'.

    `style_name` is the name stored in the file (Word stores built-in styles by their English
    name, e.g. “heading 1”); `theme_font` the theme slot a font came from (“minorEastAsia”).
    """

    level: str
    style_name: str = ""
    theme_font: str = ""

    @property
    def is_set(self) -> bool:
        return self.level != "unset"

    def describe(self) -> str:
        """The place, as Word's Chinese interface names it: 段落样式“标题 1”, 文档默认设置 ..."""
        if self.level == "direct":
            return _("direct formatting")
        if self.level == "character_style":
            return _("character style “%(style)s”") % {"style": display_style_name(self.style_name)}
        if self.level == "paragraph_style":
            return _("paragraph style “%(style)s”") % {"style": display_style_name(self.style_name)}
        if self.level == "defaults":
            return _("the document defaults")
        return _("not set in the document")


# Word stores its built-in styles under fixed English names whatever the interface language, and
# shows them translated (“heading 1” is 标题 1 in Chinese Word). Users must read the name they see
# in Word's Styles gallery. Keys are compared lower-cased with spaces removed.
BUILT_IN_STYLE_NAMES = {
    "normal": pgettext_lazy("Word style", "Normal"),
    "title": pgettext_lazy("Word style", "Title"),
    "titlechar": pgettext_lazy("Word style", "Title Char"),
    "subtitle": pgettext_lazy("Word style", "Subtitle"),
    "subtitlechar": pgettext_lazy("Word style", "Subtitle Char"),
    "defaultparagraphfont": pgettext_lazy("Word style", "Default Paragraph Font"),
    "normaltable": pgettext_lazy("Word style", "Normal Table"),
    "tablegrid": pgettext_lazy("Word style", "Table Grid"),
    "nolist": pgettext_lazy("Word style", "No List"),
    "nospacing": pgettext_lazy("Word style", "No Spacing"),
    "listparagraph": pgettext_lazy("Word style", "List Paragraph"),
    "quote": pgettext_lazy("Word style", "Quote"),
    "intensequote": pgettext_lazy("Word style", "Intense Quote"),
    "strong": pgettext_lazy("Word style", "Strong"),
    "emphasis": pgettext_lazy("Word style", "Emphasis"),
    "subtleemphasis": pgettext_lazy("Word style", "Subtle Emphasis"),
    "intenseemphasis": pgettext_lazy("Word style", "Intense Emphasis"),
    "caption": pgettext_lazy("Word style", "Caption"),
    "bodytext": pgettext_lazy("Word style", "Body Text"),
    "bodytextindent": pgettext_lazy("Word style", "Body Text Indent"),
    "normalindent": pgettext_lazy("Word style", "Normal Indent"),
    "normal(web)": pgettext_lazy("Word style", "Normal (Web)"),
    "plaintext": pgettext_lazy("Word style", "Plain Text"),
    "header": pgettext_lazy("Word style", "Header"),
    "footer": pgettext_lazy("Word style", "Footer"),
    "hyperlink": pgettext_lazy("Word style", "Hyperlink"),
    "footnotetext": pgettext_lazy("Word style", "Footnote Text"),
    "annotationtext": pgettext_lazy("Word style", "Comment Text"),
    "balloontext": pgettext_lazy("Word style", "Balloon Text"),
}
NUMBERED_STYLE_NAME = re.compile(r"^(heading|toc)(\d)(char)?$")

# Theme font slots (w:eastAsiaTheme, w:asciiTheme ...) as Word's font list describes them.
THEME_FONT_NAMES = {
    "majorEastAsia": gettext_lazy("theme heading font (Chinese)"),
    "minorEastAsia": gettext_lazy("theme body font (Chinese)"),
    "majorHAnsi": gettext_lazy("theme heading font (Western)"),
    "majorAscii": gettext_lazy("theme heading font (Western)"),
    "minorHAnsi": gettext_lazy("theme body font (Western)"),
    "minorAscii": gettext_lazy("theme body font (Western)"),
}


def display_style_name(name: str) -> str:
    """The name Word shows for a style: 标题 1 for “heading 1”, 正文 for “Normal”; a style the
    author made keeps its own name."""
    key = "".join(name.split()).casefold()
    if key in BUILT_IN_STYLE_NAMES:
        return str(BUILT_IN_STYLE_NAMES[key])
    numbered = NUMBERED_STYLE_NAME.match(key)
    if numbered:
        family, level, char = numbered.groups()
        if family == "heading":
            if char:
                return pgettext("Word style", "Heading %(level)s Char") % {"level": level}
            return pgettext("Word style", "Heading %(level)s") % {"level": level}
        if not char:
            return pgettext("Word style", "TOC %(level)s") % {"level": level}
    return name


def display_theme_font(slot: str) -> str:
    """“theme body font (Chinese)” for minorEastAsia; an unknown slot as written."""
    label = THEME_FONT_NAMES.get(slot)
    return str(label) if label is not None else slot


@dataclass(frozen=True)
class Resolved:
    value: object
    source: Source


@dataclass(frozen=True)
class StyleInfo:
    style_id: str
    kind: str
    name: str
    based_on: str | None
    run_properties: etree._Element | None
    paragraph_properties: etree._Element | None


class DocumentFormatting:
    """Styles, defaults, theme fonts and font alternate names of one document."""

    def __init__(
        self,
        *,
        styles: etree._Element | None,
        theme: etree._Element | None,
        font_table: etree._Element | None,
    ):
        self.styles: dict[str, StyleInfo] = {}
        self.default_paragraph_style: str | None = None
        self.default_run_properties: etree._Element | None = None
        self.default_paragraph_properties: etree._Element | None = None
        east_asia_language = None
        if styles is not None:
            for style in styles.iter(qn("w:style")):
                style_id = w_attr(style, "styleId") or ""
                info = StyleInfo(
                    style_id=style_id,
                    kind=w_attr(style, "type") or "paragraph",
                    name=w_attr(style.find(qn("w:name")), "val") or style_id,
                    based_on=w_attr(style.find(qn("w:basedOn")), "val"),
                    run_properties=style.find(qn("w:rPr")),
                    paragraph_properties=style.find(qn("w:pPr")),
                )
                self.styles[style_id] = info
                if info.kind == "paragraph" and w_attr(style, "default") in ("1", "true", "on"):
                    self.default_paragraph_style = style_id
            defaults = styles.find(qn("w:docDefaults"))
            if defaults is not None:
                self.default_run_properties = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
                self.default_paragraph_properties = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
                east_asia_language = w_attr(
                    None if self.default_run_properties is None else self.default_run_properties.find(qn("w:lang")),
                    "eastAsia",
                )
        self.theme_fonts = _theme_fonts(theme, east_asia_language)
        self.alternate_names = _alternate_font_names(font_table)

    # --- styles ---------------------------------------------------------------------------
    def style_name(self, style_id: str | None) -> str:
        if style_id is None:
            return ""
        info = self.styles.get(style_id)
        return info.name if info else style_id

    def paragraph_style_id(self, paragraph: etree._Element) -> str | None:
        style_id = w_attr(paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}"), "val")
        return style_id if style_id in self.styles else self.default_paragraph_style

    def _chain(self, style_id: str | None) -> list[StyleInfo]:
        chain: list[StyleInfo] = []
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen and len(chain) < MAX_STYLE_DEPTH:
            seen.add(style_id)
            chain.append(self.styles[style_id])
            style_id = self.styles[style_id].based_on
        return chain

    # --- resolution -------------------------------------------------------------------------
    def run_levels(self, paragraph: etree._Element, run: etree._Element) -> list[tuple[etree._Element | None, Source]]:
        """Run-property elements from the strongest to the weakest, each with its source."""
        levels: list[tuple[etree._Element | None, Source]] = [(run.find(qn("w:rPr")), Source("direct"))]
        character_style = w_attr(run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}"), "val")
        for info in self._chain(character_style):
            levels.append((info.run_properties, Source("character_style", info.name)))
        for info in self._chain(self.paragraph_style_id(paragraph)):
            levels.append((info.run_properties, Source("paragraph_style", info.name)))
        levels.append((self.default_run_properties, Source("defaults")))
        return levels

    def paragraph_levels(self, paragraph: etree._Element) -> list[tuple[etree._Element | None, Source]]:
        levels: list[tuple[etree._Element | None, Source]] = [(paragraph.find(qn("w:pPr")), Source("direct"))]
        for info in self._chain(self.paragraph_style_id(paragraph)):
            levels.append((info.paragraph_properties, Source("paragraph_style", info.name)))
        levels.append((self.default_paragraph_properties, Source("defaults")))
        return levels

    @staticmethod
    def _first(levels: list[tuple[etree._Element | None, Source]], read: Callable[[etree._Element], T | None]) -> tuple[T | None, Source]:
        for properties, source in levels:
            if properties is None:
                continue
            value = read(properties)
            if value is not None:
                return value, source
        return None, Source("unset")

    def east_asia_font(self, paragraph: etree._Element, run: etree._Element) -> Resolved:
        """The font Word uses for Chinese characters of `run`: name (or None) and source."""
        for properties, source in self.run_levels(paragraph, run):
            fonts = None if properties is None else properties.find(qn("w:rFonts"))
            if fonts is None:
                continue
            theme_key = w_attr(fonts, "eastAsiaTheme")
            if theme_key:  # a theme attribute wins over the explicit name at the same level
                return Resolved(self.theme_fonts.get(theme_key) or None, Source(source.level, source.style_name, theme_key))
            name = w_attr(fonts, "eastAsia")
            if name:
                return Resolved(name, source)
        return Resolved(None, Source("unset"))

    def size(self, paragraph: etree._Element, run: etree._Element) -> Resolved:
        value, source = self._first(self.run_levels(paragraph, run), _read_size)
        return Resolved(value if value is not None else DEFAULT_SIZE_HALF_POINTS, source)

    def first_line_indent(self, paragraph: etree._Element) -> Resolved:
        """The first-line group of w:ind (firstLine, firstLineChars, hanging, hangingChars) taken as a
        unit from the strongest level that sets any of it; an empty dict when nothing does."""
        value, source = self._first(self.paragraph_levels(paragraph), _read_first_line)
        return Resolved(value or {}, source)

    def line_spacing(self, paragraph: etree._Element) -> Resolved:
        """(line, lineRule) from the strongest level that sets w:line; Word's single spacing otherwise."""
        value, source = self._first(self.paragraph_levels(paragraph), _read_line_spacing)
        return Resolved(value or (240, "auto"), source)


def _read_size(properties: etree._Element) -> int | None:
    raw = w_attr(properties.find(qn("w:sz")), "val")
    try:
        return int(float(raw)) if raw is not None else None
    except ValueError:
        return None


def _read_first_line(properties: etree._Element) -> dict[str, int] | None:
    indent = properties.find(qn("w:ind"))
    if indent is None:
        return None
    group: dict[str, int] = {}
    for attribute in ("firstLineChars", "firstLine", "hangingChars", "hanging"):
        raw = w_attr(indent, attribute)
        if raw is not None:
            try:
                group[attribute] = int(float(raw))
            except ValueError:
                continue
    return group or None


def _read_line_spacing(properties: etree._Element) -> tuple[int, str] | None:
    spacing = properties.find(qn("w:spacing"))
    raw = w_attr(spacing, "line")
    if raw is None:
        return None
    try:
        return int(float(raw)), w_attr(spacing, "lineRule") or "auto"
    except ValueError:
        return None


def _theme_fonts(theme: etree._Element | None, east_asia_language: str | None) -> dict[str, str]:
    """minorEastAsia / majorEastAsia / minorHAnsi ... → typeface. An empty a:ea falls back to the
    script font for the document's East Asian language (Simplified Chinese unless told otherwise)."""
    fonts: dict[str, str] = {}
    if theme is None:
        return fonts
    script = THEME_SCRIPT_BY_LANGUAGE.get(east_asia_language or "", "Hans")
    for scheme, prefix in (("majorFont", "major"), ("minorFont", "minor")):
        element = next(theme.iter(qn("a:" + scheme)), None)
        if element is None:
            continue
        by_script = {font.get("script"): font.get("typeface", "") for font in element.findall(qn("a:font"))}
        east_asian = element.find(qn("a:ea"))
        latin = element.find(qn("a:latin"))
        fonts[f"{prefix}EastAsia"] = (east_asian.get("typeface", "") if east_asian is not None else "") or by_script.get(script, "")
        latin_face = latin.get("typeface", "") if latin is not None else ""
        fonts[f"{prefix}HAnsi"] = fonts[f"{prefix}Ascii"] = latin_face
    return fonts


def _alternate_font_names(font_table: etree._Element | None) -> dict[str, tuple[str, ...]]:
    names: dict[str, tuple[str, ...]] = {}
    if font_table is None:
        return names
    for font in font_table.iter(qn("w:font")):
        name = w_attr(font, "name")
        alternate = w_attr(font.find(qn("w:altName")), "val")
        if name and alternate:
            names[name] = tuple(part.strip() for part in alternate.replace("，", ",").split(","))
    return names

"""Small python-docx helpers shared by every generated Word document (推荐表, covers, 汇总表).

python-docx's `font.name` fills only the Latin slots (w:ascii, w:hAnsi) of a run's fonts; Word, WPS
and LibreOffice pick the font of Chinese characters from the East Asian slot (w:eastAsia), so every
helper here sets that slot too. Generated documents carry direct formatting on each paragraph and
run, so they look the same whatever styles the document they end up merged into defines.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Length, Pt, Twips
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

# Fonts named as Windows and WPS name them (LibreOffice substitutes when absent).
SONGTI = "宋体"
HEITI = "黑体"
FANGSONG = "仿宋"
KAITI = "楷体"

# Chinese font sizes (字号) in points.
SIZE_CHUHAO = 42.0  # 初号
SIZE_ERHAO = 22.0  # 二号
SIZE_XIAOER = 18.0  # 小二
SIZE_SANHAO = 16.0  # 三号
SIZE_SIHAO = 14.0  # 四号
SIZE_XIAOSI = 12.0  # 小四
SIZE_WUHAO = 10.5  # 五号

# A4 as Word stores it, in twips (210 × 297 mm).
A4_WIDTH = Twips(11906)
A4_HEIGHT = Twips(16838)

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "distribute": WD_ALIGN_PARAGRAPH.DISTRIBUTE,
}


# --- fonts -----------------------------------------------------------------------------


def set_rfonts(rpr, name: str, *, latin: str | None = None) -> None:
    """Point every font slot of a w:rPr (run or style) at `name` (Latin slots at `latin` if given).

    Theme font attributes are removed: they would take precedence over the named fonts.
    """
    rfonts = rpr.get_or_add_rFonts()  # inserted in schema order (after w:rStyle)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme_attr), None)
    latin_name = latin or name
    rfonts.set(qn("w:ascii"), latin_name)
    rfonts.set(qn("w:hAnsi"), latin_name)
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:cs"), name)
    rfonts.set(qn("w:hint"), "eastAsia")


def set_run_font(
    run: Run,
    name: str,
    size_pt: float | None = None,
    *,
    bold: bool | None = None,
    latin: str | None = None,
) -> Run:
    """Set a run's font in all slots, East Asian included, and optionally its size and weight."""
    set_rfonts(run._r.get_or_add_rPr(), name, latin=latin)
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    if bold is not None:
        run.font.bold = bold
    return run


def set_style_font(style, name: str, size_pt: float | None = None, *, latin: str | None = None) -> None:
    """The same for a style (e.g. Normal), so empty paragraphs and typed text use the font too."""
    set_rfonts(style.element.get_or_add_rPr(), name, latin=latin)
    if size_pt is not None:
        style.font.size = Pt(size_pt)


def set_east_asian_language(document: DocumentObject, lang: str = "zh-CN") -> None:
    """Declare the East Asian language in the document defaults (Chinese line breaking, punctuation)."""
    styles = document.styles.element
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = OxmlElement("w:docDefaults")
        styles.insert(0, doc_defaults)
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        doc_defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:eastAsia"), lang)


# --- paragraphs ------------------------------------------------------------------------


def _set_attrs(element, **attrs: str) -> None:
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)


def _mark_rpr(paragraph: Paragraph):
    """The paragraph mark's run properties (w:pPr/w:rPr), created in schema order."""
    ppr = paragraph._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        successor = ppr.find(qn("w:sectPr"))
        if successor is None:
            successor = ppr.find(qn("w:pPrChange"))
        if successor is not None:
            successor.addprevious(rpr)
        else:
            ppr.append(rpr)
    return rpr


def set_mark_font(paragraph: Paragraph, font: str, size_pt: float) -> None:
    """Font of the paragraph mark: sets the height of an empty paragraph."""
    rpr = _mark_rpr(paragraph)
    set_rfonts(rpr, font)
    rpr.sz_val = Pt(size_pt)


def format_paragraph(
    paragraph: Paragraph,
    *,
    align: str = "left",
    first_line_chars: int = 0,
    right_chars: int = 0,
    char_pt: float = SIZE_SIHAO,
    space_before_pt: float = 0,
    space_after_pt: float = 0,
    line_pt: float | None = None,
    keep_with_next: bool = False,
) -> Paragraph:
    """Give a paragraph explicit indentation, spacing and alignment.

    Every attribute a style could set is written (the *Chars variants too, which take precedence
    over the twips values in Word), so the paragraph keeps its look inside a document whose Normal
    style indents the first line or fixes the line spacing. The twips values are written too, for
    readers that ignore the character units (LibreOffice): `char_pt` is the size of a character.
    `line_pt` None means single spacing.
    """
    paragraph.alignment = ALIGN[align]
    ppr = paragraph._p.get_or_add_pPr()
    ind = ppr.get_or_add_ind()
    for attr in ("w:hanging", "w:hangingChars"):
        ind.attrib.pop(qn(attr), None)
    # 2 characters of first-line indent are 200 hundredths of a character.
    char_twips = char_pt * 20
    _set_attrs(
        ind, left="0", leftChars="0",
        right=str(int(right_chars * char_twips)), rightChars=str(right_chars * 100),
        firstLine=str(int(first_line_chars * char_twips)), firstLineChars=str(first_line_chars * 100),
    )
    spacing = ppr.get_or_add_spacing()
    _set_attrs(
        spacing,
        before=str(int(space_before_pt * 20)), beforeLines="0", beforeAutospacing="0",
        after=str(int(space_after_pt * 20)), afterLines="0", afterAutospacing="0",
    )
    if line_pt is None:
        _set_attrs(spacing, line="240", lineRule="auto")
    else:
        _set_attrs(spacing, line=str(int(line_pt * 20)), lineRule="exact")
    if keep_with_next:
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


def add_text(
    paragraph: Paragraph,
    text: str,
    font: str,
    size_pt: float,
    *,
    bold: bool = False,
    underline: bool = False,
) -> Run:
    run = paragraph.add_run(text)
    set_run_font(run, font, size_pt, bold=bold)
    if underline:
        run.font.underline = True
    return run


def add_paragraph(
    container,
    text: str = "",
    *,
    font: str = FANGSONG,
    size_pt: float = SIZE_SIHAO,
    bold: bool = False,
    align: str = "left",
    first_line_chars: int = 0,
    right_chars: int = 0,
    space_before_pt: float = 0,
    space_after_pt: float = 0,
    line_pt: float | None = None,
) -> Paragraph:
    """Append a fully formatted paragraph to a document, cell, header or footer."""
    paragraph = container.add_paragraph()
    format_paragraph(
        paragraph, align=align, first_line_chars=first_line_chars, right_chars=right_chars, char_pt=size_pt,
        space_before_pt=space_before_pt, space_after_pt=space_after_pt, line_pt=line_pt,
    )
    if text:
        add_text(paragraph, text, font, size_pt, bold=bold)
    # An empty paragraph still has a height: its mark gets the same font and size.
    set_mark_font(paragraph, font, size_pt)
    return paragraph


def add_page_break(document: DocumentObject) -> Paragraph:
    paragraph = document.add_paragraph()
    format_paragraph(paragraph)
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    return paragraph


# --- tables ----------------------------------------------------------------------------


def _tbl_pr(table: Table):
    return table._tbl.tblPr


# Schema order of the property elements we write; Word refuses a file whose children are out of order.
_TBL_PR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)
_TR_PR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit",
    "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange",
)
_TC_PR_ORDER = (
    "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
    "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
    "w:cellDel", "w:cellMerge", "w:tcPrChange",
)


def _put_in_order(parent, element, order: Sequence[str]) -> None:
    """Replace parent's child of the same tag with `element`, or insert it where `order` puts it."""
    existing = parent.find(element.tag)
    if existing is not None:
        parent.replace(existing, element)
        return
    later = {qn(tag) for tag in order[order.index(_prefixed(element.tag)) + 1:]}
    for child in parent:
        if child.tag in later:
            child.addprevious(element)
            return
    parent.append(element)


def _prefixed(tag: str) -> str:
    return "w:" + tag.split("}", 1)[1]


def set_table_borders(table: Table, *, size_eighths: int = 4, color: str = "000000", inner: bool = True) -> None:
    """Single-line borders drawn by the table itself (not by a table style the host may lack).

    `size_eighths` is in eighths of a point: 4 is ½ pt, Word's default grid line.
    """
    borders = OxmlElement("w:tblBorders")
    edges = ["top", "left", "bottom", "right"] + (["insideH", "insideV"] if inner else [])
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in edges:
            _set_attrs(el, val="single", sz=str(size_eighths), space="0", color=color)
        else:
            _set_attrs(el, val="nil")
        borders.append(el)
    _put_in_order(_tbl_pr(table), borders, _TBL_PR_ORDER)


def remove_table_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        _set_attrs(el, val="nil")
        borders.append(el)
    _put_in_order(_tbl_pr(table), borders, _TBL_PR_ORDER)


def set_table_layout(
    table: Table,
    widths: Sequence[Length],
    *,
    align: str = "center",
    cell_margin: Length = Cm(0.19),
) -> None:
    """Fixed layout with the given column widths, written on the grid and every cell so Word,
    WPS and LibreOffice agree (each reads a different one of them)."""
    widths = [Length(int(width)) for width in widths]
    table.alignment = {"center": WD_TABLE_ALIGNMENT.CENTER, "left": WD_TABLE_ALIGNMENT.LEFT}[align]
    table.autofit = False
    tbl_pr = _tbl_pr(table)
    tbl_w = OxmlElement("w:tblW")
    _set_attrs(tbl_w, w=str(sum(int(w.twips) for w in widths)), type="dxa")
    _put_in_order(tbl_pr, tbl_w, _TBL_PR_ORDER)
    layout = OxmlElement("w:tblLayout")
    _set_attrs(layout, type="fixed")
    _put_in_order(tbl_pr, layout, _TBL_PR_ORDER)
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        _set_attrs(el, w=str(int(cell_margin.twips)), type="dxa")
        margins.append(el)
    _put_in_order(tbl_pr, margins, _TBL_PR_ORDER)
    grid_cols = table._tbl.tblGrid.findall(qn("w:gridCol"))
    for grid_col, width in zip(grid_cols, widths, strict=False):
        grid_col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            if index < len(widths):
                cell.width = widths[index]


def set_row_height(row: _Row, height: Length, *, exact: bool = False) -> None:
    row.height = height
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def set_repeat_table_header(row: _Row) -> None:
    """Repeat this row at the top of each page the table runs onto (long summary tables)."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    _set_attrs(el, val="true")
    _put_in_order(tr_pr, el, _TR_PR_ORDER)


def set_cant_split(row: _Row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    _set_attrs(el, val="true")
    _put_in_order(tr_pr, el, _TR_PR_ORDER)


def set_cell_borders(cell: _Cell, **edges: str | None) -> None:
    """Borders of one cell: `set_cell_borders(cell, bottom="single", top=None)`; None removes a line
    the table would draw (val nil). Edges: top, left, bottom, right."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        _put_in_order(tc_pr, borders, _TC_PR_ORDER)
    for edge in ("top", "left", "bottom", "right"):
        if edge not in edges:
            continue
        el = borders.find(qn(f"w:{edge}"))
        if el is None:
            el = OxmlElement(f"w:{edge}")
            borders.append(el)
        style = edges[edge]
        if style is None:
            el.attrib.clear()
            _set_attrs(el, val="nil")
        else:
            _set_attrs(el, val=style, sz="4", space="0", color="000000")
    # Keep the schema order top, left, bottom, right.
    order = {qn(f"w:{edge}"): index for index, edge in enumerate(("top", "left", "bottom", "right"))}
    for child in sorted(borders, key=lambda child: order.get(child.tag, 9)):
        borders.append(child)


def shade_cell(cell: _Cell, fill: str = "D9D9D9") -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    _set_attrs(shd, val="clear", color="auto", fill=fill)
    _put_in_order(tc_pr, shd, _TC_PR_ORDER)


def set_cell_text(
    cell: _Cell,
    text: str | Iterable[str],
    *,
    font: str = FANGSONG,
    size_pt: float = SIZE_SIHAO,
    bold: bool = False,
    align: str = "left",
    vertical: str = "center",
    first_line_chars: int = 0,
    line_pt: float | None = None,
) -> list[Paragraph]:
    """Replace a cell's content with `text`: one paragraph per line (a string's newlines or the
    items of an iterable). Empty text leaves one empty, formatted paragraph (a cell needs one)."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    if not lines:
        lines = [""]
    # A cell always holds at least one paragraph: reuse the first, drop the rest.
    first, *rest = cell.paragraphs
    for paragraph in rest:
        paragraph._p.getparent().remove(paragraph._p)
    for run in list(first.runs):
        run._r.getparent().remove(run._r)
    cell.vertical_alignment = {
        "top": WD_CELL_VERTICAL_ALIGNMENT.TOP,
        "center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
        "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM,
    }[vertical]
    paragraphs = []
    for index, line in enumerate(lines):
        paragraph = first if index == 0 else cell.add_paragraph()
        format_paragraph(paragraph, align=align, first_line_chars=first_line_chars, char_pt=size_pt, line_pt=line_pt)
        if line:
            add_text(paragraph, line, font, size_pt, bold=bold)
        set_mark_font(paragraph, font, size_pt)
        paragraphs.append(paragraph)
    return paragraphs


# --- sections and documents ------------------------------------------------------------


def set_page(
    section: Section,
    *,
    landscape: bool = False,
    top: Length = Cm(2.54),
    bottom: Length = Cm(2.54),
    left: Length = Cm(2.6),
    right: Length = Cm(2.6),
) -> Section:
    """A4 page, portrait or landscape, with the given margins."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
    section.top_margin, section.bottom_margin = top, bottom
    section.left_margin, section.right_margin = left, right
    section.header_distance = Cm(1.5)
    section.footer_distance = Cm(1.75)
    return section


def landscape_section(section: Section, **margins: Length) -> Section:
    """Turn a section into A4 landscape (the summary tables 附件4–6 are landscape)."""
    return set_page(section, landscape=True, **margins)


def text_width(section: Section) -> Length:
    return Length(section.page_width - section.left_margin - section.right_margin)


def new_document(*, title: str = "", landscape: bool = False, font: str = SONGTI, size_pt: float = SIZE_SIHAO) -> DocumentObject:
    """An empty A4 document whose Normal style is a Chinese font in every slot."""
    document = Document()
    set_style_font(document.styles["Normal"], font, size_pt)
    set_east_asian_language(document)
    set_page(document.sections[0], landscape=landscape)
    core = document.core_properties
    core.title = title
    core.author = ""
    core.comments = ""
    core.keywords = ""
    core.subject = ""
    core.last_modified_by = ""
    return document


def document_bytes(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

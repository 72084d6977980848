"""The shared python-docx helpers, read back after a save."""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from cases.documents import docx_helpers as h


def reopen(document):
    return Document(io.BytesIO(h.document_bytes(document)))


def rfonts(element):
    return element.find(qn("w:rFonts"))


def test_set_run_font_fills_the_east_asian_slot_size_and_weight():
    document = h.new_document()
    run = document.add_paragraph().add_run("推荐表 Form")

    h.set_run_font(run, h.HEITI, 16, bold=True)
    run = reopen(document).paragraphs[0].runs[0]

    fonts = rfonts(run._r.rPr)
    assert {slot: fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "ascii": "黑体", "hAnsi": "黑体", "eastAsia": "黑体", "cs": "黑体"
    }
    assert (run.font.name, run.font.size, run.font.bold) == ("黑体", Pt(16), True)


def test_set_run_font_can_keep_a_separate_latin_font_and_drops_theme_fonts():
    document = h.new_document()
    run = document.add_paragraph().add_run("2024")
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsiaTheme"), "minorEastAsia")

    h.set_run_font(run, h.FANGSONG, latin="Times New Roman")

    fonts = rfonts(run._r.rPr)
    assert (fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsia")), fonts.get(qn("w:eastAsiaTheme"))) == (
        "Times New Roman", "仿宋", None
    )


def test_new_document_is_a4_with_a_chinese_normal_style_and_language():
    document = reopen(h.new_document(title="标题"))

    section = document.sections[0]
    assert (section.orientation, section.page_width.twips, section.page_height.twips) == (
        WD_ORIENT.PORTRAIT, 11906, 16838
    )
    assert rfonts(document.styles["Normal"].element.rPr).get(qn("w:eastAsia")) == "宋体"
    assert document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:eastAsia") == ["zh-CN"]
    assert document.core_properties.title == "标题"


def test_landscape_section_swaps_the_a4_sides():
    document = h.new_document()

    h.landscape_section(document.sections[0], left=Cm(2), right=Cm(2))
    section = reopen(document).sections[0]

    assert (section.orientation, section.page_width.twips, section.page_height.twips) == (
        WD_ORIENT.LANDSCAPE, 16838, 11906
    )
    assert round(h.text_width(section).cm, 1) == 25.7


def test_set_cell_text_writes_one_formatted_paragraph_per_line():
    document = h.new_document()
    table = document.add_table(rows=1, cols=2)
    h.set_cell_text(table.cell(0, 0), "旧内容")

    h.set_cell_text(table.cell(0, 0), "第一行\n第二行", font=h.FANGSONG, size_pt=12, align="center")
    h.set_cell_text(table.cell(0, 1), "")
    table = reopen(document).tables[0]

    cell = table.cell(0, 0)
    assert [p.text for p in cell.paragraphs] == ["第一行", "第二行"]
    assert all(p.runs[0].font.size == Pt(12) for p in cell.paragraphs)
    assert all(rfonts(p.runs[0]._r.rPr).get(qn("w:eastAsia")) == "仿宋" for p in cell.paragraphs)
    assert cell.paragraphs[0]._p.pPr.xpath("w:jc/@w:val") == ["center"]
    assert [p.text for p in table.cell(0, 1).paragraphs] == [""]


def test_table_borders_layout_shading_and_header_row():
    document = h.new_document()
    table = document.add_table(rows=2, cols=2)

    h.set_table_borders(table)
    h.set_table_layout(table, [Cm(4), Cm(11.8)])
    h.shade_cell(table.cell(0, 0), "D9D9D9")
    h.set_repeat_table_header(table.rows[0])
    tbl = reopen(document).tables[0]._tbl

    assert tbl.xpath("w:tblPr/w:tblBorders/*/@w:val") == ["single"] * 6
    assert tbl.xpath("w:tblPr/w:tblLayout/@w:type") == ["fixed"]
    assert tbl.xpath("w:tblGrid/w:gridCol/@w:w") == ["2268", "6690"]
    assert tbl.xpath("w:tr[1]/w:tc[1]/w:tcPr/w:shd/@w:fill") == ["D9D9D9"]
    assert tbl.xpath("w:tr[1]/w:trPr/w:tblHeader/@w:val") == ["true"]
    # tblPr children in schema order (Word refuses files that break it).
    order = [child.tag.split("}")[1] for child in tbl.tblPr]
    assert order == ["tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook"]


def test_paragraph_format_overrides_style_indents_and_spacing():
    document = h.new_document()

    paragraph = h.add_paragraph(document, "正文", first_line_chars=2, line_pt=22)
    ppr = reopen(document).paragraphs[0]._p.pPr

    assert ppr.xpath("w:ind/@w:firstLineChars") == ["200"]
    assert ppr.xpath("w:ind/@w:firstLine") == ["560"]  # 2 × 14 pt in twips, for LibreOffice
    assert ppr.xpath("w:spacing/@w:line") == ["440"]
    assert ppr.xpath("w:spacing/@w:lineRule") == ["exact"]
    assert paragraph.text == "正文"

"""The 证明材料 cover and the paper-submission checklist, read back with python-docx."""

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from cases.documents import cover
from tests.documents.conftest import CASE_TITLE, UNIT_NAME


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def rows_text(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.mark.django_db
def test_proof_cover_names_campaign_case_region_and_unit(case):
    document = open_docx(cover.build_proof_cover(case))

    assert [p.text for p in document.paragraphs if p.text] == ["2024年山西省企业典型创新案例征集及宣讲活动", "证明材料"]
    assert rows_text(document.tables[0]) == [["案例名称", CASE_TITLE], ["地区", "太原市"], ["单位名称", UNIT_NAME]]
    heading = document.paragraphs[1].runs[0]
    rfonts = heading._r.rPr.find(qn("w:rFonts"))
    assert (rfonts.get(qn("w:eastAsia")), rfonts.get(qn("w:ascii")), heading.font.size) == ("黑体", "黑体", Pt(42))
    value_cell = document.tables[0].cell(0, 1)._tc
    assert value_cell.xpath("./w:tcPr/w:tcBorders/w:bottom/@w:val") == ["single"]


@pytest.mark.django_db
def test_paper_checklist_lists_the_notices_copies_and_binding_with_tick_boxes(case):
    document = open_docx(cover.build_paper_checklist(case))

    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == ["纸质材料报送清单", "2024年山西省企业典型创新案例征集及宣讲活动", "依据：报送材料要求（附件1）",
                     cover.PROOF_OPTIONAL_NOTE]  # the campaign leaves 证明材料 optional and none are uploaded
    info, checklist = document.tables
    assert rows_text(info) == [["案例名称：", CASE_TITLE], ["地区：", "太原市"], ["单位名称：", UNIT_NAME]]
    assert rows_text(checklist) == [
        ["序号", "材料", "份数", "装订要求", "已备"],
        ["1", "推荐表盖章件", "3份", "逐份单独装订", "□"],
        ["2", "证明材料", "1份", "单独装订，加封皮并标注案例名称、地区和单位名称", "□"],
        ["3", "汇总表", "1份", "—", "□"],
        ["以上材料再用双耳夹整体装订。"] * 4 + ["□"],
    ]
    assert checklist.rows[0]._tr.xpath("./w:trPr/w:tblHeader/@w:val") == ["true"]


@pytest.mark.django_db
def test_generic_checklist_has_no_case_block():
    document = open_docx(cover.build_paper_checklist())

    assert len(document.tables) == 1
    assert [p.text for p in document.paragraphs if p.text] == ["纸质材料报送清单", "依据：报送材料要求（附件1）"]


def test_checklist_lines_come_from_the_same_data():
    assert cover.paper_checklist_lines() == [
        "□ 推荐表盖章件 3份：逐份单独装订",
        "□ 证明材料 1份：单独装订，加封皮并标注案例名称、地区和单位名称",
        "□ 汇总表 1份",
        "□ 以上材料再用双耳夹整体装订。",
    ]

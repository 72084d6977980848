"""Paper submission (附件1): the cover of the 证明材料 and the checklist of what goes in the post.

附件1: 推荐案例材料提交推荐表盖章件3份（逐份单独装订）、证明材料1份（单独装订，加封皮并标注案例名称、
地区和单位名称）、汇总表1份，再用双耳夹整体装订。The checklist below is that sentence as data, used
by the printable checklist and by any page that lists it.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.shared import Cm

from cases.documents.docx_helpers import (
    FANGSONG,
    HEITI,
    SIZE_CHUHAO,
    SIZE_ERHAO,
    SIZE_SANHAO,
    SIZE_SIHAO,
    SIZE_XIAOER,
    SIZE_XIAOSI,
    SONGTI,
    add_paragraph,
    document_bytes,
    new_document,
    remove_table_borders,
    set_cant_split,
    set_cell_borders,
    set_cell_text,
    set_repeat_table_header,
    set_row_height,
    set_table_borders,
    set_table_layout,
    shade_cell,
    text_width,
)
from cases.documents.naming import case_region, unit_name
from cases.models import Case
from cases.slots import proof_reminder

BOX_EMPTY = "□"

# --- the cover of the 证明材料 ---------------------------------------------------------------

COVER_HEADING = "证明材料"
COVER_LABEL_TITLE = "案例名称"
COVER_LABEL_REGION = "地区"
COVER_LABEL_UNIT = "单位名称"


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to post: what, how many copies, how it is bound. `code` names it in the paper
    copies' receipts (review.paper: the items a receiver marks missing)."""

    code: str
    material: str
    copies: str
    binding: str


# --- the paper-submission checklist (附件1) ---------------------------------------------------

CHECKLIST_HEADING = "纸质材料报送清单"
CHECKLIST_SOURCE = "依据：报送材料要求（附件1）"
CHECKLIST_COLUMNS = ("序号", "材料", "份数", "装订要求", "已备")
PAPER_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("form", "推荐表盖章件", "3份", "逐份单独装订"),
    ChecklistItem("proof", "证明材料", "1份", "单独装订，加封皮并标注案例名称、地区和单位名称"),
    ChecklistItem("summary_table", "汇总表", "1份", "—"),
)
PAPER_FINAL_STEP = "以上材料再用双耳夹整体装订。"
# 附件3 注：如有其他证明材料，可另附. Printed under the list while the campaign leaves them optional
# (Campaign.proof_materials) and the case has none uploaded: the same reminder as on submission.
PROOF_OPTIONAL_NOTE = "注：证明材料可另附（附件3：如有其他证明材料，可另附）。本案例尚未上传电子版证明材料；如有，请上传并按上表装订1份一并报送。"


def paper_checklist_items() -> dict[str, ChecklistItem]:
    """The checklist by code, for the pages and receipts that name its items."""
    return {item.code: item for item in PAPER_CHECKLIST}


def paper_checklist_lines() -> list[str]:
    """The checklist as plain lines (`□ 推荐表盖章件 3份：逐份单独装订`), e.g. for a web page."""
    lines = [
        f"{BOX_EMPTY} {item.material} {item.copies}" + (f"：{item.binding}" if item.binding != "—" else "")
        for item in PAPER_CHECKLIST
    ]
    lines.append(f"{BOX_EMPTY} {PAPER_FINAL_STEP}")
    return lines


def cover_fields(case: Case) -> list[tuple[str, str]]:
    """(label, value) lines of the cover: 案例名称, 地区, 单位名称."""
    return [
        (COVER_LABEL_TITLE, case.title),
        (COVER_LABEL_REGION, case_region(case)),
        (COVER_LABEL_UNIT, unit_name(case)),
    ]


def _add_field_table(document, fields: list[tuple[str, str]], *, size_pt: float, label_width: Cm, underline: bool):
    table = document.add_table(rows=len(fields), cols=2)
    width = text_width(document.sections[0])
    value_width = width - label_width
    if underline:
        value_width = min(value_width, Cm(10))  # a short line to write on, centred on the page
    set_table_layout(table, [label_width, value_width])
    remove_table_borders(table)
    for row, (label, value) in zip(table.rows, fields, strict=True):
        set_row_height(row, Cm(1.4 if underline else 1.0))
        set_cant_split(row)
        set_cell_text(row.cells[0], f"{label}：" if not underline else label, font=HEITI, size_pt=size_pt,
                      align="distribute" if underline else "left", vertical="bottom")
        set_cell_text(row.cells[1], value, font=FANGSONG, size_pt=size_pt, align="center" if underline else "left",
                      vertical="bottom")
        if underline:
            set_cell_borders(row.cells[1], bottom="single")
    return table


def build_proof_cover(case: Case) -> bytes:
    """The cover of the bound 证明材料: campaign, 证明材料, then 案例名称, 地区 and 单位名称."""
    document = new_document(title=f"{COVER_HEADING}封面", font=SONGTI, size_pt=SIZE_SANHAO)
    add_paragraph(document, case.campaign.title, font=SONGTI, size_pt=SIZE_XIAOER, bold=True, align="center",
                  space_before_pt=72)
    add_paragraph(document, COVER_HEADING, font=HEITI, size_pt=SIZE_CHUHAO, align="center",
                  space_before_pt=96, space_after_pt=120)
    _add_field_table(document, cover_fields(case), size_pt=SIZE_SANHAO, label_width=Cm(3.2), underline=True)
    document.core_properties.subject = case.title
    return document_bytes(document)


def build_paper_checklist(case: Case | None = None) -> bytes:
    """The paper-submission checklist with tick boxes; with `case`, headed by its name, region and unit."""
    document = new_document(title=CHECKLIST_HEADING, font=SONGTI, size_pt=SIZE_SIHAO)
    add_paragraph(document, CHECKLIST_HEADING, font=HEITI, size_pt=SIZE_ERHAO, align="center", space_after_pt=6)
    if case is not None:
        add_paragraph(document, case.campaign.title, font=SONGTI, size_pt=SIZE_SIHAO, align="center",
                      space_after_pt=12)
        _add_field_table(document, cover_fields(case), size_pt=SIZE_SIHAO, label_width=Cm(3.0), underline=False)
        add_paragraph(document, "", font=FANGSONG, size_pt=SIZE_SIHAO)

    width = text_width(document.sections[0])
    widths = [Cm(1.4), Cm(3.6), Cm(1.6), None, Cm(1.6)]
    widths[3] = width - sum(w for w in widths if w is not None)
    table = document.add_table(rows=1 + len(PAPER_CHECKLIST) + 1, cols=len(CHECKLIST_COLUMNS))
    set_table_layout(table, widths)
    set_table_borders(table)
    header = table.rows[0]
    set_repeat_table_header(header)
    for cell, title in zip(header.cells, CHECKLIST_COLUMNS, strict=True):
        set_cell_text(cell, title, font=HEITI, size_pt=SIZE_SIHAO, align="center")
        shade_cell(cell)
    for number, (row, item) in enumerate(zip(table.rows[1:], PAPER_CHECKLIST, strict=False), start=1):
        set_row_height(row, Cm(1.2))
        set_cant_split(row)
        values = (str(number), item.material, item.copies, item.binding, BOX_EMPTY)
        aligns = ("center", "left", "center", "left", "center")
        for cell, value, align in zip(row.cells, values, aligns, strict=True):
            set_cell_text(cell, value, font=FANGSONG, size_pt=SIZE_SIHAO, align=align)
    final = table.rows[-1]
    set_row_height(final, Cm(1.2))
    set_cant_split(final)
    merged = final.cells[0].merge(final.cells[3])
    set_cell_text(merged, PAPER_FINAL_STEP, font=FANGSONG, size_pt=SIZE_SIHAO, align="left")
    set_cell_text(final.cells[4], BOX_EMPTY, font=FANGSONG, size_pt=SIZE_SIHAO, align="center")

    add_paragraph(document, CHECKLIST_SOURCE, font=FANGSONG, size_pt=SIZE_XIAOSI, space_before_pt=6)
    if case is not None and proof_reminder(case.campaign, _current_slots(case)):
        add_paragraph(document, PROOF_OPTIONAL_NOTE, font=FANGSONG, size_pt=SIZE_XIAOSI, space_before_pt=6)
    if case is not None:
        document.core_properties.subject = case.title
    return document_bytes(document)


def _current_slots(case: Case) -> set[str]:
    return set(case.uploads.filter(superseded_at__isnull=True).values_list("slot", flat=True))

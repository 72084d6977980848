"""推荐汇总表: 附件4 (园区（企业）科协), 附件5 (县（市、区）科协) and 附件6 (市科协), in Word and Excel.

The three tables share one layout (A4 landscape): the attachment label, the title, a line with the
organisation's seal, its contact and the date, the table of 11 columns in rank order, and the notes
(注1–5). They differ in the issuing tier's name, the scope and recipient named in 注1, and the
deadline in 注1, which comes from the campaign (`Campaign.deadline_for(tier)`), never from here.

The notice's text of 附件5 and 附件6 is reproduced as printed, except that 附件5's own title reads
"区县（市、区）科协" where the notice's list of attachments reads "县（市、区）科协"; the tables use
the latter. The text of 附件4 is missing from the PDF extraction: it is rebuilt on the pattern of
附件5/6 (scope 本园区（企业）, recipient 所在县（市、区）科协, as 附件1 四 and 三（三）1 describe it).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Cm, Length
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from cases.documents.docx_helpers import (
    FANGSONG,
    HEITI,
    SIZE_SANHAO,
    SIZE_SIHAO,
    SIZE_WUHAO,
    SIZE_XIAOER,
    SIZE_XIAOSI,
    SONGTI,
    add_paragraph,
    add_text,
    document_bytes,
    format_paragraph,
    landscape_section,
    new_document,
    set_cant_split,
    set_cell_text,
    set_mark_font,
    set_repeat_table_header,
    set_table_borders,
    set_table_layout,
    text_width,
)
from cases.documents.naming import case_region, unit_name
from cases.documents.package import PackageMember
from cases.documents.recommendation_form import DATE_LINE, FORM_SUBJECT, province_name
from cases.documents.spreadsheets import xlsx_cell
from cases.enums import CaseType, EnterpriseType, Tier
from cases.models import Campaign, Case, Organisation

# --- the tables' text, as the notice prints it --------------------------------------------------

ATTACHMENT_LABELS = {Tier.ASSOCIATION: "附件4", Tier.COUNTY: "附件5", Tier.CITY: "附件6"}
# The issuing tier as the titles name it: 2024年山西省企业典型创新案例{…}推荐汇总表.
ISSUERS = {Tier.ASSOCIATION: "园区（企业）科协", Tier.COUNTY: "县（市、区）科协", Tier.CITY: "市科协"}
TITLE_SUFFIX = "推荐汇总表"
# A supplementary list (补报, a batch after the organisation's first) says so after the title.
SUPPLEMENT_MARK = "（补报）"
NUMBERED_SUPPLEMENT_MARK = "（第{number}次补报）"
SEAL = "（盖章）"
CONTACT_LABEL = "联系人及联系电话："
YES = "是"
NO = "否"

COLUMNS: tuple[str, ...] = (
    "序号", "案例名称", "单位名称", "联系人", "联系电话", "案例类型", "企业类型", "推荐地区",
    "是否已建立园区科协", "是否已建立企业科协", "是否为候选案例宣讲代表",
)

NOTES_LABEL = "注："
# 注1: whose list it is, its deadline (from the campaign) and where it goes.
NOTE_1 = "填写{scope}典型创新案例候选名单（按排名顺序填报）及其中的宣讲典型案例候选代表，填写内容完整无空缺，请于{deadline}前提交本表及相关报送材料至{recipient}；"
NOTE_1_SCOPES = {Tier.ASSOCIATION: "本园区（企业）", Tier.COUNTY: "本区县所属园区（企业）", Tier.CITY: "本市所辖园区（企业）"}
# The recipient named in 注1, by the tier receiving the list: an association's table names its
# county, or — above county level — its city or the provincial center (附件4 → city or province).
NOTE_1_RECIPIENTS = {Tier.COUNTY: "所在县（市、区）科协", Tier.CITY: "所在市科协", Tier.PROVINCE: "省科技创新服务中心"}
NOTES_2_TO_5: tuple[str, ...] = (
    "“案例类型”填写属于组织创新、技术创新、工艺创新；",
    "“企业类型”填写所在企业属于中央企业、国有企业、民营企业500强、专精特新“小巨人”企业等；",
    "“地区”填写典型创新案例候选园区（企业）所在地级市名称，如：太原市；",
    "填写典型案例宣讲所在企业是否已经建立了园区科协或企业科协。",
)

# The official wording of the choices, whatever language the portal's pages are shown in.
CASE_TYPE_TEXT = {
    CaseType.ORGANISATIONAL: "组织创新",
    CaseType.TECHNOLOGICAL: "技术创新",
    CaseType.PROCESS: "工艺创新",
}
ENTERPRISE_TYPE_TEXT = {
    EnterpriseType.CENTRAL_SOE: "中央企业",
    EnterpriseType.STATE_OWNED: "国有企业",
    EnterpriseType.PRIVATE_TOP_500: "民营企业500强",
    EnterpriseType.LITTLE_GIANT: "专精特新“小巨人”企业",
    EnterpriseType.HIGH_TECH: "高新技术企业",
    EnterpriseType.TECH_SME: "科技型中小企业",
    EnterpriseType.OTHER: "其他企业",
}

# What `summary_rows` reads beyond the case: select_related this to read the rows in one query.
SUMMARY_ROW_RELATED = "enterprise__association__parent__parent"

# --- layout ---------------------------------------------------------------------------------

MARGIN_TOP_BOTTOM = Cm(2.0)
MARGIN_SIDES = Cm(2.0)
# 25.7 cm: the text width of A4 landscape with 2 cm side margins.
COLUMN_WIDTHS_CM = (1.2, 4.3, 3.9, 1.6, 3.0, 1.9, 2.6, 1.6, 1.9, 1.9, 1.8)
CENTERED_COLUMNS = {0, 3, 4, 5, 6, 7, 8, 9, 10}
HEADER_FONT, CELL_FONT, CELL_SIZE = HEITI, FANGSONG, SIZE_WUHAO
# Excel column widths in characters.
XLSX_COLUMN_WIDTHS = (6, 32, 30, 10, 16, 11, 22, 10, 11, 11, 13)
XLSX_TITLE_ROW = 2
XLSX_INFO_ROW = 3
XLSX_HEADER_ROW = 4
XLSX_FIRST_DATA_ROW = XLSX_HEADER_ROW + 1


@dataclass(frozen=True)
class SummaryRow:
    """One line of 附件4/5/6, with the notice's wording of every value."""

    rank: int
    case_title: str
    unit_name: str
    contact_name: str
    contact_phone: str
    case_type_label: str
    enterprise_type_label: str
    region: str  # 地级市, e.g. 太原市
    has_park_association: bool
    has_enterprise_association: bool
    is_presenter_candidate: bool

    def values(self) -> tuple[int | str, ...]:
        """The row's cells in column order, flags as 是/否."""
        return (
            self.rank, self.case_title, self.unit_name, self.contact_name, self.contact_phone,
            self.case_type_label, self.enterprise_type_label, self.region, yes_no(self.has_park_association),
            yes_no(self.has_enterprise_association), yes_no(self.is_presenter_candidate),
        )


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def summary_rows(cases_in_rank_order: Iterable[Case]) -> list[SummaryRow]:
    """The rows of the table, numbered 1, 2, … in the given order. Select `SUMMARY_ROW_RELATED` on
    the cases, or reading each case's city costs queries."""
    rows = []
    for rank, case in enumerate(cases_in_rank_order, start=1):
        enterprise_type = case.enterprise_type or case.enterprise.enterprise_type
        rows.append(SummaryRow(
            rank=rank,
            case_title=case.title,
            unit_name=unit_name(case),
            contact_name=case.contact_name,
            contact_phone=case.contact_phone,
            case_type_label=CASE_TYPE_TEXT.get(case.case_type, ""),
            enterprise_type_label=ENTERPRISE_TYPE_TEXT.get(enterprise_type, ""),
            region=case_region(case),
            has_park_association=case.has_park_association,
            has_enterprise_association=case.has_enterprise_association,
            is_presenter_candidate=case.is_presenter_candidate,
        ))
    return rows


# --- the text of one table ----------------------------------------------------------------------


def _check_tier(tier: Tier, organisation: Organisation) -> Tier:
    tier = Tier(tier)
    if tier not in ISSUERS:
        raise ValueError(_("Summary tables exist for associations, counties and cities only."))
    if organisation.tier != tier:
        raise ValueError(_("The organisation does not belong to the tier of this summary table."))
    return tier


def supplement_mark(sequence: int) -> str:
    """"" for an organisation's first list, （补报） for its second, （第2次补报） for its third, …"""
    if sequence <= 1:
        return ""
    if sequence == 2:
        return SUPPLEMENT_MARK
    return NUMBERED_SUPPLEMENT_MARK.format(number=sequence - 1)


def summary_title(campaign: Campaign, tier: Tier, sequence: int = 1) -> str:
    """`2024年山西省企业典型创新案例县（市、区）科协推荐汇总表`, with `（补报）` for a supplementary
    list; the province's name is data."""
    return f"{campaign.year}年{province_name()}{FORM_SUBJECT}{ISSUERS[tier]}{TITLE_SUFFIX}{supplement_mark(sequence)}"


def deadline_text(day: datetime.date | None) -> str:
    """A deadline as the notes write it: 9月11日."""
    return f"{day.month}月{day.day}日" if day else ""


def date_text(day: datetime.date | None) -> str:
    """The table's date: 2024年9月10日, or the blank 年　　月　　日 to be filled in by hand."""
    return f"{day.year}年{day.month}月{day.day}日" if day else DATE_LINE


def seal_text(organisation: Organisation) -> str:
    return f"{organisation.name}{SEAL}"


def contact_text(contact: str) -> str:
    return f"{CONTACT_LABEL}{contact.strip()}"


def notes(campaign: Campaign, tier: Tier, receiver: Tier | None = None) -> list[str]:
    """注1–5, numbered as the notice numbers them, 注1 with the tier's deadline from the campaign and
    the receiving tier (`receiver`; by default the next tier up)."""
    receiver = receiver or Tier(tier + 1)
    first = NOTE_1.format(
        scope=NOTE_1_SCOPES[tier], deadline=deadline_text(campaign.deadline_for(tier)), recipient=NOTE_1_RECIPIENTS[receiver],
    )
    return [f"{number}.{text}" for number, text in enumerate((first, *NOTES_2_TO_5), start=1)]


# --- Word -----------------------------------------------------------------------------------


def build_summary_docx(
    *, campaign: Campaign, organisation: Organisation, tier: Tier, rows: Sequence[SummaryRow], contact: str,
    date: datetime.date | None, sequence: int = 1,
) -> bytes:
    """附件4/5/6 of `organisation` (of `tier`) for `campaign` as .docx, A4 landscape, rows in rank order;
    `sequence` > 1 marks a supplementary list (补报) in the title."""
    tier = _check_tier(tier, organisation)
    title = summary_title(campaign, tier, sequence)
    document = new_document(title=title, landscape=True, font=SONGTI, size_pt=SIZE_SIHAO)
    section = landscape_section(
        document.sections[0], top=MARGIN_TOP_BOTTOM, bottom=MARGIN_TOP_BOTTOM, left=MARGIN_SIDES, right=MARGIN_SIDES,
    )
    width = text_width(section)

    add_paragraph(document, ATTACHMENT_LABELS[tier], font=HEITI, size_pt=SIZE_SANHAO)
    add_paragraph(document, title, font=SONGTI, size_pt=SIZE_XIAOER, bold=True, align="center",
                  space_before_pt=6, space_after_pt=12)
    _add_info_line(document, organisation, contact, date, width)

    table = document.add_table(rows=1 + len(rows), cols=len(COLUMNS))
    set_table_layout(table, [Cm(cm) for cm in COLUMN_WIDTHS_CM])
    set_table_borders(table)
    header = table.rows[0]
    set_repeat_table_header(header)
    set_cant_split(header)
    for cell, text in zip(header.cells, COLUMNS, strict=True):
        set_cell_text(cell, text, font=HEADER_FONT, size_pt=CELL_SIZE, align="center")
    for row, summary_row in zip(table.rows[1:], rows, strict=True):
        set_cant_split(row)
        for index, (cell, value) in enumerate(zip(row.cells, summary_row.values(), strict=True)):
            set_cell_text(cell, str(value), font=CELL_FONT, size_pt=CELL_SIZE,
                          align="center" if index in CENTERED_COLUMNS else "left")

    label = add_paragraph(document, NOTES_LABEL, font=FANGSONG, size_pt=SIZE_XIAOSI, space_before_pt=6)
    label.paragraph_format.keep_with_next = True  # never alone at the foot of a page
    for note in notes(campaign, tier, organisation.receiving_tier):
        add_paragraph(document, note, font=FANGSONG, size_pt=SIZE_XIAOSI, first_line_chars=2)
    document.core_properties.subject = organisation.name
    return document_bytes(document)


def _add_info_line(document, organisation: Organisation, contact: str, date: datetime.date | None, width: Length) -> None:
    """`XX科协（盖章）    联系人及联系电话：…    年 月 日` on one line: a centre and a right tab stop."""
    paragraph = document.add_paragraph()
    format_paragraph(paragraph, char_pt=SIZE_SIHAO, space_after_pt=6)
    stops = paragraph.paragraph_format.tab_stops
    stops.add_tab_stop(Length(width // 2), WD_TAB_ALIGNMENT.CENTER)
    stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    add_text(paragraph, "\t".join((seal_text(organisation), contact_text(contact), date_text(date))), FANGSONG, SIZE_SIHAO)
    set_mark_font(paragraph, FANGSONG, SIZE_SIHAO)


# --- Excel ----------------------------------------------------------------------------------


def build_summary_xlsx(
    *, campaign: Campaign, organisation: Organisation, tier: Tier, rows: Sequence[SummaryRow], contact: str,
    date: datetime.date | None, sequence: int = 1,
) -> bytes:
    """The same table as .xlsx: label, title, seal/contact/date line, header row (row 4), the rows,
    then the notes; printed A4 landscape, fit to the page width, header repeated on every page."""
    tier = _check_tier(tier, organisation)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ATTACHMENT_LABELS[tier]
    last_column = get_column_letter(len(COLUMNS))
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap_left = Alignment(horizontal="left", vertical="center", wrap_text=True)

    sheet["A1"] = ATTACHMENT_LABELS[tier]
    sheet["A1"].font = Font(name=HEITI, size=SIZE_SANHAO)

    sheet.merge_cells(f"A{XLSX_TITLE_ROW}:{last_column}{XLSX_TITLE_ROW}")
    title = summary_title(campaign, tier, sequence)
    title_cell = xlsx_cell(sheet, XLSX_TITLE_ROW, 1, title)
    title_cell.font = Font(name=SONGTI, size=SIZE_XIAOER, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[XLSX_TITLE_ROW].height = 36

    # The seal, contact and date line, in three merged blocks like the Word version's tab stops.
    for first, last, text, horizontal in (
        (1, 3, seal_text(organisation), "left"),
        (4, 8, contact_text(contact), "center"),
        (9, 11, date_text(date), "right"),
    ):
        sheet.merge_cells(start_row=XLSX_INFO_ROW, start_column=first, end_row=XLSX_INFO_ROW, end_column=last)
        cell = xlsx_cell(sheet, XLSX_INFO_ROW, first, text)
        cell.font = Font(name=FANGSONG, size=SIZE_XIAOSI)
        cell.alignment = Alignment(horizontal=horizontal, vertical="center")
    sheet.row_dimensions[XLSX_INFO_ROW].height = 24

    for column, text in enumerate(COLUMNS, start=1):
        cell = sheet.cell(XLSX_HEADER_ROW, column, text)
        cell.font = Font(name=HEITI, size=SIZE_WUHAO)
        cell.alignment = wrap_center
        cell.border = border
    sheet.row_dimensions[XLSX_HEADER_ROW].height = 45

    for offset, summary_row in enumerate(rows):
        row_number = XLSX_FIRST_DATA_ROW + offset
        for column, value in enumerate(summary_row.values(), start=1):
            cell = xlsx_cell(sheet, row_number, column, value)  # titles, names: the enterprises' text, never a formula
            cell.font = Font(name=FANGSONG, size=SIZE_WUHAO)
            cell.alignment = wrap_center if column - 1 in CENTERED_COLUMNS else wrap_left
            cell.border = border
            if column == 5:
                cell.number_format = "@"  # a phone number is text: keep its leading 0 and dashes

    notes_row = XLSX_FIRST_DATA_ROW + len(rows) + 1
    sheet.cell(notes_row, 1, NOTES_LABEL).font = Font(name=FANGSONG, size=SIZE_XIAOSI)
    for offset, note in enumerate(notes(campaign, tier, organisation.receiving_tier), start=1):
        row_number = notes_row + offset
        sheet.merge_cells(start_row=row_number, start_column=1, end_row=row_number, end_column=len(COLUMNS))
        cell = sheet.cell(row_number, 1, note)
        cell.font = Font(name=FANGSONG, size=SIZE_XIAOSI)
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        sheet.row_dimensions[row_number].height = 30 if len(note) > 90 else 18

    for column, width in enumerate(XLSX_COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(XLSX_FIRST_DATA_ROW, 1)
    sheet.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.properties.title = title
    workbook.properties.creator = ""

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the tables as files: their names, and their place in a batch's zip ---------------------------

# 附件1 lists the 推荐汇总表 among the electronic materials as "Word版和PDF盖章扫描版"; the Excel
# version is the portal's extra, for the tier above to sort and filter.
SUMMARY_FILE_PATTERNS = {
    "docx": "{name}推荐汇总表{mark}.docx",
    "xlsx": "{name}推荐汇总表{mark}.xlsx",
    "scan": "{name}推荐汇总表{mark}（盖章扫描版）.pdf",
}
SUMMARY_FILE_FIELDS = {"docx": "summary_docx", "xlsx": "summary_xlsx", "scan": "signed_scan"}


def summary_file_name(batch, kind: str) -> str:
    """`{单位}推荐汇总表{（补报）}.docx` / `.xlsx` / `（盖章扫描版）.pdf`: the name every download and zip gives it."""
    return SUMMARY_FILE_PATTERNS[kind].format(name=batch.organisation.name, mark=supplement_mark(batch.sequence))


def summary_table_members(batch, fingerprint: str) -> list[PackageMember]:
    """The batch's 推荐汇总表, Word and stamped PDF scan, as members of its zip — each only when it
    shows the list as it is (`fingerprint`: review.queries.list_fingerprint of its items): a
    table or scan of an earlier list would contradict the packages beside it."""
    members = []
    if batch.summary_docx and batch.generated_for == fingerprint:
        members.append(PackageMember(summary_file_name(batch, "docx"), batch.summary_docx))
    if batch.signed_scan and batch.signed_scan_for == fingerprint:
        members.append(PackageMember(summary_file_name(batch, "scan"), batch.signed_scan))
    return members

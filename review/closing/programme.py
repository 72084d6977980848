"""The presenters' programme (宣讲代表): each presenter's case, unit, talk title and materials
(宣讲文字材料, 宣讲PPT, video), as a page, a Word document and an Excel sheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.documents import docx_helpers as dx
from cases.deadlines import uploaded_late, winner_materials_windows
from cases.documents.confined import word_paragraphs
from cases.documents.naming import case_region, unit_name
from cases.enums import UploadSlot
from cases.models import Campaign, Upload
from cases.slots import WINNER_SLOTS
from cases.validation.units import describe_bytes
from review.closing.common import city_of_path, city_order, xlsx_bytes
from review.models import SelectionEntry

TITLE_MAX = 120


@dataclass
class Presenter:
    entry: SelectionEntry
    region: str
    case_title: str
    unit: str
    talk_title: str
    materials: dict[str, Upload | None] = field(default_factory=dict)
    # The slots whose current file came after the winners' deadline (cases.deadlines.uploaded_late).
    late: set[str] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        return [UploadSlot(slot).label for slot, upload in self.materials.items() if upload is None]

    @property
    def labelled_materials(self) -> list[tuple[str, Upload | None]]:
        """(宣讲文字材料 / 宣讲PPT / 视频, the current upload or None), for pages that name each one."""
        return [(UploadSlot(slot).label, upload) for slot, upload in self.materials.items()]

    @property
    def late_ids(self) -> set[int]:
        return {self.materials[slot].pk for slot in self.late}


def talk_title_of(upload: Upload | None) -> str:
    """The talk's own title (题目自拟): the first non-empty paragraph of the talk text (.docx) whose
    check passed, read through the guarded reader (cases.documents.confined); '' otherwise."""
    if upload is None:
        return ""
    for _style, text in word_paragraphs(upload):
        if text.strip():
            return text.strip()[:TITLE_MAX]
    return ""


def presenters(campaign: Campaign) -> list[Presenter]:
    """The selected presenters, in 附件2's city order then rank. Two queries whatever the count."""
    entries = list(
        SelectionEntry.objects.filter(selection__campaign=campaign, is_presenter=True)
        .select_related("case__enterprise__association__parent__parent", "case__campaign")
    )
    windows = winner_materials_windows([entry.case for entry in entries])
    current: dict[tuple[int, str], Upload] = {}
    for upload in Upload.objects.filter(case__in=[e.case_id for e in entries], slot__in=WINNER_SLOTS,
                                        superseded_at__isnull=True).order_by("uploaded_at", "pk"):
        current[(upload.case_id, upload.slot)] = upload
    order = city_order(campaign)
    entries.sort(key=lambda e: (order.get(city_of_path(e.case.enterprise.association.path), 99), e.rank))
    result = []
    for entry in entries:
        case = entry.case
        materials = {slot: current.get((case.pk, slot)) for slot in WINNER_SLOTS}
        result.append(Presenter(
            entry=entry, region=case_region(case), case_title=case.title, unit=case.completing_unit or unit_name(case),
            talk_title=talk_title_of(materials[UploadSlot.TALK_TEXT]) or case.title, materials=materials,
            late={slot for slot, upload in materials.items() if upload is not None and uploaded_late(upload, windows[case.pk])},
        ))
    return result


def _material_text(upload: Upload | None, late: bool = False) -> str:
    if upload is None:
        return _("not yet uploaded")
    text = f"{upload.original_name}（{describe_bytes(upload.size)}）"
    return _("%(file)s (late)") % {"file": text} if late else text


def _header() -> list[str]:
    return [_("No."), _("Region"), _("Case name"), _("Unit"), _("Talk title"),
            *[str(UploadSlot(slot).label) for slot in WINNER_SLOTS]]


def _rows(items: list[Presenter]) -> list[list]:
    return [[index, p.region, p.case_title, p.unit, p.talk_title, *[_material_text(p.materials[s], s in p.late) for s in WINNER_SLOTS]]
            for index, p in enumerate(items, start=1)]


def programme_title(campaign: Campaign) -> str:
    return _("%(campaign)s: presenters' programme") % {"campaign": campaign.title}


def programme_xlsx(campaign: Campaign) -> bytes:
    return xlsx_bytes(programme_title(campaign), _header(), _rows(presenters(campaign)), sheet=_("Presenters"),
                      widths=[6, 10, 36, 30, 36, 30, 30, 30])


def programme_docx(campaign: Campaign) -> bytes:
    items = presenters(campaign)
    document = dx.new_document(title=programme_title(campaign), landscape=True)
    dx.add_paragraph(document, programme_title(campaign), font=dx.HEITI, size_pt=dx.SIZE_XIAOER, align="center",
                     space_after_pt=12)
    header = _header()
    table = document.add_table(rows=1, cols=len(header))
    dx.set_table_borders(table)
    for cell, text in zip(table.rows[0].cells, header):
        dx.set_cell_text(cell, text, font=dx.HEITI, size_pt=dx.SIZE_WUHAO, align="center")
    dx.set_repeat_table_header(table.rows[0])
    for row in _rows(items):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            dx.set_cell_text(cell, str(value), size_pt=dx.SIZE_WUHAO)
    dx.add_paragraph(document, _("%(count)d presenters.") % {"count": len(items)}, size_pt=dx.SIZE_XIAOSI, space_before_pt=8)
    return dx.document_bytes(document)

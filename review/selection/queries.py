"""Reads of the provincial selection: the ranking for staff, the public 公示 list, a winner's own
result (its 公示 entry and certificate) for its case page."""

from dataclasses import dataclass

from cases.documents.naming import case_region
from cases.enums import CaseStatus
from cases.models import Campaign, Case
from review.models.results import Certificate, Selection, SelectionEntry, SelectionState


def selection_of(campaign: Campaign) -> Selection | None:
    return Selection.objects.filter(campaign=campaign).first()


def ranking(selection: Selection | None) -> list[SelectionEntry]:
    """The entries in rank order, each with `final_points`: the final score (0–1) on the experts'
    0–100 scale, so the board's columns read alike."""
    if selection is None:
        return []
    entries = list(selection.entries.select_related("case__enterprise__association__parent__parent").order_by("rank"))
    for entry in entries:
        entry.final_points = entry.final_score * 100
    return entries


def public_notice(campaign: Campaign) -> tuple[Selection | None, list[dict]]:
    """The published 公示: winners in rank order with only public facts (title, unit, region,
    presenter). Nothing before publication; never contact data."""
    selection = selection_of(campaign)
    if selection is None or selection.state == SelectionState.DRAFT:
        return None, []
    rows = [
        {"rank": index, "title": entry.case.title, "unit": entry.case.completing_unit or entry.case.enterprise.name,
         "region": case_region(entry.case), "presenter": entry.is_presenter}
        for index, entry in enumerate(
            selection.entries.filter(is_winner=True).select_related("case__enterprise__association__parent__parent")
            .order_by("rank"), start=1)
    ]
    return selection, rows


def certificates_of(campaign: Campaign) -> list[Certificate]:
    return list(Certificate.objects.filter(campaign=campaign).select_related("case").order_by("number"))


@dataclass(frozen=True)
class WinnerResult:
    """What a winning case's page shows of the province's result: its line in the published 公示
    (None before publication) and its certificate (None until issued)."""

    selection: Selection | None
    notice_number: int | None  # its 序号 in the 公示 list
    is_presenter: bool
    certificate: Certificate | None


def winner_result(case: Case) -> WinnerResult | None:
    """The result of a WINNER case (None for any other): the same 公示 line the public list shows
    (public_notice numbers the winners 1, 2, … in rank order) and the certificate issued for it."""
    if case.status != CaseStatus.WINNER:
        return None
    selection = selection_of(case.campaign)
    notice_number, is_presenter = None, False
    if selection is not None and selection.state != SelectionState.DRAFT:
        entry = selection.entries.filter(case=case, is_winner=True).first()
        if entry is not None:
            notice_number = selection.entries.filter(is_winner=True, rank__lte=entry.rank).count()
            is_presenter = entry.is_presenter
    certificate = Certificate.objects.filter(case=case).first()
    if certificate is not None:
        certificate.case = case  # the page's case, already loaded (the permission check reads it)
    return WinnerResult(selection=selection if notice_number else None, notice_number=notice_number,
                        is_presenter=is_presenter, certificate=certificate)

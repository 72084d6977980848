"""Reads of the provincial selection: the ranking for staff, the public 公示 list."""

from cases.documents.naming import case_region
from cases.models import Campaign
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

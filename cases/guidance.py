"""What the enterprise's pages say it should do next, and which actions they offer.

Everything here is read from the stage window (cases.deadlines.stage_window / case_window): the
"next step", the countdown and the buttons come from the same answer the services check, so a
page never asks for something the portal would refuse, and once a deadline has passed or the
campaign is closed it says what is still possible instead.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.deadlines import StageWindow, case_window, case_windows, stage_window
from cases.enums import CaseStatus, Tier
from cases.models import Campaign, Case, Enterprise

ENDED_STATUSES = (
    CaseStatus.ASSOCIATION_DECLINED, CaseStatus.COUNTY_FAILED, CaseStatus.CITY_NOT_SELECTED, CaseStatus.NOT_WINNER,
)


@dataclass(frozen=True)
class CaseGuidance:
    """What the enterprise's case page, list and workbench show about one case."""

    next_step: str
    # The window whose countdown is shown (a draft's or a returned case's); None: no countdown.
    window: StageWindow | None
    # When the enterprise can no longer act: what it still can do (ask for an extension, nothing).
    still_possible: str = ""
    may_edit: bool = False
    may_add_winner_materials: bool = False


def cases_guidance(cases, now: datetime.datetime) -> dict[int, CaseGuidance]:
    """case_guidance for a list of cases (by pk), their deadlines read in one query."""
    windows = case_windows(cases, now)
    return {case.pk: _guidance(case, windows[case.pk]) for case in cases}


def case_guidance(case: Case, now: datetime.datetime) -> CaseGuidance:
    """The enterprise's next step for `case` at `now`."""
    return _guidance(case, case_window(case, now))


def _guidance(case: Case, window: StageWindow | None) -> CaseGuidance:
    campaign_closed = case.campaign.closed_at is not None
    if window is not None:  # a draft or a returned case: the enterprise's to change
        if window.is_open:
            text = (_("Fill in the form, upload the files and submit before the deadline.") if case.status == CaseStatus.DRAFT
                    else _("Read the reviewer's reasons, revise the case and submit it again before the deadline."))
            return CaseGuidance(next_step=text, window=window, may_edit=True)
        if window.deadline_passed:
            text = (_("The deadline for submitting passed at %(closes)s (Beijing time): this draft can no longer be submitted.")
                    if case.status == CaseStatus.DRAFT else
                    _("The deadline for resubmitting passed at %(closes)s (Beijing time): this case can no longer be resubmitted."))
            return CaseGuidance(next_step=text % {"closes": window.closes_text}, window=None,
                                still_possible=window.still_possible)
        return CaseGuidance(next_step=_("The campaign is closed: this case was not submitted and is kept as it is."),
                            window=None, still_possible=window.still_possible)
    if case.status == CaseStatus.WINNER:
        if campaign_closed:
            return CaseGuidance(next_step=_("Selected as an outstanding case. The campaign is closed: the certificate and "
                                            "the materials below can be downloaded, no longer changed."), window=None)
        return CaseGuidance(next_step=_("Selected as an outstanding case: upload the talk text, slides and video, and "
                                        "download the certificate once the provincial center has issued it."),
                            window=None, may_add_winner_materials=True)
    if case.status in ENDED_STATUSES:
        return CaseGuidance(next_step=_("The review of this case has ended."), window=None)
    if campaign_closed:
        return CaseGuidance(next_step=_("The campaign is closed: the review of this case has ended."), window=None)
    if case.status == CaseStatus.SUBMITTED:
        return CaseGuidance(next_step=_("Wait for your association's review."), window=None)
    return CaseGuidance(next_step=_("The reviewers are working on your case; follow its progress here."), window=None)


def new_case_window(campaign: Campaign, enterprise: Enterprise, now: datetime.datetime) -> StageWindow:
    """Whether the enterprise may start a new case: its own submission stage (extensions counted)."""
    return stage_window(campaign, Tier.ENTERPRISE, now=now, enterprise=enterprise)


def new_case_refusal(window: StageWindow) -> str:
    """Why no new case can be started now (empty while it can), with what is still possible."""
    if window.deadline_passed:
        return " ".join((_("The deadline for new cases passed at %(closes)s (Beijing time); new cases can no longer be created.")
                         % {"closes": window.closes_text}, window.still_possible))
    if window.campaign_closed:
        return window.still_possible
    return ""

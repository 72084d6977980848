"""When each stage closes, for one organisation or enterprise: the campaign's day, or a later
day the province granted (DeadlineExtension). Every deadline check asks here."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.enums import TRANSITIONS, CaseStatus, OrganisationKind, Stage, Tier
from cases.models import CAMPAIGN_TIME_ZONE, Campaign, Case, DeadlineExtension, Enterprise, Organisation


def deadline_text(moment: datetime.datetime | None) -> str:
    """A deadline as every page and message writes it: "2026年12月14日 24:00" (Beijing time).

    A stage closes at 00:00 after its last day; written as "the next day 00:00" users read it as
    one day later than the notice says, so midnight is written as 24:00 of the day before, as the
    notice itself does ("9月2日24时")."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, CAMPAIGN_TIME_ZONE)
    if local.time() == datetime.time.min:
        day = local.date() - datetime.timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日 24:00"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=CAMPAIGN_TIME_ZONE)


def _holders(organisation: Organisation | None = None, enterprise: Enterprise | None = None) -> tuple[set[int], set[int]]:
    """(organisation ids, enterprise ids) whose extensions count for this holder: its own, and for
    an enterprise also one granted to its whole association."""
    organisations, enterprises = set(), set()
    if organisation is not None:
        organisations.add(organisation.pk)
    if enterprise is not None:
        enterprises.add(enterprise.pk)
        organisations.add(enterprise.association_id)
    return organisations, enterprises


def closing_day(campaign: Campaign, tier: Tier, *, organisation: Organisation | None = None,
                enterprise: Enterprise | None = None) -> datetime.date | None:
    """The last day (inclusive, Beijing time) the tier may act, extensions included; None: no deadline."""
    day = campaign.deadline_for(tier)
    if day is None:
        return None
    organisations, enterprises = _holders(organisation, enterprise)
    holders = Q(organisation_id__in=organisations) | Q(enterprise_id__in=enterprises)
    extended = DeadlineExtension.objects.filter(holders, campaign=campaign, tier=tier).aggregate(day=Max("closes_on"))["day"]
    return max(day, extended) if extended else day


def stage_closes_at(campaign: Campaign, tier: Tier, **holder) -> datetime.datetime | None:
    day = closing_day(campaign, tier, **holder)
    return None if day is None else _end_of_day(day)


def holder_of(case: Case, tier: Tier) -> dict:
    """Whose deadline governs `tier` for this case: the enterprise, or the organisation of that tier."""
    association = case.enterprise.association
    if tier == Tier.ENTERPRISE:
        return {"enterprise": case.enterprise}
    if tier == Tier.ASSOCIATION:
        return {"organisation": association}
    if tier == Tier.COUNTY:
        return {"organisation": association.ancestor(OrganisationKind.COUNTY)}
    if tier == Tier.CITY:
        # Above county level the association's parent may be the city itself (or the province: no city).
        return {"organisation": association.ancestor(OrganisationKind.CITY)}
    return {}


def stage_is_open(case: Case, tier: Tier, now: datetime.datetime | None = None) -> bool:
    """Whether `tier` may still act on this case: its deadline (extensions counted) has not passed
    and the campaign is not closed."""
    return stage_window(case.campaign, tier, now=now, **holder_of(case, tier)).is_open


# --- the stage window: the one answer to "what may this holder still do, and until when" ---------
#
# Every countdown, "next step", button and refusal about a stage asks `stage_window` (or
# `case_window` for an enterprise's case), so a page never offers what the service would refuse
# and never counts down to a deadline that no longer matters (a closed campaign, a passed day).

class StageState:
    OPEN = "open"  # the holder may act; closes_at None: no deadline (the province)
    DEADLINE_PASSED = "deadline_passed"  # the day has passed: only an extension from the province reopens it
    CAMPAIGN_CLOSED = "campaign_closed"  # the campaign is archived: nothing reopens it


@dataclass(frozen=True)
class StageWindow:
    """Where one holder's stage stands at `now`."""

    tier: Tier
    closes_at: datetime.datetime | None
    now: datetime.datetime
    campaign_closed_at: datetime.datetime | None = None

    @property
    def state(self) -> str:
        if self.campaign_closed_at is not None:
            return StageState.CAMPAIGN_CLOSED
        if self.closes_at is not None and self.now >= self.closes_at:
            return StageState.DEADLINE_PASSED
        return StageState.OPEN

    @property
    def is_open(self) -> bool:
        return self.state == StageState.OPEN

    @property
    def deadline_passed(self) -> bool:
        return self.state == StageState.DEADLINE_PASSED

    @property
    def campaign_closed(self) -> bool:
        return self.state == StageState.CAMPAIGN_CLOSED

    @property
    def counts_down(self) -> bool:
        """Whether pages show a countdown: only while the stage is open and has a deadline."""
        return self.is_open and self.closes_at is not None

    @property
    def last_day(self) -> datetime.date | None:
        """The last day (inclusive, Beijing time) to act."""
        if self.closes_at is None:
            return None
        return timezone.localtime(self.closes_at, CAMPAIGN_TIME_ZONE).date() - datetime.timedelta(days=1)

    @property
    def closes_text(self) -> str:
        return deadline_text(self.closes_at)

    @property
    def days_left(self) -> int:
        """Whole days left including today (Beijing time); 0 once the stage is not open."""
        if not self.counts_down:
            return 0
        today = timezone.localtime(self.now, CAMPAIGN_TIME_ZONE).date()
        return (self.last_day - today).days + 1

    @property
    def remaining(self) -> tuple[int, int, int]:
        """(days, hours, minutes) until the stage closes; zeros once it is not open."""
        if not self.counts_down:
            return 0, 0, 0
        seconds = max(int((self.closes_at - self.now).total_seconds()), 0)
        return seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60

    @property
    def still_possible(self) -> str:
        """What the holder can still do about the stage, in Chinese: empty while it is open."""
        if self.state == StageState.CAMPAIGN_CLOSED:
            return _("The campaign is closed and archived: nothing can be submitted or changed any more, and no "
                     "deadline can be extended. Files and documents can still be downloaded.")
        if self.state == StageState.DEADLINE_PASSED:
            if self.tier == Stage.WINNER_MATERIALS:
                return _("Files sent now are still accepted and marked late. If you need more time, ask the provincial "
                         "center to extend your deadline.")
            if self.tier in (Stage.ACTIVITY_PLAN, Stage.WORK_SUMMARY):
                return _("A file uploaded now is still accepted and marked late; the provincial center may extend "
                         "your deadline.")
            if self.tier == Tier.ENTERPRISE:
                return _("If you still need to submit, ask your association to request an extension of your deadline "
                         "from the provincial center; once it is granted this page opens again.")
            return _("If you still need to act, ask the provincial center to extend your deadline; once it is "
                     "granted this page opens again.")
        return ""


def stage_window(campaign: Campaign, tier: Tier, *, now: datetime.datetime | None = None,
                 organisation: Organisation | None = None, enterprise: Enterprise | None = None) -> StageWindow:
    """The holder's window for `tier` (its deadline with any extension, the campaign's close)."""
    return StageWindow(
        tier=tier, closes_at=stage_closes_at(campaign, tier, organisation=organisation, enterprise=enterprise),
        now=now or timezone.now(), campaign_closed_at=campaign.closed_at,
    )


def editing_tier(case: Case) -> Tier | None:
    """Whose deadline closes the enterprise's editing (and submitting) of this case: the tier of
    the move that submits it — the enterprise's own for a draft, the association's for a returned
    case (the transition table says which). None: the case is not the enterprise's to change."""
    move = TRANSITIONS.get((case.status, CaseStatus.SUBMITTED))
    if move is None or move.actor != Tier.ENTERPRISE:
        return None
    return move.deadline


def case_windows(cases, now: datetime.datetime | None = None) -> dict[int, StageWindow | None]:
    """case_window of each case (by pk), with one query for all their extensions: for lists, whose
    query count must not grow with their length. The cases need campaign and enterprise loaded."""
    now = now or timezone.now()
    wanted = {}
    for case in cases:
        tier = editing_tier(case)
        if tier is not None:
            wanted[case.pk] = (case, tier, _holders(**holder_of(case, tier)))
    extensions = []
    if wanted:
        condition = Q(pk__in=[])
        for case, tier, (organisations, enterprises) in wanted.values():
            condition |= Q(campaign_id=case.campaign_id, tier=tier) & (
                Q(organisation_id__in=organisations) | Q(enterprise_id__in=enterprises))
        extensions = list(DeadlineExtension.objects.filter(condition).values_list(
            "campaign_id", "tier", "organisation_id", "enterprise_id", "closes_on"))
    windows: dict[int, StageWindow | None] = {}
    for case in cases:
        if case.pk not in wanted:
            windows[case.pk] = None
            continue
        _case, tier, (organisations, enterprises) = wanted[case.pk]
        day = case.campaign.deadline_for(tier)
        days = [closes_on for campaign_id, row_tier, organisation_id, enterprise_id, closes_on in extensions
                if campaign_id == case.campaign_id and row_tier == tier
                and (organisation_id in organisations or enterprise_id in enterprises)]
        if day is not None and days:
            day = max(day, *days)
        windows[case.pk] = StageWindow(tier=tier, closes_at=None if day is None else _end_of_day(day), now=now,
                                       campaign_closed_at=case.campaign.closed_at)
    return windows


def case_window(case: Case, now: datetime.datetime | None = None) -> StageWindow | None:
    """The enterprise's window for changing and submitting this case; None when its status is not
    one the enterprise changes (submitted, under review, decided)."""
    tier = editing_tier(case)
    if tier is None:
        return None
    return stage_window(case.campaign, tier, now=now, **holder_of(case, tier))


def winner_materials_window(case: Case, now: datetime.datetime | None = None) -> StageWindow:
    """The winning enterprise's window for the talk text, slides and video (附件1 七、八): the
    campaign's day (Campaign.winner_materials_deadline; none: no countdown, nothing late), an
    extension for the enterprise or its association counted."""
    return stage_window(case.campaign, Stage.WINNER_MATERIALS, now=now, enterprise=case.enterprise)


def uploaded_late(upload, window: StageWindow) -> bool:
    """Whether a file came after the holder's deadline (extensions counted, so an extension granted
    later clears the mark). Files are kept either way; lists mark the late ones."""
    return window.closes_at is not None and upload.uploaded_at >= window.closes_at


def winner_materials_windows(cases, now: datetime.datetime | None = None) -> dict[int, StageWindow]:
    """winner_materials_window of each case (by pk) with one query for all their extensions, for
    lists (the programme, the close page). The cases need campaign and enterprise loaded."""
    now = now or timezone.now()
    cases = list(cases)
    holders = {case.pk: _holders(enterprise=case.enterprise) for case in cases}
    condition = Q(pk__in=[])
    for case in cases:
        organisations, enterprises = holders[case.pk]
        condition |= Q(campaign_id=case.campaign_id) & (Q(organisation_id__in=organisations) | Q(enterprise_id__in=enterprises))
    rows = list(DeadlineExtension.objects.filter(condition, tier=Stage.WINNER_MATERIALS).values_list(
        "campaign_id", "organisation_id", "enterprise_id", "closes_on")) if cases else []
    windows = {}
    for case in cases:
        organisations, enterprises = holders[case.pk]
        day = case.campaign.deadline_for(Stage.WINNER_MATERIALS)
        days = [closes_on for campaign_id, organisation_id, enterprise_id, closes_on in rows
                if campaign_id == case.campaign_id and (organisation_id in organisations or enterprise_id in enterprises)]
        if day is not None and days:
            day = max(day, *days)
        windows[case.pk] = StageWindow(tier=Stage.WINNER_MATERIALS, closes_at=None if day is None else _end_of_day(day),
                                       now=now, campaign_closed_at=case.campaign.closed_at)
    return windows

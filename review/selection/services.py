"""Provincial selection (三(三)4): ranking, winners, presenters, overrides, 公示 and final result.

final score = campaign.expert_weight × normalised expert score + campaign.public_weight × normalised votes
- expert score: the trimmed mean of the provincial experts' totals (0–100) divided by 100, or — with
  campaign.normalise_expert_scores — the trimmed mean of z-scores mapped min–max to 0–1 over the cases;
- votes: the case's counted votes (valid and released ballots) divided by the most any case got.
Ties break, in order, by the higher expert score, more votes, then the lower case id (the earlier
entry): a total, deterministic order.
Winners: the top campaign.winners_count. Presenters: winners that are presenter candidates, in rank
order, at most campaign.presenters_per_city_max per city (三(三)4 各市不超过2个; the organisations
directly under the province count as one such group), campaign.presenters_count in all. The 附件2
share through a 园区科协 (campaign.park_presenter_share_percent, quotas.rules.percent_of) binds the
cities' lists; at the province it is shown (presenter_park_share), and enforced — topped up by
swapping, required to publish — only when campaign.province_enforces_park_share says so. Staff overrides keep their reason and are re-applied when the ranking is recomputed;
they choose which cases win, never how many: winners_count and presenters_count hold through them
(count_problems shows a list that exceeds a count lowered later, and the 公示 waits for it).
The 公示 waits until the votes and the cities' lists are complete (review.selection.readiness).
A closed campaign is an archive: every write here refuses first (cases.rules.ensure_campaign_open).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import deadline_text
from cases.enums import AuditAction, CaseStatus, Tier
from cases.models import AuditEvent, Campaign, Case
from cases.refusals import Refused
from cases.rules import ensure_campaign_open
from cases.workflow import transition_case
from quotas.rules import percent_of
from review.experts.aggregation import normalise_to_unit
from review.experts.queries import aggregates_for
from review.experts.rules import case_city_id
from review.models.results import OverrideField, Selection, SelectionEntry, SelectionOverride, SelectionState
from review.models.voting import COUNTED_BALLOT_STATUSES, BallotChoice
from review.selection.readiness import publication_blockers


class SelectionRefused(Refused):
    """A refused selection action; the message says why (`reasons`: one message per problem)."""

    def __init__(self, message: str, *, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or [message]


def via_park(case: Case) -> bool:
    """The case came through a 园区科协 (its enterprise's association is a park association)."""
    return case.enterprise.association.kind == "park_association"


def counted_votes(campaign: Campaign) -> dict[int, int]:
    rows = (
        BallotChoice.objects.filter(ballot__campaign=campaign, ballot__status__in=COUNTED_BALLOT_STATUSES)
        .values("case_id").annotate(n=Count("id"))
    )
    return {row["case_id"]: row["n"] for row in rows}


@dataclass
class Ranked:
    case: Case
    expert_score: float | None
    expert_normalised: float
    votes: int
    votes_normalised: float
    final: float
    disagreement: bool


def rank_cases(campaign: Campaign, cases: list[Case]) -> list[Ranked]:
    """The ranking, best first (see the module docstring for the formula and tie-breaking)."""
    ids = [case.pk for case in cases]
    aggregates = aggregates_for(campaign, Tier.PROVINCE, ids)
    values = {case_id: aggregates[case_id].value for case_id in ids}
    expert_unit = normalise_to_unit(values, scale=None if campaign.normalise_expert_scores else 100.0)
    votes = counted_votes(campaign)
    most = max((votes.get(case_id, 0) for case_id in ids), default=0)
    ew, pw = float(campaign.expert_weight), float(campaign.public_weight)
    ranked = []
    for case in cases:
        count = votes.get(case.pk, 0)
        votes_unit = count / most if most else 0.0
        ranked.append(Ranked(
            case=case, expert_score=aggregates[case.pk].raw_mean, expert_normalised=expert_unit[case.pk],
            votes=count, votes_normalised=votes_unit,
            final=round(ew * expert_unit[case.pk] + pw * votes_unit, 9),
            disagreement=aggregates[case.pk].disagreement,
        ))
    ranked.sort(key=lambda r: (-r.final, -r.expert_normalised, -r.votes, r.case.pk))
    return ranked


def choose_presenters(ranked_winners: list[Case], campaign: Campaign, *,
                      forced: frozenset[int] | set[int] = frozenset(),
                      dropped: frozenset[int] | set[int] = frozenset()) -> set[int]:
    """Presenter candidates among the winners, in rank order, ≤ per-city max, presenters_count in all;
    when the campaign enforces the park share at the province, then the park share topped up by
    swapping the weakest non-park presenters for the best park candidates left (never breaking the
    per-city limit). Staff decisions come first: the winners
    staff made presenters (`forced`) take their places before the computed ones and are never
    swapped out; those staff took off (`dropped`) are never chosen."""
    limit, per_city = campaign.presenters_count, campaign.presenters_per_city_max
    eligible = [case for case in ranked_winners if case.is_presenter_candidate and case.pk not in dropped]
    chosen: list[Case] = [case for case in eligible if case.pk in forced]
    cities: Counter = Counter(case_city_id(case) for case in chosen)
    for case in eligible:
        if len(chosen) >= limit:
            break
        if case.pk not in forced and cities[case_city_id(case)] < per_city:
            chosen.append(case)
            cities[case_city_id(case)] += 1
    if not campaign.province_enforces_park_share:
        return {case.pk for case in chosen}
    required = percent_of(campaign.park_presenter_share_percent, len(chosen))
    spare = [case for case in eligible if case not in chosen and via_park(case)]
    while sum(via_park(c) for c in chosen) < required and spare:
        weakest = next((c for c in reversed(chosen) if not via_park(c) and c.pk not in forced), None)
        if weakest is None:
            break
        replacement = next(
            (c for c in spare if cities[case_city_id(c)] - (case_city_id(weakest) == case_city_id(c)) < per_city), None
        )
        if replacement is None:
            break
        chosen.remove(weakest)
        cities[case_city_id(weakest)] -= 1
        chosen.append(replacement)
        cities[case_city_id(replacement)] += 1
        spare.remove(replacement)
    return {case.pk for case in chosen}


def choose_winners(ranked: list[Ranked], campaign: Campaign, overrides: dict[tuple[int, str], bool]) -> list[Case]:
    """The winners in rank order: every case staff made a winner, then the best of the rest that
    staff did not take off, until campaign.winners_count. Overrides never add winners beyond the
    count (override_selection refuses that); only lowering the count in the admin afterwards can
    leave more, which count_problems shows and publish_selection refuses."""
    forced = {case_id for (case_id, field), value in overrides.items() if field == OverrideField.WINNER and value}
    dropped = {case_id for (case_id, field), value in overrides.items() if field == OverrideField.WINNER and not value}
    free = max(0, campaign.winners_count - sum(1 for row in ranked if row.case.pk in forced))
    chosen = set(forced)
    for row in ranked:
        if free == 0:
            break
        if row.case.pk not in forced and row.case.pk not in dropped:
            chosen.add(row.case.pk)
            free -= 1
    return [row.case for row in ranked if row.case.pk in chosen]


def _selection_for_update(campaign: Campaign) -> Selection:
    selection, _created = Selection.objects.get_or_create(campaign=campaign)
    return Selection.objects.select_for_update().get(pk=selection.pk)


@transaction.atomic
def compute_selection(*, campaign: Campaign, actor, now: datetime.datetime | None = None) -> Selection:
    """(Re)compute the ranking, winners and presenters of the draft selection.

    Guards: the selection is still a draft. Side effects, in order: the entries are replaced;
    earlier staff overrides are re-applied (latest per case and decision); computed_at; an audit
    event. The board shows what is still missing (readiness); computing a draft is allowed anyway,
    publishing it is not.
    """
    ensure_campaign_open(campaign, error=SelectionRefused)
    now = now or timezone.now()
    selection = _selection_for_update(campaign)
    if selection.state != SelectionState.DRAFT:
        raise SelectionRefused(_("The selection is published; it can no longer be recomputed."))
    cases = list(
        Case.objects.filter(campaign=campaign, status=CaseStatus.PROVINCE_REVIEW)
        .select_related("enterprise__association").order_by("pk")
    )
    ranked = rank_cases(campaign, cases)
    overrides = {}
    for override in selection.overrides.order_by("at", "pk"):
        overrides[(override.case_id, override.field)] = override.value
    winners = choose_winners(ranked, campaign, overrides)
    presenters = choose_presenters(
        winners, campaign,
        forced={case_id for (case_id, field), value in overrides.items() if field == OverrideField.PRESENTER and value},
        dropped={case_id for (case_id, field), value in overrides.items() if field == OverrideField.PRESENTER and not value},
    )
    winner_ids = {case.pk for case in winners}
    selection.entries.all().delete()
    entries = []
    for position, row in enumerate(ranked, start=1):
        is_winner = row.case.pk in winner_ids
        is_presenter = row.case.pk in presenters
        entries.append(SelectionEntry(
            selection=selection, case=row.case, rank=position, expert_score=row.expert_score,
            expert_normalised=row.expert_normalised, votes=row.votes, votes_normalised=row.votes_normalised,
            final_score=row.final, disagreement=row.disagreement, is_winner=is_winner, is_presenter=is_presenter,
            winner_overridden=(row.case.pk, OverrideField.WINNER) in overrides,
            presenter_overridden=(row.case.pk, OverrideField.PRESENTER) in overrides,
        ))
    SelectionEntry.objects.bulk_create(entries)
    selection.computed_at = now
    selection.save(update_fields=["computed_at"])
    winner_count = sum(1 for entry in entries if entry.is_winner)
    AuditEvent.objects.create(
        action=AuditAction.RANKING_COMPUTED, actor=actor,
        summary=(_("Ranking computed: %(cases)d case(s), %(winners)d winner(s)")
                 % {"cases": len(entries), "winners": winner_count})[:300],
        details={"selection": selection.pk, "cases": len(entries), "winners": winner_count},
    )
    return selection


@dataclass(frozen=True)
class ParkShare:
    """How many of the province's presenters come through a 园区科协, against the 附件2 share."""

    actual: int
    total: int
    required: int
    percent: int
    enforced: bool  # campaign.province_enforces_park_share

    @property
    def met(self) -> bool:
        return self.actual >= self.required

    @property
    def message(self) -> str:
        values = {"actual": self.actual, "total": self.total, "required": self.required, "percent": self.percent}
        if self.enforced:
            if self.met:
                return _("%(actual)d of the %(total)d presenters come through a park association; this campaign requires "
                         "at least %(required)d (%(percent)d%%).") % values
            return _("Only %(actual)d of the %(total)d presenters come through a park association; at least "
                     "%(required)d are needed.") % values
        return _("For information: %(actual)d of the %(total)d presenters come through a park association "
                 "(%(percent)d%% would be %(required)d). The share of 附件2 binds the cities' lists; the province "
                 "chooses its presenters by score, at most the per-city limit, and this campaign does not require "
                 "the share here.") % values


def presenter_park_share(selection: Selection) -> ParkShare:
    """The park share of the current presenters: information at the province, or a rule when the
    campaign enforces it there (campaign.province_enforces_park_share)."""
    campaign = selection.campaign
    presenters = list(selection.entries.filter(is_presenter=True).select_related("case__enterprise__association"))
    return ParkShare(
        actual=sum(via_park(entry.case) for entry in presenters), total=len(presenters),
        required=percent_of(campaign.park_presenter_share_percent, len(presenters)),
        percent=campaign.park_presenter_share_percent, enforced=campaign.province_enforces_park_share,
    )


def presenter_problems(selection: Selection) -> list[str]:
    """The presenter rules the current entries break (per-city limit; the park share when the
    campaign enforces it at the province), in Chinese."""
    campaign = selection.campaign
    presenters = list(selection.entries.filter(is_presenter=True).select_related("case__enterprise__association"))
    problems = []
    per_city = Counter(case_city_id(entry.case) for entry in presenters)
    if per_city and max(per_city.values()) > campaign.presenters_per_city_max:
        problems.append(_("A city has more than %(max)d presenters.") % {"max": campaign.presenters_per_city_max})
    share = presenter_park_share(selection)
    if share.enforced and not share.met:
        problems.append(share.message)
    return problems


def count_problems(selection: Selection) -> list[str]:
    """The counts of the campaign the current entries exceed (winners_count, presenters_count), in
    Chinese with what to do. Overrides cannot exceed them (override_selection counts under the
    selection's row lock); lowering a count in the admin afterwards can, and then the board says
    so and publish_selection refuses until it is solved."""
    campaign = selection.campaign
    problems = []
    winners = selection.entries.filter(is_winner=True).count()
    if winners > campaign.winners_count:
        problems.append(
            _("The list has %(actual)d winners but this campaign has %(max)d: %(excess)d too many. Take the winner's "
              "mark off %(excess)d case(s) with an override, or compute the ranking again.")
            % {"actual": winners, "max": campaign.winners_count, "excess": winners - campaign.winners_count}
        )
    presenters = selection.entries.filter(is_presenter=True).count()
    if presenters > campaign.presenters_count:
        problems.append(
            _("The list has %(actual)d presenters but this campaign has %(max)d: %(excess)d too many. Take the "
              "presenter's mark off %(excess)d case(s) with an override.")
            % {"actual": presenters, "max": campaign.presenters_count, "excess": presenters - campaign.presenters_count}
        )
    return problems


def decision_problems(selection: Selection) -> list[str]:
    """Every rule the current winners and presenters break: the counts, then the presenter rules.
    The board shows them; publish_selection refuses while there is any."""
    return count_problems(selection) + presenter_problems(selection)


@transaction.atomic
def override_selection(*, campaign: Campaign, case: Case, field: str, value: bool, reason: str, actor,
                       now: datetime.datetime | None = None) -> SelectionEntry:
    """Staff decide against the computed result for one case, with a reason.

    Guards: draft selection; a reason; a real change (not the current value); a new winner only
    while there are fewer than winners_count;
    a presenter must be a winner and a presenter candidate, there must be fewer than
    presenters_count and its city must stay within presenters_per_city_max; where the campaign
    enforces the park share at the province, it must still hold after taking a park presenter off. Side effects: the override row; the entry
    (un-winning also un-presents).
    The counts are read after the selection row is locked, and the campaign again after it:
    two staff adding the last winner at the same moment are served one after the other, and the
    second is refused.
    """
    ensure_campaign_open(campaign, error=SelectionRefused)
    now = now or timezone.now()
    reason = (reason or "").strip()
    selection = _selection_for_update(campaign)
    campaign = Campaign.objects.get(pk=campaign.pk)
    if selection.state != SelectionState.DRAFT:
        raise SelectionRefused(_("The selection is published; it can no longer be changed."))
    if not reason:
        raise SelectionRefused(_("Give the reason for overriding the computed result; it is recorded."))
    if field not in OverrideField.values:
        raise SelectionRefused(_("Unknown decision."))
    entry = selection.entries.select_related("case__enterprise__association").filter(case=case).first()
    if entry is None:
        raise SelectionRefused(_("This case is not in the ranking; compute the ranking first."))
    current = entry.is_winner if field == OverrideField.WINNER else entry.is_presenter
    if current == value:
        # An override that changes nothing would still read as a decision in the record: refuse it.
        raise SelectionRefused(_("Nothing to change: “%(title)s” is already %(state)s. Reload the page to see the current "
                                 "decisions.") % {"title": entry.case.title, "state": _override_state_text(field, value)})
    if field == OverrideField.WINNER and value and not entry.is_winner:
        winners = selection.entries.filter(is_winner=True).count()
        if winners >= campaign.winners_count:
            raise SelectionRefused(
                _("There are already %(count)d winners, the number set for this campaign (%(max)d). To make this case a "
                  "winner, first take the winner's mark off another case (override it with “no”).")
                % {"count": winners, "max": campaign.winners_count}
            )
    if field == OverrideField.PRESENTER and value:
        if not entry.is_winner:
            raise SelectionRefused(_("Only a winner can be a presenter."))
        if not entry.case.is_presenter_candidate:
            raise SelectionRefused(_("This case was not put forward as a presenter candidate by its city."))
        presenters = selection.entries.filter(is_presenter=True).exclude(pk=entry.pk).count()
        if presenters >= campaign.presenters_count:
            raise SelectionRefused(
                _("There are already %(count)d presenters, the number set for this campaign (%(max)d). To make this "
                  "case a presenter, first take the presenter's mark off another case (override it with “no”).")
                % {"count": presenters, "max": campaign.presenters_count}
            )
        city = case_city_id(entry.case)
        same_city = sum(1 for e in selection.entries.filter(is_presenter=True).exclude(pk=entry.pk)
                        .select_related("case__enterprise__association") if case_city_id(e.case) == city)
        if same_city >= campaign.presenters_per_city_max:
            raise SelectionRefused(_("This city already has %(max)d presenters, the most allowed.")
                                   % {"max": campaign.presenters_per_city_max})
    if field == OverrideField.WINNER:
        entry.is_winner, entry.winner_overridden = value, True
        if not value:
            entry.is_presenter = False
    else:
        entry.is_presenter, entry.presenter_overridden = value, True
    entry.save(update_fields=["is_winner", "is_presenter", "winner_overridden", "presenter_overridden"])
    if field == OverrideField.PRESENTER and not value and via_park(entry.case):
        problems = presenter_problems(selection)
        if problems:
            raise SelectionRefused(" ".join(problems))
    SelectionOverride.objects.create(selection=selection, case=case, field=field, value=value, reason=reason,
                                     actor=actor, at=now)
    return entry


def _override_state_text(field: str, value: bool) -> str:
    if field == OverrideField.WINNER:
        return _("a winner") if value else _("not a winner")
    return _("a presenter") if value else _("not a presenter")


@transaction.atomic
def publish_selection(*, campaign: Campaign, actor, now: datetime.datetime | None = None) -> Selection:
    """Publish the 公示 list: winners and presenters become public; the objection period
    (campaign.objection_days) starts. Guards: the campaign is not closed; a draft; the votes and
    the cities' lists and the provincial experts' scores are complete, the ranking is up to date
    (readiness.selection_problems); a computed ranking with winners; the winners and presenters keep to
    the campaign's counts and the presenter rules (decision_problems).
    Side effects, in order: state, publication time and the end of the objection period; an audit
    event. From then on scores and the vote are frozen (review.selection.rules).
    The selection row is locked first and the campaign read again after it: open_vote and
    submit_score lock the same row, so neither can slip in between these checks and the publication."""
    ensure_campaign_open(campaign, error=SelectionRefused)
    now = now or timezone.now()
    selection = _selection_for_update(campaign)
    if selection.state != SelectionState.DRAFT:
        raise SelectionRefused(_("The selection is already published."))
    campaign = Campaign.objects.get(pk=campaign.pk)
    blockers = publication_blockers(campaign, selection=selection, now=now)
    if blockers:
        raise SelectionRefused(" ".join(blockers), reasons=blockers)
    if not selection.entries.filter(is_winner=True).exists():
        raise SelectionRefused(_("Compute the ranking first: there is no winner to publish."))
    problems = decision_problems(selection)
    if problems:
        raise SelectionRefused(" ".join(problems), reasons=problems)
    selection.state, selection.published_at = SelectionState.PUBLISHED, now
    selection.objection_ends_at = now + datetime.timedelta(days=campaign.objection_days)
    selection.save(update_fields=["state", "published_at", "objection_ends_at"])
    winners = list(selection.entries.filter(is_winner=True).order_by("rank").values_list("case_id", flat=True))
    AuditEvent.objects.create(
        action=AuditAction.SELECTION_PUBLISHED, actor=actor,
        summary=(_("Public notice published with %(winners)d winner(s); objections until %(until)s")
                 % {"winners": len(winners), "until": deadline_text(selection.objection_ends_at)})[:300],
        details={"selection": selection.pk, "winners": winners,
                 "objection_ends_at": selection.objection_ends_at.isoformat()},
    )
    return selection


@transaction.atomic
def withdraw_publication(*, campaign: Campaign, actor, reason: str, now: datetime.datetime | None = None) -> Selection:
    """An upheld objection: the 公示 goes back to draft so staff can change it.

    Guards: the campaign is not closed; the selection is published (not final); a reason.
    Side effects, in order: state back to draft (scores and the vote are no longer frozen); an
    audit event with the reason as typed and when the withdrawn notice had been published."""
    ensure_campaign_open(campaign, error=SelectionRefused)
    selection = _selection_for_update(campaign)
    if selection.state != SelectionState.PUBLISHED:
        raise SelectionRefused(_("Only a published selection can be withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise SelectionRefused(_("Give the reason for withdrawing the public notice."))
    published_at = selection.published_at
    selection.state, selection.published_at, selection.objection_ends_at = SelectionState.DRAFT, None, None
    selection.save(update_fields=["state", "published_at", "objection_ends_at"])
    AuditEvent.objects.create(
        action=AuditAction.SELECTION_WITHDRAWN, actor=actor,
        summary=_("Public notice withdrawn; the selection is a draft again")[:300],
        details={"selection": selection.pk, "reason": reason,
                 "published_at": published_at.isoformat() if published_at else None},
    )
    return selection


@transaction.atomic
def finalise_selection(*, campaign: Campaign, actor, now: datetime.datetime | None = None) -> Selection:
    """After the objection period: every ranked case becomes WINNER or NOT_WINNER through
    transition_case (audited), and winners get their certificate numbers.
    Guards: published; the objection period is over.
    Side effects, in order: the cases' transitions; state final; an audit event; the certificates
    (issue_certificates, with its own audit event)."""
    from review.selection.certificates import issue_certificates

    ensure_campaign_open(campaign, error=SelectionRefused)
    now = now or timezone.now()
    selection = _selection_for_update(campaign)
    if selection.state != SelectionState.PUBLISHED:
        raise SelectionRefused(_("Publish the public notice first."))
    if now < selection.objection_ends_at:
        raise SelectionRefused(
            _("The objection period runs until %(when)s; the result can be made final after that.")
            % {"when": deadline_text(selection.objection_ends_at)}
        )
    for entry in selection.entries.select_related("case").order_by("rank"):
        target = CaseStatus.WINNER if entry.is_winner else CaseStatus.NOT_WINNER
        if entry.case.status == CaseStatus.PROVINCE_REVIEW:
            transition_case(entry.case, to=target, actor=actor,
                            reason=_("Provincial selection, public notice ended %(when)s")
                            % {"when": deadline_text(selection.objection_ends_at)}, now=now)
    selection.state, selection.finalised_at = SelectionState.FINAL, now
    selection.save(update_fields=["state", "finalised_at"])
    winners = list(selection.entries.filter(is_winner=True).order_by("rank").values_list("case_id", flat=True))
    AuditEvent.objects.create(
        action=AuditAction.SELECTION_FINALISED, actor=actor,
        summary=(_("Provincial result made final: %(winners)d winner(s)") % {"winners": len(winners)})[:300],
        details={"selection": selection.pk, "winners": winners},
    )
    issue_certificates(campaign=campaign, actor=actor, now=now)
    return selection

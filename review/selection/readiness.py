"""Whether the province may decide its winners yet: the rules in one place.

The 公示 names the winners on everything the province should have: every city's list and every
counted vote. So publishing waits while
- a ballot is still in quarantine (excluding or releasing it changes a case's votes);
- the public vote is still running, or has not started although it is scheduled;
- a city has not forwarded its list and its deadline (with any extension the province granted, the
  day cases.deadlines gives) has not passed; once it has, the province goes on without that city,
  and the board still names it;
- an assigned provincial expert has not scored yet (the ranking would leave that score out, and
  scores lock once the 公示 is published: review.selection.rules);
- the ranking was computed before the last of these changed (a later vote close, quarantine
  decision, expert score or city list): it must be computed again.
The selection board shows every problem before anyone presses a button; publish_selection refuses on
the blocking ones. Both call `selection_problems`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from cases.deadlines import closing_day, deadline_text, stage_closes_at
from cases.enums import CaseStatus, Tier
from cases.models import Campaign, Organisation
from quotas.models import CityQuota
from review.models import Batch, BatchStatus, Selection
from review.models.scoring import ExpertAssignment, ExpertScore
from review.models.voting import Ballot, BallotStatus, QuarantineDecision


@dataclass(frozen=True)
class UnreportedCity:
    """A city whose list has not reached the province (未报送)."""

    name: str
    last_day: datetime.date | None  # its deadline day, inclusive, extensions counted
    deadline_passed: bool
    closes_at: datetime.datetime | None = None  # the moment the deadline passes (written with deadline_text)


@dataclass(frozen=True)
class MissingScores:
    """A case under provincial selection with assigned experts who have not scored it yet."""

    title: str
    missing: int
    assigned: int


@dataclass(frozen=True)
class SelectionProblem:
    """Something the province should know before deciding; `blocks_publication`: the 公示 must wait."""

    message: str
    blocks_publication: bool


def _city_name(city: Organisation) -> str:
    return city.region or city.name


def unreported_cities(campaign: Campaign, now: datetime.datetime) -> list[UnreportedCity]:
    """The cities of the quota table (附件2) without a forwarded list, in the table's order."""
    forwarded = set(
        Batch.objects.filter(campaign=campaign, tier=Tier.CITY, status=BatchStatus.FORWARDED)
        .values_list("organisation_id", flat=True)
    )
    cities = [quota.city for quota in CityQuota.objects.filter(campaign=campaign).select_related("city").order_by("position")]
    result = []
    for city in cities:
        if city.pk in forwarded:
            continue
        closes_at = stage_closes_at(campaign, Tier.CITY, organisation=city)
        result.append(UnreportedCity(
            name=_city_name(city), last_day=closing_day(campaign, Tier.CITY, organisation=city),
            deadline_passed=closes_at is not None and now >= closes_at, closes_at=closes_at,
        ))
    return result


def quarantined_ballot_count(campaign: Campaign) -> int:
    return Ballot.objects.filter(campaign=campaign, status=BallotStatus.QUARANTINED).count()


def missing_scores(campaign: Campaign) -> list[MissingScores]:
    """Cases under provincial selection whose active expert assignments lack a score, by case id."""
    rows = (
        ExpertAssignment.objects.active()
        .filter(tier=Tier.PROVINCE, case__campaign=campaign, case__status=CaseStatus.PROVINCE_REVIEW)
        .values("case_id", "case__title")
        .annotate(assigned=Count("id"), missing=Count("id", filter=Q(score__isnull=True)))
        .filter(missing__gt=0)
        .order_by("case_id")
    )
    return [MissingScores(title=row["case__title"], missing=row["missing"], assigned=row["assigned"]) for row in rows]


def _last_input_change(campaign: Campaign, now: datetime.datetime) -> datetime.datetime | None:
    """When the facts the ranking reads last changed: the vote's close, a staff decision on a
    quarantined ballot, a provincial expert's score (given, changed, or no longer counted because
    its assignment ended), a city's forwarded list."""
    provincial_scores = ExpertScore.objects.filter(assignment__tier=Tier.PROVINCE, assignment__case__campaign=campaign)
    moments = [
        QuarantineDecision.objects.filter(ballot__campaign=campaign, actor__isnull=False).aggregate(at=Max("at"))["at"],
        provincial_scores.aggregate(at=Max("updated_at"))["at"],
        provincial_scores.aggregate(at=Max("assignment__ended_at"))["at"],
        Batch.objects.filter(campaign=campaign, tier=Tier.CITY, status=BatchStatus.FORWARDED)
        .aggregate(at=Max("forwarded_at"))["at"],
    ]
    if campaign.vote_closes_at and campaign.vote_closes_at <= now:
        moments.append(campaign.vote_closes_at)
    moments = [moment for moment in moments if moment is not None]
    return max(moments) if moments else None


def _when(moment: datetime.datetime) -> str:
    """A moment that is not a deadline (when the ranking was computed), as the pages write it."""
    return dateformat.format(timezone.localtime(moment), "Y年n月j日 H:i")


def _city_list(cities: list[UnreportedCity]) -> str:
    return "、".join(
        _("%(city)s (deadline %(day)s)") % {"city": city.name, "day": deadline_text(city.closes_at)} if city.closes_at
        else city.name
        for city in cities
    )


def _missing_list(rows: list[MissingScores]) -> str:
    return "、".join(
        _("%(title)s (%(missing)d of %(assigned)d scores missing)")
        % {"title": row.title, "missing": row.missing, "assigned": row.assigned}
        for row in rows
    )


def selection_problems(campaign: Campaign, *, selection: Selection | None = None,
                       now: datetime.datetime | None = None) -> list[SelectionProblem]:
    """Every reason to hold back the winners, blocking ones first, each in Chinese with what to do."""
    now = now or timezone.now()
    problems: list[SelectionProblem] = []

    quarantined = quarantined_ballot_count(campaign)
    if quarantined:
        problems.append(SelectionProblem(
            _("%(count)d ballot(s) are still in quarantine: excluding or releasing them changes the votes. "
              "Decide each of them on the page Public vote › Quarantine, then compute the ranking again "
              "before publishing the public notice.") % {"count": quarantined},
            blocks_publication=True,
        ))

    if campaign.vote_opens_at and campaign.vote_closes_at and now < campaign.vote_closes_at:
        if now < campaign.vote_opens_at:
            message = _("The public vote is scheduled from %(opens)s to %(closes)s and has not taken place yet. "
                        "Publish the public notice after it has closed and the ranking was computed again.") % {
                "opens": deadline_text(campaign.vote_opens_at), "closes": deadline_text(campaign.vote_closes_at)}
        else:
            message = _("The public vote is still open until %(closes)s. Wait until it closes, or close it early on "
                        "the page Public vote, then compute the ranking again before publishing the public notice.") % {
                "closes": deadline_text(campaign.vote_closes_at)}
        problems.append(SelectionProblem(message, blocks_publication=True))
    elif campaign.vote_opens_at is None and campaign.public_weight > 0:
        problems.append(SelectionProblem(
            _("No public vote has been held: every case counts 0 votes in the final score."),
            blocks_publication=False,
        ))

    missing = unreported_cities(campaign, now)
    waiting = [city for city in missing if not city.deadline_passed]
    late = [city for city in missing if city.deadline_passed]
    if waiting:
        problems.append(SelectionProblem(
            _("These cities have not forwarded their list yet: %(cities)s. The public notice cannot be published "
              "before their deadline: remind them to forward their list, or publish after the deadline has passed.")
            % {"cities": _city_list(waiting)},
            blocks_publication=True,
        ))
    if late:
        problems.append(SelectionProblem(
            _("These cities did not forward their list by their deadline, so the ranking has none of their cases: "
              "%(cities)s. To wait for one of them, extend its deadline on the page Extend a deadline.")
            % {"cities": _city_list(late)},
            blocks_publication=False,
        ))

    unscored = missing_scores(campaign)
    if unscored:
        problems.append(SelectionProblem(
            _("%(count)d score(s) of assigned provincial experts are still missing: %(cases)s. The ranking would "
              "leave them out, and scores lock once the public notice is published. Wait until these experts have "
              "scored, or remove the assignment of an expert who will not score on the page Experts and assignments; "
              "then compute the ranking again before publishing the public notice.")
            % {"count": sum(row.missing for row in unscored), "cases": _missing_list(unscored)},
            blocks_publication=True,
        ))

    if selection is not None and selection.computed_at is not None:
        changed = _last_input_change(campaign, now)
        if changed is not None and selection.computed_at < changed:
            problems.append(SelectionProblem(
                _("The ranking was computed at %(computed)s, before the votes, the expert scores or the cities' lists "
                  "last changed (%(changed)s). Compute the ranking again before publishing the public notice.")
                % {"computed": _when(selection.computed_at), "changed": _when(changed)},
                blocks_publication=True,
            ))

    problems.sort(key=lambda problem: not problem.blocks_publication)
    return problems


def publication_blockers(campaign: Campaign, *, selection: Selection | None = None,
                         now: datetime.datetime | None = None) -> list[str]:
    """The messages of the problems that stop the 公示."""
    return [problem.message for problem in selection_problems(campaign, selection=selection, now=now)
            if problem.blocks_publication]

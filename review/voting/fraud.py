"""刷票 detection: the quarantine job. Reads every ballot of a campaign, applies the rules below and
puts each ballot any rule flags into quarantine for staff to confirm or release. Nothing is
deleted or silently discounted; the job is idempotent (one flag per ballot and rule; a ballot staff
already released or excluded keeps its status).

Rules (thresholds in DEFAULTS, settings.VOTE_FRAUD may override):
- burst: a case's votes in one 10-minute bucket reach BURST_FACTOR × its own mean per active bucket
  (and at least BURST_MIN): the bucket's ballots for that case;
- block_dominance: one address block gives at least BLOCK_MIN of a case's votes and more than
  BLOCK_SHARE of them: that block's ballots for the case;
- device_reuse: one device cast DEVICE_MIN or more ballots (many numbers, one phone);
- regular_intervals: REGULAR_RUN consecutive ballots of one block, or for one case, whose
  intervals barely vary (coefficient of variation below REGULAR_CV) — a script, not people;
- night_surge: in a night hour (00:00–06:00 Beijing time) a case gets at least NIGHT_MIN votes and
  NIGHT_FACTOR × its daytime hourly mean;
- identical_ballots: the very same set of picks cast IDENTICAL_MIN times or more.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import CAMPAIGN_TIME_ZONE, Campaign
from cases.rules import campaign_is_open
from review.models.voting import Ballot, BallotStatus, QuarantineAction, QuarantineDecision, SuspicionFlag
from review.selection.rules import freezing_state

DEFAULTS = {
    "BUCKET_SECONDS": 600,
    "BURST_FACTOR": 6.0,
    "BURST_MIN": 20,
    "BLOCK_MIN": 10,
    "BLOCK_SHARE": 0.3,
    "DEVICE_MIN": 3,
    "REGULAR_RUN": 8,
    "REGULAR_CV": 0.1,
    "REGULAR_MAX_GAP": 1800,
    "NIGHT_START": 0,
    "NIGHT_END": 6,
    "NIGHT_MIN": 8,
    "NIGHT_FACTOR": 3.0,
    "IDENTICAL_MIN": 5,
}

# What staff read on the quarantine page and in the decision log, per rule.
RULE_LABELS = {
    "burst": gettext_lazy("burst far above the case's own baseline"),
    "block_dominance": gettext_lazy("one address block dominates the case's votes"),
    "device_reuse": gettext_lazy("one device cast several ballots"),
    "regular_intervals": gettext_lazy("near-regular intervals between ballots"),
    "night_surge": gettext_lazy("night-time surge"),
    "identical_ballots": gettext_lazy("identical ballots"),
}


def describe_flag(rule: str, detail: dict, case_titles: dict[int, str]) -> str:
    """A flag's evidence as a sentence for staff (the detail is stored as the rule found it).
    `case_titles` names the cases a detail refers to by id; an unknown id shows as its number."""
    detail = detail or {}

    def title(case_id) -> str:
        return case_titles.get(case_id) or _("case no. %(id)s") % {"id": case_id}

    if rule == "burst":
        return _("“%(case)s” got %(count)s votes within %(minutes)s minutes; its usual rate is %(baseline)s per "
                 "%(minutes)s minutes.") % {
            "case": title(detail.get("case")), "count": detail.get("count"), "baseline": detail.get("baseline"),
            "minutes": threshold("BUCKET_SECONDS") // 60}
    if rule == "block_dominance":
        return _("The address block %(block)s gave %(count)s of the %(of)s votes of “%(case)s”.") % {
            "block": detail.get("block"), "count": detail.get("count"), "of": detail.get("of"),
            "case": title(detail.get("case"))}
    if rule == "device_reuse":
        return _("The same device voted %(count)s times.") % {"count": detail.get("ballots")}
    if rule == "regular_intervals":
        kind, _space, key = str(detail.get("group", "")).partition(" ")
        seconds = detail.get("interval_seconds")
        if kind == "case" and key.isdigit():
            return _("Ballots for “%(case)s” came in at almost exactly every %(seconds)s seconds.") % {
                "case": title(int(key)), "seconds": seconds}
        return _("Ballots from the address block %(block)s came in at almost exactly every %(seconds)s seconds.") % {
            "block": key, "seconds": seconds}
    if rule == "night_surge":
        try:
            hour = datetime.datetime.fromisoformat(detail.get("hour", "")).strftime("%m-%d %H:00")
        except (TypeError, ValueError):
            hour = detail.get("hour", "")
        return _("“%(case)s” got %(count)s votes in the night hour from %(hour)s; in daytime it averages %(day)s per hour.") % {
            "case": title(detail.get("case")), "count": detail.get("count"), "hour": hour,
            "day": detail.get("daytime_hourly")}
    if rule == "identical_ballots":
        return _("%(copies)s ballots chose exactly the same cases.") % {"copies": detail.get("copies")}
    return ""


def threshold(name: str):
    return getattr(settings, "VOTE_FRAUD", {}).get(name, DEFAULTS[name])


@dataclass(frozen=True)
class BallotView:
    """What the rules read of a ballot."""

    id: int
    at: datetime.datetime
    block: str
    device: str
    picks: frozenset[int]


def detect(ballots: list[BallotView]) -> dict[int, dict[str, dict]]:
    """Pure: {ballot id: {rule: detail}} for every flagged ballot."""
    flags: dict[int, dict[str, dict]] = defaultdict(dict)
    ballots = sorted(ballots, key=lambda b: (b.at, b.id))
    if not ballots:
        return {}
    by_case: dict[int, list[BallotView]] = defaultdict(list)
    for ballot in ballots:
        for case_id in ballot.picks:
            by_case[case_id].append(ballot)

    # burst: a sliding window of BUCKET_SECONDS over each case's votes (so a burst is not split
    # by bucket edges), against the case's own mean per active bucket of the whole vote
    size = threshold("BUCKET_SECONDS")
    start = ballots[0].at
    active_buckets = len({int((b.at - start).total_seconds() // size) for b in ballots})
    for case_id, votes in by_case.items():
        mean = len(votes) / max(active_buckets, 1)
        limit = max(threshold("BURST_MIN"), threshold("BURST_FACTOR") * mean)
        left = 0
        for right in range(len(votes)):
            while (votes[right].at - votes[left].at).total_seconds() >= size:
                left += 1
            if right - left + 1 >= limit:
                for ballot in votes[left:right + 1]:
                    flags[ballot.id]["burst"] = {"case": case_id, "count": right - left + 1, "baseline": round(mean, 2)}

    # block dominance
    for case_id, votes in by_case.items():
        blocks = Counter(b.block for b in votes)
        for block, count in blocks.items():
            if count >= threshold("BLOCK_MIN") and count > threshold("BLOCK_SHARE") * len(votes):
                for ballot in votes:
                    if ballot.block == block:
                        flags[ballot.id]["block_dominance"] = {"case": case_id, "block": block, "count": count,
                                                               "of": len(votes)}

    # device reuse
    devices = Counter(b.device for b in ballots if b.device)
    for ballot in ballots:
        if ballot.device and devices[ballot.device] >= threshold("DEVICE_MIN"):
            flags[ballot.id]["device_reuse"] = {"ballots": devices[ballot.device]}

    # near-regular intervals, per block and per case
    groups: list[tuple[str, list[BallotView]]] = []
    by_block: dict[str, list[BallotView]] = defaultdict(list)
    for ballot in ballots:
        by_block[ballot.block].append(ballot)
    groups += [(f"block {block}", members) for block, members in by_block.items()]
    groups += [(f"case {case_id}", members) for case_id, members in by_case.items()]
    run = threshold("REGULAR_RUN")
    for label, members in groups:
        if len(members) < run:
            continue
        times = [m.at.timestamp() for m in members]
        for i in range(len(members) - run + 1):
            gaps = [times[j + 1] - times[j] for j in range(i, i + run - 1)]
            mean_gap = statistics.fmean(gaps)
            if 0 < mean_gap <= threshold("REGULAR_MAX_GAP") and statistics.pstdev(gaps) / mean_gap < threshold("REGULAR_CV"):
                for ballot in members[i:i + run]:
                    flags[ballot.id]["regular_intervals"] = {"group": label, "interval_seconds": round(mean_gap, 1)}

    # night surge
    night_start, night_end = threshold("NIGHT_START"), threshold("NIGHT_END")

    def local(at):
        return at.astimezone(CAMPAIGN_TIME_ZONE)

    day_hours = {local(b.at).replace(minute=0, second=0, microsecond=0) for b in ballots
                 if not night_start <= local(b.at).hour < night_end}
    for case_id, votes in by_case.items():
        day_votes = [b for b in votes if not night_start <= local(b.at).hour < night_end]
        day_rate = len(day_votes) / max(len(day_hours), 1)
        night: dict[datetime.datetime, list[BallotView]] = defaultdict(list)
        for ballot in votes:
            at = local(ballot.at)
            if night_start <= at.hour < night_end:
                night[at.replace(minute=0, second=0, microsecond=0)].append(ballot)
        for hour, members in night.items():
            if len(members) >= max(threshold("NIGHT_MIN"), threshold("NIGHT_FACTOR") * day_rate):
                for ballot in members:
                    flags[ballot.id]["night_surge"] = {"case": case_id, "hour": hour.isoformat(), "count": len(members),
                                                       "daytime_hourly": round(day_rate, 2)}

    # identical ballots
    sets = Counter(b.picks for b in ballots)
    for ballot in ballots:
        if sets[ballot.picks] >= threshold("IDENTICAL_MIN"):
            flags[ballot.id]["identical_ballots"] = {"copies": sets[ballot.picks], "picks": sorted(ballot.picks)}
    return dict(flags)


def ballot_views(campaign: Campaign) -> list[BallotView]:
    picks: dict[int, set[int]] = defaultdict(set)
    rows = Ballot.objects.filter(campaign=campaign).values_list("pk", "cast_at", "address_block", "device_hash", "choices__case_id")
    meta = {}
    for pk, at, block, device, case_id in rows.iterator(chunk_size=5000):
        meta[pk] = (at, block, device)
        if case_id is not None:
            picks[pk].add(case_id)
    return [BallotView(id=pk, at=at, block=block, device=device, picks=frozenset(picks[pk])) for pk, (at, block, device) in meta.items()]


@transaction.atomic
def quarantine_suspicious_ballots(*, campaign: Campaign, now: datetime.datetime | None = None) -> dict:
    """Run the rules and quarantine what they flag. Returns counts {flagged, newly_quarantined}.

    Side effects: SuspicionFlag rows (new ones only); VALID ballots with a flag become QUARANTINED with
    an append-only decision row (actor None, the rules as the reason). Staff decisions stand.
    A closed campaign is an archive: nothing happens (this runs from Celery beat every few minutes on
    the current campaign, where a refusal would only fill the logs; the staff page refuses instead).
    Nor once the 公示 is published or final: its votes are frozen (review.selection.rules).
    """
    now = now or timezone.now()
    if not campaign_is_open(campaign) or freezing_state(campaign) is not None:
        return {"flagged": 0, "newly_quarantined": 0}
    flags = detect(ballot_views(campaign))
    existing = set(SuspicionFlag.objects.filter(ballot__campaign=campaign).values_list("ballot_id", "rule"))
    SuspicionFlag.objects.bulk_create(
        [SuspicionFlag(ballot_id=ballot_id, rule=rule, detail=detail, detected_at=now)
         for ballot_id, rules in flags.items() for rule, detail in rules.items() if (ballot_id, rule) not in existing],
        ignore_conflicts=True,
    )
    to_quarantine = list(
        Ballot.objects.select_for_update().filter(pk__in=list(flags), status=BallotStatus.VALID).values_list("pk", flat=True)
    )
    Ballot.objects.filter(pk__in=to_quarantine).update(status=BallotStatus.QUARANTINED)
    QuarantineDecision.objects.bulk_create(
        QuarantineDecision(ballot_id=pk, action=QuarantineAction.QUARANTINE, actor=None, at=now,
                           reason="; ".join(str(RULE_LABELS[rule]) for rule in sorted(flags[pk])))
        for pk in to_quarantine
    )
    return {"flagged": len(flags), "newly_quarantined": len(to_quarantine)}


def case_vote_report(campaign: Campaign) -> list[dict]:
    """Per case: valid (incl. released), quarantined and excluded votes — the audit report."""
    from cases.enums import CaseStatus
    from cases.models import Case

    return list(
        Case.objects.filter(campaign=campaign, status__in=[CaseStatus.PROVINCE_REVIEW, CaseStatus.WINNER, CaseStatus.NOT_WINNER])
        .annotate(
            valid=Count("ballot_choices", filter=Q(ballot_choices__ballot__status__in=[BallotStatus.VALID, BallotStatus.RELEASED])),
            quarantined=Count("ballot_choices", filter=Q(ballot_choices__ballot__status=BallotStatus.QUARANTINED)),
            excluded=Count("ballot_choices", filter=Q(ballot_choices__ballot__status=BallotStatus.EXCLUDED)),
        ).order_by("-valid", "pk").values("pk", "title", "valid", "quarantined", "excluded")
    )

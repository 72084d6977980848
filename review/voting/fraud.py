"""刷票 detection: the quarantine job. Each run reads the ballots cast since the previous run, plus
every ballot their windows and groups can reach, applies the rules of review.voting.fraud_rules and
puts each ballot they flag into quarantine for staff to confirm or release. Nothing is deleted or
silently discounted; the job is idempotent (one flag per ballot and rule; a ballot staff already
released or excluded keeps its status) and safe to run at once from beat and from the staff page
(the campaign's scan row is locked while a run works).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.enums import CaseStatus
from cases.models import Campaign, Case
from cases.rules import campaign_is_open
from review.models.voting import (
    Ballot,
    BallotChoice,
    BallotStatus,
    FraudScan,
    QuarantineAction,
    QuarantineDecision,
    SuspicionFlag,
)
from review.selection.rules import freezing_state
from review.voting.fraud_rules import RULE_LABELS, BallotView, describe_flag, detect, threshold

__all__ = ["RULE_LABELS", "BallotView", "describe_flag", "detect", "quarantine_suspicious_ballots", "case_vote_report"]

# A ballot is read once it is this old: one committed a moment later with a smaller id (concurrent
# requests) is then never skipped. Younger ones are read again by the next run.
SETTLE_SECONDS = 60
FIELDS = ("pk", "cast_at", "address_block", "device_hash", "user_agent", "picks")


def _longest() -> int:
    return max(*threshold("WINDOW_BUCKETS"), *threshold("BLOCK_WINDOW_BUCKETS"))


def _reach() -> datetime.timedelta:
    """How far before and after a new ballot its windows can reach (the longest window, plus one
    bucket for the windows' alignment)."""
    return datetime.timedelta(seconds=(_longest() + 1) * threshold("BUCKET_SECONDS"))


def _moment(bucket: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(bucket * threshold("BUCKET_SECONDS"), tz=datetime.timezone.utc)


def ballots_to_scan(campaign: Campaign, after_id: int, windows: tuple[int, int]) -> tuple[list[BallotView], set[int], list[tuple]]:
    """(the ballots the rules need, the ids of the new ones, the new rows) for a run after
    `after_id` judging the windows ending within `windows`: the new ballots and every ballot cast
    within reach of them, the ballots of those windows, and every ballot sharing a device or the
    very picks with a new one. A few indexed queries; nothing else of the vote."""
    ballots = Ballot.objects.filter(campaign=campaign)
    new_rows = list(ballots.filter(pk__gt=after_id).values_list(*FIELDS))
    rows = {row[0]: row for row in new_rows}
    if not after_id:  # the first run reads the whole vote once
        rows.update((row[0], row) for row in ballots.values_list(*FIELDS))
        return _views(rows.values()), set(rows), new_rows
    low, high = _moment(windows[0] + 1 - _longest()), _moment(windows[1])
    if new_rows:
        reach = _reach()
        low = min(low, min(row[1] for row in new_rows) - reach)
        high = max(high, max(row[1] for row in new_rows) + reach)
        fresh = ballots.filter(pk__gt=after_id)
        rows.update((row[0], row) for row in ballots.filter(
            device_hash__in=fresh.exclude(device_hash="").values("device_hash")).values_list(*FIELDS))
        rows.update((row[0], row) for row in ballots.filter(
            picks__in=fresh.exclude(picks="").values("picks")).values_list(*FIELDS))
    if windows[1] > windows[0] or new_rows:
        rows.update((row[0], row) for row in ballots.filter(cast_at__gte=low, cast_at__lt=high).values_list(*FIELDS))
    return _views(rows.values()), set(row[0] for row in new_rows), new_rows


def _history(campaign: Campaign):
    """The concentration rules' look at a block's or agent's whole vote outside a window (see
    review.voting.fraud_rules.detect): two indexed counts, asked only for a pair about to be flagged."""
    def history(kind: str, key: str, case_id: int, start: float, end: float) -> tuple[int, int]:
        field = "address_block" if kind == "block" else "user_agent"
        outside = Ballot.objects.filter(campaign=campaign, **{field: key}).exclude(
            cast_at__gte=datetime.datetime.fromtimestamp(start, tz=datetime.timezone.utc),
            cast_at__lt=datetime.datetime.fromtimestamp(end, tz=datetime.timezone.utc))
        return BallotChoice.objects.filter(ballot__in=outside, case_id=case_id).count(), outside.count()
    return history


def _windows_to_judge(campaign: Campaign, scan: FraudScan, now: datetime.datetime) -> tuple[int, int]:
    """The concentration windows this run judges: those ending since the last run, up to the
    settled present (every window, once the vote has closed)."""
    size = threshold("BUCKET_SECONDS")
    upto = int((now - datetime.timedelta(seconds=SETTLE_SECONDS)).timestamp() // size)
    if campaign.vote_closes_at and now >= campaign.vote_closes_at + datetime.timedelta(seconds=SETTLE_SECONDS):
        upto = max(upto, int(campaign.vote_closes_at.timestamp() // size) + _longest())
    done = scan.windows_done
    if not done:
        first = Ballot.objects.filter(campaign=campaign).order_by("cast_at").values_list("cast_at", flat=True).first()
        done = int(first.timestamp() // size) - 1 if first else upto
    return done, max(done, upto)


def _views(rows) -> list[BallotView]:
    rows = list(rows)
    # Ballots stored before Ballot.picks existed (or written without it): their choices.
    missing = [row[0] for row in rows if not row[5]]
    chosen: dict[int, set[int]] = {}
    for ballot_id, case_id in BallotChoice.objects.filter(ballot_id__in=missing).values_list("ballot_id", "case_id"):
        chosen.setdefault(ballot_id, set()).add(case_id)
    return [BallotView(id=pk, at=at, block=block, device=device, agent=agent,
                       picks=frozenset(int(c) for c in picks.split(",")) if picks else frozenset(chosen.get(pk, ())))
            for pk, at, block, device, agent, picks in rows]


def _settled_position(new_rows: list[tuple], after_id: int, now: datetime.datetime) -> int:
    """The highest id up to which every ballot has been read and is settled (see SETTLE_SECONDS)."""
    cutoff = now - datetime.timedelta(seconds=SETTLE_SECONDS)
    unsettled = [row[0] for row in new_rows if row[1] >= cutoff]
    settled = [row[0] for row in new_rows if row[1] < cutoff]
    position = max(settled, default=after_id)
    if unsettled:
        position = min(position, min(unsettled) - 1)
    return max(position, after_id)


@transaction.atomic
def quarantine_suspicious_ballots(*, campaign: Campaign, now: datetime.datetime | None = None) -> dict:
    """Run the rules on the ballots since the last run (and the windows completed since) and
    quarantine what they flag. Returns counts
    {flagged: ballots of the campaign with a flag, newly_quarantined: by this run}.

    Side effects: SuspicionFlag rows (new ones only), each naming its group; VALID ballots with a
    flag become QUARANTINED with an append-only decision row (actor None, the rules as the reason);
    the campaign's scan position moves on. Staff decisions stand.
    A closed campaign is an archive: nothing happens (this runs from Celery beat every few minutes on
    the current campaign, where a refusal would only fill the logs; the staff page refuses instead).
    Nor once the 公示 is published or final: its votes are frozen (review.selection.rules).
    """
    now = now or timezone.now()
    if not campaign_is_open(campaign) or freezing_state(campaign) is not None:
        return {"flagged": 0, "newly_quarantined": 0}
    FraudScan.objects.get_or_create(campaign=campaign)
    scan = FraudScan.objects.select_for_update().get(campaign=campaign)  # one run at a time
    windows = _windows_to_judge(campaign, scan, now)
    views, new_ids, new_rows = ballots_to_scan(campaign, scan.last_ballot_id, windows)
    flags = detect(views, new_ids=new_ids, windows=windows, history=_history(campaign)) if views else {}
    SuspicionFlag.objects.bulk_create(
        [SuspicionFlag(ballot_id=ballot_id, rule=rule, detail=detail, group=str(detail.get("group", ""))[:200],
                       detected_at=now)
         for ballot_id, rules in flags.items() for rule, detail in rules.items()],
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
    scan.last_ballot_id = _settled_position(new_rows, scan.last_ballot_id, now)
    scan.windows_done = windows[1]
    scan.last_run_at = now
    scan.save(update_fields=["last_ballot_id", "windows_done", "last_run_at"])
    flagged = SuspicionFlag.objects.filter(ballot__campaign=campaign).values("ballot_id").distinct().count()
    return {"flagged": flagged, "newly_quarantined": len(to_quarantine)}


def case_vote_report(campaign: Campaign) -> list[dict]:
    """Per case: valid (incl. released), quarantined and excluded votes — the audit report."""
    return list(
        Case.objects.filter(campaign=campaign, status__in=[CaseStatus.PROVINCE_REVIEW, CaseStatus.WINNER, CaseStatus.NOT_WINNER])
        .annotate(
            valid=Count("ballot_choices", filter=Q(ballot_choices__ballot__status__in=[BallotStatus.VALID, BallotStatus.RELEASED])),
            quarantined=Count("ballot_choices", filter=Q(ballot_choices__ballot__status=BallotStatus.QUARANTINED)),
            excluded=Count("ballot_choices", filter=Q(ballot_choices__ballot__status=BallotStatus.EXCLUDED)),
        ).order_by("-valid", "pk").values("pk", "title", "valid", "quarantined", "excluded")
    )

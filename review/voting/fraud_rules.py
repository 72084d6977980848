"""刷票 detection rules: pure functions over ballots, no database (review.voting.fraud runs them).

The principle: a ballot is flagged only for something it shares with a suspicious group of ballots
— the same device, the same address block, the same browser signature (user agent), the same
timing pattern, the very same picks. Having picked the same case at the same time as a burst of
other voters is never enough on its own: that is what a share in a WeChat group looks like.

Rules (thresholds in DEFAULTS; settings.VOTE_FRAUD may override any of them):
- device_reuse: one device (the signed device cookie) cast DEVICE_MIN or more ballots;
- identical_ballots: the very same set of picks cast IDENTICAL_MIN or more times;
- block_concentration / agent_concentration: within a window of 10 minutes, 1 hour or 6 hours
  (windows half-overlapping, so a cluster is never cut in two), the ballots of one address block
  (or one user agent) pick a case far more often than every other ballot of that window does:
  at least CONCENTRATION_MIN of them, at least CONCENTRATION_SHARE of that block's ballots in the
  window, LIFT times the share among everyone else, and Z standard deviations above it. Comparing
  with everyone else in the same window makes an organic burst after a share (which raises the
  case for every block and agent alike) and a carrier NAT block (thousands of voters behind one
  /24, picking like everybody else) pass, while a script or an office pushing one case stands out;
- regular_intervals: REGULAR_RUN consecutive ballots of one address block, one user agent, or one
  block with one agent, whose intervals barely vary (coefficient of variation below REGULAR_CV).

Incremental: `detect(ballots, new_ids=..., windows=...)` evaluates the shared-key and timing groups
that contain a new ballot, and the concentration windows completed since the last run (judged once
complete, so a window's later ballots never change a verdict), from the ballots the caller loaded
around them; counts are running sums and plain floats, no exact-fraction statistics. A run's cost
follows the new ballots and the traffic around them, not the size of the whole vote.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import CAMPAIGN_TIME_ZONE

DEFAULTS = {
    "BUCKET_SECONDS": 600,
    "WINDOW_BUCKETS": (1, 6, 36),  # user agents: 10 minutes, 1 hour, 6 hours
    "BLOCK_WINDOW_BUCKETS": (6, 36),  # address blocks: 1 hour, 6 hours
    "BLOCK_SHARE": 0.8,
    "SURGE_FACTOR": 1.5,
    "SURGE_BLOCKS": 8,
    "CONCENTRATION_MIN": 8,
    "CONCENTRATION_SHARE": 0.6,
    "CONCENTRATION_EXCESS": 0.5,
    "CONCENTRATION_OWN_MIN": 20,
    "CONCENTRATION_Z": 5.0,
    "DEVICE_MIN": 3,
    "IDENTICAL_MIN": 5,
    "REGULAR_RUN": 8,
    "REGULAR_CV": 0.1,
    "REGULAR_MAX_GAP": 1800,
}

# What staff read on the quarantine page, in the decision log and in the 公示 file, per rule.
# burst, block_dominance and night_surge are rules of earlier versions whose flags may be on record.
RULE_LABELS = {
    "burst": gettext_lazy("burst far above the case's own baseline"),
    "block_dominance": gettext_lazy("one address block dominates the case's votes"),
    "device_reuse": gettext_lazy("one device cast several ballots"),
    "regular_intervals": gettext_lazy("near-regular intervals between ballots"),
    "night_surge": gettext_lazy("night-time surge"),
    "identical_ballots": gettext_lazy("identical ballots"),
    "block_concentration": gettext_lazy("one address block pushes one case"),
    "agent_concentration": gettext_lazy("one browser signature pushes one case"),
}


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
    agent: str = ""


def picks_key(picks) -> str:
    """The picks as stored on the ballot (Ballot.picks): sorted case ids joined by commas."""
    return ",".join(str(case_id) for case_id in sorted(picks))


def _local(at: datetime.datetime) -> str:
    return at.astimezone(CAMPAIGN_TIME_ZONE).isoformat(timespec="minutes")


def detect(ballots: list[BallotView], *, new_ids=None, windows: tuple[int, int] | None = None,
           history=None) -> dict[int, dict[str, dict]]:
    """{ballot id: {rule: detail}} for every ballot flagged by a group that contains a new ballot
    (`new_ids`; None: every ballot is new) or, for the concentration rules, by a window that ends
    within `windows` (bucket numbers, exclusive–inclusive; None: every window). Each detail names
    its `group`: the province can release or exclude a group at once.
    `history(kind, key, case_id, start, end)` gives (votes for the case, ballots) of an address block
    (kind "block") or user agent ("agent") over the whole vote outside the window [start, end)
    (seconds); by default it is counted among `ballots`."""
    ballots = sorted(ballots, key=lambda b: (b.at, b.id))
    if not ballots:
        return {}
    new = ballots if new_ids is None else [b for b in ballots if b.id in new_ids]
    flags: dict[int, dict[str, dict]] = defaultdict(dict)
    _shared_key_rules(ballots, new, flags)
    _concentration(ballots, flags, windows, history)
    _regular_intervals(ballots, new, flags)
    return dict(flags)


def _shared_key_rules(ballots, new, flags) -> None:
    """device_reuse and identical_ballots: a count over the whole vote of one shared key."""
    for rule, key_of, minimum in (("device_reuse", lambda b: b.device, threshold("DEVICE_MIN")),
                                  ("identical_ballots", lambda b: b.picks, threshold("IDENTICAL_MIN"))):
        touched = {key_of(b) for b in new if key_of(b)}
        members = defaultdict(list)
        for ballot in ballots:
            key = key_of(ballot)
            if key in touched:
                members[key].append(ballot)
        for key, group in members.items():
            if len(group) < minimum:
                continue
            if rule == "device_reuse":
                detail = {"ballots": len(group), "group": f"device {key[:16]}"}
            else:
                detail = {"copies": len(group), "picks": sorted(key), "group": f"picks {picks_key(key)}"}
            for ballot in group:
                flags[ballot.id].setdefault(rule, detail)


def window_ends(ballots: list[BallotView]) -> tuple[int, int]:
    """The (exclusive, inclusive) range of window end buckets that covers every window of `ballots`."""
    size, longest = threshold("BUCKET_SECONDS"), max(*threshold("WINDOW_BUCKETS"), *threshold("BLOCK_WINDOW_BUCKETS"))
    buckets = [int(b.at.timestamp() // size) for b in ballots]
    return min(buckets), max(buckets) + longest


def _concentration(ballots, flags, windows: tuple[int, int] | None, history) -> None:
    """block_concentration and agent_concentration on the windows that end within `windows`
    (exclusive, inclusive; bucket numbers): judged once complete, so a later ballot of the window
    can never change the verdict (an early look at a share in progress would flag it)."""
    size = threshold("BUCKET_SECONDS")
    minimum = threshold("CONCENTRATION_MIN")
    by_bucket: dict[int, list[BallotView]] = defaultdict(list)
    for ballot in ballots:
        by_bucket[int(ballot.at.timestamp() // size)].append(ballot)
    low, high = windows or window_ends(ballots)
    for rule, key_of, lengths, share_min in (
            ("block_concentration", lambda b: b.block, threshold("BLOCK_WINDOW_BUCKETS"), threshold("BLOCK_SHARE")),
            ("agent_concentration", lambda b: b.agent, threshold("WINDOW_BUCKETS"), threshold("CONCENTRATION_SHARE"))):
        by_key: dict[str, list[BallotView]] = defaultdict(list)
        for ballot in ballots:
            by_key[key_of(ballot)].append(ballot)

        def own(key, case_id, start, end, by_key=by_key, kind=rule.split("_")[0]):
            if history is not None:
                return history(kind, key, case_id, start * size, end * size)
            outside = [b for b in by_key[key] if not start * size <= b.at.timestamp() < end * size]
            return sum(case_id in b.picks for b in outside), len(outside)

        hits: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        for length in lengths:
            for offset in sorted({0, length // 2}):
                end = low + 1 + (offset - (low + 1)) % length  # the first end after `low` on this grid
                for end in range(end, high + 1, length):
                    inside = [b for k in range(end - length, end) for b in by_bucket.get(k, ())]
                    if len(inside) < minimum:
                        continue
                    for key, case_id in _concentrated(inside, key_of, share_min,
                                                      lambda key, case_id, e=end, l=length: own(key, case_id, e - l, e)):
                        if rule == "block_concentration" and _shared_surge(inside, key, case_id, size):
                            continue
                        hits[(key, case_id)].append((end - length, end))
        for (key, case_id), intervals in hits.items():
            for first, end in _merged(intervals):
                mine = [b for b in by_key[key] if first * size <= b.at.timestamp() < end * size]
                caught = [b for b in mine if case_id in b.picks]
                others = [b for k in range(first, end) for b in by_bucket.get(k, ()) if key_of(b) != key]
                detail = {
                    "key": key[:120], "case": case_id, "count": len(caught), "of": len(mine),
                    "from": _local(datetime.datetime.fromtimestamp(first * size, tz=datetime.timezone.utc)),
                    "to": _local(datetime.datetime.fromtimestamp(end * size, tz=datetime.timezone.utc)),
                    "others_percent": round(100 * sum(case_id in b.picks for b in others) / len(others), 1) if others else 0.0,
                    "group": f"{rule.split('_')[0]} {key[:120]} case {case_id} {first}",
                }
                for ballot in caught:
                    flags[ballot.id].setdefault(rule, detail)


def _concentrated(inside: list[BallotView], key_of, share_min: float, own) -> list[tuple[str, int]]:
    """The (key, case) pairs of one window whose ballots pick the case far more often than everyone
    else in the window does, and than the key itself does outside the window."""
    minimum, excess_min, z_min = threshold("CONCENTRATION_MIN"), threshold("CONCENTRATION_EXCESS"), threshold("CONCENTRATION_Z")
    everyone, per_key, per_case, pairs = len(inside), Counter(), Counter(), Counter()
    for ballot in inside:
        key = key_of(ballot)
        per_key[key] += 1
        for case_id in ballot.picks:
            per_case[case_id] += 1
            if key:
                pairs[(key, case_id)] += 1
    found = []
    for (key, case_id), x in pairs.items():
        if x < minimum:
            continue
        n = per_key[key]
        rest_x, rest_n = per_case[case_id] - x, everyone - n
        p = (rest_x + 1) / (rest_n + 2)  # everyone else's share, smoothed for quiet hours
        # ... or the key's own share outside the window when it has enough ballots there: a city's
        # carrier NAT block that always favours its city's case is not pushing it now.
        share = x / n
        if share < share_min or (share - p) / (1 - p) < excess_min:
            continue
        own_x, own_n = own(key, case_id)
        if own_n >= threshold("CONCENTRATION_OWN_MIN"):
            p = max(p, (own_x + 1) / (own_n + 2))
        if share < share_min or (share - p) / (1 - p) < excess_min:
            continue
        if (x - n * p) / math.sqrt(n * p * (1 - p)) < z_min:
            continue
        found.append((key, case_id))
    return found


SURGE_SECONDS = 1200  # the densest 20 minutes of a block's votes


def _shared_surge(inside: list[BallotView], block: str, case_id: int, size: int) -> bool:
    """Whether the block's votes for the case ride a surge that many other address blocks share: in
    the densest 20 minutes of the block's votes, everybody else picks the case SURGE_FACTOR times as
    often as in the rest of the window, from SURGE_BLOCKS or more other blocks. That is an organic
    share in a city's WeChat groups reaching a carrier NAT block along with everybody else; a push
    from one block (an office, a SIM or router farm) rises there alone."""
    times = sorted(b.at.timestamp() for b in inside if b.block == block and case_id in b.picks)
    best, first, j = 0, times[0], 0
    for i, start in enumerate(times):  # the 20 minutes holding most of the block's votes
        while times[j] < start - SURGE_SECONDS:
            j += 1
        if i - j + 1 > best:
            best, first = i - j + 1, times[j]
    spike = [b for b in inside if b.block != block and first <= b.at.timestamp() < first + SURGE_SECONDS]
    rest = [b for b in inside if b.block != block and not first <= b.at.timestamp() < first + SURGE_SECONDS]
    spike_x = sum(case_id in b.picks for b in spike)
    rest_x = sum(case_id in b.picks for b in rest)
    if (spike_x + 1) / (len(spike) + 2) < threshold("SURGE_FACTOR") * (rest_x + 1) / (len(rest) + 2):
        return False
    return len({b.block for b in spike if case_id in b.picks}) >= threshold("SURGE_BLOCKS")


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for first, end in sorted(intervals):
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([first, end])
    return [(first, end) for first, end in merged]


def _regular_intervals(ballots, new, flags) -> None:
    run, cv_max, max_gap = threshold("REGULAR_RUN"), threshold("REGULAR_CV"), threshold("REGULAR_MAX_GAP")
    kinds = (("block", lambda b: b.block), ("agent", lambda b: b.agent),
             ("block+agent", lambda b: f"{b.block} {b.agent}" if b.block and b.agent else ""))
    new_ids = {b.id for b in new}
    for kind, key_of in kinds:
        touched = {key_of(b) for b in new if key_of(b)}
        groups = defaultdict(list)
        for ballot in ballots:  # already in time order
            key = key_of(ballot)
            if key in touched:
                groups[key].append(ballot)
        for key, members in groups.items():
            if len(members) < run:
                continue
            times = [m.at.timestamp() for m in members]
            gaps = [times[i + 1] - times[i] for i in range(len(times) - 1)]
            width = run - 1
            total = sum(gaps[:width])
            squares = sum(g * g for g in gaps[:width])
            spans: list[list] = []  # flagged runs merged: [first index, last index, mean gap]
            for i in range(len(gaps) - width + 1):
                if i:  # slide the running sums by one gap
                    total += gaps[i + width - 1] - gaps[i - 1]
                    squares += gaps[i + width - 1] ** 2 - gaps[i - 1] ** 2
                mean = total / width
                if not 0 < mean <= max_gap:
                    continue
                spread = math.sqrt(max(squares / width - mean * mean, 0.0))
                if spread / mean >= cv_max:
                    continue
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = i + width
                else:
                    spans.append([i, i + width, mean, spread])
            label = key.split(" ")[0] if kind == "block+agent" else key
            for first, last, mean, spread in spans:
                # Followed past other people's ballots only where block and agent are both the script's.
                indexes = _extended(times, first, last, mean, spread) if kind == "block+agent" else range(first, last + 1)
                caught = [members[i] for i in indexes]
                if not any(ballot.id in new_ids for ballot in caught):
                    continue
                detail = {"group": f"{kind.split('+')[0]} {label[:120]}", "interval_seconds": round(mean, 1),
                          "count": len(caught), "from": _local(caught[0].at)}
                for ballot in caught:
                    flags[ballot.id].setdefault("regular_intervals", detail)


def _extended(times: list[float], first: int, last: int, mean: float, spread: float) -> list[int]:
    """The indexes of a regular run, followed on both sides past ballots of other people that fall
    between the script's beats (a busy carrier NAT block interleaves them)."""
    tolerance = max(3 * spread, 1.0)
    indexes = list(range(first, last + 1))
    for step, edge in ((1, last), (-1, first)):
        beat, j = times[edge], edge + step
        while 0 <= j < len(times):
            gap = (times[j] - beat) * step
            if abs(gap - mean) <= tolerance:
                indexes.append(j)
                beat = times[j]
            elif gap > mean + tolerance:
                break
            j += step
    return sorted(indexes)


def describe_flag(rule: str, detail: dict, case_titles: dict[int, str]) -> str:
    """A flag's evidence as a sentence for staff (the detail is stored as the rule found it).
    `case_titles` names the cases a detail refers to by id; an unknown id shows as its number."""
    detail = detail or {}

    def title(case_id) -> str:
        return case_titles.get(case_id) or _("case no. %(id)s") % {"id": case_id}

    def when(value) -> str:
        try:
            return datetime.datetime.fromisoformat(value).astimezone(CAMPAIGN_TIME_ZONE).strftime("%m-%d %H:%M")
        except (TypeError, ValueError):
            return str(value or "")

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
        if kind == "agent":
            return _("Ballots with the browser signature “%(agent)s” came in at almost exactly every %(seconds)s "
                     "seconds.") % {"agent": key, "seconds": seconds}
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
    if rule in ("block_concentration", "agent_concentration"):
        values = {"key": detail.get("key"), "count": detail.get("count"), "of": detail.get("of"),
                  "case": title(detail.get("case")), "from": when(detail.get("from")), "to": when(detail.get("to")),
                  "others": detail.get("others_percent")}
        if rule == "block_concentration":
            return _("From %(from)s to %(to)s, %(count)s of the %(of)s ballots from the address block %(key)s chose "
                     "“%(case)s”; of all other ballots in that time, %(others)s%% chose it.") % values
        return _("From %(from)s to %(to)s, %(count)s of the %(of)s ballots with the browser signature “%(key)s” chose "
                 "“%(case)s”; of all other ballots in that time, %(others)s%% chose it.") % values
    return ""

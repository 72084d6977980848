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

Incremental: `detect(ballots, new_ids=...)` evaluates only the groups and windows that contain a
new ballot (the caller loads the new ballots plus every ballot those groups and windows can reach),
with running sums (plain floats, no exact-fraction statistics); its cost follows the new ballots and
the traffic around them, not the whole vote.
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

# What staff read on the quarantine page, in the decision log and in the 公示 file, per rule. The
# last three are rules of earlier versions whose flags may still be on record.
RULE_LABELS = {
    "device_reuse": gettext_lazy("one device cast several ballots"),
    "identical_ballots": gettext_lazy("identical ballots"),
    "block_concentration": gettext_lazy("one address block pushes one case"),
    "agent_concentration": gettext_lazy("one browser signature pushes one case"),
    "regular_intervals": gettext_lazy("near-regular intervals between ballots"),
    "burst": gettext_lazy("burst far above the case's own baseline"),
    "block_dominance": gettext_lazy("one address block dominates the case's votes"),
    "night_surge": gettext_lazy("night-time surge"),
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


def detect(ballots: list[BallotView], *, new_ids=None) -> dict[int, dict[str, dict]]:
    """{ballot id: {rule: detail}} for every ballot flagged by a group that contains a new ballot
    (`new_ids`; None: every ballot is new). Each detail names its `group`: the province can release
    or exclude a group at once."""
    ballots = sorted(ballots, key=lambda b: (b.at, b.id))
    if not ballots:
        return {}
    new = ballots if new_ids is None else [b for b in ballots if b.id in new_ids]
    flags: dict[int, dict[str, dict]] = defaultdict(dict)
    _shared_key_rules(ballots, new, flags)
    _concentration(ballots, new, flags)
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


def _concentration(ballots, new, flags) -> None:
    size = threshold("BUCKET_SECONDS")
    minimum, excess_min, z_min = threshold("CONCENTRATION_MIN"), threshold("CONCENTRATION_EXCESS"), threshold("CONCENTRATION_Z")

    def bucket(ballot) -> int:
        return int(ballot.at.timestamp() // size)

    everyone: Counter = Counter()  # ballots per bucket
    per_case: dict[int, Counter] = defaultdict(Counter)  # ballots picking the case, per bucket
    case_blocks: dict[tuple[int, int], set] = defaultdict(set)  # (case, bucket) -> the blocks of its votes
    for ballot in ballots:
        b = bucket(ballot)
        everyone[b] += 1
        for case_id in ballot.picks:
            per_case[case_id][b] += 1
            case_blocks[(case_id, b)].add(ballot.block)

    for rule, key_of, lengths, share_min in (
            ("block_concentration", lambda b: b.block, threshold("BLOCK_WINDOW_BUCKETS"), threshold("BLOCK_SHARE")),
            ("agent_concentration", lambda b: b.agent, threshold("WINDOW_BUCKETS"), threshold("CONCENTRATION_SHARE"))):
        touched: dict[tuple[str, int], set[int]] = defaultdict(set)  # (key, case) -> buckets of new ballots
        for ballot in new:
            key = key_of(ballot)
            if key:
                for case_id in ballot.picks:
                    touched[(key, case_id)].add(bucket(ballot))
        keys = {key for key, _case in touched}
        per_key: dict[str, Counter] = defaultdict(Counter)
        members: dict[tuple[str, int], list] = defaultdict(list)
        for ballot in ballots:
            key = key_of(ballot)
            if key in keys:
                b = bucket(ballot)
                per_key[key][b] += 1
                for case_id in ballot.picks:
                    if (key, case_id) in touched:
                        members[(key, case_id)].append((b, ballot))
        for (key, case_id), new_buckets in touched.items():
            group = members[(key, case_id)]
            if len(group) < minimum:
                continue
            series = Window(Counter(b for b, _ballot in group), per_key[key], per_case[case_id], everyone)
            hits: list[tuple[int, int]] = []  # flagged windows as (first bucket, end bucket)
            seen = set()
            for length in lengths:
                for offset in sorted({0, length // 2}):
                    for b in new_buckets:
                        start = (b - offset) // length * length + offset
                        if (length, start) in seen:
                            continue
                        seen.add((length, start))
                        x, n, rest_x, rest_n = series.sums(start, length)
                        if x < minimum:
                            continue
                        p = (rest_x + 1) / (rest_n + 2)  # everyone else's share, smoothed for quiet hours
                        # ... or the key's own share outside the window when it has enough of them: a
                        # city's NAT block that always favours its city's case is not pushing it now.
                        own_x, own_n = series.pair_total - x, series.key_total - n
                        if own_n >= threshold("CONCENTRATION_OWN_MIN"):
                            p = max(p, (own_x + 1) / (own_n + 2))
                        share = x / n
                        if share < share_min or (share - p) / (1 - p) < excess_min:
                            continue
                        if (x - n * p) / math.sqrt(n * p * (1 - p)) < z_min:
                            continue
                        if rule == "block_concentration" and _shared_surge(series, case_blocks, case_id, key, start, length):
                            continue
                        hits.append((start, start + length))
            for first, end in _merged(hits):
                caught = [ballot for b, ballot in group if first <= b < end]
                _x, n, rest_x, rest_n = series.sums(first, end - first)
                detail = {
                    "key": key[:120], "case": case_id, "count": len(caught), "of": n,
                    "from": _local(datetime.datetime.fromtimestamp(first * size, tz=datetime.timezone.utc)),
                    "to": _local(datetime.datetime.fromtimestamp(end * size, tz=datetime.timezone.utc)),
                    "others_percent": round(100 * rest_x / rest_n, 1) if rest_n else 0.0,
                    "group": f"{rule.split('_')[0]} {key[:120]} case {case_id} {first}",
                }
                for ballot in caught:
                    flags[ballot.id].setdefault(rule, detail)


@dataclass
class Window:
    """Per-bucket counts of one (key, case) pair: its votes, the key's ballots, the case's votes and
    all ballots; `sums` gives them over a window, with the key's own taken out of the others'."""

    pair: Counter
    key: Counter
    case: Counter
    everyone: Counter

    def __post_init__(self):
        self.pair_total, self.key_total = sum(self.pair.values()), sum(self.key.values())

    def sums(self, start: int, length: int) -> tuple[int, int, int, int]:
        buckets = range(start, start + length)
        x = sum(self.pair.get(k, 0) for k in buckets)
        n = sum(self.key.get(k, 0) for k in buckets)
        return x, n, sum(self.case.get(k, 0) for k in buckets) - x, sum(self.everyone.get(k, 0) for k in buckets) - n


SURGE_BUCKETS = 2  # the densest 20 minutes of a block's votes


def _shared_surge(series: Window, case_blocks, case_id: int, key: str, start: int, length: int) -> bool:
    """Whether the block's votes for the case ride a surge that many other address blocks share: in
    the densest 20 minutes of the block's votes, everybody else picks the case SURGE_FACTOR times as
    often as in the rest of the window, from SURGE_BLOCKS or more other blocks. That is an organic
    share in a city's WeChat groups reaching a carrier NAT block along with everybody else; a push
    from one block (an office, a SIM or router farm) rises there alone."""
    width = min(SURGE_BUCKETS, length)
    first = max(range(start, start + length - width + 1), key=lambda k: series.sums(k, width)[0])
    _x, _n, spike_x, spike_n = series.sums(first, width)
    _x, _n, rest_x, rest_n = series.sums(start, length)
    before_x, before_n = rest_x - spike_x, rest_n - spike_n
    if (spike_x + 1) / (spike_n + 2) < threshold("SURGE_FACTOR") * (before_x + 1) / (before_n + 2):
        return False
    blocks = set().union(*(case_blocks.get((case_id, k), set()) for k in range(first, first + width)))
    return len(blocks - {key}) >= threshold("SURGE_BLOCKS")


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

    if rule == "device_reuse":
        return _("The same device voted %(count)s times.") % {"count": detail.get("ballots")}
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
    # Flags of earlier versions of the rules, kept on record.
    if rule == "burst":
        return _("“%(case)s” got %(count)s votes within %(minutes)s minutes; its usual rate is %(baseline)s per "
                 "%(minutes)s minutes.") % {
            "case": title(detail.get("case")), "count": detail.get("count"), "baseline": detail.get("baseline"),
            "minutes": threshold("BUCKET_SECONDS") // 60}
    if rule == "block_dominance":
        return _("The address block %(block)s gave %(count)s of the %(of)s votes of “%(case)s”.") % {
            "block": detail.get("block"), "count": detail.get("count"), "of": detail.get("of"),
            "case": title(detail.get("case"))}
    if rule == "night_surge":
        try:
            hour = datetime.datetime.fromisoformat(detail.get("hour", "")).strftime("%m-%d %H:00")
        except (TypeError, ValueError):
            hour = detail.get("hour", "")
        return _("“%(case)s” got %(count)s votes in the night hour from %(hour)s; in daytime it averages %(day)s per hour.") % {
            "case": title(detail.get("case")), "count": detail.get("count"), "hour": hour,
            "day": detail.get("daytime_hourly")}
    return ""

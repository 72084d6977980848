"""Aggregating expert scores: trimmed mean, optional per-expert z-score normalisation, and the
disagreement flag. Pure functions over plain numbers; worked examples in tests/review.

- Trimmed mean: with at least TRIM_FROM scores the single highest and single lowest are dropped
  (one of each even when tied), then the rest averaged. 5 scores 60 70 80 90 100 → (70+80+90)/3 = 80.
- z-score (campaign.normalise_expert_scores): each expert's totals over all cases they scored at
  that tier become (x − the expert's mean) / the expert's population standard deviation, so a strict
  and a lenient expert weigh alike. An expert with fewer than two scores, or all alike, gives 0.
  The case's value is then the trimmed mean of its z-scores.
- Disagreement: the spread (highest − lowest raw total) of a case's scores; flagged when it
  reaches DISAGREEMENT_SPREAD points (settings.REVIEW_DISAGREEMENT_SPREAD may change it).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings

TRIM_FROM = 5
DEFAULT_DISAGREEMENT_SPREAD = 20.0


def disagreement_threshold() -> float:
    return float(getattr(settings, "REVIEW_DISAGREEMENT_SPREAD", DEFAULT_DISAGREEMENT_SPREAD))


def trimmed_mean(values: Sequence[float]) -> float | None:
    """Mean of `values`, dropping one highest and one lowest when there are at least TRIM_FROM."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    return sum(ordered) / len(ordered)


def spread(values: Sequence[float]) -> float:
    return (max(values) - min(values)) if values else 0.0


def z_scores(scores: Iterable[tuple[int, int, float]]) -> dict[tuple[int, int], float]:
    """(expert_id, case_id, total) rows → {(expert_id, case_id): z} per expert (population σ)."""
    by_expert: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for expert_id, case_id, total in scores:
        by_expert[expert_id].append((case_id, float(total)))
    result = {}
    for expert_id, rows in by_expert.items():
        values = [total for _case, total in rows]
        mean = statistics.fmean(values)
        sigma = statistics.pstdev(values) if len(values) >= 2 else 0.0
        for case_id, total in rows:
            result[(expert_id, case_id)] = 0.0 if sigma == 0 else (total - mean) / sigma
    return result


@dataclass(frozen=True)
class CaseAggregate:
    case_id: int
    count: int
    raw_mean: float | None  # trimmed mean of the raw totals (0–100)
    value: float | None  # what ranks: raw_mean, or the trimmed mean of z-scores when normalising
    spread: float
    disagreement: bool


def aggregate(
    scores: Iterable[tuple[int, int, float]], *, normalise: bool, case_ids: Iterable[int] = (),
    threshold: float | None = None,
) -> dict[int, CaseAggregate]:
    """Aggregate (expert_id, case_id, total) rows per case. Cases in `case_ids` without a score
    get an empty aggregate (count 0, value None)."""
    rows = [(e, c, float(t)) for e, c, t in scores]
    threshold = disagreement_threshold() if threshold is None else threshold
    z = z_scores(rows) if normalise else {}
    raw_by_case: Mapping[int, list[float]] = defaultdict(list)
    z_by_case: Mapping[int, list[float]] = defaultdict(list)
    for expert_id, case_id, total in rows:
        raw_by_case[case_id].append(total)
        if normalise:
            z_by_case[case_id].append(z[(expert_id, case_id)])
    result = {}
    for case_id in set(case_ids) | set(raw_by_case):
        raw = raw_by_case.get(case_id, [])
        raw_mean = trimmed_mean(raw)
        value = trimmed_mean(z_by_case.get(case_id, [])) if normalise else raw_mean
        width = spread(raw)
        result[case_id] = CaseAggregate(
            case_id=case_id, count=len(raw), raw_mean=raw_mean, value=value, spread=width,
            disagreement=len(raw) >= 2 and width >= threshold,
        )
    return result


def normalise_to_unit(values: Mapping[int, float | None], *, scale: float | None = None) -> dict[int, float]:
    """Map values to 0–1: divided by `scale` when given (raw totals: 100), otherwise min–max over
    the values present (z-scores). Missing values count 0; all-equal values count 1."""
    present = [v for v in values.values() if v is not None]
    result = {}
    for key, value in values.items():
        if value is None:
            result[key] = 0.0
        elif scale:
            result[key] = max(0.0, min(1.0, value / scale))
        else:
            low, high = min(present), max(present)
            result[key] = 1.0 if high == low else (value - low) / (high - low)
    return result

"""The selection assistant (遴选助手): the best list a city can send that meets every rule of 附件2.

`propose_city_list(pool, …)` chooses exactly `quota_cases` cases of the pool and marks at most
`quota_presenters` of them as presenter candidates so that every check of `quotas.rules` passes,
with the best expert scores: it maximises the sum of the scores, an unscored case counting below any
scored one (so first the number of scored cases, then their sum); ties go to the title (then the
id), so the same pool always gives the same list whatever order it comes in. When no list can meet
the rules it returns the closest one — as many cases as the pool allows, as many park association
cases as it has, a presenter candidate if one can be — and the reasons.

Why the greedy below is exact. A case's weight is "BIG + score" (0 when unscored), and `rank_key`
orders cases by that weight. The rules on the cases are:
  (a) exactly n cases; (b) at least m of them through a 园区科协; (c) at most e per enterprise;
  (d) when the presenter quota Q ≥ 1: some case that can be the one presenter candidate, i.e. a case
      offering itself as presenter candidate that comes through a 园区科协 (any such case when the
      presenter park share is 0%). With one presenter candidate ⌈p% × 1⌉ = 1 must be a park case,
      and any valid marking contains one, so (d) is exactly "a valid presenter marking exists".
All cases of one enterprise come through the same association, so they are all park or all not.
1. Per enterprise only its best e cases can be in an optimal list: swapping a chosen case for a
   better unchosen case of the same enterprise keeps (a)–(c) and does not lower the weight. After
   that truncation (c) holds for every subset, leaving (a) and (b) over two pools P (park) and N.
2. Without (d): take the best m of P, then the best n − m of everything left. For any valid list S
   with k ≥ m park cases, w(S) ≤ top_k(P) + top_{n−k}(N) = top_m(P) + [next k − m of P + top_{n−k}(N)]
   ≤ top_m(P) + top_{n−m}(rest), which the greedy attains.
3. With (d): if the list of step 2 contains a case satisfying (d) it is optimal (it is optimal for
   fewer rules). Otherwise some case w of an optimal list satisfies (d); forcing w in (its enterprise
   then keeps w and its best e − 1 others) and running step 2 for the other n − 1 cases, with m − 1
   park cases needed if w is one, is optimal among lists containing w by the same argument. Trying
   every such w and keeping the best is therefore optimal. That is O(|pool|² log |pool|), small for
   the few dozen cases a city has; tests check it against brute force on random pools.
Presenter candidates are then chosen among the list's cases offering themselves: as many as the
quota allows (the column is a number to recommend), the best ones, with the park share kept.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from quotas.rules import Candidate, RuleCheck, all_passed, check_city_list, percent_of, rank_key, rule_params

if TYPE_CHECKING:
    from cases.models import Campaign
    from quotas.models import CityQuota


@dataclass(frozen=True)
class Proposal:
    """A proposed city list, best first. Its candidates' `is_presenter_candidate` is the proposed
    mark (a pool case offering itself but not chosen as presenter candidate is unmarked)."""

    cases: tuple[Candidate, ...]
    feasible: bool
    checks: tuple[RuleCheck, ...]
    reasons: tuple[str, ...] = field(default_factory=tuple)  # why no list meets every rule

    @property
    def case_ids(self) -> list[int]:
        return [candidate.case_id for candidate in self.cases]

    @property
    def presenters(self) -> list[Candidate]:
        return [candidate for candidate in self.cases if candidate.is_presenter_candidate]

    @property
    def total_score(self) -> float:
        return math.fsum(candidate.score for candidate in self.cases if candidate.score is not None)


def objective(cases: Iterable[Candidate]) -> tuple[int, float]:
    """What the assistant maximises: (number of scored cases, sum of their scores)."""
    scores = [candidate.score for candidate in cases if candidate.score is not None]
    return len(scores), math.fsum(scores)


def _tie_break(cases: Iterable[Candidate]) -> tuple:
    return tuple(sorted(rank_key(candidate) for candidate in cases))


def _better(a: list[Candidate], b: list[Candidate] | None) -> bool:
    if b is None:
        return True
    score_a, score_b = objective(a), objective(b)
    if score_a != score_b:
        return score_a > score_b
    return _tie_break(a) < _tie_break(b)


def _allowed(pool: Sequence[Candidate], max_per_enterprise: int, forced: Candidate | None) -> list[Candidate]:
    """Step 1: each enterprise's best cases, as many as it may still have beside `forced`."""
    by_enterprise: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in sorted(pool, key=rank_key):
        if forced is None or candidate.case_id != forced.case_id:
            by_enterprise[candidate.enterprise_id].append(candidate)
    allowed = []
    for enterprise_id, cases in by_enterprise.items():
        room = max_per_enterprise - (1 if forced is not None and forced.enterprise_id == enterprise_id else 0)
        allowed.extend(cases[: max(room, 0)])
    return sorted(allowed, key=rank_key)


def _greedy(
    pool: Sequence[Candidate], *, count: int, parks: int, max_per_enterprise: int, forced: Candidate | None = None,
) -> list[Candidate] | None:
    """Step 2 (with `forced` in, step 3): the best `count` cases with ≥ `parks` park ones, or None."""
    chosen = [forced] if forced is not None else []
    if forced is not None and max_per_enterprise < 1:
        return None
    allowed = _allowed(pool, max_per_enterprise, forced)
    count_left = count - len(chosen)
    parks_left = max(parks - sum(c.via_park_association for c in chosen), 0)
    park_cases = [c for c in allowed if c.via_park_association]
    if count_left < 0 or parks_left > count_left or parks_left > len(park_cases) or count_left > len(allowed):
        return None
    taken = park_cases[:parks_left]
    taken_ids = {c.case_id for c in taken}
    rest = [c for c in allowed if c.case_id not in taken_ids][: count_left - parks_left]
    return sorted(chosen + taken + rest, key=rank_key)


def _can_be_sole_presenter(candidate: Candidate, park_presenter_share_percent: int) -> bool:
    """(d): with one presenter candidate, ⌈p% × 1⌉ of them must come through a 园区科协."""
    return candidate.is_presenter_candidate and (
        candidate.via_park_association or percent_of(park_presenter_share_percent, 1) == 0
    )


def _best_list(
    pool: Sequence[Candidate], *, count: int, parks: int, max_per_enterprise: int, need_presenter: bool,
    park_presenter_share_percent: int,
) -> list[Candidate] | None:
    """Steps 2 and 3: the best list meeting (a)–(c), and (d) when `need_presenter`; None if none does."""
    relaxed = _greedy(pool, count=count, parks=parks, max_per_enterprise=max_per_enterprise)
    if not need_presenter:
        return relaxed
    if relaxed is not None and any(_can_be_sole_presenter(c, park_presenter_share_percent) for c in relaxed):
        return relaxed
    best = None
    for witness in pool:
        if not _can_be_sole_presenter(witness, park_presenter_share_percent):
            continue
        cases = _greedy(pool, count=count, parks=parks, max_per_enterprise=max_per_enterprise, forced=witness)
        if cases is not None and _better(cases, best):
            best = cases
    return best


def choose_presenters(
    cases: Sequence[Candidate], *, quota_presenters: int, park_presenter_share_percent: int,
) -> list[Candidate]:
    """Among the list's cases offering themselves, the most presenter candidates (≤ quota) whose park
    share holds: the best park ones needed for the share, then the best of the rest."""
    willing = sorted((c for c in cases if c.is_presenter_candidate), key=rank_key)
    park_cases = [c for c in willing if c.via_park_association]
    for count in range(min(quota_presenters, len(willing)), 0, -1):
        parks_needed = percent_of(park_presenter_share_percent, count)
        if parks_needed <= len(park_cases):
            taken = park_cases[:parks_needed]
            taken_ids = {c.case_id for c in taken}
            rest = [c for c in willing if c.case_id not in taken_ids][: count - parks_needed]
            return sorted(taken + rest, key=rank_key)
    return []


def _unique(pool: Iterable[Candidate]) -> list[Candidate]:
    seen: dict[int, Candidate] = {}
    for candidate in pool:
        seen.setdefault(candidate.case_id, candidate)
    return list(seen.values())


def _reasons(
    pool: Sequence[Candidate], *, quota_cases: int, quota_presenters: int, park_case_share_percent: int,
    park_presenter_share_percent: int, max_cases_per_enterprise: int,
) -> list[str]:
    """Why the pool cannot give a list meeting every rule, in the users' terms."""
    reasons = []
    allowed = _allowed(pool, max_cases_per_enterprise, None)
    parks_needed = percent_of(park_case_share_percent, quota_cases)
    park_cases = [c for c in allowed if c.via_park_association]
    values = {"max": max_cases_per_enterprise, "required": quota_cases, "parks_needed": parks_needed,
              "percent": park_case_share_percent, "presenter_percent": park_presenter_share_percent}
    if len(allowed) < quota_cases:
        reasons.append(_(
            "The pool has only %(available)d cases that can go on the list together (at most %(max)d per "
            "enterprise); the city's quota needs exactly %(required)d."
        ) % {**values, "available": len(allowed)})
    if len(park_cases) < parks_needed:
        reasons.append(_(
            "The pool has only %(available)d park association cases that can go on the list together; at "
            "least %(parks_needed)d are needed (%(percent)d%% of %(required)d)."
        ) % {**values, "available": len(park_cases)})
    if quota_presenters >= 1 and not any(_can_be_sole_presenter(c, park_presenter_share_percent) for c in pool):
        if percent_of(park_presenter_share_percent, 1):
            reasons.append(_(
                "The assistant only proposes as presenter candidates the cases the lower tiers recommended as such, "
                "and no park association case in the pool was; at least one presenter candidate is needed and "
                "%(presenter_percent)d%% of them must come through a park association. You may still mark a "
                "park association case yourself (column “Presenter candidate”) if its enterprise agrees."
            ) % values)
        else:
            reasons.append(_("The assistant only proposes as presenter candidates the cases the lower tiers recommended "
                             "as such, and no case in the pool was; at least one is needed. You may still mark a case "
                             "yourself if its enterprise agrees."))
    if not reasons:
        reasons.append(_("The pool's cases cannot meet all the rules at the same time; see the checks of the closest list."))
    return reasons


def propose_city_list(
    pool: Sequence[Candidate],
    *,
    quota_cases: int,
    quota_presenters: int,
    park_case_share_percent: int,
    park_presenter_share_percent: int,
    max_cases_per_enterprise: int,
) -> Proposal:
    """The best list of the pool meeting every rule of 附件2 (see the module docstring), or the
    closest list and the reasons none can. In the pool, `is_presenter_candidate` means the case
    offers itself as a presenter candidate (是否为候选案例宣讲代表)."""
    pool = _unique(pool)
    params = {
        "quota_cases": quota_cases, "quota_presenters": quota_presenters,
        "park_case_share_percent": park_case_share_percent,
        "park_presenter_share_percent": park_presenter_share_percent,
        "max_cases_per_enterprise": max_cases_per_enterprise,
    }
    parks_needed = percent_of(park_case_share_percent, quota_cases)
    need_presenter = quota_presenters >= 1
    cases = _best_list(
        pool, count=quota_cases, parks=parks_needed, max_per_enterprise=max_cases_per_enterprise,
        need_presenter=need_presenter, park_presenter_share_percent=park_presenter_share_percent,
    )
    reasons: list[str] = []
    if cases is None:
        reasons = _reasons(pool, **params)
        # The closest list: as many cases as can go together, as many park cases as there are, and a
        # presenter candidate if that still fits.
        allowed = _allowed(pool, max_cases_per_enterprise, None)
        count = min(quota_cases, len(allowed))
        parks = min(parks_needed, sum(c.via_park_association for c in allowed), count)
        cases = _best_list(
            pool, count=count, parks=parks, max_per_enterprise=max_cases_per_enterprise,
            need_presenter=need_presenter, park_presenter_share_percent=park_presenter_share_percent,
        ) or _greedy(pool, count=count, parks=parks, max_per_enterprise=max_cases_per_enterprise) or []
    presenter_ids = {
        c.case_id for c in choose_presenters(
            cases, quota_presenters=quota_presenters, park_presenter_share_percent=park_presenter_share_percent,
        )
    }
    marked = tuple(replace(c, is_presenter_candidate=c.case_id in presenter_ids) for c in cases)
    checks = check_city_list(marked, pool=pool, **params)
    feasible = all_passed(checks)
    if not feasible and not reasons:  # cannot happen if the module docstring's argument holds
        reasons = _reasons(pool, **params)
    return Proposal(cases=marked, feasible=feasible, checks=tuple(checks), reasons=tuple(reasons))


def propose_from_campaign(pool: Sequence[Candidate], campaign: Campaign, quota: CityQuota) -> Proposal:
    """`propose_city_list` with the numbers of `campaign` and the city's `quota`."""
    return propose_city_list(pool, **rule_params(campaign, quota))

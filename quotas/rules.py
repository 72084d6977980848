"""The rules of 附件2 说明 (名额分配) for a city's list, each in one place, as pure functions.

说明 of 附件2, and the reading the portal adopts for each (shown to city staff):

1. 各市来自园区科协推荐比例不低于30%，来自园区科协创新案例宣讲代表不低于30%
   → `quota.park_share`: at least ⌈30% × the city's case quota⌉ cases come through a 园区科协 (20 → 6,
   6 → ⌈1.8⌉ = 2). The share is taken of the *quota*, not of the list's current length: rule 2 forces
   the list to that length, and while the list is being built the target stays fixed instead of
   moving with every case added.
   → `quota.presenter_park_share`: at least ⌈30% × the number of presenter candidates on the list⌉
   of them come through a 园区科协 (1 → 1, 2 → 1). With no presenter candidate the rule holds
   vacuously (0 required); whether none is allowed at all is `quota.presenter_count`'s business.
2. 各市报送的候选推荐数量必须满足额定数量 → `quota.exact_count`: exactly the city's case quota.
3. 来自同一企业的案例不超过1个 → `quota.one_per_enterprise`: at most `max_cases_per_enterprise`.
附件2's column 典型案例宣讲推荐数量 → `quota.presenter_count`: at least 1 and at most the city's
presenter quota. "≤" is the SPEC's; "≥ 1" is our reading: every city is given a number of presenter
recommendations (none is 0), 说明1 sets a share of them that presupposes some exist, and the province
picks its presenters only among the cities' candidates. A quota of 0 (a later campaign) requires 0.

Percentages are whole numbers on the campaign, so the rounding up is integer arithmetic:
⌈p × n / 100⌉ = (p × n + 99) // 100 — no float can turn 30% of 20 into 6.000000001 → 7.

A `Candidate` on a list carries `is_presenter_candidate` = marked as a presenter candidate; in a
pool of cases not (yet) on the list it means the case offers itself as one (是否为候选案例宣讲代表).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from cases.models import Campaign
    from quotas.models import CityQuota


class RuleCode(StrEnum):
    EXACT_COUNT = "quota.exact_count"
    PARK_SHARE = "quota.park_share"
    PRESENTER_PARK_SHARE = "quota.presenter_park_share"
    ONE_PER_ENTERPRISE = "quota.one_per_enterprise"
    PRESENTER_COUNT = "quota.presenter_count"


class FixAction(StrEnum):
    ADD = "add"  # put a case of the pool on the list
    DROP = "drop"  # take a case off the list
    MARK_PRESENTER = "mark_presenter"  # mark a case as a presenter candidate
    UNMARK_PRESENTER = "unmark_presenter"  # take the presenter mark off a case


@dataclass(frozen=True)
class Candidate:
    """A case as the quota rules see it."""

    case_id: int
    title: str
    enterprise_id: int
    enterprise_name: str
    via_park_association: bool  # its enterprise submits through a 园区科协
    is_presenter_candidate: bool
    score: float | None = None  # the experts' score; None when not (yet) scored
    # Where the tier below put the case (1 = its first), several senders interleaved by their 序号
    # (review.list_order): equal scores keep that order. None when nothing ranked it.
    lower_rank: int | None = None


@dataclass(frozen=True)
class Fix:
    """One step that helps a failing rule: do `action` to case `case_id` (`title`)."""

    action: FixAction
    case_id: int
    title: str


@dataclass(frozen=True)
class RuleCheck:
    code: RuleCode
    passed: bool
    message: str
    required: int
    actual: int
    shortfall: int  # how many steps away from passing; 0 when passed
    fixes: tuple[Fix, ...] = field(default_factory=tuple)
    # False when the rule has nothing to judge yet (no presenter candidate marked): it does not
    # block, but it is not shown as met either — another rule already says what is missing.
    applies: bool = True

    @property
    def state(self) -> str:
        """How every page shows the rule: "ok" (✓), "bad" (✗) or "pending" (not judged yet)."""
        if not self.applies:
            return "pending"
        return "ok" if self.passed else "bad"


def percent_of(percent: int, count: int) -> int:
    """⌈percent × count / 100⌉ in integers: 30% of 20 → 6, of 6 → 2, of 1 → 1, of 0 → 0."""
    return -(-(percent * count) // 100)


def rank_key(candidate: Candidate) -> tuple:
    """Best first: higher score, scored before unscored, then the order the tier below sent (ranked
    before unranked), then title and id (a total order). The city's list starts in this order."""
    unscored = candidate.score is None
    unranked = candidate.lower_rank is None
    return (unscored, 0.0 if unscored else -candidate.score, unranked, candidate.lower_rank or 0,
            candidate.title, candidate.case_id)


def _best_first(candidates: Iterable[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=rank_key)


def _weakest_first(candidates: Sequence[Candidate]) -> list[Candidate]:
    """On a list, the weakest: lowest score (unscored lowest), ties → the later on the (ranked) list."""
    position = {candidate.case_id: index for index, candidate in enumerate(candidates)}

    def key(candidate: Candidate) -> tuple:
        unscored = candidate.score is None
        return (not unscored, 0.0 if unscored else candidate.score, -position[candidate.case_id])

    return sorted(candidates, key=key)


def _fixes(action: FixAction, candidates: Iterable[Candidate]) -> tuple[Fix, ...]:
    return tuple(Fix(action, candidate.case_id, candidate.title) for candidate in candidates)


def _off_list(pool: Iterable[Candidate], on_list: Sequence[Candidate]) -> list[Candidate]:
    listed = {candidate.case_id for candidate in on_list}
    return [candidate for candidate in pool if candidate.case_id not in listed]


# --- the rules ------------------------------------------------------------------------------


def check_exact_count(candidates: Sequence[Candidate], *, quota_cases: int, pool: Sequence[Candidate] = ()) -> RuleCheck:
    """说明2: the list has exactly the city's quota. Fixes: the best cases of the pool to add, or
    the weakest cases of the list to drop."""
    actual = len(candidates)
    shortfall = abs(actual - quota_cases)
    values = {"actual": actual, "required": quota_cases, "shortfall": shortfall}
    if actual == quota_cases:
        message = _("The list has exactly the city's quota of %(required)d cases.") % values
        fixes: tuple[Fix, ...] = ()
    elif actual < quota_cases:
        message = _("The list has %(actual)d cases but must have exactly %(required)d (the city's quota): add %(shortfall)d.") % values
        fixes = _fixes(FixAction.ADD, _best_first(_off_list(pool, candidates))[:shortfall])
    else:
        message = _("The list has %(actual)d cases but must have exactly %(required)d (the city's quota): remove %(shortfall)d.") % values
        fixes = _fixes(FixAction.DROP, _weakest_first(candidates)[:shortfall])
    return RuleCheck(RuleCode.EXACT_COUNT, actual == quota_cases, message, quota_cases, actual,
                     0 if actual == quota_cases else shortfall, fixes)


def check_park_share(
    candidates: Sequence[Candidate], *, quota_cases: int, park_case_share_percent: int, pool: Sequence[Candidate] = (),
) -> RuleCheck:
    """说明1 (cases): at least ⌈p% × quota⌉ cases come through a 园区科协. Fixes: the best park cases
    of the pool to add and, when the list is full, the weakest non-park cases to drop for them."""
    required = percent_of(park_case_share_percent, quota_cases)
    actual = sum(candidate.via_park_association for candidate in candidates)
    shortfall = max(required - actual, 0)
    values = {"actual": actual, "required": required, "percent": park_case_share_percent, "quota": quota_cases,
              "shortfall": shortfall}
    if not shortfall:
        message = _("%(actual)d cases come through a park association; at least %(required)d are needed "
                    "(%(percent)d%% of %(quota)d).") % values
        return RuleCheck(RuleCode.PARK_SHARE, True, message, required, actual, 0)
    message = _("Only %(actual)d cases come through a park association; at least %(required)d are needed "
                "(%(percent)d%% of %(quota)d, rounded up): %(shortfall)d more.") % values
    park_pool = [c for c in _off_list(pool, candidates) if c.via_park_association]
    fixes = _fixes(FixAction.ADD, _best_first(park_pool)[:shortfall])
    room = max(quota_cases - len(candidates), 0)
    to_drop = shortfall - room
    if to_drop > 0:
        others = [c for c in candidates if not c.via_park_association]
        fixes += _fixes(FixAction.DROP, _weakest_first(others)[:to_drop])
    return RuleCheck(RuleCode.PARK_SHARE, False, message, required, actual, shortfall, fixes)


def check_presenter_park_share(
    candidates: Sequence[Candidate], *, park_presenter_share_percent: int, pool: Sequence[Candidate] = (),
) -> RuleCheck:
    """说明1 (presenters): at least ⌈p% × presenter candidates⌉ of them come through a 园区科协.
    Fixes swap presenters: mark the best park cases of the list (or add willing park cases of the
    pool) and unmark as many of the weakest non-park presenter candidates."""
    presenters = [c for c in candidates if c.is_presenter_candidate]
    required = percent_of(park_presenter_share_percent, len(presenters))
    actual = sum(c.via_park_association for c in presenters)
    shortfall = max(required - actual, 0)
    values = {"actual": actual, "required": required, "percent": park_presenter_share_percent,
              "presenters": len(presenters), "shortfall": shortfall}
    if not presenters:
        # Nothing to judge: shown as pending, not as met, beside the presenter count rule that fails.
        message = _("Once presenter candidates are marked, at least %(percent)d%% of them must come through a "
                    "park association.") % values
        return RuleCheck(RuleCode.PRESENTER_PARK_SHARE, True, message, 0, 0, 0, applies=False)
    if not shortfall:
        message = _("%(actual)d of the %(presenters)d presenter candidates come through a park association; "
                    "at least %(required)d are needed (%(percent)d%%).") % values
        return RuleCheck(RuleCode.PRESENTER_PARK_SHARE, True, message, required, actual, 0)
    message = _("Only %(actual)d of the %(presenters)d presenter candidates come through a park association; "
                "at least %(required)d are needed (%(percent)d%%, rounded up): replace %(shortfall)d of the "
                "others with park association cases.") % values
    park_on_list = _best_first(c for c in candidates if c.via_park_association and not c.is_presenter_candidate)
    fixes = _fixes(FixAction.MARK_PRESENTER, park_on_list[:shortfall])
    missing = shortfall - len(fixes)
    if missing > 0:
        willing_park_pool = [c for c in _off_list(pool, candidates) if c.via_park_association and c.is_presenter_candidate]
        fixes += _fixes(FixAction.ADD, _best_first(willing_park_pool)[:missing])
    others = [c for c in presenters if not c.via_park_association]
    fixes += _fixes(FixAction.UNMARK_PRESENTER, _weakest_first(others)[:shortfall])
    return RuleCheck(RuleCode.PRESENTER_PARK_SHARE, False, message, required, actual, shortfall, fixes)


def check_one_per_enterprise(candidates: Sequence[Candidate], *, max_cases_per_enterprise: int) -> RuleCheck:
    """说明3: at most `max_cases_per_enterprise` cases of one enterprise. `actual` is the most cases
    any enterprise has; `shortfall` the cases to drop. Fixes: for each enterprise over the limit,
    its weakest cases (its best ones stay)."""
    by_enterprise: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_enterprise[candidate.enterprise_id].append(candidate)
    actual = max((len(cases) for cases in by_enterprise.values()), default=0)
    over = [cases for cases in by_enterprise.values() if len(cases) > max_cases_per_enterprise]
    shortfall = sum(len(cases) - max_cases_per_enterprise for cases in over)
    values = {"max": max_cases_per_enterprise, "shortfall": shortfall}
    if not over:
        message = _("No enterprise has more than %(max)d case(s) on the list.") % values
        return RuleCheck(RuleCode.ONE_PER_ENTERPRISE, True, message, max_cases_per_enterprise, actual, 0)
    values["enterprises"] = _("; ").join(
        _("%(enterprise)s: %(count)d cases") % {"enterprise": cases[0].enterprise_name, "count": len(cases)}
        for cases in over
    )
    message = _("At most %(max)d case(s) per enterprise may be on the list — %(enterprises)s: remove %(shortfall)d.") % values
    fixes: tuple[Fix, ...] = ()
    for cases in over:
        fixes += _fixes(FixAction.DROP, _weakest_first(cases)[: len(cases) - max_cases_per_enterprise])
    return RuleCheck(RuleCode.ONE_PER_ENTERPRISE, False, message, max_cases_per_enterprise, actual, shortfall, fixes)


def check_presenter_count(candidates: Sequence[Candidate], *, quota_presenters: int) -> RuleCheck:
    """附件2 典型案例宣讲推荐数量: between 1 and the city's presenter quota (0 when the quota is 0).
    Fixes: mark the best case of the list (a park case if there is one, for 说明1), or unmark the
    weakest presenter candidates, non-park ones first (so the park share holds)."""
    presenters = [c for c in candidates if c.is_presenter_candidate]
    actual = len(presenters)
    minimum = 1 if quota_presenters >= 1 else 0
    values = {"actual": actual, "required": quota_presenters}
    if actual > quota_presenters:
        shortfall = actual - quota_presenters
        values["shortfall"] = shortfall
        message = _("%(actual)d cases are marked as presenter candidates but the city's quota is %(required)d: "
                    "unmark %(shortfall)d.") % values
        others = _weakest_first([c for c in presenters if not c.via_park_association])
        parks = _weakest_first([c for c in presenters if c.via_park_association])
        fixes = _fixes(FixAction.UNMARK_PRESENTER, (others + parks)[:shortfall])
        return RuleCheck(RuleCode.PRESENTER_COUNT, False, message, quota_presenters, actual, shortfall, fixes)
    if actual < minimum:
        message = _("No case is marked as a presenter candidate; mark at least 1 (the city's quota is %(required)d).") % values
        unmarked = _best_first(c for c in candidates if not c.is_presenter_candidate)
        best = next((c for c in unmarked if c.via_park_association), unmarked[0] if unmarked else None)
        fixes = _fixes(FixAction.MARK_PRESENTER, [best] if best else [])
        return RuleCheck(RuleCode.PRESENTER_COUNT, False, message, quota_presenters, actual, minimum - actual, fixes)
    message = _("%(actual)d presenter candidate(s), within the city's quota of %(required)d.") % values
    return RuleCheck(RuleCode.PRESENTER_COUNT, True, message, quota_presenters, actual, 0)


def check_city_list(
    candidates: Sequence[Candidate],
    *,
    quota_cases: int,
    quota_presenters: int,
    park_case_share_percent: int,
    park_presenter_share_percent: int,
    max_cases_per_enterprise: int,
    pool: Sequence[Candidate] = (),
) -> list[RuleCheck]:
    """Every rule of 附件2 说明 against a city's list, in the order the notice gives them.

    `candidates` is the list (in rank order); `pool` the other cases the city could put on it
    (cases already on the list are ignored there) — it only feeds the suggested fixes.
    """
    return [
        check_exact_count(candidates, quota_cases=quota_cases, pool=pool),
        check_park_share(candidates, quota_cases=quota_cases, park_case_share_percent=park_case_share_percent, pool=pool),
        check_presenter_park_share(candidates, park_presenter_share_percent=park_presenter_share_percent, pool=pool),
        check_one_per_enterprise(candidates, max_cases_per_enterprise=max_cases_per_enterprise),
        check_presenter_count(candidates, quota_presenters=quota_presenters),
    ]


def rule_params(campaign: Campaign, quota: CityQuota) -> dict[str, int]:
    """The numbers the rules take, from the campaign and the city's quota row (data, not code)."""
    return {
        "quota_cases": quota.cases,
        "quota_presenters": quota.presenters,
        "park_case_share_percent": campaign.park_case_share_percent,
        "park_presenter_share_percent": campaign.park_presenter_share_percent,
        "max_cases_per_enterprise": campaign.max_cases_per_enterprise,
    }


def checks_from_campaign(
    candidates: Sequence[Candidate], campaign: Campaign, quota: CityQuota, *, pool: Sequence[Candidate] = (),
) -> list[RuleCheck]:
    """`check_city_list` with the numbers of `campaign` and the city's `quota`."""
    return check_city_list(candidates, pool=pool, **rule_params(campaign, quota))


def all_passed(checks: Iterable[RuleCheck]) -> bool:
    return all(check.passed for check in checks)

"""The selection assistant: optimal against brute force on random pools, explained when impossible."""

import itertools
import random
from dataclasses import replace

import pytest
from django.utils import translation

from cases.models import Campaign
from quotas.models import CityQuota
from quotas.rules import Candidate, RuleCode, all_passed, check_city_list
from quotas.selection import choose_presenters, objective, propose_city_list, propose_from_campaign

RULES_2024 = {"park_case_share_percent": 30, "park_presenter_share_percent": 30, "max_cases_per_enterprise": 1}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def cand(case_id: int, *, park: bool = False, willing: bool = False, enterprise: int | None = None,
         score: float | None = None, title: str | None = None) -> Candidate:
    enterprise_id = enterprise if enterprise is not None else 1000 + case_id
    return Candidate(
        case_id=case_id, title=title or f"案例{case_id:02d}", enterprise_id=enterprise_id,
        enterprise_name=f"企业{enterprise_id}", via_park_association=park, is_presenter_candidate=willing, score=score,
    )


# --- brute force ------------------------------------------------------------------------------


def brute_force(pool: list[Candidate], params: dict) -> tuple[bool, tuple[int, float] | None]:
    """Every list of the quota's size and every presenter marking of it: is one valid, and the best objective."""
    best = None
    for chosen in itertools.combinations(pool, params["quota_cases"]):
        if best is not None and objective(chosen) <= best:
            continue
        if valid_marking_exists(list(chosen), params):
            best = objective(chosen)
    return best is not None, best


def markings(cases: list[Candidate]):
    willing = [c for c in cases if c.is_presenter_candidate]
    for size in range(len(willing) + 1):
        for marked in itertools.combinations(willing, size):
            ids = {c.case_id for c in marked}
            yield [replace(c, is_presenter_candidate=c.case_id in ids) for c in cases]


def valid_marking_exists(cases: list[Candidate], params: dict) -> bool:
    return any(all_passed(check_city_list(marked, **params)) for marked in markings(cases))


def most_presenters(cases: list[Candidate], params: dict) -> int:
    return max(
        (sum(c.is_presenter_candidate for c in marked) for marked in markings(cases)
         if all_passed(check_city_list(marked, **params))),
        default=0,
    )


def random_pool(rng: random.Random) -> tuple[list[Candidate], dict]:
    size = rng.randint(1, 8)
    enterprises = rng.randint(1, size)
    park_of = {enterprise: rng.random() < 0.4 for enterprise in range(enterprises)}
    pool = []
    for case_id in range(1, size + 1):
        enterprise = rng.randrange(enterprises)
        score = None if rng.random() < 0.2 else float(rng.randint(0, 6))  # small range: many ties
        pool.append(cand(case_id, park=park_of[enterprise], willing=rng.random() < 0.4, enterprise=enterprise,
                         score=score, title=rng.choice("甲乙丙丁") + str(case_id)))
    quota_cases = rng.randint(1, min(size, 5))
    params = {
        "quota_cases": quota_cases,
        "quota_presenters": rng.randint(0, min(2, quota_cases)),
        "park_case_share_percent": rng.choice([0, 30, 30, 50, 100]),
        "park_presenter_share_percent": rng.choice([0, 30, 30, 50, 100]),
        "max_cases_per_enterprise": rng.choice([1, 1, 2]),
    }
    return pool, params


@pytest.mark.parametrize("seed", range(8))
def test_the_assistant_matches_brute_force_on_random_pools(seed):
    rng = random.Random(seed)
    feasible_seen = infeasible_seen = 0
    for _ in range(60):
        pool, params = random_pool(rng)
        proposal = propose_city_list(pool, **params)
        feasible, best = brute_force(pool, params)

        assert proposal.feasible == feasible, (pool, params)
        if feasible:
            feasible_seen += 1
            assert all_passed(proposal.checks)
            assert all_passed(check_city_list(list(proposal.cases), **params))
            assert objective(proposal.cases) == best, (pool, params)
            # As many presenter candidates as the rules allow on that list.
            unmarked = [next(c for c in pool if c.case_id == p.case_id) for p in proposal.cases]
            assert len(proposal.presenters) == most_presenters(unmarked, params)
            assert proposal.reasons == ()
        else:
            infeasible_seen += 1
            assert proposal.reasons
            assert not all_passed(proposal.checks)
            assert len(proposal.cases) <= params["quota_cases"]
    assert feasible_seen and infeasible_seen  # both kinds of pool were exercised


@pytest.mark.parametrize("seed", range(3))
def test_the_same_pool_in_any_order_gives_the_same_list(seed):
    rng = random.Random(100 + seed)
    pool = [cand(i, park=i % 3 == 0, willing=i % 4 == 0, score=float(rng.choice([70, 80, 90])) if i % 5 else None)
            for i in range(1, 25)]
    params = {"quota_cases": 8, "quota_presenters": 1, **RULES_2024}
    expected = propose_city_list(pool, **params)
    for _ in range(5):
        shuffled = pool[:]
        rng.shuffle(shuffled)
        assert propose_city_list(shuffled, **params) == expected


# --- chosen lists -----------------------------------------------------------------------------


def test_the_best_scores_win_and_the_list_comes_best_first():
    pool = [cand(1, park=True, willing=True, score=70), cand(2, score=95), cand(3, score=60), cand(4, score=90),
            cand(5, park=True, score=50), cand(6, score=None), cand(7, park=True, score=85)]
    proposal = propose_city_list(pool, quota_cases=4, quota_presenters=1, **RULES_2024)
    # 30% of 4 → 2 park cases: 7 (85) and 1 (70, which also offers itself as the presenter).
    assert proposal.case_ids == [2, 4, 7, 1]
    assert [c.case_id for c in proposal.presenters] == [1]
    assert proposal.feasible and proposal.total_score == 340.0


def test_a_weaker_willing_park_case_comes_in_when_the_list_needs_a_presenter_candidate():
    pool = [cand(1, park=True, score=90), cand(2, willing=True, score=80), cand(3, park=True, willing=True, score=50),
            cand(4, score=85)]
    proposal = propose_city_list(pool, quota_cases=2, quota_presenters=1, **RULES_2024)
    # Best by score would be 1 and 4, but then no park case could present (⌈30% × 1⌉ = 1).
    assert proposal.case_ids == [1, 3]
    assert [c.case_id for c in proposal.presenters] == [3]


def test_one_case_per_enterprise_keeps_the_enterprises_best_case():
    pool = [cand(1, enterprise=9, park=True, willing=True, score=95), cand(2, enterprise=9, park=True, score=90),
            cand(3, score=80), cand(4, score=70)]
    proposal = propose_city_list(pool, quota_cases=3, quota_presenters=1, **RULES_2024)
    assert proposal.case_ids == [1, 3, 4]


def test_a_zero_score_beats_an_unscored_case():
    pool = [cand(1, park=True, willing=True, score=80, title="乙"), cand(2, title="甲"), cand(3, score=0.0, title="丙"),
            cand(4, score=80, title="甲")]
    proposal = propose_city_list(pool, quota_cases=3, quota_presenters=1, **RULES_2024)
    # Best first; the two 80s in title order (code points: 乙 U+4E59 before 甲 U+7532).
    assert proposal.case_ids == [1, 4, 3]


def test_equal_scores_are_broken_by_title():
    pool = [cand(1, park=True, willing=True, score=90), cand(2, score=80, title="甲"), cand(3, score=80, title="丁")]
    proposal = propose_city_list(pool, quota_cases=2, quota_presenters=1, **RULES_2024)
    assert proposal.case_ids == [1, 3]  # 丁 (U+4E01) before 甲 (U+7532)


def test_equal_scores_keep_the_order_the_tier_below_sent_before_the_title():
    pool = [replace(cand(1, park=True, willing=True, score=90), lower_rank=4),
            replace(cand(2, score=80, title="丁"), lower_rank=3), replace(cand(3, score=80, title="甲"), lower_rank=1),
            replace(cand(4, score=80, title="乙"), lower_rank=None)]
    proposal = propose_city_list(pool, quota_cases=3, quota_presenters=1, **RULES_2024)
    # The best score first whatever its rank; then the 80s by the counties' 序号, an unranked one last.
    assert proposal.case_ids == [1, 3, 2]


def test_the_presenter_quota_is_filled_with_the_park_share_kept():
    pool = [cand(1, willing=True, score=99), cand(2, willing=True, score=98), cand(3, park=True, willing=True, score=60),
            cand(4, park=True, score=97), cand(5, park=True, score=96), cand(6, score=95)]
    proposal = propose_city_list(pool, quota_cases=6, quota_presenters=2, **RULES_2024)
    # Two of three willing cases may present; one must be the park case 3.
    assert [c.case_id for c in proposal.presenters] == [1, 3]


def test_choose_presenters_with_no_willing_case_marks_none():
    cases = [cand(1, park=True), cand(2)]
    assert choose_presenters(cases, quota_presenters=2, park_presenter_share_percent=30) == []


def test_with_a_presenter_quota_of_zero_nobody_is_marked():
    pool = [cand(1, park=True, willing=True, score=10), cand(2, willing=True, score=9)]
    proposal = propose_city_list(pool, quota_cases=2, quota_presenters=0, **RULES_2024)
    assert proposal.feasible and proposal.presenters == []


@pytest.mark.django_db
def test_taiyuan_2024_from_a_larger_pool():
    campaign = Campaign.objects.get(year=2024)
    quota = CityQuota.objects.get(campaign=campaign, city__region="太原市")  # 20 cases, 2 presenters
    rng = random.Random(2024)
    pool = [cand(i, park=i % 4 == 0, willing=i % 6 == 0, enterprise=i // 2, score=float(rng.randint(60, 100)))
            for i in range(1, 61)]
    proposal = propose_from_campaign(pool, campaign, quota)
    assert proposal.feasible
    assert len(proposal.cases) == 20
    assert len({c.enterprise_id for c in proposal.cases}) == 20
    assert sum(c.via_park_association for c in proposal.cases) >= 6
    assert len(proposal.presenters) == 2 and any(c.via_park_association for c in proposal.presenters)


# --- impossible pools -------------------------------------------------------------------------


def test_not_enough_park_cases_gives_the_closest_list_and_says_why():
    pool = [cand(1, park=True, willing=True, score=50)] + [cand(i, score=float(100 - i)) for i in range(2, 10)]
    proposal = propose_city_list(pool, quota_cases=6, quota_presenters=1, **RULES_2024)
    assert not proposal.feasible
    assert proposal.reasons == (
        "The pool has only 1 park association cases that can go on the list together; at least 2 are needed (30% of 6).",
    )
    assert proposal.case_ids == [2, 3, 4, 5, 6, 1]
    failing = {check.code: check for check in proposal.checks if not check.passed}
    assert list(failing) == [RuleCode.PARK_SHARE]
    assert (failing[RuleCode.PARK_SHARE].actual, failing[RuleCode.PARK_SHARE].shortfall) == (1, 1)


def test_too_few_enterprises_gives_as_many_cases_as_can_go_together():
    pool = [cand(1, enterprise=1, park=True, willing=True, score=90), cand(2, enterprise=1, park=True, score=95),
            cand(3, enterprise=2, score=80), cand(4, enterprise=2, score=70)]
    proposal = propose_city_list(pool, quota_cases=3, quota_presenters=1, **RULES_2024)
    assert not proposal.feasible
    assert proposal.reasons == (
        "The pool has only 2 cases that can go on the list together (at most 1 per enterprise); "
        "the city's quota needs exactly 3.",
    )
    assert proposal.case_ids == [1, 3]  # the willing park case keeps the presenter rule met
    assert [check.code for check in proposal.checks if not check.passed] == [RuleCode.EXACT_COUNT]


def test_no_willing_park_case_means_no_valid_presenter_candidate():
    pool = [cand(1, park=True, score=90), cand(2, park=True, score=80), cand(3, willing=True, score=85)]
    proposal = propose_city_list(pool, quota_cases=3, quota_presenters=1, **RULES_2024)
    assert not proposal.feasible
    assert proposal.reasons == (
        "The assistant only proposes as presenter candidates the cases the lower tiers recommended as such, and no "
        "park association case in the pool was; at least one presenter candidate is needed and 30% of them must come "
        "through a park association. You may still mark a park association case yourself (column “Presenter "
        "candidate”) if its enterprise agrees.",
    )
    assert proposal.presenters == []
    assert [check.code for check in proposal.checks if not check.passed] == [RuleCode.PRESENTER_COUNT]


def test_an_empty_pool_is_explained_on_every_count():
    proposal = propose_city_list([], quota_cases=6, quota_presenters=1, **RULES_2024)
    assert proposal.cases == ()
    assert len(proposal.reasons) == 3

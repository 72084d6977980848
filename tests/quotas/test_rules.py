"""The rules of 附件2 说明, on both sides of every boundary, with their messages and fixes."""

import pytest
from django.utils import translation

from cases.models import Campaign
from quotas.models import CityQuota
from quotas.rules import (
    Candidate,
    Fix,
    FixAction,
    RuleCheck,
    RuleCode,
    all_passed,
    check_city_list,
    check_exact_count,
    check_one_per_enterprise,
    check_park_share,
    check_presenter_count,
    check_presenter_park_share,
    checks_from_campaign,
    percent_of,
)

RULES_2024 = {
    "park_case_share_percent": 30, "park_presenter_share_percent": 30, "max_cases_per_enterprise": 1,
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def cand(case_id: int, *, park: bool = False, presenter: bool = False, enterprise: int | None = None,
         score: float | None = None, title: str | None = None) -> Candidate:
    enterprise_id = enterprise if enterprise is not None else 1000 + case_id
    return Candidate(
        case_id=case_id, title=title or f"案例{case_id:02d}", enterprise_id=enterprise_id,
        enterprise_name=f"企业{enterprise_id}", via_park_association=park, is_presenter_candidate=presenter, score=score,
    )


def city_list(count: int, *, parks: int, first_id: int = 1) -> list[Candidate]:
    """`count` cases of distinct enterprises, the first `parks` of them through a park association."""
    return [cand(first_id + index, park=index < parks) for index in range(count)]


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "count", "expected"),
    [(30, 20, 6), (30, 6, 2), (30, 15, 5), (30, 12, 4), (30, 9, 3), (30, 8, 3), (30, 1, 1), (30, 2, 1),
     (30, 0, 0), (7, 100, 7), (29, 100, 29), (0, 20, 0), (100, 6, 6)],
)
def test_percent_of_rounds_up_in_integers(percent, count, expected):
    # 7% of 100 is 7.000000000000001 in floats, which math.ceil would make 8.
    assert percent_of(percent, count) == expected


# --- quota.exact_count ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "passed", "shortfall", "message"),
    [
        (19, False, 1, "The list has 19 cases but must have exactly 20 (the city's quota): add 1."),
        (20, True, 0, "The list has exactly the city's quota of 20 cases."),
        (21, False, 1, "The list has 21 cases but must have exactly 20 (the city's quota): remove 1."),
    ],
)
def test_exact_count_on_both_sides_of_the_quota(size, passed, shortfall, message):
    check = check_exact_count(city_list(size, parks=6), quota_cases=20)
    assert (check.code, check.passed, check.required, check.actual, check.shortfall, check.message) == (
        RuleCode.EXACT_COUNT, passed, 20, size, shortfall, message,
    )


def test_exact_count_short_suggests_the_best_cases_of_the_pool_not_yet_on_the_list():
    listed = city_list(18, parks=6)
    pool = [listed[0], cand(50, score=70), cand(51, score=95), cand(52, score=None), cand(53, score=88)]
    check = check_exact_count(listed, quota_cases=20, pool=pool)
    assert check.shortfall == 2
    assert check.fixes == (Fix(FixAction.ADD, 51, "案例51"), Fix(FixAction.ADD, 53, "案例53"))


def test_exact_count_over_suggests_dropping_the_weakest_cases_of_the_list():
    listed = [cand(1, score=90), cand(2, score=60), cand(3, score=None), cand(4, score=80)]
    check = check_exact_count(listed, quota_cases=2)
    assert check.message == "The list has 4 cases but must have exactly 2 (the city's quota): remove 2."
    # Unscored ranks last, then the lowest score.
    assert check.fixes == (Fix(FixAction.DROP, 3, "案例03"), Fix(FixAction.DROP, 2, "案例02"))


def test_exact_count_over_without_scores_drops_from_the_end_of_the_ranked_list():
    check = check_exact_count(city_list(8, parks=3), quota_cases=6)
    assert [fix.case_id for fix in check.fixes] == [8, 7]


# --- quota.park_share -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quota", "parks", "passed", "required", "shortfall"),
    [(20, 6, True, 6, 0), (20, 5, False, 6, 1), (20, 7, True, 6, 0), (6, 2, True, 2, 0), (6, 1, False, 2, 1),
     (6, 0, False, 2, 2), (15, 5, True, 5, 0), (15, 4, False, 5, 1)],
)
def test_park_share_is_thirty_percent_of_the_quota_rounded_up(quota, parks, passed, required, shortfall):
    check = check_park_share(city_list(quota, parks=parks), quota_cases=quota, park_case_share_percent=30)
    assert (check.code, check.passed, check.required, check.actual, check.shortfall) == (
        RuleCode.PARK_SHARE, passed, required, parks, shortfall,
    )


def test_park_share_messages_say_how_many_are_missing():
    failing = check_park_share(city_list(20, parks=5), quota_cases=20, park_case_share_percent=30)
    passing = check_park_share(city_list(20, parks=6), quota_cases=20, park_case_share_percent=30)
    assert failing.message == (
        "Only 5 cases come through a park association; at least 6 are needed (30% of 20, rounded up): 1 more."
    )
    assert passing.message == "6 cases come through a park association; at least 6 are needed (30% of 20)."


def test_park_share_fixes_add_the_best_park_cases_and_drop_the_weakest_others_when_the_list_is_full():
    listed = [cand(1, park=True, score=90), cand(2, score=85), cand(3, score=70), cand(4, score=80),
              cand(5, score=75), cand(6, score=95)]
    pool = [cand(10, park=True, score=60), cand(11, park=True, score=88), cand(12, score=99), cand(13, park=True)]
    check = check_park_share(listed, quota_cases=6, park_case_share_percent=50, pool=pool)
    assert (check.required, check.actual, check.shortfall) == (3, 1, 2)
    assert check.fixes == (
        Fix(FixAction.ADD, 11, "案例11"), Fix(FixAction.ADD, 10, "案例10"),
        Fix(FixAction.DROP, 3, "案例03"), Fix(FixAction.DROP, 5, "案例05"),
    )


def test_park_share_fixes_only_add_while_the_list_has_room():
    listed = city_list(4, parks=0)
    pool = [cand(10, park=True, score=60), cand(11, park=True, score=88)]
    check = check_park_share(listed, quota_cases=6, park_case_share_percent=30, pool=pool)
    assert check.fixes == (Fix(FixAction.ADD, 11, "案例11"), Fix(FixAction.ADD, 10, "案例10"))


# --- quota.presenter_park_share ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("presenters", "passed", "required", "actual", "shortfall"),
    [
        ([], True, 0, 0, 0),  # nothing marked: vacuous, presenter_count reports the missing one
        ([True], True, 1, 1, 0),  # ⌈0.3⌉ = 1
        ([False], False, 1, 0, 1),
        ([True, False], True, 1, 1, 0),  # ⌈0.6⌉ = 1
        ([False, False], False, 1, 0, 1),
        ([True, False, False], True, 1, 1, 0),  # ⌈0.9⌉ = 1
        ([True, False, False, False], False, 2, 1, 1),  # ⌈1.2⌉ = 2
        ([True, True, False, False], True, 2, 2, 0),
    ],
)
def test_presenter_park_share_on_both_sides(presenters, passed, required, actual, shortfall):
    listed = [cand(index + 1, park=park, presenter=True) for index, park in enumerate(presenters)]
    listed += [cand(50, park=True), cand(51)]
    check = check_presenter_park_share(listed, park_presenter_share_percent=30)
    assert (check.code, check.passed, check.required, check.actual, check.shortfall) == (
        RuleCode.PRESENTER_PARK_SHARE, passed, required, actual, shortfall,
    )


def test_presenter_park_share_messages():
    failing = check_presenter_park_share([cand(1, presenter=True), cand(2, park=True)], park_presenter_share_percent=30)
    passing = check_presenter_park_share([cand(1, presenter=True, park=True)], park_presenter_share_percent=30)
    empty = check_presenter_park_share([cand(1)], park_presenter_share_percent=30)
    assert failing.message == (
        "Only 0 of the 1 presenter candidates come through a park association; at least 1 are needed "
        "(30%, rounded up): replace 1 of the others with park association cases."
    )
    assert passing.message == (
        "1 of the 1 presenter candidates come through a park association; at least 1 are needed (30%)."
    )
    assert empty.message == "Once presenter candidates are marked, at least 30% of them must come through a park association."
    # Nothing to judge yet: it does not block, but no page shows it as met (✓) either.
    assert (empty.passed, empty.applies, empty.state) == (True, False, "pending")
    assert (failing.state, passing.state) == ("bad", "ok")


def test_presenter_park_share_fixes_swap_a_non_park_presenter_for_the_best_park_case_of_the_list():
    listed = [cand(1, presenter=True, score=90), cand(2, park=True, score=70), cand(3, park=True, score=80), cand(4)]
    check = check_presenter_park_share(listed, park_presenter_share_percent=30)
    assert check.fixes == (Fix(FixAction.MARK_PRESENTER, 3, "案例03"), Fix(FixAction.UNMARK_PRESENTER, 1, "案例01"))


def test_presenter_park_share_fixes_bring_a_willing_park_case_from_the_pool_when_the_list_has_none():
    listed = [cand(1, presenter=True, score=90), cand(2, score=70)]
    pool = [cand(8, park=True, score=99), cand(9, park=True, presenter=True, score=50)]
    check = check_presenter_park_share(listed, park_presenter_share_percent=30, pool=pool)
    assert check.fixes == (Fix(FixAction.ADD, 9, "案例09"), Fix(FixAction.UNMARK_PRESENTER, 1, "案例01"))


# --- quota.one_per_enterprise -----------------------------------------------------------------


def test_two_cases_of_one_enterprise_fail_and_the_weaker_is_to_be_dropped():
    listed = [cand(1, enterprise=7, score=80), cand(2), cand(3, enterprise=7, score=92)]
    listed[0] = Candidate(**{**listed[0].__dict__, "enterprise_name": "太原重工股份有限公司"})
    listed[2] = Candidate(**{**listed[2].__dict__, "enterprise_name": "太原重工股份有限公司"})
    check = check_one_per_enterprise(listed, max_cases_per_enterprise=1)
    assert (check.code, check.passed, check.required, check.actual, check.shortfall) == (
        RuleCode.ONE_PER_ENTERPRISE, False, 1, 2, 1,
    )
    assert check.message == (
        "At most 1 case(s) per enterprise may be on the list — 太原重工股份有限公司: 2 cases: remove 1."
    )
    assert check.fixes == (Fix(FixAction.DROP, 1, "案例01"),)


def test_one_case_per_enterprise_passes():
    check = check_one_per_enterprise(city_list(6, parks=2), max_cases_per_enterprise=1)
    assert (check.passed, check.actual, check.shortfall, check.fixes) == (True, 1, 0, ())
    assert check.message == "No enterprise has more than 1 case(s) on the list."


@pytest.mark.parametrize(("limit", "passed", "shortfall", "dropped"), [(1, False, 3, [3, 2, 6]), (2, False, 1, [3]), (3, True, 0, [])])
def test_the_per_enterprise_limit_comes_from_the_campaign(limit, passed, shortfall, dropped):
    listed = [cand(1, enterprise=7, score=9), cand(2, enterprise=7, score=8), cand(3, enterprise=7, score=7),
              cand(5, enterprise=8, score=5), cand(6, enterprise=8, score=4)]
    check = check_one_per_enterprise(listed, max_cases_per_enterprise=limit)
    assert (check.passed, check.actual, check.shortfall) == (passed, 3, shortfall)
    assert sorted(fix.case_id for fix in check.fixes) == sorted(dropped)


# --- quota.presenter_count --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quota", "marked", "passed", "shortfall", "message"),
    [
        (2, 0, False, 1, "No case is marked as a presenter candidate; mark at least 1 (the city's quota is 2)."),
        (2, 1, True, 0, "1 presenter candidate(s), within the city's quota of 2."),
        (2, 2, True, 0, "2 presenter candidate(s), within the city's quota of 2."),
        (2, 3, False, 1, "3 cases are marked as presenter candidates but the city's quota is 2: unmark 1."),
        (1, 2, False, 1, "2 cases are marked as presenter candidates but the city's quota is 1: unmark 1."),
        (0, 0, True, 0, "0 presenter candidate(s), within the city's quota of 0."),
        (0, 1, False, 1, "1 cases are marked as presenter candidates but the city's quota is 0: unmark 1."),
    ],
)
def test_presenter_count_between_one_and_the_quota(quota, marked, passed, shortfall, message):
    listed = [cand(index + 1, presenter=index < marked, park=True) for index in range(4)]
    check = check_presenter_count(listed, quota_presenters=quota)
    assert (check.code, check.passed, check.required, check.actual, check.shortfall, check.message) == (
        RuleCode.PRESENTER_COUNT, passed, quota, marked, shortfall, message,
    )


def test_presenters_over_quota_unmark_the_weakest_non_park_ones_first():
    listed = [cand(1, presenter=True, park=True, score=60), cand(2, presenter=True, score=90),
              cand(3, presenter=True, score=70), cand(4, score=99)]
    check = check_presenter_count(listed, quota_presenters=1)
    assert check.fixes == (Fix(FixAction.UNMARK_PRESENTER, 3, "案例03"), Fix(FixAction.UNMARK_PRESENTER, 2, "案例02"))


def test_no_presenter_suggests_marking_the_best_park_case_of_the_list():
    listed = [cand(1, score=99), cand(2, park=True, score=60), cand(3, park=True, score=75)]
    check = check_presenter_count(listed, quota_presenters=1)
    assert check.fixes == (Fix(FixAction.MARK_PRESENTER, 3, "案例03"),)


# --- all rules together -----------------------------------------------------------------------


def test_a_list_meeting_every_rule_passes_all_five_checks_in_the_notices_order():
    listed = city_list(20, parks=6)
    listed[0] = Candidate(**{**listed[0].__dict__, "is_presenter_candidate": True})
    listed[10] = Candidate(**{**listed[10].__dict__, "is_presenter_candidate": True})
    checks = check_city_list(listed, quota_cases=20, quota_presenters=2, **RULES_2024)
    assert [check.code for check in checks] == [
        "quota.exact_count", "quota.park_share", "quota.presenter_park_share", "quota.one_per_enterprise",
        "quota.presenter_count",
    ]
    assert [check.passed for check in checks] == [True] * 5
    assert all_passed(checks)


def test_each_failing_rule_is_reported_on_its_own():
    listed = city_list(5, parks=1) + [cand(9, enterprise=1001, presenter=True)]
    checks = {check.code: check for check in check_city_list(listed, quota_cases=6, quota_presenters=1, **RULES_2024)}
    assert {code: check.passed for code, check in checks.items()} == {
        RuleCode.EXACT_COUNT: True, RuleCode.PARK_SHARE: False, RuleCode.PRESENTER_PARK_SHARE: False,
        RuleCode.ONE_PER_ENTERPRISE: False, RuleCode.PRESENTER_COUNT: True,
    }
    assert not all_passed(checks.values())


@pytest.mark.django_db
def test_checks_from_campaign_take_the_numbers_from_the_campaign_and_the_city_quota():
    campaign = Campaign.objects.get(year=2024)
    quota = CityQuota.objects.get(campaign=campaign, city__region="朔州市")  # 6 cases, 1 presenter
    listed = city_list(6, parks=2)
    listed[0] = Candidate(**{**listed[0].__dict__, "is_presenter_candidate": True})
    assert all_passed(checks_from_campaign(listed, campaign, quota))

    campaign.park_case_share_percent = 50
    checks = checks_from_campaign(listed, campaign, quota)
    assert checks[1] == RuleCheck(
        RuleCode.PARK_SHARE, False,
        "Only 2 cases come through a park association; at least 3 are needed (50% of 6, rounded up): 1 more.",
        3, 2, 1, (Fix(FixAction.DROP, 6, "案例06"),),
    )


@pytest.mark.django_db
def test_messages_are_in_chinese_for_users():
    with translation.override("zh-hans"):
        check = check_park_share(city_list(20, parks=5), quota_cases=20, park_case_share_percent=30)
    assert check.message == "仅有5个案例来自园区科协；至少需要6个（20个的30%，向上取整），还差1个。"

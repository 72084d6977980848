"""Every list page costs the same number of queries for 10 rows as for 100 (no query per row), and
the exact number is pinned so a new per-page query is a decision, not an accident."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, Role, Tier, UploadSlot
from cases.models import Upload
from review.models import ExpertAssignment, ExpertScore
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


def _with_problems(case):
    """A current file with findings, so the problem counts have something to sum."""
    Upload.objects.create(case=case, slot=UploadSlot.PHOTO_EXTERIOR, file="x", original_name="外景.jpg", size=1,
                          sha256="0" * 64, error_count=1, warning_count=2)
    return case


def _county_cases(county, parks, count, *, start=0):
    for number in range(start, start + count):
        _with_problems(factories.case(factories.enterprise(parks[number % len(parks)]), status=CaseStatus.COUNTY_REVIEW,
                                      title=f"县级案例{number:03d}"))


def _queries_of(client, url, django_assert_num_queries, expected):
    client.get(url)  # warm: the first request of a client pays for what a running server has loaded
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Exact queries: the user, the staff memberships, the campaign, the count, the page (the session is
# read from the cache), and for a county its stage window's deadline extensions (the province has none).
INBOX_QUERIES = 6
ALL_CASES_QUERIES = 5


def test_the_county_inbox_costs_the_same_queries_for_10_and_100_cases(client, django_assert_num_queries):
    county = factories.county(name="计数县科协")
    parks = [factories.park(county) for _ in range(3)]
    client.force_login(factories.user(Role.COUNTY_STAFF, organisation_=county))
    url = f"{reverse('review:inbox')}?org={county.pk}"
    _county_cases(county, parks, 10)

    ten = _queries_of(client, url, django_assert_num_queries, INBOX_QUERIES)
    _county_cases(county, parks, 90, start=10)
    hundred = _queries_of(client, url, django_assert_num_queries, INBOX_QUERIES)

    assert (ten.count("status-county_review"), hundred.count("status-county_review")) == (10, 100)
    assert hundred.count("1 个错误") == 100 and hundred.count("2 个警告") == 100


def test_the_provinces_all_cases_list_costs_the_same_queries_for_10_and_100_cases(client, django_assert_num_queries):
    parks = [factories.park(factories.county(factories.city(region))) for region in ("太原市", "大同市", "长治市")]
    province = factories.province()
    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=province))
    url = f"{reverse('review:inbox')}?org={province.pk}"
    _county_cases(None, parks, 10)

    ten = _queries_of(client, url, django_assert_num_queries, ALL_CASES_QUERIES)
    _county_cases(None, parks, 90, start=10)
    hundred = _queries_of(client, url, django_assert_num_queries, ALL_CASES_QUERIES)

    assert (ten.count("县级案例"), hundred.count("县级案例")) == (10, 100)


def test_the_all_cases_list_is_paged_and_each_page_costs_the_same(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr("review.views.pipeline.INBOX_PAGE_SIZE", 10)
    parks = [factories.park(factories.county(factories.city("太原市")))]
    province = factories.province()
    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=province))
    _county_cases(None, parks, 25)
    url = f"{reverse('review:inbox')}?org={province.pk}&order=title"

    first = _queries_of(client, url, django_assert_num_queries, ALL_CASES_QUERIES)
    last = _queries_of(client, url + "&page=3", django_assert_num_queries, ALL_CASES_QUERIES)

    assert [f"县级案例{n:03d}" in first for n in (0, 9, 10)] == [True, True, False]
    assert "第 1–10 件，共 25 件" in first and f'href="?org={province.pk}&amp;order=title&amp;page=2"' in first
    assert [f"县级案例{n:03d}" in last for n in (19, 20, 24)] == [False, True, True]
    assert "第 21–25 件，共 25 件" in last and "下一页" not in last


# The user, the staff memberships (tier check), the campaign, the cases, the assignments with their
# scores, the experts, and the recusal rules' profiles, roles and conflicts (still_allowed).
SCORE_OVERVIEW_QUERIES = 9


def _scored_cases(count, experts, *, start=0):
    for number in range(start, start + count):
        case = world.city_case("太原市", title=f"评分案例{number:03d}")
        for offset in range(3):
            assignment = ExpertAssignment.objects.create(case=case, expert=experts[(number + offset) % len(experts)],
                                                         tier=Tier.PROVINCE, assigned_at=timezone.now())
            ExpertScore.objects.create(assignment=assignment, total=Decimal(70 + offset), comment="意见",
                                       submitted_at=timezone.now(), updated_at=timezone.now())


def test_the_scoring_overview_costs_the_same_queries_for_10_and_100_cases(client, django_assert_num_queries):
    experts = [world.provincial_expert("晋城市", name=f"专家{n}") for n in range(4)]
    client.force_login(world.province_staff())
    url = reverse("review:score_overview", args=["province"])
    _scored_cases(10, experts)

    ten = _queries_of(client, url, django_assert_num_queries, SCORE_OVERVIEW_QUERIES)
    _scored_cases(90, experts, start=10)
    hundred = _queries_of(client, url, django_assert_num_queries, SCORE_OVERVIEW_QUERIES)

    assert (ten.count("<strong>70.00</strong>"), hundred.count("<strong>70.00</strong>")) == (10, 100)
    assert hundred.count("<td>71.00</td>") == 100  # the mean of 70, 71, 72


def test_a_recused_experts_score_leaves_the_overview_and_the_mean(client):
    experts = [world.provincial_expert("晋城市", name=f"专家{n}") for n in range(3)]
    client.force_login(world.province_staff())
    _scored_cases(1, experts)
    # The third expert's employer turns out to be the case's enterprise: recusal, read at read time.
    case = ExpertAssignment.objects.get(expert=experts[2]).case
    experts[2].expert_profile.employer = case.enterprise
    experts[2].expert_profile.save()

    page = client.get(reverse("review:score_overview", args=["province"])).content.decode()

    assert "<strong>72.00</strong>" not in page and "<td>70.50</td>" in page


def test_the_enterprises_case_list_costs_the_same_queries_for_10_and_100_cases(client, django_assert_num_queries):
    enterprise = factories.enterprise()
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise))
    url = reverse("cases:case_list")
    for number in range(10):
        factories.case(enterprise, title=f"企业案例{number:03d}")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        ten_page = client.get(url).content.decode()
    for number in range(10, 100):
        factories.case(enterprise, title=f"企业案例{number:03d}")
    with django_assert_num_queries(len(ten)):
        hundred_page = client.get(url).content.decode()

    assert (ten_page.count("企业案例"), hundred_page.count("企业案例")) == (10, 100)

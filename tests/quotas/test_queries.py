"""candidates_for: Case rows as quota Candidates, in one query whatever the number of rows."""

import pytest

from cases.enums import OrganisationKind
from cases.models import Case
from quotas.queries import candidates_for
from quotas.rules import Candidate
from tests import factories

pytestmark = pytest.mark.django_db


def make_cases(count: int) -> list[Case]:
    county = factories.county()
    park = factories.park(county)
    enterprise_association = factories.organisation(OrganisationKind.ENTERPRISE_ASSOCIATION, county)
    cases = []
    for index in range(count):
        association = park if index % 2 == 0 else enterprise_association
        enterprise = factories.enterprise(association, name=f"查询企业{index}有限公司")
        cases.append(factories.case(enterprise, title=f"查询案例{index}", is_presenter_candidate=index == 0))
    return cases


@pytest.mark.parametrize("count", [1, 3])
def test_one_query_for_one_or_three_rows(django_assert_num_queries, count):
    cases = make_cases(count)
    queryset = Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk")
    with django_assert_num_queries(1):
        candidates = candidates_for(queryset)
    assert len(candidates) == count


def test_candidates_carry_the_cases_facts_and_the_given_scores():
    cases = make_cases(3)
    queryset = Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk")
    candidates = candidates_for(queryset, scores={cases[0].pk: 91.5, cases[2].pk: 78.0})
    assert candidates == [
        Candidate(cases[0].pk, "查询案例0", cases[0].enterprise_id, "查询企业0有限公司", True, True, 91.5),
        Candidate(cases[1].pk, "查询案例1", cases[1].enterprise_id, "查询企业1有限公司", False, False, None),
        Candidate(cases[2].pk, "查询案例2", cases[2].enterprise_id, "查询企业2有限公司", True, False, 78.0),
    ]


def test_the_querysets_order_is_kept():
    cases = make_cases(3)
    queryset = Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("-pk")
    assert [c.case_id for c in candidates_for(queryset)] == [c.pk for c in reversed(cases)]

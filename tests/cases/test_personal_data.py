"""Contact phones are personal data: shown to the tiers that handle the case, masked for experts."""

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier
from cases.rules import mask_phone, may_see_contact_details
from review.experts.services import assign_expert
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"),
    ("0351-7333497", "035*-***3497"),
    ("(0351)7333497", "(035*)***3497"),
    ("1234", "****"),
])
def test_mask_phone_keeps_the_ends_only(phone, masked):
    assert mask_phone(phone) == masked


@pytest.fixture
def handled_case():
    county = factories.county()
    park = factories.park(county)
    case = factories.case(factories.enterprise(park), status=CaseStatus.CITY_REVIEW, contact_phone="13812345678",
                          contact_name="张三")
    return case, park, county


@pytest.mark.parametrize("role, expected", [
    (Role.ENTERPRISE_USER, True), (Role.ASSOCIATION_STAFF, True), (Role.COUNTY_STAFF, True), (Role.CITY_STAFF, True),
    (Role.PROVINCE_STAFF, True), (Role.CITY_EXPERT, False), (Role.PROVINCE_EXPERT, False), (Role.OBSERVER, False),
])
def test_who_sees_contact_details(handled_case, role, expected):
    case, park, county = handled_case
    where = {
        Role.ENTERPRISE_USER: {"enterprise_": case.enterprise}, Role.ASSOCIATION_STAFF: {"organisation_": park},
        Role.COUNTY_STAFF: {"organisation_": county}, Role.CITY_STAFF: {"organisation_": county.parent},
        Role.CITY_EXPERT: {"organisation_": county.parent},
    }.get(role, {"organisation_": factories.province()})
    assert may_see_contact_details(factories.user(role, **where), case) is expected


def test_staff_of_another_county_do_not_see_them(handled_case):
    case, _, county = handled_case
    stranger = factories.user(Role.COUNTY_STAFF, organisation_=factories.county(county.parent))
    assert may_see_contact_details(stranger, case) is False


def test_an_assigned_expert_reads_the_case_with_the_phone_masked(client, handled_case):
    case, _, county = handled_case
    expert = factories.user(Role.CITY_EXPERT, organisation_=county.parent)
    city_staff = factories.user(Role.CITY_STAFF, organisation_=county.parent)
    assign_expert(case=case, expert=expert, tier=Tier.CITY, actor=city_staff)
    client.force_login(expert)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page


def test_the_county_reviewing_the_case_sees_the_full_number(client, handled_case):
    case, _, county = handled_case
    client.force_login(factories.user(Role.CITY_STAFF, organisation_=county.parent))
    page = client.get(reverse("review:case_review", args=[case.pk])).content.decode()
    assert "13812345678" in page

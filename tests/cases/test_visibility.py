"""Who sees what: every tier sees only its own subtree, with data that could leak present."""

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, OrganisationKind, Role
from cases.queries import cases_visible_to, enterprises_visible_to, organisations_visible_to
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counties():
    """Two counties of 太原 and one of 大同, each with a park, an enterprise and cases at every tier."""
    world = {}
    for key, city_region in (("a", "太原市"), ("b", "太原市"), ("c", "大同市")):
        county = factories.county(factories.city(city_region), name=f"县{key}科协")
        park = factories.park(county, name=f"园区{key}科协")
        enterprise = factories.enterprise(park, name=f"企业{key}有限公司")
        cases = {
            status: factories.case(enterprise, status=status, title=f"案例{key}-{status}")
            for status in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.COUNTY_REVIEW, CaseStatus.CITY_REVIEW)
        }
        world[key] = {"county": county, "park": park, "enterprise": enterprise, "cases": cases}
    return world


def titles(queryset):
    return set(queryset.values_list("title", flat=True))


def test_county_sees_only_its_own_cases_that_reached_the_county(two_counties):
    county_user = factories.user(Role.COUNTY_STAFF, organisation_=two_counties["a"]["county"])
    assert titles(cases_visible_to(county_user)) == {"案例a-county_review", "案例a-city_review"}


def test_county_sees_nothing_of_another_county_even_in_the_same_city(two_counties):
    county_user = factories.user(Role.COUNTY_STAFF, organisation_=two_counties["a"]["county"])
    other = {case.pk for key in ("b", "c") for case in two_counties[key]["cases"].values()}
    assert not cases_visible_to(county_user).filter(pk__in=other).exists()
    assert list(enterprises_visible_to(county_user)) == [two_counties["a"]["enterprise"]]
    assert set(organisations_visible_to(county_user)) == {two_counties["a"]["county"], two_counties["a"]["park"]}


def test_enterprise_sees_its_own_cases_in_every_status_and_nothing_else(two_counties):
    enterprise_user = factories.user(Role.ENTERPRISE_USER, enterprise_=two_counties["a"]["enterprise"])
    assert titles(cases_visible_to(enterprise_user)) == {
        "案例a-draft", "案例a-submitted", "案例a-county_review", "案例a-city_review",
    }
    assert list(enterprises_visible_to(enterprise_user)) == [two_counties["a"]["enterprise"]]
    assert not organisations_visible_to(enterprise_user).exists()


def test_association_sees_submitted_and_later_but_not_drafts(two_counties):
    park_user = factories.user(Role.ASSOCIATION_STAFF, organisation_=two_counties["b"]["park"])
    assert titles(cases_visible_to(park_user)) == {"案例b-submitted", "案例b-county_review", "案例b-city_review"}


def test_city_sees_both_its_counties_at_city_tier_only(two_counties):
    city_user = factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"))
    assert titles(cases_visible_to(city_user)) == {"案例a-city_review", "案例b-city_review"}


def test_province_sees_every_submitted_case_but_no_draft_and_observer_sees_no_case(two_counties):
    province_user = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    superuser = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    observer = factories.user(Role.OBSERVER, organisation_=factories.province())
    submitted = {case.title for world in two_counties.values() for status, case in world["cases"].items()
                 if status != CaseStatus.DRAFT}
    assert titles(cases_visible_to(province_user)) == submitted
    assert titles(cases_visible_to(superuser)) == submitted
    assert len(submitted) == 9
    assert cases_visible_to(observer).count() == 0


def test_expert_sees_exactly_the_cases_assigned_to_them(two_counties):
    from guardian.shortcuts import assign_perm

    from cases.enums import Tier
    from review.experts.services import assign_expert

    taiyuan = factories.city("太原市")
    expert = factories.user(Role.CITY_EXPERT, organisation_=taiyuan)
    assigned = two_counties["a"]["cases"][CaseStatus.CITY_REVIEW]
    assign_expert(case=assigned, expert=expert, tier=Tier.CITY, actor=factories.user(Role.CITY_STAFF, organisation_=taiyuan))
    # A bare grant without an assignment opens nothing: access follows the assignment and its rules.
    assign_perm("cases.view_case", expert, two_counties["b"]["cases"][CaseStatus.CITY_REVIEW])
    assert list(cases_visible_to(expert)) == [assigned]


def test_home_page_of_a_county_never_names_another_countys_case(client, two_counties):
    county_user = factories.user(Role.COUNTY_STAFF, organisation_=two_counties["a"]["county"])
    client.force_login(county_user)
    page = client.get(reverse("home")).content.decode()
    assert "县a科协" in page
    for key in ("b", "c"):
        for case in two_counties[key]["cases"].values():
            assert case.title not in page
        assert two_counties[key]["enterprise"].name not in page


def test_enterprise_home_lists_own_cases_only(client, two_counties):
    enterprise_user = factories.user(Role.ENTERPRISE_USER, enterprise_=two_counties["a"]["enterprise"])
    client.force_login(enterprise_user)
    page = client.get(reverse("home")).content.decode()
    assert "案例a-draft" in page and "案例a-city_review" in page
    assert "案例b-draft" not in page and "案例c-draft" not in page


def test_import_page_is_a_404_for_everyone_but_provincial_staff(client, two_counties):
    city_user = factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"))
    client.force_login(city_user)
    assert client.get(reverse("cases:directory_import")).status_code == 404
    assert client.get(reverse("cases:directory_import_template")).status_code == 404


def test_organisation_tree_rejects_a_county_directly_under_the_province():
    from django.core.exceptions import ValidationError

    wrong = factories.Organisation(kind=OrganisationKind.COUNTY, parent=factories.province(), name="错位县")
    with pytest.raises(ValidationError) as raised:
        wrong.full_clean()
    assert "上级必须是市科协" in str(raised.value)


def test_the_admin_lists_and_opens_no_draft_even_for_a_superuser(client, two_counties):
    """Defect 7 of issue 11: a draft is its enterprise's own; the admin is no support back door."""
    superuser = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    draft = two_counties["a"]["cases"][CaseStatus.DRAFT]
    submitted = two_counties["a"]["cases"][CaseStatus.SUBMITTED]
    client.force_login(superuser)
    listed = client.get(reverse("admin:cases_case_changelist"), {"q": "案例a"}).content.decode()
    assert "案例a-submitted" in listed and "案例a-draft" not in listed
    assert client.get(reverse("admin:cases_case_change", args=[submitted.pk])).status_code == 200
    opened = client.get(reverse("admin:cases_case_change", args=[draft.pk]), follow=True)
    assert opened.redirect_chain[-1][0] == reverse("admin:index")  # the admin's "does not exist"
    assert "案例a-draft" not in opened.content.decode()

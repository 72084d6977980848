"""Organisations above county level (issue 14 item 6): a 园区科协 or 企业科协 (a 军工企事业单位's among
them) may sit directly under a city or under the province, without a pseudo-county. Both shapes run
the whole pipeline: submit → association → (city →) province, with the tree, scoping, forwarding,
the summary table (附件4 → city or province) and the mail to the receiver."""

import io

import docx
import pytest
from django.core.exceptions import ValidationError

from cases.enums import CaseStatus, OrganisationKind, Role, Tier
from cases.models import Case, Organisation
from cases.queries import cases_visible_to
from cases.services import submit_case
from cases.workflow import TransitionRefused, transition_case
from quotas.models import CityQuota
from review.services import apply_city_selection, decide_case, forward_batch, open_batch, rank_batch
from tests import factories
from tests.review.test_pipeline_services import prepared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]


def submitted_case(association, title):
    enterprise = factories.enterprise(association, name=f"{title}有限公司")
    case = factories.complete_case(enterprise, title=title)
    submit_case(case=case, actor=factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise))
    return case


def forward_association_list(association, case, staff):
    decide_case(case=case, tier=Tier.ASSOCIATION, decision="recommend", actor=staff)
    batch = open_batch(organisation=association, campaign=case.campaign)
    rank_batch(batch=batch, ordered_case_ids=[case.pk], presenter_case_ids={case.pk}, contact="张三 13800000000", actor=staff)
    batch = prepared(batch, staff)
    return forward_batch(batch=batch, actor=staff)


def staff_with_mail(role, organisation, email):
    user = factories.user(role, organisation_=organisation)
    user.email = email
    user.save(update_fields=["email"])
    return user


def note_1(batch) -> str:
    document = docx.Document(io.BytesIO(batch.summary_docx.read()))
    return next(p.text for p in document.paragraphs if p.text.startswith("1."))


def test_the_tree_accepts_associations_under_a_city_or_the_province_and_nothing_else_new():
    city, province = factories.city("太原市"), factories.province()
    for parent in (city, province, factories.county(city)):
        Organisation(kind=OrganisationKind.PARK_ASSOCIATION, parent=parent, name="园区科协").clean()
        Organisation(kind=OrganisationKind.ENTERPRISE_ASSOCIATION, parent=parent, name="企业科协").clean()
    with pytest.raises(ValidationError, match="county|县"):
        Organisation(kind=OrganisationKind.COUNTY, parent=province, name="县科协").clean()
    with pytest.raises(ValidationError):
        Organisation(kind=OrganisationKind.PARK_ASSOCIATION,
                     parent=factories.park(factories.county(city)), name="园区下的园区").clean()


def test_a_park_under_a_city_goes_to_the_city_then_the_province(django_capture_on_commit_callbacks, mailoutbox):
    city = factories.city("朔州市")
    park = factories.organisation(OrganisationKind.PARK_ASSOCIATION, city, name="朔州经开区园区科协")
    park_staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=park)
    city_staff = staff_with_mail(Role.CITY_STAFF, city, "city@example.com")
    county_elsewhere = factories.user(Role.COUNTY_STAFF, organisation_=factories.county(city))
    case = submitted_case(park, "直属园区案例")
    assert list(cases_visible_to(park_staff)) == [case]
    assert not cases_visible_to(city_staff).exists()  # not forwarded yet

    with django_capture_on_commit_callbacks(execute=True):
        batch = forward_association_list(park, case, park_staff)

    case.refresh_from_db()
    assert case.status == CaseStatus.CITY_REVIEW
    assert list(cases_visible_to(city_staff)) == [case]
    assert not cases_visible_to(county_elsewhere).exists()
    assert "请于9月6日前提交本表及相关报送材料至所在市科协；" in note_1(batch)
    assert [message.to for message in mailoutbox] == [["city@example.com"]]

    # The city puts it on its list (quota 1/1 here) and forwards it to the province.
    CityQuota.objects.filter(campaign=case.campaign, city=city).update(cases=1, presenters=1)
    apply_city_selection(city=city, campaign=case.campaign, selected_ids={case.pk}, presenter_ids={case.pk}, actor=city_staff)
    city_batch = open_batch(organisation=city, campaign=case.campaign)
    rank_batch(batch=city_batch, ordered_case_ids=[case.pk], presenter_case_ids={case.pk}, contact="李四 13900000000",
               actor=city_staff)
    forward_batch(batch=prepared(city_batch, city_staff), actor=city_staff)

    case.refresh_from_db()
    assert case.status == CaseStatus.PROVINCE_REVIEW
    assert list(case.transitions.order_by("pk").values_list("from_status", "to_status")) == [
        (CaseStatus.DRAFT, CaseStatus.SUBMITTED), (CaseStatus.SUBMITTED, CaseStatus.ASSOCIATION_RECOMMENDED),
        (CaseStatus.ASSOCIATION_RECOMMENDED, CaseStatus.CITY_REVIEW), (CaseStatus.CITY_REVIEW, CaseStatus.CITY_SELECTED),
        (CaseStatus.CITY_SELECTED, CaseStatus.PROVINCE_REVIEW),
    ]


def test_an_enterprise_association_under_the_province_goes_straight_to_the_province(
        django_capture_on_commit_callbacks, mailoutbox):
    province = factories.province()
    unit = Organisation.objects.create(kind=OrganisationKind.ENTERPRISE_ASSOCIATION, parent=province,
                                       name="某军工集团企业科协", region="太原市")
    unit_staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=unit)
    province_staff = staff_with_mail(Role.PROVINCE_STAFF, province, "province@example.com")
    city_staff = factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"))
    case = submitted_case(unit, "军工直报案例")

    with django_capture_on_commit_callbacks(execute=True):
        batch = forward_association_list(unit, case, unit_staff)

    case.refresh_from_db()
    assert case.status == CaseStatus.PROVINCE_REVIEW
    assert case in cases_visible_to(province_staff)
    assert not cases_visible_to(city_staff).exists()
    assert "请于9月6日前提交本表及相关报送材料至省科技创新服务中心；" in note_1(batch)
    assert [message.to for message in mailoutbox] == [["province@example.com"]]
    from cases.documents.package import package_filename

    assert package_filename(case) == "太原市+军工直报案例有限公司+军工直报案例.zip"


def test_a_forward_never_skips_a_tier_the_case_has():
    county_park = factories.park(factories.county(factories.city("太原市")))
    city_park = factories.organisation(OrganisationKind.PARK_ASSOCIATION, factories.city("大同市"))
    staff = {org.pk: factories.user(Role.ASSOCIATION_STAFF, organisation_=org) for org in (county_park, city_park)}
    under_county = factories.case(factories.enterprise(county_park), status=CaseStatus.ASSOCIATION_RECOMMENDED)
    under_city = factories.case(factories.enterprise(city_park), status=CaseStatus.ASSOCIATION_RECOMMENDED)

    with pytest.raises(TransitionRefused):
        transition_case(under_county, to=CaseStatus.CITY_REVIEW, actor=staff[county_park.pk])
    with pytest.raises(TransitionRefused):
        transition_case(under_county, to=CaseStatus.PROVINCE_REVIEW, actor=staff[county_park.pk])
    with pytest.raises(TransitionRefused):
        transition_case(under_city, to=CaseStatus.COUNTY_REVIEW, actor=staff[city_park.pk])
    transition_case(under_city, to=CaseStatus.CITY_REVIEW, actor=staff[city_park.pk])
    assert Case.objects.get(pk=under_city.pk).status == CaseStatus.CITY_REVIEW

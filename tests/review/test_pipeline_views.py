import pytest
from django.urls import reverse

from cases.enums import AuditAction, CaseStatus, Role, Tier
from cases.models import AuditEvent, Case
from tests import factories
from tests.review.conftest import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]


def test_inbox_lists_the_subtree_with_problem_counts_and_filters(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "待审案例")
    make_case(county_world, county_world["enterprises"][1], CaseStatus.ASSOCIATION_RECOMMENDED, "已推荐案例")
    other_park = factories.park(factories.county(county_world["city"]))
    make_case(county_world, factories.enterprise(other_park), CaseStatus.SUBMITTED, "别的园区案例")
    upload = case.uploads.create(slot="photo_exterior", file="x", original_name="x.jpg", size=1, sha256="0" * 64,
                                 error_count=2, warning_count=1)
    assert upload.pk
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    page = client.get(reverse("review:inbox")).content.decode()
    assert "待审案例" in page and "已推荐案例" in page
    assert "别的园区案例" not in page
    assert "2 个错误" in page and "1 个警告" in page
    filtered = client.get(reverse("review:inbox"), {"status": CaseStatus.SUBMITTED}).content.decode()
    assert "待审案例" in filtered and "已推荐案例" not in filtered


def test_inbox_query_count_does_not_grow_with_rows(client, county_world):
    client.force_login(county_world["staff"][Tier.COUNTY])
    make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "一")
    client.get(reverse("review:inbox"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("review:inbox"))
    for index in range(2):
        make_case(county_world, county_world["enterprises"][index + 1], CaseStatus.COUNTY_REVIEW, f"多{index}")
    with CaptureQueriesContext(connection) as three_rows:
        response = client.get(reverse("review:inbox"))
    assert response.content.decode().count("status-county_review") == 3
    assert len(three_rows.captured_queries) == len(one_row.captured_queries)


def test_no_inbox_for_users_without_a_staff_role(client, county_world):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=county_world["enterprises"][0]))
    assert client.get(reverse("review:inbox")).status_code == 404
    assert client.get(reverse("review:batch_detail")).status_code == 404


def test_a_county_cannot_open_a_case_of_another_county(client, county_world):
    other_county = factories.county(county_world["city"])
    foreign = make_case(county_world, factories.enterprise(factories.park(other_county)), CaseStatus.COUNTY_REVIEW, "外县案例")
    client.force_login(county_world["staff"][Tier.COUNTY])
    response = client.get(reverse("review:case_review", args=[foreign.pk]))
    assert response.status_code == 404
    assert "外县案例" not in response.content.decode()
    posted = client.post(reverse("review:case_decide", args=[foreign.pk]), {"decision": "pass"})
    assert posted.status_code == 404
    assert Case.objects.get(pk=foreign.pk).status == CaseStatus.COUNTY_REVIEW


def test_return_without_a_reason_is_refused_with_a_message_and_with_one_goes_through(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "退回测试")
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    url = reverse("review:case_decide", args=[case.pk])
    page = client.post(url, {"decision": "return", "reason": ""}, follow=True).content.decode()
    assert "请填写原因" in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED
    page = client.post(url, {"decision": "return", "reason": "照片不足2MB"}, follow=True).content.decode()
    assert "已退回修改" in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RETURNED


def test_case_page_offers_only_the_decisions_the_table_allows(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "县审")
    client.force_login(county_world["staff"][Tier.COUNTY])
    page = client.get(reverse("review:case_review", args=[case.pk])).content.decode()
    assert 'value="pass"' in page and 'value="fail"' in page
    assert 'value="reopen"' not in page and 'value="recommend"' not in page


def test_stale_page_action_gets_a_clear_message(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_PASSED, "已通过")
    client.force_login(county_world["staff"][Tier.COUNTY])
    page = client.post(reverse("review:case_decide", args=[case.pk]), {"decision": "pass"}, follow=True).content.decode()
    assert "请刷新页面查看最新状态" in page


def test_province_export_holds_every_case_and_is_logged(client, county_world):
    import io

    import openpyxl

    make_case(county_world, county_world["enterprises"][0], CaseStatus.PROVINCE_REVIEW, "省级案例")
    client.force_login(county_world["staff"][Tier.PROVINCE])
    response = client.get(reverse("review:province_export"))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "地区", "县（市、区）", "推荐单位", "案例名称")
    assert rows[1][1] == "太原市" and rows[1][4] == "省级案例"
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_DOWNLOADED)
    assert event.actor == county_world["staff"][Tier.PROVINCE]


@pytest.mark.parametrize("name", ["review:province_overview", "review:province_export", "review:audit_log", "review:province_extend"])
def test_province_pages_are_404_for_a_city(client, county_world, name):
    client.force_login(county_world["staff"][Tier.CITY])
    assert client.get(reverse(name)).status_code == 404


def test_province_overview_shows_every_city_with_its_quota(client, county_world):
    client.force_login(county_world["staff"][Tier.PROVINCE])
    page = client.get(reverse("review:province_overview")).content.decode()
    for city in ("太原市", "大同市", "运城市"):
        assert city in page
    assert page.count("<tr") == 12  # header + 11 cities


def test_audit_log_lists_transitions_and_exports(client, county_world):
    from cases.workflow import transition_case

    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "审计案例")
    transition_case(case, to=CaseStatus.RETURNED, actor=county_world["staff"][Tier.ASSOCIATION], reason="缺材料")
    client.force_login(county_world["staff"][Tier.PROVINCE])
    page = client.get(reverse("review:audit_log"), {"q": "审计"}).content.decode()
    assert "审计案例" in page and "缺材料" in page and "已退回修改" in page
    export = client.get(reverse("review:audit_log"), {"q": "审计", "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_audit_log_names_the_person_and_finds_them_by_name(client, county_world):
    from cases.workflow import transition_case

    park_staff = county_world["staff"][Tier.ASSOCIATION]
    park_staff.first_name = "李园区"
    park_staff.save(update_fields=["first_name"])
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "署名案例")
    transition_case(case, to=CaseStatus.RETURNED, actor=park_staff, reason="缺材料")
    client.force_login(county_world["staff"][Tier.PROVINCE])
    page = client.get(reverse("review:audit_log"), {"q": "李园区"}).content.decode()
    assert "李园区（park）" in page and "署名案例" in page


def test_the_batch_downloads_as_one_zip_of_the_cases_packages_in_rank_order(client, county_world):
    import io
    import zipfile

    from review.services import open_batch

    for index, title in enumerate(["甲案例", "乙案例"]):
        case = factories.complete_case(county_world["enterprises"][index], title=title)
        case.campaign = county_world["campaign"]
        case.status = CaseStatus.ASSOCIATION_RECOMMENDED
        case.save()
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    response = client.get(reverse("review:batch_packages", args=[batch.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    folders = sorted({name.split("/")[0] for name in archive.namelist()})
    assert [folder[:2] for folder in folders] == ["01", "02"]
    assert "甲案例" in folders[0] and "乙案例" in folders[1]
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_DOWNLOADED, details__batch=batch.pk).exists()
    # Another county's staff cannot download it.
    client.force_login(factories.user(Role.COUNTY_STAFF, organisation_=factories.county(county_world["city"])))
    assert client.get(reverse("review:batch_packages", args=[batch.pk])).status_code == 404


def test_provincial_staff_read_every_submitted_case_but_decide_nothing_there(client, county_world):
    submitted = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "省级可查案例")
    draft = make_case(county_world, county_world["enterprises"][1], CaseStatus.DRAFT, "企业草稿案例")
    province = county_world["staff"][Tier.PROVINCE]
    client.force_login(province)
    inbox = client.get(reverse("review:inbox")).content.decode()
    assert "省级可查案例" in inbox and "企业草稿案例" not in inbox
    assert "太原市 测试县科协" in inbox  # region: city and county
    assert reverse("review:batch_detail") not in inbox  # the province forwards no list
    page = client.get(reverse("review:case_review", args=[submitted.pk]))
    assert page.status_code == 200
    assert 'name="decision"' not in page.content.decode()
    assert client.get(reverse("review:case_review", args=[draft.pk])).status_code == 404  # a draft stays private
    assert client.get(reverse("review:batch_detail")).status_code == 404


def test_the_extension_form_lists_organisations_as_a_tree_and_no_draft_filter(client, county_world):
    client.force_login(county_world["staff"][Tier.PROVINCE])
    page = client.get(reverse("review:province_extend")).content.decode()
    city, county, park = (page.index(f">{name}<") if f">{name}<" in page else page.index(name)
                          for name in ("太原市", "测试县科协", "测试园区科协"))
    assert city < county < park  # each city followed by its counties and their associations
    assert "└ 测试县科协" in page and "请选择组织" in page
    inbox_filter = client.get(reverse("review:inbox")).content.decode()
    assert 'value="draft"' not in inbox_filter

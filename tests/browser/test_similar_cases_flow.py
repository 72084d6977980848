"""Headless Chromium: the similar-case panel on a case under review (issue 19), as an association
sees it and as the province sees it, and the province's report of clusters."""

import random

import pytest
from playwright.sync_api import expect

from bench.similarity.evalset import light_edit
from cases.enums import CaseStatus, OrganisationKind, Role
from cases.models import Organisation
from cases.similarity.services import index_case
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.similarity.conftest import BASES, RETOLD, jpeg, scene, submitted_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_similar_case_panel_and_province_report(page, live_server):
    county = factories.county(factories.city("太原市"), name="清徐县科学技术协会")
    park = factories.park(county, name="清徐经济开发区园区科协")
    other_county = factories.county(Organisation.objects.get(kind=OrganisationKind.CITY, region="大同市"), name="云冈区科学技术协会")
    photo = scene(11)
    case = submitted_case(BASES["04"], enterprise=factories.enterprise(park, name="山西清徐醯香源醋业有限公司"),
                          title="老陈醋固态发酵工艺数字化改造", photos=[jpeg(scene(1)), jpeg(photo)])
    retold = submitted_case(RETOLD["04"], enterprise=factories.enterprise(park, name="山西清徐醯香源醋业股份公司"),
                            title="老陈醋酿造插上数字翅膀", photos=[jpeg(photo.resize((600, 400)), quality=70)])
    elsewhere = submitted_case(light_edit(BASES["04"], random.Random(8)),
                               enterprise=factories.enterprise(factories.park(other_county), name="大同醋业有限公司"),
                               title="食醋发酵数字化")
    for indexed in (case, retold, elsewhere):
        index_case(indexed.pk)
    factories.user(Role.ASSOCIATION_STAFF, organisation_=park, username="a1")
    factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="p1")

    sign_in(page, live_server, "a1")
    page.goto(f"{live_server.url}/review/cases/{case.pk}/")
    panel = page.locator("#similar-cases")
    expect(panel.locator("h2")).to_have_text("相似案例")
    expect(panel.locator("h3 a")).to_have_text(f"2024年第{retold.pk}号案例 · 老陈醋酿造插上数字翅膀")
    findings = panel.locator(".similar-case .finding")
    expect(findings.nth(0)).to_contain_text(f"疑似重复：与2024年第{retold.pk}号案例文字相似度")
    expect(panel.locator(".similar-case .finding", has_text="同名")).to_have_count(1)
    expect(panel.locator(".similar-case .finding", has_text="照片相同")).to_have_count(1)
    expect(panel.locator("table.passages th")).to_have_text(["本案例", "相似案例"])
    expect(panel.locator("table.passages tr", has_text="1200个发酵缸").first).to_contain_text("1200个发酵缸都装上了物联网传感器")
    expect(panel.locator(".similar-hidden")).to_have_text("与其他地区的1个案例相似，省级可见")
    expect(panel).not_to_contain_text("食醋发酵数字化")
    screenshot(page, "similar-cases-association")

    sign_in(page, live_server, "p1")
    page.goto(f"{live_server.url}/review/cases/{case.pk}/")
    expect(page.locator("#similar-cases h3 a")).to_have_count(2)
    expect(page.locator("#similar-cases")).to_contain_text("食醋发酵数字化")
    expect(page.locator("#similar-cases .similar-hidden")).to_have_count(0)
    screenshot(page, "similar-cases-province")

    page.goto(f"{live_server.url}/province/")
    page.click("text=相似案例")
    expect(page.locator(".similar-cluster h2")).to_have_text(["群组 1：3 个案例"])
    expect(page.locator(".similar-cluster tbody tr")).to_have_count(3)
    screenshot(page, "similar-cases-report")
    with page.expect_download() as download:
        page.click("text=导出Excel")
    assert download.value.suggested_filename == "2024年相似案例.xlsx"
    assert CaseStatus(case.status) == CaseStatus.SUBMITTED

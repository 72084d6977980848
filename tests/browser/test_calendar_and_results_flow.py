"""Headless Chromium: a draft after its deadline says what is still possible (issue 13 item 4), the
winner downloads its certificate from its case page (item 5), and a voter checks a receipt on a
phone (item 6)."""

import datetime
import re

import pytest

from cases.enums import CaseStatus, Role
from cases.models import Campaign, DeadlineExtension
from review.models import Ballot
from review.selection.certificates import issue_certificates
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.review import review_world as world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_draft_after_the_deadline_says_what_is_still_possible(page, live_server):
    # The 2024 campaign's enterprise deadline (2024-09-02) has passed on the real clock.
    enterprise = factories.enterprise(name="逾期示范科技有限公司")
    case = factories.case(enterprise, title="逾期未提交的案例")
    user = factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise)
    sign_in(page, live_server, user.username)
    panel = page.locator("section.panel").inner_text()
    assert "本阶段已于 2024年9月2日 24:00（北京时间）截止。" in panel
    assert "还剩" not in panel and "新建案例" not in panel
    screenshot(page, "calendar-enterprise-workbench-after-deadline")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator(".next-step").inner_text() == "提交截止时间（2024年9月2日 24:00，北京时间）已过：此草稿不能再提交。"
    assert page.locator("button", has_text="报送").count() == 0
    screenshot(page, "calendar-draft-after-deadline")
    page.goto(f"{live_server.url}/cases/new/")
    page.wait_for_url(f"{live_server.url}/cases/")
    assert "不能再新建案例" in page.locator("main").inner_text()
    # An extension for this enterprise opens it again.
    DeadlineExtension.objects.create(campaign=Campaign.objects.get(year=2024), tier=1, enterprise=enterprise,
                                     closes_on=datetime.date.today() + datetime.timedelta(days=3), reason="系统故障")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator(".next-step").inner_text() == "填写推荐表、上传材料，并在截止时间前提交。"


def test_the_winner_downloads_its_certificate_from_its_case_page(page, live_server):
    case = world.city_case("太原市", status=CaseStatus.WINNER, title="智能焊接机器人工艺创新",
                           completing_unit="太原示范科技有限公司")
    [certificate] = issue_certificates(campaign=world.campaign(), actor=world.province_staff())
    user = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)
    sign_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator(".certificate-number").inner_text() == certificate.number
    screenshot(page, "winner-case-certificate")
    with page.expect_download() as download:
        page.click("text=下载优秀案例证书（PDF）")
    assert certificate.number in download.value.suggested_filename
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    page.click("text=公开查验此证书")
    assert "该证书真实有效。" in page.locator("main").inner_text()


def test_a_voter_checks_a_receipt_on_a_phone(phone_page, live_server):
    case = world.city_case("大同市", title="煤矸石综合利用技术")
    world.open_vote_window()
    world.add_votes(case, 1)
    ballot = Ballot.objects.get()
    page = phone_page
    page.goto(f"{live_server.url}/vote/receipt/{ballot.receipt}/")
    assert page.locator("main").inner_text().count("回执编号：") == 1
    page.click("text=投票回执查询")
    page.wait_for_url(re.compile(r".*/vote/receipt/\?receipt="))
    assert "已计入：这张选票计入网络投票结果。" in page.locator(".receipt-result").inner_text()
    page.fill("input[name=receipt]", "abcd efgh jkmn")
    page.click("button[type=submit]")
    assert "没有与此回执编号对应的选票" in page.locator(".receipt-result").inner_text()
    screenshot(page, "vote-receipt-lookup-phone")

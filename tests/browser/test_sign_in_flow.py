"""Headless Chromium: users sign in and see their own workbench, in Chinese."""

import pytest

from cases.enums import Role
from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_enterprise_user_signs_in_and_sees_own_workbench(page, live_server):
    enterprise = factories.enterprise(name="山西示范智能装备有限公司")
    factories.case(enterprise, title="智能焊接机器人工艺创新")
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="qiye-browser")
    sign_in(page, live_server, "qiye-browser", factories.PASSWORD)
    assert page.locator("h1.page-title").inner_text() == "工作台"
    panel = page.locator("section.panel[data-role=enterprise_user]")
    assert panel.locator("h2").inner_text() == "企业用户"
    assert "山西示范智能装备有限公司" in panel.inner_text()
    assert "智能焊接机器人工艺创新" in panel.inner_text()
    assert "草稿" in panel.inner_text()
    screenshot(page, "workbench-enterprise-desktop")


def test_city_user_signs_in_on_a_phone_and_sees_the_city_workbench(phone_page, live_server):
    # The city's stage is open (the workbench asks for the 附件6 only before the city's deadline).
    import datetime

    from cases.models import Campaign

    today = datetime.date.today()
    Campaign.objects.filter(year=2024).update(
        enterprise_deadline=today + datetime.timedelta(days=10), association_deadline=today + datetime.timedelta(days=20),
        county_deadline=today + datetime.timedelta(days=30), city_deadline=today + datetime.timedelta(days=40))
    factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市"), username="city-browser")
    sign_in(phone_page, live_server, "city-browser", factories.PASSWORD)
    panel = phone_page.locator("section.panel[data-role=city_staff]")
    assert panel.locator("h2").inner_text() == "市科协工作人员"
    assert "太原市科学技术协会" in panel.inner_text()
    assert "填写推荐汇总表（附件6）" in panel.inner_text()
    # Readable on a phone: nothing is wider than the screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "workbench-city-phone")


def test_wrong_password_shows_a_chinese_message(page, live_server):
    factories.user(Role.COUNTY_STAFF, organisation_=factories.county(), username="county-browser")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "county-browser")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "请输入一个正确的" in page.locator(".error-box").inner_text()
    screenshot(page, "sign-in-error")

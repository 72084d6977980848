"""Headless Chromium on a 390 px phone: the public campaign page (issue 14 item 5) without signing in,
its timeline with today's stage, an attachment download and the way to registration."""

import importlib

import pytest
from django.apps import apps

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_campaign_page_on_a_phone(phone_page, live_server):
    # Transactional tests flush the data migrations' rows: load the notice and the criteria again.
    importlib.import_module("cases.migrations.0018_campaign_notice_2024").load(apps, None)
    importlib.import_module("review.migrations.0004_scoring_criteria_2024").load(apps, None)
    page = phone_page

    page.goto(f"{live_server.url}/login/")
    page.click("text=活动介绍")
    page.wait_for_url(f"{live_server.url}/campaign/")

    assert page.locator("h1").inner_text() == "2024年山西省企业典型创新案例征集及宣讲活动"
    # Readable on the phone: nothing wider than the screen, so no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The real clock is past every 2024 deadline: the provincial selection is today's stage.
    today = page.locator(".campaign-timeline li[aria-current=step]")
    assert today.count() == 1
    assert "省级评选" in today.inner_text() and "当前阶段" in today.inner_text()
    assert page.locator(".campaign-timeline li.passed").count() == 4
    assert "王红玉 15835106130" in page.locator("#contacts").inner_text()
    assert page.locator("#criteria li").count() == 3
    screenshot(page, "campaign-page-phone")

    with page.expect_download() as download:
        page.click("text=附件3：2024年山西省企业典型创新案例推荐表（Word）")
    assert download.value.suggested_filename == "附件3+2024年山西省企业典型创新案例推荐表.docx"

    page.click("#take-part >> text=企业注册")
    page.wait_for_url(f"{live_server.url}/register/")

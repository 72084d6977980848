"""Headless Chromium (issue 18): an enterprise uploads a narrative typed in the wrong format,
clicks 一键修正格式, reads what was changed beside the first page before and after, and accepts
the fixed file into the slot as a new version, which then meets every rule."""

import datetime

import pytest
from playwright.sync_api import expect

from cases.enums import Role, UploadSlot
from cases.models import NarrativeFix, Upload
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.validation.bad_narratives import letter_page_and_everything_at_once
from tests.validation.builders import CASE_NAME, UNIT_NAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


def test_enterprise_fixes_the_format_in_one_click_and_accepts_it(page, live_server, tmp_path):
    enterprise = factories.enterprise(factories.park(factories.county()), name=UNIT_NAME)
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="qiye-fix")
    case = factories.case(enterprise, title=CASE_NAME, completing_unit=UNIT_NAME)
    narrative = tmp_path / "案例概要.docx"
    narrative.write_bytes(letter_page_and_everything_at_once())

    sign_in(page, live_server, "qiye-fix")
    page.goto(f"{live_server.url}/cases/{case.pk}/files/")
    form = page.locator("#slot-narrative form[data-upload-form]")
    form.locator("input[type=file]").set_input_files(str(narrative))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#slot-narrative .finding-error", timeout=60_000)
    assert "行距" in page.locator("#slot-narrative .findings").inner_text()

    page.click("#slot-narrative button[data-fix-request]")
    page.wait_for_selector("[data-fix-state=done]", timeout=120_000)
    changes = page.locator(".fix-changes").inner_text()
    assert "标题：样式“正文”→“标题 1”" in changes
    assert "正文 8 段：行距 1.5 倍行距→固定值22磅" in changes
    assert "页面：Letter→A4" in changes
    assert "图片 1 张：环绕方式 四周型→上下型" in changes
    expect(page.locator(".fix-previews img")).to_have_count(2)
    page.wait_for_function("() => [...document.querySelectorAll('.fix-previews img')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator(".ready").inner_text() == "无需再处理：修正后的案例概要符合通知的全部格式要求。"
    screenshot(page, "narrative-fix-changes-desktop")

    page.click("text=接受：作为新版本放入该栏")
    page.wait_for_selector("#slot-narrative .check-ok", timeout=60_000)
    assert "已作为新版本放入该栏" in page.locator("ul.messages").inner_text()
    assert "1 个早期版本" in page.locator("#slot-narrative .versions summary").inner_text()
    screenshot(page, "narrative-fix-accepted-desktop")

    current = Upload.objects.get(case=case, slot=UploadSlot.NARRATIVE, superseded_at__isnull=True)
    assert (current.original_name, current.findings) == ("案例概要（格式已修正）.docx", [])
    assert NarrativeFix.objects.get(case=case).accepted_upload_id == current.pk

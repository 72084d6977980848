"""Headless Chromium: the province finds a failed mail from its workbench, resends it to a real
local SMTP server, and edits a mail template with a preview (screenshots to look at)."""

import pytest
from django.core.mail import send_mail

from cases.enums import Role
from mail.enums import MailState
from mail.models import MailTemplate, OutboxMail
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.mail.conftest import smtp_server  # noqa: F401  (a real SMTP server on 127.0.0.1)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_province_resends_a_failed_mail_and_edits_a_template(page, live_server, smtp_server, settings):  # noqa: F811
    settings.MAIL_MAX_ATTEMPTS = 1
    factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="p1")
    send_mail("【创新案例征集平台】已收到案例：智能矿山", "回执正文", None, ["qiye@example.com"])  # sent: the server is up
    smtp_server.stop()
    send_mail("【创新案例征集平台】测试县科协报送了 5 个案例（推荐名单）", "名单正文", None, ["city@example.com"])
    smtp_server.start()
    assert OutboxMail.objects.get(to="city@example.com").state == MailState.FAILED

    sign_in(page, live_server, "p1")
    page.click("text=邮件发送记录")
    page.wait_for_selector("table.outbox")
    assert "无法连接邮件服务器" in page.locator("tr.mail-failed").inner_text()
    screenshot(page, "mail-outbox-failed")
    page.click("tr.mail-failed >> text=重发")
    page.wait_for_selector(".message")
    assert "发给 city@example.com 的邮件已重新排队发送。" in page.locator(".message").inner_text()
    assert [m["to"] for m in smtp_server.messages] == [["qiye@example.com"], ["city@example.com"]]
    screenshot(page, "mail-outbox-resent")

    page.click("text=邮件模板")
    page.wait_for_selector("table.table")
    screenshot(page, "mail-templates")
    page.click("tr:has-text('案例提交回执') >> text=编辑")
    page.fill("#id_subject", "回执：{case_name}")
    page.click("button[value=preview]")
    assert "主题使用了本邮件没有的占位符 {case_name}" in page.locator(".template-problems").inner_text()
    page.fill("#id_subject", "【创新案例征集平台】回执：{case_title}（{enterprise}）")
    page.click("button[value=preview]")
    assert page.locator(".preview-subject").inner_text() == "【创新案例征集平台】回执：智能矿山综合管控平台建设（山西示例能源集团有限公司）"
    screenshot(page, "mail-template-preview")
    page.click("button[value=save]")
    page.wait_for_selector(".message")
    assert MailTemplate.objects.get(kind="case_submitted").subject == "【创新案例征集平台】回执：{case_title}（{enterprise}）"

"""Headless Chromium: an enterprise registers (SMS code, association picked by city → county), is
approved by its park association and submits its case; a user resets a forgotten password by mail
and by SMS; a city adds five experts (one by the form, four from an Excel sheet) and assigns them."""

import datetime
import re

import openpyxl
import pytest
from django.core import mail

from accounts.models import AccountProfile, EnterpriseRegistration, RegistrationStatus
from cases.enums import CaseStatus, Role, Tier
from cases.models import Campaign, Membership
from review.models import ExpertAssignment
from sms.gateways import MemoryGateway
from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    yield MemoryGateway.outbox
    MemoryGateway.outbox.clear()


def last_code(sms) -> str:
    return re.search(r"\d{6}", sms[-1][1]).group()


def test_an_enterprise_registers_is_approved_and_submits(page, live_server, sms, monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)
    county = factories.county(factories.city("太原市"), name="小店区科学技术协会")
    factories.park(factories.county(factories.city("大同市"), name="平城区科学技术协会"), name="大同某园区科协")
    park = factories.park(county, name="示范园区科协")
    factories.user(Role.ASSOCIATION_STAFF, organisation_=park, username="yuanqu")
    code = factories.credit_code()

    # The sign-in page leads to the registration form.
    page.goto(f"{live_server.url}/login/")
    page.click("text=企业注册")
    page.fill("#id_credit_code", code)
    page.fill("#id_enterprise_name", "山西自助注册科技有限公司")
    page.select_option("#id_enterprise_type", "high_tech")
    # City → county narrows the associations to the chosen county's.
    page.select_option("[data-picker-city]", label="太原市")
    page.select_option("[data-picker-county]", label=county.region)
    visible = page.eval_on_selector_all("#id_association option:not([hidden])", "options => options.map(o => o.textContent)")
    assert visible == ["请选择…", "示范园区科协"]
    page.select_option("#id_association", label="示范园区科协")
    page.fill("#id_contact_name", "王经理")
    page.fill("#id_phone", "13712345678")
    page.click("button[name=send_code]")
    assert "验证码已通过短信发送至 137****5678" in page.locator(".messages").inner_text()
    assert page.input_value("#id_enterprise_name") == "山西自助注册科技有限公司"
    page.fill("#id_code", last_code(sms))
    page.fill("#id_email", "wang@example.com")
    page.fill("#id_username", "zizhu")
    page.fill("#id_password1", "Zizhu-password-2024")
    page.fill("#id_password2", "Zizhu-password-2024")
    screenshot(page, "register-form-desktop")
    page.click("button[name=apply]")
    page.wait_for_url(f"{live_server.url}/register/status/")
    assert page.locator(".registration-status strong").inner_text() == "待所属科协审核"
    screenshot(page, "register-pending-desktop")

    # The park association approves from its workbench.
    sign_in(page, live_server, "yuanqu")
    page.click("text=企业注册申请 (1)")
    assert "山西自助注册科技有限公司" in page.locator(".registrations-waiting").inner_text()
    screenshot(page, "registrations-waiting-desktop")
    page.click(".registrations-waiting button:has-text('通过')")
    assert "已通过：山西自助注册科技有限公司 现在可以登录并提交案例。" in page.locator(".messages").inner_text()
    registration = EnterpriseRegistration.objects.get()
    assert registration.status == RegistrationStatus.APPROVED
    assert mail.outbox[-1].subject == "【创新案例征集平台】注册已通过：山西自助注册科技有限公司"

    # The new enterprise user finds its case ready and submits it.
    case = factories.complete_case(registration.enterprise, title="自助注册企业的案例")
    sign_in(page, live_server, "zizhu", "Zizhu-password-2024")
    assert page.locator(".panel[data-role=enterprise_user] .org").inner_text() == "山西自助注册科技有限公司"
    page.click("text=自助注册企业的案例")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=提交至所属科协")
    assert "已提交至所属科协" in page.locator(".messages").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    screenshot(page, "registered-enterprise-submitted-desktop")


def test_a_user_resets_a_forgotten_password_by_mail_then_by_sms(page, live_server, sms):
    user = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise(), username="wangji")
    user.email = "wangji@example.com"
    user.save()
    AccountProfile.objects.create(user=user, phone="13812345678")

    # By mail.
    page.goto(f"{live_server.url}/login/")
    page.click("text=忘记密码？")
    page.fill("#id_email", "wangji@example.com")
    page.click("button[type=submit]")
    assert "如果有账号登记了该邮箱" in page.locator("[data-reset-answer]").inner_text()
    screenshot(page, "password-reset-mail-sent-desktop")
    link = re.search(r"(http://\S+/password/reset/\S+/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.fill("#id_new_password1", "Mail-reset-password-2024")
    page.fill("#id_new_password2", "Mail-reset-password-2024")
    screenshot(page, "password-reset-choose-desktop")
    page.click("button[type=submit]")
    assert "新密码已保存" in page.locator("main").inner_text()
    sign_in(page, live_server, "wangji", "Mail-reset-password-2024")

    # By SMS, signed out again.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/password/reset/")
    page.click("text=通过手机短信重置")
    page.fill("#id_identifier", "13812345678")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/password/reset/sms/confirm/")
    assert sms[-1][0] == "13812345678"
    page.fill("#id_code", last_code(sms))
    page.fill("#id_new_password1", "Sms-reset-password-2024")
    page.fill("#id_new_password2", "Sms-reset-password-2024")
    screenshot(page, "password-reset-sms-desktop")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/login/")
    assert "密码已修改，请用新密码登录。" in page.locator(".messages").inner_text()
    sign_in(page, live_server, "wangji", "Sms-reset-password-2024")


def expert_sheet(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机号码", "邮箱", "所在城市", "工作单位", "专业领域"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_a_city_adds_five_experts_and_assigns_them(page, live_server, tmp_path):
    taiyuan = factories.city("太原市")
    park = factories.park(factories.county(taiyuan))
    factories.user(Role.CITY_STAFF, organisation_=taiyuan, username="shi")
    cases = [factories.case(factories.enterprise(park), status=CaseStatus.CITY_REVIEW, title=f"市级评审案例{n}") for n in range(2)]
    assert Campaign.objects.current().experts_per_case == 5
    sheet_path = tmp_path / "专家.xlsx"
    expert_sheet(sheet_path, [[f"批量专家{n}", f"1390000001{n}", f"pl{n}@example.com", "太原市", "", "工业设计"] for n in range(4)])

    sign_in(page, live_server, "shi")
    page.click("text=市级专家评审")
    # One by the form (open at once while the pool is empty).
    assert page.locator("details.expert-create").first.get_attribute("open") is not None
    page.fill("#id_account-full_name", "单个专家")
    page.fill("#id_account-phone", "13900000020")
    page.fill("#id_account-email", "dange@example.com")
    page.fill("#id_account-expertise", "智能制造")
    page.click(".expert-account-form button[type=submit]")
    assert "专家账号 13900000020 已创建并加入专家库" in page.locator(".messages").inner_text()
    # Four from the sheet.
    page.click("text=从 Excel 表格批量创建专家账号")
    page.set_input_files("#id_sheet-workbook", str(sheet_path))
    page.click(".expert-sheet-form button[type=submit]")
    assert "已创建 4 个专家账号并加入专家库" in page.locator(".messages").inner_text()
    assert page.locator(".expert-pool tbody tr").count() == 5
    assert len(mail.outbox) == 5
    # Assign them: every case gets the five.
    page.click("text=自动分配（均衡负荷，自动回避）")
    assert "已分配 10 项评审任务。" in page.locator(".messages").inner_text()
    screenshot(page, "city-experts-assigned-desktop")
    for case in cases:
        assert ExpertAssignment.objects.filter(case=case, tier=Tier.CITY, ended_at__isnull=True).count() == 5
    assert Membership.objects.filter(role=Role.CITY_EXPERT, organisation=taiyuan).count() == 5

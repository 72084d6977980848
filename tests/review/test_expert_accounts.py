"""Expert accounts created from the pool page: one by one or from an Excel sheet (hostile files get
Chinese errors per row, nothing half-created), each with its role, pool profile, phone and a mail to
set a password; a city creates experts only for itself."""

import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AccountProfile
from cases.enums import AuditAction, Role, Tier
from cases.models import AuditEvent, Campaign, Membership
from review.experts.accounts import COLUMNS, create_expert_account, import_expert_accounts
from review.experts.services import ReviewRefused
from review.models import ExpertProfile
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "http://testserver/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def taiyuan():
    return factories.city("太原市")


@pytest.fixture
def city_staff(taiyuan):
    return factories.user(Role.CITY_STAFF, organisation_=taiyuan, username="taiyuan-staff")


def sheet(rows, header=COLUMNS) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("专家.xlsx", buffer.getvalue())


def five_rows():
    return [[f"专家{n}", f"1390000000{n}", f"expert{n}@example.com", "", "", "智能制造"] for n in range(5)]


def test_city_staff_create_an_expert_who_gets_a_mail_to_set_a_password(client, taiyuan, city_staff, committed):
    employer = factories.enterprise(factories.park(factories.county(taiyuan)), name="太原某制造有限公司")
    client.force_login(city_staff)

    with committed():
        answer = client.post(reverse("review:expert_board", args=["city"]), {
            "action": "create_account", "account-full_name": "李专家", "account-phone": "139 0000 0001",
            "account-email": "li@example.com", "account-employer": employer.pk, "account-expertise": "材料工程"}, follow=True)

    assert "专家账号 13900000001 已创建并加入专家库；设置密码的链接已发送至 li@example.com。" in answer.content.decode()
    expert = get_user_model().objects.get(username="13900000001")
    assert (expert.first_name, expert.email, expert.has_usable_password(), expert.account_profile.phone) == (
        "李专家", "li@example.com", False, "13900000001")
    assert list(Membership.objects.filter(user=expert).values_list("role", "organisation")) == [(Role.CITY_EXPERT, taiyuan.pk)]
    profile = ExpertProfile.objects.get(user=expert)
    assert (profile.home_city, profile.employer, profile.expertise, profile.is_active) == (taiyuan, employer, "材料工程", True)
    [message] = mail.outbox
    assert (message.to, message.subject) == (["li@example.com"], "【创新案例征集平台】您的账号：请设置密码")
    link = re.search(r"http://testserver(/password/reset/\S+/\S+/)", message.body).group(1)
    page = client.get(link, follow=True)
    password = "Zhuanjia-password-2024"
    client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    expert.refresh_from_db()
    assert expert.check_password(password)
    assert AuditEvent.objects.filter(action=AuditAction.EXPERT_ACCOUNT_CREATED, actor=city_staff, details__expert=expert.pk).exists()


def test_a_city_creates_experts_only_for_itself(client, taiyuan, city_staff):
    datong = factories.city("大同市")
    other_enterprise = factories.enterprise(factories.park(factories.county(datong)))
    campaign = Campaign.objects.current()

    with pytest.raises(ReviewRefused, match="地市只能为本市创建专家账号：请选择本市。"):
        create_expert_account(campaign=campaign, tier=Tier.CITY, actor=city_staff, full_name="外市专家",
                              phone="13900000009", email="x@example.com", city=datong, base_url=BASE)
    with pytest.raises(ReviewRefused, match="请从本市企业中选择工作单位，或留空。"):
        create_expert_account(campaign=campaign, tier=Tier.CITY, actor=city_staff, full_name="外市专家",
                              phone="13900000009", email="x@example.com", employer=other_enterprise, base_url=BASE)
    # The form offers no other city and no other city's enterprise either.
    client.force_login(city_staff)
    answer = client.post(reverse("review:expert_board", args=["city"]), {
        "action": "create_account", "account-full_name": "外市专家", "account-phone": "13900000009",
        "account-email": "x@example.com", "account-employer": other_enterprise.pk})
    assert answer.status_code == 200
    assert not get_user_model().objects.filter(username="13900000009").exists()
    # A provincial pool is not a city's to fill.
    with pytest.raises(ReviewRefused, match="您无权修改该专家库。"):
        create_expert_account(campaign=campaign, tier=Tier.PROVINCE, actor=city_staff, full_name="省专家",
                              phone="13900000008", email="y@example.com", base_url=BASE)


def test_provincial_staff_create_a_provincial_expert_with_a_home_city(taiyuan):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    expert = create_expert_account(campaign=Campaign.objects.current(), tier=Tier.PROVINCE, actor=staff, full_name="省专家",
                                   phone="13900000008", email="y@example.com", home_city=taiyuan, base_url=BASE)
    assert list(Membership.objects.filter(user=expert).values_list("role", "organisation")) == [
        (Role.PROVINCE_EXPERT, factories.province().pk)]
    assert expert.expert_profile.home_city == taiyuan


def test_a_number_that_already_has_an_account_is_refused(city_staff):
    AccountProfile.objects.create(user=factories.user(Role.CITY_STAFF, organisation_=factories.city("太原市")), phone="13900000001")
    with pytest.raises(ReviewRefused, match="手机号 13900000001 已属于一个账号：请将该账号加入专家库，不要新建账号。"):
        create_expert_account(campaign=Campaign.objects.current(), tier=Tier.CITY, actor=city_staff, full_name="李专家",
                              phone="13900000001", email="li@example.com", base_url=BASE)


# --- from an Excel sheet -----------------------------------------------------------------------------

def test_five_experts_from_a_sheet_each_get_an_account_and_a_mail(client, taiyuan, city_staff, committed):
    rows = five_rows()
    rows[0][1] = 13900000000  # typed as a number in Excel
    rows[1][3] = "太原市"
    client.force_login(city_staff)

    with committed():
        answer = client.post(reverse("review:expert_board", args=["city"]),
                             {"action": "import_sheet", "sheet-workbook": sheet(rows)}, follow=True)

    assert "已创建 5 个专家账号并加入专家库；每位专家都会收到设置密码的邮件。" in answer.content.decode()
    experts = get_user_model().objects.filter(memberships__role=Role.CITY_EXPERT, memberships__organisation=taiyuan).order_by("username")
    assert [e.username for e in experts] == [f"1390000000{n}" for n in range(5)]
    assert sorted(m.to[0] for m in mail.outbox) == [f"expert{n}@example.com" for n in range(5)]
    assert ExpertProfile.objects.filter(user__in=experts, home_city=taiyuan).count() == 5


def test_a_hostile_sheet_gets_chinese_errors_per_row_and_creates_nothing(taiyuan, city_staff):
    AccountProfile.objects.create(user=factories.user(Role.CITY_STAFF, organisation_=taiyuan), phone="13911111111")
    factories.enterprise(factories.park(factories.county(factories.city("大同市"))), name="大同企业有限公司")
    rows = [
        ["好专家", "13900000001", "good@example.com", "", "", ""],
        ["", "13900000002", "a@example.com", "", "", ""],
        ["坏号码", "12345", "b@example.com", "", "", ""],
        ["坏邮箱", "13900000003", "not-a-mail", "", "", ""],
        ["重复", "13900000001", "c@example.com", "", "", ""],
        ["已有", "13911111111", "d@example.com", "", "", ""],
        ["外市", "13900000004", "e@example.com", "大同市", "", ""],
        ["外市单位", "13900000005", "f@example.com", "", "大同企业有限公司", ""],
        ["公式", "=1+1", "g@example.com", "", "", ""],
        ["长", "13900000006", "h@example.com", "", "", "专" * 201],
    ]

    report = import_expert_accounts(campaign=Campaign.objects.current(), tier=Tier.CITY, actor=city_staff,
                                    workbook_file=sheet(rows), base_url=BASE)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "姓名", "此列必须填写。"),
        (4, "手机号码", "请输入11位中国大陆手机号，例如 13812345678。"),
        (5, "邮箱", "这不是有效的电子邮箱（例如 zhang@example.com）。"),
        (6, "手机号码", "第 2 行的值与此相同：每位专家只填一次，一个手机号和邮箱只对应一个账号。"),
        (7, "", "手机号 13911111111 已属于一个账号：请将该账号加入专家库，不要新建账号。"),
        (8, "所在城市", "地市只能为本市创建专家账号：请填写本市或留空。"),
        (9, "工作单位", "没有这个名称或统一社会信用代码的参评企业。只有专家在参评企业工作时才填写此列，否则请留空。"),
        (10, "手机号码", "此列必须填写。"),  # a formula is not read: no value
        (11, "专业领域", "专业领域超过 200 个字符。"),
    ]
    assert report.created == []
    assert not get_user_model().objects.filter(username__startswith="139000").exists()
    assert not ExpertProfile.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("专家.xlsx", factories.png_bytes()), "这不是可读取的 Excel .xlsx 工作簿。请下载模板，填写后重新上传。"),
    (SimpleUploadedFile("专家.xlsx", b"PK\x03\x04" + b"\x00" * 200), "这不是可读取的 Excel .xlsx 工作簿。请下载模板，填写后重新上传。"),
    (sheet([["李专家", "13900000001"]], header=["姓名", "手机号码"]), "第1行缺少这些列：邮箱、所在城市、工作单位、专业领域。请从模板中复制表头行。"),
    (sheet([]), "表格中没有专家：请从第2行起每行填写一位专家（第1行是表头）。"),
])
def test_unreadable_or_empty_sheets_are_refused_in_chinese(city_staff, upload, message):
    report = import_expert_accounts(campaign=Campaign.objects.current(), tier=Tier.CITY, actor=city_staff,
                                    workbook_file=upload, base_url=BASE)
    assert [error.message for error in report.errors] == [message]


def test_more_rows_than_allowed_are_refused(city_staff, monkeypatch):
    from review.experts import accounts

    monkeypatch.setattr(accounts, "MAX_SHEET_ROWS", 3)
    report = import_expert_accounts(campaign=Campaign.objects.current(), tier=Tier.CITY, actor=city_staff,
                                    workbook_file=sheet(five_rows()), base_url=BASE)
    assert [(e.row, e.message) for e in report.errors] == [(5, "行数过多：每个文件最多 3 位专家，请拆分表格。")]
    assert not get_user_model().objects.filter(username__startswith="139000").exists()


def test_the_page_lists_the_sheets_errors_by_row(client, city_staff):
    client.force_login(city_staff)
    rows = [["坏号码", "12345", "b@example.com", "", "", ""]]
    page = client.post(reverse("review:expert_board", args=["city"]), {"action": "import_sheet", "sheet-workbook": sheet(rows)}).content.decode()
    assert "未创建任何账号。请修改以下各行后重新上传：" in page
    assert "第 2 行 · 手机号码：请输入11位中国大陆手机号，例如 13812345678。" in page
    template = client.get(reverse("review:expert_sheet", args=["city"]))
    assert [c.value for c in next(openpyxl.load_workbook(io.BytesIO(template.content)).active.iter_rows(max_row=1))] == COLUMNS

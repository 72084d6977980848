"""Enterprise self-registration: the SMS-verified application, the credit code's checksum, no
duplicate enterprise or waiting application, the association's decision (only its own), the
applicant's view of what is happening, resubmission and invitation links."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts import codes
from accounts.models import AccountProfile, EnterpriseRegistration, RegistrationInvite, RegistrationStatus
from accounts.services import AccountRefused, approve_registration, create_invite, reject_registration, register_enterprise, send_registration_code
from cases.enums import AuditAction, EnterpriseType, OrganisationKind, Role
from cases.models import AuditEvent, Enterprise, Membership
from portal.ratelimit import Rate
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Qiye-password-2024"
PHONE = "13712345678"


@pytest.fixture
def world():
    county = factories.county(factories.city("太原市"), name="小店区科学技术协会")
    park = factories.park(county, name="示范园区科协")
    other_park = factories.park(county, name="另一园区科协")
    staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=park, username="yuanqu")
    staff.email = "yuanqu@example.com"
    staff.save()
    other_staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=other_park, username="lingyige")
    return {"park": park, "other_park": other_park, "staff": staff, "other_staff": other_staff}


def code_sent(sms) -> str:
    return re.search(r"\d{6}", sms[-1][1]).group()


def application(association, code, **changes):
    data = {
        "credit_code": factories.credit_code(), "enterprise_name": "山西新注册科技有限公司", "enterprise_type": EnterpriseType.HIGH_TECH,
        "association": association.pk, "contact_name": "王经理", "phone": PHONE, "code": code, "email": "wang@example.com",
        "username": "xinqiye", "password1": PASSWORD, "password2": PASSWORD,
    }
    data.update(changes)
    return data


def apply(client, world, sms, committed, **changes):
    client.post(reverse("accounts:register"), {"phone": changes.get("phone", PHONE), "send_code": "1"})
    data = application(world["park"], code_sent(sms), **changes)
    with committed():
        return client.post(reverse("accounts:register"), data, follow=True), data


def register(association, sms, **changes):
    phone = send_registration_code(phone=changes.pop("phone", PHONE))
    values = {"username": "xinqiye", "password": PASSWORD, "credit_code": factories.credit_code(),
              "enterprise_name": "山西新注册科技有限公司", "enterprise_type": EnterpriseType.HIGH_TECH, "contact_name": "王经理",
              "phone": phone, "email": "wang@example.com", "association": association, "code": code_sent(sms)}
    values.update(changes)
    return register_enterprise(**values)


# --- the application -------------------------------------------------------------------------------

def test_an_enterprise_applies_with_a_verified_phone_and_sees_its_application_waiting(client, world, sms, committed):
    answer, data = apply(client, world, sms, committed)

    assert answer.redirect_chain == [(reverse("accounts:registration_status"), 302)]
    page = answer.content.decode()
    assert "待所属科协审核" in page and "示范园区科协 正在审核您的申请。" in page
    registration = EnterpriseRegistration.objects.get()
    assert (registration.status, registration.association, registration.credit_code, registration.phone, registration.enterprise) == (
        RegistrationStatus.PENDING, world["park"], data["credit_code"], PHONE, None)
    user = registration.user
    assert (user.username, user.first_name, user.email, user.account_profile.phone) == ("xinqiye", "王经理", "wang@example.com", PHONE)
    assert user.check_password(PASSWORD)
    assert not Membership.objects.filter(user=user).exists()  # no role before approval
    assert sms[0][1].startswith("创新案例征集平台注册验证码：")
    # The association's staff are told by mail; the audit log has the application.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["yuanqu@example.com"], "【创新案例征集平台】山西新注册科技有限公司 申请注册到 示范园区科协")]
    assert AuditEvent.objects.get(action=AuditAction.REGISTRATION_SUBMITTED).actor == user
    # Signed in, the workbench says the same.
    home = client.get(reverse("home")).content.decode()
    assert "您的注册申请: 待所属科协审核" in home


def test_sending_the_code_keeps_what_was_typed_and_masks_the_number(client, world, sms):
    answer = client.post(reverse("accounts:register"), {"phone": "+86 137-1234-5678", "send_code": "1",
                                                         "enterprise_name": "山西新注册科技有限公司", "association": world["park"].pk}, follow=True)
    page = answer.content.decode()
    assert "验证码已通过短信发送至 137****5678，请在下方填写。" in page
    assert 'value="山西新注册科技有限公司"' in page
    assert f'<option value="{world["park"].pk}" selected>' in page
    assert [phone for phone, _text in sms] == [PHONE]


@pytest.mark.parametrize(("credit_code", "message"), [
    ("91140100MA0K0000", "统一社会信用代码应为18位，当前为 16 位。"),
    ("91140100MA0K00001X", "统一社会信用代码的校验位（最后一位）不正确，请对照营业执照核对。"),
])
def test_a_wrong_credit_code_is_refused_beside_the_field(client, world, sms, committed, credit_code, message):
    answer, _data = apply(client, world, sms, committed, credit_code=credit_code)
    assert message in answer.content.decode()
    assert not EnterpriseRegistration.objects.exists()


def test_a_wrong_sms_code_is_refused_and_nothing_is_created(client, world, sms, committed):
    client.post(reverse("accounts:register"), {"phone": PHONE, "send_code": "1"})
    wrong = "000000" if code_sent(sms) != "000000" else "111111"
    with committed():
        answer = client.post(reverse("accounts:register"), application(world["park"], wrong), follow=True)
    assert "短信验证码错误或已过期：请点击“发送验证码”，填写新的验证码。" in answer.content.decode()
    assert not EnterpriseRegistration.objects.exists()
    assert not AccountProfile.objects.exists()


def test_a_number_that_already_has_an_account_is_refused(world, sms, monkeypatch):
    register(world["park"], sms)
    monkeypatch.setattr(codes, "COOLDOWN", Rate(10, 60))  # a second code for the number at once
    with pytest.raises(AccountRefused, match="该手机号已注册账号。请直接登录，或使用“忘记密码”。"):
        register(world["park"], sms, username="zweiter", credit_code=factories.credit_code())


def test_a_second_application_for_a_waiting_credit_code_is_refused(world, sms):
    first = register(world["park"], sms)
    with pytest.raises(AccountRefused) as refused:
        register(world["other_park"], sms, phone="13912345678", username="zweiter", credit_code=first.credit_code)
    assert str(refused.value) == (f"统一社会信用代码 {first.credit_code} 的注册申请正在等待 示范园区科协 审核。"
                                  "请等待审核结果，或联系提交申请的同事。")
    assert EnterpriseRegistration.objects.count() == 1


def test_an_enterprise_of_the_directory_is_matched_by_credit_code_not_duplicated(world, sms):
    known = factories.enterprise(world["other_park"], name="名录中的企业有限公司")
    # It picked the wrong association: the application goes to the enterprise's own.
    registration = register(world["park"], sms, credit_code=known.credit_code.lower())

    assert (registration.enterprise, registration.association) == (known, world["other_park"])
    approve_registration(registration=registration, actor=world["other_staff"])

    assert Enterprise.objects.filter(credit_code=known.credit_code).count() == 1
    assert Membership.objects.get(user=registration.user).enterprise == known


# --- the association's decision -----------------------------------------------------------------------

def test_the_association_approves_and_the_enterprise_can_submit(client, world, sms, committed):
    registration = register(world["park"], sms)
    client.force_login(world["staff"])
    listing = client.get(reverse("accounts:registration_list")).content.decode()
    assert "山西新注册科技有限公司" in listing and registration.credit_code in listing

    with committed():
        answer = client.post(reverse("accounts:registration_approve", args=[registration.pk]), follow=True)

    assert "已通过：山西新注册科技有限公司 现在可以登录并提交案例。" in answer.content.decode()
    registration.refresh_from_db()
    enterprise = registration.enterprise
    assert (registration.status, registration.decided_by) == (RegistrationStatus.APPROVED, world["staff"])
    assert (enterprise.name, enterprise.credit_code, enterprise.association, enterprise.has_park_association,
            enterprise.enterprise_type) == ("山西新注册科技有限公司", registration.credit_code, world["park"], True, EnterpriseType.HIGH_TECH)
    assert list(Membership.objects.filter(user=registration.user).values_list("role", "enterprise")) == [(Role.ENTERPRISE_USER, enterprise.pk)]
    assert [(m.to, m.subject) for m in mail.outbox][-1] == (["wang@example.com"], "【创新案例征集平台】注册已通过：山西新注册科技有限公司")
    assert AuditEvent.objects.get(action=AuditAction.REGISTRATION_APPROVED).details == {
        "registration": registration.pk, "enterprise": enterprise.pk, "user": registration.user_id}
    client.force_login(registration.user)
    assert 'data-role="enterprise_user"' in client.get(reverse("home")).content.decode()


def test_another_association_neither_sees_nor_decides_the_application(client, world, sms):
    registration = register(world["park"], sms)
    client.force_login(world["other_staff"])

    assert "山西新注册科技有限公司" not in client.get(reverse("accounts:registration_list")).content.decode()
    assert client.post(reverse("accounts:registration_approve", args=[registration.pk])).status_code == 404
    assert client.post(reverse("accounts:registration_reject", args=[registration.pk]), {"reason": "不认识"}).status_code == 404
    with pytest.raises(AccountRefused, match="只有 示范园区科协 的工作人员可以审核该申请。"):
        approve_registration(registration=registration, actor=world["other_staff"])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    # Nobody without an association role reaches the page at all.
    client.force_login(registration.user)
    assert client.get(reverse("accounts:registration_list")).status_code == 404


def test_a_rejection_needs_a_reason_which_the_applicant_reads_and_can_answer(client, world, sms, committed):
    registration = register(world["park"], sms)
    with pytest.raises(AccountRefused, match="请填写不通过的原因"):
        reject_registration(registration=registration, actor=world["staff"], reason="  ")
    client.force_login(world["staff"])
    with committed():
        client.post(reverse("accounts:registration_reject", args=[registration.pk]), {"reason": "企业名称与营业执照不一致"})
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == (RegistrationStatus.REJECTED, "企业名称与营业执照不一致")
    last = mail.outbox[-1]
    assert (last.to, last.subject) == (["wang@example.com"], "【创新案例征集平台】注册未通过：山西新注册科技有限公司")
    assert "原因：企业名称与营业执照不一致" in last.body
    with pytest.raises(AccountRefused, match="该申请已审核（未通过）。"):
        approve_registration(registration=registration, actor=world["staff"])

    client.force_login(registration.user)
    status = client.get(reverse("accounts:registration_status")).content.decode()
    assert "示范园区科协 未通过该申请。原因：" in status and "企业名称与营业执照不一致" in status
    answer = client.post(reverse("accounts:registration_status"), {
        "credit_code": registration.credit_code, "enterprise_name": "山西新注册科技股份有限公司",
        "enterprise_type": EnterpriseType.HIGH_TECH, "association": world["park"].pk}, follow=True)
    assert "修改后的申请已提交，请等待所属科协审核。" in answer.content.decode()
    again = EnterpriseRegistration.objects.filter(user=registration.user).first()
    assert (again.pk != registration.pk, again.status, again.enterprise_name) == (True, RegistrationStatus.PENDING, "山西新注册科技股份有限公司")


# --- invitation links ------------------------------------------------------------------------------

def test_an_invitation_link_registers_with_the_inviting_association(client, world, sms, committed):
    client.force_login(world["staff"])
    client.post(reverse("accounts:invite_create"), {"association": world["park"].pk})
    invite = RegistrationInvite.objects.get()
    assert invite.association == world["park"]
    assert invite.token in client.get(reverse("accounts:registration_list")).content.decode()
    client.logout()

    page = client.get(reverse("accounts:register_invited", args=[invite.token])).content.decode()
    assert "您受 示范园区科协 邀请注册，申请将提交给该科协审核。" in page
    client.post(reverse("accounts:register_invited", args=[invite.token]), {"phone": PHONE, "send_code": "1"})
    data = application(world["other_park"], code_sent(sms))  # a posted association is ignored
    with committed():
        client.post(reverse("accounts:register_invited", args=[invite.token]), data)

    registration = EnterpriseRegistration.objects.get()
    assert (registration.association, registration.invite) == (world["park"], invite)


def test_staff_invite_only_to_their_own_association_and_an_unknown_link_is_refused(client, world):
    client.force_login(world["other_staff"])
    assert client.post(reverse("accounts:invite_create"), {"association": world["park"].pk}).status_code == 404
    with pytest.raises(AccountRefused, match="只有 示范园区科协 的工作人员可以邀请企业注册。"):
        create_invite(association=world["park"], actor=world["other_staff"])
    assert not RegistrationInvite.objects.exists()
    client.logout()
    answer = client.get(reverse("accounts:register_invited", args=["no-such-token"]))
    assert answer.status_code == 404
    assert "该邀请链接无效或已过期" in answer.content.decode()


def test_the_picker_lists_associations_under_their_city_and_county(client, world):
    enterprise_association = factories.organisation(OrganisationKind.ENTERPRISE_ASSOCIATION, world["park"].parent, name="某集团企业科协")
    page = client.get(reverse("accounts:register")).content.decode()
    group = re.search(r'<optgroup label="太原市 · [^"]*" data-city="\d+" data-county="%d">(.*?)</optgroup>' % world["park"].parent_id, page, re.S).group(1)
    assert re.findall(r">([^<]+)</option>", group) == ["示范园区科协", "另一园区科协", "某集团企业科协"]
    assert enterprise_association.pk

"""Password reset by mail (Django's token views) and by SMS: the same answer whether or not the
account exists, limits per address, per typed identifier and per account, the audit log, and the
staff's admin action."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import AccountProfile
from cases.enums import AuditAction, Role
from cases.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Neues-Passwort-2025x"
SAME_ANSWER = "如果有账号登记了该邮箱，我们已向其发送设置新密码的链接。"
SMS_ANSWER = "如果该用户名或手机号对应的账号登记了手机号，验证码已通过短信发送到该手机。"
WRONG_CODE = "验证码错误或已过期。"


def account(username="zhangsan", email="zhang@example.com", phone="13812345678", **fields):
    user = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise(), username=username)
    user.email = email
    user.save()
    if phone:
        AccountProfile.objects.create(user=user, phone=phone)
    return user


@pytest.fixture
def reset_by_mail(client, committed):
    def post(client_, email, address="10.0.0.1"):
        with committed():
            return client_.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True)
    return post


def page_text(response) -> str:
    """The page without its per-response CSRF token: what differs between two answers otherwise."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def link_in(message) -> str:
    return re.search(r"http://testserver(/password/reset/\S+/\S+/)", message.body).group(1)


# --- by mail ---------------------------------------------------------------------------------------

def test_a_reset_mail_in_chinese_lets_the_owner_choose_a_new_password(client, reset_by_mail):
    user = account()

    answer = reset_by_mail(client, "ZHANG@example.com")

    assert answer.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert SAME_ANSWER in answer.content.decode()
    [message] = mail.outbox
    assert (message.to, message.subject) == (["zhang@example.com"], "【创新案例征集平台】重置密码")
    assert message.body.startswith("测试用户，您好：\n\n有人（希望是您本人）申请重置创新案例征集平台账号 zhangsan 的密码。")
    page = client.get(link_in(message), follow=True)
    assert "设置新密码" in page.content.decode()
    done = client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "新密码已保存，请用新密码登录。" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Every step is in the audit log: the request and the reset itself.
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor", "details")) == [
        (AuditAction.PASSWORD_RESET_REQUESTED, None, {"user": user.pk, "channel": "mail", "by_staff": False}),
        (AuditAction.PASSWORD_RESET, user.pk, {"user": user.pk, "channel": "mail"}),
    ]
    # The link works once.
    again = client.get(link_in(message), follow=True)
    assert "该链接已失效" in again.content.decode()


def test_an_unknown_address_gets_the_very_same_answer_and_no_mail(client, reset_by_mail):
    account()

    known = reset_by_mail(client, "zhang@example.com", address="10.0.0.1")
    unknown = reset_by_mail(client, "nobody@example.com", address="10.0.0.2")

    assert unknown.status_code == known.status_code == 200
    assert unknown.redirect_chain == known.redirect_chain
    assert page_text(unknown) == page_text(known)
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_REQUESTED).count() == 1


def test_an_expert_who_never_set_a_password_can_still_ask_for_the_link(client, reset_by_mail):
    user = account()
    user.set_unusable_password()
    user.save()

    reset_by_mail(client, "zhang@example.com")

    assert [m.to for m in mail.outbox] == [["zhang@example.com"]]


def test_one_typed_address_is_limited_whether_or_not_an_account_has_it(client, reset_by_mail):
    account()
    for email in ("zhang@example.com", "nobody@example.com"):
        answers = [reset_by_mail(client, email, address=f"10.0.1.{n}").status_code for n in range(6)]
        assert answers == [200, 200, 200, 200, 200, 429]


def test_the_reset_page_is_limited_per_client_address(client, settings, reset_by_mail):
    settings.RATE_LIMITS = {"password_reset": ("3/3600", "ip", ("POST",))}
    answers = [reset_by_mail(client, f"a{n}@example.com").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]
    assert reset_by_mail(client, "b@example.com", address="10.9.9.9").status_code == 200


def test_one_account_gets_at_most_five_links_an_hour_through_any_address(client, reset_by_mail):
    account(email="zhang@example.com")
    other = account(username="lisi", email="ZHANG@EXAMPLE.COM", phone="13912345678")  # same inbox, other spelling

    for n in range(4):
        reset_by_mail(client, "zhang@example.com", address=f"10.1.0.{n}")
        reset_by_mail(client, "Zhang@Example.com", address=f"10.2.0.{n}")

    # Two accounts share the inbox: each got five links, then nothing more, with the same answer.
    assert len(mail.outbox) == 10
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_REQUESTED, details__user=other.pk).count() == 5


# --- by SMS ----------------------------------------------------------------------------------------

def ask_code(client, identifier, address="10.0.0.1"):
    return client.post(reverse("accounts:password_reset_sms"), {"identifier": identifier}, REMOTE_ADDR=address, follow=True)


def confirm(client, code, password=NEW_PASSWORD):
    return client.post(reverse("accounts:password_reset_sms_confirm"),
                       {"code": code, "new_password1": password, "new_password2": password}, follow=True)


@pytest.mark.parametrize("identifier", ["zhangsan", "13812345678"])
def test_a_code_by_sms_resets_the_password_by_user_name_or_by_number(client, sms, identifier):
    user = account()

    answer = ask_code(client, identifier)

    assert answer.redirect_chain == [(reverse("accounts:password_reset_sms_confirm"), 302)]
    assert SMS_ANSWER in answer.content.decode()
    [(phone, text)] = sms
    assert phone == "13812345678"
    assert text.startswith("创新案例征集平台重置密码验证码：")
    code = re.search(r"\d{6}", text).group()
    done = confirm(client, code)
    assert done.redirect_chain == [(reverse("login"), 302)]
    assert "密码已修改，请用新密码登录。" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert list(AuditEvent.objects.order_by("id").values_list("action", "details__channel")) == [
        (AuditAction.PASSWORD_RESET_REQUESTED, "sms"), (AuditAction.PASSWORD_RESET, "sms")]
    # The code is spent: the same code again is refused.
    ask_again = client.post(reverse("accounts:password_reset_sms"), {"identifier": identifier}, follow=True)
    assert WRONG_CODE in confirm(client, code, password="Another-password-2025").content.decode()
    assert ask_again.status_code == 200


def test_an_unknown_account_gets_the_same_answers_and_no_sms(client, sms):
    account()
    known = ask_code(client, "zhangsan", address="10.0.0.1")
    known_confirm = confirm(client, "000000")
    client.logout()
    client.cookies.clear()

    unknown = ask_code(client, "nobody", address="10.0.0.2")
    unknown_confirm = confirm(client, "000000")

    assert page_text(unknown) == page_text(known)
    assert unknown.redirect_chain == known.redirect_chain
    assert WRONG_CODE in page_text(unknown_confirm)
    assert page_text(unknown_confirm) == page_text(known_confirm)
    assert len(sms) == 1


def test_an_account_without_a_phone_gets_the_same_answer_and_no_sms(client, sms):
    account(username="nophone", phone="")
    answer = ask_code(client, "nophone")
    assert SMS_ANSWER in answer.content.decode()
    assert sms == []


def test_wrong_codes_lock_the_number_and_the_right_code_then_fails_too(client, sms):
    user = account()
    ask_code(client, "zhangsan")
    code = re.search(r"\d{6}", sms[-1][1]).group()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert WRONG_CODE in confirm(client, wrong).content.decode()

    locked = confirm(client, code)

    assert WRONG_CODE in locked.content.decode()
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_codes_for_one_account_are_limited_per_account_and_per_typed_name(client, sms):
    account()
    # The per-minute cooldown of one number: a second code right away is not sent, same answer.
    first, second = ask_code(client, "zhangsan", "10.0.0.1"), ask_code(client, "13812345678", "10.0.0.2")
    assert SMS_ANSWER in second.content.decode() and page_text(first) == page_text(second)
    assert len(sms) == 1
    # One typed name: five tries an hour from anywhere.
    answers = [ask_code(client, "someone", f"10.3.0.{n}").status_code for n in range(6)]
    assert answers == [200, 200, 200, 200, 200, 429]


def test_the_confirm_page_without_a_request_goes_back_to_step_one(client):
    answer = client.get(reverse("accounts:password_reset_sms_confirm"))
    assert (answer.status_code, answer["Location"]) == (302, reverse("accounts:password_reset_sms"))


# --- staff send a link from the admin --------------------------------------------------------------

def test_staff_mail_a_reset_link_from_the_admin_and_it_is_audited(client, committed):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="sheng")
    user = account()
    nomail = account(username="nomail", email="", phone="13912345678")
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "Boss-password-2024")
    client.force_login(staff)

    with committed():
        answer = client.post(reverse("admin:auth_user_changelist"), {
            "action": "send_password_reset_links", "_selected_action": [user.pk, nomail.pk, boss.pk]}, follow=True)

    page = answer.content.decode()
    assert "已向 1 个账号发送重置密码链接。" in page
    assert "测试用户 没有电子邮箱（或账号已停用）：请先为该账号填写电子邮箱。" in page
    # A superuser's account is not even listed for provincial staff: the action never reaches it.
    assert [m.to for m in mail.outbox] == [["zhang@example.com"]]
    assert link_in(mail.outbox[0]).startswith("/password/reset/")
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET_REQUESTED)
    assert (event.actor, event.details) == (staff, {"user": user.pk, "channel": "mail", "by_staff": True})


def test_provincial_staff_edit_an_accounts_phone_in_the_admin(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="sheng")
    user = account()
    client.force_login(staff)
    page = client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert 'name="account_profile-0-phone"' in page and 'value="13812345678"' in page

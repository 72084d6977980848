"""The outbox: every mail is a row, sent after commit by the mail.send task through a real SMTP
server, retried with backoff while the server is down, failed after the last try, never lost."""

import datetime

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction

from mail.delivery import due_mail_ids
from mail.enums import KEY_HEADER, KIND_HEADER, MailState
from mail.models import OutboxMail
from mail.services import MailRefused, resend_failed, resend_mail, send_templated
from mail.tasks import send_due_mail, send_outbox_mail
from tests import factories

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
T0 = datetime.datetime(2024, 9, 1, 10, 0, tzinfo=BEIJING)


def at(monkeypatch, minutes: float) -> datetime.datetime:
    return factories.freeze_now(monkeypatch, T0 + datetime.timedelta(minutes=minutes))


def test_send_mail_writes_a_row_per_recipient_and_sends_after_commit(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            send_mail("审核通知", "请登录平台。", None, ["a@example.com", "b@example.com"])
            rows = list(OutboxMail.objects.order_by("to").values_list("to", "kind", "state", "subject", "body"))
    assert rows == [("a@example.com", "other", "queued", "审核通知", "请登录平台。"),
                    ("b@example.com", "other", "queued", "审核通知", "请登录平台。")]
    assert smtp_server.messages == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted((m["to"][0], m["subject"]) for m in smtp_server.messages) == [
        ("a@example.com", "审核通知"), ("b@example.com", "审核通知")]
    assert list(OutboxMail.objects.order_by().values_list("state", "attempts", "last_error").distinct()) == [("sent", 1, "")]


def test_a_rolled_back_transaction_writes_and_sends_nothing(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            send_mail("不会发出", "正文", None, ["a@example.com"])
            raise RuntimeError("the caller's transaction fails")
    assert (OutboxMail.objects.count(), callbacks, smtp_server.messages) == (0, [], [])


def test_html_alternative_attachment_reply_to_and_kind_header_are_kept(outbox_backend, django_capture_on_commit_callbacks, mailoutbox):
    message = EmailMultiAlternatives("主题", "纯文本", "portal@example.com", ["a@example.com"], reply_to=["reply@example.com"],
                                     headers={KIND_HEADER: "case_returned", "X-Extra": "1"})
    message.attach_alternative("<p>网页</p>", "text/html")
    message.attach("名单.txt", "甲\n乙", "text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        message.send()
    row = OutboxMail.objects.get()
    assert (row.kind, row.from_email, row.headers) == ("case_returned", "portal@example.com", {"X-Extra": "1", "Reply-To": "reply@example.com"})
    sent = mailoutbox[0]
    assert (sent.to, sent.subject, sent.body, sent.from_email) == (["a@example.com"], "主题", "纯文本", "portal@example.com")
    assert sent.alternatives[0].content == "<p>网页</p>"
    assert sent.attachments[0].filename == "名单.txt" and sent.attachments[0].content == "甲\n乙"
    assert KIND_HEADER not in sent.extra_headers and sent.extra_headers["Reply-To"] == "reply@example.com"


def test_the_same_key_is_written_once(outbox_backend, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        first = send_templated(kind="case_returned", to=["a@example.com"], values={"case_title": "甲", "reason": "缺照片"}, key="transition:7")
        again = send_templated(kind="case_returned", to=["A@example.com", "b@example.com"],
                               values={"case_title": "甲", "reason": "缺照片"}, key="transition:7")
    assert (first, again) == (1, 2)
    assert sorted(OutboxMail.objects.values_list("to", flat=True)) == ["a@example.com", "b@example.com"]
    assert sorted(message.to[0] for message in mailoutbox) == ["a@example.com", "b@example.com"]


def test_nothing_is_lost_while_the_mail_server_is_down(smtp_server, monkeypatch, django_capture_on_commit_callbacks):
    at(monkeypatch, 0)
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("第一封", "服务器在线时发出。", None, ["a@example.com"])
    assert [m["subject"] for m in smtp_server.messages] == ["第一封"]

    smtp_server.stop()  # the mail server goes down mid-run
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("第二封", "服务器停机时写入。", None, ["b@example.com", "c@example.com"])
    waiting = list(OutboxMail.objects.filter(state=MailState.QUEUED).order_by("to"))
    assert [(m.to, m.attempts) for m in waiting] == [("b@example.com", 1), ("c@example.com", 1)]
    assert all(m.next_attempt_at == T0 + datetime.timedelta(seconds=60) for m in waiting)
    assert all(m.last_error.startswith(f"无法连接邮件服务器（127.0.0.1:{smtp_server.port}），平台会自动重试。") for m in waiting)

    # The scheduled retry a minute later fails again: the next waits twice as long.
    at(monkeypatch, 1)
    assert [send_outbox_mail(m.pk) for m in waiting] == ["retry", "retry"]
    assert set(OutboxMail.objects.filter(state=MailState.QUEUED).values_list("attempts", "next_attempt_at")) == {
        (2, T0 + datetime.timedelta(minutes=1, seconds=120))}
    # A message arriving early (a duplicate) leaves the row alone.
    assert send_outbox_mail(waiting[0].pk) == "skipped"

    smtp_server.start()
    # The retry messages were lost (say the broker restarted): the periodic job finds the rows.
    at(monkeypatch, 10)
    assert send_due_mail() == 2
    assert sorted(m["subject"] + m["to"][0] for m in smtp_server.messages) == [
        "第一封a@example.com", "第二封b@example.com", "第二封c@example.com"]
    assert list(OutboxMail.objects.order_by("to").values_list("to", "state", "attempts")) == [
        ("a@example.com", "sent", 1), ("b@example.com", "sent", 3), ("c@example.com", "sent", 3)]


def test_a_mail_that_keeps_failing_is_marked_failed_after_the_last_try(smtp_server, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.MAIL_MAX_ATTEMPTS = 3
    smtp_server.stop()
    at(monkeypatch, 0)
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("发不出去", "正文", None, ["a@example.com"])
    mail = OutboxMail.objects.get()
    delays = []
    for minute in (1, 3):
        mail.refresh_from_db()
        delays.append((mail.next_attempt_at - T0).total_seconds() / 60)
        at(monkeypatch, minute)
        send_outbox_mail(mail.pk)
    mail.refresh_from_db()
    assert delays == [1, 3]  # 60 s after the first try, then 120 s after the second
    assert (mail.state, mail.attempts, mail.next_attempt_at) == (MailState.FAILED, 3, None)
    assert due_mail_ids() == []  # a failed mail waits for a person, not for the job


def test_a_refused_address_fails_at_once_and_the_others_are_sent(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.handler.refused.add("nobody@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("通知", "正文", None, ["nobody@example.com", "ok@example.com"])
    refused = OutboxMail.objects.get(to="nobody@example.com")
    assert (refused.state, refused.attempts) == (MailState.FAILED, 1)
    assert refused.last_error.startswith("邮件服务器拒收此收件地址：请核对该地址（及对应账号），改正后重发。")
    assert OutboxMail.objects.get(to="ok@example.com").state == MailState.SENT
    assert [m["to"] for m in smtp_server.messages] == [["ok@example.com"]]


def test_resending_a_failed_mail_sends_it_and_records_who(smtp_server, monkeypatch, django_capture_on_commit_callbacks):
    staff = factories.user("province_staff", organisation_=factories.province())
    smtp_server.handler.refused.add("typo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        send_templated(kind="case_returned", to=["typo@example.com"], values={"case_title": "甲案例", "reason": "缺照片"})
    mail = OutboxMail.objects.get()
    assert mail.state == MailState.FAILED
    smtp_server.handler.refused.clear()  # the address was fixed on the server side
    moment = at(monkeypatch, 5)
    with django_capture_on_commit_callbacks(execute=True):
        resend_mail(mail=mail, actor=staff)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.resent_by, mail.resent_at, mail.last_error) == (MailState.SENT, 1, staff, moment, "")
    assert [m["subject"] for m in smtp_server.messages] == ["【创新案例征集平台】已退回修改：甲案例"]
    # A mail already waiting is not queued twice.
    OutboxMail.objects.filter(pk=mail.pk).update(state=MailState.QUEUED)
    with pytest.raises(MailRefused, match="这封邮件已在等待发送，无需重发。"):
        resend_mail(mail=mail, actor=staff)


def test_resend_failed_queues_every_failed_mail(outbox_backend, django_capture_on_commit_callbacks, mailoutbox):
    staff = factories.user("province_staff", organisation_=factories.province())
    for address in ("a@example.com", "b@example.com"):
        OutboxMail.objects.create(kind="other", to=address, from_email="p@example.com", subject="积压", body="正文",
                                  state=MailState.FAILED, attempts=8, last_error="无法连接")
    OutboxMail.objects.create(kind="other", to="c@example.com", from_email="p@example.com", subject="已发", body="",
                              state=MailState.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_failed(actor=staff) == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]
    assert OutboxMail.objects.filter(state=MailState.SENT).count() == 3


def test_a_private_mail_is_erased_once_sent_and_cannot_be_resent(outbox_backend, django_capture_on_commit_callbacks, mailoutbox):
    """A plain send_mail (e.g. Django's password reset) may carry a secret link: kind "other" is private."""
    staff = factories.user("province_staff", organisation_=factories.province())
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("重置密码", "https://portal.example/reset/MQ/secret-token/", None, ["a@example.com"])
    mail = OutboxMail.objects.get()
    assert mailoutbox[0].body == "https://portal.example/reset/MQ/secret-token/"
    assert (mail.state, mail.body, mail.body_erased) == (MailState.SENT, "", True)
    with pytest.raises(MailRefused, match="发送后内容已清除，无法重发"):
        resend_mail(mail=mail, actor=staff)


def test_a_row_claimed_by_a_worker_that_died_goes_back_to_the_queue(outbox_backend, monkeypatch, mailoutbox):
    at(monkeypatch, 0)
    mail = OutboxMail.objects.create(kind="other", to="a@example.com", from_email="p@example.com", subject="卡住", body="正文",
                                     state=MailState.SENDING, claimed_at=T0)
    at(monkeypatch, 5)
    assert due_mail_ids() == []  # still within MAIL_CLAIM_TIMEOUT: perhaps still sending
    at(monkeypatch, 11)
    assert send_due_mail() == 1
    mail.refresh_from_db()
    assert (mail.state, [m.subject for m in mailoutbox]) == (MailState.SENT, ["卡住"])


def test_the_key_headers_never_reach_the_recipient(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_templated(kind="case_returned", to=["a@example.com"], values={"case_title": "甲", "reason": "缺照片"}, key="k:1")
    message = smtp_server.messages[0]["message"]
    assert message[KIND_HEADER] is None and message[KEY_HEADER] is None
    assert smtp_server.messages[0]["body"] == "您的案例“甲”已被退回修改。原因：缺照片 请登录平台修改后重新提交。\n"

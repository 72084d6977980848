"""A real Celery worker sends what the outbox backend wrote (the worker delivers to its console)."""

import time

import pytest
from django.core.mail import send_mail

from mail.enums import MailState
from mail.models import OutboxMail


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_mail_written_by_send_mail(celery_worker_process, outbox_backend):
    send_mail("工作者测试", "由真实的 Celery worker 发送。", None, ["worker@example.com"])
    mail = OutboxMail.objects.get()
    deadline = time.monotonic() + 60
    while mail.state != MailState.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
        mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.last_error) == (MailState.SENT, 1, "")

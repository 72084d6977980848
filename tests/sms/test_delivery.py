"""Queueing, sending, retrying and recording text messages, against the local Aliyun API."""

import datetime
import logging
import threading

import pytest
from django.db import connection
from django.utils import timezone

from portal.celery import app as celery_app
from sms.delivery import attempt_delivery, stalled_message_ids
from sms.enums import SmsFailure, SmsKind, SmsState
from sms.models import SmsDailyUsage, SmsMessage
from sms.services import SmsRefused, queue_sms
from sms.tasks import requeue_stalled_sms

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
TEXT = "您的验证码为%(code)s，10分钟内有效。"


def queue(phone=PHONE, code="519302", kind=SmsKind.VOTE_CODE):
    return queue_sms(phone=phone, kind=kind, text=TEXT, params={"code": code})


def test_a_queued_code_is_sent_through_the_provider_and_erased_from_the_record(aliyun, caplog):
    caplog.set_level(logging.INFO, logger="sms")

    message = queue()

    message.refresh_from_db()
    assert aliyun.received == [{"phone": PHONE, "sign": "创新案例平台", "template": "SMS_000001",
                                "params": {"code": "519302"}}]
    assert (message.state, message.attempts, message.params, message.provider_message_id, message.failure) == (
        SmsState.SENT, 1, {}, "000001^0", "")
    assert message.gateway == "sms.gateways.aliyun.AliyunGateway" and message.sent_at is not None
    assert "138****5678" in caplog.text and "519302" not in caplog.text and PHONE not in caplog.text


def test_a_provider_that_is_down_leaves_the_message_waiting_for_a_retry_with_backoff(aliyun, settings, caplog):
    aliyun.stop()

    message = queue()

    message.refresh_from_db()
    assert (message.state, message.attempts, message.failure) == (SmsState.RETRYING, 1, SmsFailure.UNAVAILABLE)
    assert message.params == {"code": "519302"}  # kept: it still has to go
    assert message.next_attempt_at - message.claimed_at == datetime.timedelta(seconds=settings.SMS_RETRY_BASE_SECONDS)
    assert "138****5678" in caplog.text and "519302" not in caplog.text

    later = message.next_attempt_at
    aliyun.stop()
    assert attempt_delivery(message_id=message.pk, now=later).state == SmsState.RETRYING
    message.refresh_from_db()
    assert message.next_attempt_at - later == datetime.timedelta(seconds=2 * settings.SMS_RETRY_BASE_SECONDS)

    aliyun.start()
    sent = attempt_delivery(message_id=message.pk, now=message.next_attempt_at)
    assert (sent.state, sent.attempts, sent.params) == (SmsState.SENT, 3, {})
    assert aliyun.codes() == ["519302"]


def test_a_retry_not_due_yet_or_of_a_sent_message_sends_nothing(aliyun):
    message = queue()
    assert attempt_delivery(message_id=message.pk) is None  # sent already: a duplicate task is harmless
    aliyun.stop()
    waiting = queue(phone="13900001111")
    assert attempt_delivery(message_id=waiting.pk) is None  # its next attempt is seconds away
    assert len(aliyun.received) == 1


@pytest.mark.parametrize(("answer", "failure", "wording"), [
    ("isv.AMOUNT_NOT_ENOUGH", SmsFailure.BALANCE, "充值"),
    ("isv.BUSINESS_LIMIT_CONTROL", SmsFailure.RATE_LIMITED, "频"),
    ("isv.MOBILE_NUMBER_ILLEGAL", SmsFailure.INVALID_NUMBER, "手机号"),
    ("isv.SMS_TEMPLATE_ILLEGAL", SmsFailure.TEMPLATE, "模板"),
])
def test_a_refusal_of_the_provider_fails_at_once_and_is_recorded_for_the_province(aliyun, answer, failure, wording):
    aliyun.script.append(answer)

    message = queue()

    message.refresh_from_db()
    assert (message.state, message.attempts, message.failure, message.params) == (SmsState.FAILED, 1, failure, {})
    assert message.last_error.startswith(f"{answer}: ")
    assert wording in message.get_failure_display()


def test_the_attempts_are_bounded(aliyun, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    aliyun.stop()
    message = queue()
    message.refresh_from_db()

    failed = attempt_delivery(message_id=message.pk, now=message.next_attempt_at)

    assert (failed.state, failed.attempts, failed.failure, failed.params) == (SmsState.FAILED, 2, SmsFailure.UNAVAILABLE, {})


def test_no_retry_is_planned_past_the_codes_validity(aliyun, settings):
    settings.SMS_RETRY_BASE_SECONDS = settings.SMS_RETRY_MAX_DELAY = 700  # after the code's 10 minutes
    aliyun.stop()
    message = queue()
    message.refresh_from_db()
    assert (message.state, message.params) == (SmsState.FAILED, {})


def test_the_sweep_queues_lost_messages_again_and_expires_stale_ones(aliyun):
    # The broker was down: the rows exist, their tasks do not.
    now = timezone.now()
    lost = SmsMessage.objects.create(kind=SmsKind.VOTE_CODE, phone=PHONE, text=TEXT, params={"code": "111111"},
                                     next_attempt_at=now - datetime.timedelta(minutes=2),
                                     expires_at=now + datetime.timedelta(minutes=8))
    stale = SmsMessage.objects.create(kind=SmsKind.VOTE_CODE, phone="13900002222", text=TEXT, params={"code": "222222"},
                                      state=SmsState.RETRYING, attempts=3, failure=SmsFailure.UNAVAILABLE,
                                      last_error="URLError: refused",
                                      next_attempt_at=now - datetime.timedelta(minutes=11),
                                      expires_at=now - datetime.timedelta(minutes=1))
    fresh = SmsMessage.objects.create(kind=SmsKind.VOTE_CODE, phone="13900003333", text=TEXT, params={"code": "333333"},
                                      next_attempt_at=now, expires_at=now + datetime.timedelta(minutes=10))

    assert stalled_message_ids(grace=datetime.timedelta(seconds=30)) == [lost.pk]
    stale.refresh_from_db()
    assert (stale.state, stale.params, stale.failure, stale.last_error) == (
        SmsState.EXPIRED, {}, SmsFailure.UNAVAILABLE, "URLError: refused")

    assert requeue_stalled_sms() == 1  # eager here: sent in-process
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.state == SmsState.SENT and fresh.state == SmsState.QUEUED and aliyun.codes() == ["111111"]


def test_an_attempt_abandoned_by_a_dead_worker_is_tried_again(aliyun):
    now = timezone.now()
    abandoned = SmsMessage.objects.create(kind=SmsKind.VOTE_CODE, phone=PHONE, text=TEXT, params={"code": "444444"},
                                          state=SmsState.SENDING, attempts=1, claimed_at=now - datetime.timedelta(minutes=2),
                                          next_attempt_at=now - datetime.timedelta(minutes=2),
                                          expires_at=now + datetime.timedelta(minutes=8))
    assert stalled_message_ids(grace=datetime.timedelta(seconds=0), now=now) == [abandoned.pk]


def test_the_daily_cap_per_number_refuses_in_chinese_and_counts_nothing(aliyun, settings):
    settings.SMS_DAILY_LIMIT_PER_PHONE = 2
    queue(code="000001")
    queue(code="000002", kind=SmsKind.PASSWORD_RESET)  # every kind counts

    with pytest.raises(SmsRefused) as refused:
        queue(code="000003")

    assert str(refused.value) == "今天发往该号码的短信已达上限（每天最多 2 条），请明天再试。"
    assert SmsMessage.objects.count() == 2 and aliyun.codes() == ["000001", "000002"]
    queue(phone="13900004444", code="000004")  # another number is not held back
    assert SmsDailyUsage.objects.get(scope="all").count == 3


def test_the_global_daily_budget_refuses_without_counting_against_the_number(aliyun, settings):
    settings.SMS_DAILY_BUDGET = 2
    queue(phone="13900000001")
    queue(phone="13900000002")

    with pytest.raises(SmsRefused) as refused:
        queue(phone="13900000003")

    assert "每日上限" in str(refused.value)
    assert SmsMessage.objects.count() == 2
    assert SmsDailyUsage.objects.exclude(scope="all").filter(count__gt=0).count() == 2  # the refused number: 0


@pytest.fixture
def queued_not_sent(settings):
    """Tasks go to the broker's SMS queue (no worker serves it here) instead of running in the
    requesting threads: Celery's eager runs flip a process-wide flag that concurrent threads would
    leave set. The queue is emptied afterwards."""
    celery_app.conf.task_always_eager = False
    yield
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(settings.CELERY_SMS_QUEUE)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_pass_the_budget_together(settings, queued_not_sent):
    settings.SMS_DAILY_BUDGET = 3
    start = threading.Barrier(8)
    outcomes = []

    def request(n):
        try:
            start.wait()
            queue(phone=f"1390000{n:04d}")
            outcomes.append("queued")
        except SmsRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["queued"] * 3 + ["refused"] * 5
    assert SmsMessage.objects.count() == 3 and SmsDailyUsage.objects.get(scope="all").count == 3


def test_a_provider_that_echoes_the_request_leaves_no_code_or_number_in_the_record_or_log(aliyun, settings, caplog):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"  # Aliyun answers with the string it signed

    message = queue()

    message.refresh_from_db()
    assert (message.state, message.failure) == (SmsState.FAILED, SmsFailure.CREDENTIALS)
    assert message.last_error.startswith("SignatureDoesNotMatch: Specified signature is not matched")
    assert "138****5678" in message.last_error and "***" in message.last_error
    for secret in ("519302", PHONE):
        assert secret not in message.last_error and secret not in caplog.text

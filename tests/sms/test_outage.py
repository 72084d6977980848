"""The provider goes away mid-run: a real Celery worker on the SMS queue keeps the messages,
records and logs the failures, and delivers every one, once, when the provider is back."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from portal.celery import app as celery_app
from sms.enums import SmsFailure, SmsKind, SmsState
from sms.models import SmsMessage
from review.voting.limits import ClientInfo
from review.voting.services import request_code
from sms.services import queue_sms
from tests.review import review_world as world
from tests.sms.fakes import FakeAliyun

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "test-artifacts" / "celery-sms-worker.log"


@pytest.fixture(scope="module")
def aliyun_and_sms_worker(django_db_setup, django_db_blocker):
    """The local Aliyun API, and a worker serving only the SMS queue with settings pointing at it
    (retries 1 s, then 2 s apart, so the test does not wait minutes)."""
    if celery_app.conf.broker_url.startswith("memory"):
        pytest.fail("REDIS_URL must be set for worker tests (make test sets it).")
    provider = FakeAliyun().start()
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
        SMS_GATEWAY="aliyun", SMS_ALIYUN_ACCESS_KEY_ID=provider.access_key_id,
        SMS_ALIYUN_ACCESS_KEY_SECRET=provider.access_key_secret, SMS_ALIYUN_ENDPOINT=provider.url,
        SMS_SIGN_NAME=provider.sign_name, SMS_TEMPLATE_CODE="SMS_000001", SMS_TIMEOUT="2",
        SMS_RETRY_BASE_SECONDS="1", SMS_RETRY_MAX_DELAY="2", SMS_MAX_ATTEMPTS="100", LOG_FORMAT="text",
    )
    queue = settings.CELERY_SMS_QUEUE
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)
    LOG.parent.mkdir(exist_ok=True)
    log = open(LOG, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO",
         "--hostname", f"sms-test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"celery worker exited early; see {LOG}")
        if celery_app.control.ping(destination=[f"sms-test-{os.getpid()}@{os.uname().nodename}"], timeout=1):
            break
    else:
        process.kill()
        pytest.fail("the SMS worker did not answer a ping within 60 s")
    yield provider
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    provider.stop()


@pytest.fixture
def aliyun(aliyun_and_sms_worker):
    """The module's provider, as a fresh one: nothing received, answering."""
    provider = aliyun_and_sms_worker
    provider.received.clear()
    provider.rejected.clear()
    provider.open.set()
    if provider._server is None:  # an earlier test stopped it and failed before starting it again
        provider.start()
    return provider


def wait_for(condition, what: str, limit: float = 60):
    """Wait for the worker (not a speed assertion: the limit only ends a stuck run)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"waited {limit} s for {what}: {list(SmsMessage.objects.values_list('pk', 'state', 'attempts', 'last_error'))}")


def states(ids) -> list[str]:
    return [SmsMessage.objects.get(pk=pk).state for pk in ids]


def test_messages_queued_while_the_provider_is_down_are_delivered_once_it_is_back(aliyun):
    provider = aliyun
    codes = ["100001", "100002", "100003", "100004", "100005"]
    phones = [f"1380000000{n}" for n in range(1, 6)]

    def send(n):
        return queue_sms(phone=phones[n], kind=SmsKind.VOTE_CODE, text="验证码%(code)s", params={"code": codes[n]}).pk

    before = [send(0), send(1)]
    wait_for(lambda: states(before) == [SmsState.SENT] * 2, "the first two messages")

    provider.stop()  # the provider goes away mid-run
    during = [send(2), send(3), send(4)]
    wait_for(lambda: all(m.state == SmsState.RETRYING and m.attempts >= 2
                         for m in SmsMessage.objects.filter(pk__in=during)), "retries while the provider is down")

    # The failure is visible to the province (the admin lists state, reason and error) and logged.
    for message in SmsMessage.objects.filter(pk__in=during):
        assert (message.failure, message.params["code"] in codes) == (SmsFailure.UNAVAILABLE, True)
        assert "Connection refused" in message.last_error
    worker_log = LOG.read_text()
    assert re.search(r"SMS \d+ \(vote_code\) to 138\*\*\*\*0003 not sent \(attempt 1 of 100\): unavailable", worker_log)

    provider.start()  # back on the same port
    wait_for(lambda: states(during) == [SmsState.SENT] * 3, "delivery after the provider came back")

    # Every message, each once, with its own code.
    assert sorted((m["phone"], m["params"]["code"]) for m in provider.received) == list(zip(phones, codes))
    assert not SmsMessage.objects.exclude(params={}).exists()  # no code left in the table
    worker_log = LOG.read_text()
    assert not any(code in worker_log for code in codes) and not any(phone in worker_log for phone in phones)


def test_the_voter_does_not_wait_for_the_provider(aliyun):
    provider = aliyun
    world.open_vote_window()
    provider.open.clear()  # the provider takes its time: it answers nothing until told
    try:
        request_code(campaign=world.campaign(), phone="13912345678",
                     client=ClientInfo(ip="198.51.100.7", block="198.51.100.0/24", device_hash="d" * 64, user_agent="t"))
        # The request is over while the provider still holds its answer.
        assert provider.received == []
        assert SmsMessage.objects.get().state in (SmsState.QUEUED, SmsState.SENDING)
    finally:
        provider.open.set()
    wait_for(lambda: SmsMessage.objects.get().state == SmsState.SENT, "the code once the provider answers")
    assert [m["phone"] for m in provider.received] == ["13912345678"]

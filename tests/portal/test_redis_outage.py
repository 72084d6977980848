"""Redis down (cache and Celery broker): every request that queues work answers within 2 s, the
work waits in the database (portal.PendingTask) and runs once the requeue job finds Redis back;
the vote says plainly that phone verification is unavailable instead of sending a code it could
not check.

"Down" is the web process's cache and broker pointed at an address where nothing answers: a
closed port (connection refused) or a listener that never replies (a hung or unreachable Redis).
The shared Redis of the suite is never stopped."""

import datetime
import json
import re
import socket
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, Role, Tier, UploadSlot, ValidationState
from cases.models import Case, DeadlineExtension, Upload
from portal import queueing
from portal.celery import app as celery_app
from portal.models import PendingTask
from portal.recovery import publish_recorded_tasks, requeue_pending_work
from review.models import Batch, BatchStatus
from review.services import attach_signed_scan, generate_summary_tables, open_batch
from review.voting.sms import MemoryGateway
from tests import factories
from tests.conftest import ARTIFACTS
from tests.review import review_world as world
from tests.review.conftest import campaign_2024, county_world, make_case, pdf_upload, pipeline_clock  # noqa: F401

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
# The README's promise; a generous bound (Redis refusing costs milliseconds, a hung Redis half a
# second for the cache and half a second for queueing).
FAST = 2.0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["refused", "silent"])
def dead_redis(request):
    """The URL of a Redis that is down: nothing listens, or a listener accepts and never answers."""
    if request.param == "refused":
        yield f"redis://127.0.0.1:{closed_port()}/0"
        return
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@contextmanager
def redis_unreachable(url: str):
    """The web process with its cache and broker at `url`, configured as in production otherwise."""
    cache = {**django_settings.CACHES["default"], "LOCATION": url}
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, False
    try:
        with override_settings(REDIS_URL=url, CACHES={"default": cache}):
            yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        queueing._broker_down_until = 0.0  # Redis is back: this process may publish again at once


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def pending() -> list[tuple[str, list]]:
    return list(PendingTask.objects.order_by("pk").values_list("name", "args"))


# --- one upload, each way Redis can be down --------------------------------------------------

@pytest.mark.django_db
def test_with_redis_down_an_upload_answers_within_2_s_and_its_check_waits_in_the_database(
    client, dead_redis, django_capture_on_commit_callbacks, pipeline_clock,  # noqa: F811
):
    case = factories.case(title="煤矸石综合利用新工艺")
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise))
    photo = SimpleUploadedFile("煤矸石综合利用新工艺+企业外景.jpg", factories.jpeg_bytes())

    with redis_unreachable(dead_redis):
        started = time.monotonic()
        # The test's transaction defers on-commit work; a request runs it before it answers.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("cases:upload_file", args=[case.pk, UploadSlot.PHOTO_EXTERIOR]),
                                   {"file": photo}, **XHR)
        seconds = time.monotonic() - started

    assert response.status_code == 200, response.content.decode()
    assert seconds < FAST
    upload = Upload.objects.get(case=case)
    assert upload.validation_state == ValidationState.PENDING
    assert pending() == [("cases.check_upload", [upload.pk])]
    assert PendingTask.objects.get().attempts == 1


# --- the outbox ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_work_queued_in_a_transaction_that_rolls_back_is_not_kept():
    from portal.tasks import worker_heartbeat

    with pytest.raises(RuntimeError), transaction.atomic():
        queueing.enqueue_on_commit(worker_heartbeat)
        raise RuntimeError("the request failed")

    assert pending() == []


@pytest.mark.django_db
def test_the_requeue_job_publishes_failed_and_abandoned_rows_and_leaves_one_being_published():
    # Ordinary tests run tasks in-process: a published row runs here and is deleted.
    failed = PendingTask.objects.create(name="portal.worker_heartbeat", args=[], attempts=1)
    abandoned = PendingTask.objects.create(name="portal.worker_heartbeat", args=[])
    PendingTask.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    just_committed = PendingTask.objects.create(name="portal.worker_heartbeat", args=[])

    sent = publish_recorded_tasks(now=timezone.now())

    assert sent == 2
    assert list(PendingTask.objects.values_list("pk", flat=True)) == [just_committed.pk]
    assert not PendingTask.objects.filter(pk__in=[failed.pk, abandoned.pk]).exists()


@pytest.mark.django_db
def test_a_row_naming_no_registered_task_is_kept_and_does_not_hold_up_the_others():
    unknown = PendingTask.objects.create(name="review.renamed_long_ago", args=[1], attempts=1)
    behind_it = PendingTask.objects.create(name="portal.worker_heartbeat", args=[], attempts=1)

    sent = publish_recorded_tasks(now=timezone.now())

    assert sent == 1
    assert list(PendingTask.objects.values_list("pk", "attempts")) == [(unknown.pk, 2)]
    assert not PendingTask.objects.filter(pk=behind_it.pk).exists()


# --- the vote --------------------------------------------------------------------------------------

UNAVAILABLE_BEFORE_SENDING = "手机验证暂时不可用（平台服务故障），验证码未发送。请几分钟后再试。"
UNAVAILABLE_WHEN_CHECKING = "手机验证暂时不可用（平台服务故障），暂时无法核对您的验证码。"


@pytest.fixture
def open_vote(settings):
    settings.SMS_GATEWAY = "review.voting.sms.MemoryGateway"
    MemoryGateway.outbox.clear()
    world.open_vote_window()
    for region in ("太原市", "大同市"):
        world.city_case(region, title=f"{region}候选")
    yield MemoryGateway.outbox
    MemoryGateway.outbox.clear()


@pytest.mark.django_db
def test_with_redis_down_the_vote_sends_no_code_and_says_verification_is_unavailable(client, open_vote, dead_redis):
    with redis_unreachable(dead_redis):
        response, seconds = timed(lambda: client.post(reverse("review:vote_phone"), {"phone": "13912345678"}))

    assert response.status_code == 200
    assert UNAVAILABLE_BEFORE_SENDING in response.content.decode()
    assert open_vote == []  # no SMS for a code nobody could check
    assert seconds < FAST


@pytest.mark.django_db
def test_a_code_sent_before_redis_went_down_is_not_called_expired(client, open_vote):
    client.post(reverse("review:vote_phone"), {"phone": "13912345678"})
    code = re.search(r"\d{6}", open_vote[-1][1]).group()

    with redis_unreachable(f"redis://127.0.0.1:{closed_port()}/0"):
        page = client.post(reverse("review:vote_verify"), {"code": code}).content.decode()

    assert UNAVAILABLE_WHEN_CHECKING in page
    assert "验证码已过期" not in page
    # Redis back: the same code still verifies.
    verified = client.post(reverse("review:vote_verify"), {"code": code})
    assert verified.status_code == 302 and verified["Location"] == reverse("review:vote_gallery")


# --- the whole drill: requests while Redis is down, then the work runs on a real worker -------------

def _worker_task_lines(offset: int) -> list[dict]:
    with open(ARTIFACTS / "celery-worker.log", encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        return [json.loads(line) for line in log if line.startswith("{") and '"portal.task"' in line]


def _wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what} after {seconds} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_requests_that_queue_work_answer_fast_with_redis_down_and_the_work_runs_when_it_is_back(
    client, county_world, pipeline_clock, celery_worker_process, settings,  # noqa: F811
):
    # Arrange: a draft to upload into, a submitted case to return, a park list ready to forward,
    # an enterprise association's list whose summary table is asked for.
    settings.MEDIA_ROOT = celery_worker_process.media_root  # the worker reads the uploads there
    enterprises, staff = county_world["enterprises"], county_world["staff"]
    draft = make_case(county_world, enterprises[0], CaseStatus.DRAFT, "断网上传案例")
    submitted = make_case(county_world, enterprises[1], CaseStatus.SUBMITTED, "断网退回案例")
    make_case(county_world, enterprises[2], CaseStatus.ASSOCIATION_RECOMMENDED, "断网报送案例")
    park_batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    generate_summary_tables(park_batch.pk)
    attach_signed_scan(batch=Batch.objects.get(pk=park_batch.pk), upload=pdf_upload(), actor=staff[Tier.ASSOCIATION])
    make_case(county_world, enterprises[3], CaseStatus.ASSOCIATION_RECOMMENDED, "断网汇总表案例")
    own_association = county_world["enterprise_association"]
    own_batch = open_batch(organisation=own_association, campaign=county_world["campaign"])
    Batch.objects.filter(pk=own_batch.pk).update(contact="王联系 13800000000")  # printed on the table
    own_staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=own_association)
    enterprise_user = factories.user(Role.ENTERPRISE_USER, enterprise_=enterprises[0])
    dead = f"redis://127.0.0.1:{closed_port()}/0"

    def as_user(user, url, data, **extra):
        client.force_login(user)
        return timed(lambda: client.post(url, data, **extra))

    # Act 1: Redis is down.
    with redis_unreachable(dead):
        answers = {
            "upload": as_user(enterprise_user, reverse("cases:upload_file", args=[draft.pk, UploadSlot.PHOTO_EXTERIOR]),
                              {"file": SimpleUploadedFile("断网上传案例+企业外景.jpg", factories.jpeg_bytes())}, **XHR),
            "return": as_user(staff[Tier.ASSOCIATION], reverse("review:case_decide", args=[submitted.pk]),
                              {"decision": "return", "reason": "照片不足2MB"}),
            "forward": as_user(staff[Tier.ASSOCIATION], reverse("review:batch_forward"), {"batch": park_batch.pk}),
            "summary table": as_user(own_staff, reverse("review:batch_generate"), {"batch": own_batch.pk}),
            "extension": as_user(staff[Tier.PROVINCE], reverse("review:province_extend"), {
                "tier": int(Tier.ASSOCIATION), "organisation": county_world["park"].pk, "closes_on": "2024-09-20",
                "reason": "暴雨停电"}),
            "quarantine": as_user(staff[Tier.PROVINCE], reverse("review:vote_quarantine_run"), {}),
        }

    # Assert 1: each answered at once and did its part; the work waits in the database.
    assert {name: seconds < FAST for name, (_response, seconds) in answers.items()} == dict.fromkeys(answers, True)
    assert {name: response.status_code for name, (response, _seconds) in answers.items()} == {
        "upload": 200, "return": 302, "forward": 302, "summary table": 302, "extension": 302, "quarantine": 302}
    upload = Upload.objects.get(case=draft)
    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.RETURNED
    assert Batch.objects.get(pk=park_batch.pk).status == BatchStatus.FORWARDED
    extension = DeadlineExtension.objects.get()
    assert Counter(name for name, _args in pending()) == {
        "cases.check_upload": 1, "cases.notify_transition": 2, "review.notify_batch_forwarded": 1,
        "review.generate_summary_tables": 1, "review.notify_extension": 1, "review.quarantine_suspicious_ballots": 1}
    assert ("review.notify_extension", [extension.pk]) in pending()
    assert ("review.notify_batch_forwarded", [park_batch.pk]) in pending()

    # Act 2: Redis is back; beat runs the requeue job.
    log_offset = (ARTIFACTS / "celery-worker.log").stat().st_size
    counts = requeue_pending_work()

    # Assert 2: everything was sent and the worker ran it.
    assert counts["recorded"] == 7
    assert pending() == []
    _wait_for(lambda: Upload.objects.get(pk=upload.pk).validation_state in (ValidationState.DONE, ValidationState.FAILED),
              seconds=120, what="the worker to check the upload")
    _wait_for(lambda: Batch.objects.get(pk=own_batch.pk).generation_state == ValidationState.DONE,
              seconds=120, what="the worker to generate the summary table")
    expected = {"cases.check_upload", "cases.notify_transition", "review.notify_batch_forwarded",
                "review.generate_summary_tables", "review.notify_extension", "review.quarantine_suspicious_ballots"}
    ran = _wait_for(lambda: (lambda done: done if expected <= done else None)(
        {line["task"] for line in _worker_task_lines(log_offset) if line["outcome"] == "SUCCESS"}),
        seconds=120, what="the worker to run every task")
    assert expected <= ran

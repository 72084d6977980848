"""/healthz, /readyz and `manage.py health`."""

import io
import json
import socket
import time

import pytest
import redis
from django.core.management import call_command
from django.urls import reverse

from portal.celery import app as celery_app
from portal.tasks import drill_slow_task

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free, and nothing listens once the socket is closed


def _without_timings(report: dict) -> dict:
    for check in report["checks"].values():
        check.pop("duration_ms")
    return report


def test_healthz_answers_without_auth_and_is_never_cached(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_readyz_reports_each_check_when_everything_is_up(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert _without_timings(json.loads(response.content)) == {
        "status": "ok",
        "message": "就绪",
        "checks": {
            "database": {"status": "ok", "message": "数据库可访问"},
            "redis": {"status": "ok", "message": "Redis 可访问"},
            "storage": {"status": "ok", "message": "上传存储可写"},
        },
    }


def test_readyz_never_asks_a_worker_queues_nothing_and_writes_no_file(client, settings):
    # A broker and no worker listening on this queue: the old readiness waited 3 s for a worker's
    # answer and said 503, which is what a worker busy with a long check looked like too.
    celery_app.conf.task_always_eager = False  # the conftest fixture puts it back
    queue = celery_app.conf.task_default_queue
    broker = redis.Redis.from_url(settings.REDIS_URL)
    waiting_before = broker.llen(queue)

    response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert sorted(json.loads(response.content)["checks"]) == ["database", "redis", "storage"]
    assert broker.llen(queue) == waiting_before
    assert not settings.MEDIA_ROOT.exists()  # nothing written, not even the folder


@pytest.mark.parametrize("meta", [
    {"REMOTE_ADDR": "203.0.113.7"},
    # Relayed by a reverse proxy on this machine: loopback, but not a local probe.
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
    {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer wrong-token-0123456789abcdef"},
])
def test_readyz_answers_404_to_anyone_but_a_local_probe_or_the_token_holder(client, settings, meta):
    settings.READYZ_TOKEN = "readyz-token-0123456789abcdef"
    response = client.get(reverse("readyz"), **meta)
    assert response.status_code == 404
    assert "database" not in response.content.decode()


@pytest.mark.parametrize("meta", [{"REMOTE_ADDR": "127.0.0.1"}, {"REMOTE_ADDR": "::1"}, {
    "REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "198.51.100.1",
    "HTTP_AUTHORIZATION": "Bearer readyz-token-0123456789abcdef",
}])
def test_readyz_answers_a_local_probe_and_the_token_holder(client, settings, meta):
    settings.READYZ_TOKEN = "readyz-token-0123456789abcdef"
    response = client.get(reverse("readyz"), **meta)
    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "ok"


def test_readyz_says_plainly_that_redis_is_down_and_does_not_wait_for_a_worker(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    report = _without_timings(json.loads(response.content))
    assert report["status"] == "fail"
    assert report["message"] == "未就绪：Redis 不可用"
    assert report["checks"]["redis"] == {"status": "fail", "message": "Redis 不可用"}
    assert report["checks"]["database"] == {"status": "ok", "message": "数据库可访问"}
    assert "Connection" not in response.content.decode()  # no technical detail served


def test_readyz_fails_when_the_upload_storage_cannot_be_written(client, settings, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x")
    settings.MEDIA_ROOT = not_a_folder
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"]["message"] == "上传存储不可用"


def test_health_command_prints_the_checks_and_exits_0_when_ready():
    out = io.StringIO()
    call_command("health", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "OK   database  数据库可访问",
        "OK   redis     Redis 可访问",
        "OK   storage   上传存储可写",
        "就绪",
    ]


def test_health_command_asks_a_worker_only_when_told():
    out = io.StringIO()
    call_command("health", "--worker", stdout=out)
    # Ordinary tests run tasks in-process (conftest), so the worker check says so.
    assert "--   worker    未配置消息代理：任务在进程内运行" in out.getvalue()


def test_health_command_exits_1_and_shows_the_reason_when_redis_is_down(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("health", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    assert "FAIL redis     Redis 不可用" in text
    assert "ConnectionError" in text  # the operator sees the technical reason


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_readyz_says_ready_while_the_only_worker_is_busy_and_the_command_still_reaches_it(
    client, celery_worker_process, tmp_path,
):
    markers = tmp_path / "markers"
    markers.mkdir()
    busy = drill_slow_task.delay(str(markers), 8.0)  # the suite's worker runs one task at a time
    deadline = time.monotonic() + 60
    while not (markers / "starts").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (markers / "starts").exists()

    response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "ok"
    busy.get(timeout=60)
    out = io.StringIO()
    call_command("health", "--worker", "--worker-timeout", "30", stdout=out)
    assert "OK   worker    有 worker 应答" in out.getvalue()

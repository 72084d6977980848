"""/healthz, /readyz and `manage.py health`."""

import io
import json
import socket

import pytest
from django.core.management import call_command
from django.urls import reverse

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
    # Ordinary tests run tasks in-process (conftest), so the worker check says so.
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
            "worker": {"status": "not_configured", "message": "未配置消息代理：任务在进程内运行"},
        },
    }


def test_readyz_says_plainly_that_redis_is_down_and_does_not_wait_for_a_worker(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    report = _without_timings(json.loads(response.content))
    assert report["status"] == "fail"
    assert report["message"] == "未就绪：Redis 不可用；没有 worker 应答（其消息代理 Redis 不可用）"
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


def test_storage_probe_leaves_no_file_behind(client, settings):
    client.get(reverse("readyz"))
    assert list((settings.MEDIA_ROOT / "health").iterdir()) == []


def test_health_command_prints_the_checks_and_exits_0_when_ready():
    out = io.StringIO()
    call_command("health", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "OK   database  数据库可访问",
        "OK   redis     Redis 可访问",
        "OK   storage   上传存储可写",
        "--   worker    未配置消息代理：任务在进程内运行",
        "就绪",
    ]


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
def test_readyz_asks_a_real_worker(client, celery_worker_process):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["worker"]["status"] == "ok"
    assert json.loads(response.content)["checks"]["worker"]["message"] == "有 worker 应答"

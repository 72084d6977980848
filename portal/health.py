"""Health and readiness checks (/healthz, /readyz, `manage.py health`).

Each check answers one question an operator or a load balancer asks, quickly and without
personal data: can this process reach the database, Redis (cache and Celery broker) and the
upload storage? Readiness is about this web process only: it never waits for a worker (a worker
busy with a long check must not make a healthy web look dead), never queues a task and never
writes a file. Worker liveness is the worker's own probe (`celery inspect ping`, answered by the
worker's main process even while its pool is busy; docker-compose.yml); `manage.py health
--worker` adds a round trip through a worker for operators. A check that is not configured
(Redis and the worker in the embedded default, where tasks run in-process) is reported as such
and is not a failure.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils.translation import gettext as _

logger = logging.getLogger("portal.health")

OK = "ok"
FAIL = "fail"
NOT_CONFIGURED = "not_configured"

REDIS_TIMEOUT_SECONDS = 1.0
WORKER_TIMEOUT_SECONDS = 3.0
PROBE_FOLDER = "health"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # OK, FAIL or NOT_CONFIGURED
    message: str  # shown to operators and in /readyz: plain words, no secrets, no personal data
    detail: str = ""  # the technical reason (exception); printed by the command, logged, never served
    duration_ms: int = 0

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    def public(self) -> dict:
        data = asdict(self)
        data.pop("detail")
        data.pop("name")
        return data


def _timed(name: str, check) -> CheckResult:
    started = time.monotonic()
    try:
        status, message = check()
        detail = ""
    except Exception as error:  # a health check reports every failure, it never raises
        status, message, detail = FAIL, _UNAVAILABLE[name](), f"{type(error).__name__}: {error}"
        logger.warning("health check %s failed: %s", name, detail)
    return CheckResult(name, status, message, detail, int((time.monotonic() - started) * 1000))


def check_database() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK, _("Database reachable")


def check_redis() -> tuple[str, str]:
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return NOT_CONFIGURED, _("Redis not configured (embedded default: local memory cache, tasks in-process)")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()
    return OK, _("Redis reachable")


def check_storage() -> tuple[str, str]:
    """Reach the storage uploads go through, without writing: a local folder (or, before the first
    upload, its nearest existing parent) must be a writable directory; other storages (S3) must
    answer a lookup."""
    if not isinstance(default_storage, FileSystemStorage):
        default_storage.exists(f"{PROBE_FOLDER}/probe")
        return OK, _("Upload storage reachable")
    folder = Path(default_storage.location)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # created with the first upload
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(f"{folder} is not a writable folder")
    return OK, _("Upload storage writable")


def check_worker(*, timeout: float = WORKER_TIMEOUT_SECONDS) -> tuple[str, str]:
    """Send `portal.worker_heartbeat` through the broker and wait for a worker's answer. The
    message expires with the timeout, so probes do not pile up while no worker runs."""
    from portal.celery import app
    from portal.tasks import worker_heartbeat

    if app.conf.task_always_eager or str(app.conf.broker_url).startswith("memory"):
        return NOT_CONFIGURED, _("No broker configured: tasks run in-process")
    result = worker_heartbeat.apply_async(expires=timeout)
    try:
        result.get(timeout=timeout)
    finally:
        result.forget()
    return OK, _("A worker answered")


_UNAVAILABLE = {
    "database": lambda: _("Database unavailable"),
    "redis": lambda: _("Redis unavailable"),
    "storage": lambda: _("Upload storage unavailable"),
    "worker": lambda: _("No worker answered"),
}


def run_checks(*, worker_timeout: float | None = None) -> list[CheckResult]:
    """The readiness checks, in order. With `worker_timeout` (the operators' command only), also a
    round trip through a worker; it is not asked when Redis (its broker) is down: publishing would
    only wait for the broker's retries."""
    results = [
        _timed("database", check_database),
        _timed("redis", check_redis),
        _timed("storage", check_storage),
    ]
    if worker_timeout is None:
        return results
    if results[1].failed:
        results.append(CheckResult("worker", FAIL, _("No worker answered (the broker, Redis, is unavailable)")))
    else:
        results.append(_timed("worker", lambda: check_worker(timeout=worker_timeout)))
    return results


def readiness_report(results: list[CheckResult]) -> dict:
    ready = not any(result.failed for result in results)
    return {
        "status": OK if ready else FAIL,
        "message": _("Ready") if ready else _("Not ready: %(failed)s") % {
            "failed": "；".join(result.message for result in results if result.failed)},
        "checks": {result.name: result.public() for result in results},
    }

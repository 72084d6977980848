"""Failure drills: a worker killed mid-task, the database going away while the portal serves,
Redis down. Each drill breaks something of its own (its own workers on their own Redis
database and queue, its own path to PostgreSQL) so runs beside it are not disturbed."""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from cases.enums import Role
from portal.logging import RequestLogMiddleware
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
# The drill's own Redis database: its short visibility timeout must not hand other runs'
# unacknowledged messages (db 15, the suite's) back to their queues.
DRILL_REDIS_DB = 13
VISIBILITY_TIMEOUT = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, seconds: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"gave up waiting for {what} after {seconds} s")


def test_database_url(name: str | None = None, port: int | None = None) -> str:
    database = django_settings.DATABASES["default"]
    return (f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{port or database['PORT'] or 5432}/"
            f"{name or database['NAME']}")


test_database_url.__test__ = False  # a helper, not a test


def _base_env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DEBUG": "0", "HTTPS": "0", "LOG_FORMAT": "json", **extra})
    return env


# --- (a) a worker killed in the middle of a task ------------------------------------------------

def _start_worker(env: dict, queue: str, log_path: Path, name: str) -> subprocess.Popen:
    log = open(log_path, "a")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "--loglevel=INFO", "--without-gossip", "--without-mingle", "--hostname", f"{name}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool child as well
    )


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


@pytest.mark.worker
def test_a_task_whose_worker_is_killed_runs_again_on_a_fresh_worker_and_completes(tmp_path):
    redis_url = django_settings.REDIS_URL.rsplit("/", 1)[0] + f"/{DRILL_REDIS_DB}"
    queue = f"drill-{os.getpid()}"
    env = _base_env(REDIS_URL=redis_url, CELERY_QUEUE=queue, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
                    DATABASE_URL=test_database_url())
    producer = Celery("drill", broker=redis_url, backend=redis_url, set_as_current=False)  # the suite keeps its app
    producer.conf.update(task_default_queue=queue, broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT})
    markers = tmp_path / "markers"
    markers.mkdir()
    log_path = tmp_path / "workers.log"
    workers = []
    try:
        workers.append(_start_worker(env, queue, log_path, "drill-a"))
        sent = {}

        def view(request):  # published from a request: the task must carry its request id
            sent["result"] = producer.send_task("portal.drill_slow_task", args=[str(markers), 5.0], queue=queue)
            return HttpResponse("queued")

        RequestLogMiddleware(view)(RequestFactory().post("/cases/1/files/video/upload/", HTTP_X_REQUEST_ID="drill-req-7"))
        result = sent["result"]

        starts = markers / "starts"
        wait_for(lambda: starts.exists() and starts.read_text().strip(), seconds=90, what="the first worker to start the task")
        _kill_group(workers[0])
        assert not (markers / "done").exists()  # killed in the middle

        # The message is unacknowledged; once its visibility timeout has passed, a worker that
        # starts (or sweeps) puts it back on the queue.
        time.sleep(VISIBILITY_TIMEOUT + 1)
        workers.append(_start_worker(env, queue, log_path, "drill-b"))
        answer = result.get(timeout=120)

        first_pid, second_pid = starts.read_text().split()
        assert first_pid != second_pid
        assert answer == {"pid": int(second_pid), "already_done": False}
        assert (markers / "done").read_text() == second_pid

        def task_lines():
            return [json.loads(line) for line in log_path.read_text().splitlines()
                    if line.startswith("{") and '"portal.task"' in line]

        # The worker stores the result before task_postrun logs the task's line: wait for it.
        wait_for(task_lines, seconds=30, what="the worker's log line for the task")
        assert [(line["task"], line["outcome"], line["request_id"], line["task_id"]) for line in task_lines()] == [
            ("portal.drill_slow_task", "SUCCESS", "drill-req-7", result.id),
        ]
    finally:
        for worker in workers:
            _kill_group(worker)
        producer.control.purge()


def _start_beat(env: dict, log_path: Path, schedule: Path) -> subprocess.Popen:
    log = open(log_path, "a")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO", "--schedule", str(schedule)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)  # the requeue job reads the test database
def test_a_worker_killed_as_a_whole_hands_its_task_to_a_new_worker_well_before_the_visibility_timeout(tmp_path):
    # Production settings: the hour-long visibility timeout is not what brings the task back; the
    # requeue job, sent by beat every 20 s, notices that no present worker holds the message.
    redis_url = django_settings.REDIS_URL.rsplit("/", 1)[0] + f"/{DRILL_REDIS_DB}"
    queue = f"drill-kill-{os.getpid()}"
    env = _base_env(REDIS_URL=redis_url, CELERY_QUEUE=queue, DATABASE_URL=test_database_url())
    env.pop("CELERY_VISIBILITY_TIMEOUT", None)
    producer = Celery("drill", broker=redis_url, backend=redis_url, set_as_current=False)  # the suite keeps its app
    producer.conf.update(task_default_queue=queue)
    markers = tmp_path / "markers"
    markers.mkdir()
    log_path = tmp_path / "workers.log"
    processes = []
    try:
        processes.append(_start_worker(env, queue, log_path, "kill-a"))
        processes.append(_start_beat(env, tmp_path / "beat.log", tmp_path / "beat-schedule"))
        result = producer.send_task("portal.drill_slow_task", args=[str(markers), 6.0], queue=queue)
        starts = markers / "starts"
        wait_for(lambda: starts.exists() and starts.read_text().strip(), seconds=90, what="the first worker to start the task")

        _kill_group(processes[0])  # the main process and its pool child, at once: nothing is given back
        killed_at = time.monotonic()
        processes.append(_start_worker(env, queue, log_path, "kill-b"))
        answer = result.get(timeout=120)

        first_pid, second_pid = starts.read_text().split()
        assert first_pid != second_pid
        assert answer == {"pid": int(second_pid), "already_done": False}
        assert (markers / "done").read_text() == second_pid
        # Generous: presence expiry (15 s) + the job's interval (20 s) + a worker start on a busy
        # machine; the broker alone would have waited an hour.
        assert time.monotonic() - killed_at < 100
    finally:
        for process in processes:
            _kill_group(process)
        producer.control.purge()


def test_the_drill_task_is_idempotent(tmp_path):
    from portal.tasks import drill_slow_task

    first = drill_slow_task.apply(args=[str(tmp_path), 0.0]).get()
    second = drill_slow_task.apply(args=[str(tmp_path), 0.0]).get()
    assert (first["already_done"], second["already_done"]) == (False, True)
    assert (tmp_path / "starts").read_text().count("\n") == 1


def test_long_running_tasks_survive_a_lost_worker_by_configuration(settings):
    assert (settings.CELERY_TASK_ACKS_LATE, settings.CELERY_TASK_REJECT_ON_WORKER_LOST) == (True, True)
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {"visibility_timeout": 3600}
    # A running task is never redelivered to a second worker: no task outlives half the timeout.
    assert settings.CELERY_TASK_TIME_LIMIT * 2 <= settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # A vanished worker's task is back within PRESENCE_TTL + this interval (well under a minute).
    assert settings.CELERY_BEAT_SCHEDULE["requeue-pending-work"]["schedule"].total_seconds() == 20


# --- (b) PostgreSQL going away while the portal serves ------------------------------------------

class SeverableProxy:
    """A TCP proxy to PostgreSQL that can be cut (listening stops, every open connection is
    dropped: what a restarting server does to its clients) and restored on the same port."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = None
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        try:  # wakes the thread blocked in accept(); close() alone would leave it listening
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self._connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._connections += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        except (OSError, ValueError):
            return


SERVER = """
import os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
django.setup()
from django.conf import settings
# The suite reads static files from source (no collectstatic); everything else is production.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
from django.core.servers.basehttp import run
from django.core.wsgi import get_wsgi_application
run("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), threading=True)
"""


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.django_db(transaction=True)
def test_the_portal_answers_a_clean_chinese_503_while_the_database_is_gone_and_recovers(tmp_path):
    account = factories.user(Role.CITY_STAFF, organisation_=factories.city())
    client = Client()
    client.force_login(account)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    database = django_settings.DATABASES["default"]
    proxy = SeverableProxy(int(database["PORT"] or 5432))
    port = free_port()
    env = _base_env(DATABASE_URL=test_database_url(port=proxy.port), ALLOWED_HOSTS="127.0.0.1",
                    UPLOAD_ROOT=str(tmp_path / "uploads"), DB_CONN_MAX_AGE="60",
                    CELERY_QUEUE=f"drill-db-{os.getpid()}")  # no worker listens: only the database matters here
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _probe(base), seconds=60, what="the portal to serve")
        status, page = _get(base + "/", cookie)
        assert (status, "<h1 class=\"page-title\">工作台</h1>" in page) == (200, True)

        proxy.cut()  # PostgreSQL "restarts": connections dropped, new ones refused
        status, page = _get(base + "/", cookie)
        assert status == 503
        assert "<h1>数据库不可用</h1>" in page
        assert "平台暂时无法连接数据库" in page
        assert "Traceback" not in page and "OperationalError" not in page
        status, body = _get(base + "/readyz")
        assert status == 503
        checks = json.loads(body)["checks"]
        assert checks["database"] == {"status": "fail", "message": "数据库不可用", "duration_ms": checks["database"]["duration_ms"]}
        assert checks["storage"]["status"] == "ok"

        proxy.restore()  # back: the next request reconnects
        status, page = _get(base + "/", cookie)
        assert (status, "<h1 class=\"page-title\">工作台</h1>" in page) == (200, True)
        assert json.loads(_get(base + "/readyz")[1])["checks"]["database"]["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=20)
        proxy.cut()
        log.close()


def _probe(base: str) -> bool:
    try:
        return _get(base + "/healthz")[0] == 200
    except OSError:
        return False


# --- (c) Redis down ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_with_redis_down_the_portal_still_signs_in_and_serves_the_workbench(client, settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = dead
    settings.CACHES = {"default": {"BACKEND": "portal.cache.TolerantRedisCache", "LOCATION": dead,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    factories.user(Role.COUNTY_STAFF, organisation_=factories.county(), username="county-redis-down")

    sign_in = client.get(reverse("login"))
    assert (sign_in.status_code, "<h1>登录</h1>" in sign_in.content.decode()) == (200, True)
    signed_in = client.post(reverse("login"), {"username": "county-redis-down", "password": factories.PASSWORD}, follow=True)
    assert signed_in.redirect_chain == [(reverse("home"), 302)]
    assert "<h1 class=\"page-title\">工作台</h1>" in signed_in.content.decode()

    ready = client.get(reverse("readyz"))
    assert ready.status_code == 503
    assert json.loads(ready.content)["checks"]["redis"]["message"] == "Redis 不可用"


@pytest.mark.django_db
def test_sessions_are_kept_in_the_database_so_losing_the_cache_signs_nobody_out(client, settings):
    # Sessions are read from Redis but the database holds them (portal/sessions.py).
    assert settings.SESSION_ENGINE == "portal.sessions"
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    client.force_login(factories.user(Role.COUNTY_STAFF, organisation_=factories.county(), username="county-cache-lost"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=key).exists()
    cache.delete(f"portal.session.{key}")  # Redis restarted empty

    page = client.get(reverse("home"))

    assert (page.status_code, "<h1 class=\"page-title\">工作台</h1>" in page.content.decode()) == (200, True)
    assert cache.get(f"portal.session.{key}") is not None  # read from the database and cached again

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _eager_celery_unless_worker(request):
    """Tasks run in-process in ordinary tests; tests marked `worker` talk to a real worker."""
    eager = "worker" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests flush every table, including the rows the 2024 data migration
    loaded; put them back (the migration's loader is idempotent) so each test starts alike."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(request.fixturenames)
    if transactional:
        import importlib

        from django.apps import apps

        request.getfixturevalue("transactional_db")
        importlib.import_module("quotas.migrations.0002_campaign_2024").load(apps, None)
        # The 2024 征集标准 scoring criteria are reference data too (review's data migration).
        importlib.import_module("review.migrations.0004_scoring_criteria_2024").load(apps, None)
        importlib.import_module("review.migrations.0009_work_documents_paper_copies").load_co_organisers(apps, None)


@pytest.fixture(autouse=True)
def _private_media_root_and_plain_static_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    # Production hashes cost ~0.5 s each by design; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest storage of production needs collectstatic; tests read the source files.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _fresh_login_lockouts(settings):
    # Axes keeps failures in the database (rolled back per test) and a cache; clear the cache too:
    # only this run's keys (CACHE_KEY_PREFIX), so a run beside it keeps its rate-limit counters.
    from django.core.cache import cache

    from portal.public_cache import forget_local_copies

    forget_local_copies()  # the public pages this process kept beside the cache
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if not prefix or not hasattr(cache, "_cache"):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on the Redis broker, using the test database and an upload
    folder of its own (`.media_root`: tests that hand it files set MEDIA_ROOT to it)."""
    if celery_app.conf.broker_url.startswith("memory"):
        pytest.fail("REDIS_URL must be set for worker tests (make test sets it).")
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )
    media_root = tmp_path_factory.mktemp("worker-uploads")
    env["UPLOAD_ROOT"] = str(media_root)
    queue = celery_app.conf.task_default_queue
    celery_app.control.purge()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "celery-worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", queue,
         "--loglevel=INFO", "--hostname", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"celery worker exited early; see {log.name}")
        if celery_app.control.ping(timeout=1):
            break
    else:
        process.kill()
        pytest.fail("celery worker did not answer a ping within 60 s")
    process.media_root = media_root
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def s3_server():
    """A local S3-protocol server (moto, its own process) for the object-storage paths (tests/s3.py)."""
    from tests.s3 import S3Server

    ARTIFACTS.mkdir(exist_ok=True)
    server = S3Server(ARTIFACTS / "s3-server.log")
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """Uploads of this test on a fresh private bucket of the local S3 server, through django-storages."""
    from tests.s3 import new_bucket

    bucket = new_bucket(s3_server)
    settings.STORAGES = {**settings.STORAGES, "default": bucket.storage_settings}
    yield bucket
    bucket.empty()

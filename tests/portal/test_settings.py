import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from portal.env import env_bool, env_int, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False), ("", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", default=not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a boolean"):
        env_bool("SOME_FLAG", default=False)


def test_env_int_refuses_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 1"):
        env_int("SOME_NUMBER", 5, minimum=1)


@pytest.mark.parametrize("raw", ["mysql://localhost/db", "postgres:///nohost", "localhost:5432"])
def test_database_url_must_be_postgres_or_sqlite_with_a_host(monkeypatch, raw):
    monkeypatch.setenv("DATABASE_URL", raw)
    with pytest.raises(ImproperlyConfigured):
        env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))


def _settings_in_subprocess(env: dict, expression: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "HTTPS", "CELERY_QUEUE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    clean.update(env)
    code = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_embedded_default_needs_no_environment():
    result = _settings_in_subprocess(
        {"DJANGO_SETTINGS_MODULE": "portal.settings"},
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.MAIL_DELIVERY_BACKEND, s.DEBUG, str(s.MEDIA_ROOT)",
    )
    assert result.returncode == 0, result.stderr
    # Mail goes through the outbox and is delivered to the console.
    assert result.stdout.strip() == (
        "django.db.backends.sqlite3 True mail.backend.OutboxBackend django.core.mail.backends.console.EmailBackend "
        f"False {ROOT / 'var' / 'uploads'}"
    )


# Issue 13 item 8: the demo (`make run`, the embedded default) showed Django's English debug 404
# listing every URL pattern. DEBUG is on only when DEBUG=1 is set.
def _get_in_subprocess(env: dict, path: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.test import Client; "
        f"r = Client(raise_request_exception=False).get({path!r}, HTTP_HOST='127.0.0.1'); "
        "page = r.content.decode(); "
        "print(r.status_code, '页面不存在' in page, 'Using the URLconf' in page or 'Page not found at' in page)"
    )
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "HTTPS", "CELERY_QUEUE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_the_embedded_default_shows_the_chinese_404_page_not_the_debug_page():
    result = _get_in_subprocess({"DEMO_MODE": "1"}, "/no-such-page/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["404", "True", "False"]


def test_the_debug_page_needs_an_explicit_debug_1():
    result = _get_in_subprocess({"DEBUG": "1"}, "/no-such-page/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["404", "False", "True"]


def test_the_embedded_default_serves_static_files_and_plain_http_without_debug():
    result = _settings_in_subprocess(
        {"DJANGO_SETTINGS_MODULE": "portal.settings"},
        "s.DEBUG, s.HTTPS, s.WHITENOISE_USE_FINDERS, s.STORAGES['staticfiles']['BACKEND']",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True", "django.contrib.staticfiles.storage.StaticFilesStorage"]


def test_make_run_does_not_turn_debug_on():
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout

    assert "runserver" in recipe
    assert "DEBUG=" not in recipe


def test_services_mode_uses_postgres_redis_and_a_real_broker():
    result = _settings_in_subprocess(
        {"DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
         "REDIS_URL": "redis://127.0.0.1:6379/3", "SECRET_KEY": "x" * 60},
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "portal.cache.TolerantRedisCache", "redis://127.0.0.1:6379/3", "False", "False",
    ]


def test_services_mode_without_secret_key_fails_loudly():
    result = _settings_in_subprocess(
        {"DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal"}, "1"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_malformed_debug_value_stops_start_up():
    result = _settings_in_subprocess({"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "sometimes"}, "1")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECRET_KEY": "k7#pV9q!Lw2@zR8t$Yx4^Bn6&Mc1*Hd3(Jf5)Gs0-Ua_Ie+Oo=Pp[Qq]Rr{Ss}",
        "ALLOWED_HOSTS": "cases.example.org",
    }
    clean = {key: value for key, value in os.environ.items() if key not in {"HTTPS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_uploads_go_to_private_object_storage_when_a_bucket_is_configured():
    result = _settings_in_subprocess(
        {"DJANGO_SETTINGS_MODULE": "portal.settings", "S3_BUCKET": "case-uploads",
         "S3_ENDPOINT_URL": "https://oss.example.org", "S3_ACCESS_KEY_ID": "key", "S3_SECRET_ACCESS_KEY": "secret"},
        "s.STORAGES['default']['BACKEND'], s.STORAGES['default']['OPTIONS']['bucket_name'], "
        "s.STORAGES['default']['OPTIONS']['default_acl'], "
        "type(__import__('django.core.files.storage', fromlist=['default_storage']).default_storage._setup() or "
        "__import__('django.core.files.storage', fromlist=['default_storage']).default_storage._wrapped).__name__",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["portal.storage.PrivateS3Storage", "case-uploads", "private", "PrivateS3Storage"]


def test_without_a_bucket_uploads_stay_in_the_local_folder():
    result = _settings_in_subprocess({"DJANGO_SETTINGS_MODULE": "portal.settings"}, "s.STORAGES['default']['BACKEND']")
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"

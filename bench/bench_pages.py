"""Page benchmark: the county's review inbox with 50 cases and one case's review page, against a
bare Django view through the same middleware, served by gunicorn and loaded with wrk.

    .venv/bin/python bench/bench_pages.py                    # 10 s per page
    .venv/bin/python bench/bench_pages.py --seconds 20 --connections 16

Reported: requests/s per page, the ratio to the bare view (the cost of the page itself beyond
Django's request cycle), and the SQL queries per page (CaptureQueriesContext, in this process).
Needs PostgreSQL and Redis on 127.0.0.1 (`make services`) and Debian's `wrk`. A throwaway
database `bench_pages_<pid>` is created, migrated, seeded and dropped; uploads go to a temporary
folder. The bench-only URL (/bench/bare/) lives in this module's own urlconf, not in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 50


# --- gunicorn side: `gunicorn bench_pages:application` with this folder on the path ---------
def _bench_urlconf():
    from django.http import HttpResponse
    from django.urls import include, path

    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    return [path("bench/bare/", bare), path("", include("portal.urls"))]


def _application():
    import django
    from django.conf import settings

    django.setup()
    # Static files from source (no collectstatic for a benchmark); this module is the urlconf.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.ROOT_URLCONF = "bench_pages"
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def __getattr__(name):  # gunicorn imports `application`; the urlconf imports `urlpatterns`
    if name == "application":
        return _application()
    if name == "urlpatterns":
        return _bench_urlconf()
    raise AttributeError(name)


# --- driver ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database: str, work: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "CELERY_QUEUE": "portal-bench-pages",
        "UPLOAD_ROOT": str(work / "uploads"),
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0", "HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1,testserver", "DJANGO_SETTINGS_MODULE": "portal.settings",
        "LOG_LEVEL": "INFO",  # the request log line is part of production's cost
    })
    return env


def seed():
    """A county with 50 cases at its eligibility check (5 files each, one transition each)."""
    from cases.enums import CaseStatus, Role, UploadSlot
    from cases.models import CaseTransition
    from tests import factories

    county = factories.county(name="基准县科协")
    parks = [factories.park(county, name=f"基准园区{number}科协") for number in range(5)]
    staff = factories.user(Role.COUNTY_STAFF, organisation_=county, username="bench-county")
    photo, pdf, docx = factories.jpeg_bytes(), factories.pdf_bytes(), factories.docx_bytes("案例概要")
    cases = []
    for number in range(ROWS):
        case = factories.case(factories.enterprise(parks[number % 5]), status=CaseStatus.COUNTY_REVIEW,
                              title=f"基准案例{number:02d}", contact_name="张三", contact_phone="0351-7333497")
        factories.upload(case, UploadSlot.NARRATIVE, docx, "案例概要.docx")
        factories.upload(case, UploadSlot.FORM_SCAN, pdf, "推荐表.pdf")
        for slot in (UploadSlot.PHOTO_EXTERIOR, UploadSlot.PHOTO_PRODUCT, UploadSlot.PHOTO_SCENE):
            factories.upload(case, slot, photo, "照片.jpg")
        CaseTransition.objects.create(case=case, from_status=CaseStatus.ASSOCIATION_RECOMMENDED,
                                      to_status=CaseStatus.COUNTY_REVIEW, actor=staff, reason="推荐")
        cases.append(case)
    return staff, county, cases


def query_counts(client, pages: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url in pages.items():
        client.get(url)  # warm caches the way a running server has them
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(captured)
    return counts


def run_wrk(url: str, cookie: str, *, seconds: int, connections: int, threads: int) -> float:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-H", f"Cookie: {cookie}", url],
        check=True, capture_output=True, text=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses under load\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    database = f"bench_pages_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = environment(database, work)
    os.environ.update(env)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)
    server = None
    try:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        call_command("migrate", verbosity=0)
        staff, county, cases = seed()
        client = Client()
        client.force_login(staff)
        pages = {
            "bare view": "/bench/bare/",
            f"inbox ({ROWS} rows)": reverse("review:inbox") + f"?org={county.pk}",
            "case review page": reverse("review:case_review", args=[cases[0].pk]) + f"?org={county.pk}",
        }
        from django.test.utils import override_settings

        with override_settings(ROOT_URLCONF="bench_pages"):
            sys.path.insert(0, str(ROOT / "bench"))
            inbox_html = client.get(pages[f"inbox ({ROWS} rows)"]).content.decode()
            assert all(f"基准案例{number:02d}" in inbox_html for number in range(ROWS)), "the inbox does not list the 50 cases"
            counts = query_counts(client, pages)
        cookie = f"sessionid={client.cookies['sessionid'].value}"

        port = free_port()
        log = open(work / "gunicorn.log", "w")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench_pages:application", "--chdir", str(ROOT / "bench"),
             "--pythonpath", str(ROOT), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--worker-class", "sync", "--access-logfile", "/dev/null"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(base + pages["bare view"], headers={"Cookie": cookie})
                if urllib.request.urlopen(request, timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not start; see {work / 'gunicorn.log'}")
            time.sleep(0.3)

        rates = {}
        for name, url in pages.items():
            rates[name] = run_wrk(base + url, cookie, seconds=args.seconds, connections=args.connections,
                                  threads=min(2, args.connections))
        bare = rates["bare view"]
        print(f"machine: {machine()}")
        print(f"gunicorn {args.workers} sync workers, wrk {args.connections} connections × {args.seconds} s per page, "
              f"PostgreSQL + Redis on 127.0.0.1")
        print(f"{'page':<22}{'requests/s':>12}{'vs bare':>10}{'queries':>9}")
        for name in pages:
            print(f"{name:<22}{rates[name]:>12.1f}{rates[name] / bare:>10.3f}{counts[name]:>9}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

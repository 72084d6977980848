"""Page benchmark: the portal's list and review pages against reference pages served in the same
run by the same gunicorn, loaded with wrk.

    .venv/bin/python bench/bench_pages.py                    # 10 s per page
    .venv/bin/python bench/bench_pages.py --seconds 20 --connections 16 --workers 4
    .venv/bin/python bench/bench_pages.py --profile 30      # pyinstrument over 30 requests per page, no wrk

Pages: a plain Django hello (no middleware), a bare view through the whole middleware stack, a bare
50-row template page (one query, a 50-row table, through the middleware: what a list page costs
with nothing of ours in it), the county's inbox (50 rows), one case's review page, the provincial
scoring overview (120 cases, 3 experts each) and the province's all-cases list (1,000 cases).
Reported per page: requests/s under wrk and the ratio to its reference (the hello for the bare
view, the bare 50-row page for the others); the CPU milliseconds one request costs in this process
(test client, same middleware, database and cache) and the same ratio from them (the reference's
cost over the page's: steadier than requests/s on a machine shared with other work, which makes
every wait for PostgreSQL or Redis longer); the SQL queries per page (CaptureQueriesContext).
Needs PostgreSQL and Redis on 127.0.0.1 (`make services`) and Debian's `wrk`. A throwaway
database `bench_pages_<pid>` is created, migrated, seeded and dropped; uploads go to a temporary
folder. The bench-only URLs (/bench/...) live in this module's own urlconf, not in production.
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
SCORED_CASES = 120
ALL_CASES = 1000
BARE_TABLE = """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>bare</title></head><body>
<table><thead><tr><th>案例名称</th><th>企业</th><th>状态</th><th>更新</th></tr></thead><tbody>
{% for case in cases %}<tr><td><a href="/review/cases/{{ case.pk }}/">{{ case.title }}</a></td><td>{{ case.enterprise__name }}</td>
<td>{{ case.status }}</td><td>{{ case.updated_at|date:"Y-m-d H:i" }}</td></tr>{% endfor %}
</tbody></table></body></html>"""


# --- gunicorn side: `gunicorn bench_pages:application` with this folder on the path ---------
def _bench_urlconf():
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path

    from cases.models import Case

    template = engines["django"].from_string(BARE_TABLE)

    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    def bare_table(request):
        cases = Case.objects.values("pk", "title", "enterprise__name", "status", "updated_at").order_by("pk")[:ROWS]
        return HttpResponse(template.render({"cases": cases}, request))

    return [path("bench/hello/", bare), path("bench/bare/", bare), path("bench/bare-table/", bare_table),
            path("", include("portal.urls"))]


def _application():
    import django
    from django.conf import settings

    django.setup()
    # Static files from source (no collectstatic for a benchmark); this module is the urlconf.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.ROOT_URLCONF = "bench_pages"
    from django.core.handlers.wsgi import WSGIHandler

    portal = WSGIHandler()
    # The plain Django hello: the same project and view with no middleware at all.
    middleware, settings.MIDDLEWARE = settings.MIDDLEWARE, []
    hello = WSGIHandler()
    settings.MIDDLEWARE = middleware

    def application(environ, start_response):
        handler = hello if environ.get("PATH_INFO") == "/bench/hello/" else portal
        return handler(environ, start_response)

    return application


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


def seed_province():
    """The province: SCORED_CASES cases in provincial review, each scored by 3 of 6 provincial
    experts (from 晋城; the cases are of other cities), and cases up to ALL_CASES in all in other
    statuses, spread over the 11 cities, for the all-cases list."""
    from cases.enums import CaseStatus, Role, Tier
    from cases.models import Campaign, Case, Organisation
    from review.experts.services import assign_expert, criteria_of, submit_score
    from tests import factories
    from tests.review import review_world as world

    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="bench-province")
    world.open_scoring(days=30)
    campaign = Campaign.objects.current()
    criteria = criteria_of(campaign)
    experts = [world.provincial_expert("晋城市", username=f"bench-expert-{number}", name=f"专家{number}") for number in range(6)]
    regions = [city.region for city in Organisation.objects.filter(kind="city").exclude(region="晋城市").order_by("pk")]
    parks = [factories.park(factories.county(factories.city(region))) for region in regions]
    statuses = [CaseStatus.SUBMITTED, CaseStatus.COUNTY_REVIEW, CaseStatus.CITY_REVIEW, CaseStatus.NOT_WINNER]
    existing = Case.objects.count()
    for number in range(ALL_CASES - existing):
        scored = number < SCORED_CASES
        case = factories.case(factories.enterprise(parks[number % len(parks)]),
                              status=CaseStatus.PROVINCE_REVIEW if scored else statuses[number % len(statuses)],
                              title=f"全省案例{number:04d}", contact_name="李四", contact_phone="0351-7333497",
                              submitted_at=factories_now())
        if scored:
            for offset in range(3):
                expert = experts[(number + offset) % len(experts)]
                assignment = assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=staff, notify=False)
                submit_score(assignment=assignment, actor=expert, points={c.pk: 60 + (number + offset) % 30 for c in criteria},
                             comment="创新点突出，应用效果明确。")
    return staff


def factories_now():
    from django.utils import timezone

    return timezone.now()


def query_counts(pages: dict[str, tuple[str, str]], clients: dict) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, (url, who) in pages.items():
        clients[who].get(url)  # warm caches the way a running server has them
        with CaptureQueriesContext(connection) as captured:
            response = clients[who].get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(captured)
    return counts


def cpu_per_request(pages: dict[str, tuple[str, str]], clients: dict, requests: int) -> dict[str, float]:
    """Milliseconds of this process's CPU per request, in-process (Django's test client, the same
    middleware, database and cache). Unlike requests/s it barely moves with other work on the
    machine, so it is the steadier measure of a page's own cost; waiting for PostgreSQL and Redis
    is not in it."""
    cost = {}
    for name, (url, who) in pages.items():
        clients[who].get(url)
        started = time.process_time()
        for _ in range(requests):
            clients[who].get(url)
        cost[name] = (time.process_time() - started) / requests * 1000
    return cost


def profile(pages: dict[str, tuple[str, str]], clients: dict, requests: int) -> None:
    """pyinstrument over `requests` in-process requests of each page (after one warm-up)."""
    from pyinstrument import Profiler

    for name, (url, who) in pages.items():
        clients[who].get(url)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(requests):
            clients[who].get(url)
        profiler.stop()
        print(f"\n===== {name}: {requests} requests =====")
        print(profiler.output_text(unicode=True, color=False, show_all=False))


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
    parser.add_argument("--cpu-requests", type=int, default=50, metavar="N",
                        help="in-process requests per page for the CPU column")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile N in-process requests per page with pyinstrument instead of loading them")
    args = parser.parse_args()
    load_before = open("/proc/loadavg").read().split()[0]
    if not args.profile and not shutil.which("wrk"):
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
        province_staff = seed_province()
        clients = {"county": Client(), "province": Client(), "hello": Client()}
        clients["county"].force_login(staff)
        clients["province"].force_login(province_staff)
        from cases.models import Organisation

        province = Organisation.objects.get(kind="province")
        # page → (URL, who); each page is compared with REFERENCE[page].
        pages = {
            "Django hello (no middleware)": ("/bench/hello/", "hello"),
            "bare view (middleware)": ("/bench/bare/", "county"),
            f"bare {ROWS}-row template": ("/bench/bare-table/", "county"),
            f"inbox ({ROWS} rows)": (reverse("review:inbox") + f"?org={county.pk}", "county"),
            "case review page": (reverse("review:case_review", args=[cases[0].pk]) + f"?org={county.pk}", "county"),
            f"scoring overview ({SCORED_CASES})": (reverse("review:score_overview", args=["province"]), "province"),
            f"all cases ({ALL_CASES})": (reverse("review:inbox") + f"?org={province.pk}", "province"),
        }
        reference = {name: f"bare {ROWS}-row template" for name in pages}
        reference["Django hello (no middleware)"] = reference["bare view (middleware)"] = "Django hello (no middleware)"
        reference[f"bare {ROWS}-row template"] = f"bare {ROWS}-row template"
        from django.test.utils import override_settings

        with override_settings(ROOT_URLCONF="bench_pages"):
            sys.path.insert(0, str(ROOT / "bench"))
            inbox_html = clients["county"].get(pages[f"inbox ({ROWS} rows)"][0]).content.decode()
            assert all(f"基准案例{number:02d}" in inbox_html for number in range(ROWS)), "the inbox does not list the 50 cases"
            scores_html = clients["province"].get(pages[f"scoring overview ({SCORED_CASES})"][0]).content.decode()
            assert scores_html.count("全省案例") >= SCORED_CASES, "the scoring overview does not list the scored cases"
            # The hello's client runs no middleware, like gunicorn's hello handler (the test client
            # builds its middleware chain on its first request).
            with override_settings(MIDDLEWARE=[]):
                clients["hello"].get(pages["Django hello (no middleware)"][0])
            counts = query_counts(pages, clients)
            cpu = cpu_per_request(pages, clients, args.cpu_requests)
            if args.profile:
                profile(pages, clients, args.profile)
                return
        session_cookie = settings.SESSION_COOKIE_NAME
        cookies = {who: f"{session_cookie}={client.cookies[session_cookie].value}" for who, client in clients.items()
                   if session_cookie in client.cookies}
        cookies["hello"] = cookies["county"]

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
                request = urllib.request.Request(base + "/bench/bare/", headers={"Cookie": cookies["county"]})
                if urllib.request.urlopen(request, timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not start; see {work / 'gunicorn.log'}")
            time.sleep(0.3)

        rates = {}
        for name, (url, who) in pages.items():
            rates[name] = run_wrk(base + url, cookies[who], seconds=args.seconds, connections=args.connections,
                                  threads=min(2, args.connections))
        print(f"machine: {machine()}; load average before the run: {load_before}")
        print(f"gunicorn {args.workers} sync workers, wrk {args.connections} connections × {args.seconds} s per page, "
              f"PostgreSQL + Redis on 127.0.0.1")
        print(f"| {'page':<30} | {'requests/s':>10} | {'reference':<30} | {'ratio':>6} | {'CPU ms':>6} | "
              f"{'CPU ratio':>9} | {'queries':>7} |")
        print(f"|{'-' * 32}|{'-' * 11}:|{'-' * 32}|{'-' * 7}:|{'-' * 7}:|{'-' * 10}:|{'-' * 8}:|")
        for name in pages:
            ratio = rates[name] / rates[reference[name]]
            cpu_ratio = cpu[reference[name]] / cpu[name]  # as a rate: the reference's cost over the page's
            print(f"| {name:<30} | {rates[name]:>10.1f} | {reference[name]:<30} | {ratio:>6.2f} | {cpu[name]:>6.2f} | "
                  f"{cpu_ratio:>9.2f} | {counts[name]:>7} |")
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

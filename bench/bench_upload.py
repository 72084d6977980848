"""Upload benchmark: a large file through the real upload path (gunicorn → Django → SlotUploadHandler
→ storage) and the web process's peak memory, compared between file sizes.

    .venv/bin/python bench/bench_upload.py              # 20 MB and 200 MB
    .venv/bin/python bench/bench_upload.py --sizes 20 200 400

Each size gets a fresh gunicorn worker (one sync worker), so its peak resident memory (VmHWM of the
worker in /proc) belongs to that upload alone. The body is generated and sent in 1 MiB pieces by
this process, never held whole. Checks are queued on a Redis queue nobody consumes (they belong
to the Celery worker, not to the web process) and purged at the end. Needs Redis on
127.0.0.1:6379 (`make services`); the data lives in a temporary SQLite file and folder.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
PIECE = MIB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(work: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "CELERY_QUEUE": "portal-bench-upload",
        "UPLOAD_ROOT": str(work / "uploads"), "STATIC_ROOT": str(work / "static"),
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0", "HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SETTINGS_MODULE": "portal.settings",
        "LOG_LEVEL": "WARNING",
    })
    return env


SETUP = r"""
import datetime, sys
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from cases.enums import CaseStatus, CaseType, EnterpriseType, OrganisationKind, Role, Tier
from cases.models import Campaign, Case, DeadlineExtension, Enterprise, Organisation
from cases.credit_code import check_character
from cases.services import create_user, grant_role

city = Organisation.objects.get(kind=OrganisationKind.CITY, region="太原市")
county = Organisation.objects.create(kind=OrganisationKind.COUNTY, parent=city, name="基准测试区科协", region="基准区")
park = Organisation.objects.create(kind=OrganisationKind.PARK_ASSOCIATION, parent=county, name="基准园区科协", region="基准区")
code = "91140100000000042"
enterprise = Enterprise.objects.create(name="基准测试有限公司", credit_code=code + check_character(code),
    enterprise_type=EnterpriseType.OTHER, association=park, has_park_association=True)
campaign = Campaign.objects.current()
DeadlineExtension.objects.create(campaign=campaign, tier=Tier.ENTERPRISE, enterprise=enterprise,
    closes_on=datetime.date(2099, 12, 31), reason="benchmark")
user = create_user(username="bench", password=None)
grant_role(user=user, role=Role.ENTERPRISE_USER, enterprise=enterprise)
case = Case.objects.create(campaign=campaign, enterprise=enterprise, title="基准测试案例", case_type=CaseType.PROCESS,
    status=CaseStatus(sys.argv[1]))
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(case.pk, session.session_key)
"""


def prepare(env: dict, *, case_status: str = "draft") -> tuple[int, str]:
    """Migrate the throwaway database and make one enterprise user with one case in `case_status`
    (a draft takes ordinary uploads, a winner the resumable ones); returns (case id, session key)."""
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([python, "-c", SETUP, case_status], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    case_id, session_key = out.split()[-2:]
    return int(case_id), session_key


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--timeout", "600", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def worker_pid(master: int) -> int:
    for _ in range(50):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("no gunicorn worker")


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def request(port: int, method: str, path: str, headers: dict, body_parts=None, length: int = 0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest(method, path)
    for name, value in headers.items():
        connection.putheader(name, value)
    if body_parts is not None:
        connection.putheader("Content-Length", str(length))
    connection.endheaders()
    for part in body_parts or ():
        connection.send(part)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def upload_body(size: int, boundary: str):
    """A multipart body with one PDF-looking file of `size` bytes, as (length, generator)."""
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"基准测试.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    pdf_head = b"%PDF-1.7\n"
    piece = os.urandom(PIECE)

    def parts():
        yield head
        yield pdf_head
        left = size - len(pdf_head)
        while left > 0:
            chunk = piece[: min(PIECE, left)]
            left -= len(chunk)
            yield chunk
        yield tail

    return len(head) + size + len(tail), parts()


def measure(env: dict, case_id: int, session_key: str, size_mb: int) -> dict:
    port = free_port()
    server = start_server(env, port)
    try:
        worker = worker_pid(server.pid)
        token = secrets.token_hex(16)
        cookies = {"Cookie": f"sessionid={session_key}; csrftoken={token}"}
        status, _ = request(port, "GET", f"/cases/{case_id}/files/", cookies)  # warm: imports, templates
        assert status == 200, status
        baseline = peak_kib(worker)
        boundary = secrets.token_hex(12)
        length, parts = upload_body(size_mb * MIB, boundary)
        headers = {**cookies, "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": token,
                   "X-Requested-With": "XMLHttpRequest"}
        started = time.perf_counter()
        status, data = request(port, "POST", f"/cases/{case_id}/files/proof/upload/", headers, parts, length)
        seconds = time.perf_counter() - started
        if status != 200:
            raise SystemExit(f"upload failed: {status} {data[:300]!r}")
        peak = peak_kib(worker)
        return {"size_mb": size_mb, "seconds": seconds, "mb_per_s": size_mb / seconds,
                "baseline_mib": baseline / 1024, "peak_mib": peak / 1024, "growth_mib": (peak - baseline) / 1024}
    finally:
        server.terminate()
        server.wait(timeout=30)


def purge(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "celery", "-A", "portal", "purge", "-f", "-Q", env["CELERY_QUEUE"]],
                   cwd=ROOT, env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200], help="file sizes in MiB")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-upload-"))
    env = environment(work)
    try:
        case_id, session_key = prepare(env)
        rows = [measure(env, case_id, session_key, size) for size in args.sizes]
    finally:
        purge(env)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'size':>8} {'time':>8} {'MB/s':>8} {'RSS before':>11} {'peak RSS':>9} {'growth':>8}")
    for row in rows:
        print(f"{row['size_mb']:>5} MB {row['seconds']:>7.2f}s {row['mb_per_s']:>8.1f} {row['baseline_mib']:>8.1f} MB"
              f" {row['peak_mib']:>6.1f} MB {row['growth_mib']:>5.1f} MB")
    growth = [row["growth_mib"] for row in rows]
    verdict = "does not grow" if max(growth) - min(growth) < 8 else "GROWS"
    print(f"peak memory {verdict} with file size (spread of growth {max(growth) - min(growth):.1f} MB)")


if __name__ == "__main__":
    main()

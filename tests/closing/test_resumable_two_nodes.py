"""Two web machines behind no sticky load balancer: a 256 MiB video sent in chunks alternating
between two gunicorn processes (two ports) that share PostgreSQL, Redis and an S3 server, cut off
in the middle of a chunk on one, resumed on the other, finished, and checked by a real worker.

The client generates the data chunk by chunk (never the whole file) and hashes it on the way."""

import hashlib
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from cases.enums import CaseStatus, Role, UploadSlot, ValidationState
from cases.models import ResumablePart, ResumableState, ResumableUpload, Upload
from tests import factories
from tests.s3 import free_port, new_bucket

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
MB = 1024 * 1024
SIZE = 256 * MB
CHUNK = 8 * MB
CHUNKS = SIZE // CHUNK
INTERRUPTED_CHUNK = CHUNKS // 2
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
SEND_BLOCK = MB

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def chunk_bytes(index: int) -> bytes:
    """Chunk `index` of the test video: the same bytes every time it is asked for (a resend)."""
    data = random.Random(index).randbytes(CHUNK)
    return MP4_HEAD + data[len(MP4_HEAD):] if index == 0 else data


def _database_url() -> str:
    database = django_settings.DATABASES["default"]
    return f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


class Node:
    """One web machine: gunicorn with one sync worker on its own port and its own upload folder."""

    def __init__(self, name: str, env: dict, folder: Path) -> None:
        self.name = name
        self.port = free_port()
        self.upload_root = folder / f"{name}-uploads"
        self.log = open(ARTIFACTS / f"two-nodes-{name}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--timeout", "300"],
            cwd=ROOT, env={**env, "UPLOAD_ROOT": str(self.upload_root)}, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def peak_memory_kib(self) -> int:
        """The gunicorn worker's peak resident memory so far (VmHWM)."""
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM")

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, (json.loads(payload) if payload.startswith(b"{") else payload), response

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited; see {self.log.name}")
            try:
                status, _body, _response = self.request("GET", "/healthz", {})
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer within 90 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def put_chunk(node: Node, url: str, headers: dict, index: int, *, cut_after: int | None = None):
    """PUT chunk `index`, streamed in 1 MiB blocks. With `cut_after`, the connection is closed after
    that many bytes of the announced chunk (a dropped connection) and None is returned."""
    data = chunk_bytes(index)
    connection = http.client.HTTPConnection("127.0.0.1", node.port, timeout=300)
    connection.putrequest("PUT", url)
    for key, value in {**headers, "Content-Type": "application/octet-stream", "Content-Length": str(len(data)),
                       "Upload-Offset": str(index * CHUNK),
                       "Upload-Chunk-SHA256": hashlib.sha256(data).hexdigest()}.items():
        connection.putheader(key, value)
    connection.endheaders()
    limit = len(data) if cut_after is None else cut_after
    for start in range(0, limit, SEND_BLOCK):
        connection.send(data[start:min(start + SEND_BLOCK, limit)])
    if cut_after is not None:
        connection.sock.close()
        return None
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, body


def put_until_taken(node: Node, url: str, headers: dict, index: int) -> dict:
    """PUT a chunk; while the other machine still holds the session (409 at the same offset: its
    request is winding down), wait and send it again, as the page does."""
    deadline = time.monotonic() + 60
    while True:
        status, body = put_chunk(node, url, headers, index)
        if status == 200:
            return body
        assert status == 409 and body.get("offset") == index * CHUNK and time.monotonic() < deadline, (status, body)
        time.sleep(0.5)


@pytest.fixture
def two_nodes(s3_server, tmp_path):
    bucket = new_bucket(s3_server)
    ARTIFACTS.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DATABASE_URL": _database_url(), "DEBUG": "0", "HTTPS": "0", "LOG_LEVEL": "WARNING",
                "CELERY_QUEUE": f"portal-two-nodes-{os.getpid()}", **bucket.env})
    nodes = [Node("web-a", env, tmp_path), Node("web-b", env, tmp_path)]
    worker_log = open(ARTIFACTS / "two-nodes-worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", env["CELERY_QUEUE"],
         "--loglevel=INFO", "--hostname", f"two-nodes-{os.getpid()}@%h"],
        cwd=ROOT, env={**env, "UPLOAD_ROOT": str(tmp_path / "worker-uploads")}, stdout=worker_log, stderr=subprocess.STDOUT,
    )
    try:
        for node in nodes:
            node.wait_ready()
        yield bucket, nodes
    finally:
        for node in nodes:
            node.stop()
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker_log.close()
        bucket.empty()


def test_a_256_mib_upload_alternating_between_two_web_machines_resumes_on_the_other_and_is_checked_once(two_nodes):
    # Arrange: a winning case, its enterprise user signed in (the session is shared: any machine knows it).
    bucket, (node_a, node_b) = two_nodes
    case = factories.case(title="焊接机器人柔性产线", status=CaseStatus.WINNER)
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)
    browser = Client()
    browser.force_login(member)
    csrf = secrets.token_hex(16)
    cookies = f"{django_settings.SESSION_COOKIE_NAME}={browser.cookies[django_settings.SESSION_COOKIE_NAME].value}; csrftoken={csrf}"
    headers = {"Cookie": cookies, "X-CSRFToken": csrf}
    form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    whole = hashlib.sha256()
    for index in range(CHUNKS):
        whole.update(chunk_bytes(index))
    expected_sha256 = whole.hexdigest()

    # Act 1: start on A, then alternate chunks A, B, A, B …, each node warmed by its first chunk.
    status, session, _ = node_a.request(
        "POST", reverse("cases:resumable_start", args=[case.pk, UploadSlot.VIDEO]), form,
        f"name=%E8%A7%86%E9%A2%91.mp4&size={SIZE}".encode())
    assert status == 201, session
    url = session["url"]
    warm_peaks = {}
    served = {node_a.name: 0, node_b.name: 0}
    for index in range(INTERRUPTED_CHUNK):
        node = (node_a, node_b)[index % 2]
        assert put_until_taken(node, url, headers, index)["offset"] == (index + 1) * CHUNK
        served[node.name] += 1
        if index < 2:
            warm_peaks[node.name] = node.peak_memory_kib()
    # The connection drops three MiB into a chunk sent to A …
    interrupted_on, resumed_on = (node_a, node_b) if INTERRUPTED_CHUNK % 2 == 0 else (node_b, node_a)
    put_chunk(interrupted_on, url, headers, INTERRUPTED_CHUNK, cut_after=3 * MB)
    # … the page asks the other machine how far the server got, and resumes there.
    status, held, response = resumed_on.request("GET", url, headers)
    assert (status, held["offset"], response.getheader("Upload-Offset")) == (200, INTERRUPTED_CHUNK * CHUNK, str(INTERRUPTED_CHUNK * CHUNK))
    for index in range(INTERRUPTED_CHUNK, CHUNKS):
        node = resumed_on if (index - INTERRUPTED_CHUNK) % 2 == 0 else interrupted_on
        assert put_until_taken(node, url, headers, index)["offset"] == (index + 1) * CHUNK
        served[node.name] += 1
    status, finished, _ = interrupted_on.request("POST", session["finish_url"], form, f"sha256={expected_sha256}".encode())

    # Assert: one version, the right bytes, checked by the worker.
    assert status == 200 and finished["ok"] is True, finished
    assert finished["sha256"] == expected_sha256
    assert served == {node_a.name: CHUNKS // 2, node_b.name: CHUNKS // 2}
    deadline = time.monotonic() + 300
    upload = Upload.objects.get(pk=finished["upload"])
    while upload.validation_state != ValidationState.DONE and time.monotonic() < deadline:
        time.sleep(1)
        upload.refresh_from_db()
    assert upload.validation_state == ValidationState.DONE and upload.findings
    assert list(Upload.objects.filter(case=case, slot=UploadSlot.VIDEO).values_list("pk", flat=True)) == [upload.pk]
    assert (upload.size, upload.sha256) == (SIZE, expected_sha256)
    stored = hashlib.sha256()
    for block in bucket.client().get_object(Bucket=bucket.name, Key=upload.file.name)["Body"].iter_chunks(4 * MB):
        stored.update(block)
    assert stored.hexdigest() == expected_sha256
    assert bucket.keys() == [upload.file.name] and bucket.unfinished_multipart_uploads() == []
    row = ResumableUpload.objects.get()
    assert (row.state, row.upload_id, row.received) == (ResumableState.FINISHED, upload.pk, SIZE)
    assert ResumablePart.objects.filter(session=row).count() == CHUNKS
    # Nothing spooled on either machine, and memory flat on both: 128 MiB passed through each.
    for node in (node_a, node_b):
        assert not node.upload_root.exists() or not any(path.is_file() for path in node.upload_root.rglob("*"))
        growth_mib = (node.peak_memory_kib() - warm_peaks[node.name]) / 1024
        assert growth_mib < 24, (node.name, growth_mib)

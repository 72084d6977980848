"""Resumable upload benchmark: a 2 GB video through the real resumable protocol (gunicorn → Django →
cases.views_resumable → cases.resumable → spool → storage), interrupted once halfway and resumed,
with the throughput and the web process's peak memory.

    .venv/bin/python bench/bench_resumable.py                 # 2048 MiB in 8 MiB chunks
    .venv/bin/python bench/bench_resumable.py --size-mb 512 --chunk-mb 16

One sync gunicorn worker on 127.0.0.1; its peak resident memory is VmHWM from /proc. The file is
generated on the fly by this process (an 8 MiB random block, each chunk stamped with its index so
no two chunks are equal) and never written on the client side; the server's copy lives in a
temporary folder removed at the end. Halfway, one chunk is cut off after half its bytes (the
connection closed), then the client asks the server's offset and resumes from there, as
static/js/resumable-upload.js does. Checks are queued on a Redis queue nobody consumes and purged.
Needs Redis on 127.0.0.1:6379 (`make services`); the data lives in a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import secrets
import shutil
import socket
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_upload import environment, free_port, peak_kib, prepare, purge, start_server, worker_pid  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

class Source:
    """The video's bytes, generated chunk by chunk: an MP4 `ftyp` head, then a random block stamped
    with the chunk index."""

    def __init__(self, size: int, chunk: int) -> None:
        self.size, self.chunk = size, chunk
        self.block = bytearray(os.urandom(chunk))

    def piece(self, offset: int) -> bytes:
        index = offset // self.chunk
        data = self.block[: min(self.chunk, self.size - offset)]
        data[:16] = (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" if index == 0 else index.to_bytes(16, "big"))
        return bytes(data)


def call(port: int, method: str, path: str, headers: dict, body: bytes | None = None, *, cut_after: int | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest(method, path)
    for name, value in headers.items():
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    if body is not None:
        view = memoryview(body)
        end = len(body) if cut_after is None else cut_after
        for start in range(0, end, MIB):
            connection.send(view[start:min(start + MIB, end)])
        if cut_after is not None:  # the connection drops in the middle of the chunk
            connection.sock.shutdown(socket.SHUT_RDWR)
            connection.close()
            return None, None
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data[:1] == b"{" else data


def run(env: dict, case_id: int, session_key: str, size: int, chunk: int) -> dict:
    port = free_port()
    server = start_server(env, port)
    try:
        worker = worker_pid(server.pid)
        token = secrets.token_hex(16)
        base = {"Cookie": f"sessionid={session_key}; csrftoken={token}", "X-CSRFToken": token,
                "X-Requested-With": "XMLHttpRequest"}
        status, _ = call(port, "GET", f"/cases/{case_id}/winner-files/", base)  # warm: imports, templates
        assert status == 200, status
        baseline = peak_kib(worker)
        source = Source(size, chunk)
        whole = hashlib.sha256()
        form = urllib.parse.urlencode({"name": "基准测试案例+视频.mp4", "size": size}).encode()
        started = time.perf_counter()
        status, session = call(port, "POST", f"/cases/{case_id}/winner-files/video/resumable/",
                               {**base, "Content-Type": "application/x-www-form-urlencoded"}, form)
        assert status == 201, (status, session)
        offset, interrupted, resumed_from = 0, False, None
        while offset < size:
            data = source.piece(offset)
            headers = {**base, "Content-Type": "application/octet-stream", "Upload-Offset": str(offset),
                       "Upload-Chunk-SHA256": hashlib.sha256(data).hexdigest()}
            if not interrupted and offset >= size // 2:
                interrupted = True
                call(port, "PUT", session["url"], headers, data, cut_after=len(data) // 2)
                time.sleep(0.2)
                status, state = call(port, "GET", session["url"], base)
                resumed_from = state["offset"]
                assert resumed_from == offset, (resumed_from, offset)  # the broken chunk was discarded
                continue
            status, state = call(port, "PUT", session["url"], headers, data)
            assert status == 200, (status, state)
            whole.update(data)
            offset = state["offset"]
        sent = time.perf_counter()
        status, result = call(port, "POST", session["finish_url"], {**base, "Content-Type": "application/x-www-form-urlencoded"},
                              urllib.parse.urlencode({"sha256": whole.hexdigest()}).encode())
        finished = time.perf_counter()
        assert status == 200 and result["sha256"] == whole.hexdigest(), (status, result if status != 200 else "")
        peak = peak_kib(worker)
        return {
            "size_mib": size / MIB, "chunk_mib": chunk / MIB, "send_s": sent - started, "finish_s": finished - sent,
            "total_s": finished - started, "mb_per_s": size / MIB / (finished - started), "resumed_from": resumed_from,
            "baseline_mib": baseline / 1024, "peak_mib": peak / 1024, "growth_mib": (peak - baseline) / 1024,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--chunk-mb", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-resumable-"))
    env = environment(work)
    env["CELERY_QUEUE"] = "portal-bench-resumable"
    try:
        case_id, session_key = prepare(env, case_status="winner")
        row = run(env, case_id, session_key, args.size_mb * MIB, args.chunk_mb * MIB)
    finally:
        purge(env)
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"file {row['size_mib']:.0f} MiB in {row['chunk_mib']:.0f} MiB chunks, interrupted once at byte "
          f"{row['resumed_from']:,} and resumed")
    print(f"chunks sent in {row['send_s']:.1f} s; finish (whole-file SHA-256 + move into storage) {row['finish_s']:.1f} s")
    print(f"throughput {row['mb_per_s']:.1f} MiB/s end to end ({row['total_s']:.1f} s)")
    print(f"web worker RSS: {row['baseline_mib']:.1f} MiB before, peak {row['peak_mib']:.1f} MiB "
          f"(growth {row['growth_mib']:.1f} MiB)")


if __name__ == "__main__":
    main()

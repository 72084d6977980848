"""A local S3-protocol server for the suite (moto in server mode, its own process), so the upload,
check, preview, package, archive, backup and resumable paths run against object storage for real,
through django-storages and HTTP, with nothing patched.

Fixtures (tests/conftest.py): `s3_server` (one per run) and `s3_storage` (a fresh private bucket for
one test, made the upload storage of this process; `env` carries the same settings for processes
the test starts: web nodes, a Celery worker)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from portal.storage_settings import s3_upload_storage

ACCESS_KEY = "portal-test-key"
SECRET_KEY = "portal-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the S3 test server exited early; see {log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the S3 test server did not listen within 60 s")

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name=REGION,
                            config=Config(retries={"max_attempts": 2}))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


@dataclass
class Bucket:
    server: S3Server
    name: str

    @property
    def storage_settings(self) -> dict:
        return s3_upload_storage(bucket=self.name, endpoint_url=self.server.endpoint_url, region=REGION,
                                 access_key=ACCESS_KEY, secret_key=SECRET_KEY)

    @property
    def env(self) -> dict[str, str]:
        """The environment that makes another process of the portal use this bucket (portal/settings.py)."""
        return {"S3_BUCKET": self.name, "S3_ENDPOINT_URL": self.server.endpoint_url, "S3_REGION": REGION,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY}

    def client(self):
        return self.server.client()

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.name, Key=key)["Body"].read()

    def unfinished_multipart_uploads(self) -> list[str]:
        return [item["Key"] for item in self.client().list_multipart_uploads(Bucket=self.name).get("Uploads", [])]

    def empty(self) -> None:
        client = self.client()
        for key in self.keys():
            client.delete_object(Bucket=self.name, Key=key)
        for upload in client.list_multipart_uploads(Bucket=self.name).get("Uploads", []):
            client.abort_multipart_upload(Bucket=self.name, Key=upload["Key"], UploadId=upload["UploadId"])


def new_bucket(server: S3Server) -> Bucket:
    bucket = Bucket(server, f"uploads-{uuid.uuid4().hex[:12]}")
    server.client().create_bucket(Bucket=bucket.name)
    return bucket

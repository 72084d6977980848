"""Resumable uploads on shared storage: on object storage (a local S3 server, tests/s3.py) each chunk
is a part of one multipart upload and nothing is spooled on the web machine; one request of a
session at a time holds its lease in the database, whatever machine it reaches."""

import datetime
import hashlib
import io
import os
from pathlib import Path

import pytest
from django.utils import timezone

from cases.enums import CaseStatus, Role, UploadSlot, ValidationState
from cases.models import ResumablePart, ResumableState, ResumableUpload, Upload
from cases.resumable import (
    LEASE,
    ChunkRefused,
    discard_expired_uploads,
    finish_resumable_upload,
    receive_chunk,
    start_resumable_upload,
)
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 11, 20, 10, 0, tzinfo=BEIJING)
MB = 1024 * 1024
NAME = "焊接机器人柔性产线+视频.mp4"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def winner():
    return factories.case(title="焊接机器人柔性产线", status=CaseStatus.WINNER)


@pytest.fixture
def member(winner):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise)


def video_bytes(size: int) -> bytes:
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + os.urandom(size - len(head))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def send(session, member, data: bytes, offset: int, length: int):
    part = data[offset:offset + length]
    return receive_chunk(session=session, actor=member, offset=offset, length=len(part), stream=io.BytesIO(part),
                         chunk_sha256=sha(part))


def local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_on_object_storage_chunks_become_parts_and_the_finished_object_is_the_checked_version(
        s3_storage, winner, member, settings, django_capture_on_commit_callbacks):
    data = video_bytes(13 * MB + 777)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))
    assert session.storage_name.startswith(f"cases/{winner.pk}/{UploadSlot.VIDEO}/") and session.multipart_id
    send(session, member, data, 0, 6 * MB)
    # The connection drops in the middle of the second chunk: nothing of it is kept.
    broken = io.BytesIO(data[6 * MB:7 * MB])
    with pytest.raises(ChunkRefused) as refusal:
        receive_chunk(session=session, actor=member, offset=6 * MB, length=6 * MB, stream=broken,
                      chunk_sha256=sha(data[6 * MB:12 * MB]))
    assert (refusal.value.offset, ResumableUpload.objects.get().received) == (6 * MB, 6 * MB)
    send(session, member, data, 6 * MB, 6 * MB)
    send(session, member, data, 12 * MB, len(data))
    assert list(ResumablePart.objects.values_list("number", "offset", "size")) == [
        (1, 0, 6 * MB), (2, 6 * MB, 6 * MB), (3, 12 * MB, len(data) - 12 * MB)]
    assert s3_storage.keys() == []  # parts are not objects until joined
    assert s3_storage.unfinished_multipart_uploads() == [session.storage_name]

    with django_capture_on_commit_callbacks(execute=True):
        upload = finish_resumable_upload(session=session, actor=member, sha256=sha(data))

    upload.refresh_from_db()
    assert (upload.file.name, upload.size, upload.sha256) == (session.storage_name, len(data), sha(data))
    assert sha(s3_storage.read(upload.file.name)) == sha(data)
    assert s3_storage.keys() == [upload.file.name] and s3_storage.unfinished_multipart_uploads() == []
    assert upload.validation_state == ValidationState.DONE and upload.findings  # checked from the bucket
    session.refresh_from_db()
    assert (session.state, session.upload_id, session.lease_token) == (ResumableState.FINISHED, upload.pk, "")
    assert local_files(settings) == []  # nothing spooled on this machine


def test_on_object_storage_a_short_chunk_that_does_not_end_the_file_is_refused(s3_storage, winner, member):
    data = video_bytes(12 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))

    with pytest.raises(ChunkRefused) as refusal:
        send(session, member, data, 0, MB)

    assert refusal.value.status == 400
    assert str(refusal.value) == "文件除最后一块外，每一块至少 5 MB；请刷新页面后继续上传。"
    assert (ResumableUpload.objects.get().received, ResumablePart.objects.count()) == (0, 0)


def test_on_object_storage_a_whole_file_mismatch_keeps_no_object_and_no_parts(s3_storage, winner, member):
    data = video_bytes(6 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))
    send(session, member, data, 0, len(data))

    with pytest.raises(ChunkRefused) as refusal:
        finish_resumable_upload(session=session, actor=member, sha256="0" * 64)

    assert refusal.value.status == 422
    assert ResumableUpload.objects.get().state == ResumableState.FAILED
    assert (s3_storage.keys(), s3_storage.unfinished_multipart_uploads(), Upload.objects.count()) == ([], [], 0)


def test_on_object_storage_a_file_whose_content_is_not_a_video_is_refused_and_removed(s3_storage, winner, member):
    data = b"%PDF-1.4 " + os.urandom(6 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))
    send(session, member, data, 0, len(data))

    with pytest.raises(Exception, match="内容实际是PDF 文档"):
        finish_resumable_upload(session=session, actor=member, sha256=sha(data))

    assert ResumableUpload.objects.get().state == ResumableState.FAILED
    assert (s3_storage.keys(), s3_storage.unfinished_multipart_uploads(), Upload.objects.count()) == ([], [], 0)


def test_on_object_storage_expired_sessions_lose_their_parts(s3_storage, winner, member):
    data = video_bytes(12 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))
    send(session, member, data, 0, 6 * MB)

    assert discard_expired_uploads(now=NOW + datetime.timedelta(days=4)) == 1

    session.refresh_from_db()
    assert session.state == ResumableState.EXPIRED
    assert s3_storage.unfinished_multipart_uploads() == []


@pytest.mark.parametrize("storage", ["local folder", "object storage"])
def test_a_chunk_while_another_request_holds_the_lease_is_refused_until_the_lease_lapses(
        storage, request, winner, member, monkeypatch):
    if storage == "object storage":
        request.getfixturevalue("s3_storage")
    data = video_bytes(6 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))
    # Another machine took the lease a moment ago (its request is still receiving).
    ResumableUpload.objects.filter(pk=session.pk).update(lease_token="another-machine", lease_until=NOW + LEASE)

    with pytest.raises(ChunkRefused) as refusal:
        send(session, member, data, 0, len(data))
    assert refusal.value.status == 409
    assert str(refusal.value) == "该文件的另一部分正在接收中，请稍候再继续。"
    assert ResumableUpload.objects.get().received == 0

    # That machine died: once its lease lapses, any machine takes the session over.
    later = NOW + LEASE + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    send(session, member, data, 0, len(data))
    row = ResumableUpload.objects.get()
    assert (row.received, row.lease_token, row.lease_until) == (len(data), "", None)


def test_a_request_that_lost_its_lease_records_nothing(winner, member, monkeypatch):
    data = video_bytes(2 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))

    class TakenOverMidway(io.BytesIO):
        """After the first block another machine takes the lapsed lease (this request stalled)."""

        def read(self, size=-1):
            block = super().read(size)
            if self.tell() > MB:
                ResumableUpload.objects.filter(pk=session.pk).update(lease_token="another-machine")
            return block

    with pytest.raises(ChunkRefused) as refusal:
        receive_chunk(session=session, actor=member, offset=0, length=len(data), stream=TakenOverMidway(data),
                      chunk_sha256=sha(data))

    assert refusal.value.status == 409
    assert ResumableUpload.objects.get().received == 0


def test_on_object_storage_parts_the_storage_dropped_end_the_session_with_a_clear_message(
        s3_storage, winner, member, monkeypatch):
    from botocore.exceptions import ClientError
    from django.core.files.storage import default_storage

    data = video_bytes(12 * MB)
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=NAME, size=len(data))
    send(session, member, data, 0, 6 * MB)
    # The storage's own clean-up of stale multipart uploads ran (MinIO's stale_uploads_expiry, a
    # lifecycle rule): S3 and MinIO then answer NoSuchUpload (404). moto answers a 500 for that
    # operation, so the storage server's answer is given here, at the botocore boundary.
    client = default_storage.connection.meta.client

    def no_such_upload(**_kwargs):
        raise ClientError({"Error": {"Code": "NoSuchUpload", "Message": "The specified upload does not exist."},
                           "ResponseMetadata": {"HTTPStatusCode": 404}}, "UploadPart")

    monkeypatch.setattr(client, "upload_part", no_such_upload)

    with pytest.raises(ChunkRefused) as refusal:
        send(session, member, data, 6 * MB, 6 * MB)

    assert (refusal.value.status, str(refusal.value)) == (410, "服务器上已没有这次上传，请重新开始上传。")
    row = ResumableUpload.objects.get()
    assert (row.state, row.received) == (ResumableState.EXPIRED, 6 * MB)

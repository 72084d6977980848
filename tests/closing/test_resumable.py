"""Resumable uploads of the winners' materials: interrupted and resumed, wrong chunks refused,
the finished file a normal Upload version with its check queued, other enterprises 404, expiry."""

import datetime
import hashlib
import io
import os

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, UploadSlot, ValidationState
from cases.models import ResumableState, ResumableUpload, Upload
from cases.resumable import (
    ChunkRefused,
    discard_expired_uploads,
    finish_resumable_upload,
    receive_chunk,
    spool_path,
    start_resumable_upload,
)
from cases.uploads import UploadRejected
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 11, 20, 10, 0, tzinfo=BEIJING)
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def winner():
    return factories.case(title="焊接机器人柔性产线", status=CaseStatus.WINNER)


@pytest.fixture
def member(winner):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def video_bytes(size: int = 3 * MB + 12345) -> bytes:
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + os.urandom(size - len(head))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def start(client, case, data, name="焊接机器人柔性产线+视频.mp4", slot=UploadSlot.VIDEO):
    return client.post(reverse("cases:resumable_start", args=[case.pk, slot]), {"name": name, "size": len(data)})


def put_chunk(client, url, data, offset, *, checksum=None):
    return client.put(url, data=data, content_type="application/octet-stream",
                      HTTP_UPLOAD_OFFSET=str(offset), HTTP_UPLOAD_CHUNK_SHA256=checksum or sha(data))


def test_an_upload_interrupted_halfway_resumes_and_becomes_a_checked_version(signed_in, winner, member, django_capture_on_commit_callbacks):
    data = video_bytes()
    half = len(data) // 2
    earlier = factories.upload(winner, UploadSlot.VIDEO, b"\x00\x00\x00\x18ftypmp42old", "旧视频.mp4")
    session = start(signed_in, winner, data).json()
    assert (session["offset"], session["size"], session["state"]) == (0, len(data), "open")
    url = session["url"]
    # First half in two chunks, then the connection drops in the middle of the third.
    assert put_chunk(signed_in, url, data[:MB], 0).json()["offset"] == MB
    assert put_chunk(signed_in, url, data[MB:half], MB).json()["offset"] == half
    row = ResumableUpload.objects.get(pk=session["id"])
    broken = io.BytesIO(data[half:half + 1000])  # a request that ends early (the body is shorter than announced)
    with pytest.raises(ChunkRefused) as refusal:
        receive_chunk(session=row, actor=member, offset=half, length=MB, stream=broken, chunk_sha256=sha(data[half:half + MB]))
    assert refusal.value.offset == half
    # The page asks how far the server got, and a reload of the page finds the same session.
    status = signed_in.get(url)
    assert (status.json()["offset"], status["Upload-Offset"]) == (half, str(half))
    again = start(signed_in, winner, data)
    assert (again.status_code, again.json()["id"], again.json()["offset"]) == (200, session["id"], half)
    assert spool_path(row).stat().st_size == half
    for offset in range(half, len(data), MB):
        assert put_chunk(signed_in, url, data[offset:offset + MB], offset).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        finished = signed_in.post(session["finish_url"], {"sha256": sha(data)})
    body = finished.json()
    assert finished.status_code == 200 and body["ok"] is True and body["sha256"] == sha(data)
    upload = Upload.objects.get(pk=body["upload"])
    assert (upload.slot, upload.original_name, upload.size, upload.sha256, upload.uploaded_by) == (
        UploadSlot.VIDEO, "焊接机器人柔性产线+视频.mp4", len(data), sha(data), member)
    with upload.file.open("rb") as handle:
        assert sha(handle.read()) == sha(data)
    earlier.refresh_from_db()
    assert earlier.superseded_at == NOW  # the earlier video kept as a version
    assert len(_queued_work(callbacks)) == 1  # the check task, queued after commit (ran eagerly)
    upload.refresh_from_db()
    assert upload.validation_state == ValidationState.DONE and upload.findings
    row.refresh_from_db()
    assert (row.state, row.upload_id) == (ResumableState.FINISHED, upload.pk)
    assert not spool_path(row).parent.exists()
    # Finishing twice (a lost answer) returns the same version.
    assert signed_in.post(session["finish_url"], {"sha256": sha(data)}).json()["upload"] == upload.pk
    assert Upload.objects.filter(slot=UploadSlot.VIDEO, superseded_at__isnull=True).count() == 1


def test_a_chunk_with_a_wrong_checksum_is_refused_and_nothing_is_corrupted(signed_in, winner):
    data = video_bytes(2 * MB)
    url = start(signed_in, winner, data).json()["url"]
    put_chunk(signed_in, url, data[:MB], 0)
    damaged = bytearray(data[MB:])
    damaged[10] ^= 0xFF
    response = put_chunk(signed_in, url, bytes(damaged), MB, checksum=sha(data[MB:]))
    assert response.status_code == 422
    assert response.json()["message"] == f"这一块数据在传输中损坏（SHA-256 校验值不符），已拒收；将从第 {MB} 字节重新发送。"
    row = ResumableUpload.objects.get()
    assert row.received == MB and spool_path(row).read_bytes() == data[:MB]


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_offset_to_resume_from(signed_in, winner):
    data = video_bytes(2 * MB)
    url = start(signed_in, winner, data).json()["url"]
    put_chunk(signed_in, url, data[:MB], 0)
    response = put_chunk(signed_in, url, data[MB + 10:], MB + 10)
    assert response.status_code == 409
    assert response.json()["offset"] == MB and response["Upload-Offset"] == str(MB)
    assert response.json()["message"] == f"这一块从第 {MB + 10} 字节开始，但服务器已收到该文件的 {MB} 字节：请从第 {MB} 字节继续。"
    assert put_chunk(signed_in, url, data[:MB], 0).status_code == 409  # a chunk sent twice is not appended twice
    row = ResumableUpload.objects.get()
    assert row.received == MB and spool_path(row).read_bytes() == data[:MB]


def test_a_chunk_beyond_the_declared_size_is_refused(signed_in, winner):
    data = video_bytes(MB)
    url = start(signed_in, winner, data).json()["url"]
    longer = data + b"extra"
    response = put_chunk(signed_in, url, longer, 0)
    assert response.status_code == 413
    assert "超出文件末尾" in response.json()["message"]
    row = ResumableUpload.objects.get()
    assert row.received == 0 and spool_path(row).read_bytes() == b""


def test_a_whole_file_checksum_mismatch_keeps_nothing(signed_in, winner):
    data = video_bytes(MB)
    session = start(signed_in, winner, data).json()
    put_chunk(signed_in, session["url"], data, 0)
    response = signed_in.post(session["finish_url"], {"sha256": "0" * 64})
    assert response.status_code == 422
    assert response.json()["message"] == "整个文件已收到，但其 SHA-256 校验值与您电脑上的文件不一致，因此未保存。请重新上传。"
    assert not Upload.objects.exists()
    assert ResumableUpload.objects.get().state == ResumableState.FAILED


def test_finishing_before_every_byte_arrived_is_refused(signed_in, winner):
    data = video_bytes(2 * MB)
    session = start(signed_in, winner, data).json()
    put_chunk(signed_in, session["url"], data[:MB], 0)
    response = signed_in.post(session["finish_url"], {"sha256": sha(data)})
    assert (response.status_code, response.json()["offset"]) == (409, MB)
    assert not Upload.objects.exists()


def test_a_session_of_another_enterprise_is_a_404(client, winner, signed_in):
    data = video_bytes(MB)
    session = start(signed_in, winner, data).json()
    own_case = factories.case(status=CaseStatus.WINNER)
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=own_case.enterprise))
    assert client.get(session["url"]).status_code == 404
    assert put_chunk(client, session["url"], data, 0).status_code == 404
    assert client.post(session["finish_url"], {"sha256": sha(data)}).status_code == 404
    # Nor through a case of its own: the session is looked up through the case.
    foreign = reverse("cases:resumable_session", args=[own_case.pk, session["id"]])
    assert client.get(foreign).status_code == 404
    assert ResumableUpload.objects.get().received == 0


def test_winner_slots_stay_closed_before_the_case_wins(client):
    case = factories.case(title="未获奖案例")
    member_of_case = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)
    with pytest.raises(UploadRejected):
        start_resumable_upload(case=case, actor=member_of_case, slot=UploadSlot.VIDEO, name="视频.mp4", size=100, now=NOW)
    client.force_login(member_of_case)
    assert client.get(reverse("cases:winner_files", args=[case.pk])).status_code == 404


def test_the_winner_page_shows_the_three_slots_with_resumable_forms(signed_in, winner):
    page = signed_in.get(reverse("cases:winner_files", args=[winner.pk])).content.decode()
    assert page.count("data-resumable-form") == 3
    for slot in (UploadSlot.TALK_TEXT, UploadSlot.SLIDES, UploadSlot.VIDEO):
        assert reverse("cases:resumable_start", args=[winner.pk, slot]) in page
    assert "js/resumable-upload.js" in page and "<script>" not in page
    detail = signed_in.get(reverse("cases:case_detail", args=[winner.pk])).content.decode()
    assert reverse("cases:winner_files", args=[winner.pk]) in detail


def test_wrong_type_and_oversize_are_refused_at_the_start(winner, member):
    with pytest.raises(UploadRejected):
        start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name="视频.avi", size=100, now=NOW)
    with pytest.raises(UploadRejected):
        start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name="视频.mp4", size=9 * 1024 ** 3, now=NOW)


def test_expired_sessions_are_discarded_with_their_spool(winner, member):
    session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name="视频.mp4", size=MB, now=NOW)
    receive_chunk(session=session, actor=member, offset=0, length=10, stream=io.BytesIO(b"\x00" * 10), chunk_sha256=sha(b"\x00" * 10), now=NOW)
    folder = spool_path(session).parent
    old = (NOW - datetime.timedelta(days=5)).timestamp()
    os.utime(folder, (old, old))
    assert discard_expired_uploads(now=NOW + datetime.timedelta(days=2)) == 0
    assert discard_expired_uploads(now=NOW + datetime.timedelta(days=4)) == 1
    session.refresh_from_db()
    assert session.state == ResumableState.EXPIRED and not folder.exists()
    with pytest.raises(ChunkRefused):
        finish_resumable_upload(session=session, actor=member, sha256="0" * 64, now=NOW + datetime.timedelta(days=4))
    assert discard_expired_uploads(now=NOW + datetime.timedelta(days=4)) == 0  # safe to run twice


def test_a_slot_keeps_at_most_three_open_sessions_and_the_disk_is_checked(winner, member, monkeypatch):
    import shutil as shutil_module
    from collections import namedtuple

    from cases.resumable import MAX_OPEN_SESSIONS_PER_SLOT

    sessions = [start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name=f"视频{n}.mp4", size=MB + n,
                                       now=NOW + datetime.timedelta(seconds=n)) for n in range(5)]
    still_open = ResumableUpload.objects.filter(case=winner, slot=UploadSlot.VIDEO, state=ResumableState.OPEN)
    assert still_open.count() == MAX_OPEN_SESSIONS_PER_SLOT == 3
    assert set(still_open.values_list("pk", flat=True)) == {s.pk for s in sessions[-3:]}
    assert not spool_path(sessions[0]).exists() and spool_path(sessions[-1]).exists()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil_module, "disk_usage", lambda path: usage(10 * MB, 10 * MB, 1 * MB))
    with pytest.raises(UploadRejected, match="服务器暂时没有足够空间"):
        start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO, name="大视频.mp4", size=500 * MB, now=NOW)


def test_the_spool_of_an_unfinished_upload_has_the_live_uploads_modes_whatever_the_umask(member, winner, settings, tmp_path):
    # Arrange: a permissive umask and an upload folder that does not exist yet.
    settings.MEDIA_ROOT = tmp_path / "uploads"
    previous = os.umask(0)
    try:
        # Act
        session = start_resumable_upload(case=winner, actor=member, slot=UploadSlot.VIDEO,
                                         name="焊接机器人柔性产线+视频.mp4", size=3 * MB)
    finally:
        os.umask(previous)

    # Assert: as private as the stored uploads (FILE_UPLOAD_PERMISSIONS / _DIRECTORY_PERMISSIONS).
    spool = spool_path(session)
    assert oct(spool.stat().st_mode & 0o777) == oct(settings.FILE_UPLOAD_PERMISSIONS) == "0o640"
    for folder in (spool.parent, spool.parent.parent, tmp_path / "uploads"):
        assert oct(folder.stat().st_mode & 0o777) == oct(settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS) == "0o750"


def _queued_work(callbacks) -> list:
    """The on-commit callbacks that queue work, without the public pages' cache invalidation
    (portal.public_cache marks every anonymous page stale after any change of what they show)."""
    return [callback for callback in callbacks if getattr(callback, "__name__", "") != "_new_generation"]

"""Uploads on S3-compatible object storage, for real: a local S3 server (moto, its own process,
tests/s3.py) behind django-storages, nothing patched. Upload, check, preview, download, package,
archive and backup run against it; objects are private; reads stream (never a whole file in memory)."""

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tracemalloc
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cases.checks import check_upload
from cases.enums import CaseStatus, Role, Tier, UploadSlot, ValidationState
from cases.models import Upload
from portal.storage import PrivateS3Storage
from review.closing.archive import MANIFEST, stream_archive
from tests import factories
from tests.closing.test_archive import seeded_campaign
from tests.review.conftest import campaign_2024, county_world, make_case  # noqa: F401 (fixtures)
from tests.s3 import new_bucket
from tests.validation.builders import conforming_narrative

ROOT = Path(__file__).resolve().parents[2]
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
MB = 1024 * 1024
needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by make test")


def _local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _anonymous_get(s3_storage, key: str) -> int:
    try:
        with urllib.request.urlopen(f"{s3_storage.server.endpoint_url}/{s3_storage.name}/{key}", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refusal:
        return refusal.code


@pytest.mark.django_db
def test_an_upload_through_the_page_becomes_a_private_object_and_is_checked_from_the_bucket(
        s3_storage, client, settings, monkeypatch, django_capture_on_commit_callbacks):
    factories.freeze_now(monkeypatch, OPEN)
    case = factories.case(title="煤矸石综合利用新工艺")
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise))
    photo = factories.jpeg_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:upload_file", args=[case.pk, UploadSlot.PHOTO_EXTERIOR]),
                               {"file": SimpleUploadedFile("煤矸石综合利用新工艺+企业外景.jpg", photo)}, **XHR)

    upload = Upload.objects.get()
    assert response.status_code == 200 and response.json()["ok"] is True
    assert isinstance(default_storage._wrapped, PrivateS3Storage)
    # The upload, and the public copies a worker made once its check passed (thumbnail, display size).
    assert [key for key in s3_storage.keys() if not key.startswith("renditions/")] == [upload.file.name]
    assert s3_storage.read(upload.file.name) == photo
    assert upload.sha256 == hashlib.sha256(photo).hexdigest()
    # Private: only the owner holds a grant, and an unsigned request is refused.
    grants = s3_storage.client().get_object_acl(Bucket=s3_storage.name, Key=upload.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    assert _anonymous_get(s3_storage, upload.file.name) == 403
    # The check (run in-process here) read the object from the bucket and stored its findings.
    assert upload.validation_state == ValidationState.DONE
    # A 120×80 test JPEG: a real JPEG (read from the bucket), far below the notice's 2 MB.
    assert {finding["rule"] for finding in upload.findings if finding["severity"] == "error"} == {"photo.too_small"}
    assert _local_files(settings) == []


@pytest.mark.django_db
def test_a_download_is_permission_checked_and_streams_from_the_bucket_without_holding_the_file(
        s3_storage, client, monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)
    case = factories.case(title="大文件案例", status=CaseStatus.WINNER)
    video = b"\x00\x00\x00\x18ftypmp42" + os.urandom(24 * MB)
    upload = factories.upload(case, UploadSlot.VIDEO, video, "大文件案例+视频.mp4")
    url = reverse("cases:download_file", args=[case.pk, upload.pk])
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise()))
    assert client.get(url).status_code == 404  # another enterprise: as if the file did not exist
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise))

    tracemalloc.start()
    response = client.get(url)
    digest, size = hashlib.sha256(), 0
    for block in response.streaming_content:
        digest.update(block)
        size += len(block)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert response["Content-Length"] == str(len(video))
    assert (size, digest.hexdigest()) == (len(video), hashlib.sha256(video).hexdigest())
    # A 24 MiB object passes in blocks: Python never held more than a few MiB of it at once.
    assert peak < 6 * MB, peak


@pytest.mark.django_db
def test_reads_seek_within_an_object_with_ranged_requests(s3_storage):
    data = bytes(range(256)) * 40_000
    name = default_storage.save("probe/ranges.bin", io.BytesIO(data))

    with default_storage.open(name, "rb") as handle:
        handle.seek(5_000_000)
        middle = handle.read(1000)
        handle.seek(-10, os.SEEK_END)
        tail = handle.read()
        handle.seek(0)
        head = handle.read(3)

    assert (middle, tail, head) == (data[5_000_000:5_001_000], data[-10:], data[:3])
    assert default_storage.size(name) == len(data)
    with pytest.raises(FileNotFoundError):
        default_storage.open("probe/missing.bin", "rb")


@needs_libreoffice
@pytest.mark.django_db
def test_a_word_narrative_is_checked_and_its_preview_rendered_and_served_from_the_bucket(s3_storage, client, county_world,
                                                                                          django_capture_on_commit_callbacks):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "预览案例")
    upload = factories.upload(case, UploadSlot.NARRATIVE, conforming_narrative(), "案例概要.docx", state=ValidationState.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        check_upload(upload.pk)

    upload.refresh_from_db()
    assert (upload.validation_state, upload.preview_state) == (ValidationState.DONE, ValidationState.DONE)
    assert sorted(s3_storage.keys()) == sorted([upload.file.name, upload.preview.name])
    client.force_login(county_world["staff"][Tier.COUNTY])
    response = client.get(reverse("review:upload_preview", args=[upload.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == s3_storage.read(upload.preview.name)


@pytest.mark.django_db
def test_the_package_zips_the_objects_of_the_bucket(s3_storage, client, monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)
    enterprise = factories.enterprise(name="山西示范智能装备有限公司")
    case = factories.complete_case(enterprise, title="煤矸石综合利用新工艺", completing_unit="山西示范智能装备有限公司")
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise))

    response = client.get(reverse("cases:package", args=[case.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    exterior = Upload.objects.get(case=case, slot=UploadSlot.PHOTO_EXTERIOR)
    assert archive.read("山西示范智能装备有限公司+照片/煤矸石综合利用新工艺+企业外景.jpg") == s3_storage.read(exterior.file.name)
    narrative = Upload.objects.get(case=case, slot=UploadSlot.NARRATIVE)
    assert archive.read("煤矸石综合利用新工艺+案例概要.docx") == s3_storage.read(narrative.file.name)
    assert archive.testzip() is None


@pytest.mark.django_db
def test_the_campaign_archive_reads_every_file_from_the_bucket(s3_storage, monkeypatch):
    factories.freeze_now(monkeypatch, datetime.datetime(2024, 11, 20, 10, 0, tzinfo=BEIJING))
    campaign, cases, _draft = seeded_campaign()

    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_archive(campaign, generated_by="staff"))))

    manifest = json.loads(archive.read(MANIFEST))
    stored = {hashlib.sha256(s3_storage.read(key)).hexdigest() for key in s3_storage.keys()}
    archived = {member["sha256"] for member in manifest["members"]}
    # Every upload and stored table of the seeded campaign came out of the bucket into the archive.
    assert stored <= archived
    video = next(name for name in archive.namelist() if name.endswith("焊接机器人柔性产线创新+视频.mp4"))
    winner_video = Upload.objects.get(case=cases[0], slot=UploadSlot.VIDEO)
    assert archive.read(video) == s3_storage.read(winner_video.file.name)


def _database_url(name: str) -> str:
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    return f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_the_bucket_restores_into_another_bucket_with_every_checksum(s3_storage, s3_server, tmp_path):
    from tests.portal.test_backup import _pg, _seed_campaign

    cases = _seed_campaign()
    uploads = {row.file.name: row.sha256 for row in Upload.objects.filter(case__in=cases)}
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert {entry["path"]: entry["sha256"] for entry in manifest["files"]} == uploads
    assert manifest["missing_files"] == []

    target = new_bucket(s3_server)
    database = f"test_restore_s3_{os.getpid()}"
    _pg("dropdb", "--if-exists", "--force", database)
    _pg("createdb", database)
    try:
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update({"DATABASE_URL": _database_url(database), "DEBUG": "0", "HTTPS": "0", **target.env})
        result = subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
    finally:
        _pg("dropdb", "--if-exists", "--force", database)

    assert result.returncode == 0, result.stdout + result.stderr
    assert target.keys() == sorted(uploads)
    assert {key: hashlib.sha256(target.read(key)).hexdigest() for key in target.keys()} == uploads
    target.empty()

"""Uploaded files are checked against the notice's rules; findings are stored per version and reused."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from cases.checks import check_upload
from cases.enums import UploadSlot, ValidationState
from cases.models import Upload
from cases.tasks import check_upload_task
from tests import factories
from tests.validation.builders import camera_photos, conforming_narrative_with_photos, png_bytes


def stored_upload(case, slot: str, data: bytes, name: str) -> Upload:
    upload = Upload(case=case, slot=slot, original_name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    upload.file.save(name, ContentFile(data), save=False)
    upload.save()
    return upload


@pytest.fixture
def case_of_unit(db):
    enterprise = factories.enterprise(name="山西示例科技有限公司")
    return factories.case(enterprise, title="煤矸石综合利用新工艺", completing_unit="山西示例科技有限公司")


@pytest.mark.django_db
def test_a_conforming_narrative_comes_back_clean(case_of_unit):
    upload = stored_upload(case_of_unit, UploadSlot.NARRATIVE, conforming_narrative_with_photos(), "案例概要.docx")
    checked = check_upload(upload.pk)
    assert checked.validation_state == ValidationState.DONE
    assert [f for f in checked.findings if f["severity"] in ("error", "warning")] == []
    assert checked.validation_key.startswith(upload.sha256 + ":narrative:")


@pytest.mark.django_db
def test_a_png_renamed_to_jpg_is_an_error_finding_with_a_fix(case_of_unit):
    upload = stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, png_bytes(), "煤矸石综合利用新工艺+企业外景.jpg")
    checked = check_upload(upload.pk)
    rules = {finding["rule"]: finding for finding in checked.findings}
    assert rules["photo.not_jpeg"]["severity"] == "error"
    assert rules["photo.not_jpeg"]["fix"]
    assert rules["photo.not_jpeg"] in checked.blocking_findings


@pytest.mark.django_db
def test_identical_bytes_reuse_the_stored_findings(case_of_unit):
    exterior, _, _ = camera_photos()
    first = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "a+企业外景.jpg").pk)
    # Mark the stored findings: a reused result carries the mark, a fresh run would not.
    marker = [{"rule": "marker", "severity": "info", "message": "reused"}]
    Upload.objects.filter(pk=first.pk).update(findings=marker)
    second = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "b+企业外景.jpg").pk)
    assert second.findings == marker
    assert second.validation_key == first.validation_key


@pytest.mark.django_db
def test_checking_twice_changes_nothing(case_of_unit):
    upload = stored_upload(case_of_unit, UploadSlot.PHOTO_SCENE, png_bytes(), "x.jpg")
    first = check_upload(upload.pk)
    again = check_upload(upload.pk)
    assert (again.findings, again.validated_at) == (first.findings, first.validated_at)


def test_an_unknown_upload_id_is_ignored(db):
    assert check_upload(987654321) is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_an_upload(celery_worker_process, settings):
    # The worker process reads files through the same storage folder.
    settings.MEDIA_ROOT = celery_worker_process.media_root
    enterprise = factories.enterprise()
    case = factories.case(enterprise)
    upload = stored_upload(case, UploadSlot.PHOTO_PRODUCT, png_bytes(), "y.jpg")
    result = check_upload_task.delay(upload.pk)
    assert result.get(timeout=60) == ValidationState.DONE
    upload.refresh_from_db()
    assert "photo.not_jpeg" in {finding["rule"] for finding in upload.findings}


@pytest.mark.django_db
def test_finding_counts_are_kept_beside_the_findings(case_of_unit):
    upload = stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, png_bytes(), "z.jpg")
    checked = check_upload(upload.pk)
    assert checked.error_count == sum(1 for f in checked.findings if f["severity"] == "error")
    assert checked.error_count >= 2  # not a JPEG, and far below 2 MB
    assert checked.warning_count == sum(1 for f in checked.findings if f["severity"] == "warning")

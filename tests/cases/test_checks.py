"""Uploaded files are checked against the notice's rules; findings are stored per version and reused."""

import hashlib
from dataclasses import replace

import pytest
from django.core.files.base import ContentFile

from cases.checks import check_upload, validation_key_for
from cases.enums import UploadSlot, ValidationState
from cases.models import Upload
from cases.tasks import check_upload_task
from cases.validation.limits import ValidationContext, ValidationLimits
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


def mark_findings_as_reused(upload: Upload) -> list[dict]:
    """Overwrite stored findings with a marker: a later upload that carries the marker reused them,
    one that does not ran the checks itself."""
    marker = [{"rule": "marker", "severity": "info", "message": "reused"}]
    Upload.objects.filter(pk=upload.pk).update(findings=marker)
    return marker


@pytest.mark.django_db
def test_identical_bytes_under_the_same_name_reuse_the_stored_findings(case_of_unit):
    exterior, _, _ = camera_photos()
    first = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "煤矸石综合利用新工艺+企业外景.jpg").pk)
    marker = mark_findings_as_reused(first)

    second = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "煤矸石综合利用新工艺+企业外景.jpg").pk)

    assert second.findings == marker
    assert second.validation_key == first.validation_key


@pytest.mark.django_db
def test_a_wrongly_named_photo_renamed_correctly_loses_the_name_warning(case_of_unit):
    exterior, _, _ = camera_photos()
    wrongly_named = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "c7_ext.jpg").pk)
    mark_findings_as_reused(wrongly_named)

    renamed = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "煤矸石综合利用新工艺+企业外景.jpg").pk)

    assert renamed.validation_key != wrongly_named.validation_key
    assert "photo.name" not in {finding["rule"] for finding in renamed.findings}
    assert "marker" not in {finding["rule"] for finding in renamed.findings}


@pytest.mark.django_db
def test_a_wrongly_named_copy_of_a_good_photo_gets_its_own_name_warning(case_of_unit):
    exterior, _, _ = camera_photos()
    good = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "煤矸石综合利用新工艺+企业外景.jpg").pk)
    assert "photo.name" not in {finding["rule"] for finding in good.findings}

    copy = check_upload(stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "c7_ext.jpg").pk)

    name_findings = [finding for finding in copy.findings if finding["rule"] == "photo.name"]
    assert [(f["severity"], f["message"]) for f in name_findings] == [
        ("warning", "文件名“c7_ext.jpg”不符合“煤矸石综合利用新工艺+企业外景”的要求。")
    ]
    assert copy.warning_count == good.warning_count + 1


@pytest.mark.django_db
def test_renaming_the_case_makes_the_next_check_judge_the_names_again(case_of_unit):
    exterior, _, _ = camera_photos()
    upload = stored_upload(case_of_unit, UploadSlot.PHOTO_EXTERIOR, exterior, "煤矸石综合利用新工艺+企业外景.jpg")
    before = check_upload(upload.pk)
    case_of_unit.title = "另一个案例"
    case_of_unit.save()

    after = check_upload(upload.pk)

    assert "photo.name" not in {finding["rule"] for finding in before.findings}
    assert [f["found"] for f in after.findings if f["rule"] == "photo.name"] == ["煤矸石综合利用新工艺+企业外景.jpg"]
    assert after.validation_key != before.validation_key


@pytest.mark.parametrize(
    "changed",
    [
        {"original_name": "other+企业外景.jpg"},
        {"unit_name": "另一家公司"},
        {"case_name": "另一个案例"},
        {"region_name": "大同市"},
        {"limits": ValidationLimits(min_photo_bytes=3 * 1024 * 1024)},
    ],
    ids=lambda changed: next(iter(changed)),
)
def test_every_input_a_rule_reads_is_in_the_validation_key(changed):
    upload = Upload(slot=UploadSlot.PHOTO_EXTERIOR, original_name="案例+企业外景.jpg", sha256="a" * 64)
    context = ValidationContext(unit_name="单位", case_name="案例", region_name="太原市")
    key = validation_key_for(upload, context)
    changed_upload = Upload(slot=upload.slot, sha256=upload.sha256, original_name=changed.get("original_name", upload.original_name))
    changed_context = replace(context, **{name: value for name, value in changed.items() if name != "original_name"})

    assert validation_key_for(changed_upload, changed_context) != key
    assert validation_key_for(Upload(slot=upload.slot, sha256=upload.sha256, original_name=upload.original_name), replace(context)) == key
    assert len(key) <= Upload._meta.get_field("validation_key").max_length


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


@pytest.mark.django_db
def test_the_narrative_lengths_are_the_campaigns_and_part_of_the_key(case_of_unit):
    upload = stored_upload(case_of_unit, UploadSlot.NARRATIVE, conforming_narrative_with_photos(), "案例概要.docx")
    before = check_upload(upload.pk)
    campaign = case_of_unit.campaign
    campaign.narrative_notice_chars, campaign.narrative_max_chars = 100, 150  # shorter than the narrative
    campaign.save()

    after = check_upload(upload.pk)

    assert [f["rule"] for f in before.findings] == []
    assert [(f["rule"], f["severity"]) for f in after.findings] == [("narrative.length", "warning")]
    assert "limit" not in after.findings[0] and "150" in after.findings[0]["message"]
    assert after.validation_key != before.validation_key

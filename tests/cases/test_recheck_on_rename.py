"""Check results follow the case: renaming the case after uploading re-checks the files whose rules
read the name (photo and video names), so a pass or a warning never stays from the old name."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.checks import uploads_to_recheck
from cases.enums import Role, UploadSlot, ValidationState
from cases.models import Upload
from cases.services import save_case_draft, store_upload
from cases.tasks import check_upload_task
from tests import factories
from tests.validation.builders import photo_bytes

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case():
    return factories.case(title="甲案例")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


@pytest.fixture
def exterior(case, member, django_capture_on_commit_callbacks) -> Upload:
    with django_capture_on_commit_callbacks(execute=True):
        upload = store_upload(case=case, actor=member, slot=UploadSlot.PHOTO_EXTERIOR,
                              uploaded_file=SimpleUploadedFile("甲案例+企业外景.jpg", photo_bytes()), now=OPEN)
    upload.refresh_from_db()
    assert (upload.validation_state, upload.findings) == (ValidationState.DONE, [])
    return upload


def rename(case, member, title, capture):
    case.refresh_from_db()
    with capture(execute=True):
        return save_case_draft(case=case, actor=member, values={"title": title}, expected_version=case.version, now=OPEN)


def test_renaming_the_case_rechecks_the_photo_named_after_the_old_name(case, member, exterior, django_capture_on_commit_callbacks):
    rename(case, member, "乙案例", django_capture_on_commit_callbacks)

    exterior.refresh_from_db()
    assert exterior.validation_state == ValidationState.DONE
    assert [(finding["rule"], finding["severity"]) for finding in exterior.findings] == [("photo.name", "warning")]
    assert "乙案例+企业外景" in exterior.findings[0]["expected"]
    assert exterior.warning_count == 1


def test_renaming_back_clears_the_warning(case, member, exterior, django_capture_on_commit_callbacks):
    rename(case, member, "乙案例", django_capture_on_commit_callbacks)

    rename(case, member, "甲案例", django_capture_on_commit_callbacks)

    exterior.refresh_from_db()
    assert (exterior.validation_state, exterior.findings, exterior.warning_count) == (ValidationState.DONE, [], 0)


def test_a_change_no_rule_reads_rechecks_nothing(case, member, exterior, django_capture_on_commit_callbacks):
    checked_at = exterior.validated_at
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save_case_draft(case=case, actor=member, values={"contact_phone": "0351-1234567"},
                        expected_version=case.version, now=OPEN)

    exterior.refresh_from_db()
    assert len(_queued_work(callbacks)) == 1  # the recheck looked …
    assert uploads_to_recheck(case.pk) == []  # … and found every key still current
    assert (exterior.validated_at, exterior.validation_state) == (checked_at, ValidationState.DONE)


def test_a_save_that_changes_nothing_queues_nothing(case, member, exterior, django_capture_on_commit_callbacks):
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save_case_draft(case=case, actor=member, values={"title": "甲案例"}, expected_version=case.version, now=OPEN)

    assert callbacks == []


def test_stale_files_wait_for_their_check_and_superseded_ones_are_left_alone(case, member, exterior):
    old = factories.upload(case, UploadSlot.PHOTO_PRODUCT, photo_bytes(seed=2), "甲案例+实物图.jpg", superseded=True)
    case.title = "乙案例"
    case.save(update_fields=["title"])

    queued = uploads_to_recheck(case.pk)

    exterior.refresh_from_db()
    old.refresh_from_db()
    assert queued == [exterior.pk]
    assert exterior.validation_state == ValidationState.PENDING
    assert old.validation_state == ValidationState.DONE


def test_the_save_succeeds_when_the_broker_is_down_and_the_file_shows_as_being_checked(
    case, member, exterior, client, monkeypatch, django_capture_on_commit_callbacks,
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(check_upload_task, "apply_async", broker_down)

    saved = rename(case, member, "乙案例", django_capture_on_commit_callbacks)

    exterior.refresh_from_db()
    assert saved.title == "乙案例"
    # Marked as waiting: the page shows it being checked, submission waits, the periodic requeue
    # (portal.requeue_pending_work) sends it again.
    assert exterior.validation_state == ValidationState.PENDING
    client.force_login(member)
    fragment = client.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.PHOTO_EXTERIOR])).content.decode()
    assert "data-checking" in fragment.split(">")[0]
    assert "检查中…" in fragment


def _queued_work(callbacks) -> list:
    """The on-commit callbacks that queue work, without the public pages' cache invalidation
    (portal.public_cache marks every anonymous page stale after any change of what they show)."""
    return [callback for callback in callbacks if getattr(callback, "__name__", "") != "_new_generation"]

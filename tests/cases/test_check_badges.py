"""The badge beside each file: checking, problems to fix, passed, and passed with warnings (a
distinct state: a file with 提醒 is not shown as plainly 符合要求)."""

import datetime

import pytest
from django.urls import reverse

from cases.enums import Role, UploadSlot, ValidationState
from cases.models import Upload
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
WARNING = {"rule": "talk_text.length", "severity": "warning", "message": "宣讲文字材料约 7 字，应为2000字左右。",
           "expected": "", "found": "7", "location": "", "fix": ""}
ERROR = {**WARNING, "rule": "photo.too_small", "severity": "error", "message": "照片小于2MB"}


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case():
    return factories.case(title="甲案例")


@pytest.fixture
def signed_in(client, case):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise))
    return client


def checked(case, findings: list[dict]) -> Upload:
    upload = factories.upload(case, UploadSlot.PHOTO_EXTERIOR, factories.jpeg_bytes(), "甲案例+企业外景.jpg", findings=findings)
    Upload.objects.filter(pk=upload.pk).update(
        error_count=sum(1 for finding in findings if finding["severity"] == "error"),
        warning_count=sum(1 for finding in findings if finding["severity"] == "warning"),
    )
    return upload


def badge(client, case) -> str:
    html = client.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.PHOTO_EXTERIOR])).content.decode()
    return html.split('<p class="file-name">')[1].split("</span>")[0] + "</span>"


def test_a_clean_pass_is_green(signed_in, case):
    checked(case, [])

    assert badge(signed_in, case) == '<span class="check check-ok">符合要求</span>'


def test_a_pass_with_warnings_says_so_in_its_own_colour(signed_in, case):
    checked(case, [WARNING, {**WARNING, "rule": "photo.name"}])

    assert badge(signed_in, case) == '<span class="check check-ok check-ok-warnings">符合要求，有 2 条提醒</span>'


def test_errors_win_over_warnings(signed_in, case):
    checked(case, [ERROR, WARNING])

    assert badge(signed_in, case) == '<span class="check check-error">1 处须修改</span>'


def test_a_file_being_checked_shows_no_result(signed_in, case):
    upload = checked(case, [WARNING])
    Upload.objects.filter(pk=upload.pk).update(validation_state=ValidationState.RUNNING)

    assert badge(signed_in, case) == '<span class="check check-running">检查中…</span>'


def test_the_case_page_shows_the_same_badge(signed_in, case):
    checked(case, [WARNING])

    html = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()

    assert '<span class="check check-ok check-ok-warnings">符合要求，有 1 条提醒</span>' in html

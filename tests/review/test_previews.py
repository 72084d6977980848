"""Word files are rendered to PDF by LibreOffice with the Chinese fonts mapped; PDFs and photos are shown as they are."""

import hashlib
import shutil

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cases.enums import CaseStatus, Tier, UploadSlot, ValidationState
from cases.models import Upload
from cases.checks import check_upload
from cases.previews import render_preview
from tests import factories
from tests.review.conftest import make_case
from tests.validation.builders import conforming_narrative

pytestmark = pytest.mark.django_db
needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by make test")


def stored(case, slot, data: bytes, name: str) -> Upload:
    upload = Upload(case=case, slot=slot, original_name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    upload.file.save(name, ContentFile(data), save=False)
    upload.save()
    return upload


@needs_libreoffice
def test_a_word_narrative_renders_to_pdf_with_cjk_faces(county_world, django_capture_on_commit_callbacks):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "预览案例")
    upload = stored(case, UploadSlot.NARRATIVE, conforming_narrative(), "案例概要.docx")
    assert render_preview(upload.pk) == "waiting for the check"  # LibreOffice opens only checked files
    with django_capture_on_commit_callbacks(execute=True):
        check_upload(upload.pk)  # the check passes and queues the preview (tasks run in-process here)
    upload.refresh_from_db()
    assert upload.preview_state == ValidationState.DONE
    reader = pypdf.PdfReader(upload.preview.open("rb"))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "企业简介" in text
    fonts = {str(font.get_object().get("/BaseFont")) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    # 黑体 → Noto Sans CJK, 宋体 → Noto Serif CJK, 楷体 → AR PL UKai: three distinct faces, no boxes.
    assert any("NotoSansCJK" in name for name in fonts), fonts
    assert any("NotoSerifCJK" in name for name in fonts), fonts
    assert any("UKai" in name for name in fonts), fonts
    assert render_preview(upload.pk) == ValidationState.DONE  # twice: nothing redone


def test_preview_of_a_pdf_is_inline_and_sandboxed(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "预览案例")
    upload = stored(case, UploadSlot.FORM_SCAN, b"%PDF-1.4\n%%EOF\n", "scan.pdf")
    client.force_login(county_world["staff"][Tier.COUNTY])
    response = client.get(reverse("review:upload_preview", args=[upload.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"


def test_preview_of_another_countys_file_is_a_404(client, county_world):
    other = make_case(county_world, factories.enterprise(factories.park(factories.county(county_world["city"]))),
                      CaseStatus.COUNTY_REVIEW, "外县")
    upload = stored(other, UploadSlot.FORM_SCAN, b"%PDF-1.4\n%%EOF\n", "scan.pdf")
    client.force_login(county_world["staff"][Tier.COUNTY])
    assert client.get(reverse("review:upload_preview", args=[upload.pk])).status_code == 404


def test_a_word_file_still_being_checked_shows_generating_the_preview_with_its_step(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "预览案例")
    upload = stored(case, UploadSlot.NARRATIVE, conforming_narrative(), "案例概要.docx")  # check pending
    client.force_login(county_world["staff"][Tier.COUNTY])

    page = client.get(reverse("review:upload_preview", args=[upload.pk])).content.decode()
    status = client.get(reverse("review:upload_preview_status", args=[upload.pk])).json()

    assert "正在生成预览…" in page and 'value="1" max="3"' in page
    assert 'src="/static/js/preview-wait.js"' in page and "<script>" not in page  # CSP: no inline script
    assert status == {"state": "checking", "step": 1, "steps": 3, "label": "第1步（共3步）：正在检查文件，检查完即生成预览。"}


def test_a_word_file_its_check_found_unopenable_is_never_rendered_and_the_page_says_why(
        client, county_world, django_capture_on_commit_callbacks):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "预览案例")
    upload = stored(case, UploadSlot.NARRATIVE, b"PK\x03\x04 not really", "概要.docx")
    with django_capture_on_commit_callbacks(execute=True):
        check_upload(upload.pk)
    client.force_login(county_world["staff"][Tier.COUNTY])

    page = client.get(reverse("review:upload_preview", args=[upload.pk])).content.decode()

    upload.refresh_from_db()
    assert (upload.preview_state, upload.preview.name) == (ValidationState.FAILED, "")
    assert "文件“概要.docx”（案例概要（Word））未被打开：" in page
    assert 'http-equiv="refresh"' not in page


def test_reading_the_stamped_form_in_the_browser_is_logged_as_personal_data(client):
    from cases.enums import AuditAction, Role, UploadSlot
    from cases.models import AuditEvent
    from tests.review import review_world as world

    case = world.city_case("太原市")
    scan = factories.upload(case, UploadSlot.FORM_SCAN, factories.pdf_bytes("推荐表"), "推荐表.pdf")
    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=factories.province()))
    assert client.get(reverse("review:upload_preview", args=[scan.pk])).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_DOWNLOADED, case=case)
    assert event.details["upload"] == scan.pk and "推荐表.pdf" in event.summary

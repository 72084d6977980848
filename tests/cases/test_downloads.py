"""Downloads: every file version, the blank and filled 推荐表, the package, the cover and the
checklist — permission-checked (404 outside cases_visible_to), Chinese names, audit rows."""

import datetime
import io
import zipfile
from urllib.parse import quote

import pytest
from django.urls import reverse
from docx import Document

from cases.enums import AuditAction, CaseStatus, Role, UploadSlot
from cases.models import AuditEvent, Upload
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case():
    enterprise = factories.enterprise(name="山西示范智能装备有限公司")
    return factories.complete_case(enterprise, title="煤矸石综合利用新工艺", completing_unit="山西示范智能装备有限公司",
                                   contact_phone="13812345678")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def all_download_urls(case) -> list[str]:
    upload = case.uploads.first()
    return [
        reverse("cases:download_file", args=[case.pk, upload.pk]),
        reverse("cases:filled_form", args=[case.pk]),
        reverse("cases:package", args=[case.pk]),
        reverse("cases:proof_cover", args=[case.pk]),
        reverse("cases:paper_checklist", args=[case.pk]),
    ]


def test_a_file_version_downloads_with_its_chinese_name_and_is_logged(signed_in, case, member):
    photo = Upload.objects.get(slot=UploadSlot.PHOTO_EXTERIOR)
    response = signed_in.get(reverse("cases:download_file", args=[case.pk, photo.pk]))
    with photo.file.open("rb") as handle:
        expected = handle.read()
    assert b"".join(response.streaming_content) == expected
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('煤矸石综合利用新工艺+企业外景.jpg')}"
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.case) == (AuditAction.FILE_DOWNLOADED, member, case)
    assert event.summary == "企业外景照片（JPG）: 煤矸石综合利用新工艺+企业外景.jpg"
    assert event.details == {"upload": photo.pk, "sha256": photo.sha256}


def test_an_earlier_version_stays_downloadable(signed_in, case):
    old = factories.upload(case, UploadSlot.FORM_SCAN, factories.pdf_bytes("旧"), "旧扫描件.pdf", superseded=True)
    response = signed_in.get(reverse("cases:download_file", args=[case.pk, old.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_enterprise_gets_404_for_every_download(client, case):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise()))
    for url in all_download_urls(case):
        assert client.get(url).status_code == 404, url
    assert AuditEvent.objects.count() == 0


def test_a_file_of_another_case_is_404_even_through_an_own_case(signed_in, case):
    stranger_case = factories.complete_case(factories.enterprise())
    foreign = stranger_case.uploads.first()
    assert signed_in.get(reverse("cases:download_file", args=[case.pk, foreign.pk])).status_code == 404


def test_association_staff_download_submitted_cases_but_not_drafts(client, case):
    staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    client.force_login(staff)
    assert client.get(all_download_urls(case)[0]).status_code == 404
    case.status = CaseStatus.SUBMITTED
    case.save()
    for url in all_download_urls(case):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    for url in [*all_download_urls(case), reverse("cases:blank_form")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_blank_form_is_there_for_any_signed_in_user(client):
    client.force_login(factories.user(Role.COUNTY_STAFF, organisation_=factories.county()))
    response = client.get(reverse("cases:blank_form"))
    document = Document(io.BytesIO(response.content))
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('2024年山西省企业典型创新案例推荐表.docx')}"
    assert document.tables[0].cell(0, 0).text == "案例名称"
    assert document.tables[0].cell(0, 1).text == ""


def test_the_filled_form_merges_the_narrative_and_is_logged_as_personal_data(signed_in, case, member):
    response = signed_in.get(reverse("cases:filled_form", args=[case.pk]))
    # Built by the task (in-process here, as in the embedded default) and served from storage.
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('煤矸石综合利用新工艺+推荐表.docx')}"
    assert "煤矸石综合利用新工艺" in cells and "13812345678" in cells
    assert "案例概要正文" in text  # the uploaded narrative, attached as 附页
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.case, event.summary) == (
        AuditAction.PERSONAL_DATA_DOWNLOADED, member, case, "下载了填好的推荐表")


def test_a_narrative_that_cannot_be_attached_gives_no_incomplete_form(signed_in, case):
    # An OLE file without a Word stream: no 附页 can be made of it (tests/cases/test_filled_form_doc.py).
    Upload.objects.filter(slot=UploadSlot.NARRATIVE).delete()
    factories.upload(case, UploadSlot.NARRATIVE, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "概要.doc")
    response = signed_in.get(reverse("cases:filled_form", args=[case.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("cases:case_detail", args=[case.pk]))
    assert not AuditEvent.objects.exists()


def test_the_package_streams_a_zip_with_the_notices_names_and_is_logged(signed_in, case, member):
    response = signed_in.get(reverse("cases:package", args=[case.pk]))
    data = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    exterior = Upload.objects.get(slot=UploadSlot.PHOTO_EXTERIOR)
    assert response.streaming is True
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('太原市+山西示范智能装备有限公司+煤矸石综合利用新工艺.zip')}")
    assert "山西示范智能装备有限公司+照片/煤矸石综合利用新工艺+企业外景.jpg" in names
    with exterior.file.open("rb") as handle:
        assert archive.read("山西示范智能装备有限公司+照片/煤矸石综合利用新工艺+企业外景.jpg") == handle.read()
    assert "煤矸石综合利用新工艺+推荐表.docx" in names
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.case) == (AuditAction.PERSONAL_DATA_DOWNLOADED, member, case)
    assert event.summary == "下载了材料包：太原市+山西示范智能装备有限公司+煤矸石综合利用新工艺.zip"


def test_the_cover_and_the_checklist_open_in_word(signed_in, case):
    cover = Document(io.BytesIO(signed_in.get(reverse("cases:proof_cover", args=[case.pk])).content))
    checklist = Document(io.BytesIO(signed_in.get(reverse("cases:paper_checklist", args=[case.pk])).content))
    cover_text = [cell.text for row in cover.tables[0].rows for cell in row.cells]
    assert "煤矸石综合利用新工艺" in cover_text
    assert "太原市" in cover_text
    assert any("证明材料" in paragraph.text for paragraph in checklist.paragraphs + [
        paragraph for table in checklist.tables for row in table.rows for cell in row.cells for paragraph in cell.paragraphs])


def test_no_page_links_a_public_media_url(signed_in, case):
    for name in ("case_detail", "case_files"):
        html = signed_in.get(reverse(f"cases:{name}", args=[case.pk])).content.decode()
        assert "/media-not-served/" not in html
        assert reverse("cases:download_file", args=[case.pk, case.uploads.first().pk]) in html

"""Upload slots: streaming with a size limit and SHA-256, content sniffing, safe names, versions,
proofs, permissions, the CSRF check, the status fragment and the check findings."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import Client
from django.urls import reverse

from cases.enums import CaseStatus, Role, UploadSlot, ValidationState
from cases.models import Upload
from cases.services import CaseNotEditable, store_upload, withdraw_upload
from cases.slots import SLOT_RULES, SlotRule
from cases.uploads import SlotUploadHandler, UploadRejected, display_name
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
CLOSED = datetime.datetime(2024, 9, 3, 0, 0, tzinfo=BEIJING)
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case():
    return factories.case(title="煤矸石综合利用新工艺")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def post_file(client, case, slot, name, data, **extra):
    return client.post(reverse("cases:upload_file", args=[case.pk, slot]),
                       {"file": SimpleUploadedFile(name, data)}, **extra)


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- the happy path ---------------------------------------------------------------------------

def test_a_photo_is_streamed_to_storage_with_its_receipt_and_checked(signed_in, case, member, django_capture_on_commit_callbacks):
    photo = factories.jpeg_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(signed_in, case, UploadSlot.PHOTO_EXTERIOR, "煤矸石综合利用新工艺+企业外景.jpg", photo, **XHR)
    upload = Upload.objects.get()
    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is True
    assert body["message"] == f"“煤矸石综合利用新工艺+企业外景.jpg”已上传（{len(photo)} 字节），正在检查，结果将显示在下方。"
    assert (upload.slot, upload.original_name, upload.size, upload.uploaded_by) == (
        UploadSlot.PHOTO_EXTERIOR, "煤矸石综合利用新工艺+企业外景.jpg", len(photo), member)
    assert upload.sha256 == hashlib.sha256(photo).hexdigest()
    assert upload.file.name.startswith(f"cases/{case.pk}/{UploadSlot.PHOTO_EXTERIOR}/")
    with upload.file.open("rb") as handle:
        assert handle.read() == photo
    # The check ran (eagerly, after commit): a 120×80 photo is far below 2 MB.
    assert upload.validation_state == ValidationState.DONE
    assert any(finding["severity"] == "error" for finding in upload.findings)
    assert "检查中…" in body["html"] and upload.sha256 in body["html"]
    fragment = signed_in.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.PHOTO_EXTERIOR])).content.decode()
    assert "data-checking" not in fragment.split(">")[0]
    assert "须修改" in fragment


def test_a_plain_form_post_redirects_to_the_slot_with_a_message(signed_in, case):
    response = post_file(signed_in, case, UploadSlot.FORM_SCAN, "推荐表.pdf", factories.pdf_bytes())
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_files", args=[case.pk]) + "#slot-form_scan"
    assert Upload.objects.get().original_name == "推荐表.pdf"


def test_the_handler_streams_to_a_temporary_file_and_hashes_on_the_way():
    handler = SlotUploadHandler(max_bytes=10)
    handler.new_file("file", "a.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF-", 0)
    handler.receive_data_chunk(b"12345", 5)
    received = handler.file_complete(10)
    assert isinstance(received, TemporaryUploadedFile)
    assert (received.size, received.sha256, received.read()) == (10, hashlib.sha256(b"%PDF-12345").hexdigest(), b"%PDF-12345")


def test_the_handler_stops_as_soon_as_the_slot_limit_is_passed():
    handler = SlotUploadHandler(max_bytes=8)
    handler.new_file("file", "a.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF-", 0)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"1234", 5)
    assert stopped.value.connection_reset is False
    assert handler.error == "文件超过此处允许的大小（最大 8 字节），请压缩后重新上传。"
    handler.file.seek(0)
    assert handler.file.read() == b"%PDF-"  # what passed the limit was never written


def test_the_handler_refuses_a_declared_length_over_the_limit_before_reading():
    handler = SlotUploadHandler(max_bytes=8)
    with pytest.raises(StopUpload):
        handler.new_file("file", "a.pdf", "application/pdf", 9)
    assert handler.error.startswith("文件超过此处允许的大小")


def test_an_oversized_upload_gets_a_chinese_message_and_nothing_is_stored(signed_in, case, monkeypatch, settings):
    monkeypatch.setattr(SlotRule, "max_bytes", lambda self, limits=None: 1024)
    response = post_file(signed_in, case, UploadSlot.FORM_SCAN, "大文件.pdf", b"%PDF-" + b"0" * 5000, **XHR)
    assert response.status_code == 400
    assert response.json()["message"] == "文件超过此处允许的大小（最大 1 KB），请压缩后重新上传。"
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


# --- bad files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("slot, name, data, message", [
    (UploadSlot.PHOTO_EXTERIOR, "外景.png", factories.png_bytes(), "“外景.png”的文件类型不符合要求：此处请上传 .jpg、.jpeg 文件。"),
    (UploadSlot.PHOTO_EXTERIOR, "外景", factories.jpeg_bytes(), "“外景”的文件类型不符合要求：此处请上传 .jpg、.jpeg 文件。"),
    (UploadSlot.PHOTO_EXTERIOR, "外景.jpg", factories.png_bytes(),
     "“外景.jpg”的扩展名是 .jpg，但内容实际是PNG 图片：修改扩展名不会改变文件格式。请在原软件中另存为或导出为 .jpg、.jpeg 格式后再上传。"),
    (UploadSlot.FORM_SCAN, "扫描件.pdf", factories.jpeg_bytes(),
     "“扫描件.pdf”的扩展名是 .pdf，但内容实际是JPEG 图片：修改扩展名不会改变文件格式。请在原软件中另存为或导出为 .pdf 格式后再上传。"),
    (UploadSlot.NARRATIVE, "概要.docx", factories.pdf_bytes(),
     "“概要.docx”的扩展名是 .docx，但内容实际是PDF 文档：修改扩展名不会改变文件格式。请在原软件中另存为或导出为 .docx、.doc 格式后再上传。"),
    (UploadSlot.NARRATIVE, "概要.doc", factories.docx_bytes(),
     "“概要.doc”的扩展名是 .doc，但内容实际是zip 压缩包：修改扩展名不会改变文件格式。请在原软件中另存为或导出为 .docx、.doc 格式后再上传。"),
    (UploadSlot.PROOF, "空.pdf", b"", "“空.pdf”是空文件（0 字节），请检查电脑上的文件后重新上传。"),
])
def test_bad_files_are_refused_with_a_chinese_message_and_the_current_file_stays(
    signed_in, case, settings, slot, name, data, message,
):
    kept = factories.upload(case, slot, {"photo_exterior": factories.jpeg_bytes(), "form_scan": factories.pdf_bytes(),
                                         "narrative": factories.docx_bytes(), "proof": factories.pdf_bytes()}[slot], "原文件")
    files_before = stored_files(settings)
    response = post_file(signed_in, case, slot, name, data, **XHR)
    kept.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert list(Upload.objects.all()) == [kept]
    assert kept.superseded_at is None
    assert stored_files(settings) == files_before


def test_posting_without_a_file_says_so(signed_in, case):
    response = signed_in.post(reverse("cases:upload_file", args=[case.pk, UploadSlot.PROOF]), {}, **XHR)
    assert response.status_code == 400
    assert response.json()["message"] == "请选择要上传的文件。"


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd.jpg", "passwd.jpg"),
    ("..\\..\\windows\\照片.jpg", "照片.jpg"),
    ("C:\\Users\\张三\\外景.jpg", "外景.jpg"),
    ("C:外景.jpg", "外景.jpg"),
    ("/abs/path/外景.jpg", "外景.jpg"),
    ("..", "file.jpg"),
    (".hidden.jpg", "hidden.jpg"),
    ("a\x00b\x1f<c>.jpg", "abc.jpg"),
    ("很长" * 150 + ".jpg", "很长" * 49 + "…" + "长" + "很长" * 48 + ".jpg"),  # cut in the middle
])
def test_display_names_never_carry_a_path(raw, shown):
    assert display_name(raw, fallback_extension="jpg").replace("文件", "file") == shown


def test_a_file_name_with_path_characters_is_stored_under_an_opaque_name(signed_in, case, settings):
    post_file(signed_in, case, UploadSlot.PHOTO_EXTERIOR, "../../../etc/外景.jpg", factories.jpeg_bytes())
    upload = Upload.objects.get()
    assert upload.original_name == "外景.jpg"
    stored = stored_files(settings)
    assert len(stored) == 1
    assert stored[0].is_relative_to(settings.MEDIA_ROOT / "cases" / str(case.pk) / UploadSlot.PHOTO_EXTERIOR)
    assert "外景" not in stored[0].name and ".." not in upload.file.name


# --- versions and proofs ----------------------------------------------------------------------

def test_replacing_a_single_file_keeps_the_old_one_as_a_version(signed_in, case):
    post_file(signed_in, case, UploadSlot.FORM_SCAN, "第一版.pdf", factories.pdf_bytes("一"))
    post_file(signed_in, case, UploadSlot.FORM_SCAN, "第二版.pdf", factories.pdf_bytes("二"))
    first, second = Upload.objects.order_by("pk")
    assert first.superseded_at == OPEN and second.superseded_at is None
    html = signed_in.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    assert "1 个早期版本" in html
    assert reverse("cases:download_file", args=[case.pk, first.pk]) in html
    assert "上传新文件替换（当前文件将作为早期版本保留）" in html


def test_proof_files_add_up_and_one_can_be_removed(signed_in, case):
    post_file(signed_in, case, UploadSlot.PROOF, "获奖证书.pdf", factories.pdf_bytes("一"))
    post_file(signed_in, case, UploadSlot.PROOF, "专利证书.pdf", factories.pdf_bytes("二"))
    first, second = Upload.objects.order_by("pk")
    assert first.superseded_at is None and second.superseded_at is None
    response = signed_in.post(reverse("cases:withdraw_file", args=[case.pk, first.pk]))
    first.refresh_from_db()
    assert response["Location"] == reverse("cases:case_files", args=[case.pk]) + "#slot-proof"
    assert first.superseded_at == OPEN
    assert Upload.objects.filter(superseded_at__isnull=True).get() == second


def test_a_single_file_slot_cannot_be_emptied(case, member):
    scan = factories.upload(case, UploadSlot.FORM_SCAN, factories.pdf_bytes(), "扫描件.pdf")
    with pytest.raises(CaseNotEditable, match="只能通过上传新文件来替换"):
        withdraw_upload(upload=scan, actor=member, now=OPEN)


def test_store_upload_hashes_a_file_that_did_not_come_through_the_handler(case, member):
    data = factories.pdf_bytes()
    upload = store_upload(case=case, actor=member, slot=UploadSlot.PROOF, uploaded_file=SimpleUploadedFile("证书.pdf", data), now=OPEN)
    assert (upload.size, upload.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_winner_slots_are_not_open_to_uploads(signed_in, case):
    assert post_file(signed_in, case, UploadSlot.VIDEO, "视频.mp4", b"\x00\x00\x00\x18ftypmp42").status_code == 404
    assert post_file(signed_in, case, "nonsense", "x.pdf", factories.pdf_bytes()).status_code == 404
    with pytest.raises(UploadRejected):
        store_upload(case=case, actor=factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise), slot=UploadSlot.VIDEO,
                     uploaded_file=SimpleUploadedFile("视频.mp4", b"\x00\x00\x00\x18ftypmp42"), now=OPEN)


# --- who and when ----------------------------------------------------------------------------

def test_another_enterprise_cannot_upload_and_nothing_reaches_storage(client, case, settings):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise()))
    response = post_file(client, case, UploadSlot.PROOF, "证书.pdf", factories.pdf_bytes())
    assert response.status_code == 404
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_association_staff_cannot_upload_into_a_submitted_case(client, case):
    case.status = CaseStatus.SUBMITTED
    case.save()
    client.force_login(factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association))
    assert post_file(client, case, UploadSlot.PROOF, "证书.pdf", factories.pdf_bytes()).status_code == 404


def test_uploads_after_the_deadline_are_refused(signed_in, case, member, monkeypatch):
    factories.freeze_now(monkeypatch, CLOSED)
    signed_in.force_login(member)
    response = post_file(signed_in, case, UploadSlot.PROOF, "证书.pdf", factories.pdf_bytes(), **XHR)
    assert response.status_code == 400
    assert response.json()["message"].startswith("截止时间已过（2024年9月2日 24:00，北京时间）")
    assert Upload.objects.count() == 0
    html = signed_in.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    assert "data-upload-form" not in html
    assert "此案例现为只读：材料可以下载，但不能修改。" in html


def test_a_submitted_case_takes_no_uploads(signed_in, case):
    case.status = CaseStatus.SUBMITTED
    case.save()
    response = post_file(signed_in, case, UploadSlot.PROOF, "证书.pdf", factories.pdf_bytes(), **XHR)
    assert response.status_code == 400
    assert "不能再修改" in response.json()["message"]


def test_the_upload_view_checks_the_csrf_token(case, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    refused = post_file(client, case, UploadSlot.PROOF, "证书.pdf", factories.pdf_bytes())
    assert refused.status_code == 403
    client.get(reverse("cases:case_files", args=[case.pk]))
    token = client.cookies["csrftoken"].value
    accepted = post_file(client, case, UploadSlot.PROOF, "证书.pdf", factories.pdf_bytes(), HTTP_X_CSRFTOKEN=token, **XHR)
    assert accepted.status_code == 200
    assert Upload.objects.count() == 1


# --- the slots page and its fragment ---------------------------------------------------------

def test_each_slot_states_its_rule_before_upload(signed_in, case):
    html = signed_in.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    for slot in (UploadSlot.NARRATIVE, UploadSlot.FORM_SCAN, UploadSlot.PROOF, UploadSlot.PHOTO_EXTERIOR):
        assert f'id="slot-{slot}"' in html
        assert SLOT_RULES[slot].describe() in html
    assert 'accept=".jpg,.jpeg"' in html
    assert 'data-max-bytes="104857600"' in html
    assert "接受格式：.pdf；每个文件不超过 500 MB。" in html
    assert 'id="slot-video"' not in html
    assert "/media-not-served/" not in html


def test_the_status_fragment_shows_findings_and_whether_a_check_runs(signed_in, case):
    finding = {"rule": "photo.too_small", "severity": "error", "message": "照片小于2MB", "expected": "≥ 2 MB",
               "found": "0.1 MB", "location": "外景.jpg", "fix": "请上传相机原图"}
    factories.upload(case, UploadSlot.PHOTO_EXTERIOR, factories.jpeg_bytes(), "外景.jpg", findings=[finding])
    factories.upload(case, UploadSlot.PHOTO_SCENE, factories.jpeg_bytes(), "场景图.jpg", state=ValidationState.RUNNING)
    exterior = signed_in.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.PHOTO_EXTERIOR])).content.decode()
    scene = signed_in.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.PHOTO_SCENE])).content.decode()
    assert exterior.startswith('<section class="card slot" id="slot-photo_exterior"')
    assert "data-checking" not in exterior.split(">")[0]
    for text in ("须修改", "照片小于2MB", "要求： ≥ 2 MB", "实际： 0.1 MB", "位置： 外景.jpg", "修改方法： 请上传相机原图", "1 处须修改"):
        assert text in exterior
    assert "data-checking" in scene.split(">")[0]
    assert "检查中…" in scene


def test_a_findings_technical_detail_is_folded_into_a_technical_information_line(signed_in, case):
    finding = {"rule": "pdf.unreadable", "severity": "error", "message": "文件无法作为 PDF 读取：文件已损坏。",
               "found": "文件已损坏", "location": "", "fix": "请重新扫描", "detail": "PdfStreamError: Stream has ended unexpectedly"}
    earlier = {key: value for key, value in finding.items() if key != "detail"}  # stored before the field existed
    factories.upload(case, UploadSlot.FORM_SCAN, factories.pdf_bytes(), "推荐表.pdf", findings=[finding])
    factories.upload(case, UploadSlot.PROOF, factories.pdf_bytes(), "证明.pdf", findings=[earlier])

    scan = signed_in.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.FORM_SCAN])).content.decode()
    proof = signed_in.get(reverse("cases:slot_status", args=[case.pk, UploadSlot.PROOF])).content.decode()

    assert ('<details class="tech-detail"><summary>技术信息</summary>'
            "<code>PdfStreamError: Stream has ended unexpectedly</code></details>") in scan
    assert scan.count("Stream has ended") == 1
    assert "tech-detail" not in proof and "文件已损坏" in proof


def test_the_files_page_has_no_inline_script(signed_in, case):
    html = signed_in.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    scripts = [line.strip() for line in html.splitlines() if "<script" in line]
    assert all(script.startswith('<script src="/static/js/') for script in scripts)  # none inline
    assert {'<script src="/static/js/slot-status.js" defer></script>', '<script src="/static/js/case-files.js" defer></script>'} <= set(scripts)
    assert "style=" not in html

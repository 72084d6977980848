"""Issue 11 defect 1: an uploaded document that inflates to hundreds of MB is never parsed by the
web process, and every path that builds something from an upload refuses it in bounded memory
with a Chinese message saying which file, what is wrong and how to fix it.

Before the fix, GET /cases/<id>/recommendation-form.docx (and the package, the vote gallery's
summary, the programme's talk title) handed the narrative to python-docx in the request: a
300 MB document.xml is read whole and parsed by lxml, some 600 MB+ more in the web process, which
the memory assertions below catch. The bombs are small on disk (a few hundred KB).

Memory is measured with getrusage: the high-water RSS of this process (the request runs here,
as in the embedded default, tasks in-process) may not grow by BOUND_MB. The child process that
merges a narrative reports its own high-water mark after exec (VmHWM; getrusage's children
figure counts the parent's pages at fork, so it cannot tell); the last test reads it.
"""

import datetime
import io
import resource
import time
import zipfile
from contextlib import contextmanager
from dataclasses import replace

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from cases.checks import check_upload
from cases.documents.confined import UnsafeUpload, merge_narrative, word_paragraphs
from cases.enums import CaseStatus, GeneratedKind, Role, UploadSlot, ValidationState
from cases.generation import generate_filled_form
from cases.importing import import_directory
from cases.models import AuditEvent, GeneratedDocument, Upload
from cases.validation.limits import MIB, ValidationLimits
from review.closing.programme import talk_title_of
from review.voting.queries import narrative_summary
from tests import factories
from tests.documents.conftest import narrative_docx

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
BOMB_BYTES = 300 * MIB  # what word/document.xml inflates to
BOUND_MB = 200
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
GUARD_MESSAGE = "文件“bomb.docx”（案例概要（Word））未被打开：文件无法作为 Word 文档读取：部件 word/document.xml 超过 64 MB。"


def bomb_docx(inflated: int = BOMB_BYTES) -> bytes:
    """A well-formed .docx whose document.xml is `inflated` bytes of paragraphs of text: python-docx
    would read it all and lxml parse it all. Deflated it is a few hundred KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'))
        head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'.encode()
        tail = b"</w:body></w:document>"
        paragraph = b"<w:p><w:r><w:t>" + "煤".encode() * 1000 + b"</w:t></w:r></w:p>"
        chunk = paragraph * (MIB // len(paragraph))
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head)
            written = len(head) + len(tail)
            while written < inflated:
                member.write(chunk)
                written += len(chunk)
            member.write(tail)
    return buffer.getvalue()


def _rss_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


@contextmanager
def bounded_memory():
    """Fail if this process's peak RSS grows by BOUND_MB or more."""
    own_before = _rss_mb(resource.RUSAGE_SELF)
    yield
    own_growth = _rss_mb(resource.RUSAGE_SELF) - own_before
    assert own_growth < BOUND_MB, f"the process grew by {own_growth:.0f} MB"


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = bomb_docx()
    assert len(data) < 2 * MIB  # small on disk
    return data


@pytest.fixture
def case(bomb):
    enterprise = factories.enterprise(name="山西示范智能装备有限公司")
    case = factories.complete_case(enterprise, title="煤矸石综合利用新工艺", completing_unit="山西示范智能装备有限公司")
    Upload.objects.filter(case=case, slot=UploadSlot.NARRATIVE).delete()
    # Just uploaded: its check has not run yet, so only the engine's guard stands in the way.
    factories.upload(case, UploadSlot.NARRATIVE, bomb, "bomb.docx", state=ValidationState.PENDING)
    return case


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def test_the_filled_form_of_an_unchecked_bomb_is_refused_by_the_guard_in_bounded_memory(signed_in, case):
    with bounded_memory():
        response = signed_in.get(reverse("cases:filled_form", args=[case.pk]))

    assert (response.status_code, response["Location"]) == (302, reverse("cases:case_detail", args=[case.pk]))
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith(GUARD_MESSAGE)
    assert "请用 Word 打开文件，选择 文件 → 另存为 → Word 文档(*.docx)" in message and message.endswith("然后在同一栏目重新上传。")
    document = GeneratedDocument.objects.get(case=case, kind=GeneratedKind.FILLED_FORM)
    assert (document.state, document.file.name, document.problem) == (ValidationState.FAILED, "", message)
    assert not AuditEvent.objects.exists()  # nothing was downloaded


def test_a_bomb_its_check_found_unopenable_is_not_opened_again(signed_in, case, django_capture_on_commit_callbacks):
    narrative = Upload.objects.get(case=case, slot=UploadSlot.NARRATIVE)
    with bounded_memory():
        with django_capture_on_commit_callbacks(execute=True):
            check_upload(narrative.pk)
        narrative.refresh_from_db()
        assert [f["rule"] for f in narrative.findings] == ["docx.unreadable"]
        assert narrative.findings[0]["found"] == "部件 word/document.xml 超过 64 MB"
        response = signed_in.get(reverse("cases:filled_form", args=[case.pk]), follow=True)

    page = response.content.decode()
    assert GUARD_MESSAGE in page
    narrative.refresh_from_db()
    assert (narrative.preview_state, narrative.preview.name) == (ValidationState.FAILED, "")  # never rendered


def test_the_package_of_a_bomb_streams_without_parsing_it(signed_in, case, bomb):
    with bounded_memory():
        response = signed_in.get(reverse("cases:package", args=[case.pk]))
        data = b"".join(response.streaming_content)

    archive = zipfile.ZipFile(io.BytesIO(data))
    # The narrative travels as the enterprise's own file, byte for byte; the form goes without it.
    assert archive.read("煤矸石综合利用新工艺+案例概要.docx") == bomb
    form = Document(io.BytesIO(archive.read("煤矸石综合利用新工艺+推荐表.docx")))
    assert "附页：案例概要" not in [p.text for p in form.paragraphs]


def test_the_lists_packages_and_the_archive_carry_the_refused_form_in_bounded_memory(client, case, bomb):
    from review.closing.archive import stream_archive

    case.status = CaseStatus.WINNER
    case.save(update_fields=["status"])
    with bounded_memory():
        generate_filled_form(case.pk)  # what the archive's download waits for
        data = b"".join(stream_archive(case.campaign))

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(name.endswith("煤矸石综合利用新工艺+推荐表.docx") for name in names)
    assert GeneratedDocument.objects.get(case=case).state == ValidationState.FAILED


def test_the_vote_summary_and_the_talk_title_never_parse_a_bomb(case, bomb):
    narrative = Upload.objects.get(case=case, slot=UploadSlot.NARRATIVE)
    talk = factories.upload(case, UploadSlot.TALK_TEXT, bomb, "宣讲.docx")  # even one marked as checked
    with bounded_memory():
        assert narrative_summary(narrative) == ""  # check pending: not opened at all
        assert talk_title_of(talk) == ""  # "checked": the guarded reader still refuses the part
        assert word_paragraphs(talk) == []


def test_a_real_narrative_still_gives_its_summary(case):
    narrative = factories.upload(case, UploadSlot.NARRATIVE, narrative_docx(), "案例概要.docx")
    assert narrative_summary(narrative).startswith("公司始建于1981年")


def test_a_workbook_bomb_is_refused_before_openpyxl_reads_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"a" * (100 * MIB) + b"</sst>")
    upload = SimpleUploadedFile("导入.xlsx", buffer.getvalue())
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())

    with bounded_memory():
        report = import_directory(workbook_file=upload, actor=staff)

    assert [error.message for error in report.errors] == [
        "工作簿未被打开：部件 xl/sharedStrings.xml 超过 64 MB。请在 Excel 或 WPS 中打开，另存为 .xlsx 工作簿后重新上传。"]


def test_a_narrative_past_the_guard_that_needs_too_much_memory_is_stopped_by_the_limit(tmp_path, caplog):
    # Caps loosened so that the guard lets a 60 MB document.xml through: the child process that
    # merges it is then stopped by its address-space limit, and the message says what to do.
    narrative = tmp_path / "narrative.docx"
    narrative.write_bytes(bomb_docx(60 * MIB))
    form = tmp_path / "form.docx"
    form.write_bytes(narrative_docx())
    limits = replace(ValidationLimits(), zip_max_member_ratio=10**9, tool_memory_bytes=256 * MIB)

    with bounded_memory(), pytest.raises(UnsafeUpload) as refusal:
        merge_narrative(form, narrative, tmp_path, limits, upload_name="大文件.docx", slot_label="案例概要（Word）")

    assert str(refusal.value) == (
        "文件“大文件.docx”（案例概要（Word））未被打开：打开它需要超过 256 MB 内存，远超一篇文字加最多三张照片的案例概要应有的大小。"
        "请在 Word 中打开，压缩图片（文件 → 压缩图片），另存为 .docx。然后在同一栏目重新上传。")
    [merge] = [record for record in caplog.records if getattr(record, "event", "") == "narrative_merge"]
    assert merge.returncode != 0
    assert 0 < merge.peak_rss_kib < 256 * 1024  # the child stayed inside its limit


def _worker_peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_form_the_page_waits_for_and_refuses_the_bomb_in_bounded_memory(
        client, case, member, bomb, celery_worker_process, settings):
    settings.MEDIA_ROOT = celery_worker_process.media_root  # the worker reads the same storage folder
    Upload.objects.filter(case=case, slot=UploadSlot.NARRATIVE).delete()
    factories.upload(case, UploadSlot.NARRATIVE, bomb, "bomb.docx", state=ValidationState.PENDING)
    client.force_login(member)
    url = reverse("cases:filled_form", args=[case.pk])
    worker_before = _worker_peak_rss_mb(celery_worker_process.pid)

    with bounded_memory():
        waiting = client.get(url)  # the web only asks; the worker builds
        for _attempt in range(300):
            if GeneratedDocument.objects.filter(case=case, state=ValidationState.FAILED).exists():
                break
            time.sleep(0.2)
        refused = client.get(url, follow=True)

    assert waiting.status_code == 202
    page = waiting.content.decode()
    assert "正在生成推荐表…" in page and '<meta http-equiv="refresh" content="3">' in page
    assert GUARD_MESSAGE in refused.content.decode()
    assert _worker_peak_rss_mb(celery_worker_process.pid) - worker_before < BOUND_MB


def test_the_check_refuses_a_part_compressed_like_a_bomb_even_under_the_size_cap(tmp_path):
    from cases.validation import ValidationContext, validate_file

    path = tmp_path / "ratio.docx"
    path.write_bytes(bomb_docx(20 * MIB))  # under 64 MB (whole 1 MB chunks: 20.9 MB), compressed far beyond 200:1

    with bounded_memory():
        findings = validate_file(path, "narrative", context=ValidationContext())

    assert [(f.rule, f.found) for f in findings] == [
        ("docx.unreadable", "部件 word/document.xml 的压缩比超过 200:1（解压后 20.9 MB，属于压缩炸弹）")]

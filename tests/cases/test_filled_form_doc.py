"""The filled 推荐表 with a legacy .doc 案例概要: converted by LibreOffice and attached as 附页; when it
cannot be converted, no incomplete form is served and the case page says why and what to do."""

import datetime
import io

import pytest
from django.urls import reverse
from docx import Document

from cases.enums import AuditAction, Role, UploadSlot
from cases.models import AuditEvent, Upload
from cases.queries import submission_problems
from tests import factories
from tests.validation.builders import HAS_LIBREOFFICE, libreoffice_convert

pytestmark = pytest.mark.django_db
needs_libreoffice = pytest.mark.skipif(not HAS_LIBREOFFICE, reason="LibreOffice (soffice) is not installed")
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
NARRATIVE_TEXT = "煤矸石变废为宝的创新故事正文"
NOT_ATTACHABLE = "案例概要为 .doc 格式，未能转换，无法附在推荐表后：请另存为 .docx 后重新上传案例概要。"


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture(scope="module")
def legacy_doc(tmp_path_factory) -> bytes:
    """A real Word 97–2003 .doc, written by LibreOffice from a .docx (as a user's own Word would)."""
    if not HAS_LIBREOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("legacy")
    source = folder / "案例概要.docx"
    source.write_bytes(factories.docx_bytes("煤矸石综合利用新工艺", NARRATIVE_TEXT))
    return libreoffice_convert(source, "doc", folder).read_bytes()


@pytest.fixture
def case():
    enterprise = factories.enterprise(name="山西示范智能装备有限公司")
    return factories.complete_case(enterprise, title="煤矸石综合利用新工艺", completing_unit="山西示范智能装备有限公司",
                                   contact_phone="13812345678")


@pytest.fixture
def signed_in(client, case):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise))
    return client


def use_narrative(case, data: bytes, name: str, **upload_fields) -> Upload:
    Upload.objects.filter(case=case, slot=UploadSlot.NARRATIVE).delete()
    return factories.upload(case, UploadSlot.NARRATIVE, data, name, **upload_fields)


def summary_cell(document) -> str:
    return next(row.cells[1].text for row in document.tables[0].rows if row.cells[0].text == "案例概要")


@needs_libreoffice
def test_a_doc_narrative_is_converted_and_attached_as_appendix(signed_in, case, legacy_doc):
    assert legacy_doc.startswith(b"\xd0\xcf\x11\xe0")  # really the old binary format
    use_narrative(case, legacy_doc, "案例概要.doc")

    response = signed_in.get(reverse("cases:filled_form", args=[case.pk]))
    # Built by the task (in-process here, as in the embedded default) and served from storage.
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert summary_cell(document) == "详见附页。"
    assert "附页：案例概要" in paragraphs
    assert NARRATIVE_TEXT in paragraphs
    assert paragraphs.index(NARRATIVE_TEXT) > paragraphs.index("附页：案例概要")
    assert AuditEvent.objects.filter(case=case, action=AuditAction.PERSONAL_DATA_DOWNLOADED).count() == 1


@needs_libreoffice
def test_a_doc_narrative_whose_check_converted_it_is_no_submission_problem(case, legacy_doc):
    use_narrative(case, legacy_doc, "案例概要.doc")

    assert submission_problems(case) == []


def test_a_doc_that_cannot_be_converted_gives_no_form_but_a_message_on_the_case_page(signed_in, case, monkeypatch, tmp_path):
    # A real .doc, but the server cannot convert it: LibreOffice is not on the PATH.
    use_narrative(case, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "案例概要.doc")
    monkeypatch.setenv("PATH", str(tmp_path))

    response = signed_in.get(reverse("cases:filled_form", args=[case.pk]))
    page = signed_in.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    assert f'<li class="message error">{NOT_ATTACHABLE}</li>' in page.content.decode()
    assert not AuditEvent.objects.filter(case=case).exists()  # nothing was downloaded


@needs_libreoffice
def test_a_doc_without_a_word_stream_is_refused_not_attached_empty(signed_in, case):
    # LibreOffice "converts" any bytes; the checks' sniffing refuses an OLE file that is not Word.
    use_narrative(case, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "案例概要.doc")

    response = signed_in.get(reverse("cases:filled_form", args=[case.pk]), follow=True)

    assert response.redirect_chain == [(reverse("cases:case_detail", args=[case.pk]), 302)]
    assert NOT_ATTACHABLE in response.content.decode()


def test_a_narrative_that_is_no_word_file_at_all_is_refused_with_its_own_message(signed_in, case):
    use_narrative(case, b"%PDF-1.7\n" + b"x" * 200, "案例概要.docx", state="failed")

    response = signed_in.get(reverse("cases:filled_form", args=[case.pk]), follow=True)

    assert response.redirect_chain == [(reverse("cases:case_detail", args=[case.pk]), 302)]
    assert ("案例概要无法作为 Word 文档打开，无法附在推荐表后：请在 Word 中打开，另存为 .docx 后重新上传案例概要。"
            in response.content.decode())


def test_the_case_page_lists_a_doc_narrative_its_check_could_not_convert(signed_in, case):
    # The worker had no LibreOffice: the check warned (it does not block), and the form cannot carry it.
    finding = {"rule": "tool.unavailable", "severity": "warning", "message": "此项检查未能进行", "found": "LibreOffice"}
    use_narrative(case, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "案例概要.doc", findings=[finding])

    page = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()

    assert submission_problems(case) == [NOT_ATTACHABLE]
    assert f"<li>{NOT_ATTACHABLE}</li>" in page

"""Optional single-file slots (the enterprise's own 推荐表 Word): a file there can be removed again
(soft, kept as an earlier version) while the case is editable; a failing one no longer traps the
case; it is checked as a 推荐表, not as a bare narrative."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.enums import CaseStatus, Role, UploadSlot, ValidationState
from cases.models import Upload
from cases.queries import case_uploads, submission_problems
from cases.services import CaseNotEditable, SubmissionRefused, store_upload, submit_case, withdraw_upload
from cases.slots import SLOT_RULES, missing_required_slots
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
NOT_A_FORM = {"rule": "form.not_recognised", "severity": "error", "message": "此文件不是推荐表", "expected": "",
              "found": "", "location": "", "fix": ""}
NO_NARRATIVE = {**NOT_A_FORM, "rule": "form.no_narrative", "severity": "warning", "message": "推荐表中没有案例概要正文"}


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case():
    return factories.complete_case(title="煤矸石综合利用新工艺")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def test_which_slots_are_removable():
    removable = {slot for slot, rule in SLOT_RULES.items() if rule.removable}

    assert removable == {UploadSlot.FORM_WORD, UploadSlot.PROOF}


def test_a_failing_form_word_blocks_submission_until_it_is_removed(case, member):
    form = factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("案例概要"), "案例概要_普通.docx",
                            findings=[NOT_A_FORM])
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)
    assert refused.value.reasons == ["“案例概要_普通.docx”（推荐表（Word版））有 1 处问题须先修改，例如：此文件不是推荐表"]

    removed = withdraw_upload(upload=form, actor=member, now=OPEN)
    submit_case(case=case, actor=member, now=OPEN)

    case.refresh_from_db()
    assert removed.superseded_at == OPEN
    assert case.status == CaseStatus.SUBMITTED
    # Kept as an earlier version, with who uploaded it: reviewers can still download it.
    current, earlier = case_uploads(case)
    assert UploadSlot.FORM_WORD not in current
    assert earlier[UploadSlot.FORM_WORD] == [form]


def test_removing_the_form_makes_the_narrative_required_again(case, member):
    Upload.objects.filter(case=case, slot=UploadSlot.NARRATIVE).delete()
    form = factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    assert submission_problems(case) == []

    withdraw_upload(upload=form, actor=member, now=OPEN)

    assert submission_problems(case) == ["请上传“案例概要（Word）”。"]


def test_removing_twice_is_harmless(case, member):
    form = factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    withdraw_upload(upload=form, actor=member, now=OPEN)

    again = withdraw_upload(upload=form, actor=member, now=OPEN + datetime.timedelta(minutes=5))

    assert again.superseded_at == OPEN


def test_a_required_single_file_slot_still_cannot_be_emptied(case, member):
    scan = Upload.objects.get(case=case, slot=UploadSlot.FORM_SCAN)

    with pytest.raises(CaseNotEditable, match="只能通过上传新文件来替换"):
        withdraw_upload(upload=scan, actor=member, now=OPEN)

    scan.refresh_from_db()
    assert scan.superseded_at is None


def test_a_submitted_case_keeps_its_optional_file(case, member):
    form = factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    submit_case(case=case, actor=member, now=OPEN)

    with pytest.raises(CaseNotEditable, match="不能再修改"):
        withdraw_upload(upload=form, actor=member, now=OPEN)

    form.refresh_from_db()
    assert form.superseded_at is None


def test_another_enterprise_cannot_remove_the_file(case, client):
    form = factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    stranger = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise())
    client.force_login(stranger)

    response = client.post(reverse("cases:withdraw_file", args=[case.pk, form.pk]))

    form.refresh_from_db()
    assert response.status_code == 404
    assert form.superseded_at is None


def test_the_form_slot_offers_removal_and_the_remove_button_works(signed_in, case):
    form = factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    withdraw_url = reverse("cases:withdraw_file", args=[case.pk, form.pk])
    scan = Upload.objects.get(case=case, slot=UploadSlot.FORM_SCAN)

    page = signed_in.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    form_slot = page.split('id="slot-form_word"')[1].split("</section>")[0]
    scan_slot = page.split('id="slot-form_scan"')[1].split("</section>")[0]
    assert f'action="{withdraw_url}"' in form_slot and "删除此文件" in form_slot
    assert reverse("cases:withdraw_file", args=[case.pk, scan.pk]) not in scan_slot and "删除此文件" not in scan_slot

    response = signed_in.post(withdraw_url, follow=True)

    form.refresh_from_db()
    assert form.superseded_at == OPEN
    assert response.redirect_chain == [(reverse("cases:case_files", args=[case.pk]) + "#slot-form_word", 302)]
    html = response.content.decode()
    assert "“推荐表.docx”已从案例中移除，仍作为早期版本保留。" in html
    assert "1 个早期版本" in html.split('id="slot-form_word"')[1].split("</section>")[0]


def test_the_slot_offers_no_removal_once_submitted(signed_in, case, member):
    factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    submit_case(case=case, actor=member, now=OPEN)

    page = signed_in.get(reverse("cases:case_files", args=[case.pk])).content.decode()

    assert "删除此文件" not in page


# --- what the form file stands in for -------------------------------------------------------------

def test_a_form_without_a_narrative_does_not_stand_in_for_the_narrative_file(case):
    Upload.objects.filter(case=case, slot=UploadSlot.NARRATIVE).delete()
    factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx", findings=[NO_NARRATIVE])
    uploads, _earlier = case_uploads(case)

    assert missing_required_slots(uploads) == [UploadSlot.NARRATIVE]
    # Given only the slot names, the form is taken at its word (as before).
    assert missing_required_slots(set(uploads)) == []


def test_a_form_with_its_narrative_stands_in_for_the_narrative_file(case):
    Upload.objects.filter(case=case, slot=UploadSlot.NARRATIVE).delete()
    factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    uploads, _earlier = case_uploads(case)

    assert missing_required_slots(uploads) == []


# --- the real check -----------------------------------------------------------------------------

def test_an_ordinary_word_file_in_the_form_slot_gets_one_clear_finding(case, member, django_capture_on_commit_callbacks):
    data = factories.docx_bytes("案例概要", "这是一段普通的正文，没有按照推荐表的格式书写。" * 3)
    with django_capture_on_commit_callbacks(execute=True):
        upload = store_upload(case=case, actor=member, slot=UploadSlot.FORM_WORD,
                              uploaded_file=SimpleUploadedFile("案例概要_普通.docx", data), now=OPEN)

    upload.refresh_from_db()
    assert upload.validation_state == ValidationState.DONE
    assert [(finding["rule"], finding["severity"]) for finding in upload.findings] == [("form.not_recognised", "error")]
    assert upload.findings[0]["message"] == "此文件不是推荐表：其中没有附件3推荐表那样带“案例概要”一栏的表格。"

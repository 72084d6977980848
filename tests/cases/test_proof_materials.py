"""证明材料 as a campaign choice (附件1 lists them, 附件3 says 可另附): optional by default, with a
reminder on submission and on the printed checklist; required when the campaign says so."""

import datetime
import io

import pytest
from django.urls import reverse
from docx import Document

from cases.documents.cover import PROOF_OPTIONAL_NOTE, build_paper_checklist
from cases.enums import CaseStatus, ProofMaterials, Role, UploadSlot
from cases.queries import submission_problems, submission_reminders
from cases.services import SubmissionRefused, submit_case
from cases.slots import SLOT_RULES, slot_rules_for
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
REMINDER = ("证明材料为选报（附件3：如有其他证明材料，可另附），目前尚未上传：如有支持本案例的证书、奖励等材料，请以 PDF 格式上传到"
            "“证明材料（PDF）”，并邮寄加封皮单独装订的1份（封皮可在案例页面下载）。")


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case():
    return factories.complete_case(title="煤矸石综合利用新工艺")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def require_proof(case):
    case.campaign.proof_materials = ProofMaterials.REQUIRED
    case.campaign.save()


def checklist_paragraphs(case) -> list[str]:
    return [p.text for p in Document(io.BytesIO(build_paper_checklist(case))).paragraphs if p.text]


def test_by_default_proof_is_optional_and_the_enterprise_is_reminded(case):
    assert case.campaign.proof_materials == ProofMaterials.OPTIONAL
    assert slot_rules_for(case.campaign)[UploadSlot.PROOF].required is False
    assert submission_problems(case) == []
    assert submission_reminders(case) == [REMINDER]
    assert checklist_paragraphs(case)[-1] == PROOF_OPTIONAL_NOTE


def test_with_a_proof_file_there_is_nothing_to_remind_of(case):
    factories.upload(case, UploadSlot.PROOF, factories.pdf_bytes(), "获奖证书.pdf")

    assert submission_reminders(case) == []
    assert PROOF_OPTIONAL_NOTE not in checklist_paragraphs(case)


def test_the_reminder_shows_on_the_case_page_and_after_submitting(client, case, member):
    client.force_login(member)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    response = client.post(reverse("cases:case_submit", args=[case.pk]), follow=True)

    assert REMINDER in page
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 2 and messages[1] == REMINDER  # after the green "submitted"


def test_a_campaign_that_requires_proof_holds_the_submission(case, member):
    require_proof(case)

    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)

    assert refused.value.reasons == ["请上传“证明材料（PDF）”。"]
    assert submission_reminders(case) == []  # a missing required slot, not a reminder
    assert PROOF_OPTIONAL_NOTE not in checklist_paragraphs(case)
    factories.upload(case, UploadSlot.PROOF, factories.pdf_bytes(), "获奖证书.pdf")
    submit_case(case=case, actor=member, now=OPEN)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_the_upload_page_says_required_or_optional_as_the_campaign_says(client, case, member):
    client.force_login(member)
    optional = client.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    require_proof(case)
    required = client.get(reverse("cases:case_files", args=[case.pk])).content.decode()

    def proof_tag(page):
        return page.split('id="slot-proof"')[1].split('<span class="tag">')[1].split("</span>")[0]

    assert proof_tag(optional).startswith("选传") and proof_tag(required).startswith("必传")
    assert "本次活动必报" in required.split('id="slot-proof"')[1].split("</section>")[0]
    # The slot table itself no longer decides: it keeps the notice's default.
    assert SLOT_RULES[UploadSlot.PROOF].required is False

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.enums import CaseStatus, Role
from cases.models import CaseTransition
from cases.slots import SLOT_RULES
from mail import kinds
from mail.services import send_templated

# Moves the enterprise hears about by mail, with the reviewer's reason.
ENTERPRISE_NOTICES = {
    CaseStatus.RETURNED: kinds.CASE_RETURNED.key,
    CaseStatus.ASSOCIATION_DECLINED: kinds.CASE_DECLINED.key,
    CaseStatus.COUNTY_FAILED: kinds.CASE_FAILED_ELIGIBILITY.key,
}
# The enterprise's own submissions get a receipt; an association taking back its decision (which
# also moves the case to SUBMITTED) does not.
SUBMITTED_BY_THE_ENTERPRISE = (CaseStatus.DRAFT, CaseStatus.RETURNED)


def enterprise_emails(enterprise_id: int) -> list[str]:
    return sorted(set(
        get_user_model().objects.filter(
            memberships__role=Role.ENTERPRISE_USER, memberships__enterprise_id=enterprise_id, is_active=True,
        ).exclude(email="").values_list("email", flat=True)
    ))


def winner_materials_text() -> str:
    """The winners' files, one line each with its rule, from the slots' rule home (cases.slots)."""
    return "\n".join(f"- {rule.label}：{rule.describe()}" for rule in SLOT_RULES.values() if rule.winners_only)


@shared_task(name="cases.notify_transition")
def notify_transition(transition_id: int) -> int:
    """Mail the enterprise users about a move of their case: the receipt of a submission, a return
    or refusal with the reviewer's reason, the request for the winners' materials. Returns how many
    addresses were mailed. Safe to run twice: each mail has a key (the transition; for the winners'
    request the case, so a result made final again does not ask twice) and is written once."""
    transition = CaseTransition.objects.select_related("case__enterprise__association").filter(pk=transition_id).first()
    if transition is None:
        return 0
    case = transition.case
    values = {"case_title": case.title, "enterprise": case.enterprise.name}
    key = f"transition:{transition.pk}"
    if transition.to_status in ENTERPRISE_NOTICES:
        kind, values = ENTERPRISE_NOTICES[transition.to_status], {"case_title": case.title, "reason": transition.reason}
    elif transition.to_status == CaseStatus.SUBMITTED and transition.from_status in SUBMITTED_BY_THE_ENTERPRISE:
        kind = kinds.CASE_SUBMITTED.key
        values |= {"association": case.enterprise.association.name,
                   "submitted_at": timezone.localtime(transition.created_at).strftime("%Y-%m-%d %H:%M")}
    elif transition.to_status == CaseStatus.WINNER:
        kind, key = kinds.WINNER_MATERIALS.key, f"winner_materials:case:{case.pk}"
        values |= {"materials": winner_materials_text()}
    else:
        return 0
    return send_templated(kind=kind, to=enterprise_emails(case.enterprise_id), values=values, key=key)


@shared_task(name="cases.check_upload")
def check_upload_task(upload_id: int) -> str | None:
    """Check an uploaded file against the notice's rules (id in; safe to run twice; acks late)."""
    from cases.checks import check_upload

    upload = check_upload(upload_id)
    return upload.validation_state if upload else None


@shared_task(name="cases.render_preview")
def render_preview_task(upload_id: int) -> str:
    """Render a Word upload to PDF for reading in the browser (id in; safe to run twice)."""
    from cases.previews import render_preview

    return render_preview(upload_id)


@shared_task(name="cases.generate_filled_form")
def generate_filled_form_task(case_id: int) -> str:
    """Build the filled 推荐表 with the narrative as 附页 and store it (id in; safe to run twice)."""
    from cases.generation import generate_filled_form

    return generate_filled_form(case_id)


@shared_task(name="cases.fix_narrative", acks_late=True)
def fix_narrative_task(fix_id: int) -> str:
    """一键修正格式: rewrite the narrative to the notice's format and store the result (id in; safe to run twice)."""
    from cases.narrative_fixes import run_narrative_fix

    return run_narrative_fix(fix_id)


@shared_task(name="cases.index_case_similarity", acks_late=True)
def index_case_similarity_task(case_id: int) -> dict | None:
    """Index a submitted case for the near-duplicate search and record its similar cases (id in;
    safe to run twice: its index rows and matches are replaced)."""
    from cases.similarity.services import index_case  # numpy, datasketch, imagehash: loaded by workers only

    result = index_case(case_id)
    return result.matches if result else None


@shared_task(name="cases.index_campaign_similarity", acks_late=True)
def index_campaign_similarity_task(campaign_id: int) -> int:
    """Index every submitted case of a campaign (archived or imported); safe to run twice."""
    from cases.similarity.services import index_campaign  # numpy, datasketch, imagehash: loaded by workers only

    return index_campaign(campaign_id)


@shared_task(name="cases.make_renditions")
def make_renditions_task(upload_id: int) -> list[str]:
    """Make the public copies of a checked photo or video (thumbnail, display size, poster frame);
    id in, safe to run twice."""
    from cases.renditions import make_renditions

    return make_renditions(upload_id)


# Registered with the worker here; defined beside the resumable upload protocol.
from cases.resumable import discard_expired_resumable_uploads  # noqa: E402, F401

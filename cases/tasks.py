from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.enums import CaseStatus, Role
from cases.models import CaseTransition

# Moves the enterprise hears about by mail, with the reviewer's reason.
ENTERPRISE_NOTICES = {
    CaseStatus.RETURNED: gettext_noop("Your case “%(title)s” was returned for revision. Reason: %(reason)s Sign in to revise and resubmit it."),
    CaseStatus.ASSOCIATION_DECLINED: gettext_noop("Your case “%(title)s” was not recommended by your association. Reason: %(reason)s"),
    CaseStatus.COUNTY_FAILED: gettext_noop("Your case “%(title)s” did not pass the county eligibility check. Reason: %(reason)s"),
}


@shared_task(name="cases.notify_transition")
def notify_transition(transition_id: int) -> int:
    """Mail the enterprise users about a return or refusal. Returns how many mails were sent.
    Safe to run twice: it only reads, and a duplicate mail is harmless."""
    transition = CaseTransition.objects.select_related("case").filter(pk=transition_id).first()
    if transition is None or transition.to_status not in ENTERPRISE_NOTICES:
        return 0
    recipients = list(
        get_user_model().objects.filter(
            memberships__role=Role.ENTERPRISE_USER, memberships__enterprise_id=transition.case.enterprise_id,
            is_active=True,
        ).exclude(email="").values_list("email", flat=True)
    )
    if not recipients:
        return 0
    body = _(ENTERPRISE_NOTICES[transition.to_status]) % {"title": transition.case.title, "reason": transition.reason}
    subject = _("[Innovation Case Portal] %(status)s: %(title)s") % {
        "status": CaseStatus(transition.to_status).label, "title": transition.case.title,
    }
    send_mail(subject, body, None, recipients)
    return len(recipients)


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


# Registered with the worker here; defined beside the resumable upload protocol.
from cases.resumable import discard_expired_resumable_uploads  # noqa: E402, F401

"""Celery tasks of the review app: ids in, one service call, safe to run twice."""

from celery import shared_task


@shared_task(name="review.generate_summary_tables")
def generate_summary_tables_task(batch_id: int) -> str:
    from review.services import generate_summary_tables

    return generate_summary_tables(batch_id)


@shared_task(name="review.send_deadline_reminders")
def send_deadline_reminders_task() -> int:
    from review.reminders import send_deadline_reminders

    return send_deadline_reminders()


@shared_task(name="review.quarantine_suspicious_ballots", acks_late=True)
def quarantine_suspicious_ballots_task(campaign_id: int) -> dict:
    """The 刷票 job: flag and quarantine suspicious ballots of the campaign. Idempotent."""
    from cases.models import Campaign
    from review.voting.fraud import quarantine_suspicious_ballots

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return {"flagged": 0, "newly_quarantined": 0}
    return quarantine_suspicious_ballots(campaign=campaign)


@shared_task(name="review.quarantine_current_campaign")
def quarantine_current_campaign_task() -> dict:
    """For Celery beat while the vote runs (e.g. every 10 minutes): the job on the current campaign."""
    from cases.models import Campaign

    campaign = Campaign.objects.current()
    return quarantine_suspicious_ballots_task(campaign.pk) if campaign else {}


@shared_task(name="review.send_announcement_mails", acks_late=True)
def send_announcement_mails_task(announcement_id: int) -> int:
    """Mail an announcement of the province to its recipients through the outbox (safe to run twice)."""
    from review.announcements import mail_announcement

    return mail_announcement(announcement_id)


# Registered with the worker here (task discovery imports each app's tasks module only); defined
# beside the rest of the pipeline's mail.
from review.notifications import notify_batch_forwarded, notify_extension  # noqa: E402, F401

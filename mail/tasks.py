"""Celery tasks of the mail app: ids in, safe to run twice (a row is claimed before it is sent)."""

import logging

from celery import shared_task

from mail.delivery import deliver, due_mail_ids

logger = logging.getLogger("mail.tasks")


@shared_task(name="mail.send", acks_late=True)
def send_outbox_mail(mail_id: int) -> str:
    """Send one outbox row; after a temporary failure, queue the next try with its backoff delay.
    If that message is lost too, `send_due_mail` finds the row again."""
    delivery = deliver(mail_id)
    if delivery.retry_in is not None:
        try:
            send_outbox_mail.apply_async(args=(mail_id,), countdown=delivery.retry_in)
        except Exception:  # broker gone: the row stays queued and the periodic job sends it
            logger.warning("retry of mail %s not queued: the broker is unavailable", mail_id, exc_info=True)
        return "retry"
    return "sent" if delivery.sent else ("skipped" if delivery.skipped else "failed")


@shared_task(name="mail.send_due")
def send_due_mail() -> int:
    """For Celery beat, every minute: queue again the rows whose message was lost."""
    ids = due_mail_ids()
    queued = 0
    for mail_id in ids:
        try:
            send_outbox_mail.apply_async(args=(mail_id,))
        except Exception:
            logger.warning("mail %s not queued: the broker is unavailable", mail_id, exc_info=True)
            break
        queued += 1
    return queued

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

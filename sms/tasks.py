"""SMS tasks. They run on a queue of their own (settings.CELERY_SMS_QUEUE), so a code never waits
behind document conversions; they take ids, and the message's code travels in the database, not
in the broker."""

import datetime

from celery import shared_task
from django.utils import timezone

import portal.logging  # noqa: F401  (connects the task log signals in the worker)
from portal.queueing import enqueue
from sms.delivery import attempt_delivery, stalled_message_ids
from sms.enums import SmsState
from sms.models import SmsMessage

# The message's row may not be visible yet when the task starts (queued by a caller whose
# transaction has not committed); look again this many times, a second apart.
NOT_YET_VISIBLE_RETRIES = 5


@shared_task(name="sms.send", bind=True, acks_late=True, max_retries=None)
def send_sms_task(self, message_id: int) -> str | None:
    """One attempt; on a transient failure, the next attempt after the backoff the message
    records. Eager (in-process) runs never wait for a retry: the sweep sends it later."""
    message = attempt_delivery(message_id=message_id)
    if message is None:
        if not SmsMessage.objects.filter(pk=message_id).exists() and self.request.retries < NOT_YET_VISIBLE_RETRIES \
                and not self.request.is_eager:
            raise self.retry(countdown=1)
        return None
    if message.state == SmsState.RETRYING and not self.request.is_eager:
        wait = max((message.next_attempt_at - timezone.now()).total_seconds(), 0)
        raise self.retry(countdown=wait)
    return message.state


@shared_task(name="sms.requeue_stalled")
def requeue_stalled_sms(grace_seconds: int = 30) -> int:
    """Beat job: queue again the messages whose task was lost; expire the ones too old to send."""
    ids = stalled_message_ids(grace=datetime.timedelta(seconds=grace_seconds))
    return sum(enqueue(send_sms_task, message_id) for message_id in ids)

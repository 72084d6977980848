"""Writes of text messages: queueing one, under the daily cap per number and the global budget.

`queue_sms` is the only way the portal sends a text: the vote's codes (review.voting.services),
password resets and registration (accounts.sms.send_sms), `manage.py sms_test`.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from cases.refusals import Refused
from cases.rules import mask_phone
from portal.queueing import enqueue
from sms.enums import SmsKind
from sms.models import SmsDailyUsage, SmsMessage
from sms.tasks import send_sms_task

logger = logging.getLogger("sms")

CODE_VALIDITY = datetime.timedelta(minutes=10)
GLOBAL_SCOPE = "all"


class SmsRefused(Refused):
    """No message queued: a daily cap or the budget is reached; the message says what to do."""


def _phone_scope(phone: str) -> str:
    # The counter row carries a keyed hash, not the number.
    return salted_hmac("sms.daily-cap", phone).hexdigest()


def _take_one(*, day: datetime.date, scope: str, limit: int) -> bool:
    """Count one more message of `scope` today if fewer than `limit` were counted. The
    conditional UPDATE locks the row, so concurrent requests cannot both take the last one."""
    SmsDailyUsage.objects.bulk_create([SmsDailyUsage(day=day, scope=scope)], ignore_conflicts=True)
    return SmsDailyUsage.objects.filter(day=day, scope=scope, count__lt=limit).update(count=F("count") + 1) == 1


def queue_sms(*, phone: str, kind: SmsKind, text: str, params: dict[str, str],
              valid_for: datetime.timedelta = CODE_VALIDITY, now: datetime.datetime | None = None) -> SmsMessage:
    """Queue a message to the 11-digit mainland number `phone`. `text` is the wording with
    placeholders (%(code)s) filled from `params` at sending time; `valid_for` how long sending it
    still makes sense (a code's validity).

    Guards: at most SMS_DAILY_LIMIT_PER_PHONE messages to one number per day and
    SMS_DAILY_BUDGET messages in all per day (Asia/Shanghai days); SmsRefused otherwise, nothing
    counted or queued. Side effects: the message row; the day's counters; the send task, queued
    at once (not on commit: the callers run outside a transaction, and the task looks again for a
    row not committed yet). With the broker down the row waits for the sweep (sms.requeue_stalled).
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        if not _take_one(day=day, scope=_phone_scope(phone), limit=settings.SMS_DAILY_LIMIT_PER_PHONE):
            logger.warning("SMS to %s refused: the daily cap per number (%d) is reached", mask_phone(phone),
                           settings.SMS_DAILY_LIMIT_PER_PHONE, extra={"event": "sms_refused", "reason": "phone_cap"})
            raise SmsRefused(_("Too many text messages were sent to this number today (at most %(limit)d a day). "
                               "Try again tomorrow.") % {"limit": settings.SMS_DAILY_LIMIT_PER_PHONE})
        message = SmsMessage.objects.create(kind=kind, phone=phone, text=text, params=params,
                                            next_attempt_at=now, expires_at=now + valid_for)
        # The global row last: every message of the day updates it, so it is locked the shortest.
        if not _take_one(day=day, scope=GLOBAL_SCOPE, limit=settings.SMS_DAILY_BUDGET):
            logger.error("SMS refused: the daily SMS budget (SMS_DAILY_BUDGET=%d) is spent",
                         settings.SMS_DAILY_BUDGET, extra={"event": "sms_refused", "reason": "budget"})
            raise SmsRefused(_("The portal has sent as many text messages today as its daily budget allows. Try "
                               "again tomorrow, or tell the provincial center."))
    enqueue(send_sms_task, message.pk)
    return message

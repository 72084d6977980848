"""`manage.py sms_test PHONE`: the operator's check of the SMS configuration. Sends a test code
through the configured gateway now (not through the queue, so the answer is immediate), records
it like every message, and prints the outcome in Chinese. Exit status 1 when it failed."""

import datetime
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.rules import MOBILE_PATTERN, mask_phone, normalise_phone
from sms.delivery import attempt_delivery
from sms.enums import SmsKind, SmsState
from sms.gateways import gateway_path
from sms.models import SmsMessage

TEST_VALIDITY = datetime.timedelta(minutes=10)


class Command(BaseCommand):
    help = "Send a test code to PHONE through the configured SMS gateway and print the result."

    def add_arguments(self, parser):
        parser.add_argument("phone", help="11-digit mainland China mobile number")

    def handle(self, *args, phone, **options):
        phone = normalise_phone(phone)
        if not MOBILE_PATTERN.match(phone):
            raise CommandError(_("“%(phone)s” is not a mainland China mobile number: enter its 11 digits, "
                                 "for example 13812345678.") % {"phone": phone})
        code = f"{secrets.randbelow(10**6):06d}"
        now = timezone.now()
        # Not counted against the daily caps and budget, and not queued: the operator waits for
        # the provider's answer.
        message = SmsMessage.objects.create(
            kind=SmsKind.TEST, phone=phone, text=_("Test message of the Innovation Case Portal: code %(code)s."),
            params={"code": code}, next_attempt_at=now, expires_at=now + TEST_VALIDITY)
        message = attempt_delivery(message_id=message.pk, now=now)
        self.stdout.write(_("Gateway: %(gateway)s") % {"gateway": gateway_path()})
        if message.state == SmsState.SENT:
            self.stdout.write(self.style.SUCCESS(_(
                "Sent: test code %(code)s to %(phone)s (provider's message id %(id)s). Check that the phone "
                "received this code.") % {"code": code, "phone": mask_phone(phone), "id": message.provider_message_id or "-"}))
            return
        self.stderr.write(self.style.ERROR(_("Not sent to %(phone)s: %(reason)s") % {
            "phone": mask_phone(phone), "reason": message.get_failure_display()}))
        self.stderr.write(_("Provider's answer: %(error)s") % {"error": message.last_error or "-"})
        if message.state == SmsState.RETRYING:
            # The command does not wait for retries: this message is not sent later.
            SmsMessage.objects.filter(pk=message.pk).update(state=SmsState.FAILED, params={})
        raise CommandError(_("The SMS configuration does not work yet; fix what is said above and run sms_test again."))

"""Text messages of accounts (password reset codes, phone verification at registration).

One function: it queues the message through the portal's text messages (sms.services.queue_sms,
settings.SMS_GATEWAY), which retry it, cap it per number and per day, and record its outcome.
"""

from sms.enums import SmsKind
from sms.services import queue_sms


def send_sms(*, phone: str, kind: SmsKind, text: str, code: str) -> None:
    """Queue `text` (with its %(code)s placeholder) for the 11-digit mainland mobile number `phone`.
    Raises sms.services.SmsRefused (a Refused) when the number's daily cap or the budget is reached."""
    queue_sms(phone=phone, kind=kind, text=text, params={"code": code})

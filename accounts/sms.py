"""Text messages of accounts (password reset codes, phone verification at registration).

One function, so the day the gateway setting is renamed (VOTE_SMS_GATEWAY → SMS_GATEWAY) or
sending is queued, only this changes. It uses the public vote's gateway interface: a class with
`send(phone, message)` named by settings.VOTE_SMS_GATEWAY (review.voting.sms), read here by its
dotted path so that accounts does not import the review app.
"""

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "review.voting.sms.ConsoleGateway"


def send_sms(phone: str, message: str) -> None:
    """Send `message` to the 11-digit mainland mobile number `phone` through the configured gateway."""
    gateway_class = import_string(getattr(settings, "VOTE_SMS_GATEWAY", "") or DEFAULT_GATEWAY)
    gateway_class().send(phone, message)

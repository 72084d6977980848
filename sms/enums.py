from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsKind(models.TextChoices):
    """What a message is for; each kind has its provider template (settings.SMS_TEMPLATES)."""

    VOTE_CODE = "vote_code", _("Vote verification code")
    PASSWORD_RESET = "password_reset", _("Password reset code")
    REGISTRATION = "registration", _("Registration verification code")
    TEST = "test", _("Test message (sms_test)")


class SmsState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Failed for now, will retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Not sent before the code expired")


OPEN_STATES = (SmsState.QUEUED, SmsState.SENDING, SmsState.RETRYING)


class SmsFailure(models.TextChoices):
    """The provider's error codes, grouped by what the operator has to do about them."""

    RATE_LIMITED = "rate_limited", _("The SMS provider refused: this number was sent too many messages in a short "
                                     "time (the provider's frequency limit). Ask the user to wait and try again later.")
    INVALID_NUMBER = "invalid_number", _("The SMS provider refused the mobile number as invalid, unreachable or "
                                         "blacklisted. Check that it is an 11-digit mainland China mobile number.")
    BALANCE = "balance", _("The SMS account's balance or message package is exhausted, or the service is suspended "
                           "for arrears. Top up the account in the provider's console; messages are not sent until then.")
    TEMPLATE = "template", _("The SMS signature or template was refused: not approved, wrong id, or its variables do "
                             "not match. Check SMS_SIGN_NAME and the SMS_TEMPLATE_* settings against the approved "
                             "signature and templates in the provider's console (the template variable must be code).")
    CREDENTIALS = "credentials", _("The SMS provider refused the credentials: wrong key, signature mismatch, missing "
                                   "permission or application id. Check the access key settings of SMS_GATEWAY.")
    UNAVAILABLE = "unavailable", _("The SMS provider could not be reached or had a temporary error; the message "
                                   "is retried automatically.")
    NOT_CONFIGURED = "not_configured", _("No SMS gateway is configured (SMS_GATEWAY): nothing was sent. Set "
                                         "SMS_GATEWAY to aliyun or tencent with its keys, sign name and templates.")
    OTHER = "other", _("The SMS provider refused the message for another reason; see the provider's code and message.")


# Worth another try later: the provider (or the way to it) is down, not the message wrong.
TRANSIENT_FAILURES = (SmsFailure.UNAVAILABLE,)

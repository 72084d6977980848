"""Choices of the mail app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailState(models.TextChoices):
    """Where a mail of the outbox stands. QUEUED covers the first try and every retry still to come."""

    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# Headers a caller of Django's mail API may set to tell the outbox backend what the mail is.
# They are read and removed by mail.backend; the recipient never sees them.
KIND_HEADER = "X-Portal-Mail-Kind"
KEY_HEADER = "X-Portal-Mail-Key"

import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("sms")


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = _("Text messages")

    def ready(self):
        # Installs configured with the old name keep working; the operator is told once per start.
        if getattr(settings, "SMS_GATEWAY_FROM_DEPRECATED_NAME", False):
            logger.warning("VOTE_SMS_GATEWAY is deprecated: rename it SMS_GATEWAY (it now serves the vote, "
                           "password resets and registration alike)")

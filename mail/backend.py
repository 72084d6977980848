"""The email backend of the portal (settings.EMAIL_BACKEND): it sends nothing itself, it writes.

Every call of Django's mail API anywhere in the portal — our notification tasks, Django's
password-reset form, a plain `send_mail` added by any app later — ends here and becomes one
outbox row per recipient, queued for the `mail.send` task once the caller's transaction commits.
A backend catches every sender without each one having to remember the outbox; the worker then
sends through the real backend (settings.MAIL_DELIVERY_BACKEND: SMTP, or the console in development).
"""

from django.core.mail.backends.base import BaseEmailBackend

from mail.services import write_outbox


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        written = 0
        for message in email_messages or []:
            try:
                written += bool(write_outbox(message))
            except Exception:
                if not self.fail_silently:
                    raise
        return written

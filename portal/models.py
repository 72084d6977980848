from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingTask(models.Model):
    """A Celery task recorded in the same transaction as the data it works on (an outbox).

    portal.queueing writes the row, publishes the message once the transaction committed and
    deletes the row when the broker took it. A row still here means the message never reached
    the broker (Redis down, the process died before publishing): portal.requeue_pending_work
    publishes it again. Every task is safe to run twice, so a rare duplicate is harmless."""

    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)!r}"

"""A resumable (chunked) upload in progress: the bytes received so far sit in a spool file under
MEDIA_ROOT/resumable/<id>/ until the last chunk arrives and the whole file's SHA-256 matches."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import UploadSlot
from cases.models.case import Case
from cases.models.uploads import Upload


class ResumableState(models.TextChoices):
    OPEN = "open", _("Receiving")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ResumableUpload(models.Model):
    """One file being sent in chunks into a slot of a case. `received` is the next offset expected:
    chunks arrive in order, each with its own SHA-256; the row lock serialises two chunks of one file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="resumable_uploads")
    slot = models.CharField(_("slot"), max_length=32, choices=UploadSlot.choices)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.BigIntegerField(_("declared size in bytes"))
    received = models.BigIntegerField(_("bytes received"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=ResumableState.choices, default=ResumableState.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("started at"))
    updated_at = models.DateTimeField(_("last chunk at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    upload = models.OneToOneField(
        Upload, verbose_name=_("stored file"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.CharField(_("why it failed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(received__gte=0) & Q(received__lte=models.F("size")),
                                   name="resumable_received_within_size"),
            models.CheckConstraint(condition=Q(state__in=ResumableState.values), name="resumable_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.received}/{self.size})"

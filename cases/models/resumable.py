"""A resumable (chunked) upload in progress. The session's state lives here, in the database every
web machine shares, so consecutive chunks may reach different machines; the bytes received so far
live in shared storage until the last chunk arrives and the whole file's SHA-256 matches: the parts
of an S3 multipart upload on object storage (one ResumablePart row each), or a spool file under
UPLOAD_ROOT/resumable/<id>/ on a local (or shared) upload folder (cases/resumable.py)."""

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
    chunks arrive in order, each with its own SHA-256. One request at a time holds the session's
    lease (`lease_token` until `lease_until`, renewed while bytes flow): a row lock would hold a
    transaction open for the minutes a chunk may take, and a file lock works on one machine only."""

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
    # Object storage: the object the parts are joined into, and the multipart upload holding them.
    storage_name = models.CharField(_("stored name"), max_length=255, blank=True)
    multipart_id = models.CharField(_("multipart upload id"), max_length=255, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

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


class ResumablePart(models.Model):
    """One chunk of a resumable upload on object storage: part `number` (from 1) of the multipart
    upload, `size` bytes from `offset`, with the ETag the storage answered (needed to join them)."""

    session = models.ForeignKey(ResumableUpload, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    offset = models.BigIntegerField()
    size = models.BigIntegerField()
    etag = models.CharField(max_length=128)

    class Meta:
        ordering = ["session", "number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="resumable_part_number_unique")]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.number}"

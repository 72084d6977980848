"""Uploaded files of a case, one row per version."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import UploadSlot, ValidationState
from cases.models.case import Case


def upload_storage_path(instance: "Upload", filename: str) -> str:
    # Stored names are opaque: the user's file name never becomes a path (no traversal,
    # no clash); the original name is kept in a column for display and export.
    return f"cases/{instance.case_id}/{instance.slot}/{uuid.uuid4().hex}"


class Upload(models.Model):
    """One uploaded file version in one slot of a case. Replacing a file keeps the old row
    (superseded_at set): earlier versions stay downloadable for reviewers."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="uploads")
    slot = models.CharField(_("slot"), max_length=32, choices=UploadSlot.choices)
    file = models.FileField(_("file"), upload_to=upload_storage_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    # Validation (the workers' checks against the notice's rules). `validation_key` is the file's
    # SHA-256, the rule-set version and every input the rules read (the original file name, the
    # unit, case and region names, the limits): an identical key elsewhere means the findings can
    # be reused without running the checks again.
    validation_state = models.CharField(
        _("check"), max_length=16, choices=ValidationState.choices, default=ValidationState.PENDING
    )
    validation_key = models.CharField(max_length=160, blank=True, db_index=True)
    findings = models.JSONField(_("findings"), default=list, blank=True)
    # Counts of the findings by severity, kept beside them so lists can sum them in SQL.
    # A PDF rendering of a Word file for reading in the browser, made on first request by a worker.
    preview = models.FileField(_("preview (PDF)"), upload_to=upload_storage_path, blank=True, max_length=255)
    preview_state = models.CharField(_("preview"), max_length=16, choices=ValidationState.choices, blank=True, default="")
    error_count = models.PositiveSmallIntegerField(_("errors"), default=0)
    warning_count = models.PositiveSmallIntegerField(_("warnings"), default=0)
    validated_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    # The check found passages reading as promotion (narrative.advertising): the inbox's 宣传性 mark.
    advertising = models.BooleanField(_("reads as promotion"), default=False)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["case", "slot", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(slot__in=UploadSlot.values), name="upload_slot_valid"),
            models.CheckConstraint(condition=Q(validation_state__in=ValidationState.values), name="upload_validation_state_valid"),
        ]
        indexes = [models.Index(fields=["case", "slot", "superseded_at"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def blocking_findings(self) -> list[dict]:
        return [finding for finding in self.findings if finding.get("severity") == "error"]

"""一键修正格式 (issue 18): a proposed format fix of a narrative upload, kept until decided."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import ValidationState
from cases.models.case import Case
from cases.models.uploads import Upload


def fix_storage_path(instance: "NarrativeFix", filename: str) -> str:
    return f"cases/{instance.case_id}/fixes/{uuid.uuid4().hex}"


class FixDecision(models.TextChoices):
    UNDECIDED = "", _("Not decided yet")
    ACCEPTED = "accepted", _("Accepted as a new version")
    DISCARDED = "discarded", _("Discarded")


class NarrativeFix(models.Model):
    """The narrative `source` rewritten to the notice's format by a worker (cases.narrative_fixes):
    the fixed file, the changes made, what the rules still find on it and first-page previews of
    both. The enterprise accepts it into the narrative slot as a new version, or discards it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="narrative_fixes")
    source = models.ForeignKey(Upload, verbose_name=_("fixed file"), on_delete=models.CASCADE, related_name="fixes")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=ValidationState.choices, default=ValidationState.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(_("fixed narrative"), upload_to=fix_storage_path, blank=True, max_length=255)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    findings = models.JSONField(_("findings left"), default=list, blank=True)
    # Why it could not be fixed (which file, what is wrong, how to fix it), in Chinese.
    problem = models.TextField(_("problem"), blank=True)
    preview_before = models.FileField(upload_to=fix_storage_path, blank=True, max_length=255)
    preview_after = models.FileField(upload_to=fix_storage_path, blank=True, max_length=255)
    decision = models.CharField(_("decision"), max_length=16, choices=FixDecision.choices, blank=True, default="")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted_upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("narrative format fix")
        verbose_name_plural = _("narrative format fixes")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ValidationState.values), name="narrative_fix_state_valid"),
            models.CheckConstraint(condition=Q(decision__in=FixDecision.values), name="narrative_fix_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.decision == FixDecision.UNDECIDED

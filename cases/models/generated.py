"""Documents built by the workers from a case's uploads, kept until their inputs change."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import GeneratedKind, ValidationState
from cases.models.case import Case


def generated_storage_path(instance: "GeneratedDocument", filename: str) -> str:
    return f"cases/{instance.case_id}/generated/{uuid.uuid4().hex}"


class GeneratedDocument(models.Model):
    """One document of one case built from its uploads in a worker (cases.generation): the web
    never parses an upload, it asks for the document and serves the stored result. `key` is a
    digest of every input (the printed rows, the narrative version): a row whose key differs from
    the case's current one is out of date and is built again on the next request."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="generated_documents")
    kind = models.CharField(_("document"), max_length=32, choices=GeneratedKind.choices)
    key = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=ValidationState.choices, default=ValidationState.PENDING)
    file = models.FileField(_("file"), upload_to=generated_storage_path, blank=True, max_length=255)
    # Why the document could not be built (which file, what is wrong, how to fix it), in Chinese.
    problem = models.TextField(_("problem"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="generated_document_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=GeneratedKind.values), name="generated_document_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=ValidationState.values), name="generated_document_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.case_id}"

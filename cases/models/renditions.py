"""Public-size copies of uploads: a photo's thumbnail and display size, a video's poster frame."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import RenditionKind
from cases.models.uploads import Upload


def rendition_storage_path(instance: "Rendition", filename: str) -> str:
    return f"renditions/{instance.upload_id}/{instance.kind}{filename[filename.rfind('.'):]}"


class Rendition(models.Model):
    """One copy of `upload` made by a worker (cases.renditions) after the upload's check passed:
    downscaled, EXIF (GPS!) stripped, small enough for a phone on 4G. Public pages serve these,
    never the upload itself."""

    upload = models.ForeignKey(Upload, verbose_name=_("uploaded file"), on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(_("kind"), max_length=16, choices=RenditionKind.choices)
    file = models.FileField(_("file"), upload_to=rendition_storage_path, max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("public copy of a file")
        verbose_name_plural = _("public copies of files")
        constraints = [
            models.UniqueConstraint(fields=["upload", "kind"], name="rendition_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=RenditionKind.values), name="rendition_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.kind}"

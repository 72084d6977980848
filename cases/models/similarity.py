"""The near-duplicate index (issue 19): what is kept of each submitted case to find its look-alikes.

The index lives in the database, so a query for one new case reads only its candidates' rows and
nothing is rebuilt per query (cases.similarity.services):
- TextFingerprint: the case's narrative as plain text (for the exact check) and its source;
- SimilarityKey: the LSH band keys of its MinHash signatures and the hashes of its key facts,
  one indexed row each; two cases sharing a key are candidates;
- PhotoFingerprint: the perceptual hashes of each checked photo;
- SimilarityMatch: a pair of cases judged alike (text, introduction, photo or identity), with the
  passages or photo pairs to show side by side.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.uploads import Upload


class TextFingerprint(models.Model):
    """What the index read from a case: the narrative's text (or the 推荐表's text fields when the
    case has no readable narrative) and which file and engine version produced it."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="text_fingerprint")
    # "narrative:<upload id>" or "form": a new narrative version makes the fingerprint stale.
    source = models.CharField(max_length=40)
    digest = models.CharField(max_length=64)  # SHA-256 of `text` and the engine version
    text = models.TextField(blank=True)
    fact_count = models.PositiveIntegerField(default=0)  # key facts of the story (SimilarityKey rows of kind FACT)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("text fingerprint")
        verbose_name_plural = _("text fingerprints")


class SimilarityKeyKind(models.IntegerChoices):
    STORY_BAND = 1, _("story band")
    INTRODUCTION_BAND = 2, _("introduction band")
    FACT = 3, _("key fact")


class SimilarityKey(models.Model):
    """One LSH band key or key-fact hash of a case (signed 64-bit)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="similarity_keys")
    kind = models.PositiveSmallIntegerField(choices=SimilarityKeyKind.choices)
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["key"], name="similarity_key_idx")]


class PhotoFingerprint(models.Model):
    """Perceptual hashes of one checked photo (cases.similarity.photos): the whole picture and
    windows inside it, so a copy resized, recompressed or cropped a little is still found."""

    upload = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="photo_fingerprint")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photo_fingerprints")
    windows = models.JSONField(default=list)  # signed 64-bit pHashes, the whole picture first


class MatchKind(models.TextChoices):
    TEXT = "text", _("Similar narrative")
    INTRODUCTION = "introduction", _("Same company introduction")
    PHOTO = "photo", _("Same photo")
    IDENTITY = "identity", _("Same enterprise")


class SimilarityMatch(models.Model):
    """Two cases found alike in one respect. Stored once per pair and kind, lower case id first."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=MatchKind.choices)
    score = models.FloatField()
    # Passages ({"a", "b", "part", "how"}: a is `case`'s text, b `other`'s), photo pairs
    # ({"a": upload id, "b": upload id, "distance"}), or the identity's reason ({"reason": ...}).
    details = models.JSONField(default=dict)
    found_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("similar case")
        verbose_name_plural = _("similar cases")
        constraints = [
            models.UniqueConstraint(fields=["case", "other", "kind"], name="similarity_match_once"),
            models.CheckConstraint(condition=Q(case__lt=F("other")), name="similarity_match_ordered"),
            models.CheckConstraint(condition=Q(kind__in=MatchKind.values), name="similarity_match_kind_valid"),
        ]
        indexes = [models.Index(fields=["other"], name="similarity_match_other_idx")]

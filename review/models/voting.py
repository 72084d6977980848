"""网络投票: ballots (one per verified phone, by constraint), the append-only ballot log, the
fraud job's flags and staff decisions on quarantined ballots. Nothing here is ever deleted."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, Case


class AppendOnlyError(Exception):
    """Rows of an append-only table are never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


class BallotStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    QUARANTINED = "quarantined", _("Quarantined (waiting for staff)")
    EXCLUDED = "excluded", _("Excluded by staff")
    RELEASED = "released", _("Released by staff (valid)")


# The statuses whose ballots count in the public vote.
COUNTED_BALLOT_STATUSES = (BallotStatus.VALID, BallotStatus.RELEASED)


class Ballot(models.Model):
    """One approval ballot of one verified phone. `voter_hash` is a keyed HMAC of the number; the
    number itself is never stored. The unique constraint, not a check, makes it one per phone."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="ballots")
    voter_hash = models.CharField(_("voter (keyed hash of the phone)"), max_length=64)
    receipt = models.CharField(_("receipt number"), max_length=20, unique=True)
    cast_at = models.DateTimeField(_("cast at"), db_index=True)
    address_block = models.CharField(_("address block"), max_length=64)
    device_hash = models.CharField(_("device (hash)"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    # The chosen case ids, sorted and joined by commas (as the choices; never changes): the fraud
    # job reads a ballot in one row and finds identical ballots by an index.
    picks = models.CharField(_("picks"), max_length=400, blank=True, default="")
    cases = models.ManyToManyField(Case, through="BallotChoice", related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=BallotStatus.choices, default=BallotStatus.VALID)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["cast_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "voter_hash"], name="one_ballot_per_voter"),
            models.CheckConstraint(condition=Q(status__in=BallotStatus.values), name="ballot_status_valid"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            # The fraud job's look-ups of a new ballot's device and of identical picks.
            models.Index(fields=["campaign", "device_hash"], name="ballot_campaign_device"),
            models.Index(fields=["campaign", "picks"], name="ballot_campaign_picks"),
            models.Index(fields=["campaign", "address_block"], name="ballot_campaign_block"),
            models.Index(fields=["campaign", "user_agent"], name="ballot_campaign_agent"),
        ]

    def __str__(self) -> str:
        return self.receipt


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="choices")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ballot_choices")

    class Meta:
        verbose_name = _("ballot choice")
        verbose_name_plural = _("ballot choices")
        constraints = [models.UniqueConstraint(fields=["ballot", "case"], name="one_choice_per_case")]


class BallotLogOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Refused: this phone has already voted")
    LIMITED = "limited", _("Refused: too many attempts")
    INVALID = "invalid", _("Refused: invalid ballot")
    UNAVAILABLE = "unavailable", _("Refused: limits could not be counted (Redis down)")


class BallotLog(AppendOnlyModel):
    """Append-only: every ballot attempt, with where and how it came from."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    ballot = models.ForeignKey(Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField(_("at"), db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=BallotLogOutcome.choices)
    address_block = models.CharField(_("address block"), max_length=64)
    device_hash = models.CharField(_("device (hash)"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    voter_hash = models.CharField(_("voter (keyed hash of the phone)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ballot log entry")
        verbose_name_plural = _("ballot log")
        ordering = ["at", "pk"]


class SuspicionFlag(AppendOnlyModel):
    """A pattern the fraud job found in a ballot. One row per ballot and rule: the job is idempotent."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(_("rule"), max_length=32)
    # The suspicious group the ballot belongs to (one device, one block pushing one case, ...): the
    # province can release or exclude a group at once.
    group = models.CharField(_("group"), max_length=200, blank=True, default="", db_index=True)
    detail = models.JSONField(_("detail"), default=dict)
    detected_at = models.DateTimeField(_("detected at"))

    class Meta:
        verbose_name = _("suspicion flag")
        verbose_name_plural = _("suspicion flags")
        constraints = [models.UniqueConstraint(fields=["ballot", "rule"], name="one_flag_per_ballot_and_rule")]


class QuarantineAction(models.TextChoices):
    QUARANTINE = "quarantine", _("Put in quarantine")
    CONFIRM = "confirm", _("Confirmed as fraudulent: excluded")
    RELEASE = "release", _("Released: counted")


class QuarantineDecision(AppendOnlyModel):
    """Append-only: each change of a ballot's status, by the job (actor None) or by staff, with why."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(_("action"), max_length=16, choices=QuarantineAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("quarantine decision")
        verbose_name_plural = _("quarantine decisions")
        ordering = ["at", "pk"]


class FraudScan(models.Model):
    """Where the fraud job stopped in a campaign's ballots: each run reads the ballots after
    `last_ballot_id` (and the traffic around them). Its row is locked while a run works."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="+")
    last_ballot_id = models.BigIntegerField(default=0)
    # The windows of the concentration rules ending up to this bucket (BUCKET_SECONDS since the
    # epoch) are judged; 0: none yet.
    windows_done = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fraud scan position")
        verbose_name_plural = _("fraud scan positions")

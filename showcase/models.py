"""The public showcase of a campaign's winning cases (展示): each case's public story with the
enterprise's consent, the province's approval and its power to unpublish; the presenters'
programme (宣讲) with date and place."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, Case


class StoryState(models.TextChoices):
    DRAFT = "draft", _("Draft: not sent for approval")
    SUBMITTED = "submitted", _("Waiting for the province's approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned by the province")


class ShowcaseStory(models.Model):
    """What the showcase says of one winning case, and whether it may say it.

    `text` is the enterprise's working copy; `public_text` is the copy the province last approved,
    the only one the public reads (an edit waits for approval without taking the page down).
    `consent_given` is the enterprise's consent for this case's campaign; withdrawing it takes the
    page down at once. `hidden_at` is the province taking it down."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="showcase_story")
    text = models.TextField(_("public summary"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=StoryState.choices, default=StoryState.DRAFT)
    public_text = models.TextField(_("approved public summary"), blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    consent_given = models.BooleanField(_("the enterprise consents to publication"), default=False)
    consent_changed_at = models.DateTimeField(_("consent changed at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("unpublished by the province at"), null=True, blank=True)
    hidden_reason = models.TextField(_("reason for unpublishing"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("showcase story")
        verbose_name_plural = _("showcase stories")
        constraints = [models.CheckConstraint(condition=Q(state__in=StoryState.values), name="showcase_story_state_valid")]

    def __str__(self) -> str:
        return str(self.case)


class ShowcaseAction(models.TextChoices):
    CONSENT_GIVEN = "consent_given", _("Consent to publication given")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent to publication withdrawn")
    STORY_SUBMITTED = "story_submitted", _("Public summary sent for approval")
    STORY_APPROVED = "story_approved", _("Public summary approved")
    STORY_RETURNED = "story_returned", _("Public summary returned")
    UNPUBLISHED = "unpublished", _("Unpublished by the province")
    REPUBLISHED = "republished", _("Published again by the province")


class ShowcaseEvent(models.Model):
    """The record of every consent and publication decision: who, when, what, why. Append-only."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="showcase_events")
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=24, choices=ShowcaseAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("showcase record")
        verbose_name_plural = _("showcase records")
        ordering = ["-at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(action__in=ShowcaseAction.values), name="showcase_event_action_valid")]


class PresenterTalk(models.Model):
    """One talk of the presenters' programme (宣讲): a presenter's case, when and where."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="talks")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="talks")
    starts_at = models.DateTimeField(_("date and time (Beijing time)"))
    place = models.CharField(_("place"), max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("presenter talk")
        verbose_name_plural = _("presenters' programme")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} · {self.place}"

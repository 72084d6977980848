"""Writes of the showcase: the enterprise's public summary and consent, the province's approval
and unpublishing. Each locks the case's story row, checks who acts, writes, records a
ShowcaseEvent (who, when, what, why) and makes the stored public pages stale after the commit
(portal.public_cache.bump_public_pages), so a withdrawal or an unpublishing is public at once.

A closed campaign stays publishable and withdrawable: the showcase outlives the campaign (earlier
campaigns stay on it), and an enterprise must always be able to withdraw its consent.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.enums import CaseStatus, Tier
from cases.models import Case
from cases.refusals import Refused
from cases.rules import can_administer, may_act_for_tier, personal_data_in
from portal.public_cache import bump_public_pages
from showcase.models import ShowcaseAction, ShowcaseEvent, ShowcaseStory, StoryState

STORY_MIN_CHARS = 50
STORY_MAX_CHARS = 1500
REASON_MAX_CHARS = 1000


class ShowcaseRefused(Refused):
    """A showcase action that is not allowed now; str() says why and what to do, in Chinese."""


def _story_for_update(case: Case) -> ShowcaseStory:
    ShowcaseStory.objects.get_or_create(case=case)
    # Locked: an approval and an edit (or a withdrawal) of the same story never interleave.
    return ShowcaseStory.objects.select_for_update().get(case=case)


def _record(case: Case, action: str, actor, note: str = "") -> None:
    ShowcaseEvent.objects.create(case=case, campaign_id=case.campaign_id, action=action, actor=actor, note=note)
    bump_public_pages()


def _ensure_winner(case: Case) -> None:
    if case.status != CaseStatus.WINNER:
        raise ShowcaseRefused(_("Only an outstanding case of a final provincial result has a showcase page."))


def _ensure_enterprise(case: Case, actor) -> None:
    if not may_act_for_tier(actor, case, Tier.ENTERPRISE):
        raise ShowcaseRefused(_("Only the enterprise's own users can change this."))


def _ensure_province(actor) -> None:
    if not can_administer(actor):
        raise ShowcaseRefused(_("Only provincial staff can do this."))


@transaction.atomic
def submit_story(*, case: Case, actor, text: str) -> ShowcaseStory:
    """The enterprise sends its public summary (展示简介) for the province's approval.
    Guards: a winner; the enterprise's own user; STORY_MIN_CHARS–STORY_MAX_CHARS characters; no
    phone number and not the contact person's name. The approved text stays public meanwhile.
    Side effects: the story's text and state; a record; public pages stale."""
    _ensure_winner(case)
    _ensure_enterprise(case, actor)
    text = "\n".join(line.rstrip() for line in (text or "").strip().splitlines())
    if len(text) < STORY_MIN_CHARS:
        raise ShowcaseRefused(_("The public summary has %(found)d characters; write at least %(min)d: what the case "
                                "solved, how, and what it achieved.") % {"found": len(text), "min": STORY_MIN_CHARS})
    if len(text) > STORY_MAX_CHARS:
        raise ShowcaseRefused(_("The public summary has %(found)d characters; shorten it to at most %(max)d.")
                              % {"found": len(text), "max": STORY_MAX_CHARS})
    personal = personal_data_in(text, names=(case.contact_name,))
    if personal:
        raise ShowcaseRefused(_("The public summary must not contain phone numbers or the contact person's name "
                                "(found: %(found)s). Delete them and send it again.") % {"found": "、".join(personal)})
    story = _story_for_update(case)
    story.text, story.state, story.return_reason = text, StoryState.SUBMITTED, ""
    story.save(update_fields=["text", "state", "return_reason", "updated_at"])
    _record(case, ShowcaseAction.STORY_SUBMITTED, actor)
    return story


@transaction.atomic
def approve_story(*, case: Case, actor) -> ShowcaseStory:
    """The province approves the submitted summary: it becomes the public text.
    Guards: provincial staff; a summary waiting for approval. Side effects: public text, state,
    approval time; a record; public pages stale (the case is public if the enterprise consents)."""
    _ensure_province(actor)
    story = _story_for_update(case)
    if story.state != StoryState.SUBMITTED:
        raise ShowcaseRefused(_("There is no public summary waiting for approval for this case."))
    story.public_text, story.state, story.approved_at = story.text, StoryState.APPROVED, timezone.now()
    story.save(update_fields=["public_text", "state", "approved_at", "updated_at"])
    _record(case, ShowcaseAction.STORY_APPROVED, actor)
    return story


@transaction.atomic
def return_story(*, case: Case, actor, reason: str) -> ShowcaseStory:
    """The province returns the submitted summary with its reason; the approved text (if any)
    stays public. Guards: provincial staff; a summary waiting; a reason."""
    _ensure_province(actor)
    reason = (reason or "").strip()[:REASON_MAX_CHARS]
    if not reason:
        raise ShowcaseRefused(_("Write the reason, so the enterprise knows what to change."))
    story = _story_for_update(case)
    if story.state != StoryState.SUBMITTED:
        raise ShowcaseRefused(_("There is no public summary waiting for approval for this case."))
    story.state, story.return_reason = StoryState.RETURNED, reason
    story.save(update_fields=["state", "return_reason", "updated_at"])
    _record(case, ShowcaseAction.STORY_RETURNED, actor, reason)
    return story


@transaction.atomic
def set_consent(*, case: Case, actor, given: bool) -> ShowcaseStory:
    """The enterprise consents to (or withdraws its consent from) the publication of this case on
    the showcase, for the case's campaign. A withdrawal takes every public page, photo and video of
    the case down at the commit. Guards: a winner; the enterprise's own user; a change."""
    _ensure_winner(case)
    _ensure_enterprise(case, actor)
    story = _story_for_update(case)
    if story.consent_given == given:
        raise ShowcaseRefused(_("Your consent is already recorded that way.") if given else
                              _("There is no consent to withdraw."))
    story.consent_given, story.consent_changed_at = given, timezone.now()
    story.save(update_fields=["consent_given", "consent_changed_at", "updated_at"])
    _record(case, ShowcaseAction.CONSENT_GIVEN if given else ShowcaseAction.CONSENT_WITHDRAWN, actor)
    return story


@transaction.atomic
def unpublish_case(*, case: Case, actor, reason: str) -> ShowcaseStory:
    """The province takes a case off the showcase at once, with its reason. Guards: provincial
    staff; a reason; not already taken down."""
    _ensure_province(actor)
    reason = (reason or "").strip()[:REASON_MAX_CHARS]
    if not reason:
        raise ShowcaseRefused(_("Write the reason for taking the case off the showcase."))
    story = _story_for_update(case)
    if story.hidden_at is not None:
        raise ShowcaseRefused(_("This case is already off the showcase."))
    story.hidden_at, story.hidden_reason = timezone.now(), reason
    story.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    _record(case, ShowcaseAction.UNPUBLISHED, actor, reason)
    return story


@transaction.atomic
def republish_case(*, case: Case, actor) -> ShowcaseStory:
    """The province lifts its own unpublishing (the enterprise's consent still decides)."""
    _ensure_province(actor)
    story = _story_for_update(case)
    if story.hidden_at is None:
        raise ShowcaseRefused(_("This case was not taken off the showcase."))
    story.hidden_at, story.hidden_reason = None, ""
    story.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    _record(case, ShowcaseAction.REPUBLISHED, actor)
    return story

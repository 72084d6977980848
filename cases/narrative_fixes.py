"""一键修正格式 in the portal (issue 18): asking for a fix, the worker's run, accepting or discarding.

- `request_narrative_fix(case=, actor=)`: the enterprise (while it may edit the case) or a
  reviewer of the case asks; a NarrativeFix row is made for the current narrative (one open fix per
  version: asking again returns it) and the worker is queued after commit.
- `run_narrative_fix(fix_id)` (task body, safe to run twice): the narrative is opened only if its
  check found it openable (cases.documents.confined.open_refusal), then fixed by
  cases.documents.narrative_fixing (guard, child process with the memory limit, the same rules on
  the output); the first pages before and after are rendered to PNG by LibreOffice, with the
  Chinese fonts mapped, for the page that shows the changes.
- `accept_narrative_fix(fix=, actor=)`: the enterprise puts the fixed file into the narrative slot
  as a new version (store_upload: the old one is kept as an earlier version, the new one checked
  again); `discard_narrative_fix(fix=, actor=)` closes it.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.checks import validation_context_for
from cases.documents.confined import local_copy, open_refusal
from cases.documents.narrative_fixing import fix_narrative_file, has_fixable_findings
from cases.enums import EDITABLE_STATUSES, Tier, UploadSlot, ValidationState
from cases.models import Case, FixDecision, NarrativeFix, Upload
from cases.previews import FONTCONFIG_FILE
from cases.queries import current_narrative
from cases.refusals import Refused
from cases.rules import may_act_for_tier
from cases.services import store_upload
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import ValidationLimits

logger = logging.getLogger(__name__)
PREVIEW_TIMEOUT_SECONDS = 120
RUNNING_TOO_LONG = datetime.timedelta(minutes=10)
REVIEWING_TIERS = (Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY, Tier.PROVINCE)


class FixRefused(Refused):
    """The fix cannot be asked for, accepted or discarded now; the message says why, in Chinese."""


def may_request_fix(user, case: Case) -> bool:
    """The enterprise while the case is editable, or a reviewer of the case at any tier above it."""
    if may_act_for_tier(user, case, Tier.ENTERPRISE):
        return case.status in EDITABLE_STATUSES
    return any(may_act_for_tier(user, case, tier) for tier in REVIEWING_TIERS)


def fix_offer(case: Case, narrative: Upload | None, user) -> bool:
    """Whether the page offers 一键修正格式 for `narrative`: it is the case's current narrative, its
    check finished with a finding the fixer repairs, and `user` may ask."""
    return (
        narrative is not None and narrative.slot == UploadSlot.NARRATIVE and narrative.superseded_at is None
        and narrative.validation_state == ValidationState.DONE and has_fixable_findings(narrative.findings)
        and may_request_fix(user, case)
    )


def open_fix(narrative: Upload | None) -> NarrativeFix | None:
    """The undecided fix of this narrative version, if one was asked for."""
    if narrative is None:
        return None
    return NarrativeFix.objects.filter(source=narrative, decision=FixDecision.UNDECIDED).order_by("-pk").first()


@transaction.atomic
def request_narrative_fix(*, case: Case, actor) -> NarrativeFix:
    """Ask for the fix of the case's current narrative. Invariants: `actor` may ask (may_request_fix);
    the narrative's check found something the fixer repairs. Side effects: one NarrativeFix row
    (none when an open one exists for this version: that one is returned); the worker is queued
    after commit."""
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    narrative = current_narrative(locked)
    if not may_request_fix(actor, locked):
        raise FixRefused(_("Only the enterprise (while it may still change the case) and its reviewers may fix the narrative's format."))
    if narrative is None or not fix_offer(locked, narrative, actor):
        raise FixRefused(_("The current narrative has no format problem the portal can fix (or its check has not finished). Upload the narrative and wait for its check."))
    existing = open_fix(narrative)
    if existing is not None and existing.state != ValidationState.FAILED:
        return existing
    fix = NarrativeFix.objects.create(case=locked, source=narrative, requested_by=actor)
    from cases.tasks import fix_narrative_task  # tasks import this module
    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(fix_narrative_task, fix.pk)
    return fix


def run_narrative_fix(fix_id: int) -> str:
    """Fix one narrative (task body; id in, safe to run twice). Steps: claim the row (a finished or
    recently started run is left alone); refuse a file its check found unopenable; fix it in a
    private folder; store the fixed file, the changes, the findings left and the previews."""
    now = timezone.now()
    with transaction.atomic():
        fix = NarrativeFix.objects.select_for_update().select_related("source", "case").filter(pk=fix_id).first()
        if fix is None:
            return "skipped"
        if fix.state in (ValidationState.DONE, ValidationState.FAILED):
            return fix.state
        if fix.state == ValidationState.RUNNING and fix.started_at and now - fix.started_at < RUNNING_TOO_LONG:
            return ValidationState.RUNNING
        NarrativeFix.objects.filter(pk=fix.pk).update(state=ValidationState.RUNNING, started_at=now)
    source = fix.source
    refusal = open_refusal(source)  # its check found it unopenable: never opened again
    if refusal:
        return _fail(fix, refusal)
    context = validation_context_for(source)
    with private_folder(None) as folder:
        original = local_copy(source, folder, "original" + Path(source.original_name).suffix.lower())
        fixed = folder / "fixed.docx"
        outcome = fix_narrative_file(original, fixed, context=context, display_name=source.original_name)
        if outcome.refused:
            return _fail(fix, outcome.refusal)
        before_png = _first_page(original, folder / "before")
        after_png = _first_page(fixed, folder / "after")
        stored = NarrativeFix(pk=fix.pk, case_id=fix.case_id)
        with open(fixed, "rb") as handle:
            stored.file.save("fixed.docx", File(handle), save=False)
        for field, image in (("preview_before", before_png), ("preview_after", after_png)):
            if image is not None:
                getattr(stored, field).save(f"{field}.png", ContentFile(image.read_bytes()), save=False)
    NarrativeFix.objects.filter(pk=fix.pk).update(
        state=ValidationState.DONE, finished_at=timezone.now(), file=stored.file.name, changes=outcome.changes,
        findings=[finding.to_dict() for finding in outcome.findings_after],
        preview_before=stored.preview_before.name or "", preview_after=stored.preview_after.name or "",
    )
    return ValidationState.DONE


def _fail(fix: NarrativeFix, problem: str) -> str:
    NarrativeFix.objects.filter(pk=fix.pk).update(state=ValidationState.FAILED, problem=problem, finished_at=timezone.now())
    return ValidationState.FAILED


def _first_page(document: Path, folder: Path) -> Path | None:
    """The first page as PNG (LibreOffice, own profile, timeout, memory limit); None if it cannot."""
    folder.mkdir()
    arguments = [
        "soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--invisible",
        "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "png",
        "--outdir", str(folder / "out"), str(document),
    ]
    try:
        run_tool(arguments, timeout=PREVIEW_TIMEOUT_SECONDS, cwd=folder, extra_env={"FONTCONFIG_FILE": str(FONTCONFIG_FILE)},
                 memory_limit=ValidationLimits().tool_memory_bytes)
    except (ToolMissing, ToolTimeout) as problem:
        logger.warning("narrative fix preview not made: %s", problem)
        return None
    rendered = folder / "out" / f"{document.stem}.png"
    return rendered if rendered.is_file() and rendered.stat().st_size else None


def accept_narrative_fix(*, fix: NarrativeFix, actor, now: datetime.datetime | None = None) -> Upload:
    """Put the fixed narrative into the narrative slot as a new version. Invariants: the fix is done
    and undecided; its source is still the current narrative; `actor` may change the case now
    (store_upload checks the enterprise, the status and the deadline). Side effects: a new Upload
    (the source becomes an earlier version; the new file is checked again); the fix is marked
    accepted."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = NarrativeFix.objects.select_for_update().select_related("source", "case").get(pk=fix.pk)
        _ensure_open(locked)
        if locked.state != ValidationState.DONE or not locked.file:
            raise FixRefused(_("The fixed narrative is not ready yet."))
        if current_narrative(locked.case) != locked.source:
            raise FixRefused(_("A newer narrative was uploaded after this fix was made; ask for a fix of the newer one."))
        name = f"{Path(locked.source.original_name).stem}（格式已修正）.docx"
        with locked.file.open("rb") as handle:
            upload = store_upload(case=locked.case, actor=actor, slot=UploadSlot.NARRATIVE,
                                  uploaded_file=ContentFile(handle.read(), name=name), now=now)
        NarrativeFix.objects.filter(pk=locked.pk).update(
            decision=FixDecision.ACCEPTED, decided_by=actor, decided_at=now, accepted_upload=upload)
    return upload


@transaction.atomic
def discard_narrative_fix(*, fix: NarrativeFix, actor, now: datetime.datetime | None = None) -> None:
    """Close the fix without using it. Invariants: undecided; `actor` may ask for fixes of the case."""
    locked = NarrativeFix.objects.select_for_update().select_related("case").get(pk=fix.pk)
    _ensure_open(locked)
    if not may_request_fix(actor, locked.case):
        raise FixRefused(_("Only the enterprise (while it may still change the case) and its reviewers may fix the narrative's format."))
    NarrativeFix.objects.filter(pk=locked.pk).update(decision=FixDecision.DISCARDED, decided_by=actor, decided_at=now or timezone.now())


def _ensure_open(fix: NarrativeFix) -> None:
    if fix.decision != FixDecision.UNDECIDED:
        raise FixRefused(_("This fix was already %(decision)s.") % {"decision": FixDecision(fix.decision).label})

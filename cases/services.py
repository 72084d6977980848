"""Writes of the cases app: accounts and roles; the enterprise's case, its files and its submission."""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import case_window, stage_window
from cases.enums import EDITABLE_STATUSES, CaseStatus, Role, Tier
from cases.models import AuditEvent, Campaign, Case, Enterprise, Membership, Organisation, Upload
from cases.queries import memberships_of, submission_problems
from cases.refusals import Refused
from cases.rules import ensure_campaign_open, may_act_for_tier
from cases.slots import SLOT_RULES, slot_rules_for
from cases.uploads import UploadRejected, check_received_file
from cases.validation.units import describe_bytes
from cases.workflow import transition_case

logger = logging.getLogger(__name__)

PROVINCE_ADMIN_GROUP = "省级管理员"
# The models provincial staff manage in the Django admin.
PROVINCE_ADMIN_MODELS = {
    "cases": ("campaign", "campaignnotice", "campaigncontact", "organisation", "enterprise", "membership"),
    "quotas": ("cityquota",),
    "review": ("scoringcriterion", "expertprofile"),
    "auth": ("user",),
    # The account's phone (SMS resets) on the account page; registrations read-only.
    "accounts": ("accountprofile", "enterpriseregistration"),
    # Text messages and their failures (read-only in the admin).
    "sms": ("smsmessage",),
}


def ensure_province_admin_group() -> Group:
    """The group whose permissions let provincial staff use the admin; kept in step with the code."""
    group, _created = Group.objects.get_or_create(name=PROVINCE_ADMIN_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=PROVINCE_ADMIN_MODELS.keys()
    ).select_related("content_type")
    wanted = [
        permission for permission in permissions
        if permission.content_type.model in PROVINCE_ADMIN_MODELS[permission.content_type.app_label]
    ]
    group.permissions.set(wanted)
    return group


@transaction.atomic
def grant_role(
    *, user, role: str, organisation: Organisation | None = None, enterprise: Enterprise | None = None
) -> Membership:
    """Give `user` a role in an organisation (or enterprise). Idempotent.

    Side effects: a provincial staff role also makes the user admin staff in the provincial
    admin group, so the Django admin opens for them.
    """
    membership = Membership(user=user, role=role, organisation=organisation, enterprise=enterprise)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    membership, _created = Membership.objects.get_or_create(
        user=user, role=role, organisation=organisation, enterprise=enterprise
    )
    if role == Role.PROVINCE_STAFF:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_province_admin_group())
    return membership


@transaction.atomic
def release_current_campaign(*, for_campaign: Campaign) -> Campaign | None:
    """Make room for `for_campaign` to become the current campaign (one is current at a time):
    the campaign current until now stops being current. Returns it (None if there was none).
    Called inside the transaction that saves `for_campaign` as current."""
    previous = Campaign.objects.select_for_update().filter(is_current=True).exclude(pk=for_campaign.pk).first()
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    return previous


def create_user(*, username: str, password: str | None, full_name: str = "", email: str = ""):
    """A portal account. `full_name` goes into first_name: Chinese names are not split."""
    User = get_user_model()
    user = User(username=username, first_name=full_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


# --- the enterprise's case: form, files, submission (附件3) -----------------------------------

class CaseNotEditable(Exception):
    """The case cannot be changed now (status, deadline or role); the message says why, in Chinese."""


class StaleVersion(Exception):
    """The form was saved from an older version of the case (another tab or device saved since)."""

    def __init__(self, current: Case) -> None:
        super().__init__(
            _("This case was saved in another window or on another device after you opened this page (now version %(version)d). Your text below is not saved yet: compare it with the saved values shown under the fields, then save again to keep yours.")
            % {"version": current.version}
        )
        self.current = current


class SubmissionRefused(Refused):
    """The case cannot be submitted; `reasons` lists what to do first, in Chinese."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


# The form fields an enterprise edits (附件3; the opinions are written by the associations).
ENTERPRISE_FIELDS = (
    "title", "case_type", "completing_unit", "team", "contact_name", "contact_position", "contact_phone",
    "contact_address", "honours", "remarks", "enterprise_type", "has_park_association",
    "has_enterprise_association", "short_title", "unit_short_name",
)


def _lock_editable_case(case: Case, *, actor, now: datetime.datetime) -> Case:
    """Lock the case row and make sure `actor` may change it now; returns the locked row.
    The lock serialises two saves, uploads or submits of one case (two tabs, a double click)."""
    locked = Case.objects.select_for_update(of=("self",)).select_related(
        "campaign", "enterprise__association__parent__parent"
    ).get(pk=case.pk)
    ensure_campaign_open(locked.campaign, error=CaseNotEditable)
    if not may_act_for_tier(actor, locked, Tier.ENTERPRISE):
        raise CaseNotEditable(_("Only users of the enterprise that owns this case may change it."))
    if locked.status not in EDITABLE_STATUSES:
        raise CaseNotEditable(
            _("This case is “%(status)s” and can no longer be changed. It can be changed again only if a reviewer returns it.")
            % {"status": CaseStatus(locked.status).label}
        )
    window = case_window(locked, now)
    if window is not None and not window.is_open:
        raise CaseNotEditable(
            _("The deadline passed at %(closes)s (Beijing time); the case is read-only now. Ask the provincial center for an extension if needed.")
            % {"closes": window.closes_text}
        )
    return locked


def _lock_winner_case(case: Case, *, actor) -> Case:
    """Lock the case row for the winners' materials (附件1 七、八: talk text, slides, video): only
    the owning enterprise, only once the province selected the case, only while the campaign is open."""
    locked = Case.objects.select_for_update(of=("self",)).select_related(
        "campaign", "enterprise__association__parent__parent"
    ).get(pk=case.pk)
    ensure_campaign_open(locked.campaign, error=CaseNotEditable)
    if not may_act_for_tier(actor, locked, Tier.ENTERPRISE):
        raise CaseNotEditable(_("Only users of the enterprise that owns this case may change it."))
    if locked.status != CaseStatus.WINNER:
        raise UploadRejected(_("This slot opens only for selected outstanding cases."))
    return locked


def lock_case_for_slot(case: Case, *, actor, slot: str, now: datetime.datetime) -> Case:
    """Lock the case row and make sure `actor` may put a file into `slot` now (the submission's
    slots while the case is editable; the winners' slots once it is a winner)."""
    if SLOT_RULES[slot].winners_only:
        return _lock_winner_case(case, actor=actor)
    return _lock_editable_case(case, actor=actor, now=now)


@transaction.atomic
def create_case(*, actor, enterprise: Enterprise, campaign: Campaign, values: dict,
                now: datetime.datetime | None = None) -> Case:
    """A new draft case of `enterprise` in `campaign` with the given form values.

    Invariants: `actor` is a user of `enterprise`; the enterprise's stage of the campaign is open;
    a case name is given. Side effects: one Case row (version 1); the enterprise's facts (type,
    association flags, name as 完成单位) fill what `values` leaves out.
    """
    now = now or timezone.now()
    ensure_campaign_open(campaign, error=CaseNotEditable)
    if not any(m.role == Role.ENTERPRISE_USER and m.enterprise_id == enterprise.pk for m in memberships_of(actor)):
        raise CaseNotEditable(_("Only users of the enterprise may create its cases."))
    window = stage_window(campaign, Tier.ENTERPRISE, now=now, enterprise=enterprise)
    if window.deadline_passed:
        raise CaseNotEditable(
            _("The deadline passed at %(closes)s (Beijing time); new cases can no longer be created.")
            % {"closes": window.closes_text}
        )
    fields = {name: value for name, value in values.items() if name in ENTERPRISE_FIELDS}
    if not str(fields.get("title") or "").strip():
        raise CaseNotEditable(_("Give the case a name first."))
    defaults = {
        "completing_unit": enterprise.name, "enterprise_type": enterprise.enterprise_type,
        "has_park_association": enterprise.has_park_association,
        "has_enterprise_association": enterprise.has_enterprise_association,
        "contact_address": enterprise.address,
    }
    for name, value in defaults.items():
        if name not in fields:
            fields[name] = value
    return Case.objects.create(campaign=campaign, enterprise=enterprise, status=CaseStatus.DRAFT, **fields)


def save_case_draft(*, case: Case, actor, values: dict, expected_version: int,
                    now: datetime.datetime | None = None) -> Case:
    """Save form values into the case (only ENTERPRISE_FIELDS; the caller passes the valid ones).

    Invariants: the case is editable by `actor` now; `expected_version` is the version the form
    was opened with — a save from an older one raises StaleVersion and changes nothing, so a
    second tab never overwrites the first silently. Side effects, in order: the fields, `version`
    + 1; after commit, the checks of current files whose findings depend on what changed (the case
    name is part of the photo and video name rules) are queued again (recheck_case_files).
    Returns the saved case (a fresh object).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_editable_case(case, actor=actor, now=now)
        if locked.version != expected_version:
            raise StaleVersion(locked)
        changed = []
        for name, value in values.items():
            if name in ENTERPRISE_FIELDS and getattr(locked, name) != value:
                setattr(locked, name, value)
                changed.append(name)
        if changed:
            locked.version += 1
            locked.save(update_fields=[*changed, "version", "updated_at"])
            case_id = locked.pk
            transaction.on_commit(lambda: recheck_case_files(case_id=case_id))
    return locked


def store_upload(*, case: Case, actor, slot: str, uploaded_file, now: datetime.datetime | None = None) -> Upload:
    """Store one received file in a slot of the case and queue its check.

    Invariants: the campaign is open; the case is editable by `actor` (for the winners' slots: it is
    a winner and `actor` is of its enterprise); the file passes the quick checks (present, not
    empty, accepted extension, content matching it — raises UploadRejected otherwise) and the
    slot's size limit. Side effects, in order: the case row is locked; in a single-file slot the
    current file becomes an earlier version (superseded_at = now; never deleted); the bytes go to
    storage under an opaque name (a file already stored there, `stored_name`, is recorded as it is); an Upload row with size and SHA-256 (the receipt); after commit
    the check task is queued. A failure after the bytes reached storage removes them again.
    """
    now = now or timezone.now()
    rule = SLOT_RULES[slot]
    checked = check_received_file(uploaded_file, rule)
    if checked.size > rule.max_bytes():
        raise UploadRejected(_("The file is larger than this slot allows (at most %(limit)s).") % {
            "limit": describe_bytes(rule.max_bytes())})
    stored_name = None
    try:
        with transaction.atomic():
            locked = lock_case_for_slot(case, actor=actor, slot=slot, now=now)
            if not rule.multiple:
                Upload.objects.filter(case=locked, slot=slot, superseded_at__isnull=True).update(superseded_at=now)
            upload = Upload(
                case=locked, slot=slot, original_name=checked.original_name, size=checked.size,
                sha256=checked.sha256, uploaded_by=actor,
            )
            if getattr(uploaded_file, "stored_name", None):
                # Already where it belongs (a resumable upload's parts joined on object storage): recorded, not copied.
                upload.file.name = uploaded_file.stored_name
            else:
                upload.file.save(checked.original_name, uploaded_file, save=False)
            stored_name = upload.file.name
            upload.save()
            Case.objects.filter(pk=locked.pk).update(updated_at=now)
            # Recorded with the upload (committed together), published after the commit.
            _queue_check(upload.pk)
    except Exception:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return upload


def _queue_check(upload_id: int) -> None:
    from cases.tasks import check_upload_task
    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(check_upload_task, upload_id)


def recheck_case_files(*, case_id: int) -> list[int]:
    """Queue again the checks of the case's current files whose findings were made with other
    inputs than the case has now (see cases.checks.uploads_to_recheck). Runs after the save
    committed and never fails it: a file left unqueued here is still marked waiting, and the
    periodic requeue picks it up. Returns the ids queued."""
    from cases.checks import uploads_to_recheck

    try:
        upload_ids = uploads_to_recheck(case_id)
    except Exception:  # the save is done; a stale badge must not turn it into an error page
        logger.exception("could not re-queue the checks of case %s", case_id)
        return []
    for upload_id in upload_ids:
        _queue_check(upload_id)
    return upload_ids


def withdraw_upload(*, upload: Upload, actor, now: datetime.datetime | None = None) -> Upload:
    """Take a file out of the case: a proof file (证明材料, a slot of several files) or the file of
    an optional slot (the enterprise's own 推荐表 Word: without it the portal fills the form).

    Invariants: the case is editable by `actor` now (its row is locked); the slot is removable
    (SlotRule.removable) — a required single-file slot is replaced by uploading, not emptied.
    Side effects: superseded_at = now. Soft, like a replacement: the row stays as an earlier
    version with who uploaded it and when, still downloadable for reviewers. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_editable_case(upload.case, actor=actor, now=now)
        current = Upload.objects.select_for_update().get(pk=upload.pk)
        if not slot_rules_for(upload.case.campaign)[current.slot].removable:
            raise CaseNotEditable(_("This file can only be replaced by uploading a new one."))
        if current.superseded_at is None:
            current.superseded_at = now
            current.save(update_fields=["superseded_at"])
            Case.objects.filter(pk=current.case_id).update(updated_at=now)
    return current


def submit_case(*, case: Case, actor, now: datetime.datetime | None = None) -> Case:
    """Submit the case (or resubmit a returned one) to the enterprise's association.

    Invariants: checked under the case's row lock, so of two submits at once the second sees the
    first's result: the status is editable (else: already submitted); every required field and
    slot is filled; no check is running; no current file has an error finding (else
    SubmissionRefused with every reason); the stage is open (transition_case, TransitionRefused).
    Side effects: transition_case's (status, submitted_at, CaseTransition row, notification).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related(
            "campaign", "enterprise__association__parent__parent"
        ).get(pk=case.pk)
        ensure_campaign_open(locked.campaign, error=lambda message: SubmissionRefused([message]))
        if locked.status not in EDITABLE_STATUSES:
            when = timezone.localtime(locked.submitted_at).strftime("%Y-%m-%d %H:%M") if locked.submitted_at else ""
            raise SubmissionRefused([
                _("This case was already submitted (%(when)s) and is now “%(status)s”; nothing more to do.")
                % {"when": when, "status": CaseStatus(locked.status).label}
            ])
        problems = submission_problems(locked)
        if problems:
            raise SubmissionRefused(problems)
        transition_case(locked, to=CaseStatus.SUBMITTED, actor=actor, now=now)
    return locked


def record_download(*, actor, case: Case | None, action: str, summary: str, details: dict | None = None) -> AuditEvent:
    """Write the audit row of a download (files, and exports holding personal data: SPEC §8)."""
    return AuditEvent.objects.create(action=action, actor=actor, case=case, summary=summary[:300], details=details or {})

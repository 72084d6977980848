"""Reads: who may see what. Every list, detail, download and export goes through these.

Anything a function here does not return is, for that user, a 404.
"""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from cases.deadlines import case_window
from cases.documents.recommendation_form import narrative_not_attachable_message, printed_form_fingerprint
from cases.documents.wechat import MAX_TITLE_SHORT, MAX_UNIT_SHORT
from cases.enums import (
    STAFF_ROLES,
    AuditAction,
    CaseStatus,
    Role,
    Tier,
    UploadSlot,
    ValidationState,
    statuses_reaching,
)
from cases.models import AuditEvent, Campaign, Case, Enterprise, Membership, Organisation, Upload
from cases.slots import missing_required_slots, proof_reminder, slot_rules_for
from cases.validation import rules as check_rules

# Roles whose holders see the whole province's cases.
PROVINCE_WIDE_ROLES = (Role.PROVINCE_STAFF,)


def current_campaign() -> Campaign | None:
    return Campaign.objects.current()


def memberships_of(user) -> list[Membership]:
    """The user's roles, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user)
            .select_related("organisation", "enterprise__association")
            .order_by("id")
        )
        user._portal_memberships = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return any(membership.role in roles for membership in memberships_of(user))


def sees_whole_province(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, *PROVINCE_WIDE_ROLES))


def submitted_cases() -> QuerySet[Case]:
    """Every case its enterprise has submitted (whatever happened to it since). A draft belongs to
    its enterprise until it is submitted: nobody else sees it, provincial staff and superusers
    included, on any page, file, preview, download, export, list, search or count (SPEC §2). There
    is no support access to drafts."""
    return Case.objects.exclude(status=CaseStatus.DRAFT)


# Cases another app opens to a person beyond the tiers' subtrees: review registers the cases an
# expert is assigned to, recusal (回避) applied at read time (review.apps). `cases` imports neither
# review nor quotas, so they register here and cases_visible_to asks them on every read.
_CASE_GRANTS: list = []


def register_case_grant(grant) -> None:
    """`grant(user)` returns the ids (a list, or a values_list queryset) of the cases it opens to `user`."""
    if grant not in _CASE_GRANTS:
        _CASE_GRANTS.append(grant)


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases the user may open.

    - provincial staff (and superusers): every submitted case, never a draft (submitted_cases);
    - association, county and city staff: cases of their subtree that have reached their tier;
    - enterprise users: their enterprise's cases;
    - experts: cases assigned to them that no recusal rule forbids now (review.experts.queries,
      registered through register_case_grant): a recusal recorded by any path hides the case at once;
    - observers and everybody else: none (observers read summaries only).
    """
    if not user.is_authenticated:
        return Case.objects.none()
    condition = Q(pk__in=[])
    whole_province = sees_whole_province(user)
    if whole_province:
        condition |= ~Q(status=CaseStatus.DRAFT)
    for membership in memberships_of(user):
        if membership.role == Role.ENTERPRISE_USER:
            condition |= Q(enterprise_id=membership.enterprise_id)
        elif membership.role in STAFF_ROLES and not whole_province:
            condition |= Q(
                enterprise__association__path__startswith=membership.organisation.path,
                status__in=statuses_reaching(membership.tier),
            )
    if not whole_province:
        for grant in _CASE_GRANTS:
            condition |= Q(pk__in=grant(user))
    return Case.objects.filter(condition)


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    if not user.is_authenticated:
        return Enterprise.objects.none()
    if sees_whole_province(user):
        return Enterprise.objects.all()
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role == Role.ENTERPRISE_USER:
            condition |= Q(pk=membership.enterprise_id)
        elif membership.role in STAFF_ROLES:
            condition |= Q(association__path__startswith=membership.organisation.path)
    return Enterprise.objects.filter(condition)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    if sees_whole_province(user):
        return Organisation.objects.all()
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role in STAFF_ROLES:
            condition |= Q(path__startswith=membership.organisation.path)
    return Organisation.objects.filter(condition)


def case_counts_by_status(cases: QuerySet[Case]) -> dict[str, int]:
    rows = cases.order_by().values("status").annotate(count=Count("id"))
    return {row["status"]: row["count"] for row in rows}


# The statuses in which a case waits for each tier to act.
WAITING_FOR_TIER = {
    Tier.ENTERPRISE: (CaseStatus.DRAFT, CaseStatus.RETURNED),
    Tier.ASSOCIATION: (CaseStatus.SUBMITTED, CaseStatus.ASSOCIATION_RECOMMENDED),
    Tier.COUNTY: (CaseStatus.COUNTY_REVIEW, CaseStatus.COUNTY_PASSED),
    Tier.CITY: (CaseStatus.CITY_REVIEW, CaseStatus.CITY_SELECTED),
    Tier.PROVINCE: (CaseStatus.PROVINCE_REVIEW,),
}


# --- the enterprise's case pages (submission issue) ------------------------------------------

def enterprises_of(user) -> list[Enterprise]:
    """The enterprises for which `user` fills in cases (enterprise-user memberships), in order."""
    return [m.enterprise for m in memberships_of(user) if m.role == Role.ENTERPRISE_USER]


def enterprise_cases(user, campaign: Campaign | None) -> QuerySet[Case]:
    """The cases of the user's own enterprises in `campaign`, newest first; one query whatever the count."""
    ids = [enterprise.pk for enterprise in enterprises_of(user)]
    if campaign is None or not ids:
        return Case.objects.none()
    return (
        cases_visible_to(user).filter(campaign=campaign, enterprise_id__in=ids)
        .select_related("campaign", "enterprise__association").order_by("-updated_at", "-pk")
    )


def case_uploads(case: Case) -> tuple[dict[str, list], dict[str, list]]:
    """(current files by slot, earlier versions by slot): one query, newest first within a slot."""
    current: dict[str, list] = {}
    earlier: dict[str, list] = {}
    for upload in case.uploads.select_related("uploaded_by").order_by("-uploaded_at", "-pk"):
        (current if upload.superseded_at is None else earlier).setdefault(upload.slot, []).append(upload)
    return current, earlier


def current_narrative(case: Case) -> Upload | None:
    """The case's current 案例概要 upload (the one the 推荐表 carries as 附页), or None."""
    return case.uploads.filter(slot=UploadSlot.NARRATIVE, superseded_at__isnull=True).order_by("-uploaded_at", "-pk").first()


def latest_return(case: Case):
    """The reviewer's latest 退回 of the case (its reasons are shown to the enterprise), or None."""
    return case.transitions.filter(to_status=CaseStatus.RETURNED).select_related("actor").first()


def case_history(case: Case) -> list:
    """Every move of the case, oldest first (the progress shown on the case page)."""
    return list(case.transitions.select_related("actor").order_by("created_at", "pk"))


def editing_closes_at(case: Case):
    """When the enterprise's editing (and submitting) of this case closes (cases.deadlines.case_window),
    extensions counted. None: no deadline, or not the enterprise's to change."""
    window = case_window(case)
    return window.closes_at if window else None


def is_editable(case: Case, now) -> bool:
    """The enterprise may change the form and files: an editable status, its stage still open and
    the campaign not closed (so pages offer no button the services would refuse)."""
    window = case_window(case, now)
    return window is not None and window.is_open


# The 推荐表 fields the enterprise must fill in before submitting (附件3; the two 意见 rows and 备注
# are written by others or optional).
SUBMISSION_REQUIRED_FIELDS = (
    "title", "case_type", "completing_unit", "team", "contact_name", "contact_position", "contact_phone",
    "contact_address",
)


# 案例简称 and 单位简称 make up the WeChat group display name `地区 案例简称 单位简称` (附件1 九). Their
# limits are the ones the suggestions keep to (cases.documents.wechat), so a suggestion always fits.
SHORT_NAME_LIMITS = {"short_title": MAX_TITLE_SHORT, "unit_short_name": MAX_UNIT_SHORT}


def short_name_length(value: str) -> int:
    """字数 as a Chinese user counts it: each 汉字, letter, digit or punctuation mark is one; spaces
    are not counted (the display name drops them)."""
    return len("".join((value or "").split()))


def short_name_problem(field_name: str, value: str) -> str | None:
    """Why a short name (a key of SHORT_NAME_LIMITS) is too long, in Chinese; None if it fits.
    The form shows it under the field and the submission check lists it, so both say the same."""
    return _too_long(field_name, SHORT_NAME_LIMITS[field_name], short_name_length(value))


def text_length_problem(field_name: str, value: str) -> str | None:
    """Why the value of a length-limited text field of the 推荐表 is too long, in Chinese (field,
    limit, current length, what to do); None if it fits. Every field keeps to its column's
    max_length, counted per character as the database does; short names also to SHORT_NAME_LIMITS
    (spaces not counted), which is tighter."""
    if field_name in SHORT_NAME_LIMITS and (problem := short_name_problem(field_name, value)):
        return problem
    return _too_long(field_name, Case._meta.get_field(field_name).max_length, len(value or ""))


def _too_long(field_name: str, limit: int, length: int) -> str | None:
    if length <= limit:
        return None
    return _("%(field)s may have at most %(limit)d characters; it now has %(count)d. Shorten it.") % {
        "field": Case._meta.get_field(field_name).verbose_name, "limit": limit, "count": length}


# The key under which a download of the filled 推荐表 records what its rows said (AuditEvent.details).
PRINTED_FORM_KEY = "printed_form"


def narrative_attachment_problem(narrative: Upload | None) -> str | None:
    """Why the current 案例概要 cannot be attached to the 推荐表 as 附页, or None.

    Known without converting anything: a legacy .doc is converted again for the form exactly as its
    check converted it, so only a check that could not convert it for want of LibreOffice (a
    warning, not an error) tells in advance that the form cannot carry it. A file the check could
    not read at all already has its own error finding."""
    if narrative is None or narrative.validation_state != ValidationState.DONE:
        return None
    if any(finding.get("rule") == check_rules.TOOL_UNAVAILABLE.code for finding in narrative.findings):
        return narrative_not_attachable_message(legacy=True)
    return None


def scan_shows_older_form(case: Case, scan: Upload) -> bool:
    """The stamped scan (盖章扫描件) shows an older 推荐表 than the case now prints.

    The portal cannot read the scan, so it compares what the rows of the form said at its last
    download before the scan was uploaded (recorded by the download, PRINTED_FORM_KEY) with what
    they say now. Unknown (no such download: a form filled by hand, or downloaded before this was
    recorded): False — nothing to ask for."""
    printed = (
        AuditEvent.objects.filter(
            case=case, action=AuditAction.PERSONAL_DATA_DOWNLOADED, details__has_key=PRINTED_FORM_KEY,
            created_at__lte=scan.uploaded_at,
        )
        .order_by("-created_at", "-pk")
        .values_list(f"details__{PRINTED_FORM_KEY}", flat=True)
        .first()
    )
    return printed is not None and printed != printed_form_fingerprint(case)


def submission_reminders(case: Case, uploads: dict[str, list] | None = None) -> list[str]:
    """What the enterprise may still want to add before submitting, without being held back by it
    (the optional 证明材料, cases.slots.proof_reminder); empty: nothing to remind of."""
    if uploads is None:
        uploads, _earlier = case_uploads(case)
    reminder = proof_reminder(case.campaign, uploads)
    return [reminder] if reminder else []


def submission_problems(case: Case, uploads: dict[str, list] | None = None) -> list[str]:
    """Why the case cannot be submitted yet, in Chinese, in the order to fix them; empty: ready.

    Missing form fields, empty required slots (cases.slots), a narrative the 推荐表 cannot carry as
    附页, a stamped scan of an older form, checks still running or failed, and every current file
    with an error-severity finding. The deadline is the transition's to judge.
    """
    if uploads is None:
        uploads, _earlier = case_uploads(case)
    problems = []
    empty = [str(Case._meta.get_field(name).verbose_name) for name in SUBMISSION_REQUIRED_FIELDS
             if not str(getattr(case, name) or "").strip()]
    if empty:
        problems.append(_("Fill in the form: %(fields)s.") % {"fields": "、".join(empty)})
    # A case saved before the limits were checked may still hold a longer short name.
    for field_name in SHORT_NAME_LIMITS:
        too_long = short_name_problem(field_name, getattr(case, field_name))
        if too_long:
            problems.append(too_long)
    for slot in missing_required_slots(uploads, rules=slot_rules_for(case.campaign)):
        problems.append(_("Upload the file “%(slot)s”.") % {"slot": UploadSlot(slot).label})
    not_attachable = narrative_attachment_problem((uploads.get(UploadSlot.NARRATIVE) or [None])[0])
    if not_attachable:
        problems.append(not_attachable)
    scans = uploads.get(UploadSlot.FORM_SCAN)
    if scans and scan_shows_older_form(case, scans[0]):
        problems.append(_("The recommendation form was changed after the stamped scan was uploaded: download the form again, print, stamp and scan it, and upload the new scan."))
    for slot, files in uploads.items():
        label = UploadSlot(slot).label
        for upload in files:
            if upload.validation_state in (ValidationState.PENDING, ValidationState.RUNNING):
                problems.append(
                    _("“%(name)s” (%(slot)s) is still being checked; wait a moment and try again.")
                    % {"name": upload.original_name, "slot": label}
                )
            elif upload.validation_state == ValidationState.FAILED:
                problems.append(
                    _("The check of “%(name)s” (%(slot)s) could not run; upload the file again.")
                    % {"name": upload.original_name, "slot": label}
                )
            elif upload.blocking_findings:
                problems.append(
                    _("“%(name)s” (%(slot)s) has %(count)d problem(s) to fix first, e.g.: %(message)s")
                    % {"name": upload.original_name, "slot": label, "count": len(upload.blocking_findings),
                       "message": upload.blocking_findings[0].get("message", "")}
                )
    return problems


def unfinished_current_campaign(*, excluding: Campaign) -> tuple[Campaign, int] | None:
    """The campaign current now, when it may not hand the current flag to `excluding` yet: it is not
    closed and holds submitted cases (every page, list and deadline works on the current campaign,
    so its cases in progress would drop out of every list). Returns it with that count, else None."""
    previous = Campaign.objects.filter(is_current=True).exclude(pk=excluding.pk).first()
    if previous is None or previous.closed_at is not None:
        return None
    submitted = Case.objects.filter(campaign=previous).exclude(status=CaseStatus.DRAFT).count()
    return (previous, submitted) if submitted else None

"""Choices of the cases app: organisation kinds, tiers, roles, enterprise and case types, case status."""

import functools
from dataclasses import dataclass

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    PROVINCE = "province", _("Provincial association / innovation service center")
    CITY = "city", _("City association")
    COUNTY = "county", _("County association")
    PARK_ASSOCIATION = "park_association", _("Park association")
    ENTERPRISE_ASSOCIATION = "enterprise_association", _("Enterprise association")


ASSOCIATION_KINDS = (OrganisationKind.PARK_ASSOCIATION, OrganisationKind.ENTERPRISE_ASSOCIATION)

# The kinds a parent may have, by the kind of the child: the tree of SPEC §2. A 园区科协 or 企业科协
# (a 军工企事业单位's among them: the notice is addressed to them directly) may also sit above county
# level, directly under a city or under the province, without a pseudo-county: its list then goes
# to that city or to the province (ASSOCIATION_RECEIVERS).
PARENT_KINDS = {
    OrganisationKind.PROVINCE: (),
    OrganisationKind.CITY: (OrganisationKind.PROVINCE,),
    OrganisationKind.COUNTY: (OrganisationKind.CITY,),
    OrganisationKind.PARK_ASSOCIATION: (OrganisationKind.COUNTY, OrganisationKind.CITY, OrganisationKind.PROVINCE),
    OrganisationKind.ENTERPRISE_ASSOCIATION: (OrganisationKind.COUNTY, OrganisationKind.CITY, OrganisationKind.PROVINCE),
}


class Tier(models.IntegerChoices):
    """The levels a case climbs, in order. Each tier but the province has a deadline."""

    ENTERPRISE = 1, _("Enterprise")
    ASSOCIATION = 2, _("Park / enterprise association")
    COUNTY = 3, _("County association")
    CITY = 4, _("City association")
    PROVINCE = 5, _("Province")


class Stage(models.IntegerChoices):
    """Everything a deadline closes: the tiers' stages of the pipeline (the same numbers as Tier, so a
    Tier is a Stage) and the deadlines outside it (附件1 七、八; 四(三) 活动方案 and 工作总结). A
    DeadlineExtension names one of these; cases.deadlines.stage_window answers for each."""

    ENTERPRISE = 1, _("Enterprise")
    ASSOCIATION = 2, _("Park / enterprise association")
    COUNTY = 3, _("County association")
    CITY = 4, _("City association")
    PROVINCE = 5, _("Province")
    WINNER_MATERIALS = 11, _("Winners' materials (talk text, slides, video)")
    ACTIVITY_PLAN = 12, _("Activity plan (活动方案)")
    WORK_SUMMARY = 13, _("Work summary (工作总结)")


class ProofMaterials(models.TextChoices):
    """What a campaign asks of 证明材料: 附件1 lists them among the materials, 附件3 says 可另附."""

    OPTIONAL = "optional", _("Optional, with a reminder on submission and on the paper checklist")
    REQUIRED = "required", _("Required: a case cannot be submitted without them")


TIER_OF_KIND = {
    OrganisationKind.PROVINCE: Tier.PROVINCE,
    OrganisationKind.CITY: Tier.CITY,
    OrganisationKind.COUNTY: Tier.COUNTY,
    OrganisationKind.PARK_ASSOCIATION: Tier.ASSOCIATION,
    OrganisationKind.ENTERPRISE_ASSOCIATION: Tier.ASSOCIATION,
}


class Role(models.TextChoices):
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    ASSOCIATION_STAFF = "association_staff", _("Park / enterprise association staff")
    COUNTY_STAFF = "county_staff", _("County association staff")
    CITY_STAFF = "city_staff", _("City association staff")
    CITY_EXPERT = "city_expert", _("City expert")
    PROVINCE_STAFF = "province_staff", _("Provincial staff")
    PROVINCE_EXPERT = "province_expert", _("Provincial expert")
    OBSERVER = "observer", _("Observer (co-organising department)")


# Which organisation kinds a role may be held in. None means: held in an enterprise.
ROLE_ORGANISATION_KINDS = {
    Role.ENTERPRISE_USER: None,
    Role.ASSOCIATION_STAFF: ASSOCIATION_KINDS,
    Role.COUNTY_STAFF: (OrganisationKind.COUNTY,),
    Role.CITY_STAFF: (OrganisationKind.CITY,),
    Role.CITY_EXPERT: (OrganisationKind.CITY,),
    Role.PROVINCE_STAFF: (OrganisationKind.PROVINCE,),
    Role.PROVINCE_EXPERT: (OrganisationKind.PROVINCE,),
    Role.OBSERVER: (OrganisationKind.PROVINCE,),
}

STAFF_ROLES = (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF)
EXPERT_ROLES = (Role.CITY_EXPERT, Role.PROVINCE_EXPERT)


class EnterpriseType(models.TextChoices):
    """企业类型 as listed in the notes of 附件4–6 (the list ends with 等, hence the last ones)."""

    CENTRAL_SOE = "central_soe", _("Central state-owned enterprise")
    STATE_OWNED = "state_owned", _("State-owned enterprise")
    PRIVATE_TOP_500 = "private_top_500", _("Top 500 private enterprise")
    LITTLE_GIANT = "little_giant", _("Specialised and innovative 'little giant' enterprise")
    HIGH_TECH = "high_tech", _("High-tech enterprise")
    TECH_SME = "tech_sme", _("Technology-based SME")
    OTHER = "other", _("Other enterprise")


class CaseType(models.TextChoices):
    """案例类型 of 附件3."""

    ORGANISATIONAL = "organisational", _("Organisational innovation")
    TECHNOLOGICAL = "technological", _("Technological innovation")
    PROCESS = "process", _("Process innovation")


class CaseStatus(models.TextChoices):
    """Where a case stands. Moves between them are the pipeline's transition table."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting the association's review")
    RETURNED = "returned", _("Returned for revision")
    ASSOCIATION_RECOMMENDED = "association_recommended", _("Recommended by the association")
    ASSOCIATION_DECLINED = "association_declined", _("Not recommended by the association")
    COUNTY_REVIEW = "county_review", _("Awaiting the county eligibility check")
    COUNTY_PASSED = "county_passed", _("Passed the eligibility check")
    COUNTY_FAILED = "county_failed", _("Failed the eligibility check")
    CITY_REVIEW = "city_review", _("Under city review")
    CITY_SELECTED = "city_selected", _("Selected by the city")
    CITY_NOT_SELECTED = "city_not_selected", _("Not selected by the city")
    PROVINCE_REVIEW = "province_review", _("Under provincial selection")
    WINNER = "winner", _("Selected as an outstanding case")
    NOT_WINNER = "not_winner", _("Not selected by the province")


@functools.lru_cache(maxsize=8)
def _status_labels(language: str) -> dict[str, str]:
    return {status.value: str(status.label) for status in CaseStatus}


def status_labels() -> dict[str, str]:
    """Each status's label in the active language, translated once per language (a list of cases
    would otherwise translate a label per row)."""
    return _status_labels(get_language() or "")


# The highest tier a case in each status has reached: a tier sees a case of its subtree
# only once the case has reached it (SPEC §2: a county sees what its parks forwarded).
REACHED_TIER = {
    CaseStatus.DRAFT: Tier.ENTERPRISE,
    CaseStatus.SUBMITTED: Tier.ASSOCIATION,
    CaseStatus.RETURNED: Tier.ASSOCIATION,
    CaseStatus.ASSOCIATION_RECOMMENDED: Tier.ASSOCIATION,
    CaseStatus.ASSOCIATION_DECLINED: Tier.ASSOCIATION,
    CaseStatus.COUNTY_REVIEW: Tier.COUNTY,
    CaseStatus.COUNTY_PASSED: Tier.COUNTY,
    CaseStatus.COUNTY_FAILED: Tier.COUNTY,
    CaseStatus.CITY_REVIEW: Tier.CITY,
    CaseStatus.CITY_SELECTED: Tier.CITY,
    CaseStatus.CITY_NOT_SELECTED: Tier.CITY,
    CaseStatus.PROVINCE_REVIEW: Tier.PROVINCE,
    CaseStatus.WINNER: Tier.PROVINCE,
    CaseStatus.NOT_WINNER: Tier.PROVINCE,
}


def statuses_reaching(tier: Tier) -> list[str]:
    return [status for status, reached in REACHED_TIER.items() if reached >= tier]


class UploadSlot(models.TextChoices):
    """The places a case's files go (SPEC §3 "Uploads of a case"); their rules live in cases/slots.py."""

    FORM_WORD = "form_word", _("Recommendation form (Word)")
    FORM_SCAN = "form_scan", _("Recommendation form, stamped scan (PDF)")
    NARRATIVE = "narrative", _("Case narrative (Word)")
    PROOF = "proof", _("Proof materials (PDF)")
    PHOTO_EXTERIOR = "photo_exterior", _("Exterior photo (JPG)")
    PHOTO_PRODUCT = "photo_product", _("Case photo: product (JPG)")
    PHOTO_SCENE = "photo_scene", _("Case photo: scene (JPG)")
    TALK_TEXT = "talk_text", _("Talk text (Word)")
    SLIDES = "slides", _("Talk slides (PPT)")
    VIDEO = "video", _("Video (MP4)")


class RenditionKind(models.TextChoices):
    """Public-size copies a worker makes of a checked photo or video (cases.renditions)."""

    THUMB = "thumb", _("Thumbnail (WebP)")
    DISPLAY = "display", _("Display size (JPEG)")
    POSTER = "poster", _("Video poster frame (JPEG)")


class ValidationState(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    RUNNING = "running", _("Being checked")
    DONE = "done", _("Checked")
    FAILED = "failed", _("Check could not run")


class GeneratedKind(models.TextChoices):
    """Documents the workers build from a case's uploads (cases.generation)."""

    FILLED_FORM = "filled_form", _("Filled recommendation form with the narrative")


class AuditAction(models.TextChoices):
    DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
    PERSONAL_DATA_DOWNLOADED = "personal_data_downloaded", _("Personal data downloaded")
    FILE_DOWNLOADED = "file_downloaded", _("File downloaded")
    DIRECTORY_IMPORTED = "directory_imported", _("Organisations and accounts imported")
    CONFLICT_DECLARED = "conflict_declared", _("Conflict of interest declared")
    CONFLICT_DISMISSED = "conflict_dismissed", _("Automatic conflict dismissed")
    VOTE_OPENED = "vote_opened", _("Public vote opened")
    VOTE_CLOSED = "vote_closed", _("Public vote closed")
    CAMPAIGN_CLOSED = "campaign_closed", _("Campaign closed (read-only)")
    EXPERT_ADDED_TO_POOL = "expert_added_to_pool", _("Expert added to the pool")
    RANKING_COMPUTED = "ranking_computed", _("Provincial ranking computed")
    SELECTION_PUBLISHED = "selection_published", _("Public notice of the winners published")
    SELECTION_WITHDRAWN = "selection_withdrawn", _("Public notice of the winners withdrawn")
    SELECTION_FINALISED = "selection_finalised", _("Provincial result made final")
    BALLOT_EXCLUDED = "ballot_excluded", _("Quarantined ballot excluded")
    BALLOT_RELEASED = "ballot_released", _("Quarantined ballot released")
    CERTIFICATES_ISSUED = "certificates_issued", _("Certificates issued")
    LIST_REORDERED = "list_reordered", _("Order of a ranked list changed")
    # Accounts (accounts app): resets, self-registration, expert accounts.
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_RESET = "password_reset", _("Password reset")
    REGISTRATION_SUBMITTED = "registration_submitted", _("Enterprise registration submitted")
    REGISTRATION_APPROVED = "registration_approved", _("Enterprise registration approved")
    REGISTRATION_REJECTED = "registration_rejected", _("Enterprise registration rejected")
    REGISTRATION_INVITE_CREATED = "registration_invite_created", _("Registration invitation link created")
    EXPERT_ACCOUNT_CREATED = "expert_account_created", _("Expert account created")
    EXPERT_RECUSED = "expert_recused", _("Expert assignment ended by recusal")
    PAPER_SENT = "paper_sent", _("Paper copies posted")
    PAPER_RECEIVED = "paper_received", _("Paper copies received")
    WORK_DOCUMENT_UPLOADED = "work_document_uploaded", _("Activity plan or work summary uploaded")


@dataclass(frozen=True)
class Move:
    """An allowed move of a case: who makes it, whose deadline closes it, whether it needs a reason,
    and for a forward the tier that receives the case (it must be the next tier above the case's
    association: forward_receiver)."""

    actor: Tier
    deadline: Tier | None
    reason_required: bool = False
    receiver: Tier | None = None


S = CaseStatus
# The transition table: every move a case can make. Anything not listed is refused.
# "Forward" moves (to the next tier's review) happen in batches but each case still moves here.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.SUBMITTED): Move(Tier.ENTERPRISE, Tier.ENTERPRISE),
    # A returned case may be resubmitted while its association can still act on it.
    (S.RETURNED, S.SUBMITTED): Move(Tier.ENTERPRISE, Tier.ASSOCIATION),
    (S.SUBMITTED, S.RETURNED): Move(Tier.ASSOCIATION, Tier.ASSOCIATION, reason_required=True),
    (S.SUBMITTED, S.ASSOCIATION_RECOMMENDED): Move(Tier.ASSOCIATION, Tier.ASSOCIATION),
    (S.SUBMITTED, S.ASSOCIATION_DECLINED): Move(Tier.ASSOCIATION, Tier.ASSOCIATION, reason_required=True),
    (S.ASSOCIATION_RECOMMENDED, S.SUBMITTED): Move(Tier.ASSOCIATION, Tier.ASSOCIATION),
    (S.ASSOCIATION_DECLINED, S.SUBMITTED): Move(Tier.ASSOCIATION, Tier.ASSOCIATION),
    (S.ASSOCIATION_RECOMMENDED, S.COUNTY_REVIEW): Move(Tier.ASSOCIATION, Tier.ASSOCIATION, receiver=Tier.COUNTY),
    # An association above county level hands its list straight to its city or to the province.
    (S.ASSOCIATION_RECOMMENDED, S.CITY_REVIEW): Move(Tier.ASSOCIATION, Tier.ASSOCIATION, receiver=Tier.CITY),
    (S.ASSOCIATION_RECOMMENDED, S.PROVINCE_REVIEW): Move(Tier.ASSOCIATION, Tier.ASSOCIATION, receiver=Tier.PROVINCE),
    (S.COUNTY_REVIEW, S.COUNTY_PASSED): Move(Tier.COUNTY, Tier.COUNTY),
    (S.COUNTY_REVIEW, S.COUNTY_FAILED): Move(Tier.COUNTY, Tier.COUNTY, reason_required=True),
    (S.COUNTY_PASSED, S.COUNTY_REVIEW): Move(Tier.COUNTY, Tier.COUNTY),
    (S.COUNTY_FAILED, S.COUNTY_REVIEW): Move(Tier.COUNTY, Tier.COUNTY),
    (S.COUNTY_PASSED, S.CITY_REVIEW): Move(Tier.COUNTY, Tier.COUNTY, receiver=Tier.CITY),
    (S.CITY_REVIEW, S.CITY_SELECTED): Move(Tier.CITY, Tier.CITY),
    (S.CITY_REVIEW, S.CITY_NOT_SELECTED): Move(Tier.CITY, Tier.CITY),
    (S.CITY_SELECTED, S.CITY_REVIEW): Move(Tier.CITY, Tier.CITY),
    (S.CITY_NOT_SELECTED, S.CITY_REVIEW): Move(Tier.CITY, Tier.CITY),
    (S.CITY_SELECTED, S.PROVINCE_REVIEW): Move(Tier.CITY, Tier.CITY, receiver=Tier.PROVINCE),
    (S.PROVINCE_REVIEW, S.WINNER): Move(Tier.PROVINCE, None),
    (S.PROVINCE_REVIEW, S.NOT_WINNER): Move(Tier.PROVINCE, None),
    (S.WINNER, S.PROVINCE_REVIEW): Move(Tier.PROVINCE, None),
    (S.NOT_WINNER, S.PROVINCE_REVIEW): Move(Tier.PROVINCE, None),
}
del S

# The moves that hand a case up to the next tier (done by a batch forward): the status a case is
# forwarded from, and the one it arrives in at the usual receiver. An association above county
# level forwards to its city or the province instead (forward_receiver, REVIEW_STATUS).
FORWARD_MOVES = {
    Tier.ASSOCIATION: (CaseStatus.ASSOCIATION_RECOMMENDED, CaseStatus.COUNTY_REVIEW),
    Tier.COUNTY: (CaseStatus.COUNTY_PASSED, CaseStatus.CITY_REVIEW),
    Tier.CITY: (CaseStatus.CITY_SELECTED, CaseStatus.PROVINCE_REVIEW),
}
# The status in which a case arrives at each receiving tier.
REVIEW_STATUS = {
    Tier.COUNTY: CaseStatus.COUNTY_REVIEW, Tier.CITY: CaseStatus.CITY_REVIEW, Tier.PROVINCE: CaseStatus.PROVINCE_REVIEW,
}
# An association's path is /province/city/county/association/; above county level the county (under
# a city) or the city and the county (under the province) are missing. The tier of each id, by the
# path's length: the tree's shape (PARENT_KINDS) makes the length say which are there.
ASSOCIATION_PATH_TIERS = {
    4: (Tier.PROVINCE, Tier.CITY, Tier.COUNTY, Tier.ASSOCIATION),
    3: (Tier.PROVINCE, Tier.CITY, Tier.ASSOCIATION),
    2: (Tier.PROVINCE, Tier.ASSOCIATION),
}


def association_tier_ids(path: str) -> dict[Tier, int]:
    """The id of the organisation at each tier above (and including) an association, from its path."""
    ids = [int(part) for part in path.strip("/").split("/")]
    return dict(zip(ASSOCIATION_PATH_TIERS[len(ids)], ids, strict=True))


def forward_receiver(sender_tier: Tier, association_path: str) -> Tier:
    """The tier that receives a forward from `sender_tier` for a case of the association at
    `association_path`: the next tier that exists above the sender."""
    present = association_tier_ids(association_path)
    return next(tier for tier in Tier if tier > sender_tier and tier in present)

# Statuses in which the enterprise may edit the form and its files.
EDITABLE_STATUSES = (CaseStatus.DRAFT, CaseStatus.RETURNED)

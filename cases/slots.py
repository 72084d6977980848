"""The upload slots of a case and their rules (SPEC §3): what goes where, in which format, how large,
whether it is required. Views, templates, the submission check and the package ask here."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.enums import ProofMaterials, UploadSlot
from cases.validation import KIND_TRAITS
from cases.validation import rules as check_rules
from cases.validation.limits import NOTICE_FORMAT, ValidationLimits, campaign_limits
from cases.validation.units import describe_bytes, describe_seconds


@dataclass(frozen=True)
class SlotRule:
    slot: str
    kind: str  # the validation kind its files are checked as
    extensions: tuple[str, ...]  # accepted file name endings, lower case, without the dot
    required: bool
    multiple: bool = False
    winners_only: bool = False
    # When a current file is in this other slot, this slot is not required (the 推荐表 Word
    # may carry the narrative inside it).
    not_required_with: str | None = None
    rule_text: Promise | str = ""
    # The campaign's limits the rule text quotes (slot_rules_for); None: the portal's defaults.
    limits: ValidationLimits | None = None

    @property
    def removable(self) -> bool:
        """The enterprise may take a file out of this slot (soft: it stays as an earlier version)
        instead of only replacing it: slots of several files, and optional slots, which may be
        left empty. A required single-file slot is only ever replaced."""
        return self.multiple or not self.required

    @property
    def label(self) -> str:
        return UploadSlot(self.slot).label

    def max_bytes(self, limits: ValidationLimits | None = None) -> int:
        size_group = KIND_TRAITS[self.kind][0]
        return (limits or ValidationLimits()).max_file_bytes[size_group]

    def describe(self, limits: ValidationLimits | None = None) -> str:
        """The rule shown before upload, with the numbers taken from the notice's rule home."""
        return str(self.rule_text) % rule_parameters(limits or self.limits)

    @property
    def accept(self) -> str:
        """The value of the file input's `accept` attribute."""
        return ",".join(f".{extension}" for extension in self.extensions)


def rule_parameters(limits: ValidationLimits | None = None) -> dict:
    limits = limits or ValidationLimits()
    return {
        "max_chars": limits.narrative_max_chars,
        "notice_chars": limits.narrative_notice_chars,
        "exterior": NOTICE_FORMAT.exterior_images,
        "case_photos": NOTICE_FORMAT.case_images,
        "min_photo": describe_bytes(limits.min_photo_bytes),
        "min_photo_bytes": f"{limits.min_photo_bytes:,}",
        "aspect": "%d:%d" % NOTICE_FORMAT.case_photo_aspect,
        "talk_min": limits.talk_text_min_chars,
        "talk_max": limits.talk_text_max_chars,
        "video_aspect": "%d:%d" % NOTICE_FORMAT.video_aspect,
        "video_lines": NOTICE_FORMAT.video_min_short_side,
        "video_min": describe_seconds(NOTICE_FORMAT.video_min_seconds),
        "video_max": describe_seconds(NOTICE_FORMAT.video_max_seconds),
    }


SLOT_RULES: dict[str, SlotRule] = {
    rule.slot: rule
    for rule in [
        SlotRule(
            UploadSlot.NARRATIVE, "narrative", ("docx", "doc"), required=True, not_required_with=UploadSlot.FORM_WORD,
            rule_text=_("Word file. Title in style 标题1, 三号黑体; subtitle = unit name, 三号楷体; body 四号宋体, first-line indent 2 characters, line spacing fixed 22 pt; the four outline parts; generally at most %(notice_chars)d 字 (a warning above %(max_chars)d); %(exterior)d exterior + %(case_photos)d case photos (at least %(min_photo)s each, wrapped 上下型)."),
        ),
        SlotRule(
            UploadSlot.FORM_WORD, "form_word", ("docx", "doc"), required=False,
            rule_text=_("Optional: your own Word version of the recommendation form (the table of 附件3), with the narrative in its 案例概要 cell or on pages after the table; that narrative must follow the narrative's rules. Without it the portal generates the form from what you entered, and you can remove a file uploaded here."),
        ),
        SlotRule(
            UploadSlot.FORM_SCAN, "pdf_scan", ("pdf",), required=True,
            rule_text=_("PDF scan of the printed, signed and stamped recommendation form (download it below, print, stamp, scan). Not encrypted."),
        ),
        SlotRule(
            UploadSlot.PROOF, "pdf_document", ("pdf",), required=False, multiple=True,
            rule_text=_("Optional PDF files of other proof materials (certificates, awards). One or more."),
        ),
        SlotRule(
            UploadSlot.PHOTO_EXTERIOR, "photo_exterior", ("jpg", "jpeg"), required=True,
            rule_text=_("1 original JPG photo of the enterprise's exterior taken with a camera, colour, clear, at least %(min_photo)s (%(min_photo_bytes)s bytes, as Windows shows sizes). Name: 案例名称+企业外景."),
        ),
        SlotRule(
            UploadSlot.PHOTO_PRODUCT, "photo_product", ("jpg", "jpeg"), required=True,
            rule_text=_("Original JPG photo of the product (实物图), landscape %(aspect)s, colour, at least %(min_photo)s. Name: 案例名称+实物图."),
        ),
        SlotRule(
            UploadSlot.PHOTO_SCENE, "photo_scene", ("jpg", "jpeg"), required=True,
            rule_text=_("Original JPG photo of the scene (场景图), landscape %(aspect)s, colour, at least %(min_photo)s. Name: 案例名称+场景图."),
        ),
        SlotRule(
            UploadSlot.TALK_TEXT, "talk_text", ("docx", "doc"), required=True, winners_only=True,
            rule_text=_("Winners: the talk text in Word, %(talk_min)d–%(talk_max)d 字, title of your choice."),
        ),
        SlotRule(
            UploadSlot.SLIDES, "ppt", ("pptx", "ppt"), required=True, winners_only=True,
            rule_text=_("Winners: the talk slides (PowerPoint .pptx or .ppt)."),
        ),
        SlotRule(
            UploadSlot.VIDEO, "video", ("mp4",), required=True, winners_only=True,
            rule_text=_("Winners: MP4 video, H.264 + AAC, %(video_aspect)s, %(video_lines)dp or higher, %(video_min)s to %(video_max)s. Name: 案例名称+视频."),
        ),
    ]
}

# 证明材料 as a campaign asks for them (Campaign.proof_materials): the slot's flag and its text.
PROOF_REQUIRED_TEXT = _("Required in this campaign: PDF files of the proof materials (certificates, awards). One or more; post one bound copy with its cover too.")
PROOF_REMINDER = _("Proof materials (证明材料) are optional (附件3: 如有其他证明材料，可另附), and none are uploaded: if you have certificates or awards that support the case, upload them as PDF in the slot “Proof materials (PDF)” and post one bound copy with its cover (download the cover on the case page).")


def slot_rules_for(campaign) -> dict[str, SlotRule]:
    """The slots as `campaign` asks for them: SLOT_RULES with 证明材料 required or optional
    (Campaign.proof_materials) and the rule texts quoting the campaign's limits. Every page,
    the submission check and the removal of a file ask here, never SLOT_RULES' flag directly."""
    limits = campaign_limits(campaign)
    rules = {slot: replace(rule, limits=limits) for slot, rule in SLOT_RULES.items()}
    if campaign.proof_materials == ProofMaterials.REQUIRED:
        rules[UploadSlot.PROOF] = replace(rules[UploadSlot.PROOF], required=True, rule_text=PROOF_REQUIRED_TEXT)
    return rules


def proof_reminder(campaign, current_slots: Collection[str] | Mapping[str, list]) -> str:
    """The reminder about optional 证明材料 while none is uploaded (on submission and on the
    paper checklist); empty when the campaign requires them (then they are a missing slot) or some are there."""
    if campaign.proof_materials != ProofMaterials.OPTIONAL or UploadSlot.PROOF in current_slots:
        return ""
    return str(PROOF_REMINDER)


SUBMISSION_SLOTS = tuple(slot for slot, rule in SLOT_RULES.items() if not rule.winners_only)
WINNER_SLOTS = tuple(slot for slot, rule in SLOT_RULES.items() if rule.winners_only)


# A file carrying one of these findings does not stand in for the slot that names its slot in
# `not_required_with`: a 推荐表 without a 案例概要 in it does not replace the narrative file.
NOT_A_STAND_IN_RULES = frozenset({check_rules.FORM_WITHOUT_NARRATIVE.code, check_rules.FORM_NOT_RECOGNISED.code})


def missing_required_slots(
    current_slots: Collection[str] | Mapping[str, list], slots: tuple[str, ...] = SUBMISSION_SLOTS,
    rules: Mapping[str, SlotRule] = SLOT_RULES,
) -> list[str]:
    """The required slots of `slots` without a current file, in display order.

    `current_slots`: the slots holding a current file, or better the current uploads by slot
    (then a stand-in file whose check found it carries no narrative does not count as one).
    `rules`: the campaign's (slot_rules_for), so a slot it requires counts."""
    missing = []
    for slot in slots:
        rule = rules[slot]
        if not rule.required or slot in current_slots:
            continue
        if rule.not_required_with and _stands_in(current_slots, rule.not_required_with):
            continue
        missing.append(slot)
    return missing


def _stands_in(current_slots: Collection[str] | Mapping[str, list], slot: str) -> bool:
    if slot not in current_slots:
        return False
    if not isinstance(current_slots, Mapping):
        return True
    return any(
        not any(finding.get("rule") in NOT_A_STAND_IN_RULES for finding in upload.findings)
        for upload in current_slots[slot]
    )

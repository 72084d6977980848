"""The kinds of mail the portal writes: for each, its placeholders and its default subject and body.

Provincial staff may replace the subject and body of any kind with a template (mail.models.
MailTemplate); the defaults here are what is sent otherwise, and whenever a template cannot be
rendered. A template names values in braces, e.g. {case_title}; only the kind's placeholders exist.

Another app adds a kind with `register(MailKind(...))` at import time of its notification
module, then sends with mail.services.send_templated(kind=..., ...). Plain `send_mail` works too:
the outbox keeps it as kind "other" (or the kind named in the X-Portal-Mail-Kind header).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: Promise | str
    example: str  # the value the preview shows


@dataclass(frozen=True)
class MailKind:
    key: str
    label: Promise | str
    placeholders: tuple[Placeholder, ...] = ()
    default_subject: Promise | str = ""
    default_body: Promise | str = ""
    # The body may hold a secret (a password-reset link): the outbox page never shows it and it is
    # erased once the mail is sent. Mails written with plain send_mail are private unless their kind says otherwise.
    private: bool = False
    editable: bool = True

    @property
    def names(self) -> frozenset[str]:
        return frozenset(placeholder.name for placeholder in self.placeholders)

    def examples(self) -> dict[str, str]:
        return {placeholder.name: placeholder.example for placeholder in self.placeholders}


_KINDS: dict[str, MailKind] = {}


def register(kind: MailKind) -> MailKind:
    """Add a kind (idempotent for the same key: the last definition wins, as a reloaded module would)."""
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> MailKind:
    """The kind of that key; an unknown key (a kind named in a header by a caller) counts as "other"."""
    return _KINDS.get(key) or _KINDS[OTHER]


def all_kinds() -> list[MailKind]:
    return list(_KINDS.values())


def editable_kinds() -> list[MailKind]:
    return [kind for kind in _KINDS.values() if kind.editable]


OTHER = "other"
register(MailKind(OTHER, _("Other mail (sent by the portal's account pages and the like)"), private=True, editable=False))

_CASE = Placeholder("case_title", _("the case name"), "智能矿山综合管控平台建设")
_ENTERPRISE = Placeholder("enterprise", _("the enterprise's name"), "山西示例能源集团有限公司")
_REASON = Placeholder("reason", _("the reason the reviewer gave"), "企业外景照片不足2MB，请上传原始照片。")

CASE_SUBMITTED = register(MailKind(
    "case_submitted", _("Submission receipt to the enterprise"),
    (_CASE, _ENTERPRISE,
     Placeholder("association", _("the park / enterprise association that reviews it next"), "太原示例园区科协"),
     Placeholder("submitted_at", _("when it was submitted (Beijing time)"), "2024-08-30 15:20")),
    _("[Innovation Case Portal] Received: {case_title}"),
    _("Your case “{case_title}” of {enterprise} was submitted on {submitted_at} (Beijing time) and now waits for the "
      "review of {association}. You will get a mail when it is decided. Keep this mail as your receipt."),
))
CASE_RETURNED = register(MailKind(
    "case_returned", _("Case returned to the enterprise for revision"), (_CASE, _REASON),
    _("[Innovation Case Portal] Returned for revision: {case_title}"),
    _("Your case “{case_title}” was returned for revision. Reason: {reason} Sign in to revise and resubmit it."),
))
CASE_DECLINED = register(MailKind(
    "case_declined", _("Case not recommended by the association"), (_CASE, _REASON),
    _("[Innovation Case Portal] Not recommended: {case_title}"),
    _("Your case “{case_title}” was not recommended by your association. Reason: {reason}"),
))
CASE_FAILED_ELIGIBILITY = register(MailKind(
    "case_failed_eligibility", _("Case failed the county eligibility check"), (_CASE, _REASON),
    _("[Innovation Case Portal] Failed the eligibility check: {case_title}"),
    _("Your case “{case_title}” did not pass the county eligibility check. Reason: {reason}"),
))
WINNER_MATERIALS = register(MailKind(
    "winner_materials", _("Winners asked for their talk text, slides and video"),
    (_CASE, _ENTERPRISE,
     Placeholder("materials", _("the list of files to upload, one per line, with their rules"),
                 "- 宣讲文字材料：Word，约2000字\n- 宣讲PPT\n- 视频：MP4，1080p，2–5分钟")),
    _("[Innovation Case Portal] Outstanding case: please upload your presentation materials for {case_title}"),
    _("Congratulations: the case “{case_title}” of {enterprise} is selected as an outstanding case. For the "
      "presentations, sign in and upload on the case's page:\n{materials}\nLarge files can be resumed if the upload is interrupted."),
))
EXPERT_ASSIGNED = register(MailKind(
    "expert_assigned", _("Expert assigned cases to score"),
    (Placeholder("expert", _("the expert's name"), "王专家"),
     Placeholder("stage", _("the review stage (city or provincial)"), "市级专家评审"),
     Placeholder("case_count", _("how many cases were assigned"), "2"),
     Placeholder("case_list", _("the assigned cases, one per line"), "- 智能矿山综合管控平台建设（太原市）\n- 焦化余热综合利用（太原市）"),
     Placeholder("deadline", _("when scores lock (Beijing time), or a note that no deadline is set"), "2024-09-11 24:00")),
    _("[Innovation Case Portal] {case_count} case(s) assigned to you for scoring"),
    _("Dear {expert},\n\nyou are assigned {case_count} case(s) for the {stage}:\n{case_list}\n\nScores can be given "
      "until {deadline}. Sign in and open “My assigned cases”. If you must recuse yourself from a case (own "
      "employer, own city, any other conflict), declare it on the case's page."),
))
BATCH_FORWARDED = register(MailKind(
    "batch_forwarded", _("A list was forwarded to the tier above"),
    (Placeholder("sender", _("the organisation that forwarded the list"), "太原市小店区科协"),
     Placeholder("count", _("how many cases the list holds"), "5"),
     Placeholder("list_name", _("which list: the ranked list or a numbered supplementary list"), "推荐名单")),
    _("[Innovation Case Portal] {sender} forwarded {count} cases ({list_name})"),
    _("{sender} forwarded its {list_name} of {count} cases with the signed summary table. Sign in to review them."),
))
DEADLINE_EXTENDED = register(MailKind(
    "deadline_extended", _("A deadline was extended"),
    (Placeholder("stage", _("the stage"), "园区科协/企业科协"),
     Placeholder("campaign", _("the campaign"), "2024年山西省企业典型创新案例征集及宣讲活动"),
     Placeholder("holder", _("the organisation or enterprise it is extended for"), "太原示例园区科协"),
     Placeholder("day", _("the new closing day"), "2024-09-08"),
     _REASON),
    _("[Innovation Case Portal] Deadline extended to {day}"),
    _("The {stage} deadline of {campaign} for {holder} is extended to {day} (inclusive, Beijing time). Reason: {reason}"),
))
DEADLINE_REMINDER = register(MailKind(
    "deadline_reminder", _("Reminder before a deadline"),
    (Placeholder("days", _("days left"), "3"),
     Placeholder("stage", _("the stage"), "园区科协/企业科协"),
     Placeholder("day", _("the closing day"), "2024-09-06"),
     Placeholder("holder", _("who still has cases waiting"), "太原示例园区科协"),
     Placeholder("campaign", _("the campaign"), "2024年山西省企业典型创新案例征集及宣讲活动")),
    _("[Innovation Case Portal] {days} day(s) left: {stage} deadline {day}"),
    _("Cases of {holder} still wait for you. The {stage} stage of {campaign} closes at the end of {day} (Beijing time). "
      "Sign in to finish them."),
))
ANNOUNCEMENT = register(MailKind(
    "announcement", _("Announcement of the provincial center"),
    (Placeholder("title", _("the announcement's title"), "关于报送宣讲视频的通知"),
     Placeholder("message", _("the announcement's text"), "请各获奖企业于9月30日前上传宣讲视频。"),
     Placeholder("sender", _("who sent it"), "山西省科技创新服务中心")),
    _("[Innovation Case Portal] {title}"),
    _("{message}\n\n— {sender}\n(This announcement is also on your workbench.)"),
))

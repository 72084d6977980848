"""Permission predicates shared by views and templates, and the rules of a contact phone number."""

import re
import unicodedata

from cases.enums import STAFF_ROLES, Role, Tier, UploadSlot, association_tier_ids
from cases.queries import has_role, memberships_of


def can_administer(user) -> bool:
    """Provincial staff manage campaigns, quotas, organisations and accounts."""
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.PROVINCE_STAFF))


def may_read_province_summaries(user) -> bool:
    """The province-wide read-only pages (dashboard, all cities, audit log): provincial staff, and
    observers (co-organising departments), who read them and change nothing."""
    return can_administer(user) or (user.is_authenticated and has_role(user, Role.OBSERVER))


def may_see_similar_cases(user) -> bool:
    """The near-duplicate findings (issue 19) are for the reviewing tiers' staff: never shown to an
    enterprise (its own case's or another's), nor to experts or observers."""
    return user.is_authenticated and (user.is_superuser or has_role(user, *STAFF_ROLES))


# The role that acts for each tier of the pipeline.
ACTING_ROLE = {
    Tier.ENTERPRISE: Role.ENTERPRISE_USER,
    Tier.ASSOCIATION: Role.ASSOCIATION_STAFF,
    Tier.COUNTY: Role.COUNTY_STAFF,
    Tier.CITY: Role.CITY_STAFF,
    Tier.PROVINCE: Role.PROVINCE_STAFF,
}


def organisation_id_for_tier(case, tier: Tier) -> int | None:
    """The id of the case's organisation at `tier`, read from its association's path
    (/province/city/county/association/); None for a tier the case's tree does not have (an
    association directly under a city has no county, one under the province neither)."""
    return association_tier_ids(case.enterprise.association.path).get(tier)


def may_act_for_tier(user, case, tier: Tier) -> bool:
    """Whether `user` holds the acting role of `tier` over this very case."""
    if not user.is_authenticated:
        return False
    role = ACTING_ROLE[tier]
    for membership in memberships_of(user):
        if membership.role != role:
            continue
        if tier == Tier.ENTERPRISE:
            if membership.enterprise_id == case.enterprise_id:
                return True
        elif membership.organisation_id == organisation_id_for_tier(case, tier):
            return True
    return False


# Files that carry the contact name and phone as the enterprise wrote them (the stamped 推荐表 scan,
# its Word version): they cannot be masked, so only those who may see contact details get them.
PERSONAL_DATA_SLOTS = frozenset({UploadSlot.FORM_SCAN, UploadSlot.FORM_WORD})


def may_download_upload(user, upload) -> bool:
    """Whether `user`, who may open the case, may also have this file (SPEC §8)."""
    return upload.slot not in PERSONAL_DATA_SLOTS or may_see_contact_details(user, upload.case)


def may_see_contact_details(user, case) -> bool:
    """Contact names' phone numbers are personal data (SPEC §8): the enterprise itself and the staff
    of the tiers that handle the case see them; experts and observers see them masked."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    association_path = case.enterprise.association.path
    for membership in memberships_of(user):
        if membership.role == Role.ENTERPRISE_USER and membership.enterprise_id == case.enterprise_id:
            return True
        if membership.role in (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF) \
                and association_path.startswith(membership.organisation.path):
            return True
    return False


# 联系电话: a mobile number, or a landline with its area code (0351-7333497, 0351 7333497,
# (0351)7333497), an extension optionally after -, 转 or ext. Mobile numbers are stored as their
# 11 digits (normalise_phone); landlines as typed, their spacing tidied.
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
LANDLINE_PATTERN = re.compile(
    r"^(?:0\d{2,3}[- ]?|[(（]0\d{2,3}[)）] ?)[2-9]\d{6,7}(?:(?:-|转|ext\.?|x) ?\d{1,6})?$",
    re.IGNORECASE,
)
# How people write a mobile number around its 11 digits: the country code in front (+86, 86,
# 0086, (+86)), and spaces or hyphens between the groups (138 1234 5678, 138-1234-5678).
MOBILE_COUNTRY_CODE = re.compile(r"^[(（]?(?:\+|00)?86[)）]?")
MOBILE_SEPARATORS = re.compile(r"[\s\-‐‑–—－]")


def normalise_phone(value: str) -> str:
    """The number as stored: a mobile number as its 11 digits (+86 138 1234 5678 → 13812345678),
    anything else with its runs of spaces made single. Full-width digits and ＋ from a Chinese
    input method count as their ASCII forms in mobile numbers."""
    value = " ".join(value.split())
    compact = MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if MOBILE_PATTERN.match(compact):
        return compact
    national = MOBILE_COUNTRY_CODE.sub("", compact, count=1)
    if national != compact and MOBILE_PATTERN.match(national):
        return national
    return value


# Phone numbers inside free text (SPEC §8: never on a public page): mobile numbers (+86 optional),
# landlines with an area code, 400/800 service numbers; digits may be split by spaces or hyphens.
PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}|0\d{2,3}[\s-]?\d{7,8}|[48]00[\s-]?\d{3}[\s-]?\d{4})(?!\d)")
SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]?")


def personal_data_in(text: str, *, names: tuple[str, ...] = ()) -> list[str]:
    """The phone numbers and the given personal names (contact persons) found in `text`."""
    normalised = unicodedata.normalize("NFKC", text or "")
    found = [match.group().strip() for match in PHONE_IN_TEXT.finditer(normalised)]
    found += [name for name in names if name and len(name.strip()) >= 2 and name.strip() in normalised]
    return found


def without_personal_data(paragraphs: list[str], *, names: tuple[str, ...] = ()) -> list[str]:
    """`paragraphs` for a public page: each sentence that carries a phone number or one of `names`
    left out (a narrative's 企业简介 may end with 联系电话 …); paragraphs left empty dropped."""
    result = []
    for paragraph in paragraphs:
        kept = "".join(sentence for sentence in SENTENCE.findall(paragraph)
                       if sentence and not personal_data_in(sentence, names=names))
        if kept.strip():
            result.append(kept.strip())
    return result


def mask_phone(phone: str) -> str:
    """138****5678, 0351-****497: enough to recognise a number, not to call it."""
    digits = [index for index, char in enumerate(phone) if char.isdigit()]
    if len(digits) <= 4:
        return "*" * len(phone)
    hidden = set(digits[3:-3]) if len(digits) < 11 else set(digits[3:-4])
    return "".join("*" if index in hidden else char for index, char in enumerate(phone))


# --- the campaign's close: a closed campaign is read-only ---------------------------------------

class CampaignClosed(Exception):
    """A write to a closed campaign; the message says so, in Chinese."""


def campaign_is_open(campaign) -> bool:
    """Whether the campaign still takes writes (cases, files, moves). Closing it makes it an archive."""
    return campaign is not None and campaign.closed_at is None


def ensure_campaign_open(campaign, *, error: type[Exception] = CampaignClosed) -> None:
    """Raise `error` with a Chinese message when the campaign is closed. Every write service of a
    case (drafts, files, moves) calls this first, so a closed campaign refuses them all in one place."""
    if campaign_is_open(campaign):
        return
    from django.utils import timezone
    from django.utils.translation import gettext as _

    raise error(
        _("The campaign “%(title)s” was closed on %(closed)s and is archived: nothing in it can be changed any more.")
        % {"title": campaign.title, "closed": timezone.localtime(campaign.closed_at).strftime("%Y-%m-%d %H:%M")}
    )

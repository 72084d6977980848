"""When the province's selection freezes what its ranking is computed from.

Once the 公示 is published the ranking on it is public, so the provincial experts' scores and the
public vote it was computed from must not change any more: a later score or ballot would make the
published list no longer follow from its own figures. Withdrawing the 公示 (an upheld objection)
puts the selection back to draft and lifts the freeze; a final result keeps it for good.
Scoring (review.experts.rules.scoring_is_open) and the vote (review.voting.services) ask here.
"""

from __future__ import annotations

from cases.enums import CaseStatus, Role, Tier
from cases.models import Campaign
from cases.queries import memberships_of
from cases.rules import can_administer, may_act_for_tier
from review.models.results import Certificate, Selection, SelectionState

FREEZING_STATES = frozenset({SelectionState.PUBLISHED, SelectionState.FINAL})


def freezing_state(campaign: Campaign, *, lock: bool = False) -> str | None:
    """SelectionState.PUBLISHED or FINAL when the campaign's selection freezes the ranking's inputs,
    else None.

    Without `lock`, reads `campaign.selection`, which Django caches on the instance (one query per
    campaign object, however many cases a page asks about). With `lock` (inside a transaction), the
    selection row is locked: publish_selection locks it too, so a publication running at the same
    moment either waits until the caller's write is committed, or is seen here as published.
    """
    if lock:
        selection = Selection.objects.select_for_update().filter(campaign=campaign).first()
        state = selection.state if selection else None
    else:
        try:
            state = campaign.selection.state
        except Selection.DoesNotExist:
            state = None
    return state if state in FREEZING_STATES else None


# The staff roles of the tiers a case climbed through: they handled the case, so they may hand its
# certificate on (the association prints it for the enterprise, the city files it).
CERTIFICATE_STAFF_ROLES = (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF)


def may_download_certificate(user, certificate: Certificate) -> bool:
    """优秀案例证书 PDF: provincial staff always; the winner's own enterprise and the staff of the
    organisations above it (its association, county, city) while the case is a winner. Experts,
    observers and anybody else get a 404; the public checks a certificate by its number instead."""
    if not user.is_authenticated:
        return False
    if can_administer(user):
        return True
    case = certificate.case
    if case.status != CaseStatus.WINNER:
        return False  # a decision taken back: its certificate is no longer handed out
    if may_act_for_tier(user, case, Tier.ENTERPRISE):
        return True
    association_path = case.enterprise.association.path
    return any(membership.role in CERTIFICATE_STAFF_ROLES and association_path.startswith(membership.organisation.path)
               for membership in memberships_of(user))

"""When the province's selection freezes what its ranking is computed from.

Once the 公示 is published the ranking on it is public, so the provincial experts' scores and the
public vote it was computed from must not change any more: a later score or ballot would make the
published list no longer follow from its own figures. Withdrawing the 公示 (an upheld objection)
puts the selection back to draft and lifts the freeze; a final result keeps it for good.
Scoring (review.experts.rules.scoring_is_open) and the vote (review.voting.services) ask here.
"""

from __future__ import annotations

from cases.models import Campaign
from review.models.results import Selection, SelectionState

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

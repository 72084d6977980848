"""Reads of the quotas app: cases as the quota rules see them."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from cases.enums import OrganisationKind
from quotas.rules import Candidate


def candidates_for(cases: QuerySet, scores: Mapping[int, float | None] | None = None,
                   lower_ranks: Mapping[int, int] | None = None) -> list[Candidate]:
    """The cases of `cases` (in its order) as `Candidate`s, in one query.

    A case counts as coming through a 园区科协 when its enterprise submits through a park
    association. `scores` maps case ids to the experts' score; a case missing from it is unscored.
    `lower_ranks` maps case ids to their place in the order the tier below sent them.
    """
    scores = scores or {}
    lower_ranks = lower_ranks or {}
    rows = cases.select_related("enterprise__association")
    return [
        Candidate(
            case_id=case.pk,
            title=case.title,
            enterprise_id=case.enterprise_id,
            enterprise_name=case.enterprise.name,
            via_park_association=case.enterprise.association.kind == OrganisationKind.PARK_ASSOCIATION,
            is_presenter_candidate=case.is_presenter_candidate,
            score=scores.get(case.pk),
            lower_rank=lower_ranks.get(case.pk),
        )
        for case in rows
    ]

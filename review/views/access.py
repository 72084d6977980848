"""Checks shared by the review pages: the campaign they work on and provincial-staff-only pages."""

from django.http import Http404

from cases.queries import current_campaign
from cases.rules import can_administer


def campaign_or_404():
    """The current campaign; without one, these pages do not exist."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    return campaign


def require_province_staff(request) -> None:
    """Pages of the provincial center are a 404 for everybody else."""
    if not can_administer(request.user):
        raise Http404

"""Checks shared by the review pages: the campaign they work on and provincial-staff-only pages."""

from django.http import Http404

from cases.queries import current_campaign
from cases.rules import can_administer, may_read_province_summaries


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


def require_province_reader(request) -> None:
    """The province's read-only pages (dashboard, all cities, audit log) are also an observer's;
    a 404 for everybody else. Those views accept only GET/HEAD (`require_safe`), so an observer
    can change nothing through them."""
    if not may_read_province_summaries(request.user):
        raise Http404

"""`{% winner_result case user as result %}`: a winning case's 公示 entry and certificate, for the
enterprise's case page (templates/cases/case_detail.html). The cases app cannot import review (the
imports flow review → cases), so its page asks here, in the template, for what only review knows."""

from django import template

from review.selection.queries import winner_result as winner_result_of
from review.selection.rules import may_download_certificate

register = template.Library()


@register.simple_tag
def winner_result(case, user):
    """The case's WinnerResult with `may_download`: whether this user may have the certificate PDF."""
    result = winner_result_of(case)
    if result is None:
        return None
    return {"result": result, "may_download": bool(result.certificate and may_download_certificate(user, result.certificate))}

"""The province's report of near-duplicate clusters (issue 19), on a page and in Excel."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.models import Campaign
from cases.similarity.queries import CLUSTER_HEADER, cluster_rows, clusters
from review.closing.common import xlsx_bytes
from review.views.access import campaign_or_404, require_province_staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign(request) -> Campaign:
    """The campaign asked for (?year=2023, an earlier one included), else the current one."""
    year = request.GET.get("year", "")
    if not year:
        return campaign_or_404()
    campaign = Campaign.objects.filter(year=int(year)).first() if year.isdigit() else None
    if campaign is None:
        raise Http404
    return campaign


@login_required
@require_safe
def similar_clusters(request):
    """Every group of cases found alike (text, introduction, photo, same enterprise) that holds a
    case of the campaign, with earlier years' cases in it. Provincial staff only."""
    require_province_staff(request)
    campaign = _campaign(request)
    context = {"campaign": campaign, "clusters": clusters(campaign),
               "campaigns": Campaign.objects.order_by("-year").only("year", "title")}
    return render(request, "review/similar_clusters.html", context)


@login_required
@require_safe
def similar_clusters_export(request):
    """The same report in Excel. Titles and names are the enterprises' own text: the safe writer
    (cases.documents.spreadsheets through xlsx_bytes) keeps every cell text, never a formula."""
    require_province_staff(request)
    campaign = _campaign(request)
    data = xlsx_bytes(_("Similar cases of %(campaign)s") % {"campaign": campaign.title}, CLUSTER_HEADER,
                      cluster_rows(campaign), sheet="相似案例", widths=[6, 6, 8, 30, 28, 20, 8, 14, 60])
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{campaign.year}年相似案例.xlsx")
    return response

"""The WeChat group names of every candidate (附件1 九): `地区 案例简称 单位简称`, as a list staff
copy from the page or export (CSV, Excel)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.documents.naming import case_region, unit_name
from cases.documents.wechat import wechat_display_name
from cases.enums import CaseStatus
from cases.models import Campaign
from review.closing.common import city_of_path, city_order, csv_bytes, province_candidates, xlsx_bytes


@dataclass(frozen=True)
class WechatRow:
    region: str
    case_title: str
    unit: str
    display_name: str
    status: str


def wechat_rows(campaign: Campaign) -> list[WechatRow]:
    """Every candidate forwarded to the province, in 附件2's city order, then by case name."""
    order = city_order(campaign)
    cases = sorted(
        province_candidates(campaign),
        key=lambda case: (order.get(city_of_path(case.enterprise.association.path), 99), case.title, case.pk),
    )
    return [
        WechatRow(region=case_region(case), case_title=case.title, unit=unit_name(case),
                  display_name=wechat_display_name(case), status=str(CaseStatus(case.status).label))
        for case in cases
    ]


def _header() -> list[str]:
    return [_("No."), _("Region"), _("Case name"), _("Unit"), _("WeChat group display name"), _("Status")]


def _table(rows: list[WechatRow]) -> list[list]:
    return [[index, row.region, row.case_title, row.unit, row.display_name, row.status] for index, row in enumerate(rows, start=1)]


def wechat_csv(campaign: Campaign) -> bytes:
    return csv_bytes(_header(), _table(wechat_rows(campaign)))


def wechat_xlsx(campaign: Campaign) -> bytes:
    title = _("%(campaign)s: WeChat group display names of the candidates") % {"campaign": campaign.title}
    return xlsx_bytes(title, _header(), _table(wechat_rows(campaign)), sheet=_("WeChat names"), widths=[6, 10, 40, 36, 30, 18])

"""The two 意见 rows of the 推荐表 (附件3): the recommending association and the city write them
while the case waits for them; they are printed on the filled form."""

import io

import docx
import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Tier
from review.services import BatchRefused, record_opinion
from tests.review.conftest import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]


def test_the_park_writes_its_opinion_and_it_is_printed_on_the_form(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "意见案例")
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    client.force_login(park_staff)
    page = client.get(reverse("review:case_review", args=[case.pk])).content.decode()
    assert "推荐单位意见（印在推荐表上）" in page and "市级科协意见（印在推荐表上）" not in page
    response = client.post(reverse("review:case_opinion", args=[case.pk]), {"opinion": "同意推荐。", "org": county_world["park"].pk},
                           follow=True)
    assert "意见已保存，将印在推荐表上。" in response.content.decode()
    case.refresh_from_db()
    assert case.recommender_opinion == "同意推荐。"
    form = docx.Document(io.BytesIO(b"".join(client.get(reverse("cases:filled_form", args=[case.pk])).streaming_content)))
    assert "同意推荐。" in "\n".join(cell.text for table in form.tables for row in table.rows for cell in row.cells)


def test_an_opinion_is_refused_once_the_case_moved_on_or_by_another_tier(county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.COUNTY_REVIEW, "已报送案例")
    with pytest.raises(BatchRefused, match="此处不能再修改意见"):
        record_opinion(case=case, tier=Tier.ASSOCIATION, text="迟到的意见", actor=county_world["staff"][Tier.ASSOCIATION])
    with pytest.raises(BatchRefused, match="只由推荐单位"):
        record_opinion(case=case, tier=Tier.COUNTY, text="县级意见", actor=county_world["staff"][Tier.COUNTY])
    with pytest.raises(BatchRefused, match="最多500个字"):
        city_case = make_case(county_world, county_world["enterprises"][1], CaseStatus.CITY_REVIEW, "市级案例")
        record_opinion(case=city_case, tier=Tier.CITY, text="很" * 501, actor=county_world["staff"][Tier.CITY])
    case.refresh_from_db()
    assert (case.recommender_opinion, case.city_opinion) == ("", "")


def test_the_opinion_typed_goes_with_the_decision_and_line_breaks_count_once(client, county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "一并保存案例")
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    typed = "\r\n".join(["同意推荐。"] * 80)  # 80 lines: 479 characters as the browser counts them, 558 bytes of CRLF text
    client.post(reverse("review:case_decide", args=[case.pk]),
                {"decision": "recommend", "reason": "", "opinion": typed, "org": county_world["park"].pk})
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSOCIATION_RECOMMENDED
    assert case.recommender_opinion == typed.replace("\r\n", "\n")

"""Issue 13 item 3: the province's 人工调整 shows each case's current decision in words, labels its
controls, and offers only buttons that name the change they make; a change to the current value
is refused."""

import re

import pytest
from django.urls import reverse

from review.models import SelectionOverride
from review.selection.services import SelectionRefused, compute_selection, override_selection
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked():
    """Two winners of three; 太原甲 a presenter candidate (and presenter), 太原丙 willing but not a winner."""
    campaign = world.campaign()
    campaign.winners_count, campaign.presenters_count, campaign.presenters_per_city_max = 2, 1, 2
    campaign.save()
    staff = world.province_staff()
    cases = [world.city_case("太原市", title=title, is_presenter_candidate=willing)
             for title, willing in (("太原甲", True), ("太原乙", False), ("太原丙", True))]
    for index, case in enumerate(cases):
        world.score_case(case, [90 - index * 10], staff=staff)
    selection = compute_selection(campaign=campaign, actor=staff)
    return {"staff": staff, "cases": cases, "selection": selection, "campaign": campaign}


def row_of(page: str, title: str) -> str:
    start = page.index(f"<td>{title}<br>")
    return page[start:page.index("</tr>", start)]


def test_each_row_shows_its_current_decision_and_buttons_naming_the_change(client, ranked):
    first, second, third = ranked["cases"]
    client.force_login(ranked["staff"])

    page = client.get(reverse("review:selection_board")).content.decode()

    assert "<select" not in page  # no control that looks like a state ("入选 / 是" on every row)
    presenter = row_of(page, "太原甲")
    assert '<strong>✔ 入选</strong>' in presenter and '<strong>✔ 宣讲代表</strong>' in presenter
    assert re.findall(r'name="change" value="([^"]+)">([^<]+)</button>', presenter) == [
        ("winner:0", "改为：不入选"), ("presenter:0", "改为：不作宣讲代表")]
    winner = row_of(page, "太原乙")
    assert '<strong>✔ 入选</strong>' in winner and "宣讲代表</strong>" not in winner
    # 太原乙 was not put forward as a presenter candidate: no presenter button at all.
    assert re.findall(r'name="change" value="([^"]+)">([^<]+)</button>', winner) == [("winner:0", "改为：不入选")]
    not_winner = row_of(page, "太原丙")
    assert '<td class="decision">未入选</td>' in not_winner
    assert re.findall(r'name="change" value="([^"]+)">([^<]+)</button>', not_winner) == [("winner:1", "改为：入选")]
    # Every reason box has its own visible label.
    label = f'<label for="override-reason-{third.pk}">调整理由（必填，将记录在案）</label>'
    assert label in not_winner and f'id="override-reason-{third.pk}" name="reason" required' in not_winner


def test_pressing_a_rows_button_makes_that_change_and_the_row_says_so(client, ranked):
    third = ranked["cases"][2]
    # Room for one more winner: an override never exceeds winners_count.
    ranked["campaign"].winners_count = 3
    ranked["campaign"].save(update_fields=["winners_count"])
    client.force_login(ranked["staff"])

    response = client.post(reverse("review:selection_override", args=[third.pk]),
                           {"change": "winner:1", "reason": "专家复议"}, follow=True)

    page = response.content.decode()
    assert "已调整，理由已记录。" in page
    override = SelectionOverride.objects.get()
    assert (override.case_id, override.field, override.value, override.reason) == (third.pk, "winner", True, "专家复议")
    row = row_of(page, "太原丙")
    assert "<strong>✔ 入选</strong><br><span class=\"hint\">（已人工调整）</span>" in row
    assert re.findall(r'name="change" value="([^"]+)">([^<]+)</button>', row) == [
        ("winner:0", "改为：不入选"), ("presenter:1", "改为：宣讲代表")]


def test_a_change_to_the_current_value_is_refused_and_not_recorded(client, ranked):
    first = ranked["cases"][0]
    with pytest.raises(SelectionRefused, match="无需调整：“太原甲”当前已经是“入选”"):
        override_selection(campaign=ranked["campaign"], case=first, field="winner", value=True, reason="重复", actor=ranked["staff"])
    client.force_login(ranked["staff"])

    response = client.post(reverse("review:selection_override", args=[first.pk]),
                           {"change": "presenter:1", "reason": "重复"}, follow=True)

    assert "无需调整：“太原甲”当前已经是“宣讲代表”。请刷新页面查看最新结果。" in response.content.decode()
    assert not SelectionOverride.objects.exists()


@pytest.mark.parametrize("change", ["winner", "winner:yes", "status:1", ""])
def test_an_unknown_change_is_not_found(client, ranked, change):
    client.force_login(ranked["staff"])
    response = client.post(reverse("review:selection_override", args=[ranked["cases"][0].pk]),
                           {"change": change, "reason": "理由"})
    assert response.status_code == 404
    assert not SelectionOverride.objects.exists()

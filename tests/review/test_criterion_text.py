"""A criterion's description is typed in the admin and shown on every expert's scoring page: it
is text, never markup (issue 11, defect 9)."""

import pytest
from django.urls import reverse

from cases.enums import Tier
from review.experts.services import assign_expert, criteria_of
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

HOSTILE = '<a href="https://evil.example/">点此评分</a><img src=x onerror="alert(1)">\n第二行说明'


def test_a_criterion_description_with_markup_is_shown_as_text_on_the_scoring_page(client):
    # Arrange: a provincial admin puts links and markup into a description.
    world.open_scoring()
    case = world.city_case("太原市")
    criterion = criteria_of(case.campaign)[0]
    criterion.description = HOSTILE
    criterion.save(update_fields=["description"])
    expert = world.provincial_expert("大同市")
    assign_expert(case=case, expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    client.force_login(expert)

    # Act
    page = client.get(reverse("review:expert_case", args=[case.pk])).content.decode()

    # Assert: the characters are there, escaped; its line break kept; no element of it exists.
    assert ('<p class="hint">&lt;a href=&quot;https://evil.example/&quot;&gt;点此评分&lt;/a&gt;'
            '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<br>第二行说明</p>') in page
    assert 'href="https://evil.example/' not in page
    assert "<img src=x" not in page


def test_the_password_rules_django_writes_as_html_stay_a_list(client):
    # Django's own help text is marked safe: escaping the admin's text must not break it.
    user = world.province_staff()
    client.force_login(user)

    page = client.get(reverse("password_change")).content.decode()

    assert '<p class="hint"><ul><li>' in page
    assert "&lt;ul&gt;" not in page

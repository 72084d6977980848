"""Two staff overriding the winners at the same moment keep to the campaign's winners_count: the
count is read under the selection's row lock (PostgreSQL, real connections in two threads)."""

import threading

import pytest
from django.db import connection, connections

from review.models import SelectionOverride
from review.selection.services import SelectionRefused, compute_selection, override_selection
from tests.review import review_world as world


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_winner_overrides_fill_the_last_place_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test sets DATABASE_URL)")
    # Arrange: 3 winners of 5, one taken off by staff, so one place is free.
    campaign = world.campaign()
    campaign.winners_count, campaign.presenters_count = 3, 1
    campaign.save(update_fields=["winners_count", "presenters_count"])
    staff = world.province_staff()
    cases = [world.city_case(region, title=title) for region, title in
             (("太原市", "甲"), ("大同市", "乙"), ("朔州市", "丙"), ("忻州市", "丁"), ("吕梁市", "戊"))]
    for index, case in enumerate(cases):
        world.score_case(case, [90 - index * 10], staff=staff)
    compute_selection(campaign=campaign, actor=staff)
    override_selection(campaign=campaign, case=cases[2], field="winner", value=False, reason="存在争议", actor=staff)
    contenders = cases[3:]
    barrier = threading.Barrier(len(contenders))
    outcomes: list[str] = []
    lock = threading.Lock()

    def make_winner(case) -> None:
        try:
            barrier.wait()
            try:
                override_selection(campaign=world.campaign(), case=case, field="winner", value=True,
                                   reason="专家复议", actor=staff)
                result = "accepted"
            except SelectionRefused as refused:
                result = str(refused)
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    # Act
    threads = [threading.Thread(target=make_winner, args=(case,)) for case in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Assert: one got the place, the other was told why; 3 winners, one override recorded.
    assert sorted(outcomes) == sorted([
        "accepted",
        "已有 3 个入选案例，已达本次活动设定的入选数量（3 个）。如要让此案例入选，请先通过人工调整将另一个案例改为不入选（“否”）。",
    ])
    selection = world.campaign().selection
    assert selection.entries.filter(is_winner=True).count() == 3
    assert SelectionOverride.objects.filter(field="winner", value=True).count() == 1

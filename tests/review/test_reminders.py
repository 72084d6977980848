import datetime

import pytest

from cases.enums import CaseStatus, Tier
from cases.models import Campaign
from review.reminders import send_deadline_reminders
from tests.review.conftest import BEIJING, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_with_mail(county_world):
    for tier, user in county_world["staff"].items():
        user.email = f"{user.username}@example.com"
        user.save()
    return county_world


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime.datetime(2024, 9, 3, 9, 0, tzinfo=BEIJING), ["park@example.com"]),  # 09-06 is 3 days away
        (datetime.datetime(2024, 9, 5, 9, 0, tzinfo=BEIJING), ["park@example.com"]),  # 1 day away
        (datetime.datetime(2024, 9, 4, 9, 0, tzinfo=BEIJING), []),  # 2 days: no reminder
    ],
)
def test_association_with_unfinished_work_is_reminded_3_and_1_days_before(staff_with_mail, mailoutbox, moment, expected):
    make_case(staff_with_mail, staff_with_mail["enterprises"][0], CaseStatus.SUBMITTED, "待审")
    send_deadline_reminders(now=moment)
    assert [address for message in mailoutbox for address in message.to] == expected
    if expected:
        assert "2024-09-06" in mailoutbox[0].subject


def test_running_twice_sends_once_and_finished_work_is_not_reminded(staff_with_mail, mailoutbox):
    make_case(staff_with_mail, staff_with_mail["enterprises"][0], CaseStatus.SUBMITTED, "待审")
    make_case(staff_with_mail, staff_with_mail["enterprises"][1], CaseStatus.COUNTY_REVIEW, "已报县")  # county: 09-11
    moment = datetime.datetime(2024, 9, 3, 9, 0, tzinfo=BEIJING)
    assert send_deadline_reminders(now=moment) == 1
    assert send_deadline_reminders(now=moment) == 0
    assert len(mailoutbox) == 1


def test_an_extension_moves_the_reminder(staff_with_mail, mailoutbox):
    from cases.models import DeadlineExtension

    make_case(staff_with_mail, staff_with_mail["enterprises"][0], CaseStatus.SUBMITTED, "待审")
    DeadlineExtension.objects.create(campaign=Campaign.objects.get(year=2024), tier=Tier.ASSOCIATION,
                                     organisation=staff_with_mail["park"], closes_on=datetime.date(2024, 9, 10), reason="延期")
    send_deadline_reminders(now=datetime.datetime(2024, 9, 3, 9, 0, tzinfo=BEIJING))
    assert mailoutbox == []
    send_deadline_reminders(now=datetime.datetime(2024, 9, 7, 9, 0, tzinfo=BEIJING))
    assert "2024-09-10" in mailoutbox[0].subject


def test_a_closed_campaign_sends_no_countdown_mail_even_before_its_dates(staff_with_mail, mailoutbox):
    # Issue 13 item 4: countdowns follow the stage window, which a closed campaign shuts.
    make_case(staff_with_mail, staff_with_mail["enterprises"][0], CaseStatus.SUBMITTED, "待审")
    moment = datetime.datetime(2024, 9, 3, 9, 0, tzinfo=BEIJING)  # 3 days before the association's day
    Campaign.objects.filter(year=2024).update(closed_at=moment)
    assert send_deadline_reminders(now=moment) == 0
    assert mailoutbox == []


def test_the_beat_schedule_runs_the_reminders_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["deadline-reminders"]
    assert entry["task"] == "review.send_deadline_reminders"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({9}, {0})

"""The 刷票 quarantine job on a synthetic vote stream: planted bot patterns are flagged, organic
votes are left alone; staff confirm or release with reasons; nothing is deleted."""

import datetime
import random
import uuid

import pytest

from cases.models import CAMPAIGN_TIME_ZONE
from review.models import Ballot, BallotChoice, BallotStatus, QuarantineDecision, SuspicionFlag
from review.voting.fraud import BallotView, case_vote_report, detect, quarantine_suspicious_ballots
from review.voting.services import VoteRefused, decide_quarantined
from tests.review import review_world as world

CASES = list(range(1, 41))
DAY = datetime.datetime(2024, 10, 10, tzinfo=CAMPAIGN_TIME_ZONE)


def organic_stream(rng: random.Random) -> list[BallotView]:
    """Two days of people: ~30 ballots an hour from 08:00 to 23:00, a trickle at night, each from
    its own address and phone, picking 5–10 cases with some cases more popular than others."""
    weights = [3.0 if c <= 10 else 0.4 if c >= 30 else 1.0 for c in CASES]
    ballots, serial = [], 0
    for day in range(2):
        for hour in range(24):
            rate = 30 if 8 <= hour < 23 else 1
            start = DAY + datetime.timedelta(days=day, hours=hour)
            t = 0.0
            while True:
                t += rng.expovariate(rate / 3600)
                if t >= 3600:
                    break
                serial += 1
                picks = set()
                size = rng.randint(5, 10)
                while len(picks) < size:
                    picks.add(rng.choices(CASES, weights)[0])
                ballots.append(BallotView(
                    id=serial, at=start + datetime.timedelta(seconds=t),
                    block=f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24",
                    device=uuid.UUID(int=rng.getrandbits(128)).hex, picks=frozenset(picks)))
    return ballots


def planted(rng: random.Random, first_id: int) -> dict[str, list[BallotView]]:
    serial = iter(range(first_id, first_id + 10_000))

    def ballot(at, picks, block=None, device=None):
        return BallotView(id=next(serial), at=at, block=block or f"100.{rng.randint(64, 127)}.{rng.randint(0, 255)}.0/24",
                          device=device or uuid.uuid4().hex, picks=frozenset(picks))

    def others(k):
        return set(rng.sample(CASES, k))

    noon = DAY + datetime.timedelta(hours=12)
    return {
        # a botnet: 60 ballots for case 7 within ten minutes, from 60 addresses
        "burst": [ballot(noon + datetime.timedelta(seconds=rng.uniform(0, 590)), others(4) | {7}) for _ in range(60)],
        # one office network pushing an unpopular case all afternoon
        "block": [ballot(DAY + datetime.timedelta(hours=13, minutes=rng.uniform(0, 300)), others(5) | {33},
                         block="100.64.5.0/24") for _ in range(40)],
        # one phone handset casting six ballots with six numbers
        "device": [ballot(DAY + datetime.timedelta(hours=rng.uniform(9, 20)), others(6), device="f" * 32) for _ in range(6)],
        # a script every 45 s (± 1 s) from one address block
        "regular": [ballot(DAY + datetime.timedelta(hours=15, seconds=i * 45 + rng.uniform(-1, 1)), others(5),
                           block="100.99.9.0/24") for i in range(20)],
        # 30 votes for case 20 between 02:00 and 03:00
        "night": [ballot(DAY + datetime.timedelta(days=1, hours=2, seconds=rng.uniform(0, 3599)), others(5) | {20})
                  for _ in range(30)],
        # the same five picks, twelve times through the day
        "identical": [ballot(DAY + datetime.timedelta(hours=rng.uniform(9, 22)), {1, 2, 3, 4, 5}) for _ in range(12)],
    }


def test_planted_bot_patterns_are_flagged_and_organic_votes_left_alone():
    rng = random.Random(20241010)
    organic = organic_stream(rng)
    bots = planted(rng, first_id=len(organic) + 1)
    flags = detect(organic + [b for group in bots.values() for b in group])
    expected_rule = {"burst": "burst", "block": "block_dominance", "device": "device_reuse",
                     "regular": "regular_intervals", "night": "night_surge", "identical": "identical_ballots"}
    for pattern, group in bots.items():
        missed = [b.id for b in group if expected_rule[pattern] not in flags.get(b.id, {})]
        assert missed == [], pattern
    organic_flagged = [b for b in organic if b.id in flags]
    assert len(organic) > 900
    # Organic ballots that merely shared the botnet's ten minutes and picked case 7 may be caught
    # with it (staff release them); nothing else organic is touched.
    assert len(organic_flagged) <= len(organic) // 200, [flags[b.id] for b in organic_flagged]
    assert all(set(flags[b.id]) == {"burst"} for b in organic_flagged)


def test_organic_stream_alone_is_clean():
    assert detect(organic_stream(random.Random(7))) == {}


@pytest.mark.django_db
def test_the_job_quarantines_staff_decide_with_reasons_and_nothing_is_deleted():
    staff = world.province_staff()
    world.open_vote_window()
    cases = [world.city_case("太原市", title=f"候选{i}") for i in range(3)]
    campaign = world.campaign()
    base = DAY + datetime.timedelta(hours=10)

    def cast(at, picks, block, device):
        ballot = Ballot.objects.create(campaign=campaign, voter_hash=uuid.uuid4().hex, receipt=uuid.uuid4().hex[:12],
                                       cast_at=at, address_block=block, device_hash=device)
        BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, case=c) for c in picks)
        return ballot

    organic = [cast(base + datetime.timedelta(minutes=37 * i + (i * i) % 11), [cases[i % 3], cases[(i + 1) % 3]],
                    f"203.0.{i}.0/24", f"dev{i}") for i in range(8)]
    bots = [cast(base + datetime.timedelta(hours=1, minutes=i), [cases[0]], "100.64.1.0/24", "bot") for i in range(4)]
    result = quarantine_suspicious_ballots(campaign=campaign)
    assert result == {"flagged": 4, "newly_quarantined": 4}
    assert set(Ballot.objects.filter(status=BallotStatus.QUARANTINED)) == set(bots)
    assert {b.status for b in Ballot.objects.filter(pk__in=[o.pk for o in organic])} == {BallotStatus.VALID}
    assert quarantine_suspicious_ballots(campaign=campaign) == {"flagged": 4, "newly_quarantined": 0}
    assert SuspicionFlag.objects.filter(rule="device_reuse").count() == 4

    with pytest.raises(VoteRefused):
        decide_quarantined(ballot=bots[0], actor=staff, action="confirm", reason=" ")
    decide_quarantined(ballot=bots[0], actor=staff, action="confirm", reason="同一设备批量投票")
    decide_quarantined(ballot=bots[1], actor=staff, action="release", reason="核实为家庭共用手机")
    with pytest.raises(VoteRefused):
        decide_quarantined(ballot=bots[1], actor=staff, action="confirm", reason="再改")
    # A released ballot is not quarantined again by the next run.
    quarantine_suspicious_ballots(campaign=campaign)
    assert Ballot.objects.get(pk=bots[1].pk).status == BallotStatus.RELEASED
    report = {row["title"]: row for row in case_vote_report(campaign)}
    assert report["候选0"] == {"pk": cases[0].pk, "title": "候选0", "valid": 5 + 1, "quarantined": 2, "excluded": 1}
    assert Ballot.objects.count() == 12
    assert list(QuarantineDecision.objects.filter(ballot=bots[0]).values_list("action", flat=True)) == ["quarantine", "confirm"]


@pytest.mark.django_db
def test_quarantine_pages(client):
    staff = world.province_staff()
    world.open_vote_window()
    case = world.city_case("太原市", title="页面候选")
    campaign = world.campaign()
    ballots = []
    for i in range(3):
        ballot = Ballot.objects.create(campaign=campaign, voter_hash=f"v{i}", receipt=f"R{i:011d}",
                                       cast_at=DAY + datetime.timedelta(minutes=i * 13), address_block="100.64.1.0/24",
                                       device_hash="same")
        BallotChoice.objects.create(ballot=ballot, case=case)
        ballots.append(ballot)
    client.force_login(staff)
    from django.urls import reverse

    client.post(reverse("review:vote_quarantine_run"))
    page = client.get(reverse("review:vote_quarantine")).content.decode()
    assert "R00000000000" in page
    assert "同一设备多次投票" in page and "同一设备投票 3 次。" in page
    assert "device_reuse" not in page and "{&#x27;ballots&#x27;" not in page
    client.post(reverse("review:vote_quarantine_decide", args=[ballots[0].pk]), {"action": "release", "reason": "核实"})
    assert Ballot.objects.get(pk=ballots[0].pk).status == BallotStatus.RELEASED
    page = client.get(reverse("review:vote_report")).content.decode()
    assert "页面候选" in page


@pytest.mark.parametrize(("rule", "detail", "text"), [
    ("burst", {"case": 7, "count": 25, "baseline": 1.5}, "“智能产线”在 10 分钟内得 25 票，平时平均每 10 分钟 1.5 票。"),
    ("block_dominance", {"case": 7, "block": "100.64.1.0/24", "count": 12, "of": 20},
     "地址段 100.64.1.0/24 投给“智能产线” 12 票（该案例共 20 票）。"),
    ("device_reuse", {"ballots": 3}, "同一设备投票 3 次。"),
    ("regular_intervals", {"group": "case 7", "interval_seconds": 30.0}, "投给“智能产线”的选票几乎每隔 30.0 秒一张。"),
    ("regular_intervals", {"group": "block 100.64.1.0/24", "interval_seconds": 12.5},
     "来自地址段 100.64.1.0/24 的选票几乎每隔 12.5 秒一张。"),
    ("night_surge", {"case": 8, "hour": "2024-10-11T03:00:00+08:00", "count": 9, "daytime_hourly": 1.2},
     "“编号 8 的案例”在夜间 10-11 03:00 起的一小时内得 9 票，白天平均每小时 1.2 票。"),
    ("identical_ballots", {"copies": 6, "picks": [1, 2]}, "有 6 张选票所选案例完全相同。"),
])
def test_each_flag_reads_as_chinese_for_staff(rule, detail, text):
    from review.voting.fraud import RULE_LABELS, describe_flag

    assert describe_flag(rule, detail, {7: "智能产线"}) == text
    assert str(RULE_LABELS[rule]) and not str(RULE_LABELS[rule]).isascii()

"""The 刷票 quarantine job on a synthetic vote stream: planted bot patterns are flagged, organic
votes are left alone; staff confirm or release with reasons; nothing is deleted."""

import datetime
import random
import uuid

import pytest
from django.urls import reverse

from cases.models import CAMPAIGN_TIME_ZONE
from review.models import Ballot, BallotChoice, BallotStatus, FraudScan, QuarantineDecision, SuspicionFlag
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


EXPECTED_RULE = {"burst": "agent_concentration", "block": "block_concentration", "device": "device_reuse",
                 "regular": "regular_intervals", "night": "block_concentration", "identical": "identical_ballots"}


@pytest.fixture(scope="module")
def labelled():
    from bench.vote_stream import generate

    stream = generate(11, organic=8000, days=2)
    return stream, detect([row.ballot for row in stream])


def test_planted_patterns_are_caught_by_their_rule_and_organic_voters_left_alone(labelled):
    stream, flags = labelled
    for pattern, rule in EXPECTED_RULE.items():
        group = [row.ballot.id for row in stream if row.pattern == pattern]
        missed = [ballot_id for ballot_id in group if rule not in flags.get(ballot_id, {})]
        assert len(group) >= 20 and len(missed) <= len(group) * 0.02, (pattern, len(missed), len(group))
    organic = [row.ballot.id for row in stream if row.pattern == "organic"]
    quarantined = [ballot_id for ballot_id in organic if ballot_id in flags]
    assert len(organic) > 7000
    assert len(quarantined) <= len(organic) * 0.005, [flags[i] for i in quarantined]


def test_every_flag_names_its_group_and_rests_on_a_shared_key(labelled):
    stream, flags = labelled
    views = {row.ballot.id: row.ballot for row in stream}
    for ballot_id, rules in flags.items():
        for rule, detail in rules.items():
            kind, _space, key = detail["group"].partition(" ")
            assert kind and key, detail
            ballot = views[ballot_id]
            if rule == "block_concentration":
                assert detail["key"] == ballot.block and detail["case"] in ballot.picks
            if rule == "agent_concentration":
                assert detail["key"] == ballot.agent[:120] and detail["case"] in ballot.picks


def test_an_organic_share_burst_sharing_only_case_and_time_is_never_flagged():
    """The old burst rule's mistake (issue 16): 300 voters for one case within ten minutes, each with
    its own phone, address and WeChat version — people answering a share, not a botnet."""
    rng = random.Random(5)
    base = organic_stream(rng)
    share_at = DAY + datetime.timedelta(hours=20)
    share = [BallotView(id=100_000 + i, at=share_at + datetime.timedelta(seconds=rng.uniform(0, 600)),
                        block=f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24",
                        device=uuid.UUID(int=rng.getrandbits(128)).hex, agent=f"MicroMessenger/8.0.{i % 40}",
                        picks=frozenset({7} | set(rng.sample(CASES, 5)))) for i in range(300)]

    assert detect(base + share) == {}


def test_a_push_from_one_block_is_caught_and_a_carrier_nat_block_voting_like_everybody_is_not():
    """A third of all voters behind one carrier NAT /24 vote like everybody else and are left alone;
    30 ballots from an office network pushing one case through an afternoon stand out, and of the
    office's neighbours only ballots picking that case are flagged with them."""
    rng = random.Random(9)
    nat, office = "117.136.9.0/24", "61.135.7.0/24"
    base = [BallotView(id=b.id, at=b.at, block=nat if i % 3 == 0 else office if i % 40 == 1 else b.block,
                       device=b.device, picks=b.picks, agent=f"MicroMessenger/8.0.{i % 40}")
            for i, b in enumerate(organic_stream(rng))]
    push = [BallotView(id=100_000 + i, at=DAY + datetime.timedelta(hours=13, minutes=rng.uniform(0, 240)), block=office,
                       device=uuid.UUID(int=rng.getrandbits(128)).hex, agent=f"MicroMessenger/8.0.{i % 40}",
                       picks=frozenset({35} | set(rng.sample(range(1, 30), 5)))) for i in range(30)]

    flags = detect(base + push)

    assert {b.id for b in push} <= set(flags)
    organic_flagged = [b for b in base if b.id in flags]
    assert all(35 in b.picks for b in organic_flagged) and len(organic_flagged) <= 3
    assert {rules["block_concentration"]["key"] for rules in flags.values()} == {office}


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


@pytest.mark.django_db
def test_each_run_reads_only_the_new_ballots_and_flags_the_old_ones_they_complete():
    world.open_vote_window()
    cases = [world.city_case("太原市", title=f"候选{i}") for i in range(3)]
    campaign = world.campaign()

    def cast(n, device):
        ballot = Ballot.objects.create(campaign=campaign, voter_hash=f"v{n}", receipt=f"R{n:011d}", device_hash=device,
                                       cast_at=DAY + datetime.timedelta(minutes=17 * n), address_block=f"203.0.{n}.0/24",
                                       picks=f"{cases[0].pk},{cases[n % 2 + 1].pk}")
        BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, case=c) for c in (cases[0], cases[n % 2 + 1]))
        return ballot

    first = [cast(0, "phone"), cast(1, "phone"), cast(2, "other")]
    assert quarantine_suspicious_ballots(campaign=campaign) == {"flagged": 0, "newly_quarantined": 0}
    scan = FraudScan.objects.get(campaign=campaign)
    assert scan.last_ballot_id == first[-1].pk

    third = cast(3, "phone")
    result = quarantine_suspicious_ballots(campaign=campaign)

    assert result == {"flagged": 3, "newly_quarantined": 3}
    assert set(Ballot.objects.filter(status=BallotStatus.QUARANTINED)) == {first[0], first[1], third}
    assert set(SuspicionFlag.objects.values_list("group", flat=True)) == {"device phone"}
    assert FraudScan.objects.get(campaign=campaign).last_ballot_id == third.pk


@pytest.mark.django_db
def test_the_province_releases_or_excludes_a_group_at_once_and_exports_the_report(client):
    staff = world.province_staff()
    world.open_vote_window()
    cases = [world.city_case("太原市", title=f"组候选{i}") for i in range(2)]
    campaign = world.campaign()

    def cast(n, device, picks, block="203.0.113.0/24"):
        ballot = Ballot.objects.create(campaign=campaign, voter_hash=f"g{n}", receipt=f"G{n:011d}", device_hash=device,
                                       cast_at=DAY + datetime.timedelta(minutes=23 * n), address_block=block,
                                       picks=",".join(str(c.pk) for c in picks))
        BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, case=c) for c in picks)
        return ballot

    family = [cast(n, "family-phone", cases) for n in range(3)]
    farm = [cast(10 + n, "farm-phone", cases[:1], block=f"100.64.{n}.0/24") for n in range(4)]
    quarantine_suspicious_ballots(campaign=campaign)
    client.force_login(staff)
    page = client.get(reverse("review:vote_quarantine")).content.decode()
    assert "整组放行" in page and "同一设备投票 3 次。" in page and "同一设备投票 4 次。" in page

    def flag_of(group):
        return SuspicionFlag.objects.filter(group=group).first().pk

    client.post(reverse("review:vote_quarantine_group_decide"),
                {"flag": flag_of("device family-phone"), "action": "release", "reason": "核实为一家人"})
    client.post(reverse("review:vote_quarantine_group_decide"),
                {"flag": flag_of("device farm-phone"), "action": "confirm", "reason": "同一手机批量换号"})

    assert {b.status for b in Ballot.objects.filter(pk__in=[b.pk for b in family])} == {BallotStatus.RELEASED}
    assert {b.status for b in Ballot.objects.filter(pk__in=[b.pk for b in farm])} == {BallotStatus.EXCLUDED}
    assert list(QuarantineDecision.objects.filter(ballot=family[0]).values_list("action", "reason")) == [
        ("quarantine", "同一设备多次投票"), ("release", "核实为一家人")]
    report = {row["title"]: row for row in case_vote_report(campaign)}
    assert (report["组候选0"]["valid"], report["组候选0"]["quarantined"], report["组候选0"]["excluded"]) == (3, 0, 4)
    assert (report["组候选1"]["valid"], report["组候选1"]["excluded"]) == (3, 0)

    response = client.get(reverse("review:vote_report_export"))
    from openpyxl import load_workbook
    import io

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["各案例得票", "隔离选票报告"]
    assert list(workbook["各案例得票"].iter_rows(values_only=True))[0] == ("案例", "计入票数", "隔离中", "已剔除")
    rows = list(workbook["隔离选票报告"].iter_rows(values_only=True))
    assert len(rows) == 1 + 7 and rows[1][0] == "G00000000000"
    assert "同一设备投票 3 次。" in rows[1][4] and "核实为一家人" in rows[1][5]
    assert all("family-phone" not in str(cell) and "farm-phone" not in str(cell) for row in rows for cell in row)


@pytest.mark.django_db
def test_after_the_vote_the_results_show_votes_under_review_apart(client):
    world.open_vote_window()
    case = world.city_case("太原市", title="公开候选")
    world.add_votes(case, 5)
    world.add_votes(case, 2, status="quarantined", start=100)
    world.close_vote_window()

    page = client.get(reverse("review:vote_gallery")).content.decode()

    assert "5 票" in page and "另有 2 票待审核（放行后才计入）" in page


@pytest.mark.django_db
def test_releasing_a_group_keeps_the_ballots_another_group_also_flagged():
    from review.voting.services import decide_quarantined_group

    staff = world.province_staff()
    world.open_vote_window()
    case = world.city_case("太原市", title="两组候选")
    campaign = world.campaign()
    ballots = []
    for n in range(5):
        ballot = Ballot.objects.create(campaign=campaign, voter_hash=f"k{n}", receipt=f"K{n:011d}", device_hash="one",
                                       cast_at=DAY + datetime.timedelta(minutes=31 * n), address_block=f"198.51.{n}.0/24",
                                       picks=str(case.pk))
        BallotChoice.objects.create(ballot=ballot, case=case)
        ballots.append(ballot)
    quarantine_suspicious_ballots(campaign=campaign)
    assert set(SuspicionFlag.objects.values_list("rule", flat=True)) == {"device_reuse", "identical_ballots"}

    result = decide_quarantined_group(campaign=campaign, rule="device_reuse", group="device one", actor=staff,
                                      action="release", reason="一家人")

    assert result == {"decided": 0, "kept": 5}
    assert set(Ballot.objects.values_list("status", flat=True)) == {BallotStatus.QUARANTINED}
    result = decide_quarantined_group(campaign=campaign, rule="identical_ballots", group=f"picks {case.pk}", actor=staff,
                                      action="confirm", reason="同一名单批量投票")
    assert result == {"decided": 5, "kept": 0}
    assert set(Ballot.objects.values_list("status", flat=True)) == {BallotStatus.EXCLUDED}

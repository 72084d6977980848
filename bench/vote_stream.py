"""A labelled stream of public-vote ballots: organic voters of a province-wide vote shared in WeChat
groups, with planted 刷票 (vote brushing) patterns mixed into the same hours. Used by
bench/eval_fraud.py (precision per pattern), bench/bench_fraud.py (detection cost) and the tests.

Organic traffic, as the vote sees it:
- diurnal: few ballots at night, peaks at lunch and in the evening, over several days;
- popular cases: each voter picks 5–10 of 120 candidates, popularity heavy-tailed (Zipf), and voters
  favour their own city's cases;
- organic bursts after a share: a post in a city's WeChat groups brings 50–600 voters within
  minutes, all from that city, all picking the shared case;
- carrier NAT: two thirds of voters are on mobile data behind their city's carrier NAT, a few
  hundred /24 blocks province-wide, the busiest holding thousands of voters; the rest on home
  broadband, many /24s with a few voters each;
- WeChat's user agents: iOS WeChat strings are shared by thousands (same iOS and WeChat version),
  Android ones carry the phone model and are far more varied;
- families: a few phones cast a second ballot with another family member's number (rarely a third).

Planted patterns (each inside organic hours, several instances):
- burst: a proxy-pool botnet, 80 ballots for one case within 8 minutes, every one from another
  /24, fresh devices, one scripted user agent (half of them copy the commonest iOS WeChat string);
- block: an office or SIM farm on one broadband /24 (which organic neighbours use too) pushing one
  case all afternoon, real phones' user agents;
- device: one handset casting 3 ballots a day (the device limit) with different numbers;
- regular: a script every 45 s (or 120 s) with ±1–3 s jitter from a busy carrier NAT block, one user agent;
- night: a 4G-router farm of 3 blocks pushing one case between 02:00 and 03:00;
- identical: paid clickers on their own phones told exactly which cases to pick.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from review.voting.fraud_rules import BallotView

CAMPAIGN_TZ = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2024, 10, 10, tzinfo=CAMPAIGN_TZ)
CANDIDATES = 120
MIN_PICKS, MAX_PICKS = 5, 10
# Relative traffic per hour of the day (Beijing time).
DIURNAL = [0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.3, 0.7, 1.0, 1.1, 1.1, 1.2,
           1.4, 1.2, 1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.8, 1.7, 1.2, 0.5]
CITIES = {"太原": 0.25, "大同": 0.11, "朔州": 0.05, "忻州": 0.07, "吕梁": 0.09, "晋中": 0.1,
          "阳泉": 0.04, "长治": 0.1, "晋城": 0.07, "临汾": 0.07, "运城": 0.05}
PATTERNS = ("burst", "block", "device", "regular", "night", "identical")

IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/{wx} NetType/{net} Language/zh_CN"
ANDROID = ("Mozilla/5.0 (Linux; Android {android}; {model} Build/{build}; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Version/4.0 Chrome/{chrome} Mobile Safari/537.36 XWEB/{xweb} MMWEBSDK/20231202 MMWEBID/{webid} "
           "MicroMessenger/{wx} WeChat/arm64 Weixin NetType/{net} Language/zh_CN ABI/arm64")
IOS_VERSIONS = ["17_1_2", "17_2_1", "16_6", "17_0_3", "16_5", "15_7", "17_3", "16_1_1", "15_4", "17_1"]
IOS_WECHAT = ["8.0.44(0x18002c2c)", "8.0.43(0x18002b2f)", "8.0.45(0x18002d29)", "8.0.42(0x18002a2f)"]
ANDROID_MODELS = ["V2227A", "PHK110", "M2012K11AC", "ALN-AL00", "NOH-AN00", "SM-S9180", "LGE-AN00", "22081212C",
                  "PGT-AN10", "RMX3706", "V2309A", "2211133C", "CPH2451", "BRA-AL00", "JAD-AL50", "PJD110"]
NETS = ["WIFI", "4G", "5G"]
SCRIPTED_AGENTS = ["okhttp/4.9.3", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/119.0.0.0 Safari/537.36", "python-requests/2.31.0"]


@dataclass(frozen=True)
class Labelled:
    ballot: BallotView
    pattern: str  # "organic" or one of PATTERNS
    instance: str = ""  # which planted group


class World:
    """Where voters come from: cities, their carrier NAT blocks and broadband blocks."""

    def __init__(self, rng: random.Random, organic: int):
        self.rng = rng
        self.nat: dict[str, list[str]] = {}
        self.nat_weights: dict[str, list[float]] = {}
        octet = iter(rng.sample(range(1, 224), 200))
        for city, share in CITIES.items():
            # Carrier NAT: about one /24 per 150 mobile voters of the city, Zipf-weighted (a few hold thousands).
            count = max(4, int(organic * share * 0.65 / 150))
            first = next(octet)
            self.nat[city] = [f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24" for _ in range(count)]
            self.nat_weights[city] = [1 / (rank + 1) ** 0.9 for rank in range(count)]
        self.broadband_first = {city: next(octet) for city in CITIES}
        self.popularity = [1 / (rank + 1) ** 0.8 for rank in range(CANDIDATES)]
        self.case_city = {case: rng.choices(list(CITIES), list(CITIES.values()))[0] for case in range(1, CANDIDATES + 1)}
        self.agents_ios = [IOS.format(ios=ios, wx=wx, net=net) for ios in IOS_VERSIONS for wx in IOS_WECHAT for net in NETS]
        self.agents_ios_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(self.agents_ios))]

    def city(self) -> str:
        return self.rng.choices(list(CITIES), list(CITIES.values()))[0]

    def block(self, city: str) -> str:
        rng = self.rng
        if rng.random() < 0.65:
            return rng.choices(self.nat[city], self.nat_weights[city])[0]
        return f"{self.broadband_first[city]}.{rng.randint(0, 255)}.{rng.randint(0, 63)}.0/24"

    def agent(self) -> str:
        rng = self.rng
        if rng.random() < 0.35:
            return rng.choices(self.agents_ios, self.agents_ios_weights)[0]
        return ANDROID.format(android=rng.choice([11, 12, 13, 14]), model=rng.choice(ANDROID_MODELS),
                              build=rng.choice(["TP1A.220624.014", "UKQ1.230804.001", "SKQ1.211006.001"]),
                              chrome=rng.choice(["111.0.5563.116", "116.0.0.0", "119.0.6045.193"]),
                              xweb=rng.choice([1110005, 1110017, 1100043]), webid=rng.randint(1000, 9999),
                              wx=rng.choice(["8.0.47.2560(0x28002F35)", "8.0.44.2502(0x28002C51)", "8.0.45.2521(0x28002D3D)"]),
                              net=rng.choice(NETS))

    def picks(self, city: str, *, must: int | None = None, size: int | None = None) -> frozenset[int]:
        """5–10 cases by popularity, three times as likely for a case of the voter's own city."""
        rng = self.rng
        size = size or rng.randint(MIN_PICKS, MAX_PICKS)
        chosen = {must} if must else set()
        weights = [w * (3.0 if self.case_city[case] == city else 1.0) for case, w in enumerate(self.popularity, start=1)]
        while len(chosen) < size:
            chosen.add(rng.choices(range(1, CANDIDATES + 1), weights)[0])
        return frozenset(chosen)

    def random_picks(self, *, must: int | None = None) -> frozenset[int]:
        """What a script picks besides its target: anything, uniformly."""
        size = self.rng.randint(MIN_PICKS, MAX_PICKS)
        chosen = {must} if must else set()
        while len(chosen) < size:
            chosen.add(self.rng.randint(1, CANDIDATES))
        return frozenset(chosen)


def _organic_time(rng: random.Random, days: int) -> datetime.datetime:
    day = rng.randrange(days)
    hour = rng.choices(range(24), DIURNAL)[0]
    return START + datetime.timedelta(days=day, hours=hour, seconds=rng.uniform(0, 3600))


def _device(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def generate(seed: int = 2024, *, organic: int = 20_000, days: int = 3, planted_instances: int = 2) -> list[Labelled]:
    """About `organic` organic ballots over `days` days with the planted patterns mixed in, ids in
    time order (as the database assigns them)."""
    rng = random.Random(seed)
    world = World(rng, organic)
    rows: list[tuple[datetime.datetime, str, str, str, frozenset[int], str, str]] = []  # at, block, device, agent, picks, pattern, instance

    def organic_ballot(at, city, picks, device=None, agent=None):
        rows.append((at, world.block(city), device or _device(rng), agent or world.agent(), picks, "organic", ""))

    # Organic bursts after a share: about a quarter of the organic ballots.
    shared = 0
    while shared < organic // 4:
        city = world.city()
        case = rng.choices(range(1, CANDIDATES + 1), world.popularity)[0] if rng.random() < 0.5 else rng.randint(1, CANDIDATES)
        start = _organic_time(rng, days)
        size = min(600, max(50, int(rng.lognormvariate(5.0, 0.6))))
        for _ in range(size):
            at = start + datetime.timedelta(seconds=rng.expovariate(1 / 480))
            organic_ballot(at, city, world.picks(city, must=case))
        shared += size
    # The steady diurnal stream, with families sharing a phone.
    while shared < organic:
        city, at = world.city(), _organic_time(rng, days)
        device, agent = _device(rng), world.agent()
        organic_ballot(at, city, world.picks(city), device, agent)
        shared += 1
        if rng.random() < 0.01:  # a family member votes with the same phone
            organic_ballot(at + datetime.timedelta(minutes=rng.uniform(1, 60)), city, world.picks(city), device, agent)
            shared += 1
            if rng.random() < 0.05:
                organic_ballot(at + datetime.timedelta(minutes=rng.uniform(61, 180)), city, world.picks(city), device, agent)
                shared += 1

    def plant(pattern, instance, at, block, picks, device=None, agent=None):
        rows.append((at, block, device or _device(rng), agent or world.agent(), picks, pattern, f"{pattern}-{instance}"))

    def daytime(day=None) -> datetime.datetime:
        day = rng.randrange(days) if day is None else day
        return START + datetime.timedelta(days=day, hours=rng.uniform(9, 21))

    for n in range(planted_instances):
        # burst: proxy-pool botnet, one scripted agent, every ballot from another /24
        target, at = rng.randint(1, CANDIDATES), daytime()
        agent = world.agents_ios[0] if n % 2 == 0 else rng.choice(SCRIPTED_AGENTS)
        for _ in range(80):
            block = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"
            plant("burst", n, at + datetime.timedelta(seconds=rng.uniform(0, 480)), block,
                  world.random_picks(must=target), agent=agent)
        # block: one broadband /24 that organic neighbours use too, all afternoon, real phones
        target, city = rng.randint(1, CANDIDATES), world.city()
        block = world.block(city)
        while block in world.nat[city]:
            block = world.block(city)
        afternoon = START + datetime.timedelta(days=rng.randrange(days), hours=13)
        for _ in range(40):
            plant("block", n, afternoon + datetime.timedelta(minutes=rng.uniform(0, 300)), block,
                  world.random_picks(must=target))
        for _ in range(3):
            organic_ballot(_organic_time(rng, days), city, world.picks(city))
            rows[-1] = (rows[-1][0], block, *rows[-1][2:])
        # device: handsets casting 3 ballots a day with different numbers
        for handset in range(5):
            device, agent, city = _device(rng), world.agent(), world.city()
            day = rng.randrange(days)
            for _ in range(3):
                plant("device", f"{n}.{handset}", daytime(day), world.block(city), world.picks(city), device, agent)
        # regular: a script from a busy carrier NAT block, one agent, a fixed period with jitter
        city = world.city()
        block = world.nat[city][0]
        period, jitter = (45, 1.0) if n % 2 == 0 else (120, 3.0)
        at, agent = daytime(), world.agents_ios[n % 3]
        for i in range(25):
            plant("regular", n, at + datetime.timedelta(seconds=i * period + rng.uniform(-jitter, jitter)), block,
                  world.random_picks(), agent=agent)
        # night: a 4G-router farm, three blocks, one case, 02:00–03:00
        target = rng.randint(1, CANDIDATES)
        farm = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24" for _ in range(3)]
        night = START + datetime.timedelta(days=rng.randrange(1, days), hours=2)
        for i in range(30):
            plant("night", n, night + datetime.timedelta(seconds=rng.uniform(0, 3599)), farm[i % 3],
                  world.random_picks(must=target))
        # identical: paid clickers on their own phones, told exactly what to pick
        picks = world.random_picks()
        for _ in range(12):
            city = world.city()
            plant("identical", n, daytime(), world.block(city), picks)

    rows.sort(key=lambda row: row[0])
    return [Labelled(BallotView(id=number, at=at, block=block, device=device, picks=picks, agent=agent), pattern, instance)
            for number, (at, block, device, agent, picks, pattern, instance) in enumerate(rows, start=1)]

"""Benchmark of the near-duplicate index (issue 19 "Scale"): 10,000 narratives indexed, then the
query for one new case, with the memory of the process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal SECRET_KEY=bench-only-0123456789-abcdefghijklmnopqrstuvwxyz \
    DEBUG=0 HTTPS=0 .venv/bin/python bench/similarity/bench_similarity.py [--narratives 10000] [--queries 200]

Runs in a throw-away test database (created and dropped here). The narratives (about 2,000 字
each, the notice's outline) are put together from the sentences of the labelled corpus with
fresh names and numbers, so they share stock phrases as real ones do. Cases and enterprises are
bulk-inserted first (not timed); then each narrative is indexed as a worker does it
(cases.similarity.services.store_text: read, MinHash, bands, facts, its rows written): worker CPU
is this process's CPU time (the database server's is reported apart, as wall time). A query is
what the worker does for one new case after storing its own keys (text_matches: candidates from
the index, the exact check of each): copies, recycled and retold versions of indexed narratives
and new unrelated ones.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.similarity.evalset import light_edit, read_corpus, recycle  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
PLACES = ["太原", "大同", "朔州", "忻州", "吕梁", "晋中", "阳泉", "长治", "晋城", "临汾", "运城"]
INDUSTRY = ["煤业", "焦化", "钢铁", "新材料", "装备", "医药", "食品", "能源", "化工", "电子", "物流", "建材", "纺织", "农业", "环保"]
# Common characters the generator puts in place of a sentence's own words.
VOCABULARY = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"


def sentence_pools() -> tuple[list[str], list[str], list[str]]:
    """(introduction, story, lessons) sentences of the corpus."""
    intro, story, lessons = [], [], []
    for text in list(read_corpus("base.txt").values()) + list(read_corpus("paraphrase.txt").values()):
        part = None
        for line in text.splitlines():
            if re.match(r"^(一|1|（一）)", line):
                part = intro
            elif re.match(r"^(二|三|2|3|（二）|（三）)", line):
                part = story
            elif re.match(r"^(四|4|（四）)", line):
                part = lessons
            elif part is not None:
                part.extend(s for s in re.split(r"(?<=。)", line) if len(s) > 8)
    return intro, story, lessons


def narrative(rng: random.Random, pools) -> str:
    intro, story, lessons = pools
    name = f"山西{rng.choice(PLACES)}{''.join(rng.sample(SURNAMES, 2))}{rng.choice(INDUSTRY)}有限公司"

    def fresh(sentence: str) -> str:
        """The sentence's frame with its own names, numbers and words: about a third of its
        characters changed, so narratives share stock phrases, not stories."""
        sentence = re.sub(r"\d+(?:\.\d+)?", lambda m: str(rng.randrange(2, 99999)), sentence)
        sentence = re.sub(r"[A-Za-z][A-Za-z0-9+\-]*", lambda m: "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=3)), sentence)
        sentence = re.sub(r"(山西)?[\u4e00-\u9fff]{2,10}(有限公司|集团|公司)", name, sentence, count=1)
        return "".join(rng.choice(VOCABULARY) if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.3 else ch for ch in sentence)

    body = [f"{''.join(rng.sample(SURNAMES, 4))}创新实践", name, "一、企业简介及所获荣誉奖励",
            "".join(fresh(s) for s in rng.sample(intro, 3)), "二、聚焦典型案例：创新团队攻坚克难的励志故事"]
    chosen = [fresh(s) for s in rng.sample(story, 26)]
    body += ["".join(chosen[i:i + 4]) for i in range(0, 18, 4)]
    body += ["三、创新成果应用", "".join(chosen[18:]), "四、经验与启示", "".join(fresh(s) for s in rng.sample(lessons, 3))]
    return "\n".join(body) + "\n"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--narratives", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.narratives, args.queries)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(count: int, queries: int) -> None:
    from cases.credit_code import check_character
    from cases.enums import CaseStatus, EnterpriseType, OrganisationKind
    from cases.models import Campaign, Case, Enterprise, Organisation, SimilarityKey
    from cases.similarity import services
    from cases.similarity.services import store_text, text_matches
    from cases.similarity.text import compare  # noqa: F401  (loaded before timing)

    rng = random.Random(19)
    pools = sentence_pools()
    texts = [narrative(rng, pools) for _ in range(count)]
    print(f"{count} narratives, {statistics.mean(len(t) for t in texts):.0f} characters on average")

    campaign = Campaign.objects.current()
    city = Organisation.objects.filter(kind=OrganisationKind.CITY).first()
    county = Organisation.objects.create(kind=OrganisationKind.COUNTY, parent=city, name="基准县")
    park = Organisation.objects.create(kind=OrganisationKind.PARK_ASSOCIATION, parent=county, name="基准园区科协")

    def credit(number: int) -> str:
        first = f"91140100{number:09d}"
        return first + check_character(first)

    total = count + queries
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"基准企业{i}", credit_code=credit(i), enterprise_type=EnterpriseType.OTHER, association=park,
                   has_park_association=True) for i in range(total))
    cases = Case.objects.bulk_create(
        Case(campaign=campaign, enterprise=enterprises[i], status=CaseStatus.SUBMITTED, title=f"基准案例{i}") for i in range(total))

    started_cpu, started_wall = time.process_time(), time.perf_counter()
    for case, text in zip(cases[:count], texts):
        store_text(case, source="bench", text=text)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
    print(f"indexed {count}: worker CPU {cpu:.1f} s ({1000 * cpu / count:.2f} ms each), wall {wall:.1f} s "
          f"(database included); {SimilarityKey.objects.count()} key rows; peak RSS {peak_rss_mib():.0f} MiB")

    kinds = ["copy", "recycled", "unrelated", "retold"]
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    found: dict[str, int] = dict.fromkeys(kinds, 0)
    candidates: list[int] = []
    find = services.text_candidates

    def counting(*arguments):
        chosen = find(*arguments)
        candidates.append(len(chosen))
        return chosen

    services.text_candidates = counting
    for number, case in enumerate(cases[count:]):
        kind = kinds[number % len(kinds)]
        source_index = rng.randrange(count)
        original = texts[source_index]
        if kind == "copy":
            text = light_edit(original, rng)
        elif kind == "recycled":
            text = recycle(original, rng)
        elif kind == "retold":
            # The same facts in other connecting words: every third sentence dropped, the rest reordered.
            lines = original.splitlines()
            text = "\n".join(lines[:4] + [re.sub("，", "；", line) for line in reversed(lines[4:])]) + "\n"
        else:
            text = narrative(rng, pools)
        fingerprint = store_text(case, source="bench", text=text)
        started = time.perf_counter()
        matches = text_matches(case, fingerprint)
        timings[kind].append(time.perf_counter() - started)
        if any(cases[source_index].pk in (m.case_id, m.other_id) for m in matches):
            found[kind] += 1
    every = sorted(t for values in timings.values() for t in values)
    print(f"{queries} queries: median {1000 * statistics.median(every):.0f} ms, "
          f"95th percentile {1000 * every[int(len(every) * 0.95) - 1]:.0f} ms, slowest {1000 * every[-1]:.0f} ms")
    for kind in kinds:
        print(f"  {kind:<10} median {1000 * statistics.median(timings[kind]):.0f} ms; its source found in {found[kind]} of {len(timings[kind])}")
    print(f"candidates judged per query: mean {statistics.mean(candidates):.1f}, most {max(candidates)}")
    print(f"peak RSS {peak_rss_mib():.0f} MiB (the index stays in the database; a query reads its candidates' rows only)")


if __name__ == "__main__":
    main()

"""Indexing cases and recording their similar cases (cases.similarity.services): each kind of
text pair, photos, the same enterprise, earlier campaigns, idempotence, drafts, unchecked files,
and the tasks queued on submission and on closing a campaign."""

import datetime
import random

import pytest

from bench.similarity.evalset import company_section, light_edit, recycle, wrap_in_template
from cases.enums import CaseStatus, Role
from cases.models import Campaign, MatchKind, PhotoFingerprint, SimilarityKey, SimilarityMatch, TextFingerprint
from cases.similarity.services import index_campaign, index_case
from tests import factories
from tests.similarity.conftest import BASES, RETOLD, jpeg, scene


def kinds(case) -> set[tuple[int, int, str]]:
    return set(SimilarityMatch.objects.values_list("case_id", "other_id", "kind"))


@pytest.mark.django_db
def test_a_copied_narrative_is_matched_with_its_passages(make_case):
    first = make_case(BASES["01"])
    second = make_case(light_edit(BASES["01"], random.Random(3)))
    index_case(first.pk)

    result = index_case(second.pk)

    match = SimilarityMatch.objects.get(kind=MatchKind.TEXT)
    assert (match.case_id, match.other_id) == (first.pk, second.pk)
    assert result.matches == {MatchKind.TEXT: 1}
    assert match.score >= 0.6
    passage = match.details["passages"][0]
    assert passage["how"] == "copied" and passage["a"] in BASES["01"]
    assert TextFingerprint.objects.get(case=second).source.startswith("narrative:")


@pytest.mark.django_db
def test_last_years_narrative_resubmitted_is_found_in_the_closed_campaign(make_case):
    current = Campaign.objects.current()
    earlier = Campaign.objects.create(
        year=current.year - 1, title="2023年活动", enterprise_deadline=datetime.date(2023, 9, 1),
        association_deadline=datetime.date(2023, 9, 5), county_deadline=datetime.date(2023, 9, 10),
        city_deadline=datetime.date(2023, 9, 13), closed_at=datetime.datetime(2023, 12, 1, tzinfo=datetime.UTC))
    old = make_case(BASES["07"], status=CaseStatus.WINNER)
    old.campaign = earlier
    old.save()
    index_campaign(earlier.pk)
    new = make_case(recycle(BASES["07"], random.Random(4)))

    index_case(new.pk)

    match = SimilarityMatch.objects.get(kind=MatchKind.TEXT)
    assert {match.case_id, match.other_id} == {old.pk, new.pk}
    assert match.score >= 0.9


@pytest.mark.django_db
def test_a_paraphrase_is_matched_by_its_facts(make_case):
    first, second = make_case(BASES["15"]), make_case(RETOLD["15"])
    index_case(first.pk)

    index_case(second.pk)

    match = SimilarityMatch.objects.get()
    assert match.kind == MatchKind.TEXT
    assert {p["how"] for p in match.details["passages"]} == {"facts"}


@pytest.mark.django_db
def test_the_same_introduction_with_another_story_is_recorded_as_such_not_as_a_duplicate(make_case):
    first = make_case(BASES["09"])
    second = make_case(company_section(BASES["09"], BASES["13"]))
    index_case(first.pk)

    index_case(second.pk)

    assert list(SimilarityMatch.objects.values_list("kind", flat=True)) == [MatchKind.INTRODUCTION]


@pytest.mark.django_db
def test_unrelated_cases_sharing_the_template_are_not_matched(make_case):
    first, second = make_case(wrap_in_template(BASES["02"])), make_case(wrap_in_template(BASES["19"]))
    index_case(first.pk)

    index_case(second.pk)

    assert not SimilarityMatch.objects.exists()


@pytest.mark.django_db
def test_indexing_twice_gives_the_same_matches_and_keys(make_case):
    first, second = make_case(BASES["04"]), make_case(BASES["04"])
    index_case(first.pk)
    index_case(second.pk)
    before = (list(SimilarityMatch.objects.values_list("case_id", "other_id", "kind", "score")),
              SimilarityKey.objects.filter(case=second).count())

    index_case(second.pk)
    index_case(first.pk)

    after = (list(SimilarityMatch.objects.values_list("case_id", "other_id", "kind", "score")),
             SimilarityKey.objects.filter(case=second).count())
    assert before == after
    assert before[1] > 0


@pytest.mark.django_db
def test_a_narrative_whose_check_has_not_passed_is_not_read(make_case):
    first = make_case(BASES["05"])
    unchecked = make_case(BASES["05"], check_state="pending", honours="省级专精特新企业")

    index_case(first.pk)
    index_case(unchecked.pk)

    fingerprint = TextFingerprint.objects.get(case=unchecked)
    assert (fingerprint.source, fingerprint.text) == ("form", f"{unchecked.title}\n省级专精特新企业")
    assert not SimilarityMatch.objects.filter(kind=MatchKind.TEXT).exists()


@pytest.mark.django_db
def test_a_draft_is_neither_indexed_nor_found(make_case):
    submitted = make_case(BASES["06"])
    draft = make_case(BASES["06"], status=CaseStatus.DRAFT)
    index_case(submitted.pk)

    assert index_case(draft.pk) is None

    assert not TextFingerprint.objects.filter(case=draft).exists()
    assert not SimilarityMatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["resized", "recompressed", "cropped"])
def test_the_same_photo_resized_recompressed_or_cropped_is_found(make_case, change):
    picture = scene(7)
    width, height = picture.size
    altered = {
        "resized": jpeg(picture.resize((600, 400))),
        "recompressed": jpeg(picture, quality=35),
        "cropped": jpeg(picture.crop((int(width * 0.06), 0, width, int(height * 0.94)))),
    }[change]
    first = make_case(BASES["10"], photos=[jpeg(scene(1)), jpeg(picture)])
    second = make_case(BASES["11"], photos=[altered, jpeg(scene(2))])
    index_case(first.pk)

    index_case(second.pk)

    match = SimilarityMatch.objects.get()
    assert match.kind == MatchKind.PHOTO
    [pair] = match.details["photos"]
    assert (pair["a"], pair["b"]) == (first.uploads.get(slot="photo_product").pk, second.uploads.get(slot="photo_exterior").pk)
    assert pair["distance"] <= 10


@pytest.mark.django_db
def test_different_photos_are_not_matched(make_case):
    first = make_case(BASES["10"], photos=[jpeg(scene(seed)) for seed in (1, 2, 3)])
    second = make_case(BASES["11"], photos=[jpeg(scene(seed)) for seed in (4, 5, 6)])
    index_case(first.pk)

    index_case(second.pk)

    assert PhotoFingerprint.objects.count() == 6
    assert not SimilarityMatch.objects.exists()


@pytest.mark.django_db
def test_the_same_enterprise_through_two_channels_is_reported_even_with_different_texts(make_case):
    enterprise = factories.enterprise(name="山西晋北煤业集团有限公司")
    first = make_case(BASES["01"], enterprise=enterprise)
    second = make_case(BASES["14"], enterprise=enterprise)
    # Another enterprise row under another association, the same name with other punctuation.
    other_channel = factories.enterprise(factories.park(), name="山西晋北煤业集团 有限公司")
    third = make_case(BASES["22"], enterprise=other_channel)
    index_case(first.pk)
    index_case(second.pk)

    index_case(third.pk)

    found = {(m.case_id, m.other_id): m.details["reason"] for m in SimilarityMatch.objects.filter(kind=MatchKind.IDENTITY)}
    assert found == {(first.pk, second.pk): "credit_code", (first.pk, third.pk): "name", (second.pk, third.pk): "name"}


@pytest.mark.django_db
def test_submitting_queues_the_indexing(monkeypatch, django_capture_on_commit_callbacks):
    moment = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    factories.freeze_now(monkeypatch, moment)
    from cases.services import submit_case
    from cases.similarity import services

    indexed = []
    monkeypatch.setattr(services, "index_case", lambda case_id: indexed.append(case_id))
    case = factories.complete_case()
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)

    with django_capture_on_commit_callbacks(execute=True):
        submit_case(case=case, actor=member, now=moment)

    assert indexed == [case.pk]


@pytest.mark.django_db
def test_closing_a_campaign_queues_the_indexing_of_its_cases(make_case, django_capture_on_commit_callbacks):
    from review.closing.services import close_campaign

    campaign = Campaign.objects.current()
    cases = [make_case(BASES["17"]), make_case(BASES["17"])]
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())

    with django_capture_on_commit_callbacks(execute=True):
        close_campaign(campaign=campaign, actor=staff)

    assert TextFingerprint.objects.filter(case__in=cases).count() == 2
    assert SimilarityMatch.objects.filter(kind=MatchKind.TEXT).count() == 1

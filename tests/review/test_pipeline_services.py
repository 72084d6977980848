import threading

import docx
import pytest
from django.db import connection

from cases.enums import CaseStatus, Tier
from cases.models import Case, CaseTransition, DeadlineExtension
from cases.workflow import TransitionRefused
from review.models import Batch, BatchStatus
from review.services import (
    BatchRefused,
    apply_city_selection,
    attach_signed_scan,
    decide_case,
    extend_deadline,
    forward_batch,
    generate_summary_tables,
    open_batch,
    rank_batch,
)
from tests.review.conftest import EARLY, make_case, pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]


def ready_park_batch(world, titles=("甲", "乙")):
    cases = [make_case(world, world["enterprises"][i], CaseStatus.ASSOCIATION_RECOMMENDED, title) for i, title in enumerate(titles)]
    batch = open_batch(organisation=world["park"], campaign=world["campaign"])
    return batch, cases


def prepared(batch, actor):
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    attach_signed_scan(batch=batch, upload=pdf_upload(), actor=actor)
    batch.refresh_from_db()
    return batch


def test_association_decisions_move_the_case_and_a_return_needs_a_reason(county_world):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "案例")
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    with pytest.raises(TransitionRefused, match="请填写原因"):
        decide_case(case=case, tier=Tier.ASSOCIATION, decision="return", actor=park_staff)
    decide_case(case=case, tier=Tier.ASSOCIATION, decision="return", actor=park_staff, reason="缺少盖章扫描件")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RETURNED
    with pytest.raises(TransitionRefused, match="Unknown|未知"):
        decide_case(case=case, tier=Tier.ASSOCIATION, decision="pass", actor=park_staff)


def test_open_batch_follows_the_ready_cases_and_keeps_the_order(county_world):
    batch, (first, second) = ready_park_batch(county_world)
    assert list(batch.items.order_by("rank").values_list("case__title", flat=True)) == ["甲", "乙"]
    rank_batch(batch=batch, ordered_case_ids=[second.pk, first.pk], presenter_case_ids={first.pk}, contact="张三 13800000000",
               actor=county_world["staff"][Tier.ASSOCIATION])
    third = make_case(county_world, county_world["enterprises"][2], CaseStatus.ASSOCIATION_RECOMMENDED, "丙")
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    assert list(batch.items.order_by("rank").values_list("case__title", "is_presenter_candidate")) == [
        ("乙", False), ("甲", True), ("丙", False)]
    Case.objects.filter(pk=first.pk).update(status=CaseStatus.SUBMITTED)  # recommendation undone
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    assert list(batch.items.order_by("rank").values_list("case__title", "rank")) == [("乙", 1), ("丙", 2)]
    assert third.pk in set(batch.items.values_list("case_id", flat=True))


def test_summary_table_shows_the_ranked_list(county_world):
    batch, _ = ready_park_batch(county_world)
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    document = docx.Document(batch.summary_docx.open("rb"))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert text.index("甲") < text.index("乙")
    assert batch.generation_state == "done" and batch.summary_xlsx


def test_forward_needs_the_scan_of_the_current_list(county_world):
    batch, (first, second) = ready_park_batch(county_world)
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    with pytest.raises(BatchRefused, match="汇总表"):
        forward_batch(batch=batch, actor=park_staff)
    batch = prepared(batch, park_staff)
    # Reordering after the scan makes the scan stale.
    rank_batch(batch=batch, ordered_case_ids=[second.pk, first.pk], presenter_case_ids=set(), contact="", actor=park_staff)
    with pytest.raises(BatchRefused, match="重新生成|generate"):
        forward_batch(batch=batch, actor=park_staff)


def test_forward_moves_every_case_to_the_county_in_order_and_records_it(county_world, django_capture_on_commit_callbacks):
    batch, cases = ready_park_batch(county_world)
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    batch = prepared(batch, park_staff)
    with django_capture_on_commit_callbacks(execute=True):
        forward_batch(batch=batch, actor=park_staff)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FORWARDED and batch.forwarded_by == park_staff
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)) == {CaseStatus.COUNTY_REVIEW}
    reasons = list(CaseTransition.objects.filter(to_status=CaseStatus.COUNTY_REVIEW).order_by("reason").values_list("reason", flat=True))
    assert reasons == ["作为排名第 1 位报送。", "作为排名第 2 位报送。"]
    with pytest.raises(BatchRefused, match="已于"):
        forward_batch(batch=batch, actor=park_staff)


def test_attach_scan_refuses_a_file_that_is_not_a_pdf(county_world):
    batch, _ = ready_park_batch(county_world)
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(BatchRefused, match="PDF"):
        attach_signed_scan(batch=batch, upload=SimpleUploadedFile("scan.pdf", b"\x89PNG not a pdf"), actor=None)
    with pytest.raises(BatchRefused, match="空"):
        attach_signed_scan(batch=batch, upload=SimpleUploadedFile("scan.pdf", b""), actor=None)


@pytest.mark.django_db(transaction=True)
def test_two_staff_forwarding_at_once_forward_once(county_world):
    batch, cases = ready_park_batch(county_world)
    park_staff = county_world["staff"][Tier.ASSOCIATION]
    batch = prepared(batch, park_staff)
    outcomes = []
    barrier = threading.Barrier(2)

    def press_forward():
        try:
            barrier.wait()
            forward_batch(batch=Batch.objects.get(pk=batch.pk), actor=park_staff, now=EARLY)
            outcomes.append("forwarded")
        except BatchRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=press_forward) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["forwarded", "refused"]
    assert CaseTransition.objects.filter(to_status=CaseStatus.COUNTY_REVIEW).count() == len(cases)


def city_pool(world, park_count: int, other_count: int):
    """Cases at the city's review: `park_count` through the park, `other_count` through the enterprise association."""
    from tests import factories

    cases = []
    for i in range(park_count):
        enterprise = factories.enterprise(world["park"], name=f"园区第{i}企业有限公司")
        cases.append(make_case(world, enterprise, CaseStatus.CITY_REVIEW, f"园区案例{i:02d}"))
    for i in range(other_count):
        enterprise = factories.enterprise(world["enterprise_association"], name=f"企业科协第{i}企业有限公司")
        cases.append(make_case(world, enterprise, CaseStatus.CITY_REVIEW, f"企业科协案例{i:02d}"))
    return cases


def test_city_forward_enforces_the_rules_of_attachment_2(county_world):
    pool = city_pool(county_world, park_count=5, other_count=17)  # 太原: quota 20 cases, 2 presenters
    city_staff = county_world["staff"][Tier.CITY]
    park_cases = [c for c in pool if c.title.startswith("园区")]
    others = [c for c in pool if c.title.startswith("企业科协")]
    # 5 park cases + 15 others = 20, but 5 < 30% of 20 = 6.
    selected = {c.pk for c in park_cases + others[:15]}
    batch = apply_city_selection(city=county_world["city"], campaign=county_world["campaign"], selected_ids=selected,
                                 presenter_ids={park_cases[0].pk}, actor=city_staff)
    batch = prepared(batch, city_staff)
    with pytest.raises(BatchRefused, match="园区科协"):
        forward_batch(batch=batch, actor=city_staff)


def test_city_forward_with_a_valid_list_leaves_the_rest_not_selected(county_world):
    pool = city_pool(county_world, park_count=6, other_count=16)
    city_staff = county_world["staff"][Tier.CITY]
    park_cases = [c for c in pool if c.title.startswith("园区")]
    others = [c for c in pool if c.title.startswith("企业科协")]
    selected = {c.pk for c in park_cases + others[:14]}
    batch = apply_city_selection(city=county_world["city"], campaign=county_world["campaign"], selected_ids=selected,
                                 presenter_ids={park_cases[0].pk, park_cases[1].pk}, actor=city_staff)
    batch = prepared(batch, city_staff)
    forward_batch(batch=batch, actor=city_staff)
    statuses = dict(Case.objects.filter(pk__in=[c.pk for c in pool]).values_list("title", "status"))
    assert sum(1 for s in statuses.values() if s == CaseStatus.PROVINCE_REVIEW) == 20
    assert statuses["企业科协案例14"] == statuses["企业科协案例15"] == CaseStatus.CITY_NOT_SELECTED
    assert set(Case.objects.filter(is_presenter_candidate=True).values_list("pk", flat=True)) == {park_cases[0].pk, park_cases[1].pk}


def test_a_city_list_longer_than_the_quota_is_refused(county_world):
    pool = city_pool(county_world, park_count=7, other_count=14)
    with pytest.raises(BatchRefused, match="21"):
        apply_city_selection(city=county_world["city"], campaign=county_world["campaign"], selected_ids={c.pk for c in pool},
                             presenter_ids=set(), actor=county_world["staff"][Tier.CITY])
    assert not Case.objects.filter(status=CaseStatus.CITY_SELECTED).exists()


def test_extension_is_audited_mailed_and_reopens_the_stage(county_world, django_capture_on_commit_callbacks, mailoutbox):
    import datetime

    from cases.models import AuditEvent

    park_staff = county_world["staff"][Tier.ASSOCIATION]
    park_staff.email = "park@example.com"
    park_staff.save()
    with pytest.raises(Exception, match="原因"):
        extend_deadline(campaign=county_world["campaign"], tier=Tier.ASSOCIATION, closes_on=datetime.date(2024, 9, 8),
                        reason=" ", actor=county_world["staff"][Tier.PROVINCE], organisation=county_world["park"])
    with django_capture_on_commit_callbacks(execute=True):
        extension = extend_deadline(campaign=county_world["campaign"], tier=Tier.ASSOCIATION, closes_on=datetime.date(2024, 9, 8),
                                    reason="汛期停电", actor=county_world["staff"][Tier.PROVINCE], organisation=county_world["park"])
    assert DeadlineExtension.objects.get() == extension
    event = AuditEvent.objects.get()
    assert event.details["reason"] == "汛期停电" and event.actor == county_world["staff"][Tier.PROVINCE]
    assert mailoutbox[0].to == ["park@example.com"] and "2024-09-08" in mailoutbox[0].subject
    # The association may now act on 09-07, after the campaign's 09-06.
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, "迟到")
    decide_case(case=case, tier=Tier.ASSOCIATION, decision="recommend", actor=park_staff,
                now=datetime.datetime(2024, 9, 7, 12, 0, tzinfo=EARLY.tzinfo))
    assert case.status == CaseStatus.ASSOCIATION_RECOMMENDED


def test_extension_must_be_later_than_the_campaign_deadline(county_world):
    import datetime

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="2024-09-06"):
        extend_deadline(campaign=county_world["campaign"], tier=Tier.ASSOCIATION, closes_on=datetime.date(2024, 9, 5),
                        reason="x", actor=None, organisation=county_world["park"])

"""Submitting a case: what blocks it, double submits (also two at once), the deadline in Beijing
time, extensions, and the returned case coming back with its reasons."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier, UploadSlot, ValidationState
from cases.models import CaseTransition, DeadlineExtension, Upload
from cases.services import SubmissionRefused, submit_case
from cases.workflow import TransitionRefused, transition_case
from tests import factories

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
LAST_MINUTE = datetime.datetime(2024, 9, 2, 23, 59, 59, tzinfo=BEIJING)
MIDNIGHT = datetime.datetime(2024, 9, 3, 0, 0, tzinfo=BEIJING)
ERROR = {"rule": "photo.too_small", "severity": "error", "message": "照片小于2MB", "expected": "", "found": "", "location": "", "fix": ""}
WARNING = {**ERROR, "rule": "narrative.length", "severity": "warning", "message": "字数略多"}


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def case(db):
    return factories.complete_case(title="煤矸石综合利用新工艺")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


@pytest.mark.django_db
def test_a_complete_case_is_submitted_and_audited(case, member):
    submit_case(case=case, actor=member, now=OPEN)
    case.refresh_from_db()
    record = CaseTransition.objects.get()
    assert (case.status, case.submitted_at) == (CaseStatus.SUBMITTED, OPEN)
    assert (record.from_status, record.to_status, record.actor) == (CaseStatus.DRAFT, CaseStatus.SUBMITTED, member)


@pytest.mark.django_db
def test_every_missing_slot_and_field_is_named(member, case):
    Upload.objects.filter(slot__in=[UploadSlot.NARRATIVE, UploadSlot.PHOTO_SCENE]).delete()
    case.contact_phone = ""
    case.team = ""
    case.save()
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)
    assert refused.value.reasons == [
        "请填写推荐表：完成人员（团队）、联系电话。",
        "请上传“案例概要（Word）”。",
        "请上传“典型案例照片：场景图（JPG）”。",
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


@pytest.mark.django_db
def test_the_narrative_is_not_needed_when_the_form_word_carries_it(member, case):
    Upload.objects.filter(slot=UploadSlot.NARRATIVE).delete()
    factories.upload(case, UploadSlot.FORM_WORD, factories.docx_bytes("推荐表"), "推荐表.docx")
    submit_case(case=case, actor=member, now=OPEN)
    assert CaseTransition.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("state", [ValidationState.PENDING, ValidationState.RUNNING])
def test_a_running_check_blocks_submission(member, case, state):
    Upload.objects.filter(slot=UploadSlot.FORM_SCAN).update(validation_state=state)
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)
    assert refused.value.reasons == ["“推荐表盖章扫描.pdf”（推荐表盖章扫描版（PDF））正在检查中，请稍候再试。"]


@pytest.mark.django_db
def test_an_error_finding_blocks_submission_and_a_warning_does_not(member, case):
    Upload.objects.filter(slot=UploadSlot.PHOTO_EXTERIOR).update(findings=[ERROR, WARNING])
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)
    assert refused.value.reasons == ["“煤矸石综合利用新工艺+企业外景.jpg”（企业外景照片（JPG））有 1 处问题须先修改，例如：照片小于2MB"]
    Upload.objects.filter(slot=UploadSlot.PHOTO_EXTERIOR).update(findings=[WARNING])
    submit_case(case=case, actor=member, now=OPEN)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


@pytest.mark.django_db
def test_an_earlier_version_with_errors_does_not_block(member, case):
    factories.upload(case, UploadSlot.PHOTO_SCENE, factories.jpeg_bytes(), "旧场景图.jpg", findings=[ERROR], superseded=True)
    submit_case(case=case, actor=member, now=OPEN)
    assert CaseTransition.objects.count() == 1


@pytest.mark.django_db
def test_a_second_submit_gets_a_clear_message_and_changes_nothing(member, case):
    submit_case(case=case, actor=member, now=OPEN)
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)
    assert refused.value.reasons == ["此案例已于 2024-08-20 10:00 提交，当前状态为“待园区（企业）科协审核”，无需再次提交。"]
    assert CaseTransition.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_make_one_transition():
    case = factories.complete_case()
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            submit_case(case=case, actor=member, now=OPEN)
            outcomes.append("submitted")
        except SubmissionRefused as refused:
            outcomes.append(refused.reasons[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("submitted") == 1
    assert [outcome for outcome in outcomes if outcome != "submitted"][0].startswith("此案例已于")
    assert CaseTransition.objects.filter(case=case).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("moment, submitted", [(LAST_MINUTE, True), (MIDNIGHT, False)])
def test_submission_closes_at_midnight_beijing_time(member, case, moment, submitted):
    if submitted:
        submit_case(case=case, actor=member, now=moment)
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED
    else:
        with pytest.raises(TransitionRefused, match="2024年9月2日 24:00"):
            submit_case(case=case, actor=member, now=moment)
        assert CaseTransition.objects.count() == 0


@pytest.mark.django_db
def test_midnight_utc_is_still_open_in_beijing(member, case):
    utc_midnight = datetime.datetime(2024, 9, 2, 16, 0, tzinfo=datetime.UTC)  # 2024年9月2日 24:00 in Beijing
    with pytest.raises(TransitionRefused):
        submit_case(case=case, actor=member, now=utc_midnight)
    submit_case(case=case, actor=member, now=utc_midnight - datetime.timedelta(seconds=1))
    assert CaseTransition.objects.count() == 1


@pytest.mark.django_db
def test_an_extension_lets_the_enterprise_submit_later(member, case):
    DeadlineExtension.objects.create(campaign=case.campaign, tier=Tier.ENTERPRISE, enterprise=case.enterprise,
                                     closes_on=datetime.date(2024, 9, 4), reason="停电")
    submit_case(case=case, actor=member, now=MIDNIGHT)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


@pytest.mark.django_db
def test_only_the_enterprises_users_may_submit(case):
    staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    with pytest.raises(TransitionRefused):
        submit_case(case=case, actor=staff, now=OPEN)


# --- through the pages -------------------------------------------------------------------

@pytest.mark.django_db
def test_the_case_page_lists_what_is_missing_and_the_countdown(signed_in, case):
    Upload.objects.filter(slot=UploadSlot.FORM_SCAN).delete()
    html = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "提交前还需完成" in html
    assert "<li>请上传“推荐表盖章扫描版（PDF）”。</li>" in html
    assert "截止时间 2024年9月2日 24:00（北京时间）：剩余 13 天 14 小时 0 分钟。" in html
    assert f'action="{reverse("cases:case_submit", args=[case.pk])}"' in html


@pytest.mark.django_db
def test_submitting_from_the_page_refused_then_accepted(signed_in, case):
    Upload.objects.filter(slot=UploadSlot.FORM_SCAN).update(validation_state=ValidationState.RUNNING)
    refused = signed_in.post(reverse("cases:case_submit", args=[case.pk]), follow=True)
    assert "正在检查中，请稍候再试。" in refused.content.decode()
    Upload.objects.filter(slot=UploadSlot.FORM_SCAN).update(validation_state=ValidationState.DONE)
    accepted = signed_in.post(reverse("cases:case_submit", args=[case.pk]), follow=True)
    html = accepted.content.decode()
    assert accepted.redirect_chain == [(reverse("cases:case_detail", args=[case.pk]), 302)]
    assert "已提交至所属科协，可在本页查看审核进度。" in html
    assert 'class="status status-submitted">待园区（企业）科协审核</span>' in html
    again = signed_in.post(reverse("cases:case_submit", args=[case.pk]), follow=True)
    assert "无需再次提交" in again.content.decode()
    assert CaseTransition.objects.count() == 1


@pytest.mark.django_db
def test_after_the_deadline_the_page_is_read_only(signed_in, case, member, monkeypatch):
    factories.freeze_now(monkeypatch, MIDNIGHT)
    signed_in.force_login(member)
    html = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "截止时间已过（2024-09-03" not in html
    # The next step says the deadline passed and what is still possible, never "submit before the deadline".
    assert '<p class="next-step">提交截止时间（2024年9月2日 24:00，北京时间）已过：此草稿不能再提交。</p>' in html
    assert "在截止时间前提交" not in html and "剩余" not in html
    assert "此案例现为只读。 <span class=\"still-possible\">如仍需提交，请联系所属园区（企业）科协向省科技创新服务中心申请延期；批准后本页面会重新开放。</span>" in html
    assert reverse("cases:case_submit", args=[case.pk]) not in html


@pytest.mark.django_db
def test_a_returned_case_shows_the_reasons_and_is_resubmitted(signed_in, case, member):
    submit_case(case=case, actor=member, now=OPEN)
    reviewer = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    transition_case(case, to=CaseStatus.RETURNED, actor=reviewer, reason="企业外景照片不清晰，请更换。", now=OPEN)
    html = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert '<section class="card returned" role="alert">' in html
    assert "企业外景照片不清晰，请更换。" in html
    assert "重新提交" in html
    after_enterprise_deadline = datetime.datetime(2024, 9, 5, 9, 0, tzinfo=BEIJING)
    submit_case(case=case, actor=member, now=after_enterprise_deadline)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert list(case.transitions.order_by("pk").values_list("to_status", flat=True)) == [
        CaseStatus.SUBMITTED, CaseStatus.RETURNED, CaseStatus.SUBMITTED]


@pytest.mark.django_db
def test_the_progress_lists_every_move(signed_in, case, member):
    submit_case(case=case, actor=member, now=OPEN)
    html = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert '<ol class="timeline">' in html
    assert "<time>2024-08-20 10:00</time>" in html

"""Mail kinds and the province's templates: Chinese defaults, editing rules, and the fallback to the
default (logged, shown to the province) when a saved template cannot be rendered."""

import datetime
import logging

import pytest

from cases.enums import CaseStatus, Tier
from cases.workflow import transition_case
from mail.kinds import editable_kinds, get_kind
from mail.models import MailTemplate, OutboxMail
from mail.rendering import PLACEHOLDER, render_default, render_mail
from mail.services import MailRefused, reset_template, save_template
from tests import factories

pytestmark = pytest.mark.django_db

BEFORE_THE_DEADLINES = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.mark.parametrize("kind", editable_kinds(), ids=lambda kind: kind.key)
def test_every_default_renders_in_chinese_with_its_examples(kind):
    rendered = render_default(kind, kind.examples())
    assert rendered.subject.startswith("【创新案例征集平台】")
    assert "{" not in rendered.subject + rendered.body and "}" not in rendered.subject + rendered.body
    # Every placeholder of the kind is used by its default somewhere, so the list shown is honest.
    used = set(PLACEHOLDER.findall(str(kind.default_subject) + str(kind.default_body)))
    assert used == set(kind.names)


def test_a_template_of_the_province_replaces_the_default():
    staff = factories.user("province_staff", organisation_=factories.province())
    save_template(kind="case_returned", subject="退回：{case_title}", body="{case_title}需修改：{reason}\n请于三日内重新提交。", actor=staff)
    rendered = render_mail("case_returned", {"case_title": "甲案例", "reason": "缺少盖章页"})
    assert (rendered.subject, rendered.body, rendered.used_default) == (
        "退回：甲案例", "甲案例需修改：缺少盖章页\n请于三日内重新提交。\n", False)


@pytest.mark.parametrize(("subject", "body", "message"), [
    ("退回：{case_name}", "{reason}", "主题使用了本邮件没有的占位符 {case_name}。请只使用列出的占位符：{case_title}、{reason}。"),
    ("退回：{case_title}", "原因：{reason", "正文中有不成对的花括号。占位符请写成 {名称} 的形式，不要单独使用 { 或 }。"),
    ("退回：{case_title}\n第二行", "{reason}", "主题只能有一行。"),
    ("  ", "{reason}", "主题为空：请填写内容，或恢复默认文本。"),
])
def test_saving_refuses_a_template_that_would_not_render(subject, body, message):
    staff = factories.user("province_staff", organisation_=factories.province())
    with pytest.raises(MailRefused) as refused:
        save_template(kind="case_returned", subject=subject, body=body, actor=staff)
    assert str(refused.value) == message
    assert MailTemplate.objects.count() == 0


def test_the_other_kind_has_no_template():
    staff = factories.user("province_staff", organisation_=factories.province())
    with pytest.raises(MailRefused, match="这类邮件没有可编辑的模板。"):
        save_template(kind="other", subject="x", body="y", actor=staff)
    with pytest.raises(MailRefused):
        save_template(kind="no_such_kind", subject="x", body="y", actor=staff)


def test_a_broken_template_falls_back_to_the_default_warns_and_never_blocks_the_transition(
        outbox_backend, caplog, mailoutbox, django_capture_on_commit_callbacks):
    # A template that no longer fits its kind (saved before a placeholder was renamed, or edited in the database).
    MailTemplate.objects.create(kind="case_returned", subject="退回：{case_name}", body="{reason}")
    enterprise = factories.enterprise()
    member = factories.user("enterprise_user", enterprise_=enterprise)
    member.email = "qiye@example.com"
    member.save()
    association_staff = factories.user("association_staff", organisation_=enterprise.association)
    case = factories.case(enterprise, status=CaseStatus.SUBMITTED, title="甲案例")
    with caplog.at_level(logging.WARNING, logger="mail.rendering"), django_capture_on_commit_callbacks(execute=True):
        transition_case(case, to=CaseStatus.RETURNED, actor=association_staff, reason="缺少盖章页。",
                        now=BEFORE_THE_DEADLINES)
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    assert [m.subject for m in mailoutbox] == ["【创新案例征集平台】已退回修改：甲案例"]
    template = MailTemplate.objects.get()
    assert template.problem == "主题使用了本邮件没有的占位符 {case_name}。请只使用列出的占位符：{case_title}、{reason}。"
    assert template.problem_at is not None
    assert ["mail template case_returned cannot be rendered, the default is sent instead"] == [
        record.getMessage().split(":")[0] for record in caplog.records if record.name == "mail.rendering"]
    assert OutboxMail.objects.get().kind == "case_returned"


def test_saving_again_clears_the_problem_and_reset_restores_the_default():
    staff = factories.user("province_staff", organisation_=factories.province())
    MailTemplate.objects.create(kind="case_returned", subject="{x}", body="{reason}", problem="旧问题")
    save_template(kind="case_returned", subject="退回：{case_title}", body="{reason}", actor=staff)
    template = MailTemplate.objects.get()
    assert (template.problem, template.problem_at, template.updated_by) == ("", None, staff)
    assert reset_template(kind="case_returned", actor=staff) == 1
    assert render_mail("case_returned", {"case_title": "甲", "reason": "乙"}).subject == "【创新案例征集平台】已退回修改：甲"


def test_an_unknown_kind_named_by_a_caller_counts_as_other():
    assert get_kind("registration_approved_not_registered_yet").key == "other"

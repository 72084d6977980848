"""The province's outbox and template pages: failures visible, resending, editing with a preview."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.enums import Role
from mail.enums import MailState
from mail.models import MailTemplate, OutboxMail
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_client(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="sheng")
    client.force_login(staff)
    client.staff = staff
    return client


def mail_row(**fields):
    values = {"kind": "case_returned", "to": "qiye@example.com", "from_email": "p@example.com",
              "subject": "【创新案例征集平台】已退回修改：甲案例", "body": "您的案例“甲案例”已被退回修改。", "state": MailState.SENT, "attempts": 1}
    values.update(fields)
    return OutboxMail.objects.create(**values)


@pytest.mark.parametrize("name,args", [("review:mail_outbox", []), ("review:mail_templates", []),
                                       ("review:mail_template_edit", ["case_returned"]), ("review:announcement_list", [])])
def test_the_mail_pages_are_for_provincial_staff_only(client, name, args):
    city_staff = factories.user(Role.CITY_STAFF, organisation_=factories.city())
    client.force_login(city_staff)
    assert client.get(reverse(name, args=args)).status_code == 404


def test_the_outbox_shows_failures_with_their_error_and_the_workbench_counts_them(province_client):
    mail_row(state=MailState.FAILED, attempts=8, to="bad@example.com",
             last_error="无法连接邮件服务器（smtp.example.org:587），平台会自动重试。 [ConnectionRefusedError: refused]")
    mail_row()
    page = province_client.get(reverse("review:mail_outbox")).content.decode()
    assert "bad@example.com" in page and "无法连接邮件服务器（smtp.example.org:587）" in page
    assert "重发全部 1 封发送失败的邮件" in page
    home = province_client.get(reverse("home")).content.decode()
    assert "1 封发送失败" in home and f'{reverse("review:mail_outbox")}?state=failed' in home
    only_failed = province_client.get(reverse("review:mail_outbox"), {"state": "failed"}).content.decode()
    assert "bad@example.com" in only_failed and "qiye@example.com" not in only_failed


def test_the_outbox_list_costs_the_same_queries_for_one_or_three_mails(province_client):
    mail_row()
    province_client.get(reverse("review:mail_outbox"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        province_client.get(reverse("review:mail_outbox"))
    mail_row(resent_by=province_client.staff)
    mail_row(state=MailState.FAILED)
    with CaptureQueriesContext(connection) as three:
        province_client.get(reverse("review:mail_outbox"))
    assert len(one.captured_queries) == len(three.captured_queries)


def test_resend_from_the_page_queues_the_mail_and_sends_it(province_client, outbox_backend, mailoutbox, django_capture_on_commit_callbacks):
    mail = mail_row(state=MailState.FAILED, attempts=8, last_error="拒收")
    with django_capture_on_commit_callbacks(execute=True):
        response = province_client.post(reverse("review:mail_resend", args=[mail.pk]), follow=True)
    assert "发给 qiye@example.com 的邮件已重新排队发送。" in response.content.decode()
    mail.refresh_from_db()
    assert (mail.state, mail.resent_by) == (MailState.SENT, province_client.staff)
    assert [m.subject for m in mailoutbox] == ["【创新案例征集平台】已退回修改：甲案例"]


def test_resend_all_failed_from_the_page(province_client, outbox_backend, mailoutbox, django_capture_on_commit_callbacks):
    mail_row(state=MailState.FAILED, to="a@example.com")
    mail_row(state=MailState.FAILED, to="b@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = province_client.post(reverse("review:mail_resend_failed"), follow=True)
    assert "2 封发送失败的邮件已重新排队发送。" in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]


def test_the_detail_shows_a_templated_body_but_never_a_private_one(province_client):
    shown = mail_row()
    hidden = mail_row(kind="other", subject="重置密码", body="https://portal.example/reset/MQ/secret-token/", state=MailState.FAILED)
    assert "您的案例“甲案例”已被退回修改。" in province_client.get(reverse("review:mail_detail", args=[shown.pk])).content.decode()
    page = province_client.get(reverse("review:mail_detail", args=[hidden.pk])).content.decode()
    assert "secret-token" not in page and "此邮件正文不予显示" in page
    assert "secret-token" not in province_client.get(reverse("review:mail_outbox")).content.decode()


def test_the_template_page_previews_without_saving_then_saves(province_client):
    url = reverse("review:mail_template_edit", args=["case_returned"])
    page = province_client.get(url).content.decode()
    assert "{case_title}" in page and "审核人填写的原因" in page  # placeholders listed with their meaning
    assert "您的案例“{case_title}”已被退回修改。" in page  # the default, ready to edit
    preview = province_client.post(url, {"action": "preview", "subject": "退回：{case_title}", "body": "原因：{reason}"})
    text = preview.content.decode()
    assert "退回：智能矿山综合管控平台建设" in text and "原因：企业外景照片不足2MB，请上传原始照片。" in text
    assert MailTemplate.objects.count() == 0
    saved = province_client.post(url, {"action": "save", "subject": "退回：{case_title}", "body": "原因：{reason}"}, follow=True)
    assert "模板已保存，此类邮件今后将使用新模板。" in saved.content.decode()
    assert MailTemplate.objects.get().subject == "退回：{case_title}"


def test_a_wrong_placeholder_is_explained_and_not_saved(province_client):
    url = reverse("review:mail_template_edit", args=["case_returned"])
    for action in ("preview", "save"):
        page = province_client.post(url, {"action": action, "subject": "退回：{title}", "body": "{reason}"}).content.decode()
        assert "主题使用了本邮件没有的占位符 {title}。请只使用列出的占位符：{case_title}、{reason}。" in page
    assert MailTemplate.objects.count() == 0


def test_a_broken_template_is_marked_on_both_pages_and_reset_restores_the_default(province_client):
    MailTemplate.objects.create(kind="case_returned", subject="{case_name}", body="{reason}", problem="主题使用了本邮件没有的占位符 {case_name}。")
    assert "主题使用了本邮件没有的占位符 {case_name}。" in province_client.get(reverse("review:mail_outbox")).content.decode()
    listing = province_client.get(reverse("review:mail_templates")).content.decode()
    assert "无法使用：改发默认文本" in listing
    url = reverse("review:mail_template_edit", args=["case_returned"])
    response = province_client.post(url, {"action": "reset"}, follow=True)
    assert "已恢复使用默认文本。" in response.content.decode()
    assert MailTemplate.objects.count() == 0


def test_an_unknown_or_fixed_kind_has_no_template_page(province_client):
    assert province_client.get(reverse("review:mail_template_edit", args=["other"])).status_code == 404
    assert province_client.get(reverse("review:mail_template_edit", args=["nothing"])).status_code == 404

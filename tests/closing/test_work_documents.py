"""活动方案 and 工作总结 at every tier (附件1 四(三)): counties, park / enterprise associations and the
co-organisers upload them like the cities, each with the campaign's deadline, late marks, reminders,
the PDF/Word checks, the province's view of who has delivered per tier and city, and the archive."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.enums import AuditAction, OrganisationKind, Role, Stage, Tier
from cases.models import AuditEvent, CoOrganiser, DeadlineExtension
from cases.uploads import UploadRejected
from review.closing.archive import archive_members
from review.closing.models import WorkDocumentKind
from review.closing.work_documents import delivery, holder_key, store_work_document
from review.reminders import send_deadline_reminders
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def tree():
    campaign = world.campaign()
    campaign.activity_plan_deadline = datetime.date(2024, 8, 15)
    campaign.work_summary_deadline = datetime.date(2024, 8, 23)
    campaign.save()
    city = factories.city("太原市")
    county = factories.county(city, name="小店区科协")
    park = factories.park(county, name="示范园区科协")
    return {"campaign": campaign, "city": city, "county": county, "park": park,
            "county_staff": factories.user(Role.COUNTY_STAFF, organisation_=county),
            "park_staff": factories.user(Role.ASSOCIATION_STAFF, organisation_=park),
            "province": world.province_staff()}


def word(name: str, text: str = "工作总结") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, factories.docx_bytes(text))


def test_a_county_and_a_park_upload_their_plan_and_summary_and_a_late_one_is_marked(tree):
    campaign = tree["campaign"]

    plan = store_work_document(campaign=campaign, kind="plan", holder=tree["county"], actor=tree["county_staff"],
                               uploaded_file=word("小店区活动方案.docx", "活动方案"), now=NOW)
    summary = store_work_document(campaign=campaign, kind="summary", holder=tree["park"], actor=tree["park_staff"],
                                  uploaded_file=SimpleUploadedFile("园区工作总结.pdf", factories.pdf_bytes()), now=NOW)

    plans = delivery(campaign, WorkDocumentKind.PLAN, NOW)
    taiyuan = plans.cities[0]
    assert taiyuan.city == tree["city"]
    [county_cell] = [cell for cell in taiyuan.tiers[1].cells if cell.holder == tree["county"]]
    assert (county_cell.document, county_cell.late) == (plan, True)  # the plan was due 2024-08-15
    [park_cell] = [cell for cell in taiyuan.tiers[2].cells if cell.holder == tree["park"]]
    assert (park_cell.delivered, park_cell.overdue) == (False, True)
    summaries = delivery(campaign, WorkDocumentKind.SUMMARY, NOW)
    [park_summary] = [cell for cell in summaries.cities[0].tiers[2].cells if cell.holder == tree["park"]]
    assert (park_summary.document, park_summary.late, summary.kind) == (summary, False, "summary")
    assert AuditEvent.objects.filter(action=AuditAction.WORK_DOCUMENT_UPLOADED).count() == 2


def test_the_provinces_view_counts_per_tier_and_city(tree):
    store_work_document(campaign=tree["campaign"], kind="summary", holder=tree["county"], actor=tree["county_staff"],
                        uploaded_file=word("总结.docx"), now=NOW)

    report = delivery(tree["campaign"], WorkDocumentKind.SUMMARY, NOW)

    taiyuan, datong = report.cities[0], report.cities[1]
    assert [(row.tier, row.delivered, len(row.cells)) for row in taiyuan.tiers] == [
        (Tier.CITY, 0, 1), (Tier.COUNTY, 1, 1), (Tier.ASSOCIATION, 0, 1)]
    assert [(row.tier, row.delivered, len(row.cells)) for row in datong.tiers] == [
        (Tier.CITY, 0, 1), (Tier.COUNTY, 0, 0), (Tier.ASSOCIATION, 0, 0)]
    assert [(tier, delivered, expected) for tier, delivered, expected in report.totals()] == [
        (Tier.CITY, 0, 11), (Tier.COUNTY, 1, 1), (Tier.ASSOCIATION, 0, 1)]
    assert [cell.holder.name for cell in report.co_organisers][:2] == ["山西省科学技术厅", "山西省工业和信息化厅"]
    assert len(report.co_organisers) == 8  # the notice's co-organisers, loaded with the 2024 campaign


def test_the_checks_and_who_may_upload(tree):
    campaign, county = tree["campaign"], tree["county"]
    with pytest.raises(UploadRejected, match="只有本单位工作人员或省级工作人员可以上传其工作总结"):
        store_work_document(campaign=campaign, kind="summary", holder=county, actor=tree["park_staff"],
                            uploaded_file=word("总结.docx"), now=NOW)
    with pytest.raises(UploadRejected, match="请以 Word（.docx、.doc）或 PDF 文件上传活动方案"):
        store_work_document(campaign=campaign, kind="plan", holder=county, actor=tree["county_staff"],
                            uploaded_file=SimpleUploadedFile("方案.txt", b"text"), now=NOW)
    with pytest.raises(UploadRejected, match="不是真正的 DOCX 文件"):
        store_work_document(campaign=campaign, kind="plan", holder=county, actor=tree["county_staff"],
                            uploaded_file=SimpleUploadedFile("方案.docx", b"plain text, renamed"), now=NOW)
    with pytest.raises(UploadRejected, match="只有市、县"):
        store_work_document(campaign=campaign, kind="plan", holder=factories.province(), actor=tree["province"],
                            uploaded_file=word("方案.docx"), now=NOW)
    # Provincial staff may upload for anyone (a department that mailed its summary in).
    store_work_document(campaign=campaign, kind="plan", holder=county, actor=tree["province"],
                        uploaded_file=word("方案.docx"), now=NOW)


def test_a_co_organisers_own_account_uploads_and_a_stranger_cannot(client, tree):
    department = CoOrganiser.objects.get(campaign=tree["campaign"], name="山西省总工会")
    observer = factories.user(Role.OBSERVER, organisation_=factories.province())
    department.members.add(observer)
    client.force_login(observer)

    page = client.get(reverse("review:closing_summaries")).content.decode()
    client.post(reverse("review:closing_document_upload", args=[holder_key(department), "summary"]),
                {"file": word("总工会工作总结.docx")})

    assert "山西省总工会" in page and "山西省科学技术厅" not in page
    assert delivery(tree["campaign"], "summary", NOW).co_organisers[5].delivered
    client.force_login(tree["county_staff"])
    other = CoOrganiser.objects.get(campaign=tree["campaign"], name="山西省工商业联合会")
    response = client.post(reverse("review:closing_document_upload", args=[holder_key(other), "summary"]),
                           {"file": word("总结.docx")})
    assert response.status_code == 404


def test_a_park_sees_only_its_own_card_and_the_province_sees_every_tier(client, tree):
    client.force_login(tree["park_staff"])
    page = client.get(reverse("review:closing_summaries")).content.decode()
    assert f'id="documents-{holder_key(tree["park"])}"' in page and "小店区科协" not in page
    assert client.get(reverse("review:closing_document_download", args=[holder_key(tree["county"]), "plan"])).status_code == 404

    client.force_login(tree["province"])
    page = client.get(reverse("review:closing_summaries")).content.decode()
    assert 'id="delivery-plan"' in page and 'id="delivery-summary"' in page and "示范园区科协" in page


def test_reminders_go_to_those_without_the_document_3_and_1_days_before(tree, mailoutbox):
    tree["county_staff"].email = "county@example.com"
    tree["county_staff"].save()
    tree["park_staff"].email = "park@example.com"
    tree["park_staff"].save()
    store_work_document(campaign=tree["campaign"], kind="summary", holder=tree["park"], actor=tree["park_staff"],
                        uploaded_file=word("总结.docx"), now=NOW)

    send_deadline_reminders(now=datetime.datetime(2024, 8, 20, 9, 0, tzinfo=BEIJING))  # summaries due 08-23

    summary_mails = [message for message in mailoutbox if "工作总结" in message.subject]
    assert [message.to for message in summary_mails] == [["county@example.com"]]
    assert "小店区科协的工作总结" in summary_mails[0].body
    assert send_deadline_reminders(now=datetime.datetime(2024, 8, 20, 9, 0, tzinfo=BEIJING)) == 0


def test_an_extension_for_one_county_moves_its_deadline_and_its_late_mark(tree):
    from review.services import extend_deadline

    extend_deadline(campaign=tree["campaign"], tier=Stage.ACTIVITY_PLAN, closes_on=datetime.date(2024, 8, 25),
                    reason="县里人手不足", actor=tree["province"], organisation=tree["county"])
    store_work_document(campaign=tree["campaign"], kind="plan", holder=tree["county"], actor=tree["county_staff"],
                        uploaded_file=word("方案.docx"), now=NOW)

    report = delivery(tree["campaign"], "plan", NOW)
    [cell] = [cell for cell in report.cities[0].tiers[1].cells if cell.holder == tree["county"]]
    assert (cell.late, cell.window.last_day) == (False, datetime.date(2024, 8, 25))
    assert DeadlineExtension.objects.get().tier == Stage.ACTIVITY_PLAN


def test_the_archive_holds_every_tiers_documents_by_city(tree):
    store_work_document(campaign=tree["campaign"], kind="summary", holder=tree["park"], actor=tree["park_staff"],
                        uploaded_file=word("总结.docx"), now=NOW)
    store_work_document(campaign=tree["campaign"], kind="plan", holder=tree["county"], actor=tree["county_staff"],
                        uploaded_file=word("方案.docx"), now=NOW)
    department = CoOrganiser.objects.get(campaign=tree["campaign"], name="山西省总工会")
    store_work_document(campaign=tree["campaign"], kind="summary", holder=department, actor=tree["province"],
                        uploaded_file=SimpleUploadedFile("总工会.pdf", factories.pdf_bytes()), now=NOW)

    names = {member.arcname for member in archive_members(tree["campaign"])
             if member.arcname.startswith(("工作总结/", "活动方案/"))}

    assert names == {"工作总结/太原市/示范园区科协+工作总结.docx", "活动方案/太原市/小店区科协+活动方案.docx",
                     "工作总结/协办单位/山西省总工会+工作总结.pdf"}

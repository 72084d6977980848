"""The public campaign page (issue 14 item 5; notice 三(一), 五): reachable without signing in, the
notice's text, the 征集标准, 附件1–6 as Word, the timeline with today's stage, the contacts the
province edits, and how an enterprise takes part."""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from docx import Document

from cases.models import Campaign, CampaignContact
from portal.queries import campaign_timeline
from tests import factories

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def seeded_campaign() -> Campaign:
    """The 2024 campaign with the rows its data migrations load (idempotent after a flush too)."""
    importlib.import_module("cases.migrations.0018_campaign_notice_2024").load(apps, None)
    importlib.import_module("review.migrations.0004_scoring_criteria_2024").load(apps, None)
    return Campaign.objects.get(year=2024)


@pytest.fixture
def on_day(monkeypatch):
    def set_day(year, month, day, hour=10):
        moment = datetime.datetime(year, month, day, hour, tzinfo=BEIJING)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_day


def test_anonymous_visitors_read_the_whole_page(client, on_day):
    seeded_campaign()
    on_day(2024, 9, 4)

    response = client.get(reverse("campaign_page"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "2024年山西省企业典型创新案例征集及宣讲活动" in page and "晋科协发〔2024〕22号" in page
    assert "以习近平新时代中国特色社会主义思想为指导" in page  # 一、指导思想
    assert "一线创新与转型升级" in page and "坚守在企业一线" in page  # 征集标准
    assert "照片压缩文件夹以“单位名称+照片”为标题" in page  # 附件1
    assert "王红玉 15835106130" in page and "sxkczxqcb@163.com" in page  # 五、联系方式
    assert f'href="{reverse("accounts:register")}"' in page
    for number in range(1, 7):
        assert f'href="{reverse("campaign_attachment", args=[number])}"' in page


def test_today_is_the_stage_whose_day_has_not_passed(on_day):
    campaign = seeded_campaign()

    marks = {}
    for day in ((2024, 8, 20), (2024, 9, 2), (2024, 9, 3), (2024, 9, 12), (2024, 9, 20)):
        on_day(*day)
        stages = campaign_timeline(campaign)
        marks[day] = ([stage.is_today for stage in stages], [stage.passed for stage in stages])

    assert marks[(2024, 8, 20)] == ([True, False, False, False, False], [False] * 5)
    assert marks[(2024, 9, 2)][0] == [True, False, False, False, False]  # the deadline day is still open
    assert marks[(2024, 9, 3)] == ([False, True, False, False, False], [True, False, False, False, False])
    assert marks[(2024, 9, 12)][0] == [False, False, False, True, False]
    assert marks[(2024, 9, 20)] == ([False, False, False, False, True], [True, True, True, True, False])


def test_the_page_marks_todays_stage_and_writes_deadlines_as_every_page_does(client, on_day):
    seeded_campaign()
    on_day(2024, 9, 10)

    page = client.get(reverse("campaign_page")).content.decode()

    today = page.split('aria-current="step"')[1].split("</li>")[0]
    assert "2024年9月11日 24:00" in today and "县（市、区）科协资格审查" in today


def test_a_closed_campaign_marks_no_stage(on_day):
    campaign = seeded_campaign()
    campaign.closed_at = timezone.now()
    on_day(2024, 9, 4)

    assert [stage.is_today for stage in campaign_timeline(campaign)] == [False] * 5


def test_contacts_are_the_provinces_data(client):
    campaign = seeded_campaign()
    CampaignContact.objects.filter(campaign=campaign, value__startswith="李阳").update(value="李阳 13900001111")
    CampaignContact.objects.create(campaign=campaign, position=99, label="微信群", value="请联系市科协加入")

    page = client.get(reverse("campaign_page")).content.decode()

    assert "李阳 13900001111" in page and "13603513802" not in page
    assert "请联系市科协加入" in page


def test_the_province_edits_the_contacts_in_the_campaign_admin(client):
    campaign = seeded_campaign()
    client.force_login(factories.user(factories.Role.PROVINCE_STAFF, organisation_=factories.province()))

    page = client.get(reverse("admin:cases_campaign_change", args=[campaign.pk])).content.decode()

    assert 'name="contacts-0-value"' in page and "王红玉 15835106130" in page
    assert 'name="notice-0-text"' in page


@pytest.mark.parametrize(
    ("number", "title", "text"),
    [
        (1, "2024年山西省企业典型创新案例征集报送材料要求", "所有报送材料以电子版和纸质版两种方式报送。"),
        (2, "2024年山西省企业典型创新案例推荐名额分配表", "太原市"),
        (3, "2024年山西省企业典型创新案例推荐表", "案例名称"),
        (4, "2024年山西省企业典型创新案例园区（企业）科协推荐汇总表", "园区（企业）科协（盖章）"),
        (5, "2024年山西省企业典型创新案例县（市、区）科协推荐汇总表", "县（市、区）科协（盖章）"),
        (6, "2024年山西省企业典型创新案例市科协推荐汇总表", "市科协（盖章）"),
    ],
)
def test_each_attachment_downloads_as_word_without_signing_in(client, number, title, text):
    seeded_campaign()

    response = client.get(reverse("campaign_attachment", args=[number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"] == content_disposition_header(True, f"附件{number}+{title}.docx")
    document = Document(io.BytesIO(response.content))
    words = "\n".join([p.text for p in document.paragraphs]
                      + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    assert title in words and text in words


def test_the_quota_attachment_is_the_campaigns_table(client):
    seeded_campaign()

    document = Document(io.BytesIO(client.get(reverse("campaign_attachment", args=[2])).content))

    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["序号", "地区", "企业典型创新案例推荐数量", "典型案例宣讲推荐数量"]
    assert rows[1] == ["1", "太原市", "20", "2"]
    assert rows[-1] == ["", "合计", "120", "14"]


def test_an_attachment_the_notice_does_not_have_is_a_404(client):
    seeded_campaign()

    assert client.get(reverse("campaign_attachment", args=[7])).status_code == 404


def test_the_sign_in_page_links_to_the_campaign_page(client):
    assert f'href="{reverse("campaign_page")}"' in client.get(reverse("login")).content.decode()

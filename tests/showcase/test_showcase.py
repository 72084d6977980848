"""The showcase (issue 20): what is public (one rule), consent recorded per campaign, the
province's approval and unpublishing, no phone numbers or contact names ever, earlier campaigns
kept, the presenters' programme and 微视频."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, CaseType, UploadSlot
from cases.models import Campaign
from review.models import Selection, SelectionState
from showcase import services
from showcase.models import PresenterTalk, ShowcaseAction, ShowcaseEvent, ShowcaseStory, StoryState
from showcase.queries import published_cases
from showcase.services import ShowcaseRefused
from tests import factories
from tests.review import review_world as world
from tests.showcase import showcase_world as show

pytestmark = pytest.mark.django_db

CONTACT_NAME, CONTACT_PHONE = "王联系", "13700001234"


def _public_pages(client, case, photo, video) -> dict[str, str]:
    urls = {
        "index": reverse("showcase:index"), "case": reverse("showcase:case", args=[case.pk]),
        "programme": reverse("showcase:programme"), "videos": reverse("showcase:videos"),
    }
    return {name: client.get(url).content.decode() for name, url in urls.items()}


def test_a_published_winner_is_on_every_public_page_without_contact_name_or_phone(client):
    # Arrange: a published winner with a photo, a video and a talk in the programme.
    case = show.winner(presenter=True)
    photo, video = show.add_photo(case), show.add_video(case)
    show.publish(case)
    PresenterTalk.objects.create(campaign=case.campaign, case=case, place="太原市科技馆报告厅",
                                 starts_at=datetime.datetime(2024, 11, 20, 9, 30, tzinfo=datetime.UTC))

    # Act
    pages = _public_pages(client, case, photo, video)

    # Assert
    assert case.title in pages["index"] and case.title in pages["case"] and case.title in pages["videos"]
    assert "太原市科技馆报告厅" in pages["programme"] and "2024年11月20日 17:30" in pages["programme"]
    assert "项目投产后每年减少固废堆存八十万吨" in pages["case"]
    assert f'href="/certificates/verify/?number=SX{case.campaign.year}-001-TEST"' in pages["case"]
    assert f'src="{reverse("showcase:video", args=[case.pk])}"' in pages["case"]
    assert f'poster="{reverse("showcase:media", args=[video.pk, "poster"])}"' in pages["case"]
    for name, page in pages.items():
        assert CONTACT_NAME not in page and CONTACT_PHONE not in page and "137****1234" not in page, name


@pytest.mark.parametrize("missing", ["final", "consent", "approval", "province"])
def test_a_case_is_public_only_when_final_consented_approved_and_not_taken_down(client, missing):
    case = show.winner()
    staff = show.publish(case)
    if missing == "final":
        Selection.objects.filter(campaign=case.campaign).update(state=SelectionState.PUBLISHED)
    elif missing == "consent":
        services.set_consent(case=case, actor=case.enterprise_user, given=False)
    elif missing == "approval":
        ShowcaseStory.objects.filter(case=case).update(public_text="")
    else:
        services.unpublish_case(case=case, actor=staff, reason="核实中")

    assert list(published_cases()) == []
    assert client.get(reverse("showcase:case", args=[case.pk])).status_code == 404
    assert case.title not in client.get(reverse("showcase:index")).content.decode()


def test_withdrawn_consent_takes_the_page_photos_and_video_down_at_once_and_is_recorded(client):
    # Arrange: published, and its page already stored in the cache by an anonymous visit.
    case = show.winner()
    photo, video = show.add_photo(case), show.add_video(case)
    show.publish(case)
    page_url = reverse("showcase:case", args=[case.pk])
    assert client.get(page_url).status_code == 200
    assert client.get(page_url)["X-Public-Cache"] == "hit"

    # Act
    services.set_consent(case=case, actor=case.enterprise_user, given=False)

    # Assert: nothing of it answers any more, and the record says who withdrew when.
    for url in (page_url, reverse("showcase:media", args=[photo.pk, "thumb"]), reverse("showcase:video", args=[case.pk]),
                reverse("showcase:media", args=[video.pk, "poster"]), reverse("showcase:case_qr", args=[case.pk])):
        assert client.get(url).status_code == 404, url
    assert case.title not in client.get(reverse("showcase:index")).content.decode()
    actions = list(ShowcaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("action", "actor_id", "campaign_id"))
    assert actions[0] == (ShowcaseAction.CONSENT_GIVEN, case.enterprise_user.pk, case.campaign_id)
    assert actions[-1] == (ShowcaseAction.CONSENT_WITHDRAWN, case.enterprise_user.pk, case.campaign_id)


def test_consent_is_per_campaign_an_earlier_campaign_stays_listed():
    # Arrange: last year's published winner and this year's, each with its own consent.
    earlier = Campaign.objects.create(year=2023, title="2023年活动", enterprise_deadline="2023-09-01",
                                      association_deadline="2023-09-05", county_deadline="2023-09-10",
                                      city_deadline="2023-09-13")
    old = show.winner(title="往年案例")
    old.campaign = earlier
    old.save()
    Selection.objects.create(campaign=earlier, state=SelectionState.FINAL)
    show.publish(old)
    new = show.winner(title="今年案例", rank=2)

    # Assert: consent of the earlier campaign does not publish this year's case of the same kind.
    assert list(published_cases().values_list("title", flat=True)) == ["往年案例"]
    show.publish(new)
    assert sorted(published_cases().values_list("campaign__year", flat=True)) == [2023, 2024]


def test_filters_by_year_city_and_type(client):
    a = show.winner("太原市", "甲案例", rank=1, case_type=CaseType.TECHNOLOGICAL)
    b = show.winner("大同市", "乙案例", rank=2, case_type=CaseType.PROCESS)
    show.publish(a)
    show.publish(b)

    def titles(**query):
        page = client.get(reverse("showcase:index"), query).content.decode()
        return [title for title in ("甲案例", "乙案例") if f">{title}</h2>" in page]

    assert titles() == ["甲案例", "乙案例"]
    assert titles(city="大同市") == ["乙案例"]
    assert titles(type="technological") == ["甲案例"]
    assert titles(year="2024", city="太原市", type="process") == []
    assert titles(year="2023") == []


def test_a_story_with_a_phone_number_or_the_contact_name_is_refused_in_chinese():
    case = show.winner()
    for text, found in ((show.STORY + "咨询电话 0351-7333497。", "0351-7333497"),
                        (show.STORY + "联系 138 1234 5678", "138 1234 5678"),
                        (show.STORY + f"负责人{CONTACT_NAME}介绍", CONTACT_NAME)):
        with pytest.raises(ShowcaseRefused) as refused:
            services.submit_story(case=case, actor=case.enterprise_user, text=text)
        assert str(refused.value) == f"公开简介中不能包含电话号码或联系人姓名（发现：{found}）。请删除后重新提交。"
    assert not ShowcaseStory.objects.filter(case=case, state=StoryState.SUBMITTED).exists()


def test_who_may_do_what():
    case = show.winner()
    other = factories.user("enterprise_user", enterprise_=factories.enterprise())
    staff = world.province_staff()
    with pytest.raises(ShowcaseRefused):
        services.set_consent(case=case, actor=other, given=True)
    with pytest.raises(ShowcaseRefused):
        services.submit_story(case=case, actor=staff, text=show.STORY)
    services.submit_story(case=case, actor=case.enterprise_user, text=show.STORY)
    with pytest.raises(ShowcaseRefused):
        services.approve_story(case=case, actor=case.enterprise_user)
    with pytest.raises(ShowcaseRefused):
        services.unpublish_case(case=case, actor=staff, reason="  ")
    services.return_story(case=case, actor=staff, reason="请补充成果数据")
    with pytest.raises(ShowcaseRefused):
        services.approve_story(case=case, actor=staff)  # nothing waits any more
    not_winner = world.city_case("大同市", status=CaseStatus.NOT_WINNER)
    with pytest.raises(ShowcaseRefused):
        services.set_consent(case=not_winner, actor=factories.user("enterprise_user", enterprise_=not_winner.enterprise),
                             given=True)


def test_an_edit_waits_for_approval_while_the_approved_text_stays_public(client):
    case = show.winner()
    staff = show.publish(case)
    services.submit_story(case=case, actor=case.enterprise_user, text="新的简介：" + show.STORY)

    page = client.get(reverse("showcase:case", args=[case.pk])).content.decode()
    assert "新的简介" not in page and "项目投产后" in page
    services.approve_story(case=case, actor=staff)
    assert "新的简介" in client.get(reverse("showcase:case", args=[case.pk])).content.decode()


def test_the_enterprise_gives_and_withdraws_consent_on_its_page(client):
    case = show.winner()
    client.force_login(case.enterprise_user)
    url = reverse("showcase:story_edit", args=[case.pk])
    page = client.get(url).content.decode()
    assert "我同意公开发布" in page

    client.post(reverse("showcase:story_consent", args=[case.pk]), {"consent": "give"})
    client.post(url, {"text": show.STORY})
    assert ShowcaseStory.objects.get(case=case).consent_given is True
    assert ShowcaseStory.objects.get(case=case).state == StoryState.SUBMITTED
    client.post(reverse("showcase:story_consent", args=[case.pk]), {"consent": "withdraw"})
    assert ShowcaseStory.objects.get(case=case).consent_given is False
    # Another enterprise's user cannot open it.
    client.force_login(factories.user("enterprise_user", enterprise_=factories.enterprise()))
    assert client.get(url).status_code == 404


def test_the_province_approves_and_unpublishes_from_its_page(client):
    case = show.winner()
    services.set_consent(case=case, actor=case.enterprise_user, given=True)
    services.submit_story(case=case, actor=case.enterprise_user, text=show.STORY)
    client.force_login(world.province_staff())
    assert show.STORY.splitlines()[1] in client.get(reverse("showcase:manage")).content.decode()

    client.post(reverse("showcase:manage_approve", args=[case.pk]))
    assert list(published_cases()) == [case]
    client.post(reverse("showcase:manage_unpublish", args=[case.pk]), {"reason": "企业更名，待核实"})
    assert list(published_cases()) == []
    assert ShowcaseStory.objects.get(case=case).hidden_reason == "企业更名，待核实"
    client.post(reverse("showcase:manage_republish", args=[case.pk]))
    assert list(published_cases()) == [case]
    client.force_login(case.enterprise_user)
    assert client.get(reverse("showcase:manage")).status_code == 404
    assert client.post(reverse("showcase:manage_unpublish", args=[case.pk]), {"reason": "x"}).status_code == 404


def test_the_programme_keeps_a_talk_of_an_unpublished_case_without_naming_it(client):
    case = show.winner(presenter=True)
    PresenterTalk.objects.create(campaign=case.campaign, case=case, place="大同会展中心",
                                 starts_at=timezone.now() + datetime.timedelta(days=3))

    page = client.get(reverse("showcase:programme")).content.decode()

    assert "大同会展中心" in page and case.title not in page and "宣讲代表待公布" in page


def test_the_list_takes_the_same_number_of_queries_for_one_or_three_cases(client, django_assert_num_queries):
    first = show.winner(title="案例一")
    show.add_photo(first)
    show.publish(first)
    client.get(reverse("showcase:index"), {"type": "technological"})  # warm up the template caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("showcase:index"), {"city": "太原市"})
    for number, region in ((2, "大同市"), (3, "朔州市")):
        case = show.winner(region, f"案例{number}", rank=number)
        show.add_photo(case)
        show.add_photo(case, UploadSlot.PHOTO_SCENE)
        show.publish(case)
    with CaptureQueriesContext(connection) as three:
        client.get(reverse("showcase:index"), {"year": "2024"})
    assert len(three) == len(one)

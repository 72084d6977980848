"""WeChat group display names (附件1 九) and the short-name suggestions."""

import pytest

from cases.documents.wechat import display_name, shorten_case_title, shorten_unit_name, suggest_short_names, wechat_display_name


@pytest.mark.parametrize(
    ("unit", "short"),
    [
        ("山西美锦能源股份有限公司", "美锦能源"),
        ("太原重工股份有限公司", "太原重工"),  # 重工 alone says too little
        ("山西焦煤集团有限责任公司", "山西焦煤"),
        ("山西省太原市晋阳高端装备科技有限公司", "晋阳高端装备科技"),
        ("太原市龙城新材料技术开发有限公司", "龙城新材料技术"),
        ("中国电子科技集团公司第三十三研究所", "中国电子科技集团"),
        ("华阳新材料科技集团有限公司", "华阳新材料科技"),
        ("晋能控股装备制造集团（山西）有限公司", "晋能控股装备制造"),
        ("", ""),
    ],
)
def test_unit_short_name_suggestions(unit, short):
    assert shorten_unit_name(unit) == short
    assert len(short) <= 8


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("基于数字孪生的智能焦化工艺创新案例", "智能焦化工艺"),
        ("关于煤矿智能化开采的实践与探索", "煤矿智能化开采"),
        ("攻坚克难铸重器——大型轧机国产化研发纪实", "攻坚克难铸重器"),
        ("《智慧矿山》创新案例", "智慧矿山"),
        ("基于5G的矿山", "5G矿山"),
        ("一种超长标题的高端装备制造领域关键核心技术攻关", "一种超长标题的高端装"),
        ("氢能重卡", "氢能重卡"),
        ("", ""),
    ],
)
def test_case_title_short_suggestions(title, short):
    assert shorten_case_title(title) == short
    assert len(short) <= 10


def test_suggest_short_names_returns_title_then_unit():
    assert suggest_short_names("基于数字孪生的智能焦化工艺创新案例", "山西美锦能源股份有限公司") == ("智能焦化工艺", "美锦能源")


def test_display_name_joins_with_single_spaces_and_skips_empty_parts():
    assert display_name("太原", "智能 焦化", "美锦能源") == "太原 智能焦化 美锦能源"
    assert display_name("太原", "", "美锦能源") == "太原 美锦能源"


@pytest.mark.django_db
def test_wechat_display_name_uses_suggestions_when_nothing_was_entered(case):
    assert wechat_display_name(case) == "太原 智能焦化工艺 美锦能源"


@pytest.mark.django_db
def test_wechat_display_name_prefers_the_entered_short_names(case):
    case.short_title = "数字焦炉"
    case.unit_short_name = "美锦"

    assert wechat_display_name(case) == "太原 数字焦炉 美锦"


@pytest.mark.django_db
def test_wechat_display_name_uses_the_enterprise_short_name_before_a_suggestion(case):
    case.enterprise.short_name = "美锦集团"

    assert wechat_display_name(case) == "太原 智能焦化工艺 美锦集团"


@pytest.mark.django_db
def test_city_without_short_name_is_derived_from_its_region(case, city):
    city.short_name = ""
    city.save()

    assert wechat_display_name(case) == "太原 智能焦化工艺 美锦能源"

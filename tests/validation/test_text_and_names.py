"""Word's 字数 and the notice's file-name patterns."""

from __future__ import annotations

import pytest

from cases.validation.names import follows_pattern, squeeze
from cases.validation.wordcount import word_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("创新案例", 4),
        ("创新，案例。", 6),  # full-width punctuation counts
        ("Hello world", 2),
        ("2024年营收3.5亿元", 7),  # 2024 | 年 | 营 | 收 | 3.5 | 亿 | 元
        ("H.264编码", 3),
        ("“金疙瘩”", 5),
        ("   ", 0),
        ("A　B", 2),  # the ideographic space separates words
    ],
)
def test_word_count_as_word_counts(text, expected):
    assert word_count(text) == expected


@pytest.mark.parametrize(
    "name",
    ["太原市+示例公司+煤矸石利用", "太原市＋示例公司＋煤矸石利用", "太原市 示例公司 煤矸石利用", "太原市示例公司煤矸石利用", "太原市-示例公司_煤矸石利用"],
)
def test_names_follow_the_pattern_whatever_the_separator(name):
    assert follows_pattern(name, leading=["太原市", "示例公司", "煤矸石利用"])


def test_parts_must_be_in_order():
    assert not follows_pattern("示例公司+太原市+煤矸石利用", leading=["太原市", "示例公司", "煤矸石利用"])


def test_unknown_parts_must_still_be_present():
    assert follows_pattern("太原市+示例公司+煤矸石利用", leading=[None, "示例公司", None])
    assert not follows_pattern("示例公司+煤矸石利用", leading=[None, "示例公司", None])


def test_squeeze_normalises_full_width_forms():
    assert squeeze("ＡＢＣ＋企业外景") == squeeze("abc+企业外景") == "abc企业外景"

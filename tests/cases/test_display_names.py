"""Long and odd file names keep what the name rules read: the extension and the part after the last
“+” (企业外景, 实物图, 视频); the middle is cut instead."""

import pytest

from cases.uploads import MAX_NAME_LENGTH, display_name


def test_a_long_photo_name_keeps_its_suffix_part_and_extension():
    raw = "a" * 300 + "+企业外景.jpg"

    shown = display_name(raw, fallback_extension="jpg")

    assert len(shown) == MAX_NAME_LENGTH
    assert shown.endswith("…+企业外景.jpg")
    assert shown == "a" * (MAX_NAME_LENGTH - len("…+企业外景.jpg")) + "…+企业外景.jpg"


def test_a_long_name_without_a_plus_keeps_its_start_and_its_end():
    raw = "开头" + "中" * 400 + "结尾.docx"

    shown = display_name(raw)

    assert len(shown) == MAX_NAME_LENGTH
    assert shown.startswith("开头中") and shown.endswith("中结尾.docx") and shown.count("…") == 1


def test_a_long_last_part_is_cut_too_so_the_start_survives():
    raw = "案例" + "+" + "尾" * 400 + ".mp4"

    shown = display_name(raw)

    assert len(shown) == MAX_NAME_LENGTH
    assert shown.startswith("案例+尾") and shown.endswith("尾.mp4")


def test_a_long_name_with_a_long_unknown_ending_is_cut_as_a_whole():
    raw = "x" * 150 + "." + "y" * 100

    shown = display_name(raw)

    assert len(shown) == MAX_NAME_LENGTH
    assert shown.startswith("x" * 50) and shown.endswith("y" * 50)


@pytest.mark.parametrize(("raw", "shown"), [
    (".jpg", "file.jpg"),
    ("..jpg", "file.jpg"),
    ("folder/.jpg", "file.jpg"),
    (".hidden+企业外景.jpg", "hidden+企业外景.jpg"),
    ("甲案例+企业外景.jpg", "甲案例+企业外景.jpg"),
    ("a" * 196 + ".jpg", "a" * 196 + ".jpg"),  # exactly the limit: unchanged
])
def test_names_that_are_only_an_extension_keep_it(raw, shown):
    from django.utils import translation

    with translation.override("en"):
        assert display_name(raw, fallback_extension="jpg") == shown

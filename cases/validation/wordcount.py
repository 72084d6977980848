"""Word's 字数 (Review → Word Count), the count the notice's "2000字" means.

Word counts each CJK character and each full-width punctuation mark as one, and each run of other
non-space characters (an English word, a number such as 2024 or 3.5%) as one. docProps/app.xml holds
a count too, but it is whatever the last saving program wrote, so we never trust it.
"""

from __future__ import annotations

import unicodedata


def is_cjk_unit(character: str) -> bool:
    """True for a character Word counts on its own: CJK ideographs, kana, hangul, full-width forms
    and CJK punctuation (，。、；：？！“”‘’（）《》【】…—)."""
    code = ord(character)
    if (
        0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x3FFFF  # extensions B and later
        or 0x3000 <= code <= 0x303F  # CJK symbols and punctuation
        or 0x3040 <= code <= 0x30FF  # kana
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xFF01 <= code <= 0xFF60  # full-width forms
        or 0xFFE0 <= code <= 0xFFE6
        or 0xFE30 <= code <= 0xFE4F  # CJK compatibility forms
    ):
        return code != 0x3000  # the ideographic space is a space
    # Curly quotes, dashes and the ellipsis are full-width in Chinese text and Word counts them alone.
    return character in "‘’“”—…·"


def word_count(text: str) -> int:
    """Word's 字数 of `text`."""
    count = 0
    in_word = False
    for character in text:
        if is_cjk_unit(character):
            count += 1
            in_word = False
        elif character.isspace() or unicodedata.category(character) in ("Zs", "Cc", "Cf"):
            in_word = False
        elif not in_word:
            count += 1
            in_word = True
    return count


def contains_cjk(text: str) -> bool:
    return any(is_cjk_unit(character) for character in text)

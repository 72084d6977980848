"""Checks of the narrative (案例概要) against 附件1/附件3's 格式要求.

Title: first text paragraph (or a Heading 1 among the first three); subtitle: the next text
paragraph; body: every later paragraph that holds text, except picture captions (a short
paragraph right after a picture that starts with 图 — the notice's rules concern 正文). Paragraphs
holding only pictures have no text and so are exempt from indent and line spacing.
Body findings are grouped: one finding per rule and wrong value, with the first paragraphs quoted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.validation import rules
from cases.validation.advertising import CATEGORY_LABELS, scan_passage, tells_no_story
from cases.validation.findings import Finding, join_places
from cases.validation.fonts import describe_size, font_family, points, size_name
from cases.validation.limits import NOTICE_FORMAT, ValidationContext
from cases.validation.names import squeeze
from cases.validation.narrative_locate import NarrativeText, locate_narrative, normalise_style_name
from cases.validation.styles import Resolved, Source, display_style_name, display_theme_font
from cases.validation.units import describe_bytes
from cases.validation.wordcount import contains_cjk, word_count
from cases.validation.wordml import Paragraph, WordDocument

TITLE_STYLE_NAMES = (normalise_style_name(NOTICE_FORMAT.title_style_name), normalise_style_name("标题 1"))
TITLE_SEARCH_DEPTH = 3  # a label such as “附页” may precede the title
CAPTION_PATTERN = re.compile(r"^\s*(图|Figure|Fig\.)\s*\S{0,4}")
CAPTION_MAX_CHARS = 40
OUTLINE_HEAD_CHARS = 40  # outline keywords are looked for at the start of a paragraph
SECOND_PART_NUMBERING = re.compile(r"^\s*(2|二|第二|（二）|\(二\))\s*[\.．、)）:：\s]")
QUOTE_CHARS = 12
MIN_NARRATIVE_CHARS = 20  # less is a note such as “见附页”, not a narrative
LOCATIONS_SHOWN = 3
PASSAGE_TEXT_CHARS = 600  # a flagged passage is kept this long for highlighting on the pages
EXCERPT_CHARS = 14  # context either side of the first sign in a location


def check_narrative(document: WordDocument, context: ValidationContext) -> list[Finding]:
    """The narrative slot: the narrative alone, or inside a 推荐表 someone uploaded here."""
    narrative = locate_narrative(document, TITLE_STYLE_NAMES)
    if is_empty(narrative):
        return [rules.NARRATIVE_EMPTY.finding(found=_("%(count)s characters") % {"count": _text_size(narrative)})]
    return _check_located(document, narrative, context)


def check_form_word(document: WordDocument, context: ValidationContext) -> list[Finding]:
    """The enterprise's own Word 推荐表 (附件3). It is what the package sends on in place of the
    form the portal fills, so the 案例概要 it carries (in its cell or on 附页 after the table) is
    held to the same rules as the narrative slot, and blocks alike; the form around it never is.
    A form whose narrative is a separate file (the cell says 见附页 and nothing follows) is fine:
    the narrative slot holds it. A document without the 附件3 table is not a 推荐表 at all."""
    narrative = locate_narrative(document, TITLE_STYLE_NAMES)
    if narrative.layout == "document":
        return [rules.FORM_NOT_RECOGNISED.finding()]
    if is_empty(narrative):
        return [rules.FORM_WITHOUT_NARRATIVE.finding()]
    return _check_located(document, narrative, context)


def _text_size(narrative: NarrativeText) -> int:
    return sum(word_count(paragraph.text) for paragraph in narrative.paragraphs if paragraph.has_text)


def is_empty(narrative: NarrativeText) -> bool:
    # Fewer characters than a sentence and no picture: a note such as “见附页”, not a narrative.
    return _text_size(narrative) < MIN_NARRATIVE_CHARS and not any(paragraph.pictures for paragraph in narrative.paragraphs)


@dataclass
class NarrativeParts:
    """The narrative's paragraphs as the rules see them: `numbered` (those with text or pictures,
    numbered from 1 in locations), the title, the subtitle (None if nothing follows the title) and
    the body (text paragraphs after the subtitle, picture captions excepted). The format fixer
    (cases.documents.narrative_fix) rewrites exactly these, so its output meets these rules."""

    numbered: list[Paragraph]
    text_paragraphs: list[Paragraph]
    title: Paragraph
    subtitle: Paragraph | None
    body: list[Paragraph]


def narrative_parts(document: WordDocument, narrative: NarrativeText) -> NarrativeParts:
    """Title, subtitle and body of a located, non-empty narrative."""
    numbered = [paragraph for paragraph in narrative.paragraphs if paragraph.has_text or paragraph.pictures]
    text_paragraphs = [paragraph for paragraph in numbered if paragraph.has_text]
    title = _choose_title(document, text_paragraphs)
    after_title = text_paragraphs[text_paragraphs.index(title) + 1 :]
    subtitle = after_title[0] if after_title else None
    first_body = numbered.index(subtitle) + 1 if subtitle else numbered.index(title) + 1
    return NarrativeParts(numbered, text_paragraphs, title, subtitle, _body_paragraphs(numbered[first_body:]))


def _check_located(document: WordDocument, narrative: NarrativeText, context: ValidationContext) -> list[Finding]:
    parts = narrative_parts(document, narrative)
    numbered, text_paragraphs, title, subtitle, body = parts.numbered, parts.text_paragraphs, parts.title, parts.subtitle, parts.body
    number_of = {id(paragraph): index + 1 for index, paragraph in enumerate(numbered)}

    def where(paragraph: Paragraph) -> str:
        return paragraph_location(number_of[id(paragraph)], paragraph.text)

    findings: list[Finding] = []
    findings += _check_title(document, title, where(title))
    if subtitle is not None:
        findings += _check_subtitle(document, subtitle, where(subtitle), context)
    findings += _check_body(document, body, where)
    findings += _check_outline(body)
    findings += _check_length(narrative, context)
    findings += _check_pictures(numbered, where, context)
    findings += check_advertising([(number_of[id(paragraph)], paragraph.text) for paragraph in text_paragraphs])
    return findings


def paragraph_location(number: int, text: str) -> str:
    stripped = text.strip()
    quote = stripped[:QUOTE_CHARS] + ("…" if len(stripped) > QUOTE_CHARS else "")
    if not quote:
        return _("paragraph %(number)s (picture)") % {"number": number}
    return _("paragraph %(number)s “%(quote)s”") % {"number": number, "quote": quote}


def _choose_title(document: WordDocument, text_paragraphs: list[Paragraph]) -> Paragraph:
    for paragraph in text_paragraphs[:TITLE_SEARCH_DEPTH]:
        if style_name_of(document, paragraph) in TITLE_STYLE_NAMES:
            return paragraph
    return text_paragraphs[0]


def style_name_of(document: WordDocument, paragraph: Paragraph) -> str:
    formatting = document.formatting
    return normalise_style_name(formatting.style_name(formatting.paragraph_style_id(paragraph.element)))


def _body_paragraphs(paragraphs: list[Paragraph]) -> list[Paragraph]:
    body: list[Paragraph] = []
    previous_had_picture = False
    for paragraph in paragraphs:
        is_caption = (
            previous_had_picture
            and len(paragraph.text.strip()) <= CAPTION_MAX_CHARS
            and CAPTION_PATTERN.match(paragraph.text) is not None
        )
        if paragraph.has_text and not is_caption:
            body.append(paragraph)
        previous_had_picture = bool(paragraph.pictures) and not paragraph.has_text
    return body


# --- effective values, described for users -------------------------------------------------------
# Each text says what Word uses and where it comes from, in the names Word's Chinese interface
# shows (段落样式“标题 1”, 主题正文字体（中文）), so the user can find the setting and change it.
def _with_source(value: str, source: Source) -> str:
    """“小四（12磅），来自直接设置的格式”."""
    return _("%(value)s, from %(source)s") % {"value": value, "source": source.describe()}


def _font_text(resolved: Resolved) -> str:
    source = resolved.source
    if source.theme_font:
        theme = display_theme_font(source.theme_font)
        if resolved.value:
            return _("%(font)s, from the %(theme)s set in %(place)s") % {
                "font": resolved.value, "theme": theme, "place": source.describe(),
            }
        return _("the %(theme)s set in %(place)s, but the document does not say which font that is") % {
            "theme": theme, "place": source.describe(),
        }
    if not source.is_set or not resolved.value:
        return _("no Chinese font set, so Word uses its own default")
    return _with_source(resolved.value, source)


def _size_text(resolved: Resolved) -> str:
    if not resolved.source.is_set:
        return _("no font size set, so Word uses %(size)s") % {"size": describe_size(resolved.value)}
    return _with_source(describe_size(resolved.value), resolved.source)


def _labelled_font(resolved: Resolved) -> str:
    """The font part of a title's finding: “字体为宋体，来自…”."""
    if resolved.source.is_set and (resolved.value or resolved.source.theme_font):
        return _("font is %(value)s") % {"value": _font_text(resolved)}
    return _font_text(resolved)


def _labelled_size(resolved: Resolved) -> str:
    if resolved.source.is_set:
        return _("size is %(value)s") % {"value": _size_text(resolved)}
    return _size_text(resolved)


def wrong_font(document: WordDocument, paragraph: Paragraph, family: str) -> Resolved | None:
    """The first Chinese run whose effective East Asian font is not `family`."""
    for run, text in paragraph.runs:
        if not contains_cjk(text):
            continue
        resolved = document.formatting.east_asia_font(paragraph.element, run)
        if font_family(resolved.value, document.formatting.alternate_names) != family:
            return resolved
    return None


def wrong_size(document: WordDocument, paragraph: Paragraph, half_points: int) -> Resolved | None:
    for run, text in paragraph.runs:
        if not text.strip():
            continue
        resolved = document.formatting.size(paragraph.element, run)
        if resolved.value != half_points:
            return resolved
    return None


def _paragraph_size(document: WordDocument, paragraph: Paragraph) -> int:
    for run, text in paragraph.runs:
        if text.strip():
            return document.formatting.size(paragraph.element, run).value
    return NOTICE_FORMAT.body_size_half_points


# --- title and subtitle ---------------------------------------------------------------------
def _check_title(document: WordDocument, title: Paragraph, location: str) -> list[Finding]:
    findings: list[Finding] = []
    if style_name_of(document, title) not in TITLE_STYLE_NAMES:
        stored_name = document.formatting.style_name(document.formatting.paragraph_style_id(title.element))
        style = display_style_name(stored_name) if stored_name else _("no style")
        findings.append(rules.TITLE_STYLE.finding(found=style, location=location))
    findings += _font_and_size(
        rules.TITLE_FONT, document, title, location,
        NOTICE_FORMAT.title_font_family, NOTICE_FORMAT.title_size_half_points,
    )
    return findings


def _check_subtitle(document: WordDocument, subtitle: Paragraph, location: str, context: ValidationContext) -> list[Finding]:
    findings = _font_and_size(
        rules.SUBTITLE_FONT, document, subtitle, location,
        NOTICE_FORMAT.subtitle_font_family, NOTICE_FORMAT.subtitle_size_half_points,
    )
    if context.unit_name and squeeze(subtitle.text) != squeeze(context.unit_name):
        findings.append(rules.SUBTITLE_TEXT.finding(found=subtitle.text.strip(), location=location, unit_name=context.unit_name))
    return findings


def _font_and_size(rule, document: WordDocument, paragraph: Paragraph, location: str, family: str, half_points: int) -> list[Finding]:
    found_font = wrong_font(document, paragraph, family)
    found_size = wrong_size(document, paragraph, half_points)
    if found_font is None and found_size is None:
        return []
    parts = ([_labelled_font(found_font)] if found_font else []) + ([_labelled_size(found_size)] if found_size else [])
    return [rule.finding(found=join_places(parts), location=location, size=size_name(half_points), font=family)]


# --- body -----------------------------------------------------------------------------------
def _check_body(document: WordDocument, body: list[Paragraph], where) -> list[Finding]:
    offenders: dict[str, dict[str, list[Paragraph]]] = {name: defaultdict(list) for name in ("font", "size", "indent", "spacing")}
    for paragraph in body:
        found_font = wrong_font(document, paragraph, NOTICE_FORMAT.body_font_family)
        if found_font is not None:
            offenders["font"][_font_text(found_font)].append(paragraph)
        found_size = wrong_size(document, paragraph, NOTICE_FORMAT.body_size_half_points)
        if found_size is not None:
            offenders["size"][_size_text(found_size)].append(paragraph)
        found_indent = indent_problem(document, paragraph)
        if found_indent:
            offenders["indent"][found_indent].append(paragraph)
        found_spacing = spacing_problem(document, paragraph)
        if found_spacing:
            offenders["spacing"][found_spacing].append(paragraph)

    parameters = {
        "font": NOTICE_FORMAT.body_font_family,
        "size": size_name(NOTICE_FORMAT.body_size_half_points),
        "chars": NOTICE_FORMAT.first_line_indent_chars // 100,
        "points": points(NOTICE_FORMAT.line_spacing_twips // 10),
    }
    findings: list[Finding] = []
    for key, rule in (("font", rules.BODY_FONT), ("size", rules.BODY_SIZE), ("indent", rules.INDENT), ("spacing", rules.LINE_SPACING)):
        for found, paragraphs in offenders[key].items():
            findings.append(rule.finding(found=found, location=_locations(paragraphs, where), count=len(paragraphs), **parameters))
    return findings


def _locations(paragraphs: list[Paragraph], where) -> str:
    shown = join_places([where(paragraph) for paragraph in paragraphs[:LOCATIONS_SHOWN]])
    if len(paragraphs) > LOCATIONS_SHOWN:
        return _("%(places)s and others (%(count)s paragraphs in all)") % {"places": shown, "count": len(paragraphs)}
    return shown


def indent_problem(document: WordDocument, paragraph: Paragraph) -> str | None:
    """None when the first line is indented 2 characters; otherwise what it is, for users."""
    resolved = document.formatting.first_line_indent(paragraph.element)
    group: dict[str, int] = resolved.value
    wanted_chars = NOTICE_FORMAT.first_line_indent_chars
    if group.get("firstLineChars"):  # Word: a non-zero character count overrides firstLine
        if group["firstLineChars"] == wanted_chars:
            return None
        found = _("%(chars)s characters") % {"chars": _number(group["firstLineChars"] / 100)}
    elif group.get("hangingChars") or group.get("hanging"):
        found = _("a hanging indent")
    elif group.get("firstLine"):
        # Two characters at the paragraph's own size: 2 × size in points × 20 twips.
        wanted_twips = wanted_chars / 100 * _paragraph_size(document, paragraph) * 10
        if abs(group["firstLine"] - wanted_twips) <= wanted_twips * 0.05:
            return None
        found = _("%(points)s pt") % {"points": _number(group["firstLine"] / 20)}
    elif not resolved.source.is_set:
        return _("no first-line indent set")
    else:
        found = _("no first-line indent")
    return _with_source(found, resolved.source)


def spacing_problem(document: WordDocument, paragraph: Paragraph) -> str | None:
    resolved = document.formatting.line_spacing(paragraph.element)
    line, rule = resolved.value
    if rule == "exact" and line == NOTICE_FORMAT.line_spacing_twips:
        return None
    if not resolved.source.is_set:
        return _("no line spacing set, so Word uses single spacing")
    if rule == "exact":
        found = _("Exactly %(points)s pt") % {"points": _number(line / 20)}
    elif rule == "atLeast":
        found = _("At least %(points)s pt") % {"points": _number(line / 20)}
    else:
        found = spacing_in_lines(line)
    return _with_source(found, resolved.source)


def spacing_in_lines(line: int) -> str:
    """Line spacing in lines, with the names of Word's Line spacing list (单倍行距, 1.5 倍行距 ...)."""
    if line == 240:
        return pgettext("line spacing", "Single")
    if line == 360:
        return pgettext("line spacing", "1.5 lines")
    if line == 480:
        return pgettext("line spacing", "Double")
    return _("Multiple %(lines)s lines") % {"lines": _number(line / 240)}


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- outline, length, pictures ----------------------------------------------------------------
def _check_outline(body: list[Paragraph]) -> list[Finding]:
    heads = [paragraph.text.strip()[:OUTLINE_HEAD_CHARS] for paragraph in body]
    parts_text = "；".join(f"{index}. {name}" for index, (name, _keywords) in enumerate(NOTICE_FORMAT.outline_parts, start=1))
    findings = []
    for index, (name, keywords) in enumerate(NOTICE_FORMAT.outline_parts):
        present = any(keyword in head for head in heads for keyword in keywords)
        if not present and index == 1:  # the story's heading is free; its number marks it
            present = any(SECOND_PART_NUMBERING.match(head) for head in heads)
        if not present:
            findings.append(rules.OUTLINE.finding(found=f"{index + 1}. {name}", parts=parts_text))
    return findings


def _check_length(narrative: NarrativeText, context: ValidationContext) -> list[Finding]:
    count = sum(word_count(paragraph.text) for paragraph in narrative.paragraphs)
    limits = context.limits
    if count > limits.narrative_max_chars:  # past the tolerance: the warning says it all
        return [rules.LENGTH.finding(found=str(count), limit=limits.narrative_max_chars)]
    if count > limits.narrative_notice_chars:
        return [rules.LENGTH_NOTICE.finding(found=str(count), limit=limits.narrative_notice_chars,
                                            tolerance=limits.narrative_max_chars)]
    return []


def _check_pictures(paragraphs: list[Paragraph], where, context: ValidationContext) -> list[Finding]:
    findings: list[Finding] = []
    pictures = [(paragraph, picture) for paragraph in paragraphs for picture in paragraph.pictures]
    wanted = NOTICE_FORMAT.exterior_images + NOTICE_FORMAT.case_images
    if not wanted <= len(pictures) <= NOTICE_FORMAT.max_images:
        findings.append(
            rules.IMAGE_COUNT.finding(
                found=str(len(pictures)),
                exterior=NOTICE_FORMAT.exterior_images,
                case=NOTICE_FORMAT.case_images,
                max=NOTICE_FORMAT.max_images,
            )
        )
    minimum = context.limits.min_photo_bytes
    for paragraph, picture in pictures:
        if picture.size is None:
            findings.append(rules.IMAGE_SIZE.finding(found=_("a linked picture, not embedded"), location=where(paragraph), limit=describe_bytes(minimum)))
        elif picture.size < minimum:
            findings.append(rules.IMAGE_SIZE.finding(found=describe_bytes(picture.size), location=where(paragraph), limit=describe_bytes(minimum)))
        found_wrap = wrap_problem(paragraph, picture.wrap)
        if found_wrap:
            findings.append(rules.IMAGE_WRAP.finding(found=found_wrap, location=where(paragraph)))
    return findings


def wrap_problem(paragraph: Paragraph, wrap: str) -> str | None:
    if wrap == "topAndBottom":
        return None
    if wrap == "inline":
        if not paragraph.has_text and len(paragraph.pictures) == 1:
            return None
        return _("In line with text, sharing its paragraph with text or other pictures")
    names = {
        "square": _("Square"),
        "tight": _("Tight"),
        "through": _("Through"),
        "none": _("In front of text"),
        "behind": _("Behind text"),
    }
    return str(names.get(wrap, wrap))


# --- advertising tone (严禁以企业宣传、推广等为内容) -----------------------------------------------
def check_advertising(paragraphs: list[tuple[int, str]]) -> list[Finding]:
    """narrative.advertising over the narrative's text paragraphs ((number, text), in order): one
    warning quoting every flagged passage with its signs, and the whole text when it tells no story."""
    flagged = []
    counts: dict[str, int] = defaultdict(int)
    for number, text in paragraphs:
        scan = scan_passage(text)
        if scan.flagged:
            flagged.append((number, text, scan))
            for category in scan.categories:
                counts[category] += 1
    no_story = tells_no_story([text for _number, text in paragraphs])
    if not flagged and not no_story:
        return []
    places = [_passage_location(number, text, scan) for number, text, scan in flagged]
    if no_story:
        counts["description"] = max(counts["description"], 1)
        places.append(_("the whole text: it describes the enterprise and tells no story (people, problem, attempts, result)"))
    found = join_places([
        _("%(sign)s in %(count)s passage(s)") % {"sign": CATEGORY_LABELS[category], "count": count}
        for category, count in ((category, counts[category]) for category in CATEGORY_LABELS) if count
    ])
    passages = tuple(
        {
            "paragraph": number,
            "text": text[:PASSAGE_TEXT_CHARS],
            "marks": [[mark.start, mark.end, mark.category] for mark in scan.shown_marks() if mark.end <= PASSAGE_TEXT_CHARS],
        }
        for number, text, scan in flagged
    )
    finding = rules.ADVERTISING.finding(found=found, location=join_places(places), count=len(flagged) + (1 if no_story and not flagged else 0))
    return [Finding(finding.rule, finding.severity, finding.message, finding.expected, finding.found, finding.location, finding.fix,
                    detail=finding.detail, passages=passages)]


def _passage_location(number: int, text: str, scan) -> str:
    """“第5段“……欢迎来电咨询，服务热线……”（联系方式：热线；招揽购买或合作：欢迎来电）”."""
    marks = scan.shown_marks()
    first = marks[0].start if marks else 0
    start, end = max(0, first - EXCERPT_CHARS), min(len(text), first + 2 * EXCERPT_CHARS)
    excerpt = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    signs: dict[str, list[str]] = defaultdict(list)
    for mark in marks:
        word = text[mark.start:mark.end]
        if len(word) > EXCERPT_CHARS:
            word = word[:EXCERPT_CHARS] + "…"
        if word not in signs[mark.category]:
            signs[mark.category].append(word)
    described = join_places([
        _("%(sign)s: %(words)s") % {"sign": CATEGORY_LABELS[category], "words": pgettext("separator between words in a list", ", ").join(words)}
        for category, words in signs.items()
    ])
    return _("paragraph %(number)s “%(excerpt)s” (%(signs)s)") % {"number": number, "excerpt": excerpt, "signs": described}

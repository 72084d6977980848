"""The passages narrative.advertising flagged, with the suspicious words marked (<mark>)."""

from django import template
from django.utils.html import format_html, format_html_join

from cases.validation.advertising import CATEGORY_LABELS

register = template.Library()


@register.simple_tag
def marked_passage(passage: dict):
    """The passage's text, escaped, with each sign in a <mark> titled by its kind."""
    text = passage.get("text", "")
    pieces, position = [], 0
    for start, end, category in sorted(passage.get("marks", [])):
        if start < position or end > len(text):
            continue
        pieces.append(("{}", (text[position:start],)))
        pieces.append(('<mark class="ad-sign" title="{}">{}</mark>', (CATEGORY_LABELS.get(category, category), text[start:end])))
        position = end
    pieces.append(("{}", (text[position:],)))
    return format_html_join("", "{}", ((format_html(fmt, *args),) for fmt, args in pieces))

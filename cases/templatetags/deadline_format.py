"""`{{ closes_at|deadline }}`: a deadline written the one way every page writes it (cases.deadlines)."""

from django import template

from cases.deadlines import deadline_text

register = template.Library()


@register.filter
def deadline(moment):
    return deadline_text(moment)

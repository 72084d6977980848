"""`{{ upload.size|file_size }}`: a file's size written as the check results write it (2.92 KB),
so a page never says "2.9 KB" next to a finding that says "2.92 KB"."""

from django import template

from cases.validation.units import describe_bytes

register = template.Library()


@register.filter
def file_size(size):
    return describe_bytes(int(size or 0))

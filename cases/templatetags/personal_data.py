from django import template

from cases.rules import mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_phone(context, case) -> str:
    """The case's contact phone, masked unless the view said this user may see it (`show_contact`)."""
    phone = case.contact_phone or ""
    if not phone:
        return "—"
    return phone if context.get("show_contact") else mask_phone(phone)

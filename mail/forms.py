from django import forms
from django.utils.translation import gettext_lazy as _

from mail.enums import MailState
from mail.rendering import SUBJECT_MAX


class MailTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX,
                              widget=forms.TextInput(attrs={"class": "wide"}))
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 12, "class": "wide"}))


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states"))] + list(MailState.choices))

from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("", _("Choose…")), ("confirm", _("Exclude")), ("release", _("Release"))])
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class OpenVoteForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("The vote closes at (Beijing time)"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class GroupDecisionForm(DecisionForm):
    flag = forms.IntegerField(widget=forms.HiddenInput)  # any flag of the group

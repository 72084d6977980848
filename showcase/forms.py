from django import forms
from django.utils.translation import gettext_lazy as _

from showcase.services import STORY_MAX_CHARS


class StoryForm(forms.Form):
    text = forms.CharField(
        label=_("Public summary"), max_length=STORY_MAX_CHARS * 2, widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Written for the public: what the case solved, how, and what it achieved, in a few paragraphs. "
                    "No phone numbers and no names of contact persons."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.TextInput)

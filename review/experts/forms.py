"""Forms of expert review. They validate input only; services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from review.experts.accounts import MAX_SHEET_BYTES
from review.experts.rules import profile_of


class ScoreForm(forms.Form):
    """One integer field per criterion of the campaign (征集标准), and the required comment."""

    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
                              help_text=_("Required: the strengths and weaknesses behind your score."))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                # The scale beside the weight: "（30）" alone read as a weight or a maximum, nobody knew which.
                label=_("%(name)s (weight %(weight)s, 0–%(max)s points)") % {
                    "name": criterion.name, "weight": f"{criterion.weight.normalize():f}", "max": criterion.max_points},
                min_value=0, max_value=criterion.max_points,
                help_text=criterion.description,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": criterion.max_points}),
            )
        fields["comment"] = self.fields.pop("comment")
        self.fields.update(fields)

    def points(self) -> dict[int, int]:
        return {criterion.pk: self.cleaned_data[f"criterion_{criterion.pk}"] for criterion in self.criteria}

    def criterion_fields(self):
        return [self[f"criterion_{criterion.pk}"] for criterion in self.criteria]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class AssignForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=None)

    def __init__(self, *args, pool, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["expert"].queryset = get_user_model().objects.filter(pk__in=[e.pk for e in pool])
        self.fields["expert"].label_from_instance = expert_label


def expert_label(user) -> str:
    profile = profile_of(user)
    name = user.get_full_name() or user.get_username()
    if profile and profile.expertise:
        return f"{name}（{profile.expertise}）"
    return name


class PoolForm(forms.Form):
    """Add an expert account to the tier's pool with what recusal needs (home city, employer).
    The city tier has no home city field: a city expert's home city is their city."""

    expert = forms.ModelChoiceField(
        label=_("Expert account"), queryset=None,
        help_text=_("Accounts with this stage's expert role. An account that has no such role yet gets it in the directory import."),
    )
    home_city = forms.ModelChoiceField(
        label=_("Home city"), queryset=None, required=False,
        help_text=_("The expert never scores cases of this city at the provincial stage. Leave empty only for an expert of no city."),
    )
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=None, required=False,
        help_text=_("Only if the expert works for an enterprise of the campaign: they never score its cases."),
    )
    expertise = forms.CharField(label=_("Field of expertise"), max_length=200, required=False)

    def __init__(self, *args, candidates, employers, home_cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = candidates
        self.fields["expert"].label_from_instance = account_label
        self.fields["employer"].queryset = employers
        if home_cities is None:
            del self.fields["home_city"]
        else:
            self.fields["home_city"].queryset = home_cities


def account_label(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name}（{user.get_username()}）"


class ExpertAccountForm(forms.Form):
    """A new expert account (专家账号) for the tier's pool. At the city tier the city is one of the
    staff's own (the field is left out when they keep one city); at the provincial tier the home
    city is the recusal city."""

    full_name = forms.CharField(label=_("Name"), max_length=150)
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            help_text=_("Also the expert's user name; SMS password resets go to it."),
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    email = forms.EmailField(label=_("Mail address"), help_text=_("The expert gets a mail here with a link to set a password."))
    city = forms.ModelChoiceField(label=_("City"), queryset=None)
    home_city = forms.ModelChoiceField(
        label=_("Home city"), queryset=None, required=False,
        help_text=_("The expert never scores cases of this city at the provincial stage. Leave empty only for an expert of no city."),
    )
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=None, required=False,
        help_text=_("Only if the expert works for an enterprise of the campaign: they never score its cases."),
    )
    expertise = forms.CharField(label=_("Field of expertise"), max_length=200, required=False)

    def __init__(self, *args, cities, employers, home_cities=None, **kwargs):
        super().__init__(*args, prefix="account", **kwargs)
        self.fields["employer"].queryset = employers
        if home_cities is None:
            del self.fields["home_city"]
            self.fields["city"].queryset = cities
            if cities.count() == 1:
                del self.fields["city"]
        else:
            del self.fields["city"]
            self.fields["home_city"].queryset = home_cities


class ExpertSheetForm(forms.Form):
    workbook = forms.FileField(label=_("Excel sheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
                               help_text=_("One expert per row under the template's header: 姓名, 手机号码, 邮箱, 所在城市, 工作单位, 专业领域. At most 2 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="sheet", **kwargs)

    def clean_workbook(self):
        workbook = self.cleaned_data["workbook"]
        if workbook.size > MAX_SHEET_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB; split it into several sheets."))
        if not workbook.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx workbook (save the file as “Excel 工作簿” in Excel or WPS)."))
        return workbook

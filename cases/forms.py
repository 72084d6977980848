from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from cases.enums import CaseType, EnterpriseType
from cases.importing import MAX_IMPORT_BYTES
from cases.models import Case
from cases.queries import SHORT_NAME_LIMITS, text_length_problem
from cases.rules import LANDLINE_PATTERN, MOBILE_PATTERN, normalise_phone


class DirectoryImportForm(forms.Form):
    workbook = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        help_text=_("Fill in the template and upload it; at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_workbook(self):
        workbook = self.cleaned_data["workbook"]
        if workbook.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 10 MB; split it into several workbooks."))
        if not workbook.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an .xlsx workbook (save the file as “Excel 工作簿” in Excel or WPS)."))
        return workbook


# --- the 推荐表 (附件3) -------------------------------------------------------------------------

def validate_phone(value: str) -> None:
    """A normalised number (normalise_phone) is a mobile or a landline with its area code."""
    if not (MOBILE_PATTERN.match(value) or LANDLINE_PATTERN.match(value)):
        raise ValidationError(
            _("Enter an 11-digit mobile number such as 13812345678, or a landline with its area code such as 0351-7333497 (an extension may follow: 0351-7333497-8001)."),
            code="phone",
        )


class LengthLimit:
    """The length rule of one text field of the 推荐表, with the message naming the field, its limit,
    the current length and what to do (cases.queries.text_length_problem) — in place of Django's
    generic “确保该变量包含不超过 200 字符”."""

    def __init__(self, field_name: str) -> None:
        self.field_name = field_name

    def __call__(self, value: str) -> None:
        too_long = text_length_problem(self.field_name, value)
        if too_long:
            raise ValidationError(too_long, code="too_long")


def _model_field(name: str, **overrides):
    """The form field of a Case column, optional (drafts may be incomplete; submit checks).
    A length-limited column gets LengthLimit instead of Django's own max-length check."""
    field = Case._meta.get_field(name).formfield(**overrides)
    field.required = False
    if getattr(field, "max_length", None) is not None:
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(LengthLimit(name))
    return field


class CaseForm(forms.Form):
    """附件3 推荐表 as the enterprise fills it in. Every field is optional while drafting: what is
    valid is saved, what is not is shown with its error and kept as typed."""

    title = _model_field("title")
    case_type = _model_field("case_type", widget=forms.RadioSelect)
    completing_unit = _model_field("completing_unit")
    team = _model_field("team", widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = _model_field("contact_name")
    contact_position = _model_field("contact_position")
    contact_phone = _model_field("contact_phone", widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    contact_address = _model_field("contact_address")
    honours = _model_field("honours", widget=forms.Textarea(attrs={"rows": 4}))
    remarks = _model_field("remarks", widget=forms.Textarea(attrs={"rows": 2}))
    enterprise_type = _model_field("enterprise_type")
    has_park_association = _model_field("has_park_association")
    has_enterprise_association = _model_field("has_enterprise_association")
    short_title = _model_field("short_title")
    unit_short_name = _model_field("unit_short_name")

    field_order = [
        "title", "case_type", "completing_unit", "team", "contact_name", "contact_position", "contact_phone",
        "contact_address", "honours", "remarks", "enterprise_type", "has_park_association",
        "has_enterprise_association", "short_title", "unit_short_name",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].help_text = _("Names of the team members, separated by 、 or one per line.")
        self.fields["contact_position"].help_text = _("E.g. 总工程师.")
        self.fields["contact_phone"].help_text = _("Mobile (13812345678) or landline with area code (0351-7333497).")
        self.fields["honours"].help_text = _("One per line.")
        for name, limit in SHORT_NAME_LIMITS.items():
            self.fields[name].help_text = _("For the WeChat group name, at most %(limit)d characters.") % {"limit": limit}
        self.fields["case_type"].choices = list(CaseType.choices)
        self.fields["enterprise_type"].choices = [("", "---------"), *EnterpriseType.choices]
        for name in ("title", "completing_unit", "contact_name", "contact_position", "contact_address", "short_title", "unit_short_name"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title and self.add_prefix("title") in self.data:  # emptied on the page, not just not sent
            # Said beside the field: an emptied name is otherwise silently kept as it was.
            raise ValidationError(_("The case name cannot be empty: type the case's name."))
        return title

    def clean_contact_phone(self):
        value = normalise_phone(self.cleaned_data["contact_phone"])
        if value:
            validate_phone(value)
        return value

    def valid_values(self) -> dict:
        """The fields that passed validation (call after is_valid()); the others keep their errors.
        An empty case name is never saved over a named case."""
        values = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if "title" in values and not values["title"]:
            del values["title"]
        return values

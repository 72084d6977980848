from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from cases.enums import CaseStatus, Stage
from cases.models import Enterprise, Organisation
from review.queries import INBOX_ORDERINGS


ORDER_LABELS = {"updated": _("Last updated"), "submitted": _("Submitted"), "title": _("Case name"),
                "enterprise": _("Enterprise"), "problems": _("Most problems")}


class InboxFilterForm(forms.Form):
    # Reviewers never see a draft: it is not offered as a filter.
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + [
        (value, label) for value, label in CaseStatus.choices if value != CaseStatus.DRAFT])
    q = forms.CharField(label=_("Search case or enterprise"), required=False, max_length=100)
    order = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=lambda: [(key, ORDER_LABELS[key]) for key in INBOX_ORDERINGS],
    )


class DecisionForm(forms.Form):
    decision = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason (required for the red buttons; it is recorded and shown to the enterprise)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SignedScanForm(forms.Form):
    # An empty file passes the form so the service refuses it saying it is empty (not "choose a file").
    scan = forms.FileField(label=_("Signed and stamped summary table (PDF)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))


def _tree_position(organisation: Organisation) -> list[int]:
    # The materialised path is ids from the root: sorting by them lists each city (in 附件2's order,
    # the order they were created in) followed by its counties and their associations.
    return [int(part) for part in organisation.path.strip("/").split("/")]


class TreeOrderIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for organisation in sorted(self.queryset, key=_tree_position):
            yield self.choice(organisation)


class OrganisationTreeField(forms.ModelChoiceField):
    """Organisations as an indented tree: 市 › 县 › 园区/企业科协, not one flat list of 140 names."""

    iterator = TreeOrderIterator

    def label_from_instance(self, organisation):
        depth = max(len(_tree_position(organisation)) - 2, 0)  # a city has the province above it
        return "　" * (2 * depth) + ("└ " if depth else "") + organisation.name


class ExtensionForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("Stage"), coerce=int,
                                  choices=[(s.value, s.label) for s in Stage if s != Stage.PROVINCE])
    organisation = OrganisationTreeField(label=_("Organisation"), required=False,
                                         queryset=Organisation.objects.exclude(kind="province"),
                                         empty_label=_("Choose an organisation (or give an enterprise's code below)"))
    enterprise_code = forms.CharField(label=_("or enterprise (unified social credit code)"), required=False, max_length=18)
    closes_on = forms.DateField(label=_("New deadline (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean(self):
        data = super().clean()
        code = (data.get("enterprise_code") or "").strip().upper()
        enterprise = Enterprise.objects.filter(credit_code=code).first() if code else None
        if code and enterprise is None:
            self.add_error("enterprise_code", _("No enterprise has this credit code."))
        if bool(data.get("organisation")) == bool(code):
            raise forms.ValidationError(_("Choose either an organisation or an enterprise."))
        data["enterprise"] = enterprise
        return data


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[
        ("", _("All")), ("transition", _("Case transitions")), ("event", _("Extensions, downloads and imports"))])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))



class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    message = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    audiences = forms.MultipleChoiceField(
        label=_("Send to"), widget=forms.CheckboxSelectMultiple,
        choices=[("to_enterprises", _("enterprises")), ("to_associations", _("park / enterprise associations")),
                 ("to_counties", _("county associations")), ("to_cities", _("city associations"))],
        error_messages={"required": _("Choose who receives the announcement: enterprises, associations, counties or cities.")},
    )
    city = forms.ModelChoiceField(
        label=_("Only in this city"), required=False, empty_label=_("The whole province"),
        queryset=Organisation.objects.filter(kind="city").order_by("path"),
        help_text=_("With a city chosen, only the chosen tiers under that city receive it."),
    )

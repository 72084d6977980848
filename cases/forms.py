from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.importing import MAX_IMPORT_BYTES


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

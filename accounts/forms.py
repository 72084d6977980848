"""Forms of accounts. They check input; services write."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.credit_code import validate_credit_code
from cases.enums import ASSOCIATION_KINDS, EnterpriseType
from cases.models import Organisation


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset-by-mail form; sending goes through accounts.services.send_reset_link (the
    per-account limit, the audit, the queued Chinese mail)."""

    email = forms.EmailField(label=_("Mail address of your account"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        # Accounts created by staff have no usable password until their owner sets one: they may
        # still ask for the link (Django leaves them out, for sites with outside sign-in).
        return get_user_model()._default_manager.filter(email__iexact=email, is_active=True).order_by("pk")


class SmsResetRequestForm(forms.Form):
    identifier = forms.CharField(label=_("User name or mobile number"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "username"}))


class SmsResetConfirmForm(SetPasswordForm):
    """The code from the SMS and the new password (Django's password rules). `user` may be None
    (nobody was found): the password rules are then checked without the account's attributes."""

    code = forms.CharField(label=_("Code from the SMS"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    field_order = ["code", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(user or get_user_model()(), *args, **kwargs)


class AssociationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EnterpriseDetailsForm(forms.Form):
    """What an enterprise tells about itself; shared by the first application and a resubmission."""

    # The length is the validator's to explain (cases.credit_code), in its own words.
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40,
                                  help_text=_("18 characters, from the business licence (营业执照)."))
    enterprise_name = forms.CharField(label=_("Enterprise name"), max_length=200,
                                      help_text=_("The full name as on the business licence."))
    enterprise_type = forms.ChoiceField(label=_("Enterprise type"), choices=EnterpriseType.choices)
    association = AssociationChoiceField(
        label=_("Your park association or enterprise association"), queryset=Organisation.objects.filter(kind__in=ASSOCIATION_KINDS),
        help_text=_("Choose your city and county to narrow the list. An enterprise already in the directory goes to its own association."),
    )

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(code)
        return code


class RegistrationForm(EnterpriseDetailsForm):
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            help_text=_("We send a code to this number; you can reset your password with it later."),
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(label=_("Code from the SMS"), max_length=6, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    email = forms.EmailField(label=_("Mail address"), help_text=_("The association's decision is mailed here."))
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("You sign in with it: letters, digits and @ . + - _ only."))
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, invite=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invite = invite
        if invite is not None:
            # The link names the association: nothing to choose.
            del self.fields["association"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code:
            raise ValidationError(_("Press “Send code”, then enter the 6-digit code from the SMS."))
        return code

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ: type the same password twice."))
        elif password1:
            probe = get_user_model()(username=cleaned.get("username", ""), first_name=cleaned.get("contact_name", ""),
                                     email=cleaned.get("email", ""))
            try:
                validate_password(password1, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the rejection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Mailed to the enterprise and shown when it signs in, so it can correct its application."))

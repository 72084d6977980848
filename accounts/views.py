"""Pages of accounts: password reset by mail (Django's token views) and by SMS, enterprise
self-registration and its status, the association's registrations and invitation links."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import (
    EnterpriseDetailsForm,
    PortalPasswordResetForm,
    RegistrationForm,
    RejectForm,
    SmsResetConfirmForm,
    SmsResetRequestForm,
)
from accounts.models import RegistrationStatus
from accounts.queries import (
    active_invite,
    association_directory,
    invites_of,
    latest_registration_of,
    registrations_visible_to,
)
from accounts.rules import associations_staffed_by
from accounts.services import (
    AccountRefused,
    approve_registration,
    complete_mail_reset,
    complete_sms_reset,
    create_invite,
    register_enterprise,
    reject_registration,
    request_sms_reset,
    resubmit_registration,
    send_registration_code,
    send_reset_link,
)
from cases.models import Organisation
from cases.rules import mask_phone
from cases.refusals import Refused
from portal.actions import perform
from portal.ratelimit import check, rate_limit

SMS_RESET_SESSION_KEY = "accounts_sms_reset_user"
# A user name, mail address or number typed into a reset form: at most this often per hour, whether
# or not an account has it (so the limit itself tells nothing). Per address: portal.ratelimit.
RESET_PER_IDENTIFIER = "5/3600"


def _typed(field: str):
    return lambda request: f"{field}:{request.POST.get(field, '').strip().lower()}"


def base_url(request) -> str:
    """The site's address as the browser reached it (its host checked against ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/")


# --- password reset by mail -------------------------------------------------------------------------

@method_decorator(rate_limit("password_reset_identifier", rate=RESET_PER_IDENTIFIER, key=_typed("email")), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    template_name = "registration/password_reset_form.html"

    def form_valid(self, form):
        for user in form.get_users(form.cleaned_data["email"]):
            send_reset_link(user=user, actor=None, base_url=base_url(self.request))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        complete_mail_reset(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


# --- password reset by SMS ------------------------------------------------------------------------

@rate_limit("password_reset_sms", rate="10/3600", key="ip")
@rate_limit("password_reset_identifier", rate=RESET_PER_IDENTIFIER, key=_typed("identifier"))
def password_reset_sms(request):
    """Step 1: the account's user name or mobile number. The answer never says whether it exists."""
    form = SmsResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[SMS_RESET_SESSION_KEY] = request_sms_reset(identifier=form.cleaned_data["identifier"])
        messages.info(request, _("If an account with this user name or mobile number has a mobile number, a code was sent "
                                 "to it by SMS. Enter it below with your new password."))
        return redirect("accounts:password_reset_sms_confirm")
    return render(request, "registration/password_reset_sms.html", {"form": form})


@rate_limit("password_reset_sms_confirm", rate="30/3600", key="ip")
def password_reset_sms_confirm(request):
    """Step 2: the code and the new password."""
    if SMS_RESET_SESSION_KEY not in request.session:
        return redirect("accounts:password_reset_sms")
    form = SmsResetConfirmForm(None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complete_sms_reset(user_id=request.session[SMS_RESET_SESSION_KEY], code=form.cleaned_data["code"],
                               password=form.cleaned_data["new_password1"])
        except AccountRefused as refused:
            form.add_error(None, str(refused))
        else:
            del request.session[SMS_RESET_SESSION_KEY]
            messages.success(request, _("Your password was changed. Sign in with the new password."))
            return redirect("login")
    return render(request, "registration/password_reset_sms_confirm.html", {"form": form})


# --- enterprise self-registration -------------------------------------------------------------

@rate_limit("register", rate="30/3600", key="ip")
def register(request, token: str | None = None):
    """The application form. "Send code" posts the form to send the SMS and shows it again, filled."""
    invite = None
    if token is not None:
        invite = active_invite(token)
        if invite is None:
            return render(request, "accounts/register_invite_expired.html", status=404)
    if request.method == "POST" and "send_code" in request.POST:
        refused = check(request, "registration_code", rate="10/3600", key="ip")
        if refused is not None:
            return refused
        form = RegistrationForm(invite=invite, initial={k: v for k, v in request.POST.items() if not k.startswith("password")})
        try:
            phone = send_registration_code(phone=request.POST.get("phone", ""))
        except Refused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("A code was sent to %(phone)s by SMS; enter it below.") % {"phone": mask_phone(phone)})
    else:
        form = RegistrationForm(request.POST or None, invite=invite)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                registration = register_enterprise(
                    username=data["username"], password=data["password1"], credit_code=data["credit_code"],
                    enterprise_name=data["enterprise_name"], enterprise_type=data["enterprise_type"],
                    contact_name=data["contact_name"], phone=data["phone"], email=data["email"],
                    association=data.get("association"), code=data["code"], invite=invite,
                )
            except AccountRefused as refused:
                form.add_error(None, str(refused))
            else:
                login(request, registration.user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("accounts:registration_status")
    return render(request, "accounts/register.html", {
        "form": form, "invite": invite, "directory": association_directory(),
        "chosen_association": str(form["association"].value() or "") if "association" in form.fields else "",
    })


@login_required
def registration_status(request):
    """What happens to the applicant's registration; a rejected one is corrected and sent again here."""
    registration = latest_registration_of(request.user)
    if registration is None:
        return redirect("home")
    form = None
    if registration.status == RegistrationStatus.REJECTED:
        initial = {"credit_code": registration.credit_code, "enterprise_name": registration.enterprise_name,
                   "enterprise_type": registration.enterprise_type, "association": registration.association_id}
        form = EnterpriseDetailsForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                resubmit_registration(registration=registration, actor=request.user, credit_code=data["credit_code"],
                                      enterprise_name=data["enterprise_name"], enterprise_type=data["enterprise_type"],
                                      association=data["association"])
            except AccountRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Your corrected application was sent; the association will decide it."))
                return redirect("accounts:registration_status")
    return render(request, "accounts/registration_status.html", {
        "registration": registration, "form": form, "directory": association_directory(),
        "chosen_association": str(form["association"].value() or "") if form is not None else "",
    })


# --- the association's side ---------------------------------------------------------------------

def _association_ids_or_404(request) -> list[int]:
    ids = associations_staffed_by(request.user)
    if not ids:
        raise Http404
    return ids


@login_required
def registration_list(request):
    """The applications sent to the staff's associations (waiting first), and the invitation links."""
    association_ids = _association_ids_or_404(request)
    registrations = list(registrations_visible_to(request.user).order_by("status", "-created_at")[:200])
    return render(request, "accounts/registration_list.html", {
        "waiting": [r for r in registrations if r.status == RegistrationStatus.PENDING],
        "decided": [r for r in registrations if r.status != RegistrationStatus.PENDING],
        "reject_form": RejectForm(),
        "associations": Organisation.objects.filter(pk__in=association_ids).order_by("path"),
        "invites": [(invite, request.build_absolute_uri(reverse("accounts:register_invited", args=[invite.token])))
                    for invite in invites_of(association_ids)],
    })


def _registration_or_404(request, pk: int):
    _association_ids_or_404(request)
    return get_object_or_404(registrations_visible_to(request.user), pk=pk)


@login_required
@require_POST
def registration_approve(request, pk: int):
    registration = _registration_or_404(request, pk)
    perform(request, lambda: approve_registration(registration=registration, actor=request.user),
            success=_("Approved: %(name)s can now sign in and submit cases.") % {"name": registration.enterprise_name})
    return redirect("accounts:registration_list")


@login_required
@require_POST
def registration_reject(request, pk: int):
    registration = _registration_or_404(request, pk)
    perform(request, lambda: reject_registration(registration=registration, actor=request.user, reason=request.POST.get("reason", "")),
            success=_("Rejected; the enterprise was told why by mail."))
    return redirect("accounts:registration_list")


@login_required
@require_POST
def invite_create(request):
    association_ids = _association_ids_or_404(request)
    association = get_object_or_404(Organisation, pk=request.POST.get("association") or 0, pk__in=association_ids)
    perform(request, lambda: create_invite(association=association, actor=request.user),
            success=_("Invitation link created: copy it from the list below and send it to your enterprises."))
    return redirect("accounts:registration_list")



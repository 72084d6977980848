"""Mails of accounts, sent by workers. Tasks take ids, load, send; safe to run twice (a second mail
at worst). The reset link is made here, at sending time, so no token ever sits in the broker."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import EnterpriseRegistration, RegistrationStatus
from cases.enums import Role


def password_link(user, base_url: str) -> str:
    """The page where `user` chooses a new password (Django's one-use token)."""
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    return base_url.rstrip("/") + path


@shared_task(name="accounts.mail_password_link")
def mail_password_link(user_id: int, base_url: str, kind: str) -> int:
    """`kind` "reset": the reset mail; "welcome": a new account's invitation to set its password."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    values = {"name": user.get_full_name() or user.get_username(), "username": user.get_username(),
              "link": password_link(user, base_url), "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}
    if kind == "welcome":
        subject = _("[Innovation Case Portal] Your account: set your password")
        body = _("Hello %(name)s,\n\nan account was created for you on the Innovation Case Portal. Your user name is "
                 "%(username)s (you can also sign in with it after choosing a password).\n\nOpen this link to choose "
                 "your password:\n%(link)s\n\nThe link works once and for %(days)d days; after that, use “Forgot password” on "
                 "the sign-in page.") % values
    else:
        subject = _("[Innovation Case Portal] Reset your password")
        body = _("Hello %(name)s,\n\nsomeone (we hope you) asked to reset the password of the account %(username)s on the "
                 "Innovation Case Portal.\n\nOpen this link to choose a new password:\n%(link)s\n\nThe link works once and "
                 "for %(days)d days. If you did not ask for it, ignore this mail: your password stays as it is.") % values
    send_mail(subject, body, None, [user.email])
    return 1


def _association_staff_emails(association_id: int) -> list[str]:
    users = get_user_model().objects.filter(
        is_active=True, memberships__role=Role.ASSOCIATION_STAFF, memberships__organisation_id=association_id
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


@shared_task(name="accounts.notify_registration_submitted")
def notify_registration_submitted(registration_id: int) -> int:
    registration = EnterpriseRegistration.objects.select_related("association").get(pk=registration_id)
    recipients = _association_staff_emails(registration.association_id)
    if not recipients:
        return 0
    values = {"name": registration.enterprise_name, "code": registration.credit_code, "association": registration.association}
    send_mail(
        _("[Innovation Case Portal] %(name)s applies to register with %(association)s") % values,
        _("%(name)s (unified social credit code %(code)s) applied for an account with %(association)s. Sign in and "
          "open “Enterprise registrations” on your workbench to approve or reject it.") % values,
        None, recipients,
    )
    return len(recipients)


@shared_task(name="accounts.notify_registration_decided")
def notify_registration_decided(registration_id: int) -> int:
    registration = EnterpriseRegistration.objects.select_related("association").get(pk=registration_id)
    values = {"name": registration.enterprise_name, "association": registration.association, "reason": registration.reason}
    if registration.status == RegistrationStatus.APPROVED:
        subject = _("[Innovation Case Portal] Registration approved: %(name)s") % values
        body = _("%(association)s approved the registration of %(name)s. Sign in to fill in and submit your case.") % values
    elif registration.status == RegistrationStatus.REJECTED:
        subject = _("[Innovation Case Portal] Registration rejected: %(name)s") % values
        body = _("%(association)s rejected the registration of %(name)s.\n\nReason: %(reason)s\n\nSign in to correct the "
                 "application and send it again.") % values
    else:
        return 0
    send_mail(subject, body, None, [registration.email])
    return 1

"""Writes of accounts: password resets (mail, SMS, staff), enterprise self-registration and its
decision, invitation links, the account's phone.

Every reset and every registration step writes an AuditEvent. Mails go through Celery tasks
(accounts.tasks) queued on commit; they build the reset link themselves, so no token passes the
broker.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import codes
from accounts.models import AccountProfile, EnterpriseRegistration, RegistrationInvite, RegistrationStatus
from accounts.queries import account_for_reset, phone_of
from accounts.rules import may_decide_registration, may_invite
from accounts.tasks import mail_password_link, notify_registration_decided, notify_registration_submitted
from cases.credit_code import validate_credit_code
from cases.enums import ASSOCIATION_KINDS, AuditAction, OrganisationKind, Role
from cases.models import AuditEvent, Enterprise, Organisation
from cases.refusals import Refused
from cases.rules import MOBILE_PATTERN, mask_phone, normalise_phone
from cases.services import create_user, grant_role
from portal.queueing import enqueue_on_commit
from portal.ratelimit import Rate, hit
from sms.enums import SmsKind

logger = logging.getLogger(__name__)

# A reset sent to one account at most this often, whoever asks and from wherever: the owner's inbox
# and phone are not to be flooded (the per-address limits are in portal.ratelimit and the views).
RESET_PER_ACCOUNT = Rate(5, 3600)
INVITE_DAYS = 30
PURPOSE_RESET = "reset"
PURPOSE_REGISTRATION = "registration"


class AccountRefused(Refused):
    """A refused account action; the message says what is wrong and what to do, in Chinese."""


def _label(user) -> str:
    return user.get_full_name() or user.get_username()


def _audit(action: str, *, actor, summary: str, **details) -> AuditEvent:
    return AuditEvent.objects.create(action=action, actor=actor, summary=summary[:300], details=details)


def mobile_or_refuse(raw: str) -> str:
    """The 11-digit mainland mobile number (+86 138-1234-5678 counts), or AccountRefused."""
    phone = normalise_phone(raw or "")
    if not MOBILE_PATTERN.match(phone):
        raise AccountRefused(_("Enter a mainland China mobile number of 11 digits, e.g. 13812345678."))
    return phone


def set_phone(*, user, phone: str) -> AccountProfile:
    """Give the account its mobile number (one account per number)."""
    profile, _created = AccountProfile.objects.get_or_create(user=user)
    if profile.phone != phone:
        if phone and AccountProfile.objects.filter(phone=phone).exclude(user=user).exists():
            raise AccountRefused(_("The mobile number %(phone)s already belongs to another account.") % {"phone": mask_phone(phone)})
        profile.phone = phone
        profile.save(update_fields=["phone"])
    return profile


# --- password reset -----------------------------------------------------------------------------

def _account_allowance(user) -> bool:
    allowed, _retry = hit("password-reset-account", f"user:{user.pk}", RESET_PER_ACCOUNT)
    if not allowed:
        logger.warning("password reset for account %s not sent: per-account limit reached", user.pk)
    return allowed


def send_reset_link(*, user, actor, base_url: str, by_staff: bool = False) -> bool:
    """Mail `user` a link to choose a new password (Django's token: one use, valid
    PASSWORD_RESET_TIMEOUT, void once the password changes).

    Guards: the account is active and has a mail address; at most RESET_PER_ACCOUNT per account
    (a refusal is silent for a self-service request, which answers the same whatever happens).
    Side effects: the mail, queued on commit; an audit event. Returns whether a mail was queued.
    """
    if not user.is_active or not user.email:
        if by_staff:
            raise AccountRefused(_("%(user)s has no mail address (or is inactive): enter a mail address on the account first.")
                                 % {"user": _label(user)})
        return False
    if not _account_allowance(user):
        if by_staff:
            raise AccountRefused(_("A reset link was sent to %(user)s several times in the last hour; wait an hour.") % {"user": _label(user)})
        return False
    summary = (_("Password reset link sent by staff to %(user)s") if by_staff
               else _("Password reset link requested by mail for %(user)s")) % {"user": _label(user)}
    _audit(AuditAction.PASSWORD_RESET_REQUESTED, actor=actor, summary=summary,
           user=user.pk, channel="mail", by_staff=by_staff)
    enqueue_on_commit(mail_password_link, user.pk, base_url, "reset")
    return True


def request_sms_reset(*, identifier: str) -> int | None:
    """Send a reset code to the phone of the account named by `identifier` (user name or mobile
    number). Returns the account's id (kept in the session, never shown), or None.

    Whatever happens — no such account, no phone, a limit reached — nothing tells the caller: the
    view answers the same. Side effects: the SMS; an audit event when a code was sent.
    """
    user = account_for_reset(identifier)
    if user is None:
        return None
    phone = phone_of(user)
    if not phone or not _account_allowance(user):
        return user.pk
    try:
        codes.send_code(purpose=f"{PURPOSE_RESET}:{user.pk}", kind=SmsKind.PASSWORD_RESET, phone=phone, message=_(
            "Your password reset code for the Innovation Case Portal is %(code)s, valid for 10 minutes. "
            "If you did not ask for it, ignore this message."))
    except codes.CodeRefused as refused:
        logger.warning("reset code for account %s not sent: %s", user.pk, refused)
        return user.pk
    _audit(AuditAction.PASSWORD_RESET_REQUESTED, actor=None, summary=_("Password reset code sent by SMS to %(user)s") % {"user": _label(user)},
           user=user.pk, channel="sms", phone=mask_phone(phone))
    return user.pk


def _set_password(*, user, password: str, channel: str):
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit(AuditAction.PASSWORD_RESET, actor=user, summary=_("Password reset (%(channel)s): %(user)s") % {
        "channel": _("mail") if channel == "mail" else _("SMS"), "user": _label(user)}, user=user.pk, channel=channel)
    return user


@transaction.atomic
def complete_mail_reset(*, user, password: str):
    """The new password chosen through a mail link (the view checked the token and the password
    rules). Side effects: the password; an audit event."""
    return _set_password(user=user, password=password, channel="mail")


@transaction.atomic
def complete_sms_reset(*, user_id: int | None, code: str, password: str):
    """The new password chosen with the code sent by SMS (the form checked the password rules).

    Guards: an account was named and has a phone; the code is the last one sent to it, not expired,
    the number not locked out after 5 wrong codes. The refusal is the same in every case.
    Side effects: the password; the code spent; an audit event."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    phone = phone_of(user) if user is not None else ""
    if user is None or not phone or not codes.check_code(purpose=f"{PURPOSE_RESET}:{user.pk}", phone=phone, code=code):
        raise AccountRefused(_("The code is wrong or has expired. Check the SMS, or ask for a new code; after 5 wrong "
                               "codes the number is locked for 30 minutes."))
    return _set_password(user=user, password=password, channel="sms")


# --- enterprise self-registration ---------------------------------------------------------------

def send_registration_code(*, phone: str) -> str:
    """Send the code that proves the applicant holds `phone`. Returns the normalised number."""
    phone = mobile_or_refuse(phone)
    codes.send_code(purpose=PURPOSE_REGISTRATION, kind=SmsKind.REGISTRATION, phone=phone, message=_(
        "Your verification code for registering on the Innovation Case Portal is %(code)s, valid for 10 minutes."))
    return phone


@transaction.atomic
def register_enterprise(*, username: str, password: str, credit_code: str, enterprise_name: str, enterprise_type: str,
                        contact_name: str, phone: str, email: str, association: Organisation, code: str,
                        invite: RegistrationInvite | None = None) -> EnterpriseRegistration:
    """An enterprise applies for an account (企业自助注册).

    Guards, in order: the credit code's checksum; the association is a park / enterprise association
    (the invite's when invited); the phone is a mobile number, verified by the code sent to it, and
    not another account's; no application for this credit code is already waiting; the user name is
    free (Django's rules). An enterprise already in the directory with this credit code is matched,
    not duplicated, and the application goes to that enterprise's association.
    Side effects, in order: the account (no role yet) with its phone; the registration; an audit
    event; a mail to the association's staff.
    """
    credit_code = (credit_code or "").strip().upper()
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        raise AccountRefused(error.messages[0]) from None
    if invite is not None:
        association = invite.association
    if association is None or association.kind not in ASSOCIATION_KINDS:
        raise AccountRefused(_("Choose your park association or enterprise association."))
    phone = mobile_or_refuse(phone)
    if not codes.check_code(purpose=PURPOSE_REGISTRATION, phone=phone, code=code):
        raise AccountRefused(_("The SMS verification code is wrong or has expired: press “Send code” and enter the new code."))
    if AccountProfile.objects.filter(phone=phone).exists():
        raise AccountRefused(_("This mobile number already belongs to an account. Sign in with it, or use “Forgot password”."))
    existing = Enterprise.objects.filter(credit_code=credit_code).select_related("association").first()
    if existing is not None:
        association = existing.association
    waiting = EnterpriseRegistration.objects.filter(credit_code=credit_code, status=RegistrationStatus.PENDING).select_related("association").first()
    if waiting is not None:
        raise AccountRefused(_("An application for the credit code %(code)s is already waiting for %(association)s. "
                               "Wait for its decision, or ask the colleague who applied.") % {"code": credit_code, "association": waiting.association})
    try:
        user = create_user(username=(username or "").strip(), password=password, full_name=contact_name.strip(), email=email.strip())
    except ValidationError as error:
        raise AccountRefused(" ".join(error.messages)) from None
    set_phone(user=user, phone=phone)
    try:
        with transaction.atomic():
            registration = EnterpriseRegistration.objects.create(
                user=user, association=association, credit_code=credit_code, enterprise_name=enterprise_name.strip(),
                enterprise_type=enterprise_type, contact_name=contact_name.strip(), phone=phone, email=email.strip(),
                enterprise=existing, invite=invite,
            )
    except IntegrityError:  # the same credit code applied a moment ago
        raise AccountRefused(_("An application for the credit code %(code)s is already waiting. Wait for its decision.")
                             % {"code": credit_code}) from None
    _audit(AuditAction.REGISTRATION_SUBMITTED, actor=user, summary=_("Enterprise registration submitted: %(name)s (%(code)s) to %(association)s")
           % {"name": registration.enterprise_name, "code": credit_code, "association": association},
           registration=registration.pk, matched_enterprise=existing.pk if existing else None)
    enqueue_on_commit(notify_registration_submitted, registration.pk)
    return registration


def _locked_pending(registration: EnterpriseRegistration, actor) -> EnterpriseRegistration:
    locked = EnterpriseRegistration.objects.select_for_update().select_related("association", "user").get(pk=registration.pk)
    if not may_decide_registration(actor, locked):
        raise AccountRefused(_("Only the staff of %(association)s decide this application.") % {"association": locked.association})
    if locked.status != RegistrationStatus.PENDING:
        raise AccountRefused(_("This application was already decided (%(status)s).") % {"status": locked.get_status_display()})
    return locked


@transaction.atomic
def approve_registration(*, registration: EnterpriseRegistration, actor, now: datetime.datetime | None = None) -> EnterpriseRegistration:
    """The association approves: the enterprise (matched by credit code, or added to the directory
    under this association) and the applicant's enterprise-user role.

    Guards: the actor is staff of the registration's association; it is still waiting (row locked:
    two staff pressing at once approve once); a matched enterprise still belongs to this association.
    Side effects, in order: the enterprise when new; the role; the decision; an audit event; the
    applicant's mail."""
    locked = _locked_pending(registration, actor)
    enterprise = Enterprise.objects.filter(credit_code=locked.credit_code).select_related("association").first()
    if enterprise is not None and enterprise.association_id != locked.association_id:
        raise AccountRefused(_("%(name)s is in the directory under %(association)s now: reject this application with that "
                               "reason, so the enterprise applies there.") % {"name": enterprise.name, "association": enterprise.association})
    if enterprise is None:
        kind = locked.association.kind
        enterprise = Enterprise(
            name=locked.enterprise_name, credit_code=locked.credit_code, enterprise_type=locked.enterprise_type,
            association=locked.association, has_park_association=kind == OrganisationKind.PARK_ASSOCIATION,
            has_enterprise_association=kind == OrganisationKind.ENTERPRISE_ASSOCIATION,
        )
        try:
            enterprise.full_clean()
        except ValidationError as error:
            raise AccountRefused(" ".join(error.messages)) from None
        enterprise.save()
    grant_role(user=locked.user, role=Role.ENTERPRISE_USER, enterprise=enterprise)
    locked.enterprise, locked.status = enterprise, RegistrationStatus.APPROVED
    locked.decided_by, locked.decided_at = actor, now or timezone.now()
    locked.save(update_fields=["enterprise", "status", "decided_by", "decided_at"])
    _audit(AuditAction.REGISTRATION_APPROVED, actor=actor, summary=_("Enterprise registration approved: %(name)s") % {"name": enterprise.name},
           registration=locked.pk, enterprise=enterprise.pk, user=locked.user_id)
    enqueue_on_commit(notify_registration_decided, locked.pk)
    return locked


@transaction.atomic
def reject_registration(*, registration: EnterpriseRegistration, actor, reason: str,
                        now: datetime.datetime | None = None) -> EnterpriseRegistration:
    """The association rejects, saying why (mailed to the applicant, shown on their workbench).
    Guards: as approve_registration; a reason is given. Side effects: the decision; an audit event;
    the mail."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountRefused(_("Write the reason for the rejection: the enterprise reads it and corrects its application."))
    locked = _locked_pending(registration, actor)
    locked.status, locked.reason = RegistrationStatus.REJECTED, reason[:2000]
    locked.decided_by, locked.decided_at = actor, now or timezone.now()
    locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    _audit(AuditAction.REGISTRATION_REJECTED, actor=actor, summary=_("Enterprise registration rejected: %(name)s") % {"name": locked.enterprise_name},
           registration=locked.pk, reason=locked.reason)
    enqueue_on_commit(notify_registration_decided, locked.pk)
    return locked


@transaction.atomic
def resubmit_registration(*, registration: EnterpriseRegistration, actor, credit_code: str, enterprise_name: str,
                          enterprise_type: str, association: Organisation) -> EnterpriseRegistration:
    """A rejected applicant corrects the application and sends it again (a new waiting application
    of the same account; the rejected one stays for the record). Guards: the actor is the applicant;
    the application was rejected; the same rules as a first application (checksum, association,
    matching, one waiting application per credit code)."""
    locked = EnterpriseRegistration.objects.select_for_update().get(pk=registration.pk)
    if locked.user_id != actor.pk or locked.status != RegistrationStatus.REJECTED:
        raise AccountRefused(_("Only a rejected application can be corrected and sent again, by its applicant."))
    credit_code = (credit_code or "").strip().upper()
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        raise AccountRefused(error.messages[0]) from None
    if association is None or association.kind not in ASSOCIATION_KINDS:
        raise AccountRefused(_("Choose your park association or enterprise association."))
    existing = Enterprise.objects.filter(credit_code=credit_code).select_related("association").first()
    if existing is not None:
        association = existing.association
    try:
        with transaction.atomic():
            again = EnterpriseRegistration.objects.create(
                user=locked.user, association=association, credit_code=credit_code, enterprise_name=enterprise_name.strip(),
                enterprise_type=enterprise_type, contact_name=locked.contact_name, phone=locked.phone, email=locked.email,
                enterprise=existing, invite=locked.invite,
            )
    except IntegrityError:
        raise AccountRefused(_("An application for the credit code %(code)s is already waiting. Wait for its decision.")
                             % {"code": credit_code}) from None
    _audit(AuditAction.REGISTRATION_SUBMITTED, actor=actor, summary=_("Enterprise registration submitted: %(name)s (%(code)s) to %(association)s")
           % {"name": again.enterprise_name, "code": credit_code, "association": association},
           registration=again.pk, resubmitted_after=locked.pk)
    enqueue_on_commit(notify_registration_submitted, again.pk)
    return again


@transaction.atomic
def create_invite(*, association: Organisation, actor, now: datetime.datetime | None = None) -> RegistrationInvite:
    """An invitation link valid INVITE_DAYS days. Guard: the actor is staff of the association.
    Side effects: the link; an audit event."""
    if not may_invite(actor, association):
        raise AccountRefused(_("Only the staff of %(association)s invite enterprises to it.") % {"association": association})
    now = now or timezone.now()
    invite = RegistrationInvite.objects.create(
        association=association, token=secrets.token_urlsafe(24), created_by=actor,
        expires_at=now + datetime.timedelta(days=INVITE_DAYS),
    )
    _audit(AuditAction.REGISTRATION_INVITE_CREATED, actor=actor,
           summary=_("Registration invitation link created for %(association)s") % {"association": association}, invite=invite.pk)
    return invite


# --- accounts created by staff (experts) ------------------------------------------------------------

def create_account_with_phone(*, username: str, full_name: str, email: str, phone: str, actor, base_url: str):
    """An account without a password whose owner gets a mail to choose one (the link of a reset,
    worded as a welcome). Guards: the user name is free (Django's rules); the phone is a mobile
    number no other account holds; a mail address is given. Side effects: the account, its phone,
    the mail (queued on commit)."""
    phone = mobile_or_refuse(phone)
    if not (email or "").strip():
        raise AccountRefused(_("Enter the mail address: the new account's owner gets the link to set a password there."))
    if AccountProfile.objects.filter(phone=phone).exists():
        raise AccountRefused(_("The mobile number %(phone)s already belongs to an account: add that account to the pool "
                               "instead of creating a new one.") % {"phone": phone})
    try:
        user = create_user(username=username, password=None, full_name=(full_name or "").strip(), email=email.strip())
    except ValidationError as error:
        raise AccountRefused(" ".join(error.messages)) from None
    AccountProfile.objects.create(user=user, phone=phone)
    enqueue_on_commit(mail_password_link, user.pk, base_url, "welcome")
    return user

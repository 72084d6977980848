"""Accounts people manage themselves: the account's mobile phone (SMS resets), enterprise
self-registrations (企业自助注册) and the associations' invitation links."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import ASSOCIATION_KINDS, EnterpriseType
from cases.models import Enterprise, Organisation


class AccountProfile(models.Model):
    """What an account needs beyond Django's user: its mobile number, verified by SMS or entered by
    the staff who created the account. One number belongs to one account, so an SMS reset by number
    reaches exactly one account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="account_profile"
    )
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("account profile")
        verbose_name_plural = _("account profiles")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="account_phone_unique"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the association's approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RegistrationInvite(models.Model):
    """An invitation link of a park / enterprise association: whoever opens it registers with that
    association already chosen. The registration is still approved by the association."""

    association = models.ForeignKey(
        Organisation, verbose_name=_("park / enterprise association"), on_delete=models.CASCADE,
        related_name="registration_invites", limit_choices_to={"kind__in": ASSOCIATION_KINDS},
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("registration invitation")
        verbose_name_plural = _("registration invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.association} · {self.expires_at:%Y-%m-%d}"


class EnterpriseRegistration(models.Model):
    """An enterprise's application for an account, approved or rejected by the association it chose.

    The account exists from the start (so the applicant can sign in and follow the application) but
    holds no role until approval. An enterprise already in the directory (same credit code) is
    matched, never duplicated: `enterprise` points at it from the start."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="enterprise_registrations"
    )
    association = models.ForeignKey(
        Organisation, verbose_name=_("park / enterprise association"), on_delete=models.PROTECT,
        related_name="enterprise_registrations", limit_choices_to={"kind__in": ASSOCIATION_KINDS},
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    enterprise_name = models.CharField(_("enterprise name"), max_length=200)
    enterprise_type = models.CharField(_("enterprise type"), max_length=32, choices=EnterpriseType.choices)
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=11)
    email = models.EmailField(_("e-mail"))
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invite = models.ForeignKey(
        RegistrationInvite, verbose_name=_("invitation"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING)
    reason = models.TextField(_("reason for the rejection"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise registration")
        verbose_name_plural = _("enterprise registrations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RegistrationStatus.values), name="registration_status_valid"),
            # Two applications for one enterprise waiting at once would both create it on approval.
            models.UniqueConstraint(fields=["credit_code"], condition=Q(status="pending"), name="one_pending_registration_per_credit_code"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_name} ({self.get_status_display()})"

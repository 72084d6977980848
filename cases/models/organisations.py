"""The organisation tree, enterprises and memberships (roles as data)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from cases.credit_code import validate_credit_code
from cases.enums import (
    ASSOCIATION_KINDS,
    PARENT_KINDS,
    ROLE_ORGANISATION_KINDS,
    TIER_OF_KIND,
    EnterpriseType,
    OrganisationKind,
    Role,
    Tier,
)

class Organisation(models.Model):
    """A node of the association tree: province → city → county → park / enterprise association.

    `path` lists the ids from the root ("/1/4/17/") so a whole subtree is one indexed prefix match.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=50, blank=True, help_text=_("Used in WeChat display names, e.g. 太原.")
    )
    region = models.CharField(
        _("region"), max_length=50, blank=True, help_text=_("The administrative area it serves, e.g. 太原市 or 小店区.")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"),
            models.UniqueConstraint(fields=["parent", "name"], name="organisation_name_unique_in_parent"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind=OrganisationKind.PROVINCE), name="one_province"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tier(self) -> Tier:
        return TIER_OF_KIND[self.kind]

    @property
    def receiving_tier(self) -> Tier | None:
        """The tier this organisation forwards its list to: its parent's (a county's or, for an
        association above county level, its city's or the province's). None for the province."""
        return TIER_OF_KIND[self.parent.kind] if self.parent_id else None

    @property
    def place(self) -> str:
        """Where an association is, as lists show it: its city's and county's regions ("太原市 小店区"),
        only the city's above county level, its own region directly under the province."""
        city, county = self.ancestor(OrganisationKind.CITY), self.ancestor(OrganisationKind.COUNTY)
        if city is None:
            return self.region
        return " ".join(part for part in (city.region, county.region if county else "") if part)

    @property
    def is_association(self) -> bool:
        return self.kind in ASSOCIATION_KINDS

    def clean(self) -> None:
        allowed = PARENT_KINDS.get(self.kind, ())
        actual = self.parent.kind if self.parent_id else None
        if not allowed and actual is not None:
            raise ValidationError({"parent": _("A provincial organisation has no parent.")})
        if allowed and actual not in allowed:
            raise ValidationError(
                {"parent": _("A %(kind)s must belong to a %(parent)s.")
                 % {"kind": OrganisationKind(self.kind).label,
                    "parent": _(" or ").join(str(OrganisationKind(kind).label) for kind in allowed)}}
            )

    def save(self, *args, **kwargs) -> None:
        # The path needs this row's id, so a new row is saved twice; a moved row
        # rewrites the paths of its whole subtree in the same transaction.
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            parent_path = self.parent.path if self.parent_id else "/"
            new_path = f"{parent_path}{self.pk}/"
            if new_path != old_path:
                Organisation.objects.filter(pk=self.pk).update(path=new_path)
                self.path = new_path
                if old_path:
                    Organisation.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1))
                    )

    def ancestor(self, kind: str) -> "Organisation | None":
        """This organisation or its ancestor of `kind` (walks up a tree at most five deep)."""
        node = self
        while node is not None and node.kind != kind:
            node = node.parent
        return node


class Enterprise(models.Model):
    """企业: submits cases through its park or enterprise association."""

    name = models.CharField(_("enterprise name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    enterprise_type = models.CharField(_("enterprise type"), max_length=32, choices=EnterpriseType.choices)
    association = models.ForeignKey(
        Organisation, verbose_name=_("park / enterprise association"), on_delete=models.PROTECT,
        related_name="enterprises", limit_choices_to={"kind__in": ASSOCIATION_KINDS},
    )
    has_park_association = models.BooleanField(_("its park has a park association"), default=False)
    has_enterprise_association = models.BooleanField(_("has an enterprise association"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise_type__in=EnterpriseType.values), name="enterprise_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if not self.association_id:
            return
        kind = self.association.kind
        if kind not in ASSOCIATION_KINDS:
            raise ValidationError({"association": _("An enterprise belongs to a park or enterprise association.")})
        # The association it submits through settles one of the two flags.
        if kind == OrganisationKind.PARK_ASSOCIATION and not self.has_park_association:
            raise ValidationError(
                {"has_park_association": _("This enterprise submits through a park association, so its park has one.")}
            )
        if kind == OrganisationKind.ENTERPRISE_ASSOCIATION and not self.has_enterprise_association:
            raise ValidationError(
                {"has_enterprise_association": _("This enterprise submits through an enterprise association, so it has one.")}
            )


class Membership(models.Model):
    """A user's role in an organisation (or, for enterprise users, in an enterprise)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            # Enterprise users hang off an enterprise, everybody else off an organisation.
            models.CheckConstraint(
                condition=(
                    Q(role=Role.ENTERPRISE_USER, enterprise__isnull=False, organisation__isnull=True)
                    | (~Q(role=Role.ENTERPRISE_USER) & Q(enterprise__isnull=True, organisation__isnull=False))
                ),
                name="membership_target_matches_role",
            ),
            models.UniqueConstraint(fields=["user", "role", "organisation"], name="membership_unique_organisation"),
            models.UniqueConstraint(fields=["user", "role", "enterprise"], name="membership_unique_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation or self.enterprise}"

    def clean(self) -> None:
        kinds = ROLE_ORGANISATION_KINDS.get(self.role)
        if self.role == Role.ENTERPRISE_USER:
            if not self.enterprise_id or self.organisation_id:
                raise ValidationError(_("An enterprise user belongs to an enterprise, not to an organisation."))
            return
        if not self.organisation_id or self.enterprise_id:
            raise ValidationError(_("This role belongs to an organisation; choose the organisation, not an enterprise."))
        if kinds and self.organisation.kind not in kinds:
            raise ValidationError(
                {"organisation": _("The role %(role)s cannot be held in a %(kind)s.")
                 % {"role": Role(self.role).label, "kind": OrganisationKind(self.organisation.kind).label}}
            )

    @property
    def tier(self) -> Tier:
        if self.role == Role.ENTERPRISE_USER:
            return Tier.ENTERPRISE
        return TIER_OF_KIND[self.organisation.kind]

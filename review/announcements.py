"""Announcements of the provincial center: who receives one, who sees it on the workbench, sending it.

One rule decides both the mail and the workbench: a membership is addressed when its role is one
of the chosen tiers and, for an announcement to one city, its organisation (or its enterprise's
association) lies under that city's path."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.enums import OrganisationKind, Role
from cases.models import Membership, Organisation
from cases.refusals import Refused
from cases.rules import can_administer
from mail import kinds
from mail.services import send_templated
from portal.queueing import enqueue_on_commit
from review.models import Announcement
from review.tasks import send_announcement_mails_task

# Audience flag of the announcement → the role addressed.
AUDIENCE_ROLES = {
    "to_enterprises": Role.ENTERPRISE_USER,
    "to_associations": Role.ASSOCIATION_STAFF,
    "to_counties": Role.COUNTY_STAFF,
    "to_cities": Role.CITY_STAFF,
}
RECENT_ON_WORKBENCH = 5


class AnnouncementRefused(Refused):
    """A refused announcement; the message says what to fix, in Chinese."""


def _membership_scope(flag: str, city: Organisation | None) -> Q:
    """Memberships addressed by one audience flag (within `city` when given)."""
    role = AUDIENCE_ROLES[flag]
    scope = Q(role=role)
    if city is not None:
        if role == Role.ENTERPRISE_USER:
            scope &= Q(enterprise__association__path__startswith=city.path)
        else:
            scope &= Q(organisation__path__startswith=city.path)
    return scope


def recipient_memberships(announcement: Announcement):
    scope = Q(pk__in=[])
    for flag in AUDIENCE_ROLES:
        if getattr(announcement, flag):
            scope |= _membership_scope(flag, announcement.city)
    return Membership.objects.filter(scope)


def recipient_emails(announcement: Announcement) -> list[str]:
    """The addresses of the active accounts the announcement is for."""
    users = get_user_model().objects.filter(
        is_active=True, pk__in=recipient_memberships(announcement).values("user_id"),
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def announcements_for(user, *, limit: int = RECENT_ON_WORKBENCH) -> list[Announcement]:
    """The newest announcements addressed to one of the user's memberships (the workbench shows them)."""
    if not user.is_authenticated:
        return []
    memberships = list(Membership.objects.filter(user=user, role__in=AUDIENCE_ROLES.values())
                       .select_related("organisation", "enterprise__association"))
    if not memberships:
        return []
    flag_of_role = {role: flag for flag, role in AUDIENCE_ROLES.items()}
    scope = Q(pk__in=[])
    for membership in memberships:
        path = (membership.enterprise.association.path if membership.role == Role.ENTERPRISE_USER
                else membership.organisation.path)
        city_id = int(path.strip("/").split("/")[1]) if path.count("/") > 2 else None
        scope |= Q(**{flag_of_role[membership.role]: True}) & (Q(city__isnull=True) | Q(city_id=city_id))
    return list(Announcement.objects.filter(scope).select_related("sent_by", "city")[:limit])


def sent_announcements(*, limit: int = 100) -> list[Announcement]:
    return list(Announcement.objects.select_related("sent_by", "city")[:limit])


def audience_text(announcement: Announcement) -> str:
    labels = {"to_enterprises": _("enterprises"), "to_associations": _("park / enterprise associations"),
              "to_counties": _("county associations"), "to_cities": _("city associations")}
    chosen = "、".join(str(label) for flag, label in labels.items() if getattr(announcement, flag))
    if announcement.city_id:
        return _("%(audience)s of %(city)s") % {"audience": chosen, "city": announcement.city.name}
    return _("all %(audience)s") % {"audience": chosen}


@transaction.atomic
def send_announcement(*, title: str, message: str, actor, to_enterprises: bool = False, to_associations: bool = False,
                      to_counties: bool = False, to_cities: bool = False, city: Organisation | None = None,
                      now: datetime.datetime | None = None) -> Announcement:
    """Publish an announcement of the provincial center.

    Guards: the actor is provincial staff; a title and a text; at least one tier; `city`, when
    given, is a city. Side effects, in order: the announcement row (from then on on the
    recipients' workbench); after commit, a task writes one outbox mail per recipient address."""
    if not can_administer(actor):
        raise AnnouncementRefused(_("Only provincial staff send announcements."))
    title, message = (title or "").strip(), (message or "").strip()
    if not title or not message:
        raise AnnouncementRefused(_("Write a title and a text for the announcement."))
    if not (to_enterprises or to_associations or to_counties or to_cities):
        raise AnnouncementRefused(_("Choose who receives the announcement: enterprises, associations, counties or cities."))
    if city is not None and city.kind != OrganisationKind.CITY:
        raise AnnouncementRefused(_("Choose a city, or leave the city empty to address the whole province."))
    announcement = Announcement.objects.create(
        title=title[:100], message=message, to_enterprises=to_enterprises, to_associations=to_associations,
        to_counties=to_counties, to_cities=to_cities, city=city, sent_by=actor, sent_at=now or timezone.now(),
    )
    enqueue_on_commit(send_announcement_mails_task, announcement.pk)
    return announcement


def mail_announcement(announcement_id: int) -> int:
    """Write the announcement's mail to every recipient address (once each: keyed by the
    announcement, so running twice writes nothing more) and record how many. Returns that number."""
    announcement = Announcement.objects.select_related("sent_by", "city").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    province = Organisation.objects.filter(kind=OrganisationKind.PROVINCE).only("name").first()
    sender = province.name if province else _("the provincial center")
    count = send_templated(kind=kinds.ANNOUNCEMENT.key, to=recipient_emails(announcement), key=f"announcement:{announcement.pk}",
                           values={"title": announcement.title, "message": announcement.message, "sender": sender})
    Announcement.objects.filter(pk=announcement.pk).update(mailed_count=count)
    return count

"""What seed_demo may touch: a database holding nothing but the demo, and only the demo campaign in it.

The demo is seeded into an empty database (what `migrate` leaves: the 2024 campaign, the province
and its eleven cities) or into a database the demo made earlier, recognised by its campaign (the
title ends in DEMO_TITLE_SUFFIX; a copy made in the admin keeps it). Anything else means real data: seed_demo refuses and says what
it found, so a production database never gets demo accounts with a published password, and the
demo's reset never deletes a real campaign.

Rebuilding the demo at another stage deletes the demo campaigns whole: its cases, files, lists,
expert work, ballots, selection and certificates. Ballots and their logs are append-only and
foreign keys PROTECT cases and campaigns, so that the application's own code can never lose a
vote or a case; the reset removes them on purpose, only in a demo database, with Django's deletion
collector (which reads each model's plain base manager and so bypasses the append-only manager).
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from cases.enums import OrganisationKind
from cases.models import AuditEvent, Campaign, Case, Enterprise, Membership, Organisation
from cases.refusals import Refused

DEMO_TITLE_SUFFIX = "（演示）"
REFERENCE_YEAR = 2024  # the campaign the data migration loads; the demo copies its quotas and criteria


class DemoRefused(Refused):
    """seed_demo will not run on this database; the message says why and what to do."""


def demo_campaigns():
    """The campaigns the demo made (and copies of them made in the admin while trying it)."""
    return Campaign.objects.filter(title__endswith=DEMO_TITLE_SUFFIX)


def demo_campaign() -> Campaign | None:
    """The demo's campaign: this year's, which seed_demo makes, else the latest demo campaign."""
    this_year = demo_campaigns().filter(year=timezone.localdate().year).first()
    return this_year or demo_campaigns().order_by("-year").first()


def foreign_data(demo: Campaign | None) -> list[str]:
    """What in the database the demo did not make, each as "N kind" in Chinese; empty: none.

    With a demo campaign present the database is the demo's, and what people made while trying it
    (registrations, expert accounts, a next year's campaign) is part of the demo; only a case of
    another campaign is real work. Without one, any enterprise, organisation below the cities,
    role, case or campaign besides the 2024 one is real data."""
    if demo is not None:
        counts = [(Case.objects.exclude(campaign__in=demo_campaigns()).count(), _("case(s) outside the demo campaign"))]
    else:
        counts = [
            (Case.objects.count(), _("case(s)")),
            (Enterprise.objects.count(), _("enterprise(s)")),
            (Organisation.objects.exclude(kind__in=(OrganisationKind.PROVINCE, OrganisationKind.CITY)).count(),
             _("county, park or enterprise association(s)")),
            (Membership.objects.count(), _("role(s) of accounts")),
            (Campaign.objects.exclude(year=REFERENCE_YEAR).count(), _("campaign(s) besides 2024")),
        ]
    return [f"{count} {label}" for count, label in counts if count]


def ensure_demo_database() -> Campaign | None:
    """The demo campaign (None in an empty database); DemoRefused when the database holds real data."""
    demo = demo_campaign()
    found = foreign_data(demo)
    if found:
        raise DemoRefused(
            _("This database already holds data that is not the demo's (%(found)s), so seed_demo changes nothing: "
              "the demo has published passwords and its reset deletes data. Run the demo on a database of its own: "
              "an empty PostgreSQL database in DATABASE_URL, or delete db.sqlite3 for the embedded default, then run "
              "`python manage.py migrate` and seed_demo again.") % {"found": "、".join(found)}
        )
    return demo


@transaction.atomic
def delete_demo_campaigns() -> None:
    """Delete the demo campaigns and everything that hangs off them, then the audit log (in a
    demo database it only describes the demo). Stored files go after commit. Accounts,
    organisations and enterprises stay: the next demo uses them again."""
    files: list[tuple] = []
    campaign_ids = list(demo_campaigns().values_list("pk", flat=True))
    case_ids = [str(pk) for pk in Case.objects.filter(campaign_id__in=campaign_ids).values_list("pk", flat=True)]
    _delete_with_dependents(Campaign, campaign_ids, files)
    _delete_object_permissions(Case, case_ids)
    AuditEvent.objects.all().delete()

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)


def _delete_with_dependents(model, pks: list, files: list[tuple]) -> None:
    """Delete the rows and every row depending on them, PROTECT and RESTRICT included (those are
    deleted first, recursively), remembering their stored files."""
    if not pks:
        return
    while True:
        collector = Collector(using=DEFAULT_DB_ALIAS)
        try:
            collector.collect(list(model._base_manager.filter(pk__in=pks)))
        except ProtectedError as error:
            _delete_rows(error.protected_objects, files)
            continue
        except RestrictedError as error:
            _delete_rows(error.restricted_objects, files)
            continue
        _remember_files(collector, files)
        collector.delete()
        return


def _delete_rows(rows, files: list[tuple]) -> None:
    by_model = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row.pk)
    for model, pks in by_model.items():
        _delete_with_dependents(model, pks, files)


def _remember_files(collector: Collector, files: list[tuple]) -> None:
    def file_fields(model):
        return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]

    for model, rows in collector.data.items():
        for field in file_fields(model):
            files += [(field.storage, getattr(row, field.attname).name) for row in rows if getattr(row, field.attname)]
    for queryset in collector.fast_deletes:
        for field in file_fields(queryset.model):
            files += [(field.storage, name) for name in queryset.values_list(field.attname, flat=True) if name]


def _delete_object_permissions(model, object_pks: list[str]) -> None:
    """django-guardian's per-object grants (an expert's view of an assigned case) point at their
    object by content type and id, without a foreign key, so no deletion reaches them."""
    content_type = ContentType.objects.get_for_model(model)
    for grants in (UserObjectPermission, GroupObjectPermission):
        grants.objects.filter(content_type=content_type, object_pk__in=object_pks).delete()


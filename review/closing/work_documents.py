"""活动方案 and 工作总结 of every tier and co-organiser (附件1 四(三)): who writes them, who may upload
and read them, the upload's checks, their deadlines (cases.deadlines.stage_window with the stages
ACTIVITY_PLAN and WORK_SUMMARY) and the province's view of who has and has not delivered.

A holder is an Organisation of a tier that organises (city, county, park / enterprise association)
or a CoOrganiser of the campaign."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import StageWindow, stage_window
from cases.enums import AuditAction, OrganisationKind, Role, Tier
from cases.models import AuditEvent, Campaign, CoOrganiser, Organisation
from cases.queries import memberships_of, sees_whole_province
from cases.rules import can_administer, ensure_campaign_open
from cases.uploads import SIGNATURES, UploadRejected, display_name, extension_of, pdf_problems
from review.closing.common import city_of_path, city_order
from review.closing.models import WorkDocument, WorkDocumentKind

DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
DOCUMENT_EXTENSIONS = ("docx", "doc", "pdf")
# The tiers that organise the campaign locally and so write a plan and a summary (四(三)), top down.
ORGANISING_KINDS = (OrganisationKind.CITY, OrganisationKind.COUNTY, OrganisationKind.PARK_ASSOCIATION,
                    OrganisationKind.ENTERPRISE_ASSOCIATION)
STAFF_ROLE_OF_KIND = {
    OrganisationKind.CITY: Role.CITY_STAFF, OrganisationKind.COUNTY: Role.COUNTY_STAFF,
    OrganisationKind.PARK_ASSOCIATION: Role.ASSOCIATION_STAFF, OrganisationKind.ENTERPRISE_ASSOCIATION: Role.ASSOCIATION_STAFF,
}
TIER_ROWS = (Tier.CITY, Tier.COUNTY, Tier.ASSOCIATION)

Holder = Organisation | CoOrganiser


def holder_key(holder: Holder) -> str:
    """How URLs and reminders name a holder: "organisation-12" or "co_organiser-3"."""
    return f"{'co_organiser' if isinstance(holder, CoOrganiser) else 'organisation'}-{holder.pk}"


def holder_name(holder: Holder) -> str:
    return holder.name


# --- who may do what ----------------------------------------------------------------------------

def may_upload_work_document(user, holder: Holder) -> bool:
    """Provincial staff for anyone; an organisation's own staff; a co-organiser's own accounts."""
    if can_administer(user):
        return True
    if isinstance(holder, CoOrganiser):
        return user.is_authenticated and holder.members.filter(pk=user.pk).exists()
    role = STAFF_ROLE_OF_KIND.get(holder.kind)
    return any(m.role == role and m.organisation_id == holder.pk for m in memberships_of(user))


def may_read_work_document(user, holder: Holder) -> bool:
    """Who may upload it, and the whole province (the province's view of who delivered)."""
    return sees_whole_province(user) or may_upload_work_document(user, holder)


def own_holders(user, campaign: Campaign) -> list[Holder]:
    """The holders whose documents `user` uploads: its organisations of an organising tier and the
    co-organisers it speaks for (provincial staff reach every holder from the province's view)."""
    holders: list[Holder] = [
        m.organisation for m in memberships_of(user)
        if m.organisation_id and m.organisation.kind in ORGANISING_KINDS and STAFF_ROLE_OF_KIND[m.organisation.kind] == m.role
    ]
    if user.is_authenticated:
        holders += list(CoOrganiser.objects.filter(campaign=campaign, members=user))
    return holders


def holder_from_key(campaign: Campaign, key: str) -> Holder | None:
    kind, _sep, pk = key.partition("-")
    if not pk.isdigit():
        return None
    if kind == "organisation":
        return Organisation.objects.filter(pk=int(pk), kind__in=ORGANISING_KINDS).first()
    if kind == "co_organiser":
        return CoOrganiser.objects.filter(pk=int(pk), campaign=campaign).first()
    return None


# --- deadlines ----------------------------------------------------------------------------------

def document_window(campaign: Campaign, kind: str, holder: Holder, now: datetime.datetime | None = None) -> StageWindow:
    """The holder's window for the document: the campaign's day for it, an organisation's extension
    counted (a co-organiser has the campaign's day)."""
    organisation = holder if isinstance(holder, Organisation) else None
    return stage_window(campaign, WorkDocumentKind(kind).stage, now=now, organisation=organisation)


def is_late(document: WorkDocument, window: StageWindow) -> bool:
    """Uploaded after the holder's deadline (extensions counted): kept, and shown as late."""
    return window.closes_at is not None and document.uploaded_at >= window.closes_at


# --- the upload ---------------------------------------------------------------------------------

def store_work_document(*, campaign: Campaign, kind: str, holder: Holder, actor, uploaded_file,
                        now: datetime.datetime | None = None) -> WorkDocument:
    """Keep one version of the holder's 活动方案 or 工作总结 (Word .docx/.doc or a stamped PDF).

    Invariants: the campaign is open; `actor` may upload for the holder (may_upload_work_document);
    the holder organises (a city, county or park / enterprise association, or a co-organiser of
    this campaign); the file is a real .docx/.doc/.pdf by its first bytes, not empty, at most
    DOCUMENT_MAX_BYTES; a PDF passes the portal's PDF checks (readable, not encrypted). After the
    deadline the file is still taken and shown as late. Side effects: the bytes in storage under
    an opaque name; one WorkDocument row (earlier versions kept); an audit row.
    """
    now = now or timezone.now()
    kind = WorkDocumentKind(kind)
    ensure_campaign_open(campaign, error=UploadRejected)
    if isinstance(holder, CoOrganiser):
        if holder.campaign_id != campaign.pk:
            raise UploadRejected(_("This department is not a co-organiser of the campaign."))
    elif holder.kind not in ORGANISING_KINDS:
        raise UploadRejected(_("Only cities, counties and park or enterprise associations upload an activity plan and a work summary."))
    if not may_upload_work_document(actor, holder):
        raise UploadRejected(_("Only the organisation's own staff or provincial staff may upload its %(document)s.")
                             % {"document": kind.label})
    if uploaded_file is None:
        raise UploadRejected(_("Choose a file to upload."))
    name = display_name(uploaded_file.name, fallback_extension="docx")
    extension = extension_of(uploaded_file.name or "")
    if extension not in DOCUMENT_EXTENSIONS:
        raise UploadRejected(_("Upload the %(document)s as a Word (.docx, .doc) or PDF file.") % {"document": kind.label})
    if not uploaded_file.size or uploaded_file.size > DOCUMENT_MAX_BYTES:
        raise UploadRejected(_("The file is empty or larger than 50 MB."))
    uploaded_file.seek(0)
    if not SIGNATURES[extension](uploaded_file.read(16)):
        raise UploadRejected(_("“%(name)s” is not a real %(extension)s file; save it again in its program.") % {
            "name": name, "extension": extension.upper()})
    if extension == "pdf":
        problems = pdf_problems(uploaded_file)  # damaged, encrypted or empty PDFs, as for every PDF
        if problems:
            raise UploadRejected(" ".join(problems))
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    organisation = holder if isinstance(holder, Organisation) else None
    co_organiser = holder if isinstance(holder, CoOrganiser) else None
    with transaction.atomic():
        row = WorkDocument(campaign=campaign, kind=kind, organisation=organisation, co_organiser=co_organiser,
                           original_name=name, size=uploaded_file.size, sha256=digest.hexdigest(),
                           uploaded_by=actor, uploaded_at=now)
        row.file.save(name, uploaded_file, save=False)
        row.save()
        AuditEvent.objects.create(
            action=AuditAction.WORK_DOCUMENT_UPLOADED, actor=actor,
            summary=(_("%(document)s of %(holder)s uploaded: %(name)s") % {
                "document": kind.label, "holder": holder.name, "name": name})[:300],
            details={"work_document": row.pk, "kind": str(kind), "holder": holder_key(holder)},
        )
    return row


# --- reads --------------------------------------------------------------------------------------

def current_documents(campaign: Campaign, kind: str | None = None) -> dict[tuple[str, str], WorkDocument]:
    """(kind, holder key) → the holder's latest upload of that document."""
    rows = WorkDocument.objects.filter(campaign=campaign).select_related("organisation", "co_organiser")
    if kind is not None:
        rows = rows.filter(kind=kind)
    latest: dict[tuple[str, str], WorkDocument] = {}
    for row in rows.order_by("-uploaded_at", "-pk"):
        latest.setdefault((row.kind, holder_key(row.holder)), row)
    return latest


def current_document(campaign: Campaign, kind: str, holder: Holder) -> WorkDocument | None:
    organisation = holder if isinstance(holder, Organisation) else None
    co_organiser = holder if isinstance(holder, CoOrganiser) else None
    return (WorkDocument.objects.filter(campaign=campaign, kind=kind, organisation=organisation, co_organiser=co_organiser)
            .order_by("-uploaded_at", "-pk").first())


@dataclass
class DeliveryCell:
    """One holder's document in the province's view."""

    holder: Holder
    document: WorkDocument | None
    window: StageWindow

    @property
    def delivered(self) -> bool:
        return self.document is not None

    @property
    def late(self) -> bool:
        return self.document is not None and is_late(self.document, self.window)

    @property
    def overdue(self) -> bool:
        """Not delivered and past its deadline."""
        return self.document is None and self.window.deadline_passed


@dataclass
class TierDelivery:
    """Of one tier in one city: how many have delivered, and who has not."""

    tier: Tier
    cells: list[DeliveryCell] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return sum(1 for cell in self.cells if cell.delivered)

    @property
    def missing(self) -> list[DeliveryCell]:
        return [cell for cell in self.cells if not cell.delivered]


@dataclass
class CityDelivery:
    city: Organisation
    tiers: list[TierDelivery]


@dataclass
class Delivery:
    """Who has and has not delivered one document: per city and tier, then the co-organisers."""

    kind: str
    cities: list[CityDelivery]
    co_organisers: list[DeliveryCell]

    @property
    def label(self) -> str:
        return WorkDocumentKind(self.kind).label

    def totals(self) -> list[tuple[Tier, int, int]]:
        """(tier, delivered, expected) over the province."""
        sums = {tier: [0, 0] for tier in TIER_ROWS}
        for city in self.cities:
            for row in city.tiers:
                sums[row.tier][0] += row.delivered
                sums[row.tier][1] += len(row.cells)
        return [(tier, delivered, expected) for tier, (delivered, expected) in sums.items()]


def delivery(campaign: Campaign, kind: str, now: datetime.datetime | None = None) -> Delivery:
    """The province's view of one document: every organising organisation under each city (in 附件2's
    order) with its latest upload, whether it was late, and who is overdue; then the co-organisers.
    A fixed number of queries whatever the number of organisations."""
    from cases.models import DeadlineExtension

    now = now or timezone.now()
    stage = WorkDocumentKind(kind).stage
    documents = current_documents(campaign, kind)
    extended = dict(DeadlineExtension.objects.filter(campaign=campaign, tier=stage, organisation__isnull=False)
                    .values_list("organisation_id", "closes_on").order_by("closes_on"))
    base = stage_window(campaign, stage, now=now)

    def window_of(organisation_id: int | None) -> StageWindow:
        day = extended.get(organisation_id)
        if day is None:
            return base
        return stage_window(campaign, stage, now=now, organisation=Organisation(pk=organisation_id))

    order = city_order(campaign)
    organisations = list(Organisation.objects.filter(kind__in=ORGANISING_KINDS).order_by("path"))
    cities = sorted((o for o in organisations if o.kind == OrganisationKind.CITY), key=lambda c: order.get(c.pk, 999))
    result = []
    for city in cities:
        rows = {tier: TierDelivery(tier=tier) for tier in TIER_ROWS}
        for organisation in organisations:
            if city_of_path(organisation.path) != city.pk:
                continue
            cell = DeliveryCell(organisation, documents.get((kind, holder_key(organisation))), window_of(organisation.pk))
            rows[organisation.tier].cells.append(cell)
        result.append(CityDelivery(city=city, tiers=[rows[tier] for tier in TIER_ROWS]))
    co_organisers = [DeliveryCell(holder, documents.get((kind, holder_key(holder))), base)
                     for holder in CoOrganiser.objects.filter(campaign=campaign)]
    return Delivery(kind=kind, cities=result, co_organisers=co_organisers)


def holders_without(campaign: Campaign, kind: str) -> list[Holder]:
    """Every holder that has not uploaded the document yet (for the reminders)."""
    documents = current_documents(campaign, kind)
    holders: list[Holder] = list(Organisation.objects.filter(kind__in=ORGANISING_KINDS).order_by("path"))
    holders += list(CoOrganiser.objects.filter(campaign=campaign))
    return [holder for holder in holders if (kind, holder_key(holder)) not in documents]

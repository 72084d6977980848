"""Writes of the pipeline: tier decisions, batches (rank, summary tables, signed scan, forward),
deadline extensions. Every status change goes through cases.workflow.transition_case."""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import stage_window
from cases.enums import REVIEW_STATUS, AuditAction, CaseStatus, Stage, Tier
from cases.models import AuditEvent, Campaign, Case, CaseTransition, DeadlineExtension, Enterprise, Organisation
from cases.refusals import Refused
from cases.rules import ensure_campaign_open
from cases.uploads import pdf_problems
from cases.workflow import TransitionRefused, transition_case
from portal.queueing import enqueue_on_commit
from review.models import Batch, BatchItem, BatchStatus
from review.paper.queries import paper_forward_problems
from review.list_order import default_order
from review.queries import list_fingerprint, ready_cases

# The decisions each tier takes on one case, and the status each leads to.
DECISIONS: dict[Tier, dict[str, str]] = {
    Tier.ASSOCIATION: {
        "recommend": CaseStatus.ASSOCIATION_RECOMMENDED,
        "return": CaseStatus.RETURNED,
        "decline": CaseStatus.ASSOCIATION_DECLINED,
        "reopen": CaseStatus.SUBMITTED,
    },
    Tier.COUNTY: {"pass": CaseStatus.COUNTY_PASSED, "fail": CaseStatus.COUNTY_FAILED, "reopen": CaseStatus.COUNTY_REVIEW},
    Tier.CITY: {"select": CaseStatus.CITY_SELECTED, "reject": CaseStatus.CITY_NOT_SELECTED, "reopen": CaseStatus.CITY_REVIEW},
}


class BatchRefused(Refused):
    """A batch action that cannot be done now; the message says why and what to do, in Chinese."""


# The tiers that may forward supplementary lists (补报) after their first. A city forwards exactly
# its quota once, so its decisions are final once its list is forwarded.
SUPPLEMENT_TIERS = (Tier.ASSOCIATION, Tier.COUNTY)


@transaction.atomic
def decide_case(*, case: Case, tier: Tier, decision: str, actor, reason: str = "",
                now: datetime.datetime | None = None) -> CaseTransition:
    """One tier's decision on one case (recommend, return, pass, fail, select …).

    A city's decision is refused once the city's list was forwarded (no supplement at the city).
    """
    target = DECISIONS.get(tier, {}).get(decision)
    if target is None:
        raise TransitionRefused(_("Unknown decision."))
    if tier == Tier.CITY:
        _refuse_after_city_forward(forwarded_city_batch_of(case, lock=True))
    return transition_case(case, to=target, actor=actor, reason=reason, now=now)


def forwarded_city_batch_of(case: Case, *, lock: bool = False) -> Batch | None:
    """The forwarded list of the case's city, if the city has forwarded. `lock` (inside a
    transaction) makes a city's decision wait for a forward in progress, then see it."""
    path = Case.objects.filter(pk=case.pk).values_list("enterprise__association__path", flat=True).get()
    batches = Batch.objects.select_for_update(of=("self",)) if lock else Batch.objects.all()
    return batches.filter(
        campaign_id=case.campaign_id, tier=Tier.CITY, organisation__path__in=_paths_from_root(path),
        status=BatchStatus.FORWARDED,
    ).first()


def _forwarded_city_batch_above(organisation: Organisation, campaign: Campaign) -> Batch | None:
    """The forwarded list of the city above an association or county, if the city has forwarded."""
    return (
        Batch.objects.filter(campaign=campaign, tier=Tier.CITY, organisation__path__in=_paths_from_root(organisation.path),
                             status=BatchStatus.FORWARDED)
        .first()
    )


def _paths_from_root(path: str) -> list[str]:
    """The paths of an organisation and its ancestors: "/1/4/17/" → "/1/", "/1/4/", "/1/4/17/"."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:length]) + "/" for length in range(1, len(parts) + 1)]


def _refuse_after_city_forward(batch: Batch | None) -> None:
    if batch is not None and batch.status == BatchStatus.FORWARDED:
        raise BatchRefused(
            _("The city's list was forwarded to the province on %(when)s, so the city's decisions can no longer "
              "be changed: a city forwards its quota once, without supplements. Contact the provincial center "
              "if something must be corrected.") % {"when": timezone.localtime(batch.forwarded_at).strftime("%Y-%m-%d %H:%M")}
        )


# The two 意见 rows of the 推荐表 (附件3): written by the recommending association and by the city.
OPINION_FIELDS = {Tier.ASSOCIATION: "recommender_opinion", Tier.CITY: "city_opinion"}
MAX_OPINION_CHARACTERS = 500


@transaction.atomic
def record_opinion(*, case: Case, tier: Tier, text: str, actor) -> Case:
    """Write the tier's 意见 on the case's 推荐表, while the case waits for that tier's decision."""
    from cases.queries import WAITING_FOR_TIER
    from cases.rules import may_act_for_tier

    field = OPINION_FIELDS.get(tier)
    if field is None:
        raise BatchRefused(_("Only the recommending association and the city association write an opinion on the form."))
    case = Case.objects.select_for_update(of=("self",)).select_related("campaign", "enterprise__association__parent__parent").get(pk=case.pk)
    ensure_campaign_open(case.campaign, error=BatchRefused)
    if not may_act_for_tier(actor, case, tier):
        raise BatchRefused(_("Only staff of the organisation that handles this case may write its opinion."))
    if case.status not in WAITING_FOR_TIER[tier]:
        raise BatchRefused(_("The case has moved on (it is “%(status)s”): its opinion can no longer be changed here.") % {
            "status": CaseStatus(case.status).label})
    if tier == Tier.CITY:
        _refuse_after_city_forward(forwarded_city_batch_of(case, lock=True))
    # A browser sends each line break as CRLF but counts it as one character (maxlength): so do we.
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_OPINION_CHARACTERS:
        raise BatchRefused(_("The opinion may have at most %(limit)d characters; it now has %(count)d. Shorten it.") % {
            "limit": MAX_OPINION_CHARACTERS, "count": len(text)})
    setattr(case, field, text)
    case.save(update_fields=[field, "updated_at"])
    return case


@transaction.atomic
def open_batch(*, organisation: Organisation, campaign: Campaign) -> Batch:
    """The organisation's current batch, with its items matching the cases now ready to forward.

    Cases no longer ready leave. Whenever the cases change, a list nobody reordered by hand is put
    in its default order (review.list_order: the tier below's 序号, at the city the experts'
    scores); a list reordered by hand keeps that order and new cases join at the end.
    Once a list is forwarded, an association or a county gets a new batch (the next `sequence`,
    补报) as soon as a case is ready again; until then, and always for a city, the forwarded
    batch is returned unchanged.
    """
    tier = organisation.tier
    latest = Batch.objects.filter(campaign=campaign, organisation=organisation).order_by("-sequence").first()
    if latest is None:
        latest = _create_batch(organisation=organisation, campaign=campaign, sequence=1, contact=_default_contact(organisation))
    batch = Batch.objects.select_for_update().get(pk=latest.pk)
    if batch.status != BatchStatus.OPEN:
        if tier not in SUPPLEMENT_TIERS or not ready_cases(organisation, campaign, tier).exists():
            return batch
        supplement = _create_batch(organisation=organisation, campaign=campaign, sequence=batch.sequence + 1,
                                   contact=batch.contact or _default_contact(organisation))
        batch = Batch.objects.select_for_update().get(pk=supplement.pk)
    ready = {case.pk: case for case in ready_cases(organisation, campaign, tier).order_by("submitted_at", "pk")}
    items = list(batch.items.order_by("rank"))
    kept = [item for item in items if item.case_id in ready]
    removed, _counts = BatchItem.objects.filter(batch=batch).exclude(case_id__in=ready).delete()
    known = {item.case_id for item in kept}
    added = [
        BatchItem(batch=batch, case_id=case_id, rank=0, is_presenter_candidate=ready[case_id].is_presenter_candidate)
        for case_id in ready if case_id not in known
    ]
    if not added and not removed:
        return batch
    BatchItem.objects.bulk_create(added)
    current = kept + list(BatchItem.objects.filter(batch=batch, case_id__in=[item.case_id for item in added]))
    if batch.order_changed_at is None:
        by_case = {item.case_id: item for item in current}
        current = [by_case[case_id] for case_id in default_order(organisation, campaign, by_case)]
    _renumber(current)
    return batch
def _create_batch(*, organisation: Organisation, campaign: Campaign, sequence: int, contact: str) -> Batch:
    try:
        with transaction.atomic():
            return Batch.objects.create(campaign=campaign, organisation=organisation, sequence=sequence,
                                        tier=organisation.tier, contact=contact)
    except IntegrityError:  # another request opened it a moment ago
        return Batch.objects.get(campaign=campaign, organisation=organisation, sequence=sequence)


def _renumber(items: list[BatchItem]) -> None:
    # Ranks are unique per batch; the constraint is deferred so a reorder can pass through duplicates.
    for position, item in enumerate(items, start=1):
        if item.rank != position:
            item.rank = position
            item.save(update_fields=["rank"])


def _default_contact(organisation: Organisation) -> str:
    return " ".join(part for part in (organisation.contact_name, organisation.contact_phone) if part)


@transaction.atomic
def rank_batch(*, batch: Batch, ordered_case_ids: list[int], presenter_case_ids: set[int], contact: str, actor,
               now: datetime.datetime | None = None) -> Batch:
    """Set the order, the presenter marks and the contact line of an open batch.

    A changed order is the staff's from then on (open_batch no longer re-sorts the list) and is
    audited with the order before and after; saving marks or the contact alone changes neither.
    """
    batch = Batch.objects.select_for_update().select_related("organisation").get(pk=batch.pk)
    _require_open(batch)
    items = {item.case_id: item for item in batch.items.select_related("case")}
    if set(ordered_case_ids) != set(items):
        raise BatchRefused(_("The list changed while you were ranking it. Reload the page and rank it again."))
    before = sorted(items, key=lambda case_id: items[case_id].rank)
    for position, case_id in enumerate(ordered_case_ids, start=1):
        item = items[case_id]
        item.rank = position
        item.is_presenter_candidate = case_id in presenter_case_ids
        item.save(update_fields=["rank", "is_presenter_candidate"])
    batch.contact = contact.strip()[:100]
    update = ["contact"]
    if list(ordered_case_ids) != before:
        batch.order_changed_at, batch.order_changed_by = now or timezone.now(), actor
        update += ["order_changed_at", "order_changed_by"]
        _audit_reorder(batch, actor=actor, before=before, after=list(ordered_case_ids),
                       titles={case_id: item.case.title for case_id, item in items.items()})
    batch.save(update_fields=update)
    return batch


@transaction.atomic
def restore_default_order(*, batch: Batch, actor) -> Batch:
    """Put an open batch back in its default order (review.list_order) with today's scores and ranks,
    and let open_batch keep it so. Audited when the order changes."""
    batch = Batch.objects.select_for_update().select_related("organisation", "campaign").get(pk=batch.pk)
    _require_open(batch)
    items = {item.case_id: item for item in batch.items.select_related("case")}
    before = sorted(items, key=lambda case_id: items[case_id].rank)
    after = default_order(batch.organisation, batch.campaign, items)
    _renumber([items[case_id] for case_id in after])
    if after != before:
        _audit_reorder(batch, actor=actor, before=before, after=after,
                       titles={case_id: item.case.title for case_id, item in items.items()}, restored=True)
    batch.order_changed_at, batch.order_changed_by = None, None
    batch.save(update_fields=["order_changed_at", "order_changed_by"])
    return batch


def _audit_reorder(batch: Batch, *, actor, before: list[int], after: list[int], titles: dict[int, str],
                   restored: bool = False) -> None:
    def listed(case_ids):
        return " ".join(f"{position}. {titles[case_id]}" for position, case_id in enumerate(case_ids, start=1))

    text = _("default order restored") if restored else _("changed by hand")
    summary = _("Order of the list of %(organisation)s (list %(sequence)d) %(how)s: %(after)s (was: %(before)s)") % {
        "organisation": batch.organisation, "sequence": batch.sequence, "how": text, "after": listed(after),
        "before": listed(before)}
    AuditEvent.objects.create(
        action=AuditAction.LIST_REORDERED, actor=actor, summary=summary[:300],
        details={"batch": batch.pk, "restored": restored, "before": before, "after": after},
    )


def _require_open(batch: Batch) -> None:
    """Every write to a list starts here: the campaign still open, the list not forwarded yet."""
    ensure_campaign_open(batch.campaign, error=BatchRefused)
    if batch.status != BatchStatus.OPEN:
        raise BatchRefused(_("This list was already forwarded on %(when)s.") % {
            "when": timezone.localtime(batch.forwarded_at).strftime("%Y-%m-%d %H:%M")})


def request_summary_tables(*, batch: Batch, actor) -> None:
    """Queue the generation of the Word and Excel summary tables for the list as it is now."""
    _require_open(batch)
    if not batch.contact.strip():
        # The tables print it and the notice wants them complete (填写内容完整无空缺).
        raise BatchRefused(_("Fill in the contact person and phone in step 1 and save: they are printed on the summary table."))
    Batch.objects.filter(pk=batch.pk).update(generation_state="pending")
    from review.tasks import generate_summary_tables_task

    enqueue_on_commit(generate_summary_tables_task, batch.pk)


def generate_summary_tables(batch_id: int) -> str:
    """Build 附件4/5/6 in Word and Excel for the batch's current list and store both files.

    Idempotent: a batch whose tables already show its current list is left as it is.
    """
    from review.documents.summary_tables import build_summary_docx, build_summary_xlsx, summary_rows

    batch = Batch.objects.select_related("campaign", "organisation").get(pk=batch_id)
    items = list(batch.items.select_related("case__enterprise__association__parent__parent").order_by("rank"))
    fingerprint = list_fingerprint(items)
    if batch.generated_for == fingerprint and batch.summary_docx and batch.generation_state == "done":
        return "done"
    Batch.objects.filter(pk=batch.pk).update(generation_state="running")
    rows = summary_rows([_case_with_mark(item) for item in items])
    arguments = {"campaign": batch.campaign, "organisation": batch.organisation, "tier": Tier(batch.tier),
                 "rows": rows, "contact": batch.contact, "date": timezone.localdate(), "sequence": batch.sequence}
    docx = build_summary_docx(**arguments)
    xlsx = build_summary_xlsx(**arguments)
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        locked.summary_docx.save("summary.docx", ContentFile(docx), save=False)
        locked.summary_xlsx.save("summary.xlsx", ContentFile(xlsx), save=False)
        locked.generated_for = fingerprint
        locked.generation_state = "done"
        locked.save(update_fields=["summary_docx", "summary_xlsx", "generated_for", "generation_state"])
    return "done"


def _case_with_mark(item: BatchItem) -> Case:
    # The table shows this tier's presenter mark, which may differ from the one the case carries.
    case = item.case
    case.is_presenter_candidate = item.is_presenter_candidate
    return case


MAX_SIGNED_SCAN_BYTES = 50 * 1024 * 1024
@transaction.atomic
def attach_signed_scan(*, batch: Batch, upload, actor) -> Batch:
    """Store the signed, stamped scan of the summary table for the list as it is now."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    _require_open(batch)
    items = list(batch.items.order_by("rank"))
    if not batch.summary_docx or batch.generated_for != list_fingerprint(items):
        raise BatchRefused(_("Generate the summary table for the current list first, print, sign and stamp it, then upload its scan."))
    if upload.size == 0:
        raise BatchRefused(_("The file is empty. Scan the stamped table again and upload the PDF."))
    if upload.size > MAX_SIGNED_SCAN_BYTES:
        raise BatchRefused(_("The scan is larger than 50 MB. Scan at 200–300 dpi and upload it again."))
    problems = pdf_problems(upload)
    if problems:
        raise BatchRefused(" ".join(problems))
    batch.signed_scan.save("signed.pdf", upload, save=False)
    batch.signed_scan_for = batch.generated_for
    batch.signed_scan_name = (upload.name or "")[-255:]
    batch.save(update_fields=["signed_scan", "signed_scan_for", "signed_scan_name"])
    return batch


def forward_problems(batch: Batch, items: list[BatchItem]) -> list[str]:
    """Why this batch cannot be forwarded yet (empty: it can)."""
    problems = []
    # The tier's stage window (cases.deadlines): after its deadline the forward button is disabled
    # with this reason, rather than refused case by case after the confirmation.
    window = stage_window(batch.campaign, Tier(batch.tier), organisation=batch.organisation)
    if window.deadline_passed:
        problems.append(" ".join((_("Your stage closed at %(closes)s (Beijing time): the list can no longer be forwarded.")
                                  % {"closes": window.closes_text}, window.still_possible)))
    if not items:
        problems.append(_("The list is empty: decide on the cases first."))
    fingerprint = list_fingerprint(items)
    if not batch.summary_docx or batch.generated_for != fingerprint:
        if batch.generation_state in ("pending", "running"):
            problems.append(_("The summary table is being generated; this page shows it when it is ready."))
        elif not batch.summary_docx:
            problems.append(_("Generate the summary table first."))
        else:
            problems.append(_("The summary table does not show the current list: generate it again."))
    elif not batch.signed_scan or batch.signed_scan_for != fingerprint:
        problems.append(_("Upload the signed and stamped scan of the current summary table."))
    city_batch = _forwarded_city_batch_above(batch.organisation, batch.campaign) if batch.tier != Tier.CITY else None
    if city_batch is not None:
        # The city's list is final (no supplement there): cases forwarded now could never move on.
        problems.append(_("Your city association forwarded its list to the province on %(when)s, so cases forwarded "
                          "now can no longer be considered. Contact your city association.") % {
            "when": timezone.localtime(city_batch.forwarded_at).strftime("%Y-%m-%d %H:%M")})
    problems += paper_forward_problems(batch, items)  # only when the campaign asks for the paper first
    if batch.tier == Tier.CITY:
        from quotas.rules import checks_from_campaign
        from quotas.models import CityQuota

        quota = CityQuota.objects.filter(campaign=batch.campaign, city=batch.organisation).first()
        if quota is None:
            problems.append(_("No quota is set for this city in this campaign; ask the provincial center."))
        else:
            candidates = batch_candidates(items)
            problems += [check.message for check in checks_from_campaign(candidates, batch.campaign, quota) if not check.passed]
    return problems


def batch_candidates(items: list[BatchItem], scores: dict[int, float] | None = None) -> list:
    """The batch's cases as quota candidates, with this tier's presenter marks."""
    from dataclasses import replace

    from quotas.queries import candidates_for

    marks = {item.case_id: item.is_presenter_candidate for item in items}
    candidates = candidates_for(Case.objects.filter(pk__in=marks), scores=scores)
    return [replace(candidate, is_presenter_candidate=marks[candidate.case_id]) for candidate in candidates]


@transaction.atomic
def apply_city_selection(*, city: Organisation, campaign: Campaign, selected_ids: set[int], presenter_ids: set[int],
                         actor, now: datetime.datetime | None = None) -> Batch:
    """Put exactly `selected_ids` on the city's list (moving cases through transition_case) and mark
    the presenter candidates among them. Refuses a list longer than the city's quota."""
    from quotas.models import CityQuota

    ensure_campaign_open(campaign, error=BatchRefused)
    quota = CityQuota.objects.filter(campaign=campaign, city=city).first()
    if quota is None:
        raise BatchRefused(_("No quota is set for this city in this campaign; ask the provincial center."))
    batch = open_batch(organisation=city, campaign=campaign)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)  # one selection at a time per city
    _refuse_after_city_forward(batch)
    if len(selected_ids) > quota.cases:
        raise BatchRefused(_("%(count)d cases chosen, but the city's quota is %(quota)d. Remove %(extra)d.") % {
            "count": len(selected_ids), "quota": quota.cases, "extra": len(selected_ids) - quota.cases})
    pool = Case.objects.filter(
        campaign=campaign, enterprise__association__path__startswith=city.path,
        status__in=(CaseStatus.CITY_REVIEW, CaseStatus.CITY_SELECTED),
    )
    for case in pool:
        if case.pk in selected_ids and case.status == CaseStatus.CITY_REVIEW:
            transition_case(case, to=CaseStatus.CITY_SELECTED, actor=actor, now=now)
        elif case.pk not in selected_ids and case.status == CaseStatus.CITY_SELECTED:
            transition_case(case, to=CaseStatus.CITY_REVIEW, actor=actor, now=now)
    batch = open_batch(organisation=city, campaign=campaign)
    for item in batch.items.all():
        flag = item.case_id in presenter_ids
        if item.is_presenter_candidate != flag:
            item.is_presenter_candidate = flag
            item.save(update_fields=["is_presenter_candidate"])
    return batch


@transaction.atomic
def forward_batch(*, batch: Batch, actor, now: datetime.datetime | None = None) -> Batch:
    """Hand the organisation's ranked list (its first or a supplement, 补报) up to the next tier.

    Invariants: open batch; the list matches the generated summary table and the signed scan;
    for a city, every rule of 附件2 holds. Side effects in order: locks the batch (a second forward
    waits, then finds it forwarded), moves every case up through transition_case (deadline and role
    checked there), records the tier's presenter mark on each case, for a city moves the cases it
    did not select to "not selected", marks the batch forwarded, and after commit mails the receiving
    organisation.
    """
    now = now or timezone.now()
    batch = Batch.objects.select_for_update().select_related("campaign", "organisation").get(pk=batch.pk)
    _require_open(batch)
    items = list(batch.items.select_related("case").order_by("rank"))
    problems = forward_problems(batch, items)
    if problems:
        raise BatchRefused(" ".join(problems))
    # The next tier up: the county, or for an association above county level its city or the province.
    target = REVIEW_STATUS[batch.organisation.receiving_tier]
    for item in items:
        transition_case(item.case, to=target, actor=actor, now=now, reason=_("Forwarded in the ranked list, rank %(rank)d.") % {"rank": item.rank})
        Case.objects.filter(pk=item.case_id).update(is_presenter_candidate=item.is_presenter_candidate)
    if batch.tier == Tier.CITY:
        left_out = Case.objects.filter(
            campaign=batch.campaign, status=CaseStatus.CITY_REVIEW, enterprise__association__path__startswith=batch.organisation.path
        )
        for case in left_out:
            transition_case(case, to=CaseStatus.CITY_NOT_SELECTED, actor=actor, now=now, reason=_("Not on the city's list."))
    batch.status = BatchStatus.FORWARDED
    batch.forwarded_at = now
    batch.forwarded_by = actor
    batch.save(update_fields=["status", "forwarded_at", "forwarded_by"])
    from review.notifications import notify_batch_forwarded

    enqueue_on_commit(notify_batch_forwarded, batch.pk)
    return batch


@transaction.atomic
def extend_deadline(*, campaign: Campaign, tier: Tier | Stage, closes_on: datetime.date, reason: str, actor,
                    organisation: Organisation | None = None, enterprise: Enterprise | None = None) -> DeadlineExtension:
    """Give one organisation (or enterprise) a later closing day for one stage. Audited; mails them."""
    ensure_campaign_open(campaign, error=ValidationError)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the extension; it is kept in the audit log."))
    original = campaign.deadline_for(tier)
    if original is None:
        raise ValidationError(_("This stage has no deadline."))
    if closes_on <= original:
        raise ValidationError(_("The new deadline must be after the campaign's deadline %(day)s.") % {"day": original.isoformat()})
    extension = DeadlineExtension.objects.create(
        campaign=campaign, tier=tier, organisation=organisation, enterprise=enterprise, closes_on=closes_on,
        reason=reason, granted_by=actor,
    )
    holder = organisation or enterprise
    AuditEvent.objects.create(
        action=AuditAction.DEADLINE_EXTENDED, actor=actor,
        summary=_("%(stage)s deadline for %(holder)s extended to %(day)s") % {
            "stage": Stage(tier).label, "holder": holder, "day": closes_on.isoformat()},
        details={"extension": extension.pk, "tier": int(tier), "closes_on": closes_on.isoformat(), "reason": reason,
                 "organisation": organisation.pk if organisation else None, "enterprise": enterprise.pk if enterprise else None},
    )
    from review.notifications import notify_extension

    enqueue_on_commit(notify_extension, extension.pk)
    return extension


"""Writes of the public vote: SMS codes, verification, ballots, the vote window, quarantine decisions.

One ballot per phone is the database's unique constraint (campaign, voter_hash): concurrent
requests of one phone race to the INSERT and exactly one wins; the others get IntegrityError and
are logged as duplicates. The check in request_code only spares a phone that already voted the SMS
round trip; it is a courtesy, the constraint stays the rule.

A closed campaign (cases.rules.ensure_campaign_open) is an archive: every function here that
writes refuses first, with the same Chinese message as the rest of the portal.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import deadline_text
from cases.enums import AuditAction, CaseStatus
from cases.models import AuditEvent, Campaign, Case
from cases.refusals import Refused
from cases.rules import MOBILE_PATTERN, ensure_campaign_open
from cases.rules import normalise_phone as normalise_mobile
from portal.cache import cache_is_available
from review.models.voting import (
    Ballot,
    BallotChoice,
    BallotLog,
    BallotLogOutcome,
    BallotStatus,
    QuarantineAction,
    QuarantineDecision,
    SuspicionFlag,
)
from review.models.results import SelectionState
from review.selection.rules import freezing_state
from review.voting import limits
from review.voting.fraud_rules import picks_key
from review.voting.limits import ClientInfo, keyed_hash
from review.voting.queries import candidate_cases
from sms.enums import SmsKind
from sms.services import SmsRefused, queue_sms

CODE_TTL = 600
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
AUDIT_VOTE_OPENED = AuditAction.VOTE_OPENED
AUDIT_VOTE_CLOSED = AuditAction.VOTE_CLOSED
AUDIT_QUARANTINE_DECISION = {
    QuarantineAction.CONFIRM: AuditAction.BALLOT_EXCLUDED,
    QuarantineAction.RELEASE: AuditAction.BALLOT_RELEASED,
}


class VoteRefused(Refused):
    """A refused vote action; the message tells the voter what to do."""


class AlreadyVoted(VoteRefused):
    pass


def normalise_phone(raw: str) -> str:
    """The voter's mobile number as 11 digits (the 推荐表's rule: +86 138-1234-5678 counts too)."""
    digits = normalise_mobile(raw or "")
    if not MOBILE_PATTERN.match(digits):
        raise VoteRefused(_("Enter a mainland China mobile number of 11 digits."))
    return digits


def voter_hash(phone: str) -> str:
    return keyed_hash("phone", phone)


def vote_is_open(campaign: Campaign, now: datetime.datetime) -> bool:
    return bool(campaign.vote_opens_at and campaign.vote_closes_at and campaign.vote_opens_at <= now < campaign.vote_closes_at)


def vote_has_closed(campaign: Campaign, now: datetime.datetime) -> bool:
    return bool(campaign.vote_closes_at and now >= campaign.vote_closes_at)


def _code_key(voter: str) -> str:
    return f"vote:code:{voter}"


def _code_digest(voter: str, code: str) -> str:
    return hmac.new(voter.encode(), code.encode(), hashlib.sha256).hexdigest()


def _unavailable_before_sending() -> VoteRefused:
    return VoteRefused(_("Phone verification is unavailable right now because of a fault on our side; no code was "
                         "sent. Please try again in a few minutes."))


def _too_many_ballots() -> str:
    return _("Too many ballots came from your network or device; try again later.")


def opening_refusal(campaign: Campaign, *, lock: bool = False) -> str | None:
    """Why the vote cannot be opened (again) because of the province's selection, or None.

    Once the 公示 is published its ranking is public: new ballots would change the votes it was
    computed from (review.selection.rules). The vote control page asks this to explain instead of
    offering the button; open_vote asks it with the selection row locked."""
    state = freezing_state(campaign, lock=lock)
    if state == SelectionState.FINAL:
        return _("The provincial result is final, so the public vote can no longer be opened.")
    if state == SelectionState.PUBLISHED:
        return _("The public notice of the winners is published, and new ballots would change the votes its "
                 "ranking was computed from. To change the votes, first withdraw the public notice on the page "
                 "Ranking and selection; then the vote can be opened again.")
    return None


def _ensure_vote_open(campaign: Campaign, now: datetime.datetime) -> None:
    ensure_campaign_open(campaign, error=VoteRefused)
    if not vote_is_open(campaign, now):
        raise VoteRefused(_("The public vote is not open."))


def request_code(*, campaign: Campaign, phone: str, client: ClientInfo, now: datetime.datetime | None = None) -> str:
    """Send a 6-digit code to the phone. Returns the voter hash.

    Guards, in order: the campaign is not closed and the vote is open; the phone is not locked out
    after wrong codes; the ballot limits of the address, block and device are not reached yet (the
    ballot would be refused, so no SMS is sent for it; nothing counted); code limits per address,
    per address block and per device; the phone has not voted yet (AlreadyVoted, no SMS); one code
    per phone per cooldown and a daily cap per phone.
    Side effects: the code's keyed digest in the cache for 10 minutes; the SMS, queued (sms.services.queue_sms:
    its daily cap per number and global budget may refuse it).
    The codes and every limit above live in the cache (Redis): while it is unavailable the code
    could not be checked and the limits would not count, so nothing is sent and the voter is told
    so (before the limits, and again if the code was not kept).
    """
    now = now or timezone.now()
    _ensure_vote_open(campaign, now)
    phone = normalise_phone(phone)
    if not cache_is_available(cache):
        raise _unavailable_before_sending()
    voter = voter_hash(phone)
    if limits.exceeded("verify_phone_failures", voter):
        raise VoteRefused(_("Too many wrong codes for this number; try again in 30 minutes."))
    # cast_ballot checks these again: this is only so nobody waits for an SMS whose ballot is refused.
    if limits.ballot_limit_reached(client):
        raise VoteRefused(_too_many_ballots())
    # The network limits count before the "already voted" answer, so nobody can probe many
    # numbers for whether they voted faster than they could request codes.
    network_checks = (("code_ip_hour", client.ip), ("code_block_hour", client.block))
    if client.device_hash:
        network_checks += (("code_device_day", client.device_hash),)
    for name, key in network_checks:
        if not limits.hit(name, key):
            raise VoteRefused(_("Too many codes were requested; try again later."))
    if Ballot.objects.filter(campaign=campaign, voter_hash=voter).exists():
        # Only that it voted: the receipt stays with whoever holds the receipt page.
        raise AlreadyVoted(_("This mobile number has already voted; each number votes once. With the receipt "
                             "number shown after you voted you can check your ballot on the page “Check a ballot receipt”."))
    if not limits.hit("code_phone_cooldown", voter):
        raise VoteRefused(_("A code was sent to this number less than a minute ago; wait a moment."))
    if not limits.hit("code_phone_day", voter):
        raise VoteRefused(_("Too many codes were requested; try again later."))
    code = f"{secrets.randbelow(10**6):06d}"
    digest = _code_digest(voter, code)
    cache.set(_code_key(voter), digest, CODE_TTL)
    if cache.get(_code_key(voter)) != digest:  # Redis went away meanwhile: an SMS now would be a code that fails
        raise _unavailable_before_sending()
    try:  # queued: the voter does not wait for the provider
        queue_sms(phone=phone, kind=SmsKind.VOTE_CODE, params={"code": code},
                  text=_("Your voting code is %(code)s, valid for 10 minutes. Do not share it."))
    except SmsRefused as refused:
        raise VoteRefused(str(refused)) from None
    return voter


def verify_code(*, campaign: Campaign, phone: str, code: str, now: datetime.datetime | None = None) -> str:
    """Check the code; on success the voter hash (the verified identity), and the code is spent.
    Wrong codes count towards a lockout of the number."""
    voter = voter_hash(normalise_phone(phone))
    return verify_voter_code(campaign=campaign, voter=voter, code=code, now=now)


def verify_voter_code(*, campaign: Campaign, voter: str, code: str, now: datetime.datetime | None = None) -> str:
    """verify_code for a voter already known by its hash (the phone page keeps only the hash)."""
    _ensure_vote_open(campaign, now or timezone.now())
    if not cache_is_available(cache):  # the code and the wrong-code lockout live there
        raise VoteRefused(_("Phone verification is unavailable right now because of a fault on our side, so your code "
                            "cannot be checked. Please try again in a few minutes; if the code has expired by then, "
                            "request a new one."))
    if limits.exceeded("verify_phone_failures", voter):
        raise VoteRefused(_("Too many wrong codes for this number; try again in 30 minutes."))
    stored = cache.get(_code_key(voter))
    code = (code or "").strip()
    if stored is None:
        raise VoteRefused(_("The code has expired; request a new one."))
    if not hmac.compare_digest(stored, _code_digest(voter, code)):
        limits.hit("verify_phone_failures", voter)
        raise VoteRefused(_("The code is wrong; check the SMS and try again."))
    cache.delete(_code_key(voter))
    return voter


def _receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))


def _log(campaign: Campaign, client: ClientInfo, outcome: str, voter: str, now, ballot: Ballot | None = None) -> None:
    BallotLog.objects.create(
        campaign=campaign, ballot=ballot, at=now, outcome=outcome, address_block=client.block,
        device_hash=client.device_hash, user_agent=client.user_agent, voter_hash=voter,
    )


def cast_ballot(*, campaign: Campaign, voter: str, case_ids: list[int], client: ClientInfo,
                now: datetime.datetime | None = None) -> Ballot:
    """Record the approval ballot of a verified voter.

    Guards: the campaign is not closed and the vote is open; between vote_min_picks and vote_max_picks distinct cases, each a
    candidate (under provincial selection in this campaign); limits per address, block and device,
    counted in one Redis round trip — with Redis down nothing is accepted (it could not be limited);
    one ballot per voter — the unique constraint decides, a loser raises AlreadyVoted.
    Side effects: the ballot and its choices with their log row in one transaction (one commit); an
    append-only log row for every refused attempt too.
    """
    now = now or timezone.now()
    _ensure_vote_open(campaign, now)
    picks = sorted(set(case_ids))
    if len(picks) != len(case_ids) or not campaign.vote_min_picks <= len(picks) <= campaign.vote_max_picks:
        _log(campaign, client, BallotLogOutcome.INVALID, voter, now)
        raise VoteRefused(
            _("Choose between %(min)d and %(max)d different cases.")
            % {"min": campaign.vote_min_picks, "max": campaign.vote_max_picks}
        )
    valid = set(Case.objects.filter(pk__in=picks, campaign=campaign, status=CaseStatus.PROVINCE_REVIEW).values_list("pk", flat=True))
    if valid != set(picks):
        _log(campaign, client, BallotLogOutcome.INVALID, voter, now)
        raise VoteRefused(_("Some chosen cases are not candidates; reload the page and choose again."))
    try:
        allowed = limits.hit_all(limits.ballot_buckets(client))
    except limits.LimitsUnavailable:
        _log(campaign, client, BallotLogOutcome.UNAVAILABLE, voter, now)
        raise VoteRefused(_("Your ballot cannot be taken right now because of a fault on our side: the checks "
                            "against vote brushing are unavailable. Your number stays verified; submit the ballot "
                            "again in a few minutes.")) from None
    if not allowed:
        _log(campaign, client, BallotLogOutcome.LIMITED, voter, now)
        raise VoteRefused(_too_many_ballots())
    # The one durable commit of an accepted ballot: the ballot, its choices and its log row together.
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                campaign=campaign, voter_hash=voter, receipt=_receipt(), cast_at=now, address_block=client.block,
                device_hash=client.device_hash, user_agent=client.user_agent, picks=picks_key(picks),
            )
            BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, case_id=case_id) for case_id in picks)
            _log(campaign, client, BallotLogOutcome.ACCEPTED, voter, now, ballot)
    except IntegrityError:
        _log(campaign, client, BallotLogOutcome.DUPLICATE, voter, now)
        raise AlreadyVoted(_("This mobile number has already voted; each number votes once.")) from None
    return ballot


@transaction.atomic
def open_vote(*, campaign: Campaign, actor, closes_at: datetime.datetime, now: datetime.datetime | None = None) -> Campaign:
    """Open the public vote now until `closes_at`. Audited.

    Guards: the campaign is not closed; the 公示 is not published or final (opening_refusal, with
    the selection row locked); `closes_at` is in the future; there are at least vote_min_picks
    candidates (with fewer, no voter could ever hand in a valid ballot). Cities that have not
    forwarded their lists yet do not stop it: the control page warns about them beforehand.
    """
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    ensure_campaign_open(campaign, error=VoteRefused)
    refusal = opening_refusal(campaign, lock=True)
    if refusal:
        raise VoteRefused(refusal)
    if closes_at <= now:
        raise VoteRefused(_("The closing time %(when)s has already passed; choose a closing time in the future.")
                          % {"when": deadline_text(closes_at)})
    candidates = candidate_cases(campaign).count()
    if candidates < campaign.vote_min_picks:
        raise VoteRefused(
            _("Only %(count)d case(s) are in provincial review, but each ballot must choose at least %(min)d: "
              "nobody could vote. Wait until the cities have forwarded their lists, or lower the fewest cases "
              "a ballot picks in the campaign settings.")
            % {"count": candidates, "min": campaign.vote_min_picks}
        )
    campaign.vote_opens_at, campaign.vote_closes_at = now, closes_at
    campaign.save(update_fields=["vote_opens_at", "vote_closes_at"])
    AuditEvent.objects.create(action=AUDIT_VOTE_OPENED, actor=actor, summary=_("Public vote opened"),
                              details={"closes_at": closes_at.isoformat()})
    return campaign


@transaction.atomic
def close_vote(*, campaign: Campaign, actor, now: datetime.datetime | None = None) -> Campaign:
    """Close the public vote now. Audited."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    ensure_campaign_open(campaign, error=VoteRefused)
    if not vote_is_open(campaign, now):
        raise VoteRefused(_("The public vote is not open."))
    campaign.vote_closes_at = now
    campaign.save(update_fields=["vote_closes_at"])
    AuditEvent.objects.create(action=AUDIT_VOTE_CLOSED, actor=actor, summary=_("Public vote closed"), details={})
    return campaign


@transaction.atomic
def decide_quarantined(*, ballot: Ballot, actor, action: str, reason: str, now: datetime.datetime | None = None) -> Ballot:
    """Staff confirm (exclude) or release (count) a quarantined ballot, with a reason.
    Guards: the campaign is not closed (its vote report is final); the 公示 is not published or
    final (the votes are frozen with it); a reason; a ballot in quarantine.
    Side effects, in order: the ballot's status; an append-only decision row; an audit event
    (excluded or released, with the reason). Nothing is deleted."""
    now = now or timezone.now()
    ensure_campaign_open(ballot.campaign, error=VoteRefused)
    if freezing_state(ballot.campaign, lock=True) is not None:
        raise VoteRefused(_("The public notice of the winners is published, so the votes can no longer change. "
                            "To decide this ballot, first withdraw the public notice on the page Ranking and selection."))
    reason = (reason or "").strip()
    if not reason:
        raise VoteRefused(_("Give the reason for the decision; it is kept with the ballot."))
    if action not in (QuarantineAction.CONFIRM, QuarantineAction.RELEASE):
        raise VoteRefused(_("Unknown decision."))
    locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if locked.status != BallotStatus.QUARANTINED:
        raise VoteRefused(_("This ballot is not in quarantine (any more)."))
    locked.status = BallotStatus.EXCLUDED if action == QuarantineAction.CONFIRM else BallotStatus.RELEASED
    locked.save(update_fields=["status"])
    QuarantineDecision.objects.create(ballot=locked, action=action, actor=actor, reason=reason, at=now)
    summary = (_("Quarantined ballot no. %(ballot)d excluded") if action == QuarantineAction.CONFIRM
               else _("Quarantined ballot no. %(ballot)d released and counted"))
    AuditEvent.objects.create(action=AUDIT_QUARANTINE_DECISION[action], actor=actor,
                              summary=(summary % {"ballot": locked.pk})[:300],
                              details={"ballot": locked.pk, "reason": reason})
    return locked


@transaction.atomic
def decide_quarantined_group(*, campaign: Campaign, rule: str, group: str, actor, action: str, reason: str,
                             now: datetime.datetime | None = None) -> dict:
    """Staff exclude or release at once the quarantined ballots of one suspicious group (one device,
    one block pushing one case, ...), with one reason. Returns {"decided": n, "kept": m}.

    Guards: those of decide_quarantined. Release takes only the ballots this group alone holds in
    quarantine: a ballot another group also flagged stays for its own decision (counted in "kept").
    Side effects, in order: each ballot's status and its append-only decision row (the reason names
    the group); one audit event for the group with the ballots' numbers."""
    now = now or timezone.now()
    ensure_campaign_open(campaign, error=VoteRefused)
    if freezing_state(campaign, lock=True) is not None:
        raise VoteRefused(_("The public notice of the winners is published, so the votes can no longer change. "
                            "To decide this ballot, first withdraw the public notice on the page Ranking and selection."))
    reason = (reason or "").strip()
    if not reason:
        raise VoteRefused(_("Give the reason for the decision; it is kept with the ballot."))
    if action not in (QuarantineAction.CONFIRM, QuarantineAction.RELEASE):
        raise VoteRefused(_("Unknown decision."))
    members = list(Ballot.objects.select_for_update().filter(
        campaign=campaign, status=BallotStatus.QUARANTINED, pk__in=SuspicionFlag.objects.filter(rule=rule, group=group)
        .values("ballot_id")).order_by("pk"))
    kept = []
    if action == QuarantineAction.RELEASE:
        elsewhere = set(SuspicionFlag.objects.filter(ballot__in=members).exclude(rule=rule, group=group)
                        .values_list("ballot_id", flat=True))
        kept = [ballot for ballot in members if ballot.pk in elsewhere]
        members = [ballot for ballot in members if ballot.pk not in elsewhere]
    status = BallotStatus.EXCLUDED if action == QuarantineAction.CONFIRM else BallotStatus.RELEASED
    Ballot.objects.filter(pk__in=[ballot.pk for ballot in members]).update(status=status)
    QuarantineDecision.objects.bulk_create(
        QuarantineDecision(ballot=ballot, action=action, actor=actor, at=now, reason=reason) for ballot in members)
    if members:
        summary = (_("%(count)d quarantined ballots of one group excluded") if action == QuarantineAction.CONFIRM
                   else _("%(count)d quarantined ballots of one group released and counted"))
        AuditEvent.objects.create(action=AUDIT_QUARANTINE_DECISION[action], actor=actor,
                                  summary=(summary % {"count": len(members)})[:300],
                                  details={"rule": rule, "group": group, "reason": reason,
                                           "ballots": [ballot.pk for ballot in members]})
    return {"decided": len(members), "kept": len(kept)}

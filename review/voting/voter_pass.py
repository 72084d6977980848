"""Where a public voter's progress lives between pages: a signed cookie, not the database session.

A vote shared in WeChat groups brings thousands of phones within minutes; a database session
costs each of them a write when the phone is verified, another when the ballot is cast and a read
on every page. The vote's state is small (which phone is waiting for its code or verified, the
masked number to show, the ticks of a refused ballot), so it travels with the voter instead and the
accepted ballot is the only database commit of the vote (review.voting.services.cast_ballot).

Why a signed cookie is safe here:
- It is signed with SECRET_KEY (HMAC, salt "vote-pass"): nobody can make one up or change the voter
  in it; a forged or altered cookie reads as no pass at all.
- What it carries is not secret: the voter's keyed hash (an HMAC of the number with VOTE_HASH_KEY,
  meaningless without that key) and the number masked as 139****5678, which its holder typed.
- A verified pass is worth exactly one ballot in that phone's name, like the session it replaces:
  the unique constraint (campaign, voter_hash) refuses a second ballot however often a copy of the
  cookie is replayed, and the cookie is deleted once the ballot is in. It is HttpOnly, Secure under
  HTTPS and SameSite=Lax, and it expires VERIFIED_SECONDS after verification whatever happens to it
  afterwards (the time of verification is inside the signed value, re-signing never extends it).
- Nothing server-side to revoke is needed: there is no sign-out from the vote, and the pass opens
  nothing but the ballot form.
- It does not depend on Redis: a voter verified before an outage keeps the pass; the ballot is then
  refused only because its limits cannot be counted (cast_ballot says so), and goes in afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from django.core import signing

COOKIE = "vote_pass"
SALT = "review.voting.voter_pass"
# A code is valid for 10 minutes (services.CODE_TTL); the page waiting for it a little longer.
PENDING_SECONDS = 30 * 60
# Time to read the candidates and tick 5–10 after the phone is verified.
VERIFIED_SECONDS = 60 * 60


@dataclass(frozen=True)
class VoterPass:
    """pending: the voter hash waiting for its SMS code; voter: the verified voter hash; masked: the
    number as shown (139****5678); picks: the ticks of a refused ballot, shown once."""

    pending: str = ""
    voter: str = ""
    masked: str = ""
    since: float = 0.0  # when the current stage (code sent / verified) began, epoch seconds
    picks: tuple[int, ...] = field(default_factory=tuple)

    def expired(self, now: float) -> bool:
        return now - self.since > (VERIFIED_SECONDS if self.voter else PENDING_SECONDS)


EMPTY = VoterPass()


def read(request, *, now: float | None = None) -> VoterPass:
    """The pass the request carries, or EMPTY (none, forged, altered or expired)."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return EMPTY
    try:
        data = signing.loads(raw, salt=SALT)
        found = VoterPass(pending=str(data.get("p", "")), voter=str(data.get("v", "")), masked=str(data.get("m", "")),
                          since=float(data.get("t", 0)), picks=tuple(int(pk) for pk in data.get("k", ())))
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return EMPTY
    return EMPTY if found.expired(time.time() if now is None else now) else found


def pending(*, voter: str, masked: str, picks: tuple[int, ...] = ()) -> VoterPass:
    """The pass after a code was sent: waiting for the code of `voter` (the picks made before,
    without JavaScript, ride along so the gallery shows them ticked after verification)."""
    return VoterPass(pending=voter, masked=masked, since=time.time(), picks=tuple(picks))


def verified(current: VoterPass, *, voter: str) -> VoterPass:
    """The pass once the code was right: `voter` may cast one ballot."""
    return VoterPass(voter=voter, masked=current.masked, since=time.time(), picks=current.picks)


def with_picks(current: VoterPass, picks: list[int]) -> VoterPass:
    """The pass carrying `picks`. A pass that holds nothing else yet (picks made before the phone
    is verified) starts its clock now, like a pending one, so it is not read back as expired."""
    if not current.pending and not current.voter:
        return replace(current, picks=tuple(picks), since=time.time())
    return replace(current, picks=tuple(picks))


def store(request, response, state: VoterPass) -> None:
    """Set the pass on `response` (or delete it when `state` is EMPTY)."""
    if state == EMPTY:
        response.delete_cookie(COOKIE, samesite="Lax")
        return
    max_age = VERIFIED_SECONDS if state.voter else PENDING_SECONDS
    response.set_cookie(COOKIE, encode(state), max_age=max_age, httponly=True, samesite="Lax", secure=request.is_secure())


def encode(state: VoterPass) -> str:
    """The cookie's signed value."""
    return signing.dumps({"p": state.pending, "v": state.voter, "m": state.masked, "t": round(state.since, 3),
                          "k": list(state.picks)}, salt=SALT, compress=True)

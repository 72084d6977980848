"""SMS verification codes (6 digits, 10 minutes) for a purpose and a phone: a password reset or the
phone of a registration. Kept in the cache as a keyed digest, never in clear; spent when used.

Limits, per phone and purpose: one code a minute, 10 a day; 5 wrong codes lock the number out of
that purpose for 30 minutes (a 6-digit code cannot be guessed within 5 tries).
"""

from __future__ import annotations

import hmac
import secrets

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.sms import send_sms
from sms.enums import SmsKind
from sms.services import SmsRefused
from cases.refusals import Refused
from portal.ratelimit import Rate, hit

CODE_TTL = 600
COOLDOWN = Rate(1, 60)
DAILY = Rate(10, 86400)
FAILURES = Rate(5, 1800)


class CodeRefused(Refused):
    """No code sent, or the code not accepted; the message says why and what to do."""


def _key(purpose: str, phone: str) -> str:
    return salted_hmac("accounts.codes", f"{purpose}:{phone}").hexdigest()


def _digest(key: str, code: str) -> str:
    return salted_hmac("accounts.codes.value", f"{key}:{code}").hexdigest()


def _locked(key: str) -> bool:
    return (cache.get(f"accounts:code-failures:{key}") or 0) >= FAILURES.limit


def send_code(*, purpose: str, kind: SmsKind, phone: str, message: str) -> None:
    """Send a new code to `phone`; `message` holds %(code)s. Raises CodeRefused when the number
    asked too often (cooldown, daily cap, the portal's SMS caps) or is locked out after wrong codes."""
    key = _key(purpose, phone)
    if _locked(key):
        raise CodeRefused(_("Too many wrong codes for this number; try again in 30 minutes."))
    if not hit(f"code-cooldown:{purpose}", key, COOLDOWN)[0]:
        raise CodeRefused(_("A code was sent to this number less than a minute ago; wait a minute, then ask again."))
    if not hit(f"code-day:{purpose}", key, DAILY)[0]:
        raise CodeRefused(_("Too many codes were sent to this number today; try again tomorrow."))
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(f"accounts:code:{key}", _digest(key, code), CODE_TTL)
    try:
        send_sms(phone=phone, kind=kind, text=message, code=code)
    except SmsRefused as refused:
        raise CodeRefused(str(refused)) from None


def check_code(*, purpose: str, phone: str, code: str) -> bool:
    """Whether `code` is the code last sent to `phone` for `purpose`; a right code is spent, a wrong
    one counts towards the lockout. False when there is no code, it expired, or the number is locked."""
    key = _key(purpose, phone)
    if _locked(key):
        return False
    stored = cache.get(f"accounts:code:{key}")
    if stored is None:
        return False
    if not hmac.compare_digest(stored, _digest(key, (code or "").strip())):
        failures_key = f"accounts:code-failures:{key}"
        cache.add(failures_key, 0, FAILURES.period)
        try:
            cache.incr(failures_key)
        except ValueError:
            cache.set(failures_key, 1, FAILURES.period)
        return False
    cache.delete(f"accounts:code:{key}")
    return True


def code_is_locked(*, purpose: str, phone: str) -> bool:
    return _locked(_key(purpose, phone))

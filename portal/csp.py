"""The Content-Security-Policy header (django-csp), built once.

django-csp builds the header from settings on every response: a deep copy of the directives and a
join, twice (enforced and report-only), about a tenth of a millisecond of every request. The
portal sets no nonce and no per-view policy (no csp_update / csp_replace / csp_exempt decorator),
so the header is the same for every response: this middleware builds it once per settings and
leaves the work to django-csp whenever a view asked for something else, a nonce was used, URL
prefixes are excluded, or DEBUG pages are involved.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy

_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                 "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")
_built: dict[str, str] = {}


@receiver(setting_changed)
def _forget_built_policy(setting=None, **_kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG"):
        _built.clear()


def _policy_headers() -> dict[str, str]:
    if not _built:
        for header, report_only in ((HEADER, False), (HEADER_REPORT_ONLY, True)):
            if policy := build_policy(report_only=report_only):
                _built[header] = policy
    return _built


def _plain() -> bool:
    """No setting makes the header depend on the request (excluded prefixes, DEBUG pages)."""
    return not settings.DEBUG and not any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"))


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None or not _plain()
                or any(hasattr(response, name) for name in _PER_RESPONSE)):
            return super().process_response(request, response)
        for header, policy in _policy_headers().items():
            if header not in response:
                response[header] = policy
        return response

"""/healthz (the process is up) and /readyz (it can serve: database, Redis, storage).

No personal data; never cached, so a proxy cannot answer for a dead backend. /healthz answers
anyone. /readyz costs a database query and a Redis round trip and describes the backends, so it
answers only a probe on this machine (loopback, not relayed by a proxy: docker-compose's health
check) or a caller with the READYZ_TOKEN (`Authorization: Bearer <token>`); anyone else gets 404.
"""

import hmac
import ipaddress
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import OK, readiness_report, run_checks


def _json(data: dict, status: int) -> HttpResponse:
    # ensure_ascii=False: operators read "Redis 不可用", not escapes.
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8")


@never_cache
@require_GET
def healthz(request):
    """Liveness: answers without touching the database or Redis."""
    return _json({"status": OK}, 200)


def _may_ask_readiness(request) -> bool:
    token = getattr(settings, "READYZ_TOKEN", "")
    if token:
        scheme, _space, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return True
    # A request relayed by a reverse proxy on this machine arrives from loopback too: it carries
    # X-Forwarded-For (deploy/nginx.conf sets it), so it is not taken for a local probe.
    if request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def readyz(request):
    if not _may_ask_readiness(request):
        raise Http404
    report = readiness_report(run_checks())
    return _json(report, 200 if report["status"] == OK else 503)

"""/healthz (the process is up) and /readyz (it can serve: database, Redis, storage, a worker).

No authentication and no personal data: load balancers and docker-compose call them. Never
cached, so a proxy cannot answer for a dead backend.
"""

import json

from django.http import HttpResponse
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


@never_cache
@require_GET
def readyz(request):
    report = readiness_report(run_checks())
    return _json(report, 200 if report["status"] == OK else 503)

"""Error pages that render when the database is gone: a plain Chinese 503 "database unavailable"
page instead of a traceback or a generic 500, and the 500 page itself.

Both templates (templates/errors/) use no context processor, no stylesheet and no database, so
they render whatever else is broken. Database errors raised in a view reach
`DatabaseUnavailableMiddleware.process_exception`; those raised in middleware (the session or
the user being loaded) reach `server_error` (handler500), which looks at the exception being
handled.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

from portal.logging import current_request_id

logger = logging.getLogger("portal.errors")

# OperationalError: connection refused or dropped, server shutting down. InterfaceError: the
# connection object is already closed. Programming errors (bad SQL) stay 500s.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("errors/503_database.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            logger.error("database unavailable: %s: %s", type(exception).__name__, exception)
            return database_unavailable_response()
        return None


def server_error(request, template_name="errors/500.html"):
    """handler500. Called while the exception is being handled, so sys.exc_info() names it."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_DOWN):
        return database_unavailable_response()
    return HttpResponseServerError(render_to_string(template_name, {"request_id": current_request_id()}))

"""Structured logs: one JSON line per request and one per Celery task, tied by a request id.

- `RequestLogMiddleware` (first in MIDDLEWARE) takes the id from a safe `X-Request-ID` header
  (the proxy's) or makes one, keeps it in a context variable for the request, returns it in the
  `X-Request-ID` response header, and logs method, path, status, user id and duration.
- A task published while a request id is set carries it in the message headers
  (`before_task_publish`); the worker puts it back into the context variable for the task's run
  (`task_prerun`), so the task's own log lines and its summary line carry the same id. Eager
  tasks run in the same context and inherit it directly.
- `JsonFormatter` writes every record (ours, Django's, Celery's) as one JSON object per line
  with the current request id.

Paths are logged without the query string; no form data, no names, no phone numbers.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.utils.functional import empty

request_logger = logging.getLogger("portal.request")
task_logger = logging.getLogger("portal.task")

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# Ids from outside are accepted only when short and plain: they end up in every log line.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def safe_request_id(value: str | None) -> str | None:
    return value if value and _SAFE_ID.match(value) else None


# LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        data.setdefault("request_id", current_request_id())
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _user_id(request) -> int | None:
    """The signed-in user's id if the request already loaded the user; never a query of its own
    (the log line must be written even when the database is down)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:  # the lazy user was never loaded
        return None
    return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = safe_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            request_logger.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={
                    "event": "request", "request_id": request_id, "user_id": _user_id(request),
                    "method": request.method, "path": request.path, "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request_id.reset(token)


# --- Celery ---------------------------------------------------------------------------------
_task_started: dict[str, tuple[float, object]] = {}


@before_task_publish.connect(weak=False)
def _carry_request_id(headers=None, **_kwargs):
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _request_id_of(task) -> str | None:
    request = task.request
    found = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    return safe_request_id(found) or current_request_id()


@task_prerun.connect(weak=False)
def _task_started_signal(task_id=None, task=None, **_kwargs):
    token = _request_id.set(_request_id_of(task))
    _task_started[task_id] = (time.monotonic(), token)


@task_postrun.connect(weak=False)
def _task_finished_signal(task_id=None, task=None, state=None, **_kwargs):
    started, token = _task_started.pop(task_id, (None, None))
    duration = round((time.monotonic() - started) * 1000, 1) if started is not None else None
    request_id = current_request_id()
    task_logger.info(
        "task %s %s %s", task.name, task_id, state,
        extra={"event": "task", "task": task.name, "task_id": task_id, "request_id": request_id,
               "outcome": state, "duration_ms": duration},
    )
    if token is not None:
        try:
            _request_id.reset(token)
        except ValueError:  # set in another context (should not happen); leave it
            pass

"""Structured request and task logs carrying one request id."""

import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cases.enums import Role
from portal.logging import JsonFormatter, RequestLogMiddleware, current_request_id
from portal.tasks import worker_heartbeat
from tests import factories

pytestmark = pytest.mark.django_db

VARIABLE = {"time", "duration_ms"}


def _lines(caplog, logger: str) -> list[dict]:
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records if record.name == logger]
    for line in lines:
        assert isinstance(line.pop("duration_ms"), float)
        line.pop("time")
    return lines


def test_a_request_logs_one_json_line_with_the_proxy_request_id_and_returns_it(client, caplog):
    account = factories.user(Role.CITY_STAFF, organisation_=factories.city())
    client.force_login(account)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get(reverse("home") + "?q=secret", HTTP_X_REQUEST_ID="lb-7f3a.2")
    assert response["X-Request-ID"] == "lb-7f3a.2"
    assert _lines(caplog, "portal.request") == [{
        "level": "INFO", "logger": "portal.request", "message": "GET / 200", "event": "request",
        "request_id": "lb-7f3a.2", "user_id": account.pk, "method": "GET", "path": "/", "status": 200,
    }]


@pytest.mark.parametrize("unsafe", ["has spaces", "x" * 65, "新id", "-starts-with-dash", ""])
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_generated_one(client, unsafe):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=unsafe)
    generated = response["X-Request-ID"]
    assert generated != unsafe
    assert len(generated) == 32 and int(generated, 16) >= 0


def test_anonymous_request_logs_no_user_and_no_query_for_the_user(client, caplog, django_assert_num_queries):
    with caplog.at_level(logging.INFO, logger="portal.request"), django_assert_num_queries(0):
        client.get(reverse("healthz"))
    assert _lines(caplog, "portal.request")[0]["user_id"] is None


def test_a_task_queued_by_a_request_logs_the_same_request_id(caplog):
    def view(request):
        worker_heartbeat.delay()  # eager in ordinary tests: runs here, within the request
        return HttpResponse("ok")

    request = RequestFactory().get("/somewhere/", HTTP_X_REQUEST_ID="req-42")
    with caplog.at_level(logging.INFO):
        response = RequestLogMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-42"
    task_lines = _lines(caplog, "portal.task")
    assert [(line["task"], line["request_id"], line["outcome"], line["event"]) for line in task_lines] == [
        ("portal.worker_heartbeat", "req-42", "SUCCESS", "task"),
    ]
    assert task_lines[0]["task_id"]
    assert [line["request_id"] for line in _lines(caplog, "portal.request")] == ["req-42"]
    assert current_request_id() is None  # reset after the request


def test_the_formatter_writes_one_line_with_extra_fields_and_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), __import__("sys").exc_info(), extra={"case_id": 5})
    text = JsonFormatter().format(record)
    assert "\n" not in text
    data = json.loads(text)
    assert (data["message"], data["case_id"], data["level"], data["request_id"]) == ("failed here", 5, "ERROR", None)
    assert data["exception"].endswith("ValueError: boom")

"""Fixtures of the mail tests: the outbox backend switched on (pytest-django installs the locmem
backend for the whole suite), and a real SMTP server on 127.0.0.1 that a test can stop and start."""

import logging
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


class RecordingHandler:
    """Accepts every mail (and keeps it), except for addresses in `refused` (550, permanent)."""

    def __init__(self):
        self.messages = []
        self.refused = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        # The decoded subject keeps the space of the folded header line; the body has SMTP's CRLF.
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(message["subject"]).strip(),
                              "body": message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
                              "message": message})
        return "250 Message accepted for delivery"


class LocalSMTPServer:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.handler = RecordingHandler()
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def outbox_backend(settings):
    """The production wiring: Django's mail API writes outbox rows; the task delivers to locmem."""
    settings.EMAIL_BACKEND = "mail.backend.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server the sending task talks to (stop() it to simulate an outage)."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    server = LocalSMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "mail.backend.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.MAIL_RETRY_SECONDS, settings.MAIL_RETRY_MAX_SECONDS, settings.MAIL_MAX_ATTEMPTS = 60, 3600, 8
    yield server
    server.stop()


# The review tests' small province (a county with a park, staff of every tier).
from tests.review.conftest import campaign_2024, county_world, pipeline_clock  # noqa: E402, F401

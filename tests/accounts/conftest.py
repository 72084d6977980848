import pytest

from sms.gateways import MemoryGateway


@pytest.fixture
def sms(settings):
    """The SMS sent, through the test gateway of the vote's gateway interface: [(phone, message)]."""
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    yield MemoryGateway.outbox
    MemoryGateway.outbox.clear()


@pytest.fixture
def site(settings):
    settings.ALLOWED_HOSTS = ["testserver", "cases.example.org"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work (queued mails) of the requests made inside `with committed():`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

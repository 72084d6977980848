import pytest

from tests.sms.fakes import FakeAliyun, FakeTencent


def use_provider(settings, provider) -> None:
    for name, value in provider.settings().items():
        setattr(settings, name, value)


@pytest.fixture
def aliyun(settings):
    """The local Aliyun SMS API, and settings pointing the portal at it."""
    provider = FakeAliyun().start()
    use_provider(settings, provider)
    yield provider
    provider.stop()


@pytest.fixture
def tencent(settings):
    """The local Tencent Cloud SMS API, and settings pointing the portal at it."""
    provider = FakeTencent().start()
    use_provider(settings, provider)
    yield provider
    provider.stop()

"""Fixtures the enterprise's page tests share. Each module says who `member` is (the enterprise's
user of its own case or enterprise); this signs that user in."""

import pytest


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client

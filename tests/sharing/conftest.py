"""Actors and a webhook receiver shared by the notification tests of this folder."""

import pytest

from agencies.models import User
from tests.conftest import PASSWORD

from .webhook_receiver import Receiver


@pytest.fixture
def nopd_admin(nopd):
    return User.objects.create_user(
        username="admin_nopd", password=PASSWORD, agency=nopd, role=User.Role.AGENCY_ADMIN,
        email="admin_nopd@example.gov",
    )


@pytest.fixture
def receiver():
    """A partner system on this machine (plain HTTP) that records what it receives."""
    with Receiver() as running:
        yield running

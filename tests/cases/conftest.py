"""Fixtures of the case and item page tests."""

import pytest

from cases import services
from cases.models import Attachment, IntelligenceItem
from core.handling import TLP
from tests.base import HttpsClient
from tests.conftest import cfr23_labels


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def tip(analyst_fl, trafficking_case):
    """MBI's tip on the story's case, TLP:AMBER + LES."""
    return services.item_create(
        by=analyst_fl, kind=IntelligenceItem.Kind.TIP, title="Girl seen at Baton Rouge motel",
        body="Desk clerk called it in.", case=trafficking_case, tlp=TLP.AMBER, les=True,
        **cfr23_labels(analyst_fl),
    )


@pytest.fixture
def remove_stored_files(db):
    """The files that a test stored as attachments are removed after it."""
    yield
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)

"""The API keeps and answers text without directional controls (core/text.py), as the pages do
(tests/cases/test_bidi_controls.py)."""

import pytest

from agencies.models import ApiKey
from cases.models import Annotation
from tests.api.conftest import key_for
from tests.cases.test_bidi_controls import DISGUISED, PLAIN, RLO

pytestmark = pytest.mark.django_db


def test_the_api_keeps_and_answers_them_without_them(api, trafficking_case, admin_mbi):
    writer = api.as_key(key_for(admin_mbi, name="MBI case tool", scope=ApiKey.Scope.WRITE))
    created = writer.post("/api/v1/annotations/", {"case_id": trafficking_case.id, "body": DISGUISED})
    assert created.status_code == 201, created.content
    assert created.json()["body"] == PLAIN
    assert Annotation.objects.get(pk=created.json()["id"]).body == PLAIN
    listed = writer.get("/api/v1/annotations/").content.decode()
    assert RLO not in listed and "\\u202e" not in listed.lower()

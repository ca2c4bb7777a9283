"""The API's published contract: a valid OpenAPI 3 schema, docs served without an external
network, and the per-key throttle."""

import pytest
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn raises on any warning or error; --validate checks against the OpenAPI 3 spec.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in [
        "/api/v1/cases/",
        "/api/v1/items/",
        "/api/v1/annotations/",
        "/api/v1/entities/",
        "/api/v1/agencies/",
        "/api/v1/fusion-centers/",
        "/api/v1/changes/",
    ]:
        assert f"  {path}:" in text, path
    assert "bearer" in text


def test_schema_and_docs_are_served_from_the_project(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


@override_settings(API_THROTTLE_RATE="3/min")
def test_a_key_over_its_rate_gets_429_with_retry_after(api, partner_key_fl, partner_key_la):
    api.as_key(partner_key_fl)
    for _ in range(3):
        assert api.get("/api/v1/fusion-centers/").status_code == 200
    refused = api.get("/api/v1/fusion-centers/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The count is per key: another partner is not slowed down.
    assert api.as_key(partner_key_la).get("/api/v1/fusion-centers/").status_code == 200

"""What the API answers to requests it cannot serve: never a 500 and never the portal's HTML,
always a status and the one error shape {"code", "message", "fields"}."""

import json

import pytest

from tests.api.base import assert_error_shape

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("resource", ["cases", "items", "annotations", "entities"])
def test_options_on_a_list_describes_it(api, story, partner_writer_fl, resource):
    response = api.as_key(partner_writer_fl).options(f"/api/v1/{resource}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"]
    assert "application/json" in body["renders"]
    if resource != "entities":
        # What a POST takes, field by field, as DRF's metadata says it.
        assert body["actions"]["POST"]


def test_options_describes_what_a_post_takes(api, story, partner_writer_fl):
    body = api.as_key(partner_writer_fl).options("/api/v1/cases/").json()
    fields = body["actions"]["POST"]
    assert fields["number"]["required"] is True
    assert fields["lead_center_id"]["type"] == "integer"
    assert "jurisdictions" in fields


def test_options_on_a_detail_says_the_same_for_a_missing_and_an_invisible_object(
    api, story, outsider_key
):
    api.as_key(outsider_key)
    invisible = api.options(f"/api/v1/cases/{story.case.id}/")
    missing = api.options(f"/api/v1/cases/{story.case.id + 1000}/")
    assert invisible.status_code == 200, invisible.content
    assert (invisible.status_code, invisible.content) == (missing.status_code, missing.content)


def test_options_for_a_read_key_lists_no_write(api, story, partner_key_fl):
    response = api.as_key(partner_key_fl).options("/api/v1/cases/")
    assert response.status_code == 200, response.content
    assert "actions" not in response.json()


@pytest.mark.parametrize("opening,closing", [("[", "]"), ('{"a":', "}")])
def test_a_body_nested_too_deep_is_a_400(api, story, partner_writer_fl, opening, closing):
    depth = 5000
    body = opening * depth + "1" + closing * depth
    response = api.as_key(partner_writer_fl).generic(
        "POST", "/api/v1/annotations/", body, content_type="application/json"
    )
    assert_error_shape(response, 400, "parse_error")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/%0A/",
        "/api/v1/%0A",
        "/api/%0Anothing",
        "/api/v1/cases/1%0A/",
        "/api/v1/nothing%0Ahere/",
        "/api/v1/cases/%0D%0A",
    ],
)
def test_a_path_with_a_line_break_gets_the_json_404(api, partner_key_fl, path):
    response = api.as_key(partner_key_fl).get(path)
    assert response["Content-Type"].startswith("application/json")
    assert_error_shape(response, 404, "not_found")


def test_a_body_over_the_upload_limit_gets_413_in_the_error_shape(
    api, story, partner_writer_fl, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"case_id": story.case.id, "body": "x" * 2000})
    response = api.as_key(partner_writer_fl).generic(
        "POST", "/api/v1/annotations/", body, content_type="application/json"
    )
    assert response["Content-Type"].startswith("application/json")
    assert_error_shape(response, 413, "too_large")

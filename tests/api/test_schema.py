"""The OpenAPI schema says what the API answers, so that a client generated from it works: a list
is one page object, `limit` has its range, a PATCH takes If-Match, each operation names the
errors it can answer."""

import pytest

pytestmark = pytest.mark.django_db

LISTS = ["cases", "items", "annotations", "entities", "agencies", "fusion-centers", "changes"]
DETAILS = ["cases", "items", "annotations", "entities", "agencies", "fusion-centers"]


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def operation(schema, path, method="get"):
    return schema["paths"][f"/api/v1/{path}"][method]


@pytest.mark.parametrize("resource", LISTS)
def test_a_list_answers_one_page_object(schema, resource):
    body = operation(schema, f"{resource}/")["responses"]["200"]["content"]["application/json"]
    assert "$ref" in body["schema"], body  # not {"type": "array", "items": <page>}
    page = resolve(schema, body["schema"]["$ref"])
    assert page["type"] == "object"
    assert set(page["properties"]) == {"results", "next_cursor", "has_more"}
    assert page["properties"]["results"]["type"] == "array"
    assert page["properties"]["next_cursor"]["nullable"] is True


@pytest.mark.parametrize("resource", LISTS)
def test_limit_documents_its_range_and_every_list_its_errors(schema, resource):
    op = operation(schema, f"{resource}/")
    limit = next(p for p in op["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
    # 400 for a bad filter, cursor or limit (the directory's too), 403 for a key used from an
    # address outside its networks.
    assert {"200", "400", "401", "403", "429"} <= set(op["responses"])


@pytest.mark.parametrize("resource", DETAILS)
def test_a_detail_documents_its_integer_id_and_its_404(schema, resource):
    op = operation(schema, f"{resource}/{{id}}/")
    (pk,) = [p for p in op["parameters"] if p["in"] == "path"]
    assert pk["schema"]["type"] == "integer"
    assert {"200", "401", "403", "404", "429"} <= set(op["responses"])


@pytest.mark.parametrize("resource", ["cases", "annotations"])
def test_a_patch_takes_if_match_and_documents_412(schema, resource):
    op = operation(schema, f"{resource}/{{id}}/", "patch")
    headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
    assert headers["If-Match"]["schema"]["type"] == "string"
    assert {"200", "400", "401", "403", "404", "412", "429"} <= set(op["responses"])
    assert "ETag" in op["responses"]["200"]["headers"]

"""The OpenAPI schema says what the API answers, so that a client generated from it works: a list
is one page object, `limit` has its range, a PATCH takes If-Match, each operation names the
errors it can answer; and a Python client generated from the served schema (openapi-python-client,
offline) lists, pages and reads against a live server."""

import importlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.test import override_settings

from cases import services as case_services

pytestmark = pytest.mark.django_db

LISTS = ["cases", "items", "annotations", "entities", "agencies", "fusion-centers", "changes",
         "tasks", "rfis", "referrals", "tips"]
DETAILS = ["cases", "items", "annotations", "entities", "agencies", "fusion-centers", "tasks",
           "rfis", "referrals", "tips"]
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


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


@pytest.mark.parametrize("resource", ["cases", "annotations", "tasks"])
def test_a_patch_takes_if_match_and_documents_412(schema, resource):
    op = operation(schema, f"{resource}/{{id}}/", "patch")
    headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
    assert headers["If-Match"]["schema"]["type"] == "string"
    assert {"200", "400", "401", "403", "404", "412", "429"} <= set(op["responses"])
    assert "ETag" in op["responses"]["200"]["headers"]


def test_the_rfi_filters_and_actions_are_documented(schema):
    listed = {p["name"]: p["schema"] for p in operation(schema, "rfis/")["parameters"]}
    assert listed["side"]["enum"] == ["all", "by_us", "mine", "to_us"]
    assert listed["overdue"]["type"] == "boolean"
    row = schema["components"]["schemas"]["RfiRow"]
    assert row["properties"]["status"]["$ref"].endswith("/RfiStatusEnum")
    for action in ("take", "close", "reopen"):
        op = operation(schema, f"rfis/{{id}}/{action}/", "post")
        assert "If-Match" in {p["name"] for p in op["parameters"] if p["in"] == "header"}
        assert {"200", "400", "403", "404", "412"} <= set(op["responses"])
    assert {"201", "400", "403", "404"} <= set(
        operation(schema, "rfis/{id}/answer/", "post")["responses"])


@pytest.fixture(scope="session")
def plain_http():
    """The live server speaks plain HTTP on localhost (as in tests/browser/conftest.py).
    Session-scoped, as live_server is: it must be on before the server starts."""
    override = override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0)
    override.enable()
    yield
    override.disable()


def generate_client(base_url, target):
    """A Python package generated from the schema the server serves, imported."""
    schema_file = target / "schema.json"
    served = httpx.get(f"{base_url}/api/schema/?format=json")
    assert served.status_code == 200, (served.status_code, served.headers, served.text[:300])
    schema_file.write_bytes(served.content)
    config = target / "generator.yml"
    config.write_text("post_hooks: []\n")  # no formatter run: nothing but the generator
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema_file), "--meta", "none",
         "--output-path", str(target / "fusionportal_client"), "--config", str(config)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(target))
    try:
        return importlib.import_module("fusionportal_client")
    finally:
        sys.path.remove(str(target))


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_lists_pages_and_reads(plain_http, live_server, tmp_path, story,
                                                   analyst_fl, partner_writer_fl):
    tips = [case_services.item_create(by=analyst_fl, kind="tip", title=f"Tip {n}")
            for n in range(4)]
    client_package = generate_client(live_server.url, tmp_path)
    api = importlib.import_module("fusionportal_client.api.v1")
    client = client_package.AuthenticatedClient(
        base_url=live_server.url, token=partner_writer_fl, raise_on_unexpected_status=True
    )
    cases_list = importlib.import_module(f"{api.__name__}.v1_cases_list")
    items_list = importlib.import_module(f"{api.__name__}.v1_items_list")
    case_detail = importlib.import_module(f"{api.__name__}.v1_cases_retrieve")
    case_update = importlib.import_module(f"{api.__name__}.v1_cases_partial_update")
    models = importlib.import_module("fusionportal_client.models")

    with client:
        page = cases_list.sync(client=client)
        assert isinstance(page, models.CasePage)
        assert [(row.id, row.number) for row in page.results] == [
            (story.case.id, "MBI-2015-0042")]
        assert page.has_more is False

        seen, cursor = [], None
        while True:
            kwargs = {"cursor": cursor} if cursor else {}
            page = items_list.sync(client=client, limit=2, **kwargs)
            assert isinstance(page, models.ItemPage), page
            assert len(page.results) <= 2
            seen += [row.id for row in page.results]
            cursor = page.next_cursor
            if not page.has_more:
                break
        assert seen == [story.item.id, *(tip.id for tip in tips)]

        detail = case_detail.sync_detailed(client=client, id=story.case.id)
        assert detail.status_code == 200
        assert isinstance(detail.parsed, models.CaseRow)
        assert detail.parsed.states == ["CA", "FL", "LA"]
        assert [e.key for e in detail.parsed.entities] == ["recruiter.example@mail.example"]

        # A change names the version it read in If-Match; a stale one is a 412 in the
        # documented error shape.
        changed = case_update.sync(
            client=client, id=story.case.id, if_match=detail.headers["ETag"],
            body=models.PatchedCaseUpdateInputRequest(title="Suspects identified"))
        assert isinstance(changed, models.CaseRow), changed
        assert changed.title == "Suspects identified"
        stale = case_update.sync_detailed(
            client=client, id=story.case.id, if_match=detail.headers["ETag"],
            body=models.PatchedCaseUpdateInputRequest(title="Lost update"))
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.Error)
        assert stale.parsed.code == "stale_version"

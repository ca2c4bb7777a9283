"""Generic API endpoint tests after NetBox's APIViewTestCases: an endpoint declares its resource,
model and actors, and inherits the contract every endpoint keeps.

What an endpoint class declares:

- `resource` (/api/v1/<resource>/) and `model`; `object_id(story)`: the id of its object in the
  `story` fixture (tests/api/conftest.py: MBI's case with an item, a subject and a note, shared
  with no one); `private = False` for the network directory, which every member agency reads;
- its actors, as names of the key fixtures of tests/api/conftest.py: `member_key` (a read key
  of the agency that owns the story, MBI), `outsider_key` (a write key of Houston PD, which was
  given nothing), `holder_key` (a write key of Anaheim PD: the story is shared with it at the
  level a test needs), `owner_writer_key` (MBI's write key);
- `writes(story)`: each write the endpoint accepts, as Write(method, url, body, level), where
  `level` is what the key's agency needs on the story's case (None: nothing, e.g. opening a
  case of its own); `required_level` is the level of the writes that need one;
- a `make_row` fixture: make_row(n) makes one more row that the member key's list shows. The
  exact counts of the list (10 and 200 rows) and of the detail live in tests/api/query_counts.py
  under the resource's name and "<resource> detail".

What it inherits (EndpointTests; ListEndpointTests for a list without a detail):

- anonymous and a bad key get 401 in the error shape;
- an outsider gets the 404 of a missing object (same status, same bytes), and no row in the list;
- the member gets 200 and the same row in the list and the detail;
- a read-only key cannot write (403 missing_scope), nothing written;
- an outsider with a write key cannot write: a write on the story is refused as if the object
  were missing, and a method the endpoint does not offer (POST, PUT, PATCH, DELETE on the list
  and the detail) is a 405 in the error shape; nothing written either way;
- each level below `required_level` cannot write (403 in the error shape), nothing written; the
  holder of the level and the owner can;
- the list costs its baseline for 10 and for 200 rows, and the detail its own.
"""

from typing import NamedTuple

import pytest

from agencies.models import Agency, ApiKey, FusionCenter
from audit.models import AccessLog
from cases.models import Annotation, Case, CaseTask, Entity, IntelligenceItem
from core.handling import Level
from sharing.models import Share, Tombstone
from sharing.services import share
from tests.base import ROW_COUNTS, database_state, query_baseline
from work.models import RfiRequest

WRITE_METHODS = ("post", "put", "patch", "delete")
# Every table a write could touch: a refused write leaves each as many rows as it had.
WRITTEN_TABLES = (Agency, FusionCenter, ApiKey, Case, IntelligenceItem, Annotation, Entity,
                  Share, Tombstone, CaseTask, RfiRequest)


class Write(NamedTuple):
    method: str
    url: str
    body: dict
    level: Level | None = None


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}, body
    assert body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


def written_state(story):
    """What a refused write must leave as it was: the story's objects and what hangs off them,
    the number of rows of every table a write could add to, and the access-log rows of changes."""
    return {
        "objects": [database_state(obj) for obj in (story.case, story.item, story.note)],
        "tables": {model.__name__: model._default_manager.count() for model in WRITTEN_TABLES},
        "changes_logged": AccessLog.objects.exclude(action__in=["read", "list"]).count(),
    }


class ListEndpointTests:
    """A list of what the caller's agency may see: it needs a key, and it costs its baseline."""

    resource = ""
    member_key = "partner_key_fl"
    outsider_key = "outsider_key"
    row_counts = ROW_COUNTS
    rows_already = 0
    baseline = None

    @property
    def list_url(self):
        return f"/api/v1/{self.resource}/"

    @pytest.fixture
    def member(self, request):
        return request.getfixturevalue(self.member_key)

    @pytest.fixture
    def outsider(self, request):
        return request.getfixturevalue(self.outsider_key)

    @pytest.fixture
    def make_row(self):
        def make(n):
            raise NotImplementedError(f"{type(self).__name__} has rows to count: give it a "
                                      "make_row fixture")

        return make

    def test_anonymous_gets_401(self, api, story):
        for url in self.urls(story):
            response = api.get(url)
            assert_error_shape(response, 401, "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_bad_key_gets_401(self, api, story, partner_key_fl):
        for bad in ("fpk_00000000_not-a-key", partner_key_fl[:-1] + "x", "nonsense", "Basic abc"):
            response = api.as_key(bad).get(self.list_url)
            assert_error_shape(response, 401)

    def urls(self, story):
        return [self.list_url]

    def assert_costs(self, api, url, name, django_assert_num_queries, info):
        expected, source = query_baseline(type(self), name)
        # The first use of a key in a minute writes its last_used_at: not part of the count.
        assert api.get(url).status_code == 200
        with django_assert_num_queries(expected, info=f"{source}, {info}"):
            response = api.get(url)
        assert response.status_code == 200, response.content
        return response.json()

    def test_list_costs_its_query_baseline(self, api, story, member, make_row, row_count,
                                           django_assert_num_queries):
        for n in range(row_count):
            make_row(n)
        api.as_key(member)
        page = self.assert_costs(api, f"{self.list_url}?limit=500",
                                 self.baseline or self.resource, django_assert_num_queries,
                                 f"{row_count} rows")
        assert len(page["results"]) == row_count + self.rows_already


class EndpointTests(ListEndpointTests):
    """A list and a detail (see the module's docstring)."""

    model = None
    private = True  # outsiders must not see the object
    holder_key = "partner_key_ca"
    owner_writer_key = "partner_writer_fl"
    required_level = None

    def object_id(self, story):
        raise NotImplementedError

    def writes(self, story):
        """Write(method, url, body, level) of each write this endpoint accepts."""
        return []

    def detail_url(self, story, pk=None):
        return f"{self.list_url}{self.object_id(story) if pk is None else pk}/"

    def missing_id(self):
        return (self.model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
                or 0) + 1000

    def urls(self, story):
        return [self.list_url, self.detail_url(story)]

    def writes_on_the_story(self, story):
        """The writes that touch the story's objects (an outsider may still open its own case)."""
        return [write for write in self.writes(story) if write.level is not None
                or write.method != "post"]

    def writes_not_offered(self, story):
        """(method, url) of each write method the endpoint does not offer, on its list and its
        detail."""
        offered = {(write.method, write.url) for write in self.writes(story)}
        return [(method, url) for url in self.urls(story) for method in WRITE_METHODS
                if (method, url) not in offered]

    def test_outsider_gets_the_404_of_a_missing_object_and_an_empty_list(self, api, story,
                                                                          outsider):
        assert self.model._default_manager.filter(pk=self.object_id(story)).exists()
        api.as_key(outsider)
        existing = api.get(self.detail_url(story))
        if not self.private:
            # The network directory (agencies, centers) is readable by every member agency.
            assert existing.status_code == 200
            return
        body = assert_error_shape(existing, 404, "not_found")
        assert str(self.object_id(story)) not in body["message"]
        missing = api.get(self.detail_url(story, self.missing_id()))
        assert (missing.status_code, missing.content) == (existing.status_code, existing.content)
        listed = api.get(self.list_url).json()["results"]
        assert self.object_id(story) not in [row["id"] for row in listed]

    def test_unknown_and_malformed_ids_get_404(self, api, story, member):
        for pk in ("999999999", "99999999999999999999999", "abc", "-1"):
            response = api.as_key(member).get(f"{self.list_url}{pk}/")
            assert_error_shape(response, 404)

    def test_member_gets_200_and_the_same_row_in_list_and_detail(self, api, story, member):
        api.as_key(member)
        listed = api.get(self.list_url)
        assert listed.status_code == 200, listed.content
        rows = {row["id"]: row for row in listed.json()["results"]}
        assert self.object_id(story) in rows
        detail = api.get(self.detail_url(story))
        assert detail.status_code == 200, detail.content
        assert detail.json() == rows[self.object_id(story)]

    def test_read_only_key_cannot_write(self, api, story, member):
        attempts = [(w.method, w.url, w.body) for w in self.writes(story)] or [
            (method, url, {}) for method, url in self.writes_not_offered(story)]
        assert attempts
        before = written_state(story)
        for method, url, body in attempts:
            response = getattr(api.as_key(member), method)(url, body, format="json")
            assert_error_shape(response, 403, "missing_scope")
        assert written_state(story) == before

    def test_outsider_with_write_scope_cannot_write(self, api, story, outsider):
        on_the_story = self.writes_on_the_story(story)
        not_offered = self.writes_not_offered(story)
        assert on_the_story or not_offered
        api.as_key(outsider)
        before = written_state(story)
        for write in on_the_story:
            response = getattr(api, write.method)(write.url, write.body, format="json")
            assert response.status_code in (400, 404), response.content
            body = response.json()
            # Said the way a missing object is said: "No case found."
            assert "found" in (body["message"] + str(body["fields"])).lower(), body
        for method, url in not_offered:
            response = getattr(api, method)(url, {}, format="json")
            assert_error_shape(response, 405, "method_not_allowed")
            if url != self.list_url:
                # The refusal says nothing of the object: the same for one that does not exist.
                missing = getattr(api, method)(self.detail_url(story, self.missing_id()), {},
                                               format="json")
                assert missing.content == response.content
        assert written_state(story) == before

    def level_writes(self, story):
        return [write for write in self.writes(story) if write.level is not None]

    def test_holder_of_less_cannot_write(self, api, story, request, analyst_fl, anaheim,
                                         lower_level):
        writes = self.level_writes(story)
        assert writes
        share(obj=story.case, by=analyst_fl, agency=anaheim, level=lower_level)
        api.as_key(request.getfixturevalue(self.holder_key))
        before = written_state(story)
        for write in writes:
            response = getattr(api, write.method)(write.url, write.body, format="json")
            assert_error_shape(response, 403)
        assert written_state(story) == before

    def test_holder_of_the_level_writes(self, api, story, request, analyst_fl, anaheim,
                                        success_level):
        writes = self.level_writes(story)
        assert writes
        if success_level == Level.OWNER:
            key = request.getfixturevalue(self.owner_writer_key)
        else:
            share(obj=story.case, by=analyst_fl, agency=anaheim, level=success_level)
            key = request.getfixturevalue(self.holder_key)
        api.as_key(key)
        for write in writes:
            response = getattr(api, write.method)(write.url, write.body, format="json")
            assert response.status_code in (200, 201), response.content

    def test_detail_costs_its_query_baseline(self, api, story, member,
                                             django_assert_num_queries):
        api.as_key(member)
        row = self.assert_costs(api, self.detail_url(story),
                                f"{self.baseline or self.resource} detail",
                                django_assert_num_queries, "the detail")
        assert row["id"] == self.object_id(story)

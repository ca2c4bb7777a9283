"""Generic page tests after NetBox's ViewTestCases: a page declares its URL, model and actors, and
inherits the checks.

What a page class declares:

- `url_name`, and for an object page `model`: the URL takes the pk of the `subject` fixture (by
  default the story's case, TLP:AMBER, owned by MBI, whose analyst is analyst_fl);
- `method` and `data(subject)` for a form;
- its actors, as names of the fixtures of tests/conftest.py: `member_fixture` (who the page is
  for; on an object page the owner stands in), `outsiders` (who must find nothing);
- for an action, `required_level` and `assert_changed(subject, user, response)`;
- for its query count, a `make_row` fixture: make_row(n) makes one more row that the page shows
  to its member. The exact count lives in tests/<app>/query_counts.py, next to the test module,
  under `baseline` (default: the url name).

What it inherits:

- PageTests: anonymous is sent to the log-in page, and nothing changes;
- ObjectPageTests: each outsider gets the 404 of a missing object (same status, same bytes),
  and nothing changes;
- ObjectViewTests: the owner and a viewer get 200; the page costs its baseline for each;
- ObjectActionTests: each level below `required_level` is refused with nothing changed; the
  holder of the level and the owner succeed;
- MemberPageTests: a page with no levels (an admin page, a webhook): the member succeeds;
- ListPageTests: the member sees the subject's row, an outsider gets 200 without it;
- QueryCountTests (lists and detail pages): exactly the baseline's queries for 10 and for 200
  rows (`row_counts`), and the rows are on the page (`rows_shown`, at most `page_size`).

The member that shares are granted to is NOPD's analyst_la. Example:

    class TestCaseAnnotate(ObjectActionTests):
        url_name = "case-annotate"
        model = Case
        required_level = Level.ANNOTATE

        def data(self, subject):
            return {"body": "Seen in Shreveport"}

        def assert_changed(self, subject, user, response):
            assert subject.annotations.filter(author=user).exists()

    class TestCaseList(ListPageTests):
        url_name = "case-list"

        def row_text(self, subject):
            return subject.number

        @pytest.fixture
        def make_row(self, make_case, analyst_fl):
            return lambda n: make_case(analyst_fl, states=("FL", "LA"))
"""

import importlib

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from core.handling import Level
from sharing.services import share
from tests.conftest import fresh

LOGIN_URL = "/login/"
ROW_COUNTS = (10, 200)


def database_state(obj):
    """What a refused request must leave as it was: the object's row, the number of rows of every
    table that hangs off it, and the access-log rows that record a change of it."""
    model = type(obj)
    row = model._default_manager.filter(pk=obj.pk).values().get()
    related = {}
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            continue  # a through model is counted as a table of its own
        manager = relation.related_model._default_manager
        related[relation.name] = manager.filter(**{relation.field.name: obj.pk}).count()
    changes = (
        AccessLog.objects.filter(object_type=model._meta.model_name, object_id=obj.pk)
        .exclude(action__in=[AccessLog.Action.READ, AccessLog.Action.LIST])
        .count()
    )
    return {"row": row, "related": related, "changes_logged": changes}


def query_baseline(test_class, name):
    """The exact query count named `name` in the query_counts.py next to the test's module, and
    what to say when the count differs (or is missing: -1, so that the failure lists what the
    page does)."""
    module_name = test_class.__module__.rpartition(".")[0] + ".query_counts"
    counts = importlib.import_module(module_name).QUERY_COUNTS
    if name not in counts:
        return -1, (f"{module_name} has no baseline named {name!r}: add it, with a comment "
                    "naming the queries listed here")
    return counts[name], f"the baseline {name!r} of {module_name}"


class HttpsClient(Client):
    """The test client over HTTPS, as every browser reaches the portal (production settings
    redirect plain HTTP with a 301, and the session cookie is HTTPS-only)."""

    def generic(self, method, path, *args, secure=True, **kwargs):
        return super().generic(method, path, *args, secure=True, **kwargs)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


class PageTests:
    """What every page checks: who is not logged in goes to the log-in page."""

    url_name: str = ""
    model = None
    method = "get"
    member_fixture = "analyst_fl"
    outsiders = ("outsider",)

    def url(self, subject):
        raise NotImplementedError

    def data(self, subject):
        return {}

    def request(self, client, user, subject, url=None):
        if user is not None:
            client.force_login(user)
        send = getattr(client, self.method)
        return send(url or self.url(subject), self.data(subject))

    @pytest.fixture
    def client(self):
        return HttpsClient()

    @pytest.fixture
    def subject(self, trafficking_case):
        return trafficking_case

    @pytest.fixture
    def owner(self, subject):
        return subject.created_by

    @pytest.fixture
    def member(self, request):
        return request.getfixturevalue(self.member_fixture)

    def test_anonymous_is_sent_to_login(self, client, subject):
        before = database_state(subject)
        response = self.request(client, None, subject)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL + "?next=")
        assert database_state(subject) == before


class QueryCountTests:
    """A list or detail page costs exactly the queries of its baseline, for 10 rows as for 200.

    The subclass gives a `make_row` fixture: make_row(n) makes one more row that the page shows
    to the reader (a case in a list, an annotation on a case page). `rows_shown` names the
    context variable that holds the rows on the page (or `rows_on_page` finds them), and
    `page_size` how many a page shows at most (None: all); the test checks that the page shows
    exactly the rows made and the `rows_already` there (the subject's, say), so that it never
    counts an empty page. A page without rows of its own sets `row_counts = (0,)`.
    """

    baseline = None
    row_counts = ROW_COUNTS
    rows_shown = "rows"
    rows_already = 0
    page_size = None

    @pytest.fixture
    def make_row(self):
        def make(n):
            raise NotImplementedError(f"{type(self).__name__} has rows to count: give it a "
                                      "make_row fixture")

        return make

    def baseline_name(self, reader=""):
        name = self.baseline or self.url_name
        return f"{name} ({reader})" if reader else name

    def query_url(self, subject):
        return self.url(subject)

    def rows_on_page(self, response):
        return response.context[self.rows_shown]

    def assert_costs_the_baseline(self, client, reader, subject, row_count,
                                  django_assert_num_queries, reader_label=""):
        expected, source = query_baseline(type(self), self.baseline_name(reader_label))
        url = self.query_url(subject)
        client.force_login(reader)
        # A first request fills the process-wide caches (content types), which would otherwise
        # make the count depend on which test ran before.
        assert client.get(url).status_code == 200
        with django_assert_num_queries(expected, info=f"{source}, {row_count} rows"):
            response = client.get(url)
        assert response.status_code == 200
        if row_count and self.rows_shown:
            expected_rows = row_count + self.rows_already
            if self.page_size is not None:
                expected_rows = min(expected_rows, self.page_size)
            assert len(self.rows_on_page(response)) == expected_rows
        return response

    def test_costs_its_query_baseline(self, client, subject, member, make_row, row_count,
                                      django_assert_num_queries):
        for n in range(row_count):
            make_row(n)
        self.assert_costs_the_baseline(client, member, subject, row_count,
                                       django_assert_num_queries)


class ObjectPageTests(PageTests):
    """A page about one object: its URL takes the object's pk, and for an outsider the object
    does not exist."""

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk])

    def missing_url(self, subject):
        """The same page of an object that does not exist."""
        manager = self.model._default_manager
        missing_pk = (manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
        return self.url(subject, missing_pk)

    @pytest.fixture
    def member(self, owner):
        return owner

    @pytest.fixture
    def holder(self, subject, owner, nopd, analyst_la):
        """holder(level): a user whose agency holds `level` on the subject (the owner for OWNER)."""

        def make(level):
            if level == Level.OWNER:
                return owner
            share(obj=subject, by=owner, agency=nopd, level=level)
            return fresh(analyst_la)

        return make

    def test_outsider_gets_the_404_of_a_missing_object(self, client, subject, request,
                                                       outsider_fixture):
        assert self.model is not None and isinstance(subject, self.model), (self.model, subject)
        outsider = request.getfixturevalue(outsider_fixture)
        before = database_state(subject)
        existing = self.request(client, outsider, subject)
        missing = self.request(client, outsider, subject, url=self.missing_url(subject))
        assert existing.status_code == 404
        assert (missing.status_code, missing.content) == (existing.status_code, existing.content)
        assert database_state(subject) == before


class ObjectViewTests(ObjectPageTests, QueryCountTests):
    """A page that shows one object: the owner and any agency it was shared with get 200, and
    each costs its baseline ("<url name> (owner)", "<url name> (viewer)")."""

    rows_shown = None

    @pytest.mark.parametrize("level", [Level.OWNER, Level.VIEW], ids=["owner", "viewer"])
    def test_member_gets_200(self, client, subject, holder, level):
        response = self.request(client, holder(level), subject)
        assert response.status_code == 200

    @pytest.mark.parametrize("level", [Level.OWNER, Level.VIEW], ids=["owner", "viewer"])
    def test_costs_its_query_baseline(self, client, subject, holder, make_row, row_count, level,
                                      django_assert_num_queries):
        for n in range(row_count):
            make_row(n)
        reader = holder(level)
        self.assert_costs_the_baseline(client, reader, subject, row_count,
                                       django_assert_num_queries,
                                       reader_label="owner" if level == Level.OWNER else "viewer")


class ObjectActionTests(ObjectPageTests):
    """A form that changes one object and needs `required_level` on it.

    A holder of less gets `refused_status` (403: it sees the object, so a 404 would lie) and the
    database does not change. A holder of the level gets `success_status` (the redirect after a
    POST) and `assert_changed` checks what changed. An action open to every viewer has no level
    below it (a holder of none is an outsider): it sets test_holder_of_less_changes_nothing = None.
    """

    method = "post"
    required_level = Level.EDIT
    refused_status = 403
    success_status = 302

    def assert_changed(self, subject, user, response):
        raise NotImplementedError

    def assert_refused(self, subject, user, response):
        """Extra checks of a refusal (e.g. the message shown); the database check is generic."""

    def test_holder_of_less_changes_nothing(self, client, subject, holder, lower_level):
        user = holder(lower_level)
        before = database_state(subject)
        response = self.request(client, user, subject)
        assert response.status_code == self.refused_status
        assert database_state(subject) == before
        self.assert_refused(subject, user, response)

    def test_holder_of_the_level_changes_it(self, client, subject, holder, success_level):
        user = holder(success_level)
        response = self.request(client, user, subject)
        assert response.status_code == self.success_status
        self.assert_changed(subject, user, response)


class MemberPageTests(ObjectPageTests):
    """A page of one object that only its member reaches, with no levels in between (a webhook
    of an agency, an admin page): the member gets `success_status`, and `assert_changed` checks
    what it shows or changed."""

    success_status = 200

    @pytest.fixture
    def member(self, request):
        return request.getfixturevalue(self.member_fixture)

    def assert_changed(self, subject, user, response):
        """For a page that changes something: what it changed."""

    def test_member_succeeds(self, client, subject, member):
        response = self.request(client, member, subject)
        assert response.status_code == self.success_status, response.content.decode()[:2000]
        self.assert_changed(subject, member, response)


class ListPageTests(PageTests, QueryCountTests):
    """A page that lists objects: the member sees the subject's row, an outsider gets 200
    without it; the page costs its baseline for 10 rows and for 200."""

    def url(self, subject):
        return reverse(self.url_name)

    def row_text(self, subject):
        raise NotImplementedError

    def test_member_sees_the_row(self, client, subject, member):
        response = self.request(client, member, subject)
        assert response.status_code == 200
        assert self.row_text(subject) in response.content.decode()

    def test_outsider_does_not_see_the_row(self, client, subject, request, outsider_fixture):
        response = self.request(client, request.getfixturevalue(outsider_fixture), subject)
        assert response.status_code == 200
        assert self.row_text(subject) not in response.content.decode()


def deliver_all():
    """Deliver the pending outbox events as the notification worker would, in this process."""
    from notifications import tasks
    from notifications.models import OutboxEvent

    for pk in OutboxEvent.objects.filter(status="pending").values_list("pk", flat=True):
        tasks.deliver_event(pk)

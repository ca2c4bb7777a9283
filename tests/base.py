"""Generic page tests after NetBox's ViewTestCases: a page declares its URL, inherits the checks.

Every browser page about one case or item inherits one of these classes and gets, for free:

- anonymous is sent to the log-in page, and nothing changes;
- an outsider agency gets the 404 of a missing object (same status, same body), and nothing changes;
- for a page that shows the object (ObjectViewTests): the owner and a viewer get 200;
- for a page that changes it (ObjectActionTests): every level below the one it needs is refused
  with nothing changed in the database, and the owner and an agency holding the level succeed.

A subclass sets `url_name` (a URL taking the object's pk), `method`, and for actions
`required_level`, `data(subject)` and `assert_changed(subject, user, response)`. It may override
the `subject` fixture (default: the story's case, TLP:AMBER, owned by MBI, whose analyst is
analyst_fl). The member that shares are granted to is NOPD's analyst_la.

Example:

    class TestCaseAnnotate(ObjectActionTests):
        url_name = "case-annotate"
        required_level = Level.ANNOTATE

        def data(self, subject):
            return {"body": "Seen in Shreveport"}

        def assert_changed(self, subject, user, response):
            assert subject.annotations.filter(author=user).exists()

A list page (one without a pk) inherits ListPageTests and sets `url_name` and `row_text(subject)`.
"""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from core.handling import Level
from sharing.services import share
from tests.conftest import fresh

LOGIN_URL = "/login/"


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
    method = "get"

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

    def test_anonymous_is_sent_to_login(self, client, subject):
        before = database_state(subject)
        response = self.request(client, None, subject)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL + "?next=")
        assert database_state(subject) == before


class ObjectPageTests(PageTests):
    """A page about one object: its URL takes the object's pk."""

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk])

    @pytest.fixture
    def holder(self, subject, owner, nopd, analyst_la):
        """holder(level): a user whose agency holds `level` on the subject (the owner for OWNER)."""

        def make(level):
            if level == Level.OWNER:
                return owner
            share(obj=subject, by=owner, agency=nopd, level=level)
            return fresh(analyst_la)

        return make

    def test_outsider_gets_the_404_of_a_missing_object(self, client, subject, outsider):
        model = type(subject)
        missing_pk = (model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
                      or 0) + 1000
        before = database_state(subject)
        existing = self.request(client, outsider, subject)
        missing = self.request(client, outsider, subject, url=self.url(subject, missing_pk))
        assert existing.status_code == 404
        assert (missing.status_code, missing.content) == (existing.status_code, existing.content)
        assert database_state(subject) == before


class ObjectViewTests(ObjectPageTests):
    """A page that shows one object: the owner and any agency it was shared with get 200."""

    @pytest.mark.parametrize("level", [Level.OWNER, Level.VIEW], ids=["owner", "viewer"])
    def test_member_gets_200(self, client, subject, holder, level):
        response = self.request(client, holder(level), subject)
        assert response.status_code == 200


class ObjectActionTests(ObjectPageTests):
    """A form that changes one object and needs `required_level` on it.

    A holder of less gets `refused_status` (403: it sees the object, so a 404 would lie) and the
    database does not change. A holder of the level gets `success_status` (the redirect after a
    POST) and `assert_changed` checks what changed.
    """

    method = "post"
    required_level = Level.EDIT
    refused_status = 403
    success_status = 302

    def assert_changed(self, subject, user, response):
        raise NotImplementedError

    def assert_refused(self, subject, user, response):
        """Extra checks of a refusal (e.g. the message shown); the database check is generic."""

    def test_holder_of_less_changes_nothing(self, client, subject, holder):
        for level in [lv for lv in (Level.VIEW, Level.ANNOTATE, Level.EDIT, Level.MANAGE)
                      if lv < self.required_level]:
            user = holder(level)
            before = database_state(subject)
            response = self.request(client, user, subject)
            assert response.status_code == self.refused_status, level
            assert database_state(subject) == before, level
            self.assert_refused(subject, user, response)

    @pytest.mark.parametrize("level", ["required", Level.OWNER], ids=["holder", "owner"])
    def test_holder_of_the_level_changes_it(self, client, subject, holder, level):
        user = holder(self.required_level if level == "required" else level)
        response = self.request(client, user, subject)
        assert response.status_code == self.success_status
        self.assert_changed(subject, user, response)


class ListPageTests(PageTests):
    """A page that lists objects: the owner sees its row, an outsider gets 200 without it."""

    def url(self, subject):
        return reverse(self.url_name)

    def row_text(self, subject):
        raise NotImplementedError

    def test_member_sees_the_row(self, client, subject, owner):
        response = self.request(client, owner, subject)
        assert response.status_code == 200
        assert self.row_text(subject) in response.content.decode()

    def test_outsider_does_not_see_the_row(self, client, subject, outsider):
        response = self.request(client, outsider, subject)
        assert response.status_code == 200
        assert self.row_text(subject) not in response.content.decode()

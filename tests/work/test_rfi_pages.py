"""The RFI pages: a request's card and page, addressing it, its buttons, the list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import IntelligenceItem
from core.handling import Level
from tests.base import HttpsClient, ListPageTests, ObjectActionTests, ObjectPageTests
from work.models import RfiRequest
from work.services import rfi_address, rfi_close

pytestmark = pytest.mark.django_db

TITLE = "Who rents the Gulf Breeze storage unit?"


def soon(days=2):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def rfi(make_item, analyst_fl):
    return make_item(analyst_fl, kind="rfi", title=TITLE)


@pytest.fixture
def addressed(rfi, analyst_fl, lsp):
    """Addressed to the Louisiana State Police: NOPD (the holder of the generic tests) is not
    the addressee."""
    return rfi_address(rfi=rfi, by=analyst_fl, agency=lsp, due_date=soon())


class RfiPage:
    model = IntelligenceItem

    @pytest.fixture
    def subject(self, rfi, addressed):
        return rfi


class TestRfiDetail(RfiPage, ObjectPageTests):
    url_name = "rfi-detail"

    def test_the_asker_sees_the_status_and_its_buttons(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        page = client.get(self.url(subject)).content.decode()
        assert "Open" in page and "Louisiana State Police" in page
        assert "Close" in page and "Acknowledge and take it" not in page

    def test_the_addressee_sees_take_and_answer(self, client, subject, analyst_la2):
        client.force_login(analyst_la2)
        page = client.get(self.url(subject), headers={"HX-Request": "true"}).content.decode()
        assert "Acknowledge and take it" in page and "Answer" in page and "Close" not in page
        assert "<html" not in page  # the card alone, for the RFI's page


class TestRfiAddress(ObjectActionTests):
    url_name = "rfi-address"
    model = IntelligenceItem
    required_level = Level.OWNER

    @pytest.fixture
    def subject(self, rfi, lsp):
        return rfi

    def data(self, subject):
        return {"agency": _lsp_pk(), "due_date": soon().isoformat()}

    def assert_changed(self, subject, user, response):
        assert RfiRequest.objects.get(rfi=subject).addressed_agency.name == "Louisiana State Police"

    def assert_refused(self, subject, user, response):
        assert not RfiRequest.objects.filter(rfi=subject).exists()

    def test_bad_input_is_a_form_error(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        response = client.post(self.url(subject), {"due_date": soon().isoformat()})
        assert response.status_code == 400
        assert "one agency or to one fusion center" in response.content.decode()
        response = client.post(self.url(subject), {"agency": _lsp_pk(),
                                                   "due_date": "2000-01-01"})
        assert response.status_code == 400 and "today or later" in response.content.decode()
        assert not RfiRequest.objects.exists()


def _lsp_pk():
    from agencies.models import Agency

    return Agency.objects.get(name="Louisiana State Police").pk


class TestRfiClose(RfiPage, ObjectActionTests):
    url_name = "rfi-action"
    required_level = Level.OWNER

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk, "close"])

    def data(self, subject):
        return {"version": RfiRequest.objects.get(rfi=subject).version}

    def assert_changed(self, subject, user, response):
        assert RfiRequest.objects.get(rfi=subject).status == RfiRequest.Status.CLOSED

    def assert_refused(self, subject, user, response):
        assert RfiRequest.objects.get(rfi=subject).status == RfiRequest.Status.OPEN


class TestRfiTake(RfiPage, ObjectPageTests):
    url_name = "rfi-action"
    method = "post"

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk, "take"])

    def data(self, subject):
        return {"version": 1}

    def test_the_addressee_takes_it_once(self, client, subject, analyst_la2, analyst_fl):
        client.force_login(analyst_la2)
        assert client.post(self.url(subject), {"version": 1}).status_code == 302
        request = RfiRequest.objects.get(rfi=subject)
        assert (request.status, request.taken_by) == (RfiRequest.Status.ACKNOWLEDGED, analyst_la2)
        # Again: refused with its reason, nothing changed.
        response = client.post(self.url(subject), {"version": 2}, follow=True)
        assert "took this request already" in response.content.decode()
        # A stale page: nothing changed.
        client.force_login(analyst_fl)
        response = client.post(self.url(subject), {"version": 1}, follow=True)
        assert RfiRequest.objects.get(rfi=subject).version == 2

    def test_the_asker_does_not_take_it(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        assert client.post(self.url(subject), {"version": 1}).status_code == 403
        assert RfiRequest.objects.get(rfi=subject).taken_by is None


class TestRfiReopen(RfiPage, ObjectPageTests):
    url_name = "rfi-action"
    method = "post"

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk, "reopen"])

    def test_the_asker_reopens_a_closed_request_with_a_new_due_date(self, client, subject,
                                                                     addressed, analyst_fl):
        closed = rfi_close(request=addressed, by=analyst_fl)
        client.force_login(analyst_fl)
        response = client.post(self.url(subject), {"version": closed.version,
                                                   "due_date": soon(9).isoformat()})
        assert response.status_code == 302
        addressed.refresh_from_db()
        assert (addressed.status, addressed.due_date) == (RfiRequest.Status.OPEN, soon(9))

    def test_a_pending_one_is_not_reopened(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        response = client.post(self.url(subject), {"version": 1}, follow=True)
        assert "still pending" in response.content.decode()


def test_an_unknown_action_is_a_404(rfi, addressed, analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    assert client.post(reverse("rfi-action", args=[rfi.pk, "burn"]), {"version": 1}).status_code == 404


class TestRfiList(ListPageTests):
    url_name = "rfi-list"
    page_size = 50

    @pytest.fixture
    def subject(self, rfi, addressed):
        return rfi

    def row_text(self, subject):
        return subject.title

    @pytest.fixture
    def make_row(self, make_item, analyst_fl, lsp, cfix):
        def make(n):
            rfi = make_item(analyst_fl, kind="rfi", title=f"Request {n}")
            rfi_address(rfi=rfi, by=analyst_fl, due_date=soon(n % 5),
                        **({"agency": lsp} if n % 2 else {"center": cfix}))

        return make

    rows_already = 1

    def test_filters_and_overdue(self, client, subject, addressed, analyst_la2, analyst_fl):
        RfiRequest.objects.filter(pk=addressed.pk).update(due_date=soon(-3))
        client.force_login(analyst_la2)
        page = client.get(reverse(self.url_name), {"side": "to_us", "overdue": "1"})
        assert page.context["rows"][0].overdue and 'class="overdue"' in page.content.decode()
        assert client.get(reverse(self.url_name), {"side": "by_us"}).context["rows"] == []
        client.force_login(analyst_fl)
        assert len(client.get(reverse(self.url_name), {"side": "by_us"}).context["rows"]) == 1
        assert client.get(reverse(self.url_name), {"side": "nope"}).status_code == 400
        assert client.get(reverse(self.url_name), {"cursor": "x"}).status_code == 400

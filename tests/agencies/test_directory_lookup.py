"""The directory's type-to-search (agencies/views/directory.py): the lists' agency menus ask it for
their options as one types (htmx), and without JavaScript it is a page of the agencies found. It
answers with directory facts alone (name, ORI, level, home state), the same whatever an agency
owns."""

import pytest
from django.urls import reverse

from agencies.models import Agency
from agencies.selectors import LOOKUP_LIMIT
from tests.base import PageTests, QueryCountTests

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def options(response):
    return response.content.decode()


class TestAgencyLookup(PageTests, QueryCountTests):
    url_name = "agency-lookup"
    rows_shown = "agencies"
    page_size = LOOKUP_LIMIT

    def url(self, subject):
        return reverse(self.url_name)

    def query_url(self, subject):
        return self.url(subject) + "?owner_search=sheriff"

    @pytest.fixture
    def make_row(self, db):
        return lambda n: Agency.objects.create(
            name=f"County {n:03d} Sheriff's Office", ori=f"TX{n:07d}", level="local",
            home_state="TX",
        )

    def test_the_page_lists_what_it_finds_with_links_to_the_filtered_lists(
        self, client, member, houston
    ):
        client.force_login(member)
        page = client.get(self.url(None), {"owner_search": "Houston"}).content.decode()
        assert "Houston Police Department" in page and houston.ori in page
        assert f"/cases/?owner={houston.pk}" in page and f"/intel/?owner={houston.pk}" in page

    @pytest.mark.parametrize("text", ["", "h", "   "])
    def test_fewer_than_two_letters_find_nothing(self, client, member, houston, text):
        client.force_login(member)
        response = client.get(self.url(None), {"owner_search": text})
        assert response.status_code == 200 and response.context["agencies"] == []
        assert "Type at least 2 letters" in response.content.decode()

    def test_with_htmx_it_answers_the_menus_options(self, client, analyst_fl, mbi, ocso, houston):
        client.force_login(analyst_fl)
        response = client.get(self.url(None), {"owner_search": "txhpd"}, headers=HTMX)
        fragment = options(response)
        assert response.status_code == 200 and "<html" not in fragment
        assert fragment.startswith('<option value="" selected>Any agency</option>')
        near = fragment.index("Your agency and your centers")
        found = fragment.index("Found for \u201ctxhpd\u201d")
        assert near < fragment.index(f'value="{mbi.pk}"') < found
        assert near < fragment.index(f'value="{ocso.pk}"') < found
        assert found < fragment.index(f'<option value="{houston.pk}">Houston Police Department')

    def test_with_htmx_the_chosen_agency_stays_chosen(self, client, analyst_fl, houston):
        client.force_login(analyst_fl)
        fragment = options(client.get(self.url(None), {"owner": houston.pk}, headers=HTMX))
        assert '<optgroup label="Chosen">' in fragment
        assert f'<option value="{houston.pk}" selected>' in fragment
        for bad in ("abc", "-4", str(10**30), str(houston.pk + 1000)):
            response = client.get(self.url(None), {"owner": bad}, headers=HTMX)
            assert response.status_code == 200 and "Chosen" not in options(response)

    def test_the_answer_says_nothing_of_what_an_agency_owns(
        self, client, analyst_fl, houston, outsider, make_case, make_item
    ):
        client.force_login(analyst_fl)
        ask = {"owner_search": "Houston", "owner": houston.pk}
        before = (client.get(self.url(None), ask, headers=HTMX).content,
                  client.get(self.url(None), ask).content)
        make_case(outsider, states=("TX",), title="Warehouse thefts on the ship channel")
        make_item(outsider, title="Informant names the buyer")
        after = (client.get(self.url(None), ask, headers=HTMX).content,
                 client.get(self.url(None), ask).content)
        assert before[0] == after[0]
        # The page (whose CSRF token changes from one request to the next) names none of them.
        assert b"Warehouse" not in after[1] and b"Informant" not in after[1]

    def test_with_htmx_a_lookup_costs_the_same_for_10_and_200_agencies(
        self, client, analyst_fl, make_row, django_assert_num_queries
    ):
        # The session, the user, the agencies near the user, the agencies found.
        client.force_login(analyst_fl)
        made = 0
        for count in (10, 200):
            for n in range(made, count):
                make_row(n)
            made = count
            with django_assert_num_queries(4):
                response = client.get(self.url(None), {"owner_search": "sheriff"}, headers=HTMX)
            assert options(response).count("Sheriff&#x27;s Office") == min(count, LOOKUP_LIMIT)

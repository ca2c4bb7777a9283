"""Search: one box over the cases, items, annotations and subjects an agency may see.

Whatever the database, a result is only ever something the permission service lets the
agency see; subjects are found by their normalised keys however they were typed.
"""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse

from audit.models import AccessLog
from cases import search as portal_search
from cases import services
from cases.models import Annotation, Case, Entity, IntelligenceItem
from core.handling import Level
from sharing.permissions import cases_visible_to
from sharing.services import share
from tests.base import HttpsClient, ListPageTests, query_baseline
from tests.conftest import fresh


@pytest.fixture
def story(trafficking_case, analyst_fl):
    """The story's case with a plate, a phone number and a person, an item and a note."""
    case = trafficking_case
    services.entity_link(by=analyst_fl, kind=Entity.Kind.VEHICLE, label="ABC-1234 (FL)",
                         case=case, plate="ABC-1234", state="FL", role="suspect vehicle")
    services.entity_link(by=analyst_fl, kind=Entity.Kind.PHONE, label="(504) 555-0142",
                         case=case, number="(504) 555-0142", role="burner phone")
    services.entity_link(by=analyst_fl, kind=Entity.Kind.PERSON, label="Darnell Price",
                         case=case, name="Darnell Price", role="suspect")
    item = services.item_create(
        by=analyst_fl, kind="tip", title="Motel clerk recognised the girl",
        body="Clerk in Shreveport saw the minor with two men; paid cash for a week.",
    )
    note = services.annotation_add(by=analyst_fl, case=case,
                                   body="Second suspect drives a grey minivan near Lafayette.")
    return {"case": case, "item": item, "note": note}


class TestSearchPage(ListPageTests):
    """The results page: the generic checks, and the same queries for 10 matches as for 200 (of
    which it shows the best twenty)."""

    url_name = "search"
    rows_already = 1  # the story's case
    page_size = portal_search.LIMIT

    def url(self, subject):
        return reverse("search") + "?q=trafficked"

    def row_text(self, subject):
        return subject.number

    def rows_on_page(self, response):
        return response.context["results"].cases

    @pytest.fixture
    def make_row(self, make_case, analyst_fl):
        return lambda n: make_case(analyst_fl, title=f"Trafficked minor {n}",
                                   summary="trafficked and moved on by the courier")


@pytest.mark.parametrize("typed", ["ABC-1234", "abc1234", "FL ABC 1234", "fl-abc-1234"])
def test_a_plate_is_found_however_it_is_typed(story, analyst_fl, typed):
    results = portal_search.search(analyst_fl, typed)
    [(entity, cases, items)] = results.entities
    assert entity.key == "FL:ABC1234"
    assert [case for case, role in cases] == [story["case"]]


@pytest.mark.parametrize("typed", ["504-555-0142", "+1 (504) 555 0142", "5045550142"])
def test_a_phone_number_is_found_however_it_is_typed(story, analyst_fl, typed):
    results = portal_search.search(analyst_fl, typed)
    assert [entity.key for entity, _, _ in results.entities] == ["+15045550142"]


def test_a_person_is_found_by_part_of_the_name(story, analyst_fl):
    results = portal_search.search(analyst_fl, "darnell")
    assert [entity.label for entity, _, _ in results.entities] == ["Darnell Price"]


def test_words_find_cases_items_and_annotations(story, analyst_fl):
    assert portal_search.search(analyst_fl, "trafficked").cases == [story["case"]]
    assert portal_search.search(analyst_fl, "Shreveport clerk").items == [story["item"]]
    assert portal_search.search(analyst_fl, "minivan").annotations == [story["note"]]
    assert portal_search.search(analyst_fl, "MBI-2015-0042").cases == [story["case"]]


def test_word_endings_do_not_hide_a_case(story, analyst_fl):
    """"trafficking" finds the case titled "trafficked" (PostgreSQL stems; SQLite trims)."""
    assert portal_search.search(analyst_fl, "trafficking").cases == [story["case"]]
    assert portal_search.search(analyst_fl, "cities").cases == [story["case"]]


def test_an_outsider_finds_nothing_not_even_the_subject(story, outsider):
    for typed in ["trafficked", "Shreveport", "minivan", "ABC-1234", "504 555 0142", "darnell"]:
        results = portal_search.search(outsider, typed)
        assert results.empty, typed


def test_a_share_opens_the_case_to_search_but_not_the_unshared_item(
    story, analyst_fl, analyst_la, nopd
):
    share(obj=story["case"], by=analyst_fl, agency=nopd, level=Level.VIEW)
    la = fresh(analyst_la)
    assert portal_search.search(la, "ABC1234").entities[0][1][0][0] == story["case"]
    assert portal_search.search(la, "minivan").annotations == [story["note"]]
    # The tip was never shared: it stays invisible, even though its words match.
    assert portal_search.search(la, "Shreveport").items == []


def test_snippets_escape_what_was_typed_and_mark_the_match(analyst_fl, make_case):
    make_case(analyst_fl, title="Script case",
              summary="<script>alert(1)</script> seen near the harbour with the courier")
    [case] = portal_search.search(analyst_fl, "courier").cases
    # PostgreSQL's headline drops tags, the SQLite excerpt escapes them: never raw markup.
    assert "<script" not in case.snippet
    assert "<mark>courier</mark>" in case.snippet


def test_too_short_a_query_is_a_clear_400(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.get(reverse("search"), {"q": "a"})
    assert response.status_code == 400
    assert "at least 2 characters" in response.content.decode()


def test_the_page_lists_what_was_found_and_logs_it(story, analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    page = client.get(reverse("search"), {"q": "fl abc 1234"}).content.decode()
    assert "ABC-1234 (FL)" in page and "MBI-2015-0042" in page
    row = AccessLog.objects.filter(action="list", actor=analyst_fl).latest("at")
    assert row.detail["query"] == "fl abc 1234"


def test_full_text_on_postgres_word_matching_on_sqlite(story, analyst_fl):
    """On PostgreSQL each table stores its vector in a generated column with a GIN index, so a
    match never parses text again and the planner can start from the words; SQLite has neither
    and matches words instead."""
    results = portal_search.search(analyst_fl, "trafficked")
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assert results.full_text is False
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE '%search%'")
            assert cursor.fetchall() == []
            return
        assert results.full_text is True
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_search_%%'")
        assert {row[0] for row in cursor.fetchall()} == {
            "case_search_stored", "item_search_stored", "annotation_search_stored"}
        cursor.execute("SET enable_seqscan = off")
    query = SearchQuery("trafficked", search_type="websearch", config=portal_search.CONFIG)
    # The match alone (the visibility semi-join would lead on a table this small).
    cases = Case.objects.all()
    plan = cases.annotate(document=portal_search.stored_vector(cases)).filter(document=query)
    assert "case_search_stored" in plan.explain()
    # And the search itself still goes through the permission service.
    assert results.cases == list(cases_visible_to(analyst_fl))


def test_the_stored_vectors_are_the_search_vectors_and_follow_every_write(story, analyst_fl):
    """The generated columns (SQL in migration 0004) hold exactly the vectors cases.search
    defines, and PostgreSQL keeps them in step with the text, whatever writes it. (SQLite
    stores none and matches words: the same search finds the same case.)"""
    Case.objects.update(summary="Skimmers found at the pumps")
    if connection.vendor != "postgresql":
        assert portal_search.search(analyst_fl, "skimmer").cases
        return
    for model, vector in [(Case, portal_search.case_vector()),
                          (IntelligenceItem, portal_search.item_vector()),
                          (Annotation, portal_search.annotation_vector())]:
        rows = model.objects.all()
        assert rows.exists(), model
        pairs = rows.annotate(
            stored=Cast(portal_search.stored_vector(rows), TextField()),
            expected=Cast(vector, TextField()),
        ).values_list("stored", "expected")
        assert [stored for stored, _ in pairs] == [expected for _, expected in pairs], model
    assert portal_search.search(analyst_fl, "skimmer").cases


def test_a_subject_is_found_by_its_key_through_an_index(story, analyst_fl):
    """The key patterns a typed subject becomes (a plate's suffix, a name's substring) are
    served by the trigram index on PostgreSQL; SQLite scans its (small, embedded) table."""
    matching = Q()
    for condition in portal_search.entity_conditions("abc 1234"):
        matching |= condition
    lookup = Entity.objects.filter(matching)
    assert lookup.exists()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    # The patterns alone (on a table this small the planner may prefer the kind's index).
    for pattern in (Entity.objects.filter(key__endswith=":ABC1234"),
                    Entity.objects.filter(key__contains="halvorsen")):
        assert "entity_key_trigram" in pattern.explain()


# "More results": each section pages on with a keyset cursor of its own --------------------


def section_url(text, section, cursor=None):
    params = {"q": text, "section": section}
    if cursor:
        params["cursor"] = cursor
    return reverse("search") + "?" + urlencode(params)


# A cursor before every row: its "next page" is the section's first page, reached as a cursor.
def cursor_before_everything(section):
    return portal_search.section_cursor(
        section, 1e9, datetime(2999, 1, 1, tzinfo=UTC), 2**62
    )


class TestSearchSectionPage(ListPageTests):
    """A section's next page ("More results"): the generic checks, and the same queries for 10
    matches as for 200: the session and the reader, the section's rows (one query), the
    access-log row of what it showed, the header."""

    url_name = "search"
    baseline = "search (section)"
    rows_already = 1  # the story's case
    page_size = portal_search.LIMIT

    def url(self, subject):
        return section_url("trafficked", "cases", cursor_before_everything("cases"))

    def row_text(self, subject):
        return subject.number

    def rows_on_page(self, response):
        return response.context["section_page"].rows

    @pytest.fixture
    def make_row(self, make_case, analyst_fl):
        return lambda n: make_case(analyst_fl, title=f"Trafficked minor {n}",
                                   summary="trafficked and moved on by the courier")


def pages_of(client, text, section):
    """Follow a section's "More" links from the results page to the end: [[row pks], ...]."""
    response = client.get(reverse("search"), {"q": text})
    attribute = {"cases": "cases", "items": "items", "notes": "annotations"}[section]
    pages = [[row.pk for row in getattr(response.context["results"], attribute)]]
    more = response.context["results"].more[section]
    while more:
        response = client.get(section_url(text, section, more))
        assert response.status_code == 200
        shown = response.context["section_page"]
        pages.append([row.pk for row in shown.rows])
        more = shown.more_url and parse_qs(urlsplit(shown.more_url).query)["cursor"][0]
    return pages


def test_more_results_pages_each_section_to_its_end_once(analyst_fl, make_case, make_item):
    """25 cases and 25 items match, some ranked higher (the word in the title): the first page
    shows 20 of each with a "More" link, and the next page the other 5; nothing twice, nothing
    left out, in the order of the first page (best first, then newest)."""
    cases = [make_case(analyst_fl, title=("Courier ring" if n % 3 else f"Case {n}"),
                       summary="the courier drove north") for n in range(25)]
    items = [make_item(analyst_fl, title=("Courier seen" if n % 4 else f"Tip {n}"),
                       body="a courier with a van") for n in range(25)]
    client = HttpsClient()
    client.force_login(analyst_fl)
    for section, made in (("cases", cases), ("items", items)):
        pages = pages_of(client, "courier", section)
        assert [len(page) for page in pages] == [20, 5], section
        found = [pk for page in pages for pk in page]
        assert sorted(found) == sorted(row.pk for row in made), section
        whole = portal_search.search_section(analyst_fl, "courier", section, limit=50).rows
        assert found == [row.pk for row in whole], section


def test_more_annotations_page_on_too(story, analyst_fl, trafficking_case):
    for n in range(22):
        services.annotation_add(by=analyst_fl, case=trafficking_case,
                                body=f"Minivan seen again, sighting {n}")
    client = HttpsClient()
    client.force_login(analyst_fl)
    pages = pages_of(client, "minivan", "notes")
    assert [len(page) for page in pages] == [20, 3]
    assert len(set(pages[0] + pages[1])) == 23


def test_more_with_htmx_brings_the_rows_and_the_next_link_in_place(analyst_fl, make_item):
    for n in range(45):
        make_item(analyst_fl, title=f"Courier seen {n}", body="a courier with a van")
    client = HttpsClient()
    client.force_login(analyst_fl)
    first = client.get(reverse("search"), {"q": "courier"})
    page = first.content.decode()
    more = first.context["results"].more["items"]
    link = section_url("courier", "items", more).replace("&", "&amp;")
    # A plain link without JavaScript, and the same address for htmx.
    assert f'href="{link}"' in page and f'hx-get="{link}"' in page
    response = client.get(section_url("courier", "items", more), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment and "search-box" not in fragment
    assert fragment.count("<li>") == 20 and 'class="more"' in fragment
    assert "hx-get=" in fragment and "style=" not in fragment and "<script" not in fragment


@pytest.mark.parametrize("cursor", [
    "!!!", "bm90IGEgY3Vyc29y", "Y2FzZXN8bmFufDIwMjAtMDEtMDFUMDA6MDA6MDArMDA6MDB8MQ",
    "Y2FzZXN8MC41fDIwMjAtMDEtMDFUMDA6MDA6MDB8MQ", "Y2FzZXN8MC41fDEx",
])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_bad_cursor_is_a_clear_400(story, analyst_fl, cursor, htmx):
    """Not base64, not a cursor, a rank that is not a number (nan), a time without its zone,
    no time at all: each is refused in words, never a server error."""
    client = HttpsClient()
    client.force_login(analyst_fl)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.get(section_url("trafficked", "cases", cursor), **headers)
    assert response.status_code == 400
    assert "“More results” link is not valid" in response.content.decode()


def test_a_cursor_of_another_section_or_an_unknown_section_is_a_400(story, analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    items_cursor = cursor_before_everything("items")
    response = client.get(section_url("trafficked", "cases", items_cursor))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    response = client.get(section_url("trafficked", "subjects"))
    assert response.status_code == 400
    assert "Unknown section" in response.content.decode()
    response = client.get(section_url("", "cases", cursor_before_everything("cases")))
    assert response.status_code == 400
    assert "at least 2 characters" in response.content.decode()


def test_an_outsider_pages_on_to_nothing(story, outsider):
    """A cursor is no key: whoever follows one sees only what its own agency may see."""
    client = HttpsClient()
    client.force_login(outsider)
    for section, word in (("cases", "trafficked"), ("items", "Shreveport"),
                          ("notes", "minivan")):
        response = client.get(section_url(word, section, cursor_before_everything(section)))
        assert response.status_code == 200
        assert response.context["section_page"].rows == [], section
        assert story["case"].number not in response.content.decode()


def test_a_common_word_is_ranked_among_the_newest_matches_and_the_page_says_so(
    analyst_fl, make_item, monkeypatch
):
    """On PostgreSQL cases and items are ranked among their RANKED_AMONG newest matches (a word
    every visible item holds costs a bounded read), and the page says so when the bound was
    reached. SQLite matches words newest first, unbounded."""
    assert portal_search.RANKED_AMONG == 500
    monkeypatch.setattr(portal_search, "RANKED_AMONG", 3)
    best = make_item(analyst_fl, title="Courier courier courier", body="the courier at the pumps")
    newer = [make_item(analyst_fl, title=f"Tip {n}", body="a courier") for n in range(4)]
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.get(reverse("search"), {"q": "courier"})
    results = response.context["results"]
    page = response.content.decode()
    if connection.vendor != "postgresql":
        assert results.bounded == [] and len(results.items) == 5
        assert "Ranked among" not in page
        return
    assert results.bounded == ["items"]
    # The best match is the oldest: beyond the newest three, it is not ranked.
    assert [item.pk for item in results.items] == [item.pk for item in reversed(newer[1:])]
    assert best.pk not in [item.pk for item in results.items]
    assert ("Ranked among the 3 most recent matches; refine the words to search further back"
            in page)
    # Fewer matches than the bound: ranked among all, and nothing said.
    response = client.get(reverse("search"), {"q": "courier pumps"})
    assert [item.pk for item in response.context["results"].items] == [best.pk]
    assert "Ranked among" not in response.content.decode()



@pytest.mark.parametrize("row_count", [10, 200])
def test_more_with_htmx_costs_the_same_queries_for_10_and_200_matches(
    analyst_fl, make_item, row_count, django_assert_num_queries
):
    """The rows htmx brings: the page's queries without the header's (one for the rows, one for
    the access-log row), however many items match."""
    for n in range(row_count):
        make_item(analyst_fl, title=f"Courier seen {n}", body="a courier with a van")
    expected, source = query_baseline(TestSearchSectionPage, "search (section, htmx)")
    client = HttpsClient()
    client.force_login(analyst_fl)
    url = section_url("courier", "items", cursor_before_everything("items"))
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    with django_assert_num_queries(expected, info=source):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.content.decode().count("<li>") == min(row_count, portal_search.LIMIT)


def test_a_more_page_is_logged_with_what_it_showed(analyst_fl, make_item):
    items = [make_item(analyst_fl, title=f"Courier seen {n}", body="a courier") for n in range(3)]
    client = HttpsClient()
    client.force_login(analyst_fl)
    client.get(section_url("courier", "items", cursor_before_everything("items")))
    row = AccessLog.objects.filter(action="list", actor=analyst_fl).latest("at")
    assert row.detail["section"] == "items" and row.detail["query"] == "courier"
    assert sorted(row.detail["items"]) == sorted(item.pk for item in items)

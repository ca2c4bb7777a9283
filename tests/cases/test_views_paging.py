"""The case page and the item page a page at a time: the latest annotations and the latest timeline
entries, and "Earlier" for the rest (cases/views/annotations.py annotations_earlier,
cases/views/cases.py case_timeline_earlier), by keyset cursor, fetched by htmx or followed as a
plain link. The page's HTML is bounded whatever the case's size.

Each "Earlier" URL is an object page of its own: it inherits the generic checks of tests/base.py
(anonymous → log-in, outsider → the 404 of a missing object, owner and viewer → 200, the same
queries for 10 rows and for 200).
"""

import html as html_text
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Annotation, Case, Entity, IntelligenceItem, TimelineEvent
from cases.selectors import NOTES_PAGE_SIZE, case_timeline_page
from core.cursors import encode_cursor
from core.handling import Level
from sharing.services import share
from tests.base import ObjectViewTests, query_baseline
from tests.conftest import fresh

HTMX = {"HX-Request": "true"}
EARLIER = re.compile(r'<a class="button-quiet" rel="next" href="(/[a-z]+/\d+/([a-z]+)/[^"]+)" hx-get="\1"')
NOTE_ID = re.compile(r'<article class="note[^"]*" id="note-(\d+)"')


def earlier_link(html, which):
    """The link of the "Earlier" button of the annotations or of the timeline, if any."""
    found = [url for url, kind in EARLIER.findall(html) if kind == which]
    assert len(found) <= 1, found
    return found[0].replace("&amp;", "&") if found else None


def note_ids(html):
    return [int(pk) for pk in NOTE_ID.findall(html)]


def bulk_notes(subject, author, count, *, body="A note", start=None, same_time_every=3, **target):
    """`count` annotations on `subject`, oldest first, a second apart, every `same_time_every`
    of them at the same instant as the one before (the cursor must break ties by id)."""
    start = start or timezone.now() - timedelta(days=2)
    notes, at = [], start
    for n in range(count):
        if n % same_time_every:
            at += timedelta(seconds=1)
        notes.append(Annotation(
            author=author, agency=author.agency, body=f"{body} {n}", created_at=at,
            updated_at=at, **target,
        ))
    return Annotation.objects.bulk_create(notes)


def follow_earlier(client, first_html, *, rows_of, which="annotations"):
    """Everything the page and its "Earlier" links show, in order, fetching them as htmx does."""
    seen, html, pages = rows_of(first_html), first_html, 0
    while (link := earlier_link(html, which)) is not None:
        response = client.get(link, headers=HTMX)
        assert response.status_code == 200 and "<html" not in response.content.decode()
        html = response.content.decode()
        seen += rows_of(html)
        pages += 1
    return seen, pages


class AnnotationPages:
    """A page of annotations ("Earlier"): make_row adds one, by MBI or NOPD in turn, every tenth
    one edited (its history must not cost a query per note)."""

    rows_shown = "annotations"
    page_size = NOTES_PAGE_SIZE
    target = "case"

    @pytest.fixture
    def make_row(self, subject, owner, nopd, analyst_la):
        share(obj=subject, by=owner, agency=nopd, level=Level.ANNOTATE)
        la = fresh(analyst_la)

        def make(n):
            note = services.annotation_add(by=la if n % 2 else owner, body=f"Note {n}",
                                           **{self.target: subject})
            if n % 10 == 0:
                services.annotation_edit(annotation=note, by=owner, version=1,
                                         body=f"Note {n}, corrected")

        return make

    def test_with_htmx_a_page_costs_the_same_for_10_and_200(
        self, client, subject, owner, make_row, row_count, django_assert_num_queries
    ):
        for n in range(row_count):
            make_row(n)
        # The page without the layout: the baseline of the page less the header's query.
        expected, source = query_baseline(type(self), self.baseline_name("owner"))
        client.force_login(owner)
        url = self.url(subject)
        assert client.get(url, headers=HTMX).status_code == 200
        with django_assert_num_queries(expected - HEADER, info=source):
            response = client.get(url, headers=HTMX)
        assert len(note_ids(response.content.decode())) == min(row_count, NOTES_PAGE_SIZE)
        assert "<html" not in response.content.decode()

    def test_a_cursor_this_portal_did_not_give_is_a_400_that_says_so(
        self, client, subject, owner
    ):
        client.force_login(owner)
        for headers in ({}, HTMX):
            for cursor in ("not-a-cursor", "MjAyNnwx", "eHx5fHo",
                           encode_cursor("2026-01-01T00:00:00", 1)):
                response = client.get(self.url(subject), {"cursor": cursor}, headers=headers)
                assert response.status_code == 400
                assert "That page link is not valid" in response.content.decode()


class TestCaseAnnotations(AnnotationPages, ObjectViewTests):
    url_name = "case-annotations"
    model = Case


class TestItemAnnotations(AnnotationPages, ObjectViewTests):
    url_name = "item-annotations"
    model = IntelligenceItem
    target = "item"

    @pytest.fixture
    def subject(self, tip):
        return tip


class TestCaseTimeline(ObjectViewTests):
    url_name = "case-timeline"
    model = Case
    rows_shown = "timeline_entries"
    page_size = NOTES_PAGE_SIZE

    def rows_on_page(self, response):
        # The entries the rows made (the case's own opening and places come after them).
        return [entry for entry in response.context["timeline_entries"]
                if entry["kind"] in ("annotation", "subject")]

    @pytest.fixture
    def make_row(self, subject, owner):
        """An annotation or a linked subject in turn: two of the timeline's sources. Dated
        tomorrow, so that they stay the newest entries once the viewer's share is made."""
        tomorrow = timezone.now() + timedelta(days=1)

        def make(n):
            at = tomorrow + timedelta(seconds=n)
            if n % 2:
                note = services.annotation_add(by=owner, case=subject, body=f"Note {n}")
                Annotation.objects.filter(pk=note.pk).update(created_at=at)
            else:
                services.entity_link(by=owner, kind=Entity.Kind.VEHICLE, label=f"Plate {n}",
                                     case=subject, plate=f"ABC{n:04d}", state="FL",
                                     role="seen")
                TimelineEvent.objects.filter(case=subject, kind="subject").filter(
                    summary__contains=f"Plate {n}").update(occurred_at=at)

        return make


HEADER = 1


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["case-annotations", "case-timeline"])
def test_a_cursor_at_the_edge_of_its_range_is_a_page_not_a_500(
    client, trafficking_case, analyst_fl, url_name
):
    services.annotation_add(by=analyst_fl, case=trafficking_case, body="The only note")
    client.force_login(analyst_fl)
    url = reverse(url_name, args=[trafficking_case.pk])
    late = timezone.now() + timedelta(days=365 * 50)
    everything = client.get(url, {"cursor": encode_cursor(late, 2**63 - 1)}, headers=HTMX)
    assert everything.status_code == 200 and "The only note" in everything.content.decode()
    early = timezone.now() - timedelta(days=365 * 50)
    nothing = client.get(url, {"cursor": encode_cursor(early, 0)}, headers=HTMX)
    assert nothing.status_code == 200 and "The only note" not in nothing.content.decode()


# The case page: bounded, and "Earlier" reaches everything once, in order -----------------------


@pytest.mark.django_db
def test_the_case_page_is_bounded_whatever_the_number_of_annotations(
    client, trafficking_case, make_case, analyst_fl
):
    small = make_case(analyst_fl, number="MBI-2015-0043", states=("FL", "LA", "CA"),
                      title=trafficking_case.title, summary=trafficking_case.summary,
                      les=True)
    long_text = "Seen at the motel on the interstate with the second suspect. " * 25
    bulk_notes(small, analyst_fl, 25, body=long_text, case=small)
    bulk_notes(trafficking_case, analyst_fl, 300, body=long_text, case=trafficking_case)
    client.force_login(analyst_fl)
    sizes = {}
    for case in (small, trafficking_case):
        response = client.get(reverse("case-detail", args=[case.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert len(note_ids(html)) == NOTES_PAGE_SIZE
        sizes[case.number] = len(response.content)
    # 300 notes of 1.5 KB each were 460 KB of HTML; the page now shows the latest 20, so it is
    # the size of the page of a case with 25 (ids and times differ by a few bytes).
    assert sizes["MBI-2015-0042"] < 120_000
    assert abs(sizes["MBI-2015-0042"] - sizes["MBI-2015-0043"]) < 2_000, sizes


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1, NOTES_PAGE_SIZE, NOTES_PAGE_SIZE + 1, 300])
def test_earlier_reaches_every_annotation_once_latest_first(
    client, trafficking_case, analyst_fl, count
):
    notes = bulk_notes(trafficking_case, analyst_fl, count, case=trafficking_case)
    expected = [note.pk for note in sorted(notes, key=lambda n: (n.created_at, n.pk),
                                           reverse=True)]
    client.force_login(analyst_fl)
    page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    seen, pages = follow_earlier(client, page, rows_of=note_ids)
    assert seen == expected
    assert pages == max(0, -(-count // NOTES_PAGE_SIZE) - 1)


@pytest.mark.django_db
def test_earlier_reaches_every_annotation_of_an_item_once(client, tip, analyst_fl):
    notes = bulk_notes(tip, analyst_fl, 45, item=tip)
    expected = [n.pk for n in sorted(notes, key=lambda n: (n.created_at, n.pk), reverse=True)]
    client.force_login(analyst_fl)
    page = client.get(reverse("item-detail", args=[tip.pk])).content.decode()
    assert follow_earlier(client, page, rows_of=note_ids) == (expected, 2)


TIMELINE_ENTRY = re.compile(
    r'<li class="tl tl-([a-z]+)">\s*<time datetime="([^"]+)"[^>]*>.*?<span class="tl-summary">(.*?)</span>',
    re.S,
)


def timeline_of(html):
    section = html.split('id="timeline"', 1)[-1]
    return [(kind, summary) for kind, _, summary in TIMELINE_ENTRY.findall(section)]


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["owner", "viewer"])
def test_earlier_reaches_every_timeline_entry_once_latest_first(
    client, trafficking_case, analyst_fl, analyst_la, nopd, tip, reader
):
    """Events, annotations, items and shares, many at the very same instant: the timeline's
    pages, followed to the end, are the whole timeline of before, in its order."""
    case, owner = trafficking_case, analyst_fl
    share(obj=case, by=owner, agency=nopd, level=Level.VIEW)
    at = timezone.now() - timedelta(hours=1)
    bulk_notes(case, owner, 30, case=case, start=at, same_time_every=2)
    for n in range(30):
        TimelineEvent.objects.create(case=case, kind=TimelineEvent.Kind.EVENT,
                                     summary=f"Event {n}", occurred_at=at + timedelta(seconds=n // 2),
                                     agency=owner.agency)
    IntelligenceItem.objects.filter(pk=tip.pk).update(created_at=at + timedelta(seconds=3))
    user = owner if reader == "owner" else fresh(analyst_la)
    client.force_login(user)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    seen, pages = follow_earlier(client, page, rows_of=timeline_of, which="timeline")
    # The whole timeline in one page, as the page drew it before it was paged.
    whole, more = case_timeline_page(case=case, reader=fresh(user), size=10_000)
    assert more is None and len(whole) > 3 * NOTES_PAGE_SIZE
    assert pages == 3
    assert [(kind, html_text.unescape(re.sub(r"<[^>]+>", "", summary))) for kind, summary in seen
            ] == [(entry["kind"], entry["summary"]) for entry in whole]
    kinds = {kind for kind, _ in seen}
    assert {"annotation", "event", "created"} <= kinds
    assert ("item" in kinds) == (reader == "owner") and ("shared" in kinds)


@pytest.mark.django_db
def test_a_timeline_entry_of_an_annotation_leads_to_the_page_of_the_thread_that_starts_with_it(
    client, trafficking_case, analyst_fl
):
    notes = bulk_notes(trafficking_case, analyst_fl, 60, case=trafficking_case)
    newest_first = sorted(notes, key=lambda n: (n.created_at, n.pk), reverse=True)
    deep = newest_first[45]  # far beyond the case page's latest annotations
    client.force_login(analyst_fl)
    response = client.get(reverse("annotation-show", args=[deep.pk]))
    assert response.status_code == 302
    url, _, anchor = response["Location"].partition("#")
    assert url.startswith(reverse("case-annotations", args=[trafficking_case.pk]) + "?cursor=")
    assert anchor == f"note-{deep.pk}"
    page = client.get(url).content.decode()
    assert note_ids(page) == [note.pk for note in newest_first[45:45 + NOTES_PAGE_SIZE]]
    # The timeline's entry of a note links there.
    case_page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    timeline = case_page.split('id="timeline"', 1)[1]
    newest = newest_first[0]
    assert f'<a href="{reverse("annotation-show", args=[newest.pk])}">A note' in timeline

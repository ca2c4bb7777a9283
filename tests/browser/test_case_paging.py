"""A long case in a real browser: the case page shows the latest annotations and timeline entries,
"Earlier" brings the rest a page at a time in place (htmx), a new note goes on top without losing
what was loaded, and without JavaScript "Earlier" is a page of its own."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Annotation
from cases.selectors import NOTES_PAGE_SIZE

COUNT = 45
SIGHTINGS = ["Baton Rouge motel", "I-10 rest stop near Lafayette", "Shreveport truck stop",
             "Anaheim motel", "Orlando bus station"]


def many_notes(case, author):
    start = timezone.now() - timedelta(days=3)
    return Annotation.objects.bulk_create(
        Annotation(
            case=case, author=author, agency=author.agency,
            body=f"Note {n}: the minor was reported at the {SIGHTINGS[n % 5]}; the desk clerk "
                 f"recalls two adults and a grey sedan with Florida plates.",
            created_at=start + timedelta(minutes=n), updated_at=start + timedelta(minutes=n),
        )
        for n in range(COUNT)
    )


def note_numbers(thread):
    return [int(re.match(r"Note (\d+):", text).group(1))
            for text in thread.locator(".note .note-body").all_inner_texts()]


def test_earlier_annotations_and_timeline_entries_come_in_place(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    many_notes(trafficking_case, analyst_fl)
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    thread = page.locator("#thread")
    expect(thread.locator(".note")).to_have_count(NOTES_PAGE_SIZE)
    assert note_numbers(thread) == list(range(COUNT - 1, COUNT - 1 - NOTES_PAGE_SIZE, -1))
    screenshot(page, "case-latest-annotations")

    earlier = thread.get_by_role("link", name="Earlier annotations")
    earlier.click()
    expect(thread.locator(".note")).to_have_count(2 * NOTES_PAGE_SIZE)
    screenshot(page, "case-after-earlier")
    earlier.click()
    expect(thread.locator(".note")).to_have_count(COUNT)
    expect(earlier).to_have_count(0)
    assert note_numbers(thread) == list(range(COUNT - 1, -1, -1))
    assert page.url.endswith(f"/cases/{trafficking_case.pk}/")  # fetched in place

    timeline = page.locator("#timeline")
    expect(timeline.locator("li.tl")).to_have_count(NOTES_PAGE_SIZE)
    timeline.get_by_role("link", name="Earlier entries").click()
    expect(timeline.locator("li.tl")).to_have_count(2 * NOTES_PAGE_SIZE)

    # A new note goes on top; what "Earlier" loaded stays, and the form is blank again.
    page.get_by_role("textbox", name=re.compile(r"^Add a note")).fill("Note 99: seen again.")
    page.get_by_role("button", name="Add annotation").click()
    expect(thread.locator(".note")).to_have_count(COUNT + 1)
    expect(thread.locator(".note").first).to_contain_text("Note 99: seen again.")
    expect(page.get_by_role("textbox", name=re.compile(r"^Add a note"))).to_have_value("")
    screenshot(page, "case-note-added-on-top")


def test_without_javascript_earlier_is_a_page_of_its_own(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    many_notes(trafficking_case, analyst_fl)
    page = open_page(analyst_fl, javascript=False)
    page.goto(f"/cases/{trafficking_case.pk}/")
    page.locator("#thread").get_by_role("link", name="Earlier annotations").click()
    page.wait_for_url(re.compile(rf"/cases/{trafficking_case.pk}/annotations/\?cursor="))
    expect(page.locator(".banner")).to_have_count(2)  # the handling, top and bottom
    thread = page.locator("#thread")
    assert note_numbers(thread) == list(range(COUNT - 1 - NOTES_PAGE_SIZE,
                                              COUNT - 1 - 2 * NOTES_PAGE_SIZE, -1))
    screenshot(page, "earlier-annotations-page")
    thread.get_by_role("link", name="Earlier annotations").click()
    assert note_numbers(page.locator("#thread")) == list(
        range(COUNT - 1 - 2 * NOTES_PAGE_SIZE, -1, -1))
    expect(page.get_by_role("link", name="Earlier annotations")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Back to the case")).click()
    page.wait_for_url(re.compile(rf"/cases/{trafficking_case.pk}/$"))

"""The analyst's pages beyond the home page: lists with filters, the case and item pages and
what they offer, create and edit forms, jurisdictions, subjects, attachments, in-place
annotation edits. Every page inherits the generic checks of tests/base.py.
"""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases import services
from cases.models import Annotation, Attachment, Case, Entity, IntelligenceItem, Jurisdiction
from core.handling import TLP, Level
from sharing.models import Share
from sharing.services import share
from tests.base import (
    HttpsClient,
    ListPageTests,
    ObjectActionTests,
    ObjectViewTests,
    PageTests,
    messages_of,
)
from tests.conftest import fresh


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def tip(analyst_fl, trafficking_case):
    return services.item_create(
        by=analyst_fl, kind=IntelligenceItem.Kind.TIP, title="Girl seen at Baton Rouge motel",
        body="Desk clerk called it in.", case=trafficking_case, tlp=TLP.AMBER, les=True,
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# The case list ---------------------------------------------------------------------------------


class TestCaseList(ListPageTests):
    url_name = "case-list"

    def row_text(self, subject):
        return subject.number


class TestCaseListFilters:
    @pytest.fixture
    def cases(self, make_case, analyst_fl, analyst_la, nopd):
        la_case = make_case(fresh(analyst_la), states=("LA",), tlp=TLP.GREEN, number="NOPD-1",
                            title="Stolen trailers")
        share(obj=la_case, by=fresh(analyst_la), agency=analyst_fl.agency, level=Level.VIEW)
        return {
            "fl": make_case(analyst_fl, states=("FL",), number="MBI-1", title="Harbour thefts"),
            "fl_la": make_case(analyst_fl, states=("FL", "LA"), tlp=TLP.RED, number="MBI-2",
                               title="Courier network", les=True),
            "closed": make_case(analyst_fl, states=("GA",), number="MBI-3", title="Old fraud",
                                status=Case.Status.CLOSED),
            "la": la_case,
        }

    def numbers(self, client, user, **params):
        client.force_login(user)
        response = client.get(reverse("case-list"), params)
        assert response.status_code == 200, response.content[:2000]
        return {case.number for case in response.context["rows"]}

    def test_each_filter_narrows_what_the_agency_sees(self, client, cases, analyst_fl):
        assert self.numbers(client, analyst_fl) == {"MBI-1", "MBI-2", "MBI-3", "NOPD-1"}
        assert self.numbers(client, analyst_fl, status="closed") == {"MBI-3"}
        assert self.numbers(client, analyst_fl, state="LA") == {"MBI-2", "NOPD-1"}
        assert self.numbers(client, analyst_fl, handling="RED") == {"MBI-2"}
        assert self.numbers(client, analyst_fl, les="true") == {"MBI-2"}
        assert self.numbers(client, analyst_fl, scope="ours") == {"MBI-1", "MBI-2", "MBI-3"}
        assert self.numbers(client, analyst_fl, scope="shared") == {"NOPD-1"}
        assert self.numbers(client, analyst_fl, owner=cases["la"].owner_id) == {"NOPD-1"}
        assert self.numbers(client, analyst_fl, q="courier network") == {"MBI-2"}
        assert self.numbers(client, analyst_fl, q="mbi-3") == {"MBI-3"}

    def test_updated_since(self, client, cases, analyst_fl):
        Case.objects.filter(pk=cases["closed"].pk).update(
            updated_at=timezone.now() - timedelta(days=30))
        since = (timezone.now() - timedelta(days=2)).date().isoformat()
        assert "MBI-3" not in self.numbers(client, analyst_fl, updated_since=since)

    def test_an_owner_filter_offers_only_owners_of_visible_cases(self, client, cases, analyst_fl,
                                                                  outsider, make_case):
        make_case(outsider, states=("TX",), number="HPD-1")
        client.force_login(analyst_fl)
        choices = client.get(reverse("case-list")).context["filter"].form.fields["owner"].queryset
        assert outsider.agency not in choices

    @pytest.mark.parametrize("params, message", [
        ({"updated_since": "last tuesday"}, "Enter a valid date"),
        ({"state": "XX"}, "Select a valid choice"),
        ({"sort": "owner"}, "Unknown sort"),
        ({"cursor": "not-a-cursor"}, "That page link is not valid"),
    ])
    def test_bad_input_is_a_400_that_says_what_is_wrong(self, client, cases, analyst_fl,
                                                        params, message):
        client.force_login(analyst_fl)
        response = client.get(reverse("case-list"), params)
        assert response.status_code == 400
        assert message in response.content.decode()

    def test_sorting_by_number_pages_through_every_case_once(
        self, client, make_case, analyst_fl, monkeypatch
    ):
        monkeypatch.setattr("cases.selectors.PAGE_SIZE", 3)
        from cases import selectors

        numbers = [f"MBI-{n:02d}" for n in (5, 1, 9, 3, 7, 2, 8)]
        for number in numbers:
            make_case(analyst_fl, number=number)
        seen, cursor = [], None
        user = fresh(analyst_fl)
        while True:
            rows, cursor = selectors.sorted_page(
                selectors.case_list_queryset(user), sort="number", cursor=cursor, size=3,
                sorts=selectors.CASE_SORTS,
            )
            seen += [row.number for row in rows]
            if not cursor:
                break
        assert seen == sorted(numbers)


# A list page's queries, whatever its length: session, user, agency, visibility groups, the page
# (one semi-join), its jurisdictions (cases) or their visible cases (items), the access-log row,
# the owners offered by the filter, the header's centers, the unread notifications (10); two
# spare for the frame's links.
LIST_QUERIES = 12
# The case page: the above frame (5) plus the case, its read row, share options (agencies,
# centers), annotations, their revisions, attachments, timeline, shares, subjects, linked
# items, jurisdictions, access log (owner) or the level (others): 19 for the owner.
DETAIL_QUERIES = 22


def test_the_case_list_costs_the_same_for_10_and_60_cases(client, make_case, analyst_fl):
    for _ in range(10):
        make_case(analyst_fl, states=("FL", "LA"))
    client.force_login(analyst_fl)
    few = _queries(client, reverse("case-list") + "?sort=title&state=FL")
    for _ in range(50):
        make_case(analyst_fl, states=("FL", "GA", "AL"))
    many = _queries(client, reverse("case-list") + "?sort=title&state=FL")
    assert few == many <= LIST_QUERIES


# The case page ----------------------------------------------------------------------------------


def test_the_case_page_costs_the_same_for_10_and_200_annotations(
    client, trafficking_case, analyst_fl, analyst_la, nopd, tip
):
    """The owner's and a viewer's page: the same queries for 10 and 200 annotations (some
    edited, by two agencies)."""
    case = trafficking_case
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    la = fresh(analyst_la)

    def annotate(count):
        for n in range(count):
            note = services.annotation_add(by=la if n % 2 else analyst_fl, case=case,
                                           body=f"Note {n}")
            if n % 5 == 0 and n % 2 == 0:
                services.annotation_edit(annotation=note, by=analyst_fl, version=1,
                                         body=f"Note {n}, corrected")

    annotate(10)
    url = reverse("case-detail", args=[case.pk])
    client.force_login(analyst_fl)
    owner_few = _queries(client, url)
    client.force_login(la)
    viewer_few = _queries(client, url)
    annotate(190)
    assert Annotation.objects.filter(case=case).count() == 200
    client.force_login(analyst_fl)
    owner_many = _queries(client, url)
    client.force_login(la)
    viewer_many = _queries(client, url)
    assert owner_few == owner_many <= DETAIL_QUERIES
    assert viewer_few == viewer_many <= DETAIL_QUERIES


def test_the_case_page_shows_what_an_analyst_needs(client, trafficking_case, analyst_fl, tip):
    case = trafficking_case
    services.entity_link(by=analyst_fl, kind=Entity.Kind.VEHICLE, label="ABC-1234 (FL)",
                         case=case, plate="ABC-1234", state="FL", role="suspect vehicle")
    services.annotation_add(by=analyst_fl, case=case, body="Seen in Lafayette.")
    client.force_login(analyst_fl)
    response = client.get(reverse("case-detail", args=[case.pk]))
    page = response.content.decode()
    assert page.count('class="banner banner-amber banner-les"') == 2  # top and bottom
    assert "Duty officer, Metropolitan Bureau of Investigation" in page  # point of contact
    assert "Central Florida Intelligence Exchange" in page  # lead center
    assert page.count("tile tile-on") == 3  # FL, LA, CA on the map
    assert "ABC-1234 (FL)" in page and tip.title in page
    kinds = [entry["kind"] for entry in response.context["timeline_entries"]]
    assert {"annotation", "created", "subject", "item"} <= set(kinds)
    assert "Access log" in page  # the owner sees who read it


def test_a_viewer_sees_no_access_log_and_no_unshared_item(
    client, trafficking_case, analyst_fl, analyst_la, nopd, tip
):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    client.force_login(fresh(analyst_la))
    response = client.get(reverse("case-detail", args=[trafficking_case.pk]))
    page = response.content.decode()
    assert "Access log" not in page
    # The case was shared, the item was not: neither the list nor the timeline names it.
    assert tip.title not in page
    assert response.context["items"] == []


# Case create and edit --------------------------------------------------------------------------


class TestCaseCreatePage(PageTests):
    url_name = "case-create"

    def url(self, subject):
        return reverse("case-create")

    def test_creating_a_case_spanning_states(self, client, analyst_fl, cfix):
        client.force_login(analyst_fl)
        response = client.post(reverse("case-create"), {
            "number": "MBI-2015-0100", "title": "Card skimmers on I-4", "summary": "",
            "lead_center": cfix.pk, "states": "fl, ga", "tlp": "GREEN",
            "share_with_involved_centers": "on",
        })
        assert response.status_code == 302
        case = Case.objects.get(number="MBI-2015-0100")
        assert (case.owner, case.states, case.tlp, case.les, case.share_with_involved_centers) == (
            analyst_fl.agency, ["FL", "GA"], "GREEN", False, True)

    def test_mistakes_are_shown_next_to_their_fields(self, client, analyst_fl, cfix, make_case):
        make_case(analyst_fl, number="MBI-7")
        client.force_login(analyst_fl)
        response = client.post(reverse("case-create"), {
            "number": "MBI-7", "title": "", "lead_center": cfix.pk, "states": "FL, ZZ",
            "tlp": "AMBER",
        })
        assert response.status_code == 400
        form = response.context["form"]
        assert "states" in form.errors and "ZZ" in form.errors["states"][0]
        assert "title" in form.errors
        assert Case.objects.filter(number="MBI-7").count() == 1

    def test_a_taken_number_is_refused_next_to_the_number(self, client, analyst_fl, cfix,
                                                          make_case):
        make_case(analyst_fl, number="MBI-8")
        client.force_login(analyst_fl)
        response = client.post(reverse("case-create"), {
            "number": "MBI-8", "title": "Again", "lead_center": cfix.pk, "states": "FL",
            "tlp": "AMBER",
        })
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert errors and Case.objects.filter(number="MBI-8").count() == 1


def test_the_edit_form_offers_the_marking_to_the_owner_only(
    client, trafficking_case, analyst_fl, analyst_la, nopd
):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    url = reverse("case-edit", args=[trafficking_case.pk])
    client.force_login(analyst_fl)
    assert "tlp" in client.get(url).context["form"].fields
    client.force_login(fresh(analyst_la))
    assert "tlp" not in client.get(url).context["form"].fields


# Jurisdictions, subjects, attachments ----------------------------------------------------------


class TestJurisdictionAdd(ObjectActionTests):
    url_name = "case-jurisdiction"
    required_level = Level.EDIT

    def data(self, subject):
        return {"state": "TX", "city": "Houston"}

    def assert_changed(self, subject, user, response):
        assert Jurisdiction.objects.filter(case=subject, state="TX", city="Houston").exists()
        assert any("spans state lines" in m for m in messages_of(response))

    def test_an_unknown_state_is_refused_next_to_the_field(self, client, subject, owner):
        client.force_login(owner)
        response = client.post(self.url(subject), {"state": "ZZ"})
        assert response.status_code == 400
        assert "state" in response.context["jurisdiction_form"].errors


class TestSubjectAdd(ObjectActionTests):
    url_name = "case-subject"
    required_level = Level.EDIT

    def data(self, subject):
        return {"kind": "vehicle", "value": "xyz 987", "state": "LA", "role": "seen at motel"}

    def assert_changed(self, subject, user, response):
        entity = subject.entities.get()
        assert (entity.kind, entity.key) == ("vehicle", "LA:XYZ987")

    def test_a_plate_without_its_state_is_refused_with_the_reason(self, client, subject, owner):
        client.force_login(owner)
        response = client.post(self.url(subject), {"kind": "vehicle", "value": "XYZ987"})
        assert response.status_code == 400
        assert "state that issued it" in str(response.context["subject_form"].errors)


class TestAttach(ObjectActionTests):
    url_name = "case-attach"
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"file": SimpleUploadedFile("motel-receipt.txt", b"Room 12, cash, 7 nights",
                                           content_type="text/plain")}

    def assert_changed(self, subject, user, response):
        attachment = Attachment.objects.get(case=subject)
        assert attachment.filename == "motel-receipt.txt"
        assert attachment.sha256 == hashlib.sha256(b"Room 12, cash, 7 nights").hexdigest()

    def test_the_page_shows_the_sha256(self, client, subject, owner):
        client.force_login(owner)
        client.post(self.url(subject), self.data(subject))
        page = client.get(reverse("case-detail", args=[subject.pk])).content.decode()
        assert Attachment.objects.get(case=subject).sha256 in page

    def test_a_type_outside_the_allow_list_is_refused(self, client, subject, owner):
        client.force_login(owner)
        upload = SimpleUploadedFile("run.exe", b"MZ...", content_type="application/x-msdownload")
        response = client.post(self.url(subject), {"file": upload})
        assert response.status_code == 400
        assert "are not accepted" in str(response.context["attachment_form"].errors)
        assert not Attachment.objects.exists()

    def test_a_file_over_the_limit_is_refused(self, client, subject, owner, settings):
        settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
        client.force_login(owner)
        upload = SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 1), content_type="text/plain")
        response = client.post(self.url(subject), {"file": upload})
        assert response.status_code == 400
        assert "larger than the 1 MB limit" in str(response.context["attachment_form"].errors)


class TestAttachmentDownload(ObjectViewTests):
    url_name = "attachment-download"

    @pytest.fixture
    def subject(self, trafficking_case, analyst_fl):
        return services.attachment_add(
            by=analyst_fl, case=trafficking_case,
            uploaded_file=SimpleUploadedFile("notes.txt", b"plate ABC-1234",
                                             content_type="text/plain"),
        )

    @pytest.fixture
    def owner(self, subject):
        return subject.uploaded_by

    @pytest.fixture
    def holder(self, subject, owner, nopd, analyst_la):
        def make(level):
            if level == Level.OWNER:
                return owner
            share(obj=subject.case, by=owner, agency=nopd, level=level)
            return fresh(analyst_la)

        return make

    def test_the_file_streams_and_the_download_is_logged(self, client, subject, holder):
        user = holder(Level.VIEW)
        client.force_login(user)
        response = client.get(self.url(subject))
        assert b"".join(response.streaming_content) == b"plate ABC-1234"
        assert 'filename="notes.txt"' in response["Content-Disposition"]
        row = AccessLog.objects.get(action="download", actor=user)
        assert (row.object_type, row.object_id, row.detail["attachment_id"]) == (
            "case", subject.case_id, subject.pk)

    def test_a_file_missing_from_storage_is_a_clear_410_not_a_500(self, client, subject, holder):
        subject.file.storage.delete(subject.file.name)
        user = holder(Level.VIEW)
        client.force_login(user)
        response = client.get(self.url(subject))
        assert response.status_code == 410
        assert "missing from storage" in response.content.decode()
        assert not AccessLog.objects.filter(action="download").exists()


# Annotations: in-place edit with history and stale refusal -----------------------------------


class TestAnnotationEdit:
    @pytest.fixture
    def note(self, trafficking_case, analyst_fl):
        return services.annotation_add(by=analyst_fl, case=trafficking_case, body="First text")

    def url(self, note):
        return reverse("annotation-edit", args=[note.pk])

    def test_anonymous_is_sent_to_login(self, client, note):
        response = client.post(self.url(note), {"body": "x", "version": 1})
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_outsider_gets_the_404_of_a_missing_note(self, client, note, outsider):
        client.force_login(outsider)
        existing = client.get(self.url(note))
        missing = client.get(reverse("annotation-edit", args=[note.pk + 1000]))
        assert existing.status_code == missing.status_code == 404
        assert existing.content == missing.content

    def test_the_author_edits_in_place_and_the_history_is_kept(self, client, note, analyst_fl):
        client.force_login(analyst_fl)
        form = client.get(self.url(note), headers={"HX-Request": "true"})
        assert form.status_code == 200 and "<html" not in form.content.decode()
        response = client.post(self.url(note), {"body": "Second text", "version": 1},
                               headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = response.content.decode()
        assert "Second text" in fragment and "edited" in fragment and "<html" not in fragment
        note.refresh_from_db()
        assert (note.body, note.version) == ("Second text", 2)
        assert list(note.revisions.values_list("body", flat=True)) == ["First text"]

    def test_a_stale_edit_is_refused_and_the_typed_text_is_kept(self, client, note, analyst_fl):
        client.force_login(analyst_fl)
        client.post(self.url(note), {"body": "Edited elsewhere", "version": 1})
        response = client.post(self.url(note), {"body": "My careful rewrite", "version": 1},
                               headers={"HX-Request": "true"})
        assert response.status_code == 409
        fragment = response.content.decode()
        assert "changed by someone else" in fragment
        assert "My careful rewrite" in fragment  # in the textarea, not lost
        assert "Edited elsewhere" in fragment  # what it says now
        note.refresh_from_db()
        assert note.body == "Edited elsewhere"

    def test_without_javascript_the_edit_is_a_page_and_a_redirect(self, client, note, analyst_fl):
        client.force_login(analyst_fl)
        page = client.get(self.url(note)).content.decode()
        assert "<html" in page and "First text" in page
        response = client.post(self.url(note), {"body": "Plain form", "version": 1})
        assert response.status_code == 302
        assert response["Location"].endswith(f"#note-{note.pk}")

    def test_another_agency_cannot_edit_the_note(self, client, note, analyst_fl, analyst_la,
                                                 nopd, trafficking_case):
        share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
        client.force_login(fresh(analyst_la))
        response = client.post(self.url(note), {"body": "Hijack", "version": 1})
        assert response.status_code == 403
        note.refresh_from_db()
        assert note.body == "First text"

    def test_adding_with_htmx_returns_the_thread(self, client, trafficking_case, analyst_fl):
        client.force_login(analyst_fl)
        response = client.post(reverse("case-annotate", args=[trafficking_case.pk]),
                               {"body": "Via htmx"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = response.content.decode()
        assert 'id="thread"' in fragment and "Via htmx" in fragment and "<html" not in fragment


# Intelligence items ----------------------------------------------------------------------------


class TestItemList(ListPageTests):
    url_name = "item-list"

    @pytest.fixture
    def subject(self, tip):
        return tip

    def row_text(self, subject):
        return subject.title

    def test_an_item_of_an_unseen_case_does_not_name_the_case(
        self, client, subject, analyst_fl, analyst_la, nopd, trafficking_case
    ):
        share(obj=subject, by=analyst_fl, agency=nopd, level=Level.VIEW)
        client.force_login(fresh(analyst_la))
        page = client.get(reverse("item-list")).content.decode()
        assert subject.title in page
        assert trafficking_case.number not in page

    def test_the_kind_filter(self, client, subject, analyst_fl):
        services.item_create(by=analyst_fl, kind="bulletin", title="Bulletin on skimmers")
        client.force_login(analyst_fl)
        rows = client.get(reverse("item-list"), {"kind": "bulletin"}).context["rows"]
        assert [row.title for row in rows] == ["Bulletin on skimmers"]


def test_the_item_list_costs_the_same_for_10_and_60_items(client, analyst_fl, trafficking_case):
    for n in range(10):
        services.item_create(by=analyst_fl, kind="tip", title=f"Tip {n}", case=trafficking_case)
    client.force_login(analyst_fl)
    few = _queries(client, reverse("item-list"))
    for n in range(50):
        services.item_create(by=analyst_fl, kind="sar", title=f"SAR {n}", case=trafficking_case)
    many = _queries(client, reverse("item-list"))
    assert few == many <= LIST_QUERIES


class TestItemDetail(ObjectViewTests):
    url_name = "item-detail"

    @pytest.fixture
    def subject(self, tip):
        return tip

    def test_handling_top_and_bottom_and_its_case(self, client, subject, owner, trafficking_case):
        client.force_login(owner)
        page = client.get(self.url(subject)).content.decode()
        assert page.count('class="banner banner-amber banner-les"') == 2
        assert trafficking_case.number in page


class TestItemEdit(ObjectActionTests):
    url_name = "item-edit"
    required_level = Level.EDIT

    @pytest.fixture
    def subject(self, tip):
        return tip

    def data(self, subject):
        current = IntelligenceItem.objects.get(pk=subject.pk)
        return {"title": "Girl seen at Lafayette motel", "body": current.body,
                "version": current.version, "tlp": current.tlp, "les": "on"}

    def assert_changed(self, subject, user, response):
        item = IntelligenceItem.objects.get(pk=subject.pk)
        assert (item.title, item.version) == ("Girl seen at Lafayette motel", 2)


class TestItemAnnotate(ObjectActionTests):
    url_name = "item-annotate"
    required_level = Level.ANNOTATE

    @pytest.fixture
    def subject(self, tip):
        return tip

    def data(self, subject):
        return {"body": "Clerk can be reached on nights only."}

    def assert_changed(self, subject, user, response):
        assert Annotation.objects.get(item=subject).author == user


class TestItemShare(ObjectActionTests):
    url_name = "item-share"
    required_level = Level.MANAGE

    @pytest.fixture
    def subject(self, tip):
        return tip

    @pytest.fixture(autouse=True)
    def recipient(self, lsp):
        return lsp

    def data(self, subject):
        from agencies.models import Agency

        return {"recipient": f"agency:{Agency.objects.get(ori='LALSP0000').pk}", "level": 1}

    def assert_changed(self, subject, user, response):
        assert Share.objects.filter(item=subject, target_agency__ori="LALSP0000").exists()


class TestRfiResponses:
    def test_a_response_is_linked_and_goes_back_to_who_asked(
        self, client, analyst_fl, analyst_la, nopd, mbi
    ):
        rfi = services.item_create(by=analyst_fl, kind="rfi", title="Who rents room 12?",
                                   tlp=TLP.GREEN)
        share(obj=rfi, by=analyst_fl, agency=nopd, level=Level.VIEW)
        la = fresh(analyst_la)
        client.force_login(la)
        form = client.get(reverse("item-create"), {"in_response_to": rfi.pk})
        assert "kind" not in form.context["form"].fields
        response = client.post(reverse("item-create"), {
            "in_response_to": rfi.pk, "title": "Re: room 12", "body": "A man named D. Price.",
            "tlp": "GREEN",
        })
        assert response.status_code == 302
        answer = IntelligenceItem.objects.get(in_response_to=rfi)
        assert (answer.kind, answer.owner) == ("rfi_response", nopd)
        client.force_login(analyst_fl)
        page = client.get(reverse("item-detail", args=[rfi.pk])).content.decode()
        assert "Re: room 12" in page  # shared back to MBI, who asked

    def test_only_an_rfi_takes_responses(self, client, analyst_fl, tip):
        client.force_login(analyst_fl)
        assert client.get(reverse("item-create"), {"in_response_to": tip.pk}).status_code == 404

    def test_creating_an_item_on_a_case_needs_annotate_on_it(
        self, client, analyst_fl, analyst_la, nopd, trafficking_case
    ):
        share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
        client.force_login(fresh(analyst_la))
        response = client.post(reverse("item-create"), {
            "kind": "tip", "title": "Seen", "tlp": "AMBER", "case": trafficking_case.pk})
        assert response.status_code == 400
        assert "needs annotate" in str(response.context["form"].errors)
        assert not IntelligenceItem.objects.exists()


def test_the_shipped_map_is_the_layout_the_page_draws():
    """static/img/us-states-tilegrid.svg is cases.usmap's layout: every state and territory
    once, no two on the same square."""
    from pathlib import Path

    from django.conf import settings

    from cases import usmap
    from core.states import STATES

    assert set(usmap.TILES) == set(STATES)
    assert len(set(usmap.TILES.values())) == len(usmap.TILES)
    shipped = Path(settings.BASE_DIR, "static", "img", "us-states-tilegrid.svg").read_text()
    assert shipped == usmap.standalone_svg()

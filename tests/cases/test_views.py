"""The case pages of cases/views.py: the case list and its filters, the case page and what it
offers, create and edit, annotations (in-place edits with history), jurisdictions, subjects,
attachments and sharing. Intelligence items: test_views_items.py; the home page: test_home.py.

Every page inherits the generic checks of tests/base.py (anonymous → log-in, outsider → the 404
of a missing object, each level below the one needed → refused with nothing changed, a holder
of the level succeeds, lists and the case page cost their baseline of tests/cases/query_counts.py)
and adds what is particular to it.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from audit.models import AccessLog
from cases import selectors, services, usmap
from cases.models import Annotation, Attachment, Case, Entity, Jurisdiction
from core.handling import TLP, Level
from core.states import STATES
from sharing.models import Share
from sharing.services import share
from tests.base import (
    ListPageTests,
    ObjectActionTests,
    ObjectPageTests,
    ObjectViewTests,
    PageTests,
    database_state,
    messages_of,
)
from tests.cases.attach import AttachPage
from tests.conftest import fresh

# The case list ---------------------------------------------------------------------------------


class TestCaseList(ListPageTests):
    url_name = "case-list"
    rows_already = 1  # the story's case
    page_size = selectors.PAGE_SIZE

    def row_text(self, subject):
        return subject.number

    def query_url(self, subject):
        # Sorted and filtered: neither may add a query per row.
        return self.url(subject) + "?sort=title&state=FL"

    @pytest.fixture
    def make_row(self, make_case, analyst_fl):
        return lambda n: make_case(analyst_fl, states=("FL", "LA") if n % 2 else ("FL", "GA", "AL"))


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

    def test_the_owner_menu_offers_the_agencies_of_the_readers_centers(
        self, client, cases, analyst_fl, outsider, make_case, mbi, ocso
    ):
        # NOPD shares a case with MBI and Houston owns one: neither is a member of CFIX, so
        # neither is offered (the type-to-search finds them); OCSO, which owns nothing, is.
        make_case(outsider, states=("TX",), number="HPD-1")
        client.force_login(analyst_fl)
        choices = client.get(reverse("case-list")).context["filter"].form.fields["owner"].choices
        offered = {int(str(value)) for value, _ in list(choices)[1][1]}
        assert offered == {mbi.pk, ocso.pk}

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


    @pytest.mark.parametrize("sort", ["updated", "updated_asc"])
    def test_the_default_order_pages_from_the_permission_rows_through_every_case_once(
        self, client, make_case, analyst_fl, analyst_la, nopd, sort, monkeypatch
    ):
        """In the order the permission rows carry, filtered or not, a page's ids come from one
        range scan per visibility group: every case NOPD sees, once (one seen through its
        own group and the network's), in the list's order, and nothing else."""
        monkeypatch.setattr("cases.selectors.PAGE_SIZE", 2)
        own = [make_case(analyst_la, states=("LA",)) for _ in range(3)]
        shared = [make_case(analyst_fl, tlp=TLP.CLEAR) for _ in range(4)]
        share(obj=shared[0], by=analyst_fl, agency=nopd, level=Level.VIEW)
        share(obj=shared[1], by=analyst_fl, target=Share.Target.NETWORK, level=Level.VIEW)
        share(obj=shared[1], by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
        make_case(analyst_fl)  # unshared: never listed
        descending = sort == "updated"
        expected = sorted(Case.objects.filter(pk__in=[c.pk for c in own + shared[:2]]),
                          key=lambda c: (c.updated_at, c.pk), reverse=descending)
        client.force_login(analyst_la)
        seen, cursor = [], None
        while True:
            params = {"sort": sort, **({"cursor": cursor} if cursor else {})}
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("case-list"), params)
            assert response.status_code == 200
            assert any("sharing_casegroupobjectpermission" in q["sql"] and "UNION ALL" in q["sql"]
                       for q in queries.captured_queries)
            seen += [row.pk for row in response.context["rows"]]
            cursor = response.context["next_cursor"]
            if not cursor:
                break
        assert seen == [c.pk for c in expected]
        # Narrowed by a filter, the same range scans, each row's case asked of the filter:
        # every case that meets it, once, in order, and nothing else.
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "state": "LA", **({"cursor": cursor} if cursor else {})}
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("case-list"), params)
            assert response.status_code == 200
            assert any("sharing_casegroupobjectpermission" in q["sql"] and "UNION ALL" in q["sql"]
                       for q in queries.captured_queries)
            seen += [row.pk for row in response.context["rows"]]
            cursor = response.context["next_cursor"]
            if not cursor:
                break
        assert seen == [c.pk for c in expected if c in own]


# The case page ----------------------------------------------------------------------------------


class TestCaseDetail(ObjectViewTests):
    url_name = "case-detail"
    model = Case
    rows_shown = "annotations"
    page_size = selectors.NOTES_PAGE_SIZE  # the latest; the earlier ones come a page at a time

    @pytest.fixture
    def make_row(self, subject, owner, nopd, analyst_la, tip):
        """An annotation, by MBI or NOPD in turn, every tenth one edited: its revisions, authors
        and agencies must not cost a query each. The case has a linked item (the tip)."""
        share(obj=subject, by=owner, agency=nopd, level=Level.ANNOTATE)
        la = fresh(analyst_la)

        def make(n):
            note = services.annotation_add(by=la if n % 2 else owner, case=subject,
                                           body=f"Note {n}")
            if n % 10 == 0:
                services.annotation_edit(annotation=note, by=owner, version=1,
                                         body=f"Note {n}, corrected")

        return make

    def test_page_offers_only_what_the_level_allows(self, client, subject, holder):
        offered_at = {
            Level.VIEW: (False, False, False),
            Level.ANNOTATE: (True, False, False),
            Level.EDIT: (True, True, False),
            Level.MANAGE: (True, True, True),
            Level.OWNER: (True, True, True),
        }
        for level, expected in offered_at.items():
            client.force_login(holder(level))
            context = client.get(self.url(subject)).context
            offered = (context["can_annotate"], context["can_edit"], context["can_share"])
            assert offered == expected, level

    def test_the_page_shows_what_an_analyst_needs(self, client, subject, owner, tip):
        services.entity_link(by=owner, kind=Entity.Kind.VEHICLE, label="ABC-1234 (FL)",
                             case=subject, plate="ABC-1234", state="FL", role="suspect vehicle")
        services.annotation_add(by=owner, case=subject, body="Seen in Lafayette.")
        client.force_login(owner)
        response = client.get(self.url(subject))
        page = response.content.decode()
        assert subject.number in page
        assert "AMBER" in page and "LES" in page
        assert page.count('class="banner banner-amber banner-les"') == 2  # top and bottom
        for state in ("FL", "LA", "CA"):
            assert state in page
        assert page.count("tile tile-on") == 3  # FL, LA, CA on the map
        assert "Duty officer, Metropolitan Bureau of Investigation" in page  # point of contact
        assert "Central Florida Intelligence Exchange" in page  # lead center
        assert "ABC-1234 (FL)" in page and tip.title in page
        kinds = [entry["kind"] for entry in response.context["timeline_entries"]]
        assert {"annotation", "created", "subject", "item"} <= set(kinds)
        assert "Access log" in page  # the owner sees who read it

    def test_a_viewer_sees_no_access_log_and_no_unshared_item(self, client, subject, holder, tip):
        client.force_login(holder(Level.VIEW))
        response = client.get(self.url(subject))
        page = response.content.decode()
        assert "Access log" not in page
        # The case was shared, the item was not: neither the list nor the timeline names it.
        assert tip.title not in page
        assert response.context["items"] == []

    def test_a_center_wide_share_reaches_a_member_until_it_is_suspended(
        self, client, subject, owner, cfix, ocso, analyst_fl2
    ):
        share(obj=subject, by=owner, target=Share.Target.CENTER, center=cfix, level=Level.VIEW)
        client.force_login(analyst_fl2)
        assert client.get(self.url(subject)).status_code == 200
        missing = client.get(self.url(subject, subject.pk + 1000))
        Membership.objects.filter(agency=ocso, center=cfix).update(status="suspended")
        suspended = client.get(self.url(subject))
        assert (suspended.status_code, suspended.content) == (404, missing.content)
        Membership.objects.filter(agency=ocso, center=cfix).update(status="active")
        assert client.get(self.url(subject)).status_code == 200

    def test_a_non_numeric_id_is_a_404_as_well(self, client, owner):
        client.force_login(owner)
        assert client.get("/cases/abc/").status_code == 404


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


class TestCaseEdit(ObjectActionTests):
    url_name = "case-edit"
    model = Case
    required_level = Level.EDIT

    def data(self, subject):
        current = Case.objects.get(pk=subject.pk)
        data = {"title": "Renamed by the task force", "summary": current.summary,
                "status": Case.Status.CLOSED, "version": current.version,
                # Only the owner's form carries the marking; others' forms ignore it.
                "tlp": current.tlp}
        if current.les:
            data["les"] = "on"
        return data

    def assert_changed(self, subject, user, response):
        case = Case.objects.get(pk=subject.pk)
        assert (case.title, case.status, case.version) == (
            "Renamed by the task force", Case.Status.CLOSED, subject.version + 1,
        )

    def test_a_stale_form_changes_nothing(self, client, subject, owner):
        client.force_login(owner)
        stale = self.data(subject)
        assert client.post(self.url(subject), {**stale, "title": "First"}).status_code == 302
        response = client.post(self.url(subject), {**stale, "title": "Second"})
        assert response.status_code == 400
        assert "changed by someone else" in response.content.decode()
        assert Case.objects.get(pk=subject.pk).title == "First"

    def test_the_form_offers_the_marking_to_the_owner_only(self, client, subject, holder):
        client.force_login(holder(Level.OWNER))
        assert "tlp" in client.get(self.url(subject)).context["form"].fields
        client.force_login(holder(Level.EDIT))
        assert "tlp" not in client.get(self.url(subject)).context["form"].fields


# Annotations: adding, and editing in place with history and stale refusal ----------------------


class TestCaseAnnotate(ObjectActionTests):
    url_name = "case-annotate"
    model = Case
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"body": "Seen in Shreveport with the second suspect"}

    def assert_changed(self, subject, user, response):
        assert response["Location"].startswith(f"/cases/{subject.pk}/")
        note = Annotation.objects.get(case=subject)
        assert (note.author, note.agency, note.body) == (
            user, user.agency, "Seen in Shreveport with the second suspect",
        )

    def test_empty_note_is_refused(self, client, subject, owner):
        client.force_login(owner)
        response = client.post(self.url(subject), {"body": "   "})
        assert response.status_code == 400
        assert not Annotation.objects.exists()

    def test_adding_with_htmx_returns_the_note_and_a_blank_form(self, client, subject, owner):
        services.annotation_add(by=owner, case=subject, body="An earlier note")
        client.force_login(owner)
        response = client.post(self.url(subject), {"body": "Via htmx"},
                               headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = response.content.decode()
        note = Annotation.objects.get(body="Via htmx")
        # The note first (the form puts it on top of the thread), then the form, blank, out of
        # band; not the earlier notes, not a page.
        assert fragment.index(f'id="note-{note.pk}"') < fragment.index('id="note-add"')
        assert 'hx-swap-oob="true"' in fragment and ">Via htmx</textarea>" not in fragment
        assert "An earlier note" not in fragment and "<html" not in fragment

    def test_a_refusal_with_htmx_puts_the_form_with_its_error_in_place(
        self, client, subject, owner
    ):
        client.force_login(owner)
        response = client.post(self.url(subject), {"body": "  "},
                               headers={"HX-Request": "true"})
        assert response.status_code == 400
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#note-add", "outerHTML")
        fragment = response.content.decode()
        assert fragment.startswith('<form id="note-add"') and "hx-swap-oob" not in fragment
        assert "An annotation needs some text." in fragment
        assert not Annotation.objects.exists()


class AnnotationPage:
    """A note of MBI's analyst on the story's case: only its author may edit it, whatever level
    another agency holds on the case."""

    url_name = "annotation-edit"
    model = Annotation

    @pytest.fixture
    def subject(self, trafficking_case, analyst_fl):
        return services.annotation_add(by=analyst_fl, case=trafficking_case, body="First text")

    @pytest.fixture
    def owner(self, subject):
        return subject.author

    @pytest.fixture
    def holder(self, subject, owner, nopd, analyst_la):
        def make(level):
            if level == Level.OWNER:
                return owner
            share(obj=subject.case, by=owner, agency=nopd, level=level)
            return fresh(analyst_la)

        return make


class TestAnnotationEditForm(AnnotationPage, ObjectPageTests):
    """The edit form (a page without JavaScript, a fragment with htmx)."""


class TestAnnotationEdit(AnnotationPage, ObjectActionTests):
    method = "post"
    required_level = Level.OWNER  # the author: no level on the case is enough
    refused_status = 403

    def data(self, subject):
        return {"body": "Second text", "version": Annotation.objects.get(pk=subject.pk).version}

    def assert_changed(self, subject, user, response):
        note = Annotation.objects.get(pk=subject.pk)
        assert (note.body, note.version) == ("Second text", subject.version + 1)
        assert list(note.revisions.values_list("body", flat=True)) == ["First text"]

    def test_the_author_edits_in_place_and_the_history_is_kept(self, client, subject, owner):
        client.force_login(owner)
        form = client.get(self.url(subject), headers={"HX-Request": "true"})
        assert form.status_code == 200 and "<html" not in form.content.decode()
        response = client.post(self.url(subject), {"body": "Second text", "version": 1},
                               headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = response.content.decode()
        assert "Second text" in fragment and "edited" in fragment and "<html" not in fragment
        subject.refresh_from_db()
        assert (subject.body, subject.version) == ("Second text", 2)
        assert list(subject.revisions.values_list("body", flat=True)) == ["First text"]

    def test_a_stale_edit_is_refused_and_the_typed_text_is_kept(self, client, subject, owner):
        client.force_login(owner)
        client.post(self.url(subject), {"body": "Edited elsewhere", "version": 1})
        response = client.post(self.url(subject), {"body": "My careful rewrite", "version": 1},
                               headers={"HX-Request": "true"})
        assert response.status_code == 409
        fragment = response.content.decode()
        assert "changed by someone else" in fragment
        assert "My careful rewrite" in fragment  # in the textarea, not lost
        assert "Edited elsewhere" in fragment  # what it says now
        subject.refresh_from_db()
        assert subject.body == "Edited elsewhere"

    def test_without_javascript_the_edit_is_a_page_and_a_redirect(self, client, subject, owner):
        client.force_login(owner)
        page = client.get(self.url(subject)).content.decode()
        assert "<html" in page and "First text" in page
        response = client.post(self.url(subject), {"body": "Plain form", "version": 1})
        assert response.status_code == 302
        assert response["Location"].endswith(f"#note-{subject.pk}")


# Sharing ---------------------------------------------------------------------------------------


class TestCaseShare(ObjectActionTests):
    url_name = "case-share"
    model = Case
    required_level = Level.MANAGE

    @pytest.fixture(autouse=True)
    def recipient(self, lsp):
        """The Louisiana State Police: in LA-SAFE like NOPD, so an AMBER case may reach it."""
        return lsp

    def data(self, subject):
        return {"ori": "lalsp0000", "level": Level.VIEW.value}

    def assert_changed(self, subject, user, response):
        record = Share.objects.get(case=subject, target_agency__ori="LALSP0000")
        assert (record.level, record.granted_by_agency) == (Level.VIEW, user.agency)

    def test_unknown_ori_is_refused(self, client, subject, owner):
        client.force_login(owner)
        response = client.post(self.url(subject), {"ori": "ZZ1234567", "level": 1})
        assert response.status_code == 400
        assert "No agency has the ORI ZZ1234567." in response.content.decode()
        assert not Share.objects.exists()

    def test_a_rule_refusal_is_shown_and_changes_nothing(
        self, client, subject, owner, nopd, analyst_la, houston
    ):
        """NOPD holds manage on the AMBER case: Houston is outside its fusion center."""
        share(obj=subject, by=owner, agency=nopd, level=Level.MANAGE)
        before = database_state(subject)
        client.force_login(analyst_la)
        response = client.post(self.url(subject), {"ori": houston.ori, "level": Level.VIEW})
        assert response.status_code == 400
        assert "only within its own fusion center" in response.content.decode()
        assert database_state(subject) == before


# Jurisdictions, subjects, attachments ----------------------------------------------------------


class TestJurisdictionAdd(ObjectActionTests):
    url_name = "case-jurisdiction"
    model = Case
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
    model = Case
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


class TestCaseAttach(AttachPage):
    url_name = "case-attach"
    model = Case

    def test_the_page_shows_the_sha256(self, client, subject, owner):
        client.force_login(owner)
        client.post(self.url(subject), self.data(subject))
        page = client.get(reverse("case-detail", args=[subject.pk])).content.decode()
        assert Attachment.objects.get(case=subject).sha256 in page

    def test_a_type_outside_the_allow_list_is_refused(self, client, subject, owner):
        client.force_login(owner)
        upload = SimpleUploadedFile("payload.exe", b"MZ", "application/x-msdownload")
        response = client.post(self.url(subject), {"file": upload})
        assert response.status_code == 400
        assert "application/x-msdownload (.exe), which is not accepted" in response.content.decode()
        assert "not accepted" in str(response.context["attachment_form"].errors)
        assert not Attachment.objects.exists()

    def test_a_file_over_the_limit_is_refused(self, client, subject, owner, settings):
        settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
        client.force_login(owner)
        upload = SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 1), content_type="text/plain")
        response = client.post(self.url(subject), {"file": upload})
        assert response.status_code == 400
        assert "larger than the 1 MB limit" in str(response.context["attachment_form"].errors)
        assert not Attachment.objects.exists()


@pytest.mark.usefixtures("remove_stored_files")
class TestAttachmentDownload(ObjectViewTests):
    url_name = "attachment-download"
    model = Attachment
    row_counts = (0,)  # one file; what it costs does not depend on the case's other rows

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


def test_the_shipped_map_is_the_layout_the_page_draws():
    """static/img/us-states-tilegrid.svg is cases.usmap's layout: every state and territory
    once, no two on the same square."""
    assert set(usmap.TILES) == set(STATES)
    assert len(set(usmap.TILES.values())) == len(usmap.TILES)
    shipped = Path(django_settings.BASE_DIR, "static", "img", "us-states-tilegrid.svg").read_text()
    assert shipped == usmap.standalone_svg()

"""The permission matrix over HTTP, through the pages of cases/urls.py.

Each page class inherits the generic checks of tests/base.py (anonymous → log-in, outsider →
the 404 of a missing case, viewer cannot change, a holder of the level can) and adds what is
particular to the page.
"""

from hashlib import sha256

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Membership
from cases.models import Annotation, Attachment, Case, IntelligenceItem
from core.handling import TLP, Level
from sharing.models import Share
from sharing.services import share
from tests.base import ListPageTests, ObjectActionTests, ObjectViewTests, database_state


class TestHome(ListPageTests):
    url_name = "home"

    def row_text(self, subject):
        return subject.number

    def test_a_viewer_sees_the_shared_case(self, client, subject, owner, nopd, analyst_la):
        share(obj=subject, by=owner, agency=nopd, level=Level.VIEW)
        client.force_login(analyst_la)
        assert subject.number in client.get("/").content.decode()


class TestCaseDetail(ObjectViewTests):
    url_name = "case-detail"

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

    def test_page_shows_the_case_and_its_handling(self, client, subject, owner):
        client.force_login(owner)
        page = client.get(self.url(subject)).content.decode()
        assert subject.number in page
        assert "AMBER" in page and "LES" in page
        for state in ("FL", "LA", "CA"):
            assert state in page

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


class TestCaseAnnotate(ObjectActionTests):
    url_name = "case-annotate"
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


class TestCaseEdit(ObjectActionTests):
    url_name = "case-edit"
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


class TestCaseShare(ObjectActionTests):
    url_name = "case-share"
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


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class AttachPage(ObjectActionTests):
    """Attaching a file needs annotate; the stored files are removed after each test."""

    required_level = Level.ANNOTATE

    @pytest.fixture(autouse=True)
    def remove_stored_files(self, db):
        yield
        for attachment in Attachment.objects.all():
            attachment.file.delete(save=False)

    def data(self, subject):
        return {"file": SimpleUploadedFile("motel-receipt.pdf", PDF, "application/pdf")}

    def assert_changed(self, subject, user, response):
        attachment = Attachment.objects.get()
        assert attachment.subject == subject
        assert (attachment.agency, attachment.sha256) == (user.agency, sha256(PDF).hexdigest())


class TestCaseAttach(AttachPage):
    url_name = "case-attach"

    def test_a_file_of_a_refused_type_is_reported(self, client, subject, owner):
        client.force_login(owner)
        upload = SimpleUploadedFile("payload.exe", b"MZ", "application/x-msdownload")
        response = client.post(self.url(subject), {"file": upload})
        assert response.status_code == 400
        assert "application/x-msdownload are not accepted" in response.content.decode()
        assert not Attachment.objects.exists()


# The same checks for intelligence items: only the subject and the URLs differ. -----------------


class ItemPage:
    @pytest.fixture
    def subject(self, make_item, analyst_fl):
        return make_item(analyst_fl, title="Minor seen at a Shreveport motel", tlp=TLP.AMBER)


class TestItemDetail(ItemPage, ObjectViewTests):
    url_name = "item-detail"


class TestItemAnnotate(ItemPage, ObjectActionTests):
    url_name = "item-annotate"
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"body": "Motel manager confirms the dates"}

    def assert_changed(self, subject, user, response):
        assert Annotation.objects.get(item=subject).author == user


class TestItemEdit(ItemPage, ObjectActionTests):
    url_name = "item-edit"
    required_level = Level.EDIT

    def data(self, subject):
        current = IntelligenceItem.objects.get(pk=subject.pk)
        return {"title": "Minor and two adults seen at a Shreveport motel", "body": current.body,
                "version": current.version, "tlp": current.tlp}

    def assert_changed(self, subject, user, response):
        item = IntelligenceItem.objects.get(pk=subject.pk)
        assert (item.title, item.version) == (
            "Minor and two adults seen at a Shreveport motel", subject.version + 1,
        )


class TestItemShare(ItemPage, ObjectActionTests):
    url_name = "item-share"
    required_level = Level.MANAGE

    @pytest.fixture(autouse=True)
    def recipient(self, lsp):
        return lsp

    def data(self, subject):
        return {"ori": "LALSP0000", "level": Level.ANNOTATE.value}

    def assert_changed(self, subject, user, response):
        record = Share.objects.get(item=subject, target_agency__ori="LALSP0000")
        assert (record.level, record.granted_by_agency) == (Level.ANNOTATE, user.agency)


class TestItemAttach(ItemPage, AttachPage):
    url_name = "item-attach"

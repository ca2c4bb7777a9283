"""The permission matrix over HTTP, through the pages of cases/urls.py.

Each page class inherits the generic checks of tests/base.py (anonymous → log-in, outsider →
the 404 of a missing case, viewer cannot change, a holder of the level can) and adds what is
particular to the page.
"""

import pytest

from cases.models import Annotation, Case
from sharing.handling import Level
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

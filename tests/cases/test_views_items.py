"""The intelligence item pages of cases/views.py: the item list, the item page, edit, annotate,
share, attach, and requests for information with their responses.

The subject of each page is MBI's tip on the story's case (TLP:AMBER + LES). Every page
inherits the generic checks of tests/base.py, as the case pages of test_views.py do.
"""

import pytest
from django.urls import reverse

from cases import selectors, services
from cases.models import Annotation, IntelligenceItem
from core.handling import TLP, Level
from sharing.models import Share
from sharing.services import share
from tests.base import HttpsClient, ListPageTests, ObjectActionTests, ObjectViewTests
from tests.cases.attach import AttachPage
from tests.conftest import cfr23_labels, fresh


class ItemPage:
    model = IntelligenceItem

    @pytest.fixture
    def subject(self, tip):
        return tip


class TestItemList(ItemPage, ListPageTests):
    url_name = "item-list"
    rows_already = 1  # the tip
    page_size = selectors.PAGE_SIZE

    def row_text(self, subject):
        return subject.title

    @pytest.fixture
    def make_row(self, analyst_fl, trafficking_case):
        """Tips and SARs on the story's case: each row names its case if the reader sees it."""
        return lambda n: services.item_create(
            by=analyst_fl, kind="sar" if n % 2 else "tip", title=f"Item {n}",
            case=trafficking_case, behaviours=["photography"] if n % 2 else [],
            **cfr23_labels(analyst_fl))

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


class TestItemDetail(ItemPage, ObjectViewTests):
    url_name = "item-detail"
    rows_shown = "annotations"
    page_size = selectors.NOTES_PAGE_SIZE  # the latest; the earlier ones come a page at a time

    @pytest.fixture
    def make_row(self, subject, owner, nopd, analyst_la):
        """An annotation, by MBI or NOPD in turn, every tenth one edited."""
        share(obj=subject, by=owner, agency=nopd, level=Level.ANNOTATE)
        la = fresh(analyst_la)

        def make(n):
            note = services.annotation_add(by=la if n % 2 else owner, item=subject,
                                           body=f"Note {n}")
            if n % 10 == 0:
                services.annotation_edit(annotation=note, by=owner, version=1,
                                         body=f"Note {n}, corrected")

        return make

    def test_handling_top_and_bottom_and_its_case(self, client, subject, owner, trafficking_case):
        client.force_login(owner)
        page = client.get(self.url(subject)).content.decode()
        assert page.count('class="banner banner-amber banner-les"') == 2
        assert trafficking_case.number in page


class TestItemEdit(ItemPage, ObjectActionTests):
    url_name = "item-edit"
    required_level = Level.EDIT

    def data(self, subject):
        current = IntelligenceItem.objects.get(pk=subject.pk)
        return {"title": "Girl seen at Lafayette motel", "body": current.body,
                "version": current.version, "tlp": current.tlp, "les": "on"}

    def assert_changed(self, subject, user, response):
        item = IntelligenceItem.objects.get(pk=subject.pk)
        assert (item.title, item.version) == ("Girl seen at Lafayette motel", subject.version + 1)
        assert item.version == 2


class TestItemAnnotate(ItemPage, ObjectActionTests):
    url_name = "item-annotate"
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"body": "Clerk can be reached on nights only."}

    def assert_changed(self, subject, user, response):
        assert Annotation.objects.get(item=subject).author == user


class TestItemShare(ItemPage, ObjectActionTests):
    url_name = "item-share"
    required_level = Level.MANAGE

    @pytest.fixture(autouse=True)
    def recipient(self, lsp):
        """The Louisiana State Police: in LA-SAFE like NOPD, so an AMBER item may reach it."""
        return lsp

    def data(self, subject):
        return {"ori": "LALSP0000", "level": Level.ANNOTATE.value,
                "reason": "LSP holds the motel's registration records."}

    def assert_changed(self, subject, user, response):
        record = Share.objects.get(item=subject, target_agency__ori="LALSP0000")
        assert (record.level, record.granted_by_agency) == (Level.ANNOTATE, user.agency)

    def test_the_recipient_may_be_chosen_from_those_offered(self, client, subject, owner, lsp):
        client.force_login(owner)
        response = client.post(self.url(subject), {"recipient": f"agency:{lsp.pk}", "level": 1,
                                                   "reason": "Need to know."})
        assert response.status_code == 302
        assert Share.objects.filter(item=subject, target_agency__ori="LALSP0000").exists()


class TestItemAttach(ItemPage, AttachPage):
    url_name = "item-attach"


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
        labels = cfr23_labels(la)
        response = client.post(reverse("item-create"), {
            "in_response_to": rfi.pk, "title": "Re: room 12", "body": "A man named D. Price.",
            "tlp": "GREEN", **labels, "control_official": la.pk,
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


def test_an_item_on_a_case_the_reader_does_not_see_says_what_an_item_on_no_case_says(
    make_item, make_case, analyst_fl, analyst_la, nopd
):
    """"A case your agency does not see" told NOPD that the item belongs to a case at all."""
    case = make_case(analyst_fl)
    on_case = make_item(by=analyst_fl, case=case, title="On a case")
    alone = make_item(by=analyst_fl, title="On no case")
    client = HttpsClient()
    client.force_login(fresh(analyst_la))
    facts = []
    for item in (on_case, alone):
        share(obj=item, by=analyst_fl, agency=nopd, level=Level.VIEW)
        page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
        facts.append(page[page.index("<dt>Case</dt>"):page.index("<dt>Created</dt>")])
    assert facts[0] == facts[1]

"""A case or an item as a PDF: read through the permission service (the outsider's 404 of a
missing one), its marking on every page, bounded whatever the case's size, only the items the
reader's agency sees, and each export recorded (the Export row, the dissemination record of
another agency's criminal intelligence, the access log) once the PDF is laid out."""

import pytest
from django.urls import reverse

from audit.models import AccessLog
from cases import exports, services
from cases.models import Case, Dissemination, Export, IntelligenceItem
from core import pdf
from core.handling import TLP, Level
from sharing.services import share
from tests.base import HttpsClient, ObjectViewTests
from tests.conftest import fresh
from tests.pdf import dark_share, page_image, pages_text


@pytest.fixture
def client():
    return HttpsClient()


def _export(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response


class TestCaseExport(ObjectViewTests):
    url_name = "case-export"
    model = Case

    @pytest.fixture
    def make_row(self, subject, analyst_fl, make_item):
        def make(n):
            services.annotation_add(by=analyst_fl, body=f"Note {n}", case=subject)
            make_item(analyst_fl, kind="bulletin", case=subject, title=f"Linked {n}")
        return make


class TestItemExport(ObjectViewTests):
    url_name = "item-export"
    model = IntelligenceItem

    @pytest.fixture
    def subject(self, analyst_fl, make_item):
        return make_item(analyst_fl, kind="bulletin", tlp=TLP.AMBER, les=True, title="Bulletin",
                         body="Watch the I-10 corridor.")

    @pytest.fixture
    def make_row(self, subject, analyst_fl):
        def make(n):
            services.annotation_add(by=analyst_fl, body=f"Note {n}", item=subject)
            services.entity_link(by=analyst_fl, item=subject, kind="phone", label=f"(504) 555-{n:04d}",
                                 number=f"504-555-{n:04d}")
        return make


def test_every_page_of_a_big_case_carries_its_marking_and_the_notes_left_out_are_counted(
        client, trafficking_case, analyst_fl, tmp_path):
    for n in range(exports.EXPORT_ROWS + 15):
        services.annotation_add(by=analyst_fl, body=f"Sighting number {n} in Shreveport",
                                case=trafficking_case)
    response = _export(client, analyst_fl, reverse("case-export", args=[trafficking_case.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="case-{trafficking_case.pk}.pdf"'
    pages = pages_text(response.content)
    assert len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert text.count("TLP:AMBER · LES") >= 2, (number, text[:300])  # top and bottom margins
        assert f"Page {number} of {len(pages)}" in text
    whole = "\n".join(pages)
    assert "Runaway minor trafficked FL → LA → CA" in whole
    assert "Sighting number 64 in Shreveport" in whole  # the latest
    assert "Sighting number 14 in Shreveport" not in whole  # among the 15 earliest, left out
    assert "15 earlier notes left out" in whole.replace("\r\n", " ").replace("\n", " ")
    image = page_image(response.content)
    image.save(tmp_path / "case-page-1.png")
    # The black banner of the top margin: a band of dark pixels across the page's head.
    assert dark_share(image, 0, int(image.height * 0.06)) > 0.2
    assert dark_share(image, int(image.height * 0.45), int(image.height * 0.55)) < 0.2


def test_a_case_export_holds_only_the_items_the_reader_sees_and_takes_their_marking(
        client, trafficking_case, analyst_fl, analyst_la, nopd, make_item):
    shown = make_item(analyst_fl, kind="bulletin", tlp=TLP.RED, case=trafficking_case,
                      title="redbulletintoken")
    hidden = make_item(analyst_fl, kind="tip", case=trafficking_case, title="unsharedtiptoken")
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    share(obj=shown, by=analyst_fl, agency=nopd, level=Level.VIEW)
    whole = "\n".join(pages_text(_export(
        client, fresh(analyst_la), reverse("case-export", args=[trafficking_case.pk])).content))
    assert "redbulletintoken" in whole and "unsharedtiptoken" not in whole
    assert "TLP:RED · LES" in whole  # the most restrictive of the case and what it holds
    record = Export.objects.get(case=trafficking_case)
    assert record.held == [shown.pk] and hidden.pk not in record.held
    assert record.marking == "TLP:RED · LES"


def test_each_export_is_recorded_with_the_access_log_and_criminal_intelligence_disseminated(
        client, analyst_fl, analyst_la, nopd, make_item):
    tip = make_item(analyst_fl, kind="tip", tlp=TLP.AMBER, title="Tip about a van")
    services.share_grant(obj=tip, by=analyst_fl, agency=nopd, level=Level.VIEW,
                         reason="Joint investigation")
    _export(client, fresh(analyst_la), reverse("item-export", args=[tip.pk]))
    record = Export.objects.get(item=tip)
    assert (record.kind, record.by, record.agency, record.marking) == (
        Export.Kind.ITEM, analyst_la, nopd, "TLP:AMBER")
    released = Dissemination.objects.get(item=tip, channel=Dissemination.Channel.EXPORT)
    assert (released.recipient_agency, released.by) == (nopd, analyst_la)
    logged = AccessLog.objects.get(object_type="intelligenceitem", object_id=tip.pk,
                                   action=AccessLog.Action.DOWNLOAD)
    assert (logged.actor, logged.agency, logged.detail["export"]) == (analyst_la, nopd, record.pk)
    # The owner's own export is recorded and logged, but is no dissemination outside it.
    _export(client, analyst_fl, reverse("item-export", args=[tip.pk]))
    assert Export.objects.filter(item=tip).count() == 2
    assert Dissemination.objects.filter(item=tip, channel=Dissemination.Channel.EXPORT).count() == 1


def test_a_pdf_that_cannot_be_laid_out_is_an_error_page_and_nothing_is_recorded(
        client, trafficking_case, analyst_fl, monkeypatch):
    def broken(*args, **kwargs):
        raise pdf.PdfFailed("no fonts")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    client.force_login(analyst_fl)
    response = client.get(reverse("case-export", args=[trafficking_case.pk]))
    assert response.status_code == 500
    assert "The PDF could not be made" in response.content.decode()
    assert "nothing was recorded as disseminated" in response.content.decode()
    assert not Export.objects.exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).exists()


def test_the_export_fetches_no_url(tmp_path, settings):
    fetcher = pdf.OfflineFetcher()
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    (tmp_path / "remote.html").write_text(
        '<p>x</p><img src="https://example.invalid/pixel.png">'
        '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://169.254.169.254/x.css">')
    content = pdf.render_pdf("remote.html", {}, fetcher=fetcher)
    assert content.startswith(b"%PDF")
    assert sorted(fetcher.refused) == sorted([
        "https://example.invalid/pixel.png", "file:///etc/passwd", "http://169.254.169.254/x.css"])


def test_the_pages_offer_the_export_and_a_print_stylesheet(client, trafficking_case, analyst_fl,
                                                           make_item):
    item = make_item(analyst_fl, kind="bulletin", title="Bulletin")
    client.force_login(analyst_fl)
    case_page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    assert reverse("case-export", args=[trafficking_case.pk]) in case_page
    assert 'media="print"' in case_page and "css/print" in case_page
    item_page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert reverse("item-export", args=[item.pk]) in item_page

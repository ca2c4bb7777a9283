"""A finished product as a PDF: the version of the reader's agency (products.tearline, as its
page shows it), its marking on every page, and the version given recorded with the download."""

import pytest
from django.urls import reverse

from audit.models import AccessLog
from cases.models import Export, IntelligenceItem
from core.handling import TLP
from products import services
from products.models import Portion
from tests.base import HttpsClient, ObjectViewTests
from tests.pdf import dark_share, page_image, pages_text

from .test_products import LES, OPEN, RED, analyst_eu, bulletin, cfix_list, europol  # noqa: F401


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def published(bulletin, analyst_fl, cfix_list):  # noqa: F811
    services.publish(product=bulletin.product, by=analyst_fl, distribution_list=cfix_list)
    return bulletin


def _pdf(client, user, item):
    client.force_login(user)
    response = client.get(reverse("product-export", args=[item.pk]))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="product-{item.pk}.pdf"'
    return response


def _flat(pages):
    return " ".join(" ".join(pages).split())


def test_a_foreign_partner_gets_the_notices_and_never_the_withheld_text(
        client, published, analyst_eu, europol, tmp_path):  # noqa: F811
    response = _pdf(client, analyst_eu, published)
    pages = pages_text(response.content)
    for text in pages:  # the partner's version is TLP:GREEN: what it holds
        assert _flat([text]).count("TLP:GREEN") >= 2
    whole = _flat(pages)
    assert OPEN in whole and "REL TO EUROPOL" in whole
    assert "Portion withheld: LES, not released to foreign partners" in whole
    assert "Portion withheld: US only" in whole
    assert LES not in whole and RED not in whole and "Informant" not in whole
    assert LES.encode() not in response.content and RED.encode() not in response.content
    image = page_image(response.content)
    image.save(tmp_path / "product-europol-page-1.png")
    assert dark_share(image, 0, int(image.height * 0.06)) > 0.2
    # The version given is recorded with the download.
    record = Export.objects.get(item=published, agency=europol)
    portions = list(Portion.objects.filter(product=published.product).order_by("position"))
    assert record.kind == Export.Kind.PRODUCT and record.marking == "TLP:GREEN"
    assert record.held == [portions[0].id]
    assert [w["portion"] for w in record.withheld] == [portions[1].id, portions[2].id]
    logged = AccessLog.objects.get(action=AccessLog.Action.DOWNLOAD, object_id=published.pk)
    assert logged.agency == europol and logged.detail["withheld"] == [portions[1].id, portions[2].id]


def test_a_member_whose_share_allows_every_portion_gets_them_all(client, analyst_fl2, published):
    whole = _flat(pages_text(_pdf(client, analyst_fl2, published).content))
    assert OPEN in whole and LES in whole and RED in whole and "withheld" not in whole
    assert "TLP:RED · LES" in whole
    assert Export.objects.get(item=published, by=analyst_fl2).withheld == []


def test_the_item_export_of_a_product_is_the_product_export(client, published, analyst_eu):  # noqa: F811
    client.force_login(analyst_eu)
    response = client.get(reverse("item-export", args=[published.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("product-export", args=[published.pk])


def test_the_product_page_offers_the_export(client, published, analyst_eu):  # noqa: F811
    client.force_login(analyst_eu)
    page = client.get(reverse("product-detail", args=[published.pk])).content.decode()
    assert reverse("product-export", args=[published.pk]) in page


class TestProductExport(ObjectViewTests):
    url_name = "product-export"
    model = IntelligenceItem

    @pytest.fixture
    def subject(self, analyst_fl):
        return services.product_create(by=analyst_fl, type="bulletin", title="B", portions=[
            {"text": "one", "tlp": TLP.GREEN}, {"text": "two", "tlp": TLP.AMBER}]).item

    @pytest.fixture
    def make_row(self, subject):
        def make(n):
            Portion.objects.create(product=subject.product, position=n + 10, text=f"p{n}", tlp=TLP.GREEN)
        return make

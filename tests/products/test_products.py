"""Finished products: portions, the overall marking, tearlines on every path, foreign partners,
the version recorded per recipient, distribution lists and read receipts."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.api_keys import api_key_create
from agencies.models import ApiKey, Membership, User
from cases import services as case_services
from cases.models import IntelligenceItem
from core.handling import TLP, Level
from products import services
from products.models import DistributionList, Portion, Release
from products.tearline import tearline_for
from sharing.models import Share
from sharing.permissions import ShareRefused, cases_visible_to, items_visible_to, level_of
from tests.base import HttpsClient, ObjectViewTests, messages_of
from tests.conftest import _agency, _user

OPEN = "openportiontoken"
LES = "lesportiontoken"
RED = "redportiontoken"


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def europol(cfix):
    agency = _agency("EUROPOL", "DCEUROPOL", "federal", "DC")
    agency.foreign_partner = True
    agency.save()
    return agency


@pytest.fixture
def analyst_eu(europol):
    return _user("analyst_eu", europol)


@pytest.fixture
def bulletin(analyst_fl, europol):
    return services.product_create(by=analyst_fl, type="bulletin", title="Smuggling routes", portions=[
        {"heading": "Summary", "text": f"Routes {OPEN}", "tlp": TLP.GREEN, "rel_to": [europol]},
        {"heading": "Sources", "text": f"Informant {LES}", "tlp": TLP.AMBER, "les": True},
        {"heading": "Targets", "text": f"Names {RED}", "tlp": TLP.RED},
    ]).item


@pytest.fixture
def cfix_list(cfix, europol):
    members = DistributionList.objects.create(center=cfix, name="Members and EUROPOL", all_members=True)
    members.agencies.add(europol)
    return members


def test_overall_marking_is_the_most_restrictive_portion_and_the_item_holds_no_portion_text(bulletin):
    assert (bulletin.tlp, bulletin.les, bulletin.body) == (TLP.RED, True, "")


def test_rel_to_names_foreign_partners_only(analyst_fl, ocso):
    with pytest.raises(ValidationError, match="foreign partners only"):
        services.product_create(by=analyst_fl, type="report", title="T", portions=[
            {"text": "x", "tlp": TLP.GREEN, "rel_to": [ocso]}])
    with pytest.raises(ValidationError, match="at least one portion"):
        services.product_create(by=analyst_fl, type="report", title="T", portions=[])


def test_publish_records_each_version_member_whole_foreign_partner_tearline(
        bulletin, analyst_fl, cfix_list, ocso, europol, mbi):
    releases, refused = services.publish(product=bulletin.product, by=analyst_fl,
                                         distribution_list=cfix_list)
    assert refused == []
    by_agency = {r.agency: r for r in releases}
    assert set(by_agency) == {ocso, europol}  # the owner MBI is not its own recipient
    portions = list(Portion.objects.filter(product=bulletin.product).order_by("position"))
    assert by_agency[ocso].held == [p.id for p in portions] and by_agency[ocso].withheld == []
    assert by_agency[europol].held == [portions[0].id]
    assert [w["notice"] for w in by_agency[europol].withheld] == [
        "Portion withheld: LES, not released to foreign partners", "Portion withheld: US only"]
    # Each recipient is told through the notification machinery (share_grant).
    assert Share.objects.filter(item=bulletin, target_agency__in=[ocso, europol]).count() == 2


def test_a_center_wide_share_withholds_red_and_the_foreign_partner_member_gets_its_release_only(
        bulletin, analyst_fl, cfix, ocso, europol, analyst_fl2, analyst_eu):
    Membership.objects.create(center=cfix, agency=europol)
    case_services.share_grant(obj=bulletin, by=analyst_fl, level=Level.VIEW,
                              target=Share.Target.CENTER, center=cfix)
    member = tearline_for(analyst_fl2, bulletin)
    assert [p.withheld for p in member.portions] == [False, False, True]
    assert member.portions[2].text == "Portion withheld: TLP:RED"
    assert (member.tlp, member.les) == (TLP.AMBER, True)
    partner = tearline_for(analyst_eu, bulletin)
    assert [p.withheld for p in partner.portions] == [False, True, True]
    assert (partner.tlp, partner.les) == (TLP.GREEN, False)


@pytest.fixture
def published(bulletin, analyst_fl, cfix_list):
    services.publish(product=bulletin.product, by=analyst_fl, distribution_list=cfix_list)
    return bulletin


@pytest.mark.parametrize("url", [
    lambda i: reverse("product-detail", args=[i.pk]),
    lambda i: reverse("item-detail", args=[i.pk]),
    lambda i: reverse("search") + f"?q={LES}",
    lambda i: reverse("search") + f"?q={RED}",
    lambda i: reverse("search") + "?q=Informant",
    lambda i: reverse("notification-inbox"),
    lambda i: reverse("item-list"),
], ids=["product", "item", "search-les", "search-red", "search-word", "inbox", "items"])
def test_no_withheld_text_reaches_the_foreign_partner_on_any_page(client, analyst_eu, published, url):
    client.force_login(analyst_eu)
    response = client.get(url(published))
    assert response.status_code == 200
    body = response.content.decode().replace(f"q={LES}", "").replace(f"q={RED}", "")
    body = body.replace(f'value="{LES}"', "").replace(f'value="{RED}"', "").replace('value="Informant"', "")
    if "search" in response.request["PATH_INFO"]:
        # The query is echoed; the product is not among what it matched.
        assert reverse("item-detail", args=[published.pk]) not in body
    else:
        assert LES not in body and RED not in body and "Informant" not in body


def test_search_matches_no_portion_text_for_any_reader(client, analyst_fl2, published):
    client.force_login(analyst_fl2)
    body = client.get(reverse("search") + "?q=Informant").content.decode()
    assert reverse("item-detail", args=[published.pk]) not in body
    body = client.get(reverse("search") + "?q=Smuggling").content.decode()
    assert reverse("item-detail", args=[published.pk]) in body  # the title is every reader's


def test_the_pages_show_each_reader_its_version(client, analyst_fl2, analyst_eu, published):
    client.force_login(analyst_eu)
    body = client.get(reverse("product-detail", args=[published.pk])).content.decode()
    assert OPEN in body and "Portion withheld: LES" in body and "Portion withheld: US only" in body
    assert "REL TO EUROPOL" in body
    client.force_login(analyst_fl2)
    body = client.get(reverse("product-detail", args=[published.pk])).content.decode()
    assert OPEN in body and LES in body and RED in body and "withheld" not in body


_admins = itertools.count()


def _key(user):
    admin = _user(f"admin_{next(_admins)}", user.agency, User.Role.AGENCY_ADMIN)
    client = APIClient()
    key = api_key_create(by=admin, name="RMS", scope=ApiKey.Scope.READ)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.plaintext}")
    return client


def test_api_gives_the_tearline_and_outsiders_the_404_of_a_missing_one(published, analyst_eu, outsider):
    url = f"/api/v1/products/{published.pk}/"
    answer = _key(analyst_eu).get(url, secure=True)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert OPEN in text and LES not in text and RED not in text
    assert [p["withheld"] for p in answer.json()["portions"]] == [False, True, True]
    item = _key(analyst_eu).get(f"/api/v1/items/{published.pk}/", secure=True).content.decode()
    assert LES not in item and RED not in item
    stranger = _key(outsider)
    existing = stranger.get(url, secure=True)
    missing = stranger.get(f"/api/v1/products/{published.pk + 1000}/", secure=True)
    assert existing.status_code == 404 and existing.content == missing.content
    assert APIClient().get(url, secure=True).status_code == 401


def test_read_receipts_come_from_the_access_log(client, ocso, analyst_eu, analyst_fl, europol,
                                                published):
    client.force_login(analyst_eu)
    client.get(reverse("product-detail", args=[published.pk]))
    receipts = {release.agency: opened for release, opened in services.read_receipts(published.product)}
    assert receipts[europol] is not None and receipts[ocso] is None
    client.force_login(analyst_fl)
    page = client.get(reverse("product-publish", args=[published.pk]))
    assert page.status_code == 200 and "not yet" in page.content.decode()


def test_publish_page_publishes_to_a_list_and_only_the_owner_finds_it(client, bulletin, analyst_fl,
                                                                     analyst_fl2, cfix_list, outsider):
    client.force_login(analyst_fl)
    response = client.post(reverse("product-publish", args=[bulletin.pk]), {"list": cfix_list.pk})
    assert response.status_code == 302 and Release.objects.filter(product=bulletin.product).count() == 2
    for user in (analyst_fl2, outsider):  # a recipient and a stranger: the 404 of a missing one
        client.force_login(user)
        existing = client.get(reverse("product-publish", args=[bulletin.pk]))
        missing = client.get(reverse("product-publish", args=[bulletin.pk + 1000]))
        assert existing.status_code == 404 and existing.content == missing.content


def test_product_form_writes_portions(client, analyst_fl, europol):
    client.force_login(analyst_fl)
    response = client.post(reverse("product-new"), {
        "type": "bulletin", "title": "Bulletin", "text_1": "open", "tlp_1": "GREEN",
        "rel_to_1": [europol.pk], "text_2": "sensitive", "tlp_2": "AMBER", "les_2": "on"})
    assert response.status_code == 302
    portions = list(Portion.objects.order_by("position"))
    assert [(p.tlp, p.les, list(p.rel_to.all())) for p in portions] == [
        ("GREEN", False, [europol]), ("AMBER", True, [])]
    refused = client.post(reverse("product-new"), {"type": "bulletin", "title": "Empty"})
    assert refused.status_code == 400 and "at least one portion" in refused.content.decode()


# Foreign partners on every share path --------------------------------------------------------


def test_les_and_criminal_intelligence_never_reach_a_foreign_partner(
        analyst_fl, make_item, make_case, europol, cfix, analyst_eu):
    les_item = make_item(analyst_fl, kind="bulletin", tlp=TLP.GREEN, les=True)
    with pytest.raises(ShareRefused) as refusal:
        case_services.share_grant(obj=les_item, by=analyst_fl, level=Level.VIEW, agency=europol)
    assert refusal.value.code == "foreign_partner_les" and "LES never reaches" in str(refusal.value)
    intelligence = make_item(analyst_fl, kind="tip", tlp=TLP.GREEN)
    with pytest.raises(ShareRefused) as refusal:
        case_services.share_grant(obj=intelligence, by=analyst_fl, level=Level.VIEW, agency=europol,
                                  reason="need to know")
    assert refusal.value.code == "foreign_partner_criminal_intelligence"
    les_case = make_case(analyst_fl, tlp=TLP.GREEN, les=True)
    with pytest.raises(ShareRefused) as refusal:
        case_services.share_grant(obj=les_case, by=analyst_fl, level=Level.VIEW, agency=europol)
    assert refusal.value.code == "foreign_partner_les"
    # A center-wide share reaches its members, never the foreign partner among them.
    Membership.objects.create(center=cfix, agency=europol)
    plain = make_item(analyst_fl, kind="bulletin", tlp=TLP.GREEN)
    for obj in (les_item, les_case, plain):
        case_services.share_grant(obj=obj, by=analyst_fl, level=Level.VIEW,
                                  target=Share.Target.CENTER, center=cfix)
    assert list(items_visible_to(analyst_eu)) == [plain]
    assert not cases_visible_to(analyst_eu).exists()
    assert level_of(analyst_eu, les_item) is None and level_of(analyst_eu, les_case) is None


def test_the_share_page_names_the_rule(client, analyst_fl, make_item, europol, cfix):
    Membership.objects.create(center=cfix, agency=europol)
    les_item = make_item(analyst_fl, kind="bulletin", tlp=TLP.GREEN, les=True)
    client.force_login(analyst_fl)
    response = client.post(reverse("item-share", args=[les_item.pk]),
                           {"ori": europol.ori, "level": int(Level.VIEW)})
    assert response.status_code == 400, response.status_code
    assert "LES never reaches a foreign partner" in response.content.decode(), messages_of(response)
    assert not Share.objects.filter(item=les_item).exists()


def test_a_product_with_nothing_released_to_the_partner_is_refused(analyst_fl, europol):
    item = services.product_create(by=analyst_fl, type="report", title="US only", portions=[
        {"text": "x", "tlp": TLP.GREEN}]).item
    with pytest.raises(ShareRefused) as refusal:
        case_services.share_grant(obj=item, by=analyst_fl, level=Level.VIEW, agency=europol)
    assert refusal.value.code == "foreign_partner_not_released"


class TestProductDetail(ObjectViewTests):
    url_name = "product-detail"
    model = IntelligenceItem
    rows_shown = "portions"

    @pytest.fixture
    def subject(self, analyst_fl):
        return services.product_create(by=analyst_fl, type="bulletin", title="B", portions=[
            {"text": "one", "tlp": TLP.GREEN}, {"text": "two", "tlp": TLP.AMBER}]).item

    @pytest.fixture
    def make_row(self, subject):
        def make(n):
            Portion.objects.create(product=subject.product, position=n + 10, text=f"p{n}", tlp=TLP.GREEN)
        return make

    rows_already = 2


def test_the_api_lists_and_search_keep_les_from_a_foreign_partner(
        analyst_fl, make_item, europol, analyst_eu, published):
    les_item = make_item(analyst_fl, kind="bulletin", tlp=TLP.CLEAR, les=True, title="lestitletoken")
    case_services.share_grant(obj=les_item, by=analyst_fl, level=Level.VIEW,
                              target=Share.Target.NETWORK)
    plain = make_item(analyst_fl, kind="bulletin", tlp=TLP.CLEAR, title="plaintitletoken")
    case_services.share_grant(obj=plain, by=analyst_fl, level=Level.VIEW, target=Share.Target.NETWORK)
    listed = _key(analyst_eu).get("/api/v1/items/?limit=500", secure=True).content.decode()
    assert "plaintitletoken" in listed and "Smuggling routes" in listed
    assert "lestitletoken" not in listed

"""CFIX's bulletin with an LES portion, published to its member agencies and to EUROPOL: a
member reads the whole, EUROPOL the tearline."""

from agencies.models import Agency
from products.models import DistributionList
from tests.conftest import _user


def test_bulletin_published_to_members_and_europol(portal, open_page, screenshot, analyst_fl,
                                                   analyst_fl2, cfix):
    europol = Agency.objects.create(name="EUROPOL", ori="DCEUROPOL", level="federal",
                                    home_state="DC", foreign_partner=True)
    analyst_eu = _user("analyst_eu", europol)
    listed = DistributionList.objects.create(center=cfix, name="Members and EUROPOL", all_members=True)
    listed.agencies.add(europol)

    page = open_page(analyst_fl)
    page.goto(f"{portal}/products/new/")
    page.fill("#id_title", "Trafficking routes through Orlando")
    page.fill("#id_heading_1", "Summary")
    page.fill("#id_text_1", "Minors moved from Orlando to Louisiana and California by car.")
    page.select_option("#id_tlp_1", "GREEN")
    page.check(f"input[name=rel_to_1][value='{europol.pk}']")
    page.fill("#id_heading_2", "Sources")
    page.fill("#id_text_2", "A confidential informant of MBI names the drivers.")
    page.select_option("#id_tlp_2", "AMBER")
    page.check("input[name=les_2]")
    screenshot(page, "write")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/publish/")
    page.select_option("#id_list", str(listed.pk))
    page.click("form.card button[type=submit]")
    page.wait_for_selector("text=Published to 2 agencies")
    screenshot(page, "published")
    item_id = page.url.rstrip("/").split("/")[-2]

    member = open_page(analyst_fl2)
    member.goto(f"{portal}/products/{item_id}/")
    assert "confidential informant" in member.content()
    screenshot(member, "member")

    partner = open_page(analyst_eu)
    partner.goto(f"{portal}/products/{item_id}/")
    body = partner.content()
    assert "Minors moved from Orlando" in body
    assert "confidential informant" not in body and "Portion withheld: LES" in body
    screenshot(partner, "europol")

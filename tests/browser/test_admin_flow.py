"""A center admin's day in a real browser (issue 4).

CFIX's admin logs in, follows Admin in the navigation, admits a new agency (Tampa PD, by its
ORI) and invites an analyst of it. The analyst opens the link of the invitation e-mail, sets a
password and logs in. Every page is photographed to test-artifacts/.
"""

import re

from django.core import mail
from playwright.sync_api import expect

from agencies.models import Agency, Membership, User
from audit.models import AccessLog
from tests.browser.conftest import log_in

PASSWORD = "gulf-coast-task-force-2015"
# Not "New password confirmation" (a required field's label ends with a visible asterisk).
NEW_PASSWORD_LABEL = re.compile(r"^New password\W*$")


def test_cfix_admin_admits_an_agency_and_invites_an_analyst_who_logs_in(
    portal, open_page, screenshot, cfix, mbi, admin_cfix
):
    page = open_page(admin_cfix)
    # The admit form answers an incomplete submission with 400: expected, not a page error.
    page.allow_console_error(r"status of 400")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    screenshot(page, "admin-home")
    page.get_by_role("link", name="member agencies and their users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Member agencies of Central Florida Intelligence Exchange")
    expect(page.get_by_role("link", name="Metropolitan Bureau of Investigation")).to_be_visible()
    screenshot(page, "member-agencies")

    # Admit Tampa PD, new to the portal.
    page.get_by_role("navigation", name="CFIX administration").get_by_role(
        "link", name="Admit an agency").click()
    page.get_by_label("ORI").fill("fl0290100")
    page.get_by_label("Reason").fill("Joins the I-4 corridor trafficking task force")
    page.get_by_role("button", name="Admit").click()
    # Unknown ORI without the agency's particulars: the form says what it needs.
    expect(page.get_by_text("No agency has the ORI FL0290100 yet: give its name")).to_be_visible()
    screenshot(page, "admit-needs-particulars")
    page.get_by_label("Name", exact=True).fill("Tampa Police Department")
    page.get_by_label("Level").select_option("local")
    page.get_by_label("Home state").select_option("FL")
    page.get_by_role("button", name="Admit").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Tampa Police Department is now an active member of CFIX")
    tampa = Agency.objects.get(ori="FL0290100")
    assert Membership.objects.get(agency=tampa, center=cfix).status == "active"
    screenshot(page, "admitted")

    # Invite an analyst of Tampa PD.
    page.get_by_role("link", name="Users of Tampa Police Department").click()
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("Username").fill("tpd_rivera")
    page.get_by_label("E-mail address").fill("m.rivera@tampa.example.gov")
    page.get_by_label("First name").fill("Marisol")
    page.get_by_label("Last name").fill("Rivera")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_label("Reason").fill("Task-force analyst for Tampa PD")
    screenshot(page, "invite-form")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to m.rivera@tampa")
    expect(page.get_by_role("cell", name="tpd_rivera")).to_be_visible()
    expect(page.get_by_role("cell", name="Invited")).to_be_visible()
    screenshot(page, "invited")

    operations = list(AccessLog.objects.filter(action="admin", actor=admin_cfix)
                      .order_by("id").values_list("detail__operation", flat=True))
    assert operations == ["agency_create", "membership_admit", "user_invite"]

    # The analyst opens the link of the e-mail, in a browser of their own.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["m.rivera@tampa.example.gov"]
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(portal)
    analyst_page = open_page()
    # A refused password is answered 400 and the spent link 410: expected, not page errors.
    analyst_page.allow_console_error(r"status of 4(00|10)")
    analyst_page.goto(link)
    expect(analyst_page.get_by_role("heading", name="Set your FusionPortal password")
           ).to_be_visible()
    expect(analyst_page.get_by_text("tpd_rivera")).to_be_visible()
    screenshot(analyst_page, "set-password")
    analyst_page.get_by_label(NEW_PASSWORD_LABEL).fill("short")
    analyst_page.get_by_label("New password confirmation").fill("short")
    analyst_page.get_by_role("button", name="Set password").click()
    expect(analyst_page.get_by_text("This password is too short")).to_be_visible()
    analyst_page.get_by_label(NEW_PASSWORD_LABEL).fill(PASSWORD)
    analyst_page.get_by_label("New password confirmation").fill(PASSWORD)
    analyst_page.get_by_role("button", name="Set password").click()
    analyst_page.wait_for_url(re.compile(r"/login/$"))
    expect(analyst_page.get_by_role("status")).to_contain_text("Your password is set")
    screenshot(analyst_page, "password-set")

    analyst = User.objects.get(username="tpd_rivera")
    log_in(analyst_page, analyst, password=PASSWORD)
    expect(analyst_page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(analyst_page.get_by_text("Tampa Police Department").first).to_be_visible()
    # An analyst has nothing to administer.
    expect(analyst_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Admin")).to_have_count(0)
    screenshot(analyst_page, "analyst-logged-in")

    # The link is spent.
    analyst_page.goto(link)
    expect(analyst_page.get_by_text("This link has been used already")).to_be_visible()

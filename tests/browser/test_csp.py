"""The Content-Security-Policy in a real browser: the portal's pages, the API docs and Django's
admin run under it with no violation (Chromium reports each as a console error, which fails the
test: see conftest.ConsoleWatch), and the policy really stops an inline script."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import services
from cases.models import Entity


@pytest.fixture
def story(trafficking_case, analyst_fl):
    services.entity_link(
        by=analyst_fl, kind=Entity.Kind.PHONE, label="(504) 555-0199", role="contact",
        case=trafficking_case, number="5045550199",
    )
    item = services.item_create(
        by=analyst_fl, kind="sar", title="Minor seen with adult at I-10 rest stop",
        body="Caller reports a girl of about 15 with an adult man.", case=trafficking_case,
        behaviours=["observation_surveillance"],
    )
    services.annotation_add(by=analyst_fl, case=trafficking_case, body="Motel receipt found.")
    return trafficking_case, item


def test_the_pages_run_under_the_policy_without_a_violation(
    portal, open_page, story, analyst_fl, admin_cfix, cfix, screenshot
):
    case, item = story
    page = open_page(analyst_fl)
    pages = [
        reverse("home"), reverse("case-list"), reverse("item-list"),
        reverse("case-detail", args=[case.pk]), reverse("item-detail", args=[item.pk]),
        reverse("case-create"), reverse("search") + "?q=555-0199", reverse("notification-inbox"),
    ]
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # htmx works under the policy: an annotation posted in place, no inline script or eval.
    page.goto(reverse("case-detail", args=[case.pk]))
    page.locator("form.note-add textarea").fill("Second motel on the same road.")
    page.get_by_role("button", name="Add annotation").click()
    expect(page.locator("#notes").get_by_text("Second motel on the same road.")).to_be_visible()
    screenshot(page, "case-under-csp")

    admin = open_page(admin_cfix)
    for url in [reverse("admin-home"), reverse("center-agencies", args=[cfix.pk]),
                reverse("center-access-log", args=[cfix.pk]), reverse("admin:index")]:
        response = admin.goto(url)
        assert response.status == 200, url
        screenshot(admin, url.strip("/").replace("/", "-") or "home")
    # The API docs draw the operations from the schema with the served script only. Their markup
    # is Swagger UI's own (nested controls, its colours), so axe-core is not asked about it.
    admin.goto(reverse("api-docs"))
    expect(admin.locator(".swagger-ui .opblock").first).to_be_visible()
    screenshot(admin, "api-docs-under-csp", accessibility=False)


def test_the_policy_stops_an_inline_script(portal, open_page, analyst_fl):
    """Positive control: a portal page answered with an inline script and the portal's own
    header has the script refused by Chromium, so the pages above would have shown any."""
    page = open_page(analyst_fl)
    policy = page.goto(reverse("case-list")).headers["content-security-policy"]
    page.route(re.compile(r".*/csp-probe/$"), lambda route: route.fulfill(
        status=200, content_type="text/html",
        headers={"Content-Security-Policy": policy},
        body="<!doctype html><title>probe</title><script>document.title = 'ran'</script>",
    ))
    refused = "inline script violates the following Content Security Policy"
    page.allow_console_error(refused)
    page.goto("/csp-probe/")
    assert page.title() == "probe"
    assert any(refused in error for error in page.console_watch.errors)

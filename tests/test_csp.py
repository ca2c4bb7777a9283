"""Every response carries the strict Content-Security-Policy, and no template holds what it would
refuse (an inline script, an inline style, an event-handler attribute): the browser tests
(tests/browser/test_csp.py) show the pages run under it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs
from django.urls import reverse

from tests.base import HttpsClient


@pytest.fixture
def client():
    return HttpsClient()


POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def policy_of(response):
    return "; ".join(sorted(part.strip() for part in response["Content-Security-Policy"].split(";")))


@pytest.mark.parametrize("url", [
    "/login/",                      # a page, anonymous
    "/api/v1/cases/",               # the API's 401 in JSON
    "/api/docs/",                   # the interactive docs
    "/api/docs/?script",            # their start-up script, served rather than inline
    "/no-such-page/",               # the portal's 404
    "/saml/metadata/",              # the portal's SAML metadata (federated sign-in)
])
def test_every_response_carries_the_policy(client, db, url):
    response = client.get(url)
    assert policy_of(response) == "; ".join(sorted(POLICY.split("; ")))
    assert "unsafe" not in response["Content-Security-Policy"]


def test_a_logged_in_page_carries_the_policy(client, analyst_fl, trafficking_case):
    client.force_login(analyst_fl)
    response = client.get(reverse("case-detail", args=[trafficking_case.pk]))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "inline style": re.compile(r"<style\b|\sstyle\s*=", re.I),
    "event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "htmx evaluation": re.compile(r"\shx-on[:-]|\shx-vars\s*=|[\"']js:|[\"']javascript:", re.I),
}


def portal_templates():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(d) for d in get_app_template_dirs("templates")
              if Path(d).resolve().is_relative_to(Path(settings.BASE_DIR).resolve())
              and ".venv" not in Path(d).parts]
    return sorted({p for root in roots for p in root.rglob("*.html")})


def test_no_template_holds_what_the_policy_refuses():
    templates = portal_templates()
    assert len(templates) > 30, templates  # the walk found the portal's templates
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}: {match.group(0)!r}"
        for path in templates
        for what, pattern in INLINE.items()
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_an_inline_script(tmp_path):
    """The patterns above do find what they look for."""
    page = '<script>alert(1)</script><p style="x" onclick="y" hx-on:click="z"></p>'
    assert all(pattern.search(page) for pattern in INLINE.values())
    assert not any(p.search('<script src="/static/js/htmx.min.js" defer></script>')
                   for p in INLINE.values())


def test_no_template_comment_spans_lines():
    """Django's {# #} comment ends on its line: one that runs on is printed on the page."""
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()[:80]}"
        for path in portal_templates()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line[line.index("{#"):]
    ]
    assert not found, "\n".join(found)


def test_a_page_shows_no_template_syntax(client, analyst_fl, trafficking_case):
    client.force_login(analyst_fl)
    page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    for syntax in ("{#", "#}", "{%", "%}", "{{", "}}"):
        assert syntax not in page

"""The canary: no path tells an agency anything of what it may not see.

tests/canary.py generates a network through the services in which every title, summary, body,
annotation, subject and file name carries a unique token. Each test below reads one family of
paths as every agency (its analyst, its agency admin, the center admins) and fails on any token of
an case or item that the reader's agency may not see, by DESIGN.md's rules as tests/canary.py's
oracle writes them (checked against sharing.permissions first). Each also asserts that the
readers found their own tokens, so that a family of paths answering nothing would fail too.

The URL patterns are walked from the resolver: a new page is read as soon as it exists, its ids
filled from the network by the name of its parameters. A parameter the walker does not know
fails the test, naming the pattern: teach `FILL` or `ID_FAMILY` what it takes.
"""

import csv
import io
import itertools
import json
import re
import time
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from agencies.models import ApiKey, SecurityKey, User
from cases import search as portal_search
from cases import selectors as selectors_of_cases
from cases.models import (
    Annotation,
    Attachment,
    Case,
    CaseTask,
    Entity,
    IntelligenceItem,
    Jurisdiction,
    SubjectMatch,
    WatchNotice,
)
from core.handling import TLP
from fusionportal.celery import app
from notifications import delivery, selectors
from notifications.models import Notification, WebhookEndpoint
from notifications.services import linker_is_told
from sharing import permissions
from sharing.models import AccessRequest, Share
from taxii.selectors import case_collection_id
from tests.base import HttpsClient
from tests.canary import build
from tests.pdf import pages_text
from work.models import Referral

# Patterns the canary does not read, and why.
NOT_READ = {
    # Django's own admin site: staff only (no agency user is staff), outside the portal's pages.
    "admin": "the Django admin site is for the portal's operators, not for agencies",
    "api-not-found": "the API's 404 for unknown paths: read with a token in the path below",
    "logout": "ends the reader's session",
    "login": "shows nothing of the network",
    # Federated sign-in (tests/agencies/test_federated_sign_in.py): no page of the network.
    "saml-login": "sends the reader to an identity provider (a redirect, no content)",
    "saml-acs": "takes an identity provider's POST only; GET is a 405",
    "saml-metadata": "the portal's own SAML metadata: keys and addresses, no content",
    "api-docs": "the interactive API docs: a static page around the schema, read below",
    # The TAXII server: read with every agency's key, each collection's whole feed
    # (test_taxii_for_every_agency), since its ids are STIX ids and uuid5 of the portal's.
    **{f"api-taxii-{name}": "the TAXII server, read whole below" for name in (
        "discovery", "root", "status", "collections", "collection", "objects", "manifest",
        "object", "versions")},
}

# What an id parameter named `pk` is, by the url name's first word (DRF routes: api-<word>-...).
ID_FAMILY = {
    "case": "case", "item": "item", "annotation": "annotation", "attachment": "attachment",
    "notification": "notification", "webhook": "webhook", "api-key": "apikey",
    "entity": "entity", "subject": "entity", "center": "center", "agency": "agency",
    "share": "share", "access": "accessrequest", "task": "task", "rfi": "item", "tip": "item",
    "referral": "referral",
}
# Parameters by name.
FILL = {
    "case_id": "case", "item_id": "item", "annotation_id": "annotation",
    "attachment_id": "attachment", "share_pk": "share", "share_id": "share",
    "jurisdiction_pk": "jurisdiction", "jurisdiction_id": "jurisdiction",
    "center_id": "center", "agency_id": "agency", "user_id": "user", "entity_id": "entity",
    "subject_id": "entity", "notification_id": "notification", "webhook_id": "webhook",
    "key_id": "securitykey",
}
# Word parameters: every word their converter accepts, or these.
WORDS = {"action": ("rotate", "disable", "enable", "suspend", "reinstate", "remove"),
         "rfi_action": ("take", "close", "reopen"),
         "referral_action": ("acknowledge", "close", "withdraw"),
         "tip_action": ("assign", "review", "accept", "close")}
OBJECT_FAMILIES = {"case", "item", "annotation", "attachment", "share", "entity", "jurisdiction",
                   "task"}


# The network, made once per test process ---------------------------------------------------------
#
# Its tests are in two xdist groups (the pages; the other paths): each group runs on one worker,
# which makes the network once for it, and the two groups run side by side.


@pytest.fixture(scope="module")
def canary(django_db_setup, django_db_blocker):
    """The canary network, in a transaction of the module rolled back at its end; each test runs
    in a savepoint inside it. Notifications are delivered in process, as without a broker."""
    eager = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            started = time.monotonic()
            net = build()
            net.build_seconds = time.monotonic() - started
            yield net
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            app.conf.task_always_eager, app.conf.task_eager_propagates = eager


@pytest.fixture
def net(canary, db):
    return canary


# Reading ---------------------------------------------------------------------------------------


class Findings:
    """What the readers of one family of paths found: leaks, and the tokens each agency saw."""

    def __init__(self, net):
        self.net = net
        self.leaks = []
        self.seen = defaultdict(set)
        self.requests = 0
        self.texts = 0

    def read(self, agency_id, text, where, at=None):
        self.texts += 1
        self.leaks += self.net.leaks(agency_id, text, where, at)
        self.seen[agency_id] |= self.net.found(text)

    def assert_clean(self, *, each_agency_sees_its_own=True, all_of=(), on=("case", "item")):
        # What was read, for the record (pytest -rP shows it).
        print(f"canary: {self.requests} requests, {self.texts} texts read, "
              f"{sum(map(len, self.seen.values()))} visible tokens found, {len(self.leaks)} leaks")
        assert not self.leaks, (
            f"{len(self.leaks)} tokens reached agencies that may not see them:\n  "
            + "\n  ".join(self.leaks[:60])
        )
        assert self.requests or self.seen, "nothing was read"
        if each_agency_sees_its_own:
            blind = [
                self.net.agency_name(agency.pk) for agency in self.net.agencies.values()
                if self.net.visible_keys(agency.pk, "case") | self.net.visible_keys(agency.pk, "item")
                and not any(self.net.token_visible(agency.pk, t) for t in self.seen[agency.pk])
            ]
            assert not blind, f"these agencies found none of the tokens they may see: {blind}"
        # Of these kinds, on these objects, every current token an agency may see was found by
        # it: the paths show the content.
        missed = [
            f"{self.net.agency_name(agency.pk)}: {token}"
            for agency in self.net.agencies.values() for token, kind in self.net.token_kind.items()
            if kind in all_of and token not in self.net.retired
            and any(obj[0] in on for obj in self.net.tokens[token])
            and self.net.token_visible(agency.pk, token) and token not in self.seen[agency.pk]
        ]
        assert not missed, "tokens the agency may see were not shown to it:\n  " + "\n  ".join(
            missed[:40])


def text_of(response):
    parts = [f"{name}: {value}" for name, value in response.items()]
    if response.get("Content-Type") == "application/pdf":
        # A PDF export is read as its reader reads it: its pages' text, a token broken across
        # two lines at one of its hyphens made whole again.
        parts.append(re.sub(r"-\r?\n", "-", "\n".join(pages_text(response.content))))
    elif getattr(response, "streaming", False):
        parts.append(b"".join(response.streaming_content).decode("utf-8", "replace"))
    else:
        parts.append(response.content.decode("utf-8", "replace"))
    return "\n".join(parts)


def browser(user):
    client = HttpsClient()
    client.force_login(user)
    return client


def api_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def readers(net, *, analysts_only=False):
    """(agency id, user) of every agency: its analyst, and unless `analysts_only` its agency
    admin and the center admins."""
    found = [(user.agency_id, user) for user in net.analysts.values()]
    if not analysts_only:
        found += [(user.agency_id, user) for user in net.admins.values()]
        found += [(user.agency_id, user) for user in net.center_admins.values()]
    return found


def walk(patterns=None, prefix="", namespace=""):
    """(route text, url name, parameter names, pattern) of every pattern of the site."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            names = list(getattr(pattern.pattern, "converters", {}) or
                         pattern.pattern.regex.groupindex)
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), names, pattern


def ids_of(net, family):
    """Every id of a family in the network: visible to some readers and not to others."""
    queries = {
        "case": Case.objects.values_list("pk", flat=True),
        "item": IntelligenceItem.objects.values_list("pk", flat=True),
        "annotation": Annotation.objects.values_list("pk", flat=True),
        "attachment": Attachment.objects.values_list("pk", flat=True),
        "entity": Entity.objects.values_list("pk", flat=True),
        "share": Share.objects.values_list("pk", flat=True),
        "accessrequest": AccessRequest.objects.values_list("pk", flat=True),
        "jurisdiction": Jurisdiction.objects.values_list("pk", flat=True),
        "task": CaseTask.objects.values_list("pk", flat=True),
        "referral": Referral.objects.values_list("pk", flat=True),
        "notification": Notification.objects.values_list("pk", flat=True),
        "webhook": WebhookEndpoint.objects.values_list("pk", flat=True),
        "apikey": ApiKey.objects.values_list("pk", flat=True),
        "securitykey": SecurityKey.objects.values_list("pk", flat=True),
        "center": [center.pk for center in net.centers.values()],
        "agency": [agency.pk for agency in net.agencies.values()],
        "user": User.objects.filter(api_key__isnull=True).values_list("pk", flat=True),
    }
    values = sorted(queries[family])
    # And one that does not exist: its answer must be the one of an invisible object.
    return [*values, (values[-1] if values else 0) + 1000]


def family_of(url_name, param):
    if param in FILL:
        return FILL[param]
    if param == "pk":
        for name in (url_name, url_name.removeprefix("api-")):
            for word in sorted(ID_FAMILY, key=len, reverse=True):
                if name.startswith(word + "-"):
                    return ID_FAMILY[word]
    return None


def values_for(net, url_name, param, pattern):
    family = family_of(url_name, param)
    if family is not None:
        return family, ids_of(net, family)
    converter = getattr(pattern.pattern, "converters", {}).get(param)
    words = getattr(converter, "words", None) or WORDS.get(param)
    if words:
        # An action is a POST: its GET answers the same whatever the word.
        return "word", list(words)[:1]
    if param == "token":
        return "word", ["no-such-invitation"]
    return None, None


def site_urls(net):
    """Every URL to read, as (url name, family of its objects, url): each pattern with every
    combination of the network's ids. Fails naming a pattern it cannot fill."""
    unknown, urls = [], []
    for route, name, params, pattern in walk():
        if name.split(":")[0] in NOT_READ or name in NOT_READ or name.startswith("api-"):
            continue  # the API is read with the agencies' keys (test_api_for_every_agency)
        choices, families = [], set()
        for param in params:
            family, values = values_for(net, name, param, pattern)
            if values is None:
                unknown.append(f"{route} ({name}): parameter {param!r}")
                break
            families.add(family)
            choices.append(values)
        else:
            for combination in _related(net, params, itertools.product(*choices)):
                kwargs = dict(zip(params, combination, strict=True))
                urls.append((name, families, reverse(name, kwargs=kwargs)))
            if not params:  # a list, a lookup, a search: asked for the network's common word too
                urls.append((name, families, reverse(name) + "?q=CANARY"))
    assert not unknown, (
        "The canary does not know how to fill these URL patterns; teach tests/test_canary.py "
        "(FILL, ID_FAMILY or WORDS) what they take:\n  " + "\n  ".join(unknown)
    )
    return urls


def _related(net, params, combinations):
    """Of the combinations of ids, those whose parts belong together: a jurisdiction of the case
    in the path; a member agency of the center in the path (and one that is not); the analyst of
    the agency in the path. Administration pages hold no case content:
    every center, agency and user is read, not every product of them."""
    params = list(params)
    analyst_of = {user.agency_id: user.pk for user in net.analysts.values()}
    places_of = defaultdict(set)
    for place_id, case_id in Jurisdiction.objects.values_list("pk", "case_id"):
        places_of[case_id].add(place_id)
    members = defaultdict(set)
    for (agency_id, center_id) in net.memberships:
        members[center_id].add(agency_id)
    outsider = net.agencies["HPD"].pk
    for combination in combinations:
        named = dict(zip(params, combination, strict=True))
        if "jurisdiction_pk" in named and named["jurisdiction_pk"] not in places_of.get(
            named.get("pk"), ()
        ):
            continue
        if "center_id" in named and "agency_id" in named and named["agency_id"] not in (
            members.get(named["center_id"], set()) | {outsider}
        ):
            continue
        if "user_id" in named and "agency_id" in named and named["user_id"] != analyst_of.get(
            named["agency_id"]
        ):
            continue
        yield combination


ADMIN_FAMILIES = {"center", "agency", "user", "webhook", "apikey"}


def read_site(net, findings, *, select, analysts_only):
    """GET every URL of the selected patterns as every reader. An administration page (one that
    names a center, an agency, a user, a webhook or an API key) holds no case content (the access
    log is read on its own below): it is read by the center admins and by the outsider agency's
    admin and analyst, since the admin gate answers every other agency's users alike. A pattern
    whose GET answers 405 for a missing object (and for an existing one) refuses the method
    before looking anything up: it is read once per reader after that, its answer cannot depend
    on the id."""
    urls = defaultdict(list)
    admin_pages = set()
    for name, families, url in site_urls(net):
        if select(name, families):
            urls[name].append(url)
            if families & ADMIN_FAMILIES:
                admin_pages.add(name)
    post_only = set()
    admin_readers = {net.analysts["HPD"], net.admins["HPD"], *net.center_admins.values()}
    for agency_id, user in readers(net, analysts_only=analysts_only):
        client = browser(user)
        for name, pattern_urls in urls.items():
            if name in admin_pages and user not in admin_readers:
                continue
            statuses = set()
            for url in pattern_urls[-1:] + pattern_urls[:-1]:  # the missing id first
                response = client.get(url)
                findings.requests += 1
                assert response.status_code < 500, f"{url} as {user.username}: {response.status_code}"
                findings.read(agency_id, text_of(response), f"GET {url} as {user.username}")
                statuses.add(response.status_code)
                if name in post_only:
                    break
                if statuses == {405} and len(pattern_urls) > 1 and url != pattern_urls[-1]:
                    post_only.add(name)
                    break
    return urls


# The oracle against the permission service --------------------------------------------------------


@pytest.mark.xdist_group("canary-paths")
def test_the_oracle_agrees_with_the_permission_service(net):
    """What the canary takes as visible is what sharing.permissions answers, agency by agency: a
    disagreement is a bug in one of them, to be understood before the canary means anything."""
    for short, agency in net.agencies.items():
        assert set(permissions.cases_visible_to(agency).values_list("pk", flat=True)) == \
            net.visible_keys(agency.pk, "case"), short
        assert set(permissions.items_visible_to(agency).values_list("pk", flat=True)) == \
            net.visible_keys(agency.pk, "item"), short
    # The story is not trivial: each agency sees some of it and not all of it.
    for short, agency in net.agencies.items():
        seen = net.visible_keys(agency.pk, "case") | net.visible_keys(agency.pk, "item")
        assert 0 < len(seen) < len(net.owners) or short == "LATE", short


# Pages --------------------------------------------------------------------------------------------


@pytest.mark.xdist_group("canary-pages")
def test_case_pages(net):
    findings = Findings(net)
    read_site(net, findings, select=lambda name, families: "case" in families or
              "jurisdiction" in families, analysts_only=True)
    findings.assert_clean(all_of={"casetitle", "casesummary", "annotation", "subject", "filename",
                                  "task"}, on=("case",))


@pytest.mark.xdist_group("canary-pages")
def test_item_pages(net):
    findings = Findings(net)
    read_site(net, findings, select=lambda name, families: "item" in families,
              analysts_only=True)
    findings.assert_clean(all_of={"itemtitle", "itembody", "annotation", "subject", "filename"},
                          on=("item",))


@pytest.mark.xdist_group("canary-pages")
def test_annotation_attachment_share_and_subject_pages(net):
    findings = Findings(net)
    read_site(net, findings, select=lambda name, families: bool(
        families & {"annotation", "attachment", "share", "entity", "task"}
    ) and not families & {"case", "item"}, analysts_only=True)
    findings.assert_clean()


@pytest.mark.xdist_group("canary-pages")
def test_every_other_page_for_every_reader(net):
    """Lists, search, the inbox, the admin pages, the access log and its CSV, webhooks, API keys,
    the schema: every pattern without a case or item in its path, for analysts and admins."""
    findings = Findings(net)
    read_site(net, findings, select=lambda name, families: not families & OBJECT_FAMILIES,
              analysts_only=False)
    findings.assert_clean()


@pytest.mark.xdist_group("canary-paths")
def test_lists_filtered_by_every_value(net):
    """The lists' filters name invisible objects and states: the answer is the one of a missing
    object, never a row or a count that depends on it."""
    findings = Findings(net)
    states = sorted(set(Jurisdiction.objects.values_list("state", flat=True)))
    owners = sorted({owner for owner in net.owners.values()})
    queries = [("case-list", {"state": s}) for s in states]
    queries += [(name, {"owner": o}) for name in ("case-list", "item-list") for o in owners]
    queries += [(name, {"q": "CANARY"}) for name in ("case-list", "item-list")]
    for agency_id, user in readers(net, analysts_only=True):
        client = browser(user)
        for name, params in queries:
            response = client.get(reverse(name), params)
            findings.requests += 1
            findings.read(agency_id, text_of(response), f"GET {name} {params} as {user.username}")
    findings.assert_clean()


def search_queries(net, agency_id):
    """The network's common word, and for each kind of token one of an object the agency may
    see and one of an object it may not (every token would cost a minute of CI for no more
    paths)."""
    queries = ["CANARY"]
    for kind in sorted(set(net.token_kind.values())):
        tokens = [t for t in net.tokens if net.token_kind[t] == kind and t not in net.retired]
        queries += [t for t in tokens if net.token_visible(agency_id, t)][:1]
        queries += [t for t in tokens if not net.token_visible(agency_id, t)][:1]
    return queries


@pytest.mark.xdist_group("canary-paths")
def test_search_for_every_kind_of_token(net):
    """Searching for a token of an object the agency may not see finds nothing of it; searching
    for the network's common word finds what it may see. The query itself, echoed in the search
    box, is the reader's own."""
    findings = Findings(net)
    for agency_id, user in readers(net, analysts_only=True):
        client = browser(user)
        for query in search_queries(net, agency_id):
            response = client.get(reverse("search"), {"q": query})
            findings.requests += 1
            assert response.status_code in (200, 400), response.status_code
            text = text_of(response)
            if query.lower() in net.tokens and not net.token_visible(agency_id, query.lower()):
                text = re.sub(re.escape(query), "", text, flags=re.IGNORECASE)  # the reader's own
            findings.read(agency_id, text, f"search {query!r} as {user.username}")
        # Each section's "More results" page, from a cursor before every row, as a page and as
        # the rows htmx puts in place: a cursor is no key to what the agency may not see.
        for section in portal_search.SECTIONS:
            cursor = portal_search.section_cursor(
                section, 1e9, datetime(2999, 1, 1, tzinfo=UTC), 2**62)
            params = {"q": "CANARY", "section": section, "cursor": cursor}
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = client.get(reverse("search"), params, **headers)
                findings.requests += 1
                assert response.status_code == 200, response.status_code
                findings.read(agency_id, text_of(response),
                              f"search {section} page as {user.username} {headers}")
    findings.assert_clean()


@pytest.mark.xdist_group("canary-pages")
def test_attachment_downloads_hold_the_file_only_for_those_who_see_it(net):
    findings = Findings(net)
    for agency_id, user in readers(net, analysts_only=True):
        client = browser(user)
        for pk in ids_of(net, "attachment"):
            response = client.get(reverse("attachment-download", args=[pk]))
            findings.requests += 1
            assert response.status_code in (200, 404)
            findings.read(agency_id, text_of(response), f"download {pk} as {user.username}")
    findings.assert_clean(all_of={"filename", "filecontent"})


# The API --------------------------------------------------------------------------------------


def api_urls(net):
    """Every GET of /api/v1/: each list (with every filter naming each case, state, owner and a
    subject key of each kind) and each detail with every id of the network, the changes feed,
    the schema; the annotation filters per agency (annotation_filters)."""
    urls = []
    for route, name, params, pattern in walk():
        if not name.startswith("api-") or name in NOT_READ:
            continue
        if params:
            family, values = values_for(net, name, params[0], pattern)
            assert values is not None and len(params) == 1, f"unknown API pattern {route} ({name})"
            if family in ("center", "agency"):
                values = values[:2] + values[-1:]  # the directory: no case content in it
            urls += [reverse(name, args=[value]) for value in values]
        else:
            urls.append(reverse(name))
    cases = ids_of(net, "case")
    states = sorted(set(Jurisdiction.objects.values_list("state", flat=True)))
    # One subject of each kind: a filter on a key answers the same way whatever the kind's key.
    keys = list({kind: key for kind, key in Entity.objects.values_list("kind", "key")}.values())
    for resource in ("cases", "items"):
        base = f"/api/v1/{resource}/"
        urls += [f"{base}?limit=500"]
        urls += [f"{base}?state={state}" for state in states]
        urls += [f"{base}?entity_key={key}" for key in keys]
        urls += [f"{base}?owner={agency.pk}" for agency in net.agencies.values()]
    urls += [f"/api/v1/items/?case={pk}" for pk in cases]
    urls += [f"/api/v1/entities/?key={key}" for key in keys]
    urls += ["/api/v1/no-such-thing/" + next(iter(net.tokens))]
    return urls


def annotation_filters(net, agency_id):
    """The annotations of each case and item the agency may not see (the answer of a missing
    one), and of two it may see (an answer with content)."""
    urls = []
    for kind in ("case", "item"):
        ids = ids_of(net, kind)
        hidden = [pk for pk in ids if (kind, pk) not in net.owners
                  or not net.sees(agency_id, (kind, pk))]
        shown = sorted(net.visible_keys(agency_id, kind))[:2]
        urls += [f"/api/v1/annotations/?{kind}={pk}" for pk in hidden + shown]
    return urls


@pytest.mark.xdist_group("canary-paths")
def test_api_for_every_agency(net):
    findings = Findings(net)
    urls = api_urls(net)
    for short, key in net.api_keys.items():
        agency_id = net.agencies[short].pk
        client = api_client(key)
        for url in urls + annotation_filters(net, agency_id):
            response = client.get(url, secure=True)
            findings.requests += 1
            assert response.status_code < 500, f"{url} as {short}'s key: {response.status_code}"
            findings.read(agency_id, text_of(response), f"API GET {url} as {short}'s key")
    findings.assert_clean(all_of={"casetitle", "casesummary", "itemtitle", "itembody",
                                  "annotation", "subject", "task"})


TAXII = "application/taxii+json;version=2.1"


def taxii_pages(client, url):
    """Every page of a TAXII objects or manifest feed, following `next`."""
    pages, cursor = [], None
    while True:
        response = client.get(url, {"limit": 500, **({"next": cursor} if cursor else {})},
                              secure=True, HTTP_ACCEPT=TAXII)
        pages.append(response)
        body = json.loads(response.content) if response.status_code == 200 else {}
        cursor = body.get("next") if body.get("more") else None
        if cursor is None:
            return pages


@pytest.mark.xdist_group("canary-paths")
def test_taxii_for_every_agency(net):
    """Every collection the TAXII server lists to each agency's key, and the collection of every
    case of the network (a 404 for a case the agency does not see): each whole feed, its
    manifest, each object by id and its versions, in STIX as a partner's client reads them."""
    findings = Findings(net)
    every_case = [case_collection_id(pk) for pk in ids_of(net, "case")]
    for short, key in net.api_keys.items():
        agency_id = net.agencies[short].pk
        client = api_client(key)
        answers = [client.get(reverse(name), secure=True, HTTP_ACCEPT=TAXII)
                   for name in ("api-taxii-discovery", "api-taxii-root", "api-taxii-collections")]
        listed = {c["id"] for c in json.loads(answers[-1].content)["collections"]}
        for collection_id in sorted(listed | set(every_case)):
            base = reverse("api-taxii-collection", args=[collection_id])
            answers.append(client.get(base, secure=True, HTTP_ACCEPT=TAXII))
            pages = taxii_pages(client, base + "objects/")
            answers += pages + taxii_pages(client, base + "manifest/")
            ids = [o["id"] for page in pages if page.status_code == 200
                   for o in json.loads(page.content)["objects"]
                   if o["type"] in ("report", "note")]
            for object_id in ids:
                one = f"{base}objects/{object_id}/"
                answers += [client.get(one, secure=True, HTTP_ACCEPT=TAXII),
                            client.get(one + "versions/", secure=True, HTTP_ACCEPT=TAXII)]
            assert (collection_id in listed) == (pages[0].status_code == 200), (
                f"collection {collection_id} as {short}'s key: {pages[0].status_code}")
        for response in answers:
            findings.requests += 1
            assert response.status_code in (200, 404), f"{response} as {short}'s key"
            findings.read(agency_id, text_of(response), f"TAXII as {short}'s key")
    findings.assert_clean(all_of={"casetitle", "itemtitle", "itembody"})


@pytest.mark.xdist_group("canary-paths")
def test_the_openapi_schema_names_nothing_of_the_network(net):
    response = HttpsClient().get(reverse("api-schema"))
    assert response.status_code == 200
    assert not net.found(response.content.decode())


# Notifications, e-mails, webhooks -----------------------------------------------------------------


@pytest.mark.xdist_group("canary-paths")
def test_inbox_of_every_reader(net):
    """What a notification shows is decided when it is read, against visibility then."""
    findings = Findings(net)
    assert Notification.objects.exists()
    for agency_id, user in readers(net):
        client = browser(user)
        for name in ("notification-inbox", "notification-count"):
            response = client.get(reverse(name))
            findings.requests += 1
            assert response.status_code == 200
            findings.read(agency_id, text_of(response), f"{name} of {user.username}")
    assert any(findings.seen.values()), "no inbox showed the title of a case its reader sees"
    findings.assert_clean(each_agency_sees_its_own=False)


@pytest.mark.xdist_group("canary-paths")
def test_every_email_tells_its_recipient_only_what_its_agency_saw_when_sent(net):
    findings = Findings(net)
    agency_of = dict(User.objects.values_list("email", "agency_id"))
    assert net.emails, "the story sent no e-mail"
    for step, message in net.emails:
        for address in message.to:
            text = f"{message.subject}\n{message.body}"
            findings.read(agency_of[address], text, f"e-mail to {address} at step {step}", at=step)
    assert any(findings.seen.values()), "no e-mail named anything its recipient may see"
    findings.assert_clean(each_agency_sees_its_own=False)


@pytest.mark.xdist_group("canary-paths")
def test_every_webhook_payload_tells_its_agency_only_what_it_saw_when_sent(net):
    findings = Findings(net)
    assert net.webhook_bodies, "the story sent no webhook"
    for step, agency_id, body in net.webhook_bodies:
        json.loads(body)
        findings.read(agency_id, body.decode(), f"webhook to {net.agency_name(agency_id)} at "
                      f"step {step}", at=step)
    assert any(findings.seen.values()), "no webhook named anything its agency may see"
    findings.assert_clean(each_agency_sees_its_own=False)


@pytest.mark.xdist_group("canary-pages")
def test_access_log_export_of_every_center(net):
    """The center admins' access log, as a page and as CSV, with the reads of the whole site in
    it: who did what to which object, never what the object says."""
    findings = Findings(net)
    for _agency_id, user in readers(net, analysts_only=True):
        client = browser(user)
        for pk in ids_of(net, "case")[:-1:3]:
            client.get(reverse("case-detail", args=[pk]))
    for short, admin in net.center_admins.items():
        client = browser(admin)
        center = net.centers[short]
        page = client.get(reverse("center-access-log", args=[center.pk]))
        export = client.get(reverse("center-access-log-csv", args=[center.pk]))
        assert page.status_code == export.status_code == 200
        text = text_of(export)
        assert list(csv.reader(io.StringIO(text.split("\n", 2)[-1])))
        findings.requests += 2
        findings.read(admin.agency_id, text_of(page), f"access log of {short}")
        findings.read(admin.agency_id, text, f"access log CSV of {short}")
    findings.assert_clean(each_agency_sees_its_own=False)


# The canary bites ------------------------------------------------------------------------------


@pytest.mark.xdist_group("canary-paths")
def test_a_selector_that_shows_everything_is_caught(net, monkeypatch):
    """With the visibility selector broken to let every case and item through, the canary
    reports leaks on the pages and in the API."""

    def everything(model, principal):
        return permissions.PERMISSION_MODELS[model].objects.values("content_object_id")

    monkeypatch.setattr(permissions, "_visible_ids", everything)
    findings = Findings(net)
    houston = net.agencies["HPD"]
    client = browser(net.analysts["HPD"])
    # Sorted by title: the lists read visibility through the semi-join on _visible_ids (their
    # default order pages from the permission rows' range scans instead).
    for name in ("case-list", "item-list"):
        findings.read(houston.pk, text_of(client.get(reverse(name), {"sort": "title"})), "page")
    assert any("page" in leak for leak in findings.leaks)
    findings.leaks.clear()
    # And with the permission rows' range scans (the lists' default order) broken the same way.
    monkeypatch.setattr(selectors_of_cases, "visible_page_ids", lambda model, principal, **_: (
        RawSQL(f"SELECT id FROM {model._meta.db_table}", [])))
    for name in ("case-list", "item-list"):
        findings.read(houston.pk, text_of(client.get(reverse(name))), "page")
    answer = api_client(net.api_keys["HPD"]).get("/api/v1/cases/?status=open&limit=500",
                                                  secure=True)
    findings.read(houston.pk, text_of(answer), "API")
    with pytest.raises(AssertionError, match="tokens reached agencies"):
        findings.assert_clean()
    assert any("page" in leak for leak in findings.leaks)
    assert any("API" in leak for leak in findings.leaks)


@pytest.mark.xdist_group("canary-paths")
def test_an_inbox_that_shows_titles_regardless_is_caught(net, monkeypatch):
    """With the inbox's read-time visibility check broken, the canary reports the titles."""
    monkeypatch.setattr(selectors, "cases_visible_to", lambda user: Case.objects.all())
    monkeypatch.setattr(selectors, "items_visible_to", lambda user: IntelligenceItem.objects.all())
    findings = Findings(net)
    for agency_id, user in readers(net):
        findings.read(agency_id, text_of(browser(user).get(reverse("notification-inbox"))),
                      f"inbox of {user.username}")
    with pytest.raises(AssertionError, match="tokens reached agencies"):
        findings.assert_clean(each_agency_sees_its_own=False)


def assert_sent_since_leak(story, sent_before, posted_before):
    """The e-mails and the webhook bodies the story sent after those counts leak tokens, in
    both kinds: what a test that broke a check expects the canary to report."""
    findings = Findings(story)
    agency_of = dict(User.objects.values_list("email", "agency_id"))
    for step, message in story.emails[sent_before:]:
        for address in message.to:
            findings.read(agency_of[address], message.body, "e-mail", at=step)
    for step, agency_id, body in story.webhook_bodies[posted_before:]:
        findings.read(agency_id, body.decode(), "webhook", at=step)
    with pytest.raises(AssertionError, match="tokens reached agencies"):
        findings.assert_clean(each_agency_sees_its_own=False)
    assert any(leak.startswith("e-mail") for leak in findings.leaks)
    assert any(leak.startswith("webhook") for leak in findings.leaks)


@pytest.mark.xdist_group("canary-paths")
def test_an_alert_that_tells_the_title_regardless_is_caught(net, monkeypatch):
    """With the alert's check of what the alerted center sees broken, the canary reports the title
    in the e-mails and the webhook payloads of the next case that crosses state lines."""
    monkeypatch.setattr(delivery, "_center_sees", lambda center, obj: True)
    story = net.fork()
    sent_before, posted_before = len(story.emails), len(story.webhook_bodies)
    story.case("MBI", "MBI-BROKEN", TLP.GREEN, ("FL", "LA"))
    assert_sent_since_leak(story, sent_before, posted_before)


@pytest.mark.xdist_group("canary-paths")
def test_a_match_notice_that_names_the_other_record_regardless_is_caught(net, monkeypatch):
    """With the check of what the holder may see of the other agency's record broken, the
    canary reports that record's title in the e-mail and the webhook telling the holder."""
    monkeypatch.setattr(delivery, "cases_visible_to", lambda agency: Case.objects.all())
    story = net.fork()
    sent_before, posted_before = len(story.emails), len(story.webhook_bodies)
    # Anaheim's TLP:AMBER case and Houston's TLP:GREEN one: neither sees the other.
    held = story.subject(Case.objects.get(number="ANA-2"), "ANA", Entity.Kind.PHONE)
    story.subject(Case.objects.get(number="HPD-1"), "HPD", Entity.Kind.PHONE,
                  same_as=held.values)
    assert_sent_since_leak(story, sent_before, posted_before)


@pytest.mark.xdist_group("canary-paths")
def test_the_network_covers_what_the_canary_claims(net):
    """Every kind of object and event of the story is there, so that a test above cannot pass
    for want of it."""
    assert len(net.agencies) >= 9 and len(net.centers) >= 5
    assert {kind for kind in Entity.Kind} == set(
        Entity.objects.values_list("kind", flat=True).distinct()
    )
    assert Share.objects.filter(target=Share.Target.NETWORK).exists()
    assert Share.objects.filter(target=Share.Target.CENTER).exists()
    assert any(grant.until is not None for grant in net.grants)  # a withdrawn share
    assert any(grant.record is not None and grant.record.granted_by_agency_id != net.owners[
        grant.obj] for grant in net.grants)  # a re-share
    assert Annotation.objects.filter(revisions__isnull=False).exists()
    assert IntelligenceItem.objects.filter(in_response_to__isnull=False).exists()
    assert Notification.objects.filter(kind="state_lines").exists()
    # Connecting the dots: a match told to both sides, one told to the holder alone (TLP:RED),
    # a possible match, a watcher told, an access request.
    matches = list(SubjectMatch.objects.all())
    told = [linker_is_told(match) for match in matches if match.kind == SubjectMatch.Kind.MATCH]
    assert any(told) and not all(told), told  # one match told to both sides, one not
    assert any(match.kind == SubjectMatch.Kind.POSSIBLE for match in matches)
    assert Notification.objects.filter(kind="deconfliction").count() >= 4
    assert WatchNotice.objects.exists()
    assert AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).exists()
    # Tasks, assigned across agencies, their assignees told; one whose assignee's agency later
    # lost the case (FBI, suspended from CFIX).
    assert CaseTask.objects.filter(assignee__agency=net.agencies["FBI"]).exists()
    assert Notification.objects.filter(kind="task_assigned").count() >= 3
    assert set(Jurisdiction.objects.values_list("state", flat=True)) >= {"FL", "LA", "CA", "TX"}
    patterns = [name for _, name, _, _ in walk() if name.split(":")[0] not in NOT_READ]
    print(f"canary network: {len(net.centers)} centers, {len(net.agencies)} agencies, "
          f"{len(net.tokens)} tokens, {len(net.emails)} e-mails, {len(net.webhook_bodies)} webhook "
          f"bodies, {len(patterns)} URL patterns read; objects: " + ", ".join(
              f"{model.__name__} {model.objects.count()}" for model in (
                  Case, IntelligenceItem, Annotation, Entity, Attachment, Share, Notification)))


@pytest.mark.xdist_group("canary-paths")
def test_link_graphs_at_three_hops(net):
    """The link graph of every case, item and subject at its widest (three hops), as every
    agency's analyst: the walk above reads each at its default two. It holds the titles, numbers
    and subjects' labels of what it reaches, so a hop through a hidden object would show."""
    findings = Findings(net)
    starts = [("case-graph", ids_of(net, "case")), ("item-graph", ids_of(net, "item")),
              ("subject-graph", ids_of(net, "entity"))]
    for agency_id, user in readers(net, analysts_only=True):
        client = browser(user)
        for name, pks in starts:
            for pk in pks:
                response = client.get(reverse(name, args=[pk]), {"hops": "3"})
                findings.requests += 1
                findings.read(agency_id, text_of(response),
                              f"GET {name} {pk} hops=3 as {user.username}")
    findings.assert_clean(all_of={"casetitle", "itemtitle", "subject"})

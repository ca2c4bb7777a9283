"""The TAXII server driven by the OASIS client (taxii2-client), whose requests reach Django's test
client through a requests transport adapter: the client's own code builds every request (its
headers, its credentials, its paging) and checks every answer (media type, envelope, status),
while the test keeps one database transaction and counts the queries of each request.

Every STIX object the server gives the client is checked by the OASIS validator
(`assert_valid`)."""

from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from stix2validator import ValidationOptions, validate_instance
from taxii2client.common import TokenAuth, _HTTPConnection
from taxii2client.v21 import ApiRoot, Server

from agencies.api_keys import api_key_create
from agencies.models import ApiKey, User
from tests.base import HttpsClient
from tests.conftest import _user

BASE = "https://testserver"
DISCOVERY = f"{BASE}/taxii2/"
API_ROOT = f"{BASE}/taxii2/api1/"
TAXII = "application/taxii+json;version=2.1"


def key_for(admin, *, scope=ApiKey.Scope.READ, name="Partner system"):
    return api_key_create(by=admin, name=name, scope=scope).plaintext


# The partner systems of the API's story (tests/api/conftest.py), by the same names.


@pytest.fixture
def partner_key_fl(agency_admin_fl):
    """MBI's records system, read scope (MBI owns the trafficking case)."""
    return key_for(agency_admin_fl, name="MBI records system")


@pytest.fixture
def partner_writer_fl(agency_admin_fl):
    """MBI's case tool, write scope."""
    return key_for(agency_admin_fl, name="MBI case tool", scope=ApiKey.Scope.WRITE)


@pytest.fixture
def outsider_key(houston):
    """Houston PD, write scope: nothing was shared with Houston."""
    admin = _user("admin_hpd", houston, User.Role.AGENCY_ADMIN)
    return key_for(admin, name="Houston RMS", scope=ApiKey.Scope.WRITE)


class DjangoTestClientAdapter(BaseAdapter):
    """Sends a requests.PreparedRequest through Django's test client (HTTPS, as partners call)
    and answers with a requests.Response."""

    def __init__(self):
        super().__init__()
        self.client = HttpsClient()
        self.sent = []

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("content-type", "content-length", "host")}
        answer = self.client.generic(
            request.method, path, data=request.body or b"",
            content_type=request.headers.get("Content-Type", ""), headers=headers,
        )
        self.sent.append((request.method, path, answer.status_code))
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers.items())
        response._content = answer.content
        response.url = request.url
        response.request = request
        response.reason = answer.reason_phrase
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


@pytest.fixture
def transport(monkeypatch):
    """The adapter, mounted on every connection taxii2-client opens during the test (its Server
    opens one per API root, and an ApiRoot shares its own with its collections)."""
    adapter = DjangoTestClientAdapter()
    opened = _HTTPConnection.__init__

    def open_mounted(self, *args, **kwargs):
        opened(self, *args, **kwargs)
        self.session.mount(BASE, adapter)

    monkeypatch.setattr(_HTTPConnection, "__init__", open_mounted)
    return adapter


@pytest.fixture
def taxii_server(transport):
    """taxii_server(key) → the client's Server at the discovery URL, authenticated as taxii2-client's
    TokenAuth (`Authorization: Token <key>`); `basic=True`: HTTP Basic with the key as password."""

    def connect(key, *, basic=False):
        if basic:
            return Server(DISCOVERY, user="partner", password=key)
        return Server(DISCOVERY, auth=TokenAuth(key))

    return connect


@pytest.fixture
def taxii_root(transport):
    def connect(key):
        return ApiRoot(API_ROOT, auth=TokenAuth(key))

    return connect


VALIDATION = ValidationOptions(version="2.1")


def assert_valid(objects):
    """Every object is valid STIX 2.1 by the OASIS validator; the errors are printed if not."""
    assert objects, "no objects to validate"
    for obj in objects:
        result = validate_instance(obj, VALIDATION)
        if not result.is_valid:
            errors = "\n  ".join(str(error) for error in result.errors)
            pytest.fail(f"{obj['type']} {obj['id']} is not valid STIX 2.1:\n  {errors}")

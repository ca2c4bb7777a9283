"""The client's address, also behind the reverse proxy: believed from X-Forwarded-For only when
the request comes from a proxy of FORWARDED_ALLOW_IPS (core.net.client_address)."""

import pytest
from django.test import RequestFactory

from agencies.models import ApiKey
from audit.models import AccessLog
from core.net import client_address
from tests.api.conftest import key_for


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(("remote", "forwarded", "client"), [
    ("203.0.113.9", None, "203.0.113.9"),              # no proxy
    ("127.0.0.1", "203.0.113.9", "203.0.113.9"),       # through the trusted proxy
    ("127.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the client forged the left part
    ("198.51.100.7", "203.0.113.9", "198.51.100.7"),   # not a trusted proxy: header ignored
    ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ("127.0.0.1", "10.1.2.3, 127.0.0.1", "10.1.2.3"),  # proxies chained on the trusted host
])
def test_the_client_address(settings, remote, forwarded, client):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    assert client_address(request_from(remote, forwarded)) == client


def test_a_trusted_network_and_star(settings):
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    assert client_address(request_from("10.9.9.9", "203.0.113.9")) == "203.0.113.9"
    settings.FORWARDED_ALLOW_IPS = ["*"]
    assert client_address(request_from("198.51.100.7", "203.0.113.9")) == "203.0.113.9"


def test_the_access_log_and_the_key_networks_see_the_client_behind_the_proxy(
    settings, api, admin_mbi, trafficking_case
):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    key = key_for(admin_mbi, allowed_networks=["203.0.113.0/24"])
    api.as_key(key)
    behind = api.get("/api/v1/cases/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert behind.status_code == 200, behind.content
    assert AccessLog.objects.filter(action="list").latest("id").ip_address == "203.0.113.9"
    outside = api.get("/api/v1/cases/", REMOTE_ADDR="127.0.0.1",
                      HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert outside.status_code == 403
    assert ApiKey.objects.count() == 1

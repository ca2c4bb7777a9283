"""The demo's second factor (devtools/demo/second_factors.py): seeded accounts have an
authenticator enrolled, and `manage.py demo_code` prints the code that signs them in, a new one
when the current one was used; never the code of an authenticator a person enrolled."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from devtools.demo.second_factors import demo_totp_key, seed_second_factors
from tests.base import HttpsClient
from tests.conftest import PASSWORD


def demo_code(username):
    out = io.StringIO()
    call_command("demo_code", username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def sign_in(username, code):
    client = HttpsClient()
    client.post(reverse("login"), {"username": username, "password": PASSWORD,
                                   "acknowledge": "on"})
    return client, client.post(reverse("mfa-verify"), {"code": code})


def test_the_printed_code_signs_the_demo_account_in_and_the_next_one_too(analyst_fl, analyst_la):
    assert seed_second_factors([analyst_fl, analyst_la]) == 2
    assert seed_second_factors([analyst_fl, analyst_la]) == 0  # a second run makes none
    device = TOTPDevice.objects.get(user=analyst_fl)
    assert device.confirmed and device.key == demo_totp_key("analyst_fl")
    code = demo_code("analyst_fl")
    assert len(code) == 6 and code.isdigit()
    client, response = sign_in("analyst_fl", code)
    assert response.status_code == 302 and client.get(reverse("home")).status_code == 200
    # That code is used: the command now prints one that still works.
    again = demo_code("analyst_fl")
    assert again != code
    client, response = sign_in("analyst_fl", again)
    assert response.status_code == 302


def test_no_code_for_an_authenticator_of_ones_own_or_an_unknown_account(analyst_fl):
    TOTPDevice.objects.create(user=analyst_fl, name="Phone", confirmed=True)
    with pytest.raises(CommandError, match="enrolled one of its own"):
        demo_code("analyst_fl")
    with pytest.raises(CommandError, match="No account is called"):
        demo_code("nobody_here")

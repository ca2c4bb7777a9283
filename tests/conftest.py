"""Named actors of the trafficking story (DESIGN.md), reused by every test.

Centers: CFIX (FL primary), LA-SAFE (LA primary), STAC (CA primary), OCIAC (CA recognized),
TxFC (TX primary). Agencies: MBI (FL, owner of the story's case), Orange County Sheriff (FL),
NOPD and Louisiana State Police (LA), Anaheim PD (CA), Houston PD (TX, the outsider).
"""

import hashlib
import itertools
import os
import socket
import time

import pytest
from django.conf import settings
from django.test.client import ClientMixin
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, CenterAdmin, FusionCenter, Membership, User
from cases import services as case_services
from cases.intelligence import (
    ContentValidity,
    CriminalActivity,
    Sensitivity,
    SourceReliability,
    given,
    is_service_account,
    is_under_rule,
)
from core.handling import TLP, Level
from tests.agencies.saml_idp import TestIdentityProvider

PASSWORD = "correct-horse-battery-staple"
_numbers = itertools.count(1)


def _center(name, short, state, kind="primary"):
    return FusionCenter.objects.create(name=name, short_name=short, state=state, kind=kind)


def _agency(name, ori, level, state, *centers):
    agency = Agency.objects.create(name=name, ori=ori, level=level, home_state=state,
                                   contact_name=f"Duty officer, {name}",
                                   contact_email=f"duty@{ori.lower()}.example.gov")
    for center in centers:
        Membership.objects.create(center=center, agency=agency)
    return agency


def _user(username, agency, role=User.Role.ANALYST):
    return User.objects.create_user(
        username=username, password=PASSWORD, agency=agency, role=role,
        first_name=username.split("_")[0].title(), last_name=username.split("_")[-1].upper(),
        email=f"{username}@example.gov",
    )


# Multi-factor (agencies/mfa.py) ----------------------------------------------------------------
# Every account passes a second factor after its password, in the tests too: each actor has an
# authenticator app (a confirmed TOTP device, made when first needed), a test that logs in
# through the form types its current code (tests/browser/conftest.py log_in, log_in_fully below),
# and the test client's force_login and login, which skip the form, skip the code the same way: they
# sign in with that confirmed device through django-otp's own log-in hook (user.otp_device), so
# the session carries exactly the marker a typed code leaves. Nothing in the portal is switched
# off for the tests.


def authenticator_of(user):
    """The actor's authenticator app: a confirmed TOTP device whose secret derives from the
    username (so a test can compute its codes)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        key = hashlib.sha1(f"test-authenticator:{user.username}".encode()).hexdigest()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", key=key,
                                           confirmed=True)
    return device


def code_at(device, step):
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def next_code(device):
    """A code the device accepts now: the current step's, or, when that one was used already, the
    next step's (the window allows one step ahead); failing that, wait for the next step. A code
    works once, so two log-ins in one step need two codes."""
    while True:
        device.refresh_from_db()
        now = int(time.time() - device.t0) // device.step
        step = max(now, device.last_t + 1)
        if step <= now + device.tolerance:
            return code_at(device, step)
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)


def _with_second_factor(original):
    def sign_in(self, user, backend=None):
        user.otp_device = authenticator_of(user)
        try:
            return original(self, user, backend)
        finally:
            del user.otp_device

    return sign_in


@pytest.fixture(autouse=True, scope="session")
def _client_log_in_passes_second_factor():
    """The test client's force_login and login (both end in ClientMixin._login) sign in with the
    actor's authenticator, as the portal's code step would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientMixin, "_login", _with_second_factor(ClientMixin._login))
        yield


# Partner hosts the suite makes up: RFC 2606's reserved names and the example.gov addresses of
# its agencies. None resolves on a machine without outside DNS, but each lookup still waits for
# the resolver (~170 ms here): 200 webhook endpoints cost 36 s of lookups alone.
MADE_UP_HOSTS = (".example", ".example.com", ".example.net", ".example.org", ".example.gov",
                 ".invalid", ".test")


@pytest.fixture(autouse=True, scope="session")
def _made_up_hosts_do_not_resolve():
    """A made-up host fails to resolve at once, as it would after the resolver's wait; every
    other name (localhost, a test's own fake DNS) resolves as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else (host or "")
        if f".{name.lower().rstrip('.')}".endswith(MADE_UP_HOSTS):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


def log_in_fully(client, user, password=PASSWORD, **extra):
    """Log in through the form, then type the authenticator's code: the response of the code
    step (a redirect to where the person was going)."""
    response = client.post(reverse("login"), {"username": user.username, "password": password,
                                              "acknowledge": "on"}, **extra)
    assert response.status_code == 302, response.content[:500]
    code = next_code(authenticator_of(user))
    return client.post(response["Location"], {"code": code}, **extra)


@pytest.fixture
def cfix(db):
    return _center("Central Florida Intelligence Exchange", "CFIX", "FL")


@pytest.fixture
def la_safe(db):
    return _center("Louisiana State Analytic and Fusion Exchange", "LA-SAFE", "LA")


@pytest.fixture
def stac(db):
    return _center("California State Threat Assessment Center", "STAC", "CA")


@pytest.fixture
def ociac(db):
    return _center("Orange County Intelligence Assessment Center", "OCIAC", "CA", "recognized")


@pytest.fixture
def txfc(db):
    return _center("Texas Fusion Center", "TxFC", "TX")


@pytest.fixture
def mbi(cfix):
    return _agency("Metropolitan Bureau of Investigation", "FL0480400", "local", "FL", cfix)


@pytest.fixture
def ocso(cfix):
    return _agency("Orange County Sheriff's Office", "FL0480000", "local", "FL", cfix)


@pytest.fixture
def nopd(la_safe):
    return _agency("New Orleans Police Department", "LA0360200", "local", "LA", la_safe)


@pytest.fixture
def lsp(la_safe):
    return _agency("Louisiana State Police", "LALSP0000", "state", "LA", la_safe)


@pytest.fixture
def anaheim(stac, ociac):
    return _agency("Anaheim Police Department", "CA0300100", "local", "CA", ociac)


@pytest.fixture
def houston(txfc):
    return _agency("Houston Police Department", "TXHPD0000", "local", "TX", txfc)


@pytest.fixture
def analyst_fl(mbi):
    return _user("analyst_fl", mbi)


@pytest.fixture
def reviewer_fl(mbi):
    """MBI's criminal intelligence reviewer (28 CFR Part 23)."""
    user = _user("reviewer_fl", mbi)
    user.intelligence_reviewer = True
    user.save(update_fields=["intelligence_reviewer"])
    return user


@pytest.fixture
def transit_fl(cfix):
    """A member of CFIX that is not law enforcement: the regional transit authority."""
    agency = _agency("Central Florida Regional Transit Authority", "FLTRN0000", "local", "FL",
                     cfix)
    agency.law_enforcement = False
    agency.save(update_fields=["law_enforcement"])
    return agency


@pytest.fixture
def analyst_transit(transit_fl):
    return _user("analyst_transit", transit_fl)


@pytest.fixture
def analyst_fl2(ocso):
    return _user("analyst_fl2", ocso)


@pytest.fixture
def analyst_la(nopd):
    return _user("analyst_la", nopd)


@pytest.fixture
def analyst_la2(lsp):
    return _user("analyst_la2", lsp)


@pytest.fixture
def analyst_ca(anaheim):
    return _user("analyst_ca", anaheim)


@pytest.fixture
def outsider(houston):
    """An analyst of an agency that nothing was shared with."""
    return _user("analyst_tx", houston)


@pytest.fixture
def agency_admin_fl(mbi):
    return _user("admin_mbi", mbi, User.Role.AGENCY_ADMIN)


@pytest.fixture
def admin_cfix(cfix, ocso):
    user = _user("admin_cfix", ocso, User.Role.AGENCY_ADMIN)
    CenterAdmin.objects.create(user=user, center=cfix)
    return user


@pytest.fixture
def make_case(cfix):
    """make_case(by=user, **fields): open a case through the service, as the owner would."""

    def make(by, *, states=("FL",), tlp=TLP.AMBER, lead_center=None, **fields):
        number = fields.pop("number", f"T-{next(_numbers):05d}")
        return case_services.case_create(
            by=by, number=number, title=fields.pop("title", f"Case {number}"),
            lead_center=lead_center or cfix, tlp=tlp,
            jurisdictions=[{"state": s} for s in states], **fields,
        )

    return make


@pytest.fixture
def trafficking_case(make_case, analyst_fl):
    """The FL → LA → CA case of DESIGN.md, owned by MBI, led by CFIX, TLP:AMBER + LES."""
    return make_case(
        analyst_fl, number="MBI-2015-0042", title="Runaway minor trafficked FL → LA → CA",
        summary="Minor from Orlando taken to three Louisiana and two California cities.",
        states=("FL", "LA", "CA"), tlp=TLP.AMBER, les=True,
    )


@pytest.fixture
def make_item(db):
    """make_item(by=user, **fields): create an intelligence item through the service. An item of
    a kind under 28 CFR Part 23 is criminal intelligence with the labels of `cfr23_labels(by)`
    unless the test names its own (`pending=True`: information pending review); a SAR reports
    Observation/Surveillance unless the test names its ISE-SAR behaviours."""

    def make(by, *, kind="tip", tlp=TLP.AMBER, pending=False, **fields):
        if is_under_rule(kind) and not pending and not given(fields):
            fields = {**cfr23_labels(by), **fields}
        if kind == "sar":
            fields.setdefault("behaviours", ["observation_surveillance"])
        return case_services.item_create(
            by=by, kind=kind, title=fields.pop("title", f"Tip {next(_numbers):05d}"), tlp=tlp,
            **fields,
        )

    return make


def cfr23_labels(by, *, control_official=None):
    """A criminal predicate and the labels of 28 CFR 23.20(c), the submitter's agency's person
    (the submitter, unless it is a partner system's account) as control official."""
    official = control_official
    if official is None:
        official = by if not is_service_account(by) else by.agency.users.filter(
            api_key__isnull=True, is_active=True).order_by("pk").first()
    return {
        "predicate": "Reasonable suspicion of trafficking a minor across state lines.",
        "criminal_activity": CriminalActivity.HUMAN_TRAFFICKING,
        "no_protected_activity": True,
        "control_official": official,
        "sensitivity": Sensitivity.SENSITIVE,
        "source_reliability": SourceReliability.B,
        "content_validity": ContentValidity.PROBABLE,
    }


def fresh(user):
    """The same user without memoised visibility (as on the next request)."""
    return User.objects.select_related("agency").get(pk=user.pk)


def pytest_generate_tests(metafunc):
    """The generic classes (tests/base.py, tests/api/base.py) run some tests once per thing the
    class declares: per outsider, per level below the one it needs and per level that succeeds
    (that one and the owner), per number of rows. None of these lists may be empty: a test that
    would run for nothing is an error, not a pass."""
    cls = metafunc.cls
    if cls is None:
        return
    declared = {
        "outsider_fixture": lambda: list(cls.outsiders),
        "lower_level": lambda: [level for level in Level if level < cls.required_level],
        "success_level": lambda: sorted({cls.required_level, Level.OWNER}),
        "row_count": lambda: list(cls.row_counts),
    }
    for name, values in declared.items():
        if name in metafunc.fixturenames:
            values = values()
            if not values:
                raise pytest.UsageError(
                    f"{cls.__name__}.{metafunc.function.__name__}: nothing to run it for "
                    f"({name}); a class without one sets the test to None, saying why."
                )
            metafunc.parametrize(name, values, ids=[_id_of(value) for value in values])


def _id_of(value):
    return value.name.lower() if isinstance(value, Level) else str(value)


@pytest.fixture
def saml_idp_server(tmp_path):
    """saml_idp_server(sp_base="https://testserver"): starts a real SAML identity provider
    (tests/agencies/saml_idp.py) for the portal at sp_base, stopped when the test ends. Without
    xmlsec1 the test fails and says so: it is never skipped."""
    if not (settings.SAML_XMLSEC_BINARY and os.access(settings.SAML_XMLSEC_BINARY, os.X_OK)):
        pytest.fail("Federated sign-in tests need xmlsec1, which is not installed "
                    "(Debian: apt-get install xmlsec1; .ci/run installs it).", pytrace=False)
    started = []

    def start(sp_base="https://testserver"):
        folder = tmp_path / f"idp-{len(started)}"
        folder.mkdir()
        idp = TestIdentityProvider(folder, sp_base)
        started.append(idp)
        return idp

    yield start
    for idp in started:
        idp.stop()


@pytest.fixture
def tasks_in_process():
    """Celery tasks run in this process when they are handed over, as in the embedded default
    (no broker), also in the PostgreSQL + Redis run: for a test of what a task does once it is
    handed over, not of the hand-over."""
    from fusionportal.celery import app

    eager = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager

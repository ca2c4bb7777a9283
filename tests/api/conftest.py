"""Partner systems of the story: API keys of the agencies of tests/conftest.py.

- `partner_key_fl`: MBI's records system, read scope (MBI owns the trafficking case).
- `partner_writer_fl`: MBI's case tool, write scope.
- `partner_key_la`: NOPD's analytics tool, read scope.
- `partner_key_ca`: Anaheim PD (OCIAC member) records system, write scope.
- `outsider_key`: Houston PD, write scope: nothing was shared with Houston.

`story` is what the endpoints serve: MBI's case with an item, a subject and a note.
"""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from agencies.api_keys import api_key_create
from agencies.models import ApiKey, User
from cases import services as case_services
from tests.conftest import _user, cfr23_labels


def key_for(admin, *, scope=ApiKey.Scope.READ, name="Partner system", **options):
    return api_key_create(by=admin, name=name, scope=scope, **options).plaintext


@pytest.fixture
def api():
    """An API client; .as_key(plaintext) sends the key as a bearer token."""

    class Client(APIClient):
        # Over HTTPS, as partners reach it (production settings redirect plain HTTP).
        def generic(self, method, path, *args, **kwargs):
            kwargs["secure"] = True
            return super().generic(method, path, *args, **kwargs)

        def as_key(self, plaintext):
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
            return self

    return Client()


@pytest.fixture
def admin_mbi(agency_admin_fl):
    return agency_admin_fl


@pytest.fixture
def admin_nopd(nopd):
    return _user("admin_nopd", nopd, User.Role.AGENCY_ADMIN)


@pytest.fixture
def admin_anaheim(anaheim):
    return _user("admin_anaheim", anaheim, User.Role.AGENCY_ADMIN)


@pytest.fixture
def admin_houston(houston):
    return _user("admin_hpd", houston, User.Role.AGENCY_ADMIN)


@pytest.fixture
def partner_key_fl(admin_mbi):
    return key_for(admin_mbi, name="MBI records system")


@pytest.fixture
def partner_writer_fl(admin_mbi):
    return key_for(admin_mbi, name="MBI case tool", scope=ApiKey.Scope.WRITE)


@pytest.fixture
def partner_key_la(admin_nopd):
    return key_for(admin_nopd, name="NOPD analytics")


@pytest.fixture
def partner_key_ca(admin_anaheim):
    return key_for(admin_anaheim, name="Anaheim RMS", scope=ApiKey.Scope.WRITE)


def api_labels(control_official):
    """The 28 CFR Part 23 predicate and labels of tests.conftest.cfr23_labels, as an API body
    names them."""
    labels = cfr23_labels(control_official, control_official=control_official)
    labels["control_official_id"] = labels.pop("control_official").pk
    return labels


@pytest.fixture
def outsider_key(admin_houston):
    return key_for(admin_houston, name="Houston RMS", scope=ApiKey.Scope.WRITE)


@pytest.fixture
def story(trafficking_case, analyst_fl, cfix):
    """MBI's case with an item, a subject and a note; nothing is shared with anyone."""
    item = case_services.item_create(
        by=analyst_fl,
        kind="tip",
        title="Tip: minor seen at a Baton Rouge motel",
        case=trafficking_case,
        **cfr23_labels(analyst_fl),
    )
    entity = case_services.entity_link(
        by=analyst_fl,
        kind="email",
        label="Recruiter's e-mail",
        case=trafficking_case,
        address="Recruiter.Example@Mail.example",
        role="suspect",
    )
    case_services.entity_link(
        by=analyst_fl,
        kind="email",
        label="Recruiter's e-mail",
        item=item,
        address="recruiter.example@mail.example",
    )
    note = case_services.annotation_add(
        by=analyst_fl, case=trafficking_case, body="Phone dump pending."
    )
    trafficking_case.refresh_from_db()
    return SimpleNamespace(case=trafficking_case, item=item, entity=entity, note=note, center=cfix)

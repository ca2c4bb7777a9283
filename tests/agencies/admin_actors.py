"""Actors of the admin tests, beside the named actors of tests/conftest.py.

Imported by the tests/agencies/test_admin_*.py files that use them.
"""

import pytest

from agencies.models import CenterAdmin, Membership, User
from core.handling import Level
from sharing.models import Share
from sharing.services import share
from tests.base import HttpsClient
from tests.conftest import _user

__all__ = ["client", "admin_la", "agency_admin_tx", "agency_admin_ocso", "mbi_in_cfix",
           "ocso_in_cfix", "cfix_wide_case"]


@pytest.fixture
def client():
    """The test client over HTTPS, as tests/base.py's page tests use it."""
    return HttpsClient()


@pytest.fixture
def admin_la(la_safe, nopd):
    """LA-SAFE's center admin (an analyst of NOPD by role): an outsider to every CFIX page."""
    user = _user("admin_lasafe", nopd)
    CenterAdmin.objects.create(user=user, center=la_safe)
    return user


@pytest.fixture
def agency_admin_tx(houston):
    """Houston PD's agency admin: an outsider to MBI and to CFIX."""
    return _user("admin_hpd", houston, User.Role.AGENCY_ADMIN)


@pytest.fixture
def agency_admin_ocso(ocso):
    return _user("admin_ocso", ocso, User.Role.AGENCY_ADMIN)


@pytest.fixture
def mbi_in_cfix(cfix, mbi):
    return Membership.objects.get(center=cfix, agency=mbi)


@pytest.fixture
def ocso_in_cfix(cfix, ocso):
    return Membership.objects.get(center=cfix, agency=ocso)


@pytest.fixture
def cfix_wide_case(trafficking_case, analyst_fl, cfix):
    """The story's case, shared by its owner (MBI) with every member agency of CFIX."""
    share(obj=trafficking_case, by=analyst_fl, target=Share.Target.CENTER, center=cfix,
          level=Level.VIEW)
    return trafficking_case

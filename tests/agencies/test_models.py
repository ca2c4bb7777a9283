"""ORI and state codes are checked twice: by the validators (full_clean, forms) and by the database
(a CHECK constraint), so that no path around the forms, not even bulk_create, stores a bad one."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction

from agencies.models import Agency, FusionCenter, Membership

BAD_ORIS = {
    "FL048000": "invalid_ori",  # 8 characters
    "FL04800000": "invalid_ori",  # 10 characters
    "fl0480000": "invalid_ori",  # lower case
    "FL0480-00": "invalid_ori",  # punctuation
    "XX0480000": "invalid_ori_state",  # no such state
    "": "invalid_ori",
}
BAD_STATES = ["XX", "fl", "F", "FLA", "", "ZZ"]


def _agency(ori="FL0480000", home_state="FL", **fields):
    return Agency(name="Orange County Sheriff's Office", ori=ori, level="local",
                  home_state=home_state, **fields)


def _refused_by_the_database(save, value="", max_length=2):
    """The CHECK constraint refuses it (IntegrityError); a value longer than its column is
    refused by PostgreSQL even before the check (DataError), while SQLite has no lengths."""
    too_long = len(value) > max_length
    expected = DataError if too_long and connection.vendor == "postgresql" else IntegrityError
    with pytest.raises(expected), transaction.atomic():
        save()


@pytest.mark.parametrize("ori", ["FL0480000", "LALSP0000", "DCMPD0000", "PR0010000"])
def test_a_valid_ori_passes_both_checks(db, ori):
    agency = _agency(ori=ori, home_state=ori[:2])
    agency.full_clean(exclude=["group"])
    agency.save()
    assert Agency.objects.get(ori=ori).group.name == f"agency:{ori}"


@pytest.mark.parametrize("ori,code", BAD_ORIS.items())
def test_a_bad_ori_is_refused_by_full_clean(db, ori, code):
    with pytest.raises(ValidationError) as refused:
        _agency(ori=ori).full_clean(exclude=["group"])
    assert "ori" in refused.value.error_dict
    if ori:
        assert refused.value.error_dict["ori"][0].code == code
        assert "ORI" in refused.value.message_dict["ori"][0]


@pytest.mark.parametrize("ori", BAD_ORIS)
def test_a_bad_ori_is_refused_by_the_database(db, ori):
    _refused_by_the_database(lambda: Agency.objects.create(
        name="Sheriff", ori=ori, level="local", home_state="FL"
    ), ori, max_length=9)
    group = Group.objects.create(name=f"bulk:{ori}")
    _refused_by_the_database(lambda: Agency.objects.bulk_create([
        Agency(name="Sheriff", ori=ori, level="local", home_state="FL", group=group)
    ]), ori, max_length=9)
    assert not Agency.objects.exists()


def test_an_ori_is_unique(db):
    _agency().save()
    with pytest.raises(ValidationError) as refused:
        _agency().full_clean(exclude=["group"])
    assert "ori" in refused.value.error_dict
    _refused_by_the_database(lambda: _agency().save())


@pytest.mark.parametrize("state", BAD_STATES)
def test_a_bad_home_state_is_refused_twice(db, state):
    with pytest.raises(ValidationError) as refused:
        _agency(home_state=state).full_clean(exclude=["group"])
    assert "home_state" in refused.value.error_dict
    _refused_by_the_database(lambda: _agency(home_state=state).save(), state)
    group = Group.objects.create(name=f"bulk:{state}")
    _refused_by_the_database(
        lambda: Agency.objects.bulk_create([_agency(home_state=state, group=group)]), state
    )


@pytest.mark.parametrize("state", BAD_STATES)
def test_a_fusion_center_in_no_state_is_refused_twice(db, state):
    center = FusionCenter(name="Nowhere Fusion Center", short_name="NFC", state=state)
    with pytest.raises(ValidationError) as refused:
        center.full_clean(exclude=["group"])
    assert "state" in refused.value.error_dict
    _refused_by_the_database(
        lambda: FusionCenter.objects.create(name="Nowhere", state=state), state
    )
    assert not FusionCenter.objects.exists()


def test_a_state_has_one_primary_center_and_any_number_of_urban_ones(cfix, stac, ociac):
    _refused_by_the_database(lambda: FusionCenter.objects.create(
        name="Second Florida Center", state="FL", kind=FusionCenter.Kind.PRIMARY
    ))
    FusionCenter.objects.create(name="Southeast Florida Fusion Center", state="FL",
                                kind=FusionCenter.Kind.RECOGNIZED)
    assert FusionCenter.objects.filter(state="CA").count() == 2


def test_an_agency_is_a_member_of_a_center_once(mbi, cfix):
    _refused_by_the_database(lambda: Membership.objects.create(center=cfix, agency=mbi))
    _refused_by_the_database(lambda: Membership.objects.filter(agency=mbi).update(status="paused"))


def test_every_agency_and_center_gets_its_own_group(mbi, ocso, cfix, la_safe):
    groups = {mbi.group_id, ocso.group_id, cfix.group_id, la_safe.group_id}
    assert len(groups) == 4

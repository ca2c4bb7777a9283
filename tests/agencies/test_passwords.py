"""The password rules (CJIS IA-5(1), agencies/passwords.py): every rule with passwords it must
refuse and passwords it must let through, through Django's validate_password (the settings'
validators, as every way of setting a password runs them) and through the invitation page."""

import gzip

import pytest
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies import services
from agencies.models import User
from agencies.passwords import BREACHED_LIST_PATH, BreachedPasswordValidator

from .admin_actors import *  # noqa: F403 (the fixtures)

GOOD_EIGHT = "x7#Lq9vB"
PASSPHRASE_64 = "our-task-force-meets-at-dawn-by-the-old-ferry-landing-on-tuesday"


def refusals(password, user=None):
    """The codes of the rules that refuse the password (empty: accepted)."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {item.code for item in error.error_list}
    return set()


@pytest.fixture
def person(mbi):
    """An account of Metropolitan Bureau of Investigation, not saved: the validators read only
    its names and its agency."""
    return User(username="jsmith", first_name="John", last_name="Smith", agency=mbi)


# The three passwords the issue found accepted ---------------------------------------------------


@pytest.mark.parametrize("password, code", [
    ("aaaaaaaaaaaa", "password_repeated"),
    ("qwertyuiopas", "password_sequence"),
    ("fusionportal", "password_from_context"),
])
def test_the_three_passwords_accepted_before_are_refused(person, password, code):
    assert code in refusals(password, person)
    assert code in refusals(password)  # with no account at all (createsuperuser's first check)


# Length ----------------------------------------------------------------------------------------


def test_eight_characters_are_enough_and_seven_are_not(person):
    assert refusals(GOOD_EIGHT, person) == set()
    assert refusals(GOOD_EIGHT[:7], person) == {"password_too_short"}


def test_a_long_passphrase_is_accepted_whole(person):
    assert len(PASSPHRASE_64) == 64
    assert refusals(PASSPHRASE_64, person) == set()
    assert refusals(PASSPHRASE_64 * 2, person) == set()  # 128: still fine
    # Past 128 it is refused with a clear word, never cut short and accepted.
    assert refusals(PASSPHRASE_64 * 2 + "!", person) == {"password_too_long"}


# The breached list -----------------------------------------------------------------------------


def test_the_shipped_list_holds_the_100000_most_common_breached_passwords():
    with gzip.open(BREACHED_LIST_PATH, "rt", encoding="utf-8") as lines:
        assert sum(1 for _ in lines) == 100_000
    validator = BreachedPasswordValidator()
    assert "password" in validator.passwords and "qwerty" in validator.passwords
    # Lower-cased once, as it is read: no entry keeps a capital.
    assert all(entry == entry.lower() for entry in validator.passwords)


@pytest.mark.parametrize("password", ["trustno1", "TrustNo1", "TRUSTNO1", "letmein123",
                                      "michelle1", "BASEBALL1", "Adidas22"])
def test_a_breached_password_is_refused_whatever_its_case(person, password):
    assert "password_breached" in refusals(password, person)


def test_an_entry_listed_with_capitals_is_refused_in_any_case():
    # The list holds "Turkey50" and "Kordell1" only so written; typed otherwise, still breached.
    for password in ("turkey50", "TURKEY50", "kordell1", "kORDELL1"):
        assert "password_breached" in refusals(password), password


def test_a_password_only_on_the_shipped_list_is_refused():
    # Deep in the 100,000 (line 96,987), and not on Django's own list of 20,000: the shipped
    # list is what refuses it.
    assert refusals("adidas22") == {"password_breached"}


def test_the_list_is_read_once_per_process():
    first = [v for v in get_default_password_validators()
             if isinstance(v, BreachedPasswordValidator)]
    again = [v for v in get_default_password_validators()
             if isinstance(v, BreachedPasswordValidator)]
    assert len(first) == 1 and first[0] is again[0]


# Built from the account's context --------------------------------------------------------------


@pytest.mark.parametrize("password", [
    "FusionPortal2024!", "fusion-portal-99", "Fus10nP0rt4l", "portal!2025#", "fusionportalxyz",
    "jsmith#12345", "J.Smith-2026", "Metropolitan1!", "bureau-of-investigation",
    "john.smith.1984",
])
def test_a_password_built_from_the_username_agency_or_portal_is_refused(person, password):
    assert "password_from_context" in refusals(password, person)


@pytest.mark.parametrize("password", [
    "jsmith-walks-the-dog-at-dawn", "kestrel-umber-ferry", "mbi-case-notes-2024",
    "investigating-cold-leads-tonight",
])
def test_a_password_with_words_of_its_own_is_accepted(person, password):
    assert refusals(password, person) == set()


def test_the_agency_of_the_account_is_what_counts(person, houston):
    # Houston's words refuse Houston's people, not MBI's.
    assert "password_from_context" not in refusals("HoustonPolice77", person)
    other = User(username="mjones", agency=houston)
    assert "password_from_context" in refusals("HoustonPolice77", other)


# Repeated patterns, keyboard runs, sequences ----------------------------------------------------


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "ZZZZZZZZZZ", "abcabcabcabc", "1212121212",
                                      "xyzwxyzwxyzw", "!!!!!!!!"])
def test_one_short_pattern_repeated_is_refused(password):
    assert "password_repeated" in refusals(password)


@pytest.mark.parametrize("password", [
    "qwertyuiopas", "asdfghjkl;", "1234567890", "poiuytrewq", "zxcvbnm,./", "1qaz2wsx3edc",
    "abcdefghijk", "lmnopqrstu", "9876543210", "1234abcd", "qwerty123456", "aaaa1111bbbb",
])
def test_a_keyboard_run_or_a_sequence_is_refused(password):
    assert "password_sequence" in refusals(password)


@pytest.mark.parametrize("password", ["Tr0ub4dor&3x", "kestrel-umber-ferry", "pqow-ieur-ytal"])
def test_a_password_with_a_run_inside_it_is_not_a_run(password):
    assert {"password_sequence", "password_repeated"}.isdisjoint(refusals(password))


# The messages ----------------------------------------------------------------------------------


def test_each_refusal_names_its_rule_and_never_the_password(person):
    for password in ("aaaaaaaaaaaa", "qwertyuiopas", "fusionportal", "trustno1", "k9#x",
                     "x" * 129):
        try:
            validate_password(password, person)
        except ValidationError as error:
            text = " ".join(error.messages)
        else:
            pytest.fail(f"{password!r} was accepted")
        assert password not in text
        assert "password" in text.lower()


# Where a password is set -----------------------------------------------------------------------


def test_the_invitation_page_refuses_a_password_built_from_the_portals_name(
        client, mbi, agency_admin_fl):
    user, token = services.user_invite(agency=mbi, by=agency_admin_fl, username="new_analyst",
                                       email="new.analyst@example.gov", role="analyst",
                                       reason="Joined the task force")
    url = reverse("invitation-accept", args=[token])
    response = client.post(url, {"new_password1": "FusionPortal2024!",
                                 "new_password2": "FusionPortal2024!"})
    assert response.status_code == 400
    assert "portal&#x27;s name" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    response = client.post(url, {"new_password1": PASSPHRASE_64, "new_password2": PASSPHRASE_64})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSPHRASE_64)


def test_nothing_expires_a_password(settings):
    # No forced periodic change (NIST 800-63B 5.1.1.2): no rule ages a password, and the account
    # has no password date that anything could age.
    names = [entry["NAME"].rsplit(".", 1)[-1] for entry in settings.AUTH_PASSWORD_VALIDATORS]
    assert not any("age" in name.lower() or "expir" in name.lower() for name in names)
    assert not any("password" in field.name and field.get_internal_type() == "DateTimeField"
                   for field in User._meta.get_fields() if hasattr(field, "get_internal_type"))


def test_a_password_past_the_length_limit_is_refused_for_its_length_without_the_run_search(
    person, monkeypatch
):
    """The run search costs the cube of the length and Django runs every validator: a
    megabyte posted as a password must not reach it."""
    from agencies import passwords

    def searched(password):
        raise AssertionError(f"the run search was given {len(password)} characters")

    monkeypatch.setattr(passwords, "_fewest_runs", searched)
    assert refusals("ab" * 50_000, person) >= {"password_too_long"}
    with pytest.raises(AssertionError):  # the patch bites below the limit
        refusals("correct horse battery", person)

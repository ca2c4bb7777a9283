"""The portal's password rules (CJIS IA-5(1), NIST SP 800-63B 5.1.1.2), as Django password
validators: every way a password is set runs them (the invitation and reset link, Django admin,
`createsuperuser`, `changepassword`), through settings.AUTH_PASSWORD_VALIDATORS.

- at least 8 characters, at most 128 (a passphrase fits; nothing is ever cut short);
- not on the list of breached passwords shipped in passwords_data/ (README there: the 100,000
  most common of a public breach corpus), compared case-blind;
- not built from the account's own context: its username, first and last name, the words of
  its agency's name, or the portal's name (`PortalContextValidator` says how);
- not a run: one short pattern repeated (`aaaaaaaaaaaa`, `abcabcabcabc`), or made of at most
  three keyboard runs, alphabetical or numerical sequences and repeated characters
  (`qwertyuiopas`, `asdfghjkl;`, `1234abcd`).

Nothing here expires a password: there is no forced periodic change (800-63B 5.1.1.2).
Every message names the rule, never the password.
"""

import gzip
import re
from pathlib import Path

from django.core.exceptions import ValidationError

BREACHED_LIST_PATH = Path(__file__).resolve().parent / "passwords_data" / "breached-top-100000.txt.gz"


class MaximumLengthValidator:
    """Long passphrases are welcome; past `max_length` the password is refused, never cut."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                "This password is longer than %(max_length)d characters; choose a shorter one.",
                code="password_too_long", params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return f"Your password can be up to {self.max_length} characters long: a passphrase works."


class BreachedPasswordValidator:
    """Refuses a password found on the shipped list of breached passwords, whatever its case.

    The list is read once per process (Django keeps its validators for the process's life), and
    lower-cased as it is read, so that `PASSWORD` and `Password` are refused as `password` is."""

    def __init__(self, password_list_path=BREACHED_LIST_PATH):
        with gzip.open(password_list_path, "rt", encoding="utf-8", errors="replace") as lines:
            self.passwords = frozenset(line.strip().lower() for line in lines if line.strip())

    def validate(self, password, user=None):
        if password.strip().lower() in self.passwords:
            raise ValidationError(
                "This password is on a list of breached passwords that attackers try first; "
                "choose another.",
                code="password_breached",
            )

    def get_help_text(self):
        return "Your password can't be one that is known from data breaches."


# Digits and symbols people put in place of letters. A "1" may stand for an "i" or an "l": both
# readings are tried.
LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t",
                      "+": "t", "8": "b", "9": "g", "!": "i", "|": "l"})
ONE_AS = ("i", "l")
NOT_LETTERS = re.compile(r"[^a-z]+")
PORTAL_WORDS = ("fusionportal", "fusion", "portal")
# Words shorter than this are not context: "of", "pd", "al" would refuse half the dictionary.
CONTEXT_WORD_MIN = 3


def _skeletons(password):
    """The password's letters once the usual substitutions are undone, lower case, digits and
    symbols dropped: one reading per meaning of "1"."""
    lowered = password.lower().translate(LEET)
    return {NOT_LETTERS.sub("", lowered.replace("1", letter)) for letter in ONE_AS}


def _words(text):
    return [word for word in NOT_LETTERS.split((text or "").lower())
            if len(word) >= CONTEXT_WORD_MIN]


class PortalContextValidator:
    """Refuses a password built from words an attacker of this account knows: its username, first
    and last name, the words of its agency's name, and the portal's name (NIST 800-63B: "the name
    of the service, the username, and derivatives thereof").

    "Built from" is read this way: undo common digit-for-letter swaps (p0rt4l, fus10n), drop
    digits and symbols, take every such word out; if that took something out and fewer than
    `min_other_letters` letters are left, the password is refused. So `FusionPortal2024!`,
    `jsmith#1`, `Houston-Police-99` are refused, and `jsmith-walks-the-dog-at-dawn` is not (the
    username is one part among words of the person's own)."""

    def __init__(self, min_other_letters=5):
        self.min_other_letters = min_other_letters

    def _context(self, user):
        names = []
        if user is not None:
            for attribute in ("username", "first_name", "last_name"):
                value = getattr(user, attribute, "") or ""
                names.append(NOT_LETTERS.sub("", value.lower()))
                names += _words(value)
            if getattr(user, "agency_id", None) is not None:
                names += _words(user.agency.name)
        words = {word for word in names if len(word) >= CONTEXT_WORD_MIN} | set(PORTAL_WORDS)
        return sorted(words, key=len, reverse=True)  # the longest first: "fusionportal" whole

    def validate(self, password, user=None):
        words = self._context(user)
        for skeleton in _skeletons(password):
            rest = skeleton
            for word in words:
                rest = rest.replace(word, "")
            if rest != skeleton and len(rest) < self.min_other_letters:
                raise ValidationError(
                    "This password is built from your username, your name, your agency's name "
                    "or the portal's name; choose one that stands on its own.",
                    code="password_from_context",
                )

    def get_help_text(self):
        return ("Your password can't be built from your username, your name, your agency's name "
                "or the portal's name.")


# What "a run" follows: the keyboard's rows (a row runs on into the next one, as qwertyuiopas
# does), its columns, the alphabet and the digits. Read backwards as well.
SEQUENCES = (
    "1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
    "qazwsxedcrfvtgbyhnujmikolp",
    "!@#$%^&*()_+",
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
)
SEQUENCES = SEQUENCES + tuple(sequence[::-1] for sequence in SEQUENCES)
RUN_MIN = 3
PATTERN_MAX = 4
RUNS_MAX = 3


def _is_run(piece):
    return len(set(piece)) == 1 or any(piece in sequence for sequence in SEQUENCES)


def _fewest_runs(password):
    """The fewest runs (each at least RUN_MIN characters) that the password is made of, or None
    when it is not made of runs alone (dynamic programming over its prefixes)."""
    fewest = [0] + [None] * len(password)
    for end in range(RUN_MIN, len(password) + 1):
        for start in range(0, end - RUN_MIN + 1):
            if fewest[start] is None or not _is_run(password[start:end]):
                continue
            if fewest[end] is None or fewest[start] + 1 < fewest[end]:
                fewest[end] = fewest[start] + 1
    return fewest[-1]


class RepetitionAndSequenceValidator:
    """Refuses a password that is one short pattern (up to four characters) repeated
    (`aaaaaaaaaaaa`, `abcabcabcabc`), or that is made of at most three runs, each a keyboard run
    along a row or column, an alphabetical or numerical sequence (either way), or one character
    repeated (`qwertyuiopas`, `asdfghjkl;`, `1234567890`, `1234abcd`, `aaaa1111`).

    A password longer than `max_length` is left to MaximumLengthValidator, which refuses it:
    the search for runs costs the cube of the length, and Django runs every validator."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            return
        lowered = password.lower()
        for size in range(1, PATTERN_MAX + 1):
            if len(lowered) >= 2 * size and lowered == (lowered[:size] * len(lowered))[:len(lowered)]:
                raise ValidationError(
                    "This password is one short pattern repeated; choose one that is not.",
                    code="password_repeated",
                )
        runs = _fewest_runs(lowered)
        if runs is not None and runs <= RUNS_MAX:
            raise ValidationError(
                "This password is a keyboard run or a sequence of letters or digits; choose one "
                "that is not.",
                code="password_sequence",
            )

    def get_help_text(self):
        return ("Your password can't be a repeated pattern, a keyboard run (qwerty…) or a "
                "sequence (abcd…, 1234…).")

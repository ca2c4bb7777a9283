"""Webhook secrets at rest: sealed with Fernet (AES-128-CBC and HMAC-SHA256, cryptography's
MultiFernet) under the keys of WEBHOOK_SECRET_KEYS. The first key seals; every key opens, so a new
key is put first, `manage.py rotate_webhook_secret_keys` re-seals every secret under it, and the
old key is then removed. A copy of the database alone does not give the secrets that sign the
portal's webhooks.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "open_sealed", "reseal", "seal"]


@lru_cache(maxsize=4)
def _box(keys):
    return MultiFernet([Fernet(key) for key in keys])


def _current_box():
    return _box(tuple(settings.WEBHOOK_SECRET_KEYS))


def seal(secret):
    """The secret (text) sealed under the first key, as text for the database."""
    return _current_box().encrypt(secret.encode()).decode()


def open_sealed(sealed):
    """The secret a sealed text holds; InvalidToken when no configured key opens it."""
    return _current_box().decrypt(sealed.encode()).decode()


def reseal(sealed):
    """The same secret sealed under the first key (cryptography's MultiFernet.rotate)."""
    return _current_box().rotate(sealed.encode()).decode()

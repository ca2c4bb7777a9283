"""The demo's second factors: every demo account has an authenticator app already enrolled, with
a secret derived from its username (published, as the demo password is), so that a newcomer signs
in with `make code USER=analyst_fl` instead of a phone, and a second `make run` keeps working.
Never for real accounts: devtools/ is not installed in production, and the code command prints
codes only for a device that holds the demo's secret."""

import hashlib
import time

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Demo authenticator"


def demo_totp_key(username):
    """The hex secret (20 bytes) of a demo account's authenticator."""
    return hashlib.sha1(f"fusionportal-demo-authenticator:{username}".encode()).hexdigest()


def seed_second_factors(users):
    """A confirmed authenticator for each of `users` that has none; returns how many were made."""
    enrolled = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    devices = [
        TOTPDevice(user=user, name=DEVICE_NAME, key=demo_totp_key(user.username), confirmed=True)
        for user in users if user.pk not in enrolled
    ]
    TOTPDevice.objects.bulk_create(devices)
    return len(devices)


class NotADemoAuthenticator(Exception):
    pass


def demo_code(user, now=None):
    """(code, seconds it stays valid) of the account's demo authenticator: the current step's code,
    or the next step's when the current one was used already (a code works once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None or device.key != demo_totp_key(user.username):
        raise NotADemoAuthenticator(user.username)
    now = time.time() if now is None else now
    step = int(now - device.t0) // device.step
    use = max(step, device.last_t + 1)
    if use > step + device.tolerance:
        use = step + device.tolerance
    valid_until = device.t0 + (use + 1 + device.tolerance) * device.step
    code = f"{hotp(device.bin_key, use, digits=device.digits):0{device.digits}d}"
    return code, max(0, int(valid_until - now))

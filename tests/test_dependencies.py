"""The locks install what pyproject.toml pins, and nothing without a hash.

`make install` and the image install from requirements/dev.txt and requirements/runtime.txt with
`pip install --require-hashes`, never from pyproject.toml itself: a pin changed in pyproject.toml
but not locked (`make lock`) would not be installed, and the tests would run the old version.
"""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(?P<version>[^\s;\\]+)")


def normalized(name):
    """PEP 503: Django, django and DJANGO name one project, as do drf_spectacular and drf-spectacular."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]["dev"]


def lock_entries(path):
    """Each requirement of a lock as (its text, continuation lines joined), comments dropped."""
    entries, current = [], ""
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            entries.append(current.strip())
            current = ""
    if current:
        entries.append(current.strip())
    return entries


def pins(path):
    found = {}
    for entry in lock_entries(path):
        match = PIN.match(entry)
        assert match, f"{path.name}: not an exact pin: {entry[:120]!r}"
        found[normalized(match["name"])] = match["version"]
    return found


def pinned(requirement):
    match = PIN.match(requirement.replace(" ", ""))
    assert match, (
        f"pyproject.toml: {requirement!r} is not pinned to one version (name==version): "
        "the lock could not be checked against it"
    )
    return normalized(match["name"]), match["version"]


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=["runtime", "dev"])
def test_every_package_of_the_lock_carries_a_hash(lock):
    entries = lock_entries(lock)

    assert entries, f"{lock} holds no package"
    unhashed = [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry]
    assert not unhashed, f"{lock.name} has packages without a hash: {unhashed}; run make lock"


def test_the_runtime_lock_holds_every_runtime_dependency_at_its_pinned_version():
    runtime, _ = declared()
    locked = pins(RUNTIME_LOCK)

    wrong = {name: (version, locked.get(name)) for name, version in map(pinned, runtime)
             if locked.get(name) != version}
    assert not wrong, f"pyproject.toml pins vs {RUNTIME_LOCK.name} (pinned, locked): {wrong}; run make lock"


def test_the_dev_lock_holds_every_dependency_at_its_pinned_version():
    runtime, dev = declared()
    locked = pins(DEV_LOCK)

    wrong = {name: (version, locked.get(name)) for name, version in map(pinned, runtime + dev)
             if locked.get(name) != version}
    assert not wrong, f"pyproject.toml pins vs {DEV_LOCK.name} (pinned, locked): {wrong}; run make lock"


def test_the_tests_run_the_versions_the_image_runs():
    runtime, dev = pins(RUNTIME_LOCK), pins(DEV_LOCK)

    different = {name: (version, dev.get(name)) for name, version in runtime.items()
                 if dev.get(name) != version}
    assert not different, f"runtime vs dev lock (runtime, dev): {different}; run make lock"

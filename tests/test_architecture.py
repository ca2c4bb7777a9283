"""The house stays as it is built: the import-linter contracts of pyproject.toml hold, they fail
on a forbidden import, and no production module imports inside a function to dodge a cycle."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["core", "audit", "agencies", "cases", "sharing", "notifications", "products", "work", "taxii",
            "fusionportal", "devtools"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root):
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def copy_of_the_tree(tmp_path_factory):
    """The packages and pyproject.toml, in a folder where a test may break them."""
    root = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        # core imports no domain app.
        ("core/handling.py", "from cases import models as _cases_models",
         "core imports no domain app BROKEN"),
        # The permission service may not reach up to the notifications built on it.
        ("sharing/permissions.py", "from notifications import services as _notifications",
         "Rooms are layered"),
        # The records may not know the pages.
        ("cases/models.py", "from cases import views as _views", "Rooms are layered"),
        # Production never imports the demo.
        ("agencies/services.py", "from devtools import demo as _demo",
         "Production imports no demo data or benchmark BROKEN"),
    ],
)
def test_a_forbidden_import_breaks_them(copy_of_the_tree, module, forbidden_import, contract):
    path = copy_of_the_tree / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{forbidden_import}  # noqa\n")
        result = lint_imports(copy_of_the_tree)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    assert contract in result.stdout, result.stdout


# Django's own pattern for registering signal receivers once the apps are ready.
ALLOWED_INNER_IMPORTS = {
    ("sharing/apps.py", "from . import tombstones"),
    ("sharing/apps.py", "from .permissions import remember_permission_ids"),
    ("agencies/apps.py", "from . import mfa, sessions, signins"),
    ("work/apps.py", "from . import signals"),
}


def test_no_import_hides_inside_a_function():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = str(path.relative_to(ROOT))
            for function in ast.walk(ast.parse(path.read_text())):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        statement = ast.unparse(node)
                        if (relative, statement) not in ALLOWED_INNER_IMPORTS:
                            found.append(f"{relative}:{node.lineno}: {statement}")
    assert found == [], "\n".join(found)

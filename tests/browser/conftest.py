"""Browser tests: Playwright for Python driving a real Chromium against a live server.

Reusable fixtures for every browser test of the portal:

- `portal`: the base URL of a live server (pytest-django's `live_server`, over plain HTTP on
  localhost, with the production redirect to HTTPS turned off for it). Using it makes the test
  transactional: what the test writes is committed, so the server thread sees it.
- `browser`: one Chromium per test module. Debian's `/usr/bin/chromium` when present
  (CI installs it; see .ci/run), else `$CHROMIUM_PATH`, else Playwright's own download. If
  none can be launched, the test fails and names what is missing: never a skip.
- `open_page(user=None, width=1366, height=900, javascript=True)`: a fresh browser context and
  page; with a user, logged in through the real log-in form (the system-use notice
  acknowledged); `javascript=False` checks that a page works without it. Every
  console error and uncaught page error fails the test at teardown, unless the test said it
  expects one with `page.allow_console_error(pattern)` (e.g. the 404 an outsider must get).
- `screenshot(page, name)`: a full-page PNG in test-artifacts/<test name>/ (git-ignored), and
  an accessibility check of the page as photographed: axe-core (tests/browser/vendor/axe-core,
  from the npm registry) runs in it, and a serious or critical violation on any page fails the
  test at teardown, naming the page, the rule and the elements. Pages without JavaScript are
  photographed unchecked (axe runs in the page).

Example:

    def test_case_page(portal, open_page, screenshot, trafficking_case, analyst_fl):
        page = open_page(analyst_fl)
        page.goto(f"{portal}/cases/{trafficking_case.pk}/")
        screenshot(page, "case")
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.test.utils import override_settings

from tests.conftest import PASSWORD, authenticator_of, next_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]


def find_chromium():
    """The Chromium to drive: $CHROMIUM_PATH, Debian's, or None for Playwright's own."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            pytest.fail(f"CHROMIUM_PATH={configured} is not an executable file.", pytrace=False)
        return configured
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


@pytest.fixture(scope="module")
def playwright_driver():
    """Playwright for one test module. Its sync API runs an event loop in this thread while it
    is open, which Django takes for an async context: the ORM calls a browser test makes
    between steps are plain synchronous calls, so they are allowed for this module only, and
    the loop is closed before the next module's tests run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The browser tests need the Python package `playwright` (pip install -e '.[dev]').",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver):
    from playwright.sync_api import Error as PlaywrightError

    executable = find_chromium()
    try:
        chromium = playwright_driver.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
    except PlaywrightError as error:
        where = executable or "Playwright's own Chromium (none of " + ", ".join(
            CHROMIUM_CANDIDATES) + " exists)"
        pytest.fail(
            f"Cannot start Chromium for the browser tests: {where}.\n"
            "Install Debian's chromium (apt-get install chromium), set CHROMIUM_PATH, or run "
            f"`playwright install chromium`.\nPlaywright said: {str(error).splitlines()[0]}",
            pytrace=False,
        )
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def _plain_http_settings():
    """The live server speaks plain HTTP on localhost: no redirect to HTTPS, no secure-only
    cookies. Enabled before the server starts, since middleware reads settings once."""
    override = override_settings(
        SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture
def portal(_plain_http_settings, live_server):
    """The live server's base URL, e.g. http://localhost:41234 (no trailing slash)."""
    return live_server.url


class ConsoleWatch:
    """Collects console errors and page errors of one page; some may be declared expected."""

    def __init__(self, page):
        self.errors = []
        self.allowed = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def unexpected(self):
        return [e for e in self.errors if not any(re.search(p, e) for p in self.allowed)]


@pytest.fixture
def open_page(browser, portal):
    contexts = []

    def make(user=None, *, width=1366, height=900, javascript=True):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=portal,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.javascript = javascript
        watch = ConsoleWatch(page)
        page.console_watch = watch
        page.allow_console_error = watch.allowed.append
        contexts.append((context, watch))
        if user is not None:
            log_in(page, user)
        return page

    yield make
    problems = []
    for context, watch in contexts:
        problems += watch.unexpected()
        context.close()
    if problems:
        pytest.fail("The browser reported errors:\n  " + "\n  ".join(problems), pytrace=False)


def log_in(page, user, password=PASSWORD, *, second_factor=True):
    """Log in through the form, acknowledging the system-use notice (CJIS AC-8), then type the
    code of the actor's authenticator app (tests/conftest.py authenticator_of), computed now.
    `second_factor=False` stops at the second-factor step."""
    device = authenticator_of(user) if second_factor else None
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_label(re.compile("consent to monitoring")).check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
    if device is not None:
        page.get_by_label(re.compile("Code from your authenticator app")).fill(next_code(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"^(?!.*/(login|mfa)/).*$"))


AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The impacts that fail a test; "moderate" and "minor" ones are printed, not failed.
AXE_FAILING = ("serious", "critical")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


def accessibility_violations(page):
    """axe-core's violations on the page as it is now: [{id, impact, help, targets}]. axe is
    evaluated through the browser's debugging protocol, which the page's Content-Security-Policy
    does not govern, and leaves no element in the page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate(AXE_RUN)


@pytest.fixture
def screenshot(request):
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    taken = []
    failing = []

    def shoot(page, name, *, accessibility=True):
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        # caret="initial": hiding the caret makes Playwright add a style element to the page,
        # which the portal's Content-Security-Policy refuses (a console error).
        page.screenshot(path=str(path), full_page=True, caret="initial")
        taken.append(path)
        if accessibility and page.context.pages and getattr(page, "javascript", True):
            for violation in accessibility_violations(page):
                line = (f"{name} ({page.url}): {violation['impact']} {violation['id']}: "
                        f"{violation['help']} at {', '.join(violation['targets'])}")
                if violation["impact"] in AXE_FAILING:
                    failing.append(line)
                else:
                    print("accessibility (not failed):", line)
        return path

    yield shoot
    if failing:
        pytest.fail("axe-core found serious or critical accessibility violations:\n  "
                    + "\n  ".join(failing), pytrace=False)


def click_graph_node(page, graph, kind):
    """Click the first node of `kind` on the link graph's canvas (as a person would: selecting
    a node expands it by one hop)."""
    graph.locator(".graph-canvas").scroll_into_view_if_needed()
    node = page.evaluate(
        "(kind) => { const n = window.fusionGraph.nodes(`[kind = \"${kind}\"]`)[0];"
        " const p = n.renderedPosition(); return {x: p.x, y: p.y}; }", kind)
    box = graph.locator(".graph-canvas").bounding_box()
    page.mouse.click(box["x"] + node["x"], box["y"] + node["y"])

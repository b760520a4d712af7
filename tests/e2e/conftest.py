"""Browser end-to-end fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here; the tests use /usr/bin/chromium and are skipped when it is absent,
unless NQI_REQUIRE_E2E=1 (CI), where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from nqi.core import workdays
from nqi.testing import PASSWORD

CHROMIUM = Path(os.environ.get("NQI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI and containers run as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Counts the page's XHRs in flight and remembers the last typing or network activity. htmx sends debounced
# requests (the request form's routing suggestions fire 600 ms after typing); on the SQLite in-memory test DB
# the live server's threads share one connection, so a suggestion racing a form post can fail with "table is
# locked". settle() waits until the page is quiet before the test submits.
NETWORK_WATCH = """
(() => {
  const net = window.__nqiNet = { inflight: 0, last: performance.now() };
  const touch = () => { net.last = performance.now(); };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    net.inflight += 1; touch();
    this.addEventListener("loadend", () => { net.inflight -= 1; touch(); });
    return send.apply(this, args);
  };
  document.addEventListener("input", touch, true);
  document.addEventListener("change", touch, true);
})();
"""
QUIET_MS = 900  # longer than the longest htmx debounce in the templates (600 ms)
SHOTS_DIR = Path(os.environ.get("NQI_E2E_SHOTS", "/tmp/e2e-shots"))
TIMEOUT_MS = 15_000


def _e2e_required() -> bool:
    return os.environ.get("NQI_REQUIRE_E2E") == "1"


MISSING_BROWSER = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the e2e tests"


def pytest_collection_modifyitems(config, items):
    # Skip before any test database is built; under NQI_REQUIRE_E2E the browser fixture fails instead.
    if CHROMIUM.exists() or _e2e_required():
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=MISSING_BROWSER))


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module.

    While Playwright's sync API is open, the test thread shows a running asyncio loop: Django then refuses ORM
    calls (the tests' own set-up and checks, and the flush after each test) unless DJANGO_ALLOW_ASYNC_UNSAFE is
    set, and asyncio.run / async_to_sync fail outright. So the loop and the variable live only as long as the
    module's tests, never leaking into the rest of the suite."""
    if not CHROMIUM.exists():
        pytest.fail(f"NQI_REQUIRE_E2E=1 but {MISSING_BROWSER}", pytrace=False)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def reference_data(transactional_db):
    """The seven service lines, as the core data migration creates them (a transactional test's flush removes
    them). Serialized rollback was tried first: restoring the whole serialized database failed on foreign keys
    whenever other database tests had run before."""
    import importlib

    from nqi.core.models import ServiceLine

    seed = importlib.import_module("nqi.core.migrations.0002_service_lines")
    for order, (code, name, accept, turnaround) in enumerate(seed.LINES):
        ServiceLine.objects.update_or_create(code=code, defaults={
            "name": name, "accept_working_days": accept, "default_turnaround_days": turnaround,
            "sort_order": order})


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """The same isolation as the unit tests: tasks run inline, mail stays in memory, uploads in a temp dir.
    The live server runs in this process, so it sees these settings too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Each walkthrough hashes and checks several passwords; the production hasher would spend seconds on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The routing suggestions train their first model on first use; a small synthetic set (as in the routing
    # app's own tests) keeps that to a moment, and no model cached from an earlier, flushed test is reused.
    settings.NQI_ROUTING_MIN_SAMPLES = 400
    settings.NQI_ROUTING_REFRESH_SECONDS = 0
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user) -> a page in a fresh browser context (own cookies), logged in through the login page.
    The browser asks for Chinese first, like the bureau's users do."""
    contexts = []

    def _open(user):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                      base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(NETWORK_WATCH)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")  # LOGIN_REDIRECT_URL: the role's home page
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def menu():
    """menu(page, group, item): open the top navigation's `group` dropdown and follow its `item` link."""

    def _menu(page, group, item):
        nav = page.locator("nav")
        nav.get_by_role("button", name=group).or_(nav.get_by_role("link", name=group)).click()
        nav.get_by_role("link", name=item).click()

    return _menu


@pytest.fixture
def shot():
    """shot(page, name): a full-page screenshot into SHOTS_DIR, for a human to look at the pages."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)

    def _shot(page, name):
        page.screenshot(path=str(SHOTS_DIR / f"{name}.png"), full_page=True)

    return _shot


@pytest.fixture
def settle():
    """settle(page): wait until no XHR is in flight and nothing was typed or fetched for QUIET_MS."""

    def _settle(page):
        page.wait_for_function(
            f"() => window.__nqiNet.inflight === 0 && performance.now() - window.__nqiNet.last > {QUIET_MS}",
            polling=100)

    return _settle

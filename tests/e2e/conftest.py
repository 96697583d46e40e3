"""Browser journeys: the app served in-process on a free port with the demo community,
driven by Playwright in Debian's headless Chromium.

Skipped when /usr/bin/chromium is missing, unless CHARITY_E2E_REQUIRED=1 (CI sets it, so
a missing browser fails the run instead of passing silently). Screenshots go to
tests/e2e/artifacts/ (git-ignored).
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHARITY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _closing(app):
    """Read each response whole and close it before werkzeug writes it.

    When the browser drops a connection (it does for cached static files), werkzeug's
    dev server can fail while draining the socket and skip closing the response, leaving
    the static file open; the ResourceWarning then fails whichever test runs next.
    """
    def wrapped(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
    return wrapped


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from charity import create_app, demo
    from charity.cli import upgrade_to_head
    from charity.extensions import db

    base = tmp_path_factory.mktemp("live")
    os.environ["CHARITY_INSTANCE_PATH"] = str(base / "instance")
    app = create_app({"DATABASE_URL": f"sqlite:///{base / 'live.sqlite'}",
                      "SECRET_KEY": "e2e-secret", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      # The server thread's request lines would interleave with pytest's dots.
                      "LOG_LEVEL": "WARNING"})
    os.environ.pop("CHARITY_INSTANCE_PATH")
    with app.app_context():
        upgrade_to_head()
        demo.load()
        db.session.commit()
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CHARITY_E2E_REQUIRED") == "1":
            pytest.fail(f"{CHROMIUM} is missing and CHARITY_E2E_REQUIRED=1")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


class Watched:
    """A page whose console errors (a CSP violation, a script error) fail the test."""

    def __init__(self, page):
        self.page = page
        self.errors = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("response", self._response)

    def _console(self, msg):
        # A page answered with 401 or 422 on purpose also logs "Failed to load resource";
        # failed sub-resources are caught by _response instead.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(msg.text)

    def _response(self, response):
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")

    def shot(self, name):
        """Save a screenshot of the whole page.

        Not with ``full_page=True``: Chromium takes that by resizing the view and then
        restores the scroll position a moment later, later still on a busy machine. A
        click sent in between is split: the mouse goes down on the button, the page
        scrolls, and it comes up on another element, so the form is never submitted
        (the old flakes at "草稿" in the teams journey and "8.00" in the grants journey,
        both right after a phone shot; the server log showed no POST). Instead the
        viewport is made as tall as the page and put back, which Playwright waits for.
        """
        page = self.page
        size = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        if height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": height})
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        finally:
            if height > size["height"]:
                page.set_viewport_size(size)


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_(viewport=DESKTOP, locale="zh-CN"):
        context = browser.new_context(viewport=viewport, locale=locale, base_url=live_server)
        contexts.append(context)
        return Watched(context.new_page())

    yield open_
    for context in contexts:
        context.close()


def sign_in(watched, username, password="dongyi2026"):
    page = watched.page
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    click_through(page, "form[action='/login'] button[type=submit]")


def click_through(page, target):
    """Click ``target`` (a selector, or a locator of ``page``) and wait until the page it
    leads to has loaded.

    ``click`` followed by ``wait_for_load_state()`` is racy: the old page is already
    loaded, so the wait can return before the browser has even started the navigation, and
    the next line reads the old page. ``expect_navigation`` waits for the new document.
    """
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()


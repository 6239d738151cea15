"""Fixtures of the browser test: the built site, a local server, Chromium
(see browser_env.py), and a fresh browser context per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser_env import AXE_JS, AXE_VERSION, CHROMIUM_ARGS, ROOT, SITE, SiteServer, in_ci, require_browser
from site_checks import DESKTOP, PHONE, mode_script


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; built with jupyter-book if it is missing."""
    if not (SITE / "index.html").is_file():
        jb = Path(sys.executable).with_name("jupyter-book")
        subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"], cwd=ROOT, check=True)
    return SITE


@pytest.fixture(scope="session")
def server(site):
    with SiteServer(site) as srv:
        yield srv


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: a temporary folder (never the repository),
    or SOFTMAX_BOOK_SCREENSHOTS; its path is printed at the end of the run."""
    wanted = os.environ.get("SOFTMAX_BOOK_SCREENSHOTS")
    shots = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    for sub in ("desktop", "phone", "desktop-dark", "phone-dark"):
        shutil.rmtree(shots / sub, ignore_errors=True)
    yield shots
    print(f"\nScreenshots of every page: {shots}")


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe-core's script, pinned and installed by the Makefile (make axe)."""
    path = Path(os.environ.get("SOFTMAX_BOOK_AXE", AXE_JS))
    if not path.is_file():
        message = f"axe-core is missing at {path}: run `make axe` (npm pack axe-core@{AXE_VERSION})"
        if in_ci():
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    chromium, sync_playwright = require_browser()
    with sync_playwright() as pw:
        # Playwright gives the browser a fresh temporary profile; each test
        # then opens its own context (no cookies, no local storage).
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _context(browser, viewport):
    return browser.new_context(viewport=viewport, device_scale_factor=1,
                               service_workers="block", accept_downloads=False)


@pytest.fixture
def desktop(browser):
    """A fresh context (no cookies, no stored theme mode) at desktop width."""
    ctx = _context(browser, DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture
def desktop_dark(browser):
    """Desktop width, the theme's dark mode chosen before the page loads."""
    ctx = _context(browser, DESKTOP)
    ctx.add_init_script(mode_script("dark"))
    yield ctx
    ctx.close()


@pytest.fixture
def phone_dark(browser):
    ctx = _context(browser, PHONE)
    ctx.add_init_script(mode_script("dark"))
    yield ctx
    ctx.close()


@pytest.fixture
def phone(browser):
    """A fresh context at a phone's width (390 CSS px)."""
    ctx = _context(browser, PHONE)
    yield ctx
    ctx.close()

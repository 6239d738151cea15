"""Fixtures of the browser test: the built site, a local server, Chromium
(see browser_env.py), and a fresh browser context per test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser_env import CHROMIUM_ARGS, ROOT, SHOTS, SITE, SiteServer, require_browser
from site_checks import DESKTOP, PHONE


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
def screenshots() -> Path:
    for sub in ("desktop", "phone"):
        shutil.rmtree(SHOTS / sub, ignore_errors=True)
    return SHOTS


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
def phone(browser):
    """A fresh context at a phone's width (390 CSS px)."""
    ctx = _context(browser, PHONE)
    yield ctx
    ctx.close()

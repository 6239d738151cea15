"""Where the browser test runs: the site's paths, the local server, Chromium.

The test drives the Chromium of the operating system (Debian's
``/usr/bin/chromium``, or the one named by ``SOFTMAX_BOOK_CHROMIUM``) through
Playwright's Python package; it never downloads a browser. Without Chromium
the browser tests skip, with a message saying how to enable them, except in
CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
#: axe-core, pinned; the Makefile's `axe` target installs it beside the venv.
AXE_VERSION = "4.14.1"
AXE_JS = ROOT / ".venv" / "share" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
CHROMIUM = os.environ.get("SOFTMAX_BOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_ENABLE = (
    "To run the browser test of the site, install Chromium (Debian/Ubuntu: "
    "`sudo apt-get install chromium`) or point SOFTMAX_BOOK_CHROMIUM at a Chromium/Chrome executable."
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _missing_browser(message: str):
    if in_ci():
        pytest.fail(f"CI=true: the browser test must run, but {message}", pytrace=False)
    pytest.skip(message)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".ipynb": "application/x-ipynb+json", ".svg": "image/svg+xml",
                      ".js": "text/javascript", ".woff": "font/woff", ".woff2": "font/woff2"}

    def log_message(self, format, *args):  # noqa: A002 - keep pytest's output clean
        pass


class _GzipHandler(_QuietHandler):
    """Sends text files gzip-compressed, as a real web server would (the
    page-weight budgets are for compressed transfers)."""

    COMPRESS = (".html", ".js", ".css", ".svg", ".json", ".txt", ".ipynb", ".woff")

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if (not path.endswith(self.COMPRESS) or not os.path.isfile(path)
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        import gzip
        import io

        with open(path, "rb") as f:
            body = gzip.compress(f.read(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class SiteServer:
    """Serves a directory on 127.0.0.1 on a free port, in a thread
    (``gzip=True``: text files compressed, as a production server sends them)."""

    def __init__(self, directory: Path, gzip: bool = False):
        handler = functools.partial(_GzipHandler if gzip else _QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def require_browser(chromium: str = CHROMIUM):
    """The path of Chromium and Playwright's ``sync_playwright``, or a skip
    saying how to enable the browser test (a failure when ``CI=true``)."""
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        _missing_browser(f"Chromium was not found at {chromium}. {HOW_TO_ENABLE}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_browser("Playwright's Python package is missing. Install it with "
                         "`pip install -r requirements.txt -c constraints.txt` (or `make`).")
    return chromium, sync_playwright

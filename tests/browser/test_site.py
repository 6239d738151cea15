"""The built site as a whole in a real browser (headless Chromium): search
in both editions, internal links, the site's root. The page-by-page checks
of both editions, widths and colour modes are in ``test_pages.py``.
"""

from __future__ import annotations

import re

import pytest
from browser_env import ROOT
from site_checks import (
    PageWatch,
    check_internal_links,
    check_search,
    page_path,
    report,
    toc_docnames,
)

pytestmark = pytest.mark.browser

DOCNAMES = toc_docnames(ROOT / "_toc.yml")
NOTEBOOKS = [d for d in DOCNAMES if (ROOT / f"{d}.ipynb").is_file()]


def _shot(screenshots, kind, page):
    return screenshots / kind / (page.replace("/", "__").removesuffix(".html") + ".png")


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


@pytest.mark.parametrize(("word", "expected"), [
    ("温度", "zh/book/03_temperature.html"),
    ("交叉熵", "zh/book/04_logistic_regression.html"),
])
def test_chinese_search_finds_the_chapter(desktop, server, site, screenshots, word, expected):
    """The Chinese edition's search splits Chinese into words (jieba): a
    reader who searches 温度 finds chapter 3, 交叉熵 chapter 4."""
    watch = PageWatch(server.base_url)
    watch.attach(desktop)
    tab = desktop.new_page()
    problems = check_search(tab, server.base_url, word, expected, search_page="zh/search.html")
    problems += watch.problems("zh/search.html")
    tab.screenshot(path=str(_shot(screenshots, "desktop", f"zh-search-{expected.rsplit('/', 1)[-1]}")))
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

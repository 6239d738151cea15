"""Tests of the browser test: deliberately broken pages must fail it, with a
message that names the page and the problem.

Each broken page is a copy of a real page of the built site with one defect
added, served with the rest of the site from a temporary directory; an
unmodified copy must pass, so each failure is the defect's doing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_env import SiteServer, require_browser
from site_checks import (
    PageWatch,
    check_download,
    check_internal_links,
    check_neighbours,
    check_page,
    check_phone,
    check_search,
    check_solution_toggles,
    open_page,
    page_facts,
)

pytestmark = pytest.mark.browser

MATH_STYLESHEET = re.compile(r'<link[^>]*_static/mathjax-chtml\.css[^>]*>')


class BrokenSite:
    """The built site, linked into a temporary directory, to which tests add
    broken copies of its pages."""

    def __init__(self, site: Path, root: Path):
        self.site, self.root = site, root
        for entry in site.iterdir():
            if entry.name != "book":
                (root / entry.name).symlink_to(entry)
        (root / "book").mkdir()
        for entry in (site / "book").iterdir():
            (root / "book" / entry.name).symlink_to(entry)
        # The smallest page with math (typeset at build time, with its
        # stylesheet) is the default base: quick to test.
        pages = [p for p in sorted((site / "book").glob("*.html"))
                 if MATH_STYLESHEET.search(html := p.read_text(encoding="utf-8")) and "<mjx-container" in html]
        assert pages, "no page of the site has math"
        self.base = min(pages, key=lambda p: p.stat().st_size).relative_to(site).as_posix()

    def write(self, name, source=None, *, add="", remove=None) -> str:
        """Copy ``source`` (default: the base page) to ``book/<name>.html`` with
        ``add`` inserted at the start of the article and every match of the
        regex ``remove`` deleted; returns the new page's name."""
        source = source or self.base
        html = (self.site / source).read_text(encoding="utf-8")
        if remove is not None:
            html, count = re.subn(remove, "", html)
            assert count, f"{remove!r} not found in {source}"
        marker = '<article class="bd-article">'
        assert marker in html
        html = html.replace(marker, marker + add, 1)
        page = f"book/{name}.html"
        (self.root / page).write_text(html, encoding="utf-8")
        return page


@pytest.fixture(scope="module")
def broken(site, tmp_path_factory):
    return BrokenSite(site, tmp_path_factory.mktemp("broken-site"))


@pytest.fixture(scope="module")
def broken_server(broken):
    with SiteServer(broken.root) as srv:
        yield srv


def desktop_problems(desktop, server, page, expected=None):
    watch = PageWatch(server.base_url)
    watch.attach(desktop)
    return [str(p) for p in check_page(desktop.new_page(), watch, server.base_url, page, expected)]


def phone_problems(phone, server, page):
    watch = PageWatch(server.base_url)
    watch.attach(phone)
    return [str(p) for p in check_phone(phone.new_page(), watch, server.base_url, page)]


def assert_reported(problems, page, *patterns):
    """Some problem names ``page`` and matches every regex of ``patterns``."""
    assert any(p.startswith(f"{page}: ") and all(re.search(pat, p) for pat in patterns) for p in problems), (
        f"expected a problem of {page} matching {patterns}, got {problems}"
    )


def test_an_unmodified_copy_passes(desktop, phone, broken, broken_server):
    page = broken.write("unmodified")
    assert desktop_problems(desktop, broken_server, page) == []
    assert phone_problems(phone, broken_server, page) == []


def test_an_unbalanced_dollar_dollar_fails(desktop, broken, broken_server):
    page = broken.write("unbalanced_math",
                        add=r"<p>The normaliser $$ \sum_j e^{z_j} is left open.</p>")
    assert_reported(desktop_problems(desktop, broken_server, page), page, r"raw TeX", r"\$\$")


def test_single_dollar_tex_left_raw_fails(desktop, broken, broken_server):
    page = broken.write("raw_inline_math", add=r"<p>Each $p_i$ is positive.</p>")
    assert_reported(desktop_problems(desktop, broken_server, page), page, r"raw TeX", r"\$p_i\$")


def test_math_without_its_stylesheet_fails(desktop, broken, broken_server):
    page = broken.write("no_math_stylesheet", remove=MATH_STYLESHEET)
    assert_reported(desktop_problems(desktop, broken_server, page), page, r"stylesheet did not load")


def test_math_left_as_tex_fails(desktop, broken, broken_server):
    """What a build that wrote TeX for the browser, with no MathJax, shows."""
    page = broken.write("untypeset_math",
                        add=r'<p>Each <span class="math notranslate nohighlight">\(p_i\)</span> is positive.</p>')
    problems = desktop_problems(desktop, broken_server, page)
    assert_reported(problems, page, r"math not typeset", r"p_i")
    assert_reported(problems, page, r"raw TeX", r"\\\(")


def test_math_typeset_in_the_browser_fails_in_ci(desktop, broken, broken_server, monkeypatch):
    """In CI the build must typeset the math (node and MathJax are installed)."""
    page = broken.write("browser_mathjax", add="<script>window.MathJax = {startup: {document: {}}}</script>")
    monkeypatch.setenv("CI", "true")
    assert_reported(desktop_problems(desktop, broken_server, page), page, r"MathJax typeset the math in the browser")


def test_a_missing_image_fails(desktop, broken, broken_server):
    page = broken.write("missing_image",
                        add='<figure><img src="../_images/no-such-figure.png" alt="gone"></figure>')
    problems = desktop_problems(desktop, broken_server, page)
    assert_reported(problems, page, r"image did not load", r"no-such-figure\.png")
    assert_reported(problems, page, r"HTTP 404", r"no-such-figure\.png")


def test_a_figure_too_small_to_read_fails(desktop, broken, broken_server):
    logo = "../_static/logo.svg"
    page = broken.write("tiny_figure",
                        add=f'<figure><img src="{logo}" alt="tiny" style="width:120px"></figure>')
    assert_reported(desktop_problems(desktop, broken_server, page), page, r"figure .*logo\.svg.* 120 px wide")


def test_a_cdn_script_fails(desktop, broken, broken_server):
    cdn = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
    page = broken.write("cdn_script", add=f'<script src="{cdn}"></script>')
    assert_reported(desktop_problems(desktop, broken_server, page), page,
                    r"request to a host other than the local server", re.escape(cdn))


def test_a_script_that_throws_fails(desktop, broken, broken_server):
    page = broken.write("throws", add="<script>softmaxNotDefined(1)</script>")
    assert_reported(desktop_problems(desktop, broken_server, page), page,
                    r"uncaught page error", r"softmaxNotDefined")


def test_a_console_error_fails(desktop, broken, broken_server):
    page = broken.write("console_error", add="<script>console.error('boom')</script>")
    assert_reported(desktop_problems(desktop, broken_server, page), page, r"console error: boom")


def test_the_duplicated_thebe_script_fails(desktop, broken, broken_server):
    """What dedupe_scripts.py removes: sphinx-thebe's inline script twice."""
    html = (broken.site / broken.base).read_text(encoding="utf-8")
    thebe = re.search(r"<script>const THEBE_JS_URL.*?</script>", html).group()
    page = broken.write("thebe_twice", add=thebe)
    assert_reported(desktop_problems(desktop, broken_server, page), page,
                    r"uncaught page error", r"THEBE_JS_URL.*already been declared")


def test_a_wrong_next_link_is_reported(desktop, broken_server):
    tab = desktop.new_page()
    page = "book/index.html"
    open_page(tab, broken_server.base_url + page)
    problems = [str(p) for p in check_neighbours(page, page_facts(tab), broken_server.base_url,
                                                 (None, "book/99_missing.html"))]
    assert_reported(problems, page, r"next link leads to book/\S+\.html, _toc\.yml says book/99_missing\.html")


def test_a_page_wider_than_a_phone_fails(phone, broken, broken_server):
    page = broken.write("too_wide", add='<div id="wide-table" style="width:900px">x</div>')
    assert_reported(phone_problems(phone, broken_server, page), page, r"scrolls sideways", r"wide-table")


def test_navigation_unreachable_on_a_phone_fails(phone, broken, broken_server):
    """Without book/_static/sidebar-toggles.js the visible menu button does
    nothing (pydata-sphinx-theme#2451)."""
    page = broken.write("no_nav_fix", remove=r'<script src="[^"]*sidebar-toggles\.js[^"]*"></script>')
    assert_reported(phone_problems(phone, broken_server, page), page, r"navigation")


def test_a_solution_that_does_not_hide_fails(desktop, broken, broken_server):
    pages = [p for p in sorted((broken.site / "book").glob("*.html"))
             if 'class="solution dropdown' in p.read_text(encoding="utf-8")]
    if not pages:
        pytest.fail("no page of the site has a dropdown solution to break")
    source = min(pages, key=lambda p: p.stat().st_size).relative_to(broken.site).as_posix()
    page = broken.write("solution_without_toggle", source=source,
                        remove=r'<script src="[^"]*togglebutton\.js[^"]*"></script>')
    tab = desktop.new_page()
    open_page(tab, broken_server.base_url + page)
    count, problems = check_solution_toggles(tab, page)
    assert count >= 1
    assert_reported([str(p) for p in problems], page, r"shown before it is opened|no toggle button")


def test_broken_internal_links_are_reported(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "a.html").write_text(
        '<h1 id="top">A</h1><a href="b.html#there">ok</a><a href="b.html#nowhere">bad anchor</a>'
        '<a href="missing.html">bad page</a><a href="#top">ok</a><a href="#gone">bad local</a>'
        '<img src="../_images/nope.png"><a href="https://example.org/">external, not checked</a>',
        encoding="utf-8")
    (tmp_path / "book" / "b.html").write_text('<p id="there">B</p><a href="a.html">ok</a>', encoding="utf-8")
    checked, problems = check_internal_links(tmp_path)
    problems = [str(p) for p in problems]
    assert checked == 7
    assert len(problems) == 4, problems
    assert_reported(problems, "book/a.html", r"no element with id 'nowhere' in book/b\.html")
    assert_reported(problems, "book/a.html", r"book/missing\.html does not exist")
    assert_reported(problems, "book/a.html", r"no element with id 'gone' in book/a\.html")
    assert_reported(problems, "book/a.html", r"_images/nope\.png does not exist")


def test_without_chromium_a_reader_gets_a_skip_that_says_how_to_enable_it(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"not found at /nonexistent/chromium.*apt-get install chromium"):
        require_browser("/nonexistent/chromium")


@pytest.mark.parametrize("ci", ["true", "1"])
def test_without_chromium_ci_fails_instead_of_skipping(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=r"CI=true: the browser test must run, but Chromium was not found"):
        require_browser("/nonexistent/chromium")


def test_a_search_that_misses_the_chapter_fails(desktop, broken_server):
    tab = desktop.new_page()
    problems = [str(p) for p in check_search(tab, broken_server.base_url, "zyzzyvaqux", "book/index.html")]
    assert_reported(problems, "search.html", r"searching for 'zyzzyvaqux' does not list book/index\.html")


def test_a_download_that_is_not_there_fails(desktop, broken, broken_server):
    notebooks = [p for p in sorted((broken.site / "book").glob("*.html"))
                 if re.search(r'href="\.\./_sources/book/[^"]+\.ipynb"', p.read_text(encoding="utf-8"))]
    if not notebooks:
        pytest.fail("no page of the site offers a .ipynb download to break")
    source = min(notebooks, key=lambda p: p.stat().st_size).relative_to(broken.site).as_posix()
    html = (broken.site / source).read_text(encoding="utf-8")
    html = re.sub(r'href="\.\./_sources/book/[^"]+\.ipynb"', 'href="../_sources/book/gone.ipynb"', html)
    page = "book/download_gone.html"
    (broken.root / page).write_text(html, encoding="utf-8")
    tab = desktop.new_page()
    open_page(tab, broken_server.base_url + page)
    problems = [str(p) for p in check_download(tab, broken_server.base_url, page, 1)]
    assert_reported(problems, page, r"\.ipynb download _sources/book/gone\.ipynb gives HTTP 404")


def _edition_problems(desktop, server, page):
    from test_pages import check_edition

    tab = desktop.new_page()
    open_page(tab, server.base_url + page)
    return [str(p) for p in check_edition(tab, page, server.base_url)]


def test_a_page_without_its_language_switch_fails(desktop, broken, broken_server):
    page = broken.write("no_language_switch", remove=r'<a class="btn btn-sm language-switch"[^>]*>.*?</a>')
    assert_reported(_edition_problems(desktop, broken_server, page), page, r"no language switch")


def test_a_language_switch_to_another_page_fails(desktop, broken, broken_server):
    page = broken.write("wrong_language_switch")
    problems = _edition_problems(desktop, broken_server, page)
    # The copy's switch still leads to the Chinese twin of the page it was copied from.
    assert_reported(problems, page, r"language switch leads to .*expected zh/book/wrong_language_switch\.html")


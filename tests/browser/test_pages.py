"""Every page of both editions, English and Chinese (``zh/``), in a real
browser (headless Chromium), at a desktop's and a phone's width, in light and
dark mode.

One load per page and width: the checks of one colour mode run, then the
page switches to the other mode as the theme's own button does (the
``data-theme`` attribute and the stored choice) and the colour-dependent
checks run again. The desktop loads in light mode and switches to dark; the
phone loads in dark mode (chosen before the page loads) and switches to light,
so both ways of arriving in dark mode are covered.

- desktop: no console error, failed or off-host request; math typeset;
  figures shown and readable (chart text >= 12 CSS px, real alt text);
  previous/next links in reading order; the language switch leads to the same
  page in the other edition; every solution opens; a chapter's download menu
  gives its notebook; axe-core finds no critical or serious violation (every
  rule in light mode, the colour rules again in dark mode);
- phone: no sideways scroll; the navigation opens; chart text >= 9 CSS px;
- Chinese pages: ``lang="zh-CN"``, and their text drawn in a CJK font (no tofu).

Screenshots of every page in both modes at both widths go to a temporary
folder (printed at the end), the first screen of each page; with
``SOFTMAX_BOOK_FULL_SCREENSHOTS=1`` the whole page (slower: ~4 s a chapter).
"""

from __future__ import annotations

import contextlib
import json
import os

import pytest
from browser_env import ROOT, SITE
from site_checks import (
    DESKTOP,
    PHONE,
    PageWatch,
    Problem,
    check_alt_text,
    check_axe,
    check_download,
    check_figure_text,
    check_images,
    check_math,
    check_neighbours,
    check_phone_navigation,
    check_solution_toggles,
    expected_neighbours,
    figure_facts,
    mode_script,
    open_page,
    page_facts,
    page_path,
    report,
    run_axe,
    smallest_font_pt,
    toc_docnames,
    unique,
)

pytestmark = pytest.mark.browser

DOCNAMES = toc_docnames(ROOT / "_toc.yml")
EDITIONS = ("", "zh/")
BASE_PAGES = [page_path(d) for d in DOCNAMES] + ["genindex.html", "search.html"]
PAGES = [edition + page for edition in EDITIONS for page in BASE_PAGES]
NOTEBOOKS = {page_path(d): d for d in DOCNAMES if (ROOT / f"{d}.ipynb").is_file()}
NEIGHBOURS = {
    edition + page: tuple(edition + n if n else None for n in pair)
    for edition in EDITIONS
    for page, pair in expected_neighbours(DOCNAMES).items()
}
FONT_PT = smallest_font_pt()
FULL = os.environ.get("SOFTMAX_BOOK_FULL_SCREENSHOTS") == "1"
#: axe-core's rules whose result depends on colours: run again after the switch.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def _shot(screenshots, kind, page):
    path = screenshots / kind / (page.replace("/", "__").removesuffix(".html") + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _screenshot(tab, path):
    tab.screenshot(path=str(path), full_page=FULL)


def switch_mode(tab, mode: str) -> None:
    """What the theme's colour-mode button does; then wait for the restyle and
    for the theme's colour transitions to end (axe measured a half-faded
    colour once)."""
    tab.evaluate("""async mode => {
      localStorage.setItem('mode', mode); localStorage.setItem('theme', mode);
      document.documentElement.dataset.mode = mode; document.documentElement.dataset.theme = mode;
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
    }""", mode)


def _base(page: str) -> str:
    return page.removeprefix("zh/")


def check_edition(tab, page: str, base_url: str) -> list[Problem]:
    """The page's language, and its switch to the same page in the other edition."""
    zh = page.startswith("zh/")
    facts = tab.evaluate("""() => {
      const a = document.querySelector('a.language-switch');
      return {lang: document.documentElement.lang, href: a ? a.href : null,
              label: a ? a.textContent.trim() : null, visible: !!(a && a.offsetParent)};
    }""")
    found = []
    want_lang = "zh-CN" if zh else "en"
    if facts["lang"] != want_lang:
        found.append(Problem(page, f'<html lang="{facts["lang"]}">, expected "{want_lang}"'))
    other = _base(page) if zh else "zh/" + page
    if facts["href"] is None:
        found.append(Problem(page, "no language switch"))
    elif facts["href"].split("#")[0] != base_url + other:
        found.append(Problem(page, f"the language switch leads to {facts['href']}, expected {other}"))
    elif not facts["visible"]:
        found.append(Problem(page, "the language switch is not visible"))
    return found


_TOFU_JS = """
() => {
  // Two different Chinese characters drawn in the page's own font: where no
  // font has them, both are the same missing-glyph box ("tofu").
  const el = document.querySelector('article p, article li, h1') || document.body;
  const font = getComputedStyle(el).fontSize + ' ' + getComputedStyle(el).fontFamily;
  const draw = ch => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.font = font.replace(/^[\\d.]+px/, '48px'); g.fillStyle = '#000';
    g.fillText(ch, 4, 52);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
  };
  return {font, same: draw('温') === draw('熵'), blank: draw('温') === draw(' ')};
}
"""


def check_cjk_font(tab, page: str) -> list[Problem]:
    facts = tab.evaluate(_TOFU_JS)
    if facts["same"] or facts["blank"]:
        return [Problem(page, f"Chinese characters are not drawn in a CJK font ({facts['font']}): install "
                              "fonts-noto-cjk")]
    return []


@contextlib.contextmanager
def opened(browser, server, page: str, viewport: dict, mode: str):
    """A fresh context (no cookies, no stored mode) in ``mode`` at ``viewport``,
    watched for errors and off-host requests, with ``page`` loaded and settled."""
    ctx = browser.new_context(viewport=viewport, device_scale_factor=1, service_workers="block",
                              accept_downloads=False)
    ctx.add_init_script(mode_script(mode))
    try:
        watch = PageWatch(server.base_url)
        watch.attach(ctx)
        tab = ctx.new_page()
        open_page(tab, server.base_url + page)
        yield tab, watch
    finally:
        ctx.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_on_desktop(browser, server, screenshots, axe_js, page):
    with opened(browser, server, page, DESKTOP, "light") as (tab, watch):
        facts = page_facts(tab)
        problems = check_math(page, facts) + check_images(page, facts)
        if page in NEIGHBOURS:
            problems += check_neighbours(page, facts, server.base_url, NEIGHBOURS[page])
        figures = figure_facts(tab)
        problems += check_alt_text(page, figures)
        problems += check_figure_text(page, figures, "desktop", SITE, server.base_url, FONT_PT)
        problems += check_edition(tab, page, server.base_url)
        if page.startswith("zh/"):
            problems += check_cjk_font(tab, page)
        _screenshot(tab, _shot(screenshots, "desktop", page))
        problems += check_axe(page, run_axe(tab, axe_js), "light")
        switch_mode(tab, "dark")
        _screenshot(tab, _shot(screenshots, "desktop-dark", page))
        problems += check_axe(page, run_axe(tab, axe_js, rules=COLOUR_RULES), "dark")
        switch_mode(tab, "light")
        _, found = check_solution_toggles(tab, page)
        problems += found
        if _base(page) in NOTEBOOKS:
            docname = NOTEBOOKS[_base(page)]
            cells = len(json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))["cells"])
            problems += check_download(tab, server.base_url, page, cells)
        problems = unique(watch.problems(page) + problems)
    assert not problems, report(problems)


@pytest.mark.parametrize("page", PAGES)
def test_page_on_a_phone(browser, server, screenshots, page):
    with opened(browser, server, page, PHONE, "dark") as (tab, watch):
        problems = check_sideways(tab, page)
        _screenshot(tab, _shot(screenshots, "phone-dark", page))
        switch_mode(tab, "light")
        problems += check_sideways(tab, page)
        _screenshot(tab, _shot(screenshots, "phone", page))
        problems += check_figure_text(page, figure_facts(tab), "phone", SITE, server.base_url, FONT_PT)
        problems += check_phone_navigation(tab, page)
        problems = unique(watch.problems(page) + problems)
    assert not problems, report(problems)


def check_sideways(tab, page: str) -> list[Problem]:
    from site_checks import _PHONE_JS

    facts = tab.evaluate(_PHONE_JS)
    if facts["scrollX"] > 0:
        return [Problem(page, f"at {facts['width']} px the page scrolls sideways by {facts['scrollX']} px "
                              f"(sticking out: {'; '.join(facts['wide']) or '?'})")]
    return []


def test_every_page_has_its_chinese_twin(site):
    """The Chinese edition has every page of the English one, at the same path."""
    missing = [p for p in BASE_PAGES if not (site / "zh" / p).is_file()]
    assert not missing, f"pages missing from the Chinese edition (make book builds it): {missing}"

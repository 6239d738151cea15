"""Checks of the built site as a reader's browser sees it.

Every check is a plain function that returns a list of :class:`Problem`
(the page and what is wrong with it), so that the same function can be run
on the real site (``test_site.py``) and on deliberately broken pages
(``test_checks.py``). An empty list means the page passed.

The browser checks take a Playwright ``Page`` whose events were recorded by
:class:`PageWatch`; :func:`check_internal_links` needs no browser.
"""

from __future__ import annotations

import html.parser
import json
import os
import posixpath
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

#: Desktop and phone viewports (CSS pixels).
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: A figure (an image in a figure or a cell's output) narrower than this on a
#: desktop screen is too small to read.
MIN_FIGURE_WIDTH = 300

#: How long a page may take to load, typeset and settle (ms).
TIMEOUT_MS = 20_000
#: How long a click may take to show what it opens (ms); generous, for a busy machine.
UI_TIMEOUT_MS = 5_000


@dataclass(frozen=True)
class Problem:
    page: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}: {self.problem}"


def unique(problems: list[Problem]) -> list[Problem]:
    """The problems without repeats (a missing image is requested twice)."""
    return list(dict.fromkeys(problems))


def report(problems: list[Problem]) -> str:
    """One line per problem, for an assertion message."""
    return f"{len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)


# --------------------------------------------------------------------------
# The table of contents
# --------------------------------------------------------------------------


def toc_docnames(toc_path: Path) -> list[str]:
    """The book's pages in reading order: the root, then every ``file:``.

    Reads jupyter-book's ``_toc.yml`` (``root``, ``parts``/``chapters``/
    ``sections``, any depth), so chapters added later are covered.
    """
    import yaml  # PyYAML comes with jupyter-book

    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    names = [_strip_suffix(toc["root"])]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                names.append(_strip_suffix(node["file"]))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for key in ("parts", "chapters", "sections"):
        walk(toc.get(key, []) or [])
    return names


def _strip_suffix(name: str) -> str:
    for suffix in (".ipynb", ".md", ".rst"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def page_path(docname: str) -> str:
    """The page of a docname, relative to the site's root."""
    return f"{docname}.html"


def expected_neighbours(docnames: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """(previous, next) page of each page in reading order."""
    pages = [page_path(d) for d in docnames]
    return {
        page: (pages[i - 1] if i > 0 else None, pages[i + 1] if i + 1 < len(pages) else None)
        for i, page in enumerate(pages)
    }


# --------------------------------------------------------------------------
# Browser checks
# --------------------------------------------------------------------------


@dataclass
class PageWatch:
    """Records what a reader would not see but a broken page does: console
    errors, uncaught exceptions, failed requests, HTTP errors, and requests
    to any host but the local server (which are aborted, and reported).

    Attach it to a browser context with :meth:`attach` before opening pages.
    """

    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.route(lambda url: not self._is_local(url), self._block)
        context.on("page", self._watch_page)

    def _is_local(self, url: str) -> bool:
        return url.startswith(self.base_url) or url.startswith(("data:", "blob:", "about:"))

    def _block(self, route) -> None:
        self.foreign_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def _watch_page(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc).splitlines()[0]))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            self.console_errors.append(msg.text + (f" (at {where})" if where else ""))

    def _on_request_failed(self, request) -> None:
        if self._is_local(request.url):  # foreign ones are reported as such
            self.failed_requests.append(f"{request.url} ({request.failure})")

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.http_errors.append(f"HTTP {response.status} for {response.url}")

    def clear(self) -> None:
        for name in ("console_errors", "page_errors", "failed_requests", "http_errors", "foreign_requests"):
            getattr(self, name).clear()

    def problems(self, page: str) -> list[Problem]:
        found = []
        found += [Problem(page, f"console error: {m}") for m in self.console_errors]
        found += [Problem(page, f"uncaught page error: {m}") for m in self.page_errors]
        found += [Problem(page, f"failed request: {m}") for m in self.failed_requests]
        found += [Problem(page, m) for m in self.http_errors]
        found += [
            Problem(page, f"request to a host other than the local server (blocked): {u}")
            for u in self.foreign_requests
        ]
        return unique(found)


def open_page(page, url: str) -> None:
    """Load a page and wait until it has settled: scripts run, every image
    decoded, web fonts loaded (and MathJax typeset, if the build left the math
    to the browser)."""
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    # Sections far from the screen are not laid out or painted until a reader
    # scrolls to them (custom.css: content-visibility). The checks measure every
    # section as it is drawn then: its overflow, its colours for axe, its
    # figures' text, and the full-page screenshot.
    page.add_style_tag(content=RENDER_ALL_CSS)
    page.evaluate(_SETTLE_JS)
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except Exception:  # a page that never idles is caught by the other checks
        pass


RENDER_ALL_CSS = "section { content-visibility: visible !important; }"

_SETTLE_JS = """
async () => {
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  await Promise.all([...document.images].map(img => {
    img.loading = 'eager';
    return img.decode().catch(() => null);
  }));
  await document.fonts.ready;
}
"""

_PAGE_FACTS_JS = """
() => {
  const math = [...document.querySelectorAll('.math')];
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll(
    'pre, code, kbd, samp, script, style, template, textarea, noscript, '
    + 'mjx-container, .highlight, .MathJax'
  ).forEach(e => e.remove());
  const image = img => {
    const box = img.getBoundingClientRect();
    return {
      src: img.getAttribute('src') || '',
      url: img.currentSrc || img.src,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      width: box.width,
      visible: box.width > 0 && box.height > 0,
      figure: !!img.closest('figure, .cell_output, .output, .figure'),
    };
  };
  const link = sel => { const a = document.querySelector(sel); return a ? a.href : null; };
  return {
    mathCount: math.length,
    // MathJax in the browser (the build's fallback), and whether the math's
    // stylesheet reached the page: MathJax draws each glyph as CSS content.
    mathjax: !!(window.MathJax && window.MathJax.startup && window.MathJax.startup.document),
    mathStyled: (() => {
      const c = document.querySelector('mjx-container mjx-c');
      const content = c ? getComputedStyle(c, '::before').content : 'none';
      return !!content && content !== 'none' && content !== 'normal';
    })(),
    untypeset: math.filter(e => !e.querySelector('mjx-container'))
                   .map(e => e.textContent.trim().slice(0, 80)),
    mathErrors: [...document.querySelectorAll('mjx-merror')]
                   .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)),
    text: clone.textContent,
    images: [...document.images].map(image),
    prev: link('a.left-prev'),
    next: link('a.right-next'),
  };
}
"""

#: TeX that should have been typeset: $$, \\( \\) \\[ \\], a TeX command, or
#: a $...$ pair around something that does not start with a digit or space.
RAW_TEX = re.compile(
    r"\$\$|\\[()\[\]]|\\[A-Za-z]{2,}\b|\$[^\s$\d][^$\n]{0,200}?\$"
)


def page_facts(page) -> dict:
    return page.evaluate(_PAGE_FACTS_JS)


def check_math(name: str, facts: dict) -> list[Problem]:
    """Every math element is typeset, without errors, and drawn with MathJax's
    stylesheet; no raw TeX is left in the text a reader sees. In CI the math
    must come typeset from the build (``book/_ext/static_math.py``): MathJax
    running in the page means the build fell back to the browser."""
    found = []
    if facts["mathCount"] and not facts["untypeset"] and not facts["mathStyled"]:
        found.append(Problem(name, "the math is typeset but its stylesheet did not load (mathjax-chtml.css)"))
    if facts["mathCount"] and facts["mathjax"] and os.environ.get("CI"):
        found.append(Problem(name, "MathJax typeset the math in the browser: the build could not "
                                   "(node or MathJax's node package missing; see book/_ext/static_math.py)"))
    for tex in facts["untypeset"][:5]:
        found.append(Problem(name, f"math not typeset: {tex!r}"))
    for err in facts["mathErrors"][:5]:
        found.append(Problem(name, f"MathJax error: {err!r}"))
    text = re.sub(r"\s+", " ", facts["text"])
    for match in list(RAW_TEX.finditer(text))[:5]:
        start, end = max(match.start() - 30, 0), min(match.end() + 30, len(text))
        found.append(Problem(name, f"raw TeX in the text: {match.group()!r} in {text[start:end]!r}"))
    return found


def check_images(name: str, facts: dict, min_figure_width: int = MIN_FIGURE_WIDTH) -> list[Problem]:
    """Every image loaded; every figure is at least ``min_figure_width`` wide."""
    found = []
    for img in facts["images"]:
        if not img["complete"] or img["naturalWidth"] == 0:
            found.append(Problem(name, f"image did not load: {img['src']!r}"))
        elif img["figure"] and img["visible"] and img["width"] < min_figure_width:
            found.append(
                Problem(name, f"figure {img['src']!r} is {img['width']:.0f} px wide, "
                              f"less than {min_figure_width} px")
            )
    return found


def check_neighbours(name: str, facts: dict, base_url: str,
                     expected: tuple[str | None, str | None]) -> list[Problem]:
    """The previous/next links lead where ``_toc.yml`` says."""
    found = []
    for label, got, want in (("previous", facts["prev"], expected[0]), ("next", facts["next"], expected[1])):
        want_url = base_url + want if want else None
        got_url = got.split("#")[0] if got else None
        if got_url != want_url:
            found.append(Problem(name, f"{label} link leads to {_rel(got_url, base_url)}, "
                                       f"_toc.yml says {want or 'none'}"))
    return found


def _rel(url: str | None, base_url: str) -> str:
    if url is None:
        return "nowhere"
    return url[len(base_url):] if url.startswith(base_url) else url


def check_page(page, watch: PageWatch, base_url: str, name: str,
               expected: tuple[str | None, str | None] | None = None,
               screenshot: Path | None = None) -> list[Problem]:
    """Every desktop check of one page (``name`` relative to ``base_url``)."""
    watch.clear()
    open_page(page, base_url + name)
    facts = page_facts(page)
    found = check_math(name, facts) + check_images(name, facts)
    if expected is not None:
        found += check_neighbours(name, facts, base_url, expected)
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    return unique(watch.problems(name) + found)


_PHONE_JS = """
() => {
  const de = document.documentElement;
  window.scrollTo(10000, 0);
  const scrollX = window.scrollX;
  window.scrollTo(0, 0);
  const width = de.clientWidth;
  // What makes the page scroll sideways: the innermost boxes, not inside a
  // scrolling or clipping box, that reach past the screen's right edge, by
  // themselves or by content (a long word, a URL) overflowing them.
  const clipped = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const describe = e => {
    const cls = typeof e.className === 'string' ? e.className.trim().split(/\\s+/).slice(0, 2).join('.') : '';
    const text = (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    const where = e.closest('[id]');
    const r = e.getBoundingClientRect();
    return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (cls ? '.' + cls : '')
      + ' reaching ' + Math.round(Math.max(r.right, r.left + e.scrollWidth)) + ' px'
      + (where && where !== e ? ' in #' + where.id : '') + (text ? ' "' + text + '"' : '');
  };
  const out = [...document.body.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(e).position === 'fixed' || clipped(e)) return false;
    const reach = getComputedStyle(e).overflowX === 'visible' ? Math.max(r.right, r.left + e.scrollWidth) : r.right;
    return reach > width + 1;
  });
  const innermost = out.filter(e => !out.some(o => o !== e && e.contains(o)));
  return {scrollX, scrollWidth: de.scrollWidth, width, wide: innermost.slice(0, 3).map(describe)};
}
"""


def check_phone(page, watch: PageWatch, base_url: str, name: str,
                screenshot: Path | None = None) -> list[Problem]:
    """At a phone's width: no horizontal scroll of the page, and the site's
    navigation opens from a visible button and shows links to other pages."""
    watch.clear()
    open_page(page, base_url + name)
    found = []
    facts = page.evaluate(_PHONE_JS)
    if facts["scrollX"] > 0:
        found.append(Problem(name, f"at {facts['width']} px the page scrolls sideways by "
                                   f"{facts['scrollX']} px (sticking out: {'; '.join(facts['wide']) or '?'})"))
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    found += check_phone_navigation(page, name)
    return unique(watch.problems(name) + found)


def check_phone_navigation(page, name: str) -> list[Problem]:
    """The navigation button is visible and opens a drawer (pydata theme: the
    sidebar moved into ``dialog#pst-primary-sidebar-modal``) that shows links
    to the book's pages inside the screen."""
    toggle = page.locator("button.primary-toggle:visible").first
    if toggle.count() == 0:
        return [Problem(name, "at phone width no visible button opens the site navigation")]
    toggle.click()
    try:
        page.wait_for_function(_NAV_LINKS_JS, timeout=UI_TIMEOUT_MS)
    except Exception:
        return [Problem(name, "at phone width the navigation button does not open a navigation "
                              "with links to the book's pages")]
    page.keyboard.press("Escape")
    return []


_NAV_LINKS_JS = """
() => {
  const boxes = document.querySelectorAll('#pst-primary-sidebar-modal[open], #pst-primary-sidebar');
  return [...boxes].some(box => [...box.querySelectorAll('a.reference.internal')].some(a => {
    const r = a.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth + 1
           && r.top < window.innerHeight && getComputedStyle(a).visibility !== 'hidden';
  }));
}
"""


# --------------------------------------------------------------------------
# Interactions
# --------------------------------------------------------------------------


def check_solution_toggles(page, name: str) -> tuple[int, list[Problem]]:
    """Every dropdown solution opens from its toggle button and then shows its
    content. Returns (number of solutions, problems)."""
    solutions = page.locator("div.solution.dropdown")
    found = []
    count = solutions.count()
    for i in range(count):
        solution = solutions.nth(i)
        body = solution.locator("section, .admonition-body, div.section").first
        label = solution.get_attribute("id") or f"solution {i + 1}"
        if body.count() == 0:
            found.append(Problem(name, f"{label}: no content under the title"))
            continue
        if body.is_visible():
            found.append(Problem(name, f"{label}: shown before it is opened (it should be hidden)"))
            continue
        button = solution.locator("button.toggle-button").first
        if button.count() == 0:
            found.append(Problem(name, f"{label}: no toggle button"))
            continue
        button.click()
        try:
            body.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
        except Exception:
            found.append(Problem(name, f"{label}: clicking its toggle does not show the solution"))
            continue
        if not body.inner_text().strip():
            found.append(Problem(name, f"{label}: opened, but empty"))
    return count, found


def check_search(page, base_url: str, word: str, expected_page: str,
                 search_page: str = "search.html") -> list[Problem]:
    """Searching the site (``search_page``: one edition's) for ``word`` lists ``expected_page``."""
    name = search_page
    page.goto(f"{base_url}{search_page}?q={urllib.parse.quote(word)}", wait_until="load", timeout=TIMEOUT_MS)
    try:
        # Sphinx fills the summary line ("Search finished, found N page(s)" or
        # "did not match") only after the last result is listed.
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary');"
            " return s && s.textContent.trim().length > 0; }",
            timeout=TIMEOUT_MS,
        )
    except Exception:
        return [Problem(name, f"searching for {word!r} never showed results")]
    hits = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href.split('#')[0].split('?')[0])")
    hits = [_rel(h, base_url) for h in hits]
    if expected_page not in hits:
        return [Problem(name, f"searching for {word!r} does not list {expected_page} (got {hits[:8]})")]
    return []


def check_download(page, base_url: str, name: str, source_cells: int) -> list[Problem]:
    """The page's download menu offers its ``.ipynb`` and the file is the
    notebook (same number of cells as the source)."""
    toggle = page.locator(".dropdown-download-buttons button.dropdown-toggle").first
    if toggle.count() == 0 or not toggle.is_visible():
        return [Problem(name, "no visible download button")]
    toggle.click()
    item = page.locator(".dropdown-download-buttons a[href$='.ipynb']").first
    try:
        item.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    except Exception:
        return [Problem(name, "the download menu does not offer the .ipynb")]
    href = item.evaluate("a => a.href")
    response = page.request.get(href)
    if response.status != 200:
        return [Problem(name, f"the .ipynb download {_rel(href, base_url)} gives HTTP {response.status}")]
    try:
        cells = len(json.loads(response.body())["cells"])
    except (ValueError, KeyError):
        return [Problem(name, f"the .ipynb download {_rel(href, base_url)} is not a notebook")]
    if cells != source_cells:
        return [Problem(name, f"the .ipynb download has {cells} cells, the source has {source_cells}")]
    return []


# --------------------------------------------------------------------------
# Internal links (no browser)
# --------------------------------------------------------------------------


class _LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag in ("a", "link", "area") and attrs.get("href") is not None:
            self.links.append(("href", attrs["href"]))
        if tag in ("img", "script", "iframe", "source") and attrs.get("src"):
            self.links.append(("src", attrs["src"]))


def check_internal_links(site: Path) -> tuple[int, list[Problem]]:
    """Every ``href``/``src`` to the site itself names a file that exists, and
    every ``#anchor`` an element of that page. Returns (links checked, problems)."""
    site = Path(site)
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts
                   and "_sources" not in p.relative_to(site).parts)
    parsed = {}
    for path in pages:
        parser = _LinkParser()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        parsed[path.relative_to(site).as_posix()] = parser
    found, checked = [], 0
    for name, parser in parsed.items():
        for attr, value in parser.links:
            url = urllib.parse.urlsplit(value.strip())
            if url.scheme or url.netloc or value.startswith(("mailto:", "javascript:", "data:")):
                continue
            if url.path == "" and url.fragment == "":
                continue  # href="#" or "": a button, not a link
            checked += 1
            target = name if url.path == "" else posixpath.normpath(
                posixpath.join(posixpath.dirname(name), urllib.parse.unquote(url.path)))
            if target.startswith(".."):
                found.append(Problem(name, f"{attr}={value!r} leads outside the site"))
                continue
            file = site / target
            if file.is_dir():
                file, target = file / "index.html", posixpath.join(target, "index.html")
            if not file.is_file():
                found.append(Problem(name, f"{attr}={value!r}: {target} does not exist"))
                continue
            if url.fragment and target.endswith(".html"):
                anchor = urllib.parse.unquote(url.fragment)
                ids = parsed[target].ids if target in parsed else set()
                if anchor not in ids:
                    found.append(Problem(name, f"{attr}={value!r}: no element with id {anchor!r} in {target}"))
    return checked, found


# --------------------------------------------------------------------------
# Readers (issue 13): dark mode, figure text, alt text, axe-core, weight
# --------------------------------------------------------------------------

#: Smallest chart text, in CSS px, on a phone and on a desktop.
MIN_FIGURE_TEXT_PX = {"phone": 9.0, "desktop": 12.0}

#: The colour modes of pydata-sphinx-theme, set before a page loads (its
#: localStorage keys "mode" and "theme").
def mode_script(mode: str) -> str:
    # Frames without storage (about:blank, data:) throw on localStorage: skip them.
    return f"try {{ localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}'); }} catch (e) {{}}"


def smallest_font_pt() -> float:
    """The smallest font size of the book's figure style, in points: what
    ``softmax_lib.use_book_style`` sets for tick labels and legends."""
    import matplotlib

    import softmax_lib as sl

    with matplotlib.rc_context():
        sl.use_book_style()
        rc = matplotlib.rcParams
        sizes = [rc[k] for k in ("xtick.labelsize", "ytick.labelsize", "legend.fontsize", "font.size")]
        return float(min(s for s in sizes if isinstance(s, (int, float))))


def png_dpi(data: bytes) -> float | None:
    """The resolution a PNG records (matplotlib writes it in the pHYs chunk), in dpi."""
    import struct

    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"pHYs" and length == 9:
            x, _y, unit = struct.unpack(">IIB", data[pos + 8:pos + 17])
            return x * 0.0254 if unit == 1 else None
        if kind == b"IDAT":
            return None
        pos += 12 + length
    return None


_FIGURES_JS = """
() => [...document.querySelectorAll('article.bd-article img')]
  .filter(img => !img.closest('.bd-header-article, .sd-card, .logo'))
  .map(img => {
    const box = img.getBoundingClientRect();
    return {src: img.getAttribute('src') || '', url: img.currentSrc || img.src, alt: img.getAttribute('alt'),
            naturalWidth: img.naturalWidth, width: box.width, visible: box.width > 0 && box.height > 0,
            figure: !!img.closest('figure, .cell_output')};
  })
"""

PATH_LIKE_ALT = re.compile(r"(^|/)[^\s/]+\.(png|jpe?g|svg|gif|webp)$|^(\.\./)*_images/|[0-9a-f]{24,}", re.I)


def figure_facts(page) -> list[dict]:
    return page.evaluate(_FIGURES_JS)


def check_alt_text(name: str, figures: list[dict]) -> list[Problem]:
    """Every image of the article says what it shows: no empty alt, no file path."""
    found = []
    for img in figures:
        alt = (img["alt"] or "").strip()
        if not alt:
            found.append(Problem(name, f"image {img['src']!r} has no alt text"))
        elif PATH_LIKE_ALT.search(alt):
            found.append(Problem(name, f"image {img['src']!r} has a file path as alt text: {alt[:60]!r}"))
    return found


def check_figure_text(name: str, figures: list[dict], kind: str, site: Path, base_url: str,
                      font_pt: float) -> list[Problem]:
    """A figure's smallest text, as the reader sees it, is at least
    ``MIN_FIGURE_TEXT_PX[kind]`` CSS px tall, and no figure is upscaled.

    The text's height is estimated from what is known: the figure style's
    smallest font (``font_pt``), the PNG's resolution (its pHYs chunk), and
    the ratio of its rendered to its natural width:
    ``font_pt / 72 * dpi * rendered / natural``.
    """
    found = []
    limit = MIN_FIGURE_TEXT_PX[kind]
    for img in figures:
        if not (img["figure"] and img["visible"] and img["naturalWidth"]):
            continue
        if img["width"] > img["naturalWidth"] + 1:
            found.append(Problem(name, f"figure {img['src']!r} is upscaled: shown {img['width']:.0f} px wide, "
                                       f"its PNG is {img['naturalWidth']} px"))
        url = img["url"]
        if not url.startswith(base_url) or not url.lower().endswith(".png"):
            continue
        path = site / urllib.parse.unquote(url[len(base_url):].split("?")[0])
        dpi = png_dpi(path.read_bytes()) if path.is_file() else None
        if not dpi:
            continue
        text_px = font_pt / 72 * dpi * img["width"] / img["naturalWidth"]
        if text_px < limit - 0.05:
            found.append(Problem(name, f"{kind}: figure {img['src'].rsplit('/', 1)[-1][:16]}… text about "
                                       f"{text_px:.1f} CSS px tall (< {limit:g}): PNG {img['naturalWidth']} px "
                                       f"at {dpi:.0f} dpi shown {img['width']:.0f} px wide; make it at most "
                                       f"5.0 in wide with sl.use_book_style()"))
    return found


def run_axe(page, axe_js: Path, rules: list[str] | None = None) -> list[dict]:
    """axe-core's violations on the open page: every rule, or only ``rules``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_js))
    return page.evaluate("async rules => (await axe.run(document, rules ? {resultTypes: ['violations'], runOnly: rules}"
                         " : {resultTypes: ['violations']})).violations"
                         ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,"
                         " target: v.nodes.slice(0, 2).map(n => n.target.join(' '))}))", rules)


def check_axe(name: str, violations: list[dict], mode: str) -> list[Problem]:
    """No critical or serious violation."""
    return [Problem(name, f"axe ({mode}): {v['impact']} {v['id']} ({v['help']}) on {v['nodes']} element(s), "
                          f"e.g. {v['target']}")
            for v in violations if v["impact"] in ("critical", "serious")]


def gzip_size(path: Path) -> int:
    import gzip

    return len(gzip.compress(path.read_bytes(), compresslevel=6))

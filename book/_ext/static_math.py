"""The book's math, typeset when the site is built instead of in the reader's browser.

Sphinx's MathJax support writes each formula as TeX between ``\\(`` and ``\\)``
and has every page load MathJax (1.1 MB of JavaScript) to typeset it. On a
slow phone that typesetting was most of the time a chapter took to become
readable (chapter 4: 8 to 10 s, issue 13's budget is 6 s). Here the same
MathJax (3.2.2, the version sphinx-mathjax-offline ships) runs once at build
time under node (``static_math.js``), and the pages receive its output: CHTML
markup, one stylesheet with only the characters the book uses, and MathJax's
own web fonts. Screen readers get each formula's MathML, as in the browser.
A formula MathJax cannot typeset (an unknown command, a missing brace) is a
build warning, so ``-W`` fails on it instead of a reader seeing red TeX.

Where node or MathJax's node package is missing (a reader who builds the book
without them), the build falls back to Sphinx's MathJax in the browser, with
a message that says so. The Makefile installs the package (``npm pack``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

NAME = "mathjax-static"
ROOT = Path(__file__).resolve().parents[2]
#: MathJax's node package, installed by the Makefile; the same version as the
#: browser copy of sphinx-mathjax-offline, whose fonts the pages use.
MATHJAX_VERSION = "3.2.2"
MATHJAX_DIR = Path(os.environ.get("SOFTMAX_BOOK_MATHJAX", ROOT / ".venv" / "share" / f"mathjax-full-{MATHJAX_VERSION}"))
SCRIPT = Path(__file__).with_name("static_math.js")
#: Where the stylesheet goes, and where its fonts are, from the stylesheet.
STYLESHEET = "mathjax-chtml.css"
FONT_URL = "mathjax/output/chtml/fonts/woff-v2"
_ERROR = re.compile(r'data-mjx-error="([^"]*)"')
_CLASS_FONTS = re.compile(r"\.([A-Za-z0-9-]+) \{\s*font-family: ([^;]+);")
_FONT_FACE = re.compile(r'@font-face[^{]*\{\s*font-family: ([^;]+);\s*src: url\("([^"]+)"\)')
_TEX_CLASS = re.compile(r'class="[^"]*\b(TEX-[A-Z0-9]+)\b')


def page_fonts(css: str, body: str) -> list[str]:
    """The font files (relative to the stylesheet) that a page's math draws
    with: MathJax's main font and the zero-width font for every formula, and
    the font of each ``TEX-…`` class the page uses (italic, AMS, sizes...)."""
    families = {cls: [f.strip() for f in fams.split(",")] for cls, fams in _CLASS_FONTS.findall(css)}
    urls = {family.strip(): url for family, url in _FONT_FACE.findall(css)}
    used = ["MJX-TEX", *sorted(set(_TEX_CLASS.findall(body)))]
    wanted = dict.fromkeys(f for cls in used for f in families.get(cls, ()))
    return [urls[f] for f in wanted if f in urls]


def unavailable(mathjax_dir: Path = MATHJAX_DIR) -> str | None:
    """Why the math cannot be typeset at build time here, or None if it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (mathjax_dir / "js" / "mathjax.js").is_file():
        return f"MathJax's node package is not in {mathjax_dir} (make installs it with npm)"
    return None


def display_tex(node: nodes.math_block) -> str:
    """The TeX Sphinx's MathJax support gives MathJax for a display formula:
    several equations (separated by blank lines) are aligned, and an
    equation with line breaks is split."""
    if node["nowrap"]:
        return node.astext()
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    parts = [r"\begin{split}" + p + r"\end{split}" if r"\\" in p else p for p in parts]
    tex = r"\\".join(parts)
    return r" \begin{align}\begin{aligned}" + tex + r"\end{aligned}\end{align} " if len(parts) > 1 else tex


def typeset(items: list[tuple[str, bool]], mathjax_dir: Path = MATHJAX_DIR) -> tuple[dict, str]:
    """Typeset ``(tex, display)`` pairs in one MathJax document: a dict from
    each pair to its HTML, and the stylesheet for all of them."""
    request = {"fontURL": FONT_URL, "items": [{"tex": tex, "display": display} for tex, display in items]}
    done = subprocess.run(["node", str(SCRIPT), str(mathjax_dir)], input=json.dumps(request),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"MathJax under node failed ({SCRIPT.name}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    return dict(zip(items, result["html"], strict=True)), result["css"]


class _State:
    def __init__(self) -> None:
        self.html: dict[tuple[str, bool], str] = {}
        self.css = ""
        self.pages: set[str] = set()
        self.outdir: Path | None = None
        self.reported: set[tuple[str, bool]] = set()

    def add(self, items: set[tuple[str, bool]]) -> None:
        """Typeset every item not yet typeset, keeping one stylesheet for all."""
        if items - self.html.keys():
            # One document for everything: the stylesheet covers every formula.
            self.html, self.css = typeset(sorted(self.html.keys() | items))
            if self.outdir is not None:
                (self.outdir / "_static" / STYLESHEET).write_text(self.css, encoding="utf-8")


def _state(app) -> _State:
    if not hasattr(app, "_static_math"):
        app._static_math = _State()
    return app._static_math


def _on_config_inited(app, config) -> None:
    if config.html_math_renderer:
        return
    why = unavailable()
    config.html_math_renderer = "mathjax" if why else NAME
    if why:
        logger.info(f"static_math: {why}; the math is typeset by MathJax in the reader's browser instead")


def _on_builder_inited(app) -> None:
    if app.builder.format == "html" and getattr(app.builder, "math_renderer_name", None) != NAME:
        # A stylesheet left by an earlier build would make the pruning of
        # MathJax's browser copy (reader_site.py) keep its fonts only.
        (Path(app.outdir) / "_static" / STYLESHEET).unlink(missing_ok=True)


def _on_env_updated(app, env) -> list[str]:
    """Once every page is read and before any is written (the single-page
    builder emits no write-started), typeset every formula of the book."""
    builder = app.builder
    if builder.format != "html" or getattr(builder, "math_renderer_name", None) != NAME:
        return []
    items: set[tuple[str, bool]] = set()
    for docname in sorted(env.found_docs):
        doctree = env.get_doctree(docname)
        items.update((n.astext(), False) for n in doctree.findall(nodes.math))
        items.update((display_tex(n), True) for n in doctree.findall(nodes.math_block))
    state = _state(app)
    state.outdir = Path(builder.outdir)
    (state.outdir / "_static").mkdir(parents=True, exist_ok=True)
    state.add(items)
    (state.outdir / "_static" / STYLESHEET).write_text(state.css, encoding="utf-8")
    logger.info(f"static_math: {len(state.html)} formulas typeset by MathJax {MATHJAX_VERSION} under node")
    return []


def _html(translator, node, tex: str, display: bool) -> str:
    state = _state(translator.builder.app)
    # A formula no doctree had when writing began (made by a post-transform).
    if (tex, display) not in state.html:
        logger.info(f"static_math: typesetting again for a formula found while writing: {tex!r}")
    state.add({(tex, display)})
    state.pages.add(getattr(translator.builder, "current_docname", ""))
    out = state.html[(tex, display)]
    error = _ERROR.search(out)
    if error and (tex, display) not in state.reported:
        state.reported.add((tex, display))
        logger.warning(f"MathJax cannot typeset {tex!r}: {html.unescape(error.group(1))}", location=node)
    return out


# Each formula keeps its TeX in ``data-tex``: the search page's summaries
# show it (book/_static/search-summaries.js).
def visit_math(self, node: nodes.math) -> None:
    tex = node.astext()
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight", **{"data-tex": tex}))
    self.body.append(_html(self, node, tex, False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    tex = display_tex(node)
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight", **{"data-tex": node.astext()}))
    if node["number"] and not node["nowrap"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_html(self, node, tex, True) + "</div>\n")
    raise nodes.SkipNode


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    if app.builder.format != "html" or getattr(app.builder, "math_renderer_name", None) != NAME:
        return
    domain = app.env.get_domain("math")
    state = _state(app)
    if (app.registry.html_assets_policy == "always" or pagename in state.pages
            or domain.has_equations(pagename)):
        app.builder.add_css_file(STYLESHEET)
        # The fonts are found only once the stylesheet has loaded and the page
        # is laid out; on a slow connection that is seconds later. Ask for
        # them at the top of the page instead: from a template, because a
        # font preload is a cross-origin request, which fails from file://
        # (the offline copy), where the stylesheet's fonts load without it.
        links = "".join(
            f'<link rel="preload" href="{context["pathto"]("_static/" + url, 1)}" as="font" '
            'type="font/woff" crossorigin>'
            for url in page_fonts(state.css, context.get("body", "")))
        preload = (f'<template id="math-fonts">{links}</template><script>if (location.protocol !== "file:") '
                   'document.head.append(document.getElementById("math-fonts").content.cloneNode(true));</script>\n')
        context["metatags"] = preload + context.get("metatags", "")


def setup(app):
    app.add_html_math_renderer(NAME, (visit_math, None), (visit_displaymath, None))
    # After sphinx-mathjax-offline and jupyter-book have set their values.
    app.connect("config-inited", _on_config_inited, priority=900)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-updated", _on_env_updated)
    app.connect("html-page-context", _on_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": False}

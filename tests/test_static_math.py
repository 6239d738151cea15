"""The math typeset at build time (book/_ext/static_math.py), on a small
Sphinx project built here: what a page receives, a TeX error failing the
build, and the fallback to MathJax in the browser where node is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import static_math  # noqa: E402

WHY = static_math.unavailable()
needs_node = pytest.mark.skipif(
    WHY is not None and not os.environ.get("CI"),
    reason=f"{WHY} (make test installs MathJax's node package; in CI this fails instead)",
)

PAGE = r"""
Softmax
=======

Inline :math:`p_i = e^{z_i} / \sum_j e^{z_j}` and :math:`\log` too.

.. math::
   :label: softmax

   p_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}

.. math::

   a = 1

   b = 2
"""


def build(tmp_path: Path, page: str, env: dict | None = None, builder: str = "html") -> subprocess.CompletedProcess:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
        extensions = ["static_math"]
        project = "t"
    """))
    (src / "index.rst").write_text(page)
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", builder, str(src), str(tmp_path / "out")],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)


def sphinx_display_tex(node: nodes.math_block) -> str:
    """What Sphinx's own MathJax support writes for a display formula,
    without its delimiters."""
    from sphinx.ext import mathjax

    class Translator:
        body: list[str] = []

        def starttag(self, *args, **kwargs):
            return ""

        def encode(self, text):
            return text

        class builder:  # noqa: N801 - what the visitor reads
            class config:  # noqa: N801
                mathjax_display = ["", ""]

    translator = Translator()
    translator.body = []
    with pytest.raises(nodes.SkipNode):
        mathjax.html_visit_displaymath(translator, node)
    return "".join(translator.body).removesuffix("</div>\n")


@pytest.mark.parametrize("text", ["x = 1", "a = 1\n\nb = 2", r"a &= 1 \\ b &= 2", "a\n\n\nb \\\\ c\n\n"])
def test_display_tex_is_what_sphinx_gives_mathjax(text):
    node = nodes.math_block(text, text, nowrap=False, number=None)
    assert static_math.display_tex(node) == sphinx_display_tex(node)


@needs_node
def test_formulas_reach_the_page_typeset(tmp_path):
    done = build(tmp_path, PAGE)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    # Two inline formulas and two displays, typeset; no TeX for the browser.
    assert html.count("<mjx-container") == 4
    assert r"\(" not in html and r"\[" not in html
    assert "tex-chtml.js" not in html and "window.MathJax" not in html
    # The numbered equation keeps Sphinx's number and permalink.
    assert re.search(r'<span class="eqno">\(1\)<a class="headerlink" href="#equation-softmax"', html)
    # Screen readers get MathML: the fraction is an mfrac.
    assert "<mjx-assistive-mml" in html and "<mfrac>" in html
    # The two equations of one display are aligned, as Sphinx asks MathJax to.
    assert "<mjx-mtable" in html
    # The TeX stays with each formula, for the search page's summaries.
    assert r'data-tex="p_i = e^{z_i} / \sum_j e^{z_j}"' in html
    # The page links the stylesheet and preloads the fonts its math uses.
    assert re.search(r'href="_static/mathjax-chtml\.css\?v=[0-9a-f]+"', html)
    preloads = re.search(r'<template id="math-fonts">(.*?)</template>', html).group(1)
    assert 'href="_static/mathjax/output/chtml/fonts/woff-v2/MathJax_Math-Italic.woff" as="font"' in preloads
    css = (tmp_path / "out" / "_static" / "mathjax-chtml.css").read_text(encoding="utf-8")
    assert "@font-face" in css and 'mjx-c.mjx-c1D467.TEX-I::before' in css  # italic z


@needs_node
@pytest.mark.parametrize("builder", ["html", "singlehtml"])
def test_every_formula_is_typeset_before_writing(tmp_path, builder):
    """In one MathJax call per build, before the first page is written (the
    single-page builder, for the PDF, emits no write-started)."""
    done = build(tmp_path, PAGE, builder=builder)
    assert done.returncode == 0, done.stderr
    assert "static_math: 4 formulas typeset" in done.stdout
    assert "typesetting again" not in done.stdout
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8").count("<mjx-container") == 4


@needs_node
@pytest.mark.parametrize(("tex", "error"), [(r"\softmaxx(z)", "Undefined control sequence"),
                                            (r"\frac{1}{", "Missing close brace")])
def test_a_tex_error_fails_the_build(tmp_path, tex, error):
    done = build(tmp_path, f"T\n=\n\nBroken :math:`{tex}` here.\n")
    assert done.returncode != 0
    assert "MathJax cannot typeset" in done.stderr and error in done.stderr, done.stderr
    assert "index.rst" in done.stderr  # where the formula is


def test_without_node_math_is_left_to_the_browser(tmp_path):
    done = build(tmp_path, PAGE, env={"SOFTMAX_BOOK_MATHJAX": str(tmp_path / "no-such-dir")})
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<mjx-container" not in html and r"\(p_i = e^{z_i}" in html
    assert re.search(r'<script[^>]+src="[^"]*mathjax[^"]*"', html)
    assert not (tmp_path / "out" / "_static" / "mathjax-chtml.css").exists()


def test_unavailable_names_what_is_missing(tmp_path):
    why = static_math.unavailable(tmp_path)
    assert why == "node is not installed" if shutil.which("node") is None else "node package" in why

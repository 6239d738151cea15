"""What a reader with only the website needs, added to the HTML build.

- **Downloads** (``_build/html/downloads/``): the library's wheel, built from
  this tree (its file name comes from the build, never from this file); the
  data files the chapters read; ``softmax-book-notebooks.zip`` (every chapter
  notebook, the data with its licence notes, the wheel, a reader's
  ``requirements.txt`` and a README with the two commands); and
  ``softmax-book-site.zip``, the built site itself for reading offline.
- **Links**: every chapter page gets a banner linking the notebook bundle and
  the wheel; ``@SITE_URL@``, ``@REPO_URL@``, ``@REPO_NAME@``, ``@WHEEL@`` and ``@WHEEL_URL@``
  in a page's source are replaced by the one setting each in ``_config.yml``
  (``html.baseurl``, ``repository.url``) and the built wheel's name.
- **Markup fixes** found by the browser test and axe-core: runs of Chinese
  characters carry ``lang="zh"``; punctuation after inline math cannot wrap
  onto a line of its own; reference-list entries get a role that a list may
  hold; content images load lazily.
- **Weight**: after the build, the MathJax copy keeps only what pages load
  (the fonts of the math typeset at build time, see ``static_math.py``; or,
  where that fell back to the browser, ``tex-chtml.js``, its fonts and the TeX
  extensions it may autoload) and the
  theme's 1.4 MB icon script is dropped (its webfonts draw the same icons).

``make_bundle`` and ``build_wheel`` are also used by ``tests/test_bundle.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
BUNDLE_NAME = "softmax-book-notebooks"
SITE_ZIP_NAME = "softmax-book-site"
PDF_NAME = "softmax-book.pdf"
READER_REQUIREMENTS = BOOK / "requirements-reader.txt"

# --------------------------------------------------------------------------
# The wheel and the bundle (no Sphinx needed: the bundle test calls these)
# --------------------------------------------------------------------------


def build_wheel(dest: Path, root: Path = ROOT) -> Path:
    """Build softmax_lib's wheel into ``dest`` and return its path.

    Built from a copy of the package's files in a temporary folder, so that
    the tree gets no ``build/`` or ``*.egg-info`` of it; without build
    isolation, so that no index is needed (setuptools is in the venv).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="softmax-wheel-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root / "softmax_lib", src / "softmax_lib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).exists():
                shutil.copy2(root / name, src / name)
        out = Path(tmp) / "dist"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--no-build-isolation", "--wheel-dir", str(out), str(src)],
                       check=True, cwd=tmp)
        wheels = sorted(out.glob("softmax_lib-*.whl"))
        if len(wheels) != 1:
            raise RuntimeError(f"expected one softmax_lib wheel, got {[w.name for w in wheels]}")
        target = dest / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks of the table of contents (01_..., 02_...), in reading order.

    The reference pages (speed, input policy) are left out: they read the
    repository's benchmark results and are not exercises a reader runs.
    """
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key) or [])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    paths = []
    for name in files:
        path = root / (name if name.endswith(".ipynb") else name + ".ipynb")
        if path.is_file() and path.name[:1].isdigit():
            paths.append(path)
    return paths


def bundle_readme(wheel_name: str, site_url: str) -> str:
    return f"""# The Softmax book: the notebooks, to run yourself

This folder holds every chapter of the book as a Jupyter notebook, the data
the chapters read (`data/`, with where each file comes from and its licence
in `data/README.md`), the book's library `softmax_lib` as a wheel
(`{wheel_name}`), and `requirements.txt`: what the notebooks need, nothing
of the book's build or tests.

You need Python 3.11 or newer. In this folder:

```bash
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
.venv/bin/jupyter lab
```

(On Windows: `py -m venv .venv`, then `.venv\\Scripts\\pip install -r requirements.txt`
and `.venv\\Scripts\\jupyter lab`.)

**What this downloads.** About 1 GB installed on Linux with PyTorch's CPU
build; most of it is PyTorch. On Linux a plain `pip install torch` from PyPI
takes the CUDA build, which pulls several GB of NVIDIA libraries that the
book never uses. For the CPU build, run the install as

```bash
.venv/bin/pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu
```

On macOS and Windows PyPI's torch is already the CPU build. The chapters run
on any PyTorch 2.x; the outputs stored in the notebooks were made with 2.13.

The notebooks read their data as `data/...` relative to their own folder:
start Jupyter in this folder and keep the layout.

The book online: {site_url}
"""


def make_bundle(dest_dir: Path, wheel: Path, root: Path = ROOT, site_url: str = "") -> Path:
    """Write ``softmax-book-notebooks.zip`` into ``dest_dir`` and return it.

    Everything sits under one folder, ``softmax-book-notebooks/``: the
    notebooks, ``data/``, the wheel, ``requirements.txt`` (the reader's
    requirements plus the wheel), ``README.md`` and ``LICENSE``.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{BUNDLE_NAME}.zip"
    top = BUNDLE_NAME
    requirements = (root / READER_REQUIREMENTS.relative_to(ROOT)).read_text(encoding="utf-8")
    requirements = requirements.rstrip() + (
        "\n\n# The book's own library, shipped beside this file"
        " (run pip from this folder):\n" f"./{wheel.name}\n")
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for nb in chapter_notebooks(root):
            zf.write(nb, f"{top}/{nb.name}")
        for data in sorted((root / "book" / "data").iterdir()):
            if data.is_file():
                zf.write(data, f"{top}/data/{data.name}")
        zf.write(wheel, f"{top}/{wheel.name}")
        zf.writestr(f"{top}/requirements.txt", requirements)
        zf.writestr(f"{top}/README.md", bundle_readme(wheel.name, site_url))
        if (root / "LICENSE").is_file():
            zf.write(root / "LICENSE", f"{top}/LICENSE")
    tmp.replace(target)
    return target


# --------------------------------------------------------------------------
# Settings: one place each
# --------------------------------------------------------------------------


def is_translation(app) -> bool:
    """True in the Chinese edition (book/_ext/editions.py), built into ``zh/``."""
    return (app.config.language or "en") not in ("en", "en_US")


def site_url(app) -> str:
    """The English site's root: the same in both editions, so that a page's
    text (and so its messages in the translation catalogues) does not change."""
    url = (app.config.html_baseurl or "").strip()
    url = url if url.endswith("/") or not url else url + "/"
    if is_translation(app) and url.endswith("/zh/"):
        url = url[: -len("zh/")]
    return url


def repo_url(app) -> str:
    options = app.config.html_theme_options or {}
    return (options.get("repository_url") or "").rstrip("/")


def _wheel_dir(app) -> Path:
    return Path(app.outdir).parent / ".reader-wheel"


def _on_builder_inited(app):
    app._reader_wheel = None
    # pydata-sphinx-theme copies the light/dark logos to <out>/_static before
    # Sphinx creates that folder: in a clean build the copy became a *file*
    # named _static and the build failed. Create the folder first.
    if app.builder.format == "html":
        (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    if app.builder.name == "singlehtml":
        # Sphinx uses the handlers registered for "singlehtml" instead of
        # those for "html" once any extension registers one (sphinx-exercise
        # does); sphinx-proof registers "html" only, and its nodes then
        # crash the single-page build (for the PDF). Fill in the gaps.
        handlers = app.registry.translation_handlers
        single = handlers.setdefault("singlehtml", {})
        for node, funcs in handlers.get("html", {}).items():
            single.setdefault(node, funcs)
        # Sphinx adds MathJax to a page that has math; the single page is the
        # root document (no math of its own), so MathJax was left out.
        app.set_html_assets_policy("always")
    if app.builder.format != "html":
        return
    wheel_dir = _wheel_dir(app)
    shutil.rmtree(wheel_dir, ignore_errors=True)
    app._reader_wheel = build_wheel(wheel_dir)


def wheel_name(root: Path = ROOT) -> str:
    """The wheel's file name, from the package's version (what the build makes)."""
    version = re.search(r'__version__\s*=\s*"([^"]+)"', (root / "softmax_lib" / "_version.py").read_text())
    return f"softmax_lib-{version.group(1)}-py3-none-any.whl"


def _substitutions(app) -> dict[str, str]:
    # The same name in every builder: the gettext builder makes no wheel, and
    # its messages must equal the Chinese edition's.
    wheel = app._reader_wheel.name if getattr(app, "_reader_wheel", None) else wheel_name()
    site = site_url(app)
    return {
        "@SITE_URL@": site,
        "@REPO_URL@": repo_url(app),
        "@REPO_NAME@": repo_url(app).rsplit("/", 1)[-1].removesuffix(".git"),
        "@WHEEL@": wheel,
        "@WHEEL_URL@": f"{site}downloads/{wheel}",
    }


def _on_doctree_read(app, doctree):
    """The captions of the table of contents ("Chapters", "Reference") in the
    Chinese edition: sphinx-external-toc adds the toctrees after Sphinx's
    translation transform has run, so their captions stayed English. They
    are messages of the root page's catalogue; look them up there."""
    if not is_translation(app):
        return
    import gettext

    from sphinx import addnodes
    from sphinx.util.i18n import docname_to_domain

    toctrees = [n for n in doctree.findall(addnodes.toctree) if n.get("caption")]
    if not toctrees:
        return
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    for locale_dir in app.config.locale_dirs:
        mo = Path(app.srcdir, locale_dir, app.config.language, "LC_MESSAGES", f"{domain}.mo")
        if mo.is_file():
            with mo.open("rb") as f:
                catalogue = gettext.GNUTranslations(f)
            for node in toctrees:
                node["caption"] = catalogue.gettext(node["caption"])
            return


def _on_source_read(app, docname, source):
    text = source[0]
    if "@" not in text:
        return
    for key, value in _substitutions(app).items():
        text = text.replace(key, value)
    source[0] = text


# --------------------------------------------------------------------------
# Markup: Chinese runs, punctuation after math
# --------------------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
PUNCT_AFTER_MATH = re.compile(r"^[.,;:!?)\]’”，。、；：！？）」』]+")


class lang_span(nodes.inline):
    """An inline run in another language (``lang`` attribute)."""


def _visit_lang_span(self, node):
    self.body.append(f'<span lang="{node["lang"]}">')


def _depart_lang_span(self, node):
    self.body.append("</span>")


class nowrap_span(nodes.inline):
    """Inline math and the punctuation after it, kept on one line."""


def _visit_nowrap(self, node):
    self.body.append('<span class="nowrap">')


def _depart_nowrap(self, node):
    self.body.append("</span>")


def _pass(self, node):
    pass


_SKIP = (nodes.literal, nodes.literal_block, nodes.raw, nodes.math, nodes.math_block,
         nodes.comment, nodes.FixedTextElement)


class MarkChinese(SphinxPostTransform):
    """Wrap each run of CJK characters in ``<span lang="zh">`` so that screen
    readers and fonts treat it as Chinese (the page is ``lang="en"``)."""

    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs):
        if is_translation(self.app):
            return  # the whole page is lang="zh-CN"
        for text in list(self.document.findall(nodes.Text)):
            parent = text.parent
            if parent is None or isinstance(parent, _SKIP) or isinstance(parent, lang_span):
                continue
            if any(isinstance(a, _SKIP) for a in _ancestors(parent)):
                continue
            value = str(text)
            if not CJK.search(value):
                continue
            pieces: list[nodes.Node] = []
            pos = 0
            for m in CJK.finditer(value):
                if m.start() > pos:
                    pieces.append(nodes.Text(value[pos:m.start()]))
                span = lang_span("", nodes.Text(m.group()))
                span["lang"] = "zh"
                pieces.append(span)
                pos = m.end()
            if pos < len(value):
                pieces.append(nodes.Text(value[pos:]))
            parent.replace(text, pieces)


class KeepPunctuationWithMath(SphinxPostTransform):
    """``$x$.`` must not put the full stop alone on the next line: the math
    and the punctuation right after it go into one ``white-space: nowrap`` span."""

    default_priority = 901
    formats = ("html",)

    def run(self, **kwargs):
        for math in list(self.document.findall(nodes.math)):
            parent = math.parent
            if parent is None or isinstance(parent, nowrap_span):
                continue
            index = parent.index(math)
            if index + 1 >= len(parent.children):
                continue
            after = parent[index + 1]
            if not isinstance(after, nodes.Text):
                continue
            m = PUNCT_AFTER_MATH.match(str(after))
            if not m:
                continue
            rest = str(after)[m.end():]
            span = nowrap_span()
            parent.remove(math)
            span += math
            span += nodes.Text(m.group())
            parent.insert(index, span)
            if rest:
                parent.replace(after, nodes.Text(rest))
            else:
                parent.remove(after)


class TranslatableExerciseTitles(SphinxTransform):
    """sphinx-exercise builds an exercise's title (``{exercise} Write the
    merge``) as a ``subtitle`` node with no source, which Sphinx's i18n
    skips: the Chinese edition showed every exercise title in English.

    Before the translation transform (priority 20) each title gets its source
    and its markup back (math as ``$…$``, code as backticks), so it is
    translated like any other message; the English is kept on the exercise
    node for :class:`ExtractExerciseTitles`."""

    default_priority = 10

    def apply(self, **kwargs):
        from sphinx_exercise.nodes import exercise_subtitle

        for node in self.document.findall(exercise_subtitle):
            node.source = node.source or self.document["source"]
            # sphinx-exercise's own rawsource is the title's plain text (math lost).
            node.rawsource = "".join(_inline_source(child) for child in node.children)
            if node.parent is not None and node.parent.parent is not None:
                node.parent.parent["softmax_book_title"] = (node.source, node.rawsource)


class TranslatedExercisesInRegistry(SphinxTransform):
    """sphinx-exercise keeps each exercise node in a registry when the
    directive runs, before the translation transform; solution titles are
    copied from there, so they showed the English exercise titles. After the
    translation (priority 20), point the registry at the translated nodes."""

    default_priority = 30

    def apply(self, **kwargs):
        if not is_translation(self.app):
            return
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in self.document.findall(lambda n: isinstance(n, (exercise_enumerable_node, exercise_node))):
            label = node.get("label")
            if label in registry:
                registry[label]["node"] = node.deepcopy()  # as it is now: translated, unresolved


class FullWidthTitleBrackets(SphinxPostTransform):
    """In the Chinese edition, the brackets sphinx-exercise puts around an
    exercise's title (``练习 1.1 (…)``) become full-width, as in Chinese text."""

    default_priority = 23  # after sphinx-exercise's exercise (20) and solution (21) titles

    def run(self, **kwargs):
        if not is_translation(self.app):
            return
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

        kinds = (exercise_enumerable_node, exercise_node, solution_node)
        for node in self.document.findall(lambda n: isinstance(n, kinds)):
            if not node.children or not isinstance(node.children[0], nodes.title):
                continue
            for text in list(node.children[0].findall(nodes.Text)):
                if str(text) in (" (", ")") and text.parent is not None:
                    text.parent.replace(text, nodes.Text("（" if str(text) == " (" else "）"))


class ExtractExerciseTitles(SphinxPostTransform):
    """The gettext builder reads the resolved doctree, where sphinx-exercise
    (post-transform, priority 20) has merged the subtitle into a plain title:
    give that title the subtitle's source text so that it is extracted."""

    default_priority = 25
    builders = ("gettext",)

    def run(self, **kwargs):
        for node in self.document.findall(lambda n: isinstance(n, nodes.Element) and "softmax_book_title" in n):
            source, raw = node["softmax_book_title"]
            title = node.children[0] if node.children else None
            if isinstance(title, nodes.title):
                title.source = source
                title.rawsource = raw
                title.uid = ""  # the gettext catalogue skips nodes without one


def _inline_source(node) -> str:
    if isinstance(node, nodes.Text):
        return str(node)
    if isinstance(node, nodes.math):
        return f"${node.astext()}$"
    if isinstance(node, nodes.literal):
        return f"`{node.astext()}`"
    inner = "".join(_inline_source(c) for c in node.children)
    if isinstance(node, nodes.strong):
        return f"**{inner}**"
    if isinstance(node, nodes.emphasis):
        return f"*{inner}*"
    return inner


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


# --------------------------------------------------------------------------
# Every page: banner with the downloads, ARIA of the reference list, lazy images
# --------------------------------------------------------------------------


#: The explorables' note for readers without JavaScript (raw HTML in the notebooks).
NOSCRIPT_EN = "An interactive version of the figure above runs here in the web edition of the book; it needs JavaScript."
NOSCRIPT_ZH = "在本书的网页版中，这里运行着上图的交互版本；它需要 JavaScript。"
CELL_PART_ZH = {"source": "代码", "output": "输出", "outputs": "输出", "content": "代码单元"}


def _on_page_context(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body:
        # docutils marks each reference as role="doc-biblioentry" inside a
        # role="list": axe's aria-required-children (critical) - a list may
        # hold list items only - and doc-biblioentry is deprecated in ARIA 1.3.
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        # Figures below the fold need not be fetched before the page shows.
        body = re.sub(r"<img (?![^>]*\bloading=)", '<img loading="lazy" decoding="async" ', body)
        context["body"] = body
    if app.builder.format != "html" or getattr(app.builder, "name", "") == "singlehtml":
        return
    zh = is_translation(app)
    up = "../" * pagename.count("/")
    if zh:
        context["other_edition"] = {"href": f"{up}../{pagename}.html", "lang": "en",
                                    "label": "English", "title": "Read this page in English"}
        if body:
            # Links that the text makes to the English site's pages go to the
            # Chinese pages (the downloads are the English edition's, shared).
            site = site_url(app)
            context["body"] = re.sub(rf'href="{re.escape(site)}(?!downloads/|zh/)', f'href="{site}zh/', context["body"])
            context["body"] = context["body"].replace(
                '<script src="../_static/explorables/strings.js"></script>',
                '<script src="../_static/explorables/strings.js"></script>'
                '<script src="../_static/explorables/strings.zh.js"></script>')
            context["body"] = context["body"].replace(NOSCRIPT_EN, NOSCRIPT_ZH)
            # Relative links to the downloads (the home page's) reach the English edition's folder.
            context["body"] = re.sub(r'(href|src)="((?:\.\./)*)downloads/',
                                     lambda m: f'{m.group(1)}="{m.group(2)}../downloads/', context["body"])
            # A citation re-parsed from a translated message may get a new id,
            # which the reference list's back-links (made for the English
            # ids) then miss: such a back-link becomes plain text.
            ids = set(re.findall(r'\bid="([^"]+)"', context["body"]))
            context["body"] = re.sub(
                r'<a role="doc-backlink" href="#([^"]+)">([^<]*)</a>',
                lambda m: m.group(0) if m.group(1) in ids else f"<span>{m.group(2)}</span>",
                context["body"])
            # myst-nb's prompts for hidden cell parts ("Show code cell outputs").
            context["body"] = re.sub(
                r"(Show|Hide) code cell (source|outputs?|content)",
                lambda m: ("显示" if m.group(1) == "Show" else "隐藏") + CELL_PART_ZH[m.group(2)],
                context["body"])
    else:
        context["other_edition"] = {"href": f"{up}zh/{pagename}.html", "lang": "zh-CN",
                                    "label": "中文", "title": "本页的中文版"}
    alt = context["other_edition"]
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{alt["lang"]}" href="{alt["href"]}">')
    source = app.env.doc2path(pagename, base=False) if pagename in app.env.all_docs else ""
    if str(source).endswith(".ipynb") and getattr(app, "_reader_wheel", None):
        to = context["pathto"]
        shared = "../" if zh else ""  # the Chinese edition uses the English edition's downloads
        bundle = shared + to(f"downloads/{BUNDLE_NAME}.zip", 1)
        wheel = shared + to(f"downloads/{app._reader_wheel.name}", 1)
        how = to("book/index", 0) + "#run-the-notebooks-yourself"
        if zh:
            context["theme_announcement"] = (
                "自己运行本章："
                f'<a href="{bundle}">全部笔记本及其数据和库（zip）</a>'
                f' · <a href="{wheel}">只要库（wheel）</a>'
                f' · <a href="{how}">怎么做</a>')
            return
        context["theme_announcement"] = (
            "Run this chapter yourself: "
            f'<a href="{bundle}">every notebook with its data and library (zip)</a>'
            f' · <a href="{wheel}">the library alone (wheel)</a>'
            f' · <a href="{how}">how</a>')


# --------------------------------------------------------------------------
# After the build: downloads, pruning, the offline zip
# --------------------------------------------------------------------------

#: What pages load from the MathJax copy when MathJax typesets in the browser
#: (static_math.py's fallback): the combined TeX-to-CHTML script, the fonts it
#: asks for, and the TeX packages it may autoload (\require, ...).
MATHJAX_KEEP = ("tex-chtml.js", "output/chtml/fonts/woff-v2/", "input/tex/extensions/")
#: ...except the extensions that are never autoloaded: all-packages (only
#: ``\require{all-packages}``, 215 kB) and those already inside tex-chtml.js.
MATHJAX_DROP = tuple(f"input/tex/extensions/{name}.js" for name in (
    "all-packages", "ams", "newcommand", "noundefined", "require", "autoload", "configmacros"))
#: The stylesheet of the math typeset at build time (static_math.py) and the
#: fonts it names, relative to the stylesheet.
MATH_STYLESHEET = "mathjax-chtml.css"
_CSS_URL = re.compile(r'url\("?([^")]+)"?\)')


def prune_mathjax(static: Path) -> int:
    """Delete every file of ``_static/mathjax`` that no page loads; return bytes
    freed. With the math typeset at build time, pages load only the fonts its
    stylesheet names."""
    mj = static / "mathjax"
    if not mj.is_dir():
        return 0
    sheet = static / MATH_STYLESHEET
    if sheet.is_file():
        named = {(static / url).resolve() for url in _CSS_URL.findall(sheet.read_text(encoding="utf-8"))}

        def keep(path: Path, rel: str) -> bool:
            return path.resolve() in named
    else:
        def keep(path: Path, rel: str) -> bool:
            return any(rel == k or rel.startswith(k) for k in MATHJAX_KEEP) and rel not in MATHJAX_DROP
    freed = 0
    for path in sorted(mj.rglob("*"), reverse=True):
        rel = path.relative_to(mj).as_posix()
        if path.is_file() and not keep(path, rel):
            freed += path.stat().st_size
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return freed


FONTAWESOME_JS = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def drop_icon_script(outdir: Path) -> None:
    """pydata-sphinx-theme loads fontawesome.js (1.4 MB, turns icons into SVG)
    although its CSS already draws the same icons from its webfonts. The pages'
    script tags go in tidy_pages()."""
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (outdir / "_static" / "scripts" / name).unlink(missing_ok=True)
    # Translations of the theme's labels into other languages: the book is English.
    shutil.rmtree(outdir / "_static" / "locales", ignore_errors=True)
    # Source maps of the theme's minified scripts and styles: for debugging the theme.
    for sub in ("scripts", "styles"):
        for m in (outdir / "_static" / sub).glob("*.map"):
            m.unlink()


_SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>')


_VIEWPORT = re.compile(r'\s*<meta name="viewport"[^>]*>')


def tidy_pages(outdir: Path, drop_search: bool) -> None:
    """One pass over every page:

    - the fontawesome.js tag goes (drop_icon_script);
    - of the identical <meta name="viewport"> that Sphinx's base layout,
      docutils and pydata-sphinx-theme each write, the first is kept;
    - with ``drop_search``, Sphinx's search scripts go from every page but the
      search page. pydata-sphinx-theme puts them (and the whole search index,
      42 kB with gzip) in the head of every page, for a search-as-you-type
      field that is off (its default, and here). They block the page's
      parsing until they have loaded: 0.5 s of chapter 4 on a slow phone.
      Only the search page searches, and its own template loads them."""
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = FONTAWESOME_JS.sub("", text)
        viewports = list(_VIEWPORT.finditer(new))
        for m in reversed(viewports[1:]):
            new = new[:m.start()] + new[m.end():]
        if drop_search and page.name != "search.html" and "downloads" not in page.relative_to(outdir).parts:
            new = _SEARCH_SCRIPTS.sub("", new)
        if new != text:
            page.write_text(new, encoding="utf-8")


_FA_CLASS_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\([0-9a-f]+)"\}')
_FA_FACE = re.compile(r'src:url\(([^)]*/webfonts/)(fa-[a-z]+-\d+)\.woff2\) format\("woff2"\),url\([^)]*\.ttf\) format\("truetype"\)')
_PUA = re.compile("[\ue000-\uf8ff]")
_CSS_ESCAPE = re.compile(r'"\\(f[0-9a-f]{3}|e[0-9a-f]{3})"')


def subset_icon_fonts(outdir: Path) -> int:
    """Cut the theme's Font Awesome webfonts (274 kB that every page loads)
    down to the icons the site uses; returns the bytes saved.

    The icons used: every ``fa-NAME`` class in the site's HTML and scripts,
    mapped to its code point by the theme's CSS, and every icon character
    that a style sheet writes itself (admonition and link icons). The fonts
    are written as WOFF (zlib; WOFF2 would need the brotli package) and the
    theme's ``@font-face`` rules are pointed at them.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    webfonts = outdir / "_static" / "vendor" / "fontawesome" / "webfonts"
    theme_css = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    if not webfonts.is_dir() or not theme_css.is_file():
        return 0
    css = theme_css.read_text(encoding="utf-8")
    names: dict[str, int] = {}
    for m in _FA_CLASS_RULE.finditer(css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+):before", m.group(1)):
            names[name] = int(m.group(2), 16)
    used_names: set[str] = set()
    for path in list(outdir.rglob("*.html")) + list((outdir / "_static").rglob("*.js")):
        if "mathjax" in path.parts:
            continue
        used_names.update(re.findall(r"fa-[a-z0-9-]+", path.read_text(encoding="utf-8", errors="ignore")))
    codepoints = {names[n] for n in used_names if n in names}
    css_without_classes = _FA_CLASS_RULE.sub("", css)
    for sheet in (outdir / "_static").rglob("*.css"):
        text = css_without_classes if sheet == theme_css else sheet.read_text(encoding="utf-8", errors="ignore")
        codepoints.update(ord(c) for c in _PUA.findall(text))
        codepoints.update(int(h, 16) for h in _CSS_ESCAPE.findall(text))
    saved = 0
    for woff2 in sorted(webfonts.glob("fa-*.woff2")):
        ttf = woff2.with_suffix(".ttf")
        if not ttf.is_file():
            continue
        font = TTFont(ttf)  # reading WOFF2 would need brotli too
        keep = sorted(codepoints & set(font.getBestCmap()))
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        target = woff2.with_suffix(".woff")
        font.flavor = "woff"
        font.save(target)
        saved += woff2.stat().st_size - target.stat().st_size
        woff2.unlink()
        woff2.with_suffix(".ttf").unlink(missing_ok=True)
    theme_css.write_text(_FA_FACE.sub(lambda m: f'src:url({m.group(1)}{m.group(2)}.woff) format("woff")', css),
                         encoding="utf-8")
    return saved


_ASSET_REF = re.compile(r'((?:src|href)=")([^"#?]+)')
_CSS_REF = re.compile(r"""(url\(["']?)([^"')#?]+)""")


def share_with_english(outdir: Path, edition: str = "zh") -> int:
    """The Chinese edition's copies of assets the English edition has byte
    for byte (theme, MathJax, figures, notebook sources) are deleted, and its
    pages point at the English files instead; returns the bytes saved.

    Both editions come from the same notebooks, so their figures and sources
    are the same files; only the search index, the language data and a few
    scripts differ, and those stay."""
    zh = outdir / edition
    if not zh.is_dir():
        return 0
    shared: set[str] = set()
    saved = 0
    for sub in ("_static", "_images", "_sources"):
        for path in sorted((zh / sub).rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(zh).as_posix()
            twin = outdir / rel
            if twin.is_file() and twin.stat().st_size == path.stat().st_size and twin.read_bytes() == path.read_bytes():
                shared.add(rel)
                saved += path.stat().st_size
                path.unlink()
    # Pages (src=, href=) and the edition's own stylesheets (url(...), such
    # as the math stylesheet's fonts) then point at the English copies.
    for doc in [*zh.rglob("*.html"), *(zh / "_static").rglob("*.css")]:
        depth = len(doc.relative_to(zh).parts) - 1
        text = doc.read_text(encoding="utf-8")

        def redirect(m, depth=depth, doc=doc):
            url = m.group(2)
            if "://" in url or url.startswith(("/", "data:", "mailto:")):
                return m.group(0)
            target = (doc.parent / url).resolve()
            try:
                rel = target.relative_to(zh.resolve()).as_posix()
            except ValueError:
                return m.group(0)
            if rel not in shared:
                return m.group(0)
            return m.group(1) + "../" * (depth + 1) + rel

        new = (_CSS_REF if doc.suffix == ".css" else _ASSET_REF).sub(redirect, text)
        if new != text:
            doc.write_text(new, encoding="utf-8")
    for sub in ("_static", "_images", "_sources"):
        for path in sorted((zh / sub).rglob("*"), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return saved


def zip_site(outdir: Path) -> Path:
    """The built site as one zip (without its own zips and the PDF), to read offline."""
    downloads = outdir / "downloads"
    target = downloads / f"{SITE_ZIP_NAME}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(outdir.rglob("*")):
            rel = path.relative_to(outdir)
            if path.is_dir() or (rel.parts[0] == "downloads" and path.suffix in (".zip", ".part")):
                continue
            if rel.parts[0] in (".doctrees",) or path.name == ".buildinfo" or path.name == PDF_NAME:
                continue
            zf.write(path, f"{SITE_ZIP_NAME}/{rel.as_posix()}")
    tmp.replace(target)
    return target


def _on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    if app.builder.name == "html" and is_translation(app):
        # The Chinese edition links the English edition's downloads (../downloads).
        shutil.rmtree(outdir / "downloads", ignore_errors=True)
    elif app.builder.name == "html":
        downloads = outdir / "downloads"
        downloads.mkdir(exist_ok=True)
        for old in downloads.glob("softmax_lib-*.whl"):
            old.unlink()
        wheel = Path(shutil.copy2(app._reader_wheel, downloads / app._reader_wheel.name))
        data_out = downloads / "data"
        shutil.rmtree(data_out, ignore_errors=True)
        shutil.copytree(BOOK / "data", data_out)
        make_bundle(downloads, wheel, ROOT, site_url(app))
        pdf = Path(app.outdir).parent / "pdf" / PDF_NAME  # made by `make pdf`
        if pdf.is_file():
            shutil.copy2(pdf, downloads / PDF_NAME)
    prune_mathjax(outdir / "_static")
    drop_icon_script(outdir)
    tidy_pages(outdir, drop_search=not app.config.html_theme_options.get("search_as_you_type"))
    subset_icon_fonts(outdir)
    if app.builder.name == "html" and not is_translation(app):
        # The Chinese edition, built first by make book, uses the English
        # edition's copies of the assets both have.
        share_with_english(outdir)
        # `make pdf` puts the PDF here too; an older one is kept until then.
        zip_site(outdir)


def setup(app):
    app.add_node(lang_span, html=(_visit_lang_span, _depart_lang_span),
                 latex=(_pass, _pass), text=(_pass, _pass), man=(_pass, _pass), texinfo=(_pass, _pass))
    app.add_node(nowrap_span, html=(_visit_nowrap, _depart_nowrap),
                 latex=(_pass, _pass), text=(_pass, _pass), man=(_pass, _pass), texinfo=(_pass, _pass))
    app.add_transform(TranslatableExerciseTitles)
    app.add_post_transform(ExtractExerciseTitles)
    app.add_transform(TranslatedExercisesInRegistry)
    app.add_post_transform(FullWidthTitleBrackets)
    app.add_post_transform(MarkChinese)
    app.add_post_transform(KeepPunctuationWithMath)
    app.connect("builder-inited", _on_builder_inited, priority=100)
    app.connect("source-read", _on_source_read)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("html-page-context", _on_page_context)
    # After sphinx-mathjax-offline has copied MathJax (build-finished, 500).
    app.connect("build-finished", _on_build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

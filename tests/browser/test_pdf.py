"""The PDF of the whole book (``make pdf``): read back with poppler's
``pdftotext``/``pdfinfo``/``pdfimages``, it has every chapter, numbered
sections, typeset math (no raw TeX), the figures and the references."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from browser_env import ROOT, SITE, in_ci
from site_checks import toc_docnames

pytestmark = pytest.mark.browser

PDF = SITE / "downloads" / "softmax-book.pdf"
RAW_TEX = re.compile(r"\\(frac|sum|exp|log|mathbf|operatorname|begin|end)\b|\$\$|\\\(|\\\[")


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is missing (Debian: apt-get install poppler-utils)"
        if in_ci():
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def pdf_text() -> str:
    if not PDF.is_file():
        if in_ci():
            pytest.fail(f"CI=true: {PDF} is missing; `make pdf` builds it", pytrace=False)
        pytest.skip(f"{PDF} is missing; run `make pdf`")
    return subprocess.run([_need("pdftotext"), "-layout", str(PDF), "-"], check=True,
                          capture_output=True, text=True).stdout


def _titles() -> list[str]:
    titles = []
    for docname in toc_docnames(ROOT / "_toc.yml")[1:]:
        html = (SITE / f"{docname}.html").read_text(encoding="utf-8")
        # The page's own title is the <h1> that carries a header link; a page may
        # have other <h1> elements (the theme's), so each is read on its own.
        for block in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S):
            if 'class="headerlink"' not in block:
                continue
            title = re.sub(r"<[^>]+>", "", block.split('<a class="headerlink"')[0])
            title = re.sub(r"^\s*\d+\.\s*", "", title)  # the section number
            titles.append(re.sub(r"\s+", " ", title).strip())
            break
    return titles


def _code_tex() -> int:
    """Raw TeX that the book prints on purpose: inside code blocks (plot labels such as r"$\\log K$")."""
    import html as html_lib

    page = (ROOT / "_build" / "singlehtml" / "print.html").read_text(encoding="utf-8")  # the page make pdf prints
    code = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", b)) for b in re.findall(r"<pre[^>]*>(.*?)</pre>", page, re.S))
    return len(RAW_TEX.findall(code))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).lower()


def test_pdf_has_every_chapter_and_numbered_sections(pdf_text):
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        [_need("pdfinfo"), str(PDF)], check=True, capture_output=True, text=True).stdout).group(1))
    titles = _titles()
    assert titles
    assert pages >= 3 * len(titles), f"{pages} pages for {len(titles)} chapters"
    text = _norm(pdf_text)
    missing = [t for t in titles if _norm(t) not in text]
    assert not missing, f"chapter titles not in the PDF's text: {missing}"
    assert re.search(r"\b1\.1\.\s+\w", pdf_text) and re.search(r"\b7\.\d\.\s+\w", pdf_text), "no numbered sections"
    assert "references" in text


def test_pdf_math_is_typeset(pdf_text):
    # Typeset math leaves no TeX in the text; what remains must be accounted for by
    # code listings, which show their source (matplotlib labels) as written.
    raw = [m.group() for m in RAW_TEX.finditer(pdf_text)]
    assert len(raw) <= _code_tex(), f"raw TeX in the PDF beyond what its code listings show: {raw[:10]}"


def test_pdf_has_the_figures():
    listing = subprocess.run([_need("pdfimages"), "-list", str(PDF)], check=True,
                             capture_output=True, text=True).stdout
    images = max(len(listing.splitlines()) - 2, 0)
    figures = sum(len(re.findall(r'<img[^>]+_images/', (SITE / p).read_text(encoding="utf-8")))
                  for p in (f"{d}.html" for d in toc_docnames(ROOT / "_toc.yml")))
    assert images >= figures > 0, f"{images} images in the PDF, the site's chapters show {figures} figures"

"""Numbers stated in a notebook's prose must be computed by its code.

The rule the book keeps: a decimal number (``0.946``, ``2.1``, ``1.5e-3``) or a
percentage (``83 %``) written in a markdown cell must appear in the same
notebook's code, either in a code cell's text output or typed in a code cell's
source (an input the reader can see). An output matches when it rounds to the
number as written, to the decimals written: ``0.9465`` backs "0.947" and "0.95";
for a percentage, ``0.83`` also backs "83 %".

What is not checked: integers (sizes, counts, years, exercise numbers), numbers
inside inline code or fenced code (they are code, not claims), inside MyST roles
and links (citations, cross-references), and version or section numbers, which
follow a word such as "PyTorch", "version" or "§". A notebook may exempt a number
with a reason in its metadata::

    "softmax_book": {"unchecked_numbers": {"4.2": "Bishop's section number"}}

Run it on notebooks to see what fails: ``python tests/prose_numbers.py book/*.ipynb``.
"""

from __future__ import annotations

import json
import re
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

# A number as prose writes it: optional sign, digits with optional thousands
# commas, a decimal part, an optional exponent; or digits followed by a percent sign.
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)"
    r"(?:(?P<frac>\.\d+)(?:[eE](?P<exp>[-−+]?\d+))?)?(?P<pct>\s?%)?(?![\w])"
)
# An output token: any float-like literal.
_OUT_NUMBER = re.compile(r"[-−]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")

# Words after which a decimal is a version, a section or a standard, not a result.
_REFERENCE_WORDS = re.compile(
    r"(?<![\w-])(?:python|pytorch|torch|numpy|scipy|jax|cuda|sphinx|jupyter-book|myst-nb|nbval|version|versions|v|"
    r"§|section|sections|sect\.|eq\.|equation|chapter|chapters|table|figure|fig\.|theorem|lemma|"
    r"definition|proposition|exercise|exercises|ieee|unicode|http|https|sm|h100|a100|fp|float|"
    r"llama|gpt-|gpt|mpmath|matplotlib|hypothesis|pip|chromium|node|ecmascript|algorithm|release|releases|"
    r"mathjax|html|es|axe-core|bfloat|from)\s*$",
    re.IGNORECASE,
)


def _strip_unchecked(markdown: str) -> str:
    """Remove the parts of a markdown cell whose numbers are not claims."""
    text = re.sub(r"^(```|~~~|:::).*?^\1", " ", markdown, flags=re.S | re.M)  # fenced blocks
    text = re.sub(r"^\s*:[\w-]+:.*$", " ", text, flags=re.M)  # directive options (:width: 80%)
    text = re.sub(r"^#+ .*$", " ", text, flags=re.M)  # headings name things; they state no results
    text = re.sub(r"`[^`\n]*`", " ", text)  # inline code and the target of roles
    text = re.sub(r"\{[\w:-]+\}", " ", text)  # the role names themselves
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"<[^>\n]*>", " ", text)  # HTML tags and their attributes
    text = re.sub(r"https?://\S+", " ", text)
    return text


def _to_decimal(token: str) -> Decimal | None:
    try:
        return Decimal(token.replace("−", "-").replace(",", ""))
    except InvalidOperation:
        return None


def prose_numbers(markdown: str) -> list[tuple[str, Decimal, bool]]:
    """(as written, value, is_percentage) for each checked number in a markdown cell."""
    text = _strip_unchecked(markdown)
    found = []
    for m in _NUMBER.finditer(text):
        pct = bool(m.group("pct"))
        if not (m.group("frac") or pct):
            continue  # integers are not checked
        before = text[max(0, m.start() - 24) : m.start()]
        if _REFERENCE_WORDS.search(before):
            continue
        if m.group("frac") and re.match(r"\.\d", text[m.end() : m.end() + 2]):
            continue  # 1.2.3: a version or a section path
        written = m.group(0).strip()
        number = (m.group("sign") or "") + m.group("int") + (m.group("frac") or "")
        if m.group("exp"):
            number += "e" + m.group("exp")
        value = _to_decimal(number)
        if value is not None:
            found.append((written, value, pct))
    return found


def _quantum(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)


def _backs(candidate: Decimal, value: Decimal) -> bool:
    """Does a computed number round to the number as written?"""
    q = _quantum(value)
    try:
        return any(candidate.quantize(q, rounding=mode) == value for mode in (ROUND_HALF_EVEN, ROUND_HALF_UP))
    except InvalidOperation:
        return False


def code_numbers(notebook: dict) -> list[Decimal]:
    """Every number in the code cells' sources and text outputs."""
    texts = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        texts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            if "text" in out:
                texts.append("".join(out["text"]))
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if mime in out.get("data", {}):
                    texts.append("".join(out["data"][mime]))
    values = []
    for token in _OUT_NUMBER.findall("\n".join(texts)):
        value = _to_decimal(token)
        if value is not None and value.is_finite():
            values.append(value)
    return values


def unbacked_numbers(path: Path) -> list[str]:
    """The numbers in a notebook's prose that no code cell computes or types."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    exempt = notebook.get("metadata", {}).get("softmax_book", {}).get("unchecked_numbers", {})
    computed = code_numbers(notebook)
    computed_set = set(computed)
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for written, value, pct in prose_numbers("".join(cell["source"])):
            if written in exempt or written.rstrip("% ").strip() in exempt:
                continue
            if value in computed_set:
                continue
            targets = [value] + ([value / 100] if pct else [])
            if any(_backs(c, t) for t in targets for c in computed if abs(c) < 10 * abs(t) + 10):
                continue
            problems.append(f"cell {index}: {written!r}")
    return problems


def main(argv: list[str]) -> int:
    bad = 0
    for name in argv:
        problems = unbacked_numbers(Path(name))
        for p in problems:
            print(f"{name}: {p} is stated in prose but no code cell prints or types it")
        bad += len(problems)
    print(f"{bad} unbacked number(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Build the book's Chinese edition, or extract the messages it translates.

The English edition is ``jupyter-book build .``; the command line of
jupyter-book 1 cannot set Sphinx's ``language``, so the other two builds go
through the same function it calls (``jupyter_book.sphinx.build_sphinx``),
with the same ``_config.yml`` and a few overrides:

    python book/_ext/editions.py gettext   # _build/gettext/**/*.pot
    python book/_ext/editions.py zh        # _build/html/zh/ (warnings are errors)

The catalogues live in ``locales/zh_CN/LC_MESSAGES/`` (one ``.po`` per page,
``gettext_compact: false``); ``make translations`` updates them from the
``.pot`` files with sphinx-intl, and ``tests/test_translations.py`` fails while
any message is untranslated, fuzzy or obsolete.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The Chinese edition: its language, its title, where it is published.
ZH = {
    "language": "zh_CN",
    # Sphinx's Chinese search splits words with jieba (installed by requirements.txt).
    "html_search_language": "zh",
    "html_title": "Softmax 之书",
    # sphinx-togglebutton's hint has no Chinese of its own.
    "togglebutton_hint": "点击显示",
    "togglebutton_hint_hide": "点击隐藏",
}


def search_terms(glossary: Path = ROOT / "book" / "glossary.md") -> list[str]:
    """The Chinese names of the glossary's terms (``cross-entropy (交叉熵)``),
    for jieba: without them it splits 交叉熵 into 交叉 and 熵, and a reader's
    search for 交叉熵 finds nothing."""
    names: list[str] = []
    for m in re.finditer(r"^\S[^\n]*?\(([^()\n]*[\u4e00-\u9fff][^()\n]*)\)\s*$",
                         glossary.read_text(encoding="utf-8"), re.M):
        for name in m.group(1).split(","):
            name = name.strip()
            if re.fullmatch(r"[\u4e00-\u9fff]{2,}", name) and name not in names:
                names.append(name)
    return names


def _overrides(extra: dict) -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    overrides = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
    }
    if "language" in extra:
        overrides["html_baseurl"] = config["html"]["baseurl"].rstrip("/") + "/zh/"
        terms = ROOT / "_build" / "jieba-terms.txt"
        terms.parent.mkdir(parents=True, exist_ok=True)
        terms.write_text("".join(f"{t}\n" for t in search_terms()), encoding="utf-8")
        overrides["html_search_options"] = {"dict": str(terms)}
    overrides.update(extra)
    return overrides


def build(builder: str, outdir: Path, extra: dict, *, strict: bool, quiet: bool) -> int:
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        ROOT,
        outdir,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=_overrides(extra),
        doctreedir=ROOT / "_build" / f".doctrees-{builder}-{extra.get('language', 'en')}",
        builder=builder,
        warningiserror=strict,
        keep_going=True,
        quiet=quiet,
        freshenv=True,  # re-read every page: a changed extension or catalogue must show
        force_all=True,
    )
    return 1 if isinstance(result, Exception) else int(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("zh", "gettext"))
    parser.add_argument("--out", type=Path, help="output folder (default: _build/html/zh or _build/gettext)")
    parser.add_argument("--no-strict", action="store_true", help="warnings are not errors")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "zh":
        out = args.out or ROOT / "_build" / "html" / "zh"
        # Built beside the English edition and then moved into it: myst-nb
        # writes its output files next to the output folder
        # (<out>/../jupyter_execute), which inside _build/html would be
        # published with the site.
        work = ROOT / "_build" / "zh" / "html"
        status = build("html", work, ZH, strict=not args.no_strict, quiet=args.quiet)
        if status == 0:
            shutil.rmtree(out, ignore_errors=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(work), str(out))
        return status
    out = args.out or ROOT / "_build" / "gettext"
    return build("gettext", out, {}, strict=not args.no_strict, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())

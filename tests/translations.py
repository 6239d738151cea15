"""The Chinese edition's gate: every message translated, and nothing a
translation must not change changed.

Run on the catalogues against freshly extracted English messages::

    python book/_ext/editions.py gettext          # _build/gettext/book/*.pot
    python tests/translations.py                  # every catalogue
    python tests/translations.py locales/zh_CN/LC_MESSAGES/book/01_formula.po

It prints one line per problem (``file: msgid…: what``) and exits 1 if there
is any. ``tests/test_translations.py`` runs the same checks in ``make test``.

What is checked, per catalogue (``locales/zh_CN/LC_MESSAGES/<page>.po``) and
its template (``_build/gettext/<page>.pot``):

- every message of the template is in the catalogue, translated and not
  fuzzy; the catalogue holds no message the template has not (obsolete);
- per message, the translation keeps the English source's
  math (``$…$``, ``$$…$$``, ``:math:`…```, ``{math}`…```), inline code
  (```…``` and reST ````…````), cross-reference targets (``{doc}`text <target>```,
  ``:func:`target```), link URLs, and the multiset of numbers in the rest;
- a formula message (a display equation, which Sphinx extracts whole) is
  copied unchanged;
- a translation identical to an English sentence must say why with a
  translator comment starting ``keep-english`` (an error message the library
  prints, say): otherwise it is an untranslated message that was copied.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
TEMPLATES = ROOT / "_build" / "gettext"
KEEP_ENGLISH = "keep-english"

_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
_MATH_ROLE = re.compile(r"(?::math:|\{math\})`([^`]+)`")
# A role: MyST {name}`text <target>` / {name}`target`, reST :name:`text <target>`.
_ROLE = re.compile(r"(?:\{([a-z:-]+)\}|:([a-z:-]+):)`([^`]+)`")
_CODE_RST = re.compile(r"``(.+?)``", re.S)
_CODE_MD = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_LINK_URL = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>|(https?://[^\s)>\]]+)")
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORDS = re.compile(r"[A-Za-z]{2,}")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_formula(msgid: str) -> bool:
    """A display equation extracted whole: TeX commands and no prose delimiters."""
    return bool(_TEX_COMMAND.search(msgid)) and "$" not in msgid and "`" not in msgid


def spans(text: str) -> dict[str, Counter]:
    """What a translation must keep: math, code, cross-reference targets, URLs, numbers."""
    found: dict[str, Counter] = {k: Counter() for k in ("math", "code", "target", "url", "number")}
    rest = text
    for pattern in (_DISPLAY_MATH,):
        found["math"].update(m.group(0).strip() for m in pattern.finditer(rest))
        rest = pattern.sub(" ", rest)
    found["math"].update(m.group(1).strip() for m in _MATH_ROLE.finditer(rest))
    rest = _MATH_ROLE.sub(" ", rest)
    found["math"].update(m.group(1).strip() for m in _INLINE_MATH.finditer(rest))
    rest = _INLINE_MATH.sub(" ", rest)
    titles = []
    for m in _ROLE.finditer(rest):
        name = m.group(1) or m.group(2)
        body = m.group(3)
        title_target = re.fullmatch(r"(.*?)\s*<([^<>]+)>", body, re.S)
        if title_target:
            found["target"][f"{name}:{title_target.group(2)}"] += 1
            titles.append(title_target.group(1))
        else:
            found["target"][f"{name}:{body}"] += 1
    rest = _ROLE.sub(" ", rest) + " " + " ".join(titles)
    found["code"].update(m.group(1) for m in _CODE_RST.finditer(rest))
    rest = _CODE_RST.sub(" ", rest)
    found["code"].update(m.group(1) for m in _CODE_MD.finditer(rest))
    rest = _CODE_MD.sub(" ", rest)
    for m in _LINK_URL.finditer(rest):
        found["url"][next(g for g in m.groups() if g)] += 1
    rest = _LINK_URL.sub(" ", rest)
    found["number"].update(n.replace("−", "-").replace(",", "") for n in _NUMBER.findall(rest))
    # "December 2026" is "2026 年 12 月" in Chinese: a month's name counts as its number.
    found["number"].update(str(_MONTHS.index(m) + 1) for m in re.findall(r"\b(" + "|".join(_MONTHS) + r")\b", rest))
    found["prose"] = Counter(_WORDS.findall(rest))
    return found


def check_message(msgid: str, msgstr: str, comment: str = "") -> list[str]:
    """What is wrong with one translation (empty: nothing)."""
    if not msgstr:
        return ["untranslated"]
    if is_formula(msgid):
        return [] if msgstr == msgid else ["a formula must be copied unchanged"]
    src, dst = spans(msgid), spans(msgstr)
    problems = []
    for kind in ("math", "code", "target", "url", "number"):
        if src[kind] != dst[kind]:
            lost = src[kind] - dst[kind]
            added = dst[kind] - src[kind]
            what = []
            if lost:
                what.append("missing " + ", ".join(repr(k) for k in lost.elements()))
            if added:
                what.append("extra " + ", ".join(repr(k) for k in added.elements()))
            problems.append(f"{kind} differs: {'; '.join(what)}")
    if msgstr == msgid and sum(src["prose"].values()) >= 3 and not _CJK.search(msgid) and not comment.strip().startswith(KEEP_ENGLISH):
        problems.append(f"identical to the English (a translator comment '{KEEP_ENGLISH}: why' allows it)")
    return problems


def _short(msgid: str) -> str:
    one = " ".join(msgid.split())
    return one[:70] + ("…" if len(one) > 70 else "")


def check_catalogue(po_path: Path, pot_path: Path | None) -> list[str]:
    """Every problem of one catalogue, as lines ``name: msgid…: problem``."""
    name = po_path.relative_to(LOCALE).as_posix() if po_path.is_relative_to(LOCALE) else str(po_path)
    po = polib.pofile(str(po_path))
    problems = []
    entries = {e.msgid: e for e in po if not e.obsolete}
    if pot_path is not None:
        wanted = {e.msgid for e in polib.pofile(str(pot_path))}
        for msgid in sorted(wanted - set(entries)):
            problems.append(f"{name}: {_short(msgid)}: missing from the catalogue (run make translations)")
        for msgid in sorted(set(entries) - wanted):
            problems.append(f"{name}: {_short(msgid)}: obsolete (no longer in the English source)")
    for e in po.obsolete_entries():
        problems.append(f"{name}: {_short(e.msgid)}: obsolete entry (#~) left in the catalogue")
    for e in po:
        if e.obsolete:
            continue
        if "fuzzy" in e.flags:
            problems.append(f"{name}: {_short(e.msgid)}: fuzzy (the English changed: check and clear the flag)")
        for p in check_message(e.msgid, e.msgstr, e.tcomment or ""):
            problems.append(f"{name}: {_short(e.msgid)}: {p}")
    return problems


def check_all(templates: Path = TEMPLATES, locale: Path = LOCALE) -> list[str]:
    problems = []
    pots = {p.relative_to(templates).with_suffix(""): p for p in templates.rglob("*.pot")}
    pos = {p.relative_to(locale).with_suffix(""): p for p in locale.rglob("*.po")}
    for page in sorted(set(pots) - set(pos)):
        problems.append(f"{page}.po: no catalogue for this page (run make translations)")
    for page in sorted(set(pos) - set(pots)):
        problems.append(f"{page}.po: the page is gone from the English source")
    for page in sorted(set(pos) & set(pots)):
        problems.extend(check_catalogue(pos[page], pots[page]))
    return problems


def prefill(locale: Path = LOCALE) -> int:
    """Copy every message with nothing to translate (a formula, a number, a
    code name) into its translation; return how many were filled."""
    filled = 0
    for po_path in sorted(locale.rglob("*.po")):
        po = polib.pofile(str(po_path), wrapwidth=0)
        # sphinx-intl writes the header entry as fuzzy (a template's); the
        # catalogue is a finished translation, not a draft.
        changed = po.metadata_is_fuzzy
        po.metadata_is_fuzzy = False
        for e in po:
            if e.obsolete or e.msgstr:
                continue
            if is_formula(e.msgid) or not spans(e.msgid)["prose"]:
                e.msgstr = e.msgid
                filled += 1
                changed = True
        if changed:
            po.save(str(po_path))
    return filled


def main(argv: list[str]) -> int:
    if argv == ["--prefill"]:
        print(f"{prefill()} message(s) with nothing to translate copied")
        return 0
    if argv:
        problems = []
        for arg in argv:
            po = Path(arg).resolve()
            rel = po.relative_to(LOCALE).with_suffix(".pot") if po.is_relative_to(LOCALE) else None
            pot = TEMPLATES / rel if rel is not None and (TEMPLATES / rel).is_file() else None
            problems.extend(check_catalogue(po, pot))
    else:
        problems = check_all()
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

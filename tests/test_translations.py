"""The Chinese edition's gate (tests/translations.py) in make test: the
catalogues against messages extracted afresh from the English sources, and
the checks themselves on messages made to fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from translations import LOCALE, ROOT, check_all, check_message, is_formula, spans

EDITIONS = ROOT / "book" / "_ext" / "editions.py"


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    """The English messages, extracted now (a stale _build/gettext would hide a change)."""
    out = tmp_path_factory.mktemp("gettext")
    subprocess.run([sys.executable, str(EDITIONS), "gettext", "--quiet", "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    return out


def test_every_message_is_translated_and_keeps_its_numbers_math_and_code(templates):
    pots = list(templates.rglob("*.pot"))
    assert len(pots) >= 10, f"only {len(pots)} pages extracted"
    problems = check_all(templates, LOCALE)
    assert not problems, (
        f"{len(problems)} problem(s) in the Chinese catalogues; run `make translations`, "
        "translate what it lists, and clear the fuzzy flags:\n" + "\n".join(problems[:60]))


def test_every_page_of_the_book_has_a_catalogue(templates):
    pages = {p.relative_to(templates).with_suffix("").as_posix() for p in templates.rglob("*.pot")}
    for doc in ("book/index", "book/01_formula", "book/08_relatives", "book/glossary", "book/api"):
        assert doc in pages, doc
        assert (LOCALE / f"{doc}.po").is_file(), doc


def test_the_exercise_titles_are_extracted(templates):
    """sphinx-exercise gives its titles no source; book/_ext/reader_site.py makes them messages."""
    pot = (templates / "book" / "07_online_softmax.pot").read_text(encoding="utf-8")
    assert 'msgid "Write the merge"' in pot


# -- the checks, on messages made to fail -----------------------------------

EN = "Softmax of $z$ is `sl.softmax(z)`; see {doc}`chapter 3 <03_temperature>` and [the docs](https://x.org/a), 0.946 at 2 places."
ZH = "$z$ 的 softmax 为 `sl.softmax(z)`；见 {doc}`第 3 章 <03_temperature>` 与[文档](https://x.org/a)，保留 2 位时为 0.946。"


def test_a_faithful_translation_passes():
    assert check_message(EN, ZH) == []


@pytest.mark.parametrize(("changed", "kind"), [
    (ZH.replace("0.946", "0.947"), "number"),
    (ZH.replace("保留 2 位", "保留两位"), "number"),
    (ZH.replace("$z$ 的", "$x$ 的"), "math"),
    (ZH.replace("`sl.softmax(z)`", "`softmax(z)`"), "code"),
    (ZH.replace("<03_temperature>", "<04_logistic_regression>"), "target"),
    (ZH.replace("https://x.org/a", "https://x.org/b"), "url"),
])
def test_a_changed_number_formula_code_target_or_url_fails(changed, kind):
    problems = check_message(EN, changed)
    assert any(p.startswith(kind) for p in problems), problems


def test_an_empty_or_copied_translation_fails_unless_it_says_why():
    assert check_message(EN, "") == ["untranslated"]
    assert any("identical" in p for p in check_message(EN, EN))
    assert check_message(EN, EN, "keep-english: the library's message") == []


def test_a_formula_is_copied_unchanged():
    formula = "\np_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}\n"
    assert is_formula(formula) and not is_formula(EN)
    assert check_message(formula, formula) == []
    assert check_message(formula, formula.replace("p_i", "q_i")) != []


def test_spans_tell_role_titles_from_targets_and_read_rest_markup():
    found = spans("See :func:`softmax_lib.softmax` and ``axis=-1``; :math:`e^x` grows, {term}`logit <logit (logit, 未归一化分数)>`.")
    assert found["target"] == {"func:softmax_lib.softmax": 1, "term:logit (logit, 未归一化分数)": 1}
    assert found["code"] == {"axis=-1": 1}
    assert found["math"] == {"e^x": 1}


def test_a_month_name_counts_as_its_number():
    assert check_message("0.2.0 (December 2026)", "0.2.0（2026 年 12 月）") == []
    assert check_message("0.2.0 (December 2026)", "0.2.0（2026 年 11 月）") != []

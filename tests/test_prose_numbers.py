"""Every decimal or percentage in a chapter's prose is computed by its code.

nbval re-checks the outputs; this checks that the prose still says what the
outputs say. The rule and its exemptions are in ``tests/prose_numbers.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prose_numbers import prose_numbers, unbacked_numbers

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_computed(path):
    problems = unbacked_numbers(path)
    assert not problems, f"{path.name}: numbers in the prose that no code cell prints or types: {problems}"


def test_the_checker_finds_decimals_and_percentages_but_not_code_or_versions():
    text = "softmax gives 0.946 and 83 % of the mass; `x = 0.5`; since PyTorch 2.5; Bishop §4.2; 3 classes."
    assert [w for w, _, _ in prose_numbers(text)] == ["0.946", "83 %"]


def test_the_checker_fails_a_notebook_whose_prose_drifted(tmp_path):
    import json

    nb = {
        "cells": [
            {"cell_type": "code", "source": ["print(0.9465)"], "outputs": [{"output_type": "stream", "text": ["0.9465\n"]}]},
            {"cell_type": "markdown", "source": ["The top share is 0.947, or 94.7 %; it is not 0.952."]},
        ],
        "metadata": {},
    }
    path = tmp_path / "drifted.ipynb"
    path.write_text(json.dumps(nb))
    assert unbacked_numbers(path) == ["cell 1: '0.952'"]

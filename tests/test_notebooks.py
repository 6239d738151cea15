"""The chapter notebooks are what the site shows and what nbval re-checks.

These tests keep them honest: outputs stored (so the site shows results and
nbval has something to compare), no stored errors, every code cell counted
(nbval skips a cell without an execution count), the library imported the
one sanctioned way, and every notebook reachable from the table of contents.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def _code_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code"]


def _toc_files() -> set[str]:
    return set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8")))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_stored_outputs_and_no_errors(path):
    cells = _code_cells(path)
    assert any(c["outputs"] for c in cells), f"{path.name}: no stored outputs (run `make notebooks`)"
    for i, cell in enumerate(cells):
        assert cell["execution_count"] is not None, f"{path.name}: code cell {i} was never executed, so nbval would skip it"
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{path.name}: code cell {i} stores an error: {errors[0].get('ename')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_were_executed_in_order(path):
    counts = [c["execution_count"] for c in _code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} show the notebook was not run top to bottom in one kernel"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_the_installed_library_only(path):
    source = "\n".join("".join(c["source"]) for c in _code_cells(path))
    assert re.search(r"^import softmax_lib as sl$", source, re.M), f"{path.name}: does not `import softmax_lib as sl`"
    for pattern, why in [
        (r"sys\.path\.(insert|append)", "edits sys.path"),
        (r"^\s*[!%]\s*pip\b", "installs packages from a cell"),
        (r"^\s*%run\b", "uses %run"),
    ]:
        assert not re.search(pattern, source, re.M), f"{path.name}: {why}; notebooks only import the installed package"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    assert f"book/{path.stem}" in _toc_files(), f"{path.name} is not listed in _toc.yml, so the site leaves it out"

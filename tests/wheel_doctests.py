"""Run every docstring example of an installed softmax_lib with the standard library's doctest.

`make test` builds the wheel, installs it into a fresh venv with numpy alone and
runs this file there: the examples must work for a reader who pip-installed
the wheel, without the book's other packages. An example that fails only
because an optional package is missing (mpmath for the accuracy references,
matplotlib for the figures) is counted as skipped and listed; any other
failure fails the run.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
import sys

import softmax_lib

OPTIONAL = ("mpmath", "matplotlib")


def main() -> int:
    finder = doctest.DocTestFinder()
    attempted, failed, skipped = 0, [], []
    for info in pkgutil.iter_modules(softmax_lib.__path__, "softmax_lib."):
        for test in finder.find(importlib.import_module(info.name)):
            if not test.examples:
                continue
            report = io.StringIO()
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            result = runner.run(test, out=report.write)
            attempted += result.attempted
            if not result.failed:
                continue
            text = report.getvalue()
            missing = [name for name in OPTIONAL if f"No module named '{name}'" in text]
            if missing:
                skipped.append(f"{test.name} (needs {', '.join(missing)})")
            else:
                failed.append(text)
    print(f"softmax_lib {softmax_lib.__version__} from {softmax_lib.__file__}")
    print(f"{attempted} examples run; {len(failed)} docstrings failed, {len(skipped)} skipped")
    for name in skipped:
        print(f"  skipped: {name}")
    for text in failed:
        print(text)
    return 1 if failed or not attempted else 0


if __name__ == "__main__":
    sys.exit(main())

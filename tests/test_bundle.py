"""The notebook bundle of the site runs for a reader who has only the bundle.

``book/_ext/reader_site.py`` builds ``downloads/softmax-book-notebooks.zip``
on every ``make book``. The slow test here builds it the same way, unpacks it
into an empty folder, creates a fresh venv from the bundle's
``requirements.txt`` alone, and runs every notebook on a kernel of that venv
(from the bundle's own layout, so ``data/...`` paths resolve), comparing every
output with the stored one (nbval, strict). This is where ``make test``
checks the chapter notebooks' outputs; the other notebooks (speed, input
policy) are checked with the book's venv. It runs in
``make test`` (and ``make bundle-test``), which set
``SOFTMAX_BOOK_BUNDLE_TEST=1``; without it only the fast checks run, so that
the unit tests stay fast. pip's cache is reused, so a second run downloads
nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD_TOOLS = re.compile(r"^(jupyter-book|sphinx|pytest|nbval|hypothesis|playwright|-e)", re.I | re.M)
SLOW = os.environ.get("SOFTMAX_BOOK_BUNDLE_TEST", "").strip() in ("1", "true", "yes")


def _reader_site():
    spec = importlib.util.spec_from_file_location("reader_site", ROOT / "book" / "_ext" / "reader_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    rs = _reader_site()
    out = tmp_path_factory.mktemp("bundle-build")
    wheel = rs.build_wheel(out / "wheel")
    return rs.make_bundle(out, wheel, ROOT, "https://example.invalid/book/")


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_bundle_holds_every_chapter_the_data_and_the_wheel(bundle):
    rs = _reader_site()
    names = zipfile.ZipFile(bundle).namelist()
    top = rs.BUNDLE_NAME + "/"
    assert all(n.startswith(top) for n in names), names
    for nb in rs.chapter_notebooks(ROOT):
        assert top + nb.name in names
    for data in (ROOT / "book" / "data").iterdir():
        assert top + "data/" + data.name in names
    assert top + "data/README.md" in names, "the data's licences and sources travel with it"
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == 1
    # The version lives in one file, softmax_lib/_version.py (pyproject reads it from there).
    version = re.search(r'__version__\s*=\s*"([^"]+)"', (ROOT / "softmax_lib" / "_version.py").read_text()).group(1)
    assert wheels[0] == f"{top}softmax_lib-{version}-py3-none-any.whl", "the wheel's name comes from the build"
    assert {top + "README.md", top + "requirements.txt"} <= set(names)


def test_bundle_requirements_are_a_readers_not_the_build(bundle):
    text = zipfile.ZipFile(bundle).read(_reader_site().BUNDLE_NAME + "/requirements.txt").decode()
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    assert not [line for line in lines if BUILD_TOOLS.match(line)], lines
    for need in ("numpy", "scipy", "matplotlib", "mpmath", "torch", "jupyterlab", "ipykernel"):
        assert any(re.match(rf"{need}\b", line) for line in lines), f"{need} missing"
    assert any(line.endswith(".whl") for line in lines)
    # The CPU index is advice in a comment, not something the install needs.
    assert not [line for line in lines if line.startswith(("--index-url", "--extra-index-url"))]


def test_readme_clone_command_uses_the_configured_repository():
    repo = _config()["repository"]["url"].rstrip("/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    clones = re.findall(r"git clone (\S+)", readme)
    assert clones and all(c.rstrip("/") == repo for c in clones), (clones, repo)
    site = _config()["html"]["baseurl"]
    urls = set(re.findall(r"https://[^\s)`>]*downloads/", readme))
    assert urls and all(u == site.rstrip("/") + "/downloads/" for u in urls), (urls, site)


def test_binder_installs_only_what_readers_need():
    text = (ROOT / ".binder" / "requirements.txt").read_text(encoding="utf-8")
    assert "-r ../book/requirements-reader.txt" in text
    assert not BUILD_TOOLS.search(text.replace("-r ../book", ""))


def _run(cmd, cwd, env, timeout):
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return elapsed, result


@pytest.mark.skipif(not SLOW, reason="slow (a fresh venv + every notebook): set SOFTMAX_BOOK_BUNDLE_TEST=1 "
                                     "(make test and make bundle-test do)")
def test_every_notebook_runs_from_the_bundle_in_a_fresh_venv(bundle, tmp_path):
    rs = _reader_site()
    where = tmp_path / "reader"
    where.mkdir()
    zipfile.ZipFile(bundle).extractall(where)
    folder = where / rs.BUNDLE_NAME
    # No MPLBACKEND: the kernel's own inline backend makes the figure outputs
    # that the notebooks store (and nbval compares).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "MPLBACKEND")}
    venv = where / "venv"
    times = {}
    times["venv"], _ = _run([sys.executable, "-m", "venv", str(venv)], where, env, 300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    times["pip install -r requirements.txt"], _ = _run(pip + ["-r", "requirements.txt"], folder, env, 1800)

    # The library comes from the wheel, not from a source tree.
    _, result = _run([str(venv / "bin" / "python"), "-c", "import softmax_lib; print(softmax_lib.__file__)"],
                     where, env, 120)
    assert "site-packages" in result.stdout, result.stdout

    notebooks = sorted(folder.glob("*.ipynb"))
    assert notebooks
    # Every notebook runs on a kernel of the reader's venv (registered in a
    # private Jupyter path), from the bundle's folder, so data/... resolves;
    # nbval, from the book's own venv, compares every output with the one
    # stored in the notebook (strict, as for the other notebooks in make
    # test). Two processes with half of the notebooks each (2 cores).
    jupyter = where / "jupyter"
    _run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--name", "softmax-bundle",
          "--prefix", str(jupyter)], where, env, 120)
    env["JUPYTER_PATH"] = str(jupyter / "share" / "jupyter")
    started = time.perf_counter()
    groups = [notebooks[0::2], notebooks[1::2]]
    procs = [subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         "--nbval-kernel-name", "softmax-bundle", "--nbval-cell-timeout", "900",
         "--rootdir", str(folder)] + [nb.name for nb in group],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for group in groups if group]
    failures = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            failures.append(f"{stdout[-4000:]}\n{stderr[-2000:]}")
    times["run and compare every notebook (nbval)"] = time.perf_counter() - started
    assert not failures, "a notebook failed or changed its outputs in the reader's venv:\n" + "\n".join(failures)
    report = ", ".join(f"{k}: {v:.0f} s" for k, v in times.items())
    print(f"\nbundle test times: {report}")
    (tmp_path / "times.json").write_text(json.dumps(times))

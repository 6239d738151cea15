"""The explorables, driven in headless Chromium and checked against softmax_lib.

Each explorable (book/_static/explorables/) keeps what it shows as JSON in its
element's ``data-state``. The tests move its controls by keyboard and pointer,
read that state back, and compare the numbers with softmax_lib computed here
on the same inputs: probabilities to 1e-12 in float64, the overflow thresholds
to the last bit, the online steps equal to ``sl.softmax_state`` and
``sl.merge_softmax_states``. They also check that each explorable fits a
phone, reads in dark mode, has labelled controls and a live region, raises no
console error, and works from ``file://``. Screenshots go to the browser
test's screenshot folder (see conftest.py), under ``explorables/``.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from browser_env import SITE
from site_checks import PageWatch

import softmax_lib as sl

pytestmark = pytest.mark.browser

NAMES = ["amplify", "overflow", "decoding", "sigmoid", "attention", "online"]
TOL = 1e-12


def _page_of(name: str) -> str:
    """The built page that holds an explorable (found in the HTML, not hard-coded)."""
    marker = f'data-explorable="{name}"'
    hits = [p for p in SITE.rglob("*.html") if marker in p.read_text(encoding="utf-8", errors="ignore")]
    hits = [p for p in hits if "_sources" not in p.parts and "zh" not in p.relative_to(SITE).parts[:1]]
    assert len(hits) == 1, f"explorable {name!r} should be on exactly one page of the site, found {hits}"
    return hits[0].relative_to(SITE).as_posix()


def _decode(value):
    if isinstance(value, str) and value in ("Infinity", "-Infinity", "NaN"):
        return float(value.replace("Infinity", "inf").replace("NaN", "nan"))
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value


def _state(root) -> dict:
    raw = root.get_attribute("data-state")
    assert raw, "the explorable wrote no data-state"
    return _decode(json.loads(raw))


def _open(context, server, name, *, dark=False):
    if dark:
        # pydata-sphinx-theme reads the mode from localStorage; about:blank has none.
        context.add_init_script("try { localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark'); } catch (e) {}")
    watch = PageWatch(server.base_url)
    watch.attach(context)
    tab = context.new_page()
    page = _page_of(name)
    tab.goto(server.base_url + page, wait_until="domcontentloaded")
    root = tab.locator(f'[data-explorable="{name}"]')
    root.wait_for(state="attached")
    tab.wait_for_function(f"document.querySelector('[data-explorable=\"{name}\"]').hasAttribute('data-state')")
    root.scroll_into_view_if_needed()
    return tab, root, watch, page


def _assert_close(got, want, tol=TOL, what="probs"):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs {want.shape}"
    np.testing.assert_allclose(got, want, rtol=0, atol=tol, err_msg=what)


def _press(root, index, key, times=1):
    slider = root.locator('input[type="range"]').nth(index)
    slider.focus()
    for _ in range(times):
        slider.press(key)


def _click_slider(root, index, fraction):
    """Pointer input: click a slider's track at a fraction of its width."""
    slider = root.locator('input[type="range"]').nth(index)
    box = slider.bounding_box()
    slider.page.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)


# --------------------------------------------------------------------------
# One test per explorable: its numbers against softmax_lib
# --------------------------------------------------------------------------


def test_amplify_matches_softmax_lib(desktop, server):
    tab, root, watch, page = _open(desktop, server, "amplify")
    seen = []
    for action in [None, ("key", 0, "ArrowRight", 7), ("key", 2, "ArrowLeft", 30), ("pointer", 3, 0.1),
                   ("button", 0), ("key", 3, "End", 1)]:
        if action and action[0] == "key":
            _press(root, *action[1:])
        elif action and action[0] == "pointer":
            _click_slider(root, *action[1:])
        elif action:
            root.locator("button").nth(action[1]).click()
        st = _state(root)
        z = np.array(st["logits"])
        _assert_close(st["probs"], sl.softmax(z), what=f"amplify {z}")
        if (z > 0).all():
            _assert_close(st["plain"], z / z.sum(), what="plain normalisation")
        else:
            assert st["plain"] is None
        i, j = st["ratio"]["i"], st["ratio"]["j"]
        assert z[i] >= z[j] and math.isclose(st["ratio"]["value"], math.exp(z[i] - z[j]), rel_tol=1e-12)
        seen.append(st)
    # The preset button shows the counterexample of chapter 1: at small scale
    # softmax gives the top score less than plain normalisation does.
    preset = seen[4]
    assert preset["logits"] == [0.5, 0.7, 1.0]
    assert preset["probs"][2] < preset["plain"][2]
    assert seen[0]["logits"] == [5, 7, 10] and seen[0]["probs"][2] > seen[0]["plain"][2]
    assert not watch.problems(page)


def _numpy_overflows(logits, dtype):
    with np.errstate(over="ignore"):
        return bool(np.isinf(np.exp(np.asarray(logits, dtype=dtype))).any())


def test_overflow_thresholds_and_formulas_match_numpy(desktop, server):
    tab, root, watch, page = _open(desktop, server, "overflow")
    select = root.locator("select")
    expected = {
        "float16": math.log(float(np.finfo(np.float16).max) + 2.0**4),  # max + half an ulp (ulp 32 there)
        "float32": math.log(2.0**128 - 2.0**103),
        "float64": math.log(float(np.finfo(np.float64).max)),
    }
    for dtype, moves in [("float32", ["End", "Home"]), ("float16", ["End", "Home"]), ("float64", ["End", "Home"])]:
        select.select_option(dtype)
        states = [_state(root)]
        for key in moves:
            _press(root, 0, key)
            states.append(_state(root))
        _click_slider(root, 0, 0.8)
        states.append(_state(root))
        for st in states:
            assert st["dtype"] == dtype
            assert st["threshold"] == expected[dtype], f"{dtype}: threshold {st['threshold']!r} != {expected[dtype]!r}"
            z = st["logits"]
            assert st["naive"]["overflows"] == _numpy_overflows(z, dtype), f"{dtype} {z}: overflow flag"
            assert st["naive"]["overflows"] == (max(z) > expected[dtype])
            want = sl.softmax(np.asarray(z, dtype=dtype)).astype(np.float64)
            tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}[dtype]
            _assert_close(st["probs"], want, tol=tol, what=f"shifted softmax in {dtype}")
        assert any(s["naive"]["overflows"] for s in states) and not all(s["naive"]["overflows"] for s in states), (
            f"{dtype}: the slider should reach both sides of the threshold"
        )
    assert not watch.problems(page)


def _decoding_reference(z, temperature, top_k, top_p, min_p):
    """sl.sample's documented order: temperature, top-k, top-p, min-p, renormalised."""
    z = np.asarray(z, dtype=np.float64)
    keep = np.ones(z.size, bool)
    if top_k:
        keep[np.argsort(-z, kind="stable")[top_k:]] = False
    p = np.where(keep, sl.softmax(z / temperature), 0.0)
    p /= p.sum()
    if top_p is not None:
        order = np.argsort(-p, kind="stable")
        before = np.concatenate([[0.0], np.cumsum(p[order])[:-1]])
        keep[order[before >= top_p]] = False
        p = np.where(keep, p, 0.0)
        p /= p.sum()
    if min_p:
        keep &= p >= min_p * p.max()
        p = np.where(keep, p, 0.0)
        p /= p.sum()
    return p, keep


def test_decoding_matches_softmax_lib(desktop, server):
    tab, root, watch, page = _open(desktop, server, "decoding")
    steps = [None, (0, "ArrowRight", 10), (1, "ArrowRight", 3), (2, "ArrowLeft", 4), (3, "ArrowRight", 15),
             (0, "Home", 1), (1, "Home", 1), (2, "End", 1), (0, "End", 1)]
    for step in steps:
        if step:
            _press(root, *step)
        st = _state(root)
        z = np.array(st["logits"])
        _assert_close(st["softmax"], sl.softmax(z, temperature=st["temperature"]), what=f"softmax at T={st['temperature']}")
        want, keep = _decoding_reference(z, st["temperature"], st["topK"], st["topP"], st["minP"])
        assert st["kept"] == keep.tolist(), f"kept set at {st}"
        _assert_close(st["probs"], want, what="filtered distribution")
        assert math.isclose(st["entropy"], float(sl.entropy(np.array(st["probs"]))), rel_tol=0, abs_tol=TOL)
    # The seeded sample button: the same seed gives the same tokens on every fresh load.
    runs = []
    for _ in range(2):
        tab.reload(wait_until="load")
        root = tab.locator('[data-explorable="decoding"]')
        tab.wait_for_function("document.querySelector('[data-explorable=\"decoding\"]').hasAttribute('data-state')")
        for _ in range(3):
            root.locator("button").click()
        runs.append(_state(root)["draws"])
    assert runs[0] == runs[1] and len(runs[0]) == 3, runs
    assert not watch.problems(page)


def test_sigmoid_is_a_two_class_softmax(desktop, server):
    tab, root, watch, page = _open(desktop, server, "sigmoid")
    for step in [None, ("key", 0, "ArrowLeft", 12), ("key", 1, "End", 1), ("button",), ("pointer", 0, 0.9), ("button",)]:
        before = _state(root)
        if step and step[0] == "key":
            _press(root, *step[1:])
        elif step and step[0] == "pointer":
            _click_slider(root, *step[1:])
        elif step:
            root.locator("button").click()
        st = _state(root)
        z = np.array(st["logits"])
        _assert_close(st["probs"], sl.softmax(z), what="softmax of the pair")
        assert math.isclose(st["sigmoid"], float(sl.sigmoid(z[1] - z[0])), rel_tol=0, abs_tol=TOL)
        if step and step[0] == "button":  # both moved together: the probabilities stay
            assert math.isclose(st["difference"], before["difference"], abs_tol=1e-9)
            _assert_close(st["probs"], before["probs"], tol=1e-9, what="shift invariance")
    assert not watch.problems(page)


def test_attention_matches_softmax_lib_and_its_masked_row_policy(desktop, server):
    tab, root, watch, page = _open(desktop, server, "attention")
    boxes = root.locator('input[type="checkbox"]')
    settings = [("select", "1"), ("select", "256"), ("check", 0), ("check", 1), ("check", 2), ("check", 3),
                ("select", "64"), ("check", 0)]
    seen_masked = False
    for kind, arg in [(None, None)] + settings:
        if kind == "select":
            root.locator("select").select_option(arg)
        elif kind == "check":
            boxes.nth(arg).click()
        st = _state(root)
        q, k, keep = np.array(st["q"]), np.array(st["k"]), np.array(st["keep"], dtype=bool)
        assert q.shape == (5, st["d"])
        scores = np.where(keep, (q @ k.T) * st["scale"], -np.inf)
        _assert_close(np.array(st["logits"]), scores, tol=1e-9, what="masked scaled scores")
        _assert_close(st["probs"], sl.softmax(scores), what="attention weights")
        out = sl.attention(q, k, np.eye(5), mask=keep, scale=st["scale"])
        _assert_close(st["probs"], out, what="sl.attention with v = I")
        if st["blockRow"]:
            seen_masked = True
            assert np.array(st["probs"])[0].tolist() == [0.0] * 5, "a fully masked row gives zeros (the book's policy)"
        assert math.isclose(st["scale"], 1 / math.sqrt(st["d"]) if boxes.nth(0).is_checked() else 1.0, rel_tol=1e-15)
    assert seen_masked
    assert not watch.problems(page)


def test_online_steps_match_softmax_state_and_merge(desktop, server):
    tab, root, watch, page = _open(desktop, server, "online")
    select, buttons = root.locator("select"), root.locator("button")
    for chunk in ("3", "1", "4", "12"):
        select.select_option(chunk)
        step = buttons.nth(0)
        while step.is_enabled():
            if chunk == "1":
                step.focus()
                step.press("Enter")  # by keyboard
            else:
                step.click()
        st = _state(root)
        row = np.array(st["logits"])
        prev = sl.SoftmaxState(np.float64(-np.inf), np.float64(0.0))
        for rec in st["steps"]:
            part = row[rec["start"] : rec["stop"]]
            local = sl.softmax_state(part)
            assert rec["chunkM"] == float(local.max)
            assert math.isclose(rec["chunkD"], float(local.sum), rel_tol=1e-14)
            merged = sl.merge_softmax_states(prev, local)
            assert rec["m"] == float(merged.max)
            assert math.isclose(rec["d"], float(merged.sum), rel_tol=1e-13)
            assert rec["rescaled"] == (np.isfinite(prev.max) and merged.max > prev.max)
            prev = merged
        assert st["seen"] == row.size and sum(r["stop"] - r["start"] for r in st["steps"]) == row.size
        _assert_close(st["probs"], sl.softmax(row), what=f"online result, chunk {chunk}")
        assert any(r["rescaled"] for r in st["steps"]) or chunk == "12"
    assert not watch.problems(page)


# --------------------------------------------------------------------------
# Every explorable: a reader's view
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_explorable_fits_reads_and_is_labelled(request, server, screenshots, name, width, mode):
    context = request.getfixturevalue(width)
    tab, root, watch, page = _open(context, server, name, dark=(mode == "dark"))
    problems = []
    box = root.bounding_box()
    view = tab.viewport_size["width"]
    if box["x"] < 0 or box["x"] + box["width"] > view + 1:
        problems.append(f"it does not fit a {view}-px window: {box}")
    overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        problems.append(f"the page scrolls sideways by {overflow} px")
    inner = root.evaluate("r => r.scrollWidth - r.clientWidth")
    if inner > 1:
        problems.append(f"its content is {inner} px wider than its box")
    unlabelled = root.evaluate(
        "r => [...r.querySelectorAll('input, select')].filter(c => !(c.labels && c.labels.length)).length"
    )
    if unlabelled:
        problems.append(f"{unlabelled} control(s) without a label")
    if not root.locator("[aria-live]").count():
        problems.append("no aria-live region")
    # Chart text: the SVG's 12-unit labels, as rendered, must stay at least 9 CSS px tall.
    sizes = root.evaluate(
        "r => [...r.querySelectorAll('svg text')].map(t => t.getBoundingClientRect().height).filter(h => h > 0)"
    )
    if sizes and min(sizes) < 9:
        problems.append(f"chart text only {min(sizes):.1f} px tall")
    if mode == "dark":
        theme = tab.evaluate("document.documentElement.dataset.theme")
        if theme != "dark":
            problems.append(f"dark mode did not apply (data-theme={theme!r})")
        colour = root.evaluate("r => getComputedStyle(r.querySelector('.sx-title')).color")
        rgb = [int(v) for v in re.findall(r"\d+", colour)[:3]]
        if sum(rgb) < 3 * 128:
            problems.append(f"text colour {colour} is dark on a dark page")
    shots = screenshots / "explorables"
    shots.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=str(shots / f"{name}-{width}-{mode}.png"))
    problems += [str(p) for p in watch.problems(page)]
    assert not problems, f"{name} ({width}, {mode}) on {page}: " + "; ".join(problems)


def test_explorables_work_from_file_urls(desktop):
    """Opened from a folder (file://), with no server: classic scripts still run."""
    tab = desktop.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for name in NAMES:
        tab.goto((SITE / _page_of(name)).as_uri(), wait_until="domcontentloaded")
        tab.wait_for_function(
            f"(() => {{ const r = document.querySelector('[data-explorable=\"{name}\"]'); return r && r.hasAttribute('data-state'); }})()",
            timeout=10_000,
        )
    assert not errors, f"errors from file:// pages: {errors}"

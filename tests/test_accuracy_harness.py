"""The fast subset of the accuracy harness (benchmarks/accuracy.py), run by `make test`.

Errors in ulps are deterministic, so the targets of issue 5 are asserted
here on small hard cases; the benchmark runs the same cases at full size
(rows of 10**6). Times are never asserted.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import softmax_lib as sl
from benchmarks import accuracy as harness
from softmax_lib.accuracy import extended_reference


@pytest.fixture(scope="module")
def results():
    return harness.measure(harness.hard_cases(rows=4, n=300, long_n=20_000))


SMALL_HARD = {
    "spread 100": -100.0 * np.random.default_rng(1).random((2, 40)),
    "offset +1000": 1000.0 + 10.0 * np.random.default_rng(2).standard_normal((2, 40)),
    "one dominant": np.r_[0.0, -40.0 - 30.0 * np.random.default_rng(3).random(39)][None],
    "masked": np.array([[0.5, -np.inf, -3.0, -np.inf, -70.0]]),
}


@pytest.mark.parametrize("case", SMALL_HARD)
@pytest.mark.parametrize("kind", harness.FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extended_reference_agrees_with_mpmath(case, kind, dtype):
    x = SMALL_HARD[case].astype(dtype)
    mp = {"softmax": sl.softmax_reference, "log_softmax": sl.log_softmax_reference, "logsumexp": sl.logsumexp_reference}
    exact = mp[kind](x, dps=60)
    fast = extended_reference(x, kind)
    # Distances in float64 ulps, whatever the dtype: the reference must be far finer than float64.
    # A long double is hi + lo exactly, with hi and lo float64, which mpmath holds exactly.
    hi = fast.astype(np.float64)
    with np.errstate(invalid="ignore"):  # -inf - -inf where a slice is masked
        lo = (fast - hi).astype(np.float64)
    gap = []
    with mpmath.workdps(60):
        for h, l, r in zip(np.ravel(hi), np.ravel(lo), np.ravel(exact)):
            if not mpmath.isfinite(r):
                assert h == float(r) or (np.isnan(h) and mpmath.isnan(r))
                continue
            ulp = mpmath.mpf(float(np.spacing(abs(float(r)))))
            gap.append(float(abs(mpmath.mpf(float(h)) + mpmath.mpf(float(l)) - r) / ulp))
    assert max(gap) <= 0.01, max(gap)


@pytest.mark.parametrize(("function", "dtype"), [(f, d) for f in harness.TARGETS for d in ("float32", "float64")])
def test_softmax_lib_meets_its_accuracy_target(results, function, dtype):
    assert harness.worst(results)[(function, dtype)] <= harness.TARGETS[function]


def test_float32_is_correctly_rounded_in_practice(results):
    worst = harness.worst(results)
    assert all(worst[(f, "float32")] <= 0.51 for f in harness.FUNCTIONS)


@pytest.mark.parametrize("library", ["scipy", "torch"])
def test_scipy_and_torch_round_log_softmax_at_the_max_to_zero(library):
    # The claim of chapter 2 and of the speed page: log(1 + tail) loses a tail below eps.
    funcs = harness._libraries()[library]
    x = np.array([[0.0, -40.0, -45.0]])
    assert funcs["log_softmax"](x)[0, 0] == 0.0
    assert sl.log_softmax(x)[0, 0] < 0.0


@pytest.mark.parametrize("library", ["scipy", "torch"])
def test_scipy_and_torch_lose_ulps_at_a_spread_of_100(results, library):
    assert harness.worst(results, library)[("softmax", "float32")] > 10


def test_the_table_marks_no_missed_target(results):
    text = harness.table(results)
    assert "**" not in text
    assert text.count("\n") == len({(r["case"], r["function"]) for r in results}) + 1


def test_ulp_error_names_a_ragged_argument():
    with pytest.raises(TypeError, match="computed must be an array of floats"):
        sl.ulp_error([[1.0, 2.0], [3.0]], [1.0, 2.0])


@pytest.mark.parametrize("dps", [0, -1, 2.5, True])
def test_reference_precision_must_be_a_positive_integer(dps):
    with pytest.raises((TypeError, ValueError), match="dps must be an integer >= 1"):
        sl.softmax_reference([1.0, 2.0], dps=dps)

"""Regression tests for what chapter 2 teaches, named after the mistakes they guard against.

(tests/test_core.py already pins lse(z + c) = lse(z) + c and log_softmax at the
maximum of [0, -40]; the tests here cover the rest of the chapter's claims.)

Textbooks, lecture notes and code in the wild get these wrong: calling
log-sum-exp shift-invariant, taking ``log(softmax(x))`` for log-probabilities,
rounding the log-probability at the maximum to exactly 0, and trusting the
naive ``exp(x) / sum(exp(x))``. Each test states the correct fact so that the
book's claims about it fail loudly if the library ever drifts. Reference
values come from mpmath, not from the code under test.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import softmax_lib as sl

mpmath.mp.dps = 50


def _lse_mp(values):
    return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in values))


# --- log-sum-exp: shift-equivariant, not shift-invariant -------------------------------

def test_log_softmax_is_shift_invariant_although_logsumexp_is_not():
    # log_softmax(z) = z - lse(z): both terms move by c, so the difference does not.
    z = np.array([1.0, 2.0, -3.0])
    assert np.allclose(sl.log_softmax(z + 50.0), sl.log_softmax(z), rtol=0, atol=1e-13)
    assert float(sl.logsumexp(z + 50.0)) == pytest.approx(float(_lse_mp(z)) + 50.0, rel=1e-15)


# --- log(softmax(x)) versus log_softmax ------------------------------------------------

def test_log_of_softmax_underflows_where_log_softmax_does_not():
    x = np.array([0.0, -800.0])
    with np.errstate(divide="ignore"):
        log_of_softmax = np.log(sl.softmax(x))
    assert log_of_softmax[1] == -np.inf          # e^-800 underflowed to 0 first
    exact = mpmath.mpf(-800) - _lse_mp(x)        # = -800 - log1p(e^-800)
    assert sl.log_softmax(x)[1] == float(exact) == -800.0


def test_cross_entropy_from_log_of_softmax_is_infinite_where_it_should_be_finite():
    logits = np.array([0.0, -800.0])
    with np.errstate(divide="ignore"):
        bad_loss = -np.log(sl.softmax(logits))[1]
    good_loss = -sl.log_softmax(logits)[1]
    assert np.isinf(bad_loss) and np.isfinite(good_loss) and good_loss == pytest.approx(800.0)


# --- log1p: the log-probability at the maximum is not exactly 0 --------------------------

@pytest.mark.parametrize("gap", [37.0, 40.0, 100.0, 700.0])
def test_log_softmax_at_max_is_not_rounded_to_zero_for_any_large_gap(gap):
    # log(1 + e^-gap) rounds to 0.0 once e^-gap < 2^-53 (gap > ~36.7); log1p keeps it.
    x = np.array([0.0, -gap])
    naive = x - (x.max() + np.log(np.sum(np.exp(x - x.max()))))
    assert naive[0] == 0.0                       # what scipy and PyTorch return
    exact = -mpmath.log1p(mpmath.exp(-gap))
    got = sl.log_softmax(x)[0]
    assert got < 0.0
    assert sl.ulp_error(np.array([got]), np.array([exact], dtype=object))[0] <= 2


# --- the naive formula: where exactly it breaks ----------------------------------------

@pytest.mark.parametrize(
    ("dtype", "threshold"), [(np.float16, 11.09), (np.float32, 88.72), (np.float64, 709.78)]
)
def test_exp_overflows_just_above_the_log_of_the_largest_float(dtype, threshold):
    # The numbers the chapter quotes: ln(max float) for each format.
    assert float(np.log(np.float64(np.finfo(dtype).max))) == pytest.approx(threshold, abs=0.005)
    below, above = dtype(threshold - 0.01), dtype(threshold + 0.01)
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(below))
        assert np.isinf(np.exp(above))


@pytest.mark.parametrize(("dtype", "big"), [(np.float16, 12.0), (np.float32, 89.0), (np.float64, 710.0)])
def test_naive_softmax_gives_nan_above_the_overflow_threshold(dtype, big):
    # exp(big) = inf, so inf / inf = NaN for the top entry and finite / inf = 0 for
    # the other (if exp(big - 1) is still finite): neither is the right answer.
    x = np.array([big, big - 1.0], dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = sl.softmax_naive(x)
    assert np.isnan(naive[0]) and (np.isnan(naive[1]) or naive[1] == 0.0)
    assert np.allclose(sl.softmax(x).astype(np.float64), [0.7310585786, 0.2689414214], rtol=1e-3)


def test_naive_softmax_of_very_negative_scores_is_zero_over_zero():
    x = np.array([-1000.0, -1001.0])
    with np.errstate(under="ignore"):
        assert np.all(np.exp(x) == 0.0)
    with np.errstate(invalid="ignore"):
        assert np.all(np.isnan(sl.softmax_naive(x)))
    assert np.allclose(sl.softmax(x), [0.7310585786, 0.2689414214], rtol=1e-10)


# --- masking: -inf, never a large negative number --------------------------------------

def test_mask_of_minus_1e6_overflows_float16_to_minus_inf():
    # A "large negative" mask is not large-negative in float16: it is already -inf,
    # and a float16 mask of -1e4 leaves a row of only masked entries uniform.
    with np.errstate(over="ignore"):
        assert np.float16(-1e6) == -np.inf
    masked_row = np.full(3, -1e4, dtype=np.float16)
    assert np.allclose(sl.softmax(masked_row).astype(np.float64), 1 / 3, rtol=1e-3)
    assert np.all(sl.softmax(np.full(3, -np.inf, dtype=np.float16)) == 0)


def test_masked_entries_get_exactly_zero_probability():
    p = sl.softmax(np.array([2.0, -np.inf, 1.0, -np.inf]))
    assert p[1] == 0.0 and p[3] == 0.0
    assert p[0] + p[2] == pytest.approx(1.0, rel=1e-15)

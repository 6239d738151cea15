"""Property-based tests of the core (hypothesis): random shapes, axes, dtypes and values.

Each property holds for every input, so hypothesis searches for a
counterexample and, if it finds one, shrinks it to a minimal failing case.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import softmax_lib as sl
from benchmarks.accuracy import TARGETS
from softmax_lib.accuracy import extended_reference

settings.register_profile("core", max_examples=100, deadline=None)
settings.load_profile("core")

DTYPES = st.sampled_from([np.float32, np.float64])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6)


@st.composite
def logits(draw, min_side=0, masked=True, grid=False):
    """(x, axis): an array of scores, possibly with -inf entries, and a valid axis."""
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=6))
    if grid:  # multiples of 2**-10 in [-1000, 1000]: exact in float32 and float64, and so is x + an integer
        values = st.integers(-(2**20), 2**20).map(lambda k: k / 1024)
    else:
        values = st.floats(-1e4, 1e4, width=32 if dtype == np.float32 else 64)
    if masked:
        values = st.one_of(values, values, values, st.just(-np.inf))
    x = draw(hnp.arrays(dtype, shape, elements=values))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    return x, axis


def _some_finite(x, axis):
    return x.shape[axis] > 0 and bool(np.all(np.any(np.isfinite(x), axis=axis)))


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@given(logits())
def test_softmax_sums_to_one_within_2_eps(case):
    x, axis = case
    assume(_some_finite(x, axis))
    total = sl.softmax(x, axis=axis).astype(np.longdouble).sum(axis=axis)
    assert np.all(np.abs(total - 1) <= TARGETS["sum_to_one"] * np.finfo(x.dtype).eps)


@given(logits(grid=True), st.integers(-1000, 1000))
def test_softmax_and_log_softmax_are_exactly_shift_invariant(case, c):
    # On the grid x + c is exact, so x - max(x) is the same array and so is the result, bit for bit.
    x, axis = case
    np.testing.assert_array_equal(sl.softmax(x + x.dtype.type(c), axis=axis), sl.softmax(x, axis=axis))
    np.testing.assert_array_equal(sl.log_softmax(x + x.dtype.type(c), axis=axis), sl.log_softmax(x, axis=axis))


@given(logits(grid=True, min_side=1), st.integers(-1000, 1000))
def test_logsumexp_moves_with_a_shift(case, c):
    x, axis = case
    lse, shifted = sl.logsumexp(x, axis=axis), sl.logsumexp(x + x.dtype.type(c), axis=axis)
    finite = np.isfinite(lse)
    np.testing.assert_array_equal(np.isfinite(shifted), finite)
    np.testing.assert_allclose(shifted[finite], lse[finite] + c, rtol=0, atol=4 * np.finfo(x.dtype).eps * 2048)


@given(logits(min_side=1))
def test_softmax_preserves_order(case):
    x, axis = case
    p = np.moveaxis(sl.softmax(x, axis=axis), axis, -1).reshape(-1, x.shape[axis])
    xs = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    for row_x, row_p in zip(xs, p):
        order = np.argsort(row_x, kind="stable")
        assert np.all(np.diff(row_p[order]) >= 0)


@given(logits(min_side=1))
def test_softmax_and_log_softmax_are_within_their_ulp_targets(case):
    x, axis = case
    p_err = sl.ulp_error(sl.softmax(x, axis=axis), extended_reference(x, "softmax", axis))
    lp_err = sl.ulp_error(sl.log_softmax(x, axis=axis), extended_reference(x, "log_softmax", axis))
    assert p_err.max(initial=0) <= TARGETS["softmax"]
    assert lp_err.max(initial=0) <= TARGETS["log_softmax"]


@given(logits(min_side=1))
def test_logsumexp_is_within_2_ulp_or_its_conditioning(case):
    # lse can be ~0 by cancellation (an ill-conditioned input); then an error of ~eps * max|x| is the best
    # any working-precision algorithm can do, so that is the bound where it is larger than 2 ulps.
    x, axis = case
    got = sl.logsumexp(x, axis=axis)
    ref = extended_reference(x, "logsumexp", axis)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite)
    scale = np.max(np.where(np.isfinite(x), np.abs(x), 0), axis=axis, initial=0)
    bound = np.maximum(2 * np.spacing(np.abs(ref.astype(x.dtype))), 2 * np.finfo(x.dtype).eps * scale)
    assert np.all(np.abs(got[finite] - ref[finite]) <= bound[finite])


@given(logits(min_side=1, masked=False))
def test_softmax_agrees_with_torch_and_scipy_within_their_error_bound(case):
    # The textbook algorithm's error grows with |x - max| and the length of the row.
    x, axis = case
    ours = sl.softmax(x, axis=axis)
    spread = np.max(x, axis=axis, keepdims=True) - np.min(x, axis=axis, keepdims=True)
    bound = (spread + x.shape[axis] + 8) * np.finfo(x.dtype).eps * ours + np.finfo(x.dtype).tiny
    theirs = torch.softmax(torch.from_numpy(x), dim=axis).numpy()
    assert np.all(np.abs(theirs - ours) <= bound)
    assert np.all(np.abs(scipy.special.softmax(x, axis=axis) - ours) <= bound)


@given(logits(min_side=1, masked=False), st.floats(1e-3, 1e3))
def test_temperature_is_softmax_of_the_divided_scores(case, temperature):
    # The reference divides in float64 and applies softmax in extended precision: the library divides
    # float32 scores in float64 too, so rounding x / T to float32 first (as this test once did) moved
    # the reference by up to |x / T| * 2**-24 in the exponent, 7e-5 relative for x = [8717, 8306]
    # float32 and T = 7, and the test failed on a correct result. The float64 quotient is off by at
    # most |x / T| * 2**-53 <= 1e7 * 1.1e-16 = 1.1e-9 here, a hundredth of a float32 ulp of the output,
    # and it is exactly the quotient the library rounds for float64 input; so the result must be within
    # the softmax ulp target of the softmax of that quotient, in either dtype.
    x, axis = case
    quotient = x.astype(np.float64) / temperature
    expected = extended_reference(quotient, "softmax", axis)
    got = sl.softmax(x, axis=axis, temperature=temperature)
    assert got.dtype == x.dtype
    slack = 0.0 if x.dtype == np.float64 else 0.05  # float32: the float64 quotient's own rounding, in ulps
    assert sl.ulp_error(got, expected).max(initial=0) <= TARGETS["softmax"] + slack


def test_temperature_reference_regression_float32_8717_8306():
    # The example that made the old float32-rounded reference fail (7e-5 relative against rtol 1e-5).
    x = np.array([8717, 8306], dtype=np.float32)
    expected = extended_reference(x.astype(np.float64) / 7, "softmax", -1)
    assert sl.ulp_error(sl.softmax(x, temperature=7), expected).max() <= TARGETS["softmax"]


@given(st.lists(st.integers(-100, 100), min_size=2, max_size=8, unique=True))
def test_temperature_limits_are_one_hot_and_uniform(values):
    x = np.array(values, dtype=np.float64)
    one_hot = np.eye(len(x))[np.argmax(x)]
    np.testing.assert_allclose(sl.softmax(x, temperature=1e-3), one_hot, atol=1e-100)
    np.testing.assert_allclose(sl.softmax(x, temperature=1e8), 1 / len(x), rtol=1e-5)


@given(logits(), st.booleans())
def test_logsumexp_keepdims_semantics(case, keepdims):
    x, axis = case
    got = sl.logsumexp(x, axis=axis, keepdims=keepdims)
    expected_shape = list(x.shape)
    if keepdims:
        expected_shape[axis] = 1
    else:
        del expected_shape[axis]
    assert got.shape == tuple(expected_shape)
    assert got.dtype == x.dtype
    kept = sl.logsumexp(x, axis=axis, keepdims=True)
    np.testing.assert_array_equal(np.squeeze(kept, axis=axis), sl.logsumexp(x, axis=axis))
    if x.shape[axis] == 0:
        assert np.all(kept == -np.inf)


@given(logits())
def test_shapes_and_dtypes_are_kept_even_for_empty_axes(case):
    x, axis = case
    for func in (sl.softmax, sl.log_softmax):
        out = func(x, axis=axis)
        assert out.shape == x.shape and out.dtype == x.dtype


@given(logits())
def test_out_equals_the_returned_array(case):
    x, axis = case
    for func in (sl.softmax, sl.log_softmax):
        out = np.empty_like(x)
        assert func(x, axis=axis, out=out) is out
        np.testing.assert_array_equal(out, func(x, axis=axis))

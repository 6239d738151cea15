"""Tests of softmax, log_softmax and logsumexp: the core every chapter uses.

Each test pins one line of the core's policy (see the docstrings of
``softmax_lib/core.py``). Reference values come from mpmath through
``softmax_lib.accuracy`` (an independent computation at 50 digits), never
from the code under test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import softmax_lib as sl

CORE = [sl.softmax, sl.log_softmax, sl.logsumexp]
NORMALISING = [sl.softmax, sl.log_softmax]


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    """No core function may warn (overflow, invalid value, divide by zero)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


# ---------------------------------------------------------------- the mathematics


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_sums_to_one(dtype):
    x = (_rng().standard_normal((7, 33)) * 10).astype(dtype)
    total = sl.softmax(x).astype(np.float64).sum(axis=-1)
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=8 * np.finfo(dtype).eps)


def test_softmax_sums_to_one_along_any_axis():
    x = _rng().standard_normal((3, 4, 5))
    for axis in range(-3, 3):
        np.testing.assert_allclose(sl.softmax(x, axis=axis).sum(axis=axis), 1.0, rtol=0, atol=1e-15)


def test_softmax_is_shift_invariant():
    x = _rng().standard_normal((4, 9))
    np.testing.assert_allclose(sl.softmax(x + 1000.0), sl.softmax(x), rtol=1e-12, atol=0)
    np.testing.assert_allclose(sl.log_softmax(x - 1000.0), sl.log_softmax(x), rtol=0, atol=1e-12)


def test_logsumexp_is_not_shift_invariant_but_equivariant():
    # A known mistake of other texts: lse(z - c) = lse(z) - c, not lse(z).
    x = _rng().standard_normal((4, 9))
    np.testing.assert_allclose(sl.logsumexp(x + 5.0), sl.logsumexp(x) + 5.0, rtol=1e-14)
    assert not np.allclose(sl.logsumexp(x + 5.0), sl.logsumexp(x))


def test_softmax_preserves_order():
    x = _rng().standard_normal(50)
    p = sl.softmax(x)
    order = np.argsort(x)
    assert np.all(np.diff(p[order]) >= 0)
    assert np.argmax(p) == np.argmax(x)


def test_log_softmax_is_x_minus_logsumexp():
    x = _rng().standard_normal((5, 6)) * 3
    np.testing.assert_allclose(sl.log_softmax(x), x - sl.logsumexp(x, keepdims=True), rtol=0, atol=1e-14)


def test_exp_of_log_softmax_is_softmax():
    x = _rng().standard_normal((5, 6)) * 3
    np.testing.assert_allclose(np.exp(sl.log_softmax(x)), sl.softmax(x), rtol=1e-14)


@pytest.mark.parametrize("temperature", [0.1, 0.5, 2.0, 10.0])
def test_temperature_divides_the_scores(temperature):
    x = _rng().standard_normal((3, 8))
    np.testing.assert_allclose(sl.softmax(x, temperature=temperature), sl.softmax(x / temperature), rtol=1e-14)
    np.testing.assert_allclose(
        sl.log_softmax(x, temperature=temperature), sl.log_softmax(x / temperature), rtol=1e-14, atol=1e-14
    )


def test_temperature_limits_are_argmax_and_uniform():
    x = np.array([0.3, 2.0, -1.0, 1.9])
    np.testing.assert_allclose(sl.softmax(x, temperature=1e-3), [0, 1, 0, 0], atol=1e-30)
    np.testing.assert_allclose(sl.softmax(x, temperature=1e6), 0.25, rtol=1e-5)


# ---------------------------------------------------------------- values against mpmath


HARD_ROWS = {
    "small": [5.0, 7.0, 10.0],
    "offset_1000": [1000.0, 1001.0, 1002.5],
    "very_negative": [-1000.0, -1001.0, -1040.0],
    "one_dominant": [0.0, -40.0, -50.0, -60.0],
    "ties": [3.0, 3.0, 3.0, -1.0],
    "spread_100": [0.0, -0.5, -3.7, -31.3, -99.1],
    "huge_spread": [0.0, -1.0, -700.0, -745.0, -1e4],
}


@pytest.mark.parametrize("name", HARD_ROWS)
def test_softmax_matches_mpmath_within_4_ulp(name):
    x = np.array(HARD_ROWS[name])
    err = sl.ulp_error(sl.softmax(x), sl.softmax_reference(x))
    assert err.max() <= 4, err


@pytest.mark.parametrize("name", HARD_ROWS)
def test_log_softmax_matches_mpmath_within_2_ulp(name):
    x = np.array(HARD_ROWS[name])
    err = sl.ulp_error(sl.log_softmax(x), sl.log_softmax_reference(x))
    assert err.max() <= 2, err


@pytest.mark.parametrize("name", HARD_ROWS)
def test_logsumexp_matches_mpmath_within_2_ulp(name):
    x = np.array(HARD_ROWS[name])
    err = sl.ulp_error(sl.logsumexp(x)[None], sl.logsumexp_reference(x)[None])
    assert err.max() <= 2, err


def test_log_softmax_at_max_is_not_zero():
    # scipy and PyTorch round log(1 + tiny) to exactly 0.0 here.
    value = sl.log_softmax(np.array([0.0, -40.0]))[0]
    assert value < 0
    assert sl.ulp_error(np.array([value]), sl.log_softmax_reference([0.0, -40.0])[:1])[0] <= 1


def test_logsumexp_of_one_dominant_logit_is_not_rounded_to_the_max():
    x = np.array([0.0, -40.0, -40.0])
    assert sl.logsumexp(x) > 0
    assert sl.ulp_error(sl.logsumexp(x)[None], sl.logsumexp_reference(x)[None])[0] <= 1


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_keep_their_dtype(func, dtype):
    assert func(np.zeros((2, 3), dtype=dtype)).dtype == dtype


@pytest.mark.parametrize("func", CORE)
def test_float16_is_returned_as_float16(func):
    assert func(np.zeros((2, 3), dtype=np.float16)).dtype == np.float16


def test_float16_is_computed_in_float32():
    # exp(12) overflows float16 (max 65504); computed in float32 the shift is harmless anyway,
    # but the accuracy shows: the float16 result is the float32 result rounded once.
    x = np.array([0.0, -3.0, -7.5, 2.25], dtype=np.float16)
    expected = sl.softmax(x.astype(np.float32)).astype(np.float16)
    np.testing.assert_array_equal(sl.softmax(x), expected)
    assert float(sl.logsumexp(np.array([11.0, 11.0], dtype=np.float16))) == pytest.approx(11.693, abs=0.01)


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_integers_become_float64(func, dtype):
    assert func(np.array([[1, 2, 3]], dtype=dtype)).dtype == np.float64


@pytest.mark.parametrize("func", CORE)
def test_python_lists_are_accepted(func):
    assert func([1, 2, 3]).dtype == np.float64


# ---------------------------------------------------------------- the input policy


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (np.array([True, False]), "bool"),
        (np.array([1 + 2j, 3j]), "complex"),
        (np.array([1, "a"], dtype=object), "object"),
        (np.array(["a", "b"]), "<U1"),
    ],
)
def test_non_real_input_is_a_type_error_naming_the_dtype(func, bad, named):
    with pytest.raises(TypeError, match=named):
        func(bad)


@pytest.mark.parametrize("func", CORE)
def test_ragged_input_is_a_type_error(func):
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        func([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("func", CORE)
def test_zero_dimensional_input_is_a_clear_error(func):
    with pytest.raises(ValueError, match="at least 1 dimension"):
        func(3.0)


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize("axis", [2, -3, 10])
def test_axis_out_of_range_is_a_clear_error(func, axis):
    with pytest.raises(np.exceptions.AxisError, match="out of range"):
        func(np.zeros((2, 3)), axis=axis)


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize("axis", [1.0, True, (0, 1.0), [0, 1]])
def test_axis_must_be_an_integer(func, axis):
    # softmax_lib 0.2: an int, a tuple of ints or None (all axes); anything else is refused.
    if func is sl.softmax_naive and isinstance(axis, (tuple, list)):
        pytest.skip("softmax_naive takes one axis")
    with pytest.raises(TypeError, match="axis must be an integer"):
        func(np.zeros((2, 3)), axis=axis)


@pytest.mark.parametrize("func", NORMALISING)
@pytest.mark.parametrize("temperature", [0.0, -1.0, np.inf, np.nan])
def test_bad_temperature_is_a_value_error_suggesting_argmax(func, temperature):
    with pytest.raises(ValueError, match="argmax"):
        func([1.0, 2.0], temperature=temperature)


@pytest.mark.parametrize("func", NORMALISING)
@pytest.mark.parametrize("temperature", ["1", None, True])
def test_temperature_must_be_a_number(func, temperature):
    with pytest.raises(TypeError, match="temperature must be a real number"):
        func([1.0, 2.0], temperature=temperature)


def test_keepdims_must_be_a_bool():
    with pytest.raises(TypeError, match="keepdims must be True or False"):
        sl.logsumexp([1.0, 2.0], keepdims=1)


@pytest.mark.parametrize("func", NORMALISING)
def test_empty_axis_gives_an_empty_result(func):
    out = func(np.zeros((3, 0)))
    assert out.shape == (3, 0)


def test_logsumexp_of_an_empty_axis_is_minus_inf():
    np.testing.assert_array_equal(sl.logsumexp(np.zeros((3, 0))), [-np.inf] * 3)
    assert sl.logsumexp(np.zeros((3, 0)), keepdims=True).shape == (3, 1)


@pytest.mark.parametrize("func", CORE)
def test_nan_poisons_its_slice_only(func):
    x = np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]])
    out = np.asarray(func(x))
    assert np.all(np.isnan(out[0]))
    assert not np.any(np.isnan(out[1]))
    np.testing.assert_allclose(out[1], func(x[1]))


@pytest.mark.parametrize("func", NORMALISING)
def test_plus_inf_gives_a_nan_slice(func):
    x = np.array([[np.inf, 1.0], [1.0, 2.0]])
    out = np.asarray(func(x))
    assert np.all(np.isnan(out[0]))
    assert not np.any(np.isnan(out[1]))


def test_minus_inf_is_masked():
    x = np.array([1.0, -np.inf, 2.0])
    np.testing.assert_allclose(sl.softmax(x), np.r_[sl.softmax([1.0, 2.0])[0], 0.0, sl.softmax([1.0, 2.0])[1]])
    assert sl.softmax(x)[1] == 0.0
    assert sl.log_softmax(x)[1] == -np.inf
    assert sl.logsumexp(x) == sl.logsumexp([1.0, 2.0])


def test_fully_masked_slice_gives_zeros_and_minus_inf_without_warning():
    x = np.array([[-np.inf, -np.inf], [0.0, 0.0]])
    np.testing.assert_array_equal(sl.softmax(x), [[0.0, 0.0], [0.5, 0.5]])
    np.testing.assert_array_equal(sl.log_softmax(x)[0], [-np.inf, -np.inf])
    np.testing.assert_array_equal(sl.logsumexp(x), [-np.inf, np.log(2.0)])


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_input_is_never_modified(func, dtype):
    x = (_rng().standard_normal((4, 5)) * 3).astype(dtype)
    x[0, 1] = -np.inf
    x[1, 0] = np.nan
    before = x.copy()
    func(x)
    np.testing.assert_array_equal(x, before)
    if func is not sl.logsumexp:
        func(x, temperature=0.5)
        np.testing.assert_array_equal(x, before)


def test_input_view_is_never_modified():
    base = np.arange(12.0).reshape(3, 4)
    before = base.copy()
    sl.softmax(base[:, ::2], axis=0)
    sl.log_softmax(base.T)
    np.testing.assert_array_equal(base, before)


@pytest.mark.parametrize("func", CORE)
def test_non_contiguous_input_gives_the_contiguous_answer(func):
    x = _rng().standard_normal((6, 8))
    np.testing.assert_allclose(func(x[:, ::2]), func(np.ascontiguousarray(x[:, ::2])), rtol=1e-15)
    np.testing.assert_allclose(func(x.T, axis=0), np.asarray(func(x, axis=1)).T, rtol=1e-15)


def test_softmax_naive_overflows_where_softmax_does_not():
    with np.errstate(over="ignore", invalid="ignore"):
        naive = sl.softmax_naive([1000.0, 1000.0])
    assert np.all(np.isnan(naive))
    np.testing.assert_array_equal(sl.softmax([1000.0, 1000.0]), [0.5, 0.5])


# ---------------------------------------------------------------- out=


@pytest.mark.parametrize("func", NORMALISING)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_out_receives_the_result_and_is_returned(func, dtype):
    x = (_rng().standard_normal((5, 7)) * 3).astype(dtype)
    out = np.full_like(x, 123)
    assert func(x, out=out) is out
    np.testing.assert_array_equal(out, func(x))


def test_out_of_integer_input_is_float64():
    out = np.empty(3)
    sl.softmax([1, 2, 3], out=out)
    np.testing.assert_array_equal(out, sl.softmax([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="out must have dtype float64"):
        sl.softmax([1, 2, 3], out=np.empty(3, dtype=np.float32))


@pytest.mark.parametrize("func", NORMALISING)
def test_out_equal_to_x_computes_in_place(func):
    x = _rng().standard_normal((6, 40)) * 5
    x[2, 3] = -np.inf
    expected = func(x, axis=0, temperature=0.7)
    assert func(x, axis=0, temperature=0.7, out=x) is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("func", NORMALISING)
def test_out_with_the_wrong_shape_or_dtype_is_refused(func):
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"out must have shape \(2, 3\)"):
        func(x, out=np.empty((3, 2)))
    with pytest.raises(TypeError, match="out must have dtype float64"):
        func(x, out=np.empty((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        func(x, out=[[0.0] * 3] * 2)


@pytest.mark.parametrize("func", NORMALISING)
def test_out_that_partly_overlaps_x_is_refused(func):
    base = np.zeros((3, 4))
    with pytest.raises(ValueError, match="overlaps x"):
        func(base[:, :2], out=base[:, 2:])
    with pytest.raises(ValueError, match="overlaps x"):
        func(base, out=base[::-1])


def test_read_only_out_is_refused():
    out = np.empty(3)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        sl.softmax([1.0, 2.0, 3.0], out=out)


def test_out_allocates_nothing_the_size_of_x():
    import tracemalloc

    # Scratch is a few block-sized buffers (at most four float64 ones and a bool one), whatever x's size.
    x = _rng().standard_normal((256, 8192))
    scratch = 5 * sl.core.BLOCK_ELEMENTS * 8
    assert scratch < x.nbytes / 4
    out = np.empty_like(x)
    sl.softmax(x, out=out)  # warm up
    tracemalloc.start()
    sl.softmax(x, out=out)
    sl.log_softmax(x, out=out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < scratch


def test_softmax_allocates_only_its_result_plus_scratch():
    import tracemalloc

    x = _rng().standard_normal((256, 8192))
    scratch = 5 * sl.core.BLOCK_ELEMENTS * 8
    tracemalloc.start()
    p = sl.softmax(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert p.nbytes <= peak < p.nbytes + scratch


# ---------------------------------------------------------------- blocks and long rows


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block", [1, 3, 16, 1 << 15])
def test_result_does_not_depend_on_the_block_size(monkeypatch, func, dtype, block):
    x = (_rng().standard_normal((5, 37)) * 20).astype(dtype)
    x[1, :] = -np.inf
    x[2, 4] = np.nan
    x[3, 30] = -np.inf
    x[4, 36] = x[4].max() + 1  # the maximum in the last chunk
    expected = np.asarray(func(x))
    monkeypatch.setattr(sl.core, "BLOCK_ELEMENTS", block)
    got = np.asarray(func(x))
    if block < 37:
        # A long row sums its chunks in another order, and softmax stores exp(z) in out
        # before scaling it (float32 rounds twice there): a few ulps apart, no more.
        np.testing.assert_allclose(got, expected, rtol=4 * np.finfo(dtype).eps, atol=0)
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("func", NORMALISING)
def test_long_rows_are_accurate(monkeypatch, func):
    monkeypatch.setattr(sl.core, "BLOCK_ELEMENTS", 8)
    x = np.array([[0.0, -0.5, -3.7, -31.3, -99.1, 2.0, -7.0, -1e4, -2.5, -1.0, -40.0]])
    reference = (sl.softmax_reference if func is sl.softmax else sl.log_softmax_reference)(x)
    assert sl.ulp_error(func(x), reference).max() <= 4


@pytest.mark.parametrize("func", CORE)
def test_a_middle_axis_without_a_2d_view_is_handled(func):
    x = _rng().standard_normal((3, 4, 5))
    moved = np.moveaxis(x, 1, -1)
    np.testing.assert_array_equal(np.asarray(func(x, axis=1)), np.moveaxis(np.asarray(func(moved)), -1, 1) if func is not sl.logsumexp else func(moved))


@pytest.mark.parametrize("func", NORMALISING)
def test_out_without_a_2d_view_receives_the_result(func):
    x = _rng().standard_normal((3, 4, 5))
    out = np.empty((3, 5, 4)).transpose(0, 2, 1)  # the middle axis of out has no 2-d view either
    func(x, axis=1, out=out)
    np.testing.assert_array_equal(out, func(x, axis=1))


@pytest.mark.parametrize("func", NORMALISING)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_equal_to_x_is_safe_for_long_rows_too(monkeypatch, func, dtype):
    # Rows longer than a block are read in two passes; each chunk is read before it is written.
    monkeypatch.setattr(sl.core, "BLOCK_ELEMENTS", 7)
    x = (_rng().standard_normal((3, 40)) * 5).astype(dtype)
    x[1, 20] = -np.inf
    expected = func(x, temperature=1.5)
    func(x, temperature=1.5, out=x)
    np.testing.assert_array_equal(x, expected)


def test_float16_out_is_filled_with_the_float16_result():
    x = np.array([[0.0, -3.0, 2.5]], dtype=np.float16)
    out = np.empty_like(x)
    sl.log_softmax(x, out=out)
    np.testing.assert_array_equal(out, sl.log_softmax(x))
    sl.softmax(x, out=x)  # in place, through a float32 buffer
    np.testing.assert_array_equal(x, sl.softmax(np.array([[0.0, -3.0, 2.5]], dtype=np.float16)))


def test_float64_tail_is_not_summed_with_float64_pairwise_error():
    # Regression: rows of 100 normal logits came out 4.4 ulps off because numpy's float64
    # sum of the ~100 exponentials was itself ~3 ulps off; the tail is now summed wider.
    x = np.random.default_rng(2).standard_normal((20, 100))
    reference = sl.accuracy.extended_reference(x, "softmax")
    assert sl.ulp_error(sl.softmax(x), reference).max() <= 3


@pytest.mark.parametrize("fn", [sl.softmax, sl.log_softmax])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_temperature_so_small_that_scores_overflow_is_an_error_not_nan(fn, dtype):
    # Found by chapter 3: dividing [1, 2] by T = 1e-308 overflowed to +inf and
    # the row came back as NaN with only a warning.
    with pytest.raises(ValueError, match=r"temperature=1e-308 is so small .* np\.argmax"):
        fn(np.array([1.0, 2.0], dtype=dtype), temperature=1e-308)


def test_small_temperature_that_does_not_overflow_gives_the_one_hot_limit():
    p = sl.softmax([1.0, 2.0, 2.0 - 1e-3], temperature=1e-6)
    np.testing.assert_array_equal(p, [0.0, 1.0, 0.0])

"""Regression tests for the corrected claims of chapters 1 and 2 (issue 9), named after each mistake.

The first edition said that PyTorch normalises along the last axis by default,
that softmax always hands the largest score more than its proportional share,
that a float16 softmax loses accuracy in every rounding of the exponentials and
of the running sum, and that a probability is always strictly between 0 and 1.
Each test states the fact the second edition teaches instead. Reference values
come from torch, mpmath or exact rational arithmetic, never from the code under
test alone.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import softmax_lib as sl

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _mp_softmax(values, dps=50):
    with mpmath.workdps(dps):
        exps = [mpmath.exp(mpmath.mpf(float(v))) for v in values]
        total = mpmath.fsum(exps)
        return [e / total for e in exps]


# --- chapter 1: PyTorch has no default dim -------------------------------------------------

@pytest.mark.parametrize(
    "shape, expected_dim",
    [((), 0), ((3,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)],
)
def test_pytorch_has_no_last_axis_default_its_implicit_dim_is_0_or_1(shape, expected_dim):
    # F.softmax without dim is deprecated, warns, and picks dim 0 for 0-, 1- and 3-d
    # input and 1 otherwise: not the last axis for 3-d and 4-d input.
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        implicit = F.softmax(x)
    assert any("Implicit dimension choice" in str(w.message) for w in caught)
    assert torch.equal(implicit, F.softmax(x, dim=expected_dim))
    if x.dim() > 2:
        assert not torch.allclose(implicit, F.softmax(x, dim=-1))


def test_torch_softmax_requires_dim():
    with pytest.raises(TypeError):
        torch.softmax(torch.zeros(3))


def test_softmax_lib_default_axis_is_the_last_like_jax():
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    assert np.allclose(sl.softmax(x).sum(axis=-1), 1.0)
    assert np.allclose(sl.softmax(x), F.softmax(torch.from_numpy(x), dim=-1).numpy(), rtol=0, atol=1e-15)


# --- chapter 1: the Matthew effect depends on the scale -------------------------------------

def test_softmax_gives_the_top_score_less_than_plain_normalisation_when_gaps_are_small():
    z = np.array([0.5, 0.7, 1.0])
    exact = [float(p) for p in _mp_softmax(z)]
    assert np.allclose(sl.softmax(z), exact, rtol=1e-14, atol=0)
    assert np.allclose(sl.softmax(z), [0.258, 0.316, 0.426], atol=5e-4)
    plain_top = z[2] / z.sum()
    assert plain_top == pytest.approx(0.4545, abs=1e-4)
    assert sl.softmax(z)[2] < plain_top - 0.02


def test_softmax_gives_the_top_score_more_than_plain_normalisation_when_gaps_are_large():
    z = np.array([5.0, 7.0, 10.0])
    plain_top = z[2] / z.sum()
    assert plain_top == pytest.approx(0.4545, abs=1e-4)  # the same shares as z / 10
    assert sl.softmax(z)[2] > 2 * plain_top


def test_plain_normalisation_ignores_a_factor_and_softmax_an_added_constant():
    z = np.array([0.5, 0.7, 1.0])
    assert np.allclose(z / z.sum(), 10 * z / (10 * z).sum())
    assert np.allclose(sl.softmax(z), sl.softmax(z + 10.0), rtol=1e-14, atol=0)
    assert not np.allclose(sl.softmax(z), sl.softmax(10 * z))


# --- chapter 1: exact versus floating-point positivity ---------------------------------------

def test_softmax_of_0_and_1000_is_exactly_0_and_1_in_float64():
    # In exact arithmetic both entries lie strictly in (0, 1); e^-1000 is below the
    # smallest float64 (mpmath says about 10^-434.3), so float64 stores exactly [0, 1].
    assert mpmath.log10(_mp_softmax([0.0, 1000.0])[0]) < -434
    p = sl.softmax([0.0, 1000.0])
    assert p.dtype == np.float64
    assert p[0] == 0.0 and p[1] == 1.0
    assert np.array_equal(sl.log_softmax([0.0, 1000.0]), [-1000.0, 0.0])


# --- chapter 2: where the float16 error comes from -----------------------------------------

def _float16_scores():
    torch.manual_seed(0)
    return (3.0 * torch.randn(20, 100)).half().numpy()


def _normalised(e):
    e = e.astype(np.float64)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float16)


def test_float16_softmax_error_comes_from_rounding_z_minus_m_not_from_the_sum():
    x = _float16_scores()
    exact = sl.softmax_reference(x.astype(np.float32))
    wide = x.astype(np.float64)
    with np.errstate(all="ignore"):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        full = e / e.sum(axis=-1, keepdims=True)  # numpy's float16 evaluation
    z_rounded = (x - x.max(axis=-1, keepdims=True)).astype(np.float64)
    only_z = _normalised(np.exp(z_rounded))
    only_exps = _normalised(np.exp(wide - wide.max(axis=-1, keepdims=True)).astype(np.float16))
    full_err = sl.ulp_error(full, exact).max()
    z_err = sl.ulp_error(only_z, exact).max()
    exp_err = sl.ulp_error(only_exps, exact).max()
    # Measured in torch 2.13 / numpy 2.4 here: 8.64, 8.35 and 1.26 float16 ulps.
    assert 6.0 < full_err < 11.0
    assert abs(z_err - full_err) < 1.0
    assert exp_err < 2.0
    assert exp_err < full_err / 4


def test_numpy_float16_sum_accumulates_in_float32():
    terms = np.array([1.0] + [2.0**-11] * 4, dtype=np.float16)
    loop = np.float16(0)
    for term in terms:
        loop = np.float16(loop + term)
    assert float(terms.sum()) == 1 + 4 * 2**-11  # float32 accumulation keeps the small terms
    assert float(loop) == 1.0  # a float16 loop rounds each 1 + 2^-11 back to 1


def test_float16_softmax_lib_is_computed_in_float64_and_rounded_twice():
    # float16 -> float32 -> computed in float64 -> rounded to float32 -> rounded to float16.
    x = _float16_scores()
    twice = sl.softmax(x.astype(np.float32)).astype(np.float16)
    assert np.array_equal(sl.softmax(x), twice)
    assert sl.ulp_error(sl.softmax(x), sl.softmax_reference(x.astype(np.float32))).max() <= 0.5 + 1e-9


def test_torch_bfloat16_softmax_is_the_float32_softmax_rounded_once():
    torch.manual_seed(0)
    x = (3.0 * torch.randn(20, 100)).bfloat16()
    assert torch.equal(torch.softmax(x, dim=-1), torch.softmax(x.float(), dim=-1).bfloat16())


# --- chapter 2: what the library does in float64 --------------------------------------------

def test_difference_of_two_float32_is_not_always_exact_in_float64():
    big, tiny = np.float32(1e30), np.float32(1e-30)
    difference = np.float64(big) - np.float64(tiny)
    assert Fraction(float(big)) - Fraction(float(tiny)) != Fraction(float(difference))


def test_two_sum_recovers_the_rounding_error_exactly():
    rng = np.random.default_rng(7)
    pairs = rng.standard_normal((500, 2)) * 10.0 ** rng.integers(-8, 9, (500, 2))
    for a, b in pairs.tolist():
        s = a + b
        b_virtual = s - a
        a_virtual = s - b_virtual
        t = (a - a_virtual) + (b - b_virtual)
        assert Fraction(s) + Fraction(t) == Fraction(a) + Fraction(b)


def test_wide_sum_is_long_double_only_with_a_64_bit_significand():
    import softmax_lib.core as core

    expected = np.longdouble if np.finfo(np.longdouble).nmant == 63 else np.float64
    assert core.WIDE_SUM is expected


# --- chapter 2: masks -----------------------------------------------------------------------

def test_a_fully_masked_row_is_nan_in_torch_softmax_and_zeros_in_sdpa_and_softmax_lib():
    row = torch.full((3,), float("-inf"))
    assert torch.isnan(torch.softmax(row, dim=-1)).all()
    assert np.array_equal(sl.softmax(np.full(3, -np.inf)), np.zeros(3))
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 2, 4), torch.randn(1, 3, 4), torch.randn(1, 3, 4)
    allowed = torch.tensor([[True, True, False], [False, False, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    assert torch.equal(out[0, 1], torch.zeros(4))
    assert torch.isfinite(out).all()


def test_two_added_finfo_min_masks_overflow_to_minus_inf_in_float16():
    lowest = torch.finfo(torch.float16).min
    added = torch.full((3,), lowest, dtype=torch.float16) + lowest
    assert torch.isinf(added).all()
    assert torch.isnan(torch.softmax(added, dim=-1)).all()
    single = torch.softmax(torch.full((3,), lowest, dtype=torch.float16), dim=-1)
    assert torch.allclose(single.float(), torch.full((3,), 1 / 3), atol=1e-3)


# --- chapter 2: conditioning ---------------------------------------------------------------

def test_shifted_formula_error_stays_within_the_condition_number_plus_a_few_ulps():
    rng = np.random.default_rng(2)
    x = 100.0 * rng.standard_normal((5, 100))
    with np.errstate(under="ignore"):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        shifted = e / e.sum(axis=-1, keepdims=True)
    exact = sl.softmax_reference(x)
    p = np.asarray(exact, dtype=np.float64)
    kappa = np.abs(x) * (1 - p) + np.sum(p * np.abs(x), axis=-1, keepdims=True) - p * np.abs(x)
    alive = p > 0
    err = sl.ulp_error(shifted, exact)
    assert np.max((err - kappa)[alive]) < 6.0
    assert np.max(err[alive]) > 20.0  # far from correctly rounded, yet within what kappa allows


# --- chapter 2 review: claims made exact ---------------------------------------------------

def test_finfo_min_mask_overflows_in_float16_only_with_a_score_of_minus_16_or_less():
    # The first wording said any negative score added to finfo(float16).min overflows.
    lowest = torch.tensor(torch.finfo(torch.float16).min, dtype=torch.float16)
    scores = torch.tensor([-1.0, -15.0, -16.0, -100.0], dtype=torch.float16)
    summed = lowest + scores
    assert summed[:2].tolist() == [-65504.0, -65504.0]  # rounds back to the most negative finite
    assert torch.isinf(summed[2:]).all()


def test_softmax_condition_number_is_attained_by_relative_perturbations():
    # kappa_i = |x_i| (1 - p_i) + sum_{j != i} p_j |x_j|, checked against mpmath: move every
    # x_j by eta * |x_j| with the sign of (delta_ij - p_j) x_j and measure the change of p_i.
    rng = np.random.default_rng(4)
    x = 3.0 * rng.standard_normal(6)
    eta = mpmath.mpf("1e-30")
    with mpmath.workdps(80):
        p = _mp_softmax(x, dps=80)
        for i in range(len(x)):
            signs = [mpmath.sign(((1 if j == i else 0) - p[j]) * x[j]) for j in range(len(x))]
            moved = [mpmath.mpf(float(v)) * (1 + eta * s) for v, s in zip(x, signs)]
            exps = [mpmath.exp(v) for v in moved]
            q_i = exps[i] / mpmath.fsum(exps)
            measured = float(abs(q_i - p[i]) / p[i] / eta)
            p_f = np.array([float(v) for v in p])
            kappa = abs(x[i]) * (1 - p_f[i]) + np.sum(np.delete(p_f * np.abs(x), i))
            assert measured == pytest.approx(kappa, rel=1e-12)


def test_condition_number_is_at_least_the_shift_error_over_k():
    # Chapter 2's forward-stability argument: kappa_i >= (|x_i| + |m|) / K for i off the maximum.
    rng = np.random.default_rng(5)
    for k_size in (2, 3, 10, 100):
        x = 50.0 * rng.standard_normal((200, k_size))
        p = np.asarray(sl.softmax_reference(x), dtype=np.float64)
        size = np.abs(x)
        kappa = size * (1 - p) + np.sum(p * size, axis=-1, keepdims=True) - p * size
        m = np.abs(x.max(axis=-1, keepdims=True))
        off_max = x < x.max(axis=-1, keepdims=True)
        assert np.all((kappa * k_size >= (size + m) * (1 - 1e-12))[off_max])


def test_float64_shifted_error_does_not_grow_with_the_spread_at_sigma_1000():
    # The first wording said float64 errors grow with the spread again; at sigma = 1000 the
    # entries that survive underflow are within a factor 2 of the maximum (Sterbenz): exact shift.
    rng = np.random.default_rng(2)
    x = 1000.0 * rng.standard_normal((20, 100))
    with np.errstate(under="ignore"):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        shifted = e / e.sum(axis=-1, keepdims=True)
    exact = sl.softmax_reference(x)
    alive = np.asarray(exact, dtype=np.float64) > 0
    assert np.max(sl.ulp_error(shifted, exact)[alive]) < 4.0

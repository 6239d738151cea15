"""Tests of softmax_lib.attention: scaled dot-product attention and its masks.

References come from PyTorch's ``scaled_dot_product_attention`` in float64
and from an mpmath computation at 50 digits, never from the code under test.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import softmax_lib as sl


def _qkv(shape_q, shape_k, dv, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(shape_q).astype(dtype)
    k = rng.standard_normal(shape_k).astype(dtype)
    v = rng.standard_normal(shape_k[:-1] + (dv,)).astype(dtype)
    return q, k, v


def _torch_sdpa(q, k, v, mask=None, causal=False, scale=None):
    t = [torch.from_numpy(np.ascontiguousarray(a)) for a in (q, k, v)]
    m = None if mask is None else torch.from_numpy(np.ascontiguousarray(mask))
    return F.scaled_dot_product_attention(*t, attn_mask=m, is_causal=causal, scale=scale).numpy()


def _mpmath_attention(q, k, v, mask=None, scale=None):
    """Attention for 2-d inputs at 50 significant digits."""
    mpmath.mp.dps = 50
    lq, d = q.shape
    lk, dv = v.shape
    s = mpmath.mpf(1) / mpmath.sqrt(d) if scale is None else mpmath.mpf(scale)
    out = np.zeros((lq, dv))
    for i in range(lq):
        keep = [j for j in range(lk) if mask is None or mask[i, j]]
        scores = [s * mpmath.fsum(mpmath.mpf(float(q[i, c])) * mpmath.mpf(float(k[j, c])) for c in range(d)) for j in keep]
        if not scores:
            continue
        m = max(scores)
        e = [mpmath.exp(x - m) for x in scores]
        z = mpmath.fsum(e)
        for c in range(dv):
            out[i, c] = float(mpmath.fsum(w * mpmath.mpf(float(v[j, c])) for w, j in zip(e, keep)) / z)
    return out


# --- agreement with independent references ------------------------------------------------


def test_attention_matches_mpmath_reference():
    q, k, v = _qkv((4, 8), (6, 8), 3, seed=1)
    q = 3.0 * q  # sharper rows, further from uniform
    np.testing.assert_allclose(sl.attention(q, k, v), _mpmath_attention(q, k, v), rtol=1e-13, atol=1e-15)


def test_attention_with_mask_matches_mpmath_reference():
    q, k, v = _qkv((5, 4), (7, 4), 2, seed=2)
    rng = np.random.default_rng(3)
    mask = rng.random((5, 7)) < 0.6
    mask[2] = False  # one query that may attend to nothing
    np.testing.assert_allclose(
        sl.attention(q, k, v, mask=mask, scale=0.7),
        _mpmath_attention(q, k, v, mask=mask, scale=0.7),
        rtol=1e-13,
        atol=1e-15,
    )


@pytest.mark.parametrize(
    ("shape_q", "shape_k", "dv"),
    [
        ((5, 8), (5, 8), 8),  # one sequence
        ((3, 7, 4), (3, 9, 4), 6),  # batch, Lq != Lk, dv != d
        ((2, 3, 6, 16), (2, 3, 6, 16), 16),  # batch and heads
        ((2, 3, 1, 8), (2, 3, 10, 8), 5),  # one query (decoding step)
    ],
)
def test_attention_matches_torch_sdpa(shape_q, shape_k, dv):
    q, k, v = _qkv(shape_q, shape_k, dv)
    np.testing.assert_allclose(sl.attention(q, k, v), _torch_sdpa(q, k, v), rtol=1e-12, atol=1e-14)


def test_attention_with_boolean_mask_matches_torch_sdpa():
    q, k, v = _qkv((2, 3, 5, 8), (2, 3, 7, 8), 4, seed=4)
    mask = np.random.default_rng(5).random((2, 3, 5, 7)) < 0.5
    mask[..., 0] = True
    np.testing.assert_allclose(
        sl.attention(q, k, v, mask=mask), _torch_sdpa(q, k, v, mask=mask), rtol=1e-12, atol=1e-14
    )


def test_attention_mask_broadcasts_over_batch_and_heads_like_torch():
    q, k, v = _qkv((2, 3, 4, 8), (2, 3, 6, 8), 4, seed=6)
    # key padding: batch element 0 has 6 valid keys, element 1 has 3; shape (2, 1, 1, 6)
    lengths = np.array([6, 3])
    mask = (np.arange(6) < lengths[:, None])[:, None, None, :]
    np.testing.assert_allclose(
        sl.attention(q, k, v, mask=mask), _torch_sdpa(q, k, v, mask=mask), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize(("lq", "lk"), [(6, 6), (4, 7), (7, 4)])
def test_causal_attention_matches_torch_is_causal(lq, lk):
    q, k, v = _qkv((2, 2, lq, 8), (2, 2, lk, 8), 3, seed=7)
    np.testing.assert_allclose(
        sl.attention(q, k, v, causal=True), _torch_sdpa(q, k, v, causal=True), rtol=1e-12, atol=1e-14
    )


def test_custom_scale_matches_torch_sdpa():
    q, k, v = _qkv((3, 5, 4), (3, 5, 4), 4, seed=8)
    np.testing.assert_allclose(
        sl.attention(q, k, v, scale=0.25), _torch_sdpa(q, k, v, scale=0.25), rtol=1e-12, atol=1e-14
    )


def test_attention_weights_match_torch_softmax_of_scaled_scores():
    q, k, v = _qkv((2, 5, 8), (2, 6, 8), 3, seed=9)
    _, w = sl.attention(q, k, v, return_weights=True)
    tq, tk = torch.from_numpy(q), torch.from_numpy(k)
    expected = torch.softmax(tq @ tk.transpose(-1, -2) / math.sqrt(8), dim=-1).numpy()
    np.testing.assert_allclose(w, expected, rtol=1e-13, atol=1e-15)


# --- masks and the fully masked row -------------------------------------------------------


def test_fully_masked_query_gives_zeros_like_torch_sdpa():
    q, k, v = _qkv((1, 4, 8), (1, 5, 8), 3, seed=10)
    mask = np.ones((4, 5), dtype=bool)
    mask[1] = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from 0/0 either
        out, w = sl.attention(q, k, v, mask=mask, return_weights=True)
    assert np.all(out[0, 1] == 0.0) and np.all(w[0, 1] == 0.0)
    assert not np.isnan(out).any()
    np.testing.assert_allclose(out, _torch_sdpa(q, k, v, mask=mask), rtol=1e-12, atol=1e-14)


def test_fully_masked_row_is_nan_in_plain_torch_softmax_but_zeros_here():
    """The contrast the chapter shows: softmax of an all -inf row is NaN in torch.softmax."""
    row = torch.full((3,), -math.inf, dtype=torch.float64)
    assert torch.isnan(torch.softmax(row, dim=0)).all()
    q, k, v = _qkv((1, 4), (3, 4), 2)
    out = sl.attention(q, k, v, mask=np.zeros((1, 3), dtype=bool))
    assert np.array_equal(out, np.zeros((1, 2)))


def test_masked_keys_get_exactly_zero_weight_and_rows_sum_to_one():
    q, k, v = _qkv((6, 8), (6, 8), 2, seed=11)
    _, w = sl.attention(q, k, v, causal=True, return_weights=True)
    assert np.all(w[~sl.causal_mask(6)] == 0.0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-15)


def test_mask_of_minus_1e6_regression_masked_key_stays_at_zero_when_scores_are_very_negative():
    """d2l's masked_softmax fills masked scores with -1e6; when the real scores
    are below -1e6 the masked key then wins. Masking with -inf cannot."""
    q = np.array([[1000.0, 0.0]])
    k = np.array([[-3000.0, 0.0], [0.0, 0.0]])  # score of key 0 ~ -2.1e6 (scale 1/sqrt 2)
    v = np.array([[1.0], [99.0]])
    mask = np.array([[True, False]])
    out, w = sl.attention(q, k, v, mask=mask, return_weights=True)
    assert w.tolist() == [[1.0, 0.0]]
    assert out.tolist() == [[1.0]]


def test_float16_masked_attention_is_finite_and_masked_weights_are_zero():
    """-1e9 (or -1e6) does not fit in float16 (max 65504); -inf does."""
    q, k, v = _qkv((4, 8), (4, 8), 4, seed=12, dtype=np.float16)
    out, w = sl.attention(q, k, v, causal=True, return_weights=True)
    assert out.dtype == np.float16 and w.dtype == np.float16
    assert np.isfinite(out).all()
    assert np.all(w[~sl.causal_mask(4)] == 0)
    ref = _torch_sdpa(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), causal=True)
    np.testing.assert_allclose(out.astype(np.float64), ref, rtol=0, atol=5e-3)


def test_causal_and_mask_are_combined_with_and():
    q, k, v = _qkv((5, 4), (5, 4), 3, seed=13)
    pad = np.array([True, True, True, False, False])  # last two keys are padding
    both = sl.attention(q, k, v, mask=pad, causal=True)
    explicit = sl.attention(q, k, v, mask=sl.causal_mask(5) & pad)
    assert np.array_equal(both, explicit)
    np.testing.assert_allclose(both, _torch_sdpa(q, k, v, mask=sl.causal_mask(5) & pad), rtol=1e-12, atol=1e-14)


def test_causal_mask_matches_torch_tril_top_left_alignment():
    for lq, lk in [(1, 1), (3, 5), (5, 3), (4, 4)]:
        expected = torch.ones(lq, lk, dtype=torch.bool).tril(diagonal=0).numpy()
        assert np.array_equal(sl.causal_mask(lq, lk), expected)
    assert sl.causal_mask(3).dtype == np.bool_


def test_causal_first_query_attends_only_to_first_key():
    q, k, v = _qkv((4, 8), (4, 8), 3, seed=14)
    out = sl.attention(q, k, v, causal=True)
    assert np.array_equal(out[0], v[0])


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lk=st.integers(1, 8))
def test_attention_is_invariant_to_permuting_keys_and_values_together(seed, lk):
    q, k, v = _qkv((3, 4), (lk, 4), 2, seed=seed)
    perm = np.random.default_rng(seed).permutation(lk)
    np.testing.assert_allclose(sl.attention(q, k[perm], v[perm]), sl.attention(q, k, v), rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-50, 50))
def test_adding_one_vector_to_every_key_changes_nothing(seed, shift):
    """Each query's scores all move by the same q . c: softmax is shift-invariant."""
    q, k, v = _qkv((3, 4), (5, 4), 2, seed=seed)
    c = shift * np.random.default_rng(seed + 1).standard_normal(4)
    np.testing.assert_allclose(sl.attention(q, k + c, v), sl.attention(q, k, v), rtol=1e-8, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lk=st.integers(2, 9))
def test_masking_keys_equals_removing_them(seed, lk):
    """A key mask shared by every query is the same as deleting those keys and values."""
    q, k, v = _qkv((4, 6), (lk, 6), 3, seed=seed)
    keep = np.random.default_rng(seed).random(lk) < 0.5
    keep[np.random.default_rng(seed + 1).integers(lk)] = True  # at least one key survives
    np.testing.assert_allclose(
        sl.attention(q, k, v, mask=keep), sl.attention(q, k[keep], v[keep]), rtol=1e-13, atol=1e-15
    )


def test_output_is_a_convex_combination_of_values():
    q, k, v = _qkv((2, 6, 8), (2, 9, 8), 3, seed=15)
    out = sl.attention(4.0 * q, k, v)
    assert np.all(out <= v.max(axis=-2, keepdims=True) + 1e-12)
    assert np.all(out >= v.min(axis=-2, keepdims=True) - 1e-12)


def test_default_scale_is_one_over_sqrt_d():
    q, k, v = _qkv((3, 16), (4, 16), 2, seed=16)
    assert np.array_equal(sl.attention(q, k, v), sl.attention(q, k, v, scale=1 / math.sqrt(16)))


def test_unscaled_attention_saturates_for_large_d():
    """The reason for 1/sqrt(d): without it the largest weight tends to 1 as d grows."""
    q, k, v = _qkv((64, 512), (64, 512), 1, seed=17)
    _, w_scaled = sl.attention(q, k, v, return_weights=True)
    _, w_raw = sl.attention(q, k, v, scale=1.0, return_weights=True)
    assert np.median(w_raw.max(axis=-1)) > 0.9
    assert np.median(w_scaled.max(axis=-1)) < 0.2


# --- shapes, dtypes, inputs ---------------------------------------------------------------


def test_leading_axes_broadcast_like_matmul():
    q, _, _ = _qkv((2, 3, 5, 4), (5, 4), 1)
    _, k, v = _qkv((1,), (3, 6, 4), 2, seed=1)  # keys shared over the batch axis
    out = sl.attention(q, k, v)
    assert out.shape == (2, 3, 5, 2)
    np.testing.assert_allclose(out[1, 2], sl.attention(q[1, 2], k[2], v[2]), rtol=1e-14)


def test_empty_key_axis_gives_zeros_and_empty_query_axis_gives_empty():
    assert np.array_equal(sl.attention(np.ones((3, 4)), np.ones((0, 4)), np.ones((0, 2))), np.zeros((3, 2)))
    assert sl.attention(np.ones((0, 4)), np.ones((5, 4)), np.ones((5, 2))).shape == (0, 2)


def test_inputs_are_not_modified():
    """d2l's masked_softmax writes the mask value into a view of the caller's scores; never here."""
    q, k, v = _qkv((2, 4, 8), (2, 4, 8), 3, seed=18)
    mask = sl.causal_mask(4)
    copies = [a.copy() for a in (q, k, v, mask)]
    for a in (q, k, v, mask):
        a.flags.writeable = False  # any write would raise
    sl.attention(q, k, v, mask=mask, causal=True, return_weights=True)
    for a, c in zip((q, k, v, mask), copies):
        assert np.array_equal(a, c)


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ((np.float64,) * 3, np.float64),
        ((np.float32,) * 3, np.float32),
        ((np.float16,) * 3, np.float16),
        ((np.int64,) * 3, np.float64),
        ((np.float32, np.float64, np.float32), np.float64),
        ((np.float16, np.float32, np.float16), np.float32),
    ],
)
def test_dtypes_follow_the_library_policy(dtypes, expected):
    q, k, v = _qkv((3, 4), (3, 4), 2)
    q, k, v = (np.round(a * 3).astype(t) for a, t in zip((q, k, v), dtypes))
    out, w = sl.attention(q, k, v, return_weights=True)
    assert out.dtype == expected and w.dtype == expected


def test_float32_agrees_with_float64_to_float32_precision():
    q, k, v = _qkv((2, 8, 32), (2, 8, 32), 8, seed=19)
    out32 = sl.attention(q.astype(np.float32), k.astype(np.float32), v.astype(np.float32))
    np.testing.assert_allclose(out32, sl.attention(q, k, v), rtol=1e-5, atol=1e-6)


# --- input checks -------------------------------------------------------------------------


def test_integer_mask_is_refused_with_an_explanation_of_both_conventions():
    # softmax_lib 0.2 reads a float mask as SDPA's additive one (tests/test_lib02.py);
    # an integer mask is ambiguous (is 1 "attend" or "add 1"?) and stays an error.
    q, k, v = _qkv((3, 4), (3, 4), 2)
    with pytest.raises(TypeError, match=r"mask must be boolean \(True = may attend\) or floating"):
        sl.attention(q, k, v, mask=sl.causal_mask(3).astype(int))


@pytest.mark.parametrize(
    ("shapes", "match"),
    [
        (((3, 4), (3, 5), (3, 2)), "same feature size d"),
        (((3, 4), (3, 4), (2, 2)), "same number of keys Lk"),
        (((2, 3, 4), (3, 3, 4), (3, 3, 2)), "do not broadcast"),
        (((4,), (3, 4), (3, 2)), "at least 2 dimension"),
    ],
)
def test_shape_errors_name_the_arguments(shapes, match):
    arrays = [np.ones(s) for s in shapes]
    with pytest.raises(ValueError, match=match):
        sl.attention(*arrays)


def test_mask_that_does_not_broadcast_is_refused():
    q, k, v = _qkv((3, 4), (5, 4), 2)
    with pytest.raises(ValueError, match=r"mask of shape \(5, 3\) does not broadcast"):
        sl.attention(q, k, v, mask=np.ones((5, 3), dtype=bool))
    with pytest.raises(ValueError, match="does not broadcast"):  # would enlarge the output
        sl.attention(q, k, v, mask=np.ones((2, 3, 5), dtype=bool))


@pytest.mark.parametrize("scale", [0.0, -1.0, math.inf, math.nan])
def test_scale_must_be_finite_and_positive(scale):
    q, k, v = _qkv((3, 4), (3, 4), 2)
    with pytest.raises(ValueError, match="scale must be a finite number > 0"):
        sl.attention(q, k, v, scale=scale)


def test_non_numeric_scale_and_flags_are_type_errors():
    q, k, v = _qkv((3, 4), (3, 4), 2)
    with pytest.raises(TypeError, match="scale"):
        sl.attention(q, k, v, scale="0.5")
    with pytest.raises(TypeError, match="causal must be True or False"):
        sl.attention(q, k, v, causal=1)
    with pytest.raises(TypeError, match="q has dtype bool"):
        sl.attention(np.ones((3, 4), dtype=bool), k, v)


def test_causal_mask_checks_its_sizes():
    with pytest.raises(ValueError, match="n_queries must be an integer >= 0"):
        sl.causal_mask(-1)
    with pytest.raises(TypeError, match="n_keys must be an integer"):
        sl.causal_mask(3, 2.5)

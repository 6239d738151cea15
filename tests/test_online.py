"""Tests of softmax_lib.online: online softmax, softmax states and tiled attention.

References come from mpmath at 40 digits and from PyTorch's
scaled_dot_product_attention in float64, never from the code under test.
"""

from __future__ import annotations

import functools
import math
import tracemalloc
import warnings

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import softmax_lib as sl

mpmath.mp.dps = 40


def mp_softmax(row: np.ndarray) -> np.ndarray:
    """Softmax of a 1-d float row at 40 digits, rounded to float64 at the end."""
    vals = [mpmath.mpf(float(v)) for v in row]
    finite = [v for v in vals if v != mpmath.ninf]
    m = max(finite)
    e = [mpmath.e ** (v - m) if v != mpmath.ninf else mpmath.mpf(0) for v in vals]
    total = mpmath.fsum(e)
    return np.array([float(t / total) for t in e])


def mp_state(row: np.ndarray) -> tuple[float, float]:
    vals = [mpmath.mpf(float(v)) for v in row]
    m = max(vals)
    return float(m), float(mpmath.fsum(mpmath.e ** (v - m) for v in vals))


def rows(n: int, kind: str, dtype=np.float64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 3
    if kind == "increasing":  # the maximum grows at every chunk: a rescale each time
        x = np.sort(x)
    elif kind == "decreasing":  # no rescale, but a long sequential sum of shrinking terms
        x = np.sort(x)[::-1]
    elif kind == "wide":
        x = rng.uniform(-30, 30, size=n)
    return x.astype(dtype)


# ---------------------------------------------------------------- online_softmax


def stated_bound(n_chunks: int, dtype) -> float:
    """The docstring's measured accuracy against the exact softmax, in relative terms."""
    if np.dtype(dtype) == np.float32:
        return 0.5 * np.finfo(np.float32).eps
    return (3 + math.sqrt(n_chunks) / 2) * np.finfo(np.float64).eps


@functools.lru_cache(maxsize=None)
def exact_row(n: int, kind: str, dtype: type, seed: int) -> np.ndarray:
    return mp_softmax(rows(n, kind, dtype=dtype, seed=seed).astype(np.float64))


@pytest.mark.parametrize("chunk", [1, 3, 7, 100, 101, 1000])
def test_online_softmax_matches_mpmath(chunk):
    x = rows(100, "wide", seed=1)
    n_chunks = math.ceil(x.size / chunk)
    got = sl.online_softmax(x, chunk=chunk)
    np.testing.assert_allclose(got, mp_softmax(x), rtol=2 * stated_bound(n_chunks, np.float64), atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["normal", "increasing", "decreasing", "wide"])
@pytest.mark.parametrize("chunk", [1, 7, 1024])
def test_online_softmax_is_within_its_stated_accuracy(dtype, kind, chunk):
    # The docstring states the measured error against the exact softmax; pin twice that.
    x = rows(10_000, kind, dtype=dtype, seed=2)
    n_chunks = math.ceil(x.size / chunk)
    got = sl.online_softmax(x, chunk=chunk)
    assert got.dtype == dtype
    exact = exact_row(10_000, kind, dtype, 2)
    rel = np.max(np.abs(got.astype(np.float64) - exact) / exact)
    assert rel <= 2 * stated_bound(n_chunks, dtype)


def dyadic_row(n: int, seed: int) -> np.ndarray:
    # Multiples of 1/16 below 1000 in size: x - max(x) is exact in float32 and
    # float64, so softmax and online_softmax exponentiate the same numbers.
    return np.random.default_rng(seed).integers(-16_000, 16_000, size=n) / 16.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunk", [1, 7, 1024])
def test_online_softmax_is_within_the_stated_tolerance_of_softmax(dtype, chunk):
    x = (dyadic_row(10_000, seed=3) / 32).astype(dtype)  # scores within +-31, still dyadic
    n_chunks = math.ceil(x.size / chunk)
    got, ref = sl.online_softmax(x, chunk=chunk), sl.softmax(x)
    rel = np.max(np.abs(got.astype(np.float64) - ref) / ref)
    assert rel <= 2 * (4 + math.sqrt(n_chunks)) * np.finfo(dtype).eps


@pytest.mark.parametrize("chunk", [1, 2, 4, 5, 6, 50])
def test_online_softmax_handles_chunks_that_do_not_divide_the_length(chunk):
    x = rows(5, "normal", seed=3)  # chunk 2 and 4 leave a short last chunk; 6 and 50 exceed the length
    np.testing.assert_allclose(sl.online_softmax(x, chunk=chunk), mp_softmax(x), rtol=1e-15, atol=0)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_online_softmax_normalises_along_the_requested_axis(axis):
    x = np.random.default_rng(4).normal(size=(6, 7, 8)) * 5
    got = sl.online_softmax(x, axis=axis, chunk=3)
    np.testing.assert_allclose(got, sl.softmax(x, axis=axis), rtol=1e-14, atol=0)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-14)


def test_online_softmax_does_not_overflow_on_large_scores():
    x = np.array([1000.0, 1000.0, 990.0, -1000.0])
    np.testing.assert_allclose(sl.online_softmax(x, chunk=1), mp_softmax(x), rtol=1e-15, atol=0)


def test_online_softmax_masks_minus_inf_entries():
    x = np.array([1.0, -np.inf, 2.0, -np.inf, 0.5])
    got = sl.online_softmax(x, chunk=2)
    assert got[1] == 0.0 and got[3] == 0.0
    np.testing.assert_allclose(got, mp_softmax(x), rtol=1e-15, atol=0)


def test_rescale_of_an_all_masked_prefix_is_not_nan():
    # The first chunks are entirely -inf: m_old = m_new = -inf, and a naive
    # exp(m_old - m_new) = exp(-inf + inf) = exp(nan) would poison the sum.
    x = np.array([-np.inf, -np.inf, -np.inf, -np.inf, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sl.online_softmax(x, chunk=2)
    np.testing.assert_allclose(got, mp_softmax(x), rtol=1e-15, atol=0)


def test_online_softmax_of_a_fully_masked_row_is_zeros_without_warnings():
    x = np.array([[1.0, 2.0, 3.0], [-np.inf, -np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sl.online_softmax(x, chunk=2)
    np.testing.assert_array_equal(got[1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(got[0], mp_softmax(x[0]), rtol=1e-15)


@pytest.mark.parametrize("bad", [np.inf, np.nan])
@pytest.mark.parametrize("position", [0, 2, 4])
def test_online_softmax_gives_nan_only_in_the_slice_with_inf_or_nan(bad, position):
    x = np.zeros((2, 5))
    x[0, position] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sl.online_softmax(x, chunk=2)
    assert np.all(np.isnan(got[0]))
    np.testing.assert_allclose(got[1], 0.2, rtol=1e-15)


def test_online_softmax_of_an_empty_axis_is_empty():
    got = sl.online_softmax(np.zeros((3, 0)))
    assert got.shape == (3, 0) and got.dtype == np.float64


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float16), (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_online_softmax_follows_the_dtype_policy(dtype, expected):
    x = np.array([1, 2, 3, 4, 5], dtype=dtype)
    got = sl.online_softmax(x, chunk=2)
    assert got.dtype == expected
    np.testing.assert_allclose(got, sl.softmax(x), rtol=np.finfo(expected).eps * 4)


def test_online_softmax_float16_is_computed_in_float32():
    # exp(11.1) overflows float16 (max 65504); computed in float32 nothing overflows.
    x = np.array([12.0, 11.0, 0.0], dtype=np.float16)
    got = sl.online_softmax(x, chunk=1)
    np.testing.assert_allclose(got.astype(np.float64), mp_softmax(x.astype(np.float64)), rtol=1e-3, atol=1e-7)  # 4.5e-6 is subnormal in float16


def test_online_softmax_does_not_modify_its_input():
    x = rows(50, "normal", seed=5)
    before = x.copy()
    sl.online_softmax(x, chunk=7)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(("chunk", "error"), [(0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError), ("8", TypeError)])
def test_online_softmax_rejects_a_bad_chunk_naming_it(chunk, error):
    with pytest.raises(error, match="chunk"):
        sl.online_softmax([1.0, 2.0], chunk=chunk)


def test_online_softmax_accepts_numpy_integer_chunks():
    np.testing.assert_allclose(sl.online_softmax([1.0, 2.0, 3.0], chunk=np.int64(2)), sl.softmax([1.0, 2.0, 3.0]))


def test_online_softmax_rejects_bad_input_like_softmax():
    with pytest.raises(TypeError, match="bool"):
        sl.online_softmax(np.array([True, False]))
    with pytest.raises(ValueError, match="dimension"):
        sl.online_softmax(3.0)
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        sl.online_softmax([1.0, 2.0], axis=1)


@settings(max_examples=60, deadline=None)
@given(
    a=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=40),
                 elements=st.integers(-11_200, 11_200)),
    chunk=st.integers(1, 50),
)
def test_online_softmax_equals_softmax_for_any_chunk(a, chunk):
    x = a / 16.0  # scores within +-700 whose shift x - max(x) is exact
    got = sl.online_softmax(x, chunk=chunk)
    n_chunks = math.ceil(x.shape[-1] / chunk)
    np.testing.assert_allclose(got, sl.softmax(x), rtol=2 * (4 + math.sqrt(n_chunks)) * np.finfo(float).eps, atol=1e-300)


# ---------------------------------------------------------------- states and their merge


def test_softmax_state_matches_mpmath():
    x = rows(200, "wide", seed=6)
    st_ = sl.softmax_state(x)
    m, s = mp_state(x)
    assert float(st_.max) == m
    assert float(st_.sum) == pytest.approx(s, rel=1e-14)


def test_softmax_state_logsumexp_agrees_with_the_core():
    x = np.random.default_rng(7).normal(size=(4, 30)) * 10
    np.testing.assert_allclose(sl.softmax_state(x).logsumexp(), sl.logsumexp(x), rtol=1e-15)


def test_softmax_state_of_nothing_is_the_identity():
    empty = sl.softmax_state(np.zeros((2, 0)))
    masked = sl.softmax_state(np.full((2, 3), -np.inf))
    for state in (empty, masked):
        np.testing.assert_array_equal(state.max, [-np.inf, -np.inf])
        np.testing.assert_array_equal(state.sum, [0.0, 0.0])


def test_merging_two_blocks_gives_the_state_of_the_whole_row():
    x = rows(100, "wide", seed=8)
    for cut in (1, 37, 99):
        merged = sl.merge_softmax_states(sl.softmax_state(x[:cut]), sl.softmax_state(x[cut:]))
        m, s = mp_state(x)
        assert float(merged.max) == m
        assert float(merged.sum) == pytest.approx(s, rel=4e-15)


def test_merge_is_exactly_commutative():
    rng = np.random.default_rng(9)
    a = sl.softmax_state(rng.normal(size=(5, 20)) * 4)
    b = sl.softmax_state(rng.normal(size=(5, 20)) * 4 + 3)
    ab, ba = sl.merge_softmax_states(a, b), sl.merge_softmax_states(b, a)
    np.testing.assert_array_equal(ab.max, ba.max)
    np.testing.assert_array_equal(ab.sum, ba.sum)


def test_merge_is_associative_up_to_rounding():
    rng = np.random.default_rng(10)
    a, b, c = (sl.softmax_state(rng.normal(size=(50, 10)) * 5 + shift) for shift in (0.0, 4.0, -2.0))
    left = sl.merge_softmax_states(sl.merge_softmax_states(a, b), c)
    right = sl.merge_softmax_states(a, sl.merge_softmax_states(b, c))
    np.testing.assert_array_equal(left.max, right.max)  # max is exactly associative
    np.testing.assert_allclose(left.sum, right.sum, rtol=4 * np.finfo(float).eps)


def test_merge_with_the_identity_changes_nothing_exactly():
    rng = np.random.default_rng(11)
    a = sl.softmax_state(rng.normal(size=(6, 9)) * 7)
    identity = (-np.inf, 0.0)
    for merged in (sl.merge_softmax_states(a, identity), sl.merge_softmax_states(identity, a)):
        np.testing.assert_array_equal(merged.max, a.max)
        np.testing.assert_array_equal(merged.sum, a.sum)


def test_merging_two_empty_states_is_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        merged = sl.merge_softmax_states((-np.inf, 0.0), (-np.inf, 0.0))
    assert float(merged.max) == -np.inf and float(merged.sum) == 0.0


def test_any_grouping_of_the_blocks_gives_the_same_state():
    x = rows(1000, "normal", seed=12)
    blocks = [sl.softmax_state(b) for b in np.array_split(x, 16)]
    sequential = blocks[0]
    for b in blocks[1:]:
        sequential = sl.merge_softmax_states(sequential, b)
    level = blocks
    while len(level) > 1:  # a balanced tree, as parallel threads would merge
        level = [sl.merge_softmax_states(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    shuffled = sl.SoftmaxState(-np.inf, 0.0)
    for i in np.random.default_rng(13).permutation(16):
        shuffled = sl.merge_softmax_states(shuffled, blocks[i])
    m, s = mp_state(x)
    for state in (sequential, level[0], shuffled):
        assert float(state.max) == m
        assert float(state.sum) == pytest.approx(s, rel=8 * np.finfo(float).eps)


def test_merge_rejects_something_that_is_not_a_pair():
    with pytest.raises(TypeError, match="pair"):
        sl.merge_softmax_states((1.0, 2.0, 3.0), (0.0, 1.0))
    with pytest.raises(TypeError, match="a.max"):
        sl.merge_softmax_states(("x", 1.0), (0.0, 1.0))


# ---------------------------------------------------------------- tiled attention


def sdpa(q, k, v, mask=None, causal=False, scale=None):
    """PyTorch's attention in float64, with mask and causal combined by AND."""
    tq, tk, tv = (torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)) for a in (q, k, v))
    m = None if mask is None else torch.from_numpy(np.asarray(mask))
    if causal:
        tri = torch.ones(tq.shape[-2], tk.shape[-2], dtype=torch.bool).tril()
        m = tri if m is None else m & tri
    return F.scaled_dot_product_attention(tq, tk, tv, attn_mask=m, scale=scale).numpy()


def qkv(lead, lq, lk, d=8, dv=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=lead + (lq, d)) * 2, rng.normal(size=lead + (lk, d)) * 2, rng.normal(size=lead + (lk, dv))


TOL = dict(rtol=1e-12, atol=1e-13)  # stated in the docstring


@pytest.mark.parametrize(("lq", "lk"), [(1, 1), (10, 10), (7, 23), (23, 7), (40, 33)])
@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (3, 5), (8, 8), (64, 64)])
def test_tiled_attention_matches_torch_sdpa(lq, lk, block_q, block_k):
    q, k, v = qkv((2, 3), lq, lk, seed=lq * 100 + lk)
    got = sl.tiled_attention(q, k, v, block_q=block_q, block_k=block_k)
    np.testing.assert_allclose(got, sdpa(q, k, v), **TOL)


@pytest.mark.parametrize(("lq", "lk"), [(10, 10), (7, 23), (23, 7), (33, 33)])
@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (3, 5), (5, 3), (16, 16)])
def test_tiled_causal_attention_matches_torch_is_causal(lq, lk, block_q, block_k):
    q, k, v = qkv((2,), lq, lk, seed=lq + lk)
    got = sl.tiled_attention(q, k, v, causal=True, block_q=block_q, block_k=block_k)
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    ref = F.scaled_dot_product_attention(tq, tk, tv, is_causal=True).numpy()
    np.testing.assert_allclose(got, ref, **TOL)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (4, 6), (50, 50)])
def test_tiled_attention_with_a_mask_matches_torch_sdpa(causal, block_q, block_k):
    q, k, v = qkv((2, 3), 17, 19, seed=21)
    mask = np.random.default_rng(22).random((2, 1, 17, 19)) < 0.6  # broadcast over heads
    got = sl.tiled_attention(q, k, v, mask=mask, causal=causal, block_q=block_q, block_k=block_k)
    np.testing.assert_allclose(got, sdpa(q, k, v, mask=mask, causal=causal), **TOL)


@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (2, 3), (16, 16)])
def test_tiled_attention_gives_zeros_for_fully_masked_queries_like_torch(block_q, block_k):
    q, k, v = qkv((), 6, 9, seed=23)
    mask = np.ones((6, 9), dtype=bool)
    mask[2] = False
    mask[5] = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sl.tiled_attention(q, k, v, mask=mask, block_q=block_q, block_k=block_k)
    np.testing.assert_array_equal(got[[2, 5]], 0.0)
    np.testing.assert_allclose(got, sdpa(q, k, v, mask=mask), **TOL)


def test_tiled_attention_skips_masked_tiles_without_changing_the_result():
    # Whole tiles are False (block-sparse masks): they are skipped, the rest is exact.
    q, k, v = qkv((), 16, 16, seed=24)
    mask = np.ones((16, 16), dtype=bool)
    mask[:8, 8:] = False
    mask[8:, :4] = False
    got = sl.tiled_attention(q, k, v, mask=mask, block_q=4, block_k=4)
    np.testing.assert_allclose(got, sdpa(q, k, v, mask=mask), **TOL)


def test_tiled_attention_with_a_custom_scale_matches_torch():
    q, k, v = qkv((3,), 12, 15, seed=25)
    got = sl.tiled_attention(q, k, v, scale=0.7, block_q=5, block_k=4)
    np.testing.assert_allclose(got, sdpa(q, k, v, scale=0.7), **TOL)


def test_tiled_attention_broadcasts_leading_axes():
    rng = np.random.default_rng(26)
    q = rng.normal(size=(2, 4, 9, 8))
    k = rng.normal(size=(1, 4, 11, 8))  # shared over the batch
    v = rng.normal(size=(11, 6))  # shared over batch and heads
    got = sl.tiled_attention(q, k, v, block_q=4, block_k=4)
    assert got.shape == (2, 4, 9, 6)
    ref = sdpa(q, np.broadcast_to(k, (2, 4, 11, 8)), np.broadcast_to(v, (2, 4, 11, 6)))
    np.testing.assert_allclose(got, ref, **TOL)


def test_tiled_attention_with_no_keys_gives_zeros_and_with_no_queries_is_empty():
    q, k, v = qkv((2,), 4, 0, seed=27)
    assert k.shape == (2, 0, 8)
    np.testing.assert_array_equal(sl.tiled_attention(q, k, v), np.zeros((2, 4, 5)))
    q, k, v = qkv((2,), 0, 4, seed=28)
    assert sl.tiled_attention(q, k, v).shape == (2, 0, 5)


def test_tiled_attention_does_not_modify_its_inputs():
    q, k, v = qkv((2,), 9, 10, seed=29)
    mask = np.random.default_rng(30).random((9, 10)) < 0.5
    copies = [a.copy() for a in (q, k, v, mask)]
    sl.tiled_attention(q, k, v, mask=mask, causal=True, block_q=4, block_k=3)
    for before, after in zip(copies, (q, k, v, mask)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(("dtype", "expected", "rtol"), [(np.float16, np.float16, 2e-3), (np.float32, np.float32, 1e-5), (np.int64, np.float64, 1e-12)])
def test_tiled_attention_follows_the_dtype_policy(dtype, expected, rtol):
    q, k, v = qkv((), 6, 7, seed=31)
    q, k, v = (np.round(a).astype(dtype) for a in (q, k, v))
    got = sl.tiled_attention(q, k, v, block_q=4, block_k=3)
    assert got.dtype == expected
    ref = sdpa(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64))
    np.testing.assert_allclose(got.astype(np.float64), ref, rtol=rtol, atol=rtol)


def test_tiled_attention_gives_nan_only_in_rows_with_a_nan_query():
    q, k, v = qkv((), 5, 6, seed=32)
    q[3, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sl.tiled_attention(q, k, v, block_q=2, block_k=4)
    assert np.all(np.isnan(got[3]))
    assert not np.any(np.isnan(np.delete(got, 3, axis=0)))


def test_tiled_attention_never_allocates_the_score_matrix():
    # Peak working memory, measured by tracemalloc (numpy reports its buffers
    # to it): far below one Lq x Lk float64 matrix of scores.
    q, k, v = qkv((), 1024, 1024, d=16, dv=16, seed=33)
    tracemalloc.start()
    try:
        sl.tiled_attention(q, k, v, block_q=64, block_k=64)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024 * 8 / 8


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(block_q=0), ValueError, "block_q"),
        (dict(block_k=-1), ValueError, "block_k"),
        (dict(block_q=2.5), TypeError, "block_q"),
        (dict(block_k=False), TypeError, "block_k"),
        (dict(causal=1), TypeError, "causal"),
        (dict(scale=0.0), ValueError, "scale"),
        (dict(scale=np.inf), ValueError, "scale"),
        (dict(mask=np.ones((4, 5))), TypeError, "boolean"),
        (dict(mask=np.ones((3, 5), dtype=bool)), ValueError, "broadcast"),
    ],
)
def test_tiled_attention_rejects_bad_arguments_naming_them(kwargs, error, match):
    q, k, v = qkv((), 4, 5, seed=34)
    with pytest.raises(error, match=match):
        sl.tiled_attention(q, k, v, **kwargs)


def test_tiled_attention_rejects_mismatched_shapes():
    rng = np.random.default_rng(35)
    with pytest.raises(ValueError, match="feature size d"):
        sl.tiled_attention(rng.normal(size=(3, 4)), rng.normal(size=(5, 6)), rng.normal(size=(5, 2)))
    with pytest.raises(ValueError, match="number of keys"):
        sl.tiled_attention(rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(6, 2)))
    with pytest.raises(ValueError, match="leading"):
        sl.tiled_attention(rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 2)))
    with pytest.raises(ValueError, match="dimension"):
        sl.tiled_attention(rng.normal(size=4), rng.normal(size=(5, 4)), rng.normal(size=(5, 2)))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("lq", "lk", "block_q", "block_k"), [(9, 9, 2, 4), (13, 5, 4, 2), (5, 13, 3, 5), (40, 40, 16, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiled_attention_equals_plain_attention(causal, lq, lk, block_q, block_k, dtype):
    q, k, v = (a.astype(dtype) for a in qkv((2, 2), lq, lk, seed=lq * lk + block_q))
    mask = np.random.default_rng(lq + lk).random((2, 1, lq, lk)) < 0.7
    mask[0, 0, 1] = False  # a fully masked query in the first sequence
    got = sl.tiled_attention(q, k, v, mask=mask, causal=causal, block_q=block_q, block_k=block_k)
    ref = sl.attention(q, k, v, mask=mask, causal=causal)
    assert got.dtype == ref.dtype == dtype
    tol = TOL if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, ref, **tol)


def test_logsumexp_of_the_empty_state_is_minus_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(sl.SoftmaxState(-np.inf, 0.0).logsumexp()) == -np.inf
        assert float(sl.softmax_state(np.zeros(0)).logsumexp()) == -np.inf


def test_merge_broadcasts_states_of_different_shapes():
    rng = np.random.default_rng(36)
    x = rng.normal(size=(3, 8))
    rows = sl.softmax_state(x[:, :5])  # one state per row
    shared = sl.softmax_state(x[0, 5:])  # a single state, broadcast to every row
    merged = sl.merge_softmax_states(rows, shared)
    expected = sl.softmax_state(np.concatenate([x[:, :5], np.broadcast_to(x[0, 5:], (3, 3))], axis=1))
    np.testing.assert_array_equal(merged.max, expected.max)
    np.testing.assert_allclose(merged.sum, expected.sum, rtol=4 * np.finfo(float).eps)


def test_state_sum_is_shift_invariant_but_logsumexp_is_not():
    # Guards the textbook slip of calling log-sum-exp shift-invariant:
    # shifting the scores by c moves the maximum and lse by c, not the sum.
    x = np.random.default_rng(37).normal(size=20)
    a, b = sl.softmax_state(x), sl.softmax_state(x + 10.0)
    assert float(b.max) == pytest.approx(float(a.max) + 10.0, rel=1e-15)
    assert float(b.sum) == pytest.approx(float(a.sum), rel=1e-14)
    assert float(b.logsumexp()) == pytest.approx(float(a.logsumexp()) + 10.0, rel=1e-15)


@pytest.mark.parametrize(("shape", "axis"), [((0, 5), -1), ((0, 5), 0), ((3, 0, 4), -1), ((2, 0), 0)])
def test_online_softmax_of_no_rows_is_empty_not_an_error(shape, axis):
    # Regression: reshaping a chunk of zero rows with -1 raised ValueError.
    got = sl.online_softmax(np.ones(shape), axis=axis, chunk=2)
    assert got.shape == shape and got.dtype == np.float64

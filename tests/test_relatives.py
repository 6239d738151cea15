"""Tests of softmax_lib.relatives: softmax1, sparsemax, gumbel_softmax, chunked_cross_entropy.

References come from mpmath (softmax1), an independent bisection for the
simplex projection and its optimality (KKT) conditions (sparsemax), exact
softmax probabilities with a binomial tolerance (Gumbel-max samples), and
PyTorch's autograd in float64 (chunked cross-entropy), never from the code
under test.
"""

from __future__ import annotations

import tracemalloc

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import softmax_lib as sl

mpmath.mp.dps = 50


# ---------------------------------------------------------------- softmax1


def mp_softmax1(row: np.ndarray) -> np.ndarray:
    vals = [mpmath.mpf(float(v)) for v in row]
    e = [mpmath.e**v if v != mpmath.ninf else mpmath.mpf(0) for v in vals]
    total = 1 + mpmath.fsum(e)
    return np.array([float(t / total) for t in e])


@pytest.mark.parametrize(
    "row",
    [
        np.array([0.0, 0.0]),
        np.array([1e4, 1e4 - 1.0, 0.0]),
        np.array([-30.0, -25.5, -40.0]),  # the +1 dominates
        np.array([3.0, -np.inf, 2.5, 1.0]),
        np.random.default_rng(0).normal(size=50) * 8,
        np.random.default_rng(1).normal(size=50) * 3 - 6,
    ],
)
def test_softmax1_matches_mpmath_at_50_digits(row):
    got = sl.softmax1(row)
    np.testing.assert_allclose(got, mp_softmax1(row), rtol=1e-14, atol=1e-300)


def test_softmax1_does_not_overflow_at_1e4():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = sl.softmax1(np.array([1e4, 1e4]))
    np.testing.assert_array_equal(got, [0.5, 0.5])


def test_softmax1_of_very_negative_scores_is_zero_not_nan():
    got = sl.softmax1(np.array([-1000.0, -2000.0]))
    np.testing.assert_array_equal(got, [0.0, 0.0])


def test_softmax1_shifted_by_the_maximum_alone_would_overflow_where_ours_does_not():
    # The tempting shift by m = max(x) leaves e^{-m} in the denominator: inf for m = -800.
    x = np.array([-800.0, -801.0])
    m = x.max()
    with np.errstate(over="ignore"):
        big = np.exp(-m)
        shifted_by_m = np.exp(x - m) / (big + np.exp(x - m).sum())
    assert big == np.inf and np.all(shifted_by_m == 0.0)
    got = sl.softmax1(x)
    expected = mp_softmax1(x)  # about 1e-348: below the smallest float64, so 0
    np.testing.assert_array_equal(got, expected)
    y = np.array([-700.0, -701.0])  # representable: the shift max(m, 0) = 0 keeps it exact
    np.testing.assert_allclose(sl.softmax1(y), mp_softmax1(y), rtol=1e-14)


def test_softmax1_equals_softmax_with_an_extra_zero_logit():
    x = np.random.default_rng(2).normal(size=(3, 6)) * 4
    padded = np.concatenate([np.zeros((3, 1)), x], axis=1)
    np.testing.assert_allclose(sl.softmax1(x), sl.softmax(padded)[:, 1:], rtol=1e-15, atol=0)


def test_softmax1_of_a_fully_masked_row_is_zeros_without_warning():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = sl.softmax1(x)
    np.testing.assert_array_equal(got, [[0.0, 0.0], [0.5, 0.0]])


def test_softmax1_nan_and_inf_spoil_only_their_row():
    got = sl.softmax1(np.array([[1.0, np.inf], [1.0, np.nan], [0.0, 0.0]]))
    assert np.isnan(got[:2]).all()
    np.testing.assert_allclose(got[2], [1 / 3, 1 / 3])


def test_softmax1_sums_to_less_than_one_and_along_the_axis():
    x = np.random.default_rng(3).normal(size=(4, 5))
    got = sl.softmax1(x, axis=0)
    sums = got.sum(axis=0)
    np.testing.assert_allclose(sums, 1 - 1 / (1 + np.exp(x).sum(axis=0)), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax1_keeps_the_dtype(dtype):
    assert sl.softmax1(np.array([1.0, 2.0], dtype=dtype)).dtype == dtype
    assert sl.softmax1([1, 2]).dtype == np.float64


def test_softmax1_does_not_modify_its_input_and_names_bad_arguments():
    x = np.array([1.0, 2.0, 3.0])
    copy = x.copy()
    sl.softmax1(x)
    np.testing.assert_array_equal(x, copy)
    with pytest.raises(TypeError, match="x has dtype bool"):
        sl.softmax1(np.array([True, False]))
    with pytest.raises(np.exceptions.AxisError, match="axis=2"):
        sl.softmax1(x, axis=2)
    with pytest.raises(ValueError, match="x must have at least 1 dimension"):
        sl.softmax1(1.0)


def test_softmax1_of_an_empty_axis_is_empty():
    assert sl.softmax1(np.zeros((2, 0))).shape == (2, 0)


# ---------------------------------------------------------------- sparsemax


def projection_by_bisection(x: np.ndarray) -> tuple[np.ndarray, float]:
    """The projection onto the simplex, found by bisection on tau: sum(max(x - tau, 0)) = 1."""
    finite = x[np.isfinite(x)]
    lo, hi = finite.max() - 1.0, finite.max()  # f(lo) >= 1 >= f(hi) = 0
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.maximum(x - mid, 0.0).sum() >= 1.0:
            lo = mid
        else:
            hi = mid
    tau = (lo + hi) / 2
    return np.maximum(x - tau, 0.0), tau


ROWS = [
    np.array([1.0, 0.5, -1.0]),
    np.array([0.1, 0.0]),
    np.array([2.0, 2.0, 2.0, -5.0]),  # ties in the support
    np.array([5.0, -np.inf, 4.5, 0.0]),  # a masked entry
    np.array([1e6, 1e6 - 0.25, 0.0]),  # large scores: shift invariance
    *(np.random.default_rng(s).normal(size=30) for s in range(4)),
    *(np.random.default_rng(10 + s).normal(size=200) * 0.05 for s in range(2)),  # wide support
]


@pytest.mark.parametrize("row", ROWS)
def test_sparsemax_equals_the_projection_found_by_bisection(row):
    expected, _ = projection_by_bisection(row)
    np.testing.assert_allclose(sl.sparsemax(row), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("row", ROWS)
def test_sparsemax_satisfies_the_kkt_conditions(row):
    p = sl.sparsemax(row)
    assert np.all(p >= 0)
    assert abs(p.sum() - 1.0) < 1e-12
    support = p > 0
    # On the support x_i - p_i is one number, tau; off it x_i <= tau.
    tau = row[support] - p[support]
    assert np.ptp(tau) < 1e-9 * max(1.0, abs(tau[0]))
    assert np.all(row[~support] <= tau[0] + 1e-12)


def test_sparsemax_is_closer_to_x_than_any_other_point_of_the_simplex():
    rng = np.random.default_rng(5)
    x = rng.normal(size=6) * 2
    p = sl.sparsemax(x)
    others = rng.dirichlet(np.ones(6) * 0.3, size=2000)
    assert np.all(np.sum((others - x) ** 2, axis=1) >= np.sum((p - x) ** 2) - 1e-12)


def test_sparsemax_gives_exact_zeros_below_the_threshold():
    p = sl.sparsemax(np.array([3.0, 2.9, 0.0, -1.0]))
    assert p[2] == 0.0 and p[3] == 0.0
    np.testing.assert_allclose(p[:2], [0.55, 0.45])


def test_sparsemax_is_batched_along_any_axis():
    x = np.random.default_rng(6).normal(size=(4, 7, 3))
    got = sl.sparsemax(x, axis=1)
    for i in range(4):
        for j in range(3):
            np.testing.assert_allclose(got[i, :, j], projection_by_bisection(x[i, :, j])[0], atol=1e-9)


def test_sparsemax_of_a_fully_masked_row_is_zeros_and_nan_stays_in_its_row():
    x = np.array([[-np.inf, -np.inf], [np.nan, 1.0], [np.inf, 0.0], [0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = sl.sparsemax(x)
    np.testing.assert_array_equal(got[0], [0.0, 0.0])
    assert np.isnan(got[1:3]).all()
    np.testing.assert_array_equal(got[3], [0.5, 0.5])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sparsemax_keeps_the_dtype_and_does_not_modify_input(dtype):
    x = np.array([1.0, 0.5, -1.0], dtype=dtype)
    copy = x.copy()
    assert sl.sparsemax(x).dtype == dtype
    np.testing.assert_array_equal(x, copy)


def test_sparsemax_names_bad_arguments_and_handles_empty_axis():
    with pytest.raises(TypeError, match="x has dtype"):
        sl.sparsemax(np.array(["a"]))
    with pytest.raises(TypeError, match="axis must be an integer"):
        sl.sparsemax([1.0], axis=None)
    assert sl.sparsemax(np.zeros((3, 0))).shape == (3, 0)


def test_sparsemax_jacobian_matches_finite_differences():
    x = np.array([1.0, 0.7, 0.2, -1.0, 0.65])
    h = 1e-6
    numeric = np.empty((5, 5))
    for j in range(5):
        e = np.zeros(5)
        e[j] = h
        numeric[:, j] = (sl.sparsemax(x + e) - sl.sparsemax(x - e)) / (2 * h)
    np.testing.assert_allclose(sl.sparsemax_jacobian(sl.sparsemax(x)), numeric, atol=1e-8)


def test_sparsemax_jacobian_is_batched_and_zero_for_an_empty_support():
    p = np.array([[0.75, 0.25, 0.0], [0.0, 0.0, 0.0]])
    jac = sl.sparsemax_jacobian(p)
    assert jac.shape == (2, 3, 3)
    np.testing.assert_array_equal(jac[1], np.zeros((3, 3)))
    np.testing.assert_allclose(jac[0] @ jac[0], jac[0])  # idempotent
    with pytest.raises(ValueError, match="p must be non-negative"):
        sl.sparsemax_jacobian([0.5, -0.5, 1.0])


# ---------------------------------------------------------------- gumbel_softmax


def test_hard_gumbel_samples_follow_softmax_within_five_standard_errors():
    logits = np.array([1.0, 2.0, 0.5, -1.0, 1.5])
    n = 40_000
    y = sl.gumbel_softmax(np.broadcast_to(logits, (n, 5)), hard=True, rng=123)
    assert set(np.unique(y)) == {0.0, 1.0} and np.all(y.sum(axis=1) == 1)
    freq = y.mean(axis=0)
    p = sl.softmax(logits)
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < 5 * se), (freq, p)


def test_hard_gumbel_samples_do_not_depend_on_temperature():
    logits = np.random.default_rng(0).normal(size=(100, 4))
    a = sl.gumbel_softmax(logits, 0.1, hard=True, rng=5)
    b = sl.gumbel_softmax(logits, 10.0, hard=True, rng=5)
    np.testing.assert_array_equal(a, b)


def test_relaxed_gumbel_samples_sum_to_one_and_approach_the_hard_ones():
    logits = np.random.default_rng(1).normal(size=(200, 6))
    soft = sl.gumbel_softmax(logits, 1.0, rng=7)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-14)
    assert np.all(soft > 0)
    cold = sl.gumbel_softmax(logits, 1e-3, rng=7)
    hard = sl.gumbel_softmax(logits, 1e-3, hard=True, rng=7)
    assert np.max(np.abs(cold - hard)) < 1e-2


def test_gumbel_softmax_is_reproducible_with_a_seed_and_advances_a_generator():
    logits = [0.0, 1.0, 2.0]
    np.testing.assert_array_equal(sl.gumbel_softmax(logits, rng=3), sl.gumbel_softmax(logits, rng=3))
    g = np.random.default_rng(3)
    first, second = sl.gumbel_softmax(logits, rng=g), sl.gumbel_softmax(logits, rng=g)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, sl.gumbel_softmax(logits, rng=3))


def test_gumbel_softmax_never_picks_a_masked_category():
    logits = np.broadcast_to([0.0, -np.inf, 0.0], (1000, 3))
    hard = sl.gumbel_softmax(logits, hard=True, rng=0)
    soft = sl.gumbel_softmax(logits, rng=0)
    assert np.all(hard[:, 1] == 0) and np.all(soft[:, 1] == 0)
    np.testing.assert_array_equal(sl.gumbel_softmax([-np.inf, -np.inf], hard=True, rng=0), [0.0, 0.0])
    np.testing.assert_array_equal(sl.gumbel_softmax([-np.inf, -np.inf], rng=0), [0.0, 0.0])


def test_gumbel_softmax_along_axis_zero():
    y = sl.gumbel_softmax(np.zeros((4, 3)), hard=True, rng=0, axis=0)
    np.testing.assert_array_equal(y.sum(axis=0), [1.0, 1.0, 1.0])


def test_gumbel_softmax_names_bad_arguments():
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        sl.gumbel_softmax([1.0, 2.0], 0.0)
    with pytest.raises(TypeError, match="hard must be True or False"):
        sl.gumbel_softmax([1.0, 2.0], hard=1)
    with pytest.raises(TypeError, match="rng must be"):
        sl.gumbel_softmax([1.0, 2.0], rng="seed")
    with pytest.raises(TypeError, match="logits has dtype bool"):
        sl.gumbel_softmax(np.array([True]))


# ---------------------------------------------------------------- chunked_cross_entropy


def torch_reference(h, w, t, b=None):
    th = torch.tensor(h, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    loss = F.cross_entropy(F.linear(th, tw, tb), torch.tensor(t))
    loss.backward()
    grads = [th.grad.numpy(), tw.grad.numpy()] + ([] if tb is None else [tb.grad.numpy()])
    return float(loss.detach()), grads


def problem(n=16, d=8, v=1000, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(n, d))
    w = rng.normal(size=(v, d)) * scale / np.sqrt(d)
    t = rng.integers(0, v, size=n)
    b = rng.normal(size=v)
    return h, w, t, b


@pytest.mark.parametrize("chunk", [1, 7, 128, 1000, 5000])
def test_chunked_cross_entropy_equals_the_full_computation(chunk):
    h, w, t, b = problem()
    z = h @ w.T + b
    full = float(np.mean(-sl.log_softmax(z)[np.arange(len(t)), t]))
    got = sl.chunked_cross_entropy(h, w, t, chunk=chunk, bias=b)
    assert got == pytest.approx(full, rel=1e-12)


@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("chunk", [1, 33, 1000])
def test_chunked_cross_entropy_and_its_gradients_match_torch_autograd(chunk, with_bias):
    h, w, t, b = problem(seed=1)
    b = b if with_bias else None
    ref_loss, ref_grads = torch_reference(h, w, t, b)
    loss, *grads = sl.chunked_cross_entropy(h, w, t, chunk=chunk, bias=b, return_grad=True)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert len(grads) == len(ref_grads)
    for got, ref in zip(grads, ref_grads):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_chunked_cross_entropy_is_stable_for_huge_logits():
    h, w, t, _ = problem(scale=300.0, seed=2)  # logits in the hundreds: exp overflows naively
    ref_loss, ref_grads = torch_reference(h, w, t)
    loss, dh, dw = sl.chunked_cross_entropy(h, w, t, chunk=100, return_grad=True)
    assert np.isfinite(loss) and loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(dh, ref_grads[0], rtol=1e-10, atol=1e-12)


def test_chunked_cross_entropy_float32_stays_float32_and_inputs_are_not_modified():
    h, w, t, b = problem(seed=3)
    h32, w32, b32 = h.astype(np.float32), w.astype(np.float32), b.astype(np.float32)
    copies = [a.copy() for a in (h32, w32, t, b32)]
    loss, dh, dw, db = sl.chunked_cross_entropy(h32, w32, t, chunk=64, bias=b32, return_grad=True)
    assert dh.dtype == dw.dtype == db.dtype == np.float32
    ref_loss, _ = torch_reference(h, w, t, b)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    for a, c in zip((h32, w32, t, b32), copies):
        np.testing.assert_array_equal(a, c)


def _peak(f, *args, **kwargs) -> int:
    tracemalloc.start()
    try:
        f(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_chunked_cross_entropy_memory_grows_with_the_chunk_not_with_the_vocabulary():
    n, d = 256, 16
    rng = np.random.default_rng(4)
    h = rng.normal(size=(n, d))
    peaks = {}
    for v in (8_000, 32_000):
        w = rng.normal(size=(v, d)) / 4
        t = rng.integers(0, v, size=n)
        for chunk in (256, 1024):
            peaks[v, chunk] = _peak(sl.chunked_cross_entropy, h, w, t, chunk=chunk)
    logits_bytes = n * 32_000 * 8
    # Four times the vocabulary: (almost) the same peak; four times the chunk: about four times the peak.
    assert peaks[32_000, 1024] < 1.2 * peaks[8_000, 1024]
    assert peaks[32_000, 1024] > 2.5 * peaks[32_000, 256]
    assert peaks[32_000, 1024] < logits_bytes / 5


def test_chunked_cross_entropy_names_bad_arguments():
    h, w, t, b = problem(n=4, v=10)
    with pytest.raises(ValueError, match="same number of columns"):
        sl.chunked_cross_entropy(h, w[:, :3], t)
    with pytest.raises(ValueError, match=r"targets must lie in \[0, V\) = \[0, 10\); got 10"):
        sl.chunked_cross_entropy(h, w, np.array([0, 1, 2, 10]))
    with pytest.raises(TypeError, match="targets must be integer"):
        sl.chunked_cross_entropy(h, w, t.astype(float))
    with pytest.raises(ValueError, match="targets must have shape"):
        sl.chunked_cross_entropy(h, w, t[:3])
    with pytest.raises(ValueError, match="bias must have shape"):
        sl.chunked_cross_entropy(h, w, t, bias=b[:5])
    with pytest.raises(ValueError, match="chunk must be an integer >= 1"):
        sl.chunked_cross_entropy(h, w, t, chunk=0)
    with pytest.raises(ValueError, match="hidden must be 2-d"):
        sl.chunked_cross_entropy(h[None], w, t)


def test_chunked_cross_entropy_peak_is_about_three_chunk_blocks_as_documented():
    # The docstring once said "about N * chunk numbers" while three blocks were alive at once.
    n, d, v, chunk = 256, 16, 20_000, 1024
    rng = np.random.default_rng(8)
    h, w = rng.normal(size=(n, d)), rng.normal(size=(v, d)) / 4
    t = rng.integers(0, v, size=n)
    copies = [a.copy() for a in (h, w, t)]
    block = n * chunk * 8
    peak = _peak(sl.chunked_cross_entropy, h, w, t, chunk=chunk)
    assert 2.5 * block < peak < 4 * block
    peak_grad = _peak(sl.chunked_cross_entropy, h, w, t, chunk=chunk, return_grad=True)
    assert peak_grad < w.nbytes + 4 * block  # dweight itself, plus a few blocks
    for a, c in zip((h, w, t), copies):  # float64 inputs are used without a copy: never written
        np.testing.assert_array_equal(a, c)

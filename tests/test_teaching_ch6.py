"""Chapter 6 facts that code can check: min-p sampling, the row-wise softmax
backward of attention, and the Jacobian norms behind the 1/sqrt(d) scale.

References come from independent computations: a torch re-implementation of
Hugging Face's warper chain (temperature, top-k, top-p, min-p), torch
autograd, and torch's own softmax with the closed-form Jacobian norm.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import softmax_lib as sl

# ------------------------------------------------------------------ min-p


def _hf_chain_support(logits, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """Which entries Hugging Face's warper order keeps, written in torch.

    temperature -> top-k -> top-p -> min-p, each step on the scores the
    previous one left (removed entries set to -inf), as in the library's
    Notes; min-p keeps probs >= min_p * max(probs) of the current scores.
    """
    z = torch.tensor(logits, dtype=torch.float64) / temperature
    if top_k is not None:
        kth = torch.topk(z, top_k).values[-1]
        z = torch.where(z < kth, torch.tensor(-math.inf, dtype=z.dtype), z)
    if top_p is not None:
        p = torch.softmax(z, dim=-1)
        order = torch.argsort(p, descending=True, stable=True)
        before = torch.cumsum(p[order], 0) - p[order]
        keep = torch.zeros_like(p, dtype=torch.bool)
        keep[order] = before < top_p
        z = torch.where(keep, z, torch.tensor(-math.inf, dtype=z.dtype))
    if min_p is not None:
        p = torch.softmax(z, dim=-1)
        z = torch.where(p >= min_p * p.max(), z, torch.tensor(-math.inf, dtype=z.dtype))
    return set(torch.nonzero(torch.isfinite(z)).flatten().tolist())


def _support(logits, n=20_000, seed=0, **kwargs):
    draws = sl.sample(np.tile(np.asarray(logits, dtype=float), (n, 1)), rng=seed, **kwargs)
    return set(np.unique(draws).tolist()), draws


def test_min_p_keeps_exactly_the_hand_computed_set():
    # log-probabilities chosen so that p = [0.5, 0.25, 0.125, 0.0625, 0.0625]
    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    logits = np.log(p)
    # min_p = 0.25: threshold 0.125, so entries 0, 1, 2 (0.125 >= 0.125 counts)
    kept, draws = _support(logits, min_p=0.25)
    assert kept == {0, 1, 2}
    # and the kept entries share the mass in proportion: 4/7, 2/7, 1/7
    freq = np.bincount(draws, minlength=5)[:3] / len(draws)
    np.testing.assert_allclose(freq, np.array([4, 2, 1]) / 7, atol=0.015)


def test_min_p_one_keeps_only_the_ties_with_the_maximum():
    kept, draws = _support([1.0, 3.0, 3.0, 0.0, 2.999], min_p=1.0)
    assert kept == {1, 2}
    assert abs(np.mean(draws == 1) - 0.5) < 0.02


def test_min_p_zero_keeps_everything():
    kept, _ = _support([0.0, -1.0, -2.0, -3.0], min_p=0.0, n=50_000)
    assert kept == {0, 1, 2, 3}


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(min_p=0.1),
        dict(min_p=0.1, temperature=2.0),
        dict(min_p=0.1, temperature=0.5),
        dict(min_p=0.05, top_k=6),
        dict(min_p=0.02, top_p=0.8),
        dict(min_p=0.2, top_p=0.95, temperature=1.7),
    ],
)
def test_min_p_support_matches_hugging_face_order(kwargs):
    logits = np.array([3.0, 2.5, 2.0, 1.0, 0.5, 0.0, -1.0, -2.0, -3.0])
    expected = _hf_chain_support(logits, **kwargs)
    kept, _ = _support(logits, n=40_000, seed=3, **kwargs)
    # every drawn entry is allowed; and every allowed entry with p > 1e-3 is drawn
    assert kept <= expected
    assert kept == expected or all(
        sl.softmax(logits / kwargs.get("temperature", 1.0))[i] < 1e-3 for i in expected - kept
    )


def test_min_p_is_applied_after_the_temperature():
    # At T = 1 min_p = 0.2 keeps {0, 1}; at T = 3 the flatter distribution keeps all four.
    logits = [2.0, 1.0, 0.0, -0.5]
    assert _support(logits, min_p=0.2)[0] == {0, 1}
    assert _support(logits, min_p=0.2, temperature=3.0)[0] == {0, 1, 2, 3}


def test_min_p_does_not_modify_the_logits():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, -np.inf]])
    before = logits.copy()
    sl.sample(logits, min_p=0.5, rng=0)
    np.testing.assert_array_equal(logits, before)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), float("inf")])
def test_min_p_out_of_range_is_a_value_error_naming_min_p(bad):
    with pytest.raises(ValueError, match="min_p"):
        sl.sample([0.0, 1.0], min_p=bad, rng=0)


@pytest.mark.parametrize("bad", ["0.1", True, [0.1], 1j])
def test_min_p_of_the_wrong_type_is_a_type_error_naming_min_p(bad):
    with pytest.raises(TypeError, match="min_p"):
        sl.sample([0.0, 1.0], min_p=bad, rng=0)


# ------------------------------------------- the backward pass of attention


def _attention_backward_rowwise(q, k, v, d_out, causal):
    """dS = P o (dP - rowsum(P o dP)), the identity chapter 6 states."""
    c = 1 / np.sqrt(q.shape[-1])
    _, p = sl.attention(q, k, v, causal=causal, return_weights=True)
    T = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731
    dv = T(p) @ d_out
    dp = d_out @ T(v)
    ds = p * (dp - np.sum(p * dp, axis=-1, keepdims=True))
    return c * ds @ k, c * T(ds) @ q, dv, ds


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [((5, 4), (7, 4), (7, 3)), ((2, 3, 6, 8), (2, 3, 6, 8), (2, 3, 6, 5))])
def test_rowwise_softmax_backward_equals_torch_autograd(causal, shape):
    rng = np.random.default_rng(60)
    q, k, v = (rng.standard_normal(s) for s in shape)
    d_out = rng.standard_normal(q.shape[:-1] + (v.shape[-1],))
    dq, dk, dv, ds = _attention_backward_rowwise(q, k, v, d_out, causal)

    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    s = tq @ tk.transpose(-1, -2) / math.sqrt(q.shape[-1])
    s.retain_grad()
    if causal:
        keep = torch.ones(s.shape[-2:], dtype=torch.bool).tril()
        s_masked = s.masked_fill(~keep, float("-inf"))
    else:
        s_masked = s
    o = torch.softmax(s_masked, dim=-1) @ tv
    (o * torch.tensor(d_out)).sum().backward()
    for ours, theirs in ((dq, tq.grad), (dk, tk.grad), (dv, tv.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-11, atol=1e-12)
    # dS itself is the gradient with respect to the scaled scores S = c Q K^T
    np.testing.assert_allclose(ds, s.grad.numpy(), rtol=1e-11, atol=1e-12)


def test_rowsum_p_dp_equals_rowsum_do_o():
    rng = np.random.default_rng(61)
    q, k, v = rng.standard_normal((3, 6, 8))
    d_out = rng.standard_normal((6, 8))
    o, p = sl.attention(q, k, v, return_weights=True)
    dp = d_out @ v.T
    np.testing.assert_allclose(np.sum(p * dp, -1), np.sum(d_out * o, -1), rtol=1e-12, atol=1e-13)


def test_a_wrong_sign_in_the_softmax_backward_is_caught():
    # The test above can fail: P o (dP + rowsum(P o dP)) disagrees with autograd.
    rng = np.random.default_rng(62)
    s = torch.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    g = torch.tensor(rng.standard_normal((4, 5)))
    (torch.softmax(s, -1) * g).sum().backward()
    p = torch.softmax(s, -1).detach().numpy()
    wrong = p * (g.numpy() + np.sum(p * g.numpy(), -1, keepdims=True))
    assert not np.allclose(wrong, s.grad.numpy())


# ------------------------------- the Jacobian norms of chapter 6's prose


def _row_stats(d, scale, seed):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(400, d, generator=g, dtype=torch.float64)
    k = torch.randn(64, d, generator=g, dtype=torch.float64)
    p = torch.softmax((q @ k.T) * scale, dim=-1)
    s2, s3 = (p**2).sum(-1), (p**3).sum(-1)
    # ||diag(p) - p p^T||_F in closed form; clamped: rounding can make it -1e-17
    jac = torch.sqrt(torch.clamp(s2 - 2 * s3 + s2**2, min=0.0))
    return p.max(-1).values.numpy(), jac.numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_at_d_64_the_unscaled_median_jacobian_is_not_smaller(seed):
    # The prose: at d = 64 an unscaled row is extreme (median top weight ~0.85,
    # one row in ten with ||J|| below ~5e-3), yet its median ||J|| (~0.21) is
    # above the scaled one (~0.18).
    top_s, jac_s = _row_stats(64, 1 / 8, seed)
    top_u, jac_u = _row_stats(64, 1.0, seed)
    assert np.median(jac_u) > np.median(jac_s)
    assert 0.16 < np.median(jac_s) < 0.20
    assert 0.15 < np.median(jac_u) < 0.30
    assert 0.75 < np.median(top_u) < 0.92
    assert np.percentile(jac_u, 10) < 1e-2
    assert np.median(top_s) < 0.15


def test_the_unscaled_median_jacobian_collapses_only_from_about_d_512():
    ratios = {}
    for d in (128, 512):
        _, jac_s = _row_stats(d, 1 / math.sqrt(d), 5)
        _, jac_u = _row_stats(d, 1.0, 5)
        ratios[d] = np.median(jac_s) / np.median(jac_u)
    assert 1.3 < ratios[128] < 4
    assert ratios[512] > 15

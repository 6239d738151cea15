"""Tests of the backward pass of tiled attention, its log-sum-exp, and the merge of (o, lse) states.

References come from PyTorch: autograd of ``F.scaled_dot_product_attention``
and ``torch.logsumexp`` of the scaled, masked scores, never from the code
under test.
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import softmax_lib as sl
from softmax_lib import core


def torch_reference(q, k, v, do, mask=None, causal=False, scale=None, dtype=torch.float64):
    """Output and gradients of PyTorch's attention, with mask and causal combined by AND."""
    tq, tk, tv = (torch.tensor(np.asarray(a), dtype=dtype, requires_grad=True) for a in (q, k, v))
    m = None if mask is None else torch.from_numpy(np.asarray(mask))
    if causal:
        tri = torch.ones(tq.shape[-2], tk.shape[-2], dtype=torch.bool).tril()
        m = tri if m is None else m & tri
    out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=m, scale=scale)
    out.backward(torch.tensor(np.asarray(do), dtype=dtype))
    return out.detach().numpy(), tq.grad.numpy(), tk.grad.numpy(), tv.grad.numpy(), m


def torch_lse(q, k, m=None, scale=None):
    tq, tk = torch.from_numpy(np.asarray(q, dtype=np.float64)), torch.from_numpy(np.asarray(k, dtype=np.float64))
    s = tq @ tk.transpose(-1, -2) * (scale if scale is not None else 1 / np.sqrt(q.shape[-1]))
    if m is not None:
        s = s.masked_fill(~m, -torch.inf)
    return torch.logsumexp(s, dim=-1).numpy()


def inputs(lead, lq, lk, d=8, dv=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=lead + (lq, d)) * 2
    k = rng.normal(size=lead + (lk, d)) * 2
    v = rng.normal(size=lead + (lk, dv))
    do = rng.normal(size=lead + (lq, dv))
    return tuple(a.astype(dtype) for a in (q, k, v, do))


def forward_backward(q, k, v, do, **kwargs):
    bq, bk = kwargs.pop("block_q", 128), kwargs.pop("block_k", 128)
    o, lse = sl.tiled_attention(q, k, v, return_lse=True, block_q=bq, block_k=bk, **kwargs)
    grads = sl.tiled_attention_backward(q, k, v, o, lse, do, block_q=bk, block_k=bq, **kwargs)
    return o, lse, grads


def assert_grads_close(got, want, rtol, atol_rel):
    for name, g, w in zip(("dq", "dk", "dv"), got, want):
        assert g.shape == w.shape, name
        atol = atol_rel * max(1.0, float(np.max(np.abs(w))))
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=name)


F64 = dict(rtol=1e-10, atol_rel=1e-12)  # stated in the docstring: "rtol=1e-10 with an absolute floor"
F32 = dict(rtol=1e-4, atol_rel=1e-5)


# ---------------------------------------------------------------- gradients against torch autograd


@pytest.mark.parametrize(("lq", "lk"), [(1, 1), (10, 10), (7, 23), (23, 7), (33, 40)])
@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (3, 5), (8, 8), (64, 64)])
def test_backward_matches_torch_autograd_of_sdpa_float64(lq, lk, block_q, block_k):
    q, k, v, do = inputs((2, 3), lq, lk, seed=lq * 100 + lk)
    _, _, grads = forward_backward(q, k, v, do, block_q=block_q, block_k=block_k)
    _, *want, _ = torch_reference(q, k, v, do)
    assert_grads_close(grads, want, **F64)


@pytest.mark.parametrize(("lq", "lk"), [(10, 10), (7, 23), (23, 7), (33, 33)])
@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (3, 5), (5, 3), (16, 16)])
def test_causal_backward_matches_torch_is_causal(lq, lk, block_q, block_k):
    q, k, v, do = inputs((2,), lq, lk, seed=lq + lk)
    _, _, grads = forward_backward(q, k, v, do, causal=True, block_q=block_q, block_k=block_k)
    _, *want, _ = torch_reference(q, k, v, do, causal=True)
    assert_grads_close(grads, want, **F64)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("block_q", "block_k"), [(4, 4), (3, 7), (128, 128)])
def test_backward_with_a_boolean_mask_matches_torch(causal, block_q, block_k):
    q, k, v, do = inputs((2, 2), 19, 21, seed=5)
    mask = np.random.default_rng(6).random((2, 1, 19, 21)) < 0.6
    _, _, grads = forward_backward(q, k, v, do, mask=mask, causal=causal, block_q=block_q, block_k=block_k)
    _, *want, _ = torch_reference(q, k, v, do, mask=mask, causal=causal)
    assert_grads_close(grads, want, **F64)


@pytest.mark.parametrize(("block_q", "block_k"), [(1, 1), (2, 3), (16, 16)])
def test_fully_masked_rows_give_zero_output_and_zero_gradients_like_torch(block_q, block_k):
    q, k, v, do = inputs((2,), 9, 11, seed=7)
    mask = np.ones((2, 9, 11), dtype=bool)
    mask[0, 3] = False  # query 3 of the first sequence may attend to nothing
    mask[1, :, :] = False  # the whole second sequence is masked
    mask[1, 0, 0] = True
    o, lse, (dq, dk, dv) = forward_backward(q, k, v, do, mask=mask, block_q=block_q, block_k=block_k)
    out, *want, _ = torch_reference(q, k, v, do, mask=mask)
    assert np.all(o[0, 3] == 0) and np.all(out[0, 3] == 0)  # torch 2.13 gives zeros here too
    assert lse[0, 3] == -np.inf and np.all(lse[1, 1:] == -np.inf)
    assert np.all(dq[0, 3] == 0) and np.all(dq[1, 1:] == 0)
    assert np.all(want[0][0, 3] == 0)  # and so does torch's gradient
    assert_grads_close((dq, dk, dv), want, **F64)
    assert not any(np.isnan(g).any() for g in (dq, dk, dv))


def test_backward_of_a_query_with_no_keys_is_zero_without_warnings():
    q, k, v, do = inputs((), 3, 4, seed=8)
    mask = np.zeros((3, 4), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o, lse, (dq, dk, dv) = forward_backward(q, k, v, do, mask=mask)
    assert np.all(lse == -np.inf)
    assert not (dq.any() or dk.any() or dv.any())


@pytest.mark.parametrize("causal", [False, True])
def test_backward_float32_matches_torch_float32(causal):
    q, k, v, do = inputs((2, 2), 37, 37, seed=9, dtype=np.float32)
    o, lse, grads = forward_backward(q, k, v, do, causal=causal, block_q=16, block_k=10)
    out, *want, _ = torch_reference(q, k, v, do, causal=causal, dtype=torch.float32)
    assert o.dtype == lse.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)
    np.testing.assert_allclose(o, out, rtol=1e-5, atol=1e-5)
    assert_grads_close(grads, want, **F32)


def test_backward_float16_is_computed_in_float32_and_returned_as_float16():
    q, k, v, do = inputs((), 12, 12, seed=10)
    half = [a.astype(np.float16) for a in (q, k, v, do)]
    o, lse, grads = forward_backward(*half, block_q=5, block_k=5)
    assert lse.dtype == np.float32  # the lse is kept in the working dtype
    assert all(g.dtype == np.float16 for g in grads)
    _, *want, _ = torch_reference(*[a.astype(np.float64) for a in half])
    assert_grads_close([g.astype(np.float64) for g in grads], want, rtol=2e-2, atol_rel=2e-2)


def test_backward_sums_gradients_over_broadcast_leading_axes():
    # One key/value set shared by 3 heads (leading shape (1,) against (3,)):
    # its gradient is the sum over the heads, as torch's autograd gives.
    q, _, _, do = inputs((2, 3), 6, 5, seed=11)
    _, k, v, _ = inputs((2, 1), 6, 5, seed=12)
    _, _, (dq, dk, dv) = forward_backward(q, k, v, do, block_q=4, block_k=2)
    _, *want, _ = torch_reference(q, k, v, do)
    assert dk.shape == k.shape == (2, 1, 5, 8) and dv.shape == v.shape
    assert_grads_close((dq, dk, dv), want, **F64)


def test_backward_with_a_custom_scale_matches_torch():
    q, k, v, do = inputs((2,), 8, 9, seed=13)
    _, _, grads = forward_backward(q, k, v, do, scale=0.7, block_q=3, block_k=4)
    _, *want, _ = torch_reference(q, k, v, do, scale=0.7)
    assert_grads_close(grads, want, **F64)


def test_backward_block_sizes_need_not_match_the_forward_pass():
    q, k, v, do = inputs((), 30, 30, seed=14)
    o, lse = sl.tiled_attention(q, k, v, causal=True, return_lse=True, block_q=7, block_k=11)
    a = sl.tiled_attention_backward(q, k, v, o, lse, do, causal=True, block_q=30, block_k=30)
    b = sl.tiled_attention_backward(q, k, v, o, lse, do, causal=True, block_q=4, block_k=9)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-13)


def test_backward_does_not_modify_its_inputs():
    arrays = inputs((2,), 6, 7, seed=15)
    o, lse = sl.tiled_attention(*arrays[:3], return_lse=True)
    all_inputs = (*arrays[:3], o, lse, arrays[3])
    copies = [a.copy() for a in all_inputs]
    sl.tiled_attention_backward(*all_inputs[:5], all_inputs[5], block_q=2, block_k=3)
    for a, c in zip(all_inputs, copies):
        np.testing.assert_array_equal(a, c)


def test_backward_never_allocates_the_score_matrix():
    # FlashAttention's point: the backward pass needs no Lq x Lk array either.
    q, k, v, do = inputs((), 1024, 1024, d=16, dv=16, seed=16)
    o, lse = sl.tiled_attention(q, k, v, return_lse=True)
    tracemalloc.start()
    try:
        sl.tiled_attention_backward(q, k, v, o, lse, do, block_q=64, block_k=64)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024 * 8 / 8


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(block_q=0), ValueError, "block_q"),
        (dict(block_k=2.5), TypeError, "block_k"),
        (dict(causal="yes"), TypeError, "causal"),
        (dict(scale=-1.0), ValueError, "scale"),
        (dict(mask=np.ones((4, 5))), TypeError, "boolean"),
    ],
)
def test_backward_rejects_bad_arguments_naming_them(kwargs, error, match):
    q, k, v, do = inputs((), 4, 5, seed=17)
    o, lse = sl.tiled_attention(q, k, v, return_lse=True)
    with pytest.raises(error, match=match):
        sl.tiled_attention_backward(q, k, v, o, lse, do, **kwargs)


@pytest.mark.parametrize("which", ["o", "lse", "do"])
def test_backward_rejects_an_o_lse_or_do_of_the_wrong_shape_naming_it(which):
    q, k, v, do = inputs((), 4, 5, seed=18)
    o, lse = sl.tiled_attention(q, k, v, return_lse=True)
    args = dict(o=o, lse=lse, do=do)
    args[which] = args[which][:-1]
    with pytest.raises(ValueError, match=rf"^{which} must have shape"):
        sl.tiled_attention_backward(q, k, v, args["o"], args["lse"], args["do"])


# ---------------------------------------------------------------- the log-sum-exp of the forward pass


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("lq", "lk", "block_q", "block_k"), [(9, 9, 2, 3), (5, 17, 4, 4), (17, 5, 128, 128)])
def test_return_lse_equals_torch_logsumexp_of_the_scaled_masked_scores(causal, lq, lk, block_q, block_k):
    q, k, v, _ = inputs((2, 2), lq, lk, seed=19)
    mask = np.random.default_rng(20).random((2, 2, lq, lk)) < 0.7
    mask[0, 0, 1] = False
    out, lse = sl.tiled_attention(q, k, v, mask=mask, causal=causal, return_lse=True, block_q=block_q, block_k=block_k)
    m = torch.from_numpy(mask)
    if causal:
        m = m & torch.ones(lq, lk, dtype=torch.bool).tril()
    want = torch_lse(q, k, m)
    assert lse.shape == (2, 2, lq)
    np.testing.assert_array_equal(np.isneginf(lse), np.isneginf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(lse[finite], want[finite], rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(out, sl.tiled_attention(q, k, v, mask=mask, causal=causal, block_q=block_q, block_k=block_k))


def test_return_lse_must_be_a_bool():
    q, k, v, _ = inputs((), 3, 3)
    with pytest.raises(TypeError, match="return_lse"):
        sl.tiled_attention(q, k, v, return_lse=1)


# ---------------------------------------------------------------- merging (o, lse) states: split-K decoding


@pytest.mark.parametrize("cut", [1, 7, 19])
def test_merging_two_key_blocks_equals_attention_on_all_keys(cut):
    q, k, v, _ = inputs((2, 3), 4, 20, seed=21)
    left = sl.tiled_attention(q, k[..., :cut, :], v[..., :cut, :], return_lse=True, scale=0.4)
    right = sl.tiled_attention(q, k[..., cut:, :], v[..., cut:, :], return_lse=True, scale=0.4)
    o, lse = sl.merge_attention_states(left, right)
    want = torch_reference(q, k, v, np.zeros((2, 3, 4, 5)), scale=0.4)[0]
    np.testing.assert_allclose(o, want, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(lse, torch_lse(q, k, scale=0.4), rtol=1e-13, atol=1e-13)


def test_split_k_decoding_over_many_blocks_in_a_tree_equals_attention():
    q, k, v, _ = inputs((2,), 1, 1000, seed=22)
    parts = [sl.tiled_attention(q, k[:, s : s + 64], v[:, s : s + 64], return_lse=True) for s in range(0, 1000, 64)]
    while len(parts) > 1:
        parts = [sl.merge_attention_states(*parts[i : i + 2]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    want = torch_reference(q, k, v, np.zeros((2, 1, 5)))[0]
    np.testing.assert_allclose(parts[0][0], want, rtol=1e-12, atol=1e-13)


def test_merging_with_an_all_masked_part_changes_nothing_and_gives_no_nan():
    q, k, v, _ = inputs((2,), 3, 12, seed=23)
    mask = np.ones((2, 3, 12), dtype=bool)
    mask[..., 6:] = False  # the second half of the keys is masked for everyone
    mask[1, 2, :] = False  # and one query may attend to nothing at all
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        left = sl.tiled_attention(q, k[:, :6], v[:, :6], mask=mask[..., :6], return_lse=True)
        right = sl.tiled_attention(q, k[:, 6:], v[:, 6:], mask=mask[..., 6:], return_lse=True)
        o, lse = sl.merge_attention_states(left, right)
    assert np.all(right[1] == -np.inf) and np.all(right[0] == 0)
    want_o = torch_reference(q, k, v, np.zeros((2, 3, 5)), mask=mask)[0]
    np.testing.assert_allclose(o, want_o, rtol=1e-12, atol=1e-13)
    assert lse[1, 2] == -np.inf and np.all(o[1, 2] == 0)
    np.testing.assert_array_equal(o, sl.merge_attention_states(right, left)[0])


def test_merging_two_empty_states_is_the_empty_state_not_nan():
    empty = (np.zeros((2, 3)), np.full(2, -np.inf))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o, lse = sl.merge_attention_states(empty, empty)
    assert np.all(o == 0) and np.all(lse == -np.inf)


def test_attention_state_merge_is_associative_up_to_rounding():
    q, k, v, _ = inputs((), 2, 30, seed=24)
    a, b, c = (sl.tiled_attention(q, k[s : s + 10], v[s : s + 10], return_lse=True) for s in (0, 10, 20))
    left = sl.merge_attention_states(sl.merge_attention_states(a, b), c)
    right = sl.merge_attention_states(a, sl.merge_attention_states(b, c))
    for x, y in zip(left, right):
        np.testing.assert_allclose(x, y, rtol=1e-14, atol=1e-15)


def test_merge_attention_states_rejects_bad_states_naming_them():
    good = (np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(TypeError, match="^b must be an attention state"):
        sl.merge_attention_states(good, np.zeros(3))
    with pytest.raises(ValueError, match=r"a\.lse must have the shape of a\.o"):
        sl.merge_attention_states((np.zeros((2, 3)), np.zeros(3)), good)
    with pytest.raises(TypeError, match=r"a\.o"):
        sl.merge_attention_states((np.zeros((2, 3), dtype=bool), np.zeros(2)), good)


# ---------------------------------------------------------------- one home for the compensated shift


def test_online_softmax_uses_the_cores_compensated_shift_for_float64_only(monkeypatch):
    # The issue: online.py had a second copy of core._shifted, and compensated
    # float32 input although its shift is exact once promoted to float64.
    seen = []
    original = core._shifted

    def spy(xc, shift, temperature, buf, compensate):
        seen.append((xc.dtype, compensate))
        return original(xc, shift, temperature, buf, compensate)

    monkeypatch.setattr(core, "_shifted", spy)
    x = np.random.default_rng(25).normal(size=(3, 50))
    sl.online_softmax(x, chunk=16)
    assert seen and all(compensate for _, compensate in seen)
    seen.clear()
    sl.online_softmax(x.astype(np.float32), chunk=16)
    assert seen and not any(compensate for _, compensate in seen)


def test_no_keys_gives_zero_output_minus_inf_lse_and_zero_gradients():
    q, _, _, do = inputs((2,), 3, 1, seed=26)
    k, v = np.ones((2, 0, 8)), np.ones((2, 0, 5))
    o, lse, (dq, dk, dv) = forward_backward(q, k, v, do)
    assert np.all(o == 0) and np.all(lse == -np.inf)
    assert not dq.any() and dk.shape == (2, 0, 8) and dv.shape == (2, 0, 5)

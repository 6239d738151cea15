"""Regression tests for what chapter 5 (PyTorch) teaches, named after the mistakes they guard against.

Each test pins a fact the chapter states about torch, so that a torch upgrade
that changes it makes the book's sentence fail loudly here: float8_e4m3fn has
no infinity; a finite mask on a fully masked row attends to padding (the
softmax of the scores in float32, a uniform row once float16 rounding swallows
the scores); two ``finfo.min`` masks added overflow to ``-inf``; and the
``CrossEntropyLoss`` conventions (class axis at ``dim=1``, ``ignore_index``
and ``weight`` in the mean, probability targets). Reference values come from
mpmath or from numpy computations written out here, not from torch.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

mpmath.mp.dps = 50


def _softmax_mp(values):
    exps = [mpmath.exp(mpmath.mpf(float(v))) for v in values]
    total = mpmath.fsum(exps)
    return np.array([float(e / total) for e in exps])


def _log_softmax_np(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# --- "-inf is representable in every floating type" ------------------------------------

def test_minus_inf_is_not_representable_in_float8_e4m3fn():
    # float8_e4m3fn has no infinities: torch saturates -inf to its lowest finite value.
    converted = torch.tensor([-float("inf")]).to(torch.float8_e4m3fn).float()
    assert converted.item() == -448.0
    assert converted.item() == torch.finfo(torch.float8_e4m3fn).min


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "float8_e5m2"])
def test_minus_inf_survives_conversion_to_types_with_infinities(dtype):
    converted = torch.tensor([-float("inf")]).to(getattr(torch, dtype)).double()
    assert converted.item() == -float("inf")


# --- "a finite mask makes a fully masked row uniform" -----------------------------------

def test_finite_mask_on_fully_masked_float32_row_gives_softmax_of_the_scores():
    scores = [1.0, 2.0, 3.0]
    masked = torch.tensor(scores, dtype=torch.float32) + torch.tensor(-1e4, dtype=torch.float32)
    p = torch.softmax(masked, dim=0).double().numpy()
    assert np.allclose(p, _softmax_mp(scores), rtol=1e-6, atol=0)
    assert not np.allclose(p, 1 / 3, atol=0.1)  # attends to padding, and not uniformly


def test_finite_mask_on_fully_masked_float16_row_is_uniform_after_rounding():
    # float16's spacing between 8192 and 16384 is 8: s - 1e4 rounds to -1e4 for s in {1, 2, 3}.
    masked = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16) + torch.tensor(-1e4, dtype=torch.float16)
    assert masked.tolist() == [-10000.0, -10000.0, -10000.0]
    p = torch.softmax(masked, dim=0).double().numpy()
    assert np.allclose(p, 1 / 3, rtol=1e-3, atol=0)


def test_finite_mask_minus_1e9_in_float32_is_uniform_too():
    # The contrast is finite versus -inf, not 1e4 versus 1e9: float32's spacing at 1e9 is 64.
    masked = torch.tensor([1.0, 2.0, 3.0]) + torch.tensor(-1e9)
    p = torch.softmax(masked, dim=0).double().numpy()
    assert np.allclose(p, 1 / 3, rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_two_finfo_min_masks_added_overflow_to_minus_inf(dtype):
    dt = getattr(torch, dtype)
    lowest = torch.tensor(torch.finfo(dt).min, dtype=dt)
    assert torch.isinf(lowest + lowest).item() and (lowest + lowest).item() < 0
    row = torch.tensor([1.0, 2.0, 3.0], dtype=dt)
    # one mask: uniform over padding, no NaN; two masks over the whole row: NaN again
    once = torch.softmax((row + lowest).float(), dim=0)
    assert np.allclose(once.numpy(), 1 / 3, rtol=1e-6)
    twice = torch.softmax((row + lowest + lowest).float(), dim=0)
    assert torch.isnan(twice).all()


def test_torch_softmax_of_minus_inf_row_is_nan_while_sdpa_gives_zeros():
    # The chapter hedges the SDPA half with the version (since PyTorch 2.5).
    row = torch.full((4,), -float("inf"))
    assert torch.isnan(torch.softmax(row, dim=0)).all()
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 1, 4), torch.randn(1, 4, 4), torch.randn(1, 4, 4)
    keep = torch.zeros(1, 4, dtype=torch.bool)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    assert torch.equal(out, torch.zeros_like(out))


# --- CrossEntropyLoss: the class axis is dim 1 ------------------------------------------

def test_cross_entropy_of_unflattened_language_model_logits_raises():
    torch.manual_seed(0)
    logits, target = torch.randn(2, 3, 5), torch.randint(0, 5, (2, 3))   # (B, T, V), (B, T)
    with pytest.raises(RuntimeError, match="Expected target size"):
        F.cross_entropy(logits, target)


def test_cross_entropy_of_unflattened_logits_silently_differs_when_T_equals_V():
    torch.manual_seed(0)
    logits, target = torch.randn(2, 4, 4), torch.randint(0, 4, (2, 4))
    logp = _log_softmax_np(logits.numpy(), axis=-1)                      # vocabulary last
    expected = -np.take_along_axis(logp, target.numpy()[..., None], axis=-1).mean()
    flat = F.cross_entropy(logits.view(-1, 4), target.view(-1)).item()
    moved = F.cross_entropy(logits.transpose(1, 2), target).item()
    wrong = F.cross_entropy(logits, target).item()
    assert flat == pytest.approx(expected, rel=1e-6)
    assert moved == pytest.approx(expected, rel=1e-6)
    assert abs(wrong - expected) > 1e-3


def test_cross_entropy_segmentation_takes_classes_along_dim_1():
    torch.manual_seed(0)
    logits, target = torch.randn(2, 3, 4, 5), torch.randint(0, 3, (2, 4, 5))
    logp = _log_softmax_np(logits.numpy(), axis=1)
    expected = -np.take_along_axis(logp, target.numpy()[:, None], axis=1).mean()
    assert F.cross_entropy(logits, target).item() == pytest.approx(expected, rel=1e-6)


# --- ignore_index and weight: what the mean divides by ----------------------------------

def _padded_batch():
    torch.manual_seed(0)
    logits = torch.randn(6, 5)
    target = torch.tensor([1, 4, 0, 2, -100, -100])
    return logits, target


def test_ignore_index_mean_divides_by_the_targets_not_ignored():
    logits, target = _padded_batch()
    assert torch.nn.CrossEntropyLoss().ignore_index == -100
    logp = _log_softmax_np(logits.numpy())
    real = target.numpy() != -100
    terms = -logp[real, target.numpy()[real]]
    loss = F.cross_entropy(logits, target).item()
    assert loss == pytest.approx(terms.sum() / real.sum(), rel=1e-6)
    assert loss != pytest.approx(terms.sum() / len(target), rel=1e-3)


def test_weighted_mean_divides_by_the_sum_of_the_target_weights():
    logits, target = _padded_batch()
    w = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    logp = _log_softmax_np(logits.numpy())
    real = target.numpy() != -100
    y = target.numpy()[real]
    expected = (w[y] * -logp[real, y]).sum() / w[y].sum()
    loss = F.cross_entropy(logits, target, weight=torch.tensor(w, dtype=torch.float32)).item()
    assert loss == pytest.approx(expected, rel=1e-6)


# --- probability targets versus probabilities as input ---------------------------------

def test_soft_targets_equal_minus_sum_y_log_softmax():
    torch.manual_seed(0)
    logits = torch.randn(4, 3, dtype=torch.float64)
    y = torch.softmax(torch.randn(4, 3, dtype=torch.float64), dim=1)
    expected = -(y.numpy() * _log_softmax_np(logits.numpy())).sum(axis=1).mean()
    assert F.cross_entropy(logits, y).item() == pytest.approx(expected, rel=1e-12)


def test_probabilities_as_input_run_silently_and_apply_softmax_twice():
    torch.manual_seed(0)
    logits = torch.randn(4, 3, dtype=torch.float64)
    target = torch.tensor([2, 0, 1, 1])
    p = np.exp(_log_softmax_np(logits.numpy()))
    twice = -_log_softmax_np(p)[np.arange(4), target.numpy()].mean()
    right = -_log_softmax_np(logits.numpy())[np.arange(4), target.numpy()].mean()
    bug = F.cross_entropy(torch.softmax(logits, dim=1), target).item()
    assert bug == pytest.approx(twice, rel=1e-12)
    assert abs(bug - right) > 0.1


def test_label_smoothing_is_the_soft_target_of_the_mixture():
    torch.manual_seed(0)
    logits = torch.randn(4, 3, dtype=torch.float64)
    target = np.array([2, 0, 1, 1])
    eps = 0.1
    smooth = (1 - eps) * np.eye(3)[target] + eps / 3
    expected = -(smooth * _log_softmax_np(logits.numpy())).sum(axis=1).mean()
    got = F.cross_entropy(logits, torch.tensor(target), label_smoothing=eps).item()
    assert got == pytest.approx(expected, rel=1e-12)

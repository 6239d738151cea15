"""Facts taught in chapters 3 and 4 that code can check (issue 9).

Reference values come from mpmath at 50 digits, from torch, or from a closed
form, never from the function under test.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import torch
from scipy.optimize import minimize_scalar
from scipy.stats import chi2

import softmax_lib as sl

mpmath.mp.dps = 50


def _nll_mp(logits: np.ndarray, labels: np.ndarray, beta: float) -> mpmath.mpf:
    """Mean NLL of softmax(beta * logits) at the labels, in 50-digit arithmetic."""
    total = mpmath.mpf(0)
    for row, label in zip(logits, labels):
        scaled = [mpmath.mpf(beta) * mpmath.mpf(float(v)) for v in row]
        m = max(scaled)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(s - m) for s in scaled))
        total += lse - scaled[int(label)]
    return total / len(labels)


def _nll_dbeta_mp(logits: np.ndarray, labels: np.ndarray, beta: float) -> mpmath.mpf:
    return mpmath.diff(lambda b: _nll_mp(logits, labels, b), mpmath.mpf(beta))


def _nll(logits: np.ndarray, labels: np.ndarray, beta: float) -> float:
    return float(sl.cross_entropy(beta * logits, labels))


@pytest.fixture
def validation_logits() -> np.ndarray:
    return np.random.default_rng(3).normal(scale=2.0, size=(12, 4))


def test_convex_is_not_enough_all_correct_validation_set_has_no_fitted_temperature(validation_logits):
    """Regression test for "convex, so it has a single minimum" (chapter 3, issue 9).

    When every validation example is classified correctly, the temperature-scaling NLL is
    strictly decreasing in beta = 1/T for ever: no minimiser exists.
    """
    labels = validation_logits.argmax(axis=1)  # every example right, maxima unique
    betas = [0.05, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0]
    reference = [_nll_mp(validation_logits, labels, b) for b in betas]
    assert all(a > b for a, b in zip(reference, reference[1:]))
    for b in betas:
        assert _nll_dbeta_mp(validation_logits, labels, b) < 0
    # The library's NLL agrees with the 50-digit reference and falls towards 0.
    for b, ref in zip(betas, reference):
        assert _nll(validation_logits, labels, b) == pytest.approx(float(ref), rel=1e-12, abs=1e-300)
    assert float(reference[-1]) < 1e-3


def test_one_misclassified_example_gives_a_unique_finite_temperature(validation_logits):
    labels = validation_logits.argmax(axis=1)
    wrong = int(np.argsort(validation_logits[0])[-2])  # example 0 gets its second-best class
    labels[0] = wrong
    assert validation_logits[0, labels[0]] < validation_logits[0].max()
    slope_at_0 = np.mean(validation_logits.mean(axis=1) - validation_logits[np.arange(12), labels])
    assert slope_at_0 < 0  # the theorem's second condition holds here
    assert float(_nll_dbeta_mp(validation_logits, labels, 0.0)) == pytest.approx(slope_at_0, rel=1e-10)

    result = minimize_scalar(lambda b: _nll(validation_logits, labels, b), bounds=(1e-3, 1e3),
                             method="bounded", options={"xatol": 1e-10})
    beta_star = result.x
    assert 1e-2 < beta_star < 1e2  # interior: a finite temperature T = 1 / beta_star
    assert abs(float(_nll_dbeta_mp(validation_logits, labels, beta_star))) < 1e-6
    # and the NLL grows without bound as T -> 0, as the theorem says
    assert _nll_mp(validation_logits, labels, 1e3) > _nll_mp(validation_logits, labels, 1e2) > result.fun


def test_symmetric_mistakes_mean_no_finite_temperature():
    """f'(0) = 0 with one example right and one wrong by the same margin: the NLL increases on (0, inf)."""
    logits = np.array([[2.0, 0.0], [2.0, 0.0]])
    labels = np.array([0, 1])
    assert float(_nll_dbeta_mp(logits, labels, 0.0)) == pytest.approx(0.0, abs=1e-40)
    values = [_nll_mp(logits, labels, b) for b in (0.01, 0.1, 1.0, 10.0)]
    assert all(a < b for a, b in zip(values, values[1:]))


def test_gumbel_max_frequencies_match_softmax():
    """argmax(z + Gumbel noise) is a sample of softmax(z), checked within 4.5 binomial standard errors."""
    z = np.array([3.2, 2.5, 2.3, 1.8, 0.9, -0.5, -1.0, -2.0])
    rng = np.random.default_rng(2026)
    n = 200_000
    gumbel = -np.log(-np.log(rng.random((n, len(z)))))
    for T in (1.0, 2.0):
        p = np.array([float(v) for v in _softmax_mp(z / T)])  # independent reference
        freq = np.bincount(np.argmax(z / T + gumbel, axis=1), minlength=len(z)) / n
        se = np.sqrt(p * (1 - p) / n)
        # P(|Z| > 4.5) ~ 7e-6 per category: a false failure over 16 checks has probability ~1e-4.
        assert np.all(np.abs(freq - p) <= 4.5 * se), (freq, p)
        assert chi2.sf(n * np.sum((freq - p) ** 2 / p), df=len(z) - 1) > 1e-4
    # The check has teeth: at T = 1 the frequencies are far from softmax(z / 2).
    p_wrong = np.array([float(v) for v in _softmax_mp(z / 2)])
    freq = np.bincount(np.argmax(z + gumbel, axis=1), minlength=len(z)) / n
    assert np.max(np.abs(freq - p_wrong) / np.sqrt(p_wrong * (1 - p_wrong) / n)) > 50


def _softmax_mp(z):
    e = [mpmath.exp(mpmath.mpf(float(v))) for v in z]
    s = mpmath.fsum(e)
    return [v / s for v in e]


def test_cross_entropy_equals_entropy_plus_kl_divergence():
    rng = np.random.default_rng(5)
    logits = rng.normal(scale=3.0, size=(6, 5))
    targets = sl.softmax(rng.normal(size=(6, 5)))  # soft labels
    ce = sl.cross_entropy(logits, targets, reduction="none")
    for row_z, row_y, value in zip(logits, targets, ce):
        p = _softmax_mp(row_z)
        y = [mpmath.mpf(float(v)) for v in row_y]
        entropy = -mpmath.fsum(v * mpmath.log(v) for v in y)
        kl = mpmath.fsum(v * mpmath.log(v / q) for v, q in zip(y, p))
        assert float(value) == pytest.approx(float(entropy + kl), rel=1e-13)
        assert kl > 0
    # At p = y the divergence vanishes and the loss is the entropy of the targets.
    at_target = sl.cross_entropy(np.log(targets), targets, reduction="none")
    np.testing.assert_allclose(at_target, sl.entropy(targets), rtol=1e-13)


def test_coef_has_scikit_learn_shape_n_classes_by_n_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = np.repeat([0, 1, 2], 20)
    model = sl.SoftmaxRegression(learning_rate=0.3, max_iter=20).fit(X, y)
    assert model.coef_.shape == (3, 5)
    assert model.intercept_.shape == (3,)
    np.testing.assert_allclose(model.decision_function(X), X @ model.coef_.T + model.intercept_, rtol=1e-14)


def test_coef_is_not_transposed_on_a_square_problem():
    """Regression test: with d == K a transposed coef_ fails silently; compare with torch.nn.Linear,
    whose weight has the same (out_features, in_features) = (n_classes, n_features) layout."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(45, 3))
    y = np.repeat([0, 1, 2], 15)
    X[np.arange(45), y] += 1.5
    lr, steps = 0.4, 15
    model = sl.SoftmaxRegression(learning_rate=lr, max_iter=steps).fit(X, y)

    linear = torch.nn.Linear(3, 3).double()
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.zero_()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(steps):
        linear.zero_grad()
        torch.nn.functional.cross_entropy(linear(Xt), yt).backward()
        with torch.no_grad():
            for param in linear.parameters():
                param -= lr * param.grad
    np.testing.assert_allclose(model.coef_, linear.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, linear.bias.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert not np.allclose(model.coef_, model.coef_.T)  # the test would notice a transpose


def test_separable_data_weight_norm_grows_and_l2_bounds_it():
    """No maximum-likelihood estimate on separable data: the loss falls towards 0 and |W| keeps growing."""
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1], 30)
    X = np.where(y[:, None] == 0, -2.0, 2.0) + rng.normal(scale=0.5, size=(60, 2))
    assert np.all((X.sum(axis=1) > 0) == (y == 1))  # separable by a line through the origin
    norms, losses = [], []
    for steps in (100, 1000, 3000):
        fit = sl.SoftmaxRegression(learning_rate=0.5, max_iter=steps).fit(X, y)
        norms.append(np.linalg.norm(fit.coef_))
        losses.append(fit.loss_history_[-1])
    assert norms[0] < norms[1] < norms[2]
    assert norms[2] - norms[1] > 0.1  # still growing, about log(steps)
    assert losses[0] > losses[1] > losses[2] > 0
    assert losses[2] < 1e-3

    bounded = [np.linalg.norm(sl.SoftmaxRegression(learning_rate=0.5, max_iter=s, l2=0.1).fit(X, y).coef_)
               for s in (1000, 3000)]
    assert bounded[1] == pytest.approx(bounded[0], rel=1e-6)
    assert bounded[1] < norms[2]

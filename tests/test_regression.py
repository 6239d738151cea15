"""Tests of softmax_lib.regression: sigmoid, cross_entropy, softmax_jacobian, SoftmaxRegression.

Reference values come from mpmath at 50 digits or from PyTorch, never from
the code under test.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import softmax_lib as sl

mpmath.mp.dps = 50


def _mp_sigmoid(x: float) -> float:
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(x))))


def _mp_cross_entropy(z, k) -> float:
    z = [mpmath.mpf(float(v)) for v in z]
    return float(mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z)) - z[k])


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------

SIGMOID_GRID = [-1000.0, -745.0, -100.0, -40.0, -20.0, -1.5, -1e-8, 0.0, 1e-8, 0.5, 3.0, 20.0, 40.0, 100.0, 1000.0]


def test_sigmoid_matches_mpmath():
    got = sl.sigmoid(np.array(SIGMOID_GRID))
    expected = np.array([_mp_sigmoid(x) for x in SIGMOID_GRID])
    np.testing.assert_allclose(got, expected, rtol=4e-16, atol=0)


def test_sigmoid_is_stable_at_plus_minus_1000_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            got = sl.sigmoid(np.array([-1000.0, 1000.0]))
            got32 = sl.sigmoid(np.array([-1000.0, 1000.0], dtype=np.float32))
    np.testing.assert_array_equal(got, [0.0, 1.0])
    np.testing.assert_array_equal(got32, [0.0, 1.0])


def test_textbook_sigmoid_overflows_where_sl_sigmoid_does_not():
    # The guard is real: the naive formula warns at -1000.
    with pytest.warns(RuntimeWarning, match="overflow"):
        1 / (1 + np.exp(-np.array([-1000.0])))


@pytest.mark.parametrize("z", [-30.0, -2.0, 0.0, 0.7, 5.0, 700.0])
def test_sigmoid_equals_first_entry_of_two_class_softmax(z):
    assert sl.sigmoid(z) == pytest.approx(sl.softmax([z, 0.0])[0], rel=1e-15, abs=1e-300)


def test_two_class_softmax_depends_only_on_the_logit_difference():
    rng = np.random.default_rng(0)
    for a, b, c in rng.normal(scale=10, size=(20, 3)):
        np.testing.assert_allclose(sl.softmax([a, b]), sl.softmax([a + c, b + c]), rtol=1e-13)
        assert sl.softmax([a, b])[0] == pytest.approx(sl.sigmoid(a - b), rel=1e-12)


def test_sigmoid_is_symmetric_about_one_half():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sl.sigmoid(-x), 1 - sl.sigmoid(x), atol=1e-16)


def test_sigmoid_of_inf_and_nan():
    got = sl.sigmoid(np.array([-np.inf, np.inf, np.nan]))
    assert got[0] == 0.0 and got[1] == 1.0 and np.isnan(got[2])


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float16), (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_sigmoid_keeps_the_float_dtype(dtype, expected):
    x = np.array([-3, 0, 2], dtype=dtype)
    out = sl.sigmoid(x)
    assert out.dtype == expected
    np.testing.assert_allclose(out.astype(float), [_mp_sigmoid(v) for v in (-3, 0, 2)], rtol=1e-3)


def test_sigmoid_accepts_a_scalar_and_returns_a_numpy_scalar():
    out = sl.sigmoid(0.0)
    assert np.ndim(out) == 0 and isinstance(out, np.floating) and out == 0.5


def test_sigmoid_keeps_the_shape():
    assert sl.sigmoid(np.zeros((2, 3, 4))).shape == (2, 3, 4)


def test_sigmoid_does_not_modify_its_input():
    x = np.array([-2.0, 0.0, 2.0])
    before = x.copy()
    sl.sigmoid(x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("bad", [np.array([True, False]), np.array([1 + 2j]), np.array(["a"])])
def test_sigmoid_rejects_non_real_input(bad):
    with pytest.raises(TypeError, match="x has dtype"):
        sl.sigmoid(bad)


# ---------------------------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------------------------


def _random_case(shape, axis, *, probabilities, seed=0):
    rng = np.random.default_rng(seed)
    axis = axis % len(shape)
    logits = rng.normal(scale=3.0, size=shape)
    n_classes = shape[axis]
    batch_shape = shape[:axis] + shape[axis + 1 :]
    if probabilities:
        target = sl.softmax(rng.normal(size=shape), axis=axis)
    else:
        target = rng.integers(0, n_classes, size=batch_shape)
    return logits, target


@pytest.mark.parametrize("shape_axis", [((6, 4), -1), ((5, 3, 7), 1), ((4,), 0)])
@pytest.mark.parametrize("probabilities", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_equals_torch(shape_axis, probabilities, label_smoothing, reduction):
    shape, axis = shape_axis
    logits, target = _random_case(shape, axis, probabilities=probabilities)
    got = sl.cross_entropy(logits, target, axis=axis, label_smoothing=label_smoothing, reduction=reduction)
    # PyTorch puts the classes on axis 1 (or 0 for a single sample), as the cases above do.
    expected = F.cross_entropy(
        torch.from_numpy(logits),
        torch.from_numpy(target),
        label_smoothing=label_smoothing,
        reduction=reduction,
    ).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_cross_entropy_matches_mpmath():
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 0.0], [-40.0, 0.0, 40.0]])
    labels = np.array([0, 1, 0])
    expected = [_mp_cross_entropy(row, k) for row, k in zip(logits, labels)]
    np.testing.assert_allclose(sl.cross_entropy(logits, labels, reduction="none"), expected, rtol=1e-15)
    assert float(sl.cross_entropy(logits, labels)) == pytest.approx(np.mean(expected), rel=1e-15)


def test_cross_entropy_uses_log_softmax_not_log_of_softmax():
    # softmax([0, -1000])[1] underflows to 0, so log(softmax) would give inf.
    logits = np.array([[0.0, -1000.0]])
    with np.errstate(divide="ignore"):
        assert np.isinf(-np.log(sl.softmax(logits))[0, 1])
    assert float(sl.cross_entropy(logits, [1])) == pytest.approx(1000.0, rel=1e-15)


def test_cross_entropy_with_class_axis_not_last_equals_transposed():
    logits, target = _random_case((5, 3), -1, probabilities=False)
    np.testing.assert_allclose(
        sl.cross_entropy(logits.T, target, axis=0), sl.cross_entropy(logits, target), rtol=1e-15
    )


def test_cross_entropy_of_one_hot_rows_equals_index_form():
    logits, target = _random_case((8, 5), -1, probabilities=False)
    one_hot = np.eye(5)[target]
    for eps in (0.0, 0.2):
        np.testing.assert_allclose(
            sl.cross_entropy(logits, one_hot, label_smoothing=eps),
            sl.cross_entropy(logits, target, label_smoothing=eps),
            rtol=1e-14,
        )


def test_label_smoothing_mixes_the_target_with_the_uniform_distribution():
    logits, target = _random_case((6, 4), -1, probabilities=False)
    eps = 0.3
    mixed = (1 - eps) * np.eye(4)[target] + eps / 4
    np.testing.assert_allclose(
        sl.cross_entropy(logits, target, label_smoothing=eps), sl.cross_entropy(logits, mixed), rtol=1e-14
    )


def test_cross_entropy_gradient_is_p_minus_y_over_n():
    """The derivative of the mean loss with respect to the logits, by central differences."""
    logits, target = _random_case((5, 4), -1, probabilities=False, seed=3)
    analytic = (sl.softmax(logits) - np.eye(4)[target]) / len(target)
    h = 1e-6
    numeric = np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (float(sl.cross_entropy(up, target)) - float(sl.cross_entropy(down, target))) / (2 * h)
    np.testing.assert_allclose(numeric, analytic, atol=1e-9)


def test_cross_entropy_gradient_matches_torch_autograd():
    logits, target = _random_case((5, 4), -1, probabilities=True, seed=4)
    z = torch.from_numpy(logits).requires_grad_(True)
    F.cross_entropy(z, torch.from_numpy(target)).backward()
    np.testing.assert_allclose((sl.softmax(logits) - target) / 5, z.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_masked_class_with_zero_target_adds_nothing():
    logits = np.array([[1.0, -np.inf, 0.0]])
    target = np.array([[0.5, 0.0, 0.5]])
    expected = -(0.5 * np.log(sl.softmax([1.0, 0.0]))).sum()
    assert float(sl.cross_entropy(logits, target)) == pytest.approx(expected, rel=1e-15)
    assert float(sl.cross_entropy(logits, [0])) == pytest.approx(-np.log(sl.softmax([1.0, 0.0])[0]), rel=1e-15)


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float16), (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_cross_entropy_keeps_the_float_dtype(dtype, expected):
    logits = np.array([[2, 0, -1], [0, 3, 0]], dtype=dtype)
    out = sl.cross_entropy(logits, [0, 1])
    assert out.dtype == expected
    reference = np.mean([_mp_cross_entropy([2, 0, -1], 0), _mp_cross_entropy([0, 3, 0], 1)])
    assert float(out) == pytest.approx(reference, rel=2e-3)


def test_cross_entropy_of_an_empty_batch_is_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sl.cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))
    assert np.isnan(out)
    assert sl.cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="sum") == 0.0


def test_cross_entropy_does_not_modify_its_inputs():
    logits, target = _random_case((4, 3), -1, probabilities=True)
    before_l, before_t = logits.copy(), target.copy()
    sl.cross_entropy(logits, target, label_smoothing=0.2)
    np.testing.assert_array_equal(logits, before_l)
    np.testing.assert_array_equal(target, before_t)


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0]])
def test_cross_entropy_rejects_out_of_range_class_indices(bad):
    with pytest.raises(ValueError, match=r"expected integers in \[0, 3\)"):
        sl.cross_entropy(np.zeros((2, 3)), np.array(bad))


def test_cross_entropy_rejects_float_class_indices_with_a_hint():
    with pytest.raises(ValueError, match=r"target.astype\(int\)"):
        sl.cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_cross_entropy_rejects_integer_one_hot_rows():
    with pytest.raises(ValueError, match="read as class indices"):
        sl.cross_entropy(np.zeros((2, 3)), np.eye(3, dtype=int)[[0, 1]])


def test_cross_entropy_rejects_a_shape_mismatch():
    with pytest.raises(ValueError, match=r"expected \(2,\), got \(3,\)"):
        sl.cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="read as class probabilities"):
        sl.cross_entropy(np.zeros((2, 3)), np.full((2, 4), 0.25))


@pytest.mark.parametrize(
    ("target", "match"),
    [
        ([[1.2, -0.2, 0.0]], r"probabilities in \[0, 1\]"),
        ([[np.nan, 0.5, 0.5]], "NaN"),
        ([[0.5, 0.2, 0.2]], "must sum to 1"),
    ],
)
def test_cross_entropy_rejects_bad_probability_targets(target, match):
    with pytest.raises(ValueError, match=match):
        sl.cross_entropy(np.zeros((1, 3)), np.array(target))


def test_cross_entropy_rejects_bool_target():
    with pytest.raises(TypeError, match="dtype bool"):
        sl.cross_entropy(np.zeros((2, 2)), np.array([True, False]))


@pytest.mark.parametrize(("eps", "error"), [(-0.1, ValueError), (1.5, ValueError), ("0.1", TypeError), (True, TypeError)])
def test_cross_entropy_rejects_bad_label_smoothing(eps, error):
    with pytest.raises(error, match="label_smoothing"):
        sl.cross_entropy(np.zeros((2, 3)), [0, 1], label_smoothing=eps)


def test_cross_entropy_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be one of"):
        sl.cross_entropy(np.zeros((2, 3)), [0, 1], reduction="avg")


def test_cross_entropy_rejects_bad_logits_and_axis():
    with pytest.raises(TypeError, match="logits has dtype bool"):
        sl.cross_entropy(np.array([[True, False]]), [0])
    with pytest.raises(ValueError, match="at least 1 dimension"):
        sl.cross_entropy(1.0, 0)
    with pytest.raises(np.exceptions.AxisError, match="axis=2"):
        sl.cross_entropy(np.zeros((2, 3)), [0, 1], axis=2)


# ---------------------------------------------------------------------------------------------
# softmax_jacobian
# ---------------------------------------------------------------------------------------------


def test_softmax_jacobian_equals_torch_autograd():
    z = np.array([0.3, -1.2, 2.0, 0.0, 1.1])
    expected = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(sl.softmax_jacobian(sl.softmax(z)), expected, rtol=1e-13, atol=1e-16)


def test_softmax_jacobian_equals_finite_differences():
    rng = np.random.default_rng(1)
    z = rng.normal(size=4)
    h = 1e-6
    numeric = np.empty((4, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = h
        numeric[:, j] = (sl.softmax(z + step) - sl.softmax(z - step)) / (2 * h)  # column j = d p / d z_j
    np.testing.assert_allclose(sl.softmax_jacobian(sl.softmax(z)), numeric, atol=1e-9)


def test_softmax_jacobian_entries_match_mpmath():
    z = [1.0, 2.0, 3.0]
    e = [mpmath.exp(v) for v in z]
    p = [v / mpmath.fsum(e) for v in e]
    expected = np.array([[float(p[i] * ((i == j) - p[j])) for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(sl.softmax_jacobian(sl.softmax(z)), expected, rtol=1e-14, atol=1e-17)


def test_softmax_jacobian_is_symmetric_psd_with_zero_row_sums_and_ones_in_null_space():
    rng = np.random.default_rng(2)
    p = sl.softmax(rng.normal(size=(10, 6)))
    J = sl.softmax_jacobian(p)
    np.testing.assert_allclose(J, np.swapaxes(J, -1, -2), atol=0)
    np.testing.assert_allclose(J.sum(axis=-1), 0, atol=1e-16)
    np.testing.assert_allclose(J @ np.ones(6), 0, atol=1e-16)
    eigenvalues = np.linalg.eigvalsh(J)
    assert np.all(eigenvalues > -1e-15)
    # Exactly one zero eigenvalue when every p_i > 0: the null space is spanned by the ones vector.
    assert np.all(np.sum(np.abs(eigenvalues) < 1e-12, axis=-1) == 1)
    assert np.all(np.linalg.matrix_rank(J) == 5)


def test_softmax_jacobian_layout_puts_the_class_axes_last():
    p = np.full((2, 4, 3), 0.25)  # classes on axis 1
    J = sl.softmax_jacobian(p, axis=1)
    assert J.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(J[1, 2], sl.softmax_jacobian(p[1, :, 2]))
    q = sl.softmax(np.arange(12.0).reshape(3, 4))
    np.testing.assert_allclose(sl.softmax_jacobian(q.T, axis=0), sl.softmax_jacobian(q))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax_jacobian_keeps_the_float_dtype(dtype):
    p = sl.softmax(np.array([0.0, 1.0, 2.0], dtype=dtype))
    J = sl.softmax_jacobian(p)
    assert J.dtype == dtype
    np.testing.assert_allclose(J.astype(float), sl.softmax_jacobian(sl.softmax([0.0, 1.0, 2.0])), atol=2e-3)


def test_softmax_jacobian_does_not_modify_its_input():
    p = sl.softmax(np.array([[0.0, 1.0], [2.0, -1.0]]))
    before = p.copy()
    sl.softmax_jacobian(p)
    np.testing.assert_array_equal(p, before)


@pytest.mark.parametrize(
    ("p", "match"),
    [
        ([1.0, 2.0, 3.0], r"probabilities in \[0, 1\].*not logits"),
        ([0.2, 0.3, 0.4], "must sum to 1.*not logits"),
        ([0.5, np.nan, 0.5], "NaN"),
        ([1.5, -0.5], r"probabilities in \[0, 1\]"),
    ],
)
def test_softmax_jacobian_rejects_what_is_not_a_probability_vector(p, match):
    with pytest.raises(ValueError, match=match):
        sl.softmax_jacobian(np.array(p))


# ---------------------------------------------------------------------------------------------
# SoftmaxRegression
# ---------------------------------------------------------------------------------------------


def _blobs(n_per_class=40, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    y = np.repeat([0, 1, 2], n_per_class)
    return centres[y] + rng.normal(scale=0.6, size=(len(y), 2)), y


def test_bias_gradient_sums_over_batch_axis_only():
    """Regression test for a bug in course code: db = (P - Y).sum() over ALL axes.

    Each row of P - Y sums to 0, so the all-axes sum is 0 and the same for
    every class: the biases never move (and a uniform change of the biases
    would not change softmax anyway). With features that carry no
    information, the only thing to learn is the class priors, and only a
    per-class bias gradient (sum over axis 0) learns them.
    """
    priors = np.array([0.6, 0.3, 0.1])
    y = np.repeat([0, 1, 2], (priors * 200).astype(int))
    X = np.zeros((len(y), 2))  # uninformative features: the weights get zero gradient
    model = sl.SoftmaxRegression(learning_rate=1.0, max_iter=500).fit(X, y)
    np.testing.assert_allclose(sl.softmax(model.intercept_), priors, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X[:1])[0], priors, atol=1e-6)

    # What the buggy gradient would have been at the start of training:
    residual = (sl.softmax(np.zeros((len(y), 3))) - np.eye(3)[y]) / len(y)
    wrong = np.full(3, residual.sum())
    right = residual.sum(axis=0)
    np.testing.assert_allclose(wrong, 0.0, atol=1e-15)
    np.testing.assert_allclose(right, 1 / 3 - priors, atol=1e-15)
    # and a uniform bias change does nothing to the probabilities:
    np.testing.assert_allclose(sl.softmax(model.intercept_ + 5.0), sl.softmax(model.intercept_), rtol=1e-14)


def test_one_gradient_step_equals_minus_learning_rate_times_finite_difference_gradient():
    X, y = _blobs(10)
    lr, l2 = 0.1, 0.0
    model = sl.SoftmaxRegression(learning_rate=lr, max_iter=1, l2=l2).fit(X, y)

    def loss(W, b):
        return float(sl.cross_entropy(X @ W + b, y))

    W0, b0, h = np.zeros((2, 3)), np.zeros(3), 1e-6
    grad_W = np.zeros_like(W0)
    for idx in np.ndindex(W0.shape):
        step = np.zeros_like(W0)
        step[idx] = h
        grad_W[idx] = (loss(W0 + step, b0) - loss(W0 - step, b0)) / (2 * h)
    grad_b = np.array([(loss(W0, b0 + h * e) - loss(W0, b0 - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(model.coef_.T, -lr * grad_W, atol=1e-9)  # coef_ is (K, d)
    np.testing.assert_allclose(model.intercept_, -lr * grad_b, atol=1e-9)


def test_training_matches_torch_gradient_descent():
    X, y = _blobs(15, seed=5)
    model = sl.SoftmaxRegression(learning_rate=0.3, max_iter=25, l2=0.01).fit(X, y)
    W = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(25):
        loss = F.cross_entropy(Xt @ W + b, yt) + 0.01 / 2 * (W**2).sum()
        W.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            W -= 0.3 * W.grad
            b -= 0.3 * b.grad
    np.testing.assert_allclose(model.coef_.T, W.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_full_batch_loss_never_increases_and_separable_blobs_are_learned():
    X, y = _blobs()
    model = sl.SoftmaxRegression(learning_rate=0.2, max_iter=300).fit(X, y)
    history = model.loss_history_
    assert history.shape == (301,)
    assert history[0] == pytest.approx(np.log(3), rel=1e-15)  # zero weights: uniform probabilities
    assert np.all(np.diff(history) <= 1e-15)
    assert model.score(X, y) >= 0.97


def test_iris_held_out_accuracy_is_high():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "book" / "data" / "iris.csv"
    X = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(4))
    species = np.loadtxt(path, delimiter=",", skiprows=1, usecols=4, dtype=str)
    order = np.random.default_rng(0).permutation(150)
    train, test = order[:100], order[100:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    model = sl.SoftmaxRegression(learning_rate=0.5, max_iter=500).fit((X[train] - mean) / std, species[train])
    assert model.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert model.score((X[test] - mean) / std, species[test]) >= 0.9


def test_predict_proba_rows_are_distributions_and_predict_is_their_argmax():
    X, y = _blobs()
    model = sl.SoftmaxRegression(learning_rate=0.2, max_iter=50).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(model.predict(X), np.argmax(proba, axis=1))
    np.testing.assert_allclose(proba, sl.softmax(X @ model.coef_.T + model.intercept_), rtol=1e-14)


def test_string_labels_are_sorted_into_classes_():
    X, y = _blobs(10)
    names = np.array(["cat", "ant", "bee"])[y]
    model = sl.SoftmaxRegression(learning_rate=0.2, max_iter=100).fit(X, names)
    assert model.classes_.tolist() == ["ant", "bee", "cat"]
    assert set(model.predict(X)) <= {"ant", "bee", "cat"}
    assert model.score(X, names) >= 0.9


def test_l2_penalty_shrinks_the_weights():
    X, y = _blobs()
    free = sl.SoftmaxRegression(learning_rate=0.2, max_iter=200).fit(X, y)
    shrunk = sl.SoftmaxRegression(learning_rate=0.2, max_iter=200, l2=1.0).fit(X, y)
    assert np.linalg.norm(shrunk.coef_) < 0.5 * np.linalg.norm(free.coef_)


def test_minibatch_training_is_reproducible_and_seed_dependent():
    X, y = _blobs()
    a = sl.SoftmaxRegression(learning_rate=0.1, max_iter=5, batch_size=16, random_state=1).fit(X, y)
    b = sl.SoftmaxRegression(learning_rate=0.1, max_iter=5, batch_size=16, random_state=1).fit(X, y)
    c = sl.SoftmaxRegression(learning_rate=0.1, max_iter=5, batch_size=16, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.allclose(a.coef_, c.coef_)
    assert a.score(X, y) >= 0.9


def test_eval_set_is_recorded_but_not_trained_on():
    X, y = _blobs(seed=0)
    Xv, yv = _blobs(seed=1)
    with_val = sl.SoftmaxRegression(learning_rate=0.2, max_iter=20).fit(X, y, eval_set=(Xv, yv))
    without = sl.SoftmaxRegression(learning_rate=0.2, max_iter=20).fit(X, y)
    np.testing.assert_array_equal(with_val.coef_, without.coef_)
    assert set(with_val.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 21 for v in with_val.history_.values())
    assert with_val.history_["val_loss"][-1] == pytest.approx(float(sl.cross_entropy(with_val.decision_function(Xv), yv)))
    assert with_val.history_["val_accuracy"][-1] == pytest.approx(with_val.score(Xv, yv))


def test_fit_does_not_modify_its_inputs():
    X, y = _blobs(10)
    X_before, y_before = X.copy(), y.copy()
    sl.SoftmaxRegression(max_iter=3).fit(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_predict_before_fit_raises_a_clear_error():
    model = sl.SoftmaxRegression()
    for method in (model.predict, model.predict_proba):
        with pytest.raises(RuntimeError, match=r"not fitted yet: call fit\(X, y\)"):
            method(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="not fitted yet"):
        model.score(np.zeros((1, 2)), [0])


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.zeros(4), [0, 1, 0, 1], ValueError, "at least 2 dimension"),
        (np.zeros((2, 2, 2)), [0, 1], ValueError, "must be 2-d"),
        (np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1], ValueError, "NaN or infinite"),
        (np.zeros((3, 2)), [0, 1], ValueError, "2 labels but X has 3 rows"),
        (np.zeros((2, 2)), [[0], [1]], ValueError, "y must be 1-d"),
        (np.zeros((2, 2)), [0.5, 1.0], ValueError, "non-integer"),
        (np.zeros((2, 2)), [1, 1], ValueError, "at least 2 classes"),
        (np.zeros((2, 2), dtype=bool), [0, 1], TypeError, "dtype bool"),
    ],
)
def test_fit_rejects_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        sl.SoftmaxRegression(max_iter=1).fit(X, y)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": "fast"}, TypeError, "learning_rate"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"batch_size": 0}, ValueError, "batch_size"),
    ],
)
def test_fit_rejects_bad_hyperparameters(kwargs, error, match):
    X, y = _blobs(5)
    with pytest.raises(error, match=match):
        sl.SoftmaxRegression(**kwargs).fit(X, y)


def test_predict_rejects_a_feature_count_mismatch_and_eval_set_unknown_labels():
    X, y = _blobs(5)
    model = sl.SoftmaxRegression(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="3 feature.*fitted with 2"):
        model.predict(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"not seen in fit: \[7\]"):
        sl.SoftmaxRegression(max_iter=2).fit(X, y, eval_set=(X[:1], [7]))


def test_repr_shows_the_hyperparameters():
    assert repr(sl.SoftmaxRegression(l2=0.5)) == (
        "SoftmaxRegression(learning_rate=0.1, max_iter=1000, l2=0.5, batch_size=None, random_state=0)"
    )


def test_cross_entropy_of_a_nan_or_plus_inf_logit_is_nan_at_that_position_only():
    # The core's policy: +inf or NaN in a slice gives NaN there, and nowhere else.
    logits = np.array([[1.0, np.nan, 0.0], [0.0, np.inf, 1.0], [2.0, 0.0, -1.0]])
    out = sl.cross_entropy(logits, [0, 1, 0], reduction="none")
    assert np.isnan(out[0]) and np.isnan(out[1])
    assert out[2] == pytest.approx(_mp_cross_entropy([2.0, 0.0, -1.0], 0), rel=1e-15)


def test_cross_entropy_of_a_masked_true_class_is_infinite():
    # -inf on the true class: probability exactly 0, so the loss is +inf (not NaN, no warning).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sl.cross_entropy(np.array([[0.0, -np.inf]]), [1])
    assert out == np.inf

"""Tests of softmax_lib.temperature: entropy, sample, reliability_curve, expected_calibration_error.

Reference values come from mpmath at 50 digits, scipy.stats, hand computation,
or a loop-based re-implementation kept here, never from the code under test.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import scipy.stats

import softmax_lib as sl

mpmath.mp.dps = 50


def mp_entropy(p):
    return float(-mpmath.fsum(mpmath.mpf(x) * mpmath.log(mpmath.mpf(x)) for x in p if x > 0))


def mp_softmax(z, temperature=1.0):
    z = [mpmath.mpf(v) / mpmath.mpf(temperature) for v in z]
    m = max(z)
    e = [mpmath.exp(v - m) for v in z]
    s = mpmath.fsum(e)
    return np.array([float(v / s) for v in e])




# ---------------------------------------------------------------- entropy


@pytest.mark.parametrize("k", [1, 2, 3, 10, 1000])
def test_entropy_of_uniform_is_log_k(k):
    assert float(sl.entropy(np.full(k, 1.0 / k))) == pytest.approx(np.log(k), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_entropy_of_one_hot_is_exactly_zero_not_nan(k):
    p = np.zeros(k)
    p[-1] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = sl.entropy(p)
    assert h == 0.0 and not np.signbit(h)


def test_entropy_treats_zero_log_zero_as_zero():
    assert float(sl.entropy([0.5, 0.5, 0.0, 0.0])) == pytest.approx(np.log(2), rel=1e-15)


def test_entropy_matches_mpmath():
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = rng.dirichlet(np.full(7, 0.3))
        assert float(sl.entropy(p)) == pytest.approx(mp_entropy(p), rel=1e-13, abs=1e-15)


def test_entropy_matches_scipy_along_the_last_axis():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(5), size=(4, 3))
    np.testing.assert_allclose(sl.entropy(p), scipy.stats.entropy(p, axis=-1), rtol=1e-13)


def test_entropy_axis_selects_the_distribution_axis():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(4), size=3).T  # distributions along axis 0
    np.testing.assert_allclose(sl.entropy(p, axis=0), scipy.stats.entropy(p, axis=0), rtol=1e-13)
    assert sl.entropy(p, axis=0).shape == (3,)


def test_entropy_of_softmax_grows_with_temperature():
    z = np.array([3.0, 1.0, 0.2, -1.0])
    hs = [float(sl.entropy(sl.softmax(z, temperature=t))) for t in (0.1, 0.5, 1, 2, 10, 100)]
    assert all(a < b for a, b in zip(hs, hs[1:]))
    assert hs[-1] < np.log(4) and hs[0] > 0


def test_entropy_keeps_float32_and_returns_float16_for_float16():
    p32 = sl.softmax(np.linspace(0, 3, 50, dtype=np.float32))
    assert sl.entropy(p32).dtype == np.float32
    p16 = np.full(4, 0.25, dtype=np.float16)
    assert sl.entropy(p16).dtype == np.float16
    assert sl.entropy([1, 0]).dtype == np.float64


def test_entropy_accepts_float32_softmax_of_a_large_vocabulary():
    z = np.random.default_rng(3).normal(size=50_000).astype(np.float32)
    assert 0 < float(sl.entropy(sl.softmax(z))) <= np.log(50_000)


def test_entropy_does_not_modify_its_input():
    p = np.array([0.2, 0.0, 0.8])
    before = p.copy()
    p.setflags(write=False)
    sl.entropy(p)
    np.testing.assert_array_equal(p, before)


@pytest.mark.parametrize(
    "p, match",
    [
        ([0.5, -0.1, 0.6], "non-negative"),
        ([0.5, np.nan, 0.5], "finite"),
        ([np.inf, 0.0], "finite"),
        ([1.0, 2.0, 3.0], r"sum to 1.*sums to 6\.0.*not logits"),
        ([0.5, 0.4], "sums to 0.9"),
        ([[0.5, 0.5], [0.3, 0.3]], r"p\[1\] sums to"),
    ],
)
def test_entropy_rejects_what_is_not_a_probability_vector(p, match):
    with pytest.raises(ValueError, match=match):
        sl.entropy(p)


def test_entropy_rejects_bool_and_0d_and_bad_axis():
    with pytest.raises(TypeError, match="bool"):
        sl.entropy(np.array([True, False]))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        sl.entropy(1.0)
    with pytest.raises(np.exceptions.AxisError):
        sl.entropy([0.5, 0.5], axis=1)


# ---------------------------------------------------------------- sample

LOGITS = np.array([2.0, 1.0, 0.5, -0.5, -np.inf, 0.0])


def test_sample_temperature_zero_is_greedy_not_a_division_by_zero():
    z = np.array([[0.1, 3.0, 2.9], [5.0, -1.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sl.sample(z, temperature=0)
    np.testing.assert_array_equal(out, [1, 0])
    assert out.dtype == np.int64


def test_sample_greedy_breaks_ties_towards_the_first_index():
    assert int(sl.sample([1.0, 3.0, 3.0, 3.0], temperature=0)) == 1
    assert int(sl.sample([1.0, 3.0, 3.0, 3.0], top_k=1, rng=0)) == 1


def test_sample_greedy_ignores_top_k_and_top_p_and_never_picks_masked():
    z = np.array([-np.inf, -2.0, -3.0])
    assert int(sl.sample(z, temperature=0, top_k=2, top_p=0.5)) == 1


def test_sample_top_k_one_equals_greedy_on_random_rows():
    z = np.random.default_rng(4).normal(size=(500, 9))
    np.testing.assert_array_equal(sl.sample(z, top_k=1, rng=5), sl.sample(z, temperature=0))


def test_sample_tiny_temperature_is_greedy_without_overflow_or_warning():
    z = np.array([[1.0, 2.0, -3.0], [1e300, -1e300, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sl.sample(z, temperature=1e-310, rng=0)
    np.testing.assert_array_equal(out, [1, 0])


def test_masked_logit_is_never_drawn():
    z = np.tile(LOGITS, (20_000, 1))
    draws = sl.sample(z, temperature=3.0, rng=6)
    assert not np.any(draws == 4)
    assert set(np.unique(draws)) == {0, 1, 2, 3, 5}


class _TopOfUnitInterval(np.random.Generator):
    """A generator whose uniforms are the largest double below 1."""

    def random(self, size=None, dtype=np.float64, out=None):
        return np.full(size, np.nextafter(1.0, 0.0))


class _BottomOfUnitInterval(np.random.Generator):
    def random(self, size=None, dtype=np.float64, out=None):
        return np.zeros(size)


def test_masked_logit_at_the_end_is_never_drawn_even_when_the_uniform_rounds_to_the_top():
    rng = _TopOfUnitInterval(np.random.PCG64(0))
    z = np.array([[0.0, -1e-3, -np.inf, -np.inf], [5.0, 0.0, 1.0, -np.inf]])
    np.testing.assert_array_equal(sl.sample(z, rng=rng), [1, 2])


def test_masked_logit_at_the_start_is_never_drawn_when_the_uniform_is_zero():
    rng = _BottomOfUnitInterval(np.random.PCG64(0))
    z = np.array([[-np.inf, -np.inf, 1.0, 0.0]])
    np.testing.assert_array_equal(sl.sample(z, rng=rng), [2])


def _chi_square_ok(draws, probs, alpha=1e-4):
    """Pearson's test that the draws come from probs (cells with p = 0 must be empty)."""
    k = len(probs)
    counts = np.bincount(draws, minlength=k)
    support = probs > 0
    assert counts[~support].sum() == 0
    expected = probs[support] * len(draws)
    stat = np.sum((counts[support] - expected) ** 2 / expected)
    return stat < scipy.stats.chi2.ppf(1 - alpha, df=support.sum() - 1)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0, 10.0])
def test_sample_frequencies_converge_to_softmax_with_temperature(temperature):
    n = 100_000
    draws = sl.sample(np.tile(LOGITS, (n, 1)), temperature=temperature, rng=7)
    assert _chi_square_ok(draws, mp_softmax(LOGITS, temperature))


def test_sample_chi_square_check_can_fail():
    # The same draws do not pass as a sample from the wrong temperature.
    draws = sl.sample(np.tile(LOGITS, (100_000, 1)), temperature=1.0, rng=7)
    assert not _chi_square_ok(draws, mp_softmax(LOGITS, 1.1))


def test_sample_top_k_renormalises_over_the_k_largest():
    n = 100_000
    draws = sl.sample(np.tile(LOGITS, (n, 1)), top_k=3, rng=8)
    p = mp_softmax(LOGITS)
    p[[3, 4, 5]] = 0.0
    assert _chi_square_ok(draws, p / p.sum())


def test_sample_top_k_larger_than_k_keeps_everything():
    draws = sl.sample(np.tile(LOGITS, (100_000, 1)), top_k=100, rng=9)
    assert _chi_square_ok(draws, mp_softmax(LOGITS))


def test_sample_top_k_with_ties_keeps_the_lower_indices():
    draws = sl.sample(np.tile([1.0, 1.0, 1.0, 0.0], (2000, 1)), top_k=2, rng=10)
    assert set(np.unique(draws)) == {0, 1}


# Probabilities 0.5, 0.3, 0.15, 0.05, given in a shuffled order so that the
# nucleus is not simply a prefix of the indices.
NUCLEUS_PROBS = np.array([0.15, 0.5, 0.05, 0.3])
NUCLEUS_LOGITS = np.log(NUCLEUS_PROBS)


@pytest.mark.parametrize(
    "top_p, kept",
    [
        (0.01, {1}),  # always at least the top entry
        (0.45, {1}),
        (0.55, {1, 3}),  # 0.5 < 0.55, so 0.3 is needed to reach it
        (0.79, {1, 3}),
        (0.81, {1, 3, 0}),
        (0.94, {1, 3, 0}),
        (0.96, {1, 3, 0, 2}),
        (1.0, {1, 3, 0, 2}),
    ],
)
def test_sample_top_p_keeps_the_smallest_set_that_reaches_p(top_p, kept):
    draws = sl.sample(np.tile(NUCLEUS_LOGITS, (5000, 1)), top_p=top_p, rng=11)
    assert set(np.unique(draws).tolist()) == kept


def test_sample_top_p_renormalises_the_nucleus():
    draws = sl.sample(np.tile(NUCLEUS_LOGITS, (100_000, 1)), top_p=0.7, rng=12)
    p = np.where(np.isin(np.arange(4), [1, 3]), NUCLEUS_PROBS, 0.0)
    assert _chi_square_ok(draws, p / p.sum())


def test_sample_applies_temperature_before_top_p():
    # At T = 0.25 the top entry has 0.5^4 / sum(p^4) = 0.87 > 0.8 of the mass: nucleus {1} only.
    q = NUCLEUS_PROBS**4 / np.sum(NUCLEUS_PROBS**4)
    assert q[1] > 0.8
    draws = sl.sample(np.tile(NUCLEUS_LOGITS, (5000, 1)), temperature=0.25, top_p=0.8, rng=13)
    assert set(np.unique(draws).tolist()) == {1}
    # At T = 1 the same top_p keeps three entries.
    draws = sl.sample(np.tile(NUCLEUS_LOGITS, (5000, 1)), temperature=1.0, top_p=0.8, rng=13)
    assert set(np.unique(draws).tolist()) == {0, 1, 3}


def test_sample_applies_top_k_before_top_p():
    # top_k=2 leaves 0.5/0.8 = 0.625 and 0.375; top_p=0.6 then keeps only the first.
    draws = sl.sample(np.tile(NUCLEUS_LOGITS, (5000, 1)), top_k=2, top_p=0.6, rng=14)
    assert set(np.unique(draws).tolist()) == {1}
    # Without top_k, top_p=0.6 keeps two entries.
    draws = sl.sample(np.tile(NUCLEUS_LOGITS, (5000, 1)), top_p=0.6, rng=14)
    assert set(np.unique(draws).tolist()) == {1, 3}


def test_sample_shapes_over_batches():
    z = np.random.default_rng(15).normal(size=(3, 4, 7))
    out = sl.sample(z, rng=0)
    assert out.shape == (3, 4) and out.dtype == np.int64
    assert np.all((0 <= out) & (out < 7))
    one = sl.sample([0.0, 1.0, 2.0], rng=0)
    assert type(one) is int and 0 <= one < 3  # one row gives a plain int
    assert type(sl.sample([0.0, 1.0, 2.0], temperature=0)) is int
    assert sl.sample([[0.0, 1.0, 2.0]], rng=0).shape == (1,)  # a batch of one stays an array
    assert sl.sample(np.zeros((0, 5)), rng=0).shape == (0,)


def test_sample_rows_are_independent():
    # The same row repeated must not give the same draw everywhere.
    draws = sl.sample(np.zeros((1000, 10)), rng=16)
    assert len(np.unique(draws)) == 10


def test_sample_is_reproducible_with_a_seed_and_advances_a_generator():
    z = np.random.default_rng(17).normal(size=(50, 6))
    np.testing.assert_array_equal(sl.sample(z, rng=3), sl.sample(z, rng=3))
    np.testing.assert_array_equal(sl.sample(z, rng=3), sl.sample(z, rng=np.random.default_rng(3)))
    g = np.random.default_rng(3)
    first, second = sl.sample(z, rng=g), sl.sample(z, rng=g)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
def test_sample_accepts_every_real_dtype(dtype):
    z = np.array([[0, 1, 2], [2, 1, 0]], dtype=dtype)
    np.testing.assert_array_equal(sl.sample(z, temperature=0), [2, 0])
    assert sl.sample(z, rng=0).dtype == np.int64


def test_sample_does_not_modify_its_input():
    z = np.array([[2.0, 1.0, -np.inf, 0.5], [0.0, 0.0, 0.0, 0.0]])
    before = z.copy()
    sl.sample(z, temperature=0.7, top_k=2, top_p=0.9, rng=0)
    np.testing.assert_array_equal(z, before)
    z.setflags(write=False)
    sl.sample(z, temperature=0.7, top_k=2, top_p=0.9, rng=0)  # read-only input works


@pytest.mark.parametrize(
    "logits, match",
    [
        ([[0.0, 1.0], [-np.inf, -np.inf]], r"logits\[1\] is entirely -inf"),
        ([-np.inf, -np.inf], r"^logits is entirely -inf"),
        ([[0.0, 1.0], [0.0, 1.0], [np.nan, 1.0]], r"logits\[2\] holds NaN"),
        ([[[0.0, np.inf]]], r"logits\[0, 0\] holds NaN or \+inf"),
        (np.zeros((2, 0)), "at least one entry"),
        (1.0, "at least 1 dimension"),
    ],
)
def test_sample_rejects_rows_without_a_distribution(logits, match):
    with pytest.raises(ValueError, match=match):
        sl.sample(logits, rng=0)


def test_sample_rejects_a_bad_row_even_when_greedy():
    with pytest.raises(ValueError, match="entirely -inf"):
        sl.sample([[-np.inf]], temperature=0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"temperature": -0.1}, ValueError, "temperature must be a finite number >= 0"),
        ({"temperature": np.nan}, ValueError, "temperature"),
        ({"temperature": np.inf}, ValueError, "temperature"),
        ({"temperature": True}, TypeError, "temperature must be a real number"),
        ({"temperature": "1"}, TypeError, "temperature"),
        ({"top_k": 0}, ValueError, "top_k must be None or an integer >= 1; got 0"),
        ({"top_k": -3}, ValueError, "top_k"),
        ({"top_k": 2.0}, TypeError, "top_k"),
        ({"top_k": True}, TypeError, "bool"),
        ({"top_p": 0.0}, ValueError, r"top_p must be None or a number in \(0, 1\]; got 0.0"),
        ({"top_p": 1.01}, ValueError, "top_p"),
        ({"top_p": -0.5}, ValueError, "top_p"),
        ({"top_p": np.nan}, ValueError, "top_p"),
        ({"top_p": True}, TypeError, "top_p"),
        ({"top_p": "0.9"}, TypeError, "top_p"),
        ({"rng": "seed"}, TypeError, "rng must be None"),
        ({"rng": 1.5}, TypeError, "rng"),
        ({"rng": -1}, ValueError, "non-negative"),
        ({"rng": True}, TypeError, "rng"),
    ],
)
def test_sample_rejects_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        sl.sample([0.0, 1.0], **kwargs)


def test_sample_accepts_numpy_scalars_as_options():
    out = sl.sample([0.0, 1.0, 2.0], temperature=np.float32(0.5), top_k=np.int64(2), top_p=np.float64(0.9), rng=np.int64(0))
    assert int(out) in {1, 2}


def test_sample_rejects_bool_and_complex_logits():
    with pytest.raises(TypeError, match="bool"):
        sl.sample(np.array([True, False]), rng=0)
    with pytest.raises(TypeError, match="complex"):
        sl.sample(np.array([1 + 0j, 2]), rng=0)


def test_sample_options_are_keyword_only():
    with pytest.raises(TypeError):
        sl.sample([0.0, 1.0], 0.5)  # type: ignore[misc]


# ---------------------------------------------------------------- calibration


def loop_ece(probs, labels, n_bins):
    """Guo et al.'s binning, written as a loop over (lo, hi] bins."""
    probs = np.asarray(probs, dtype=float)
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    edges = np.linspace(0, 1, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs((pred[inside] == np.asarray(labels)[inside]).mean() - conf[inside].mean())
    return ece


def test_ece_of_a_perfectly_calibrated_predictor_is_zero():
    # Confidence 0.8 and 80 % right; confidence 0.6 and 60 % right.
    probs = np.array([[0.8, 0.2]] * 10 + [[0.4, 0.6]] * 5)
    labels = np.array([0] * 8 + [1] * 2 + [1] * 3 + [0] * 2)
    assert sl.expected_calibration_error(probs, labels) == pytest.approx(0.0, abs=1e-12)


def test_ece_hand_computed_case():
    # conf 0.9 right, 0.8 wrong, 0.7 right, 0.6 right; 5 bins:
    # (0.4, 0.6]: |1 - 0.6| = 0.4 (1 sample); (0.6, 0.8]: |0.5 - 0.75| = 0.25 (2); (0.8, 1]: |1 - 0.9| = 0.1 (1)
    # ECE = (0.4 + 2 * 0.25 + 0.1) / 4 = 0.25
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert sl.expected_calibration_error(probs, [0, 1, 1, 0], n_bins=5) == pytest.approx(0.25, abs=1e-15)


def test_ece_three_class_hand_computed_case():
    # conf 0.5 (pred 0, wrong), 0.7 (pred 2, right), 1.0 (pred 1, right), 10 bins:
    # (0.4, 0.5]: 0.5; (0.6, 0.7]: 0.3; (0.9, 1]: 0.0 -> ECE = (0.5 + 0.3 + 0) / 3
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.0, 1.0, 0.0]])
    assert sl.expected_calibration_error(probs, [1, 2, 1], n_bins=10) == pytest.approx(0.8 / 3, abs=1e-15)


def test_ece_confident_and_always_wrong_is_one():
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert sl.expected_calibration_error(probs, [1, 0]) == 1.0


def test_ece_matches_loop_reference_and_lies_in_unit_interval():
    rng = np.random.default_rng(18)
    for n_bins in (1, 5, 15, 40):
        probs = rng.dirichlet(np.full(4, 0.5), size=300)
        labels = rng.integers(0, 4, size=300)
        ece = sl.expected_calibration_error(probs, labels, n_bins=n_bins)
        assert 0.0 <= ece <= 1.0
        assert ece == pytest.approx(loop_ece(probs, labels, n_bins), abs=1e-14)


def test_ece_bins_are_closed_on_the_right():
    # 0.6 sits on an edge of 5 bins: it belongs to (0.4, 0.6], as in Guo et al.'s code.
    curve = sl.reliability_curve(np.array([[0.6, 0.4], [0.4, 0.6]]), [0, 0], n_bins=5)
    np.testing.assert_array_equal(curve.count, [0, 0, 2, 0, 0])
    curve = sl.reliability_curve(np.array([[1.0, 0.0]]), [0], n_bins=5)
    np.testing.assert_array_equal(curve.count, [0, 0, 0, 0, 1])


def test_reliability_curve_fields():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    curve = sl.reliability_curve(probs, [0, 1, 1, 0], n_bins=5)
    assert isinstance(curve, sl.ReliabilityCurve)
    np.testing.assert_allclose(curve.bin_edges, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_array_equal(curve.count, [0, 0, 1, 2, 1])
    np.testing.assert_allclose(curve.accuracy, [np.nan, np.nan, 1.0, 0.5, 1.0])
    np.testing.assert_allclose(curve.confidence, [np.nan, np.nan, 0.6, 0.75, 0.9])


def test_ece_uses_the_first_index_on_ties():
    probs = np.array([[0.5, 0.5]])
    assert sl.expected_calibration_error(probs, [0]) == pytest.approx(0.5)
    assert sl.expected_calibration_error(probs, [1]) == pytest.approx(0.5)
    assert sl.reliability_curve(probs, [0]).accuracy[7] == 1.0
    assert sl.reliability_curve(probs, [1]).accuracy[7] == 0.0


def test_ece_does_not_modify_its_inputs():
    probs = np.array([[0.7, 0.3], [0.2, 0.8]])
    labels = np.array([0, 0])
    p0, l0 = probs.copy(), labels.copy()
    probs.setflags(write=False)
    labels.setflags(write=False)
    sl.expected_calibration_error(probs, labels)
    np.testing.assert_array_equal(probs, p0)
    np.testing.assert_array_equal(labels, l0)


@pytest.mark.parametrize(
    "probs, labels, kwargs, error, match",
    [
        ([0.5, 0.5], [0], {}, ValueError, "2-d"),
        (np.zeros((0, 3)), np.zeros(0, dtype=int), {}, ValueError, "at least one sample"),
        ([[0.5, 0.5]], [0.0], {}, TypeError, "labels must be integers"),
        ([[0.5, 0.5]], [True], {}, TypeError, "labels must be integers"),
        ([[0.5, 0.5]], [2], {}, ValueError, r"labels must be class indices in \[0, 2\); got 2"),
        ([[0.5, 0.5]], [-1], {}, ValueError, "got -1"),
        ([[0.5, 0.5]], [0, 1], {}, ValueError, r"labels must have shape \(1,\)"),
        ([[2.0, 1.0]], [0], {}, ValueError, "sum to 1"),
        ([[0.5, np.nan]], [0], {}, ValueError, "finite"),
        ([[1.2, -0.2]], [0], {}, ValueError, "non-negative"),
        ([[0.5, 0.5]], [0], {"n_bins": 0}, ValueError, "n_bins"),
        ([[0.5, 0.5]], [0], {"n_bins": 2.5}, TypeError, "n_bins"),
        ([[0.5, 0.5]], [0], {"n_bins": True}, TypeError, "n_bins"),
    ],
)
def test_ece_rejects_bad_input(probs, labels, kwargs, error, match):
    with pytest.raises(error, match=match):
        sl.expected_calibration_error(probs, labels, **kwargs)


def test_ece_drops_when_an_overconfident_model_is_cooled_down():
    # A model whose logits are 3x too large: temperature T = 3 restores calibration.
    rng = np.random.default_rng(19)
    true_logits = rng.normal(scale=1.5, size=(20_000, 3))
    labels = np.array([rng.choice(3, p=p) for p in sl.softmax(true_logits)])
    over = sl.expected_calibration_error(sl.softmax(3 * true_logits), labels)
    fixed = sl.expected_calibration_error(sl.softmax(3 * true_logits, temperature=3.0), labels)
    assert over > 0.1 and fixed < 0.02


# ------------------------------------------- the sampling distribution against torch


def torch_warped_probs(logits, temperature, top_k, top_p):
    """Hugging Face's logits warpers (temperature, top-k, top-p), re-written in torch.

    Top-k removes scores below the k-th largest; top-p sorts ascending and removes
    the tokens whose cumulative probability is <= 1 - top_p, keeping at least one.
    """
    import torch

    scores = torch.tensor(logits, dtype=torch.float64) / temperature
    if top_k is not None:
        kth = torch.topk(scores, min(top_k, scores.shape[-1]))[0][..., -1, None]
        scores = scores.masked_fill(scores < kth, -float("inf"))
    if top_p is not None:
        sorted_logits, sorted_indices = torch.sort(scores, descending=False)
        cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        remove_sorted = cumulative <= (1 - top_p)
        remove_sorted[..., -1:] = False
        remove = remove_sorted.scatter(-1, sorted_indices, remove_sorted)
        scores = scores.masked_fill(remove, -float("inf"))
    return torch.softmax(scores, dim=-1).numpy()


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("top_k, top_p", [(None, None), (5, None), (None, 0.7), (4, 0.6), (1, 0.9), (None, 0.05)])
def test_sampling_distribution_matches_a_torch_version_of_hugging_face_warpers(temperature, top_k, top_p):
    from softmax_lib.temperature import _sampling_distribution

    logits = np.random.default_rng(20).normal(scale=2.0, size=(200, 12))
    ours = _sampling_distribution(logits, temperature, top_k, top_p)
    theirs = torch_warped_probs(logits, temperature, top_k, top_p)
    # The kept sets agree row by row, and so do the renormalised probabilities.
    np.testing.assert_array_equal(ours > 0, theirs > 0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)


def test_sampling_distribution_rows_sum_to_one_and_masked_stay_zero():
    from softmax_lib.temperature import _sampling_distribution

    logits = np.random.default_rng(21).normal(size=(50, 9))
    logits[:, 3] = -np.inf
    q = _sampling_distribution(logits, 0.8, 6, 0.8)
    np.testing.assert_allclose(q.sum(axis=-1), 1.0, rtol=1e-14)
    assert np.all(q[:, 3] == 0.0)


@pytest.mark.parametrize("fn", [sl.expected_calibration_error, sl.reliability_curve])
def test_ragged_labels_are_an_error_that_names_labels(fn):
    # Found by the input-policy table: numpy's own "inhomogeneous shape" error named nothing.
    with pytest.raises(TypeError, match=r"^labels must be an array of real numbers"):
        fn([[0.5, 0.5], [0.5, 0.5]], [[0], [1, 0]])

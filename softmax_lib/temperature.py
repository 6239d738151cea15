"""Temperature and what it is used for: entropy, sampling, calibration.

Dividing the logits by a temperature ``T`` before softmax sharpens the
distribution (``T < 1``, towards the one-hot argmax) or flattens it
(``T > 1``, towards uniform). This module holds the tools that chapter 3
builds on that knob: the entropy that measures how flat a distribution is,
a sampler with temperature, top-k, top-p (nucleus) and min-p truncation, and the
expected calibration error with the data for a reliability diagram.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_array, as_float_array, check_axis, check_int, restore_dtype
from .core import softmax

__all__ = ["entropy", "sample", "expected_calibration_error", "reliability_curve", "ReliabilityCurve"]


def _sum_tolerance(dtype: np.dtype) -> float:
    """How far from 1 a probability row of *dtype* may sum: ``sqrt(eps)``.

    float64 allows about 1.5e-8, float32 3.5e-4, float16 3.1e-2: loose
    enough for the output of any softmax in that precision, tight enough to
    catch scores passed where probabilities were expected.
    """
    return float(np.sqrt(np.finfo(dtype).eps))


def _check_probabilities(p: ArrayLike, name: str, axis: int) -> tuple[np.ndarray, int, np.dtype]:
    """Validate probability vectors along *axis*; return (work, axis, dtype)."""
    work, dtype = as_float_array(p, name)
    axis = check_axis(axis, work.ndim)
    if not np.all(np.isfinite(work)):
        raise ValueError(f"{name} must be finite; got NaN or infinity in {name}")
    if np.any(work < 0):
        raise ValueError(f"{name} must be non-negative; its smallest entry is {float(np.min(work))!r}")
    tol = _sum_tolerance(dtype)
    sums = np.sum(work.astype(np.float64), axis=axis)
    off = np.abs(sums - 1.0) > tol
    if np.any(off):
        where = tuple(int(i) for i in np.argwhere(np.atleast_1d(off))[0])
        row = f"{name}[{', '.join(map(str, where))}]" if work.ndim > 1 else name
        total = float(np.atleast_1d(sums)[where])
        raise ValueError(
            f"every slice of {name} along axis {axis} must sum to 1 (within {tol:.1e} for {dtype}); "
            f"{row} sums to {total!r}. Pass probabilities (for example sl.softmax(logits)), not logits."
        )
    return work, axis, dtype


def entropy(p: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Shannon entropy, in nats, of probability vectors along one axis.

    Parameters
    ----------
    p : array_like
        Probabilities, at least 1-d: finite, non-negative, and summing to 1
        along *axis* within ``sqrt(eps)`` of *p*'s dtype (about 1.5e-8 for
        float64, 3.5e-4 for float32, 3.1e-2 for float16). The entropy is
        computed of *p* as given, without renormalising.
    axis : int, default -1
        The axis that holds each distribution (scipy's ``scipy.stats.entropy``
        uses ``axis=0``).

    Returns
    -------
    numpy.ndarray
        *p*'s shape without *axis* (a 0-d array for a 1-d *p*), in *p*'s
        floating dtype (integers give float64). Divide by ``np.log(2)`` for bits.

    Raises
    ------
    TypeError
        If *p* is bool, complex, object or string, or *axis* is not an integer.
    ValueError
        If *p* is 0-d, holds a negative, NaN or infinite entry, a slice does
        not sum to 1 within the tolerance, or *axis* is out of range.

    See Also
    --------
    softmax : whose entropy grows with its temperature.

    Notes
    -----
    .. math::

        H(p) = -\sum_{i=1}^{K} p_i \log p_i, \qquad 0 \log 0 = 0,

    so that a masked entry (probability 0) contributes nothing. It lies in
    :math:`[0, \log K]`: 0 for a one-hot vector, :math:`\log K` for the
    uniform distribution.

    References
    ----------
    - C. E. Shannon, "A mathematical theory of communication",
      Bell System Technical Journal, 1948.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> float(sl.entropy([0.25, 0.25, 0.25, 0.25]).round(4))   # log 4
    1.3863
    >>> float(sl.entropy([1.0, 0.0, 0.0]))                     # one-hot: 0, not NaN
    0.0
    >>> sl.entropy(sl.softmax([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])).round(4)
    array([0.8324, 1.0986])
    """
    work, axis, dtype = _check_probabilities(p, "p", axis)
    # 0 log 0 = 0: take the log of 1 where p is 0, so no warning and no NaN.
    log_p = np.log(np.where(work > 0, work, 1.0))
    h = -np.sum(work * log_p, axis=axis) + 0.0  # + 0.0 turns -0.0 into 0.0
    # Within the sum tolerance an entry may exceed 1 by a hair; entropy is never negative.
    return restore_dtype(np.maximum(h, 0.0), dtype)


def _check_sampling_temperature(temperature: object) -> float:
    if isinstance(temperature, (bool, np.bool_)) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"temperature must be a real number; got {temperature!r} of type {type(temperature).__name__}")
    value = float(temperature)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"temperature must be a finite number >= 0 (0 means greedy decoding); got {value!r}")
    return value


def _check_top_p(top_p: object) -> float | None:
    if top_p is None:
        return None
    if isinstance(top_p, (bool, np.bool_)) or not isinstance(top_p, numbers.Real):
        raise TypeError(f"top_p must be None or a number in (0, 1]; got {top_p!r} of type {type(top_p).__name__}")
    value = float(top_p)
    if not 0.0 < value <= 1.0:  # also refuses NaN
        raise ValueError(f"top_p must be None or a number in (0, 1]; got {value!r}")
    return value


def _check_min_p(min_p: object) -> float | None:
    if min_p is None:
        return None
    if isinstance(min_p, (bool, np.bool_)) or not isinstance(min_p, numbers.Real):
        raise TypeError(f"min_p must be None or a number in [0, 1]; got {min_p!r} of type {type(min_p).__name__}")
    value = float(min_p)
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise ValueError(f"min_p must be None or a number in [0, 1]; got {value!r}")
    return value


def _as_generator(rng: object) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"rng as a seed must be a non-negative integer; got {int(rng)}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be None, a non-negative int seed or a numpy.random.Generator; "
        f"got {rng!r} of type {type(rng).__name__}"
    )


def _row_name(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(str(int(i)) for i in index)}]" if index else name


def sample(
    logits: ArrayLike,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    rng: int | np.random.Generator | None = None,
) -> np.ndarray | int:
    r"""Draw one index per row from softmax(logits / temperature), optionally truncated.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Real scores over the last axis, at least 1-d. ``-inf`` masks an entry:
        it is never drawn. Each row needs at least one finite entry and no NaN
        or ``+inf``.
    temperature : float, default 1.0
        A finite number >= 0. ``temperature=0`` is greedy decoding: the argmax,
        the first index among ties, computed without dividing by zero (and
        without using *rng*).
    top_k : int or None, default None
        Keep only the ``top_k`` highest logits of each row (ties broken towards
        the lower index, so exactly ``min(top_k, number of finite logits)``
        survive and ``top_k=1`` is greedy decoding). Must be >= 1; larger than
        K keeps everything.
    top_p : float or None, default None
        Nucleus sampling: keep the smallest set of highest-probability entries
        whose probabilities sum to at least ``top_p``, always at least one.
        Must be in (0, 1]; 1 keeps everything.
    min_p : float or None, default None
        Min-p sampling: keep the entries whose probability (after the
        temperature) is at least ``min_p`` times the largest probability of
        the row. Must be in [0, 1]; 0 keeps everything, 1 keeps only the
        entries tied with the maximum. The most probable entry always stays.
    rng : None, int or numpy.random.Generator, default None
        The random source: a Generator is used (and advanced) as given, an int
        seeds a new ``np.random.default_rng(seed)``, None draws fresh entropy
        from the operating system (not reproducible).

    Returns
    -------
    numpy.ndarray of int64, shape (...), or int
        One index in ``[0, K)`` per row of a 2-d or higher *logits*. For a
        1-d *logits* (a single row) a plain Python ``int``, ready to append
        to a list of tokens or to use as a dictionary key. *logits* is never
        modified.

    Raises
    ------
    TypeError
        If *logits* is bool, complex, object or string; if *temperature*,
        *top_p* or *min_p* is not a real number, *top_k* not an integer, or
        *rng* not one of the accepted kinds.
    ValueError
        If *logits* is 0-d or has K = 0; if a row is entirely ``-inf`` or holds
        NaN or ``+inf`` (the message names the row); if *temperature* is
        negative or not finite, *top_k* < 1, *top_p* is outside (0, 1], or
        *min_p* outside [0, 1].

    See Also
    --------
    softmax : the distribution that is sampled.
    entropy : how spread out that distribution is.

    Notes
    -----
    The steps, in this order (the order of the Hugging Face ``generate``
    warpers, whose temperature, top-k and top-p rules the tests reproduce
    in torch and compare against; other libraries differ: in late 2023
    llama.cpp's default chain applied the temperature last):

    1. temperature: :math:`q = \operatorname{softmax}(z / T)`; for :math:`T = 0`
       return :math:`\arg\max_i z_i` at once;
    2. top-k: set every logit outside the ``top_k`` largest to :math:`-\infty`
       before the softmax (the same as zeroing those probabilities and
       renormalising);
    3. top-p: sort :math:`q` in decreasing order, keep the entries whose
       preceding cumulative sum is below ``top_p``,

       .. math:: \text{keep } q_{(j)} \iff \sum_{i<j} q_{(i)} < p,

       which is the smallest prefix whose sum reaches ``top_p``;
    4. min-p: keep :math:`q_i \ge \text{min\_p} \cdot \max_j q_j`. The
       ratio :math:`q_i / \max_j q_j = e^{(z_i - \max_j z_j)/T}` is not
       changed by the truncations above (they keep the maximum), so the
       entries kept are those that top-k and top-p kept *and* that pass the
       min-p test on :math:`\operatorname{softmax}(z / T)` itself. (Run
       before top-p, min-p would change the distribution whose nucleus top-p
       computes.) The test depends on the temperature;
    5. renormalise what is left and draw one index per row by inverting its
       cumulative distribution with one uniform number per row.

    Temperature never changes the ranking, so top-k keeps the same entries
    at every temperature; top-p does depend on it: a lower temperature
    concentrates the mass, so the same ``top_p`` keeps fewer entries.

    The scores are shifted by their row maximum before dividing by the
    temperature, so a tiny positive temperature cannot overflow.

    References
    ----------
    - G. Hinton, O. Vinyals and J. Dean, "Distilling the knowledge in a
      neural network", arXiv:1503.02531, 2015 (softmax with temperature).
    - A. Fan, M. Lewis and Y. Dauphin, "Hierarchical neural story
      generation", ACL 2018 (top-k sampling).
    - A. Holtzman, J. Buys, L. Du, M. Forbes and Y. Choi, "The curious
      case of neural text degeneration", ICLR 2020 (nucleus, top-p, sampling).
    - M. N. Nguyen, A. Baker, C. Neo, A. Roush, A. Kirsch and R. Shwartz-Ziv,
      "Turning up the heat: min-p sampling for creative and coherent LLM
      outputs", ICLR 2025; arXiv:2407.01082, 2024 (min-p sampling).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> logits = np.array([2.0, 1.0, 0.5, -np.inf])
    >>> sl.sample(logits, temperature=0)                 # greedy; one row gives an int
    0
    >>> draws = sl.sample(np.tile(logits, (10_000, 1)), rng=0)
    >>> (np.bincount(draws, minlength=4) / 10_000).round(2)   # close to softmax; -inf never drawn
    array([0.63, 0.24, 0.14, 0.  ])
    >>> sl.softmax(logits).round(2)
    array([0.63, 0.23, 0.14, 0.  ])
    >>> sl.sample([[3.0, 0.0, 2.9], [0.0, 5.0, 1.0]], top_k=1, rng=1)
    array([0, 1])

    min-p keeps what is at least ``min_p`` times as probable as the top entry
    (here 0.3 x 0.63 = 0.19: the first two of ``[0.63, 0.23, 0.14]``):

    >>> draws = sl.sample(np.tile(logits, (10_000, 1)), min_p=0.3, rng=0)
    >>> np.unique(draws).tolist()
    [0, 1]
    """
    temperature = _check_sampling_temperature(temperature)
    k = check_int(top_k, "top_k", allow_none=True)
    p_top = _check_top_p(top_p)
    p_min = _check_min_p(min_p)
    generator = _as_generator(rng)  # checked even where greedy decoding will not use it

    work, _ = as_float_array(logits, "logits")
    n_classes = work.shape[-1]
    if n_classes == 0:
        raise ValueError(f"logits must have at least one entry along the last axis; got shape {work.shape}")
    bad_nan = np.any(np.isnan(work) | (work == np.inf), axis=-1)
    bad_masked = np.all(work == -np.inf, axis=-1)
    for bad, what in ((bad_nan, "holds NaN or +inf"), (bad_masked, "is entirely -inf (every entry masked)")):
        if np.any(bad):
            index = tuple(np.argwhere(np.atleast_1d(bad))[0]) if work.ndim > 1 else ()
            raise ValueError(
                f"{_row_name('logits', index)} {what}; every row needs a finite maximum "
                "and no NaN to define a distribution to sample from"
            )

    if temperature == 0:
        return _as_result(np.argmax(work, axis=-1))

    q = _sampling_distribution(work, temperature, k, p_top, p_min)
    cdf = np.cumsum(q, axis=-1)
    total = cdf[..., -1:]  # 1 up to rounding
    u = generator.random(size=q.shape[:-1] + (1,)) * total
    # The index whose interval [cdf[i-1], cdf[i]) holds u; zero-probability
    # entries have empty intervals and cannot be chosen.
    index = np.sum(cdf <= u, axis=-1)
    # u < total in exact arithmetic; if rounding made u reach the top, fall
    # back to the last entry with positive probability.
    last_positive = n_classes - 1 - np.argmax(q[..., ::-1] > 0, axis=-1)
    return _as_result(np.minimum(index, last_positive))


def _sampling_distribution(
    work: np.ndarray, temperature: float, k: int | None, p_top: float | None, p_min: float | None = None
) -> np.ndarray:
    """The distribution ``sample`` draws from: temperature, top-k, top-p, min-p, renormalised.

    *work* holds validated rows (each with a finite maximum, no NaN or +inf)
    and *temperature* > 0. Returns float64 probabilities of *work*'s shape.
    """
    n_classes = work.shape[-1]
    # Sampling in float64 whatever the input's dtype: the cumulative sum below
    # should not lose the small probabilities to float16/float32 rounding.
    z = work.astype(np.float64)  # a copy: the caller's array is never written
    z = z - np.max(z, axis=-1, keepdims=True)  # shift first, so z / T <= 0 cannot overflow

    if k is not None and k < n_classes:
        # Stable sort of -z: ties keep index order, masked (-inf) entries sort last.
        order = np.argsort(-z, axis=-1, kind="stable")
        dropped = order[..., k:]
        np.put_along_axis(z, dropped, -np.inf, axis=-1)

    # z <= 0, so z / T only overflows towards -inf, which is the right limit
    # (probability 0) for a tiny temperature: silence that warning only.
    with np.errstate(over="ignore"):
        scaled = z / temperature
    q = softmax(scaled)

    if p_top is not None and p_top < 1.0:
        order = np.argsort(-q, axis=-1, kind="stable")
        q_sorted = np.take_along_axis(q, order, axis=-1)
        # Mass strictly before each sorted entry; 0 for the top entry, which is always kept.
        before = np.zeros_like(q_sorted)
        before[..., 1:] = np.cumsum(q_sorted[..., :-1], axis=-1)
        keep_sorted = before < p_top
        keep = np.empty_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        q = np.where(keep, q, 0.0)
        q = q / np.sum(q, axis=-1, keepdims=True)

    if p_min is not None and p_min > 0.0:
        # The row maximum itself always passes (q_max >= p_min * q_max).
        q = np.where(q >= p_min * np.max(q, axis=-1, keepdims=True), q, 0.0)
        q = q / np.sum(q, axis=-1, keepdims=True)

    return q


def _as_result(index: np.ndarray) -> np.ndarray | int:
    """int64 array of indices; a Python int for a single row (a 1-d input)."""
    index = np.asarray(index, dtype=np.int64)
    return int(index) if index.ndim == 0 else index


class ReliabilityCurve(NamedTuple):
    """Per-bin data of a reliability diagram, returned by :func:`reliability_curve`."""

    #: The ``n_bins + 1`` equal-width bin edges over [0, 1].
    bin_edges: np.ndarray
    #: Mean confidence (max probability) in each bin; NaN where the bin is empty.
    confidence: np.ndarray
    #: Fraction of correct predictions in each bin; NaN where the bin is empty.
    accuracy: np.ndarray
    #: Number of samples in each bin.
    count: np.ndarray  # type: ignore[assignment]  # a field named like tuple.count, kept for the API


def _check_labels(labels: ArrayLike, n_samples: int, n_classes: int) -> np.ndarray:
    arr = as_array(labels, "labels")
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"labels must be integers (class indices); got dtype {arr.dtype}. "
            "Convert on purpose, for example labels.astype(int)."
        )
    if arr.shape != (n_samples,):
        raise ValueError(f"labels must have shape ({n_samples},), one class index per row of probs; got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        bad = int(arr[(arr < 0) | (arr >= n_classes)][0])
        raise ValueError(f"labels must be class indices in [0, {n_classes}); got {bad}")
    return arr


def reliability_curve(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> ReliabilityCurve:
    r"""Bin predictions by confidence: the data of a reliability diagram.

    Parameters
    ----------
    probs : array_like, shape (N, K)
        Predicted probabilities, one row per sample: finite, non-negative,
        each row summing to 1 (within ``sqrt(eps)`` of its dtype). N >= 1.
    labels : array_like of int, shape (N,)
        The true class of each sample, in ``[0, K)``.
    n_bins : int, default 15
        Number of equal-width confidence bins over [0, 1] (15, as in Guo et
        al. 2017).

    Returns
    -------
    ReliabilityCurve
        A named tuple ``(bin_edges, confidence, accuracy, count)``: the
        ``n_bins + 1`` edges, and per bin the mean confidence, the accuracy
        (both NaN for an empty bin) and the number of samples.

    Raises
    ------
    TypeError
        If *probs* is not real, *labels* is not integer, or *n_bins* is not an integer.
    ValueError
        If *probs* is not 2-d with N >= 1 and K >= 1, or not probabilities;
        if *labels* has the wrong shape or an index outside ``[0, K)``; if
        *n_bins* < 1.

    See Also
    --------
    expected_calibration_error : the weighted gap between the two curves.

    Notes
    -----
    The prediction of sample :math:`n` is :math:`\hat y_n = \arg\max_k p_{nk}`
    (the first index among ties) and its confidence :math:`c_n = \max_k p_{nk}`.
    Bin :math:`b` holds the samples with :math:`c_n \in (\frac{b-1}{B}, \frac{b}{B}]`,
    and

    .. math::

        \operatorname{acc}(b) = \frac{1}{|b|}\sum_{n \in b} [\hat y_n = y_n], \qquad
        \operatorname{conf}(b) = \frac{1}{|b|}\sum_{n \in b} c_n.

    A calibrated model has :math:`\operatorname{acc}(b) = \operatorname{conf}(b)`:
    its points lie on the diagonal.

    References
    ----------
    - C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration
      of modern neural networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    >>> curve = sl.reliability_curve(probs, [0, 1, 1, 0], n_bins=5)
    >>> curve.count
    array([0, 0, 1, 2, 1])
    >>> curve.accuracy
    array([nan, nan, 1. , 0.5, 1. ])
    >>> curve.confidence.round(2)
    array([ nan,  nan, 0.6 , 0.75, 0.9 ])
    """
    n = check_int(n_bins, "n_bins")
    shape = as_float_array(probs, "probs")[0].shape
    if len(shape) != 2:
        raise ValueError(f"probs must be 2-d, shape (N, K) with one row per sample; got shape {shape}")
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"probs must have at least one sample and one class; got shape {shape}")
    work, _, _ = _check_probabilities(probs, "probs", -1)
    y = _check_labels(labels, work.shape[0], work.shape[1])

    confidence = np.max(work, axis=-1).astype(np.float64)
    correct = (np.argmax(work, axis=-1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n + 1)
    # Bins are (lo, hi]: count the interior edges strictly below each confidence.
    which = np.searchsorted(edges[1:-1], confidence, side="left")
    count = np.bincount(which, minlength=n)
    sum_conf = np.bincount(which, weights=confidence, minlength=n)
    sum_correct = np.bincount(which, weights=correct, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(count > 0, sum_conf / count, np.nan)
        accuracy = np.where(count > 0, sum_correct / count, np.nan)
    return ReliabilityCurve(edges, mean_conf, accuracy, count.astype(np.int64))


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> float:
    r"""Expected calibration error (ECE) of predicted probabilities.

    Parameters
    ----------
    probs : array_like, shape (N, K)
        Predicted probabilities, one row per sample (see :func:`reliability_curve`).
    labels : array_like of int, shape (N,)
        The true class of each sample, in ``[0, K)``.
    n_bins : int, default 15
        Number of equal-width confidence bins over [0, 1].

    Returns
    -------
    float
        The ECE, in [0, 1]; 0 means confidence matches accuracy in every bin.

    Raises
    ------
    TypeError, ValueError
        As :func:`reliability_curve`.

    See Also
    --------
    reliability_curve : the per-bin accuracy and confidence behind the number.

    Notes
    -----
    With :math:`N` samples and bins :math:`b = 1, \dots, B` of the confidence
    :math:`\max_k p_{nk}`,

    .. math::

        \operatorname{ECE} = \sum_{b=1}^{B} \frac{|b|}{N}\,
        \bigl|\operatorname{acc}(b) - \operatorname{conf}(b)\bigr|.

    It depends on the number of bins, and a model that always predicts
    the class frequencies can reach 0 while being useless: report it with
    accuracy (or the negative log-likelihood), never alone.

    References
    ----------
    - M. P. Naeini, G. F. Cooper and M. Hauskrecht, "Obtaining well
      calibrated probabilities using Bayesian binning", AAAI 2015.
    - C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration
      of modern neural networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    >>> round(sl.expected_calibration_error(probs, [0, 1, 1, 0], n_bins=5), 4)
    0.25
    """
    curve = reliability_curve(probs, labels, n_bins)
    filled = curve.count > 0
    weights = curve.count[filled] / np.sum(curve.count)
    return float(np.sum(weights * np.abs(curve.accuracy[filled] - curve.confidence[filled])))

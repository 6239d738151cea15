"""softmax, log_softmax and logsumexp: the functions every chapter uses.

The three share one computation. Along the chosen axis, shift by the
maximum ``m`` so that no exponential can overflow, exponentiate, and sum
every term except one at the maximum. That term is exactly ``exp(0) = 1``,
so the sum is ``1 + tail`` and its logarithm is ``log1p(tail)``: accurate
even when ``tail`` is far below the float epsilon, where ``log(1 + tail)``
would round to exactly 0 (Blanchard, Higham & Higham 2021).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_axis, check_temperature, restore_dtype

__all__ = ["softmax", "log_softmax", "logsumexp", "softmax_naive"]


def _prepare(x: ArrayLike, axis: int, temperature: float) -> tuple[np.ndarray, int, np.dtype]:
    work, dtype = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    temperature = check_temperature(temperature)
    if temperature != 1.0:
        work = work / np.asarray(temperature, dtype=work.dtype)
    return work, axis, dtype


def _shift_and_tail(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``z = x - m``, ``exp(z)``, the tail sum and the true maximum.

    ``m`` is the maximum along *axis*, except where it would make the
    arithmetic lie: a slice that is entirely -inf (fully masked) is shifted
    by 0 so that it stays -inf instead of becoming -inf - (-inf) = NaN, and a
    slice holding +inf has no meaningful distribution, so it becomes NaN
    throughout. ``tail`` is the sum of ``exp(z)`` over every entry but one at
    the maximum, whose exponential is exactly 1.
    """
    true_max = np.max(x, axis=axis, keepdims=True)
    shift = np.where(true_max == -np.inf, 0.0, np.where(true_max == np.inf, np.nan, true_max))
    z = x - shift
    e = np.exp(z)
    top = np.argmax(z, axis=axis, keepdims=True)
    e_top = np.take_along_axis(e, top, axis=axis)
    np.put_along_axis(e, top, 0.0, axis=axis)
    tail = np.sum(e, axis=axis, keepdims=True)
    np.put_along_axis(e, top, e_top, axis=axis)
    return z, e, tail, true_max


def softmax(x: ArrayLike, axis: int = -1, *, temperature: float = 1.0) -> np.ndarray:
    r"""Turn scores into probabilities along one axis.

    Parameters
    ----------
    x : array_like
        Real scores (logits), at least 1-d. Integers are converted to float64;
        float16 is computed in float32 and returned as float16.
    axis : int, default -1
        The axis along which the result sums to 1. Like JAX and PyTorch, and
        unlike ``scipy.special.softmax`` (whose default ``axis=None`` normalises
        the whole array).
    temperature : float, default 1.0
        Divides the scores first. Must be a finite number > 0; the limit
        ``temperature -> 0`` is the one-hot argmax, which ``np.argmax`` gives.

    Returns
    -------
    numpy.ndarray
        Same shape as *x*; every slice along *axis* is a probability vector.
        A new array: *x* is never modified.

    Raises
    ------
    TypeError
        If *x* is bool, complex, object or string, or *axis* is not an integer.
    ValueError
        If *x* is 0-d, *axis* is out of range (``numpy.exceptions.AxisError``,
        a ``ValueError``), or *temperature* is not a finite number > 0.

    See Also
    --------
    log_softmax : its logarithm, accurate where ``log(softmax(x))`` underflows.
    softmax_naive : the textbook formula, which overflows.

    Notes
    -----
    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_{j=1}^{K} e^{z_j / T}}
        = \frac{e^{z_i/T - m}}{\sum_{j} e^{z_j/T - m}}, \qquad m = \max_j z_j / T.

    Subtracting the maximum changes nothing mathematically and keeps every
    exponential in (0, 1], so nothing overflows.

    Edge cases, each pinned by a test: entries equal to -inf are masked
    (probability 0); a slice that is entirely -inf (fully masked) gives zeros,
    not NaN, and no warning; a slice containing +inf or NaN gives NaN in that
    slice only; an empty axis gives an empty result of the same shape.

    References
    ----------
    - J. S. Bridle, "Probabilistic interpretation of feedforward
      classification network outputs, with relationships to statistical
      pattern recognition", Neurocomputing, 1990.
    - P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing
      the log-sum-exp and softmax functions", IMA J. Numer. Anal., 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.softmax([5, 7, 10]).round(3)
    array([0.006, 0.047, 0.946])
    >>> sl.softmax([1000.0, 1000.0])          # no overflow
    array([0.5, 0.5])
    >>> sl.softmax([[1.0, 2.0], [0.0, -np.inf]]).round(3)   # row-wise; -inf is masked
    array([[0.269, 0.731],
           [1.   , 0.   ]])
    """
    work, axis, dtype = _prepare(x, axis, temperature)
    if work.shape[axis] == 0:
        return np.empty(work.shape, dtype=dtype)
    _, e, tail, _ = _shift_and_tail(work, axis)
    return restore_dtype(e / (1.0 + tail), dtype)


def log_softmax(x: ArrayLike, axis: int = -1, *, temperature: float = 1.0) -> np.ndarray:
    r"""Logarithm of :func:`softmax`, computed without ever taking ``log(0)``.

    Parameters
    ----------
    x : array_like
        Real scores (logits), at least 1-d.
    axis : int, default -1
        The axis to normalise along.
    temperature : float, default 1.0
        Divides the scores first; a finite number > 0.

    Returns
    -------
    numpy.ndarray
        Same shape as *x*: log-probabilities, each <= 0.

    Raises
    ------
    TypeError, ValueError
        As :func:`softmax`.

    See Also
    --------
    softmax, logsumexp

    Notes
    -----
    .. math::

        \log \operatorname{softmax}(z)_i = (z_i - m) - \log\Bigl(1 + \sum_{j \ne k} e^{z_j - m}\Bigr),
        \qquad m = z_k = \max_j z_j.

    The logarithm is evaluated with ``log1p`` over the terms other than one
    maximum ``k``. At the maximum the true value is about ``-sum_{j != k}
    e^{z_j - m}``, which may be tiny but is not zero; ``log(1 + tail)`` would
    round it to exactly 0.0, as scipy and PyTorch do.

    A fully masked slice (all -inf) gives -inf throughout; +inf or NaN gives
    NaN in that slice; an empty axis gives an empty result.

    References
    ----------
    - P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing
      the log-sum-exp and softmax functions", IMA J. Numer. Anal., 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.log_softmax([5, 7, 10]).round(4)
    array([-5.055, -3.055, -0.055])
    >>> float(sl.log_softmax([0.0, -40.0])[0])   # tiny, but not 0.0
    -4.248354255291589e-18
    >>> sl.log_softmax([0.0, -800.0])            # log(softmax) would give -inf here
    array([   0., -800.])
    """
    work, axis, dtype = _prepare(x, axis, temperature)
    if work.shape[axis] == 0:
        return np.empty(work.shape, dtype=dtype)
    z, _, tail, _ = _shift_and_tail(work, axis)
    return restore_dtype(z - np.log1p(tail), dtype)


def logsumexp(x: ArrayLike, axis: int = -1, *, keepdims: bool = False) -> np.ndarray:
    r"""``log(sum(exp(x)))`` along one axis, without overflow or underflow.

    Parameters
    ----------
    x : array_like
        Real numbers, at least 1-d.
    axis : int, default -1
        The axis to reduce (scipy's default, ``axis=None``, reduces everything).
    keepdims : bool, default False
        Keep the reduced axis with length 1, so the result broadcasts against *x*.

    Returns
    -------
    numpy.ndarray
        *x*'s shape without *axis* (or with length 1 there if *keepdims*).

    Raises
    ------
    TypeError, ValueError
        As :func:`softmax`.

    See Also
    --------
    log_softmax : equals ``x - logsumexp(x, keepdims=True)``.

    Notes
    -----
    .. math::

        \operatorname{lse}(z) = m + \log\Bigl(1 + \sum_{j \ne k} e^{z_j - m}\Bigr), \qquad m = z_k = \max_j z_j.

    Unlike softmax, log-sum-exp is **not** shift-invariant: adding ``c`` to
    every entry adds ``c`` to the result, ``lse(z + c) = lse(z) + c``.

    An empty axis or a slice that is entirely -inf gives -inf (the log of an
    empty sum); +inf gives +inf only through NaN: a slice containing +inf or
    NaN gives NaN.

    References
    ----------
    - P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing
      the log-sum-exp and softmax functions", IMA J. Numer. Anal., 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> float(sl.logsumexp([1000.0, 1000.0]))    # 1000 + log 2; exp(1000) would overflow
    1000.6931471805599
    >>> sl.logsumexp([[0.0, 0.0], [-np.inf, -np.inf]])
    array([0.69314718,       -inf])
    """
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"keepdims must be True or False; got {keepdims!r}")
    work, axis, dtype = _prepare(x, axis, 1.0)
    if work.shape[axis] == 0:
        reduced = np.full(work.shape[:axis] + (1,) + work.shape[axis + 1 :], -np.inf, dtype=dtype)
    else:
        _, _, tail, true_max = _shift_and_tail(work, axis)
        # true_max is -inf for a fully masked slice (log of an empty sum) and
        # +inf where the slice holds +inf, which tail (NaN there) turns into NaN.
        reduced = restore_dtype(true_max + np.log1p(tail), dtype)
    return reduced if keepdims else np.squeeze(reduced, axis=axis)


def softmax_naive(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The textbook formula ``exp(x) / sum(exp(x))``, kept to show why it fails.

    Do not use it: it overflows for scores above about 88.7 in float32
    (709.8 in float64, 11.1 in float16) and returns NaN, and underflows to
    0 / 0 for very negative scores. Use :func:`softmax`.

    Parameters
    ----------
    x : array_like
        Real scores, at least 1-d. Computed in *x*'s own floating dtype
        (float16 stays float16, so its overflow can be seen); integers become float64.
    axis : int, default -1
        The axis to normalise along.

    Returns
    -------
    numpy.ndarray
        Same shape as *x*. numpy's overflow and invalid-value warnings are
        not silenced: they are the lesson.

    Notes
    -----
    .. math:: \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.softmax_naive([5, 7, 10]).round(3)
    array([0.006, 0.047, 0.946])
    >>> with np.errstate(over="ignore", invalid="ignore"):
    ...     sl.softmax_naive([1000.0, 1000.0])
    array([nan, nan])
    """
    work, _ = as_float_array(x, "x")
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        work = arr  # keep float16 in float16: its overflow is the point
    axis = check_axis(axis, work.ndim)
    e = np.exp(work)
    return e / np.sum(e, axis=axis, keepdims=True)

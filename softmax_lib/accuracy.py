"""Measuring accuracy: high-precision references and errors in ulps.

Chapter 2 and the benchmarks measure how far a floating-point softmax is
from the exact one. The exact values come from mpmath at a working
precision far beyond float64's, and the distance is counted in units in the
last place (ulps) of the format being judged.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_axis, check_int

__all__ = [
    "extended_reference",
    "log_softmax_reference",
    "logsumexp_reference",
    "softmax_reference",
    "ulp_error",
]


def _reference(x: ArrayLike, axis: int, dps: int, what: str) -> np.ndarray:
    import mpmath  # imported here: only the measurements need it

    dps = check_int(dps, "dps", note="decimal digits of mpmath's precision")
    work, _ = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    moved = np.moveaxis(work, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape if what != "logsumexp" else rows.shape[:1], dtype=object)
    with mpmath.workdps(dps):
        for r, row in enumerate(rows):
            # Every float is exactly representable in mpmath, so the only
            # rounding is mpmath's own, at dps decimal digits.
            vals = [mpmath.mpf(float(v)) for v in row]
            finite = [v for v in vals if mpmath.isfinite(v)]
            if any(mpmath.isnan(v) for v in vals) or any(v == mpmath.inf for v in vals):
                lse = mpmath.nan
            elif not finite:
                lse = mpmath.ninf
            else:
                # lse = m + log1p(tail), tail = the sum over all entries but one maximum.
                # Summing 1 + tail first would keep only dps digits of the sum, and
                # lose a tail below 10**-dps entirely (one dominant logit).
                m = max(finite)
                k = vals.index(m)
                tail = mpmath.fsum(mpmath.exp(v - m) for i, v in enumerate(vals) if i != k and mpmath.isfinite(v))
                log_total = mpmath.log1p(tail)
                lse = m + log_total
            if what == "logsumexp":
                out[r] = lse
            elif not mpmath.isfinite(lse):
                fill = mpmath.mpf(0) if what == "softmax" and lse == mpmath.ninf else lse
                out[r] = [fill] * len(vals)
            elif what == "log_softmax":
                out[r] = [(v - m) - log_total for v in vals]  # never v - lse: m + log_total may have rounded
            else:
                out[r] = [mpmath.exp((v - m) - log_total) for v in vals]
    if what == "logsumexp":
        return out.reshape(moved.shape[:-1])
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def softmax_reference(x: ArrayLike, axis: int = -1, *, dps: int = 50) -> np.ndarray:
    r"""Softmax of the float values in *x*, computed by mpmath at *dps* digits.

    Parameters
    ----------
    x : array_like
        Real numbers, at least 1-d. Each value is taken exactly as stored.
    axis : int, default -1
        The axis to normalise along.
    dps : int, default 50
        Decimal digits of mpmath's working precision.

    Returns
    -------
    numpy.ndarray
        An object array of ``mpmath.mpf`` of *x*'s shape, following the same
        policy as :func:`softmax_lib.softmax` for -inf, +inf and NaN.

    Notes
    -----
    .. math:: p_i = \exp\bigl(z_i - \operatorname{lse}(z)\bigr), \qquad
        \operatorname{lse}(z) = m + \log \sum_j e^{z_j - m}

    evaluated with ``mpmath.fsum`` at *dps* digits, so that the result is
    exact to far more digits than any binary floating-point format keeps.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> p = sl.softmax_reference([5.0, 7.0, 10.0], dps=30)
    >>> [str(v)[:12] for v in p]
    ['0.0063774609', '0.0471234165', '0.9464991225']
    """
    return _reference(x, axis, dps, "softmax")


def log_softmax_reference(x: ArrayLike, axis: int = -1, *, dps: int = 50) -> np.ndarray:
    """log_softmax of *x* by mpmath at *dps* digits; see :func:`softmax_reference`.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> float(sl.log_softmax_reference([0.0, -40.0])[0])
    -4.248354255291589e-18
    """
    return _reference(x, axis, dps, "log_softmax")


def logsumexp_reference(x: ArrayLike, axis: int = -1, *, dps: int = 50) -> np.ndarray:
    """logsumexp of *x* by mpmath at *dps* digits; see :func:`softmax_reference`.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> float(sl.logsumexp_reference([1000.0, 1000.0]))
    1000.6931471805599
    """
    return _reference(x, axis, dps, "logsumexp")


def extended_reference(x: ArrayLike, kind: str = "softmax", axis: int = -1) -> np.ndarray:
    r"""softmax, log_softmax or logsumexp of *x* in extended precision, vectorised.

    A fast stand-in for the mpmath references on large arrays (rows of 10**6,
    where mpmath takes minutes): numpy's ``longdouble``, which on x86-64 Linux
    is the x87 80-bit format with a 64-bit significand (11 bits more than
    float64), with the shift compensated as in ``softmax_lib.core``. Its
    error is a small fraction of a float64 ulp and ~2**-40 of a float32 ulp;
    ``tests/test_accuracy_harness.py`` checks it against mpmath.

    Parameters
    ----------
    x : array_like
        float32 or float64 values, at least 1-d.
    kind : {"softmax", "log_softmax", "logsumexp"}
        Which function.
    axis : int, default -1
        The axis to normalise (or reduce) along.

    Returns
    -------
    numpy.ndarray
        ``longdouble`` values, *x*'s shape (without *axis* for logsumexp).

    Raises
    ------
    RuntimeError
        If ``longdouble`` has fewer than 64 significant bits on this platform.

    Notes
    -----
    .. math:: \operatorname{lse}(x) = m + \operatorname{log1p}\Bigl(\sum_{j \ne k} e^{x_j - m}\Bigr),
        \quad x_j - m = z_j + c_j \text{ exactly (TwoSum)}, \quad e^{x_j - m} \approx e^{z_j}(1 + c_j).

    Examples
    --------
    >>> import softmax_lib as sl
    >>> from softmax_lib.accuracy import extended_reference
    >>> x = [0.0, -40.0]
    >>> float(extended_reference(x, "log_softmax")[0])
    -4.248354255291589e-18
    """
    ld = np.longdouble
    if np.finfo(ld).nmant < 63:
        raise RuntimeError("extended_reference needs an 80-bit (or wider) numpy.longdouble")
    if kind not in ("softmax", "log_softmax", "logsumexp"):
        raise ValueError(f"kind must be 'softmax', 'log_softmax' or 'logsumexp'; got {kind!r}")
    work, _ = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    a = np.moveaxis(work, axis, -1).astype(ld)
    top = np.argmax(a, axis=-1, keepdims=True)
    m = np.take_along_axis(a, top, axis=-1)
    with np.errstate(invalid="ignore", over="ignore"):
        shift = np.where(m == -np.inf, 0, np.where(m == np.inf, np.nan, m)).astype(ld)
        z = a - shift
        t = z - a
        c = (a - (z - t)) - (shift + t)  # TwoSum: a - shift = z + c exactly
        c[np.isnan(c)] = 0
        e = np.exp(z) * (1 + c)
        is_top = np.arange(a.shape[-1]) == top
        tail = np.where(is_top, 0, e).sum(axis=-1, keepdims=True)
        log_total = np.log1p(tail)
        if kind == "logsumexp":
            return (m + log_total)[..., 0]
        if kind == "log_softmax":
            return np.moveaxis((z - log_total) + c, -1, axis)
        return np.moveaxis(e / (1 + tail), -1, axis)


def ulp_error(computed: ArrayLike, reference: ArrayLike) -> np.ndarray:
    r"""Distance of *computed* from *reference*, in ulps of *computed*'s format.

    Parameters
    ----------
    computed : array_like
        Floating-point results (float16, float32 or float64).
    reference : array_like
        Exact or high-precision values of the same shape, for example from
        :func:`softmax_reference` (``mpmath.mpf``) or plain floats.

    Returns
    -------
    numpy.ndarray
        float64 errors, one per entry. Equal infinities, and NaN where NaN was
        expected, count as 0; any other disagreement on a non-finite value is inf.

    Notes
    -----
    .. math:: \operatorname{err}(\hat y) = \frac{|\hat y - y|}{\operatorname{ulp}(y)}

    where :math:`\operatorname{ulp}(y)` is the spacing of the format's numbers
    at :math:`y` rounded to that format (``np.spacing``). A correctly rounded
    result has error at most 0.5.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> ref = sl.softmax_reference([5.0, 7.0, 10.0])
    >>> bool(np.all(sl.ulp_error(sl.softmax([5.0, 7.0, 10.0]), ref) <= 4))
    True
    """
    import mpmath

    try:
        computed = np.asarray(computed)
    except (ValueError, TypeError) as err:
        raise TypeError(
            f"computed must be an array of floats; could not convert {type(computed).__name__} to an array ({err})"
        ) from None
    if computed.dtype.kind != "f":
        raise TypeError(f"computed must be a floating-point array; got dtype {computed.dtype}")
    if isinstance(reference, np.ndarray) and reference.dtype.kind == "f":
        return _ulp_error_vectorised(computed, reference)
    reference = np.asarray(reference, dtype=object)
    if reference.shape != computed.shape:
        raise ValueError(f"reference must have computed's shape {computed.shape}; got shape {reference.shape}")
    ftype = computed.dtype.type
    out = np.empty(computed.shape, dtype=np.float64)
    with mpmath.workdps(60):
        for idx, (c, r) in enumerate(zip(computed.ravel(), reference.ravel(), strict=True)):
            r = mpmath.mpf(r)
            c_mp = mpmath.mpf(float(c))
            if mpmath.isnan(r) or mpmath.isnan(c_mp):
                ulps = 0.0 if (mpmath.isnan(r) and mpmath.isnan(c_mp)) else np.inf
            elif mpmath.isinf(r) or mpmath.isinf(c_mp):
                ulps = 0.0 if r == c_mp else np.inf
            else:
                ulp = mpmath.mpf(float(np.spacing(abs(ftype(float(r))))))
                ulps = float(abs(c_mp - r) / ulp)
            out.flat[idx] = ulps
    return out


def _ulp_error_vectorised(computed: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """:func:`ulp_error` for a floating-point *reference* (e.g. :func:`extended_reference`), in longdouble."""
    if reference.shape != computed.shape:
        raise ValueError(f"reference must have computed's shape {computed.shape}; got shape {reference.shape}")
    ld = np.longdouble
    c, r = computed.astype(ld), reference.astype(ld)
    with np.errstate(invalid="ignore", over="ignore"):
        ulp = np.spacing(np.abs(r.astype(computed.dtype))).astype(ld)
        err = (np.abs(c - r) / ulp).astype(np.float64)
    nan_c, nan_r = np.isnan(c), np.isnan(r)
    inf_any = np.isinf(c) | np.isinf(r)
    err[inf_any] = np.where(c[inf_any] == r[inf_any], 0.0, np.inf)
    err[nan_c | nan_r] = np.where(nan_c & nan_r, 0.0, np.inf)[nan_c | nan_r]
    return err

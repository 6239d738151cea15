"""Measuring accuracy: high-precision references and errors in ulps.

Chapter 2 and the benchmarks measure how far a floating-point softmax is
from the exact one. The exact values come from mpmath at a working
precision far beyond float64's, and the distance is counted in units in the
last place (ulps) of the format being judged.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_axis

__all__ = [
    "softmax_reference",
    "log_softmax_reference",
    "logsumexp_reference",
    "ulp_error",
]


def _reference(x: ArrayLike, axis: int, dps: int, what: str) -> np.ndarray:
    import mpmath  # imported here: only the measurements need it

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
                m = max(finite)
                lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in finite))
            if what == "logsumexp":
                out[r] = lse
            elif what == "log_softmax":
                out[r] = [v - lse if mpmath.isfinite(lse) else (mpmath.ninf if lse == mpmath.ninf else mpmath.nan) for v in vals]
            else:
                if lse == mpmath.ninf:
                    out[r] = [mpmath.mpf(0)] * len(vals)
                else:
                    out[r] = [mpmath.exp(v - lse) if mpmath.isfinite(lse) else mpmath.nan for v in vals]
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

    computed = np.asarray(computed)
    if computed.dtype.kind != "f":
        raise TypeError(f"computed must be a floating-point array; got dtype {computed.dtype}")
    reference = np.asarray(reference, dtype=object)
    if reference.shape != computed.shape:
        raise ValueError(
            f"reference must have computed's shape {computed.shape}; got shape {reference.shape}"
        )
    ftype = computed.dtype.type
    out = np.empty(computed.shape, dtype=np.float64)
    with mpmath.workdps(60):
        for idx, (c, r) in enumerate(zip(computed.ravel(), reference.ravel())):
            r = mpmath.mpf(r)
            c_mp = mpmath.mpf(float(c))
            if mpmath.isnan(r) or mpmath.isnan(c_mp):
                err = 0.0 if (mpmath.isnan(r) and mpmath.isnan(c_mp)) else np.inf
            elif mpmath.isinf(r) or mpmath.isinf(c_mp):
                err = 0.0 if r == c_mp else np.inf
            else:
                ulp = mpmath.mpf(float(np.spacing(abs(ftype(float(r))))))
                err = float(abs(c_mp - r) / ulp)
            out.flat[idx] = err
    return out

"""softmax, log_softmax and logsumexp: the functions every chapter uses.

The three share one computation. Along the chosen axis, shift by the
maximum ``m`` so that no exponential can overflow, exponentiate, and sum
every term except one at the maximum. That term is exactly ``exp(0) = 1``,
so the sum is ``1 + tail`` and its logarithm is ``log1p(tail)``: accurate
even when ``tail`` is far below the float epsilon, where ``log(1 + tail)``
would round to exactly 0 (Blanchard, Higham & Higham 2021).

Three refinements make the result accurate to a few ulps and the code close
to PyTorch's CPU kernel in speed (both are measured in ``benchmarks/``):

* **Compensated shift.** ``z = fl(x - m)`` is rounded, and ``exp`` turns an
  absolute error ``d`` in ``z`` into a relative error ``d`` in ``exp(z)``:
  tens of ulps for ``z`` near -100. Knuth's TwoSum gives the rounding
  error ``c`` exactly (``x - m = z + c``), and ``exp(z + c) ~ exp(z)(1 + c)``
  puts it back. float32 input is computed in float64 instead, where the
  shift is rounded with a relative error of at most 2**-53 (2**-29 of a
  float32 ulp), and the result is rounded to float32 once at the end.
  float16 input is converted to float32 (exactly) and takes the same path,
  so its result is rounded twice, to float32 and then to float16.
* **A wide sum.** The tail of float64 input is summed in extended precision
  (``WIDE_SUM``), since numpy's float64 sum can be a few ulps off.
* **Blocks.** Rows are processed a block at a time (buffers of 512 KiB,
  1-2 MiB in all), with numpy ufuncs writing into preallocated buffers
  (``out=``), so each step runs on data already in the cache, nothing the
  size of the input is allocated besides the result, and ``x`` is read from
  memory once. A row longer than a block is reduced chunk by chunk and then
  written in a second pass.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._validation import (
    as_float_array,
    check_axes,
    check_axis,
    check_bool,
    check_temperature,
    check_where,
    restore_dtype,
)

__all__ = ["log_softmax", "logsumexp", "softmax", "softmax_naive"]

# Elements per block: 65536 float64 = 512 KiB per buffer; the two to four
# buffers (1-2 MiB) about fill an L2 cache. Other sizes are timed by `make bench`.
BLOCK_ELEMENTS = 1 << 16

# float64 tails are summed in a wider type where the hardware has one (the x87
# 80-bit long double of x86-64 Linux): numpy's float64 sum adds ~16 terms in a
# row in its inner loop and was measured 3 ulps off on rows of 100. Elsewhere
# (long double = float64, or a slow software quad) float64 it is.
WIDE_SUM = np.longdouble if np.finfo(np.longdouble).nmant == 63 else np.float64

# The compensated shift and the wide sum of float64 input. Always on; `make bench`
# switches them off for a moment to measure what the accuracy costs in time.
COMPENSATE = True


def _rows(a: np.ndarray, axis: int) -> np.ndarray | None:
    """A 2-d view of *a* with *axis* last and the other axes flattened, or None if no view exists."""
    moved = np.moveaxis(a, axis, -1)
    try:
        return moved.reshape(-1, moved.shape[-1], copy=False)
    except ValueError:  # e.g. the middle axis of a C-ordered 3-d array
        return None
    except TypeError:  # numpy < 2.1 has no copy=: reshape, and keep the result only if it is a view
        flat = moved.reshape(-1, moved.shape[-1])
        return flat if np.may_share_memory(flat, a) else None


def _check_out(out: object, x: np.ndarray, work: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Check a caller's ``out=`` array: right type, shape, dtype, writeable, and no partial overlap with x."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray; got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"out must have shape {shape} (the result's); got shape {out.shape}")
    if out.dtype != dtype:
        raise TypeError(f"out must have dtype {dtype} (the result's dtype for this input); got {out.dtype}")
    if not out.flags.writeable:
        raise ValueError("out is read-only; pass a writeable array")
    for source in (x, work):
        same = (
            out.__array_interface__["data"][0] == source.__array_interface__["data"][0]
            and out.strides == source.strides
            and out.dtype == source.dtype
        )
        if np.may_share_memory(out, source) and not same:
            raise ValueError(
                "out overlaps x without being x itself; pass out=x to compute in place, "
                "or an array that does not share memory with x"
            )
    return out


def _divide_by_temperature(a: np.ndarray, temperature: float, out: np.ndarray) -> np.ndarray:
    """``a / temperature`` into *out*; an overflow is an error, not a row of NaN.

    Only a temperature far below any practical value (say 1e-300) makes a
    finite score overflow. softmax is then the one-hot argmax, which is what
    the message suggests instead.
    """
    with np.errstate(over="raise"):
        try:
            return np.divide(a, temperature, out=out)
        except FloatingPointError:
            raise ValueError(
                f"temperature={temperature!r} is so small that x / temperature overflows "
                f"{out.dtype}; softmax is then the one-hot argmax: use np.argmax "
                "(or sl.sample(..., temperature=0)) instead"
            ) from None


def _shift_of(x_max: np.ndarray, temperature: float, ct: np.dtype) -> np.ndarray:
    """The shift of each row: its maximum, except 0 for a fully masked row and NaN for a row holding +inf."""
    m = x_max.astype(ct)
    if temperature != 1.0:
        _divide_by_temperature(m, temperature, out=m)
    if not np.isfinite(m).all():
        # -inf - (-inf) would be NaN: a fully masked row is shifted by 0 and stays -inf.
        # A row holding +inf has no distribution: NaN spreads through it.
        m = np.where(m == -np.inf, 0.0, np.where(m == np.inf, np.nan, m))
    return m


def _shifted(
    xc: np.ndarray, shift: np.ndarray, temperature: float, buf: dict[str, np.ndarray], compensate: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return ``z, c`` with ``z + c = x / T - shift`` exactly (``c`` is None without compensation)."""
    k, w = xc.shape
    z = buf["z"][:k, :w]
    if not compensate:
        # float32 converted to float64: x / T - shift is rounded with relative error <= 2**-53
        # (twice with a temperature), far below float32's ulp.
        if temperature == 1.0:
            np.subtract(xc, shift, out=z)  # converts and shifts in one pass over the block
            return z, None
        np.copyto(z, xc)
        _divide_by_temperature(z, temperature, out=z)
        z -= shift
        return z, None
    y = xc if temperature == 1.0 else _divide_by_temperature(xc, temperature, out=buf["y"][:k, :w])
    np.subtract(y, shift, out=z)
    # TwoSum (Knuth, TAOCP vol. 2, 4.2.2): c = (y - shift) - z, by four more subtractions and one
    # addition, all exact.
    t = np.subtract(z, y, out=buf["t"][:k, :w])  # t ~ -shift
    c = np.subtract(z, t, out=buf["c"][:k, :w])  # c ~ y
    np.subtract(y, c, out=c)  # the part of y that z lost
    np.add(t, shift, out=t)  # minus the part of -shift that z lost
    np.subtract(c, t, out=c)
    # A masked entry (-inf) gives inf - inf = NaN here; its exp is 0, so its correction is 0.
    np.copyto(c, 0.0, where=np.isnan(c, out=buf["nan"][:k, :w]))
    return z, c


def _kernel(kind: str, x2: np.ndarray, out2: np.ndarray, temperature: float) -> None:
    """Fill *out2* with softmax, log_softmax or logsumexp of each row of *x2* (2-d, the axis last).

    A block holds as many whole rows as fit in ``BLOCK_ELEMENTS``; a longer
    row is a block of its own, cut into chunks of ``BLOCK_ELEMENTS``.
    """
    n_rows, n = x2.shape
    ct = np.promote_types(x2.dtype, np.float64)  # the compute type
    # float32 is computed in float64, where the shift is exact and the sum accurate enough.
    compensate = COMPENSATE and ct == x2.dtype
    rows = max(1, BLOCK_ELEMENTS // n)
    cols = min(n, BLOCK_ELEMENTS)
    single_chunk = n <= cols
    shape = (min(rows, n_rows), cols)
    names = ["z", "e"]  # z = x - m, e = exp(z)
    if compensate:
        names += ["t", "c"] + (["y"] if temperature != 1.0 else [])  # scratch, rounding error, x / T
    buf = {name: np.empty(shape, dtype=ct) for name in names}
    if compensate:
        buf["nan"] = np.empty(shape, dtype=bool)  # where TwoSum met a masked (-inf) entry
    for r0 in range(0, n_rows, rows):
        xb, ob = x2[r0 : r0 + rows], out2[r0 : r0 + rows]
        k = np.arange(xb.shape[0])
        top = np.argmax(xb, axis=1)  # first maximum (or first NaN) of each row
        x_max = xb[k, top]
        shift = _shift_of(x_max, temperature, ct)[:, None]

        # Pass 1: tail = the sum of exp(x - m) = exp(z)(1 + c) over every entry but `top`.
        partial = []
        for c0 in range(0, n, cols):
            z, c = _shifted(xb[:, c0 : c0 + cols], shift, temperature, buf, compensate)
            e = np.exp(z, out=buf["e"][: z.shape[0], : z.shape[1]])
            # The rows whose maximum is in this chunk (all of them when a row is one chunk).
            hit = k if single_chunk else k[(top >= c0) & (top < c0 + cols)]
            e_top = e[hit, top[hit] - c0]  # exactly 1 (0 in a fully masked row); its c is 0
            e[hit, top[hit] - c0] = 0.0
            partial.append(e.sum(axis=1, dtype=WIDE_SUM if compensate else None).astype(ct))
            if c is not None:
                partial[-1] += np.multiply(e, c, out=buf["t"][: z.shape[0], : z.shape[1]]).sum(axis=1)
            e[hit, top[hit] - c0] = e_top
        # Several chunks (one long row): an exactly rounded sum of the chunks' sums.
        tail = partial[0] if single_chunk else np.array([math.fsum(p[0] for p in partial)])
        tail = tail[:, None]
        if kind == "logsumexp":
            # A slice holding +inf (and no NaN) has log-sum-exp +inf: its shift was NaN, its maximum is +inf.
            lse = x_max.astype(ct) + np.log1p(tail[:, 0])
            ob[...] = np.where(x_max == np.inf, np.inf, lse)
            continue

        # Pass 2: the result. A single chunk is still in the buffers; a long row is recomputed.
        if kind == "log_softmax":
            log_total = np.log1p(tail)
        else:
            total = 1.0 + tail
            if compensate:
                # total's rounding error, by TwoSum, as a relative correction: 1 + tail = total (1 + rel).
                part = total - 1.0
                rel = ((1.0 - (total - part)) + (tail - part)) / total
        for c0 in range(0, n, cols):
            if not single_chunk:
                z, c = _shifted(xb[:, c0 : c0 + cols], shift, temperature, buf, compensate)
                e = np.exp(z, out=buf["e"][: z.shape[0], : z.shape[1]]) if kind == "softmax" else None
            oc = ob[:, c0 : c0 + cols]
            if kind == "softmax" and c is None:
                # float32 out: a float64 reciprocal's rounding is 2**-29 of a float32 ulp, and
                # multiplying is cheaper than dividing.
                np.multiply(e, 1.0 / total, out=oc, casting="same_kind")
            elif kind == "softmax":
                assert e is not None and c is not None  # for the type checker: set just above
                # exp(z)(1 + c) / (total (1 + rel)) = q (1 + c - rel), rounded once at the end.
                q = np.divide(e, total, out=e)
                np.subtract(c, rel, out=c)
                np.add(q, np.multiply(q, c, out=buf["t"][: q.shape[0], : q.shape[1]]), out=oc)
            elif c is None:
                np.subtract(z, log_total, out=oc, casting="same_kind")
            else:
                # (z - log_total) + c would round twice; TwoSum keeps the first rounding's error,
                # so that the result is rounded once: s + ((z - (s - bb)) - (bb + log_total) + c).
                k_, w_ = z.shape
                s = np.subtract(z, log_total, out=buf["e"][:k_, :w_])
                bb = np.subtract(s, z, out=buf["t"][:k_, :w_])  # bb ~ -log_total
                np.subtract(z, np.subtract(s, bb, out=oc), out=z)  # oc is free scratch here
                np.subtract(z, np.add(bb, log_total, out=bb), out=z)  # z is now the error of s
                np.copyto(z, 0.0, where=np.isnan(z, out=buf["nan"][:k_, :w_]))  # masked: -inf - -inf
                np.add(s, np.add(z, c, out=z), out=oc)


def _apply(
    kind: str,
    x: ArrayLike,
    axis: int | tuple[int, ...] | None,
    temperature: float,
    out: np.ndarray | None,
    where: ArrayLike | None = None,
) -> np.ndarray:
    """Validate, apply *where*, and run the kernel over one axis or several merged into one.

    For logsumexp the result keeps the reduced axes with length 1.
    """
    work, dtype = as_float_array(x, "x")
    axes = check_axes(axis, work.ndim)
    temperature = check_temperature(temperature)
    keep = None if where is None else check_where(where, work.shape)
    if keep is not None:
        # JAX's where=: an entry that takes no part is a masked entry (-inf), whatever its value.
        work = np.where(keep, work, np.asarray(-np.inf, dtype=work.dtype))
    shape = work.shape
    if kind == "logsumexp":
        shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    if out is not None:
        out = _check_out(out, np.asarray(x), work, shape, dtype)
    if len(axes) == 1:
        result = _apply_axis(kind, work, axes[0], temperature, out, shape)
    else:
        # Several axes: move them last and merge them into one (a view where the layout allows).
        last = tuple(range(work.ndim - len(axes), work.ndim))
        moved = np.moveaxis(work, axes, last)
        merged = moved.reshape(moved.shape[: work.ndim - len(axes)] + (-1,))
        flat_shape = merged.shape if kind != "logsumexp" else merged.shape[:-1] + (1,)
        flat = _apply_axis(kind, merged, merged.ndim - 1, temperature, None, flat_shape)
        if kind == "logsumexp":
            result = flat.reshape(shape)
        else:
            result = np.moveaxis(flat.reshape(moved.shape), last, axes)
        if out is not None:
            np.copyto(out, result, casting="same_kind")
            result = out
    if keep is not None and kind != "logsumexp":
        # Exactly JAX's answer where where is False, even in a slice made NaN by +inf or NaN.
        np.copyto(result, 0.0 if kind == "softmax" else -np.inf, where=~keep)
    if result is out:
        return out
    return restore_dtype(result, dtype)


def _apply_axis(
    kind: str, work: np.ndarray, axis: int, temperature: float, out: np.ndarray | None, shape: tuple[int, ...]
) -> np.ndarray:
    """Run the kernel on a 2-d view of *work* along *axis* (a copy only if no view exists)."""
    # The buffer we fill has the working dtype: float32 for float16 input (the kernel computes in
    # float64 and rounds to float32 here; restore_dtype rounds to float16 after).
    target = out if out is not None and out.dtype == work.dtype else np.empty_like(work, shape=shape)
    if work.shape[axis] == 0:
        target[...] = -np.inf  # empty for softmax/log_softmax; log of an empty sum for logsumexp
    else:
        x2 = _rows(work, axis)
        if x2 is None:  # no 2-d view (e.g. a middle axis): one contiguous copy
            x2 = np.ascontiguousarray(np.moveaxis(work, axis, -1)).reshape(-1, work.shape[axis])
        o2 = _rows(target, axis)
        copy_to = None
        if o2 is None:  # the same for a caller's out=: fill a contiguous buffer, then copy it there
            o2 = np.empty((x2.shape[0], x2.shape[1] if kind != "logsumexp" else 1), dtype=work.dtype)
            copy_to = np.moveaxis(target, axis, -1)
        # inf - inf (masked entries) and overflow are part of the policy, handled inside.
        with np.errstate(invalid="ignore", over="ignore"):
            _kernel(kind, x2, o2 if kind != "logsumexp" else o2[:, 0], temperature)
        if copy_to is not None:
            copy_to[...] = o2.reshape(copy_to.shape)
    if out is not None and target is not out:
        np.copyto(out, target, casting="same_kind")
        return out
    return target


def softmax(
    x: ArrayLike,
    axis: int | tuple[int, ...] | None = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Turn scores into probabilities along one axis.

    Parameters
    ----------
    x : array_like
        Real scores (logits), at least 1-d. Integers are converted to float64;
        float16 and float32 are computed in float64 and returned in their own
        dtype (float16 by way of float32: rounded twice).
    axis : int, tuple of ints or None, default -1
        The axis along which the result sums to 1; a tuple normalises over
        those axes together, ``None`` over the whole array. The default -1 is
        JAX's. PyTorch has no default: ``torch.softmax`` requires ``dim``, and
        ``torch.nn.functional.softmax`` or ``nn.Softmax`` without ``dim`` are
        deprecated and pick dim 0 for 0-, 1- and 3-d input, else dim 1.
        ``scipy.special.softmax`` defaults to ``axis=None``, the whole array.
    temperature : float, default 1.0
        Divides the scores first. Must be a finite number > 0; the limit
        ``temperature -> 0`` is the one-hot argmax, which ``np.argmax`` gives.
        A temperature so small that ``x / temperature`` overflows (around
        1e-300 for scores of order 1) raises ``ValueError`` rather than
        returning NaN.
    where : array_like of bool, optional
        Broadcastable to *x*'s shape; only entries where it is True take part
        (JAX's ``where=``). The others get probability 0, whatever their
        value (NaN and +inf included); a slice with no True entry follows the
        fully-masked policy (zeros, as JAX returns there too). JAX's
        ``initial=`` argument, deprecated there and without effect, has no
        counterpart here.
    out : numpy.ndarray, optional
        Where to write the result, instead of a new array: *x*'s shape and the
        result's dtype (float16 for float16 *x*, float64 for integers). Nothing
        the size of *x* is then allocated (float16 aside). ``out=x`` computes
        in place, which is safe: each block of rows is read before it is
        written. Any other overlap with *x* is refused.

    Returns
    -------
    numpy.ndarray
        Same shape as *x*; every slice along *axis* is a probability vector.
        A new array, or *out*. *x* is never modified (unless it is *out*).

    Raises
    ------
    TypeError
        If *x* is bool, complex, object or string, *axis* is not an integer,
        a tuple of integers or None, *where* is not boolean, or *out* is not
        an ndarray of the result's dtype.
    ValueError
        If *x* is 0-d, *axis* is out of range (``numpy.exceptions.AxisError``,
        a ``ValueError``) or repeats an axis, *temperature* is not a finite
        number > 0, *where* does not broadcast to *x*, or *out* has the wrong
        shape, is read-only or partly overlaps *x*.

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
    exponential in (0, 1], so nothing overflows. The rounding error of the
    subtraction is recovered exactly and put back (a compensated shift), and
    float32 is computed in float64 and rounded once, so the error stays below
    4 ulps in float64 and about half an ulp in float32 whatever the spread of
    the scores (``tests/test_accuracy_harness.py``; ``benchmarks/``). A
    temperature other than 1 first rounds ``x / T`` (to float64, for
    float32 and float16 input as for float64): the result is the softmax of
    the rounded quotient.

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
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> buffer = np.empty_like(x)
    >>> sl.softmax(x, out=buffer) is buffer               # no allocation
    True
    >>> sl.softmax([1.0, 2.0, np.nan], where=[True, True, False]).round(3)   # JAX's where=
    array([0.269, 0.731, 0.   ])
    >>> sl.softmax(np.zeros((2, 2)), axis=None)            # the whole array sums to 1
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return _apply("softmax", x, axis, temperature, out, where)


def log_softmax(
    x: ArrayLike,
    axis: int | tuple[int, ...] | None = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Logarithm of :func:`softmax`, computed without ever taking ``log(0)``.

    Parameters
    ----------
    x : array_like
        Real scores (logits), at least 1-d.
    axis : int, tuple of ints or None, default -1
        The axis (or axes; None for all) to normalise along, as in :func:`softmax`.
    temperature : float, default 1.0
        Divides the scores first; a finite number > 0.
    where : array_like of bool, optional
        As in :func:`softmax`; entries where it is False get -inf.
    out : numpy.ndarray, optional
        Where to write the result, as in :func:`softmax` (``out=x`` is safe).

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
    round it to exactly 0.0, as scipy and PyTorch do. The shift's rounding
    error ``c`` is added back at the end, ``((z - log1p(tail)) + c)``, which
    keeps the error within 2 ulps everywhere, the maximum included.

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
    >>> sl.log_softmax([0.0, 0.0, 5.0], where=[True, True, False]).round(4)
    array([-0.6931, -0.6931,    -inf])
    """
    return _apply("log_softmax", x, axis, temperature, out, where)


def logsumexp(
    x: ArrayLike,
    axis: int | tuple[int, ...] | None = -1,
    *,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: ArrayLike | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""``log(sum(exp(x)))`` along one axis (or several), without overflow or underflow.

    Parameters
    ----------
    x : array_like
        Real numbers, at least 1-d.
    axis : int, tuple of ints or None, default -1
        The axis (or axes) to reduce; None reduces every axis, which is
        scipy's default. The default -1 is JAX's.
    b : array_like, optional
        Real weights, broadcast against *x* (scipy's ``b=``): the result is
        ``log|sum(b * exp(x))|``. Weights may be negative or zero; an entry
        whose weight is 0 takes no part, whatever its value. With *b*, the
        reduction runs over the broadcast shape of *x* and *b*.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against *x*.
    return_sign : bool, default False
        Also return the sign of the sum (1, -1, or 0 for an empty or zero
        sum). Without it, a negative sum gives NaN, as in scipy.
    where : array_like of bool, optional
        Broadcastable to *x*; only entries where it is True take part (JAX's
        ``where=``). A slice with no True entry gives -inf.

    Returns
    -------
    lse : numpy.ndarray
        *x*'s shape without the reduced axes (or with length 1 there if
        *keepdims*).
    sign : numpy.ndarray
        Only if *return_sign*: the sign of the sum, same shape and dtype.

    Raises
    ------
    TypeError
        As :func:`softmax`; also if *b* is not real numbers, or *keepdims* or
        *return_sign* is not a bool.
    ValueError
        As :func:`softmax`; also if *b* does not broadcast against *x*.

    See Also
    --------
    log_softmax : equals ``x - logsumexp(x, keepdims=True)``.

    Notes
    -----
    .. math::

        \operatorname{lse}(z) = m + \log\Bigl(1 + \sum_{j \ne k} e^{z_j - m}\Bigr), \qquad m = z_k = \max_j z_j.

    Unlike softmax, log-sum-exp is **not** shift-invariant: adding ``c`` to
    every entry adds ``c`` to the result, ``lse(z + c) = lse(z) + c``.

    One rule for the edges, whatever the length of the slice: a slice
    holding NaN gives NaN; otherwise a slice holding +inf gives +inf (the sum
    is infinite, nothing is ambiguous; scipy, JAX and PyTorch agree); an empty
    slice or one that is entirely -inf gives -inf (the log of an empty sum).
    With weights, the +inf entries of a slice decide alone: all their
    weights of one sign give +inf with that sign, both signs give NaN
    (inf - inf). softmax and log_softmax of a slice holding +inf stay NaN:
    inf / inf has no value.

    Where scipy (1.17 here) differs: an entry of weight 0 takes no part here
    even when it is +inf, or NaN in a slice holding +inf, where scipy gives
    NaN (``logsumexp([inf], b=[0])`` is -inf with sign 0 here, NaN in
    scipy); and the sign of an empty slice is 0 here, -1 in scipy. Both
    follow from the rule that a weight of 0 removes the entry.

    The weighted sum is computed in float64 (or wider) from the shifted
    exponentials; when weights of both signs nearly cancel, the result
    is ill-conditioned and its relative error grows accordingly.

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
    >>> float(sl.logsumexp([1.0, np.inf]))       # +inf, not NaN
    inf
    >>> lse, sign = sl.logsumexp([0.0, 0.0], b=[1.0, -2.0], return_sign=True)   # log|1 - 2|
    >>> float(lse), float(sign)
    (0.0, -1.0)
    >>> float(sl.logsumexp(np.zeros((2, 3)), axis=None))   # log 6
    1.791759469228055
    """
    keepdims = check_bool(keepdims, "keepdims")
    return_sign = check_bool(return_sign, "return_sign")
    if b is None:
        reduced = _apply("logsumexp", x, axis, 1.0, None, where)
        with np.errstate(invalid="ignore"):
            sign = np.where(reduced == -np.inf, 0.0, np.where(np.isnan(reduced), np.nan, 1.0)).astype(reduced.dtype)
    else:
        reduced, sign = _logsumexp_weighted(x, axis, b, where)
    if not return_sign:
        with np.errstate(invalid="ignore"):
            reduced = np.where(sign < 0, np.nan, reduced).astype(reduced.dtype)  # log of a negative sum
    if not keepdims:
        reduced, sign = _squeeze(reduced, axis), _squeeze(sign, axis)
    return (reduced, sign) if return_sign else reduced


def _squeeze(a: np.ndarray, axis: int | tuple[int, ...] | None) -> np.ndarray:
    """Drop the length-1 axes a keepdims reduction over *axis* left (they were validated already)."""
    axes = check_axes(axis, a.ndim)
    return np.squeeze(a, axis=axes)


def _logsumexp_weighted(
    x: ArrayLike, axis: int | tuple[int, ...] | None, b: ArrayLike | None, where: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray]:
    """``log|sum(b exp(x))|`` and its sign over *axis* (kept with length 1), scipy's semantics.

    *x* and *b* broadcast together; an entry whose weight is 0 (or where *where*
    is False) takes no part, whatever its value.
    """
    work, dtype = as_float_array(x, "x")
    if b is None:
        weights, b_dtype = np.ones((), dtype=work.dtype), dtype
    else:
        weights, b_dtype = as_float_array(b, "b", min_ndim=0)
    try:
        shape = np.broadcast_shapes(work.shape, weights.shape)
    except ValueError:
        raise ValueError(f"b of shape {weights.shape} does not broadcast against x's shape {work.shape}") from None
    axes = check_axes(axis, len(shape))
    ct = np.promote_types(np.promote_types(work.dtype, weights.dtype), np.float64)
    a = np.broadcast_to(work, shape).astype(ct)
    w = np.broadcast_to(weights, shape).astype(ct)
    if where is not None:
        w = np.where(check_where(where, shape), w, 0.0)
    takes_part = w != 0  # NaN weights take part, and spread NaN
    a = np.where(takes_part, a, -np.inf)
    with np.errstate(invalid="ignore", over="ignore"):
        m = (
            np.max(a, axis=axes, keepdims=True)
            if a.size
            else np.full(tuple(1 if i in axes else n for i, n in enumerate(shape)), -np.inf, dtype=ct)
        )
        # A slice holding +inf: only its +inf entries count, each with the sign of its weight;
        # weights of both signs there give inf - inf = NaN.
        at_inf = m == np.inf
        infinite = a == np.inf  # the +inf entries that take part; in a slice holding one, they alone count
        a = np.where(at_inf, np.where(infinite, 0.0, -np.inf), a)
        w = np.where(at_inf, np.sign(w), w)
        # Shift by the largest term a + log|b|, not by max(a): a tiny weight on a large score must
        # not set the shift, or log(sum) + shift cancels (a = [1e-5, 257], b = [1, 1e-192]).
        with np.errstate(divide="ignore"):
            aw = a + np.log(np.abs(w))
        top = np.max(aw, axis=axes, keepdims=True) if aw.size else m
        shift = np.where(np.isfinite(top), top, 0.0)
        s = np.sum(np.sign(w) * np.exp(aw - shift), axis=axes, keepdims=True, dtype=WIDE_SUM).astype(ct)
        both_signs = at_inf & (
            np.any((w > 0) & infinite, axis=axes, keepdims=True) & np.any((w < 0) & infinite, axis=axes, keepdims=True)
        )
        s = np.where(both_signs, np.nan, s)
        with np.errstate(divide="ignore"):
            reduced = np.log(np.abs(s)) + np.where(at_inf, np.inf, shift)
        reduced = np.where(at_inf & ~np.isnan(s), np.inf, reduced)
        sign = np.sign(s)
    out_dtype = np.result_type(dtype, b_dtype)
    return restore_dtype(reduced, out_dtype), restore_dtype(sign, out_dtype)


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
    work, dtype = as_float_array(x, "x")
    work = work.astype(dtype, copy=False)  # float16 stays float16: its overflow is the point
    axis = check_axis(axis, work.ndim)
    e = np.exp(work)
    return e / np.sum(e, axis=axis, keepdims=True)

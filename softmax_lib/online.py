"""Online softmax and tiled (FlashAttention-style) attention.

The safe softmax of chapter 2 reads its input three times: once for the
maximum, once for the sum of exponentials, once more to write the output.
Milakov and Gimelshein (2018) noticed that the maximum and the sum can be
found together in a single pass, if the running sum is rescaled every time
the running maximum grows. The pair (running maximum, rescaled sum) is a
*softmax state*; two states merge into the state of the union of their
inputs, and that merge is associative and commutative, so blocks of a row can
be reduced in any order, grouping or in parallel.

Attention applies the same idea to a whole row of scores *and* the weighted
sum of values: FlashAttention (Dao et al. 2022) keeps a running maximum, a
running denominator and a running, rescaled output for each block of
queries, visits the keys block by block, and never holds the full
``Lq x Lk`` matrix of scores.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_axis, check_int, restore_dtype
from .attention import _check_mask, _check_qkv  # one home for attention's conventions

__all__ = [
    "SoftmaxState",
    "softmax_state",
    "merge_softmax_states",
    "online_softmax",
    "tiled_attention",
]


class SoftmaxState(NamedTuple):
    r"""What a streaming softmax remembers about the scores seen so far.

    For a collection of scores :math:`X` (along one axis), the state is the
    pair

    .. math::

        m(X) = \max_{x \in X} x, \qquad s(X) = \sum_{x \in X} e^{x - m(X)},

    so that :math:`\sum_{x \in X} e^{x} = s(X)\, e^{m(X)}` without ever
    forming a number as large as :math:`e^{\max X}`. The empty collection
    (and a fully masked one) has the state ``(-inf, 0)``, the identity of
    :func:`merge_softmax_states`.

    Build one with :func:`softmax_state`; combine two with
    :func:`merge_softmax_states`.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> st = sl.softmax_state([1.0, 2.0, 3.0])
    >>> float(st.max), round(float(st.sum), 6)
    (3.0, 1.503215)
    >>> round(float(st.logsumexp()), 6)      # the same as sl.logsumexp
    3.407606
    """

    #: Running maximum :math:`m` of the scores (``-inf`` if there are none).
    max: np.ndarray
    #: Sum of :math:`e^{x - m}` over the scores (0 if there are none).
    sum: np.ndarray

    def logsumexp(self) -> np.ndarray:
        r"""Return :math:`\log \sum_x e^{x} = m + \log s` (``-inf`` for the empty state)."""
        m = np.asarray(self.max)
        s = np.asarray(self.sum)
        with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for no scores
            return m + np.log(s)


def _safe_shift(m: np.ndarray) -> np.ndarray:
    """The number to subtract before exponentiating, given the running maximum *m*.

    A maximum of -inf (nothing seen yet, or everything masked) is replaced by
    0, so that ``-inf - shift`` stays -inf instead of becoming NaN; a maximum
    of +inf has no meaningful distribution and becomes NaN (as in the core),
    which avoids numpy's ``inf - inf`` warning and gives NaN in that slice.
    """
    return np.where(m == -np.inf, 0.0, np.where(m == np.inf, np.nan, m)).astype(m.dtype, copy=False)


def _along(axis: int, ndim: int, start: int, stop: int) -> tuple[slice, ...]:
    """Index selecting ``start:stop`` along *axis* and everything elsewhere."""
    return (slice(None),) * axis + (slice(start, stop),) + (slice(None),) * (ndim - axis - 1)


def softmax_state(x: ArrayLike, axis: int = -1) -> SoftmaxState:
    r"""The softmax state ``(max, sum of exp(x - max))`` of scores along one axis.

    Parameters
    ----------
    x : array_like
        Real scores, at least 1-d. -inf entries are masked (they add nothing).
    axis : int, default -1
        The axis to reduce.

    Returns
    -------
    SoftmaxState
        ``max`` and ``sum``, each with *x*'s shape without *axis*, in the
        working dtype (float16 input gives float32 states, so that sums of
        many blocks do not lose precision).

    Raises
    ------
    TypeError, ValueError
        As :func:`softmax`.

    See Also
    --------
    merge_softmax_states : combine the states of two blocks.
    logsumexp : equals ``softmax_state(x).logsumexp()``.

    Notes
    -----
    .. math::

        m = \max_j x_j, \qquad s = \sum_j e^{x_j - m}.

    Edge cases follow the core: an empty axis or an all -inf slice gives the
    identity state ``(-inf, 0)``; a slice containing +inf or NaN gives a sum
    of NaN (and a NaN maximum for NaN).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.softmax_state([[0.0, 0.0], [-np.inf, -np.inf]])
    SoftmaxState(max=array([  0., -inf]), sum=array([2., 0.]))
    """
    work, _ = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    if work.shape[axis] == 0:
        shape = work.shape[:axis] + work.shape[axis + 1 :]
        return SoftmaxState(np.full(shape, -np.inf, dtype=work.dtype), np.zeros(shape, dtype=work.dtype))
    m = np.max(work, axis=axis, keepdims=True)
    s = np.sum(np.exp(work - _safe_shift(m)), axis=axis, keepdims=True)
    return SoftmaxState(np.squeeze(m, axis=axis), np.squeeze(s, axis=axis))


def merge_softmax_states(a: tuple[ArrayLike, ArrayLike], b: tuple[ArrayLike, ArrayLike]) -> SoftmaxState:
    r"""Combine the softmax states of two blocks into the state of both.

    Parameters
    ----------
    a, b : SoftmaxState or tuple of two array_like
        ``(max, sum)`` pairs, for example from :func:`softmax_state`; their
        shapes broadcast against each other.

    Returns
    -------
    SoftmaxState
        The state of the union of the two blocks.

    Raises
    ------
    TypeError
        If *a* or *b* is not a pair of real numbers or arrays.

    See Also
    --------
    softmax_state, online_softmax

    Notes
    -----
    .. math::

        (m_1, s_1) \oplus (m_2, s_2) = \bigl(m,\; s_1 e^{m_1 - m} + s_2 e^{m_2 - m}\bigr),
        \qquad m = \max(m_1, m_2).

    Both exponents are :math:`\le 0`, so nothing overflows. In exact
    arithmetic the merge is commutative and associative with identity
    ``(-inf, 0)``: the map :math:`(m, s) \mapsto s e^{m}` turns it into
    ordinary addition of sums of exponentials. So the blocks of a row can be
    merged in any order and any grouping (a sequential scan, a tree, many
    threads), and every grouping gives the same state up to rounding. In
    floating point it is exactly commutative and merging with the identity is
    exact; different groupings agree to a few units in the last place.

    The case ``m1 = m2 = -inf`` (two empty or fully masked blocks) is
    handled: the rescale factors are taken as 0 rather than
    ``exp(-inf - (-inf)) = exp(NaN)``.

    References
    ----------
    - M. Milakov and N. Gimelshein, "Online normalizer calculation for
      softmax", arXiv:1805.02867, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> x = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    >>> both = sl.merge_softmax_states(sl.softmax_state(x[:2]), sl.softmax_state(x[2:]))
    >>> whole = sl.softmax_state(x)
    >>> float(both.max), bool(np.isclose(both.sum, whole.sum))
    (5.0, True)
    >>> sl.merge_softmax_states((-np.inf, 0.0), (2.0, 1.5))     # the identity changes nothing
    SoftmaxState(max=array(2.), sum=array(1.5))
    """
    (m1, s1), (m2, s2) = (_as_state(a, "a"), _as_state(b, "b"))
    m = np.maximum(m1, m2)
    shift = _safe_shift(m)
    s = s1 * np.exp(m1 - shift) + s2 * np.exp(m2 - shift)
    return SoftmaxState(np.asarray(m), np.asarray(s))


def _as_state(state: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        m, s = state  # type: ignore[misc]
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a softmax state, a pair (max, sum); got {state!r:.80}"
        ) from None
    m_arr, _ = as_float_array(m, f"{name}.max", min_ndim=0)
    s_arr, _ = as_float_array(s, f"{name}.sum", min_ndim=0)
    return m_arr, s_arr


def online_softmax(x: ArrayLike, axis: int = -1, *, chunk: int = 1024) -> np.ndarray:
    r"""Softmax in two passes over memory: one streaming pass for the normalizer, one to write.

    Parameters
    ----------
    x : array_like
        Real scores, at least 1-d.
    axis : int, default -1
        The axis along which the result sums to 1.
    chunk : int, default 1024
        How many entries along *axis* are read at a time (an integer >= 1;
        the last chunk may be shorter). Only the speed and the working memory
        depend on it: the result is the softmax for every *chunk*.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype policy as :func:`softmax`. A new array.

    Raises
    ------
    TypeError
        As :func:`softmax`, or if *chunk* is not an integer.
    ValueError
        As :func:`softmax`, or if *chunk* < 1.

    See Also
    --------
    softmax : the three-pass safe softmax this one agrees with.
    merge_softmax_states : one step of the first pass, for two whole blocks.

    Notes
    -----
    First pass, over the chunks :math:`B_1, B_2, \dots` of the axis, starting
    from :math:`m_0 = -\infty,\ s_0 = 0`:

    .. math::

        m_t = \max\bigl(m_{t-1}, \max_{j \in B_t} x_j\bigr), \qquad
        s_t = s_{t-1}\, e^{m_{t-1} - m_t} + \sum_{j \in B_t} e^{x_j - m_t}.

    After the last chunk, :math:`m = \max_j x_j` and :math:`s = \sum_j e^{x_j - m}`
    (Milakov and Gimelshein 2018). The second pass writes
    :math:`e^{x_i - m} / s`; short of keeping the whole row in fast memory,
    no algorithm can avoid it, because every output depends on the sum of
    all inputs. The safe softmax needs one more pass
    (a separate one for the maximum): 3 reads and 1 write per entry against 2
    reads and 1 write here. Working memory beyond the output is a few chunks.

    Accuracy: float32 and float16 are computed in float64 a chunk at a time
    and rounded once; float64 uses a compensated shift (TwoSum recovers the
    rounding error of ``x - m``, which ``exp`` would otherwise amplify to
    about ``|x - m| / 2`` ulps). What remains is the rounding of the running
    sum, a sequential sum of one partial sum per chunk, whose error grows
    with ``n_chunks``. Measured against 40-digit mpmath on random,
    increasing, decreasing and widely spread rows of 1 000 and 10 000
    entries with ``chunk`` = 1, 7 and 1024: float32 relative errors stayed
    within 0.5 eps (the final rounding); float64 relative errors stayed below
    ``(3 + sqrt(n_chunks) / 2) * eps`` (at most 2.8 eps with
    ``chunk=1024``, 39 eps with 10 000 chunks of one entry). The tests pin
    twice that bound against mpmath. Against :func:`softmax` the difference
    is at most the sum of the two functions' errors; where the shift
    ``x - m`` is exact (both then exponentiate the same numbers) the tests
    pin it at ``2 * (4 + sqrt(n_chunks)) * eps``.

    Edge cases are those of :func:`softmax`: -inf entries get probability 0;
    a slice that is entirely -inf gives zeros (the rescale factor
    ``exp(m_old - m_new)`` with both -inf is taken as 0, not NaN); +inf or
    NaN gives NaN in that slice only; an empty axis gives an empty result.

    References
    ----------
    - M. Milakov and N. Gimelshein, "Online normalizer calculation for
      softmax", arXiv:1805.02867, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> x = np.array([5.0, 7.0, 10.0, 1000.0, -np.inf])
    >>> sl.online_softmax(x, chunk=2).round(3)
    array([0., 0., 0., 1., 0.])
    >>> y = np.random.default_rng(0).normal(size=(3, 1000))
    >>> bool(np.allclose(sl.online_softmax(y, chunk=7), sl.softmax(y), rtol=1e-13, atol=0))
    True
    """
    work, dtype = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    chunk = check_int(chunk, "chunk")
    n = work.shape[axis]
    if n == 0:
        return np.empty(work.shape, dtype=dtype)
    nd = work.ndim
    # float32 (and float16) are computed in float64 a chunk at a time, where
    # the shift x - m is exact to far below float32's precision; float64 gets
    # a compensated shift instead (see _exp_shifted).
    ct = np.promote_types(work.dtype, np.float64)
    state_shape = work.shape[:axis] + (1,) + work.shape[axis + 1 :]
    m = np.full(state_shape, -np.inf, dtype=ct)
    s = np.zeros(state_shape, dtype=ct)

    # Pass 1: one read of every entry, keeping only (m, s).
    for start in range(0, n, chunk):
        block = work[_along(axis, nd, start, start + chunk)].astype(ct, copy=False)
        m_new = np.maximum(m, np.max(block, axis=axis, keepdims=True))
        shift = _safe_shift(m_new)
        # exp(m - shift) <= 1 rescales the old sum to the new maximum; it is 0
        # (not NaN) while everything seen is -inf, because shift is then 0.
        s = s * np.exp(m - shift) + np.sum(_exp_shifted(block, shift), axis=axis, keepdims=True)
        m = m_new

    # Pass 2: one more read and the one write of the output. A fully masked
    # slice has s = 0 and exp(x - 0) = 0: divide by 1 there to get zeros.
    shift = _safe_shift(m)
    denom = np.where(s == 0, 1.0, s).astype(ct, copy=False)
    out = np.empty(work.shape, dtype=dtype)
    for start in range(0, n, chunk):
        index = _along(axis, nd, start, start + chunk)
        tile = _exp_shifted(work[index].astype(ct, copy=False), shift)
        np.divide(tile, denom, out=tile)
        out[index] = tile  # rounds once to the caller's dtype
    return out


def _exp_shifted(block: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``exp(block - shift)`` in a new array, without the rounding error of the subtraction.

    ``z = fl(x - m)`` is rounded, and ``exp`` turns an absolute error ``d`` in
    ``z`` into a relative error ``d`` in ``exp(z)``: about ``|z| / 2`` ulps,
    dozens for scores far below the maximum. Knuth's TwoSum recovers the
    rounding error ``c`` exactly (``x - m = z + c``), and
    ``exp(z + c) = exp(z) (1 + c)`` to first order puts it back (the same
    compensated shift as the core's).
    """
    z = np.subtract(block, shift)
    with np.errstate(invalid="ignore"):  # -inf - (-inf) for masked entries; fixed below
        t = z - block  # about -shift
        c = block - (z - t)  # the part of x that z lost ...
        c -= t + shift  # ... minus the part of -shift that z lost
    # A masked entry (-inf) or NaN gives c = NaN; its correction is 0, and
    # exp(z) is already 0 (or NaN) there.
    c[np.isnan(c)] = 0.0
    np.exp(z, out=z)
    z += z * c
    return z


def tiled_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    scale: float | None = None,
    causal: bool = False,
    block_q: int = 128,
    block_k: int = 128,
) -> np.ndarray:
    r"""Scaled dot-product attention computed tile by tile, never forming the ``Lq x Lk`` scores.

    The forward pass of FlashAttention (Dao et al. 2022) in numpy: for each
    block of ``block_q`` queries, visit the keys ``block_k`` at a time,
    keeping a running maximum, a running softmax denominator and a running
    (unnormalised) output, each rescaled when the maximum grows. The result
    is the same as :func:`attention`; the working memory is
    ``O(block_q * block_k + block_q * dv)`` per batch entry besides the
    output, instead of ``O(Lq * Lk)``.

    Parameters
    ----------
    q : array_like
        Queries, shape ``(..., Lq, d)``.
    k : array_like
        Keys, shape ``(..., Lk, d)``.
    v : array_like
        Values, shape ``(..., Lk, dv)``. The leading axes of *q*, *k* and *v*
        broadcast against each other.
    mask : array_like of bool, optional
        Broadcastable to ``(..., Lq, Lk)``; ``True`` means the query may
        attend to the key (PyTorch's convention). Tiles whose mask is all
        False are skipped.
    scale : float, optional
        Multiplies the scores; a finite number > 0. Defaults to ``1 / sqrt(d)``.
    causal : bool, default False
        If True, query ``i`` may attend only to keys ``j <= i`` (top-left
        aligned, like PyTorch's ``is_causal=True``); combined with *mask* by
        logical AND. Key tiles entirely above the diagonal are never
        computed, which saves about half of the work for long sequences.
    block_q, block_k : int, default 128
        Tile sizes along the queries and the keys (integers >= 1; they need
        not divide ``Lq`` or ``Lk``).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., Lq, dv)``; dtype as :func:`attention` (the common
        floating dtype of the inputs; float16 converted to float32).

    Raises
    ------
    TypeError
        If an input is not real numbers, *mask* is not boolean, *causal* is
        not a bool, or a block size is not an integer.
    ValueError
        If shapes do not match (as :func:`attention`), *scale* is not a
        finite number > 0, or a block size is < 1.

    See Also
    --------
    attention : the plain version, which forms every score at once.
    online_softmax : the same running-maximum idea for a single softmax.

    Notes
    -----
    For one query with scores :math:`x_j = \text{scale}\; q \cdot k_j`, after
    the key tiles :math:`B_1, \dots, B_t`:

    .. math::

        m_t &= \max\bigl(m_{t-1}, \max_{j \in B_t} x_j\bigr), \\
        \ell_t &= e^{m_{t-1} - m_t}\, \ell_{t-1} + \sum_{j \in B_t} e^{x_j - m_t}, \\
        o_t &= e^{m_{t-1} - m_t}\, o_{t-1} + \sum_{j \in B_t} e^{x_j - m_t}\, v_j,

    from :math:`m_0 = -\infty,\ \ell_0 = 0,\ o_0 = 0`, and the output is
    :math:`o / \ell`, divided once at the end (as in FlashAttention-2,
    Dao 2023). By induction :math:`\ell_t = \sum_{j \le t} e^{x_j - m_t}` and
    :math:`o_t = \sum_{j \le t} e^{x_j - m_t} v_j`, so :math:`o/\ell` is
    exactly :math:`\sum_j \operatorname{softmax}(x)_j v_j`.

    A query that may attend to no key (a fully masked row, or ``Lk = 0``)
    gets zeros, as in :func:`attention` and PyTorch 2.13. NaN or +inf in *q*
    or *k* gives NaN in the affected rows. Against :func:`attention` and
    ``torch.nn.functional.scaled_dot_product_attention`` in float64 the
    results differ by a few units in the last place of ``max |v|`` (measured
    at most ``6.7e-15`` for values of size about 1; the tests pin
    ``rtol=1e-12, atol=1e-13``): the order of the additions differs, nothing else.

    References
    ----------
    - T. Dao, D. Y. Fu, S. Ermon, A. Rudra and C. Re, "FlashAttention:
      fast and memory-efficient exact attention with IO-awareness",
      NeurIPS, 2022.
    - T. Dao, "FlashAttention-2: faster attention with better
      parallelism and work partitioning", arXiv:2307.08691, 2023.
    - M. N. Rabe and C. Staats, "Self-attention does not need O(n^2)
      memory", arXiv:2112.05682, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.normal(size=(5, 4)), rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    >>> out = sl.tiled_attention(q, k, v, causal=True, block_q=2, block_k=3)
    >>> out.shape
    (5, 3)
    >>> out[0].round(4)          # the first query sees only the first key: v[0]
    array([1.8016, 1.3151, 0.3574])
    >>> v[0].round(4)
    array([1.8016, 1.3151, 0.3574])
    """
    if not isinstance(causal, (bool, np.bool_)):
        raise TypeError(f"causal must be True or False; got {causal!r}")
    block_q = check_int(block_q, "block_q")
    block_k = check_int(block_k, "block_k")
    q_work, k_work, v_work, dtype, lead, scale = _check_qkv(q, k, v, scale)
    n_queries, n_keys, dv = q_work.shape[-2], k_work.shape[-2], v_work.shape[-1]
    score_shape = lead + (n_queries, n_keys)
    # A read-only broadcast view: slicing it per tile never copies the whole mask.
    keep = None if mask is None else np.broadcast_to(_check_mask(mask, score_shape), score_shape)

    work_dtype = q_work.dtype
    scale_w = np.asarray(scale, dtype=work_dtype)
    neg_inf = np.asarray(-np.inf, dtype=work_dtype)
    k_t = np.swapaxes(k_work, -1, -2)  # a view: no copy of the keys

    out = np.zeros(lead + (n_queries, dv), dtype=work_dtype)
    for q0 in range(0, n_queries, block_q):
        q1 = min(q0 + block_q, n_queries)
        q_blk = q_work[..., q0:q1, :]
        m = np.full(lead + (q1 - q0, 1), -np.inf, dtype=work_dtype)  # running maximum
        ell = np.zeros(lead + (q1 - q0, 1), dtype=work_dtype)  # running denominator
        acc = np.zeros(lead + (q1 - q0, dv), dtype=work_dtype)  # running, unnormalised output
        # With causal=True, key j is visible to query i only if j <= i: the
        # last query of this block (q1 - 1) sees nothing beyond key q1 - 1.
        k_stop = min(n_keys, q1) if causal else n_keys
        for k0 in range(0, k_stop, block_k):
            k1 = min(k0 + block_k, n_keys)
            tile_keep = None
            if keep is not None:
                tile_keep = keep[..., q0:q1, k0:k1]
                if not tile_keep.any():
                    continue  # a tile nobody may attend to adds nothing
            if causal and k1 - 1 > q0:  # the tile crosses the diagonal
                tri = np.arange(k0, k1)[None, :] <= np.arange(q0, q1)[:, None]
                tile_keep = tri if tile_keep is None else np.logical_and(tile_keep, tri)
            scores = np.matmul(q_blk, k_t[..., :, k0:k1]) * scale_w
            if tile_keep is not None:
                scores = np.where(tile_keep, scores, neg_inf)
            m_new = np.maximum(m, np.max(scores, axis=-1, keepdims=True))
            shift = _safe_shift(m_new)
            p = np.exp(scores - shift)
            alpha = np.exp(m - shift)  # rescales what was accumulated under the old maximum
            ell = alpha * ell + np.sum(p, axis=-1, keepdims=True)
            acc = alpha * acc + np.matmul(p, v_work[..., k0:k1, :])
            m = m_new
        # A query that saw no key has ell = 0 and acc = 0: divide by 1 to give zeros.
        out[..., q0:q1, :] = acc / np.where(ell == 0, 1.0, ell).astype(work_dtype, copy=False)
    return restore_dtype(out, dtype)

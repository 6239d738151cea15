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
queries and never holds the full ``Lq x Lk`` matrix of scores. Here the
loops are in FlashAttention-2's order (Dao 2023): each block of queries
visits the keys block by block.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import ArrayLike

from . import core  # the compensated shift lives there, once
from ._validation import as_float_array, check_axis, check_int, restore_dtype
from .attention import _check_mask, _check_qkv  # one home for attention's conventions

__all__ = [
    "SoftmaxState",
    "softmax_state",
    "merge_softmax_states",
    "online_softmax",
    "tiled_attention",
    "tiled_attention_backward",
    "merge_attention_states",
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
    shift = np.array(m, dtype=np.result_type(m, np.float32), copy=True)
    shift[shift == -np.inf] = 0.0  # nothing seen yet: exp(-inf - 0) = 0, not NaN
    shift[shift == np.inf] = np.nan  # no distribution: NaN in this slice only
    return shift


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
        m, s = cast(Any, state)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a softmax state, a pair (max, sum); got {state!r:.80}") from None
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
    and rounded once, where the shift is exact enough without compensation;
    float64 uses the core's compensated shift (TwoSum recovers the
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
    out = np.empty(work.shape, dtype=dtype)
    if n == 0:
        return out
    # Work on the axis as the last one (views, no copies); each chunk is then
    # made a 2-d block of rows, the form the core's compensated shift takes.
    rows_in = np.moveaxis(work, axis, -1)
    rows_out = np.moveaxis(out, axis, -1)
    lead = rows_in.shape[:-1]
    n_rows = math.prod(lead)
    # float32 (and float16) are computed in float64, where the shift x - m is
    # exact to far below float32's precision: no compensation needed. float64
    # gets the core's compensated shift (TwoSum).
    ct = np.promote_types(work.dtype, np.float64)
    compensate = core.COMPENSATE and ct == work.dtype
    buf = _shift_buffers((n_rows, min(chunk, n)), ct, compensate)
    m = np.full((n_rows, 1), -np.inf, dtype=ct)
    s = np.zeros((n_rows, 1), dtype=ct)

    # Pass 1: one read of every entry, keeping only (m, s).
    for start in range(0, n, chunk):
        block = rows_in[..., start : start + chunk]
        block = block.reshape(n_rows, block.shape[-1])  # explicit width: n_rows may be 0
        m_new = np.maximum(m, np.max(block, axis=-1, keepdims=True))
        shift = _safe_shift(m_new)
        # exp(m - shift) <= 1 rescales the old sum to the new maximum; it is 0
        # (not NaN) while everything seen is -inf, because shift is then 0.
        s = s * np.exp(m - shift) + np.sum(_exp_shifted(block, shift, buf, compensate), axis=-1, keepdims=True)
        m = m_new

    # Pass 2: one more read and the one write of the output. A fully masked
    # slice has s = 0 and exp(x - 0) = 0: divide by 1 there to get zeros.
    shift = _safe_shift(m)
    denom = np.where(s == 0, 1.0, s).astype(ct, copy=False)
    for start in range(0, n, chunk):
        block = rows_in[..., start : start + chunk]
        tile = _exp_shifted(block.reshape(n_rows, block.shape[-1]), shift, buf, compensate)
        np.divide(tile, denom, out=tile)
        rows_out[..., start : start + chunk] = tile.reshape(block.shape)  # rounds once to the caller's dtype
    return out


def _shift_buffers(shape: tuple[int, int], ct: np.dtype, compensate: bool) -> dict[str, np.ndarray]:
    """Scratch arrays of one chunk for :func:`core._shifted` (names as it expects)."""
    names = ["z", "t", "c"] if compensate else ["z"]
    buf = {name: np.empty(shape, dtype=ct) for name in names}
    if compensate:
        buf["nan"] = np.empty(shape, dtype=bool)
    return buf


def _exp_shifted(block: np.ndarray, shift: np.ndarray, buf: dict[str, np.ndarray], compensate: bool) -> np.ndarray:
    """``exp(block - shift)`` for a 2-d *block*, into the scratch buffer ``buf["z"]``.

    The shift itself is the core's (:func:`softmax_lib.core._shifted`): with
    *compensate* it returns ``z`` and ``c`` with ``z + c = x - shift`` exactly
    (TwoSum), and ``exp(z + c) = exp(z) (1 + c)`` to first order puts back
    the rounding error of the subtraction, which ``exp`` would otherwise
    amplify to about ``|z| / 2`` ulps. Without it (float32 input computed in
    float64) ``c`` is None and the shift is already exact enough.
    """
    with np.errstate(invalid="ignore"):  # -inf - (-inf) of masked entries: handled by the core
        z, c = core._shifted(block, shift, 1.0, buf, compensate)
    np.exp(z, out=z)
    if c is not None:
        k, w = z.shape
        z += np.multiply(z, c, out=buf["t"][:k, :w])  # t is free scratch once c is known
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
    return_lse: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention computed tile by tile, never forming the ``Lq x Lk`` scores.

    The forward pass of FlashAttention (Dao et al. 2022) in numpy, with the
    loops in FlashAttention-2's order (Dao 2023; the first version had the
    key blocks outside): for each block of ``block_q`` queries, visit the
    keys ``block_k`` at a time,
    keeping a running maximum, a running softmax denominator and a running
    (unnormalised) output, each rescaled when the maximum grows. The result
    is the same as :func:`attention`; the working memory is
    ``O(block_q * block_k + (block_q + block_k) * d)`` per batch entry
    besides the output (a tile of scores and the tiles of queries, keys,
    values and output), instead of ``O(Lq * Lk)``.

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
    return_lse : bool, default False
        If True, also return the log-sum-exp of each query's scaled, masked
        scores, which is all that :func:`tiled_attention_backward` needs to
        recompute the attention weights.

    Returns
    -------
    out : numpy.ndarray
        Shape ``(..., Lq, dv)``; dtype as :func:`attention` (the common
        floating dtype of the inputs; float16 converted to float32).
    lse : numpy.ndarray
        Only if *return_lse*: shape ``(..., Lq)``,
        :math:`\operatorname{lse}_i = m_i + \log \ell_i = \log \sum_j e^{x_{ij}}`
        over the keys query ``i`` may attend to; ``-inf`` for a query that may
        attend to none (whose output is 0). In the working dtype (float32
        for float16 input, as FlashAttention keeps it): float16 would round
        *lse* by up to ``|lse| * 2**-11``, and that absolute error becomes a
        relative error of the same size in every weight recomputed from it.

    Raises
    ------
    TypeError
        If an input is not real numbers, *mask* is not boolean, *causal* or
        *return_lse* is not a bool, or a block size is not an integer.
    ValueError
        If shapes do not match (as :func:`attention`), *scale* is not a
        finite number > 0, or a block size is < 1.

    See Also
    --------
    attention : the plain version, which forms every score at once.
    tiled_attention_backward : the gradients, from the output and *lse*.
    merge_attention_states : combine the ``(out, lse)`` of two key blocks.
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
    Dao 2023), and :math:`\operatorname{lse} = m + \log \ell`. By induction
    :math:`\ell_t = \sum_{j \le t} e^{x_j - m_t}` and
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
    >>> out, lse = sl.tiled_attention(q, k, v, block_q=2, block_k=3, return_lse=True)
    >>> scores = q @ k.T / np.sqrt(4)
    >>> bool(np.allclose(lse, sl.logsumexp(scores, axis=-1)))
    True
    """
    _check_flags(causal=causal, return_lse=return_lse)
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
    lse = np.full(lead + (n_queries,), -np.inf, dtype=work_dtype) if return_lse else None
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
        if lse is not None:
            with np.errstate(divide="ignore"):  # log(0) = -inf: no key for this query
                lse[..., q0:q1] = (m + np.log(ell))[..., 0]
    out = restore_dtype(out, dtype)
    return (out, lse) if lse is not None else out


def _check_flags(**flags: object) -> None:
    for name, flag in flags.items():
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {flag!r}")


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum *grad* over the leading axes that broadcasting added to an input of *shape*."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def _check_like(arr: ArrayLike, name: str, shape: tuple[int, ...], what: str, dtype: np.dtype) -> np.ndarray:
    work, _ = as_float_array(arr, name, min_ndim=1)
    if work.shape != shape:
        raise ValueError(f"{name} must have shape {shape} ({what}); got shape {work.shape}")
    return work.astype(np.result_type(work.dtype, dtype), copy=False)


def tiled_attention_backward(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    o: ArrayLike,
    lse: ArrayLike,
    do: ArrayLike,
    *,
    scale: float | None = None,
    causal: bool = False,
    mask: ArrayLike | None = None,
    block_q: int = 128,
    block_k: int = 128,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of attention with respect to q, k and v, tile by tile, from the output and its lse.

    The backward pass of FlashAttention-2 (Dao 2023) in numpy. The forward
    pass kept only the output ``o`` and the per-query log-sum-exp ``lse``
    (``tiled_attention(..., return_lse=True)``); the weights
    :math:`P = \operatorname{softmax}(S)` are never stored but recomputed one
    ``block_q x block_k`` tile at a time as :math:`e^{S - \operatorname{lse}}`,
    so the working memory is ``O(block_q * block_k + (block_q + block_k) * d)``
    besides the gradients and two numbers per query (``lse`` and
    :math:`D`), instead of the ``O(Lq * Lk)`` of a backward pass
    that saves ``P``.

    Parameters
    ----------
    q, k, v : array_like
        The forward pass's inputs, as in :func:`tiled_attention`.
    o : array_like
        The forward pass's output, shape ``(..., Lq, dv)`` (the broadcast
        leading shape of *q*, *k*, *v*).
    lse : array_like
        The forward pass's log-sum-exp, shape ``(..., Lq)``; ``-inf`` marks a
        query that attended to no key (its gradients are 0).
    do : array_like
        The gradient of the loss with respect to the output, shape of *o*.
    scale, causal, mask, block_q, block_k
        As in :func:`tiled_attention`; *scale*, *causal* and *mask* must be
        those of the forward pass. The block sizes may differ from it.

    Returns
    -------
    dq, dk, dv : numpy.ndarray
        The gradients, with the shapes of *q*, *k* and *v* (summed over the
        leading axes that broadcasting added), in the common dtype of
        *q*, *k*, *v* (float16 computed in float32).

    Raises
    ------
    TypeError
        As :func:`tiled_attention`, or if *o*, *lse* or *do* is not real numbers.
    ValueError
        As :func:`tiled_attention`, or if *o*, *lse* or *do* has the wrong shape.

    See Also
    --------
    tiled_attention : the forward pass that provides *o* and *lse*.

    Notes
    -----
    With :math:`S = \text{scale}\, Q K^\top` (masked entries :math:`-\infty`),
    :math:`P = \operatorname{softmax}(S)` row-wise and :math:`O = P V`, the
    chain rule gives

    .. math::

        dV = P^\top dO, \qquad dP = dO\, V^\top, \qquad
        dS = P \circ (dP - D\,\mathbf{1}^\top), \qquad
        dQ = \text{scale}\; dS\, K, \qquad dK = \text{scale}\; dS^\top Q,

    where :math:`D_i = \sum_j P_{ij}\, dP_{ij}` is the softmax Jacobian's
    :math:`p^\top g` for row ``i``. Since :math:`dP_{ij} = dO_i \cdot v_j`,

    .. math:: D_i = \sum_j P_{ij}\, dO_i \cdot v_j = dO_i \cdot O_i,

    a dot product of two rows that are already known, computed once before
    the loop. Each tile then needs only :math:`P_{ij} = e^{S_{ij} - \operatorname{lse}_i}`,
    which is exactly the softmax weight (no running maximum is needed: the
    log-sum-exp of the whole row is known). The loop order is
    FlashAttention-2's: key blocks outside, each accumulating its own
    :math:`dK_j, dV_j`; query blocks inside, adding into :math:`dQ_i`, the
    one result shared by all key blocks (FlashAttention-2 keeps it in main
    memory and, with key blocks on different multiprocessors, adds into it
    atomically; here the loop is sequential and the result deterministic).
    Tiles above the diagonal (*causal*) or entirely masked are skipped.

    A query with ``lse = -inf`` has :math:`P = 0` in every tile (its
    ``lse`` is replaced by ``+inf`` so that :math:`e^{S - \operatorname{lse}} = 0`
    without NaN), hence zero contributions: the gradients PyTorch 2.13's
    ``scaled_dot_product_attention`` gives for a fully masked row. Measured
    against torch autograd of that function in float64, the gradients agree
    to about ``1e-15`` relative to their largest entry (the tests pin
    ``rtol=1e-10`` with an absolute floor of ``1e-12`` times that entry).

    References
    ----------
    - T. Dao, "FlashAttention-2: faster attention with better
      parallelism and work partitioning", arXiv:2307.08691, 2023 (Algorithm 2).
    - T. Dao, D. Y. Fu, S. Ermon, A. Rudra and C. Re, "FlashAttention:
      fast and memory-efficient exact attention with IO-awareness",
      NeurIPS, 2022 (the recomputation of the backward pass).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.normal(size=(5, 4)), rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    >>> o, lse = sl.tiled_attention(q, k, v, causal=True, block_q=2, block_k=3, return_lse=True)
    >>> do = rng.normal(size=o.shape)
    >>> dq, dk, dv = sl.tiled_attention_backward(q, k, v, o, lse, do, causal=True, block_q=2, block_k=3)
    >>> dq.shape, dk.shape, dv.shape
    ((5, 4), (7, 4), (7, 3))
    >>> _, p = sl.attention(q, k, v, causal=True, return_weights=True)
    >>> bool(np.allclose(dv, p.T @ do))      # dV = P^T dO, without ever storing P
    True
    """
    _check_flags(causal=causal)
    block_q = check_int(block_q, "block_q")
    block_k = check_int(block_k, "block_k")
    q_work, k_work, v_work, dtype, lead, scale = _check_qkv(q, k, v, scale)
    n_queries, n_keys, dv_size = q_work.shape[-2], k_work.shape[-2], v_work.shape[-1]
    work_dtype = q_work.dtype
    out_shape = lead + (n_queries, dv_size)
    o_work = _check_like(o, "o", out_shape, "the output of the forward pass, (..., Lq, dv)", work_dtype)
    do_work = _check_like(do, "do", out_shape, "the gradient of the output, (..., Lq, dv)", work_dtype)
    lse_work = _check_like(lse, "lse", lead + (n_queries,), "one log-sum-exp per query, (..., Lq)", work_dtype)
    score_shape = lead + (n_queries, n_keys)
    keep = None if mask is None else np.broadcast_to(_check_mask(mask, score_shape), score_shape)

    scale_w = np.asarray(scale, dtype=work_dtype)
    neg_inf = np.asarray(-np.inf, dtype=work_dtype)
    # A query that saw no key (lse = -inf) must get P = 0: exp(S - (+inf)) = 0.
    lse_safe = np.where(lse_work == -np.inf, np.inf, lse_work)[..., None]
    # D_i = rowsum(dO * O) = rowsum(P * dP): chapter 5's p^T g, once per query.
    big_d = np.sum(do_work * o_work, axis=-1, keepdims=True)

    dq = np.zeros(lead + q_work.shape[-2:], dtype=work_dtype)
    dk = np.zeros(lead + k_work.shape[-2:], dtype=work_dtype)
    dv = np.zeros(lead + v_work.shape[-2:], dtype=work_dtype)
    for k0 in range(0, n_keys, block_k):
        k1 = min(k0 + block_k, n_keys)
        k_blk, v_blk = k_work[..., k0:k1, :], v_work[..., k0:k1, :]
        dk_blk = np.zeros(lead + (k1 - k0, k_work.shape[-1]), dtype=work_dtype)
        dv_blk = np.zeros(lead + (k1 - k0, dv_size), dtype=work_dtype)
        # causal: queries before k0 see none of these keys.
        q_start = (k0 // block_q) * block_q if causal else 0
        for q0 in range(q_start, n_queries, block_q):
            q1 = min(q0 + block_q, n_queries)
            tile_keep = None
            if keep is not None:
                tile_keep = keep[..., q0:q1, k0:k1]
                if not tile_keep.any():
                    continue
            if causal and k1 - 1 > q0:  # the tile crosses the diagonal
                tri = np.arange(k0, k1)[None, :] <= np.arange(q0, q1)[:, None]
                tile_keep = tri if tile_keep is None else np.logical_and(tile_keep, tri)
            q_blk, do_blk = q_work[..., q0:q1, :], do_work[..., q0:q1, :]
            scores = np.matmul(q_blk, np.swapaxes(k_blk, -1, -2)) * scale_w
            if tile_keep is not None:
                scores = np.where(tile_keep, scores, neg_inf)
            p = np.exp(scores - lse_safe[..., q0:q1, :])  # the softmax weights, recomputed
            dv_blk += np.matmul(np.swapaxes(p, -1, -2), do_blk)
            dp = np.matmul(do_blk, np.swapaxes(v_blk, -1, -2))
            ds = p * (dp - big_d[..., q0:q1, :])
            dq[..., q0:q1, :] += np.matmul(ds, k_blk) * scale_w
            dk_blk += np.matmul(np.swapaxes(ds, -1, -2), q_blk) * scale_w
        dk[..., k0:k1, :] = dk_blk
        dv[..., k0:k1, :] = dv_blk
    shapes = (np.shape(q), np.shape(k), np.shape(v))
    dq, dk, dv = (restore_dtype(_unbroadcast(g, shp), dtype) for g, shp in zip((dq, dk, dv), shapes, strict=True))
    return dq, dk, dv


def _as_attention_state(state: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        o, lse = cast(Any, state)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be an attention state, a pair (o, lse) as returned by "
            f"tiled_attention(..., return_lse=True); got {state!r:.80}"
        ) from None
    o_arr, _ = as_float_array(o, f"{name}.o", min_ndim=1)
    lse_arr, _ = as_float_array(lse, f"{name}.lse", min_ndim=0)
    try:
        np.broadcast_shapes(lse_arr.shape + (1,), o_arr.shape)
    except ValueError:
        raise ValueError(
            f"{name}.lse must have the shape of {name}.o without its last axis; got "
            f"{name}.o of shape {o_arr.shape} and {name}.lse of shape {lse_arr.shape}"
        ) from None
    return o_arr, lse_arr


def merge_attention_states(
    a: tuple[ArrayLike, ArrayLike], b: tuple[ArrayLike, ArrayLike]
) -> tuple[np.ndarray, np.ndarray]:
    r"""Combine the attention outputs over two disjoint sets of keys into the output over both.

    The step that split-K attention (Flash-Decoding) and ring attention use:
    each worker attends to its own block of keys and returns its normalised
    output and log-sum-exp; merging the pairs gives exactly the attention
    over all the keys.

    Parameters
    ----------
    a, b : tuple of two array_like
        ``(o, lse)`` pairs: an output of shape ``(..., Lq, dv)`` and its
        log-sum-exp of shape ``(..., Lq)``, for example from
        ``tiled_attention(..., return_lse=True)`` on two blocks of keys. The
        shapes of the two pairs broadcast against each other.

    Returns
    -------
    o : numpy.ndarray
        The output over the keys of both blocks, shape ``(..., Lq, dv)``.
    lse : numpy.ndarray
        Its log-sum-exp, shape ``(..., Lq)``.

    Raises
    ------
    TypeError
        If *a* or *b* is not a pair of arrays of real numbers.
    ValueError
        If an ``lse`` does not have its ``o``'s shape without the last axis.

    See Also
    --------
    merge_softmax_states : the same merge for ``(max, sum)`` without values.
    tiled_attention : gives ``(o, lse)`` with ``return_lse=True``.

    Notes
    -----
    For a block :math:`A` of keys with scores :math:`x_j`,
    :math:`\operatorname{lse}_A = \log \sum_{j \in A} e^{x_j}` and
    :math:`o_A = \sum_{j \in A} e^{x_j - \operatorname{lse}_A} v_j`. Then

    .. math::

        \operatorname{lse} = \log\bigl(e^{\operatorname{lse}_A} + e^{\operatorname{lse}_B}\bigr), \qquad
        o = e^{\operatorname{lse}_A - \operatorname{lse}}\, o_A + e^{\operatorname{lse}_B - \operatorname{lse}}\, o_B,

    computed with :math:`m = \max(\operatorname{lse}_A, \operatorname{lse}_B)`
    subtracted first so that nothing overflows. The two weights are
    non-negative and sum to 1. Like :func:`merge_softmax_states` the merge is
    commutative and associative (exactly in real arithmetic, to rounding in
    floating point), with identity ``(0, -inf)``: a block in
    which a query may attend to no key (``lse = -inf``, ``o = 0``) changes
    nothing, and two such blocks give ``(0, -inf)`` again, not NaN.

    References
    ----------
    - T. Dao, D. Haziza, F. Massa and G. Sizov, "Flash-Decoding for
      long-context inference", PyTorch blog, 2023.
    - M. Milakov and N. Gimelshein, "Online normalizer calculation for
      softmax", arXiv:1805.02867, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.normal(size=(1, 4)), rng.normal(size=(10, 4)), rng.normal(size=(10, 2))
    >>> left = sl.tiled_attention(q, k[:6], v[:6], return_lse=True)
    >>> right = sl.tiled_attention(q, k[6:], v[6:], return_lse=True)
    >>> o, lse = sl.merge_attention_states(left, right)
    >>> bool(np.allclose(o, sl.attention(q, k, v)))
    True
    >>> nothing = (np.zeros((1, 2)), np.array([-np.inf]))    # a block with no visible key
    >>> o, lse = sl.merge_attention_states(nothing, left)
    >>> bool(np.array_equal(o, left[0])), bool(np.array_equal(lse, left[1]))
    (True, True)
    """
    (o1, lse1), (o2, lse2) = _as_attention_state(a, "a"), _as_attention_state(b, "b")
    m = np.maximum(lse1, lse2)
    shift = _safe_shift(m)  # 0 where both blocks are empty: their weights are then 0, not NaN
    w1, w2 = np.exp(lse1 - shift), np.exp(lse2 - shift)
    total = w1 + w2
    with np.errstate(divide="ignore"):  # log(0) = -inf: no key in either block
        lse = shift + np.log(total)
    safe_total = np.where(total == 0, 1.0, total)
    o = (w1 / safe_total)[..., None] * o1 + (w2 / safe_total)[..., None] * o2
    return o, np.asarray(lse)

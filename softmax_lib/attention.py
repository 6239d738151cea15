"""Scaled dot-product attention: softmax over keys, in plain numpy.

Attention is the place where the Transformer uses softmax most: every query
turns its similarity scores with all keys into a probability vector and
averages the values with it. This module is the reference implementation
the book compares with PyTorch and against which chapter 7 checks its tiled
(FlashAttention-style) version.

Masks follow PyTorch's ``scaled_dot_product_attention`` (SDPA): a boolean
mask says where a query *may attend* (True), and masked scores become -inf
before the softmax, so their weights are exactly 0; a floating mask is
*added* to the scores (0 to keep, -inf to drop, anything else to bias). The
dtype tells the two conventions apart. A query that may attend to nothing
gets zeros (the core's policy for a fully masked slice, and what SDPA returns
since PyTorch 2.5), never NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_int, check_positive_number, restore_dtype
from .core import softmax

__all__ = ["attention", "causal_mask"]


def causal_mask(n_queries: int, n_keys: int | None = None) -> np.ndarray:
    r"""Boolean causal mask: query ``i`` may attend to keys ``0..i`` only.

    Parameters
    ----------
    n_queries : int
        Number of query positions (rows).
    n_keys : int or None, default None
        Number of key positions (columns); defaults to *n_queries*.

    Returns
    -------
    numpy.ndarray
        A bool array of shape ``(n_queries, n_keys)``, ``True`` where the query
        may attend (PyTorch's convention), ready for ``attention(..., mask=...)``.

    Notes
    -----
    .. math:: M_{ij} = [\, j \le i \,], \qquad 0 \le i < L_q,\; 0 \le j < L_k.

    When ``n_queries != n_keys`` the mask is aligned at the top-left corner,
    like ``torch.ones(L, S, dtype=torch.bool).tril()`` inside PyTorch's
    ``scaled_dot_product_attention(..., is_causal=True)``. (A decoder that
    appends ``n_queries`` new tokens to a cache of ``n_keys - n_queries``
    earlier ones needs the bottom-right alignment instead: build it with
    ``np.tri(n_queries, n_keys, n_keys - n_queries, dtype=bool)``.)

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.causal_mask(3).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    n_queries = check_int(n_queries, "n_queries", minimum=0)
    n_keys = n_queries if n_keys is None else check_int(n_keys, "n_keys", minimum=0)
    return np.tri(n_queries, n_keys, dtype=bool)


def _check_mask_shape(arr: np.ndarray, score_shape: tuple[int, ...]) -> None:
    """Refuse a mask that does not broadcast to the scores' shape (boolean and float masks alike)."""
    try:
        fits = np.broadcast_shapes(arr.shape, score_shape) == score_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"mask of shape {arr.shape} does not broadcast to the scores' shape {score_shape} (..., n_queries, n_keys)"
        )


def _check_mask(mask: ArrayLike, score_shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(mask)
    if arr.dtype != np.bool_:
        raise TypeError(
            f"mask must be a boolean array (True = may attend, as in PyTorch's "
            f"scaled_dot_product_attention); got dtype {arr.dtype}. An additive float mask "
            f"(0 to keep, -inf to drop) is a different convention: pass mask=(additive == 0) "
            f"instead, or mask.astype(bool) if 1 means 'may attend'."
        )
    _check_mask_shape(arr, score_shape)
    return arr


def _check_attn_mask(
    mask: ArrayLike, score_shape: tuple[int, ...], work_dtype: np.dtype
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Read :func:`attention`'s mask by its dtype: ``(keep, None)`` for bool, ``(None, bias)`` for float."""
    try:
        arr = np.asarray(mask)
    except (ValueError, TypeError) as err:
        raise TypeError(f"mask must be a boolean or floating array; could not convert it ({err})") from None
    if arr.dtype == np.bool_:
        return _check_mask(arr, score_shape), None
    if arr.dtype.kind != "f":
        raise TypeError(
            f"mask must be boolean (True = may attend) or floating (added to the scores: 0 to keep, "
            f"-inf to drop), as in PyTorch's scaled_dot_product_attention; got dtype {arr.dtype}. "
            f"Convert on purpose: mask.astype(bool) if 1 means 'may attend', mask.astype(float) for "
            f"an additive mask."
        )
    _check_mask_shape(arr, score_shape)
    return None, arr.astype(work_dtype, copy=False)


def _check_qkv(
    q: ArrayLike, k: ArrayLike, v: ArrayLike, scale: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.dtype, tuple[int, ...], float]:
    """Check q, k, v and scale as :func:`attention` and ``tiled_attention`` both need.

    Returns q, k and v in one working dtype, the dtype to return, the
    broadcast leading (batch, head) shape, and the scale (1/sqrt(d) when None).
    """
    q_work, q_dtype = as_float_array(q, "q", min_ndim=2)
    k_work, k_dtype = as_float_array(k, "k", min_ndim=2)
    v_work, v_dtype = as_float_array(v, "v", min_ndim=2)
    if q_work.shape[-1] != k_work.shape[-1]:
        raise ValueError(
            f"q and k must have the same feature size d (last axis); got q of shape "
            f"{q_work.shape} (d={q_work.shape[-1]}) and k of shape {k_work.shape} (d={k_work.shape[-1]})"
        )
    if k_work.shape[-2] != v_work.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of keys Lk (second-to-last axis); got k of "
            f"shape {k_work.shape} (Lk={k_work.shape[-2]}) and v of shape {v_work.shape} (Lk={v_work.shape[-2]})"
        )
    try:
        lead = np.broadcast_shapes(q_work.shape[:-2], k_work.shape[:-2], v_work.shape[:-2])
    except ValueError:
        raise ValueError(
            f"the leading (batch, head) axes of q {q_work.shape[:-2]}, k {k_work.shape[:-2]} "
            f"and v {v_work.shape[:-2]} do not broadcast"
        ) from None
    d = q_work.shape[-1]
    if scale is None:
        # d = 0 makes every score 0: any finite scale gives the same answer.
        scale = 1.0 / math.sqrt(d) if d > 0 else 1.0
    else:
        scale = check_positive_number(scale, "scale", hint="The usual choice is 1/sqrt(d): leave scale=None.")
    dtype = np.result_type(q_dtype, k_dtype, v_dtype)
    work_dtype = np.result_type(q_work.dtype, k_work.dtype, v_work.dtype)
    q_work, k_work, v_work = (arr.astype(work_dtype, copy=False) for arr in (q_work, k_work, v_work))
    return q_work, k_work, v_work, dtype, lead, scale


def attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    scale: float | None = None,
    causal: bool = False,
    return_weights: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention, ``softmax(q k^T * scale) v``, over the last two axes.

    Parameters
    ----------
    q : array_like
        Queries, shape ``(..., Lq, d)``.
    k : array_like
        Keys, shape ``(..., Lk, d)``.
    v : array_like
        Values, shape ``(..., Lk, dv)``.
        The leading axes (batch, heads, ...) of *q*, *k* and *v* broadcast
        against each other, as in numpy's ``matmul``.
    mask : array_like of bool or float, optional
        Broadcastable to ``(..., Lq, Lk)``, the scores' shape; as in PyTorch's
        ``scaled_dot_product_attention``, a mask with more leading axes than
        *q*, *k* and *v* broadcast to is refused. Its dtype says which
        of SDPA's two conventions it follows. **bool**: True means the query
        may attend to the key, False scores become -inf before the softmax.
        **float** (any floating dtype): *added* to the scaled scores, so 0
        keeps a score, -inf drops it and other values bias it (ALiBi, a
        relative-position bias). Other dtypes (integers included: is 1
        "attend" or "add 1"?) raise ``TypeError``.
    scale : float, optional
        Multiplies the scores ``q k^T``; a finite number > 0. Defaults to
        ``1 / sqrt(d)``.
    causal : bool, default False
        If True, query ``i`` may attend only to keys ``j <= i``
        (:func:`causal_mask`, top-left aligned like PyTorch's
        ``is_causal=True``). Combined with *mask* by logical AND (PyTorch
        refuses both at once; a causal padded batch needs both).
    return_weights : bool, default False
        If True, also return the attention weights, shape ``(..., Lq, Lk)``.

    Returns
    -------
    out : numpy.ndarray
        Shape ``(..., Lq, dv)``, the leading axes broadcast. Its dtype is the
        common floating dtype of *q*, *k*, *v* (float16 is converted to
        float32 for the products, whose softmax is computed in float64, and
        returned as float16; integers become float64).
    weights : numpy.ndarray
        Only if *return_weights*: each row a probability vector over the
        keys, or all zeros for a query that may attend to no key.

    Raises
    ------
    TypeError
        If an input is not real numbers, *mask* is neither boolean nor
        floating, or *causal* or *return_weights* is not a bool.
    ValueError
        If an input has fewer than 2 dimensions, ``d`` differs between *q*
        and *k*, ``Lk`` differs between *k* and *v*, the leading axes or the
        mask do not broadcast, or *scale* is not a finite number > 0.

    See Also
    --------
    causal_mask : the mask behind ``causal=True``.
    softmax : the row-wise softmax used here, with its masking policy.

    Notes
    -----
    .. math::

        \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\Bigl(
            \frac{Q K^\top}{\sqrt{d}} + B\Bigr) V

    where ``d`` is the width of the queries and keys (a given *scale*
    replaces :math:`1/\sqrt{d}`), and a boolean mask :math:`M` enters as

    .. math::

        B_{ij} = 0 \text{ if } M_{ij} \text{ is True}, \qquad
        B_{ij} = -\infty \text{ otherwise;}

    a floating mask is :math:`B` itself.

    The softmax runs along the key axis. With independent components of
    mean 0 and variance 1, ``q . k`` has variance ``d``; dividing by
    ``sqrt(d)`` brings it back to 1, so the softmax does not saturate as
    ``d`` grows (Vaswani et al. 2017, footnote 4).

    A query whose row of the mask is entirely False gets weights of zero
    and an output of zeros, matching PyTorch 2.13's
    ``scaled_dot_product_attention``; a plain ``exp / sum`` would give
    ``0 / 0 = NaN``. The same holds for a row of a float mask that is
    entirely -inf; a finite mask value, however large and negative, only
    biases the scores (a row masked by -1e9 everywhere is the softmax of its
    original scores). NaN or +inf in *q*, *k* or a float mask gives NaN in
    the affected rows.

    References
    ----------
    - A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones,
      A. N. Gomez, L. Kaiser and I. Polosukhin, "Attention is all you
      need", NeurIPS, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> v = np.array([[1.0], [2.0], [3.0]])
    >>> sl.attention(q, k, v).round(4)
    array([[2.    ],
           [2.2033]])
    >>> out, w = sl.attention(q, k, v, causal=True, return_weights=True)
    >>> w.round(4)
    array([[1.    , 0.    , 0.    ],
           [0.3302, 0.6698, 0.    ]])
    >>> mask = np.array([[True, True, True], [False, False, False]])
    >>> sl.attention(q, k, v, mask=mask).round(4)   # query 2 sees nothing
    array([[2.],
           [0.]])
    >>> additive = np.where(mask, 0.0, -np.inf)      # the same mask, SDPA's float convention
    >>> sl.attention(q, k, v, mask=additive).round(4)
    array([[2.],
           [0.]])
    """
    for flag, name in ((causal, "causal"), (return_weights, "return_weights")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {flag!r}")
    q_work, k_work, v_work, dtype, lead, scale = _check_qkv(q, k, v, scale)
    n_queries, n_keys = q_work.shape[-2], k_work.shape[-2]
    score_shape = lead + (n_queries, n_keys)
    work_dtype = q_work.dtype
    keep, bias = (None, None) if mask is None else _check_attn_mask(mask, score_shape, work_dtype)
    if causal:
        tri = causal_mask(n_queries, n_keys)
        keep = tri if keep is None else np.logical_and(keep, tri)

    scores = np.matmul(q_work, np.swapaxes(k_work, -1, -2)) * np.asarray(scale, dtype=work_dtype)
    if bias is not None:
        scores = scores + bias
    if keep is not None:
        # -inf, not a large negative constant: its weight is exactly 0 in any
        # dtype, and a fully masked row stays recognisable (the core returns zeros).
        scores = np.where(keep, scores, np.asarray(-np.inf, dtype=work_dtype))
    scores = np.broadcast_to(scores, score_shape)
    weights = softmax(scores, axis=-1)
    out = np.matmul(weights, v_work)
    out = restore_dtype(out, dtype)
    if return_weights:
        return out, restore_dtype(weights, dtype)
    return out

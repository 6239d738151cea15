"""Softmax's relatives and softmax at scale (chapter 8).

Four functions that sit next to softmax in modern models:

* :func:`softmax1`, the "off by one" softmax whose denominator has an extra
  ``1``, so that a row may put (almost) no weight anywhere;
* :func:`sparsemax` and :func:`sparsemax_jacobian`, the Euclidean projection
  onto the probability simplex, which gives exact zeros;
* :func:`gumbel_softmax`, a relaxed (differentiable) sample of a categorical
  distribution, and its one-hot "hard" form;
* :func:`chunked_cross_entropy`, the cross-entropy of a language model's
  output layer computed over pieces of the vocabulary with the online
  ``(max, sum)`` merge of chapter 7, without ever holding the ``N x V``
  logits, and its gradient by a second chunked pass.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_array, as_float_array, check_axis, check_int, check_temperature, restore_dtype
from .core import softmax
from .online import SoftmaxState, merge_softmax_states, softmax_state
from .temperature import _as_generator  # one home for the rng policy of sl.sample

__all__ = ["softmax1", "sparsemax", "sparsemax_jacobian", "gumbel_softmax", "chunked_cross_entropy"]


def softmax1(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The "off by one" softmax: :math:`e^{x_i} / (1 + \sum_j e^{x_j})`.

    Parameters
    ----------
    x : array_like
        Real scores, at least 1-d. ``-inf`` entries are masked (weight 0).
    axis : int, default -1
        The axis along which the weights are normalised.

    Returns
    -------
    numpy.ndarray
        Same shape as *x*, dtype policy of :func:`softmax`. Every slice along
        *axis* is non-negative and sums to *less* than 1: the missing mass
        ``1 / (1 + sum_j e^{x_j})`` is the weight of "nothing". A new array;
        *x* is never modified.

    Raises
    ------
    TypeError, ValueError
        As :func:`softmax` (the messages name *x* and *axis*).

    See Also
    --------
    softmax : the same with no ``1`` in the denominator.

    Notes
    -----
    .. math::

        \operatorname{softmax}_1(x)_i = \frac{e^{x_i}}{1 + \sum_{j=1}^{K} e^{x_j}}
        = \frac{e^{x_i - c}}{e^{-c} + \sum_j e^{x_j - c}}, \qquad c = \max(0, \max_j x_j).

    The ``1`` is :math:`e^0`, the exponential of an extra logit fixed at 0,
    so :math:`\operatorname{softmax}_1(x) = \operatorname{softmax}([0, x])_{1:}`;
    that is exactly how it is computed here, with the accuracy of
    :func:`softmax`. Its shift, the maximum of ``[0, x]``, is
    :math:`\max(0, m)`: no exponential exceeds 1, so nothing overflows for
    any finite *x* (at ``x = 1e4`` too), and for very negative *x* the
    result underflows gracefully to 0 instead of dividing 0 by 0.

    Edge cases follow :func:`softmax`: a slice that is entirely ``-inf``
    gives zeros, here without any special case (the extra logit takes all
    the weight); ``+inf`` or NaN gives NaN in that slice only; an empty
    axis gives an empty result.

    References
    ----------
    - E. Miller, "Attention is off by one", blog post, 2023.
    - G. Xiao, Y. Tian, B. Chen, S. Han and M. Lewis, "Efficient streaming
      language models with attention sinks", arXiv:2309.17453, 2023
      (ICLR 2024).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.softmax1([0.0, 0.0]).round(4)          # 1/3 each, 1/3 goes to "nothing"
    array([0.3333, 0.3333])
    >>> sl.softmax1([1e4, 1e4])                    # no overflow
    array([0.5, 0.5])
    >>> sl.softmax1([-np.inf, -np.inf])            # fully masked: zeros
    array([0., 0.])
    """
    work, dtype = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    zero_shape = work.shape[:axis] + (1,) + work.shape[axis + 1 :]
    padded = np.concatenate([np.zeros(zero_shape, dtype=work.dtype), work], axis=axis)
    p = softmax(padded, axis=axis)
    out = np.ascontiguousarray(np.take(p, np.arange(1, padded.shape[axis]), axis=axis))
    return restore_dtype(out, dtype)


def _sorted_threshold(z: np.ndarray) -> np.ndarray:
    """Sparsemax's threshold tau of each row of the 2-d *z* (finite or -inf entries, max 0).

    Rows with no finite entry get tau = +inf (every output 0).
    """
    n = z.shape[-1]
    desc = -np.sort(-z, axis=-1)  # decreasing; -inf entries last
    cums = np.cumsum(desc, axis=-1)
    k = np.arange(1, n + 1, dtype=z.dtype)
    # k is in the support iff 1 + k z_(k) > sum_{j <= k} z_(j); the set of such k is {1, ..., k(z)}.
    with np.errstate(invalid="ignore"):
        in_support = 1.0 + k * desc > cums
    k_z = np.max(np.where(in_support, np.arange(1, n + 1), 0), axis=-1)
    rows = np.arange(z.shape[0])
    picked = cums[rows, np.maximum(k_z, 1) - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(k_z > 0, (picked - 1.0) / np.maximum(k_z, 1), np.inf)
    return tau


def sparsemax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Sparsemax: the Euclidean projection of scores onto the probability simplex.

    Parameters
    ----------
    x : array_like
        Real scores, at least 1-d. ``-inf`` entries are masked (weight 0).
    axis : int, default -1
        The axis along which the result sums to 1.

    Returns
    -------
    numpy.ndarray
        Same shape as *x*, dtype policy of :func:`softmax` (float32 is
        computed in float64 and rounded once). Every slice along *axis* is a
        probability vector with *exact* zeros wherever :math:`x_i \le \tau`.
        A new array; *x* is never modified.

    Raises
    ------
    TypeError, ValueError
        As :func:`softmax` (the messages name *x* and *axis*).

    See Also
    --------
    softmax : the dense counterpart.
    sparsemax_jacobian : its derivative.

    Notes
    -----
    .. math::

        \operatorname{sparsemax}(x) = \arg\min_{p \in \Delta^{K-1}} \lVert p - x \rVert_2^2
        = \bigl[x - \tau\mathbf 1\bigr]_+ ,

    where, with :math:`x_{(1)} \ge \dots \ge x_{(K)}` the sorted scores,
    :math:`k(x) = \max\{k : 1 + k\,x_{(k)} > \sum_{j \le k} x_{(j)}\}` is the
    size of the support and
    :math:`\tau = \bigl(\sum_{j \le k(x)} x_{(j)} - 1\bigr) / k(x)`
    (Martins and Astudillo 2016, Proposition 1). The cost is one sort,
    :math:`O(K \log K)` per slice. Like softmax, sparsemax is invariant to
    adding a constant to every score (:math:`\tau` moves with it); scores
    are shifted by their maximum first, which changes nothing mathematically
    and keeps the cumulative sums small. Dividing the scores by a
    temperature decides how many entries survive:
    :math:`\operatorname{sparsemax}(x/T)` is exactly one-hot for small
    :math:`T` (a unique maximum) and has full support for large :math:`T`.

    Edge cases, chosen as in :func:`softmax`: ``-inf`` entries get exactly
    0; a slice that is entirely ``-inf`` (fully masked) gives zeros; ``+inf``
    or NaN gives NaN in that slice only; an empty axis gives an empty result.

    References
    ----------
    - A. F. T. Martins and R. F. Astudillo, "From softmax to sparsemax: a
      sparse model of attention and multi-label classification", ICML, 2016.
    - J. Duchi, S. Shalev-Shwartz, Y. Singer and T. Chandra, "Efficient
      projections onto the l1-ball for learning in high dimensions", ICML,
      2008 (the sorting algorithm for the projection onto the simplex).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.sparsemax([1.0, 0.5, -1.0])           # an exact zero
    array([0.75, 0.25, 0.  ])
    >>> sl.sparsemax([[0.1, 0.0], [3.0, 0.0]])
    array([[0.55, 0.45],
           [1.  , 0.  ]])
    >>> sl.sparsemax([-np.inf, -np.inf])           # fully masked: zeros
    array([0., 0.])
    """
    work, dtype = as_float_array(x, "x")
    axis = check_axis(axis, work.ndim)
    if work.shape[axis] == 0:
        return np.empty(work.shape, dtype=dtype)
    ct = np.promote_types(work.dtype, np.float64)
    moved = np.moveaxis(work, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]).astype(ct)  # a copy: never write into x
    bad = np.isnan(rows).any(axis=-1) | (rows == np.inf).any(axis=-1)
    rows[bad] = 0.0  # computed as zeros, replaced by NaN at the end
    m = rows.max(axis=-1, keepdims=True)
    m[m == -np.inf] = 0.0  # a fully masked row stays -inf instead of becoming NaN
    rows -= m
    tau = _sorted_threshold(rows)[:, None]
    with np.errstate(invalid="ignore"):  # -inf - inf in a fully masked row
        p = np.maximum(rows - tau, 0.0)
    p[np.isnan(p)] = 0.0
    p[bad] = np.nan
    out = np.moveaxis(p.reshape(moved.shape), -1, axis)
    return np.ascontiguousarray(out, dtype=dtype)


def sparsemax_jacobian(p: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The Jacobian of sparsemax, :math:`\operatorname{diag}(s) - s s^\top / |S|`, from its output *p*.

    Parameters
    ----------
    p : array_like
        The output of :func:`sparsemax` (only its support :math:`S = \{i : p_i > 0\}`
        is used); finite and non-negative.
    axis : int, default -1
        The class axis of *p*.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., K, K)``: the batch dimensions of *p* (every axis but
        *axis*, in order) followed by two class axes, as
        :func:`softmax_jacobian`. Entry ``[..., i, j]`` is
        :math:`\partial\,\operatorname{sparsemax}(x)_i / \partial x_j`. A slice
        with an empty support (a fully masked row) gets a zero matrix.

    Raises
    ------
    TypeError
        If *p* is not real or *axis* is not an integer.
    ValueError
        If *p* is 0-d, holds a negative, NaN or infinite entry, or *axis*
        is out of range.

    See Also
    --------
    sparsemax, softmax_jacobian

    Notes
    -----
    .. math::

        J = \operatorname{diag}(s) - \frac{s s^\top}{|S|}, \qquad s_i = [p_i > 0],

    valid wherever sparsemax is differentiable, that is, wherever no score
    sits exactly at the threshold :math:`\tau` (Martins and Astudillo 2016).
    On the support it is the centring matrix
    :math:`I - \mathbf 1\mathbf 1^\top / |S|`, elsewhere 0: unlike softmax's
    Jacobian it does not depend on the values of *p*, only on which entries
    are non-zero. It is symmetric and idempotent, and every row sums to 0.

    References
    ----------
    - A. F. T. Martins and R. F. Astudillo, "From softmax to sparsemax: a
      sparse model of attention and multi-label classification", ICML, 2016.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> p = sl.sparsemax([1.0, 0.5, -1.0])
    >>> sl.sparsemax_jacobian(p)
    array([[ 0.5, -0.5,  0. ],
           [-0.5,  0.5,  0. ],
           [ 0. ,  0. ,  0. ]])
    """
    work, _ = as_float_array(p, "p")
    axis = check_axis(axis, work.ndim)
    if not np.all(np.isfinite(work)):
        raise ValueError("p must be finite; got NaN or infinity in p (pass the output of sl.sparsemax)")
    if np.any(work < 0):
        raise ValueError(
            f"p must be non-negative (the output of sl.sparsemax); its smallest entry is {float(work.min())!r}"
        )
    s = (np.moveaxis(work, axis, -1) > 0).astype(np.float64)
    size = s.sum(axis=-1)[..., None, None]
    outer = s[..., :, None] * s[..., None, :]
    diag = s[..., :, None] * np.eye(s.shape[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = diag - np.where(size > 0, outer / np.maximum(size, 1.0), 0.0)
    return jac


def gumbel_softmax(
    logits: ArrayLike,
    temperature: float = 1.0,
    *,
    hard: bool = False,
    rng: int | np.random.Generator | None = None,
    axis: int = -1,
) -> np.ndarray:
    r"""A relaxed sample of the categorical distribution softmax(logits): the Gumbel-softmax.

    Parameters
    ----------
    logits : array_like
        Real, unnormalised log-probabilities, at least 1-d. ``-inf`` masks a
        category: it gets weight 0 and is never the hard sample.
    temperature : float, default 1.0
        :math:`\tau > 0`, finite. Small values give samples close to
        one-hot, large values samples close to uniform.
    hard : bool, default False
        If True, return the one-hot vector at the argmax of the perturbed
        logits instead of the relaxed sample. numpy has no automatic
        differentiation, so this is only the forward value of the
        straight-through estimator; in an autograd framework one writes
        ``y_hard - y_soft.detach() + y_soft`` to take the gradient of the
        soft sample (chapter 8 shows it in PyTorch).
    rng : None, int or numpy.random.Generator, default None
        The random source, as in :func:`sample`: a Generator is used (and
        advanced) as given, an int seeds ``np.random.default_rng(seed)``,
        None draws fresh entropy (not reproducible).
    axis : int, default -1
        The category axis.

    Returns
    -------
    numpy.ndarray
        Same shape as *logits*, dtype policy of :func:`softmax`; every slice
        along *axis* sums to 1 (one-hot if *hard*). One independent sample
        per slice. A slice that is entirely ``-inf`` gives zeros; ``+inf`` or
        NaN gives NaN in that slice. *logits* is never modified.

    Raises
    ------
    TypeError
        As :func:`softmax`; if *hard* is not a bool or *rng* not one of the
        accepted kinds.
    ValueError
        As :func:`softmax`; if *temperature* is not a finite number > 0.

    See Also
    --------
    sample : an exact categorical sample (an index) by the inverse CDF.
    softmax : the distribution that is sampled.

    Notes
    -----
    With :math:`g_i = -\log(-\log u_i)`, :math:`u_i \sim \mathcal U(0, 1)`
    independent standard Gumbel variables,

    .. math::

        y = \operatorname{softmax}\bigl((\text{logits} + g) / \tau\bigr), \qquad
        y^{\text{hard}} = \operatorname{onehot}\bigl(\arg\max_i\,(\text{logits}_i + g_i)\bigr).

    The Gumbel-max trick: :math:`\arg\max_i(\text{logits}_i + g_i)` is
    distributed exactly as :math:`\operatorname{softmax}(\text{logits})`, so
    the hard sample is an exact categorical sample (whatever :math:`\tau`),
    and as :math:`\tau \to 0` the relaxed sample tends to it (Jang et al.
    2017; Maddison et al. 2017, who call it the Concrete distribution).
    The relaxed sample is a smooth function of the logits, which is what makes
    it usable inside a network trained by gradient descent.

    References
    ----------
    - E. Jang, S. Gu and B. Poole, "Categorical reparameterization with
      Gumbel-softmax", ICLR, 2017.
    - C. J. Maddison, A. Mnih and Y. W. Teh, "The Concrete distribution: a
      continuous relaxation of discrete random variables", ICLR, 2017.
    - E. J. Gumbel, "Statistical theory of extreme values and some practical
      applications", National Bureau of Standards, 1954.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> y = sl.gumbel_softmax([1.0, 2.0, 3.0], temperature=0.5, rng=0)
    >>> y.round(3), float(y.sum().round(12))
    (array([0.   , 0.002, 0.998]), 1.0)
    >>> sl.gumbel_softmax([1.0, 2.0, 3.0], hard=True, rng=0)   # the same noise, one-hot
    array([0., 0., 1.])
    """
    work, dtype = as_float_array(logits, "logits")
    axis = check_axis(axis, work.ndim)
    temperature = check_temperature(temperature)
    if not isinstance(hard, (bool, np.bool_)):
        raise TypeError(f"hard must be True or False; got {hard!r} of type {type(hard).__name__}")
    generator = _as_generator(rng)
    ct = np.promote_types(work.dtype, np.float64)
    noise = generator.gumbel(size=work.shape)
    perturbed = work.astype(ct) + noise  # -inf + g stays -inf: masked categories stay masked
    if not hard:
        return restore_dtype(softmax(perturbed, axis=axis, temperature=temperature), dtype)
    moved = np.moveaxis(perturbed, axis, -1)
    out = np.zeros(moved.shape, dtype=ct)
    if moved.shape[-1] > 0:
        top = np.argmax(moved, axis=-1)[..., None]
        np.put_along_axis(out, top, 1.0, axis=-1)
        masked = np.all(moved == -np.inf, axis=-1)
        invalid = np.any(np.isnan(moved) | (moved == np.inf), axis=-1)
        out[masked] = 0.0
        out[invalid] = np.nan
    return restore_dtype(np.ascontiguousarray(np.moveaxis(out, -1, axis)), dtype)


def _check_ce_inputs(
    hidden: ArrayLike, weight: ArrayLike, targets: ArrayLike, bias: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.dtype]:
    h, h_dtype = as_float_array(hidden, "hidden", min_ndim=2)
    w, w_dtype = as_float_array(weight, "weight", min_ndim=2)
    if h.ndim != 2:
        raise ValueError(f"hidden must be 2-d, shape (N, d); got shape {h.shape}")
    if w.ndim != 2:
        raise ValueError(f"weight must be 2-d, shape (V, d); got shape {w.shape}")
    if h.shape[1] != w.shape[1]:
        raise ValueError(
            f"hidden and weight must have the same number of columns d; got hidden {h.shape} and weight "
            f"{w.shape} (weight is (V, d), as torch.nn.Linear(d, V).weight)"
        )
    n, v = h.shape[0], w.shape[0]
    if n == 0 or v == 0:
        raise ValueError(f"hidden and weight need at least one row each; got N = {n}, V = {v}")
    t = as_array(targets, "targets")
    if t.dtype.kind not in "iu":
        raise TypeError(f"targets must be integer class indices; got dtype {t.dtype}")
    if t.shape != (n,):
        raise ValueError(f"targets must have shape (N,) = ({n},), one index per row of hidden; got {t.shape}")
    if t.size and (t.min() < 0 or t.max() >= v):
        bad = t[(t < 0) | (t >= v)][0]
        raise ValueError(f"targets must lie in [0, V) = [0, {v}); got {int(bad)}")
    b = None
    dtype = np.result_type(h_dtype, w_dtype)
    if bias is not None:
        b, b_dtype = as_float_array(bias, "bias")
        if b.shape != (v,):
            raise ValueError(f"bias must have shape (V,) = ({v},); got {b.shape}")
        dtype = np.result_type(dtype, b_dtype)
    work = np.result_type(h.dtype, w.dtype, *([] if b is None else [b.dtype]))
    h, w = h.astype(work, copy=False), w.astype(work, copy=False)
    b = None if b is None else b.astype(work, copy=False)
    return h, w, t.astype(np.intp, copy=False), b, dtype


def chunked_cross_entropy(
    hidden: ArrayLike,
    weight: ArrayLike,
    targets: ArrayLike,
    *,
    chunk: int = 2048,
    bias: ArrayLike | None = None,
    return_grad: bool = False,
) -> float | tuple[float, np.ndarray, np.ndarray] | tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    r"""Mean cross-entropy of a linear output layer, computed over vocabulary chunks.

    The logits ``hidden @ weight.T + bias`` are an ``N x V`` matrix that, for a
    language model's vocabulary, may not fit in memory. This function never
    forms it: it visits ``chunk`` rows of *weight* at a time and keeps, per
    row of *hidden*, a softmax state ``(max, sum)`` and the target's logit.

    Parameters
    ----------
    hidden : array_like, shape (N, d)
        The last hidden states, one row per token.
    weight : array_like, shape (V, d)
        The output embedding (the layout of ``torch.nn.Linear(d, V).weight``).
    targets : array_like of int, shape (N,)
        The correct class of each row, in ``[0, V)``.
    chunk : int, default 2048
        Vocabulary entries per chunk (an integer >= 1). Working memory is
        about three ``N x chunk`` blocks (a chunk's logits, their shifted
        copy and its exponential, alive together in the forward pass); the
        result does not depend on *chunk* beyond rounding.
    bias : array_like, shape (V,), optional
        Added to the logits.
    return_grad : bool, default False
        Also return the gradient of the mean loss, computed by a second
        chunked pass that recomputes each chunk's logits.

    Returns
    -------
    float or tuple
        The mean cross-entropy (natural log). With ``return_grad=True``,
        ``(loss, dhidden, dweight)``, or ``(loss, dhidden, dweight, dbias)``
        if *bias* is given: arrays of the shapes of the inputs, in their
        common dtype (float32 in, float32 out). Inputs are never modified.

    Raises
    ------
    TypeError
        If an array is not real, *targets* is not integer, *chunk* is not an
        integer or *return_grad* not a bool.
    ValueError
        If the shapes do not match (*hidden* (N, d), *weight* (V, d),
        *targets* (N,), *bias* (V,)), N or V is 0, a target is outside
        ``[0, V)``, or *chunk* < 1.

    See Also
    --------
    cross_entropy : the same loss from a full matrix of logits.
    merge_softmax_states : the merge used between chunks.

    Notes
    -----
    With :math:`z_{n} = W h_n + b` and the vocabulary split into chunks
    :math:`C_1, \dots, C_R`, the forward pass computes for every row

    .. math::

        (m_n, s_n) = \bigoplus_{r=1}^{R} \sigma\bigl(z_{n, C_r}\bigr), \qquad
        \ell_n = m_n + \log s_n - z_{n, y_n}, \qquad
        L = \frac1N \sum_n \ell_n ,

    where :math:`\sigma` is the softmax state and :math:`\oplus` the merge of
    chapter 7, so :math:`m_n + \log s_n = \operatorname{logsumexp}(z_n)`
    exactly (in exact arithmetic). The backward pass recomputes each chunk's
    logits and uses :math:`\partial L / \partial z_{n} = (\operatorname{softmax}(z_n) - e_{y_n}) / N`,
    with :math:`\operatorname{softmax}(z_n)_{C_r} = e^{z_{n, C_r} - \operatorname{lse}_n}`:

    .. math::

        \frac{\partial L}{\partial h} = \sum_r G_{C_r} W_{C_r}, \qquad
        \frac{\partial L}{\partial W_{C_r}} = G_{C_r}^\top H, \qquad
        \frac{\partial L}{\partial b_{C_r}} = \mathbf 1^\top G_{C_r},

    :math:`G_{C_r}` being the ``N x |C_r|`` block of the gradient of the
    logits. Peak memory is about three ``N x chunk`` blocks plus the outputs
    (``dweight`` has the size of *weight*), independent of V otherwise
    (chapter 8 measures it with ``tracemalloc``). This is the idea behind
    Cut Cross-Entropy (Wijmans et al. 2024), which accumulates the
    log-sum-exp block by block in GPU on-chip memory (and skips the parts
    of the gradient below numerical precision), and behind
    vocabulary-parallel losses, which merge the states of vocabulary shards
    held by different devices.

    In float64 the loss agrees with a full ``log_softmax`` computation to
    about ``1e-15`` relative, and the gradients with PyTorch's autograd
    to about ``1e-15`` absolute (``tests/test_relatives.py`` pins
    ``rtol=1e-12`` and ``atol=1e-14``).

    References
    ----------
    - E. Wijmans, B. Huval, A. Hertzberg, V. Koltun and P. Kraehenbuehl,
      "Cut your losses in large-vocabulary language models",
      arXiv:2411.09009, 2024 (ICLR 2025).
    - M. Milakov and N. Gimelshein, "Online normalizer calculation for
      softmax", arXiv:1805.02867, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> rng = np.random.default_rng(0)
    >>> h, W = rng.normal(size=(4, 8)), rng.normal(size=(1000, 8))
    >>> y = np.array([0, 10, 999, 500])
    >>> loss = sl.chunked_cross_entropy(h, W, y, chunk=64)
    >>> Z = h @ W.T                                    # the full logits, for checking
    >>> full = float(np.mean(sl.logsumexp(Z) - Z[np.arange(4), y]))
    >>> bool(np.isclose(loss, full, rtol=1e-13))
    True
    >>> loss, dh, dW = sl.chunked_cross_entropy(h, W, y, chunk=64, return_grad=True)
    >>> dh.shape, dW.shape
    ((4, 8), (1000, 8))
    """
    h, w, t, b, dtype = _check_ce_inputs(hidden, weight, targets, bias)
    chunk = check_int(chunk, "chunk")
    if not isinstance(return_grad, (bool, np.bool_)):
        raise TypeError(f"return_grad must be True or False; got {return_grad!r}")
    n, v = h.shape[0], w.shape[0]
    rows = np.arange(n)

    def logits_of(v0: int, v1: int) -> np.ndarray:
        z = h @ w[v0:v1].T
        if b is not None:
            z += b[v0:v1]
        return z

    # Pass 1: the softmax state of each row, merged chunk by chunk, and the target's logit.
    state = SoftmaxState(np.full(n, -np.inf, dtype=h.dtype), np.zeros(n, dtype=h.dtype))
    target_logit = np.empty(n, dtype=h.dtype)
    for v0 in range(0, v, chunk):
        v1 = min(v0 + chunk, v)
        z = logits_of(v0, v1)
        state = merge_softmax_states(state, softmax_state(z, axis=-1))
        here = (t >= v0) & (t < v1)
        target_logit[here] = z[rows[here], t[here] - v0]
    lse = state.logsumexp()
    loss = float(np.mean(lse - target_logit))
    if not return_grad:
        return loss

    # Pass 2: recompute each chunk's logits; G = (softmax - onehot) / N never exists beyond a chunk.
    dh = np.zeros_like(h)
    dw = np.empty_like(w)
    db = None if b is None else np.empty_like(b)
    for v0 in range(0, v, chunk):
        v1 = min(v0 + chunk, v)
        g = logits_of(v0, v1)
        g -= lse[:, None]
        np.exp(g, out=g)
        here = (t >= v0) & (t < v1)
        g[rows[here], t[here] - v0] -= 1.0
        g /= n
        dh += g @ w[v0:v1]
        dw[v0:v1] = g.T @ h
        if db is not None:
            db[v0:v1] = g.sum(axis=0)
    grads = [restore_dtype(dh, dtype), restore_dtype(dw, dtype)]
    if db is not None:
        grads.append(restore_dtype(db, dtype))
    return (loss, *grads)  # type: ignore[return-value]  # two or three gradients, as documented

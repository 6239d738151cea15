"""The backward pass of softmax and log_softmax: vector-Jacobian products, fused.

Training never needs softmax's Jacobian itself, only its product with the
gradient that arrives from above. Because the Jacobian is
``diag(p) - p p^T``, that product costs one sum per slice instead of a
K-by-K matrix. These functions compute it as deep-learning frameworks do
(they match ``torch.ops.aten._softmax_backward_data`` and
``_log_softmax_backward_data``), in float64 for float16 and float32 input and
rounded once at the end, so that no cancellation happens in the narrow type.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_axes, restore_dtype
from .core import WIDE_SUM

__all__ = ["log_softmax_backward", "softmax_backward"]


def _prepare(
    y: ArrayLike, grad: ArrayLike, y_name: str, axis: int | tuple[int, ...] | None
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], np.dtype]:
    """Check the forward output and the incoming gradient; both in the compute type (float64 at least)."""
    y_work, y_dtype = as_float_array(y, y_name)
    g_work, g_dtype = as_float_array(grad, "grad")
    if y_work.shape != g_work.shape:
        raise ValueError(
            f"grad must have the shape of {y_name} (the gradient of the loss with respect to the "
            f"forward output); got {y_name} of shape {y_work.shape} and grad of shape {g_work.shape}"
        )
    axes = check_axes(axis, y_work.ndim)
    ct = np.promote_types(np.promote_types(y_work.dtype, g_work.dtype), np.float64)
    return y_work.astype(ct, copy=False), g_work.astype(ct, copy=False), axes, np.result_type(y_dtype, g_dtype)


def softmax_backward(p: ArrayLike, grad: ArrayLike, axis: int | tuple[int, ...] | None = -1) -> np.ndarray:
    r"""The gradient with respect to softmax's input, from its output *p* and the gradient *grad*.

    Parameters
    ----------
    p : array_like
        The output of :func:`softmax` along *axis* (at least 1-d). Not checked
        to be probabilities: that would cost a pass over the data, as it
        would in PyTorch. A fully masked slice (all zeros) gives zeros.
    grad : array_like
        The gradient of the loss with respect to *p*, same shape.
    axis : int, tuple of ints or None, default -1
        The axis (or axes) the softmax normalised over.

    Returns
    -------
    numpy.ndarray
        Same shape as *p*: the gradient with respect to the logits, in the
        common floating dtype of *p* and *grad* (float16 and float32 are
        computed in float64 and rounded once).

    Raises
    ------
    TypeError
        If *p* or *grad* is not real numbers, or *axis* is not an integer, a
        tuple of integers or None.
    ValueError
        If *p* is 0-d, the shapes differ, or *axis* is out of range or repeated.

    See Also
    --------
    softmax_jacobian : the whole Jacobian, which this avoids forming.
    log_softmax_backward : the same for :func:`log_softmax`.

    Notes
    -----
    With :math:`J = \operatorname{diag}(p) - p p^\top` (symmetric), the
    vector-Jacobian product is

    .. math::

        J^\top g = p \odot \bigl(g - \textstyle\sum_j p_j g_j\bigr),

    one sum per slice instead of a :math:`K \times K` matrix. Forming
    :math:`J` in float16 and multiplying rounds every entry first, and the
    product then cancels; here nothing is rounded before the end.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> p = sl.softmax([1.0, 2.0, 3.0])
    >>> g = np.array([1.0, 0.0, 0.0])
    >>> sl.softmax_backward(p, g).round(4)
    array([ 0.0819, -0.022 , -0.0599])
    >>> bool(np.allclose(sl.softmax_backward(p, g), g @ sl.softmax_jacobian(p)))
    True
    """
    pw, gw, axes, dtype = _prepare(p, grad, "p", axis)
    pg = pw * gw
    dot = np.sum(pg, axis=axes, keepdims=True, dtype=WIDE_SUM).astype(pw.dtype)
    return restore_dtype(pg - pw * dot, dtype)


def log_softmax_backward(logp: ArrayLike, grad: ArrayLike, axis: int | tuple[int, ...] | None = -1) -> np.ndarray:
    r"""The gradient with respect to log_softmax's input, from its output *logp* and the gradient *grad*.

    Parameters
    ----------
    logp : array_like
        The output of :func:`log_softmax` along *axis* (at least 1-d). A fully
        masked slice (all -inf) gives *grad* itself there, as in PyTorch.
    grad : array_like
        The gradient of the loss with respect to *logp*, same shape.
    axis : int, tuple of ints or None, default -1
        The axis (or axes) the log_softmax normalised over.

    Returns
    -------
    numpy.ndarray
        Same shape as *logp*, in the common floating dtype of the inputs
        (float16 and float32 computed in float64).

    Raises
    ------
    TypeError, ValueError
        As :func:`softmax_backward`.

    See Also
    --------
    softmax_backward, cross_entropy

    Notes
    -----
    The Jacobian of log-softmax is :math:`I - \mathbf 1 p^\top` with
    :math:`p = e^{\log p}`, so

    .. math::

        J^\top g = g - p \textstyle\sum_j g_j .

    With ``grad = -y`` for a target distribution *y* this is ``p - y``,
    cross-entropy's gradient.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> logp = sl.log_softmax([1.0, 2.0, 3.0])
    >>> sl.log_softmax_backward(logp, [-1.0, 0.0, 0.0]).round(4)   # p - onehot(0)
    array([-0.91  ,  0.2447,  0.6652])
    """
    lw, gw, axes, dtype = _prepare(logp, grad, "logp", axis)
    total = np.sum(gw, axis=axes, keepdims=True, dtype=WIDE_SUM).astype(lw.dtype)
    return restore_dtype(gw - np.exp(lw) * total, dtype)

"""Softmax regression: sigmoid, cross-entropy, the softmax Jacobian and a classifier.

Chapter 4 of the book shows that softmax is logistic regression with more
than two classes. This module holds the pieces that chapter trains with:
:func:`sigmoid` (softmax of ``[z, 0]``), :func:`cross_entropy` (computed
through :func:`~softmax_lib.log_softmax`, never ``log(softmax(x))``),
:func:`softmax_jacobian` and :class:`SoftmaxRegression`, multinomial
logistic regression trained by gradient descent.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_axis, check_int, check_positive_number, restore_dtype
from .core import log_softmax, softmax

__all__ = ["sigmoid", "cross_entropy", "softmax_jacobian", "SoftmaxRegression"]

_REDUCTIONS = ("mean", "sum", "none")


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""The logistic function :math:`1 / (1 + e^{-x})`, elementwise and without overflow.

    Parameters
    ----------
    x : array_like
        Real numbers, any shape (a scalar is allowed: the function is
        elementwise). Integers are converted to float64; float16 is computed
        in float32 and returned as float16.

    Returns
    -------
    numpy.ndarray or numpy.floating
        Same shape as *x*, every entry in [0, 1]; a NumPy scalar for scalar
        input. ``sigmoid(+inf) = 1``, ``sigmoid(-inf) = 0``, NaN stays NaN.

    Raises
    ------
    TypeError
        If *x* is bool, complex, object or string.

    See Also
    --------
    softmax : ``sigmoid(z)`` equals ``softmax([z, 0])[0]``.

    Notes
    -----
    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}} =
        \begin{cases} \dfrac{1}{1 + e^{-|x|}} & x \ge 0 \\[1ex]
                      \dfrac{e^{-|x|}}{1 + e^{-|x|}} & x < 0 \end{cases}

    The textbook form overflows for ``x = -1000`` (``exp(1000)`` is inf and
    NumPy warns). Both branches above only exponentiate ``-|x| <= 0``, so no
    exponential exceeds 1 and nothing overflows; the result is the same
    function. It is the two-class softmax:
    :math:`\sigma(z) = \operatorname{softmax}([z, 0])_0`.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> sl.sigmoid([-1000.0, -2.0, 0.0, 2.0, 1000.0]).round(4)   # no overflow warning
    array([0.    , 0.1192, 0.5   , 0.8808, 1.    ])
    >>> float(sl.sigmoid(2.0).round(6)) == float(sl.softmax([2.0, 0.0])[0].round(6))
    True
    """
    work, dtype = as_float_array(x, "x", min_ndim=0)
    # exp(-|x|) lies in [0, 1]: the one exponential both branches need. Its
    # underflow to 0 for |x| > 745 is the right answer, not an error to report.
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(work))
    result = np.where(work >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    result = restore_dtype(np.asarray(result, dtype=work.dtype), dtype)
    return result[()] if result.ndim == 0 else result


def _probability_tolerance(dtype: np.dtype, n_classes: int) -> float:
    """How far from 1 a sum of *n_classes* probabilities of *dtype* may round."""
    eps = float(np.finfo(dtype).eps) if np.dtype(dtype).kind == "f" else float(np.finfo(np.float64).eps)
    return max(1e-6, math.sqrt(eps) * max(1.0, math.sqrt(n_classes)))


def _check_probabilities(
    p: np.ndarray, name: str, axis: int, dtype: np.dtype, hint: str, *, allow_zero_slices: bool = False
) -> None:
    """Raise unless every slice of *p* along *axis* is a probability vector (or, if allowed, all zeros)."""
    if p.size == 0:
        return
    if np.isnan(p).any():
        raise ValueError(f"{name} contains NaN; expected probabilities in [0, 1]")
    low, high = float(np.min(p)), float(np.max(p))
    if low < 0 or high > 1:
        raise ValueError(f"{name} must hold probabilities in [0, 1]; got values from {low:g} to {high:g}. {hint}")
    sums = np.sum(p, axis=axis, dtype=np.float64)
    if allow_zero_slices:
        sums = np.where(sums == 0.0, 1.0, sums)  # a fully masked slice: softmax's own output there
    tol = _probability_tolerance(dtype, p.shape[axis])
    worst = float(np.max(np.abs(sums - 1.0)))
    if worst > tol:
        raise ValueError(
            f"{name} must sum to 1 along axis {axis} (the class axis); found a sum that is off by "
            f"{worst:.3g} (tolerance {tol:.2g}). {hint}"
        )


def _check_label_smoothing(value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"label_smoothing must be a real number in [0, 1]; got {value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1] (0 means no smoothing, as in PyTorch); got {value!r}")
    return value


def cross_entropy(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    axis: int = -1,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Cross-entropy between the softmax of *logits* and *target*, as in PyTorch.

    Parameters
    ----------
    logits : array_like
        Real scores, at least 1-d, with the classes along *axis*.
    target : array_like
        Either **class indices**: integers in ``[0, C)`` with the shape of
        *logits* without its class axis; or **class probabilities**: floats
        with the same shape as *logits*, each slice along *axis* summing to 1
        (one-hot rows are the special case of hard labels).
    axis : int, default -1
        The class axis of *logits* (and of a probability *target*). PyTorch's
        ``(N, C, d1, ...)`` layout is ``axis=1``.
    label_smoothing : float, default 0.0
        Amount ``eps`` in [0, 1] of smoothing: the target becomes
        ``(1 - eps) * target + eps / C``, exactly as in
        ``torch.nn.functional.cross_entropy``.
    reduction : str, default "mean"
        One of ``"mean"``, ``"sum"``, ``"none"``. ``"mean"`` averages over every position other than the class axis
        (the batch, and any extra dimensions); ``"sum"`` adds them up;
        ``"none"`` returns the loss of each position.

    Returns
    -------
    numpy.ndarray
        A 0-d array for ``"mean"`` and ``"sum"``; for ``"none"``, the shape of
        *logits* without the class axis. float32 and float64 logits keep their
        dtype; float16 is computed in float32 and returned as float16; integer
        logits give float64. The mean over an empty batch is NaN (as in
        PyTorch), without a warning.

    Raises
    ------
    TypeError
        If *logits* is not real, *target* is bool, complex or not numeric, or
        *label_smoothing* is not a real number.
    ValueError
        If the shapes do not match either form of *target*, a class index is
        out of range, a probability target is negative, NaN or does not sum to
        1, *label_smoothing* is outside [0, 1] or *reduction* is unknown.

    See Also
    --------
    log_softmax : the log-probabilities this loss is built from.
    softmax_jacobian : the derivative of softmax, from which the gradient follows.

    Notes
    -----
    With :math:`\log p = \operatorname{log\_softmax}(z)` along the class axis,
    a target distribution :math:`y` and :math:`C` classes,

    .. math::

        \ell(z, y) = -\sum_{c=1}^{C} \tilde y_c \log p_c, \qquad
        \tilde y = (1 - \varepsilon)\, y + \frac{\varepsilon}{C}\mathbf 1,

    where an index target :math:`k` stands for the one-hot :math:`y = e_k`,
    so that without smoothing :math:`\ell = -\log p_k`. The gradient with
    respect to the logits is :math:`\partial \ell / \partial z = p - \tilde y`
    (chapter 4 derives it); divide by the number of positions for the mean.

    The loss is computed from ``log_softmax``, never as ``log(softmax(z))``,
    which gives ``-log(0) = inf`` as soon as a probability underflows. A
    class whose logit is ``-inf`` (masked) contributes nothing when its
    target weight is 0 (the convention :math:`0 \log 0 = 0`); PyTorch gives
    NaN there.

    Unlike PyTorch, there is no ``weight`` or ``ignore_index``, and a
    negative *label_smoothing* is an error (PyTorch ignores it for index
    targets).

    References
    ----------
    C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens and Z. Wojna, "Rethinking
    the Inception architecture for computer vision", CVPR, 2016 (label
    smoothing).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 0.0]])
    >>> float(sl.cross_entropy(logits, [0, 1]).round(4))           # class indices
    0.1681
    >>> float(sl.cross_entropy(logits, np.eye(3)[[0, 1]]).round(4))  # the same as one-hot rows
    0.1681
    >>> sl.cross_entropy(logits, [0, 1], reduction="none").round(4)
    array([0.2413, 0.0949])
    >>> float(sl.cross_entropy(logits, [0, 1], label_smoothing=0.1).round(4))
    0.3431
    """
    work, dtype = as_float_array(logits, "logits")
    axis = check_axis(axis, work.ndim)
    eps = _check_label_smoothing(label_smoothing)
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}; got {reduction!r}")
    n_classes = work.shape[axis]
    batch_shape = work.shape[:axis] + work.shape[axis + 1 :]

    try:
        tgt = np.asarray(target)
    except (ValueError, TypeError) as err:
        raise TypeError(
            f"target must be an array of class indices or probabilities; could not convert it ({err})"
        ) from None
    kind = tgt.dtype.kind
    if kind == "b":
        raise TypeError(
            "target has dtype bool; expected integer class indices or float probabilities. "
            "Convert on purpose: target.astype(int) for indices, target.astype(float) for one-hot rows."
        )
    if kind not in "iuf":
        raise TypeError(f"target has dtype {tgt.dtype}; expected integer class indices or float probabilities")

    logp = log_softmax(work, axis=axis)
    if kind in "iu":
        if tgt.shape != batch_shape:
            raise ValueError(
                f"target holds integers, so it is read as class indices, which need the shape of logits "
                f"without its class axis {axis}: expected {batch_shape}, got {tgt.shape}. "
                "One-hot or soft targets must be floats with the shape of logits."
            )
        if tgt.size and (int(tgt.min()) < 0 or int(tgt.max()) >= n_classes):
            raise ValueError(
                f"target holds class indices from {int(tgt.min())} to {int(tgt.max())}; expected integers "
                f"in [0, {n_classes}) because logits has {n_classes} classes along axis {axis}"
            )
        index = np.expand_dims(tgt.astype(np.intp), axis)
        picked = np.squeeze(np.take_along_axis(logp, index, axis=axis), axis=axis)
        loss = -picked
        if eps > 0:
            # (1 - eps) * (-log p_k) + eps * mean_c(-log p_c): PyTorch's smoothed loss.
            loss = (1.0 - eps) * loss - eps * np.mean(logp, axis=axis)
    else:
        if tgt.shape != work.shape:
            hint = ""
            if tgt.shape == batch_shape:
                hint = (
                    " It has the shape of class indices but a float dtype: if these are indices, "
                    "pass target.astype(int)."
                )
            raise ValueError(
                f"target holds floats, so it is read as class probabilities, which need the shape of "
                f"logits {work.shape}; got {tgt.shape}.{hint}"
            )
        tgt_work = tgt.astype(np.float32) if tgt.dtype == np.float16 else tgt
        _check_probabilities(
            tgt_work, "target", axis, tgt.dtype, "Pass integer class indices or rows of probabilities."
        )
        smoothed = tgt_work.astype(work.dtype, copy=False)
        if eps > 0:
            smoothed = (1.0 - eps) * smoothed + eps / n_classes
        # 0 * log 0 = 0: a masked class (logit -inf) with target weight 0 adds nothing.
        terms = np.where(smoothed > 0, smoothed * np.where(smoothed > 0, logp, 0.0), 0.0)
        loss = -np.sum(terms, axis=axis)

    loss = np.asarray(loss, dtype=work.dtype)
    if reduction == "none":
        return restore_dtype(loss, dtype)
    if reduction == "sum":
        return restore_dtype(np.asarray(np.sum(loss), dtype=work.dtype), dtype)
    if loss.size == 0:
        return restore_dtype(np.asarray(np.nan, dtype=work.dtype), dtype)
    return restore_dtype(np.asarray(np.mean(loss), dtype=work.dtype), dtype)


def softmax_jacobian(p: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""The Jacobian of softmax, :math:`\operatorname{diag}(p) - p p^\top`, from its output *p*.

    Parameters
    ----------
    p : array_like
        Probabilities, the output of :func:`softmax`; every slice along
        *axis* must be non-negative and sum to 1, or be all zeros (what
        :func:`softmax` returns for a fully masked slice; its Jacobian is
        zero). Any number of leading or trailing batch dimensions.
    axis : int, default -1
        The class axis of *p*.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., K, K)``: the batch dimensions of *p* (every axis but
        *axis*, in order) followed by two class axes. Entry ``[..., i, j]`` is
        :math:`\partial p_i / \partial z_j = p_i(\delta_{ij} - p_j)`. For
        ``p`` of shape ``(N, K)`` the result is ``(N, K, K)``; for ``(K, N)``
        with ``axis=0`` it is ``(N, K, K)`` too.

    Raises
    ------
    TypeError
        If *p* is not real or *axis* is not an integer.
    ValueError
        If *p* is 0-d, has a negative or NaN entry, or a slice that neither
        sums to 1 nor is all zeros (logits passed by mistake), or *axis* is
        out of range.

    See Also
    --------
    softmax : the function whose derivative this is.
    softmax_backward : the product ``g @ J`` without forming *J*, accurate in
        float16 and float32; use it for gradients.
    cross_entropy : its gradient is ``p - y``, the Jacobian applied to ``-y / p``.

    Notes
    -----
    .. math::

        J = \frac{\partial \operatorname{softmax}(z)}{\partial z}
          = \operatorname{diag}(p) - p\,p^\top,
        \qquad J_{ij} = p_i(\delta_{ij} - p_j).

    :math:`J` is symmetric and positive semi-definite, and every row and
    column sums to 0, so :math:`J` is singular: its null space contains the
    all-ones vector :math:`\mathbf 1` (and, when all :math:`p_i > 0`, is
    exactly the multiples of :math:`\mathbf 1`). That is softmax's shift
    invariance, :math:`\operatorname{softmax}(z + c\mathbf 1) =
    \operatorname{softmax}(z)`, seen through the derivative: moving every
    logit by the same amount changes nothing.

    float16 *p* is computed in float32 and the Jacobian returned in float16:
    each entry is rounded, and a product ``g @ J`` formed from it cancels.
    For a vector-Jacobian product use :func:`softmax_backward`, which is
    computed in float64 and rounded once.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> p = sl.softmax([1.0, 2.0, 3.0])
    >>> J = sl.softmax_jacobian(p)
    >>> J.round(3)
    array([[ 0.082, -0.022, -0.06 ],
           [-0.022,  0.185, -0.163],
           [-0.06 , -0.163,  0.223]])
    >>> bool(np.abs(J @ np.ones(3)).max() < 1e-15)   # the all-ones vector is in the null space
    True
    >>> sl.softmax_jacobian(np.full((5, 4), 0.25)).shape
    (5, 4, 4)
    >>> sl.softmax_jacobian(sl.softmax([-np.inf, -np.inf]))   # a fully masked row
    array([[0., 0.],
           [0., 0.]])
    """
    work, dtype = as_float_array(p, "p")
    axis = check_axis(axis, work.ndim)
    _check_probabilities(
        work,
        "p",
        axis,
        dtype,
        "softmax_jacobian takes probabilities (the output of sl.softmax), not logits.",
        allow_zero_slices=True,
    )
    q = np.moveaxis(work, axis, -1)
    jac = 0.0 - q[..., :, None] * q[..., None, :]  # 0 - 0 is +0: a masked row gives clean zeros
    k = q.shape[-1]
    diag = np.arange(k)
    jac[..., diag, diag] += q
    return restore_dtype(jac, dtype)


class SoftmaxRegression:
    r"""Multinomial logistic regression, trained by gradient descent on the cross-entropy.

    The model is :math:`p(y = k \mid x) = \operatorname{softmax}(W x + b)_k`
    with weights ``coef_`` :math:`= W` (shape ``(K, d)``, one row per class) and
    biases ``intercept_`` (shape ``(K,)``). Names *and* shapes follow
    scikit-learn's ``LogisticRegression``, whose ``coef_`` is
    ``(n_classes, n_features)``, so the logits of rows ``X`` are
    ``X @ coef_.T + intercept_``. (For two classes scikit-learn stores a single
    row, shape ``(1, n_features)``; this class keeps both rows.)

    Parameters
    ----------
    learning_rate : float, default 0.1
        Step size of gradient descent, a finite number > 0.
    max_iter : int, default 1000
        Number of epochs (passes over the training set). With
        ``batch_size=None`` each epoch is one full-batch gradient step.
    l2 : float, default 0.0
        Strength ``lambda >= 0`` of the penalty :math:`\frac{\lambda}{2}\lVert W\rVert^2`
        on the weights (the biases are not penalised).
    batch_size : int or None, default None
        ``None`` for full-batch gradient descent; otherwise the size of the
        mini-batches, drawn in a shuffled order every epoch.
    random_state : int, default 0
        Seed of the shuffling (``numpy.random.default_rng``). The weights
        start at zero, so full-batch training is deterministic anyway.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The sorted distinct labels seen by :meth:`fit`; column ``k`` of
        :meth:`predict_proba` belongs to ``classes_[k]``.
    coef_ : numpy.ndarray
        Weights, shape ``(n_classes, n_features)`` as in scikit-learn: row
        ``k`` is the weight vector of class ``classes_[k]``.
    intercept_ : numpy.ndarray
        Biases, shape ``(n_classes,)``.
    loss_history_ : numpy.ndarray
        Mean training cross-entropy (without the penalty) before training and
        after every epoch, shape ``(max_iter + 1,)``.
    history_ : dict
        Maps ``"loss"`` and ``"accuracy"`` on the training set, and, when
        ``eval_set`` is given to :meth:`fit`, ``"val_loss"`` and
        ``"val_accuracy"``, to arrays recorded like ``loss_history_``.

    Notes
    -----
    For a batch of :math:`N` rows :math:`X` (shape ``(N, d)``) with one-hot
    labels :math:`Y` and probabilities :math:`P = \operatorname{softmax}(XW^\top + \mathbf 1 b^\top)`,
    the mean cross-entropy has the gradients

    .. math::

        \frac{\partial L}{\partial W} = \frac{1}{N} (P - Y)^\top X + \lambda W, \qquad
        \frac{\partial L}{\partial b} = \frac{1}{N} \sum_{n=1}^{N} (P - Y)_{n,:}.

    The bias gradient sums over the batch axis only (``axis=0``), giving one
    number per class. Summing over *all* axes, a slip that raises no error,
    gives one number for every class, and that number is 0 because every
    row of :math:`P - Y` sums to 0: the biases would never move.

    References
    ----------
    J. S. Bridle, "Probabilistic interpretation of feedforward classification
    network outputs, with relationships to statistical pattern recognition",
    Neurocomputing, 1990.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    >>> y = np.repeat([0, 1, 2], 30)
    >>> X = centres[y] + rng.normal(scale=0.5, size=(90, 2))
    >>> model = sl.SoftmaxRegression(learning_rate=0.5, max_iter=200).fit(X, y)
    >>> model.coef_.shape, model.intercept_.shape     # (n_classes, n_features), (n_classes,)
    ((3, 2), (3,))
    >>> float(model.score(X, y))
    1.0
    >>> model.predict([[2.9, 0.1], [0.1, 2.8]])
    array([1, 2])
    >>> model.predict_proba([[1.5, 0.0]]).round(2)     # between two centres: unsure
    array([[0.39, 0.61, 0.  ]])
    """

    # Set by fit (scikit-learn's names and shapes).
    classes_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray

    def __init__(
        self,
        *,
        learning_rate: float = 0.1,
        max_iter: int = 1000,
        l2: float = 0.0,
        batch_size: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.l2 = l2
        self.batch_size = batch_size
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"SoftmaxRegression(learning_rate={self.learning_rate!r}, max_iter={self.max_iter!r}, "
            f"l2={self.l2!r}, batch_size={self.batch_size!r}, random_state={self.random_state!r})"
        )

    # -- input checks ---------------------------------------------------------------------------

    @staticmethod
    def _check_X(X: ArrayLike, n_features: int | None = None, name: str = "X") -> np.ndarray:
        work, _ = as_float_array(X, name, min_ndim=2)
        if work.ndim != 2:
            raise ValueError(f"{name} must be 2-d, (n_samples, n_features); got shape {work.shape}")
        if not np.all(np.isfinite(work)):
            raise ValueError(f"{name} contains NaN or infinite values; expected finite features")
        if n_features is not None and work.shape[1] != n_features:
            raise ValueError(f"{name} has {work.shape[1]} feature(s) per row; the model was fitted with {n_features}")
        return work.astype(np.float64, copy=False)

    @staticmethod
    def _check_y(y: ArrayLike, n_samples: int, name: str = "y") -> np.ndarray:
        labels = np.asarray(y)
        if labels.ndim != 1:
            raise ValueError(f"{name} must be 1-d, one label per row; got shape {labels.shape}")
        if labels.shape[0] != n_samples:
            raise ValueError(f"{name} has {labels.shape[0]} labels but X has {n_samples} rows")
        if labels.dtype.kind == "f":
            if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
                raise ValueError(f"{name} holds non-integer floats; expected class labels (integers or strings)")
        elif labels.dtype.kind not in "iuUSO":
            raise TypeError(f"{name} has dtype {labels.dtype}; expected class labels (integers or strings)")
        return labels

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise RuntimeError(
                "This SoftmaxRegression is not fitted yet: call fit(X, y) before predict, predict_proba or score."
            )

    def _encode(self, labels: np.ndarray, name: str) -> np.ndarray:
        index = np.searchsorted(self.classes_, labels)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != labels
        if np.any(unknown):
            raise ValueError(
                f"{name} contains label(s) not seen in fit: {np.unique(labels[unknown])[:5].tolist()}; "
                f"known classes are {self.classes_.tolist()}"
            )
        return index

    # -- the model ------------------------------------------------------------------------------

    def _logits(self, X: np.ndarray) -> np.ndarray:
        return X @ self.coef_.T + self.intercept_

    def _loss_and_accuracy(self, X: np.ndarray, index: np.ndarray) -> tuple[float, float]:
        logits = self._logits(X)
        loss = float(cross_entropy(logits, index))
        accuracy = float(np.mean(np.argmax(logits, axis=1) == index))
        return loss, accuracy

    def fit(
        self, X: ArrayLike, y: ArrayLike, *, eval_set: tuple[ArrayLike, ArrayLike] | None = None
    ) -> SoftmaxRegression:
        """Train on rows *X* (shape ``(N, d)``) with labels *y* (shape ``(N,)``).

        Parameters
        ----------
        X : array_like
            Features, 2-d and finite.
        y : array_like
            One label per row: integers or strings; at least two distinct
            classes.
        eval_set : tuple of array_like, optional
            A pair ``(X_val, y_val)``: a held-out set whose loss and accuracy are recorded in
            ``history_`` after every epoch. It is never trained on.

        Returns
        -------
        SoftmaxRegression
            The fitted model itself, so that calls can be chained.
        """
        lr = check_positive_number(self.learning_rate, "learning_rate")
        epochs = check_int(self.max_iter, "max_iter")
        if isinstance(self.l2, (bool, np.bool_)) or not isinstance(self.l2, numbers.Real):
            raise TypeError(f"l2 must be a real number >= 0; got {self.l2!r}")
        l2 = float(self.l2)
        if not (math.isfinite(l2) and l2 >= 0):
            raise ValueError(f"l2 must be a finite number >= 0; got {self.l2!r}")
        X = self._check_X(X)
        labels = self._check_y(y, X.shape[0])
        n, d = X.shape
        batch = n if self.batch_size is None else check_int(self.batch_size, "batch_size")
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y must contain at least 2 classes to learn to tell them apart; got only {self.classes_.tolist()}"
            )
        index = np.searchsorted(self.classes_, labels)
        k = len(self.classes_)
        Y = np.eye(k)[index]

        val = None
        if eval_set is not None:
            if not (isinstance(eval_set, (tuple, list)) and len(eval_set) == 2):
                raise TypeError("eval_set must be a pair (X_val, y_val)")
            X_val = self._check_X(eval_set[0], d, name="eval_set X")
            y_val = self._check_y(eval_set[1], X_val.shape[0], name="eval_set y")
            val = (X_val, self._encode(y_val, "eval_set y"))

        self.coef_ = np.zeros((k, d))  # scikit-learn's layout: one row per class
        self.intercept_ = np.zeros(k)
        rng = np.random.default_rng(self.random_state)
        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        if val is not None:
            history["val_loss"], history["val_accuracy"] = [], []

        def record() -> None:
            loss, acc = self._loss_and_accuracy(X, index)
            history["loss"].append(loss)
            history["accuracy"].append(acc)
            if val is not None:
                v_loss, v_acc = self._loss_and_accuracy(*val)
                history["val_loss"].append(v_loss)
                history["val_accuracy"].append(v_acc)

        record()
        for _ in range(epochs):
            order = np.arange(n) if batch >= n else rng.permutation(n)
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                xb, yb = X[rows], Y[rows]
                residual = (softmax(self._logits(xb), axis=1) - yb) / len(rows)  # dL/dlogits
                grad_w = residual.T @ xb + l2 * self.coef_  # shape (K, d), like coef_
                grad_b = residual.sum(axis=0)  # the batch axis only: one number per class
                self.coef_ -= lr * grad_w
                self.intercept_ -= lr * grad_b
            record()
        self.history_ = {key: np.asarray(values) for key, values in history.items()}
        self.loss_history_ = self.history_["loss"]
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """The logits ``X @ coef_.T + intercept_``, shape ``(N, K)``."""
        self._check_fitted()
        return self._logits(self._check_X(X, self.coef_.shape[1]))

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape ``(N, K)``; each row sums to 1, columns follow ``classes_``."""
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable label of each row, shape ``(N,)``, taken from ``classes_``."""
        logits = self.decision_function(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Accuracy: the fraction of rows of *X* whose predicted label equals *y*."""
        self._check_fitted()
        X = self._check_X(X, self.coef_.shape[1])
        labels = self._check_y(y, X.shape[0])
        return float(np.mean(self.predict(X) == labels))

"""Exercise checkers: run a reader's function on a battery of cases.

Each chapter asks the reader to write softmax, log-softmax or the gradient of
cross-entropy themselves. The checkers here run that function on the cases
where hand-written versions usually go wrong (the worked example, batches and
axes, huge and very negative inputs, shift invariance, float32, an input
modified in place), print one plain line per case saying what was given, what
was expected and what came back, with a hint when the mistake is a known one,
and return a :class:`CheckResult` that is truthy only when every case passed,
so that a test can ``assert sl.check_softmax(my_softmax)``.

The reader's function may return a numpy array, anything ``np.asarray``
accepts, or a (CPU) torch tensor; it is always called with fresh copies of
the inputs, and exceptions and warnings it raises are reported, not raised.

Dtype policy: a float32 input should give a float32 result, as in numpy,
PyTorch and JAX. Returning another dtype is reported as a ``NOTE`` (the values
are still checked, at float32 accuracy) and does not fail the check, because
the mathematics is right; pass ``strict_dtype=True`` to make it a failure.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .core import log_softmax, softmax

__all__ = [
    "CaseResult",
    "CheckResult",
    "check_cross_entropy_grad",
    "check_log_softmax",
    "check_softmax",
]

PASS, FAIL, NOTE = "PASS", "FAIL", "NOTE"

# Tolerances. Every mistake the checkers look for (overflow, wrong axis,
# missing 1/N, log of an underflowed probability) is off by far more than
# these, while a float32 computation of a correct formula is well inside them.
_PROB_TOL = {"rtol": 1e-5, "atol": 1e-7}
_LOGP_TOL = {"rtol": 1e-6, "atol": 1e-6}
_F32_PROB_TOL = {"rtol": 1e-4, "atol": 1e-6}
_F32_LOGP_TOL = {"rtol": 1e-5, "atol": 1e-5}


@dataclass
class CaseResult:
    r"""The outcome of one case of a checker.

    Attributes
    ----------
    name : str
        What the case tests, for example ``"huge inputs"``.
    status : str
        ``"PASS"``, ``"FAIL"`` or ``"NOTE"`` (a remark that does not fail the check).
    message : str
        What was given, expected and returned, and a hint, one item per line;
        empty when the case passed.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> case = sl.CaseResult("huge inputs", "FAIL", "input [1000, 1001]\ngot [nan, nan]")
    >>> case.passed
    False
    >>> print(case.block())
    FAIL  huge inputs
          input [1000, 1001]
          got [nan, nan]
    >>> case.line()
    'FAIL  huge inputs: input [1000, 1001] got [nan, nan]'
    """

    name: str
    status: str
    message: str = ""

    @property
    def passed(self) -> bool:
        """True unless the case failed (a ``NOTE`` counts as passed)."""
        return self.status != FAIL

    def line(self) -> str:
        """The case on one line: status, name and message."""
        return f"{self.status}  {self.name}" + (": " + " ".join(self.message.split("\n")) if self.message else "")

    def block(self, width: int = 80) -> str:
        """The case as the checker prints it: the status line, then the message indented and wrapped."""
        lines = [f"{self.status}  {self.name}"]
        for part in self.message.split("\n") if self.message else []:
            lines.append(textwrap.fill(part, width=width, initial_indent=" " * 6, subsequent_indent=" " * 8))
        return "\n".join(lines)


@dataclass
class CheckResult:
    """What a checker returns: truthy only if every case passed.

    Attributes
    ----------
    name : str
        The checker, for example ``"check_softmax"``.
    cases : list of CaseResult
        One entry per case, in the order they ran.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> result = sl.check_softmax(sl.softmax, verbose=False)
    >>> bool(result), result.n_passed, len(result.cases)
    (True, 10, 10)
    >>> result
    CheckResult('check_softmax': all 10 cases passed)
    """

    name: str
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True if no case failed."""
        return all(case.passed for case in self.cases)

    @property
    def n_passed(self) -> int:
        """How many cases passed (``NOTE`` cases count as passed)."""
        return sum(case.passed for case in self.cases)

    @property
    def failed(self) -> list[CaseResult]:
        """The cases that failed."""
        return [case for case in self.cases if not case.passed]

    def __bool__(self) -> bool:
        return self.passed

    def _tally(self) -> str:
        total = len(self.cases)
        if self.passed:
            return f"all {total} cases passed"
        names = ", ".join(repr(case.name) for case in self.failed)
        return f"{self.n_passed} of {total} cases passed; failed: {names}"

    def summary(self) -> str:
        """One line: how many cases passed, and which failed."""
        return f"{self.name}: {self._tally()}"

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}: {self._tally()})"

    def report(self) -> str:
        """Every case's line, then the summary line."""
        return "\n".join([case.block() for case in self.cases] + [self.summary()])


# --------------------------------------------------------------------------
# Helpers shared by the three checkers


def _fmt(a: Any) -> str:
    """Round and flatten an array to one short, stable line of text."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        return repr(a)
    if arr.size > 12:
        return f"<array of shape {arr.shape}>"

    def number(v: float) -> str:
        if isinstance(v, int):
            return str(v)
        if not np.isfinite(v):
            return str(v)  # 'nan', 'inf', '-inf'
        return f"{round(v, 3) + 0.0:g}"  # + 0.0 turns -0.0 into 0.0

    def nested(v: Any) -> str:
        return "[" + ", ".join(nested(e) for e in v) + "]" if isinstance(v, list) else number(v)

    return nested(arr.tolist())


class _CallFailed(Exception):
    """The reader's function raised, or returned something that is not an array."""


def _to_numpy(out: Any) -> np.ndarray:
    if out is None:
        raise _CallFailed("your function returned None; did you forget `return`?")
    if hasattr(out, "detach") and hasattr(out, "cpu"):  # a torch tensor, without importing torch
        out = out.detach().cpu().numpy()
    try:
        arr = np.asarray(out)
    except Exception as err:  # anything the reader returned
        raise _CallFailed(f"could not turn the result ({type(out).__name__}) into an array: {err}") from None
    if arr.dtype.kind not in "fiu":
        raise _CallFailed(
            f"your function returned {type(out).__name__} of dtype {arr.dtype}; expected an array of numbers"
        )
    return arr


def _call(
    fn: Callable[..., Any], *args: Any, arg_names: tuple[str, ...] = ("x",), **kwargs: Any
) -> tuple[np.ndarray, list[str]]:
    """Call the reader's function; return its result as an array and the warnings it raised.

    *arg_names* name the positional arguments in the hint shown when the call
    itself fails (a TypeError about its arguments).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
        except Exception as err:  # report whatever the reader's code raised
            hint = ""
            text = str(err)
            if "broadcast" in text or "size of tensor" in text:
                hint = (
                    "\nHint: a reduction along one axis dropped that axis; keep it with keepdims=True "
                    "(torch: keepdim=True) so that it broadcasts back against the input."
                )
            elif isinstance(err, TypeError) and "axis" in kwargs and "axis" in text:
                hint = "\nHint: the function must accept the axis as a keyword, e.g. def f(x, axis=-1)."
            elif isinstance(err, TypeError) and "argument" in text:
                shown = ", ".join(list(arg_names) + [f"{k}={v!r}" for k, v in kwargs.items()])
                hint = f"\nHint: the checker calls your function as fn({shown})."
            raise _CallFailed(f"your function raised {type(err).__name__}: {text}{hint}") from None
        arr = _to_numpy(out)
    messages = sorted({str(w.message) for w in caught})
    return arr, messages


def _mismatch(got: np.ndarray, expected: np.ndarray, tol: dict[str, float]) -> str | None:
    """None if *got* matches *expected*, else a sentence saying how it differs."""
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, got shape {got.shape}"
    g = got.astype(np.float64)
    if np.isnan(g).any() and not np.isnan(expected).any():
        return f"expected {_fmt(expected)}\ngot {_fmt(got)}"
    if not np.allclose(g, expected, equal_nan=True, **tol):
        if got.size > 12:
            with np.errstate(invalid="ignore"):
                diff = np.abs(g - expected)
            diff = np.where(np.isnan(diff), np.inf, diff)
            where = np.unravel_index(int(np.argmax(diff)), diff.shape)
            return (
                f"values differ; the largest difference is at index {tuple(int(i) for i in where)}: "
                f"expected {float(expected[where]):.4g}, got {float(g[where]):.4g}"
            )
        return f"expected {_fmt(expected)}\ngot {_fmt(got)}"
    return None


def _close(got: np.ndarray, expected: np.ndarray, tol: dict[str, float]) -> bool:
    return got.shape == expected.shape and bool(
        np.allclose(got.astype(np.float64), expected, rtol=tol["rtol"], atol=tol["atol"])
    )


def _with_warnings(message: str, caught: list[str]) -> str:
    if caught:
        message += "\nYour function warned: " + "; ".join(caught) + "."
    return message


def _finish(result: CheckResult, verbose: bool) -> CheckResult:
    if verbose:
        print(result.report())
    return result


# --------------------------------------------------------------------------
# Softmax and log-softmax share their battery of cases


def _batch() -> np.ndarray:
    # Rows and columns on different scales, and not square, so that
    # normalising along the wrong axis gives visibly different numbers.
    return np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5]])


def _batch3() -> np.ndarray:
    return np.arange(24, dtype=np.float64).reshape(2, 3, 4) % 5 - 2.0


def _check_normaliser(
    fn: Callable[..., Any],
    *,
    log: bool,
    verbose: bool,
    strict_dtype: bool,
) -> CheckResult:
    name = "check_log_softmax" if log else "check_softmax"
    ref = log_softmax if log else softmax
    tol = _LOGP_TOL if log else _PROB_TOL
    tol32 = _F32_LOGP_TOL if log else _F32_PROB_TOL
    what = "log-probabilities" if log else "probabilities"
    result = CheckResult(name)
    add = result.cases.append

    def overflow_hint(got: np.ndarray) -> str:
        if not np.isfinite(got).all():
            return (
                "\nHint: exp overflowed (or underflowed to 0 and gave 0/0): subtract the maximum along "
                "the axis before exponentiating; softmax does not change."
            )
        return ""

    def axis_hint(x: np.ndarray, got: np.ndarray, axis: int) -> str:
        for other in range(x.ndim):
            if other != axis % x.ndim and _close(got, ref(x, axis=other), tol):
                return f"\nHint: these are the {what} along axis {other}, not along axis={axis}; use the axis argument."
        whole = ref(x.reshape(-1)).reshape(x.shape)
        if _close(got, whole, tol):
            return (
                "\nHint: this normalises over the whole array; reduce along the axis only "
                "(np.sum(..., axis=axis, keepdims=True))."
            )
        return ""

    def value_case(case: str, x: np.ndarray, hint: Callable[[np.ndarray], str] = lambda got: "", **kwargs: Any) -> None:
        expected = ref(x, **kwargs)
        shown = f"input {_fmt(x)}" + (f" with {', '.join(f'{k}={v}' for k, v in kwargs.items())}" if kwargs else "")
        try:
            got, caught = _call(fn, x.copy(), **kwargs)
        except _CallFailed as err:
            add(CaseResult(case, FAIL, f"{shown}\n{err}"))
            return
        problem = _mismatch(got, expected, tol)
        if problem is None:
            add(CaseResult(case, PASS))
        else:
            add(CaseResult(case, FAIL, _with_warnings(f"{shown}\n{problem}{hint(got)}", caught)))

    # 1. The book's worked example.
    value_case("worked example", np.array([5.0, 7.0, 10.0]))

    # 2. The defining property, without a reference implementation.
    x = np.array([0.5, -1.0, 2.0, 0.0, 3.5])
    case = f"{what} of a vector: sum of {'exp of ' if log else ''}result is 1"
    try:
        got, _ = _call(fn, x.copy())
        p = np.exp(got.astype(np.float64)) if log else got.astype(np.float64)
        total = float(np.sum(p))
        if got.shape != x.shape:
            add(CaseResult(case, FAIL, f"input {_fmt(x)}\nexpected shape {x.shape}, got shape {got.shape}"))
        elif not (abs(total - 1.0) < 1e-6 and np.all(p >= 0) and np.all(p <= 1 + 1e-12)):
            add(
                CaseResult(
                    case,
                    FAIL,
                    f"input {_fmt(x)}\ngot {_fmt(got)}, whose {'exp ' if log else ''}sum is {total:.6g}, not 1",
                )
            )
        else:
            add(CaseResult(case, PASS))
    except _CallFailed as err:
        add(CaseResult(case, FAIL, f"input {_fmt(x)}\n{err}"))

    # 3-5. Batches and axes.
    b = _batch()
    value_case("batch (3, 4), default axis", b, lambda got: axis_hint(b, got, -1))
    value_case("batch (3, 4), axis=0", b, lambda got: axis_hint(b, got, 0), axis=0)
    b3 = _batch3()
    value_case("3-d array (2, 3, 4), axis=1", b3, lambda got: axis_hint(b3, got, 1), axis=1)

    # 6-7. Inputs that break the naive formula.
    value_case("huge inputs", np.array([1000.0, 1001.0, 1002.0]), overflow_hint)
    value_case("very negative inputs", np.array([-1000.0, -1001.0]), overflow_hint)
    if log:
        x = np.array([0.0, -1000.0])

        def log_hint(got: np.ndarray) -> str:
            if np.isneginf(got).any():
                return (
                    "\nHint: log(softmax(x)) fails here: the probability e^-1000 underflows to 0 and "
                    "log(0) = -inf. Compute x - max - log(sum(exp(x - max))) instead."
                )
            return overflow_hint(got)

        value_case("tiny probability (log of softmax underflows)", x, log_hint)

    # 8. Shift invariance: adding a constant to every score changes nothing.
    x = np.array([[0.3, -1.2, 2.5], [4.0, 4.0, -4.0]])
    case = "shift invariance: f(x + c) == f(x)"
    try:
        base, _ = _call(fn, x.copy())
        bad = []
        for c in (-300.0, 300.0):
            shifted, caught = _call(fn, x + c)
            if not _close(shifted, base.astype(np.float64), tol):
                bad.append(_with_warnings(f"f(x + {c:g}) = {_fmt(shifted)}, but f(x) = {_fmt(base)}", caught))
        if bad:
            add(CaseResult(case, FAIL, f"input x = {_fmt(x)}\n" + "\n".join(bad) + overflow_hint(shifted)))
        else:
            add(CaseResult(case, PASS))
    except _CallFailed as err:
        add(CaseResult(case, FAIL, f"input {_fmt(x)}\n{err}"))

    # 9. float32 in, float32 out.
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 10.0]], dtype=np.float32)
    case = "float32 input"
    try:
        got, caught = _call(fn, x.copy())
        problem = _mismatch(got, ref(x.astype(np.float64)), tol32)
        if problem is not None:
            add(CaseResult(case, FAIL, _with_warnings(f"input {_fmt(x)} (float32)\n{problem}", caught)))
        elif got.dtype != np.float32:
            message = (
                f"values are right, but float32 input came back as {got.dtype}; numpy, PyTorch "
                "and JAX keep float32 (it halves memory and is what GPUs compute in)."
            )
            add(CaseResult(case, FAIL if strict_dtype else NOTE, message))
        else:
            add(CaseResult(case, PASS))
    except _CallFailed as err:
        add(CaseResult(case, FAIL, f"input {_fmt(x)} (float32)\n{err}"))

    # 10. The caller's array must be left alone.
    x = _batch()
    original = x.copy()
    case = "input not modified"
    try:
        _call(fn, x)
        if np.array_equal(x, original):
            add(CaseResult(case, PASS))
        else:
            add(
                CaseResult(
                    case,
                    FAIL,
                    f"your function changed its input (row 0 was {_fmt(original[0])}, is now {_fmt(x[0])})\n"
                    "Hint: an in-place operation such as x -= x.max(...) writes into the caller's array; "
                    "use x = x - x.max(...) instead.",
                )
            )
    except _CallFailed as err:
        add(CaseResult(case, FAIL, str(err)))

    return _finish(result, verbose)


def _check_arguments(checker: str, fn: object, verbose: object, strict_dtype: object) -> None:
    """The checkers' own input policy: a mistake in calling them is an error, not a failed case."""
    if not callable(fn):
        raise TypeError(
            f"{checker}(fn) needs your function itself, e.g. {checker}(my_function); "
            f"got {fn!r} of type {type(fn).__name__}, which cannot be called"
        )
    for name, value in (("verbose", verbose), ("strict_dtype", strict_dtype)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {value!r}")


def check_softmax(fn: Callable[..., Any], *, verbose: bool = True, strict_dtype: bool = False) -> CheckResult:
    r"""Check a reader's softmax on the cases where hand-written ones go wrong.

    Parameters
    ----------
    fn : callable
        ``fn(x, axis=-1)`` returning the softmax of the numpy array *x* along
        *axis*: a numpy array, anything ``np.asarray`` accepts, or a CPU torch
        tensor. To check a torch function, wrap it, for example
        ``lambda x, axis=-1: my_softmax(torch.from_numpy(x), dim=axis).numpy()``.
    verbose : bool, default True
        Print one line per case and a summary line.
    strict_dtype : bool, default False
        Fail (rather than note) a float32 input that does not come back as float32.

    Returns
    -------
    CheckResult
        Truthy only if every case passed; its ``cases`` say which failed and why.

    See Also
    --------
    check_log_softmax, check_cross_entropy_grad, softmax

    Notes
    -----
    The reference is :func:`softmax_lib.softmax`,

    .. math:: \operatorname{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j .

    The cases, in order: the worked example ``[5, 7, 10]``; a vector whose
    result must be non-negative and sum to 1; a (3, 4) batch with the default
    axis and with ``axis=0``, and a (2, 3, 4) array with ``axis=1`` (a function
    that sums over the wrong axis, or over everything, fails these);
    ``[1000, 1001, 1002]`` (the naive ``exp(x) / sum(exp(x))`` overflows to
    inf / inf = NaN); ``[-1000, -1001]`` (it underflows to 0 / 0); shift
    invariance, :math:`f(x + c) = f(x)` for :math:`c = \pm 300`; a float32
    input (values at float32 accuracy; a result in another dtype is a
    ``NOTE``, or a failure with ``strict_dtype=True``); and the input left
    unmodified. Values are compared with relative tolerance 1e-5 and absolute
    tolerance 1e-7 (1e-4 and 1e-6 for float32). Exceptions and warnings from
    *fn* are reported in the failing case, never raised.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> result = sl.check_softmax(sl.softmax)
    PASS  worked example
    PASS  probabilities of a vector: sum of result is 1
    PASS  batch (3, 4), default axis
    PASS  batch (3, 4), axis=0
    PASS  3-d array (2, 3, 4), axis=1
    PASS  huge inputs
    PASS  very negative inputs
    PASS  shift invariance: f(x + c) == f(x)
    PASS  float32 input
    PASS  input not modified
    check_softmax: all 10 cases passed
    >>> naive = sl.check_softmax(sl.softmax_naive, verbose=False)
    >>> bool(naive), [case.name for case in naive.failed]
    (False, ['huge inputs', 'very negative inputs'])
    >>> print(naive.failed[0].block())
    FAIL  huge inputs
          input [1000, 1001, 1002]
          expected [0.09, 0.245, 0.665]
          got [nan, nan, nan]
          Hint: exp overflowed (or underflowed to 0 and gave 0/0): subtract the
            maximum along the axis before exponentiating; softmax does not change.
          Your function warned: invalid value encountered in divide; overflow
            encountered in exp.
    """
    _check_arguments("check_softmax", fn, verbose, strict_dtype)
    return _check_normaliser(fn, log=False, verbose=verbose, strict_dtype=strict_dtype)


def check_log_softmax(fn: Callable[..., Any], *, verbose: bool = True, strict_dtype: bool = False) -> CheckResult:
    r"""Check a reader's log-softmax, including where ``log(softmax(x))`` breaks.

    Parameters
    ----------
    fn : callable
        ``fn(x, axis=-1)`` returning the log-softmax of the numpy array *x*
        along *axis* (a numpy array, array-like, or CPU torch tensor).
    verbose : bool, default True
        Print one line per case and a summary line.
    strict_dtype : bool, default False
        Fail (rather than note) a float32 input that does not come back as float32.

    Returns
    -------
    CheckResult
        Truthy only if every case passed.

    See Also
    --------
    check_softmax, log_softmax

    Notes
    -----
    The reference is :func:`softmax_lib.log_softmax`,

    .. math:: \log\operatorname{softmax}(z)_i = z_i - m - \log \sum_j e^{z_j - m}, \qquad m = \max_j z_j .

    The cases are those of :func:`check_softmax` (the sum case checks that the
    exponentials of the result sum to 1), plus ``[0, -1000]``, whose second
    log-probability is -1000: ``log(softmax(x))`` gives ``log(0) = -inf``
    there and fails. Values are compared with absolute and relative tolerance
    1e-6 (1e-5 for float32). The check does not demand more than the
    standard shifted formula achieves: at the maximum of ``[0, -40]`` the
    exact value is about -4.2e-18, and the formula's 0.0 is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> bool(sl.check_log_softmax(sl.log_softmax, verbose=False))
    True
    >>> def log_of_softmax(x, axis=-1):
    ...     return np.log(sl.softmax(x, axis=axis))
    >>> result = sl.check_log_softmax(log_of_softmax, verbose=False)   # its warning is reported, not raised
    >>> result
    CheckResult('check_log_softmax': 10 of 11 cases passed; failed: 'tiny probability (log of softmax underflows)')
    """
    _check_arguments("check_log_softmax", fn, verbose, strict_dtype)
    return _check_normaliser(fn, log=True, verbose=verbose, strict_dtype=strict_dtype)


# --------------------------------------------------------------------------
# The gradient of the mean cross-entropy


_GRAD_ARGS = ("logits", "labels")


def _grad_reference(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    n, k = logits.shape
    onehot = np.eye(k)[labels]
    return (softmax(logits.astype(np.float64)) - onehot) / n


def _mean_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    logp = log_softmax(logits)
    return float(-np.mean(logp[np.arange(len(labels)), labels]))


def _finite_difference_grad(logits: np.ndarray, labels: np.ndarray, h: float = 1e-5) -> np.ndarray:
    grad = np.zeros_like(logits, dtype=np.float64)
    for index in np.ndindex(*logits.shape):
        up, down = logits.astype(np.float64), logits.astype(np.float64)
        up[index] += h
        down[index] -= h
        grad[index] = (_mean_cross_entropy(up, labels) - _mean_cross_entropy(down, labels)) / (2 * h)
    return grad


def check_cross_entropy_grad(
    fn: Callable[..., Any], *, verbose: bool = True, strict_dtype: bool = False
) -> CheckResult:
    r"""Check a reader's gradient of the mean cross-entropy with respect to the logits.

    Parameters
    ----------
    fn : callable
        ``fn(logits, labels)`` with *logits* a float array of shape (N, K) and
        *labels* an int array of shape (N,) holding class indices in
        ``0..K-1``; returns the gradient of the **mean** cross-entropy over the
        batch with respect to *logits*, shape (N, K).
    verbose : bool, default True
        Print one line per case and a summary line.
    strict_dtype : bool, default False
        Fail (rather than note) float32 logits whose gradient is not float32.

    Returns
    -------
    CheckResult
        Truthy only if every case passed.

    See Also
    --------
    check_softmax, softmax

    Notes
    -----
    For :math:`L = -\frac1N \sum_n \log \operatorname{softmax}(z_n)_{y_n}`,

    .. math:: \frac{\partial L}{\partial z_{nk}} = \frac{1}{N}\bigl(\operatorname{softmax}(z_n)_k - [k = y_n]\bigr).

    The checker's reference is this formula, computed with
    :func:`softmax_lib.softmax`; on the first case it is also confirmed by
    central finite differences of the loss. The cases: one example by hand;
    a batch of 4 (a gradient without the :math:`1/N` is 4 times too large and
    fails, with a hint); a (5, 3) batch, not square, so a transposed or
    wrongly shaped result fails; huge and very negative logits (the naive
    softmax inside the gradient gives NaN); each row summing to 0; float32
    logits; and inputs left unmodified. Values are compared with relative
    tolerance 1e-5 and absolute tolerance 1e-7 (1e-4, 1e-6 for float32).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> def grad(logits, labels):
    ...     p = sl.softmax(logits)
    ...     p[np.arange(len(labels)), labels] -= 1
    ...     return p / len(labels)
    >>> bool(sl.check_cross_entropy_grad(grad, verbose=False))
    True
    >>> def grad_sum(logits, labels):      # the gradient of the summed loss
    ...     return grad(logits, labels) * len(labels)
    >>> result = sl.check_cross_entropy_grad(grad_sum, verbose=False)
    >>> [case.name for case in result.failed]
    ['batch of 4', 'batch (5, 3), not square', 'huge and very negative logits', 'float32 logits']
    >>> print(result.failed[0].message.split("Hint: ")[1])
    your gradient is 4 times too large, and the batch has N = 4 examples: the loss is the mean over the batch, so divide by N.
    """
    _check_arguments("check_cross_entropy_grad", fn, verbose, strict_dtype)
    result = CheckResult("check_cross_entropy_grad")
    add = result.cases.append

    def hints(logits: np.ndarray, labels: np.ndarray, got: np.ndarray) -> str:
        expected = _grad_reference(logits, labels)
        n = logits.shape[0]
        if got.shape != expected.shape:
            if got.shape == expected.T.shape:
                return "\nHint: the result is transposed; return one row per example, shape (N, K)."
            return "\nHint: return one gradient entry per logit, shape (N, K), like the logits."
        g = got.astype(np.float64)
        if not np.isfinite(g).all():
            return "\nHint: exp overflowed: compute softmax with the maximum of each row subtracted."
        if n > 1 and _close(g, expected * n, _PROB_TOL):
            return (
                f"\nHint: your gradient is {n} times too large, and the batch has N = {n} examples: "
                "the loss is the mean over the batch, so divide by N."
            )
        if _close(g, -expected, _PROB_TOL):
            return "\nHint: the sign is flipped; the gradient is softmax minus one-hot, not one-hot minus softmax."
        p = softmax(logits.astype(np.float64))
        if _close(g, p / n, _PROB_TOL) or _close(g, p, _PROB_TOL):
            return "\nHint: you forgot to subtract the one-hot labels from the probabilities."
        if _close(g, (p - np.eye(logits.shape[1])[labels]) / logits.shape[1], _PROB_TOL):
            return "\nHint: divide by the batch size N (rows), not the number of classes K (columns)."
        return ""

    def grad_case(
        case: str, logits: np.ndarray, labels: np.ndarray, tol: dict[str, float] = _PROB_TOL
    ) -> np.ndarray | None:
        expected = _grad_reference(logits, labels)
        shown = f"logits {_fmt(logits)}, labels {_fmt(labels)}"
        if logits.dtype == np.float32:
            shown += " (float32)"
        try:
            got, caught = _call(fn, logits.copy(), labels.copy(), arg_names=_GRAD_ARGS)
        except _CallFailed as err:
            add(CaseResult(case, FAIL, f"{shown}\n{err}"))
            return None
        problem = _mismatch(got, expected, tol)
        if problem is None:
            add(CaseResult(case, PASS))
            return got
        add(CaseResult(case, FAIL, _with_warnings(f"{shown}\n{problem}{hints(logits, labels, got)}", caught)))
        return None

    # 1. One example, small enough to do by hand; the reference is confirmed
    # by finite differences, so the checker does not just trust the formula.
    logits = np.array([[1.0, 2.0, 3.0]])
    labels = np.array([0])
    fd = _finite_difference_grad(logits, labels)
    if not np.allclose(fd, _grad_reference(logits, labels), rtol=1e-6, atol=1e-9):  # pragma: no cover
        raise RuntimeError(
            "check_cross_entropy_grad: reference disagrees with finite differences (a bug in the checker)"
        )
    grad_case("one example by hand (reference confirmed by finite differences)", logits, labels)

    # 2. The mean over a batch: forgetting 1/N fails here.
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [-1.0, 3.0, 1.0]])
    labels = np.array([0, 1, 2, 1])
    grad_case("batch of 4", logits, labels)

    # 3. Not square, so that shape and axis mistakes show.
    rng = np.random.default_rng(5)
    logits = np.round(rng.normal(size=(5, 3)) * 2, 2)
    labels = np.array([2, 0, 1, 1, 0])
    got = grad_case("batch (5, 3), not square", logits, labels)

    # 4. Each row of the gradient sums to zero (probabilities and one-hot both sum to 1).
    case = "each row of the gradient sums to 0"
    if got is None:
        try:
            got, _ = _call(fn, logits.copy(), labels.copy(), arg_names=_GRAD_ARGS)
        except _CallFailed as err:
            got = None
            add(CaseResult(case, FAIL, str(err)))
    if got is not None:
        if got.ndim == 2 and got.shape[0] == logits.shape[0]:
            sums = got.astype(np.float64).sum(axis=1)
            if np.allclose(sums, 0.0, atol=1e-7):
                add(CaseResult(case, PASS))
            else:
                add(CaseResult(case, FAIL, f"logits {_fmt(logits)}\nthe row sums are {_fmt(sums)}, expected zeros"))
        else:
            add(CaseResult(case, FAIL, f"expected shape {logits.shape}, got shape {got.shape}."))

    # 5. Logits that overflow a naive softmax.
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    grad_case("huge and very negative logits", logits, np.array([0, 2]))

    # 6. float32 in, float32 out.
    logits32 = np.array([[1.0, -2.0, 0.5], [3.0, 3.0, -1.0]], dtype=np.float32)
    labels32 = np.array([2, 0])
    case = "float32 logits"
    before = len(result.cases)
    got32 = grad_case(case, logits32, labels32, _F32_PROB_TOL)
    if got32 is not None and got32.dtype != np.float32:
        result.cases[before] = CaseResult(
            case,
            FAIL if strict_dtype else NOTE,
            f"values are right, but float32 logits gave a {got32.dtype} gradient; frameworks keep float32.",
        )

    # 7. Neither the logits nor the labels may be changed.
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
    labels = np.array([0, 1])
    saved = logits.copy(), labels.copy()
    case = "inputs not modified"
    try:
        _call(fn, logits, labels, arg_names=_GRAD_ARGS)
        if np.array_equal(logits, saved[0]) and np.array_equal(labels, saved[1]):
            add(CaseResult(case, PASS))
        else:
            add(
                CaseResult(
                    case,
                    FAIL,
                    "your function changed the logits or the labels it was given\nHint: work on a copy "
                    "(p = softmax(logits) is already a new array; logits -= ... is not).",
                )
            )
    except _CallFailed as err:
        add(CaseResult(case, FAIL, str(err)))

    return _finish(result, verbose)

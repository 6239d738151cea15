"""Input checks shared by every public function of softmax_lib.

One home for the input policy, so that every function answers bad input
with the same kind of message: the argument's name, what it got, and what
was expected.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "as_array",
    "as_float_array",
    "check_axes",
    "check_axis",
    "check_bool",
    "check_int",
    "check_positive_number",
    "check_temperature",
    "restore_dtype",
]


def as_array(x: ArrayLike, name: str) -> np.ndarray:
    """``np.asarray(x)``, with an error that names the argument when *x* is ragged or not array-like."""
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as err:
        raise TypeError(
            f"{name} must be an array of real numbers; could not convert {type(x).__name__} to an array ({err})"
        ) from None


def as_float_array(x: ArrayLike, name: str = "x", *, min_ndim: int = 1) -> tuple[np.ndarray, np.dtype]:
    """Convert *x* to a floating array to compute in, and the dtype to return.

    float32 and float64 are kept; float16 is converted to float32 (as every
    framework does under mixed precision) and returned as float16; integers
    become float64. bool, complex, object and string input is refused,
    because none of them has an order that softmax could respect.

    The returned array may be *x* itself: callers must never write into it.
    """
    arr = as_array(x, name)
    kind = arr.dtype.kind
    if kind in "fiu":
        pass
    elif kind == "b":
        raise TypeError(
            f"{name} has dtype bool; expected real numbers (float or int). "
            f"Convert on purpose, for example {name}.astype(float), if True/False are scores."
        )
    elif kind == "c":
        raise TypeError(f"{name} has dtype {arr.dtype} (complex); expected real numbers (float or int)")
    else:
        raise TypeError(f"{name} has dtype {arr.dtype}; expected real numbers (float or int)")
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s); got a {arr.ndim}-d array "
            f"(shape {arr.shape}). Softmax normalises along an axis: wrap a single score in a list."
        )
    return_dtype = arr.dtype if kind == "f" else np.dtype(np.float64)
    if arr.dtype == np.float16:
        work = arr.astype(np.float32)
    elif kind == "f" and arr.dtype.itemsize >= 4:
        work = arr
    else:
        work = arr.astype(np.float64)
    return work, return_dtype


def restore_dtype(result: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Return *result* in the caller's dtype (float16 input was worked on as float32)."""
    return result if result.dtype == dtype else result.astype(dtype)


def check_axis(axis: object, ndim: int, name: str = "axis") -> int:
    """Return *axis* as a non-negative int, or raise a clear error."""
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer; got the bool {axis!r}")
    try:
        index = operator.index(axis)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an integer (one axis); got {axis!r} of type {type(axis).__name__}") from None
    if not -ndim <= index < ndim:
        raise np.exceptions.AxisError(
            f"{name}={index} is out of range for an array with {ndim} dimension(s); "
            f"expected an integer from {-ndim} to {ndim - 1}"
        )
    return index % ndim


def check_axes(axis: object, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """Return *axis* (an int, a tuple of ints, or None for all axes) as sorted non-negative ints.

    A repeated axis is an error, as in numpy's reductions.
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, tuple):
        if not axis:
            raise ValueError(f"{name} must name at least one axis; got the empty tuple ()")
        axes = tuple(check_axis(a, ndim, name) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{name}={axis!r} names an axis twice; expected distinct axes")
        return tuple(sorted(axes))
    if isinstance(axis, list):
        raise TypeError(f"{name} must be an integer, a tuple of integers or None; got the list {axis!r}")
    return (check_axis(axis, ndim, name),)


def check_bool(value: object, name: str) -> bool:
    """Return *value* if it is True or False, else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_where(where: ArrayLike, shape: tuple[int, ...], name: str = "where") -> np.ndarray:
    """Return *where* as a bool array broadcast to *shape* (True = takes part), or raise."""
    arr = as_array(where, name)
    if arr.dtype != np.bool_:
        raise TypeError(
            f"{name} must be a boolean array (True = the entry takes part); got dtype {arr.dtype}. "
            f"Convert on purpose, e.g. {name}=(mask != 0)."
        )
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {arr.shape} does not broadcast to x's shape {shape}") from None


@overload
def check_int(
    value: object, name: str, *, minimum: int = ..., allow_none: Literal[False] = ..., note: str = ...
) -> int: ...
@overload
def check_int(
    value: object, name: str, *, minimum: int = ..., allow_none: bool = ..., note: str = ...
) -> int | None: ...
def check_int(value: object, name: str, *, minimum: int = 1, allow_none: bool = False, note: str = "") -> int | None:
    """Return *value* as an int >= *minimum* (or None, if allowed), or raise a clear error.

    *note* says in brackets what the number means, e.g. "decimal digits of mpmath's precision".
    """
    expected = f"{'None or ' if allow_none else ''}an integer >= {minimum}{f' ({note})' if note else ''}"
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {expected}; got the bool {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be {expected}; got {value!r} of type {type(value).__name__}") from None
    if number < minimum:
        raise ValueError(f"{name} must be {expected}; got {number}")
    return number


def check_positive_number(value: object, name: str, *, hint: str = "") -> float:
    """Return *value* as a float if it is a finite real number > 0, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}.{(' ' + hint) if hint else ''}")
    return value


def check_temperature(temperature: object) -> float:
    """Check a softmax temperature; T -> 0 is a limit, not a value to divide by."""
    return check_positive_number(
        temperature,
        "temperature",
        hint=(
            "As temperature -> 0 softmax tends to the one-hot argmax: use np.argmax "
            "(or sl.sample(..., temperature=0) for greedy decoding) instead of T = 0."
        ),
    )

"""Tests of the exercise checkers: right answers pass, the usual mistakes fail with a useful message."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import torch

import softmax_lib as sl
from softmax_lib.exercises import _grad_reference

# --------------------------------------------------------------------------
# Readers' implementations, right and wrong


def max_shifted_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def torch_softmax_by_hand(x, axis=-1):
    t = torch.from_numpy(x)
    e = torch.exp(t - t.amax(dim=axis, keepdim=True))
    return e / e.sum(dim=axis, keepdim=True)  # a tensor: the checker converts it


def softmax_over_axis_0(x, axis=-1):
    return max_shifted_softmax(x, axis=0)


def softmax_of_whole_array(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_without_keepdims(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis))
    return e / np.sum(e, axis=axis)


def softmax_in_place(x, axis=-1):
    x -= np.max(x, axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= np.sum(x, axis=axis, keepdims=True)
    return x


def softmax_in_float64(x, axis=-1):
    return max_shifted_softmax(np.asarray(x, dtype=np.float64), axis=axis)


def shifted_log_softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def log_of_softmax(x, axis=-1):
    return np.log(max_shifted_softmax(x, axis=axis))


def true_gradient(logits, labels):
    p = sl.softmax(logits)
    p[np.arange(len(labels)), labels] -= 1.0
    return p / len(labels)


def autograd_gradient(logits, labels):
    z = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.from_numpy(labels)).backward()
    return z.grad  # a tensor: the checker converts it


def gradient_of_the_sum(logits, labels):
    return true_gradient(logits, labels) * len(labels)


def gradient_with_naive_softmax(logits, labels):
    p = sl.softmax_naive(logits)
    p[np.arange(len(labels)), labels] -= 1.0
    return p / len(labels)


def names(result):
    return [case.name for case in result.failed]


def message_of(result, name):
    return next(case.message for case in result.cases if case.name == name)


# --------------------------------------------------------------------------
# check_softmax


@pytest.mark.parametrize("fn", [sl.softmax, max_shifted_softmax, torch_softmax_by_hand])
def test_check_softmax_passes_correct_implementations(fn):
    result = sl.check_softmax(fn, verbose=False)
    assert result
    assert result.passed and not result.failed
    assert len(result.cases) == 10


def test_check_softmax_fails_the_naive_formula_on_huge_and_very_negative_inputs():
    result = sl.check_softmax(sl.softmax_naive, verbose=False)
    assert not result
    assert names(result) == ["huge inputs", "very negative inputs"]
    message = message_of(result, "huge inputs")
    assert "input [1000, 1001, 1002]" in message
    assert "expected [0.09, 0.245, 0.665]" in message
    assert "got [nan, nan, nan]" in message
    assert "subtract the maximum" in message
    assert "overflow encountered in exp" in message  # the warning is reported, not emitted


def test_check_softmax_fails_softmax_over_the_wrong_axis_on_batches():
    result = sl.check_softmax(softmax_over_axis_0, verbose=False)
    assert not result
    assert "batch (3, 4), default axis" in names(result)
    assert "3-d array (2, 3, 4), axis=1" in names(result)
    assert "along axis 0, not along axis=-1" in message_of(result, "batch (3, 4), default axis")


def test_check_softmax_fails_an_implementation_that_ignores_axis():
    def ignores_axis(x, axis=-1):
        return max_shifted_softmax(x)  # always the last axis

    result = sl.check_softmax(ignores_axis, verbose=False)
    assert names(result) == ["batch (3, 4), axis=0", "3-d array (2, 3, 4), axis=1"]


def test_check_softmax_fails_normalising_over_the_whole_array():
    result = sl.check_softmax(softmax_of_whole_array, verbose=False)
    assert "batch (3, 4), default axis" in names(result)
    assert "normalises over the whole array" in message_of(result, "batch (3, 4), default axis")


def test_check_softmax_hints_keepdims_when_the_reduced_axis_does_not_broadcast():
    result = sl.check_softmax(softmax_without_keepdims, verbose=False)
    assert "batch (3, 4), default axis" in names(result)
    assert "keepdims=True" in message_of(result, "batch (3, 4), default axis")


def test_check_softmax_fails_a_function_that_modifies_its_input():
    result = sl.check_softmax(softmax_in_place, verbose=False)
    assert names(result) == ["input not modified"]


def test_check_softmax_fails_unnormalised_exponentials():
    result = sl.check_softmax(lambda x, axis=-1: np.exp(x - np.max(x, axis=axis, keepdims=True)), verbose=False)
    assert "probabilities of a vector: sum of result is 1" in names(result)


def test_check_softmax_reports_an_exception_instead_of_raising():
    def broken(x, axis=-1):
        raise RuntimeError("not written yet")

    result = sl.check_softmax(broken, verbose=False)
    assert not result
    assert result.n_passed == 0
    assert "your function raised RuntimeError: not written yet" in result.cases[0].message


def test_check_softmax_reports_a_function_without_an_axis_argument():
    result = sl.check_softmax(lambda x: max_shifted_softmax(x), verbose=False)
    assert "def f(x, axis=-1)" in message_of(result, "batch (3, 4), axis=0")


def test_check_cross_entropy_grad_reports_a_function_with_the_wrong_arguments():
    result = sl.check_cross_entropy_grad(lambda logits: logits, verbose=False)
    message = result.cases[0].message
    assert "your function raised TypeError" in message
    assert "fn(logits, labels)" in message
    assert "axis" not in message  # the axis hint belongs to check_softmax only


def test_check_softmax_reports_a_missing_return():
    result = sl.check_softmax(lambda x, axis=-1: None, verbose=False)
    assert "did you forget `return`" in result.cases[0].message


def test_check_softmax_float32_to_float64_is_a_note_unless_strict_dtype():
    lenient = sl.check_softmax(softmax_in_float64, verbose=False)
    assert lenient
    statuses = {case.name: case.status for case in lenient.cases}
    assert statuses["float32 input"] == "NOTE"
    strict = sl.check_softmax(softmax_in_float64, verbose=False, strict_dtype=True)
    assert not strict
    assert names(strict) == ["float32 input"]


def test_check_softmax_fails_wrong_values_in_float32():
    def softmax_in_float16(x, axis=-1):
        return max_shifted_softmax(np.asarray(x, dtype=np.float16), axis=axis).astype(x.dtype)

    assert "float32 input" in names(sl.check_softmax(softmax_in_float16, verbose=False))


def test_checkers_do_not_let_the_readers_warnings_escape():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sl.check_softmax(sl.softmax_naive, verbose=False)
        sl.check_log_softmax(log_of_softmax, verbose=False)
        sl.check_cross_entropy_grad(gradient_with_naive_softmax, verbose=False)


def test_verbose_prints_one_status_line_per_case_then_a_summary(capsys):
    result = sl.check_softmax(sl.softmax_naive)
    lines = capsys.readouterr().out.splitlines()
    status_lines = [line for line in lines if line[:4] in ("PASS", "FAIL", "NOTE")]
    assert len(status_lines) == len(result.cases) == 10
    assert sum(line.startswith("FAIL") for line in status_lines) == 2
    assert lines[-1] == "check_softmax: 8 of 10 cases passed; failed: 'huge inputs', 'very negative inputs'"
    assert all(len(line) <= 80 for line in lines[:-1])  # readable in a notebook


def test_verbose_false_prints_nothing(capsys):
    sl.check_softmax(sl.softmax_naive, verbose=False)
    assert capsys.readouterr().out == ""


def test_check_result_is_truthy_only_when_every_case_passed():
    cases = [sl.CaseResult("a", "PASS"), sl.CaseResult("b", "NOTE", "a remark")]
    assert sl.CheckResult("demo", cases)
    assert not sl.CheckResult("demo", cases + [sl.CaseResult("c", "FAIL", "wrong")])
    assert repr(sl.CheckResult("demo", cases)) == "CheckResult('demo': all 2 cases passed)"
    failing = sl.CheckResult("demo", cases + [sl.CaseResult("c", "FAIL", "wrong")])
    assert repr(failing) == "CheckResult('demo': 2 of 3 cases passed; failed: 'c')"


# --------------------------------------------------------------------------
# check_log_softmax


@pytest.mark.parametrize(
    "fn",
    [
        sl.log_softmax,
        shifted_log_softmax,
        lambda x, axis=-1: torch.log_softmax(torch.from_numpy(x), dim=axis),
    ],
)
def test_check_log_softmax_passes_correct_implementations(fn):
    result = sl.check_log_softmax(fn, verbose=False)
    assert result
    assert len(result.cases) == 11


def test_check_log_softmax_accepts_exact_zero_at_the_maximum():
    # The standard shifted formula returns 0.0 at the maximum of [0, -40],
    # where the exact value is -4.2e-18; the checker must not demand more.
    assert float(shifted_log_softmax(np.array([0.0, -40.0]))[0]) == 0.0
    assert sl.check_log_softmax(shifted_log_softmax, verbose=False)


def test_check_log_softmax_fails_log_of_softmax_where_the_probability_underflows():
    result = sl.check_log_softmax(log_of_softmax, verbose=False)
    assert names(result) == ["tiny probability (log of softmax underflows)"]
    message = message_of(result, "tiny probability (log of softmax underflows)")
    assert "got [0, -inf]" in message
    assert "log(0) = -inf" in message


def test_check_log_softmax_fails_the_naive_formula_on_huge_inputs():
    result = sl.check_log_softmax(lambda x, axis=-1: np.log(sl.softmax_naive(x, axis=axis)), verbose=False)
    assert "huge inputs" in names(result)
    assert not result


def test_check_log_softmax_fails_softmax_instead_of_log_softmax():
    result = sl.check_log_softmax(sl.softmax, verbose=False)
    assert "worked example" in names(result)


# --------------------------------------------------------------------------
# check_cross_entropy_grad


@pytest.mark.parametrize("fn", [true_gradient, autograd_gradient])
def test_check_cross_entropy_grad_passes_the_true_gradient(fn):
    result = sl.check_cross_entropy_grad(fn, verbose=False)
    assert result
    assert len(result.cases) == 7


def test_check_cross_entropy_grad_fails_a_gradient_without_one_over_n():
    result = sl.check_cross_entropy_grad(gradient_of_the_sum, verbose=False)
    assert not result
    assert "batch of 4" in names(result)
    assert "4 times too large" in message_of(result, "batch of 4")
    # N = 1 in the hand case, where the mistake is invisible
    assert "one example by hand (reference confirmed by finite differences)" not in names(result)


def test_check_cross_entropy_grad_fails_a_transposed_gradient():
    result = sl.check_cross_entropy_grad(lambda z, y: true_gradient(z, y).T, verbose=False)
    assert "batch (5, 3), not square" in names(result)
    assert "transposed" in message_of(result, "batch (5, 3), not square")


def test_check_cross_entropy_grad_fails_a_flipped_sign():
    result = sl.check_cross_entropy_grad(lambda z, y: -true_gradient(z, y), verbose=False)
    assert "sign is flipped" in message_of(result, "batch of 4")


def test_check_cross_entropy_grad_fails_probabilities_without_the_one_hot():
    result = sl.check_cross_entropy_grad(lambda z, y: sl.softmax(z) / len(y), verbose=False)
    assert "each row of the gradient sums to 0" in names(result)
    assert "one-hot" in message_of(result, "batch of 4")


def test_check_cross_entropy_grad_fails_dividing_by_the_number_of_classes():
    def over_k(z, y):
        return true_gradient(z, y) * len(y) / z.shape[1]

    result = sl.check_cross_entropy_grad(over_k, verbose=False)
    assert "not the number of classes" in message_of(result, "batch (5, 3), not square")


def test_check_cross_entropy_grad_fails_a_naive_softmax_on_huge_logits():
    result = sl.check_cross_entropy_grad(gradient_with_naive_softmax, verbose=False)
    assert names(result) == ["huge and very negative logits"]


def test_check_cross_entropy_grad_fails_a_function_that_modifies_the_logits():
    def in_place(z, y):
        z -= z.max(axis=1, keepdims=True)
        return true_gradient(z, y)

    assert names(sl.check_cross_entropy_grad(in_place, verbose=False)) == ["inputs not modified"]


def test_check_cross_entropy_grad_reports_an_exception_instead_of_raising():
    result = sl.check_cross_entropy_grad(lambda z, y: z[y, y, y], verbose=False)
    assert not result
    assert "your function raised IndexError" in result.cases[0].message


# --------------------------------------------------------------------------
# The checkers' own references, against independent computations


def _mp_mean_cross_entropy(logits, labels):
    total = mpmath.mpf(0)
    for row, label in zip(logits, labels):
        total += mpmath.log(sum(mpmath.exp(v) for v in row)) - row[label]
    return total / len(labels)


def test_gradient_reference_matches_high_precision_finite_differences():
    mpmath.mp.dps = 50
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [-1.0, 3.0, 1.0]])
    labels = np.array([0, 1, 2, 1])
    h = mpmath.mpf("1e-20")
    rows = [[mpmath.mpf(v) for v in row] for row in logits]
    fd = np.zeros_like(logits)
    for i in range(logits.shape[0]):
        for k in range(logits.shape[1]):
            up = [r[:] for r in rows]
            down = [r[:] for r in rows]
            up[i][k] += h
            down[i][k] -= h
            fd[i, k] = float((_mp_mean_cross_entropy(up, labels) - _mp_mean_cross_entropy(down, labels)) / (2 * h))
    np.testing.assert_allclose(_grad_reference(logits, labels), fd, rtol=1e-13, atol=1e-15)


def test_worked_example_reference_matches_mpmath():
    mpmath.mp.dps = 50
    exps = [mpmath.exp(v) for v in (5, 7, 10)]
    exact = [float(e / sum(exps)) for e in exps]
    np.testing.assert_allclose(sl.softmax([5.0, 7.0, 10.0]), exact, rtol=1e-14)
    assert np.round(exact, 3).tolist() == [0.006, 0.047, 0.946]


@pytest.mark.parametrize("checker", [sl.check_softmax, sl.check_log_softmax, sl.check_cross_entropy_grad])
def test_calling_a_checker_wrongly_is_an_error_that_names_the_argument(checker):
    # Found by the input-policy table: fn=42 and verbose="yes" were accepted.
    with pytest.raises(TypeError, match=r"needs your function itself.*got 42 of type int"):
        checker(42)
    with pytest.raises(TypeError, match=r"verbose must be True or False; got 'yes'"):
        checker(sl.softmax, verbose="yes")
    with pytest.raises(TypeError, match=r"strict_dtype must be True or False; got 'yes'"):
        checker(sl.softmax, strict_dtype="yes")

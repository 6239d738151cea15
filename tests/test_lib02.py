"""softmax_lib 0.2 (issue 12): what users of scipy, JAX and PyTorch expect.

References are built independently of the code under test: the compressed
subset for ``where=``, a reshape for tuple axes, mpmath for ``b=``, and
PyTorch's own kernels for the backward passes and attention masks.
"""

from __future__ import annotations

import importlib.resources
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import softmax_lib as sl

settings.register_profile("lib02", max_examples=60, deadline=None)
settings.load_profile("lib02")

CORE = [sl.softmax, sl.log_softmax, sl.logsumexp]
NORMALISING = [sl.softmax, sl.log_softmax]
inf, nan = np.inf, np.nan


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- the three failures --------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 7, 100])
@pytest.mark.parametrize("position", [0, -1])
def test_logsumexp_of_a_slice_holding_plus_inf_is_plus_inf_for_every_length(n, position):
    x = np.zeros(n)
    x[position] = inf
    assert sl.logsumexp(x) == inf
    x[position - 1 if n > 1 else position] = inf  # two +inf (or one, for n = 1)
    assert sl.logsumexp(x) == inf
    assert sl.logsumexp(np.stack([x, np.zeros(n)]))[0] == inf  # batched rows: the same rule
    assert sl.logsumexp(x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("n", [1, 2, 5])
def test_logsumexp_is_nan_only_where_a_nan_is_in_the_slice(n):
    x = np.full(n, inf)
    x[0] = nan
    assert np.isnan(sl.logsumexp(x))
    assert np.isnan(sl.logsumexp(np.r_[nan, -inf]))
    assert sl.logsumexp(np.r_[inf, -inf]) == inf


def test_logsumexp_plus_inf_agrees_with_scipy_and_torch():
    x = np.array([[1.0, inf], [inf, inf], [-inf, inf], [inf, 3.0]])
    np.testing.assert_array_equal(sl.logsumexp(x), scipy.special.logsumexp(x, axis=-1))
    np.testing.assert_array_equal(sl.logsumexp(x), torch.logsumexp(torch.from_numpy(x), dim=-1).numpy())


@pytest.mark.parametrize("func", NORMALISING)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_softmax_of_a_slice_holding_plus_inf_stays_nan(func, n):
    x = np.zeros(n)
    x[-1] = inf
    assert np.all(np.isnan(func(x)))


def test_softmax_jacobian_of_a_fully_masked_row_is_zero():
    p = sl.softmax(np.array([[-inf, -inf, -inf], [0.0, 1.0, -inf]]))
    jac = sl.softmax_jacobian(p)
    np.testing.assert_array_equal(jac[0], np.zeros((3, 3)))
    assert not np.signbit(jac[0]).any()
    np.testing.assert_allclose(jac[1], np.diag(p[1]) - np.outer(p[1], p[1]))


def test_softmax_jacobian_still_refuses_logits():
    with pytest.raises(ValueError, match="sum to 1"):
        sl.softmax_jacobian([0.5, 0.0, 0.2])


def _vjp_error(grad_fn, dtype, seed=0):
    """Largest error, in units of the float64 result's scale, of g @ J computed in *dtype*."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 3.0, (64, 50))
    p = sl.softmax(z.astype(dtype))
    g = rng.normal(size=z.shape).astype(dtype)
    exact = sl.softmax_backward(p.astype(np.float64), g.astype(np.float64))
    got = np.asarray(grad_fn(p, g), dtype=np.float64)
    return np.max(np.abs(got - exact)) / np.max(np.abs(exact))


def test_softmax_backward_float16_is_more_accurate_than_the_float16_jacobian_product():
    # The failure of issue 12: g @ J with J rounded to float16 cancels.
    via_jacobian = _vjp_error(lambda p, g: np.einsum("...i,...ij->...j", g, sl.softmax_jacobian(p)), np.float16)
    fused = _vjp_error(sl.softmax_backward, np.float16)
    torch_fp16 = _vjp_error(
        lambda p, g: torch.ops.aten._softmax_backward_data(
            torch.from_numpy(g), torch.from_numpy(p), -1, torch.float16
        ).numpy(),
        np.float16,
    )
    assert fused <= torch_fp16
    assert fused < via_jacobian
    assert fused <= 2.0**-11  # half a float16 ulp at the scale of the result, plus the input's rounding


# --- the backward passes against PyTorch's kernels ---------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_backward_matches_torch(dtype, axis):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 4, (5, 6, 7)).astype(dtype)
    g = rng.normal(size=z.shape).astype(dtype)
    p = sl.softmax(z, axis=axis)
    ref = torch.ops.aten._softmax_backward_data(torch.from_numpy(g), torch.from_numpy(p), axis, torch.from_numpy(p).dtype)
    got = sl.softmax_backward(p, g, axis=axis)
    assert got.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got, ref.numpy(), rtol=rtol, atol=rtol * np.abs(ref.numpy()).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [-1, 0])
def test_log_softmax_backward_matches_torch(dtype, axis):
    rng = np.random.default_rng(2)
    z = rng.normal(0, 4, (6, 9)).astype(dtype)
    g = rng.normal(size=z.shape).astype(dtype)
    logp = sl.log_softmax(z, axis=axis)
    t_logp = torch.from_numpy(logp)
    ref = torch.ops.aten._log_softmax_backward_data(torch.from_numpy(g), t_logp, axis, t_logp.dtype)
    got = sl.log_softmax_backward(logp, g, axis=axis)
    assert got.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got, ref.numpy(), rtol=rtol, atol=rtol * np.abs(ref.numpy()).max())


def test_backward_of_a_fully_masked_row_matches_torch():
    g = np.ones((1, 3))
    p = sl.softmax(np.full((1, 3), -inf))
    logp = sl.log_softmax(np.full((1, 3), -inf))
    np.testing.assert_array_equal(sl.softmax_backward(p, g), np.zeros((1, 3)))
    ref = torch.ops.aten._log_softmax_backward_data(torch.from_numpy(g), torch.from_numpy(logp), 1, torch.float64)
    np.testing.assert_array_equal(sl.log_softmax_backward(logp, g), ref.numpy())


def test_softmax_backward_agrees_with_torch_autograd():
    z = torch.randn(4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(3), requires_grad=True)
    g = torch.randn(4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    torch.softmax(z, dim=-1).backward(g)
    p = sl.softmax(z.detach().numpy())
    np.testing.assert_allclose(sl.softmax_backward(p, g.numpy()), z.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_log_softmax_backward_of_minus_target_is_the_cross_entropy_gradient():
    z = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 0.0]])
    y = np.eye(3)[[0, 1]]
    grad = sl.log_softmax_backward(sl.log_softmax(z), -y)
    np.testing.assert_allclose(grad, sl.softmax(z) - y, rtol=1e-14, atol=1e-16)


def test_backward_with_tuple_axes_equals_the_reshaped_backward():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 4, 5))
    g = rng.normal(size=z.shape)
    p = sl.softmax(z, axis=(1, 2))
    flat = sl.softmax_backward(p.reshape(3, 20), g.reshape(3, 20))
    np.testing.assert_allclose(sl.softmax_backward(p, g, axis=(1, 2)), flat.reshape(3, 4, 5), rtol=1e-13, atol=1e-16)


# --- where= (JAX's semantics) ------------------------------------------------------------------

FINITE = st.floats(-1e3, 1e3)
ANY = st.one_of(FINITE, FINITE, st.just(inf), st.just(-inf), st.just(nan))


@given(
    x=hnp.arrays(np.float64, st.integers(1, 8), elements=ANY),
    data=st.data(),
)
def test_where_equals_computing_on_the_compressed_subset(x, data):
    keep = data.draw(hnp.arrays(np.bool_, x.shape))
    sub = x[keep]
    p, logp, lse = sl.softmax(x, where=keep), sl.log_softmax(x, where=keep), sl.logsumexp(x, where=keep)
    # The entries left out are 0 / -inf, whatever their value (NaN and +inf included).
    np.testing.assert_array_equal(p[~keep], 0.0)
    np.testing.assert_array_equal(logp[~keep], -inf)
    if sub.size == 0:  # no entry takes part: the fully masked policy
        np.testing.assert_array_equal(p, 0.0)
        assert lse == -inf
        return
    np.testing.assert_allclose(p[keep], sl.softmax(sub), rtol=1e-15, atol=0)
    np.testing.assert_allclose(logp[keep], sl.log_softmax(sub), rtol=1e-15, atol=0)
    np.testing.assert_allclose(lse, sl.logsumexp(sub), rtol=1e-15, atol=0)


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=5), elements=FINITE),
    data=st.data(),
)
def test_where_row_by_row_and_broadcast(x, data):
    keep = data.draw(hnp.arrays(np.bool_, x.shape[-1:]))  # one mask for every row
    p = sl.softmax(x, where=keep)
    np.testing.assert_array_equal(p, sl.softmax(np.where(keep, x, -inf)))


def test_where_agrees_with_jax_semantics_on_a_fixed_case():
    # jax.nn.softmax([1., 2., nan], where=[T, T, F]) = [0.2689, 0.7311, 0.]; jax.nn.log_softmax gives -inf there.
    np.testing.assert_allclose(sl.softmax([1.0, 2.0, nan], where=[True, True, False]), [0.26894142, 0.73105858, 0.0], rtol=1e-7)
    assert sl.log_softmax([1.0, 2.0, nan], where=[True, True, False])[2] == -inf


def test_where_with_out_and_temperature():
    x = np.array([[1.0, 2.0, 3.0]])
    keep = np.array([True, False, True])
    out = np.empty_like(x)
    assert sl.softmax(x, where=keep, temperature=2.0, out=out) is out
    np.testing.assert_allclose(out[0, [0, 2]], sl.softmax([0.5, 1.5]), rtol=1e-15)
    assert out[0, 1] == 0.0


def test_where_never_modifies_the_input():
    x = np.array([1.0, nan, 3.0])
    before = x.copy()
    sl.softmax(x, where=np.isfinite(x))
    np.testing.assert_array_equal(x, before)


# --- axis as a tuple, and None ------------------------------------------------------------------


@st.composite
def _array_and_axes(draw):
    x = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), elements=FINITE))
    axes = draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
    negate = draw(st.booleans())
    return x, tuple(a - x.ndim if negate else a for a in axes)


def _reshaped(func, x, axes):
    """func over *axes* by hand: move them last, merge them, reduce along -1, undo."""
    axes = tuple(sorted(a % x.ndim for a in axes))
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)
    flat = func(moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,)), axis=-1)
    if func is sl.logsumexp:
        return flat
    return np.moveaxis(flat.reshape(moved.shape), last, axes)


@pytest.mark.parametrize("func", CORE)
@given(case=_array_and_axes())
def test_tuple_axes_equal_reshaping(func, case):
    x, axes = case
    np.testing.assert_allclose(func(x, axis=axes), _reshaped(func, x, axes), rtol=1e-15, atol=0)


@given(case=_array_and_axes())
def test_logsumexp_keepdims_with_tuple_axes_broadcasts(case):
    x, axes = case
    lse = sl.logsumexp(x, axis=axes, keepdims=True)
    assert lse.ndim == x.ndim
    np.testing.assert_allclose(sl.log_softmax(x, axis=axes), x - lse, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("func", CORE)
def test_axis_none_is_every_axis(func):
    x = np.arange(12.0).reshape(3, 4) / 5
    got = func(x, axis=None)
    ref = func(x.ravel())
    np.testing.assert_allclose(np.ravel(got), np.ravel(ref), rtol=1e-15)


def test_axis_none_agrees_with_scipy_default():
    x = np.random.default_rng(6).normal(size=(3, 4, 2))
    np.testing.assert_allclose(sl.softmax(x, axis=None), scipy.special.softmax(x), rtol=1e-13)
    np.testing.assert_allclose(sl.logsumexp(x, axis=None), scipy.special.logsumexp(x), rtol=1e-14)


def test_tuple_axes_with_out():
    x = np.random.default_rng(7).normal(size=(2, 3, 4))
    out = np.empty_like(x)
    assert sl.log_softmax(x, axis=(0, 2), out=out) is out
    np.testing.assert_allclose(out, _reshaped(sl.log_softmax, x, (0, 2)), rtol=1e-15)


# --- logsumexp's b= and return_sign= (scipy's semantics) -------------------------------------------


def _lse_mpmath(a, b):
    """log|sum b e^a| and its sign, in 60 digits; None for NaN (undefined)."""
    with mpmath.workdps(60):
        s = mpmath.fsum(mpmath.mpf(float(bi)) * mpmath.exp(mpmath.mpf(float(ai))) for ai, bi in zip(a, b) if bi != 0)
        if s == 0:
            return -inf, 0.0
        return float(mpmath.log(abs(s))), float(mpmath.sign(s))


WEIGHTS = st.one_of(st.just(0.0), st.floats(-10, 10), st.floats(0.01, 10))


@given(
    a=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-700, 700)),
    data=st.data(),
)
def test_weighted_logsumexp_against_mpmath(a, data):
    b = data.draw(hnp.arrays(np.float64, a.shape, elements=WEIGHTS))
    lse, sign = sl.logsumexp(a, b=b, return_sign=True)
    ref, ref_sign = _lse_mpmath(a, b)
    assert sign == ref_sign
    if ref == -inf:
        assert lse == -inf
        return
    # The sum of mixed signs is ill-conditioned: the error is relative to the largest term, not to the sum.
    with mpmath.workdps(60):
        terms = [abs(float(bi)) * mpmath.exp(mpmath.mpf(float(ai))) for ai, bi in zip(a, b)]
        cond = float(mpmath.fsum(terms) / mpmath.exp(ref))
    assert abs(lse - ref) <= 1e-14 * max(1.0, abs(ref)) + 4 * 2.0**-52 * cond


def test_weighted_logsumexp_agrees_with_scipy_on_its_edge_cases():
    cases = [
        ([inf], [-1.0]),
        ([inf, inf], [1.0, -1.0]),
        ([inf, 1.0], [0.0, 1.0]),
        ([nan, 1.0], [0.0, 1.0]),
        ([1.0, 2.0], [0.0, 0.0]),
        ([1.0, 2.0], [1.0, -1.0]),
        ([1.0, 2.0], [-1.0, 0.0]),
        ([0.0, 0.0], [1.0, -1.0]),
        # Only the +inf entries decide the sign: finite entries of the other sign do not make it NaN.
        ([inf, 1.0], [-1.0, 1.0]),
        ([inf, 1.0], [1.0, -5.0]),
        ([inf, 1.0, inf], [-2.0, 1.0, -3.0]),
        ([inf, 1.0, inf], [2.0, -1.0, -3.0]),
    ]
    for a, b in cases:
        for return_sign in (False, True):
            got = sl.logsumexp(a, b=b, return_sign=return_sign)
            with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = scipy.special.logsumexp(a, b=b, return_sign=return_sign)
            np.testing.assert_array_equal(got, ref, err_msg=f"a={a}, b={b}, return_sign={return_sign}")


def test_weights_broadcast_as_in_scipy():
    rng = np.random.default_rng(8)
    a = rng.normal(size=(3, 4))
    for b, axis in [(rng.uniform(size=4), -1), (rng.uniform(size=(3, 1)), 0), (2.0, None), (rng.uniform(size=(2, 3, 4)), (0, 2))]:
        np.testing.assert_allclose(sl.logsumexp(a, axis=axis, b=b), scipy.special.logsumexp(a, axis=axis, b=b), rtol=1e-14)
    # a broadcast up by b, as scipy does
    np.testing.assert_allclose(sl.logsumexp(np.zeros(3), b=np.ones((2, 3))), np.log([3.0, 3.0]), rtol=1e-15)


def test_weights_and_where_combine():
    a = np.array([1.0, 2.0, nan])
    np.testing.assert_allclose(sl.logsumexp(a, b=[2.0, 1.0, 5.0], where=[True, True, False]), np.log(2 * np.e + np.e**2), rtol=1e-15)


def test_return_sign_without_weights():
    lse, sign = sl.logsumexp([[0.0, 0.0], [-inf, -inf]], return_sign=True)
    np.testing.assert_allclose(lse, [np.log(2.0), -inf])
    np.testing.assert_array_equal(sign, [1.0, 0.0])


def test_weighted_logsumexp_keeps_the_common_dtype():
    assert sl.logsumexp(np.zeros(3, np.float32), b=np.ones(3, np.float32)).dtype == np.float32
    assert sl.logsumexp(np.zeros(3, np.float16), b=np.ones(3, np.float16)).dtype == np.float16
    assert sl.logsumexp(np.zeros(3, np.float32), b=np.ones(3)).dtype == np.float64


# --- attention: float (additive) masks, as SDPA ----------------------------------------------------


def _qkv(seed=9, lead=(2,), lq=4, lk=5, d=3, dv=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=lead + (lq, d)), rng.normal(size=lead + (lk, d)), rng.normal(size=lead + (lk, dv))


def _sdpa(q, k, v, mask):
    t = [torch.from_numpy(a) for a in (q, k, v)]
    return F.scaled_dot_product_attention(*t, attn_mask=torch.from_numpy(mask)).numpy()


@pytest.mark.parametrize("mask_shape", [(4, 5), (1, 5), (2, 4, 5), (2, 1, 5), (4, 1)])
def test_float_mask_is_added_to_the_scores_as_in_sdpa(mask_shape):
    q, k, v = _qkv()
    bias = np.random.default_rng(10).normal(0, 2, mask_shape)
    np.testing.assert_allclose(sl.attention(q, k, v, mask=bias), _sdpa(q, k, v, bias), rtol=1e-12, atol=1e-14)


def test_float_mask_with_minus_inf_equals_the_boolean_mask():
    q, k, v = _qkv()
    keep = np.random.default_rng(11).uniform(size=(2, 4, 5)) < 0.6
    keep[0, 1] = False  # a fully masked row: zeros in both conventions, as SDPA
    additive = np.where(keep, 0.0, -inf)
    np.testing.assert_array_equal(sl.attention(q, k, v, mask=additive), sl.attention(q, k, v, mask=keep))
    np.testing.assert_allclose(sl.attention(q, k, v, mask=additive), _sdpa(q, k, v, additive), rtol=1e-12, atol=1e-14)


def test_finite_float_mask_on_a_whole_row_gives_the_softmax_of_the_scores():
    # The finite-versus--inf lesson: -1e9 everywhere only shifts the row.
    q, k, v = _qkv(lead=())
    bias = np.zeros((4, 5))
    bias[0] = -1e9
    got = sl.attention(q, k, v, mask=bias)
    np.testing.assert_allclose(got[0], sl.attention(q, k, v)[0], rtol=1e-6)


def test_float_mask_and_causal_combine():
    q, k, v = _qkv(lead=(), lq=5, lk=5)
    bias = np.random.default_rng(12).normal(size=(5, 5))
    causal_bias = np.where(sl.causal_mask(5), bias, -inf)
    np.testing.assert_allclose(sl.attention(q, k, v, mask=bias, causal=True), _sdpa(q, k, v, causal_bias), rtol=1e-12)


def test_mask_with_more_leading_axes_than_qkv_is_refused_like_sdpa():
    q, k, v = _qkv(lead=(1,))
    for mask in (np.zeros((3, 4, 5)), np.ones((3, 4, 5), dtype=bool)):
        with pytest.raises(RuntimeError):
            _sdpa(q, k, v, mask)
        with pytest.raises(ValueError, match="does not broadcast to the scores' shape"):
            sl.attention(q, k, v, mask=mask)


@pytest.mark.parametrize("dtype", [np.int64, np.complex128, object])
def test_mask_of_another_dtype_is_refused(dtype):
    q, k, v = _qkv()
    with pytest.raises(TypeError, match="mask must be boolean .* or floating"):
        sl.attention(q, k, v, mask=np.zeros((4, 5), dtype=dtype))


def test_float32_mask_with_float64_inputs():
    q, k, v = _qkv()
    bias = np.random.default_rng(13).normal(size=(4, 5)).astype(np.float32)
    np.testing.assert_allclose(sl.attention(q, k, v, mask=bias), sl.attention(q, k, v, mask=bias.astype(np.float64)), rtol=1e-12)


# --- the input policy for every new argument ---------------------------------------------------------


@pytest.mark.parametrize("func", CORE)
def test_where_must_be_boolean(func):
    with pytest.raises(TypeError, match="where must be a boolean array"):
        func([1.0, 2.0], where=[1, 0])


@pytest.mark.parametrize("func", CORE)
def test_where_must_broadcast(func):
    with pytest.raises(ValueError, match=r"where of shape \(3,\) does not broadcast to x's shape \(2,\)"):
        func([1.0, 2.0], where=[True, True, False])


@pytest.mark.parametrize("func", CORE)
@pytest.mark.parametrize(("axis", "error", "match"), [
    ((0, 0), ValueError, "names an axis twice"),
    ((), ValueError, "at least one axis"),
    ((0, 2), np.exceptions.AxisError, "out of range"),
    ([0, 1], TypeError, "tuple of integers or None; got the list"),
])
def test_bad_axis_tuples(func, axis, error, match):
    with pytest.raises(error, match=match):
        func(np.zeros((2, 3)), axis=axis)


def test_weights_must_be_real_and_broadcast():
    with pytest.raises(TypeError, match="b has dtype complex128"):
        sl.logsumexp([1.0, 2.0], b=[1j, 1.0])
    with pytest.raises(TypeError, match="b has dtype bool"):
        sl.logsumexp([1.0, 2.0], b=[True, False])
    with pytest.raises(ValueError, match=r"b of shape \(3,\) does not broadcast against x's shape \(2,\)"):
        sl.logsumexp([1.0, 2.0], b=[1.0, 2.0, 3.0])


@pytest.mark.parametrize("name", ["return_sign", "keepdims"])
def test_flags_must_be_bool(name):
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        sl.logsumexp([1.0, 2.0], **{name: 1})


@pytest.mark.parametrize("func", [sl.softmax_backward, sl.log_softmax_backward])
def test_backward_input_policy(func):
    with pytest.raises(ValueError, match="grad must have the shape of"):
        func(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="grad has dtype bool"):
        func(np.zeros(3), np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        func(0.5, 1.0)
    with pytest.raises(np.exceptions.AxisError):
        func(np.zeros(3), np.zeros(3), axis=1)


def test_backward_never_modifies_its_inputs():
    p = sl.softmax(np.array([1.0, 2.0, 3.0]))
    g = np.array([1.0, -1.0, 0.5])
    p0, g0 = p.copy(), g.copy()
    sl.softmax_backward(p, g)
    sl.log_softmax_backward(np.log(p), g)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(g, g0)


# --- packaging ------------------------------------------------------------------------------------------


def test_version_is_0_2_0():
    assert sl.__version__ == "0.2.0"


def test_package_ships_the_py_typed_marker():
    assert importlib.resources.files("softmax_lib").joinpath("py.typed").is_file()


def test_new_names_are_exported():
    for name in ("softmax_backward", "log_softmax_backward"):
        assert name in sl.__all__ and callable(getattr(sl, name))


def test_documented_differences_from_scipy_weighted_logsumexp():
    # logsumexp's Notes list these: a weight of 0 removes the entry even at +inf (scipy 1.17: NaN from 0 * inf),
    # and an empty slice has sign 0 (scipy: -1). Pinned so that the Notes stay true.
    lse, sign = sl.logsumexp([inf], b=[0.0], return_sign=True)
    assert lse == -inf and sign == 0
    lse, sign = sl.logsumexp([inf, nan], b=[1.0, 0.0], return_sign=True)
    assert lse == inf and sign == 1
    lse, sign = sl.logsumexp(np.zeros((2, 0)), axis=1, return_sign=True)
    np.testing.assert_array_equal(lse, [-inf, -inf])
    np.testing.assert_array_equal(sign, [0.0, 0.0])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(scipy.special.logsumexp([inf], b=[0.0]))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_backward_is_rounded_once_from_a_wider_computation(dtype):
    # The docstrings claim float16 and float32 are computed in float64 and rounded once at the end: then each
    # entry is within half an ulp (in dtype) of the exact product of the rounded inputs, up to the float64
    # rounding, bounded by 4 * 2**-53 times the magnitudes that enter it. The reference is longdouble (64-bit
    # significand), the same inputs. PyTorch's float32 kernel, which computes in float32, misses this bound on
    # many entries (asserted below), so the bound tells a wider computation from a narrow one.
    rng = np.random.default_rng(11)
    z = rng.normal(0, 3, (32, 200))
    p = sl.softmax(z.astype(dtype))
    logp = sl.log_softmax(z.astype(dtype))
    g = rng.normal(size=z.shape).astype(dtype)
    P, L, G = (a.astype(np.longdouble) for a in (p, logp, g))
    pg = P * G
    ref_p = pg - P * pg.sum(axis=-1, keepdims=True)
    q = np.exp(L)
    ref_l = G - q * G.sum(axis=-1, keepdims=True)
    for got, ref, size in (
        (sl.softmax_backward(p, g), ref_p, np.abs(pg) + P * np.abs(pg).sum(axis=-1, keepdims=True)),
        (sl.log_softmax_backward(logp, g), ref_l, np.abs(G) + q * np.abs(G).sum(axis=-1, keepdims=True)),
    ):
        assert got.dtype == dtype
        half_ulp = 0.5 * np.spacing(np.abs(ref.astype(dtype))).astype(np.longdouble)
        assert np.all(np.abs(got - ref) <= half_ulp + 4 * 2.0**-53 * size)
    if dtype == np.float32:
        narrow = torch.ops.aten._softmax_backward_data(torch.from_numpy(g), torch.from_numpy(p), -1, torch.float32)
        half_ulp = 0.5 * np.spacing(np.abs(ref_p.astype(dtype))).astype(np.longdouble)
        size = np.abs(pg) + P * np.abs(pg).sum(axis=-1, keepdims=True)
        assert np.mean(np.abs(narrow.numpy() - ref_p) > half_ulp + 4 * 2.0**-53 * size) > 0.1


class _NumpyBefore21(np.ndarray):
    """An array whose reshape has no copy= keyword, as in numpy 1.26 (which pyproject.toml allows)."""

    def reshape(self, *shape, **kwargs):
        if "copy" in kwargs:
            raise TypeError("'copy' is an invalid keyword argument for this function")
        return super().reshape(*shape, **kwargs)


def test_rows_view_works_without_reshape_copy_keyword_numpy_1_26():
    # The 0.2.0 wheel called reshape(..., copy=False) unconditionally: every softmax raised TypeError under
    # numpy 1.26, the oldest numpy its metadata accepts (seen by installing it with numpy 1.26.4).
    from softmax_lib.core import _rows

    a = np.arange(24.0).reshape(2, 3, 4).view(_NumpyBefore21)
    last = _rows(a, 2)
    assert last is not None and last.shape == (6, 4) and np.shares_memory(last, a)
    assert _rows(a, 1) is None  # no view exists: the caller copies (input) or fills a buffer (output)
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3)).view(_NumpyBefore21)
    first = _rows(fortran, 0)  # axis 0 of a Fortran-ordered array is contiguous: a view
    assert first is not None and first.shape == (3, 2) and np.shares_memory(first, fortran)


def test_weighted_logsumexp_shift_is_not_set_by_a_tiny_weight_on_a_large_score():
    # Shifting by max(a) = 257 made log(sum) + 257 cancel to 2.5e-9 relative error (found by hypothesis).
    a, b = np.array([1e-5, 257.0]), np.array([1.0, 1.32517931e-192])
    ref, _ = _lse_mpmath(a, b)
    assert abs(float(sl.logsumexp(a, b=b)) - ref) <= 4 * 2.0**-52 * abs(ref)

"""The native CPU kernel of learnact.ops.basis's B-splines on JAX, and the XLA path it replaces.

References: scipy's B-splines and their derivatives (``BSpline.derivative``),
in float64. Each test asserts from the compiled program which path it ran:
the kernel is a custom call named ``LearnactBsplineTable...``.
"""

import numpy as np
import pytest
import scipy.interpolate

from learnact.ops import _native
from learnact.ops.basis import bspline_basis, extend_grid, local_bspline_basis
from tests.conftest import backend
from tests.ops.test_kan_basis import scipy_bsplines

pytestmark = pytest.mark.skipif(backend() != "jax", reason="the native kernel is JAX's")

NATIVE = "LearnactBsplineTable"


def _native_or_skip():
    if not _native.status("bspline").startswith("on"):
        pytest.skip(f"no native kernel here: {_native.status('bspline')}")


def _knots(grid_size, k, inputs, seed):
    """Non-uniform knot rows (as update_grids makes them), one with a repeated knot."""
    rng = np.random.default_rng(seed)
    spacing = 4 / grid_size
    jitter = rng.uniform(-0.3, 0.3, size=(inputs, grid_size + 1)) * spacing
    knots = extend_grid(np.linspace(-2, 2, grid_size + 1) + jitter, k)
    if grid_size > 2:
        knots[0, k + 2] = knots[0, k + 1]
    return knots


def _inputs(knots, n, seed, k=1):
    """Points inside, beyond the knots, far away and (but for degree 0, where scipy's
    basis element includes its right end) on the last knot."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(knots[:, 0] - 1, knots[:, -1] + 1, size=(n, knots.shape[0]))
    x[:2] = [[-1e30] * knots.shape[0], [3e38] * knots.shape[0]]
    if k > 0:
        x[2] = knots[:, -1]
    return x


def _scipy_derivative(x, knots, k, coefficients, order):
    """``d^order/dx^order sum_j c_j B_j(x)`` by scipy, on the base interval ``t_k .. t_{M-1-k}``.

    (scipy's spline is defined there only: outside, NaN, here 0; compare there.)
    """
    if order > k:  # each piece is a polynomial of degree k
        return np.zeros_like(x)
    spline = scipy.interpolate.BSpline(knots, coefficients, k, extrapolate=False)
    values = spline.derivative(order)(x) if order else spline(x)
    return np.nan_to_num(values, nan=0.0)


def _functions(form, k):
    """``(basis, spline)``: the basis at x and ``sum B(x) * c`` per input, new functions each time.

    New functions each call: JAX caches a trace per function, and the path is
    chosen when a function is traced.
    """
    import jax.numpy as jnp

    def basis(x, knots):
        if form == "dense":
            return bspline_basis(x, knots, k)
        start, values = local_bspline_basis(x, knots, k)
        count = knots.shape[-1] - 1 - k
        index = start[..., None] + jnp.arange(k + 1)
        onehot = index[..., None] == jnp.arange(count)
        return jnp.sum(jnp.where(onehot, values[..., None], 0), axis=-2)

    def spline(x, knots, c):
        return jnp.sum(basis(x, knots) * c, axis=-1)

    return basis, spline


@pytest.mark.parametrize("form", ["dense", "local"])
@pytest.mark.parametrize("k", [0, 1, 3, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_derivatives_are_scipys(form, k, dtype):
    _native_or_skip()
    import jax

    knots = _knots(7, k, inputs=3, seed=k)
    # 203 rows: not a multiple of a vector's 4 or 8 lanes, so the last block is partial.
    x = _inputs(knots, 203, seed=k + 1, k=k)
    coefficients = np.random.default_rng(5).standard_normal((3, knots.shape[1] - 1 - k))
    basis, spline = _functions(form, k)
    with jax.enable_x64(dtype == "float64"):
        args = (x.astype(dtype), knots.astype(dtype), coefficients.astype(dtype))
        values = jax.jit(basis)(*args[:2])
        first = jax.jit(jax.grad(lambda x, t, c: spline(x, t, c).sum()))(*args)
        second = jax.jit(
            jax.grad(lambda x, t, c: jax.grad(lambda x: spline(x, t, c).sum())(x).sum())
        )(*args)
        hlo = jax.jit(basis).lower(*args[:2]).as_text()
    assert NATIVE in hlo and ("F64" if dtype == "float64" else "F32") in hlo
    tol = {"float32": 2e-5, "float64": 1e-11}[dtype]
    for i in range(3):
        want = scipy_bsplines(x[:, i], knots[i], k)
        np.testing.assert_allclose(np.asarray(values)[:, i], want, atol=tol)
        if i == 0:  # a repeated knot: scipy does not differentiate across it
            continue
        for order, got in ((1, first), (2, second)):
            want = _scipy_derivative(x[:, i], knots[i], k, coefficients[i], order)
            # scipy's derivative at a knot is one side's; away from the knots they agree.
            away = np.min(np.abs(x[:, i, None] - knots[i]), axis=-1) > 1e-6
            away &= (x[:, i] > knots[i, k]) & (x[:, i] < knots[i, -1 - k])
            scale = max(1.0, np.abs(want[away]).max())
            np.testing.assert_allclose(
                np.asarray(got)[away, i], want[away], atol=tol * 100 * scale, err_msg=f"d{order}"
            )
            assert np.isfinite(np.asarray(got)).all()


@pytest.mark.parametrize("form", ["dense", "local"])
def test_native_and_xla_paths_agree_with_knot_gradients(form, monkeypatch):
    """Both paths: values, gradients in x and in the knots, and a second derivative."""
    _native_or_skip()
    import jax

    k = 3
    knots = _knots(10, k, inputs=2, seed=4)
    x = _inputs(knots, 64, seed=9)
    c = np.random.default_rng(1).standard_normal((2, knots.shape[1] - 1 - k))

    def run():
        _, spline = _functions(form, k)

        def loss(x, t):
            return jax.numpy.sum(jax.numpy.sin(spline(x, t, c)))

        def second(x, t):
            return jax.grad(loss)(x, t).sum()

        with jax.enable_x64(True):
            grads = jax.jit(jax.grad(loss, argnums=(0, 1)))(x, knots)
            hessian_row = jax.jit(jax.grad(second))(x, knots)
            hlo = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(x, knots).as_text()
        return [np.asarray(v) for v in (*grads, hessian_row)], hlo

    native, hlo = run()
    assert NATIVE in hlo
    monkeypatch.setenv("LEARNACT_NATIVE", "0")
    xla, hlo = run()
    assert NATIVE not in hlo
    for name, got, want in zip(("dx", "dknots", "d2x"), native, xla, strict=True):
        scale = max(1.0, np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-11 * scale, err_msg=name)
    assert np.abs(native[1]).max() > 0  # the knots' gradient is not a silent zero


def test_forward_mode_and_vmap():
    _native_or_skip()
    import jax

    k = 2
    knots = _knots(6, k, inputs=2, seed=2)
    x = _inputs(knots, 32, seed=3).astype(np.float32)
    t = knots.astype(np.float32)
    c = np.random.default_rng(0).standard_normal((2, knots.shape[1] - 1 - k)).astype(np.float32)
    _, spline = _functions("local", k)
    _, tangent = jax.jvp(lambda x: spline(x, t, c), (x,), (np.ones_like(x),))
    for i in range(2):
        want = _scipy_derivative(x[:, i].astype(np.float64), knots[i], k, c[i], 1)
        away = np.min(np.abs(x[:, i, None] - knots[i]), axis=-1) > 1e-4
        away &= (x[:, i] > knots[i, k]) & (x[:, i] < knots[i, -1 - k])
        np.testing.assert_allclose(np.asarray(tangent)[away, i], want[away], atol=1e-4)
    batched = jax.vmap(lambda rows: bspline_basis(rows, t, k))(x.reshape(4, 8, 2))
    np.testing.assert_allclose(
        np.asarray(batched).reshape(32, 2, -1), np.asarray(bspline_basis(x, t, k)), atol=1e-7
    )


def test_orders_beyond_the_kernels_keep_the_xla_path():
    _native_or_skip()
    import jax

    from learnact.ops._bspline_jax import NATIVE_MAX_ORDER

    x = np.linspace(-2, 2, 13, dtype=np.float32)[:, None]
    for k, native in ((NATIVE_MAX_ORDER + 1, False), (NATIVE_MAX_ORDER, True)):
        knots = _knots(3, k, inputs=1, seed=0).astype(np.float32)
        step = jax.jit(lambda x, knots=knots, k=k: bspline_basis(x, knots, k))
        assert (NATIVE in step.lower(x).as_text()) == native
        want = scipy_bsplines(x[:, 0], knots[0].astype(np.float64), k)
        np.testing.assert_allclose(np.asarray(step(x))[:, 0], want, atol=2e-5)


@pytest.mark.parametrize("form", ["dense", "local"])
@pytest.mark.parametrize("k", [0, 3])
def test_nan_inputs_give_nan_not_a_silent_zero(form, k):
    _native_or_skip()
    import jax

    knots = _knots(5, k, inputs=2, seed=1).astype(np.float32)
    x = np.array([[np.nan, 0.3], [0.1, np.nan], [0.2, 0.4]], dtype=np.float32)
    if form == "dense":
        got = np.asarray(jax.jit(lambda x: bspline_basis(x, knots, k))(x))
    else:  # the values themselves: placed by start, a NaN's would fall nowhere
        got = np.asarray(jax.jit(lambda x: local_bspline_basis(x, knots, k)[1])(x))
    assert np.isnan(got[0, 0]).all() and np.isnan(got[1, 1]).all()
    assert np.isfinite(got[0, 1]).all() and np.isfinite(got[2]).all()


@pytest.mark.parametrize("form", ["dense", "local"])
def test_a_forward_and_backward_pass_runs_the_kernel_once(form):
    """The start indices and the two derivative rows come from one call, once XLA merges them."""
    _native_or_skip()
    import jax

    knots = _knots(10, 3, inputs=2, seed=4).astype(np.float32)
    x = _inputs(knots, 64, seed=9).astype(np.float32)
    c = np.ones((2, knots.shape[1] - 4), np.float32)
    _, spline = _functions(form, 3)
    step = jax.jit(jax.value_and_grad(lambda x: spline(x, knots, c).sum()))
    compiled = step.lower(x).compile().as_text()
    assert compiled.count(f'custom_call_target="{NATIVE}F32"') == 1

"""KAN bases: B-splines against scipy, Chebyshev against NumPy, closed forms, never NaN."""

import contextlib

import keras
import numpy as np
import pytest
import scipy.interpolate
from keras import ops

from learnact.gradients.autodiff import float64_scope
from learnact.ops.basis import (
    KAN_BASES,
    SplineFeatures,
    bspline_basis,
    extend_grid,
    kan_basis,
    kan_basis_array,
    local_bspline_basis,
    local_bspline_pays,
    spline_contract,
    spline_features,
    uniform_knots,
)
from tests.autodiff import grad
from tests.conftest import backend


def scipy_bsplines(x, knots, k):
    """Reference: each B-spline of degree k from scipy, 0 outside its support."""
    x = np.asarray(x, np.float64)
    columns = []
    for j in range(len(knots) - 1 - k):
        element = scipy.interpolate.BSpline.basis_element(knots[j : j + k + 2], extrapolate=False)
        columns.append(np.nan_to_num(element(x), nan=0.0))
    return np.stack(columns, axis=-1)


def numpy(t):
    return np.asarray(ops.convert_to_numpy(t))


@pytest.mark.parametrize("spline_order", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("grid_size", [1, 3, 7])
def test_bsplines_match_scipy_on_and_off_the_grid(grid_size, spline_order):
    knots = uniform_knots((-1.5, 0.5), grid_size, spline_order)
    rng = np.random.default_rng(grid_size * 10 + spline_order)
    # The whole support of the basis and beyond it on both sides.
    x = rng.uniform(knots[0] - 1, knots[-1] + 1, size=(40, 1))
    got = numpy(bspline_basis(x, knots[None], spline_order))
    want = scipy_bsplines(x[:, 0], knots, spline_order)[:, None, :]
    assert got.shape == (40, 1, grid_size + spline_order)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_bsplines_on_a_non_uniform_grid_of_several_inputs_match_scipy():
    rng = np.random.default_rng(1)
    points = np.sort(rng.uniform(-2, 2, size=(3, 6)), axis=-1)
    knots = extend_grid(points, 3)
    x = rng.uniform(-3, 3, size=(50, 3))
    got = numpy(bspline_basis(x, knots, 3))
    for i in range(3):
        np.testing.assert_allclose(
            got[:, i], scipy_bsplines(x[:, i], knots[i], 3), rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("spline_order", [0, 1, 3, 4])
def test_bsplines_sum_to_one_inside_the_grid(spline_order):
    knots = uniform_knots((-1, 2), 5, spline_order, features=2)
    x = np.random.default_rng(0).uniform(-1, 2, size=(100, 2))
    total = numpy(bspline_basis(x, knots, spline_order)).sum(axis=-1)
    np.testing.assert_allclose(total, 1.0, rtol=1e-6)


def test_repeated_knots_give_scipy_values_not_nan():
    knots = np.array([-1.0, 0.0, 0.0, 0.5, 1.0, 1.0, 2.0])
    x = np.linspace(-1.2, 2.2, 35)
    got = numpy(bspline_basis(x[:, None], knots[None], 2))[:, 0]
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, scipy_bsplines(x, knots, 2), atol=1e-6)


@pytest.mark.parametrize("grid_range", [(-1.0, 1.0), (-3.0, 0.5)])
def test_chebyshev_matches_numpy_on_the_tanh_squashed_input(grid_range):
    knots = uniform_knots(grid_range, 4, 2, features=1)
    x = np.random.default_rng(2).uniform(-4, 4, size=(30, 1))
    low, high = grid_range
    u = np.tanh((x[:, 0] - (low + high) / 2) / ((high - low) / 2))
    want = np.stack([np.polynomial.chebyshev.chebval(u, np.eye(7)[n]) for n in range(1, 7)], -1)
    got = numpy(kan_basis(x, knots, "chebyshev", 2))[:, 0]
    # |T_n'| <= n^2 on [-1, 1]: one float32 rounding of u moves T_n by up to n^2 eps.
    eps = np.finfo(got.dtype).eps
    tolerance = 4 * eps * np.arange(1, 7) ** 2 + 1e-7
    assert np.all(np.abs(got - want) <= tolerance), np.max(np.abs(got - want) / tolerance)


def test_rbf_bumps_sit_at_the_bspline_centres():
    knots = uniform_knots((-1, 1), 4, 3, features=1)  # h = 0.5
    x = np.linspace(-4, 4, 81)[:, None]
    centres = -1.0 + 0.5 * (np.arange(7) - 1)  # t_j + 2h: -1.5, -1, ..., 1.5
    want = np.exp(-(((x - centres) / 0.5) ** 2))
    np.testing.assert_allclose(numpy(kan_basis(x, knots, "rbf", 3))[:, 0], want, atol=1e-6)


@pytest.mark.parametrize("count", [4, 5])
def test_fourier_is_half_a_period_on_the_grid_and_periodic_outside(count):
    knots = uniform_knots((-2, 1), count - 1, 1, features=1)
    x = np.linspace(-9, 9, 73)[:, None]
    theta = np.pi * (x - -2.0) / 3.0
    columns = []
    for n in range(1, 4):
        columns += [np.cos(n * theta), np.sin(n * theta)]
    want = np.concatenate(columns, axis=-1)[:, :count]
    got = numpy(kan_basis(x, knots, "fourier", 1))[:, 0]
    np.testing.assert_allclose(got, want, atol=2e-5)


EXTREMES = [
    -3.4028235e38,
    -1e30,
    -5.0,
    -1.0,
    -1e-45,
    0.0,
    1e-40,
    0.25,
    1.0,
    1.0000001,
    7.0,
    1e20,
    3.4028235e38,
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("basis", KAN_BASES)
def test_no_nan_or_inf_from_finite_inputs_values_and_gradients(basis, dtype):
    # float64 needs JAX's 64-bit mode and Keras's promotion kept (learnact's own switch).
    with float64_scope() if dtype == "float64" else contextlib.nullcontext():
        _check_finite(basis, dtype)


def _check_finite(basis, dtype):
    values = np.array(EXTREMES, dtype=dtype)
    if dtype == "float64":
        values = np.concatenate([values, [1.7976931348623157e308, -1.7976931348623157e308]])
    x = values.reshape(-1, 1)
    knots = uniform_knots((-1, 1), 5, 3, features=1).astype(dtype)
    b = numpy(kan_basis(x, knots, basis, 3))
    assert b.dtype == np.dtype(dtype) and np.isfinite(b).all()
    if backend() == "tensorflow":
        return  # tests.autodiff differentiates on JAX and PyTorch
    weights = np.random.default_rng(0).normal(size=(8,)).astype(dtype)
    (gx,) = grad(lambda t: ops.sum(ops.multiply(kan_basis(t, knots, basis, 3), weights)), x)
    assert np.isfinite(gx).all()


@pytest.mark.parametrize("basis", ["bspline", "rbf"])
def test_splines_vanish_far_outside_the_grid(basis):
    knots = uniform_knots((-1, 1), 5, 3, features=1)
    b = numpy(kan_basis(np.array([[-1e6], [60.0], [1e6]]), knots, basis, 3))
    assert np.all(b == 0.0)


def test_input_gradient_of_a_bspline_matches_scipy_derivative():
    if backend() == "tensorflow":
        pytest.skip("tests.autodiff differentiates on JAX and PyTorch")
    knots = uniform_knots((-1, 1), 4, 3)
    x = np.random.default_rng(4).uniform(-1, 1, size=(12, 1))
    c = np.random.default_rng(5).normal(size=(7,))
    (gx,) = grad(lambda t: ops.sum(ops.multiply(bspline_basis(t, knots[None], 3), c)), x)
    want = scipy.interpolate.BSpline(knots, c, 3).derivative()(x[:, 0])
    np.testing.assert_allclose(gx[:, 0], want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: uniform_knots((1, -1), 5, 3), "grid_range"),
        (lambda: uniform_knots((-1, float("inf")), 5, 3), "grid_range"),
        (lambda: uniform_knots((-1, 1), 0, 3), "grid_size"),
        (lambda: uniform_knots((-1, 1), 5, -1), "spline_order"),
        (lambda: kan_basis(np.zeros((1, 1)), np.zeros((1, 4)), "wavelet", 1), "basis"),
        (lambda: kan_basis(np.zeros((1, 1)), np.zeros((1, 4)), "bspline", 3), "knots"),
    ],
)
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_basis_keeps_the_input_dtype():
    knots = uniform_knots((-1, 1), 3, 2, features=3)
    with float64_scope():
        x = keras.ops.ones((2, 3), dtype="float64")
        for basis in KAN_BASES:
            dtype = kan_basis(x, knots, basis, 2).dtype
            assert keras.backend.standardize_dtype(dtype) == "float64"


def _second_derivative(fn, x):
    """d^2/dx^2 of sum(fn(x)) for an elementwise fn, on JAX or PyTorch."""
    if backend() == "jax":
        import jax

        first = jax.grad(lambda t: ops.sum(fn(t)))
        return np.asarray(jax.grad(lambda t: ops.sum(first(t)))(x))
    import torch

    t = torch.tensor(x, requires_grad=True)
    (first,) = torch.autograd.grad(ops.sum(fn(t)), t, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), t)
    return second.numpy()


@pytest.mark.parametrize("spline_order", [2, 3])
def test_second_derivative_of_a_bspline_matches_scipy(spline_order):
    # Derivatives of every order are exact (a PDE loss differentiates twice).
    if backend() == "tensorflow":
        pytest.skip("differentiated twice on JAX and PyTorch")
    knots = uniform_knots((-1, 1), 4, spline_order)
    x = np.random.default_rng(6).uniform(-1, 1, size=(12, 1)).astype(np.float32)
    c = np.random.default_rng(7).normal(size=(4 + spline_order,)).astype(np.float32)
    got = _second_derivative(
        lambda t: ops.sum(ops.multiply(bspline_basis(t, knots[None], spline_order), c), axis=-1),
        x,
    )
    want = scipy.interpolate.BSpline(knots, c, spline_order).derivative(2)(x[:, 0])
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-3, atol=1e-3)


def test_the_taylor_form_used_on_jax_matches_scipy_on_every_backend():
    from learnact.ops.basis import _bspline_taylor

    knots = uniform_knots((-1, 1), 4, 3)
    x = np.random.default_rng(8).uniform(-3, 3, size=(30, 1, 1)).astype(np.float32)
    knots32 = ops.convert_to_tensor(knots[None].astype(np.float32))
    got = numpy(_bspline_taylor(ops.convert_to_tensor(x), knots32, 3, 7))
    np.testing.assert_allclose(got[:, 0], scipy_bsplines(x[:, 0, 0], knots, 3), atol=1e-6)


@pytest.mark.parametrize("basis", ["bspline", "rbf", "chebyshev", "fourier"])
def test_kan_basis_array_is_kan_basis_as_numpy(basis):
    knots = uniform_knots((-1, 1), 4, 3, features=2)
    x = np.random.default_rng(0).uniform(-3, 3, (50, 2))
    with float64_scope():  # compiled and eager agree to float64 rounding
        expected = keras.ops.convert_to_numpy(kan_basis(x, knots, basis, 3))
        values = kan_basis_array(x, knots, basis, 3)
    assert values.dtype == np.float64
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("spline_order", [0, 1, 3, 5])
def test_kan_basis_array_bsplines_match_the_recursion_on_any_grid(spline_order):
    # scipy's design matrix (the array path) against the layer's Cox-de Boor
    # recursion: non-uniform grids, points on knots, in the extension, outside,
    # sequence-shaped inputs.
    rng = np.random.default_rng(30 + spline_order)
    points = np.sort(rng.uniform(-1, 1, size=(3, 12)), axis=-1)
    knots = extend_grid(points, spline_order)
    x = rng.uniform(-2.5, 2.5, size=(4, 40, 3))
    x[0, :10] = knots[:, :10].T
    x[1, 0] = knots[:, -1]
    x[1, 1] = [1e300, -1e300, 0.0]
    with float64_scope():
        expected = keras.ops.convert_to_numpy(kan_basis(x, knots, "bspline", spline_order))
    values = kan_basis_array(x, knots, "bspline", spline_order, dtype="float32")
    assert values.dtype == np.float64 and values.shape == expected.shape
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-13)


def _placed(start, values, count):
    """The local form scattered into the dense layout, entries outside 0..count-1 dropped."""
    start, values = numpy(start), numpy(values)
    dense = np.zeros(start.shape + (count,), values.dtype)
    for r in range(values.shape[-1]):
        index = start + r
        rows = np.nonzero((index >= 0) & (index < count))
        dense[rows + (index[rows],)] = values[rows + (r,)]
    return dense


def _local(x, knots, k):
    return SplineFeatures(*reversed(local_bspline_basis(x, knots, k)))


@pytest.mark.parametrize("spline_order", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("grid_size", [1, 4, 30])
def test_local_bsplines_are_scipys_at_their_place(grid_size, spline_order):
    rng = np.random.default_rng(grid_size + 7 * spline_order)
    # Two inputs on non-uniform grids (as update_grids makes them); points inside,
    # in the extension, beyond it, far away, and on the knots themselves (but for
    # degree 0, where scipy's basis element includes its right end, and learnact's
    # and the Cox-de Boor recursion's do not).
    spacing = 4 / grid_size
    jitter = rng.uniform(-0.3, 0.3, size=(2, grid_size + 1)) * spacing
    knots = extend_grid(np.linspace(-2, 2, grid_size + 1) + jitter, spline_order)
    x = rng.uniform(knots[:, 0] - 1, knots[:, -1] + 1, size=(60, 2))
    if spline_order > 0:
        on_knots = knots[:, : min(8, knots.shape[1])].T
        x[: len(on_knots)] = on_knots
    x[-2:] = [[-1e30, 3e38], [3e38, -1e30]]
    count = knots.shape[1] - 1 - spline_order
    with float64_scope():
        start, values = local_bspline_basis(x, knots, spline_order)
        assert numpy(values).shape == (60, 2, spline_order + 1)
        got = _placed(start, values, count)
    for i in range(2):
        want = scipy_bsplines(x[:, i], knots[i], spline_order)
        np.testing.assert_allclose(got[:, i], want, rtol=1e-12, atol=1e-12)


def test_local_bsplines_on_repeated_knots_are_scipys_not_nan():
    knots = np.array([-1.0, 0.0, 0.0, 0.5, 1.0, 1.0, 2.0])
    x = np.linspace(-1.2, 2.2, 35)[:, None]
    start, values = local_bspline_basis(x, knots[None], 2)
    got = _placed(start, values, 4)[:, 0]
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, scipy_bsplines(x[:, 0], knots, 2), atol=1e-6)


@pytest.mark.parametrize("local", [False, True])
@pytest.mark.parametrize("per_edge", [False, True])
def test_spline_contract_is_the_sum_of_scipy_splines(local, per_edge):
    rng = np.random.default_rng(11)
    knots = extend_grid(np.sort(rng.uniform(-1, 1, size=(3, 9)), axis=-1), 3)
    x = rng.uniform(-2, 2, size=(40, 3)).astype(np.float32)
    c = rng.normal(size=(3, 11, 2)).astype(np.float32)
    features = _local(x, knots, 3) if local else SplineFeatures(kan_basis(x, knots, "bspline", 3))
    got = numpy(spline_contract(features, ops.convert_to_tensor(c), per_edge=per_edge))
    edges = np.stack([scipy_bsplines(x[:, i], knots[i], 3) @ c[i] for i in range(3)], axis=1)
    want = edges if per_edge else edges.sum(axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_gradients_of_the_local_form_match_scipy():
    if backend() == "tensorflow":
        pytest.skip("tests.autodiff differentiates on JAX and PyTorch")
    rng = np.random.default_rng(12)
    knots = extend_grid(np.sort(rng.uniform(-1, 1, size=(2, 21)), axis=-1), 3)
    x = rng.uniform(-1.5, 1.5, size=(30, 2))
    c = rng.normal(size=(2, 23, 1))
    w = rng.normal(size=(30, 1))

    def loss(t, coefficients):
        return ops.sum(ops.multiply(spline_contract(_local(t, knots, 3), coefficients), w))

    with float64_scope():
        gx, gc = grad(loss, x, c)
    for i in range(2):
        # Each B-spline's own derivative: BSpline(knots, c) would leave out the extension.
        slopes = [
            scipy.interpolate.BSpline.basis_element(
                knots[i, j : j + 5], extrapolate=False
            ).derivative()(x[:, i])
            for j in range(23)
        ]
        want = np.nan_to_num(np.stack(slopes, axis=-1)) @ c[i, :, 0] * w[:, 0]
        np.testing.assert_allclose(gx[:, i], want, rtol=1e-9, atol=1e-9)
        basis = scipy_bsplines(x[:, i], knots[i], 3)
        np.testing.assert_allclose(gc[i, :, 0], basis.T @ w[:, 0], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_local_form_is_finite_at_extremes_values_and_gradients(dtype):
    with float64_scope() if dtype == "float64" else contextlib.nullcontext():
        x = np.array(EXTREMES, dtype=dtype).reshape(-1, 1)
        knots = uniform_knots((-1, 1), 20, 3, features=1).astype(dtype)
        c = np.random.default_rng(0).normal(size=(1, 23, 1)).astype(dtype)

        def total(t):
            return ops.sum(spline_contract(_local(t, knots, 3), c))

        start, values = local_bspline_basis(x, knots, 3)
        assert numpy(values).dtype == np.dtype(dtype) and np.isfinite(numpy(values)).all()
        if backend() == "tensorflow":
            return
        (gx,) = grad(total, x)
        assert np.isfinite(gx).all()


def test_the_local_form_is_taken_for_fine_grids_and_narrow_layers_on_jax():
    on_jax = backend() == "jax"
    assert local_bspline_pays(103, 3, 1) is on_jax  # pykan's [2, 1, 1] at grid 100
    assert local_bspline_pays(13, 3, 3) is on_jax  # 12 gathered of 13 functions
    assert local_bspline_pays(13, 3, 4) is False  # 16 of 13: the GEMM
    assert local_bspline_pays(8, 3, 1) is False  # grid 5: 4 of 8 nonzero, the dense form
    assert local_bspline_pays(1003, 3, 1000) is False  # a wide layer
    knots = uniform_knots((-1, 1), 20, 3, features=2)
    x = np.zeros((4, 2), np.float32)
    assert (spline_features(x, knots, "bspline", 3, 1).start is not None) is on_jax
    assert spline_features(x, knots, "rbf", 3, 1).start is None


def test_local_form_refuses_a_knot_vector_too_short_and_starts_are_int32():
    with pytest.raises(ValueError, match="knots"):
        local_bspline_basis(np.array([[0.5]]), np.array([[0.0, 1.0, 2.0]]), 3)
    with float64_scope():
        start, _ = local_bspline_basis(np.zeros((2, 1)), uniform_knots((-1, 1), 20, 3, 1), 3)
    assert keras.backend.standardize_dtype(start.dtype) == "int32"

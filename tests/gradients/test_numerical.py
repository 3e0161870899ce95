"""numerical_gradient, jacobian, hessian, tangent_line against analytic references and the book."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnact.benchmarks.numgrad import book_numerical_gradient
from learnact.gradients import (
    BatchFallbackWarning,
    FunctionCaller,
    PointsLayoutWarning,
    hessian,
    jacobian,
    numerical_gradient,
    tangent_line,
)
from tests.conftest import only_on

pytestmark = only_on("jax", "numerical gradients are NumPy")

# --- the seed's three functions, in the book's style (one point or a batch) ---


def function_2(x):
    return np.sum(x**2) if x.ndim == 1 else np.sum(x**2, axis=1)


def function_xy(x):
    return x[0] * x[1] if x.ndim == 1 else x[:, 0] * x[:, 1]


def function_sin_xy(x):
    return np.sin(x[0] * x[1]) if x.ndim == 1 else np.sin(x[:, 0] * x[:, 1])


def grad_2(p):
    return 2 * p


def grad_xy(p):
    return np.stack([p[:, 1], p[:, 0]], axis=1)


def grad_sin_xy(p):
    c = np.cos(p[:, 0] * p[:, 1])
    return np.stack([p[:, 1] * c, p[:, 0] * c], axis=1)


SEED_CASES = [(function_2, grad_2), (function_xy, grad_xy), (function_sin_xy, grad_sin_xy)]
TOLERANCE = {"central": 1e-9, "five_point": 1e-11, "complex": 1e-14, "richardson": 1e-11}


def grid_points():
    x0 = np.arange(-2, 2.5, 0.25)
    grid_x, grid_y = np.meshgrid(x0, x0)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


@pytest.mark.parametrize("method", list(TOLERANCE))
@pytest.mark.parametrize("f, grad", SEED_CASES)
def test_seed_functions_match_analytic_gradients(f, grad, method):
    points = grid_points()
    got = numerical_gradient(f, points, method=method)
    want = grad(points)
    assert got.shape == points.shape
    np.testing.assert_allclose(got, want, rtol=TOLERANCE[method], atol=TOLERANCE[method])


@pytest.mark.parametrize("f, _", SEED_CASES)
def test_central_with_step_1e4_reproduces_the_book_bit_for_bit(f, _):
    points = grid_points()
    want = book_numerical_gradient(f, points.copy())
    got = numerical_gradient(f, points, step=1e-4)
    np.testing.assert_array_equal(got, want)


def test_polynomial_and_exp_analytic():
    x = np.array([[0.3, -1.2, 2.0], [1.5, 0.0, -0.5]])

    def poly(p):
        return p[:, 0] ** 3 - 2 * p[:, 0] * p[:, 1] ** 2 + 5 * p[:, 2] ** 4 - 7

    want = np.stack(
        [3 * x[:, 0] ** 2 - 2 * x[:, 1] ** 2, -4 * x[:, 0] * x[:, 1], 20 * x[:, 2] ** 3], axis=1
    )
    np.testing.assert_allclose(numerical_gradient(poly, x, method="richardson"), want, atol=1e-9)
    e = numerical_gradient(lambda p: np.exp(p).sum(axis=1), x, method="complex")
    np.testing.assert_allclose(e, np.exp(x), rtol=1e-14)


def test_complex_step_relative_error_about_1e14():
    x = np.linspace(-3, 3, 41)[:, None]
    got = numerical_gradient(lambda p: np.exp(np.sin(p[:, 0])), x, method="complex")[:, 0]
    want = np.cos(x[:, 0]) * np.exp(np.sin(x[:, 0]))
    rel = np.abs(got - want) / np.abs(want)
    assert rel.max() < 5e-15


def test_richardson_error_estimate_bounds_the_error():
    x = np.array([[0.7, -0.4], [1.9, 1.1]])
    got, err = numerical_gradient(function_sin_xy, x, method="richardson", return_error=True)
    actual = np.abs(got - grad_sin_xy(x))
    assert err.shape == x.shape
    assert np.all(actual <= err) and err.max() < 1e-8


def test_return_error_needs_richardson():
    with pytest.raises(ValueError, match="return_error"):
        numerical_gradient(function_2, [1.0, 2.0], return_error=True)


def test_x_is_never_mutated_and_ints_become_float64():
    x = np.array([[1, 2], [3, 4]])
    before = x.copy()
    got = numerical_gradient(function_xy, x)
    np.testing.assert_array_equal(x, before)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [[2, 1], [4, 3]], atol=1e-9)


def test_single_point_function_works_and_batch_function_is_called_once():
    calls = []

    def batch(p):
        calls.append(p.shape)
        return p[:, 0] * p[:, 1]

    x = grid_points()
    numerical_gradient(batch, x)
    assert calls == [(2 * x.shape[0] * 2, 2)]
    one_point = numerical_gradient(lambda p: p[0] * p[1], x[:5])
    np.testing.assert_allclose(one_point, grad_xy(x[:5]), atol=1e-9)


def test_one_point_function_is_detected_without_a_warning(recwarn):
    # Its batch call returns the wrong shape (the product of two rows): detected, no warning.
    got = numerical_gradient(lambda p: p[0] * p[1], grid_points()[:4])
    np.testing.assert_allclose(got, grad_xy(grid_points()[:4]), atol=1e-9)
    assert not [w for w in recwarn if issubclass(w.category, BatchFallbackWarning)]


def test_a_function_that_fails_on_batches_only_is_said_once_and_still_answered():
    def works_on_one_point_only(p):
        if p.ndim == 2:
            raise IndexError("a bug that fires on batches")
        return p[0] * p[1]

    x = grid_points()[:6]
    with pytest.warns(BatchFallbackWarning, match="IndexError.*a bug that fires on batches") as w:
        got = numerical_gradient(works_on_one_point_only, x)
    assert len([r for r in w if issubclass(r.category, BatchFallbackWarning)]) == 1
    np.testing.assert_allclose(got, grad_xy(x), atol=1e-9)


def test_a_function_that_fails_both_ways_raises_the_batch_error_chained():
    def broken(p):
        if p.ndim == 2:
            raise KeyError("batch")
        raise ZeroDivisionError("point")

    with pytest.raises(KeyError, match="batch") as info:
        numerical_gradient(broken, grid_points()[:3])
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_batch_function_error_after_detection_is_raised_as_is():
    calls = []

    def flaky(p):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("second call")
        return p[:, 0] * p[:, 1]

    x = grid_points()[:2]
    caller = FunctionCaller(flaky, "scalar")
    np.testing.assert_array_equal(caller(x), x[:, 0] * x[:, 1])
    assert caller.mode == "batch"
    with pytest.raises(RuntimeError, match="second call"):
        caller(x)


def test_one_point_shape_and_dtype_default_steps():
    g = numerical_gradient(function_2, np.array([3.0, -4.0], dtype=np.float32))
    assert g.shape == (2,) and g.dtype == np.float32
    np.testing.assert_allclose(g, [6.0, -8.0], rtol=1e-3)


def test_the_books_2_by_n_mistake_warns_and_explains():
    x0 = np.arange(-2, 2.5, 0.25)
    X, Y = np.meshgrid(x0, x0)
    with pytest.warns(PointsLayoutWarning, match=r"pass x\.T"):
        numerical_gradient(function_2, np.array([X.ravel(), Y.ravel()]))


def test_wrong_output_shape_explains_both_conventions():
    with pytest.raises(ValueError, match=r"one point \(D,\).*batch \(M, D\).*np\.stack"):
        numerical_gradient(lambda p: p**2, np.ones((4, 2)))


@pytest.mark.parametrize(
    "x, match",
    [
        (np.array([1.0, np.nan]), "finite"),
        (np.array([[1.0, np.inf]]), "finite"),
        (np.zeros((0, 2)), "empty"),
        (np.zeros((2, 2, 2)), r"\(N, D\)"),
        (np.float64(1.0), r"\(N, D\)"),
        (np.array(["a"]), "real numbers"),
    ],
)
def test_bad_x_is_refused(x, match):
    with pytest.raises(ValueError, match=match):
        numerical_gradient(function_2, x)


def test_nan_from_f_is_reported_at_the_point():
    with pytest.raises(ValueError, match=r"f returned .*nan.*x\[1\]"):
        with np.errstate(invalid="ignore"):
            numerical_gradient(lambda p: np.sqrt(p[:, 0]), np.array([[1.0], [0.0]]))


def test_bad_method_and_step():
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(function_2, [1.0], method="forward")
    with pytest.raises(ValueError, match="step"):
        numerical_gradient(function_2, [1.0], step=-1.0)


def test_complex_method_refuses_real_only_functions():
    with pytest.raises(ValueError, match="complex"):
        numerical_gradient(lambda p: np.abs(p).sum(axis=1), np.ones((2, 2)), method="complex")


def test_jacobian_shapes_and_values():
    def f(p):
        return np.stack([p[:, 0] * p[:, 1], np.sin(p[:, 0]), p[:, 1] ** 2], axis=1)

    x = np.array([[0.5, 2.0], [1.0, -1.0]])
    j = jacobian(f, x, method="complex")
    assert j.shape == (2, 3, 2)
    want = np.array(
        [[[x[n, 1], x[n, 0]], [np.cos(x[n, 0]), 0.0], [0.0, 2 * x[n, 1]]] for n in range(2)]
    )
    np.testing.assert_allclose(j, want, atol=1e-14)
    assert jacobian(f, x[0]).shape == (3, 2)


def test_hessian_matches_analytic_and_is_symmetric():
    x = np.array([[0.4, -1.3], [1.0, 2.0]])
    h = hessian(function_sin_xy, x)
    assert h.shape == (2, 2, 2)
    for n, (a, b) in enumerate(x):
        s, c = np.sin(a * b), np.cos(a * b)
        want = np.array([[-(b**2) * s, c - a * b * s], [c - a * b * s, -(a**2) * s]])
        np.testing.assert_allclose(h[n], want, atol=1e-6)
        np.testing.assert_array_equal(h[n], h[n].T)
    assert hessian(function_2, [1.0, 2.0, 3.0]).shape == (3, 3)


def test_tangent_line_as_in_the_book():
    def function_1(x):
        return 0.01 * x**2 + 0.1 * x

    line = tangent_line(function_1, 5.0)
    assert line.slope == pytest.approx(0.2, abs=1e-9)
    np.testing.assert_allclose(line(np.array([5.0, 10.0])), [0.75, 1.75], atol=1e-9)
    plane = tangent_line(function_xy, np.array([1.0, 2.0]))
    assert plane(np.array([1.0, 2.0])) == pytest.approx(2.0)
    np.testing.assert_allclose(plane.slope, [2.0, 1.0], atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    d=st.integers(1, 5),
    dtype=st.sampled_from([np.float32, np.float64, np.int64]),
    single=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_shapes_dtypes_and_quadratic_accuracy(n, d, dtype, single, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-2, 2, size=d)
    x = rng.uniform(-3, 3, size=(d,) if single else (n, d)).astype(dtype)
    before = x.copy()

    def f(p):
        return (a * p**2).sum(axis=-1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PointsLayoutWarning)
        g = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    assert g.shape == x.shape
    out_dtype = np.float32 if dtype == np.float32 else np.float64
    assert g.dtype == out_dtype
    tol = 5e-3 if dtype == np.float32 else 1e-8
    np.testing.assert_allclose(g, 2 * a * x.astype(np.float64), rtol=tol, atol=tol)


@pytest.mark.parametrize("x", [3.0, 12345.678, -0.7])
def test_float32_points_divide_by_the_step_actually_taken(x):
    # Central differences are exact for a quadratic when the step is exact: any error
    # left is rounding of f in float64, far below float32's 6e-8.
    point = np.array([[x]], np.float32)
    grad = numerical_gradient(lambda p: p[:, 0].astype(np.float64) ** 2, point)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, 2 * point.astype(np.float64), rtol=1e-7)


def test_step_below_float32_resolution_is_refused():
    with pytest.raises(ValueError, match="below the float32 resolution"):
        numerical_gradient(lambda p: p[:, 0] ** 2, np.array([[1.0]], np.float32), step=1e-10)


@pytest.mark.parametrize("method", ["central", "five_point", "richardson"])
def test_step_below_float64_resolution_is_refused(method):
    # The report: float64 points with step=1e-20 gave [[0, 0]] silently.
    with pytest.raises(ValueError, match=r"`step` 1e-20 is below the float64 resolution at x\[0"):
        numerical_gradient(
            lambda p: p[:, 0] * p[:, 1], np.array([[1.0, 2.0]]), step=1e-20, method=method
        )
    # Where x = 0 the same step moves the point: accepted, and exact for a product.
    grad = numerical_gradient(lambda p: p[:, 0] * p[:, 1], np.array([[0.0, 0.0]]), step=1e-20)
    np.testing.assert_array_equal(grad, [[0.0, 0.0]])
    np.testing.assert_allclose(
        numerical_gradient(lambda p: p[:, 0] * p[:, 1], np.array([[0.0, 2.0]]), step=[1e-20, 1e-3]),
        [[2.0, 0.0]],
    )


@pytest.mark.parametrize("step", ["a", [1.0, "b"], object(), True, [True, True]])
def test_a_step_that_is_not_a_number_is_named(step):
    with pytest.raises(ValueError, match=r"`step` must be a positive number.*received step="):
        numerical_gradient(function_2, [1.0, 2.0], step=step)

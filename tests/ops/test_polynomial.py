"""polyval / polynomial_terms / powers against NumPy's polynomial module."""

import numpy as np
import pytest
from keras import ops

from learnact.ops import polynomial_terms, polyval, powers
from tests.autodiff import grad


def numpy_polyval(x, c, center=0.0):
    """Independent reference: sum_p c[..., p] (x - center)^p with np.power in float64."""
    t = np.asarray(x, np.float64) - center
    p = np.arange(c.shape[-1])
    return np.sum(c * np.power(t[..., None], p), axis=-1)


@pytest.mark.parametrize("order", range(0, 11))
def test_polyval_matches_numpy_with_negative_inputs(order):
    rng = np.random.default_rng(order)
    x = rng.uniform(-2.0, 2.0, size=(64, 5)).astype(np.float32)
    c = rng.normal(size=(5, order + 1)).astype(np.float32)
    got = ops.convert_to_numpy(polyval(x, c))
    want = numpy_polyval(x, c.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * 2.0**order)


def test_polyval_shared_coefficients_and_center():
    x = np.linspace(-3, 3, 13, dtype=np.float32).reshape(13, 1)
    c = np.array([0.5, -1.0, 0.25, 2.0], np.float32)
    got = ops.convert_to_numpy(polyval(x, c, center=1.5))
    np.testing.assert_allclose(got, numpy_polyval(x, c, 1.5), rtol=1e-5, atol=1e-4)
    # NumPy's own evaluator as a second, unrelated reference.
    want = np.polynomial.polynomial.polyval(x - 1.5, c.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_polyval_broadcasts_per_element_coefficients_over_batch_axes():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    c = rng.normal(size=(1, 4, 5, 3)).astype(np.float32)  # shared over axis 1
    got = ops.convert_to_numpy(polyval(x, c))
    np.testing.assert_allclose(got, numpy_polyval(x, c), rtol=1e-5, atol=1e-5)


def test_integer_input_is_evaluated_in_floating_point():
    got = ops.convert_to_numpy(polyval(np.array([3, -2]), np.array([0.5, 0.0, 1.0])))
    np.testing.assert_allclose(got, [9.5, 4.5])


def test_terms_sum_to_polyval_and_powers_are_exact():
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, size=(6, 4)).astype(np.float32)
    c = rng.normal(size=(4, 6)).astype(np.float32)
    terms = ops.convert_to_numpy(polynomial_terms(x, c, center=-0.5))
    assert terms.shape == (6, 4, 6)
    np.testing.assert_allclose(terms.sum(-1), numpy_polyval(x, c, -0.5), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(powers(np.array([-2.0], np.float32), 4)), [[1, -2, 4, -8, 16]]
    )


def test_huge_finite_input_gives_inf_never_nan():
    x = np.array([-1e30, -1e10, 1e10, 1e30, 3e38], np.float32)
    c = np.array([1.0, -2.0, 3.0, -4.0, 0.5], np.float32)
    y = ops.convert_to_numpy(polyval(x, c))
    assert not np.isnan(y).any()


@pytest.mark.parametrize("center", ["0", None, float("nan"), float("inf"), [1.0]])
def test_bad_center_is_a_value_error_naming_it(center):
    with pytest.raises(ValueError, match="center"):
        polyval(np.ones(3), np.ones(2), center=center)


def test_gradients_match_closed_form():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.5, 1.5, size=(32, 4)).astype(np.float32)
    c = rng.normal(size=(4, 5)).astype(np.float32)
    g = rng.normal(size=(32, 4)).astype(np.float32)  # upstream gradient

    def loss(x, c):
        return ops.sum(polyval(x, c, center=0.25) * ops.convert_to_tensor(g))

    gx, gc = grad(loss, x, c)
    t = x.astype(np.float64) - 0.25
    p = np.arange(5)
    # d/dx sum_p c_p t^p = sum_p p c_p t^(p-1); d/dc_p = t^p, summed over the batch.
    want_gx = g * np.sum(c[:, 1:] * p[1:] * np.power(t[..., None], p[1:] - 1), axis=-1)
    want_gc = np.sum(g[..., None] * np.power(t[..., None], p), axis=0)
    np.testing.assert_allclose(gx, want_gx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gc, want_gc, rtol=1e-4, atol=1e-4)


def test_gradient_of_shared_coefficients_sums_over_broadcast_axes():
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(8, 3, 2)).astype(np.float32)
    c = rng.normal(size=(1, 2, 4)).astype(np.float32)
    (gc,) = grad(lambda c: ops.sum(polyval(x, c)), c)
    want = np.sum(np.power(x[..., None].astype(np.float64), np.arange(4)), axis=(0, 1))
    np.testing.assert_allclose(gc, want[None], rtol=1e-4, atol=1e-4)

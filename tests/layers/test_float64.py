"""Float64 means float64 on every backend: no float32 step inside a layer, no NaN (issue 14).

On JAX, float64 needs x64: each test enables it for its own duration only.
"""

import contextlib

import keras
import mpmath as mp
import numpy as np
import pytest
from keras import ops

import learnact.layers
from learnact.inspection.gradcheck import EXAMPLE_ARGUMENTS
from learnact.layers import (
    ComplexSoftExponential,
    PolynomialDense,
    TaylorExpansion,
    layer_classes,
)
from tests.ops.test_soft_exponential import ref

MAX64 = float(np.finfo(np.float64).max)
# Zero, subnormals, tiny, moderate, beyond float32's range, near float64's maximum.
EXTREMES = np.array(
    [0.0, 5e-324, -5e-324, 1e-300, -1e-300, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0]
    + [1e39, -1e39, 1e154, -1e154, 1e300, -1e300, MAX64, -MAX64]
)


@pytest.fixture(autouse=True)
def float64_backend():
    """JAX computes in float32 unless x64 is enabled: enable it for this test only."""
    if keras.backend.backend() == "jax":
        import jax

        with jax.enable_x64(True):
            yield
    else:
        with contextlib.nullcontext():
            yield


def _numpy(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


# PolynomialDense documents that a weighted sum of overflowing powers can be inf - inf
# (NaN) and that `input_bound` is the remedy: swept with it here, without it below.
SWEEP_ARGUMENTS = {"PolynomialDense": {"input_bound": 1.0}}


def _float64_layer(name, **extra):
    arguments = {**EXAMPLE_ARGUMENTS.get(name, {}), **SWEEP_ARGUMENTS.get(name, {}), **extra}
    return layer_classes()[name](dtype="float64", **arguments)


# learnact's own layers only: other test modules register throwaway layers (one that
# raises on purpose), and which of them are loaded depends on the test order.
LAYERS = [name for name in layer_classes() if hasattr(learnact.layers, name)]


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("weights", ["initial", "random"])
def test_no_nan_from_finite_float64_input_for_every_layer(name, weights):
    layer = _float64_layer(name)
    x = np.stack([EXTREMES, -EXTREMES[::-1]])
    layer(x)  # build
    if weights == "random":
        rng = np.random.default_rng(0)
        for weight in layer.trainable_weights:
            weight.assign(rng.uniform(-1.0, 1.0, weight.shape))
    y = _numpy(layer(x))
    assert y.dtype == np.float64, name
    assert not np.isnan(y).any(), (name, np.argwhere(np.isnan(y))[:5])


def test_polynomial_dense_without_a_bound_has_no_nan_while_its_powers_are_finite():
    x = EXTREMES[np.abs(EXTREMES) < 1e100]  # |x|**3 < 1.8e308
    layer = _float64_layer("PolynomialDense", input_bound=None)
    layer(x[None])
    rng = np.random.default_rng(0)
    for weight in layer.trainable_weights:
        weight.assign(rng.uniform(-1.0, 1.0, weight.shape))
    y = _numpy(layer(np.stack([x, -x])))
    assert y.dtype == np.float64 and np.isfinite(y).all()


def test_polynomial_dense_keeps_float64_through_the_matmul():
    # The report: on PyTorch keras.ops.matmul returned float32, so 1e60 became inf.
    layer = PolynomialDense(1, order=3, kernel_initializer="ones", dtype="float64")
    y = _numpy(layer(np.array([[1e20]])))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, [[1e60 + 1e40 + 1e20]], rtol=1e-15)


def test_cumulative_taylor_keeps_float64_through_the_cumsum():
    layer = TaylorExpansion(order=3, parameterization="cumulative", dtype="float64")
    x = np.array([[1.0 + 1e-12, 1e20, -3.0]])
    layer(x)
    rng = np.random.default_rng(1)
    alpha, w = rng.uniform(0.5, 1.5, (3, 4)), rng.uniform(0.5, 1.5, (3, 4))
    layer.alpha.assign(alpha)
    layer.w.assign(w)
    # The accepted answer's form in float64: s_q = sum_{p<=q} alpha_p x^p, y = sum_q w_q s_q.
    powers = x[0][:, None] ** np.arange(4)
    want = np.sum(w * np.cumsum(alpha * powers, axis=-1), axis=-1)
    y = _numpy(layer(x))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y[0], want, rtol=1e-14)


def test_complex_soft_exponential_is_finite_and_exact_far_beyond_float32():
    # The report: on JAX with x64, NaN for every |x| >= 1e39 (cos, sin and arctan
    # computed in float32 there).
    x = np.array([[1e39, -1e39, 1e100, -1e100, -1e300, 2.5]])
    for p, q in ((0.3, 0.5), (-0.3, 0.5), (0.0, 2.0), (-1e-3, -1.0)):
        layer = ComplexSoftExponential(dtype="float64")
        layer(x)
        # Assigned rather than given to Constant, which rounds to float32 on TensorFlow.
        layer.alpha_real.assign(np.full(layer.alpha_real.shape, p))
        layer.alpha_imag.assign(np.full(layer.alpha_imag.shape, q))
        y = _numpy(layer(x))
        assert y.dtype == np.float64 and np.isfinite(y).all(), (p, q, y)
        got = y[0, :6] + 1j * y[0, 6:]
        mp.mp.dps = 60
        for k, xk in enumerate(x[0]):
            want = ref(mp.mpc(p, q), mp.mpf(float(xk)))
            if abs(want) < 1e300:  # representable, not saturated
                assert abs(mp.mpc(got[k]) - want) <= 1e-13 * (abs(want) + 1), (p, q, xk)

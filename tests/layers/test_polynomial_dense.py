"""PolynomialDense: Keras layer contract, NumPy reference for both bases, Dense equivalence."""

import keras
import numpy as np
import pytest
from keras import ops

from learnact.layers import PolynomialDense
from tests.autodiff import grad
from tests.keras_testing import run_layer_test


def numpy_polynomial_dense(x, kernel, bias, order, basis):
    """Reference: sum_p B_p(x) @ W_p + b with B_p from NumPy's polynomial classes."""
    x = np.asarray(x, np.float64)
    features = x.shape[-1]
    y = np.zeros(x.shape[:-1] + (kernel.shape[-1],)) + bias
    for p in range(1, order + 1):
        unit = np.zeros(p + 1)
        unit[p] = 1.0
        if basis == "monomial":
            b_p = np.polynomial.polynomial.polyval(x, unit)
        else:
            b_p = np.polynomial.chebyshev.chebval(x, unit)
        y += b_p @ kernel[(p - 1) * features : p * features]
    return y


@pytest.mark.parametrize(
    "kwargs, input_shape, output_shape",
    [
        ({"units": 3}, (2, 4), (2, 3)),
        ({"units": 2, "order": 5, "basis": "chebyshev", "input_bound": 1.0}, (2, 3, 4), (2, 3, 2)),
        ({"units": 4, "order": 1, "use_bias": False, "activation": "relu"}, (2, 5), (2, 4)),
    ],
)
def test_keras_layer_contract(kwargs, input_shape, output_shape):
    run_layer_test(
        PolynomialDense,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=1 if kwargs.get("use_bias") is False else 2,
    )


@pytest.mark.parametrize("basis", ["monomial", "chebyshev"])
@pytest.mark.parametrize("order", [1, 2, 4, 7])
def test_matches_numpy_reference_with_negative_inputs(basis, order):
    rng = np.random.default_rng(order)
    x = rng.uniform(-1.0, 1.0, size=(9, 5)).astype(np.float32)
    layer = PolynomialDense(3, order=order, basis=basis)
    layer.build(x.shape)
    kernel = rng.normal(size=(order * 5, 3)).astype(np.float32)
    bias = rng.normal(size=(3,)).astype(np.float32)
    layer.set_weights([kernel, bias])
    want = numpy_polynomial_dense(x, kernel, bias, order, basis)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, rtol=1e-4, atol=1e-4)


def test_order_one_monomial_is_exactly_dense():
    x = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    dense = keras.layers.Dense(3, activation="tanh")
    poly = PolynomialDense(3, order=1, activation="tanh")
    dense.build(x.shape)
    poly.build(x.shape)
    poly.set_weights(dense.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(poly(x)), ops.convert_to_numpy(dense(x)))


def test_gradient_wrt_input_matches_closed_form():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(4, 2)).astype(np.float32)
    layer = PolynomialDense(1, order=3)
    layer.build(x.shape)
    kernel = rng.normal(size=(6, 1)).astype(np.float32)
    layer.set_weights([kernel, np.zeros(1, np.float32)])
    (gx,) = grad(lambda x: ops.sum(layer(x)), x)
    w = kernel[:, 0].reshape(3, 2)  # [degree - 1, feature]
    want = w[0] + 2 * w[1] * x + 3 * w[2] * x**2
    np.testing.assert_allclose(gx, want, rtol=1e-5, atol=1e-6)


def test_keras_file_round_trip(tmp_path):
    inputs = keras.Input((4,))
    outputs = PolynomialDense(5, order=3, basis="chebyshev", input_bound=1.0)(inputs)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"units": 0}, "units"),
        ({"units": 2, "order": 0}, "order"),
        ({"units": 2, "order": 99}, "order"),
        ({"units": 2, "basis": "legendre"}, "basis"),
        ({"units": 2, "input_bound": 0.0}, "input_bound"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PolynomialDense(**kwargs)


def test_changed_feature_dimension_after_build_is_a_clear_keras_error():
    layer = PolynomialDense(2)
    layer(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="incompatible with the layer"):
        layer(np.zeros((2, 3), np.float32))


def test_half_precision_computes_in_float32_and_never_gives_nan():
    x = np.array([[50.0, -50.0, 2.0]], np.float32)
    layer = PolynomialDense(2, order=3, dtype="mixed_float16")
    layer.build(x.shape)
    kernel = np.random.default_rng(0).normal(scale=1e-4, size=(9, 2)).astype(np.float32)
    layer.set_weights([kernel, np.zeros(2, np.float32)])
    y = ops.convert_to_numpy(layer(x))
    assert y.dtype == np.float16 and not np.isnan(y).any()
    want = numpy_polynomial_dense(x, kernel, np.zeros(2), 3, "monomial")
    np.testing.assert_allclose(y, want, rtol=2e-3)  # one float16 rounding of the float32 result

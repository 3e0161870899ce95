"""SoftExponential / ComplexSoftExponential: Keras contract, formula, saving, the paper's claims."""

import cmath
import math

import keras
import numpy as np
import pytest
from keras import ops

from learnact.layers import ComplexSoftExponential, SoftExponential
from learnact.models import product_network
from tests.keras_testing import run_layer_test


def formula(alpha, x):
    """The paper's formula with Python's math/cmath (independent of learnact.ops)."""
    if alpha == 0:
        return complex(x)
    if alpha.real < 0:
        return -cmath.log(1 - alpha * (x + alpha)) / alpha
    return (cmath.exp(alpha * x) - 1) / alpha + alpha


@pytest.mark.parametrize(
    "kwargs, input_shape, n_losses",
    [
        ({}, (2, 5), 0),
        ({"alpha_regularizer": "l2", "alpha_initializer": "ones"}, (2, 5), 1),
        ({"shared_axes": [1, 2]}, (2, 4, 4, 3), 0),
        ({"alpha_constraint": "non_neg"}, (2, 3, 4), 0),
    ],
)
def test_soft_exponential_keras_contract(kwargs, input_shape, n_losses):
    run_layer_test(
        SoftExponential,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=input_shape,
        expected_num_trainable_weights=1,
        expected_num_losses=n_losses,
    )


@pytest.mark.parametrize(
    "kwargs, input_shape, output_shape, n_losses",
    [
        ({}, (2, 5), (2, 10), 0),
        (
            {
                "alpha_real_regularizer": "l2",
                "alpha_imag_regularizer": "l1",
                "alpha_imag_initializer": "ones",
                "shared_axes": [1],
            },
            (2, 3, 4),
            (2, 3, 8),
            2,
        ),
    ],
)
def test_complex_soft_exponential_keras_contract(kwargs, input_shape, output_shape, n_losses):
    run_layer_test(
        ComplexSoftExponential,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=2,
        expected_num_losses=n_losses,
    )


def test_default_is_identity_and_alpha_is_per_element():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    layer = SoftExponential()
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    assert tuple(layer.alpha.shape) == (3,)


def test_soft_exponential_values_match_formula():
    alphas = np.array([-1.0, -0.25, -1e-8, 0.0, 1e-8, 0.5, 1.0], dtype=np.float32)
    layer = SoftExponential()
    x = np.linspace(0.1, 3.0, 12, dtype=np.float32)[:, None] * np.ones((1, 7), np.float32)
    layer.build(x.shape)
    layer.alpha.assign(alphas)
    got = ops.convert_to_numpy(layer(x))
    want = np.array(
        [[formula(float(a), float(v)).real for a, v in zip(alphas, row, strict=True)] for row in x]
    )
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)


def _float64_supported():
    if keras.backend.backend() != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


@pytest.mark.skipif(
    not _float64_supported(), reason="JAX computes in float32 unless jax_enable_x64 is set"
)
def test_float64_layer_computes_in_float64():
    layer = SoftExponential(dtype="float64")
    x = np.linspace(0.1, 3.0, 12)[:, None] * np.ones((1, 3))
    layer.build(x.shape)
    alphas = np.array([-0.7, 0.0, 0.45])
    layer.alpha.assign(alphas)
    y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float64"
    want = np.array([[formula(a, v).real for a, v in zip(alphas, row, strict=True)] for row in x])
    np.testing.assert_allclose(ops.convert_to_numpy(y), want, rtol=1e-12, atol=1e-14)


def test_complex_values_match_formula_and_give_sinusoids():
    p = np.array([0.0, 0.0, -0.5, 0.5], dtype=np.float32)
    q = np.array([1.0, 2.5, 1.0, -1.0], dtype=np.float32)
    layer = ComplexSoftExponential()
    x = np.linspace(-3.0, 3.0, 13, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    layer.build(x.shape)
    layer.alpha_real.assign(p)
    layer.alpha_imag.assign(q)
    out = ops.convert_to_numpy(layer(x))
    assert out.shape == (13, 8)
    want = np.array(
        [
            [
                formula(complex(float(a), float(b)), float(v))
                for a, b, v in zip(p, q, row, strict=True)
            ]
            for row in x
        ]
    )
    np.testing.assert_allclose(out[:, :4], want.real, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(out[:, 4:], want.imag, rtol=1e-5, atol=2e-6)
    # alpha = i b: Re f = sin(b x) / b.
    for j in (0, 1):
        np.testing.assert_allclose(out[:, j], np.sin(q[j] * x[:, j]) / q[j], atol=2e-6)


def test_regularizer_is_one_argument():
    layer = SoftExponential(alpha_regularizer=keras.regularizers.L2(0.5))
    layer.build((None, 3))
    layer.alpha.assign([1.0, -2.0, 0.0])
    layer(np.zeros((1, 3), np.float32))
    np.testing.assert_allclose(float(ops.convert_to_numpy(sum(layer.losses))), 0.5 * 5.0)


@pytest.mark.parametrize("cls", [SoftExponential, ComplexSoftExponential])
def test_keras_file_round_trip(cls, tmp_path):
    rng = np.random.default_rng(1)
    kwargs = (
        {"alpha_regularizer": "l2"}
        if cls is SoftExponential
        else {"alpha_real_regularizer": "l2", "alpha_imag_initializer": "ones"}
    )
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), cls(**kwargs)])
    act = model.layers[-1]
    for weight in act.weights:
        weight.assign(rng.uniform(-0.5, 0.5, size=weight.shape).astype(np.float32))
    x = rng.uniform(0.5, 1.5, size=(6, 4)).astype(np.float32)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # safe_mode stays on
    assert type(loaded.layers[-1]) is cls
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))


def test_two_layer_network_multiplies_exactly():
    # exp(ln x + ln y) = x y: soft exp alpha = -1 then alpha = 1.
    model = keras.Sequential(
        [
            keras.Input((2,)),
            SoftExponential(alpha_initializer=keras.initializers.Constant(-1.0)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="ones"),
            SoftExponential(alpha_initializer=keras.initializers.Constant(1.0)),
        ]
    )
    x = np.random.default_rng(2).uniform(0.05, 20.0, size=(64, 2)).astype(np.float32)
    got = ops.convert_to_numpy(model(x))[:, 0]
    np.testing.assert_allclose(got, x[:, 0].astype(np.float64) * x[:, 1], rtol=1e-5)


@pytest.mark.slow
def test_trained_soft_exponential_extrapolates_multiplication_better_than_relu():
    rng = np.random.default_rng(0)
    x_train = rng.uniform(1.0, 2.0, (512, 2)).astype(np.float32)
    x_test = rng.uniform(2.0, 4.0, (512, 2)).astype(np.float32)
    y_train, y_test = (np.prod(v, axis=1, keepdims=True) for v in (x_train, x_test))

    errors = {}
    for softexp in (True, False):
        keras.utils.set_random_seed(0)
        model = product_network("soft_exponential" if softexp else "relu")
        model.compile(keras.optimizers.Adam(0.01), "mse")
        model.fit(x_train, y_train, batch_size=64, epochs=40, verbose=0)
        errors[softexp] = model.evaluate(x_test, y_test, verbose=0)
    assert errors[True] < 0.25 * errors[False], errors
    assert math.isfinite(errors[True])

"""Rational: Keras layer contract on every backend, values, groups, initial functions, saving."""

import keras
import numpy as np
import pytest
from keras import ops

from learnact.initializers import pade, rational_fit
from learnact.initializers.rational import FIT_FUNCTIONS, evaluate
from learnact.layers import Rational
from tests.autodiff import grad
from tests.keras_testing import run_layer_test


@pytest.mark.parametrize(
    "kwargs, input_shape, n_losses",
    [
        ({}, (2, 5), 0),
        ({"numerator_degree": 3, "denominator_degree": 2, "form": "abs_sum"}, (2, 3, 4), 0),
        ({"shared_axes": [1, 2], "approximates": "gelu"}, (2, 4, 4, 3), 0),
        ({"groups": 2, "approximates": "identity"}, (2, 3, 4), 0),
        ({"groups": 1, "numerator_regularizer": "l2", "denominator_regularizer": "l1"}, (2, 6), 2),
        ({"form": "pade", "approximates": "tanh", "denominator_constraint": "non_neg"}, (2, 5), 0),
    ],
)
def test_keras_layer_contract(kwargs, input_shape, n_losses):
    run_layer_test(
        Rational,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=input_shape,
        expected_num_trainable_weights=2,
        expected_num_losses=n_losses,
    )


def test_identity_start_is_exact_for_any_finite_input():
    x = np.array([[-3.4e38, -1e10, -2.5, -1e-40, 0.0, 0.3, 7.0, 1e20, 3e38]], np.float32)
    y = ops.convert_to_numpy(Rational(approximates="identity")(x))
    normal = np.abs(x) > 1e-38
    np.testing.assert_array_equal(y[normal], x[normal])
    assert np.all((y[~normal] == x[~normal]) | (y[~normal] == 0))  # subnormals may flush to 0


@pytest.mark.parametrize("name", ["leaky_relu", "tanh", "silu"])
def test_starts_as_its_fitted_function(name):
    x = np.linspace(-3, 3, 61, dtype=np.float32).reshape(1, 61)
    _, _, error = rational_fit(name, 5, 4)
    y = ops.convert_to_numpy(Rational(approximates=name)(x))
    np.testing.assert_allclose(y, FIT_FUNCTIONS[name](x), atol=error + 2e-6)


def test_pade_form_starts_from_the_exact_approximant_and_refuses_poles():
    layer = Rational(5, 4, form="pade", approximates="tanh")
    layer.build((None, 3))
    numerator, denominator = layer.coefficients()
    want_a, want_b = pade("tanh", 5, 4)
    np.testing.assert_allclose(numerator[0], want_a, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(denominator[0], want_b, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="vanishes on interval"):
        Rational(1, 1, form="pade", approximates="exp").build((None, 2))  # pole at x = 2


def test_values_match_numpy_per_element_and_negative_inputs():
    rng = np.random.default_rng(0)
    x = rng.uniform(-4, 4, (6, 3)).astype(np.float32)
    a = rng.normal(size=(3, 6)).astype(np.float32)
    b = rng.normal(size=(3, 4)).astype(np.float32)
    layer = Rational()
    layer.build(x.shape)
    layer.set_weights([a, b])
    for form in ("safe", "abs_sum"):
        layer.form = form
        y = ops.convert_to_numpy(layer(x))
        for j in range(3):
            want = evaluate(x[:, j], a[j], np.r_[1.0, b[j]], form)
            np.testing.assert_allclose(y[:, j], want, rtol=1e-5, atol=1e-5)


def test_groups_share_one_function_per_group():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 2, 6)).astype(np.float32)
    layer = Rational(3, 2, groups=3)
    layer.build(x.shape)
    assert layer.numerator.shape == (3, 4) and layer.denominator.shape == (3, 2)
    a = rng.normal(size=(3, 4)).astype(np.float32)
    b = rng.normal(size=(3, 2)).astype(np.float32)
    layer.set_weights([a, b])
    y = ops.convert_to_numpy(layer(x))
    for c in range(6):
        g = c // 2
        np.testing.assert_allclose(
            y[..., c], evaluate(x[..., c], a[g], np.r_[1.0, b[g]]), rtol=1e-5, atol=1e-5
        )


def test_nan_sweep_over_inputs_and_coefficients_including_b_zero():
    x = np.array([[-3.4e38, -1e20, -5.0, -1.0, -1e-45, 0.0, 1e-40, 1.0, 5.0, 1e20, 3.4e38]], "f4")
    rng = np.random.default_rng(2)
    layer = Rational(5, 4, approximates="identity")
    layer.build(x.shape)
    for form in ("safe", "abs_sum", "pade"):
        layer.form = form
        for _ in range(10):
            a = rng.choice([0.0, -1e-3, 2.0, 1e10], size=(11, 6)).astype(np.float32)
            b = rng.choice([0.0, 0.0, 1e-30, -0.5, 3.0], size=(11, 4)).astype(np.float32)
            layer.set_weights([a, b])
            assert not np.isnan(ops.convert_to_numpy(layer(x))).any(), (form, a, b)


def test_gradients_against_closed_form_with_b_zero():
    if keras.backend.backend() == "tensorflow":
        pytest.skip("tests.autodiff.grad has no TensorFlow path (see tests/ops/test_rational.py)")
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, size=(16, 3)).astype(np.float32)
    a = rng.normal(size=(3, 4)).astype(np.float32)
    b = np.array([[0.0, 0.5], [0.3, 0.0], [-0.2, 0.1]], np.float32)
    layer = Rational(3, 2)
    layer.build(x.shape)

    def loss(x, a, b):
        y, _ = layer.stateless_call([a, b], [], x)
        return ops.sum(y)

    gx, ga, gb = grad(loss, x, a, b)
    x64 = x.astype(np.float64)[..., None]
    q = 1 + np.abs(b[:, 0] * x64[..., 0]) + np.abs(b[:, 1] * x64[..., 0] ** 2)
    p = np.sum(a * x64 ** np.arange(4), -1)
    y = p / q
    np.testing.assert_allclose(ga, np.sum(x64 ** np.arange(4) / q[..., None], 0), rtol=1e-4)
    dq_db = np.sign(b) * np.abs(x64) ** np.arange(1, 3)
    np.testing.assert_allclose(gb, np.sum(-(y / q)[..., None] * dq_db, 0), rtol=1e-4, atol=1e-6)
    assert gb[0, 0] == 0 and gb[1, 1] == 0  # subgradient of |.| at 0
    dp = np.sum(a[:, 1:] * np.arange(1, 4) * x64 ** np.arange(3), -1)
    dq = np.sign(x64[..., 0]) * (np.abs(b[:, 0]) + 2 * np.abs(b[:, 1]) * np.abs(x64[..., 0]))
    np.testing.assert_allclose(gx, (dp - y * dq) / q, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_float32(policy):
    x = np.array([[-300.0, -2.0, 0.5, 3.0, 600.0]], np.float32)
    layer = Rational(approximates="gelu", dtype=policy)
    y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == policy.split("_")[1]
    reference = Rational(approximates="gelu")(x)
    y, reference = ops.convert_to_numpy(ops.cast(y, "float32")), ops.convert_to_numpy(reference)
    # float32 coefficients and arithmetic: only the output is rounded to the half type.
    np.testing.assert_array_equal(y, reference.astype(policy.split("_")[1]).astype(np.float32))


def test_keras_file_round_trip_gives_identical_predictions(tmp_path):
    inputs = keras.Input((6,))
    hidden = Rational(3, 2, approximates="silu", numerator_regularizer="l2")(inputs)
    outputs = Rational(4, 3, groups=2, approximates=np.tanh)(keras.layers.Dense(6)(hidden))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    path = tmp_path / "rational.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    assert loaded.layers[-1].get_config()["approximates"] is None  # the callable's coefficients


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"numerator_degree": -1}, "numerator_degree"),
        ({"numerator_degree": 17}, "numerator_degree"),
        ({"denominator_degree": 0}, "denominator_degree"),
        ({"denominator_degree": 2.5}, "denominator_degree"),
        ({"form": "plain"}, "form"),
        ({"approximates": "swishy"}, "approximates"),
        ({"approximates": 3}, "approximates"),
        ({"interval": (3, -3)}, "interval"),
        ({"interval": (0, float("nan"))}, "interval"),
        ({"groups": 0}, "groups"),
        ({"groups": 2, "shared_axes": [1]}, "groups"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Rational(**kwargs)


def test_groups_must_divide_the_last_axis():
    with pytest.raises(ValueError, match="groups"):
        Rational(groups=4)(np.zeros((2, 6), np.float32))


@pytest.mark.parametrize("form", ["safe", "abs_sum", "pade"])
@pytest.mark.parametrize("groups", [None, 2])
def test_gradient_check_passes(form, groups):
    """Fused backward (JAX, PyTorch) or autodiff (TensorFlow) vs float64 finite differences."""
    from learnact.gradients import gradient_check

    # Four units, so that groups=2 shares each function between two of them.
    x = np.random.default_rng(0).uniform(-2.5, 2.5, (3, 4))
    approximates = "tanh" if form == "pade" else "leaky_relu"
    layer = Rational(form=form, groups=groups, approximates=approximates)
    assert gradient_check(layer, x, seed=0).passed

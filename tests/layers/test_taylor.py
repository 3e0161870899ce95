"""TaylorExpansion: Keras layer contract, the accepted answer's formula, numerics, saving."""

import keras
import numpy as np
import pytest
from keras import ops

from learnact.initializers import Maclaurin
from learnact.layers import TaylorExpansion
from tests.autodiff import grad
from tests.keras_testing import run_layer_test


def answer_formula(x, alpha, w):
    """The accepted answer in NumPy (float64): powers, alpha-weighted, cumsum, w-weighted, sum.

    x: (batch, features); alpha, w: (features, order + 1).
    """
    x = np.asarray(x, np.float64)
    x_p = np.power(x[..., None], np.arange(alpha.shape[-1]))  # tile + pow
    h = alpha * x_p  # first LocallyConnected2D (1x1, one filter, no bias)
    s = np.cumsum(h, axis=-1)  # s_q = sum_{p<=q} alpha_p x^p
    return np.sum(w * s, axis=-1)  # second LocallyConnected2D, then reduce_sum


@pytest.mark.parametrize(
    "kwargs, input_shape, output_shape, n_weights",
    [
        ({}, (2, 5), (2, 5), 1),
        ({"order": 5, "parameterization": "cumulative"}, (2, 5), (2, 5), 2),
        ({"order": 2, "merge": "terms"}, (2, 3, 4), (2, 3, 4, 3), 1),
        ({"order": 4, "shared_axes": [1, 2]}, (2, 4, 4, 3), (2, 4, 4, 3), 1),
        ({"order": 2, "shared_axes": [np.int64(-2)]}, (2, 4, 3), (2, 4, 3), 1),
        (
            {"order": 3, "center": 0.5, "input_bound": 2.0, "coefficients_regularizer": "l2"},
            (2, 6),
            (2, 6),
            1,
        ),
    ],
)
def test_keras_layer_contract(kwargs, input_shape, output_shape, n_weights):
    run_layer_test(
        TaylorExpansion,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=n_weights,
        expected_num_losses=1 if "coefficients_regularizer" in kwargs else 0,
    )


@pytest.mark.parametrize("parameterization", ["direct", "cumulative"])
def test_default_initialization_is_exactly_the_identity(parameterization):
    x = np.random.default_rng(0).normal(scale=3.0, size=(16, 7)).astype(np.float32)
    layer = TaylorExpansion(order=6, parameterization=parameterization)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)


@pytest.mark.parametrize("order", range(1, 11))
def test_cumulative_form_equals_the_accepted_answer_for_any_weights(order):
    rng = np.random.default_rng(order)
    x = rng.uniform(-1.5, 1.5, size=(32, 6)).astype(np.float32)
    layer = TaylorExpansion(order=order, parameterization="cumulative")
    layer.build(x.shape)
    alpha = rng.normal(size=(6, order + 1)).astype(np.float32)
    w = rng.normal(size=(6, order + 1)).astype(np.float32)
    layer.set_weights([alpha, w])
    want = answer_formula(x, alpha, w)
    scale = np.abs(alpha).sum(-1) * np.abs(w).sum(-1) * 1.5**order  # bound on |terms|
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, atol=1e-6 * scale.max())


def test_direct_form_matches_numpy_with_center_and_negative_inputs():
    rng = np.random.default_rng(7)
    x = rng.uniform(-3, 1, size=(10, 4)).astype(np.float32)
    c = rng.normal(size=(4, 5)).astype(np.float32)
    layer = TaylorExpansion(order=4, center=-1.0)
    layer.build(x.shape)
    layer.set_weights([c])
    want = np.sum(c * np.power(x[..., None].astype(np.float64) + 1.0, np.arange(5)), -1)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, rtol=1e-5, atol=1e-4)


def test_effective_coefficients_shape_and_folding():
    layer = TaylorExpansion(order=3, parameterization="cumulative", shared_axes=[1, 2])
    layer.build((None, 5, 5, 2))
    assert layer.alpha.shape == (1, 1, 2, 4) and layer.w.shape == (1, 1, 2, 4)
    rng = np.random.default_rng(1)
    alpha, w = rng.normal(size=(2, 1, 1, 2, 4))
    layer.set_weights([alpha, w])
    c = layer.effective_coefficients()
    assert isinstance(c, np.ndarray) and c.shape == (1, 1, 2, 4)
    # c_p = alpha_p * sum_{q >= p} w_q, written out term by term.
    want = np.stack([alpha[..., p] * w[..., p:].sum(-1) for p in range(4)], axis=-1)
    np.testing.assert_allclose(c, want, rtol=1e-6)


def test_terms_are_the_summands():
    x = np.random.default_rng(2).normal(size=(3, 4)).astype(np.float32)
    layer = TaylorExpansion(order=5, coefficients_initializer=Maclaurin("exp"), merge="terms")
    terms = ops.convert_to_numpy(layer(x))
    fact = np.array([1, 1, 2, 6, 24, 120], np.float64)
    np.testing.assert_allclose(terms, np.power(x[..., None], np.arange(6)) / fact, rtol=1e-5)


def test_maclaurin_initialization_approximates_the_function():
    x = np.linspace(-1, 1, 41, dtype=np.float32).reshape(1, 41)
    layer = TaylorExpansion(order=9, coefficients_initializer=Maclaurin("sin"))
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), np.sin(x), atol=3e-7 + 1 / 3628800)


def test_input_bound_keeps_outputs_finite_and_bounded():
    x = np.array([[-1e30, -50.0, 0.1, 50.0, 3e38]], np.float32)
    for method in ("tanh", "clip"):
        layer = TaylorExpansion(order=10, input_bound=2.0, bound_method=method)
        y = ops.convert_to_numpy(layer(x))
        assert np.isfinite(y).all() and np.abs(y).max() <= 2.0 + 1e-6
    # Without a bound: +-inf is allowed past float range, NaN never is.
    layer = TaylorExpansion(order=10, coefficients_initializer=Maclaurin("cos"))
    assert not np.isnan(ops.convert_to_numpy(layer(x))).any()


def test_gradients_against_closed_form():
    rng = np.random.default_rng(5)
    x = rng.uniform(-1.2, 1.2, size=(16, 3)).astype(np.float32)
    c = rng.normal(size=(3, 4)).astype(np.float32)
    layer = TaylorExpansion(order=3, center=0.3)
    layer.build(x.shape)

    def loss(x, c):
        y, _ = layer.stateless_call([c], [], x)
        return ops.sum(y**2)

    gx, gc = grad(loss, x, c)
    t = x.astype(np.float64) - 0.3
    p = np.arange(4)
    y = np.sum(c * np.power(t[..., None], p), -1)
    dy_dt = np.sum(c[:, 1:] * p[1:] * np.power(t[..., None], p[1:] - 1), -1)
    np.testing.assert_allclose(gx, 2 * y * dy_dt, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        gc, np.sum(2 * y[..., None] * np.power(t[..., None], p), 0), rtol=1e-4, atol=1e-4
    )


def test_regularizer_and_constraint_apply_to_the_coefficients():
    layer = TaylorExpansion(order=2, coefficients_regularizer=keras.regularizers.L2(0.5))
    layer.build((None, 3))
    c = np.arange(9, dtype=np.float32).reshape(3, 3) / 10
    layer.set_weights([c])
    np.testing.assert_allclose(float(ops.convert_to_numpy(layer.losses[0])), 0.5 * np.sum(c**2))
    layer = TaylorExpansion(order=2, coefficients_constraint="non_neg")
    assert isinstance(layer.get_config()["coefficients_constraint"], dict)


@pytest.mark.parametrize("parameterization", ["direct", "cumulative"])
def test_keras_file_round_trip_gives_identical_predictions(tmp_path, parameterization):
    inputs = keras.Input((6,))
    outputs = TaylorExpansion(
        order=4,
        parameterization=parameterization,
        coefficients_initializer=Maclaurin("gelu"),
        coefficients_regularizer="l2",
        input_bound=3.0,
    )(keras.layers.Dense(6)(inputs))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    path = tmp_path / "taylor.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode stays on
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.layers[-1].get_config() == model.layers[-1].get_config()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"order": 0}, "order"),
        ({"order": 17}, "order"),
        ({"order": 2.5}, "order"),
        ({"order": "3"}, "order"),
        ({"merge": "concat"}, "merge"),
        ({"parameterization": "chebyshev"}, "parameterization"),
        ({"center": "zero"}, "center"),
        ({"center": float("nan")}, "center"),
        ({"input_bound": -1.0}, "input_bound"),
        ({"bound_method": "sigmoid"}, "bound_method"),
        ({"shared_axes": [0]}, "shared_axes"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, name):
    with pytest.raises(ValueError, match=name) as info:
        TaylorExpansion(**kwargs)
    assert repr(next(iter(kwargs.values())))[:6] in str(info.value)


def test_changed_feature_dimension_after_build_is_a_clear_keras_error():
    layer = TaylorExpansion(order=3)
    layer(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="incompatible with the layer"):
        layer(np.zeros((2, 5), np.float32))


def test_float64_layers_compute_in_float64():
    if keras.backend.backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            pytest.skip("JAX has no float64 unless jax_enable_x64 is set")
    x = np.array([[1.0 + 1e-12]], np.float64)
    layer = TaylorExpansion(order=2, dtype="float64", coefficients_initializer=Maclaurin("exp"))
    y = ops.convert_to_numpy(layer(x))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, 1 + x + x**2 / 2, rtol=1e-15)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("merge", ["sum", "terms"])
def test_half_precision_computes_in_float32_and_never_gives_nan(policy, merge):
    x = np.array([[50.0, -50.0, 2.0, -3.5]], np.float32)
    layer = TaylorExpansion(order=3, merge=merge, dtype=policy)
    layer.build(x.shape)
    c = np.array([[0.0, 1.0, 0.0, 0.5]] * 4, np.float32)
    layer.set_weights([c])
    y = ops.convert_to_numpy(layer(x))
    assert y.dtype == np.dtype(policy.split("_")[1]) and not np.isnan(y).any()
    terms = c * np.power(x[..., None].astype(np.float64), np.arange(4))
    want = terms.sum(-1) if merge == "sum" else terms
    # The float32 result rounded once to the half type (or its overflow to +-inf).
    np.testing.assert_array_equal(y, want.astype(np.float32).astype(y.dtype))

    def loss(c):
        out, _ = layer.stateless_call([c], [], x)
        return ops.sum(ops.cast(out, "float32"))

    (gc,) = grad(loss, c)
    assert np.isfinite(gc).all()
    np.testing.assert_allclose(gc, np.power(x[0][:, None], np.arange(4)), rtol=1e-6)


def test_terms_of_an_overflowing_input_are_inf_or_zero_never_nan():
    from learnact.ops import polynomial_terms

    got = ops.convert_to_numpy(
        polynomial_terms(np.array([1e38], np.float32), np.array([1.0, 0.0, 0.0, 2.0], np.float32))
    )
    np.testing.assert_array_equal(got, [[1.0, 0.0, 0.0, np.inf]])

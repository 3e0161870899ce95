"""KANDense: Keras layer contract, a scipy reference, saving, gradients, extremes, bad input."""

import contextlib

import keras
import numpy as np
import pytest
from keras import ops

from learnact.gradients import gradient_check
from learnact.gradients.autodiff import float64_scope
from learnact.layers import KANDense
from learnact.ops.basis import KAN_BASES
from tests.autodiff import grad
from tests.conftest import backend
from tests.keras_testing import run_layer_test
from tests.ops.test_kan_basis import scipy_bsplines


def silu(x):
    return x / (1 + np.exp(-x))


def reference_bspline_kan(x, knots, spline, base, bias, k):
    """y_j = sum_i (w_ij silu(x_i) + sum_k c_ijk B_k(x_i)) + b_j, each B_k from scipy."""
    x = np.asarray(x, np.float64)
    y = np.zeros((len(x), spline.shape[-1])) + bias
    for i in range(spline.shape[0]):
        y += scipy_bsplines(x[:, i], knots[i], k) @ spline[i] + silu(x[:, i])[:, None] * base[i]
    return y


@pytest.mark.parametrize(
    "kwargs, input_shape, output_shape, trainable",
    [
        ({"units": 3}, (2, 4), (2, 3), 3),
        ({"units": 2, "basis": "chebyshev", "grid_size": 3}, (2, 3, 4), (2, 3, 2), 3),
        ({"units": 2, "basis": "rbf", "use_bias": False}, (2, 5), (2, 2), 2),
        (
            {"units": 4, "basis": "fourier", "spline_order": 0, "base_activation": None},
            (2, 5),
            (2, 4),
            2,
        ),
        (
            {"units": 2, "spline_order": 1, "grid_range": (-2, 3), "base_activation": "tanh"},
            (3, 2),
            (3, 2),
            3,
        ),
        ({"units": 3, "use_spline_scale": True}, (2, 4), (2, 3), 4),
    ],
)
def test_keras_layer_contract(kwargs, input_shape, output_shape, trainable):
    run_layer_test(
        KANDense,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=1,  # the grid
    )


@pytest.mark.parametrize("penalised", [False, True])
@pytest.mark.parametrize("units, grid_size", [(2, 4), (40, 4), (1, 30)])
@pytest.mark.parametrize("spline_order", [0, 1, 3])
def test_bspline_layer_matches_scipy_reference_with_negative_inputs(
    spline_order, units, grid_size, penalised
):
    # Narrow layers on JAX take the B-splines' local form, wide ones the dense basis;
    # with an edge penalty the output is the sum of the edges the penalty reads.
    from learnact.kan import KANSparsity

    rng = np.random.default_rng(spline_order)
    # Inside the grid, in its extension and beyond it.
    x = rng.uniform(-3.5, 2.0, size=(16, 3)).astype(np.float32)
    layer = KANDense(
        units,
        grid_size=grid_size,
        spline_order=spline_order,
        grid_range=(-2, 1),
        edge_regularizer=KANSparsity(0.1) if penalised else None,
    )
    layer.build(x.shape)
    spline = rng.normal(size=(3, grid_size + spline_order, units)).astype(np.float32)
    base = rng.normal(size=(3, units)).astype(np.float32)
    bias = rng.normal(size=(units,)).astype(np.float32)
    layer.spline_kernel.assign(spline)
    layer.base_kernel.assign(base)
    layer.bias.assign(bias)
    knots = np.asarray(ops.convert_to_numpy(layer.grid), np.float64)
    want = reference_bspline_kan(x, knots, spline, base, bias, spline_order)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, rtol=1e-5, atol=1e-5)


def test_spline_scale_arguments_are_checked():
    with pytest.raises(ValueError, match="`use_spline_scale`"):
        KANDense(2, use_spline_scale="no")
    with pytest.raises(ValueError, match="`spline_scale_initializer`"):
        KANDense(2, use_spline_scale=True, spline_scale_initializer="nope")
    with pytest.raises(ValueError, match="call or build it first"):
        KANDense(2).scaled_spline_kernel  # noqa: B018
    layer = KANDense(2, use_spline_scale=np.True_, spline_scale_initializer=None)
    layer.build((None, 3))
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.spline_scale), np.ones((3, 2)))


def test_the_penalty_of_a_sequence_treats_every_position_as_a_sample():
    from learnact.kan import KANSparsity

    rng = np.random.default_rng(12)
    x = rng.uniform(-1, 1, (16, 4, 2)).astype(np.float32)
    layer = KANDense(3, edge_regularizer=KANSparsity(1.0), spline_kernel_initializer="ones")
    layer(x)
    sequence = float(layer.losses[0])
    layer(x.reshape(64, 2))
    assert float(layer.losses[0]) == pytest.approx(sequence, rel=1e-5)


def test_a_spline_scale_multiplies_each_edges_spline():
    rng = np.random.default_rng(9)
    x = rng.uniform(-3.0, 2.0, size=(16, 3)).astype(np.float32)  # negative, past the grid
    layer = KANDense(2, grid_size=4, use_spline_scale=True)
    layer.build(x.shape)
    spline = rng.normal(size=(3, 7, 2)).astype(np.float32)
    scale = rng.normal(size=(3, 2)).astype(np.float32)
    base = rng.normal(size=(3, 2)).astype(np.float32)
    layer.spline_kernel.assign(spline)
    layer.spline_scale.assign(scale)
    layer.base_kernel.assign(base)
    knots = np.asarray(ops.convert_to_numpy(layer.grid), np.float64)
    want = reference_bspline_kan(x, knots, spline * scale[:, None, :], base, 0.0, 3)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, rtol=1e-5, atol=1e-5)
    clone = KANDense.from_config(layer.get_config())
    assert clone.use_spline_scale and clone.get_config() == layer.get_config()


@pytest.mark.parametrize("basis", KAN_BASES)
def test_output_is_the_sum_of_the_edge_functions(basis):
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    layer = KANDense(3, basis=basis, bias_initializer="ones")
    y = ops.convert_to_numpy(layer(x))
    edges = ops.convert_to_numpy(layer.edge_values(x))
    assert edges.shape == (5, 4, 3)
    np.testing.assert_allclose(y, edges.sum(axis=1) + 1.0, rtol=1e-5, atol=1e-5)


def test_an_assigned_grid_is_used_and_saved(tmp_path):
    inputs = keras.Input((2,))
    layer = KANDense(3, grid_size=3, spline_order=2)
    model = keras.Model(inputs, layer(inputs))
    x = np.random.default_rng(2).uniform(-1, 1, size=(6, 2)).astype(np.float32)
    before = model.predict(x, verbose=0)
    points = np.array([[-1.0, -0.2, 0.1, 1.0], [-0.5, 0.0, 0.5, 0.9]])
    step = (points[:, -1:] - points[:, :1]) / 3
    layer.grid.assign(
        np.concatenate(
            [
                points[:, :1] - 2 * step,
                points[:, :1] - step,
                points,
                points[:, -1:] + step,
                points[:, -1:] + 2 * step,
            ],
            axis=1,
        )
    )
    after = model.predict(x, verbose=0)
    assert not np.allclose(before, after)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), after)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(loaded.layers[-1].grid), ops.convert_to_numpy(layer.grid)
    )


@pytest.mark.parametrize("basis", KAN_BASES)
def test_keras_file_round_trip(tmp_path, basis):
    inputs = keras.Input((4,))
    hidden = KANDense(5, basis=basis, grid_size=3, grid_range=(-2, 2))(inputs)
    model = keras.Model(inputs, KANDense(2, basis=basis, spline_order=2)(hidden))
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.layers[1].get_config()["grid_range"] == [-2.0, 2.0]


@pytest.mark.parametrize("basis", KAN_BASES)
def test_gradients_match_finite_differences(basis):
    x = np.random.default_rng(3).uniform(-1.3, 1.3, size=(4, 3))
    report = gradient_check(KANDense(2, basis=basis, grid_size=4), x)
    assert report.passed, str(report)


def test_trains_a_curve_and_loss_falls():
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(256, 1)).astype(np.float32)
    y = np.sin(3 * x)
    model = keras.Sequential([keras.Input((1,)), KANDense(1, grid_size=8)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit(x, y, epochs=60, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]


EXTREMES = [-3.4028235e38, -1e30, -7.0, -1.0, -1e-45, 0.0, 1e-40, 0.5, 1.0, 3.0, 1e20, 3.4028235e38]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("basis", KAN_BASES)
def test_no_nan_from_finite_inputs_values_and_gradients(basis, dtype):
    with float64_scope() if dtype == "float64" else contextlib.nullcontext():
        # Each extreme in one input, the others ordinary: a Dense-like base
        # branch then stays finite (its sum of several huge inputs could overflow, as Dense's).
        x = np.full((len(EXTREMES), 3), 0.3, dtype=dtype)
        x[:, 1] = EXTREMES
        layer = KANDense(2, basis=basis, dtype=dtype, base_kernel_initializer="ones")
        layer.build(x.shape)
        layer.base_kernel.assign(np.full((3, 2), 0.25, dtype))
        y = ops.convert_to_numpy(layer(x))
        assert y.dtype == np.dtype(dtype) and np.isfinite(y).all()
        if backend() == "tensorflow":
            return  # tests.autodiff differentiates on JAX and PyTorch
        (gx,) = grad(lambda t: ops.sum(layer(t)), x)
        assert np.isfinite(gx).all()


def test_half_precision_computes_in_float32():
    x = np.array([[0.3, -2.0, 50.0]], np.float32)
    layer = KANDense(2, dtype="mixed_float16")
    y = ops.convert_to_numpy(layer(x))
    assert y.dtype == np.float16 and np.isfinite(y).all()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"units": 0}, "units"),
        ({"units": 2, "grid_size": 0}, "grid_size"),
        ({"units": 2, "grid_size": 2.5}, "grid_size"),
        ({"units": 2, "spline_order": -1}, "spline_order"),
        ({"units": 2, "grid_range": (1, -1)}, "grid_range"),
        ({"units": 2, "grid_range": (0, float("nan"))}, "grid_range"),
        ({"units": 2, "grid_range": "wide"}, "grid_range"),
        ({"units": 2, "basis": "wavelet"}, "basis"),
        ({"units": 2, "base_activation": "no_such_activation"}, "base_activation"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, name):
    with pytest.raises(ValueError, match=name) as info:
        KANDense(**kwargs)
    assert repr(kwargs[name])[:6] in str(info.value) or name == "grid_range"

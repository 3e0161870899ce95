"""learnact.kan grids: update_grids and refine keep the function; GridExtension during fit."""

import keras
import numpy as np
import pytest

from learnact import kan
from learnact.errors import UserInputError
from learnact.layers import KANDense


def _kan(widths, grid_size=5, seed=0):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((widths[0],))]
    layers += [
        KANDense(w, grid_size=grid_size, spline_kernel_initializer="random_normal")
        for w in widths[1:]
    ]
    model = keras.Sequential(layers)
    # Splines of a visible size (the default initializer starts them near 0, as pykan).
    for layer in model.layers:
        layer.spline_kernel.assign(
            np.random.default_rng(seed)
            .normal(size=layer.spline_kernel.shape)
            .astype(layer.spline_kernel.dtype)
        )
    return model


def _out(model, x):
    return np.asarray(keras.ops.convert_to_numpy(model(x.astype("float32"))), dtype=np.float64)


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


def test_uniform_update_on_the_same_range_keeps_the_function_exactly():
    model = _kan([2, 3])
    x = np.random.default_rng(1).uniform(-1, 1, (300, 2))
    x[0], x[1] = -1.0, 1.0  # the data span the initial grid range
    before = _out(model, x)
    errors = kan.update_grids(model, x, grid_eps=1.0)
    np.testing.assert_allclose(_out(model, x), before, atol=1e-5)
    assert errors[0] < 1e-5


def test_update_moves_the_grid_to_the_data_and_reports_the_change():
    model = _kan([1, 2])
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0.5, 0.1, (400, 1)), [[0.0], [1.0]]])
    x = np.clip(x, 0.0, 1.0)
    before = _out(model, x)
    (error,) = kan.update_grids(model, x)
    grid = keras.ops.convert_to_numpy(model.layers[0].grid)[0]
    k = model.layers[0].spline_order
    points = grid[k:-k]
    assert points[0] == pytest.approx(0.0, abs=1e-6) and points[-1] == pytest.approx(1.0)
    # Percentiles of a bump at 0.5: the inner knots crowd around it.
    assert np.all(np.abs(points[1:-1] - 0.5) < 0.2)
    change = np.sqrt(np.mean((_out(model, x) - before) ** 2))
    assert error == pytest.approx(change, rel=1e-3, abs=1e-6)
    # The least-squares refit keeps a smooth function to well under 1% of its size.
    assert change < 1e-2 * np.sqrt(np.mean(before**2))


def test_layers_are_updated_in_order_on_the_inputs_they_receive():
    model = _kan([2, 3, 1])
    x = np.random.default_rng(3).uniform(-1, 1, (500, 2))
    kan.update_grids(model, x)
    hidden = keras.ops.convert_to_numpy(model.layers[0](x.astype("float32")))
    grid = keras.ops.convert_to_numpy(model.layers[1].grid)
    k = model.layers[1].spline_order
    np.testing.assert_allclose(grid[:, k], hidden.min(axis=0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grid[:, -1 - k], hidden.max(axis=0), rtol=1e-4, atol=1e-5)


def test_refine_to_a_multiple_keeps_the_function_everywhere_inside_the_grid():
    """B-splines on G intervals are B-splines on 2G intervals: the fit is exact."""
    model = _kan([2, 3], grid_size=4)
    x = np.random.default_rng(4).uniform(-1, 1, (300, 2))
    finer, error = kan.refine(model, 8, x, return_error=True)
    assert finer is not model and finer.layers[0].grid_size == 8
    assert tuple(finer.layers[0].spline_kernel.shape) == (2, 11, 3)
    assert error < 1e-5
    fresh = np.random.default_rng(5).uniform(-1, 1, (100, 2))
    np.testing.assert_allclose(_out(finer, fresh), _out(model, fresh), atol=1e-5)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(finer.layers[0].base_kernel),
        keras.ops.convert_to_numpy(model.layers[0].base_kernel),
    )
    assert model.layers[0].grid_size == 4  # the original is untouched


def test_grids_of_layers_with_a_spline_scale_keep_the_function_and_the_scale():
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((2,)), KANDense(3, grid_size=4, use_spline_scale=True)])
    rng = np.random.default_rng(7)
    for variable in model.trainable_weights:
        variable.assign(rng.normal(size=variable.shape).astype(variable.dtype))
    scale = keras.ops.convert_to_numpy(model.layers[0].spline_scale).copy()
    x = rng.uniform(-1, 1, (300, 2))
    x[0], x[1] = -1.0, 1.0
    before = _out(model, x)
    kan.update_grids(model, x, grid_eps=1.0)  # the same grid: an exact refit
    np.testing.assert_allclose(_out(model, x), before, atol=1e-4)
    finer = kan.refine(model, 8, x)  # 4 -> 8 intervals: exact inside the grid
    np.testing.assert_allclose(_out(finer, x), before, atol=1e-4)
    for layer in (model.layers[0], finer.layers[0]):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.spline_scale), scale)


def test_the_original_still_works_after_its_refined_copy_is_used():
    # On JAX a copy sharing the original's weight buffers loses them when Keras's
    # compiled predict donates the copy's: the copies must be copies.
    model = _kan([2, 3, 1], grid_size=3)
    x = np.random.default_rng(8).uniform(-1, 1, (64, 2)).astype("float32")
    before = model.predict(x, verbose=0)
    kan.refine(model, 6, x).predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)


def test_refine_of_a_deeper_model_reports_its_error():
    model = _kan([2, 3, 1], grid_size=3)
    x = np.random.default_rng(6).uniform(-1, 1, (400, 2))
    # Grids on the data first (pykan's order): the hidden layer's inputs leave [-1, 1].
    kan.update_grids(model, x)
    finer, error = kan.refine(model, 10, x, return_error=True)
    change = np.sqrt(np.mean((_out(finer, x) - _out(model, x)) ** 2))
    assert error == pytest.approx(change, rel=1e-3, abs=1e-7)
    assert change < 2e-2 * np.sqrt(np.mean(_out(model, x) ** 2))


@pytest.mark.parametrize(
    ("x", "named"),
    [
        (np.zeros((0, 2)), "`x`"),
        (np.array([[0.1, np.nan], [0.2, 0.3]]), "`x`"),
        (np.array([[np.inf, 0.0]]), "`x`"),
        ("abc", "`x`"),
    ],
)
def test_update_grids_refuses_bad_batches_and_changes_nothing(x, named):
    model = _kan([2, 3, 1])
    before = _weights(model)
    with pytest.raises(ValueError, match=named):
        kan.update_grids(model, x)
    for old, new in zip(before, _weights(model), strict=True):
        np.testing.assert_array_equal(old, new)


WRONG_WIDTH = (
    r"`x` must be a batch of shape \(examples, 2\) for model .*received x of shape \(50, 3\)"
)


@pytest.mark.parametrize(
    "call",
    [
        lambda model, x: kan.update_grids(model, x),
        lambda model, x: kan.update_grids(model.layers[0], x),
        lambda model, x: kan.refine(model, 6, x),
        lambda model, x: kan.prune(model, x),
    ],
    ids=["update_grids", "update_grids of a layer", "refine", "prune"],
)
def test_a_batch_of_the_wrong_width_is_refused_naming_x_and_changes_nothing(call):
    model = _kan([2, 3, 1])
    before = _weights(model)
    x = np.random.default_rng(0).uniform(-1, 1, (50, 3))
    with pytest.raises(UserInputError, match=WRONG_WIDTH):
        call(model, x)
    for old, new in zip(before, _weights(model), strict=True):
        np.testing.assert_array_equal(old, new)


def test_update_grids_refuses_a_bad_grid_eps():
    model = _kan([2, 1])
    with pytest.raises(ValueError, match="`grid_eps`"):
        kan.update_grids(model, np.zeros((4, 2)), grid_eps=2.0)


@pytest.mark.parametrize("grid_size", [0, 2.5, "10"])
def test_refine_refuses_a_bad_grid_size(grid_size):
    with pytest.raises(ValueError, match="`grid_size`"):
        kan.refine(_kan([2, 1]), grid_size, np.zeros((4, 2)))


def test_a_model_without_kan_layers_is_refused():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="KANDense"):
        kan.update_grids(model, np.zeros((4, 2)))


def test_constant_input_gets_a_usable_grid():
    model = _kan([1, 1])
    kan.update_grids(model, np.full((10, 1), 0.25))
    assert np.all(np.isfinite(_out(model, np.full((3, 1), 0.25))))
    assert np.all(np.diff(keras.ops.convert_to_numpy(model.layers[0].grid)) > 0)


def test_grid_extension_callback_updates_on_its_schedule():
    model = _kan([1, 1])
    x = np.random.default_rng(7).uniform(0, 3, (64, 1)).astype("float32")
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    callback = kan.GridExtension(x, every=2, start=1, stop=5)
    model.fit(x, np.sin(x), epochs=6, batch_size=64, verbose=0, callbacks=[callback])
    assert [epoch for epoch, _ in callback.errors] == [1, 3]
    grid = keras.ops.convert_to_numpy(model.layers[0].grid)[0]
    k = model.layers[0].spline_order
    assert grid[k] == pytest.approx(x.min(), abs=1e-5) and grid[-1 - k] == pytest.approx(x.max())


def test_grid_extension_refuses_bad_arguments():
    with pytest.raises(ValueError, match="`every`"):
        kan.GridExtension(np.zeros((4, 1)), every=0)
    with pytest.raises(ValueError, match="`x`"):
        kan.GridExtension(np.zeros((0, 1)))


def test_refine_keeps_the_snapped_edges_of_a_snapped_layer():
    from learnact.layers import SnappedKANDense

    layer = SnappedKANDense(2, grid_size=4, symbolic_edges=[(1, 0, "sin")])
    model = keras.Sequential([keras.Input((2,)), layer])
    layer.affine.assign(np.array([[1.5, 2.0, -0.5, 0.25]], "float32"))
    x = np.random.default_rng(8).uniform(-1, 1, (300, 2))
    finer = kan.refine(model, 8, x)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(finer.layers[0].affine), [[1.5, 2.0, -0.5, 0.25]]
    )
    fresh = np.random.default_rng(9).uniform(-1, 1, (100, 2))
    np.testing.assert_allclose(_out(finer, fresh), _out(model, fresh), atol=1e-5)

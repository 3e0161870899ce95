"""SnappedActivation: Keras's layer test, a g(b x + c) + d per unit, groups, no NaN."""

import keras
import numpy as np
import pytest
import scipy.special
from keras import ops

from learnact.errors import UserInputError
from learnact.layers import SnappedActivation
from learnact.layers.snapped_kan import EDGE_FUNCTIONS
from tests.keras_testing import run_layer_test


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"functions": ["sin", "J0", "x^2"]}, (2, 3)),
        ({"functions": "tanh", "shared_axes": [1]}, (2, 4, 3)),
        ({"functions": ["exp", "abs"], "groups": 2}, (2, 4)),
    ],
)
def test_run_layer_test(kwargs, shape):
    run_layer_test(
        SnappedActivation,
        init_kwargs=kwargs,
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
    )


def test_each_unit_is_its_own_a_g_of_b_x_plus_c_plus_d():
    layer = SnappedActivation(["sin", "J0", "log"])
    x = np.array([[0.3, -0.7, 2.0], [-2.0, 1.5, 0.25]], "float32")
    layer.build(x.shape)
    affine = np.array([[1.5, 2.0, -0.5, 0.25], [0.5, 3.0, 1.0, -1.0], [2.0, 1.0, 1.0, 0.0]])
    layer.affine.assign(affine.astype("float32"))
    y = np.asarray(ops.convert_to_numpy(layer(x)), np.float64)
    x64 = x.astype(np.float64)
    g = [np.sin, scipy.special.j0, np.log]
    for u in range(3):
        a, b, c, d = affine[u]
        np.testing.assert_allclose(y[:, u], a * g[u](b * x64[:, u] + c) + d, rtol=1e-5, atol=1e-6)


def test_groups_share_one_function_per_group():
    layer = SnappedActivation(["x^2", "tanh"], groups=2)
    x = np.array([[1.0, -2.0, 0.5, -0.5]], "float32")
    y = ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(y, [[1.0, 4.0, np.tanh(0.5), np.tanh(-0.5)]], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(EDGE_FUNCTIONS))
def test_no_nan_from_finite_input(name):
    layer = SnappedActivation([name, "log"])
    column = np.array([0.0, -1.0, 1e-30, -3.4e38, 3.4e38, 1.4e-45], "float32")
    y = ops.convert_to_numpy(layer(np.stack([column, column[::-1]], axis=1)))
    assert not np.any(np.isnan(y))


def test_saves_and_loads(tmp_path):
    model = keras.Sequential([keras.Input((3,)), SnappedActivation(["sin", "exp", "x"])])
    model.layers[0].affine.assign(np.arange(12, dtype="float32").reshape(3, 4) / 10)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(0).uniform(-1, 1, (5, 3)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))


def test_bad_arguments():
    with pytest.raises(UserInputError, match="unknown function 'nope'"):
        SnappedActivation(["sin", "nope"])
    with pytest.raises(UserInputError, match="names 2 function.*3 unit"):
        SnappedActivation(["sin", "cos"])(np.zeros((1, 3), "float32"))
    with pytest.raises(UserInputError, match="groups"):
        SnappedActivation("sin", groups=3)(np.zeros((1, 4), "float32"))

"""layers.evaluation.evaluate: the eager result of the layer, also after its weights change."""

import keras
import numpy as np

from learnact.layers import KANDense
from learnact.layers.evaluation import evaluate


def test_matches_the_eager_call_and_follows_new_weights():
    layer = KANDense(3, spline_kernel_initializer="random_normal")
    x = np.random.default_rng(0).uniform(-2, 2, (20, 2))  # negative inputs and past the grid
    layer(x.astype("float32"))
    for _ in range(2):  # the second time after new weights: a compiled call must not keep them
        eager = keras.ops.convert_to_numpy(layer(x.astype("float32")))
        edges = keras.ops.convert_to_numpy(layer.edge_values(x.astype("float32")))
        np.testing.assert_allclose(evaluate(layer, x), eager, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(evaluate(layer, x, "edge_values"), edges, rtol=1e-6, atol=1e-6)
        weights = layer.get_weights()
        layer.set_weights([w * 0.5 - 0.25 for w in weights[:1]] + weights[1:])


def test_a_model_with_two_inputs():
    a, b = keras.Input((2,)), keras.Input((2,))
    model = keras.Model([a, b], keras.layers.Add()([keras.layers.Dense(1)(a), b[:, :1]]))
    xa = np.array([[1.0, -2.0], [0.5, 0.0]])
    xb = np.array([[3.0, 0.0], [-1.0, 0.0]])
    kernel, bias = model.layers[2].get_weights()
    expected = xa @ kernel + bias + xb[:, :1]
    np.testing.assert_allclose(evaluate(model, [xa, xb]), expected, rtol=1e-6)


def test_an_evaluated_layer_can_be_freed():
    import gc
    import weakref

    layer = KANDense(2)
    evaluate(layer, np.zeros((3, 2)))  # builds it
    evaluate(layer, np.zeros((3, 2)), "edge_values")
    alive = weakref.ref(layer)
    del layer
    gc.collect()
    assert alive() is None  # the compiled-function cache does not hold it


def test_nested_lists_several_outputs_and_a_bad_method():
    import pytest

    a = keras.Input((2,))
    dense = keras.layers.Dense(1, kernel_initializer="ones")
    model = keras.Model(a, [dense(a), keras.layers.Activation("relu")(a)])
    first, second = evaluate(model, [[1.0, -2.0]])  # nested lists: one batch, not two inputs
    np.testing.assert_allclose(first, [[-1.0]])
    np.testing.assert_allclose(second, [[1.0, 0.0]])
    with pytest.raises(ValueError, match="`method`"):
        evaluate(dense, [[1.0, 2.0]], method="units")
    with pytest.raises(ValueError, match="`method`"):
        evaluate(dense, [[1.0, 2.0]], method=None)


def test_a_list_of_arrays_is_a_list_of_inputs_where_the_layer_does_not_say():
    a = np.ones((4, 2), "float32")
    b = np.full((4, 3), 2.0, "float32")
    concatenate = keras.layers.Concatenate()
    np.testing.assert_array_equal(evaluate(concatenate, [a, b]), np.hstack([a, b]))

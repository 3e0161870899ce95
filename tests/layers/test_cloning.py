"""rebuild: a KANDense from a config drawing nothing, its config's initializers kept."""

import keras
import numpy as np
from keras import ops

from learnact.layers import KANDense
from learnact.layers.cloning import rebuild


def test_a_kandense_is_built_from_zeros_and_keeps_its_initializers():
    source = KANDense(
        3,
        use_spline_scale=True,
        spline_kernel_initializer=keras.initializers.RandomUniform(-1, 1),
        bias_initializer="ones",
    )
    config = source.get_config()
    layer, restore = rebuild(KANDense, config)
    layer.build((None, 2))
    for variable in (layer.spline_kernel, layer.base_kernel, layer.bias, layer.spline_scale):
        np.testing.assert_array_equal(ops.convert_to_numpy(variable), 0.0)
    restore()
    assert layer.get_config() == config
    again = KANDense.from_config(layer.get_config())
    again.build((None, 2))
    np.testing.assert_array_equal(ops.convert_to_numpy(again.bias), 1.0)


def test_other_layers_are_built_from_their_config_as_it_is():
    config = keras.layers.Dense(2, bias_initializer="ones").get_config()
    layer, restore = rebuild(keras.layers.Dense, config)
    layer.build((None, 3))
    restore()
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.bias), 1.0)

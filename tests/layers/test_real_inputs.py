"""Every learnact layer refuses complex inputs with a clear error (issue 14 item 9).

Keras passes complex inputs through to a layer uncast; before the check each
layer dropped the imaginary part or mixed it in, silently, differently per layer.
"""

import keras
import numpy as np
import pytest
from keras import ops

import learnact.layers
from learnact.errors import UserInputError
from learnact.inspection.gradcheck import EXAMPLE_ARGUMENTS
from learnact.layers import Parameter, layer_classes, parametric_activation

# learnact's own layers (other test modules register throwaway ones).
LAYERS = [name for name in layer_classes() if hasattr(learnact.layers, name)]

ScaledSinForComplex = parametric_activation(
    lambda x, a: a * ops.sin(x), params={"a": Parameter("ones")}, name="ScaledSinForComplex"
)


def _layer(name):
    return layer_classes()[name](name="under_test", **EXAMPLE_ARGUMENTS.get(name, {}))


def test_every_learnact_layer_is_checked():
    assert {"TaylorExpansion", "PolynomialDense", "Rational", "KANDense"} <= set(LAYERS)
    assert {"SoftExponential", "ComplexSoftExponential", "SnappedKANDense"} <= set(LAYERS)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_numpy_input_is_refused_naming_layer_and_dtype(name, dtype):
    layer = _layer(name)
    x = np.array([[1 + 2j, 3 - 1j]], dtype=dtype)
    with pytest.raises(UserInputError, match=rf"{name} layer 'under_test'.*dtype {dtype}"):
        layer(x)
    assert not layer.built  # refused before anything was created


@pytest.mark.parametrize("name", LAYERS)
def test_complex_input_is_refused_after_a_real_call(name):
    layer = _layer(name)
    real = np.array([[0.5, -0.25]], dtype="float32")
    before = ops.convert_to_numpy(layer(real))
    with pytest.raises(UserInputError, match="complex64"):
        layer(ops.convert_to_tensor(np.array([[1 + 2j, 3 - 1j]], dtype="complex64")))
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(real)), before)


def test_complex_symbolic_input_is_refused():
    inputs = keras.Input((2,), dtype="complex64")
    with pytest.raises(UserInputError, match="TaylorExpansion layer .*complex64"):
        learnact.layers.TaylorExpansion(name="t")(inputs)


def test_a_factory_layer_refuses_complex_input():
    with pytest.raises(UserInputError, match="ScaledSinForComplex layer 'f'.*complex128"):
        ScaledSinForComplex(name="f")(np.ones((1, 2), dtype="complex128"))


def test_real_and_integer_inputs_still_work():
    layer = learnact.layers.TaylorExpansion()
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer(np.array([[1, -2]], dtype="int32"))), [[1, -2]]
    )
    np.testing.assert_allclose(ops.convert_to_numpy(layer(np.array([[1.5, -2.0]]))), [[1.5, -2.0]])


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_integer_and_boolean_inputs_compute_as_their_float_values(name, dtype):
    """An integer input gives what its float32 values give, in the layer's float dtype."""
    layer = _layer(name)
    values = np.array([[1, 2], [0, 3]]) if dtype != "bool" else np.array([[1, 0], [0, 1]])
    want = ops.convert_to_numpy(layer(values.astype("float32")))
    got = layer(values.astype(dtype))
    assert keras.backend.standardize_dtype(got.dtype) == layer.compute_dtype
    np.testing.assert_array_equal(ops.convert_to_numpy(got), want)


def test_a_symbolic_integer_input_builds_a_float_model():
    inputs = keras.Input((2,), dtype="int32")
    outputs = learnact.layers.Rational(name="r")(inputs)
    model = keras.Model(inputs, outputs)
    x = np.array([[1, 2]], dtype="int32")
    want = ops.convert_to_numpy(learnact.layers.Rational()(x.astype("float32")))
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-6)

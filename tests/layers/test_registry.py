"""One test of "is this learnact's layer": the Keras registry, factory-made classes included."""

import inspect

import keras
from keras import ops

import learnact.layers
from learnact.layers import (
    ElementwiseLayer,
    Parameter,
    SoftExponential,
    TaylorExpansion,
    is_learnact_layer,
    layer_classes,
    learnact_layers,
    parametric_activation,
)


def _scaled_tanh(x, a):
    return a * ops.tanh(x)


# Its class's __module__ is this test module's, not learnact's: the registry still knows it.
ScaledTanhForRegistry = parametric_activation(
    _scaled_tanh, params={"a": Parameter("ones")}, name="ScaledTanhForRegistry"
)


def test_factory_layers_are_learnact_layers():
    assert ScaledTanhForRegistry.__module__ == __name__
    assert is_learnact_layer(ScaledTanhForRegistry())
    assert is_learnact_layer(ScaledTanhForRegistry)
    assert not is_learnact_layer(keras.layers.PReLU())
    assert not is_learnact_layer(ElementwiseLayer)  # a base class, not registered
    assert not is_learnact_layer("TaylorExpansion")


def test_a_model_lists_every_learnact_layer_in_order_nested_ones_too():
    inner = keras.Sequential([keras.Input((4,)), TaylorExpansion(2, name="taylor")], name="inner")
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(4),
            SoftExponential(name="soft"),
            ScaledTanhForRegistry(name="factory"),
            inner,
        ]
    )
    assert [layer.name for layer in learnact_layers(model)] == ["soft", "factory", "taylor"]


def test_layer_classes_are_the_concrete_registered_ones():
    classes = layer_classes()
    assert {"TaylorExpansion", "PolynomialDense", "SoftExponential"} <= set(classes)
    assert classes["ScaledTanhForRegistry"] is ScaledTanhForRegistry
    assert "ElementwiseLayer" not in classes and "Parameter" not in classes
    assert list(classes) == sorted(classes)


def test_every_concrete_layer_class_of_the_package_is_found():
    expected = {
        name
        for name in learnact.layers.__all__
        if inspect.isclass(getattr(learnact.layers, name))
        and issubclass(getattr(learnact.layers, name), keras.layers.Layer)
        and name != "ElementwiseLayer"
    }
    assert expected <= set(layer_classes())

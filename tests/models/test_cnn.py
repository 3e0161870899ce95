"""expandable_cnn / baseline_cnn: the seed's architecture, shapes, identity start, saving."""

import keras
import numpy as np
import pytest

from learnact.layers import PolynomialDense, TaylorExpansion
from learnact.models import baseline_cnn, expandable_cnn

SHAPES = [(8, 8, 1), (32, 32, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("expansion", ["taylor", "polynomial_dense", None])
def test_shapes_on_grayscale_and_colour(shape, expansion):
    model = expandable_cnn(shape, 10, order=3, expansion=expansion)
    x = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
    y = np.asarray(model(x))
    assert y.shape == (2, 10)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)


def test_architecture_is_the_seeds():
    model = expandable_cnn((32, 32, 3), 10, order=4)
    conv1, conv2 = model.get_layer("conv1"), model.get_layer("conv2")
    assert (conv1.filters, conv1.kernel_size, conv1.padding) == (32, (3, 3), "same")
    assert (conv2.filters, conv2.kernel_size, conv2.padding) == (32, (3, 3), "valid")
    assert model.get_layer("pool").pool_size == (2, 2)
    assert model.get_layer("dropout1").rate == 0.25 and model.get_layer("dropout2").rate == 0.5
    assert model.get_layer("dense").units == 512
    expansion = model.get_layer("expansion")
    assert isinstance(expansion, TaylorExpansion) and expansion.order == 4
    assert model.layers[-1].activation.__name__ == "softmax"
    names = [layer.name for layer in model.layers]
    assert names.index("dropout2") < names.index("expansion") < names.index("classifier")


def test_parameter_counts_relate_to_the_baseline():
    base = baseline_cnn((8, 8, 1), 10).count_params()
    assert expandable_cnn((8, 8, 1), 10, order=3).count_params() == base + 512 * 4
    assert expandable_cnn((8, 8, 1), 10, expansion=None).count_params() == base
    poly = expandable_cnn((8, 8, 1), 10, order=3, expansion="polynomial_dense")
    assert isinstance(poly.get_layer("expansion"), PolynomialDense)
    assert poly.count_params() == base + 2 * 512 * 10


def test_taylor_model_starts_as_the_baseline():
    base = baseline_cnn((8, 8, 1), 10)
    expanded = expandable_cnn((8, 8, 1), 10, order=5)
    for layer in base.layers:
        if layer.weights:
            expanded.get_layer(layer.name).set_weights(layer.get_weights())
    x = np.random.default_rng(1).random((4, 8, 8, 1), dtype=np.float32)
    np.testing.assert_allclose(
        expanded.predict(x, verbose=0), base.predict(x, verbose=0), rtol=1e-5
    )


@pytest.mark.parametrize("expansion", ["taylor", "polynomial_dense"])
def test_saves_and_loads_in_safe_mode(tmp_path, expansion):
    model = expandable_cnn((8, 8, 1), 10, order=3, expansion=expansion)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(2).random((3, 8, 8, 1), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"expansion": "fourier"}, "expansion"),
        ({"order": 0}, "order"),
        ({"order": 17}, "order"),
        ({"order": 2.5}, "order"),
        ({"input_shape": (2, 2, 1)}, "input_shape"),
        ({"input_shape": (8, 8)}, "input_shape"),
        ({"num_classes": 1}, "num_classes"),
    ],
)
def test_bad_arguments(kwargs, needle):
    args = {"input_shape": (8, 8, 1), "num_classes": 10, **kwargs}
    with pytest.raises(ValueError, match=needle):
        expandable_cnn(**args)


def test_rational_expansion_uses_pade_units_of_the_order():
    from learnact.layers import Rational
    from learnact.models import parse_model_spec

    model = parse_model_spec("expandable-cnn:5:rational").build((8, 8, 1), 10)
    layer = model.get_layer("expansion")
    assert isinstance(layer, Rational)
    assert (layer.numerator_degree, layer.denominator_degree) == (5, 4)
    assert layer.numerator.shape == (512, 6) and model.output_shape == (None, 10)
    assert parse_model_spec("expandable-cnn:5:rational").label == "expandable-cnn:5:rational"

"""parametric_activation: any formula as a registered, serializable Keras layer class."""

import json
import re
import zipfile

import keras
import numpy as np
import pytest
from keras import ops

from learnact.errors import UserInputError
from learnact.layers import Parameter, parametric_activation
from learnact.layers.parametric import FINGERPRINT_KEY
from learnact.ops import complex_soft_exponential
from tests.keras_testing import run_layer_test


def scaled_tanh(x, a, b):
    return a * ops.tanh(b * x)


def soft_exp_parts(x, alpha_real, alpha_imag):
    return complex_soft_exponential(x, alpha_real, alpha_imag)


ScaledTanh = parametric_activation(
    scaled_tanh,
    params={"a": Parameter("ones", regularizer="l2"), "b": Parameter("ones")},
)
SoftExpParts = parametric_activation(
    soft_exp_parts,
    params={"alpha_real": Parameter(), "alpha_imag": Parameter("ones", regularizer="l2")},
    outputs=2,
)


def test_class_is_registered_under_learnact():
    assert ScaledTanh.__name__ == "ScaledTanh"
    assert keras.saving.get_registered_name(ScaledTanh) == "learnact>ScaledTanh"
    assert keras.saving.get_registered_object("learnact>SoftExpParts") is SoftExpParts
    assert issubclass(ScaledTanh, keras.layers.Layer)


@pytest.mark.parametrize(
    "cls, kwargs, input_shape, output_shape, n_weights, n_losses",
    [
        (ScaledTanh, {}, (2, 5), (2, 5), 2, 1),
        (
            ScaledTanh,
            {"shared_axes": [1, 2], "b_regularizer": "l1"},
            (2, 3, 3, 4),
            (2, 3, 3, 4),
            2,
            2,
        ),
        (SoftExpParts, {}, (2, 3, 4), (2, 3, 8), 2, 1),
    ],
)
def test_keras_layer_contract(cls, kwargs, input_shape, output_shape, n_weights, n_losses):
    run_layer_test(
        cls,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=n_weights,
        expected_num_losses=n_losses,
    )


def test_values_shared_axes_and_overrides():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    layer = ScaledTanh(shared_axes=[1], b_initializer=keras.initializers.Constant(0.5))
    y = ops.convert_to_numpy(layer(x))
    assert tuple(layer.a.shape) == (1, 4) and tuple(layer.b.shape) == (1, 4)
    np.testing.assert_allclose(y, np.tanh(0.5 * x), rtol=1e-6)
    config = layer.get_config()
    assert config["shared_axes"] == [1]
    assert config["b_initializer"]["config"]["value"] == 0.5
    assert config["a_regularizer"] is not None


def test_two_outputs_are_concatenated_on_the_last_axis():
    x = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    y = ops.convert_to_numpy(SoftExpParts()(x))
    re, im = complex_soft_exponential(x, 0.0, 1.0)
    np.testing.assert_allclose(y[:, :3], ops.convert_to_numpy(re), rtol=1e-6)
    np.testing.assert_allclose(y[:, 3:], ops.convert_to_numpy(im), rtol=1e-6)
    np.testing.assert_allclose(y[:, :3], np.sin(x), atol=1e-6)  # alpha = i: Re f = sin x


def test_non_trainable_parameter_is_a_saved_constant(tmp_path):
    def shifted_relu(x, shift):
        return ops.relu(x - shift)

    ShiftedRelu = parametric_activation(
        shifted_relu, params={"shift": Parameter(keras.initializers.Constant(0.5), trainable=False)}
    )
    layer = ShiftedRelu()
    x = np.array([[0.0, 1.0, 2.0]], np.float32)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), [[0.0, 0.5, 1.5]])
    assert len(layer.trainable_weights) == 0 and len(layer.non_trainable_weights) == 1
    model = keras.Sequential([keras.Input((3,)), layer])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(x)), [[0.0, 0.5, 1.5]])


@pytest.mark.parametrize("cls", [ScaledTanh, SoftExpParts])
def test_keras_file_round_trip_in_the_same_process(cls, tmp_path):
    # Works because the factory call (at import of this module) registered the class.
    rng = np.random.default_rng(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), cls(name="act")])
    for w in model.get_layer("act").weights:
        w.assign(rng.uniform(-0.5, 0.5, w.shape).astype(np.float32))
    x = rng.normal(size=(5, 4)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.get_layer("act")) is cls
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))


def _tanh_formula(x, a, b):
    return a * ops.tanh(b * x)


def _sin_formula(x, a, b):
    return a * ops.sin(b * x)


def _saved_remade(tmp_path):
    Remade = parametric_activation(
        _tanh_formula, {"a": Parameter("ones"), "b": Parameter("ones")}, name="Remade"
    )
    model = keras.Sequential([keras.Input((3,)), Remade(b_initializer="zeros")])
    model.save(tmp_path / "remade.keras")
    return model


def test_a_class_remade_with_another_formula_under_the_same_name_refuses_to_load(tmp_path):
    _saved_remade(tmp_path)
    parametric_activation(
        _sin_formula, {"a": Parameter("ones"), "b": Parameter("ones")}, name="Remade"
    )
    with pytest.raises(
        UserInputError, match="Remade defined in this process computes another formula"
    ) as info:
        keras.saving.load_model(tmp_path / "remade.keras")
    message = str(info.value)
    # The first probe point, x = -2, with the probe's a = 0.5 and b = 0.73: tanh against sin.
    saved, here = map(float, re.search(r"at x=-2.0: saved (\S+), here ([^)]+)\)", message).groups())
    np.testing.assert_allclose(
        [saved, here], [0.5 * np.tanh(-1.46), 0.5 * np.sin(-1.46)], rtol=1e-5
    )
    assert "name='Remade'" in message and "\n" not in message


def test_the_same_formula_written_otherwise_loads(tmp_path):
    model = _saved_remade(tmp_path)

    def tanh_again(x, a, b):  # the same mathematics, another function object and source
        return ops.multiply(ops.tanh(ops.multiply(x, b)), a)

    Again = parametric_activation(tanh_again, {"a": Parameter(), "b": Parameter()}, name="Remade")
    loaded = keras.saving.load_model(tmp_path / "remade.keras")
    assert type(loaded.layers[0]) is Again
    x = np.linspace(-3, 3, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))


def test_a_file_saved_without_a_fingerprint_loads_with_a_warning(tmp_path):
    model = _saved_remade(tmp_path)
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(tmp_path / "remade.keras") as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                layer_config = config["config"]["layers"][-1]["config"]
                del layer_config[FINGERPRINT_KEY]
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    with pytest.warns(UserWarning, match="Remade layer has no formula fingerprint"):
        loaded = keras.saving.load_model(old)
    x = np.ones((1, 3), np.float32)
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))


def test_the_fingerprint_is_the_formulas_values_on_every_backend():
    # NumPy in float64 as the reference: within the stated tolerance on each backend's float32.
    x = np.array([-2.0, -1.25, -0.5, -0.1, 0.1, 0.5, 1.25, 2.0])
    a, b = 0.5, 0.5 + 0.23  # the fixed probe values of the first and second parameter
    np.testing.assert_allclose(ScaledTanh.formula_fingerprint(), a * np.tanh(b * x), rtol=1e-5)
    real, imag = SoftExpParts.formula_fingerprint()[:8], SoftExpParts.formula_fingerprint()[8:]
    assert len(imag) == 8 and np.isfinite(real).all() and np.isfinite(imag).all()
    assert ScaledTanh().get_config()[FINGERPRINT_KEY] == ScaledTanh.formula_fingerprint()


def test_trains_and_regularizes():
    layer = ScaledTanh(a_regularizer=keras.regularizers.L2(1e-4))
    model = keras.Sequential([keras.Input((2,)), layer])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    x = np.random.default_rng(4).normal(size=(64, 2)).astype(np.float32)
    y = 2.0 * np.tanh(0.5 * x)
    history = model.fit(x, y, epochs=100, batch_size=64, verbose=0).history["loss"]
    assert history[-1] < 0.05 * history[0]
    np.testing.assert_allclose(ops.convert_to_numpy(layer.a * layer.b), [1.0, 1.0], atol=0.1)
    assert len(model.losses) == 1


# ----------------------------------------------------------------------------- bad input


def test_rejects_non_callable():
    with pytest.raises(TypeError, match="callable"):
        parametric_activation("tanh")


@pytest.mark.parametrize("outputs", [0, -1, 1.5, True])
def test_rejects_bad_outputs(outputs):
    with pytest.raises(ValueError, match="outputs"):
        parametric_activation(scaled_tanh, {"a": Parameter(), "b": Parameter()}, outputs=outputs)


@pytest.mark.parametrize("name", ["x", "name", "weights", "trainable", "dtype", "build", "_a"])
def test_rejects_clashing_parameter_names(name):
    def fn(x, **params):
        return x

    with pytest.raises(ValueError, match=repr(name) if name != "x" else "'x'"):
        parametric_activation(fn, {name: Parameter()}, name="Clash")


def test_rejects_params_that_are_not_parameters_or_not_accepted():
    with pytest.raises(TypeError, match="Parameter"):
        parametric_activation(scaled_tanh, {"a": "ones", "b": Parameter()})
    with pytest.raises(TypeError, match="cannot be called"):
        parametric_activation(scaled_tanh, {"a": Parameter()})  # b missing


def test_lambda_needs_a_name():
    with pytest.raises(ValueError, match="name="):
        parametric_activation(lambda x, k: k * x, {"k": Parameter("ones")})
    cls = parametric_activation(lambda x, k: k * x, {"k": Parameter("ones")}, name="Scale")
    assert cls.__name__ == "Scale"


def test_wrong_number_of_outputs_is_reported_at_call():
    def two(x, k):
        return k * x, x

    TwoAsOne = parametric_activation(two, {"k": Parameter("ones")}, name="TwoAsOne")
    with pytest.raises(ValueError, match="returned 2 outputs; expected outputs=1"):
        TwoAsOne()(np.ones((2, 3), np.float32))

    def one(x, k):
        return k * x

    OneAsTwo = parametric_activation(one, {"k": Parameter("ones")}, outputs=2, name="OneAsTwo")
    with pytest.raises(ValueError, match="tuple of 2"):
        OneAsTwo()(np.ones((2, 3), np.float32))

    def wrong_shape(x, k):
        return ops.sum(k * x, axis=-1)

    Bad = parametric_activation(wrong_shape, {"k": Parameter("ones")}, name="WrongShape")
    with pytest.raises(ValueError, match="input's shape"):
        Bad()(np.ones((2, 3), np.float32))


def test_unknown_override_is_rejected():
    with pytest.raises(ValueError, match="c_initializer"):
        ScaledTanh(c_initializer="zeros")

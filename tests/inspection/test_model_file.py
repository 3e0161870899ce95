"""Loading a model file for inspection: a factory-made class the process lacks is named."""

import keras
import pytest
from keras import ops

from learnact.errors import UserInputError
from learnact.inspection import load_model
from learnact.layers import Parameter, parametric_activation


def _cubic_gate(x, a):
    return x + a * x**3


def save_with_a_class_this_process_lacks(folder, name="CubicGateNotMadeHere"):
    """Save a model with a parametric_activation class, then forget it, as a fresh process would."""
    cls = parametric_activation(_cubic_gate, {"a": Parameter()}, name=name)
    path = folder / "factory.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), cls()]).save(path)
    del keras.saving.get_custom_objects()[f"learnact>{name}"]
    return path


def test_a_missing_factory_class_is_named_with_what_to_do(tmp_path):
    path = save_with_a_class_this_process_lacks(tmp_path)
    with pytest.raises(UserInputError) as info:
        load_model(path)
    message = str(info.value)
    assert "'CubicGateNotMadeHere'" in message and "parametric_activation" in message
    assert "name='CubicGateNotMadeHere'" in message and "\n" not in message


def test_once_made_again_the_class_loads(tmp_path):
    path = save_with_a_class_this_process_lacks(tmp_path, name="CubicGateMadeAgain")
    again = parametric_activation(_cubic_gate, {"a": Parameter()}, name="CubicGateMadeAgain")
    model = load_model(path)
    assert type(model.layers[-1]) is again
    assert ops.convert_to_numpy(model(ops.ones((1, 3)))).shape == (1, 3)

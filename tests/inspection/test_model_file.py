"""Loading a model file: a bad file, a bad plot destination, a class this process lacks."""

import os
import zipfile

import keras
import pytest
from keras import ops

import learnact.inspection.model_file as model_file
from learnact.errors import UserInputError
from learnact.inspection import inspect_model, load_model
from learnact.layers import Parameter, TaylorExpansion, parametric_activation


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


@pytest.fixture
def model_path(tmp_path):
    model = keras.Sequential([keras.Input((3,)), TaylorExpansion(2, name="taylor")])
    path = tmp_path / "model.keras"
    model.save(path)
    return path


def test_random_bytes_are_not_a_valid_keras_archive(tmp_path):
    path = tmp_path / "noise.keras"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(UserInputError, match="noise.keras' is not a valid .keras archive") as info:
        load_model(path)
    assert "not found" not in str(info.value).lower()


def test_a_truncated_archive_is_not_a_valid_keras_archive(tmp_path, model_path):
    data = model_path.read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserInputError, match="cut.keras' is not a valid .keras archive") as info:
        load_model(cut)
    assert "not found" not in str(info.value).lower()


def test_a_zip_without_keras_members_is_not_a_valid_keras_archive(tmp_path):
    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a model")
    with pytest.raises(UserInputError, match="not a valid .keras archive.*config.json"):
        load_model(path)


def test_a_valid_archive_still_loads_and_inspects(model_path):
    assert load_model(model_path).get_layer("taylor").order == 2
    assert inspect_model(model_path, plot=False).plot is None


@pytest.fixture
def no_loading(monkeypatch):
    """Fail the test if the model is loaded: the destination must be refused first."""

    def refuse(path):
        raise AssertionError(f"model {path} loaded before the plot destination was checked")

    monkeypatch.setattr(model_file, "load_model", refuse)


def test_plot_into_a_missing_folder_is_refused_before_any_work(tmp_path, model_path, no_loading):
    destination = str(tmp_path / "nonexistent" / "a.png")
    with pytest.raises(UserInputError, match="does not exist") as info:
        inspect_model(model_path, plot=destination)
    assert repr(destination) in str(info.value) and ".tmp-" not in str(info.value)
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_plot_into_a_read_only_folder_is_refused_before_any_work(tmp_path, model_path, no_loading):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(UserInputError, match="not writable") as info:
            inspect_model(model_path, plot=str(folder / "a.png"))
        assert str(folder / "a.png") in str(info.value)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_plot_without_an_image_extension_is_refused_before_any_work(
    tmp_path, model_path, no_loading
):
    with pytest.raises(UserInputError, match="`plot` must end in one of .png"):
        inspect_model(model_path, plot=str(tmp_path / "curves.txt"))


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_plot_into_a_folder_nothing_can_be_written_to_is_refused_before_any_work(
    tmp_path, model_path, no_loading
):
    # /proc exists and passes a permission-bit check, even for root; no file can be made there.
    with pytest.raises(UserInputError, match="'/proc/a.png' is not writable") as info:
        inspect_model(model_path, plot="/proc/a.png")
    assert ".tmp-" not in str(info.value)

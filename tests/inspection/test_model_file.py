"""A bad model file or plot destination is named for what it is, before any work (issue 14)."""

import os
import zipfile

import keras
import pytest

import learnact.inspection.model_file as model_file
from learnact.errors import UserInputError
from learnact.inspection import inspect_model, load_model
from learnact.layers import TaylorExpansion


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

"""snap_report: the snap table of a model, on given data, its run's dataset, or uniform samples."""

import json

import keras
import numpy as np
import pytest

from learnact.errors import UserInputError
from learnact.inspection import inspect_model
from learnact.inspection.snapping import snap_report
from learnact.layers import Rational


def tanh_model(shape=(2,)):
    layers = [keras.Input(shape)]
    if len(shape) > 1:
        layers += [keras.layers.Flatten(), keras.layers.Dense(2)]
    return keras.Sequential([*layers, Rational(approximates="tanh", name="act")])


def test_given_data_and_uniform_samples():
    model = tanh_model()
    x = np.random.default_rng(0).uniform(-2, 2, (300, 2)).astype("float32")
    report = snap_report(model, data=x, library=["x", "tanh"])
    assert report.source == "the inputs given"
    assert [e.chosen.function for e in report.table.edges] == ["tanh", "tanh"]
    text = str(report)
    assert text.startswith("data for snapping: the inputs given\nsnapping (a*g(b*x + c) + d")
    uniform = snap_report(model, samples=100, x_range=(-1, 1), library=["tanh"])
    assert uniform.source == "100 points uniform in [-1.0, 1.0] per input unit (seed 0)"


def test_a_model_in_a_run_folder_snaps_on_its_training_images(tmp_path):
    model = tanh_model((8, 8, 1))
    model.save(tmp_path / "model.keras")
    config = {"dataset": "digits", "seed": 0, "test_size": 0.2, "data_dir": None}
    (tmp_path / "config.json").write_text(json.dumps(config))
    inspection = inspect_model(tmp_path / "model.keras", plot=False, snap=True, min_r2=0.999)
    report = inspection.snap
    assert report.source.startswith("the first 1000 training images of 'digits' (from ")
    assert len(report.table.edges) == 2 and "data for snapping: the first" in str(inspection)


def test_bad_data_is_named(tmp_path):
    model = tanh_model()
    with pytest.raises(
        UserInputError, match=r"shape \(N, 2\); received an array of shape \(5, 3\)"
    ):
        snap_report(model, data=np.zeros((5, 3)))
    np.savez(tmp_path / "two.npz", a=np.zeros((5, 2)), b=np.zeros((5, 2)))
    with pytest.raises(UserInputError, match="holds arrays"):
        snap_report(model, data=tmp_path / "two.npz")
    (tmp_path / "text.npy").write_text("not an array")
    with pytest.raises(UserInputError, match="not a .npy or .npz"):
        snap_report(model, data=tmp_path / "text.npy")
    with pytest.raises(UserInputError, match="finite"):
        snap_report(model, data=np.full((5, 2), np.nan))

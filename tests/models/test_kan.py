"""The kan model: builds, is named by the registry, trains from `learnact train`, bad input."""

import json

import numpy as np
import pytest

from learnact.cli.main import main
from learnact.layers import KANDense
from learnact.models import kan_classifier, model_spec, parse_model_spec
from learnact.training import RunConfig


def test_builds_a_softmax_classifier_of_kan_layers():
    model = kan_classifier((8, 8, 1), 10, grid_size=3, hidden=(6,))
    kan_layers = [layer for layer in model.layers if isinstance(layer, KANDense)]
    assert [(layer.units, layer.grid_size) for layer in kan_layers] == [(6, 3), (10, 3)]
    x = np.random.default_rng(0).uniform(0, 1, size=(4, 8, 8, 1)).astype(np.float32)
    probabilities = model.predict(x, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_the_registry_names_it_with_its_grid_size():
    assert parse_model_spec("kan:10").options == {"grid_size": 10}
    assert model_spec("kan").label == "kan:5"
    assert RunConfig(model="kan", grid_size=3).validated().label == "kan:3"
    assert RunConfig(model="baseline-cnn").validated().grid_size is None


@pytest.mark.parametrize("grid_size", [0, 101, 2.5])
def test_bad_grid_size_names_the_argument(grid_size):
    with pytest.raises(ValueError, match="grid_size"):
        kan_classifier((8, 8, 1), 10, grid_size=grid_size)


@pytest.mark.slow
def test_learnact_train_trains_the_kan_model(tmp_path, capsys):
    out = tmp_path / "kan"
    argv = ["train", "--model", "kan", "--grid-size", "3", "--epochs", "2", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.5  # ten digit classes: chance is 0.1
    assert json.loads((out / "config.json").read_text())["grid_size"] == 3


def test_bad_grid_size_flag_is_one_line(capsys):
    assert main(["train", "--model", "kan", "--grid-size", "0"]) == 2
    err = capsys.readouterr().err
    assert "grid_size" in err and err.count("\n") == 1

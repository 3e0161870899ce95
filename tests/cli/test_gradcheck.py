"""`learnact gradcheck`: discovers the learnact layers and checks them."""

import inspect

import keras
import pytest

import learnact.layers
from learnact.cli.gradcheck import discover_layers
from learnact.cli.main import main


def test_discovers_every_concrete_layer_in_layers_all():
    found = discover_layers()
    expected = {
        name
        for name in learnact.layers.__all__
        if inspect.isclass(getattr(learnact.layers, name))
        and issubclass(getattr(learnact.layers, name), keras.layers.Layer)
        and name != "ElementwiseLayer"
    }
    assert expected <= set(found)
    assert "ElementwiseLayer" not in found


def test_list(capsys):
    assert main(["gradcheck", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == sorted(discover_layers())


def test_checks_one_layer_and_prints_the_table(capsys):
    layers = discover_layers()
    if not layers:
        pytest.skip("no learnact layer registered yet")
    name = "TaylorExpansion" if "TaylorExpansion" in layers else next(iter(layers))
    status = main(["gradcheck", "--layer", name])
    out = capsys.readouterr().out
    assert f"== {name}" in out and "max abs err" in out
    assert status == 0, out


def test_unknown_layer_is_a_one_line_error(capsys):
    assert main(["gradcheck", "--layer", "NoSuchLayer"]) == 2
    err = capsys.readouterr().err
    assert "NoSuchLayer" in err and err.count("\n") == 1

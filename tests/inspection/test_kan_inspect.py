"""KANDense in `learnact inspect`: its description, and a grid of its edge functions."""

import keras
import numpy as np
import pytest

from learnact.cli.main import main
from learnact.inspection import describe, inspect_model
from learnact.layers import KANDense
from learnact.plotting.kan import edge_curves, plot_kan_edges


def _model(basis="bspline"):
    inputs = keras.Input((3,))
    hidden = KANDense(4, basis=basis, name="kan1")(inputs)
    return keras.Model(inputs, KANDense(2, name="kan2")(hidden), name="tiny_kan")


def test_edge_curves_are_the_layer_edges_on_each_input_grid_range():
    layer = _model().get_layer("kan1")
    x, phi = edge_curves(layer, num=7, margin=0.0)
    np.testing.assert_allclose(x[[0, -1], 0], [-1.0, 1.0])
    want = keras.ops.convert_to_numpy(layer.edge_values(x))
    np.testing.assert_allclose(phi, want, rtol=1e-6)


def test_the_grid_has_one_panel_per_edge_up_to_the_limits():
    layer = _model().get_layer("kan1")
    assert len(plot_kan_edges(layer).axes) == 3 * 4
    figure = plot_kan_edges(layer, max_inputs=2, max_units=3)
    assert len(figure.axes) == 6 and "2 of 3 inputs, 3 of 4 units" in figure._suptitle.get_text()


def test_chebyshev_edges_get_formulas_and_every_basis_its_strongest_edges():
    text = str(describe(_model("chebyshev"), features=2))
    assert "strongest edges (mean |phi|): x" in text and "phi[x" in text and "u**8" in text
    assert "grid range [-1, 1] on every input" in text


def test_inspect_writes_the_edge_grid_of_every_kan_layer(tmp_path):
    model = _model()
    model.save(tmp_path / "m.keras")
    report = inspect_model(tmp_path / "m.keras", plot=str(tmp_path / "curves.png"))
    assert set(report.edge_plots) == {"kan1", "kan2"}
    for image in report.edge_plots.values():
        assert (tmp_path / image).is_file()
    assert report.no_plot is None and "edge functions of kan2 written to" in str(report)


def test_cli_inspect_of_a_kan_model(tmp_path, capsys):
    _model().save(tmp_path / "m.keras")
    assert main(["inspect", str(tmp_path / "m.keras")]) == 0
    out = capsys.readouterr().out
    assert "KANDense(basis='bspline', units=4, grid_size=5, spline_order=3)" in out
    assert (tmp_path / "kan1-edges.png").is_file()


@pytest.mark.parametrize("kwargs, name", [({"max_inputs": 0}, "max_inputs"), ({"num": 1}, "num")])
def test_bad_plot_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plot_kan_edges(_model().get_layer("kan1"), **kwargs)

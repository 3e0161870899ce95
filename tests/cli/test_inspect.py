"""`learnact inspect`: inspect_model's report; one-line errors with nothing printed before."""

import pytest

from learnact.cli.main import main
from learnact.models import expandable_cnn


@pytest.fixture
def model_path(tmp_path):
    path = tmp_path / "model.keras"
    expandable_cnn((8, 8, 1), 10, order=2, expansion="polynomial_dense").save(path)
    return path


def test_prints_the_report_and_writes_the_plot(model_path, capsys):
    plot = model_path.parent / "curves.png"
    assert main(["inspect", str(model_path), "--plot", str(plot), "--features", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{model_path}: model 'expandable_cnn'")
    assert "PolynomialDense(order=2" in out and out.count("    g[") == 2
    assert out.rstrip().endswith(f"activation curves written to {plot}")
    assert plot.is_file()


def _error(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("learnact inspect: error:") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


def test_bad_files_and_ranges_are_one_line(tmp_path, capsys):
    assert "no model file" in _error(["inspect", str(tmp_path / "missing.keras")], capsys)
    (tmp_path / "broken.keras").write_text("not a zip archive")
    err = _error(["inspect", str(tmp_path / "broken.keras")], capsys)
    assert "broken.keras' is not a valid .keras archive" in err and "not found" not in err
    err = _error(["inspect", str(tmp_path / "any.keras"), "--x-range", "1", "0"], capsys)
    assert "x_range" in err
    assert "digits" in _error(["inspect", str(tmp_path / "any.keras"), "--digits", "0"], capsys)


def test_a_factory_class_not_defined_here_is_one_line_naming_it(tmp_path, capsys):
    from tests.inspection.test_model_file import save_with_a_class_this_process_lacks

    path = save_with_a_class_this_process_lacks(tmp_path, name="CubicGateForTheCommandLine")
    err = _error(["inspect", str(path), "--plot", str(tmp_path / "c.png")], capsys)
    assert "'CubicGateForTheCommandLine'" in err and "parametric_activation" in err
    assert not (tmp_path / "c.png").exists()


@pytest.fixture
def small_model_path(tmp_path):
    import keras
    import numpy as np

    from learnact.layers import TaylorExpansion

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1), TaylorExpansion(2)])
    model.layers[0].set_weights([np.array([[0.5], [-2.0]], "float32"), np.zeros(1, "float32")])
    model.layers[1].coefficients.assign(np.array([[0.0, 1.0, 0.25]], "float32"))
    path = tmp_path / "small.keras"
    model.save(path)
    return path


def test_formula_prints_the_whole_network(small_model_path, capsys):
    argv = ["inspect", str(small_model_path), "--plot", str(small_model_path.parent / "c.png")]
    assert main([*argv, "--formula"]) == 0
    out = capsys.readouterr().out
    # u = 0.5 x1 - 2 x2;  y = u + 0.25 u^2, by Horner: u (0.25 u + 1)
    assert "formula of the whole network:\n  y1 = (0.5*x1 - 2*x2)*(0.125*x1 - 0.5*x2 + 1)" in out
    assert main([*argv, "--latex"]) == 0
    assert "  y_{1} = \\left(0.5 x_{1} - 2 x_{2}\\right)" in capsys.readouterr().out


def test_formula_of_a_model_without_one_is_one_line(model_path, capsys):
    err = _error(["inspect", str(model_path), "--formula"], capsys)
    assert "of class Conv2D has no formula" in err


def test_a_plot_into_a_missing_folder_is_one_line_naming_it(model_path, tmp_path, capsys):
    destination = str(tmp_path / "nonexistent" / "a.png")
    err = _error(["inspect", str(model_path), "--plot", destination], capsys)
    assert f"the folder of `plot` {destination!r} does not exist" in err and ".tmp-" not in err

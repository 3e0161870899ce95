"""`learnact inspect`: lists learnact layers, prints learned polynomials, plots curves."""

import keras
import numpy as np
import pytest

from learnact.cli.inspect import basis_polynomial, series_polynomial
from learnact.cli.main import main
from learnact.models import baseline_cnn, expandable_cnn


def test_series_polynomial_formats_with_sympy():
    assert str(series_polynomial([0.0, 1.0, 0.0, -1 / 6])) == "-0.1667*x**3 + 1.0*x"
    assert str(series_polynomial([1.0, 2.0], center=0.5)) == "2.0*x"
    # Chebyshev T2 = 2x^2 - 1, expanded into monomials.
    assert str(basis_polynomial([0.0, 1.0], "chebyshev")) == "2.0*x**2 - 1.0"


@pytest.fixture
def taylor_model_path(tmp_path):
    model = expandable_cnn((8, 8, 1), 10, order=3)
    layer = model.get_layer("expansion")
    coefficients = np.zeros(tuple(layer.coefficients.shape), "float32")
    coefficients[:, 1] = 1.0
    coefficients[:, 3] = -1 / 6  # x - x^3/6: the start of sin
    coefficients[1, 0] = 0.25
    layer.coefficients.assign(coefficients)
    path = tmp_path / "model.keras"
    model.save(path)
    return path


def test_inspect_prints_polynomials_and_writes_the_plot(taylor_model_path, capsys):
    assert main(["inspect", str(taylor_model_path), "--features", "2"]) == 0
    out = capsys.readouterr().out
    assert "expansion: TaylorExpansion(order=3" in out
    assert "f[0](x) = -0.1667*x**3 + 1.0*x" in out
    assert "f[1](x) = -0.1667*x**3 + 1.0*x + 0.25" in out
    assert "510 more features" in out
    assert (taylor_model_path.parent / "activations.png").stat().st_size > 1000


def test_inspect_polynomial_dense(tmp_path, capsys):
    path = tmp_path / "poly.keras"
    expandable_cnn((8, 8, 1), 10, order=2, expansion="polynomial_dense").save(path)
    plot = tmp_path / "curves.png"
    assert main(["inspect", str(path), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "PolynomialDense(order=2" in out and out.count("    g[") == 3
    assert plot.is_file()


def test_inspect_baseline_has_no_learnact_layers(tmp_path, capsys):
    path = tmp_path / "base.keras"
    baseline_cnn((8, 8, 1), 10).save(path)
    assert main(["inspect", str(path)]) == 0
    assert "no learnact layers" in capsys.readouterr().out


def _error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("learnact inspect: error:") and err.count("\n") == 1
    assert "Traceback" not in err
    return err


def test_inspect_bad_files(tmp_path, capsys):
    assert "no model file" in _error(["inspect", str(tmp_path / "missing.keras")], capsys)
    (tmp_path / "model.h5").write_text("x")
    assert "not a .keras file" in _error(["inspect", str(tmp_path / "model.h5")], capsys)
    (tmp_path / "broken.keras").write_text("not a zip archive")
    assert "cannot load" in _error(["inspect", str(tmp_path / "broken.keras")], capsys)


def test_inspect_keeps_safe_mode_on(tmp_path, capsys):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    err = _error(["inspect", str(path)], capsys)
    assert "cannot load" in err and "lambda" in err.lower()


def test_reversed_x_range_is_refused_before_any_output(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "any.keras"), "--x-range", "1", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--x-range" in captured.err

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
    assert "cannot load" in _error(["inspect", str(tmp_path / "broken.keras")], capsys)
    err = _error(["inspect", str(tmp_path / "any.keras"), "--x-range", "1", "0"], capsys)
    assert "x_range" in err
    assert "digits" in _error(["inspect", str(tmp_path / "any.keras"), "--digits", "0"], capsys)

"""`learnact gradfield`: safe expressions, one-line errors, valid PNGs."""

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from learnact.cli.main import main
from learnact.plotting import parse_expression

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_expression_values_and_aliases():
    points = np.array([[0.5, 2.0], [-1.0, 3.0]])
    f = parse_expression("sin(x0*x1) + x**2 - y/2 + exp(-abs(x1)) * pi + sqrt(e) - tanh(x)")
    x, y = points.T
    want = np.sin(x * y) + x**2 - y / 2 + np.exp(-np.abs(y)) * np.pi + np.sqrt(np.e) - np.tanh(x)
    np.testing.assert_allclose(f(points), want)
    assert parse_expression("x0*x1")(np.array([2.0, 3.0])) == 6.0
    assert parse_expression("2")(points).shape == (2,)


BAD = [
    "__import__('os')",
    "x0.__class__",
    "open('/etc/passwd')",
    "lambda: 1",
    "[x for x in (1, 2)]",
    "x0[0]",
    "sin(x0, x1)",
    "sin(x=x0)",
    "z + 1",
    "x0 // 2",
    "x0 if x1 else 2",
    "'abc'",
    "x0 +",
    "",
    "x0 + " * 200 + "1",
    "(" * 60 + "x0" + ")" * 60,
    "-" * 100 + "x0",
    "1" + "0" * 309 + "*x0",  # an integer literal past float64: OverflowError in float()
    "x0**1e400",  # a float literal past float64: Python reads it as inf
]


def test_a_float_literal_past_float64_is_named_not_blamed_on_the_step(capsys, tmp_path):
    status = main(["gradfield", "-o", str(tmp_path / "never.png"), "--", "x0 * 1e400 + x1"])
    err = capsys.readouterr().err
    assert status == 2
    assert "a number too large for a float (it reads as inf) (column 6)" in err
    assert "step" not in err


@pytest.mark.parametrize("expr", BAD)
def test_invalid_expressions_give_one_line_and_exit_2(expr, capsys, tmp_path):
    out = tmp_path / "never.png"
    status = main(["gradfield", "-o", str(out), "--", expr])  # "--": EXPR may start with "-"
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("learnact gradfield: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert not out.exists()


def test_singular_point_is_reported(capsys, tmp_path):
    assert main(["gradfield", "1/x0", "-o", str(tmp_path / "a.png")]) == 2
    assert "x[" in capsys.readouterr().err


def test_bad_limits_exit_2(capsys, tmp_path):
    assert main(["gradfield", "x0", "--xlim", "2", "-2", "-o", str(tmp_path / "a.png")]) == 2
    assert "xlim" in capsys.readouterr().err


@pytest.mark.parametrize("expr", ["x0**2 + x1**2", "x0*x1", "sin(x0*x1)"])
def test_seed_functions_write_pngs(expr, tmp_path, capsys):
    out = tmp_path / "field.png"
    assert main(["gradfield", expr, "--step", "0.5", "--method", "complex", "-o", str(out)]) == 0
    width, height = png_size(out)
    assert width > 300 and height > 300
    assert str(out) in capsys.readouterr().out


@pytest.mark.slow
def test_console_script_writes_a_valid_png(tmp_path):
    script = Path(sys.executable).with_name("learnact")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "learnact.cli.main"]
    out = tmp_path / "saddle.png"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [*command, "gradfield", "x0*x1", "--xlim", "-1", "1", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    width, height = png_size(out)
    assert width > 300 and height > 300


@pytest.mark.parametrize(
    "args, message",
    [
        (["x0*x1", "--xlim", "0", "1e308"], "arrows"),
        (["x0*x1", "--step", "1e-9"], "arrows"),
        (["x0*x1", "-o", ""], "image file"),
        (["x0*x1", "-o", "."], "image file"),
        (["x0*x1", "-o", "field.txt"], ".png"),
        (["x0*x1", "-o", "missing-folder/field.png"], "does not exist"),
        (["log(-1)"], "nan at the point"),
    ],
)
def test_bad_ranges_outputs_and_values_give_one_line(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if "-o" not in args:
        args = [*args, "-o", "field.png"]
    assert main(["gradfield", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not list(tmp_path.iterdir())  # nothing written, not even a partial file


def test_constant_expression_draws_without_warnings(tmp_path, capsys, recwarn):
    out = tmp_path / "flat.png"
    assert main(["gradfield", "5", "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]

"""`learnact`: a user's input error is one line and exit 2; a bug keeps its traceback, exit 1."""

import os
import subprocess
import sys

import pytest

import learnact.cli.gradcheck
from learnact.cli.main import main
from learnact.errors import UserInputError


def _raising(error):
    def run(args):
        raise error

    return run


@pytest.mark.parametrize(
    "error",
    [
        UserInputError("`batch` must be in [1, 64]; received batch=0"),
        FileNotFoundError(2, "No such file or directory", "model.keras"),
        OSError(28, "No space left on device", "runs/demo/model.keras"),
    ],
)
def test_input_errors_are_one_line_and_exit_2(monkeypatch, capsys, error):
    monkeypatch.setattr(learnact.cli.gradcheck, "run", _raising(error))
    monkeypatch.delenv("LEARNACT_DEBUG", raising=False)
    assert main(["gradcheck"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learnact gradcheck: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "error",
    [
        ValueError("operands could not be broadcast together"),
        TypeError("unsupported operand type(s)"),
        KeyError("expansion"),
        OSError("a socket closed"),
    ],
)
def test_bugs_are_not_turned_into_one_line(monkeypatch, error):
    monkeypatch.setattr(learnact.cli.gradcheck, "run", _raising(error))
    with pytest.raises(type(error)):
        main(["gradcheck"])


BUG = """
import sys
import learnact.cli.gradcheck as command
def run(args):
    import numpy as np
    return np.ones(2) + np.ones(3)   # a programming error deep inside
command.run = run
from learnact.cli.main import main
sys.exit(main(["gradcheck"]))
"""


@pytest.mark.slow
def test_a_bug_prints_its_traceback_and_exits_1():
    env = {k: v for k, v in os.environ.items() if k != "LEARNACT_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-c", BUG], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "operands could not be broadcast together" in done.stderr
    assert "learnact gradcheck: error:" not in done.stderr


@pytest.mark.parametrize(
    "argv, prog",
    [
        (["--nope"], "learnact"),
        (["nosuch"], "learnact"),
        (["gradcheck", "--seed", "x"], "learnact gradcheck"),
        (["bench", "--suite"], "learnact bench"),
        (["gradfield", "x0", "--step"], "learnact gradfield"),
        (["train", "--epochs", "x"], "learnact train"),
        (["compare", "--seeds", "x"], "learnact compare"),
        (["inspect"], "learnact inspect"),
    ],
)
def test_every_argument_error_is_one_line_without_the_usage(capsys, argv, prog):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{prog}: error: ")
    assert err.rstrip().endswith(f"(see {prog} --help)") and "usage:" not in err

"""`learnact train`: outputs, one-line errors, SIGKILL then --resume."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from learnact._files import read_history
from learnact.cli.main import main
from learnact.training import RunConfig
from learnact.training.callbacks import backup_epoch

METRIC_KEYS = {"test_accuracy", "test_loss", "epochs", "seconds", "parameters"}


def _env(**extra):
    env = dict(os.environ, KERAS_BACKEND="jax", MPLBACKEND="Agg", **extra)
    env.pop("LEARNACT_DEBUG", None)
    return env


@pytest.mark.slow
def test_train_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    for name in ("model.keras", "history.csv", "metrics.json", "curves.png", "config.json"):
        assert (out / name).is_file(), name
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [0, 1]
    metrics = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics) and metrics["epochs"] == 2
    assert 0.5 < metrics["test_accuracy"] <= 1.0 and metrics["parameters"] > 100_000
    assert not [f for f in os.listdir(out) if f.startswith(".tmp-")]
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and str(out) in printed


@pytest.fixture
def config_of_another_run(tmp_path):
    out = tmp_path / "other"
    out.mkdir()
    (out / "config.json").write_text(json.dumps(RunConfig(seed=7).validated().to_dict()))
    return out


BAD_INPUT = {
    "unknown model": (["--model", "resnet"], "model"),
    "unknown dataset": (["--dataset", "imagenet"], "dataset"),
    "unknown expansion": (["--expansion", "fourier"], "expansion"),
    "order too low": (["--order", "0"], "order"),
    "order too high": (["--order", "17"], "order"),
    "order not a number": (["--order", "three"], "--order"),
    "missing data dir": (["--data-dir", "no/such/dir"], "data_dir"),
    "bad epochs": (["--epochs", "0"], "epochs"),
}


def _status(argv):
    """Run the CLI in-process; argparse's own errors exit through SystemExit."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


@pytest.mark.parametrize("args, needle", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_on_stderr(tmp_path, monkeypatch, capsys, args, needle):
    monkeypatch.chdir(tmp_path)
    assert _status(["train", "--out", "run", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learnact train: error:") and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def _error_line(argv, capsys):
    assert _status(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("learnact train: error:") and err.count("\n") == 1
    return err


def test_out_that_is_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert "is a file" in _error_line(["train", "--out", str(tmp_path / "file")], capsys)


def test_resume_with_another_configuration(config_of_another_run, capsys):
    err = _error_line(["train", "--out", str(config_of_another_run), "--resume"], capsys)
    assert "different configuration" in err and "seed 7 -> 0" in err


def test_data_parallel_needs_jax(tmp_path, monkeypatch, capsys):
    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    err = _error_line(["train", "--out", str(tmp_path / "r"), "--data-parallel"], capsys)
    assert "JAX backend" in err


@pytest.mark.slow
def test_sigkill_then_resume_keeps_each_epoch_once(tmp_path):
    out = tmp_path / "run"
    # Batches of 2 make an epoch last ~1 s, so the kill lands inside epoch 1 or 2.
    argv = ["train", "--epochs", "3", "--batch-size", "2", "--quiet", "--out", str(out)]
    cmd = [sys.executable, "-c", "import sys; from learnact.cli import main; sys.exit(main())"]
    cmd += argv
    process = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    history = out / "history.csv"
    deadline = time.monotonic() + 240
    # Kill once epoch 0 is backed up, i.e. while epoch 1 runs. (A kill between
    # the CSV row and the backup of epoch 0 restarts from scratch, also fine.)
    while time.monotonic() < deadline and process.poll() is None:
        if backup_epoch(out / "backup") >= 1:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (out / "metrics.json").exists()

    resumed = subprocess.run(
        [*cmd, "--resume"], env=_env(), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and "after epoch" in resumed.stdout
    assert [row["epoch"] for row in read_history(history)] == [0, 1, 2]
    metrics = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics) and metrics["epochs"] == 3
    assert metrics["test_accuracy"] > 0.8

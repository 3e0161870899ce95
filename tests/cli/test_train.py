"""`learnact train`: outputs, one-line errors, SIGKILL then --resume."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from learnact._files import read_history
from learnact.cli.main import main
from learnact.training import RunConfig
from learnact.training.callbacks import backup_epoch
from tests.conftest import fill_disk

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
    "batch larger than the training set": (["--batch-size", "100000"], "batch_size=100000"),
    # Given, but not an option of the model: refused, not silently dropped.
    "order of a baseline": (
        ["--model", "baseline-cnn", "--order", "5"],
        "model 'baseline-cnn' takes no options; received order=5",
    ),
    "grid size of an expandable cnn": (
        ["--model", "expandable-cnn", "--grid-size", "7"],
        "takes order, expansion; received grid_size=7",
    ),
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

    # A new process resumes, as after a crash (the other tests resume in-process).
    resumed = subprocess.run(
        [*cmd, "--resume"], env=_env(), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and "after epoch" in resumed.stdout
    assert [row["epoch"] for row in read_history(history)] == [0, 1, 2]
    metrics = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics) and metrics["epochs"] == 3
    assert metrics["test_accuracy"] > 0.8


# `learnact train` on the first 300 digits (and 100 test images): with batches of 1, an
# epoch lasts a second or a few on every backend, so that a test can interrupt one.
SMALL_TRAIN_SIZES = (300, 100)
SMALL_TRAIN = f"""
import sys
import learnact.training.run as run
load = run.load_dataset
def small(*args, **kwargs):
    (x, y), (xt, yt) = load(*args, **kwargs)
    n, m = {SMALL_TRAIN_SIZES}
    return (x[:n], y[:n]), (xt[:m], yt[:m])
run.load_dataset = small
from learnact.cli import main
sys.exit(main())
"""


def _small_train_argv(out, *args):
    return ["train", "--batch-size", "1", "--quiet", "--out", str(out), *args]


def _train_process(out, *args, backend=None):
    """The command and environment of a small `learnact train` run (session's backend)."""
    cmd = [sys.executable, "-c", SMALL_TRAIN, *_small_train_argv(out, *args)]
    env = _env()
    env["KERAS_BACKEND"] = backend or os.environ.get("KERAS_BACKEND", "jax")
    return cmd, env


def _train_here(out, *args, monkeypatch, capsys):
    """The run of :func:`_train_process`, in this process: ``(exit code, stdout)``.

    For the runs before and after the one a test interrupts or starves: they
    only read and write the run folder, which a new process would find the
    same, and this process has already imported and compiled what a new one
    would spend seconds on.
    """
    import learnact.training.run as run

    load = run.load_dataset

    def small(*a, **k):
        (x, y), (xt, yt) = load(*a, **k)
        n, m = SMALL_TRAIN_SIZES
        return (x[:n], y[:n]), (xt[:m], yt[:m])

    monkeypatch.setattr(run, "load_dataset", small)
    capsys.readouterr()
    code = main(_small_train_argv(out, *args))
    return code, capsys.readouterr().out


# Seconds after epoch 0 is backed up (epoch 1 starting) at which Ctrl-C is sent: at the
# epoch boundary and inside the epoch. (An earlier 0.3 s case ran the same path as
# 0.9 s, mid-epoch, for 25-30 s of a suite at its 15-minute budget.)
SIGINT_DELAYS = (0.0, 0.9)


@pytest.mark.slow
@pytest.mark.parametrize("delay", SIGINT_DELAYS)
def test_sigint_mid_epoch_stops_with_130_and_resumes(tmp_path, delay, monkeypatch, capsys):
    out = tmp_path / "run"
    cmd, env = _train_process(out, "--epochs", "30")
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if backup_epoch(out / "backup") >= 1:
            break
        time.sleep(0.01)
    time.sleep(delay)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    stdout, stderr = stdout.decode(), stderr.decode()
    assert process.returncode == 130, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == "learnact train: interrupted"
    assert "Traceback" not in stderr
    done = backup_epoch(out / "backup")
    assert 1 <= done < 30  # stopped long before the 30 epochs were over
    assert f"interrupted: checkpoint after epoch {done}" in stdout
    assert [row["epoch"] for row in read_history(out / "history.csv")] == list(range(done))
    assert not (out / "metrics.json").exists()

    code, printed = _train_here(
        out, "--epochs", str(done + 1), "--resume", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0
    assert f"resuming {out} after epoch {done}" in printed
    assert [row["epoch"] for row in read_history(out / "history.csv")] == list(range(done + 1))


# TensorFlow's start-up notes (keras.utils.set_random_seed imports TensorFlow when it
# is installed, whatever the backend): not learnact's output.
TF_NOTES = re.compile(r"^(WARNING: All log messages before absl|I\d{4} |To enable the following)")


def _learnact_stderr(text):
    return [line for line in text.strip().splitlines() if not TF_NOTES.match(line)]


def _assert_one_line_no_space(result):
    assert result.returncode == 2, result.stderr[-3000:]
    lines = _learnact_stderr(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("learnact train: error:"), result.stderr
    assert "no space left" in lines[0] and "resume" in lines[0]


@pytest.mark.slow
def test_full_disk_is_one_line_keeps_the_checkpoint_and_resumes(small_disk, monkeypatch, capsys):
    out = small_disk / "run"
    first, _ = _train_here(
        out, "--batch-size", "32", "--epochs", "1", monkeypatch=monkeypatch, capsys=capsys
    )
    assert first == 0
    backup = (out / "backup" / "epoch-00001.weights.h5").read_bytes()

    filler = fill_disk(small_disk)
    cmd, env = _train_process(out, "--batch-size", "32", "--epochs", "2", "--resume")
    full = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    _assert_one_line_no_space(full)
    assert "checkpoint after epoch 1" in full.stderr
    assert backup_epoch(out / "backup") == 1
    assert (out / "backup" / "epoch-00001.weights.h5").read_bytes() == backup

    filler.unlink()
    resumed, _ = _train_here(
        out,
        "--batch-size",
        "32",
        "--epochs",
        "2",
        "--resume",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert resumed == 0
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [0, 1]
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 2


@pytest.mark.slow
def test_a_disk_too_small_for_the_first_checkpoint_is_one_line(small_disk):
    # The report: --out on a 1 MiB disk printed h5py tracebacks and segfaulted (exit 139).
    fill_disk(small_disk, keep_free=1024 * 1024)
    cmd, env = _train_process(small_disk / "run", "--batch-size", "32", "--epochs", "1")
    full = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    _assert_one_line_no_space(full)


def test_model_takes_the_specs_compare_takes(monkeypatch, tmp_path):
    received = []

    def fake_train_run(config, out, **kwargs):
        received.append(config)
        return {
            "model": config.label,
            "dataset": config.dataset,
            "test_accuracy": 1.0,
            "test_loss": 0.0,
            "epochs": 1,
            "seconds": 0.0,
            "parameters": 1,
        }

    monkeypatch.setattr("learnact.training.train_run", fake_train_run)
    base = ["train", "--quiet", "--out", str(tmp_path / "run")]
    assert main([*base, "--model", "expandable-cnn:5:rational"]) == 0
    assert main([*base, "--order", "5", "--expansion", "rational"]) == 0  # the flags still work
    assert main([*base, "--model", "expandable-cnn:5", "--expansion", "rational"]) == 0
    assert main([*base, "--model", "kan:7"]) == 0
    labels = [config.label for config in received]
    assert labels == ["expandable-cnn:5:rational"] * 3 + ["kan:7"]
    assert received[0] == received[1] == received[2]


def test_a_spec_and_a_flag_that_disagree_are_one_line(tmp_path, capsys):
    argv = ["train", "--out", str(tmp_path / "r"), "--model", "expandable-cnn:5:rational"]
    err = _error_line([*argv, "--order", "3"], capsys)
    assert "model spec 'expandable-cnn:5:rational' sets order=5; received order=3" in err
    assert not (tmp_path / "r").exists()

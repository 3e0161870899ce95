"""train_run and compare as Python functions: a NaN stop, data parallelism, a comparison."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from learnact._files import read_history
from learnact.datasets import load_dataset
from learnact.training import RunConfig, RunError, compare, summarize, train_run
from learnact.training.callbacks import backup_epoch
from learnact.training.comparison import markdown_table


def _env(**extra):
    env = dict(os.environ, KERAS_BACKEND="jax", MPLBACKEND="Agg", **extra)
    env.pop("LEARNACT_DEBUG", None)
    return env


def _small_digits(n_train=400):
    (x, y), (xt, yt) = load_dataset("digits")
    return (x[:n_train], y[:n_train]), (xt, yt)


@pytest.mark.slow
def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    data = _small_digits()
    config = RunConfig(epochs=1, validation_split=0.0)
    train_run(config, out, verbose=0, data=data, log=lambda *_: None)
    saved = json.loads((out / "metrics.json").read_text())

    (x, y), test = data
    poisoned = ((np.full_like(x, np.nan), y), test)
    longer = RunConfig(epochs=3, validation_split=0.0)
    with pytest.raises(RunError, match=r"loss became nan at epoch 1.*checkpoint after epoch 1"):
        train_run(longer, out, resume=True, verbose=0, data=poisoned, log=lambda *_: None)

    assert backup_epoch(out / "backup") == 1
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [0]
    assert json.loads((out / "metrics.json").read_text()) == saved
    # The kept checkpoint is good: resuming on clean data finishes the run.
    metrics = train_run(longer, out, resume=True, verbose=0, data=data, log=lambda *_: None)
    assert metrics["epochs"] == 3 and np.isfinite(metrics["test_loss"])
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [0, 1, 2]


def test_summary_and_markdown():
    runs = [
        {"test_accuracy": a, "test_loss": 0.1, "seconds_per_epoch": 0.2, "parameters": 10}
        for a in (0.9, 0.95, 1.0)
    ]
    (row,) = summarize({"m": runs})
    assert row["test_accuracy"]["mean"] == pytest.approx(0.95)
    assert row["test_accuracy"]["std"] == pytest.approx(0.05)
    assert "| m | 0.9500 ± 0.0500 | 0.9000-1.0000 |" in markdown_table([row], "digits", 5)


def test_one_seed_has_no_spread_rather_than_a_zero_one():
    runs = [{"test_accuracy": 0.9, "test_loss": 0.1, "seconds_per_epoch": 0.2, "parameters": 10}]
    (row,) = summarize({"m": runs})
    assert row["test_accuracy"]["std"] is None and row["test_loss"]["std"] is None
    assert "| m | 0.9000 ± n/a | 0.9000-0.9000 |" in markdown_table([row], "digits", 5)


@pytest.mark.slow
def test_compare_writes_table_json_and_plot(tmp_path, monkeypatch):
    import learnact.datasets

    load = learnact.datasets.load_dataset

    def small(*args, **kwargs):  # what is tested is the comparison, not the accuracy
        (x, y), (x_test, y_test) = load(*args, **kwargs)
        return (x[:240], y[:240]), (x_test[:120], y_test[:120])

    monkeypatch.setattr(learnact.datasets, "load_dataset", small)
    out = tmp_path / "cmp"
    lines = []
    comparison = compare(
        "baseline-cnn,expandable-cnn:2", seeds=2, epochs=1, out=out, progress=lines.append
    )
    assert len(lines) == 4 and lines[-1].startswith("[4/4] expandable-cnn:2 seed 1:")
    report = json.loads((out / "comparison.json").read_text())
    assert report == json.loads(json.dumps(comparison.to_dict()))
    assert report["seeds"] == [0, 1] and report["epochs"] == 1
    assert [row["model"] for row in report["models"]] == ["baseline-cnn", "expandable-cnn:2"]
    for row in report["models"]:
        assert len(row["test_accuracy"]["values"]) == 2 and row["parameters"] > 0
        assert row["seconds_per_epoch"] is None  # one epoch: it compiles, no steady state
    table = (out / "comparison.md").read_text()
    assert "| n/a |" in table and "one epoch only" in table
    assert table == comparison.table
    assert "| baseline-cnn |" in table and "| expandable-cnn:2 |" in table
    assert (out / "comparison.png").stat().st_size > 1000
    assert (out / "runs" / "expandable-cnn-2" / "seed-1" / "metrics.json").is_file()


# In float64, so that the comparison can be tight: splitting a batch over two devices
# changes the order of the gradient sums, and in float32 that rounding difference
# (1e-7) grows through training to about 2e-4 of the loss by the second epoch.
DATA_PARALLEL_SCRIPT = """
import json, sys
import jax
jax.config.update("jax_enable_x64", True)
import keras
keras.config.set_floatx("float64")
from learnact.datasets import load_dataset
from learnact.training import RunConfig, train_run
from learnact._files import read_history
import jax

(x, y), (x_test, y_test) = load_dataset("digits")
# 360 = 324 fitting + 36 validation examples: every batch (32, the last one 4) splits
# over 2 devices without dropping anything, so both runs see exactly the same data.
data = ((x[:360], y[:360]), (x_test[:120], y_test[:120]))
result = {"devices": jax.device_count()}
for name, parallel in (("single", False), ("parallel", True)):
    config = RunConfig(epochs=2, data_parallel=parallel)
    out = sys.argv[1] + "/" + name
    metrics = train_run(config, out, verbose=0, data=data, log=lambda *a: None)
    result[name] = {"metrics": metrics, "history": read_history(out + "/history.csv")}
print(json.dumps(result))
"""


@pytest.mark.slow
def test_data_parallel_on_two_cpu_devices_matches_one_device(tmp_path):
    env = _env(XLA_FLAGS="--xla_force_host_platform_device_count=2")
    done = subprocess.run(
        [sys.executable, "-c", DATA_PARALLEL_SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["devices"] == 2
    single, parallel = result["single"], result["parallel"]
    for a, b in zip(single["history"], parallel["history"], strict=True):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-12), key
    for key in ("test_loss", "test_accuracy"):
        assert parallel["metrics"][key] == pytest.approx(single["metrics"][key], rel=1e-9)

"""Seconds per epoch leave out the compiling first epoch, as docs/training.md says (issue 14)."""

import numpy as np
import pytest

from learnact._files import read_history
from learnact.training import RunConfig, summarize, train_run
from learnact.training.comparison import markdown_table
from learnact.training.run import steady_seconds_per_epoch


def _tiny_data(n_train=40, n_test=10):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (n_train + n_test, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 10, n_train + n_test).astype("int32")
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def _run(out, epochs, resume=False):
    config = RunConfig(model="baseline-cnn", epochs=epochs, batch_size=8, validation_split=0.0)
    return train_run(config, out, resume=resume, verbose=0, data=_tiny_data(), log=lambda *_: 0)


def test_one_epoch_has_no_steady_state_figure(tmp_path):
    metrics = _run(tmp_path / "run", epochs=1)
    assert metrics["seconds_per_epoch"] is None
    (row,) = read_history(tmp_path / "run" / "history.csv")
    assert metrics["seconds"] == pytest.approx(row["epoch_seconds"])  # the total still counts it


def test_the_first_epoch_of_each_process_is_left_out(tmp_path):
    out = tmp_path / "run"
    metrics = _run(out, epochs=2)
    seconds = {row["epoch"]: row["epoch_seconds"] for row in read_history(out / "history.csv")}
    assert metrics["seconds_per_epoch"] == pytest.approx(seconds[1])
    # Resumed: epoch 2 compiles again in the new process; epochs 1 and 3 are steady.
    metrics = _run(out, epochs=4, resume=True)
    seconds = {row["epoch"]: row["epoch_seconds"] for row in read_history(out / "history.csv")}
    assert metrics["seconds_per_epoch"] == pytest.approx((seconds[1] + seconds[3]) / 2)


def test_steady_seconds_skip_rows_without_a_time():
    rows = [{"epoch": 0, "epoch_seconds": 5.0}, {"epoch": 1, "epoch_seconds": "?"}]
    assert steady_seconds_per_epoch(rows, {0}) is None
    assert steady_seconds_per_epoch(rows, set()) == 5.0


def test_a_one_epoch_table_says_there_is_no_steady_state_figure():
    run = {"test_accuracy": 0.9, "test_loss": 0.3, "seconds_per_epoch": None, "parameters": 10}
    (row,) = summarize({"m": [run, run]})
    assert row["seconds_per_epoch"] is None
    table = markdown_table([row], "digits", 1)
    assert "| m | 0.9000 ± 0.0000 | 0.9000-0.9000 | 0.3000 | n/a | 10 |" in table
    assert "without the first epoch, which compiles" in table and "one epoch only" in table
    assert "one epoch only" not in markdown_table([row], "digits", 3)


def test_a_one_epoch_comparison_plots_without_a_speed_bar():
    from learnact.plotting import plot_comparison

    row = {"model": "m", "parameters": 10, "seconds_per_epoch": None, "seeds": 1}
    row["test_accuracy"] = {"values": [0.9], "mean": 0.9, "std": 0.0}
    assert len(plot_comparison([row], "digits, 1 epoch").axes) == 2

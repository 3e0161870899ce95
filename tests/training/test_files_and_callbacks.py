"""Crash safety of a run's files: atomic writes, history reconciliation, backups."""

import json
import os

import keras
import numpy as np
import pytest

import learnact.training.folder as folder_module
from learnact._files import atomic_path, atomic_write_json, read_history
from learnact.training import AtomicBackupAndRestore, RunConfig, RunError
from learnact.training.callbacks import backup_epoch
from learnact.training.config import check_resume
from learnact.training.folder import RunFolder, truncate_history
from learnact.training.run import evaluate, split_validation

HEADER = "epoch,accuracy,loss\r\n"


def _row(epoch):
    return f"{epoch},0.{epoch}5,1.{epoch}\r\n"


def test_truncate_history_drops_epochs_beyond_the_checkpoint_and_a_cut_line(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + _row(0) + _row(1) + _row(2) + "3,0.3", newline="")
    assert truncate_history(path, 2) == 2
    assert [r["epoch"] for r in read_history(path)] == [0, 1]
    with open(path, newline="") as f:
        assert f.read().startswith(HEADER)  # CSVLogger's header and line endings kept


def test_truncate_history_keeps_each_epoch_once(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + _row(0) + _row(1) + _row(1) + _row(2), newline="")
    truncate_history(path, 3)
    assert [r["epoch"] for r in read_history(path)] == [0, 1, 2]


def test_truncate_history_to_nothing_removes_the_file(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + _row(0), newline="")
    assert truncate_history(path, 0) == 0
    assert not path.exists()
    assert truncate_history(tmp_path / "missing.csv", 3) == 0


def test_atomic_path_leaves_the_old_file_when_the_writer_fails(tmp_path):
    path = tmp_path / "metrics.json"
    atomic_write_json(path, {"a": 1})
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            f.write('{"a": ')  # half a file, then the "crash"
        raise RuntimeError("killed")
    assert json.loads(path.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["metrics.json"]


def _tiny_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def test_backup_survives_a_kill_during_the_checkpoint_write(tmp_path):
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    model = _tiny_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[AtomicBackupAndRestore(tmp_path)])
    assert backup_epoch(tmp_path) == 1
    good = [w.copy() for w in model.get_weights()]

    def dies_halfway(self, path):
        with open(path, "wb") as f:
            f.write(b"\x89HDF\r\n")  # a truncated HDF5 file
        raise KeyboardInterrupt  # stands for SIGKILL: nothing after this runs

    with pytest.MonkeyPatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(AtomicBackupAndRestore, "_write_weights", dies_halfway)
        model.fit(x, y, epochs=2, verbose=0, callbacks=[AtomicBackupAndRestore(tmp_path)])

    assert backup_epoch(tmp_path) == 1
    restored = _tiny_model()
    callback = AtomicBackupAndRestore(tmp_path)
    callback.set_model(restored)
    callback.on_train_begin()
    assert restored._initial_epoch == 1
    for a, b in zip(restored.get_weights(), good, strict=True):
        np.testing.assert_array_equal(a, b)


def test_check_resume_names_the_changed_options():
    stored = RunConfig(seed=1).validated().to_dict()
    check_resume(RunConfig(seed=1, epochs=9, learning_rate=1e-4).validated(), stored)
    with pytest.raises(RunError, match="seed 1 -> 0"):
        check_resume(RunConfig(seed=0).validated(), stored)


def test_split_validation_is_seeded_and_divisible():
    x, y = np.arange(101.0), np.arange(101)
    (xf, _), (xv, _) = split_validation(x, y, 0.1, seed=0, multiple=4)
    assert len(xv) % 4 == 0 and len(xf) % 4 == 0 and len(xf) + len(xv) >= 101 - 3
    assert not set(xf) & set(xv)
    (xf2, _), (xv2, _) = split_validation(x, y, 0.1, seed=0, multiple=4)
    np.testing.assert_array_equal(xv, xv2)
    (xf3, _), none = split_validation(x, y, 0.0, seed=0)
    assert none is None and len(xf3) == 101


def test_evaluate_pads_for_devices_and_counts_each_example_once():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(7, 2)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    loss, accuracy = evaluate(model, x, y, batch_size=4, multiple=2)
    keras_loss, keras_accuracy = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(keras_loss, rel=1e-5)
    assert accuracy == pytest.approx(keras_accuracy)


@pytest.mark.parametrize(
    ("done", "epochs", "expected"),
    [
        (3, 5, "resuming {out} after epoch 3 of 5"),
        (3, 3, "{out} already finished 3 epoch(s) (asked for 3): nothing left to train"),
        (20, 4, "{out} already finished 20 epoch(s) (asked for 4): nothing left to train"),
    ],
)
def test_resuming_a_finished_run_says_nothing_is_left_to_train(
    tmp_path, monkeypatch, done, epochs, expected
):
    """``--resume --epochs 4`` on a 20-epoch run: no "after epoch 20 of 4"."""
    monkeypatch.setattr(folder_module, "backup_epoch", lambda backup_dir: done)
    config = RunConfig(epochs=epochs)
    lines = []
    folder = RunFolder(tmp_path)
    assert folder.start(config, True, config.to_dict(), lines.append) == done
    assert len(lines) == 1 and lines[0].startswith(expected.format(out=folder.out))

"""Ctrl-C during train_run stops at the next batch; the NaN guard still stops on its batch."""

import os
import signal

import keras
import numpy as np
import pytest

from learnact._files import read_history
from learnact.datasets import load_dataset
from learnact.training import RunConfig, RunError, train_run
from learnact.training.callbacks import backup_epoch
from learnact.training.interrupt import StopOnInterrupt, deferred_interrupts


def _small_digits(n_train=200):
    (x, y), (xt, yt) = load_dataset("digits")
    return (x[:n_train], y[:n_train]), (xt[:50], yt[:50])


class _AtBatch(keras.callbacks.Callback):
    """Run ``action(model)`` once, at the end of batch ``batch`` of epoch ``epoch``."""

    def __init__(self, epoch, batch, action):
        super().__init__()
        self.at, self.action, self.epoch = (epoch, batch), action, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            self.action(self.model)


def _sigint(model):
    os.kill(os.getpid(), signal.SIGINT)


def test_sigint_inside_the_block_is_raised_at_the_next_check():
    with pytest.raises(KeyboardInterrupt), deferred_interrupts() as flag:
        os.kill(os.getpid(), signal.SIGINT)
        assert flag.set  # recorded, not raised: Keras's bare `except` cannot swallow it
        StopOnInterrupt(flag).on_train_batch_end(0)
        pytest.fail("StopOnInterrupt did not raise")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.slow
def test_sigint_mid_epoch_stops_keeps_the_finished_epoch_and_resumes(tmp_path):
    out, data = tmp_path / "run", _small_digits()
    config = RunConfig(epochs=3, batch_size=8, validation_split=0.0)
    lines = []
    with pytest.raises(KeyboardInterrupt):
        train_run(
            config, out, verbose=0, data=data, log=lines.append, callbacks=[_AtBatch(1, 3, _sigint)]
        )
    assert backup_epoch(out / "backup") == 1
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [0]
    assert not (out / "metrics.json").exists()
    assert lines[-1].startswith("interrupted: checkpoint after epoch 1")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    metrics = train_run(config, out, resume=True, verbose=0, data=data, log=lines.append)
    assert metrics["epochs"] == 3
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [0, 1, 2]


@pytest.mark.slow
def test_nan_guard_stops_on_the_batch_where_the_loss_becomes_nan(tmp_path):
    def poison(model):  # the output layer's bias: the next batch's loss is NaN
        weight = model.trainable_weights[-1]
        weight.assign(np.full(weight.shape, np.nan, dtype=weight.dtype))

    config = RunConfig(epochs=3, batch_size=8, validation_split=0.0)
    with pytest.raises(RunError, match=r"loss became nan at epoch 1, batch 5:.*after epoch 1"):
        train_run(
            config,
            tmp_path / "run",
            verbose=0,
            data=_small_digits(),
            log=lambda *_: None,
            callbacks=[_AtBatch(1, 4, poison)],
        )
    assert backup_epoch(tmp_path / "run" / "backup") == 1

"""A batch larger than the training set is refused before any work (issue 14 item 9)."""

import numpy as np
import pytest

from learnact.errors import UserInputError
from learnact.training import RunConfig, train_run
from learnact.training.run import check_batch_size


def _tiny_data(n_train=40, n_test=10):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (n_train + n_test, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 10, n_train + n_test).astype("int32")
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def test_a_batch_larger_than_the_training_set_is_refused_naming_both(tmp_path):
    out = tmp_path / "run"
    # 40 examples, 10 of them held out for validation: 30 to fit on.
    config = RunConfig(model="baseline-cnn", epochs=1, batch_size=31, validation_split=0.25)
    with pytest.raises(UserInputError, match=r"`batch_size`.*\(30 examples.*batch_size=31"):
        train_run(config, out, verbose=0, data=_tiny_data(), log=lambda *_: None)
    written = set(p.name for p in out.iterdir()) if out.exists() else set()
    assert not written & {"config.json", "history.csv", "backup", "model.keras", "metrics.json"}


def test_a_batch_equal_to_the_training_set_trains(tmp_path):
    config = RunConfig(model="baseline-cnn", epochs=1, batch_size=30, validation_split=0.25)
    metrics = train_run(config, tmp_path / "run", verbose=0, data=_tiny_data(), log=lambda *_: None)
    assert metrics["epochs"] == 1


@pytest.mark.parametrize("batch_size, size", [(1, 1), (16, 1000), (1000, 1000)])
def test_batches_that_fit_are_accepted(batch_size, size):
    check_batch_size(batch_size, size)

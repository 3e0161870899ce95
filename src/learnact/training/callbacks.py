"""Keras callbacks of ``learnact train``: crash-safe backups, NaN stop, epoch timing."""

from __future__ import annotations

import contextlib
import math
import os
import time

import keras

from learnact._files import atomic_path, atomic_write_json, read_json
from learnact._keras_private import BACKUP_AND_RESTORE_EPOCH, set_initial_epoch, weights_bytes

_METADATA = "training_metadata.json"


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss; ``epoch``/``batch`` say where."""

    def __init__(self, message: str, epoch: int, batch: int | None, value: float):
        super().__init__(message)
        self.epoch, self.batch, self.value = epoch, batch, value


class StopOnNonFiniteLoss(keras.callbacks.TerminateOnNaN):
    """``TerminateOnNaN`` that raises :class:`NonFiniteLossError` before anything is saved.

    Keras's graceful stop still ends the epoch, so ``BackupAndRestore`` would
    back up the NaN weights over the last good ones and ``CSVLogger`` would
    log a NaN row. Raising at the end of the offending batch (``raise_error``
    semantics) skips both; checking ``loss``/``val_loss`` again at the end of
    the epoch, before the other callbacks, catches a non-finite validation
    loss. Put it before the checkpoint callbacks.
    """

    def __init__(self):
        super().__init__(raise_error=True)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        self._check(logs, batch, ("loss",))

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, None, ("loss", "val_loss"))

    def _check(self, logs, batch, keys):
        for key in keys:
            value = (logs or {}).get(key)
            if value is not None and not math.isfinite(float(value)):
                where = f"epoch {self._epoch}" + ("" if batch is None else f", batch {batch}")
                raise NonFiniteLossError(
                    f"{key} became {float(value)} at {where}", self._epoch, batch, float(value)
                )


class EpochTimer(keras.callbacks.Callback):
    """Add ``epoch_seconds`` (wall time of the epoch, validation included) to the epoch logs.

    Callbacks after it (``CSVLogger``) record the value, so the time of every
    epoch survives a resume in ``history.csv``.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start


def _read_metadata(backup_dir):
    """Return the backup metadata JSON in ``backup_dir``, or None if there is none."""
    return read_json(os.path.join(backup_dir, _METADATA))


def backup_epoch(backup_dir) -> int:
    """Return the number of finished epochs saved in ``backup_dir`` (0 if there is none)."""
    metadata = _read_metadata(backup_dir)
    if not metadata:
        return 0
    return int(metadata.get("epoch", 0))


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` whose backup cannot be corrupted by a kill during a write.

    Keras's version overwrites ``latest.weights.h5`` in place and then the
    JSON holding the epoch; SIGKILL inside ``save_weights`` leaves a truncated
    HDF5 file, and a kill between the two writes pairs weights of one epoch
    with the epoch number of another. Here each epoch's weights (model and
    optimizer state) go to a new file ``epoch-NNNNN.weights.h5``, then the
    metadata naming that file replaces the old one atomically: that rename is
    the single commit point. Older weight files are removed afterwards.

    The backup is kept after training (``delete_checkpoint=False``) so that a
    finished run can be extended with more epochs by resuming it.

    Keras calls the two methods overridden here, ``_load_model`` and
    ``_save_model``, from its public callbacks; they are private names, listed
    in :data:`learnact._keras_private.BACKUP_AND_RESTORE_HOOKS` and checked
    against the installed Keras by the tests.

    Args:
        backup_dir: folder of the backup, used by nothing else.
    """

    def __init__(self, backup_dir):
        super().__init__(os.fspath(backup_dir), save_freq="epoch", delete_checkpoint=False)

    def on_train_begin(self, logs=None):
        self._load_model()

    def _load_model(self):
        metadata = _read_metadata(self.backup_dir)
        if not metadata:
            return
        weights = os.path.join(self.backup_dir, metadata["weights"])
        if self.model.optimizer is not None and not self.model.optimizer.built:
            # Optimizer variables must exist before their saved values can load.
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(weights)
        set_initial_epoch(self.model, metadata["epoch"])

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        epoch = getattr(self, BACKUP_AND_RESTORE_EPOCH)
        name = f"epoch-{epoch:05d}.weights.h5"
        final = os.path.join(self.backup_dir, name)
        # Built in memory, written by Python: on a full disk the write fails
        # cleanly, where h5py writing the file itself would crash at exit.
        data = weights_bytes(self.model)
        with atomic_path(final, suffix=".weights.h5") as tmp, open(tmp, "wb") as f:
            f.write(data)
        atomic_write_json(
            os.path.join(self.backup_dir, _METADATA),
            {"epoch": epoch, "batch": 0, "weights": name},
        )
        for entry in os.listdir(self.backup_dir):
            if entry.endswith(".weights.h5") and entry != name:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(self.backup_dir, entry))


def describe_backup(backup_dir) -> str:
    """Return a short human description of the backup in ``backup_dir``."""
    metadata = _read_metadata(backup_dir)
    if not metadata:
        return f"no checkpoint in {backup_dir}"
    return f"checkpoint after epoch {metadata['epoch']} in {backup_dir}"


__all__ = [
    "AtomicBackupAndRestore",
    "EpochTimer",
    "NonFiniteLossError",
    "StopOnNonFiniteLoss",
    "backup_epoch",
    "describe_backup",
]

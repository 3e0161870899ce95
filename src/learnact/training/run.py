"""One training run: load the data, build the model, fit it resumably, evaluate, write.

The configuration and its checks are in :mod:`learnact.training.config`, the
run folder's life cycle in :mod:`learnact.training.folder` and the
data-parallel setup in :mod:`learnact.training.parallel`; this module is the
fit itself.
"""

from __future__ import annotations

import contextlib
import os
import statistics

from learnact._files import read_history
from learnact.datasets import dataset_info, load_dataset
from learnact.errors import UserInputError
from learnact.training.callbacks import (
    AtomicBackupAndRestore,
    EpochTimer,
    NonFiniteLossError,
    StopOnNonFiniteLoss,
    backup_epoch,
    describe_backup,
)
from learnact.training.config import RunConfig, RunError
from learnact.training.folder import RunFolder
from learnact.training.interrupt import StopOnInterrupt, deferred_interrupts
from learnact.training.parallel import data_parallel


def build_model(config: RunConfig, input_shape, num_classes):
    """Return the (uncompiled) model ``config`` describes."""
    return config.model_spec().build(input_shape, num_classes)


def steady_seconds_per_epoch(history: list[dict], compiling_epochs) -> float | None:
    """Return the median ``epoch_seconds`` of ``history`` without the compiling epochs.

    The first epoch a process runs includes the compilation of the train and
    test steps (seconds, against a fraction of a second for the epochs after
    it), so it is left out of the speed figure. ``compiling_epochs`` holds
    epoch 0 and the first epoch of this process (after a resume); the first
    epochs of earlier resumed processes are not known and stay in the median.

    Args:
        history: rows of ``history.csv`` (:func:`learnact._files.read_history`).
        compiling_epochs: the epoch numbers to leave out.

    Returns:
        The median in seconds, or None when no epoch is left (a one-epoch run
        has no steady-state figure).

    Example:
        >>> rows = [{"epoch": 0, "epoch_seconds": 9.0}, {"epoch": 1, "epoch_seconds": 0.5},
        ...         {"epoch": 2, "epoch_seconds": 0.7}]
        >>> steady_seconds_per_epoch(rows, {0}), steady_seconds_per_epoch(rows[:1], {0})
        (0.6, None)
    """
    seconds = [
        row["epoch_seconds"]
        for row in history
        if isinstance(row.get("epoch_seconds"), float) and row.get("epoch") not in compiling_epochs
    ]
    return float(statistics.median(seconds)) if seconds else None


def check_batch_size(batch_size: int, train_size: int) -> None:
    """Refuse a batch larger than the training set it is cut from.

    Keras would silently train on one short batch per epoch: the
    ``batch_size`` the user asked for never happens, so the learning rate and
    the epoch count mean something else than intended. Refused rather than
    warned about, like every other inconsistent argument.

    Args:
        batch_size: examples per step.
        train_size: examples fitted on (after the validation split, per process).

    Raises:
        UserInputError: naming ``batch_size``, its value and the training-set size.

    Example:
        >>> check_batch_size(16, 1000)
        >>> check_batch_size(2000, 1000)
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: `batch_size` must be at most the training-set size ...
    """
    if batch_size > train_size:
        raise UserInputError(
            f"`batch_size` must be at most the training-set size ({train_size} examples "
            f"after the validation split); received batch_size={batch_size}"
        )


def split_validation(x, y, fraction: float, seed: int, multiple: int = 1):
    """Split ``(x, y)`` into a fitting set and a seeded validation set (or None).

    With ``multiple > 1`` (the number of devices under data parallelism) both
    sizes are made multiples of it, so that every batch, the last partial one
    included, splits evenly over the devices: the validation set is rounded
    down and at most ``multiple - 1`` fitting examples are left out.
    """
    import numpy as np

    # A seeded permutation: the held-out set is the same on every resume.
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = int(round(fraction * len(x)))
    n_val = max(multiple, n_val - n_val % multiple) if fraction > 0 else 0
    val, fit = order[:n_val], order[n_val:]
    fit = fit[: len(fit) - len(fit) % multiple]
    validation = (x[val], y[val]) if n_val else None
    return (x[fit], y[fit]), validation


def evaluate(model, x, y, batch_size: int, multiple: int = 1, callbacks=()):
    """Return ``(loss, accuracy)`` of a softmax classifier on ``(x, y)``, exactly.

    The inputs are padded to a multiple of ``multiple`` (data-parallel
    batches must split evenly over the devices) and the padding's predictions
    dropped, so every example counts once, whatever the device count. The loss
    is Keras's sparse categorical crossentropy (probabilities clipped to
    ``[1e-7, 1 - 1e-7]``). ``callbacks`` are given to ``model.predict``.
    """
    import numpy as np

    n = len(x)
    pad = -n % multiple
    if pad:
        x = np.concatenate([x, x[:pad]])
    probabilities = np.asarray(
        model.predict(x, batch_size=batch_size, verbose=0, callbacks=list(callbacks))
    )[:n]
    picked = np.clip(probabilities[np.arange(n), y], 1e-7, 1 - 1e-7)
    loss = float(-np.mean(np.log(picked.astype(np.float64))))
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == y))
    return loss, accuracy


def train_run(
    config: RunConfig,
    out,
    *,
    resume: bool = False,
    verbose: int = 1,
    callbacks=(),
    log=print,
    data=None,
) -> dict:
    """Train ``config``'s model, writing a resumable run folder ``out``; return the metrics.

    Contract: after success ``out`` holds ``model.keras``, ``history.csv``
    (one row per epoch 0..epochs-1), ``metrics.json`` and ``curves.png``, each
    written atomically. With ``resume=True`` training continues from the last
    finished epoch in ``out/backup``; ``history.csv`` keeps each epoch once.
    Without it a previous run in ``out`` is replaced.

    Args:
        config: the run's :class:`RunConfig`.
        out: run folder (created).
        resume: continue the run in ``out`` (a fresh start if there is none).
        verbose: Keras verbosity (1: a progress bar per epoch).
        callbacks: extra Keras callbacks, called after the run's own.
        log: function printing one-line notes.
        data: preloaded ``((x_train, y_train), (x_test, y_test))`` to skip
            loading (``compare`` reuses one split for every model).

    Returns:
        The metrics dict written to ``metrics.json``: ``test_accuracy``,
        ``test_loss``, ``epochs``, ``seconds``, ``parameters``,
        ``seconds_per_epoch`` (median without the compiling first epoch:
        :func:`steady_seconds_per_epoch`; None after one epoch), ``model``,
        ``dataset``, ``out``.

    Raises:
        ValueError: an invalid configuration (naming the field), or a
            ``batch_size`` larger than the training set (after the validation
            split), refused before ``out`` is touched.
        RunError: ``resume`` with a different configuration, or a NaN/inf
            loss (the message says which checkpoint was kept).
        NotADirectoryError, PermissionError: ``out`` is a file or not writable.
        DatasetUnavailableError: the dataset is not available offline.

    Example:
        >>> import tempfile
        >>> config = RunConfig(model="baseline-cnn", epochs=1)
        >>> metrics = train_run(config, tempfile.mkdtemp(), verbose=0, log=lambda *_: None)
        >>> metrics["model"], metrics["epochs"], metrics["test_accuracy"] > 0.5
        ('baseline-cnn', 1, True)
    """
    config = config.validated()
    folder = RunFolder(out)
    with folder.disk_errors(), folder.owned():
        stored = folder.stored_config(config) if resume else None
        return _train(config, folder, stored, resume, verbose, callbacks, log, data)


def _train(config, folder, stored, resume, verbose, callbacks, log, data) -> dict:
    """The body of :func:`train_run`, in the folder it owns."""
    import keras

    out = folder.out
    parallel = data_parallel(config.data_parallel, config.batch_size, log)
    with parallel as (process, processes, devices):
        keras.utils.set_random_seed(config.seed)
        info = dataset_info(config.dataset)
        if data is None:
            data = load_dataset(
                config.dataset, config.data_dir, seed=config.seed, test_size=config.test_size
            )
        (x_train, y_train), (x_test, y_test) = data
        (x_fit, y_fit), validation = split_validation(
            x_train, y_train, config.validation_split, config.seed, multiple=devices * processes
        )
        if processes > 1:
            # Keras's JAX DataParallel expects each process to feed its own part
            # of the global batch: give each process a disjoint slice.
            x_fit, y_fit = x_fit[process::processes], y_fit[process::processes]
        check_batch_size(config.batch_size, len(x_fit))
        model = build_model(config, x_train.shape[1:], info["num_classes"])
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )

        # Only now, with data and model ready, touch what is already in `out`.
        folder.start(config, resume, stored, log)
        # This process's first epoch compiles the step functions.
        compiling_epochs = {0, backup_epoch(folder.backup_dir)}

        try:
            with deferred_interrupts() as interrupted:
                _fit(
                    model,
                    config,
                    folder,
                    (x_fit, y_fit),
                    validation,
                    verbose,
                    callbacks,
                    interrupted,
                )
                test_loss, test_accuracy = evaluate(
                    model,
                    x_test,
                    y_test,
                    config.batch_size,
                    multiple=devices,
                    callbacks=[StopOnInterrupt(interrupted)],
                )
        except KeyboardInterrupt:
            log(f"interrupted: {describe_backup(folder.backup_dir)} kept; resume it to continue")
            raise
        history = read_history(folder.history_path)
        epoch_seconds = [
            row["epoch_seconds"] for row in history if isinstance(row.get("epoch_seconds"), float)
        ]
        metrics = {
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "epochs": len(history),
            "seconds": float(sum(epoch_seconds)),
            "seconds_per_epoch": steady_seconds_per_epoch(history, compiling_epochs),
            "parameters": int(model.count_params()),
            "model": config.label,
            "dataset": config.dataset,
            "out": os.path.abspath(out),
        }
        if process == 0:
            folder.write_outputs(model, metrics, history)
    return metrics


def _fit(model, config, folder, fit_data, validation, verbose, callbacks, interrupted):
    """``model.fit`` with the run's callbacks; a NaN loss becomes a :class:`RunError`."""
    import keras

    csv_logger = keras.callbacks.CSVLogger(folder.history_path, append=True)
    run_callbacks = [keras.callbacks.ProgbarLogger()] if verbose else []
    run_callbacks += [
        # Order matters: stop on NaN before anything is recorded; time the
        # epoch before CSVLogger writes it; write the CSV row before the
        # backup, so a kill between the two only leaves a row to drop; stop on
        # Ctrl-C after the backup, so that a finished epoch is kept.
        StopOnNonFiniteLoss(),
        EpochTimer(),
        csv_logger,
        AtomicBackupAndRestore(folder.backup_dir),
        StopOnInterrupt(interrupted),
        *callbacks,
    ]
    try:
        model.fit(
            *fit_data,
            batch_size=config.batch_size,
            epochs=config.epochs,
            validation_data=validation,
            callbacks=run_callbacks,
            verbose=verbose,
        )
    except NonFiniteLossError as exc:
        raise RunError(
            f"{exc}: training stopped; {describe_backup(folder.backup_dir)} kept "
            "(model.keras and metrics.json not written); resume it with a lower "
            "learning rate"
        ) from exc
    finally:
        # Keras closes the CSV file only at the end of a fit that ends well;
        # left open after an error, its buffered row would be flushed at exit
        # (on a full disk: an "Exception ignored" traceback). Closed here, a
        # failed flush is dropped: resuming rewrites the row.
        csv_file = getattr(csv_logger, "csv_file", None)
        if csv_file is not None and not csv_file.closed:
            with contextlib.suppress(OSError):
                csv_file.close()


__all__ = [
    "build_model",
    "check_batch_size",
    "evaluate",
    "split_validation",
    "steady_seconds_per_epoch",
    "train_run",
]

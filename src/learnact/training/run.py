"""One training run of ``learnact train``: configuration, resumable fit, outputs.

The run folder (``--out``) holds::

    config.json    the run's configuration (checked by --resume)
    backup/        BackupAndRestore checkpoint (weights + optimizer, epoch)
    history.csv    CSVLogger rows, epoch 0..N-1, each exactly once
    model.keras    the trained model (atomic write)
    metrics.json   test_accuracy, test_loss, epochs, seconds, parameters, ...
    curves.png     training curves from history.csv
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import statistics

from learnact._checks import check_choice, check_int, check_real
from learnact.datasets import DATASETS, dataset_info, load_dataset
from learnact.datasets.loaders import check_test_size
from learnact.layers.limits import check_order
from learnact.training.callbacks import (
    AtomicBackupAndRestore,
    EpochTimer,
    NonFiniteLossError,
    StopOnNonFiniteLoss,
    backup_epoch,
    describe_backup,
)
from learnact.training.files import (
    atomic_path,
    atomic_write_json,
    read_history,
    read_json,
    save_figure,
    truncate_history,
)

MODELS = ("expandable-cnn", "baseline-cnn")
# CLI spellings of the expansions (hyphens on the command line, underscores in Python).
EXPANSION_NAMES = {
    "taylor": "taylor",
    "polynomial-dense": "polynomial_dense",
    "polynomial_dense": "polynomial_dense",
    "none": None,
}
# Configuration fields that may change when resuming: they do not change what
# the checkpoint means (epochs extends a finished run; a lower learning rate is
# the remedy after a NaN; data may move; devices may change).
RESUMABLE_CHANGES = ("epochs", "learning_rate", "data_dir", "data_parallel")
# What a run writes into --out; a fresh run removes these and nothing else.
OUTPUTS = ("backup", "history.csv", "metrics.json", "config.json", "model.keras", "curves.png")


class RunError(ValueError):
    """A run cannot start or continue (configuration mismatch, diverged training)."""


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run of the seed's CNNs.

    Args:
        model: "expandable-cnn" or "baseline-cnn".
        order: order of the expansion, 1 to 16 (ignored for the baseline).
        expansion: "taylor", "polynomial-dense" or "none" (Python spellings
            with underscores and None are accepted).
        dataset: "digits", "mnist" or "cifar10".
        data_dir: folder holding the dataset's original archive, or None.
        epochs: number of epochs (in total, counting resumed ones).
        batch_size: examples per step (per process on several hosts).
        learning_rate: Adam's learning rate.
        seed: seed of weights, dropout, shuffling and the data split.
        validation_split: fraction of the training set held out for the
            per-epoch validation metrics, in [0, 0.5].
        test_size: test fraction of the digits split.
        data_parallel: train with ``keras.distribution.DataParallel`` (JAX).

    Example:
        >>> RunConfig(model="baseline-cnn", epochs=2).validated().expansion is None
        True
    """

    model: str = "expandable-cnn"
    order: int | None = 3
    expansion: str | None = "taylor"
    dataset: str = "digits"
    data_dir: str | None = None
    epochs: int = 5
    batch_size: int = 16
    learning_rate: float = 1e-3
    seed: int = 0
    validation_split: float = 0.1
    test_size: float = 0.2
    data_parallel: bool = False

    def validated(self) -> RunConfig:
        """Return a checked, normalized copy (baseline: no order, no expansion).

        Raises:
            ValueError: naming the first invalid field and its value.
        """
        check_choice("model", self.model, MODELS)
        expansion = self.expansion
        if expansion is not None:
            expansion = str(expansion).lower()
            check_choice("expansion", expansion, tuple(EXPANSION_NAMES))
            expansion = EXPANSION_NAMES[expansion]
        order = self.order
        if self.model == "baseline-cnn":
            order, expansion = None, None
        elif expansion is None:
            order = None
        else:
            order = check_order(order)
        check_choice("dataset", self.dataset, DATASETS)
        check_int("epochs", self.epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_real("learning_rate", self.learning_rate, positive=True)
        check_int("seed", self.seed, minimum=0, maximum=2**32 - 1)
        split = check_real("validation_split", self.validation_split, minimum=0, maximum=0.5)
        test_size = check_test_size(self.test_size)
        data_dir = None if self.data_dir is None else os.fspath(self.data_dir)
        return dataclasses.replace(
            self,
            order=order,
            expansion=expansion,
            data_dir=data_dir,
            learning_rate=float(self.learning_rate),
            validation_split=split,
            test_size=test_size,
            data_parallel=bool(self.data_parallel),
        )

    def to_dict(self) -> dict:
        """Return the configuration as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @property
    def label(self) -> str:
        """Short name, e.g. ``expandable-cnn:3`` or ``baseline-cnn``."""
        if self.expansion is None:
            return "baseline-cnn" if self.model == "baseline-cnn" else f"{self.model}:none"
        suffix = "" if self.expansion == "taylor" else f":{self.expansion.replace('_', '-')}"
        return f"{self.model}:{self.order}{suffix}"


def build_model(config: RunConfig, input_shape, num_classes):
    """Return the (uncompiled) model ``config`` describes."""
    from learnact.models import baseline_cnn, expandable_cnn

    if config.model == "baseline-cnn":
        return baseline_cnn(input_shape, num_classes)
    return expandable_cnn(
        input_shape, num_classes, order=config.order or 1, expansion=config.expansion
    )


def prepare_out(out) -> str:
    """Create the run folder ``out`` if needed and return its path.

    Raises:
        NotADirectoryError: ``out`` exists and is not a folder.
        PermissionError: ``out`` cannot be written.
    """
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out!r} is a file, not a directory")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise PermissionError(f"cannot create --out {out!r}: {exc.strerror or exc}") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(f"--out {out!r} is not writable")
    return out


def check_resume(config: RunConfig, stored: dict | None) -> None:
    """Raise :class:`RunError` if ``config`` differs from the ``stored`` run's identity."""
    if not stored:
        return
    current = config.to_dict()
    changed = [
        f"{key} {stored.get(key)!r} -> {current[key]!r}"
        for key in current
        if key not in RESUMABLE_CHANGES and stored.get(key) != current[key]
    ]
    if changed:
        raise RunError(
            "--resume with a different configuration than the checkpoint ("
            + ", ".join(changed)
            + "); use the same options or another --out"
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


def evaluate(model, x, y, batch_size: int, multiple: int = 1):
    """Return ``(loss, accuracy)`` of a softmax classifier on ``(x, y)``, exactly.

    The inputs are padded to a multiple of ``multiple`` (data-parallel
    batches must split evenly over the devices) and the padding's predictions
    dropped, so every example counts once, whatever the device count. The loss
    is Keras's sparse categorical crossentropy (probabilities clipped to
    ``[1e-7, 1 - 1e-7]``).
    """
    import numpy as np

    n = len(x)
    pad = -n % multiple
    if pad:
        x = np.concatenate([x, x[:pad]])
    probabilities = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))[:n]
    picked = np.clip(probabilities[np.arange(n), y], 1e-7, 1 - 1e-7)
    loss = float(-np.mean(np.log(picked.astype(np.float64))))
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == y))
    return loss, accuracy


@contextlib.contextmanager
def data_parallel(enabled: bool, batch_size: int, log=print):
    """Run the body under ``keras.distribution.DataParallel`` over all devices (JAX).

    On several hosts, set ``KERAS_DISTRIBUTION_JOB_ADDRESSES``,
    ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and ``KERAS_DISTRIBUTION_PROCESS_ID``:
    ``keras.distribution.initialize()`` reads them (see docs/training.md).

    Yields:
        ``(process_index, process_count, local_device_count)``; ``(0, 1, 1)``
        when disabled.

    Raises:
        RunError: the backend is not JAX, or ``batch_size`` is not a multiple of
            the number of local devices.
    """
    if not enabled:
        yield 0, 1, 1
        return
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise RunError(
            f"--data-parallel needs the JAX backend (KERAS_BACKEND=jax); the backend is {backend!r}"
        )
    import jax

    if os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        keras.distribution.initialize()
    devices = keras.distribution.list_devices()
    local = jax.local_device_count()
    if batch_size % local:
        raise RunError(
            f"--batch-size {batch_size} must be a multiple of the {local} local devices "
            "with --data-parallel"
        )
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    processes = jax.process_count()
    log(
        f"data parallel: {len(devices)} devices ({devices[0]} ...) in {processes} process(es)"
        + ("; a single device gains nothing" if len(devices) == 1 else "")
    )
    try:
        yield jax.process_index(), processes, local
    finally:
        keras.distribution.set_distribution(previous)


def _clear_previous(out: str) -> bool:
    found = False
    for name in OUTPUTS:
        path = os.path.join(out, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
            found = True
        elif os.path.exists(path):
            os.remove(path)
            found = True
    return found


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
        ``seconds_per_epoch``, ``model``, ``dataset``, ``out``.

    Raises:
        ValueError: an invalid configuration (naming the field).
        RunError: ``resume`` with a different configuration, or a NaN/inf
            loss (the message says which checkpoint was kept).
        NotADirectoryError, PermissionError: ``out`` is a file or not writable.
        DatasetUnavailableError: the dataset is not available offline.

    Example:
        >>> metrics = train_run(RunConfig(epochs=5), "runs/demo")
        >>> metrics["test_accuracy"] > 0.95
        True
    """
    config = config.validated()
    out = prepare_out(out)
    config_path = os.path.join(out, "config.json")
    backup_dir = os.path.join(out, "backup")
    history_path = os.path.join(out, "history.csv")
    stored = read_json(config_path) if resume else None
    if resume:
        check_resume(config, stored)

    import keras

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
        model = build_model(config, x_train.shape[1:], info["num_classes"])
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )

        # Only now, with data and model ready, touch what is already in `out`.
        done = backup_epoch(backup_dir) if resume and stored else 0
        if done > 0:
            truncate_history(history_path, done)
            log(f"resuming {out} after epoch {done} of {config.epochs}")
        else:
            replaced = _clear_previous(out)
            if resume:
                log(f"nothing to resume in {out}; starting a new run")
            elif replaced:
                log(f"replacing the previous run in {out} (use --resume to continue it)")
        atomic_write_json(config_path, config.to_dict())

        run_callbacks = [keras.callbacks.ProgbarLogger()] if verbose else []
        run_callbacks += [
            # Order matters: stop on NaN before anything is recorded; time the
            # epoch before CSVLogger writes it; write the CSV row before the
            # backup, so a kill between the two only leaves a row to drop.
            StopOnNonFiniteLoss(),
            EpochTimer(),
            keras.callbacks.CSVLogger(history_path, append=True),
            AtomicBackupAndRestore(backup_dir),
            *callbacks,
        ]
        try:
            model.fit(
                x_fit,
                y_fit,
                batch_size=config.batch_size,
                epochs=config.epochs,
                validation_data=validation,
                callbacks=run_callbacks,
                verbose=verbose,
            )
        except NonFiniteLossError as exc:
            raise RunError(
                f"{exc}: training stopped; {describe_backup(backup_dir)} kept "
                "(model.keras and metrics.json not written); try a lower --learning-rate "
                "with --resume"
            ) from exc
        test_loss, test_accuracy = evaluate(
            model, x_test, y_test, config.batch_size, multiple=devices
        )
        history = read_history(history_path)
        epoch_seconds = [
            row["epoch_seconds"] for row in history if isinstance(row.get("epoch_seconds"), float)
        ]
        metrics = {
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "epochs": len(history),
            "seconds": float(sum(epoch_seconds)),
            "seconds_per_epoch": float(statistics.median(epoch_seconds)) if epoch_seconds else None,
            "parameters": int(model.count_params()),
            "model": config.label,
            "dataset": config.dataset,
            "out": os.path.abspath(out),
        }
        if process == 0:
            write_outputs(out, model, metrics, history)
    return metrics


def write_outputs(out: str, model, metrics: dict, history: list[dict]) -> None:
    """Write ``model.keras``, ``metrics.json`` and ``curves.png`` atomically into ``out``."""
    with atomic_path(os.path.join(out, "model.keras"), suffix=".keras") as tmp:
        model.save(tmp)
    atomic_write_json(os.path.join(out, "metrics.json"), metrics)
    if history:
        from learnact.plotting.training import plot_training_curves

        figure = plot_training_curves(history, title=f"{metrics['model']} on {metrics['dataset']}")
        save_figure(figure, os.path.join(out, "curves.png"), dpi=100)

"""A run folder's life cycle: create it, start fresh or resume, write the outputs at the end.

The run folder holds::

    config.json    the run's configuration (checked when resuming)
    backup/        BackupAndRestore checkpoint (weights + optimizer, epoch)
    history.csv    CSVLogger rows, epoch 0..N-1, each exactly once
    model.keras    the trained model (atomic write)
    metrics.json   test_accuracy, test_loss, epochs, seconds, parameters, ...
    curves.png     training curves from history.csv
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil

from learnact._files import atomic_path, atomic_write_json, read_csv_table, read_json
from learnact.training.callbacks import backup_epoch
from learnact.training.config import RunConfig, check_resume

# What a run writes into its folder; a fresh run removes these and nothing else.
OUTPUTS = ("backup", "history.csv", "metrics.json", "config.json", "model.keras", "curves.png")


def prepare_out(out) -> str:
    """Create the run folder ``out`` if needed and return its path.

    Raises:
        NotADirectoryError: ``out`` exists and is not a folder.
        PermissionError: ``out`` cannot be written.
    """
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"the run folder {out!r} is a file, not a directory")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise PermissionError(
            f"cannot create the run folder {out!r}: {exc.strerror or exc}"
        ) from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(f"the run folder {out!r} is not writable")
    return out


class RunFolder:
    """The files of one run in folder ``out`` (created).

    Attributes:
        out: the folder.
        config_path, backup_dir, history_path: where the run keeps its state.
    """

    def __init__(self, out):
        self.out = prepare_out(out)
        self.config_path = os.path.join(self.out, "config.json")
        self.backup_dir = os.path.join(self.out, "backup")
        self.history_path = os.path.join(self.out, "history.csv")

    def stored_config(self, config: RunConfig) -> dict | None:
        """Return the configuration saved in the folder, after checking ``config`` may resume it.

        Raises:
            RunError: the saved run has another configuration.
        """
        stored = read_json(self.config_path)
        check_resume(config, stored)
        return stored

    def start(self, config: RunConfig, resume: bool, stored: dict | None, log) -> int:
        """Make the folder ready to train ``config``; return the epochs already done.

        When resuming a stored run (``stored``, from :meth:`stored_config`),
        the finished epochs of the checkpoint are kept and ``history.csv`` is
        cut back to them; otherwise the outputs of a previous run are removed.
        Call it only once the data and the model are ready, so that a run that
        cannot start leaves the folder as it was.
        """
        done = backup_epoch(self.backup_dir) if resume and stored else 0
        if done > 0:
            truncate_history(self.history_path, done)
            log(f"resuming {self.out} after epoch {done} of {config.epochs}")
        else:
            replaced = self._clear_previous()
            if resume:
                log(f"nothing to resume in {self.out}; starting a new run")
            elif replaced:
                log(f"replacing the previous run in {self.out} (resume it to continue instead)")
        atomic_write_json(self.config_path, config.to_dict())
        return done

    def _clear_previous(self) -> bool:
        found = False
        for name in OUTPUTS:
            path = os.path.join(self.out, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
                found = True
            elif os.path.exists(path):
                os.remove(path)
                found = True
        return found

    def write_outputs(self, model, metrics: dict, history: list[dict]) -> None:
        """Write ``model.keras``, ``metrics.json`` and ``curves.png`` atomically."""
        with atomic_path(os.path.join(self.out, "model.keras"), suffix=".keras") as tmp:
            model.save(tmp)
        atomic_write_json(os.path.join(self.out, "metrics.json"), metrics)
        if history:
            from learnact.plotting import plot_training_curves, save_figure

            title = f"{metrics['model']} on {metrics['dataset']}"
            figure = plot_training_curves(history, title=title)
            save_figure(figure, os.path.join(self.out, "curves.png"), dpi=100)


def truncate_history(path, epochs_done: int) -> int:
    """Keep only rows of ``history.csv`` for epochs ``0 .. epochs_done - 1``, each once.

    Why: ``CSVLogger`` writes an epoch's row before the checkpoint of that
    epoch is saved, so a run killed between the two has a row for an epoch it
    will run again when resumed. Dropping every row whose epoch is not in the
    checkpoint makes the resumed file hold each epoch exactly once.

    Args:
        path: the ``history.csv`` file (may not exist).
        epochs_done: number of epochs the restored checkpoint has finished.

    Returns:
        Number of rows kept.
    """
    header, rows = read_csv_table(path)
    if not header:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        return 0
    kept = {}
    for row in rows:
        epoch = int(row[0])
        if 0 <= epoch < epochs_done:
            kept[epoch] = row  # a later duplicate wins: it is the one the checkpoint saw
    if not kept:
        # Keep no header either, so CSVLogger writes a fresh one.
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        return 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")  # CSVLogger's (csv.excel) line ending
        writer.writerow(header)
        for epoch in sorted(kept):
            writer.writerow(kept[epoch])
    return len(kept)


__all__ = ["OUTPUTS", "RunFolder", "prepare_out", "truncate_history"]

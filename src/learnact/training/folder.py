"""A run folder's life cycle: create it, start fresh or resume, write the outputs at the end.

The run folder holds::

    run.lock       held by the run that owns the folder (its pid); see RunFolder.owned
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
import errno
import json
import os
import shutil
import socket
import time

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a run folder is then not guarded
    fcntl = None

from learnact._files import atomic_path, atomic_write_json, read_csv_table, read_json
from learnact.training.callbacks import backup_epoch, describe_backup
from learnact.training.config import RunConfig, RunError, check_resume

# errno values of a full disk (no space, quota exceeded).
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})

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
        self.lock_path = os.path.join(self.out, "run.lock")

    @contextlib.contextmanager
    def owned(self):
        """Within the block, this process owns the folder: another run that tries is refused.

        The owner holds an exclusive ``flock`` on ``run.lock``, which records its
        pid, host and start time. The kernel drops the lock when the owner
        exits, however it ends (SIGKILL included): a lock file left behind by a
        dead run is stale, is found unlocked, and is taken over. The file is
        removed when the block ends.

        Raises:
            RunError: another live run owns the folder (the message names its
                pid, host and start time).
            OSError: the lock file cannot be created or written (naming it; a
                full disk included).
        """
        if fcntl is None:
            yield
            return
        handle = self._lock()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.remove(self.lock_path)
            handle.close()

    def _lock(self):
        while True:
            try:
                handle = open(self.lock_path, "a+", encoding="utf-8")
            except OSError as exc:
                raise _named(exc, self.lock_path) from exc
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                owner = handle.read()
                handle.close()
                raise RunError(
                    f"the run folder {self.out} is in use by another run ({_owner(owner)}); "
                    "wait for it to end or use another run folder"
                ) from None
            except OSError as exc:
                handle.close()
                raise _named(exc, self.lock_path) from exc
            # A run ending between our open and our flock removed the file we
            # locked; a third run may have created a new one. Lock what is there.
            try:
                same = os.path.samestat(os.fstat(handle.fileno()), os.stat(self.lock_path))
            except FileNotFoundError:
                same = False
            if same:
                break
            handle.close()
        try:
            handle.seek(0)
            handle.truncate()
            owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
            handle.write(json.dumps(owner) + "\n")
            handle.flush()
        except OSError as exc:
            handle.close()
            with contextlib.suppress(OSError):
                os.remove(self.lock_path)
            raise _named(exc, self.lock_path) from exc
        return handle

    @contextlib.contextmanager
    def disk_errors(self):
        """Within the block, a full disk becomes one ``OSError`` naming the folder and its backup.

        Why: the failing write may be Keras's CSV row, a weights file or a
        JSON file, and its own error names none of them (or a temporary file).
        The message says what was kept and that the run can be resumed.

        Raises:
            OSError: errno ENOSPC or EDQUOT, ``filename`` the run folder.
        """
        try:
            yield
        except OSError as exc:
            if exc.errno not in NO_SPACE:
                raise
            raise OSError(
                exc.errno,
                f"no space left on the device of the run folder "
                f"({describe_backup(self.backup_dir)} kept; free some space, then resume the run)",
                self.out,
            ) from exc

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
            if done >= config.epochs:
                # Keras's fit then runs no epoch: the run's result is computed and shown again.
                log(
                    f"{self.out} already finished {done} epoch(s) (asked for {config.epochs}): "
                    "nothing left to train; its result again"
                )
            else:
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


def _named(error: OSError, path) -> OSError:
    """``error`` with ``path`` as its file name (a failed write often names none)."""
    if error.filename is not None:
        return error
    return type(error)(error.errno, error.strerror or str(error), os.fspath(path))


def _owner(text: str) -> str:
    """Describe the owner recorded in a lock file: ``pid 123 on host, since 12:00:00``."""
    try:
        owner = json.loads(text)
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(owner["started"]))
        return f"pid {owner['pid']} on {owner['host']}, since {started}"
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        return "its pid is not recorded yet"


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


__all__ = ["NO_SPACE", "OUTPUTS", "RunFolder", "prepare_out", "truncate_history"]

"""Crash-safe files of a training run: atomic writes and the resumable ``history.csv``.

Every output is written to a temporary file in the same folder and moved into
place with ``os.replace``, which is atomic on POSIX and Windows: a reader (or a
run killed with SIGKILL halfway) sees the old file or the new one, never half
of one.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_dir(folder: str) -> None:
    # Makes the rename itself durable across a power loss; not possible on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path, suffix: str = ""):
    """Yield a temporary path next to ``path``; on success move it onto ``path``.

    Contract: if the body raises (or the process dies), ``path`` is untouched
    and the temporary file is removed (or left as a hidden ``.tmp-*`` file).

    Args:
        path: final file path.
        suffix: ending the temporary name must have (Keras wants ``.keras``,
            ``.weights.h5``; matplotlib infers the format from ``.png``).

    Yields:
        The temporary path to write.

    Example:
        >>> with atomic_path("out/model.keras", suffix=".keras") as tmp:
        ...     model.save(tmp)
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{os.path.basename(path)}-", suffix=suffix, dir=folder)
    os.close(fd)
    # mkstemp makes the file private (0600); give it the permissions open() would.
    os.chmod(tmp, 0o666 & ~_UMASK)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def save_figure(figure, path, **savefig_kwargs) -> None:
    """Save a matplotlib ``figure`` to ``path`` atomically, then close it (even on failure).

    The temporary file keeps the extension of ``path`` (``.png`` when it has
    none), so matplotlib infers the same format it would for ``path``.

    Args:
        figure: the matplotlib figure to save.
        path: final image path.
        **savefig_kwargs: passed to ``figure.savefig`` (``dpi``, ``bbox_inches``, ...).
    """
    import matplotlib.pyplot as plt

    try:
        suffix = os.path.splitext(os.fspath(path))[1] or ".png"
        with atomic_path(path, suffix=suffix) as tmp:
            figure.savefig(tmp, **savefig_kwargs)
    finally:
        plt.close(figure)


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def atomic_write_json(path, data) -> None:
    """Write ``data`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json(path):
    """Return the JSON content of ``path``, or None if it does not exist."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def read_history(path) -> list[dict]:
    """Return the rows of a Keras ``CSVLogger`` file as dicts of floats (``epoch`` as int).

    Incomplete rows (a run killed while writing one) and non-numeric cells are
    skipped or kept as strings respectively. A missing file gives ``[]``.
    """
    header, rows = _read_csv(path)
    history = []
    for row in rows:
        record = {}
        for key, value in zip(header, row, strict=True):
            try:
                record[key] = int(value) if key == "epoch" else float(value)
            except ValueError:
                record[key] = value
        history.append(record)
    return history


def _read_csv(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        return [], []
    lines = text.splitlines(keepends=True)
    # A last line without its newline was cut by a kill in the middle of a write.
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]
    table = list(csv.reader(lines))
    if not table:
        return [], []
    header, rows = table[0], table[1:]
    rows = [r for r in rows if len(r) == len(header) and _is_int(r[0])]
    return header, rows


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def truncate_history(path, epochs_done: int) -> int:
    """Keep only rows of ``history.csv`` for epochs ``0 .. epochs_done - 1``, each once.

    Why: ``CSVLogger`` writes an epoch's row before the checkpoint of that
    epoch is saved, so a run killed between the two has a row for an epoch it
    will run again after ``--resume``. Dropping every row whose epoch is not
    in the checkpoint makes the resumed file hold each epoch exactly once.

    Args:
        path: the ``history.csv`` file (may not exist).
        epochs_done: number of epochs the restored checkpoint has finished.

    Returns:
        Number of rows kept.
    """
    header, rows = _read_csv(path)
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

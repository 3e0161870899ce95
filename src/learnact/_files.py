"""Crash-safe files: atomic writes, JSON, and ``history.csv`` as Keras's ``CSVLogger`` writes it.

Every output is written to a temporary file in the same folder and moved into
place with ``os.replace``, which is atomic on POSIX and Windows: a reader (or a
run killed with SIGKILL halfway) sees the old file or the new one, never half
of one.

This module sits at the bottom of the package (it imports nothing of
learnact): training runs, figures and comparisons all write through it.
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
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> with atomic_path(path) as tmp:
        ...     _ = open(tmp, "w").write("all or nothing")
        >>> open(path).read()
        'all or nothing'
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


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def atomic_write_json(path, data) -> None:
    """Write ``data`` as indented JSON (keys sorted) to ``path`` atomically."""
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
    header, rows = read_csv_table(path)
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


def read_csv_table(path) -> tuple[list, list]:
    """Return ``(header, rows)`` of a ``CSVLogger`` file: complete rows that start with an epoch.

    A last line without its newline (cut by a kill during a write) is dropped;
    a missing or empty file gives ``([], [])``.
    """
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

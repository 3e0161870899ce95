"""Every use of a private Keras name, in one place, each with its reason.

Keras 3 keeps a few behaviours learnact needs behind private names. They are
touched only here; ``tests/test_keras_private.py`` checks each of them against
the installed Keras, so an upgrade that moves one fails there, by name, rather
than silently deep inside a gradient check or a resumed run.

This module sits at the bottom of the package (it imports nothing of
learnact), so that ``gradients`` may use it.
"""

from __future__ import annotations

import contextlib
import io
import threading

# keras.callbacks.BackupAndRestore methods that learnact's AtomicBackupAndRestore
# overrides (Keras calls them at train begin and at every epoch end), and the
# attribute holding the epoch to save (set by Keras in on_epoch_end).
BACKUP_AND_RESTORE_HOOKS = ("_load_model", "_save_model")
BACKUP_AND_RESTORE_EPOCH = "_current_epoch"


def dtype_demotion_table() -> dict:
    """Return Keras's table demoting 64-bit result dtypes to 32 bits (``{}`` if it is gone).

    ``keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE``: Keras's type
    promotion maps ``float64`` results of ops such as ``keras.ops.tanh`` to
    ``float32`` on every backend but TensorFlow, to mirror JAX without x64.
    A float64 gradient check must switch that off while it runs.

    Example:
        >>> dtype_demotion_table().get("float64")
        'float32'
    """
    try:
        from keras.src.backend.common import dtypes
    except ImportError:
        return {}
    return getattr(dtypes, "BIT64_TO_BIT32_DTYPE", {})


_WIDE_LOCK = threading.Lock()
_wide = {"depth": 0, "saved": {}}


@contextlib.contextmanager
def keep_64_bit_results():
    """Within the block, Keras's type promotion keeps float64 and complex128 results.

    The table of :func:`dtype_demotion_table` is patched in place and
    restored on exit, even after an exception. Blocks may nest and overlap
    across threads: the table is restored when the last one ends.

    Example:
        >>> with keep_64_bit_results():
        ...     dtype_demotion_table().get("float64")
        'float64'
        >>> dtype_demotion_table().get("float64")
        'float32'
    """
    demote = dtype_demotion_table()
    with _WIDE_LOCK:
        if _wide["depth"] == 0:
            _wide["saved"] = dict(demote)
            for wide in ("float64", "complex128"):
                if wide in demote:
                    demote[wide] = wide
        _wide["depth"] += 1
    try:
        yield
    finally:
        with _WIDE_LOCK:
            _wide["depth"] -= 1
            if _wide["depth"] == 0:
                demote.clear()
                demote.update(_wide["saved"])


def set_initial_epoch(model, epoch: int) -> None:
    """Make the next ``model.fit`` start at ``epoch`` (the epochs before it are done).

    ``model._initial_epoch`` is what Keras's own ``BackupAndRestore`` sets
    after restoring a checkpoint; every backend's ``fit`` reads it in place of
    its ``initial_epoch`` argument.
    """
    model._initial_epoch = int(epoch)


class _WeightsBuffer(io.BytesIO):
    """An in-memory file ``model.save_weights`` accepts: its ``str`` ends in ``.weights.h5``."""

    def __str__(self) -> str:
        return "in-memory.weights.h5"


def weights_bytes(model) -> bytes:
    """Return the bytes of ``model.save_weights`` (an HDF5 ``.weights.h5``), written in memory.

    Why: h5py writing straight to a full disk fails halfway and leaves an HDF5
    file it cannot close; its finalizer then prints "Exception ignored"
    tracebacks and the interpreter segfaults at exit. Built in memory, the
    file reaches the disk through a plain Python write, whose ``OSError``
    (ENOSPC) is an ordinary exception. Keras's ``H5IOStore`` writes to an
    ``io.BytesIO`` given in place of the path; ``save_weights`` only checks
    that the path's ``str`` ends in ``.weights.h5``.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> weights_bytes(model)[:4]
        b'\\x89HDF'
    """
    buffer = _WeightsBuffer()
    model.save_weights(buffer)
    return buffer.getvalue()


def sublayers(layer) -> list:
    """Return ``layer`` and every layer inside it, at any depth (``Layer._flatten_layers``).

    Keras has no public walk over the sublayers of a custom layer (only a
    model's ``layers``, one level deep).

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> [type(layer).__name__ for layer in sublayers(model)]
        ['Sequential', 'InputLayer', 'Dense']
    """
    return list(layer._flatten_layers(include_self=True))


def run_through_graph(model, inputs, operation_fn):
    """Run a functional model's graph on ``inputs`` with ``operation_fn(layer)(*args)`` per node.

    ``Functional._run_through_graph``: Keras's own walk of a functional
    graph (nodes by depth, shared layers and nested models included), with
    any objects as values; learnact's symbolic export passes arrays of sympy
    expressions through it. ``inputs`` is the flat list matching
    ``model.inputs``; the result has the structure of ``model.outputs``.

    Example:
        >>> import keras
        >>> x = keras.Input((1,))
        >>> model = keras.Model(x, keras.layers.Add()([x, x]))
        >>> run_through_graph(model, ["a"], lambda layer: lambda values: "+".join(values))
        'a+a'
    """
    return model._run_through_graph(inputs, operation_fn=operation_fn)


__all__ = [
    "BACKUP_AND_RESTORE_EPOCH",
    "BACKUP_AND_RESTORE_HOOKS",
    "dtype_demotion_table",
    "keep_64_bit_results",
    "run_through_graph",
    "set_initial_epoch",
    "sublayers",
    "weights_bytes",
]

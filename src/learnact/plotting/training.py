"""Training curves (loss and metrics per epoch) from ``history.csv`` or a Keras History."""

from __future__ import annotations

import os

from learnact.errors import UserInputError


def _columns(history) -> dict[str, list]:
    """Return ``{column: values}`` for the accepted history forms, sorted by epoch."""
    if isinstance(history, (str, os.PathLike)):
        from learnact._files import read_history

        path = os.fspath(history)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no history file at {path!r}")
        history = read_history(path)
    elif hasattr(history, "history") and isinstance(history.history, dict):
        history = history.history  # a keras.callbacks.History
    if isinstance(history, dict):
        lengths = {len(v) for v in history.values()}
        if len(lengths) > 1:
            raise UserInputError(f"`history` columns have different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
        columns = {k: list(v) for k, v in history.items()}
        columns.setdefault("epoch", list(range(n)))
        return columns
    if isinstance(history, (list, tuple)):
        rows = sorted(history, key=lambda r: r.get("epoch", 0))
        keys = [k for k in (rows[0] if rows else {}) if k != "epoch"]
        columns = {k: [r.get(k) for r in rows] for k in keys}
        columns["epoch"] = [r.get("epoch", i) for i, r in enumerate(rows)]
        return columns
    raise UserInputError(
        "`history` must be a history.csv path, a list of row dicts, a dict of lists "
        f"or a keras History; received {type(history).__name__}"
    )


def plot_training_curves(history, title=None, metrics=None):
    """Plot training and validation curves per epoch, one panel per quantity.

    Each quantity ``q`` (``loss``, ``accuracy``, ...) gets a panel with ``q``
    (training, solid) and ``val_q`` (validation, dashed) against the epoch
    (counted from 0, as in ``CSVLogger``). Timing columns such as
    ``epoch_seconds`` are not plotted.

    Args:
        history: path of a ``history.csv`` written by ``keras.callbacks.CSVLogger``,
            a list of row dicts, a dict of lists (``History.history``) or a
            ``keras.callbacks.History``.
        title: figure title, or None.
        metrics: names of the quantities to plot (default: every column with
            numeric values except ``epoch``, ``val_*``, ``epoch_seconds``
            and ``learning_rate``).

    Returns:
        The ``matplotlib.figure.Figure`` (created with pyplot; close it with
        ``plt.close(fig)`` once saved).

    Raises:
        FileNotFoundError: ``history`` is a path that does not exist.
        ValueError: an unsupported ``history`` or an empty one.

    Example:
        >>> history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.6, 0.8]}
        >>> figure = plot_training_curves(history, title="demo")
        >>> [axis.get_title() for axis in figure.axes]
        ['loss', 'accuracy']
    """
    import matplotlib.pyplot as plt

    columns = _columns(history)
    epochs = columns.pop("epoch")
    if not epochs:
        raise UserInputError("`history` has no epochs to plot")
    skip = {"epoch_seconds", "learning_rate", "lr"}
    if metrics is None:
        metrics = [
            k
            for k in columns
            if not k.startswith("val_")
            and k not in skip
            and all(isinstance(v, (int, float)) for v in columns[k])
        ]
        # Loss first, then the rest alphabetically: the panel a reader looks for first.
        metrics.sort(key=lambda k: (k != "loss", k))
    if not metrics:
        raise UserInputError(f"`history` has no numeric columns to plot: {sorted(columns)}")
    figure, axes = plt.subplots(
        1, len(metrics), figsize=(4.5 * len(metrics), 3.6), squeeze=False, layout="constrained"
    )
    for ax, name in zip(axes[0], metrics, strict=True):
        marker = "o" if len(epochs) <= 30 else None
        ax.plot(epochs, columns[name], marker=marker, label="train")
        if f"val_{name}" in columns:
            ax.plot(epochs, columns[f"val_{name}"], "--", marker=marker, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(True, alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    if title:
        figure.suptitle(title)
    return figure

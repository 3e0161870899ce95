"""The picture of a comparison: test accuracy per seed, seconds per epoch and size per model."""

from __future__ import annotations

import math


def plot_comparison(rows: list[dict], title: str):
    """Return a figure: test accuracy per seed with mean ± std, and seconds per epoch.

    Args:
        rows: one dict per model as :func:`learnact.training.summarize` makes
            them (``model``, ``test_accuracy`` with ``values``/``mean``/``std``,
            ``seconds_per_epoch``, ``parameters``).
        title: the figure's title.

    Returns:
        The ``matplotlib.figure.Figure``.

    Example:
        >>> row = {"model": "m", "parameters": 10, "seconds_per_epoch": 0.1,
        ...        "test_accuracy": {"values": [0.9, 1.0], "mean": 0.95, "std": 0.07}}
        >>> len(plot_comparison([row], "digits").axes)
        2
    """
    import matplotlib.pyplot as plt

    labels = [row["model"] for row in rows]
    positions = range(len(rows))
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(max(8.0, 2.6 * len(rows) + 3), 4.2), layout="constrained"
    )
    for i, row in enumerate(rows):
        acc = row["test_accuracy"]
        left.scatter([i] * len(acc["values"]), acc["values"], color=f"C{i}", alpha=0.5, s=18)
        left.errorbar(i, acc["mean"], yerr=acc["std"], fmt="D", color=f"C{i}", capsize=6, ms=7)
    left.set_xticks(list(positions), labels, rotation=15, ha="right", rotation_mode="anchor")
    left.set_ylabel("test accuracy")
    left.set_title("test accuracy (dots: seeds; diamond: mean ± std)")
    left.grid(True, axis="y", alpha=0.3)
    # None: one epoch only, no steady-state figure (no bar).
    seconds = [
        math.nan if row["seconds_per_epoch"] is None else row["seconds_per_epoch"] for row in rows
    ]
    bars = right.bar(list(positions), seconds, color=[f"C{i}" for i in positions])
    params = [f"{row['parameters']:,} params" for row in rows]
    right.bar_label(bars, labels=params, fontsize="small")
    right.set_xticks(list(positions), labels, rotation=15, ha="right", rotation_mode="anchor")
    right.set_ylabel("seconds per epoch (median, first epoch left out)")
    right.set_title("speed and size")
    right.margins(y=0.15)
    figure.suptitle(title)
    return figure


__all__ = ["plot_comparison"]

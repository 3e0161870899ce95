"""Every edge of a ``KANDense`` layer as a small plot in a grid, as pykan's ``plot()`` does."""

from __future__ import annotations

import numpy as np

from learnact._checks import check_int, check_real
from learnact.errors import UserInputError


def edge_curves(layer, num: int = 101, margin: float = 0.1):
    """Evaluate every edge function ``phi_ij`` of a built ``KANDense`` on its own grid range.

    Input ``i`` is swept over its grid range (read from ``layer.grid``,
    widened by ``margin`` of its width on each side, so the out-of-grid
    behaviour shows at the ends).

    Args:
        layer: a built :class:`~learnact.layers.KANDense`.
        num: points per curve (>= 2).
        margin: fraction of the grid range added on each side (>= 0).

    Returns:
        ``(x, phi)``: ``x`` of shape ``(num, inputs)`` (the sweep of each
        input) and ``phi`` of shape ``(num, inputs, units)``, with
        ``phi[:, i, j] = phi_ij(x[:, i])`` (bias excluded).

    Raises:
        UserInputError: an unbuilt layer or a bad ``num``/``margin``.

    Example:
        >>> from learnact.layers import KANDense
        >>> layer = KANDense(3)
        >>> layer.build((None, 2))
        >>> x, phi = edge_curves(layer, num=5)
        >>> x.shape, phi.shape
        ((5, 2), (5, 2, 3))
    """
    import keras

    num = check_int("num", num, minimum=2)
    margin = check_real("margin", margin, minimum=0)
    if not layer.built:
        raise UserInputError(f"layer {layer.name!r} is not built: call it on data first")
    knots = np.asarray(keras.ops.convert_to_numpy(layer.grid), dtype=np.float64)
    low, high = knots[:, layer.spline_order], knots[:, -1 - layer.spline_order]
    pad = margin * (high - low)
    x = np.linspace(low - pad, high + pad, num).astype("float32")  # (num, inputs)
    phi = np.asarray(keras.ops.convert_to_numpy(layer.edge_values(x)), dtype=np.float64)
    return x, phi


def edge_strength(phi) -> np.ndarray:
    """Return pykan's edge score, mean ``|phi_ij|`` over the sweep: ``(inputs, units)``."""
    return np.mean(np.abs(phi), axis=0)


def plot_kan_edges(layer, max_inputs: int = 8, max_units: int = 8, num: int = 101, title=None):
    """Draw the learned function of every edge ``i -> j`` of a ``KANDense`` layer in a grid.

    One small panel per edge: row ``j`` (an output unit), column ``i`` (an
    input), the curve ``phi_ij(x)`` over input ``i``'s grid range (dotted
    lines mark its ends). As in pykan, a curve's opacity follows the edge's
    score (mean ``|phi_ij|``) relative to the strongest edge. When the layer
    has more inputs or units than the grid holds, the inputs and units of
    largest total score are shown and the title says how many.

    Args:
        layer: a built :class:`~learnact.layers.KANDense`.
        max_inputs: most columns (>= 1).
        max_units: most rows (>= 1).
        num: points per curve (>= 2).
        title: figure title (default: the layer's name and size).

    Returns:
        The ``matplotlib.figure.Figure``.

    Raises:
        UserInputError: an unbuilt layer, or bad ``max_inputs``/``max_units``/``num``.

    Example:
        >>> from learnact.layers import KANDense
        >>> layer = KANDense(2)
        >>> layer.build((None, 3))
        >>> len(plot_kan_edges(layer).axes)
        6
    """
    import keras
    import matplotlib.pyplot as plt

    max_inputs = check_int("max_inputs", max_inputs, minimum=1)
    max_units = check_int("max_units", max_units, minimum=1)
    x, phi = edge_curves(layer, num=num)
    score = edge_strength(phi)
    inputs = np.sort(np.argsort(-score.sum(axis=1), kind="stable")[:max_inputs])
    units = np.sort(np.argsort(-score.sum(axis=0), kind="stable")[:max_units])
    top = float(score.max()) or 1.0
    knots = np.asarray(keras.ops.convert_to_numpy(layer.grid))
    figure, axes = plt.subplots(
        len(units),
        len(inputs),
        figsize=(1.3 * len(inputs) + 0.6, 1.1 * len(units) + 0.6),
        squeeze=False,
        layout="constrained",
    )
    for row, j in enumerate(units):
        for col, i in enumerate(inputs):
            ax = axes[row, col]
            alpha = 0.15 + 0.85 * min(1.0, score[i, j] / top)
            ax.plot(x[:, i], phi[:, i, j], color="C0", alpha=alpha, lw=1.2)
            for edge in (layer.spline_order, -1 - layer.spline_order):
                ax.axvline(float(knots[i, edge]), color="0.75", ls=":", lw=0.7)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"x{i}", fontsize="small")
            if col == 0:
                ax.set_ylabel(f"y{j}", fontsize="small")
    shown = f"{len(inputs)} of {phi.shape[1]} inputs, {len(units)} of {phi.shape[2]} units"
    figure.suptitle(title if title is not None else f"{layer.name}: phi(x) per edge ({shown})")
    return figure


__all__ = ["edge_curves", "edge_strength", "plot_kan_edges"]

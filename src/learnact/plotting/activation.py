"""Curves of learned activations: what each learnact layer does to one input value."""

from __future__ import annotations

import math

import numpy as np

from learnact._checks import check_int, check_interval
from learnact.errors import UserInputError


def _is_plottable(layer) -> bool:
    from learnact.layers import ElementwiseLayer, PolynomialDense

    return isinstance(layer, (ElementwiseLayer, PolynomialDense))


def _pick(size: int, features) -> list[int]:
    if isinstance(features, (int, np.integer)) and not isinstance(features, bool):
        count = check_int("features", int(features), minimum=1)
        return list(range(min(count, size)))
    try:
        picked = [int(f) for f in features]
    except (TypeError, ValueError):
        raise UserInputError(
            f"`features` must be a count or a list of feature indices; received {features!r}"
        ) from None
    bad = [f for f in picked if not 0 <= f < size]
    if bad or not picked:
        raise UserInputError(
            f"`features` indices must be in [0, {size - 1}]; received features={features!r}"
        )
    return picked


def _parameter_shape(layer) -> tuple:
    """Per-element parameter shape of a built elementwise layer (1 on shared axes)."""
    spec = layer.input_spec
    if not layer.built or spec is None or spec.ndim is None:
        raise UserInputError(
            f"layer {layer.name!r} is not built: call it on data (or build the model) first"
        )
    axes = spec.axes or {}
    return tuple(int(axes.get(axis, 1)) for axis in range(1, spec.ndim))


def elementwise_curves(layer, x, features=4):
    """Evaluate an elementwise learnact layer on the grid ``x`` for some features.

    Every parameter set of the layer (one per element of ``input_shape[1:]``,
    one per channel with ``shared_axes``...) is a "feature". The layer is
    called once on a batch whose item ``g`` is filled with ``x[g]``, so the
    curves are exactly what the layer computes (input bounds included).

    Args:
        layer: a built :class:`~learnact.layers.ElementwiseLayer`.
        x: 1-D grid of input values.
        features: number of features (the first ones) or their flat indices.

    Returns:
        ``(labels, curves)``: a label per feature and a dict ``{part: array of
        shape (len(x), n_features)}`` with part ``"y"``, or ``"Re"`` and
        ``"Im"`` for a layer whose output doubles the last axis (complex).

    Raises:
        ValueError: an unbuilt layer, bad ``features``, or an output shape that
            is neither the input's, twice its last axis, nor one more axis.
    """
    import keras

    shape = _parameter_shape(layer)
    size = int(np.prod(shape))
    picked = _pick(size, features)
    grid = np.asarray(x, dtype="float32")
    batch = np.broadcast_to(grid.reshape((-1,) + (1,) * len(shape)), (len(grid),) + shape)
    out = np.asarray(keras.ops.convert_to_numpy(layer(np.ascontiguousarray(batch))))
    labels = [_label(i, shape) for i in picked]
    if out.shape == batch.shape:
        return labels, {"y": out.reshape(len(grid), size)[:, picked]}
    if out.shape[:-1] == batch.shape[:-1] and out.shape[-1] == 2 * shape[-1]:
        c = shape[-1]
        real = out[..., :c].reshape(len(grid), size)[:, picked]
        imag = out[..., c:].reshape(len(grid), size)[:, picked]
        return labels, {"Re": real, "Im": imag}
    if out.shape[:-1] == batch.shape:
        # Terms of a series on a new last axis (merge="terms"): their sum is the curve.
        return labels, {"y": out.sum(axis=-1).reshape(len(grid), size)[:, picked]}
    raise UserInputError(
        f"cannot plot {layer.name!r}: output shape {out.shape} does not match its input "
        f"shape {batch.shape} elementwise"
    )


def _label(index: int, shape: tuple) -> str:
    if len(shape) == 1:
        return f"feature {index}"
    return f"feature {tuple(int(i) for i in np.unravel_index(index, shape))}"


def strongest_connections(weights, count: int) -> np.ndarray:
    """Return the flat ``(input, unit)`` indices of the ``count`` strongest connections.

    ``weights`` is a ``PolynomialDense`` kernel as ``(order, inputs, units)``;
    strength is the norm of the nonlinear weights (``p >= 2``), or of the
    linear ones when ``order`` is 1. Strongest first.
    """
    strength = np.sqrt((weights[1:] ** 2).sum(axis=0)) if len(weights) > 1 else abs(weights[0])
    return np.argsort(-strength, axis=None)[:count]


def polynomial_dense_curves(layer, x, features=4):
    """Curves ``g_ij(x) = sum_p W_p[i, j] B_p(x)`` of a ``PolynomialDense`` layer.

    ``g_ij`` is the contribution of input ``i`` to unit ``j`` (bias excluded).
    With a count, the pairs with the largest nonlinear weights
    (``p >= 2``) are shown: the most curved connections.

    Returns:
        ``(labels, {"y": array (len(x), n_pairs)})``.
    """
    import keras

    from learnact.layers.bounds import apply_bound
    from learnact.ops import basis_functions

    weights = layer.kernel_by_degree()
    order, inputs = weights.shape[:2]
    if isinstance(features, (int, np.integer)) and not isinstance(features, bool):
        count = check_int("features", int(features), minimum=1)
        picked = list(strongest_connections(weights, count))
    else:
        picked = _pick(inputs * layer.units, features)
    grid = np.asarray(x, dtype="float32").reshape(-1, 1)
    t = apply_bound(keras.ops.convert_to_tensor(grid), layer.input_bound, layer.bound_method)
    basis = np.asarray(keras.ops.convert_to_numpy(basis_functions(t, order, layer.basis)))
    curves, labels = [], []
    for flat in picked:
        i, j = (int(v) for v in np.unravel_index(int(flat), (inputs, layer.units)))
        curves.append(basis @ weights[:, i, j])
        labels.append(f"input {i} -> unit {j}")
    return labels, {"y": np.stack(curves, axis=1)}


def plot_activation(
    layer_or_model,
    x_range=(-3.0, 3.0),
    features=4,
    num: int = 201,
    ax=None,
    identity: bool = True,
    title=None,
):
    """Plot the learned activation curves of a learnact layer, or of every one in a model.

    For an elementwise layer (``TaylorExpansion``, ``SoftExponential``, any
    ``parametric_activation`` ...) each curve is ``x -> f(x; params_k)`` for
    one feature ``k``, computed by calling the layer on a grid, so bounds and
    parameterizations are included; complex layers show ``Re`` (solid) and
    ``Im`` (dashed). For ``PolynomialDense`` the curves are the per-connection
    polynomials ``g_ij(x) = sum_p W_p[i, j] B_p(x)``. The identity ``y = x``
    (dotted) is the reference a series layer starts from; a ``Rational`` shows
    the function it started as (its ``approximates``) instead.

    Args:
        layer_or_model: a built learnact layer, or a Keras model containing
            some (one panel per layer).
        x_range: ``(low, high)`` of the input grid.
        features: how many features per layer (the first ones; for
            ``PolynomialDense`` the most nonlinear connections), or a list of
            flat feature indices.
        num: number of grid points (>= 2).
        ax: Axes to draw a single layer into (default: a new figure).
        identity: draw the ``y = x`` reference.
        title: figure title (default: the model's name).

    Returns:
        The ``matplotlib.figure.Figure`` holding the plot.

    Raises:
        ValueError: a model without plottable learnact layers, a layer that
            is not a built learnact elementwise/``PolynomialDense`` layer, ``ax``
            with a model of several such layers, or bad ``x_range``/
            ``features``/``num``.

    Example:
        >>> from learnact.layers import TaylorExpansion
        >>> layer = TaylorExpansion(order=3)
        >>> layer.build((None, 4))
        >>> figure = plot_activation(layer, x_range=(-2, 2), features=3)
        >>> [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
        ['feature 0', 'feature 1', 'feature 2', 'identity']
    """
    import matplotlib.pyplot as plt

    lo, hi = check_interval("x_range", x_range)
    num = check_int("num", num, minimum=2)
    if hasattr(layer_or_model, "layers"):
        from learnact.layers import learnact_layers

        layers = [layer for layer in learnact_layers(layer_or_model) if _is_plottable(layer)]
        if not layers:
            raise UserInputError(
                f"model {layer_or_model.name!r} has no learnact activation layer to plot"
            )
        title = title if title is not None else layer_or_model.name
    else:
        if not _is_plottable(layer_or_model):
            raise UserInputError(
                "`layer_or_model` must be a learnact elementwise layer, a PolynomialDense "
                f"or a model; received {type(layer_or_model).__name__}"
            )
        layers = [layer_or_model]
    if ax is not None and len(layers) > 1:
        raise UserInputError(f"`ax` can hold one layer; the model has {len(layers)} to plot")

    x = np.linspace(lo, hi, num, dtype="float32")
    if ax is None:
        cols = min(len(layers), 3)
        rows = math.ceil(len(layers) / cols)
        figure, axes = plt.subplots(
            rows, cols, figsize=(4.8 * cols, 3.8 * rows), squeeze=False, layout="constrained"
        )
        axes = list(axes.flat)
        for extra in axes[len(layers) :]:
            extra.set_visible(False)
    else:
        figure, axes = ax.figure, [ax]
    for axis, layer in zip(axes, layers, strict=False):
        _draw(axis, layer, x, features, identity)
    if title:
        figure.suptitle(title)
    return figure


def _draw(ax, layer, x, features, identity):
    from learnact.layers import PolynomialDense

    if isinstance(layer, PolynomialDense):
        labels, parts = polynomial_dense_curves(layer, x, features)
        identity = False  # a connection's polynomial does not start as the identity
    else:
        labels, parts = elementwise_curves(layer, x, features)
    colors = [f"C{i % 10}" for i in range(len(labels))]
    styles = {"y": "-", "Re": "-", "Im": "--"}
    for part, curves in parts.items():
        for k, label in enumerate(labels):
            suffix = "" if part == "y" else f" ({part})"
            ax.plot(x, curves[:, k], styles[part], color=colors[k], label=label + suffix)
    start = getattr(layer, "starting_function", None)
    start = start(x) if identity and start is not None else None
    if start is not None:
        # A rational starts as a named function (rational_fit): show that instead.
        ax.plot(x, start, ":", color="0.5", label=f"start: {layer.approximates}")
        identity = False
    if identity:
        ax.plot(x, x, ":", color="0.5", label="identity")
    # One exploding high power must not flatten every other curve: if the
    # values span far more than the inputs do, show their central 98% only.
    references = [x] if identity else [start] if start is not None else []
    values = np.concatenate([c.ravel() for c in parts.values()] + references)
    values = values[np.isfinite(values)]
    if values.size and np.ptp(values) > 10 * np.ptp(x):
        lo, hi = np.percentile(values, [1, 99])
        pad = 0.1 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_title(f"{layer.name} ({type(layer).__name__})", fontsize="medium")
    ax.set_xlabel("input x")
    ax.set_ylabel("output f(x)")
    ax.grid(True, alpha=0.3)
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.legend(fontsize="small")

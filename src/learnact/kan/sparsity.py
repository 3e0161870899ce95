"""Sparse KANs, as pykan makes them: an L1 + entropy penalty on the edges, then pruning.

* :class:`KANSparsity`: pykan's regulariser on edge activations, a Keras
  regulariser given to ``KANDense(edge_regularizer=...)``;
* :func:`prune`: a smaller model without the edges and hidden units whose
  activations on ``x`` vary less than a threshold.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact._checks import check_choice, check_real
from learnact._keras_private import keep_64_bit_results
from learnact.errors import UserInputError
from learnact.kan.grids import _numpy, _tensor, check_batch, kan_layers
from learnact.layers.cloning import rebuild
from learnact.layers.evaluation import evaluate


@keras.saving.register_keras_serializable(package="learnact")
class KANSparsity(keras.regularizers.Regularizer):
    """pykan's sparsity penalty on the edges of a ``KANDense``: L1 plus entropy.

    Called on every edge on a batch, ``(batch, inputs, units)``: what
    ``KANDense(edge_regularizer=KANSparsity(...))`` passes, each edge
    ``phi_ij(x_i)`` (base and spline) over ``std(x_i) + 0.1``. Each edge's
    size is then its standard deviation over the batch, pykan's
    ``acts_scale``; the penalty pushes the sum of the sizes down (L1) and
    concentrates them on few edges per unit (entropy of the rows and columns),
    as pykan's ``reg_metric="edge_forward_spline_n"`` (whose "spline" means
    the numerical edge, base branch included).

    Formula:
        a_ij = std_batch(edges_ij) = std_batch(phi_ij(x_i)) / (std_batch(x_i) + 0.1)
        p^row_ij = a_ij / (sum_i a_ij + 1),  p^col_ij = a_ij / (sum_j a_ij + 1)
        H = -mean_j sum_i p^row log2(p^row + 1e-4) - mean_i sum_j p^col log2(p^col + 1e-4)
        penalty = strength * (l1 * sum_ij a_ij + entropy * H)

    Args:
        strength: pykan's ``lamb`` (>= 0).
        l1: pykan's ``lamb_l1`` (default 1).
        entropy: pykan's ``lamb_entropy`` (default 2).

    Returns:
        Called on ``edges``: a scalar tensor.

    Raises:
        ValueError: a negative or non-number argument.

    Example:
        >>> import numpy as np
        >>> edges = np.array([[[0.0, 1.0]], [[2.0, 1.0]]])  # batch 2, 1 input, 2 units
        >>> float(KANSparsity(strength=1.0, entropy=0.0)(edges))
        1.0
    """

    def __init__(self, strength: float = 1e-3, l1: float = 1.0, entropy: float = 2.0):
        self.strength = check_real("strength", strength, minimum=0.0)
        self.l1 = check_real("l1", l1, minimum=0.0)
        self.entropy = check_real("entropy", entropy, minimum=0.0)

    def __call__(self, edges):
        edges = ops.convert_to_tensor(edges)
        sizes = ops.std(edges, axis=0)  # (inputs, units)
        total = ops.sum(sizes)
        rows = sizes / (ops.sum(sizes, axis=0, keepdims=True) + 1)  # over inputs, per unit
        cols = sizes / (ops.sum(sizes, axis=1, keepdims=True) + 1)  # over units, per input
        log2 = np.log(2.0)
        h_rows = -ops.mean(ops.sum(rows * ops.log(rows + 1e-4), axis=0)) / log2
        h_cols = -ops.mean(ops.sum(cols * ops.log(cols + 1e-4), axis=1)) / log2
        return self.strength * (self.l1 * total + self.entropy * (h_rows + h_cols))

    def get_config(self) -> dict:
        return {"strength": self.strength, "l1": self.l1, "entropy": self.entropy}


PRUNE_SCORES = ("attribution", "size")


def attribution_scores(edges, outputs) -> tuple[list, list]:
    """pykan's attribution scores of a KAN's units and edges, from the last layer back.

    Formula (layer ``l`` of ``L``, edge sizes ``a_ij = std(phi_ij)``, unit
    spreads ``sigma_j = std(y_j)`` of the layer's outputs; one score row per
    output ``k``, averaged over ``k`` at the end):
        s^L_k = e_k   (each output scores itself 1)
        E^l_kij = a^l_ij s^(l+1)_kj / (sigma^l_j + 1e-4)
        s^l_ki = sum_j E^l_kij

    An edge scores the share of the output's variation that flows through it,
    a unit the sum of its outgoing edges' scores: unlike the raw sizes, a
    large edge into a unit the output ignores scores nothing.

    Args:
        edges: per layer, its edge values ``(batch, inputs, units)``.
        outputs: per layer, its outputs ``(batch, units)``.

    Returns:
        ``(unit_scores, edge_scores)``: per layer, the scores of its input
        units ``(inputs,)`` and of its edges ``(inputs, units)``.

    Raises:
        ValueError: ``edges`` and ``outputs`` that are not lists of as many
            arrays, of shapes ``(batch, inputs, units)`` and ``(batch,
            units)``, chained (each layer's inputs the previous one's units).

    Example:
        >>> e = np.array([[[0.0, 1.0]], [[2.0, 1.0]]])  # batch 2, 1 input, 2 units
        >>> units, edges = attribution_scores([e], [e.sum(axis=1)])
        >>> edges[0].round(3)  # both edges carry all of their output's variation
        array([[0.5, 0. ]])
    """
    if not isinstance(edges, (list, tuple)) or not isinstance(outputs, (list, tuple)):
        raise UserInputError(
            "`edges` and `outputs` must be lists with one array per layer; received "
            f"{type(edges).__name__} and {type(outputs).__name__}"
        )
    edges = [np.asarray(e, dtype=np.float64) for e in edges]
    outputs = [np.asarray(o, dtype=np.float64) for o in outputs]
    if not edges or len(edges) != len(outputs):
        raise UserInputError(
            "`edges` and `outputs` must hold one array per layer, as many of each (at least "
            f"one); received {len(edges)} and {len(outputs)}"
        )
    for l_index, (e, o) in enumerate(zip(edges, outputs, strict=True)):
        if e.ndim != 3 or o.shape != (e.shape[0], e.shape[2]):
            raise UserInputError(
                f"layer {l_index}: `edges` must be (batch, inputs, units) and `outputs` "
                f"(batch, units); received shapes {e.shape} and {o.shape}"
            )
        if l_index and e.shape[1] != edges[l_index - 1].shape[2]:
            raise UserInputError(
                f"layer {l_index} takes {e.shape[1]} inputs but layer {l_index - 1} gives "
                f"{edges[l_index - 1].shape[2]} outputs"
            )
    depth = len(edges)
    score = np.eye(outputs[-1].shape[1])  # (k, j)
    unit_scores, edge_scores = [None] * depth, [None] * depth
    for l_index in range(depth - 1, -1, -1):
        sizes = edges[l_index].std(axis=0)  # (i, j)
        spread = outputs[l_index].std(axis=0)  # (j,)
        per_output = sizes[None] * (score / (spread + 1e-4))[:, None, :]  # (k, i, j)
        score = per_output.sum(axis=2)  # (k, i)
        edge_scores[l_index] = per_output.mean(axis=0)
        unit_scores[l_index] = score.mean(axis=0)
    return unit_scores, edge_scores


def prune(
    model,
    x,
    threshold: float = 1e-2,
    edge_threshold: float = 3e-2,
    scores: str = "attribution",
):
    """Return a smaller copy of a KAN without its inactive edges and hidden units.

    Judged on ``x``. With ``scores="attribution"`` (pykan's ``prune``): the
    hidden units whose :func:`attribution_scores` are at most ``threshold``
    are removed, then, on the smaller network, the edges whose scores are at
    most ``edge_threshold`` are cut. With ``scores="size"``: an edge is
    inactive when its activation varies little, ``std_x(phi_ij(x_i)) <=
    threshold``, and a hidden unit is removed when all its incoming or all its
    outgoing edges are inactive (``edge_threshold`` is not used).

    What is cut is only the variation: a cut edge becomes the constant
    ``mean_x phi_ij``, added to the bias of its unit (when the layer has one).
    In the last layer the new model then differs from the old on ``x`` by the
    sum of the cut edges' deviations from their means; a cut in an earlier
    layer changes what the later layers receive, and the output by what
    their edges make of that change (more, through a steep edge).

    Args:
        model: a Sequential of ``KANDense`` layers (an ``Input``, then KANDense
            only: pykan's KAN); it is not changed.
        x: a batch of model inputs, not empty, finite.
        threshold: a number >= 0: units (attribution) or edges (size) scoring
            at most this are cut (pykan's ``node_th``, 1e-2).
        edge_threshold: a number >= 0: edges whose attribution scores at most
            this are cut (pykan's ``edge_th``, 3e-2).
        scores: "attribution" (pykan's) or "size".

    Returns:
        A new Sequential of ``KANDense`` with as many or fewer hidden units,
        the inputs and outputs unchanged.

    Raises:
        ValueError: a ``threshold`` or ``edge_threshold`` that is not a number
            or is negative, an unknown ``scores``, a bad ``x``, a model that is
            not a Sequential of ``KANDense``.

    Example:
        >>> import keras, numpy as np
        >>> from learnact.layers import KANDense
        >>> model = keras.Sequential([keras.Input((2,)), KANDense(4), KANDense(1)])
        >>> w = model.layers[1].get_weights()
        >>> w[0][2:], w[1][2:] = 0.0, 0.0  # units 2 and 3 unused by the output
        >>> model.layers[1].set_weights(w)
        >>> x = np.random.default_rng(0).uniform(-1, 1, (100, 2))
        >>> small = prune(model, x)
        >>> [layer.units for layer in small.layers]
        [2, 1]
    """
    threshold = check_real("threshold", threshold, minimum=0.0)
    edge_threshold = check_real("edge_threshold", edge_threshold, minimum=0.0)
    scores = check_choice("scores", scores, PRUNE_SCORES)
    x = check_batch("x", x, model)
    layers = kan_layers(model)
    if not isinstance(model, keras.Sequential) or len(layers) != len(model.layers):
        raise UserInputError(
            "`model` must be a Sequential of KANDense layers (pykan's KAN) to be pruned; "
            f"received model={model!r}"
        )
    if scores == "size":
        edges = _activations(layers, x)[0]
        active = [e.std(axis=0) > threshold for e in edges]
        return _cut(model, layers, x, edges, active, _units_with_active_edges(edges, active))
    edges, outputs = _activations(layers, x)
    units, _ = attribution_scores(edges, outputs)
    keep = [np.arange(edges[0].shape[1])]
    for l_index in range(1, len(layers)):
        kept = np.flatnonzero(units[l_index] > threshold)
        if kept.size == 0:  # keep the unit that matters most: a layer needs one
            kept = np.array([int(np.argmax(units[l_index]))])
        keep.append(kept)
    keep.append(np.arange(layers[-1].units))
    everything = [np.ones(e.shape[1:], dtype=bool) for e in edges]
    smaller = _cut(model, layers, x, edges, everything, keep)
    layers = kan_layers(smaller)
    edges, outputs = _activations(layers, x)
    _, edge_scores = attribution_scores(edges, outputs)
    active = [e > edge_threshold for e in edge_scores]
    return _cut(
        smaller,
        layers,
        x,
        edges,
        active,
        [np.arange(e.shape[1]) for e in edges] + [np.arange(layers[-1].units)],
    )


def _activations(layers, x) -> tuple[list, list]:
    """Every layer's edge values ``(batch, inputs, units)`` and outputs on ``x``.

    A layer's output is the sum of its edges plus its bias: summed here rather
    than evaluated by a second compiled call (0.2 s of compilation per layer
    and pruning pass on JAX).
    """
    edges, outputs = [], []
    with keep_64_bit_results():
        h = x
        for layer in layers:
            edges.append(evaluate(layer, h, "edge_values"))
            h = edges[-1].sum(axis=-2)  # over the inputs axis
            if layer.bias is not None:
                h = h + _numpy(layer.bias)
            outputs.append(h)
    return edges, outputs


def _units_with_active_edges(edges, active) -> list:
    """Per layer's inputs, the units kept: some edge into them and some out of them active."""
    sizes = [e.std(axis=0) for e in edges]
    keep = [np.arange(edges[0].shape[1])]
    for l_index in range(len(edges) - 1):
        into = active[l_index].any(axis=0)
        out = active[l_index + 1].any(axis=1)
        kept = np.flatnonzero(into & out)
        if kept.size == 0:  # keep the liveliest unit: a layer needs one
            kept = np.array([int(np.argmax(sizes[l_index].max(axis=0)))])
        keep.append(kept)
    keep.append(np.arange(edges[-1].shape[2]))
    return keep


def _cut(model, layers, x, edges, active, keep):
    """A new Sequential with the units ``keep`` and the ``active`` edges; cut edges -> bias."""
    new_layers, restores = [keras.Input((x.shape[1],))], []
    for l_index, layer in enumerate(layers):
        config = layer.get_config()
        config["units"] = len(keep[l_index + 1])
        config.pop("name", None)
        new, restore = rebuild(type(layer), config)
        new_layers.append(new)
        restores.append(restore)
    pruned = keras.Sequential(new_layers)
    for restore in restores:
        restore()
    for l_index, (old, new) in enumerate(zip(layers, pruned.layers, strict=True)):
        rows, cols = keep[l_index], keep[l_index + 1]
        cut = ~active[l_index]
        # Cut edges: out of a removed input unit, or inactive themselves.
        removed_rows = np.setdiff1d(np.arange(cut.shape[0]), rows)
        cut[removed_rows, :] = True
        means = edges[l_index].mean(axis=0)  # (inputs, units)
        spline = _numpy(old.spline_kernel)
        spline[cut[:, None, :].repeat(spline.shape[1], axis=1)] = 0.0
        new.grid.assign(_tensor(_numpy(old.grid)[rows], new))
        new.spline_kernel.assign(_tensor(spline[rows][:, :, cols], new))
        if old.spline_scale is not None:
            new.spline_scale.assign(_tensor(_numpy(old.spline_scale)[rows][:, cols], new))
        if old.base_kernel is not None:
            base = np.where(cut, 0.0, _numpy(old.base_kernel))
            new.base_kernel.assign(_tensor(base[rows][:, cols], new))
        if old.bias is not None:
            bias = _numpy(old.bias) + np.where(cut, means, 0.0).sum(axis=0)
            new.bias.assign(_tensor(bias[cols], new))
    return pruned


__all__ = ["PRUNE_SCORES", "KANSparsity", "attribution_scores", "prune"]

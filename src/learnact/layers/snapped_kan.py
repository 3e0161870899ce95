"""``SnappedKANDense``: a ``KANDense`` whose chosen edges are closed-form functions.

pykan's ``auto_symbolic`` replaces an edge's spline by ``a g(b x + c) + d``
for a known ``g``; here the replaced edges are listed in the layer's
configuration (so the model saves as ``.keras``) and their ``a, b, c, d`` are
trainable weights. :func:`learnact.symbolic.snap` makes these layers.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from learnact.errors import UserInputError
from learnact.layers.kan_dense import KANDense
from learnact.layers.precision import widen
from learnact.ops.special import bessel_j0


def _safe_inverse(z):
    tiny = ops.cast(1e-30, z.dtype)
    safe = ops.where(ops.abs(z) < tiny, ops.where(z < 0, -tiny, tiny), z)
    return 1.0 / safe


# The functions an edge can snap to, on keras.ops, by name. Outside their
# domain sqrt, log and 1/x are evaluated at the nearest point inside it, so
# that a finite input never gives NaN.
EDGE_FUNCTIONS: dict[str, Callable] = {
    "x": lambda z: z,
    "x^2": lambda z: z * z,
    "x^3": lambda z: z * z * z,
    "x^4": lambda z: (z * z) * (z * z),
    "1/x": _safe_inverse,
    "sqrt": lambda z: ops.sqrt(ops.maximum(z, 0.0)),
    "exp": ops.exp,
    "log": lambda z: ops.log(ops.maximum(z, ops.cast(1e-30, z.dtype))),
    "sin": ops.sin,
    "cos": ops.cos,
    "tanh": ops.tanh,
    "abs": ops.abs,
    "gaussian": lambda z: ops.exp(-(z * z)),
    "J0": bessel_j0,
}


def register_edge_function(name: str, fn: Callable) -> None:
    """Make ``fn`` (written with ``keras.ops``) available to snapped edges as ``name``.

    Register it before loading a model that uses it (as for custom layers).

    Raises:
        ValueError: ``name`` not a non-empty string, or ``fn`` not callable.
    """
    if not isinstance(name, str) or not name:
        raise UserInputError(f"`name` must be a non-empty string; received name={name!r}")
    if not callable(fn):
        raise UserInputError(f"`fn` must be callable (keras.ops); received fn={fn!r}")
    EDGE_FUNCTIONS[name] = fn


@keras.saving.register_keras_serializable(package="learnact")
class SnappedKANDense(KANDense):
    """A ``KANDense`` whose edges in ``symbolic_edges`` are ``a g(b x_i + c) + d``.

    Formula:
        phi_ij(x) = a_e g_e(b_e x + c_e) + d_e      for edge e = (i, j, g_e) listed
                  = w_ij base(x) + sum_k c_ijk B_k(x) otherwise (KANDense)
        y_j = sum_i phi_ij(x_i) + b_j

    The spline and base weights of a listed edge stay in the layer but are
    masked out (they receive no gradient); ``affine`` ``(edges, 4)`` holds
    ``[a, b, c, d]`` per listed edge, trainable. A layer whose every edge is
    listed (and without an ``edge_regularizer``) does not evaluate its B-splines.

    Args:
        units: as ``KANDense``.
        symbolic_edges: ``[(i, j, name), ...]`` with ``name`` a key of
            :data:`EDGE_FUNCTIONS`.
        **kwargs: every ``KANDense`` argument.

    Raises:
        ValueError: an unknown function name or a repeated edge.

    Example:
        >>> layer = SnappedKANDense(2, symbolic_edges=[(0, 1, "sin")])
        >>> tuple(layer(np.zeros((3, 2))).shape), tuple(layer.affine.shape)
        ((3, 2), (1, 4))
    """

    def __init__(self, units, symbolic_edges=(), **kwargs):
        super().__init__(units, **kwargs)
        edges = []
        for edge in symbolic_edges:
            i, j, name = edge
            if name not in EDGE_FUNCTIONS:
                raise UserInputError(
                    f"edge {tuple(edge)}: unknown function {name!r}; known: "
                    f"{sorted(EDGE_FUNCTIONS)} (register_edge_function adds one)"
                )
            edges.append((int(i), int(j), str(name)))
        if len({(i, j) for i, j, _ in edges}) != len(edges):
            raise UserInputError(f"`symbolic_edges` lists an edge twice: {edges!r}")
        self.symbolic_edges = edges

    def build(self, input_shape):
        super().build(input_shape)
        inputs = int(input_shape[-1])
        mask = np.ones((inputs, self.units))
        for i, j, _ in self.symbolic_edges:
            if not (0 <= i < inputs and 0 <= j < self.units):
                raise UserInputError(
                    f"edge ({i}, {j}) is outside the layer's {inputs} inputs x {self.units} units"
                )
            mask[i, j] = 0.0
        self._mask = mask
        start = np.tile([1.0, 1.0, 0.0, 0.0], (len(self.symbolic_edges), 1))
        self.affine = self.add_weight(
            name="affine",
            shape=start.shape,
            initializer=lambda shape, dtype=None: ops.convert_to_tensor(start, dtype=dtype),
        )

    def _symbolic(self, x):
        """``(..., inputs, units)`` values of the listed edges (0 elsewhere)."""
        out = None
        affine = ops.cast(self.affine, x.dtype)
        inputs = int(x.shape[-1])
        for e, (i, j, name) in enumerate(self.symbolic_edges):
            a, b, c, d = (affine[e, k] for k in range(4))
            value = a * EDGE_FUNCTIONS[name](b * x[..., i] + c) + d
            place = np.zeros((inputs, self.units), bool)
            place[i, j] = True
            # where, not a product with a 0/1 mask: an infinite value times 0 is NaN.
            term = ops.where(place, value[..., None, None], ops.cast(0.0, x.dtype))
            out = term if out is None else out + term
        return out

    def edge_values(self, x):
        x = widen(ops.convert_to_tensor(x))
        phi = super().edge_values(x) * ops.cast(self._mask, x.dtype)
        symbolic = self._symbolic(x)
        return phi if symbolic is None else phi + symbolic

    def _forward(self, inputs):
        x = widen(inputs)
        if not self._mask.any() and self.edge_regularizer is None:
            # Every edge is closed-form: the masked spline and base branches would add
            # exact zeros, so they are not evaluated (nor compiled, nor differentiated).
            y = ops.sum(self._symbolic(x), axis=-2)
            if self.bias is not None:
                y = y + ops.cast(self.bias, x.dtype)
            return ops.cast(y, inputs.dtype)
        mask = ops.cast(self._mask, x.dtype)
        features = self._features(x)
        spline = ops.cast(self.scaled_spline_kernel, x.dtype) * mask[:, None, :]
        base = None if self.base_kernel is None else ops.cast(self.base_kernel, x.dtype) * mask
        # pykan's penalty reads the numerical edges only: the snapped ones are masked.
        y = self._edge_sum(x, features, spline, base)
        symbolic = self._symbolic(x)
        if symbolic is not None:
            y = y + ops.sum(symbolic, axis=-2)
        if self.bias is not None:
            y = y + ops.cast(self.bias, x.dtype)
        return ops.cast(y, inputs.dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config["symbolic_edges"] = [list(edge) for edge in self.symbolic_edges]
        return config


__all__ = ["EDGE_FUNCTIONS", "SnappedKANDense", "register_edge_function"]

"""Evaluate a layer or model on a NumPy batch outside training, compiled once on JAX.

Grid updates, refinement, pruning and snapping read what a layer computes on
a whole batch (its output, its edges) between two fits. Eager JAX runs such a
call op by op and compiles every op on its first use with a new shape: about
1.5 s before the first grid update of a small KAN, paid again for every new
model that pruning or refinement makes. :func:`evaluate` runs the call as one
``jax.jit`` program instead (the layer's variables are arguments, so the
weights may change between calls without a new compilation); elsewhere it
calls the layer eagerly.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np

# One compiled function per layer and method; the variables' values and the batch
# are arguments, so weight updates (a grid update, a fit) reuse the compilation.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def evaluate(layer, x, method: str = "__call__") -> np.ndarray:
    """Return ``layer.<method>(x)`` as a float64 NumPy array.

    Formula: ``getattr(layer, method)(x)``, in the layer's compute dtype.

    Args:
        layer: a built Keras layer or model.
        x: a NumPy batch (or a list of them for a multi-input model), cast to
            the layer's compute dtype.
        method: the name of the layer's method taking the batch (``"__call__"``,
            or e.g. ``"edge_values"`` of a ``KANDense``).

    Returns:
        The result as a float64 NumPy array.

    Raises:
        AttributeError: ``layer`` has no such method.

    Example:
        >>> import keras, numpy as np
        >>> layer = keras.layers.Dense(1, kernel_initializer="ones")
        >>> evaluate(layer, np.array([[1.0, 2.0]]))
        array([[3.]])
    """
    fn = getattr(layer, method)
    dtype = layer.compute_dtype
    if isinstance(x, (list, tuple)):
        data = [keras.ops.convert_to_tensor(np.asarray(a, dtype=dtype)) for a in x]
    else:
        data = keras.ops.convert_to_tensor(np.asarray(x, dtype=dtype))
    if keras.backend.backend() != "jax" or not layer.built:
        return _as_numpy(fn(data))
    import jax

    variables = list(layer.variables)
    compiled = _COMPILED.setdefault(layer, {})
    key = (method, tuple(id(v) for v in variables))
    if key not in compiled:

        def pure(values, batch):
            mapping = list(zip(variables, values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                return getattr(layer, method)(batch)

        compiled[key] = jax.jit(pure)
    return _as_numpy(compiled[key]([v.value for v in variables], data))


def _as_numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


__all__ = ["evaluate"]

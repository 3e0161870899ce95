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

from learnact._backend import jit_for_few_runs
from learnact.errors import UserInputError

# One compiled function per layer and method; the variables' values and the batch
# are arguments, so weight updates (a grid update, a fit) reuse the compilation.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def evaluate(layer, x, method: str = "__call__") -> np.ndarray:
    """Return ``layer.<method>(x)`` as a float64 NumPy array.

    Formula: ``getattr(layer, method)(x)``, in the layer's compute dtype.

    Args:
        layer: a built Keras layer or model.
        x: a batch (an array or nested lists; a list of them for a model with
            several inputs), cast to the layer's compute dtype.
        method: the name of the layer's method taking the batch (``"__call__"``,
            or e.g. ``"edge_values"`` of a ``KANDense``).

    Returns:
        The result as a float64 NumPy array (a list or dict of them for a
        model with several outputs, as Keras returns them).

    Raises:
        ValueError: ``method`` does not name a method of ``layer``.

    Example:
        >>> import keras, numpy as np
        >>> layer = keras.layers.Dense(1, kernel_initializer="ones")
        >>> evaluate(layer, np.array([[1.0, 2.0]]))
        array([[3.]])
    """
    fn = getattr(layer, method, None) if isinstance(method, str) else None
    if not callable(fn):
        raise UserInputError(
            f"`method` must name a method of {layer.name!r} that takes the batch; "
            f"received method={method!r}"
        )
    dtype = layer.compute_dtype
    if isinstance(x, (list, tuple)):
        try:
            several = len(layer.inputs) > 1
        except (AttributeError, TypeError, ValueError):  # a layer, or a subclassed model
            # Unknown: arrays in a list are its inputs (a merge layer's), nested Python
            # lists of numbers are one batch.
            several = all(hasattr(a, "shape") for a in x)
    else:
        several = False
    if several:
        data = [keras.ops.convert_to_tensor(np.asarray(a, dtype=dtype)) for a in x]
    else:  # one batch, also as nested Python lists
        data = keras.ops.convert_to_tensor(np.asarray(x, dtype=dtype))
    if keras.backend.backend() != "jax" or not layer.built:
        return _as_numpy(fn(data))

    variables = list(layer.variables)
    compiled = _COMPILED.setdefault(layer, {})
    key = (method, tuple(id(v) for v in variables))
    if key not in compiled:
        # A weak reference: the cache is keyed by the layer, and a closure holding
        # the layer itself would keep it (and its compiled code) alive for ever.
        owner = weakref.ref(layer)

        def pure(values, batch):
            mapping = list(zip(owner().variables, values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                return getattr(owner(), method)(batch)

        compiled[key] = jit_for_few_runs(pure)
    return _as_numpy(compiled[key]([v.value for v in variables], data))


def layer_inputs(model, x, layer) -> np.ndarray:
    """Return what ``layer`` of ``model`` receives when ``model`` is called on ``x`` (NumPy).

    Formula: ``model``'s layers before ``layer`` applied to ``x`` in turn (a
    Sequential, each layer's compiled :func:`evaluate`), or the functional
    sub-model from ``model``'s inputs to ``layer``'s input.

    Raises:
        ValueError: ``model`` is not ``layer`` itself, a Sequential or a
            functional model (one whose layers' inputs are known).

    Example:
        >>> import keras, numpy as np
        >>> double = keras.layers.Rescaling(2.0)
        >>> model = keras.Sequential([keras.Input((1,)), double, keras.layers.Dense(1)])
        >>> layer_inputs(model, np.array([[1.5]]), model.layers[1])
        array([[3.]])
    """
    if layer is model:
        return np.asarray(x, dtype=np.float64)
    if isinstance(model, keras.Sequential):
        h = np.asarray(x, dtype=np.float64)
        for current in model.layers:
            if current is layer:
                return h
            h = evaluate(current, h)
    try:
        probe = keras.Model(model.inputs, layer.input)
    except (AttributeError, ValueError) as exc:
        raise UserInputError(
            "`model` must be a KANDense, a Sequential or a functional model (the inputs of "
            f"its layers are needed); received model={model!r} ({exc})"
        ) from None
    return evaluate(probe, x)


def _as_numpy(value):
    """One float64 array, or the same structure of them for several outputs."""
    return keras.tree.map_structure(
        lambda v: np.asarray(keras.ops.convert_to_numpy(v), dtype=np.float64), value
    )


def copy_variable(target, source) -> None:
    """Assign to ``target`` a copy of ``source``'s value (a variable or array), never its buffer.

    Formula: ``target := array(source)``, in ``target``'s dtype.

    On JAX, ``target.assign(source_variable)`` hands over the same device
    array; a later compiled step that donates one model's buffers (Keras's
    ``fit``, ``predict``) then deletes the other model's weights too. A
    refined, pruned or snapped copy must not share memory with its original.

    Args:
        target: a Keras variable.
        source: a Keras variable or an array of ``target``'s shape.

    Example:
        >>> import keras, numpy as np
        >>> a, b = keras.Variable(np.ones(2)), keras.Variable(np.zeros(2))
        >>> copy_variable(b, a)
        >>> keras.ops.convert_to_numpy(b).tolist()
        [1.0, 1.0]
    """
    target.assign(np.array(keras.ops.convert_to_numpy(source)))


__all__ = ["copy_variable", "evaluate", "layer_inputs"]

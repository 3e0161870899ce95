"""Refusing complex inputs: every learnact layer computes on real numbers only.

Keras casts only floating inputs to a layer's dtype and passes complex ones
through, so without a check a complex tensor reaches the layer's arithmetic,
where each backend silently drops the imaginary part or mixes it in
differently. The check sits in ``__call__``, before Keras converts anything,
so it sees NumPy arrays, backend tensors and symbolic ``keras.Input``s alike.
"""

from __future__ import annotations

import keras

from learnact.errors import UserInputError


def _complex_dtype(value) -> str | None:
    """Return the dtype name of ``value`` if it is a complex array or tensor, else None."""
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return None
    try:
        name = keras.backend.standardize_dtype(dtype)
    except (ValueError, TypeError, AttributeError):
        name = str(dtype)
    return name if "complex" in name else None


def check_real_inputs(layer, inputs) -> None:
    """Raise ``UserInputError`` if any array or tensor in ``inputs`` is complex.

    Args:
        layer: the layer being called (named in the message).
        inputs: the positional and keyword arguments of the call (any nesting).

    Raises:
        UserInputError: naming the layer's class, its name and the dtype received.

    Example:
        >>> import numpy as np
        >>> check_real_inputs(keras.layers.Identity(name="id"), np.ones(2, "float32"))
        >>> check_real_inputs(keras.layers.Identity(name="id"), np.ones(2, "complex64"))
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: Identity layer 'id' takes real inputs; received an ...
    """
    for value in keras.tree.flatten(inputs):
        dtype = _complex_dtype(value)
        if dtype is not None:
            raise UserInputError(
                f"{type(layer).__name__} layer {layer.name!r} takes real inputs; received an "
                f"input of dtype {dtype} (pass the real and imaginary parts as separate "
                "real features)"
            )


class RealInputs:
    """Mixin for a Keras layer that refuses complex inputs with a clear error.

    Put it before ``keras.layers.Layer`` in the bases; every call then goes
    through :func:`check_real_inputs` before Keras converts the inputs.
    """

    def __call__(self, *args, **kwargs):
        check_real_inputs(self, (args, kwargs))
        return super().__call__(*args, **kwargs)


__all__ = ["RealInputs", "check_real_inputs"]

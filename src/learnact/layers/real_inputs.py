"""Real inputs: every learnact layer computes on real floating numbers only.

Keras casts only floating inputs to a layer's dtype and passes complex,
integer and boolean ones through. A complex tensor would reach the layer's
arithmetic, where each backend silently drops the imaginary part or mixes it
in differently: it is refused. An integer or boolean one would be computed in
integer arithmetic (a rational or a polynomial of ``[[1, 2]]`` truncated to
integers): it is cast to the layer's compute dtype, as a float input would be.
Both happen in ``__call__``, before Keras converts anything, so they see NumPy
arrays, backend tensors and symbolic ``keras.Input``s alike.
"""

from __future__ import annotations

import keras

from learnact.errors import UserInputError


def _dtype_name(value) -> str | None:
    """Return the dtype name of an array or tensor ``value``, else None."""
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return None
    try:
        return keras.backend.standardize_dtype(dtype)
    except (ValueError, TypeError, AttributeError):
        return str(dtype)


def _complex_dtype(value) -> str | None:
    """Return the dtype name of ``value`` if it is a complex array or tensor, else None."""
    name = _dtype_name(value)
    return name if name is not None and "complex" in name else None


def cast_integer_inputs(layer, inputs):
    """Return ``inputs`` with integer and boolean arrays or tensors cast to the compute dtype.

    Example:
        >>> import numpy as np
        >>> x = cast_integer_inputs(keras.layers.Identity(), np.array([[1, 2]]))
        >>> keras.backend.standardize_dtype(x.dtype)
        'float32'
    """

    def cast(value):
        name = _dtype_name(value)
        if name is not None and (name == "bool" or name.startswith(("int", "uint"))):
            return keras.ops.cast(value, layer.compute_dtype)
        return value

    return keras.tree.map_structure(cast, inputs)


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
    """Mixin for a Keras layer that computes on real floating inputs.

    Put it before ``keras.layers.Layer`` in the bases; every call then goes
    through :func:`check_real_inputs` (complex refused) and its inputs (the
    first argument; a mask or a ``training`` flag is left alone) through
    :func:`cast_integer_inputs`, before Keras converts them.
    """

    def __call__(self, *args, **kwargs):
        check_real_inputs(self, (args, kwargs))
        if args:
            args = (cast_integer_inputs(self, args[0]), *args[1:])
        elif "inputs" in kwargs:
            kwargs["inputs"] = cast_integer_inputs(self, kwargs["inputs"])
        return super().__call__(*args, **kwargs)


__all__ = ["RealInputs", "cast_integer_inputs", "check_real_inputs"]

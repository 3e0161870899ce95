"""Precision of polynomial layers under mixed precision."""

from __future__ import annotations

import keras
from keras import ops

HALF_DTYPES = ("float16", "bfloat16")


def widen(x):
    """Return ``x`` cast to float32 if it is half precision, else unchanged.

    Powers overflow float16 early (``50**3 > 65504``) and ``0 * inf`` is NaN,
    so polynomial layers compute in at least float32 and cast the result back,
    as Keras's normalization layers do under mixed precision.

    Args:
        x: tensor.

    Returns:
        ``x`` in float32 (half-precision input) or in its own dtype.

    Example:
        >>> keras.backend.standardize_dtype(widen(keras.ops.ones((2,), dtype="float16")).dtype)
        'float32'
    """
    if keras.backend.standardize_dtype(x.dtype) in HALF_DTYPES:
        return ops.cast(x, "float32")
    return x

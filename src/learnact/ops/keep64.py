"""``keras.ops`` functions that keep float64 float64, on every backend.

Two ways Keras 3.15 computes part of a float64 model in float32:

* ``keras.ops.where`` on PyTorch turns a Python number into a float32 tensor
  before it meets the other branch: ``where(c, x64, 1e300)`` gives ``inf``,
  ``where(c, x64, 0.1)`` gives ``0.1`` rounded to float32.
  :func:`where` gives a Python number the other branch's dtype first.
* Keras's type promotion maps float64 results to float32 (to mirror JAX without
x64) in some ops and on some backends only: with Keras 3.15,
``matmul``, ``cumsum``, ``arctan2`` and ``tensordot`` on PyTorch, and ``cos``,
``sin``, ``arctan``, ``tanh`` on JAX with x64 enabled, return float32 for
float64 inputs. A float64 model then computes partly in float32: it
overflows at 3.4e38 and rounds at 1e-7. Each function here calls the
``keras.ops`` function of the same name, with that demotion switched off
while it runs when one of its tensor arguments is float64 (and exactly as
Keras does otherwise). Use them wherever a learnact layer or op would use
those ``keras.ops`` functions.

Example:
    >>> import numpy as np
    >>> x = keras.ops.convert_to_tensor(np.array([[1e20]]))  # float64 (float32 on JAX without x64)
    >>> dtype = keras.backend.standardize_dtype
    >>> dtype(matmul(x, x).dtype) == dtype(x.dtype)
    True
"""

from __future__ import annotations

import functools

import keras
from keras import ops

from learnact._keras_private import keep_64_bit_results


def _is_float64(value) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and keras.backend.standardize_dtype(dtype) == "float64"


def _keeping_float64(op):
    @functools.wraps(op)
    def wrapped(*args, **kwargs):
        if any(_is_float64(a) for a in (*args, *kwargs.values())):
            with keep_64_bit_results():
                return op(*args, **kwargs)
        return op(*args, **kwargs)

    wrapped.__doc__ = (
        f"``keras.ops.{op.__name__}``, with float64 inputs giving float64 on every backend."
    )
    return wrapped


def where(condition, x1, x2):
    """``keras.ops.where(condition, x1, x2)``; a Python number takes the other branch's dtype.

    Example:
        >>> import numpy as np
        >>> x = keras.ops.convert_to_numpy(keras.ops.convert_to_tensor(np.array([2.0, 0.5])))
        >>> y = keras.ops.convert_to_numpy(where(x > 1.0, 0.1, x))
        >>> bool(y.dtype == x.dtype and y[0] == np.asarray(0.1, x.dtype))  # 0.1 in x's precision
        True
    """
    if isinstance(x1, (int, float)) and hasattr(x2, "dtype"):
        x1 = ops.convert_to_tensor(x1, dtype=x2.dtype)
    elif isinstance(x2, (int, float)) and hasattr(x1, "dtype"):
        x2 = ops.convert_to_tensor(x2, dtype=x1.dtype)
    return ops.where(condition, x1, x2)


arctan = _keeping_float64(ops.arctan)
cos = _keeping_float64(ops.cos)
cumsum = _keeping_float64(ops.cumsum)
matmul = _keeping_float64(ops.matmul)
sin = _keeping_float64(ops.sin)
tanh = _keeping_float64(ops.tanh)

__all__ = ["arctan", "cos", "cumsum", "matmul", "sin", "tanh", "where"]

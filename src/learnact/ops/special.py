"""Special functions on ``keras.ops`` that Keras lacks (for snapped symbolic edges)."""

from __future__ import annotations

import keras
from keras import ops

from learnact.ops import keep64
from learnact.ops.horner import horner

# Abramowitz & Stegun 9.4.1 (|x| <= 3, in (x/3)^2; |error| < 5e-8) and 9.4.3
# (x >= 3, in 3/x: modulus f0 with |error| < 1.6e-8, phase theta0 with < 7e-8).
_J0_SMALL = (1.0, -2.2499997, 1.2656208, -0.3163866, 0.0444479, -0.0039444, 0.0002100)
_J0_MODULUS = (
    0.79788456,
    -0.00000077,
    -0.00552740,
    -0.00009512,
    0.00137237,
    -0.00072805,
    0.00014476,
)
_J0_PHASE = (
    -0.78539816,
    -0.04166397,
    -0.00003954,
    0.00262573,
    -0.00054125,
    -0.00029333,
    0.00013558,
)


def bessel_j0(x):
    """Bessel function of the first kind of order 0, ``J0(x)``, elementwise.

    Formula (Abramowitz & Stegun 9.4.1 and 9.4.3, absolute error below 1e-7):
        |x| <= 3:  J0 = sum_k p_k (x/3)^(2k)
        |x| > 3:   J0 = f0(3/|x|) cos(|x| + theta0(3/|x|)) / sqrt(|x|)

    Both branches are computed on safe inputs and selected (no NaN for any
    finite x; J0 tends to 0 for large |x|).

    Args:
        x: tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Example:
        >>> import numpy as np
        >>> y = ops.convert_to_numpy(bessel_j0(np.array([0.0, 2.0, -5.0])))
        >>> np.round(y, 6)
        array([ 1.      ,  0.223891, -0.177597], dtype=float32)
    """
    x = ops.convert_to_tensor(x)
    if not keras.backend.standardize_dtype(x.dtype).startswith("float"):
        x = ops.cast(x, "float32")
    t = ops.abs(x)
    small = t <= 3.0
    u = keep64.where(small, t, 0.0) / 3.0
    near = horner(u * u, _J0_SMALL)
    t_far = keep64.where(small, 3.0, t)
    v = 3.0 / t_far
    far = horner(v, _J0_MODULUS) * keep64.cos(t_far + horner(v, _J0_PHASE)) / ops.sqrt(t_far)
    return ops.where(small, near, far)


__all__ = ["bessel_j0"]

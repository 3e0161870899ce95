"""Select-based safe arithmetic on ``keras.ops``, for functions that must never give NaN.

A NaN in a value or a gradient usually comes from a branch that is *not*
selected (``where`` still differentiates both sides) or from a gradient
factor that overflows to inf and meets a zero. The helpers here avoid both:
each is written with selects (``where``) instead of ``clip``/``abs``/masks
whose gradients multiply by 0, and holds constant (``stop_gradient``) what
would otherwise overflow. :class:`Limits` holds the thresholds for float32
and float64. Used by :mod:`learnact.ops.soft_exponential`.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from learnact.ops.keep64 import where


class Limits:
    """Thresholds for one computation dtype (float32 or float64)."""

    def __init__(self, dtype: str):
        info = np.finfo(dtype)
        self.dtype = dtype
        self.eps = float(info.eps)
        self.max = float(info.max)
        # Series radius: the 9-term series of h and the 7-term series of m are
        # exact to well below eps inside it, while outside it autodiff of the
        # closed forms loses only about eps / radius.
        self.series = 0.5 if dtype == "float32" else 0.05
        # Above this alpha * x, exp(alpha x) / alpha is evaluated in log space.
        self.exp_switch = math.log(self.max) / 2
        # Log of the value at which the exponential branch saturates (max / e^2)
        # so that later additions of x / z and alpha cannot overflow.
        self.log_cap = math.log(self.max) - 2.0
        # Caps on intermediate products: they keep inf out of the computation
        # (inf - inf would be NaN) while every product of a capped value with
        # the bounded factors used below stays finite.
        self.cap = self.max / 64.0
        # Below this size a complex number is treated as exactly zero when it
        # is rescaled: its square would underflow.
        self.tiny = 2.0**-60 if dtype == "float32" else 2.0**-500


LIMITS = {"float32": Limits("float32"), "float64": Limits("float64")}


def prepare(*tensors):
    """Convert to tensors of a common float dtype; return them, the output and work dtypes."""
    tensors = [ops.convert_to_tensor(t) for t in tensors]
    dtypes = [keras.backend.standardize_dtype(t.dtype) for t in tensors]
    # keras.backend.result_type maps float64 to float32 on every backend but
    # TensorFlow (to mirror JAX without x64), which would silently demote a
    # float64 tensor on PyTorch; float64 inputs keep float64 here. (On JAX
    # without x64 enabled, convert_to_tensor has already made them float32.)
    if "float64" in dtypes:
        dtype = "float64"
    else:
        dtype = keras.backend.result_type(*dtypes)
        if "float" not in dtype:
            dtype = keras.config.floatx()
    work = "float64" if dtype == "float64" else "float32"
    return [ops.cast(t, work) for t in tensors], dtype, LIMITS[work]


def clamp(t, lo, hi):
    # Selects rather than ops.clip/minimum, whose gradients multiply the incoming
    # gradient by a 0/1 mask: an infinite gradient there would become NaN.
    t = where(t < lo, lo, t)
    return where(t > hi, hi, t)


def select_abs(t):
    # Select-based for the same reason: the gradient of abs multiplies by sign(0) = 0.
    return where(t < 0, -t, t)


def max_abs(a, b):
    """``max(|a|, |b|)``, select-based."""
    abs_a, abs_b = select_abs(a), select_abs(b)
    return where(abs_a >= abs_b, abs_a, abs_b)


def inverse(a):
    """``1 / a`` (``a != 0``) whose gradient ``-g / a**2`` is formed as ``(-g / a) / a``.

    Autodiff of ``1 / a`` multiplies ``g`` by ``a**-2``, which is inf for
    ``|a| < 1e-19`` in float32: a zero ``g`` then gives NaN. Here the value is
    the tangent line of ``1 / a`` at ``c = a`` (held constant), ``(2 - a / c) / c``:
    the same value, the exact derivative, and only divisions by ``c``.
    """
    c = ops.stop_gradient(a)
    return (2.0 - a / c) / c


def split_cap(s, lim):
    """``(s_cap, s_out)``: ``s`` clamped to +-cap, and a zero carrying the gradient of the rest.

    ``f = s m(w)`` sends the cotangent ``g s`` into ``m``, whose own backward pass
    may double it: for ``|s|`` near the dtype's maximum (``|x + alpha| > cap``
    needs a tiny alpha) that overflows, and overflows of opposite sign give NaN.
    Differentiated as ``s_cap m(w) + m(w) s_out`` (``m`` held constant in the
    second term), the gradient along ``x`` stays exact through ``m`` and the
    cotangent into ``m`` is at most ``g cap``; only ``s m'(w)``, the part of
    ``df/dalpha`` that overflows there anyway, is taken at ``s_cap``.
    """
    s_cap = clamp(s, -lim.cap, lim.cap)
    rest = s - s_cap
    return s_cap, rest - ops.stop_gradient(rest)


def value_of(value, smooth):
    """``value``, differentiated as ``smooth`` (both finite, equal up to rounding)."""
    return smooth + ops.stop_gradient(value - smooth)


def product(a, b):
    """``a * b`` whose gradient through an exactly-zero factor is exactly zero.

    Autodiff sends ``g * b`` to ``a``; with ``g`` overflowed to inf (a true
    derivative beyond the dtype's range) and ``b == 0`` that is NaN. Since
    ``d(a b)/da = b = 0`` exactly there, ``a`` is held constant in that case
    (and ``b`` when ``a == 0``); the other factor's gradient is unchanged.
    """
    a_const, b_const = ops.stop_gradient(a), ops.stop_gradient(b)
    a_zero, b_zero = a == 0, b == 0
    return where(
        a_zero,
        where(b_zero, a_const * b_const, a * b_const),
        where(b_zero, a_const * b, a * b),
    )

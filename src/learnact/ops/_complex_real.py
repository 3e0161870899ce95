"""Complex arithmetic in real numbers on ``keras.ops``: no complex dtype, so every backend runs it.

A complex number is a pair of real tensors ``(real, imag)``. Divisions use
Smith's method and moduli are scaled by their larger component, so that no
intermediate ``|b|**2`` overflows; the branches not taken see benign values
(see :mod:`learnact.ops._safe_math`).
"""

from __future__ import annotations

import math

from keras import ops

from learnact.ops import keep64
from learnact.ops._safe_math import max_abs, select_abs
from learnact.ops.keep64 import where


def cmul(ar, ai, br, bi):
    return ar * br - ai * bi, ar * bi + ai * br


def cdiv(ar, ai, br, bi):
    """``(ar + i ai) / (br + i bi)`` by Smith's method (no overflow of ``|b|**2``); b != 0."""
    real_major = select_abs(br) >= select_abs(bi)
    # Each case divides by its larger component; the case not taken sees b = 1
    # (or i), so that neither its value nor its gradient can overflow.
    br1 = where(real_major, br, 1.0)
    bi1 = where(real_major, bi, 0.0)
    br2 = where(real_major, 0.0, br)
    bi2 = where(real_major, 1.0, bi)
    r1 = bi1 / br1
    d1 = br1 + bi1 * r1
    r2 = br2 / bi2
    d2 = bi2 + br2 * r2
    real = where(real_major, (ar + ai * r1) / d1, (ar * r2 + ai) / d2)
    imag = where(real_major, (ai - ar * r1) / d1, (ai * r2 - ar) / d2)
    return real, imag


def log_abs(a, b):
    """``ln|a + i b|`` without overflow of ``a**2 + b**2``; requires ``(a, b) != 0``."""
    abs_a, abs_b = select_abs(a), select_abs(b)
    a_major = abs_a >= abs_b
    big = where(a_major, abs_a, abs_b)
    small = where(a_major, abs_b, abs_a)
    ratio = small / big
    return ops.log(big) + 0.5 * ops.log1p(ratio * ratio)


def arg(a, b):
    """``atan2(b, a)`` (signed zeros included) on inputs scaled to max-norm 1; (a, b) != 0.

    Built from ``arctan`` of the smaller over the larger component, so that
    gradients cannot overflow; ``keras.ops.arctan2`` computes in float32 on
    PyTorch even for float64 inputs.
    """
    size = max_abs(a, b)
    a, b = a / size, b / size
    a_major = select_abs(a) >= select_abs(b)
    a_den = where(a_major, a, 1.0)
    b_num = where(a_major, b, 0.0)
    b_den = where(a_major, 1.0, b)
    a_num = where(a_major, 0.0, a)
    # The sign of b, -0 included (1 / -0 = -inf); a mask only.
    b_negative = ops.stop_gradient(where(b == 0, 1.0 / where(b == 0, b, 1.0), b)) < 0
    pi = ops.zeros_like(a) + math.pi  # in the computation dtype
    half_turn = where(a_den < 0, where(b_negative, -pi, pi), 0.0)
    major = keep64.arctan(b_num / a_den) + half_turn
    minor = where(b_den > 0, 0.5 * pi, -0.5 * pi) - keep64.arctan(a_num / b_den)
    return where(a_major, major, minor)


def complex_horner(ur, ui, coeffs):
    """Horner's rule in complex arithmetic at ``ur + i ui``, highest order first.

    ``coeffs`` are real, lowest order first.
    """
    hr = ops.zeros_like(ur) + coeffs[-1]
    hi = ops.zeros_like(ur)
    for c in reversed(coeffs[:-1]):
        hr, hi = cmul(hr, hi, ur, ui)
        hr = hr + c
    return hr, hi


def scaled(a, b):
    """``(a, b) / c`` and ``c = max(|a|, |b|) > 0``, with ``c`` held constant for gradients.

    Gradients then pass through one division by ``c`` and never through
    ``c**-2`` (inf for tiny ``c``, NaN when multiplied by a zero cotangent).
    ``ln|a + i b| = ln c + ln|(a + i b) / c|`` holds for the gradient too.
    """
    c = ops.stop_gradient(max_abs(a, b))
    return a / c, b / c, c


def complex_inverse(p, q):
    """``1 / (p + i q)``, ``(p, q) != 0``: ``1 / alpha^`` (of size about 1) divided by ``c``."""
    ph, qh, c = scaled(p, q)
    r, i = cdiv(ops.ones_like(ph), ops.zeros_like(ph), ph, qh)
    return r / c, i / c

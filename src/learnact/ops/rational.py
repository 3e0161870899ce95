"""Elementwise rational functions ``P(x) / Q(x)`` on ``keras.ops`` (Padé activation units).

Coefficients are stored with the degree axis last, like :func:`polyval`:
``numerator[..., k]`` multiplies ``x^k`` (``k = 0..m``) and
``denominator[..., k - 1]`` is ``b_k`` (``k = 1..n``; the constant 1 of ``Q``
is implicit). Both broadcast over the leading axes of ``x``.

Overflow: the ratio of a degree-``m`` and a degree-``n`` polynomial grows like
``x^(m-n)``, but ``P`` and ``Q`` computed separately overflow float32 long
before the ratio does (``x^5`` at ``|x| > 5e7``). Inputs with
``|x| <= T = 2^(96 // max(m, n))`` (``T^max(m, n) <= 2^96``; ``T = 2^19`` at
``(5, 4)``) are evaluated directly; beyond ``T`` numerator and denominator are
both divided by ``x^d``, ``d`` the *effective* degree of ``Q`` (its highest
non-zero coefficient, found per coefficient set, so zero leading coefficients
such as the identity's ``b = 0`` cannot make ``0 / 0``):

    P(x) / x^d = sum_{k<=d} a_k v^(d-k) + sum_{k>d} a_k x^(k-d),   v = 1 / x
    Q(x) / x^d = sum_{k<=d} b_k v^(d-k)                            (b_0 = 1)

Every power of ``v`` is at most 1 in magnitude, and the remaining positive
powers of ``x`` are the ratio's own growth, so the result is finite whenever
the true ratio is (times at most ``|b_d|``, the scaled denominator's size),
and +-inf, never NaN, when it is not. The direct evaluation is exact to the
usual float rounding for coefficients below about ``2^30`` in magnitude (its
terms stay below ``2^126``).
"""

from __future__ import annotations

import keras
from keras import ops

from learnact._checks import check_choice
from learnact.errors import UserInputError
from learnact.ops._rational_math import FORMS, PADE_GUARD, direct_limit, split
from learnact.ops.polynomial import _as_float

__all__ = ["FORMS", "PADE_GUARD", "direct_limit", "rational", "rational_autodiff"]


def check_form(form):
    """Return ``form`` if it is one of :data:`FORMS`."""
    return check_choice("form", form, FORMS)


def _prepare(x, numerator, denominator, form):
    check_form(form)
    x = _as_float(x)
    numerator = ops.cast(ops.convert_to_tensor(numerator), x.dtype)
    denominator = ops.cast(ops.convert_to_tensor(denominator), x.dtype)
    for name, value, least in (("numerator", numerator, 1), ("denominator", denominator, 1)):
        if len(value.shape) < 1 or value.shape[-1] is None or value.shape[-1] < least:
            raise UserInputError(
                f"`{name}` must have a known last (degree) axis holding at least {least} "
                f"coefficient(s); received {name} of shape {tuple(value.shape)}"
            )
    return x, numerator, denominator


def rational_autodiff(x, numerator, denominator, *, form="safe"):
    """:func:`rational` without the fused gradient: the same values, left to autodiff.

    The reference for the fused backward passes and the "autodiff" candidate
    of ``learnact bench --suite rational``.

    Example:
        >>> import numpy as np
        >>> y = rational_autodiff(np.array([2.0]), np.array([0.0, 1.0]), np.array([1.0]))
        >>> ops.convert_to_numpy(y)   # 2 / (1 + |2|)
        array([0.6666667], dtype=float32)
    """
    x, numerator, denominator = _prepare(x, numerator, denominator, form)
    return split(x, numerator, denominator, form)


def rational(x, numerator, denominator, *, form="safe"):
    """Evaluate ``P(x) / Q(x)`` elementwise, without overflow for any finite ``x``.

    Formula:
        P(x) = a_0 + a_1 x + ... + a_m x^m
        safe:     Q(x) = 1 + |b_1 x| + |b_2 x^2| + ... + |b_n x^n|      (Q >= 1)
        abs_sum:  Q(x) = 1 + |b_1 x + b_2 x^2 + ... + b_n x^n|          (Q >= 1)
        pade:     Q(x) = 1 + b_1 x + ... + b_n x^n, and where |Q| < 1e-4 it
                  is replaced by +-1e-4 (Q's sign, + at 0), so |y| <= 1e4 |P|
                  instead of +-inf or NaN at a pole; that form matches exact
                  Padé approximants and is unsafe to train (its poles move).

    Large ``|x|`` are evaluated with numerator and denominator divided by a
    power of ``x`` (see the module docstring), so the result overflows only
    where the ratio itself does, and is never NaN for finite input and
    coefficients.

    Gradients: on JAX and PyTorch a fused backward pass computes the input
    gradient and every coefficient gradient in closed form, recomputing ``P``
    and ``Q`` from the saved inputs (on a CPU under JAX, in one pass of
    learnact's native kernel, see docs/backends.md; elsewhere on JAX twice:
    for ``dy/dx``, and a chunk of batch rows at a time for the coefficient
    gradients, so that no input-sized temporary is kept):

        dy/dx = (P'(x) - y Q'(x)) / Q,   dy/da_k = x^k / Q,
        dy/db_k = -(y / Q) dQ/db_k,  dQ/db_k = sign(b_k) |x|^k (safe),
                  sign(B(x)) x^k (abs_sum), x^k (pade, 0 where guarded),

    summed over the axes the coefficients are broadcast along. The
    subgradient of ``|.|`` at 0 is 0 (``sign(0) = 0``: the symmetric
    difference quotient, and PyTorch's and TensorFlow's autodiff of ``abs``;
    JAX's uses 1): a safe-form ``b_k`` that is exactly 0 gets no gradient, on
    every backend. Inputs beyond ``direct_limit`` (never in practice) take the
    autodiff of the scaled form (the native kernel: the same formulas in long
    double). On TensorFlow, autodiff of the same values.

    Args:
        x: tensor of any shape ``(..., *param_shape)``.
        numerator: ``a_0..a_m``, shape ``param_shape + (m + 1,)``.
        denominator: ``b_1..b_n``, shape ``param_shape + (n,)``, ``n >= 1``.
        form: "safe" (default), "abs_sum" or "pade".

    Returns:
        Tensor with the broadcast shape of ``x`` and the coefficients'
        ``param_shape``, in ``x``'s floating dtype.

    Raises:
        ValueError: an unknown ``form``, or coefficients without a degree axis.

    Example:
        >>> import numpy as np
        >>> y = rational(np.array([-2.0, 0.5]), np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0]))
        >>> ops.convert_to_numpy(y)   # (x + x^2) / (1 + |x^2|)
        array([0.4, 0.6], dtype=float32)
    """
    x, numerator, denominator = _prepare(x, numerator, denominator, form)
    backend = keras.backend.backend()
    if backend == "jax":
        from learnact.ops import _rational_jax

        return _rational_jax.rational(x, numerator, denominator, form)
    if backend == "torch":
        from learnact.ops import _rational_torch

        return _rational_torch.rational(x, numerator, denominator, form)
    return split(x, numerator, denominator, form)

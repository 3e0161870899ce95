"""Elementwise polynomials on ``keras.ops``: Horner evaluation and its terms.

Coefficients are stored with the order axis last, ``c[..., p]`` multiplying
``(x - center)**p``, and broadcast over the leading axes of ``x`` (PReLU's
per-element convention: ``c.shape[:-1]`` matches the trailing axes of ``x``).
"""

from __future__ import annotations

import keras
from keras import ops

from learnact._checks import check_real
from learnact.errors import UserInputError
from learnact.ops.horner import horner_last_axis, power_chain


def _as_float(x):
    x = ops.convert_to_tensor(x)
    if "float" not in keras.backend.standardize_dtype(x.dtype):
        # Integer inputs would make Horner's rule integer arithmetic.
        x = ops.cast(x, keras.backend.floatx())
    return x


def _check_coefficients(coefficients):
    if len(coefficients.shape) < 1 or coefficients.shape[-1] is None:
        raise UserInputError(
            "`coefficients` must have a known last (order) axis; "
            f"received coefficients of shape {tuple(coefficients.shape)}"
        )
    if coefficients.shape[-1] < 1:
        raise UserInputError("`coefficients` must hold at least one coefficient on its last axis")


def polyval(x, coefficients, center=0.0):
    """Evaluate ``sum_p c_p (x - center)^p`` elementwise by Horner's rule.

    Formula:
        y = c_0 + t (c_1 + t (c_2 + ... + t c_n)),  t = x - center

    Horner's form needs ``n`` multiply-adds and never forms ``t**p`` by
    ``pow``, so negative ``t`` and integer orders are exact, and the
    accumulator only ever adds finite coefficients: a finite input gives a
    finite result or, past float range, +-inf, never NaN.

    Gradients: on JAX and PyTorch the backward pass is the closed form
    ``dt = g * sum_p p c_p t^(p-1)`` and ``dc_p = sum g * t^p`` over every
    axis the coefficients are broadcast along, computed in one pass (see
    ``_polyval_jax`` / ``_polyval_torch``) instead of autodiff through the
    Horner chain; values are the same Horner result. Sums are accumulated in
    at least float32. ``jax.grad`` at any order and ``jax.hessian`` use the
    fast path. Forward mode (``jax.jvp``, ``jax.jacfwd``) falls back to plain
    Horner when applied directly, but not through ``jax.jit``: there JAX
    raises "can't apply forward-mode autodiff (jvp) to a custom_vjp function"
    (``jax.custom_vjp`` has no forward rule; Keras training uses reverse mode
    only). On TensorFlow the Horner chain is left to autodiff, by decision:
    without XLA's fusion a closed-form backward would issue about as many
    ops; measured cost 1.4-1.7x PReLU at order 3, 3.2-4.4x at order 10
    (``docs/benchmarks.md``).

    Args:
        x: tensor of any shape ``(..., *param_shape)``.
        coefficients: tensor of shape ``param_shape + (n + 1,)`` (or ``(n + 1,)``
            for one polynomial shared by every element); ``param_shape`` must
            broadcast against the trailing axes of ``x``.
        center: expansion point (a Python number).

    Returns:
        Tensor with the broadcast shape of ``x`` and ``param_shape``, in
        ``x``'s floating dtype.

    Raises:
        ValueError: if ``center`` is not a finite number or ``coefficients``
            has no order axis.

    Example:
        >>> import numpy as np
        >>> from keras import ops
        >>> ops.convert_to_numpy(polyval(np.array([2.0]), np.array([1.0, 0.0, 3.0])))
        array([13.], dtype=float32)
    """
    center = check_real("center", center)
    x = _as_float(x)
    coefficients = ops.cast(ops.convert_to_tensor(coefficients), x.dtype)
    _check_coefficients(coefficients)
    t = x - ops.cast(center, x.dtype) if center else x
    backend = keras.backend.backend()
    if backend == "jax":
        from learnact.ops import _polyval_jax

        return _polyval_jax.polyval(t, coefficients)
    if backend == "torch":
        from learnact.ops import _polyval_torch

        return _polyval_torch.polyval(t, coefficients)
    return horner_last_axis(t, coefficients)


def polynomial_terms(x, coefficients, center=0.0):
    """Return the individual terms ``c_p (x - center)^p`` on a new last axis.

    Formula:
        terms[..., p] = c_p t^p,  t = x - center,  p = 0..n

    The terms sum to :func:`polyval`; they are the "several nodes" a series
    layer decomposes one node into. A term whose power overflows is +-inf
    (0 if its coefficient is 0), never NaN; its gradient there is not finite.

    Args:
        x: tensor ``(..., *param_shape)``.
        coefficients: tensor ``param_shape + (n + 1,)``.
        center: expansion point (a Python number).

    Returns:
        Tensor of shape ``broadcast(x, param_shape) + (n + 1,)``.

    Raises:
        ValueError: as :func:`polyval`.

    Example:
        >>> import numpy as np
        >>> ops.convert_to_numpy(polynomial_terms(np.array([2.0]), np.array([1.0, 0.0, 3.0])))
        array([[ 1.,  0., 12.]], dtype=float32)
    """
    center = check_real("center", center)
    x = _as_float(x)
    coefficients = ops.cast(ops.convert_to_tensor(coefficients), x.dtype)
    _check_coefficients(coefficients)
    t = x - ops.cast(center, x.dtype) if center else x
    t_powers = powers(t, coefficients.shape[-1] - 1)
    # A zero coefficient times an overflowed power is 0, not NaN.
    overflow_times_zero = ops.logical_and(coefficients == 0, ops.isinf(t_powers))
    return ops.where(overflow_times_zero, 0.0, t_powers * coefficients)


def powers(t, order: int):
    """Return ``stack([t^0, t^1, ..., t^order], axis=-1)`` by repeated products.

    Args:
        t: tensor of any shape.
        order: highest power (>= 0).

    Returns:
        Tensor of shape ``t.shape + (order + 1,)``.

    Example:
        >>> import numpy as np
        >>> ops.convert_to_numpy(powers(np.array([-2.0]), 3))
        array([[ 1., -2.,  4., -8.]], dtype=float32)
    """
    return ops.stack(power_chain(ops.ones_like(t), t, order), axis=-1)

"""The maths of :func:`learnact.ops.rational`, shared by every backend path.

Plain ``keras.ops`` and Horner's rule: the direct evaluation, the scaled one
for huge ``|x|``, their double-``where`` combination, and the closed-form
gradients of the direct evaluation. See :mod:`learnact.ops.rational` for the
design.
"""

from __future__ import annotations

import keras
from keras import ops

from learnact.ops.horner import horner

FORMS = ("safe", "abs_sum", "pade")
# |Q| below this is replaced by +-PADE_GUARD in the "pade" form (sign of Q, + at 0).
PADE_GUARD = 1e-4
# Smallest normal float32: a floor for thresholds that may underflow.
_TINY = 1.1754944e-38


def direct_limit(numerator_degree: int, denominator_degree: int) -> float:
    """Largest ``|x|`` evaluated without scaling: ``2^(96 // max(m, n, 1))``.

    Example:
        >>> direct_limit(5, 4)
        524288.0
    """
    return 2.0 ** (96 // max(numerator_degree, denominator_degree, 1))


def _rows(coefficients):
    """``[c[..., 0], c[..., 1], ...]``: the coefficient of each power, for Horner's rule."""
    if keras.backend.backend() == "jax" and len(coefficients.shape) > 1:
        # Slices c[..., k] of per-element coefficients are stride-(m + 1) loads, which
        # keep XLA:CPU's Horner loops scalar; one contiguous (m + 1, ...) copy first
        # made Rational(5, 4)'s forward+backward at 256x512 20% faster (0.60 -> 0.49 ms).
        from learnact.ops._polyval_jax import _by_order

        rows = _by_order(coefficients)
        return [rows[k] for k in range(rows.shape[0])]
    return [coefficients[..., k] for k in range(coefficients.shape[-1])]


def _guard(q):
    """``Q`` with ``|Q| < PADE_GUARD`` replaced by ``+-PADE_GUARD`` (``+`` at ``Q == 0``)."""
    small = ops.abs(q) < PADE_GUARD
    return ops.where(small, ops.where(q < 0, -PADE_GUARD, PADE_GUARD), q)


def direct_denominator(x, b_rows, form):
    """``Q(x)`` evaluated directly (``|x| <= direct_limit``), guarded in the "pade" form."""
    if form == "safe":
        ax = ops.abs(x)
        return 1.0 + ax * horner(ax, [ops.abs(b) for b in b_rows])
    polynomial = x * horner(x, b_rows)
    if form == "abs_sum":
        return 1.0 + ops.abs(polynomial)
    return _guard(1.0 + polynomial)


def direct(x, numerator, denominator, form):
    """``P(x) / Q(x)`` by two Horner evaluations (valid for ``|x| <= direct_limit``)."""
    return horner(x, _rows(numerator)) / direct_denominator(x, _rows(denominator), form)


def _derivative_rows(rows):
    """Rows ``k c_k`` (k = 1..len - 1) of the derivative of ``horner(t, rows)``."""
    return [k * rows[k] for k in range(1, len(rows))]


def _denominator_parts(x, b, form):
    """``(Q, dQ/dx, base, weight)``: ``dQ/db_k = weight * base^k`` (times ``sign(b_k)``, safe)."""
    if form == "safe":
        ax = ops.abs(x)
        abs_b = [ops.abs(c) for c in b]
        q = 1.0 + ax * horner(ax, abs_b)
        dq = ops.sign(x) * horner(ax, _derivative_rows([0.0] + abs_b))
        return q, dq, ax, 1.0
    polynomial = x * horner(x, b)
    dq = horner(x, _derivative_rows([0.0] + b))
    if form == "abs_sum":
        weight = ops.sign(polynomial)
        return 1.0 + ops.abs(polynomial), weight * dq, x, weight
    # Where the guard holds Q constant, nothing flows to x or b through Q.
    weight = ops.cast(ops.abs(1.0 + polynomial) >= PADE_GUARD, x.dtype)
    return _guard(1.0 + polynomial), weight * dq, x, weight


def _coefficient_moments(x, numerator, denominator, g_over_q, y, q_base, q_weight, form, moments):
    # dy/da_k = x^k / Q; dy/db_k = -(y / Q) * weight * base^k, k = 1..n: moments of
    # base times base^(k-1).
    d_numerator, d_denominator = moments(
        [
            (x, g_over_q, numerator.shape),
            (q_base, -g_over_q * y * q_weight * q_base, denominator.shape),
        ]
    )
    if form == "safe":
        d_denominator = d_denominator * ops.sign(denominator)
    return d_numerator, d_denominator


def direct_backward(x, numerator, denominator, g, form, moments):
    """Closed-form gradients of ``sum(g * direct(x, ...))``: ``(dx, d_numerator, d_denominator)``.

    ``dx`` has the broadcast shape of ``x`` and the coefficients (the caller
    sums it down to ``x``'s shape); ``moments([(t, w, shape), ...])`` is the
    backend's ``[sum_{broadcast axes} w t^p for p = 0..shape[-1] - 1, ...]``
    (the :func:`learnact.ops.polyval` fast paths' coefficient gradients), given
    both terms at once so that a backend can sum them in one pass. With
    ``moments=None`` only ``dx`` is computed (the coefficient gradients are
    None).
    """
    a, b = _rows(numerator), _rows(denominator)
    p = horner(x, a)
    dp = horner(x, _derivative_rows(a)) if len(a) > 1 else 0.0
    q, dq, q_base, q_weight = _denominator_parts(x, b, form)
    y = p / q
    g_over_q = g / q
    dx = g_over_q * (dp - y * dq)
    if moments is None:
        return dx, None, None
    d_numerator, d_denominator = _coefficient_moments(
        x, numerator, denominator, g_over_q, y, q_base, q_weight, form, moments
    )
    return dx, d_numerator, d_denominator


def direct_coefficient_gradients(x, numerator, denominator, g, form, moments):
    """The coefficient gradients of :func:`direct_backward` alone (no ``dx``, no ``P'``, ``Q'``).

    For a backend that computes them apart from ``dx`` (JAX: a chunk of batch
    rows at a time, so that no input-sized temporary is kept); the same
    values as :func:`direct_backward`'s.
    """
    a, b = _rows(numerator), _rows(denominator)
    q, _, q_base, q_weight = _denominator_parts(x, b, form)
    return _coefficient_moments(
        x, numerator, denominator, g / q, horner(x, a) / q, q_base, q_weight, form, moments
    )


def _select(is_degree, row):
    """``row(d)`` where ``d`` is the effective degree (``is_degree[d]`` true), else 0.

    ``row(k)`` returns a tensor or None (the entry is 0 for that ``d``).
    """
    out = 0.0
    for k, mask in enumerate(is_degree):
        value = row(k)
        if value is not None:
            out = ops.where(mask, value, out)
    return out


def effective_degree(b_rows):
    """One-hot masks ``[d == 0, ..., d == n]``: ``d`` the highest non-zero ``b_d`` (``b_0 = 1``)."""
    is_degree = [None] * (len(b_rows) + 1)
    zero_above = True
    for k in range(len(b_rows), 0, -1):
        nonzero = b_rows[k - 1] != 0
        is_degree[k] = ops.logical_and(zero_above, nonzero)
        zero_above = ops.logical_and(zero_above, ops.logical_not(nonzero))
    is_degree[0] = zero_above
    return is_degree


def scaled(x, numerator, denominator, form):
    """``P(x) / Q(x)`` with both divided by ``x^d`` (any ``|x| > 0``; see the module docstring)."""
    a, b = _rows(numerator), _rows(denominator)
    m, n = len(a) - 1, len(b)
    full_b = [None] + b  # b_0 = 1 is implicit, handled below
    is_degree = effective_degree(b)
    v = 1.0 / x
    u = ops.abs(v)

    def a_at(k):
        return a[k] if 0 <= k <= m else None

    low = horner(v, [_select(is_degree, lambda d, j=j: a_at(d - j)) for j in range(n + 1)])
    high_rows = [_select(is_degree, lambda d, j=j: a_at(d + j)) for j in range(1, m + 1)]
    scaled_p = low + x * horner(x, high_rows) if high_rows else low

    def b_at(k, transform=lambda t: t):
        if k == 0:
            return ops.ones_like(b[0])
        return transform(full_b[k]) if 1 <= k <= n else None

    u_to_d = horner(u, [ops.cast(mask, x.dtype) for mask in is_degree])
    if form == "safe":
        rows = [_select(is_degree, lambda d, j=j: b_at(d - j, ops.abs)) for j in range(n + 1)]
        scaled_q = horner(u, rows)
    elif form == "abs_sum":
        rows = [
            _select(is_degree, lambda d, j=j: b_at(d - j) if d - j >= 1 else None)
            for j in range(n + 1)
        ]
        scaled_q = u_to_d + ops.abs(horner(v, rows))
    else:
        rows = [_select(is_degree, lambda d, j=j: b_at(d - j)) for j in range(n + 1)]
        scaled_q = horner(v, rows)
        # |Q| < guard  <=>  |Q / x^d| < guard * u^d; u^d may underflow, so keep a floor.
        threshold = ops.maximum(PADE_GUARD * u_to_d, _TINY)
        small = ops.abs(scaled_q) < threshold
        scaled_q = ops.where(small, ops.where(scaled_q < 0, -threshold, threshold), scaled_q)
        return scaled_p / scaled_q
    # Q / x^d = sign(x)^d Q / |x|^d in the forms with |.|: the sign of an odd d.
    odd = _select(is_degree, lambda d: ops.ones_like(u) if d % 2 else None)
    sign = ops.where(odd != 0, ops.sign(x), 1.0)
    return sign * scaled_p / scaled_q


def split(x, numerator, denominator, form):
    """Direct evaluation for ``|x| <= T``, scaled beyond, each on safe inputs (double where)."""
    limit = direct_limit(numerator.shape[-1] - 1, denominator.shape[-1])
    big = ops.abs(x) > limit
    inside = direct(ops.where(big, 0.0, x), numerator, denominator, form)
    outside = scaled(ops.where(big, x, 1.0), numerator, denominator, form)
    return ops.where(big, outside, inside)

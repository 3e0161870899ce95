"""Horner's rule written with ``*`` and ``+`` only, so one copy serves every backend."""

from __future__ import annotations


def horner(t, rows):
    """Evaluate ``sum_p rows[p] * t**p`` by Horner's rule.

    Formula:
        y = rows[0] + t (rows[1] + t (rows[2] + ... + t rows[n]))

    Only products and sums appear, so it runs on NumPy arrays, Keras
    tensors, JAX arrays and PyTorch tensors alike, and the accumulator only
    ever adds the (finite) rows: a finite ``t`` gives a finite value or +-inf,
    never NaN.

    Args:
        t: array or tensor (the point ``x - center``).
        rows: coefficients lowest order first: a sequence of numbers or
            arrays, or a tensor indexed on its first axis; each row must
            broadcast against ``t``.

    Returns:
        An array of the broadcast shape of ``t`` and the rows.

    Raises:
        ValueError: if ``rows`` is empty.

    Example:
        >>> import numpy as np
        >>> horner(np.array([2.0, -1.0]), [1.0, 0.0, 3.0])   # 1 + 3 t^2
        array([13.,  4.])
    """
    order = len(rows) - 1
    if order < 0:
        raise ValueError("`rows` must hold at least one coefficient")
    y = rows[order]
    for p in range(order - 1, -1, -1):
        y = y * t + rows[p]
    if order == 0:
        # A constant still takes the shape of t; 0 * t is 0 for every finite t.
        y = y + 0 * t
    return y

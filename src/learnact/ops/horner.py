"""Backend-agnostic helpers of the polynomial paths.

Horner's rule written with ``*`` and ``+`` only, so one copy serves every
backend, and the broadcast-axes computation shared by the fast paths'
backward passes.
"""

from __future__ import annotations

from learnact.errors import UserInputError


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
        raise UserInputError("`rows` must hold at least one coefficient")
    y = rows[order]
    for p in range(order - 1, -1, -1):
        y = y * t + rows[p]
    if order == 0:
        # A constant still takes the shape of t; 0 * t is 0 for every finite t.
        y = y + 0 * t
    return y


def broadcast_axes(from_shape, to_shape):
    """Axes of ``from_shape`` that NumPy broadcasting added to ``to_shape``.

    Summing an array of shape ``from_shape`` over these axes (then reshaping)
    reduces it to ``to_shape``: the leading axes ``to_shape`` lacks, and the
    axes where ``to_shape`` has size 1 but ``from_shape`` does not.

    Args:
        from_shape: the broadcast shape (a sequence of ints).
        to_shape: a shape that broadcasts to ``from_shape``.

    Returns:
        A tuple of axis indices into ``from_shape``, ascending.

    Example:
        >>> broadcast_axes((4, 3, 5), (3, 1))
        (0, 2)
    """
    from_shape, to_shape = tuple(from_shape), tuple(to_shape)
    extra = len(from_shape) - len(to_shape)
    return tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(to_shape) if size == 1 and from_shape[extra + i] != 1
    )

"""Backend-agnostic helpers of the polynomial paths.

Horner's rule and the chain of powers, written with ``*`` and ``+`` only, so
that one copy serves NumPy, every Keras backend and sympy; and the
broadcast-axes computation shared by the fast paths' backward passes.
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


def horner_last_axis(t, coefficients):
    """Horner's rule for coefficients stored with the order axis last, ``c[..., p]``.

    The plain form every fast path of :func:`learnact.ops.polyval` must match
    (values and gradients), left to the backend's autodiff.

    Example:
        >>> import numpy as np
        >>> horner_last_axis(np.array([2.0]), np.array([1.0, 0.0, 3.0]))
        array([13.])
    """
    return horner(t, [coefficients[..., p] for p in range(coefficients.shape[-1])])


def power_chain(first, t, order: int) -> list:
    """Return ``[first, first t, first t^2, ..., first t^order]`` by repeated products.

    Products only (no ``pow``): exact for negative ``t`` and integer orders,
    and the same code serves arrays, tensors and sympy expressions.

    Args:
        first: the first term (``1``, ``t`` itself, or a cotangent to weight by).
        t: the base.
        order: number of multiplications (>= 0).

    Returns:
        A list of ``order + 1`` terms.

    Example:
        >>> power_chain(1.0, -2.0, 3)
        [1.0, -2.0, 4.0, -8.0]
    """
    terms = [first]
    for _ in range(order):
        terms.append(terms[-1] * t)
    return terms


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

"""The order limit of learnact's polynomial layers, checked in this one place."""

from __future__ import annotations

from learnact._checks import check_int

# Beyond order 16 float32 powers overflow for |x| > ~250 and training is unstable long before.
MAX_ORDER = 16


def check_order(order, name: str = "order") -> int:
    """Return ``order`` as an int in ``[1, MAX_ORDER]``.

    Raises:
        UserInputError: naming ``name`` and the value received.

    Example:
        >>> check_order(3), MAX_ORDER
        (3, 16)
    """
    return check_int(name, order, minimum=1, maximum=MAX_ORDER)


__all__ = ["MAX_ORDER", "check_order"]

"""Argument checks shared by every part of learnact (the bottom of the package).

Every check raises :class:`~learnact.errors.UserInputError` (a ``ValueError``)
naming the argument and the value received, and returns the value normalized
(a Python ``int`` or ``float``), so a caller validates and converts in one step.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

from learnact.errors import UserInputError


def check_choice(name: str, value, choices: Iterable):
    """Return ``value`` if it is one of ``choices``.

    Raises:
        UserInputError: naming ``name``, ``value`` and the allowed choices.

    Example:
        >>> check_choice("basis", "cheb", ("chebyshev",))
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: `basis` must be one of 'chebyshev'; received basis='cheb'
    """
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise UserInputError(f"`{name}` must be one of {allowed}; received {name}={value!r}")
    return value


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking it is an integer in range.

    Raises:
        UserInputError: if ``value`` is not an integer (bools are refused) or
            lies outside ``[minimum, maximum]``.

    Example:
        >>> check_int("order", 3, minimum=1, maximum=16)
        3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UserInputError(f"`{name}` must be an integer; received {name}={value!r}")
    value = int(value)
    _check_range(name, value, minimum, maximum)
    return value


def _check_range(name: str, value, minimum, maximum) -> None:
    """Raise ``UserInputError`` if ``value`` is outside ``[minimum, maximum]`` (None: no bound)."""
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        lo = "-inf" if minimum is None else minimum
        hi = "inf" if maximum is None else maximum
        raise UserInputError(f"`{name}` must be in [{lo}, {hi}]; received {name}={value!r}")


def check_real(
    name: str,
    value,
    *,
    positive: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """Return ``value`` as a finite ``float``.

    Raises:
        UserInputError: if ``value`` is not a real number, is not finite, is
            not positive when ``positive=True``, or lies outside ``[minimum, maximum]``.

    Example:
        >>> check_real("step", 1, positive=True)
        1.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UserInputError(f"`{name}` must be a real number; received {name}={value!r}")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise UserInputError(f"`{name}` must be finite; received {name}={value!r}")
    if positive and value <= 0:
        raise UserInputError(f"`{name}` must be positive; received {name}={value!r}")
    _check_range(name, value, minimum, maximum)
    return value


def first_line(exc: BaseException) -> str:
    """Return the first line of ``str(exc)``, or the exception's type name if it is empty.

    Example:
        >>> first_line(OSError("disk full")), first_line(KeyError())
        ('disk full', 'KeyError')
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_interval(name: str, value) -> tuple[float, float]:
    """Return ``value`` as ``(low, high)``: two finite numbers with ``low < high``.

    Every message shows the whole ``value`` received, not only the bad end.

    Raises:
        UserInputError: naming ``name`` and ``value`` if it is not such a pair.

    Example:
        >>> check_interval("x_range", [-3, 3])
        (-3.0, 3.0)
        >>> check_interval("interval", (0, float("nan")))
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: `interval` must be two finite ... received interval=(0, nan)
    """
    try:
        if isinstance(value, (str, bytes)):  # "12" would otherwise read as (1, 2)
            raise TypeError
        low, high = (check_real(name, v) for v in value)
    except (TypeError, ValueError):  # UserInputError (non-finite end) included
        raise UserInputError(
            f"`{name}` must be two finite numbers (low, high); received {name}={value!r}"
        ) from None
    if not low < high:
        raise UserInputError(f"`{name}` must have low < high; received {name}={value!r}")
    return low, high

"""The finite-difference formulas of learnact, once: default steps, quotients, Richardson.

:mod:`learnact.gradients.numerical` (derivatives of NumPy functions) and
:mod:`learnact.gradients.check` (a Keras layer's gradients in float64) build
their perturbed points differently, but take their steps and combine their
values with the functions here.

Default steps. A difference formula of truncation error ``O(h**k)`` and a
rounding error ``eps / h`` is most accurate at ``h ~ eps**(1 / (k + 1))``;
scaled by ``max(1, |x|)`` the step follows the size of ``x`` (``x + h`` keeps
as many significant digits at ``x = 1e6`` as at ``x = 1``).
"""

from __future__ import annotations

import numpy as np

# Default step per rule, as a function of the machine epsilon of the points' dtype.
_STEP_RULES = {
    "central": lambda eps: eps ** (1 / 3),  # error O(h**2)
    "five_point": lambda eps: eps ** (1 / 5),  # error O(h**4)
    # Four central differences at h, h/2, h/4, h/8: the smallest still ~eps**(1/5).
    "richardson": lambda eps: 8 * eps ** (1 / 5),
    # Second differences (Hessian), and central differences extrapolated once
    # (error O(h**4)) whose smallest step is h/2 (gradient_check).
    "second": lambda eps: eps**0.25,
    # Complex step: no subtractive cancellation, so tiny is best.
    "complex": lambda eps: 1e-20,
}

STEP_RULES = tuple(_STEP_RULES)


def default_step(rule: str, dtype) -> float:
    """Return the base step of ``rule`` for values of ``dtype`` (before scaling by ``|x|``).

    Args:
        rule: one of :data:`STEP_RULES`.
        dtype: a floating NumPy dtype.

    Returns:
        The step for ``|x| <= 1``.

    Example:
        >>> f"{default_step('central', np.float64):.3g}"
        '6.06e-06'
    """
    return float(_STEP_RULES[rule](float(np.finfo(dtype).eps)))


def scaled_steps(rule: str, x, dtype=None) -> np.ndarray:
    """Return ``default_step(rule) * max(1, |x|)`` elementwise, in float64.

    Args:
        rule: one of :data:`STEP_RULES`.
        x: the coordinates to perturb (any shape).
        dtype: whose machine epsilon sets the step (default: ``x``'s).

    Example:
        >>> scaled_steps("second", np.array([0.5, -1e4]))
        array([1.22070312e-04, 1.22070312e+00])
    """
    x = np.asarray(x)
    base = default_step(rule, x.dtype if dtype is None else dtype)
    return base * np.maximum(1.0, np.abs(x.astype(np.float64, copy=False)))


def central(plus, minus, h):
    """``(f(x + h) - f(x - h)) / (2 h)``: error ``O(h**2)``.

    Example:
        >>> central(9.0, 1.0, 2.0)   # f = x**2 at x = 1, h = 2
        2.0
    """
    return (plus - minus) / (2 * h)


def richardson(estimates, power: int = 2) -> list[list]:
    """Richardson's table of ``estimates`` taken at steps ``h, h/2, h/4, ...``.

    Formula:
        T[k][0] = estimates[k]
        T[k][j] = T[k][j-1] + (T[k][j-1] - T[k-1][j-1]) / (2**(power j) - 1)

    ``T[-1][-1]`` cancels the error terms ``h**power, h**(2 power), ...`` up to
    the table's depth: ``power=2`` for central differences (errors in even
    powers of ``h``), ``power=1`` for an estimate whose error is ``O(h)``.

    Args:
        estimates: values (numbers or arrays) at successively halved steps.
        power: the order of the leading error term.

    Returns:
        The triangular table as a list of rows; ``table[-1][-1]`` is the best
        estimate and ``table[-2][-2]`` the one before it.

    Example:
        >>> richardson([4.0, 1.0])[-1][-1]     # (4 D(h) - D(2h)) / 3
        0.0
    """
    table = [[estimates[0]]]
    for k in range(1, len(estimates)):
        row = [estimates[k]]
        for j in range(1, k + 1):
            previous = row[j - 1]
            row.append(previous + (previous - table[k - 1][j - 1]) / (2.0 ** (power * j) - 1))
        table.append(row)
    return table


__all__ = ["STEP_RULES", "central", "default_step", "richardson", "scaled_steps"]

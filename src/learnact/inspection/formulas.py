"""The whole-network formula of a model, rounded and rendered for `learnact inspect`."""

from __future__ import annotations

from learnact._checks import check_int
from learnact.errors import UserInputError


def rounded(expression, digits: int):
    """Return ``expression`` with every float rounded to ``digits`` significant digits.

    Example:
        >>> import sympy
        >>> rounded(sympy.Float(0.123456789) * sympy.Symbol("x"), 3)
        0.123*x
    """
    import sympy

    return expression.xreplace({n: sympy.Float(n, digits) for n in expression.atoms(sympy.Float)})


def network_formulas(model, *, digits: int = 4, latex: bool = False) -> list[str]:
    """Return ``y<k> = <formula>`` per output unit of ``model`` (:func:`learnact.symbolic.formula`).

    Args:
        model: a built Sequential or functional Keras model.
        digits: significant digits of the printed numbers (1 to 15).
        latex: LaTeX instead of sympy's text form.

    Returns:
        A list of strings, one per output unit.

    Raises:
        UserInputError: bad ``digits``, or a layer without a formula (named).

    Example:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, "tanh")])
        >>> model.layers[0].set_weights([np.array([[0.5]]), np.array([0.25])])
        >>> network_formulas(model)
        ['y1 = tanh(0.5*x1 + 0.25)']
        >>> network_formulas(model, latex=True)
        ['y_{1} = \\\\tanh{\\\\left(0.5 x_{1} + 0.25 \\\\right)}']
    """
    import sympy

    from learnact.symbolic import formula

    digits = check_int("digits", digits, minimum=1, maximum=15)
    if not hasattr(model, "layers"):
        raise UserInputError(f"`model` must be a Keras model; received {type(model).__name__}")
    lines = []
    for k, expression in enumerate(formula(model), start=1):
        expression = rounded(expression, digits)
        if latex:
            lines.append(f"y_{{{k}}} = {sympy.latex(expression)}")
        else:
            lines.append(f"y{k} = {sympy.sstr(expression)}")
    return lines


__all__ = ["network_formulas", "rounded"]

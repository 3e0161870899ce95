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


def render(expression, digits: int, latex: bool = False) -> str:
    """Print ``expression`` (text or LaTeX) with every float shown to ``digits`` significant digits.

    A printer, not :func:`rounded`: rebuilding a KAN formula's ``Piecewise``
    makes sympy fold the nested conditions into a far larger expression.

    Example:
        >>> import sympy
        >>> render(sympy.Float(0.123456789) * sympy.Symbol("x"), 3)
        '0.123*x'
    """
    import sympy
    from sympy.printing.latex import LatexPrinter
    from sympy.printing.str import StrPrinter

    base = LatexPrinter if latex else StrPrinter

    class Printer(base):
        def _print_Float(self, expr):
            return super()._print_Float(sympy.Float(expr, digits))

    return Printer().doprint(expression)


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
    from learnact.symbolic import formula

    digits = check_int("digits", digits, minimum=1, maximum=15)
    if not hasattr(model, "layers"):
        raise UserInputError(f"`model` must be a Keras model; received {type(model).__name__}")
    lines = []
    for k, expression in enumerate(formula(model), start=1):
        label = f"y_{{{k}}}" if latex else f"y{k}"
        lines.append(f"{label} = {render(expression, digits, latex)}")
    return lines


__all__ = ["network_formulas", "render", "rounded"]

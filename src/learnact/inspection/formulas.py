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


def render(expression, digits: int, latex: bool = False, order=None) -> str:
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

    return Printer({"order": order} if order else {}).doprint(expression)


def network_formulas(model, *, digits: int = 4, latex: bool = False) -> list[str]:
    """Return ``y<k> = <formula>`` per output unit of ``model`` (:func:`learnact.symbolic.formula`).

    Args:
        model: a built Sequential or functional Keras model.
        digits: significant digits of the printed numbers (1 to 15).
        latex: LaTeX instead of sympy's text form.

    Returns:
        A list of strings, one per output unit; a formula that would print
        more than :data:`LARGE` nodes as a tree is preceded by
        ``s0 = ...``, ``s1 = ...``: its subexpressions used more than once,
        each printed once and named in what follows.

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
    from learnact.symbolic.sharing import printed_size, shared_subexpressions

    digits = check_int("digits", digits, minimum=1, maximum=15)
    if not hasattr(model, "layers"):
        raise UserInputError(f"`model` must be a Keras model; received {type(model).__name__}")
    expressions = formula(model)
    lines, order = [], None
    if printed_size(expressions) > LARGE:
        # Printed as a tree it would repeat every layer's expression in each
        # use by the next: name the parts used more than once, print each once.
        order = "none"  # sorting the terms of a sum compares whole subtrees
        shared, expressions = shared_subexpressions(expressions, prefix="s", min_size=8)
        for symbol, expression in shared:
            k = str(symbol)[1:]
            label = f"s_{{{k}}}" if latex else f"s{k}"
            lines.append(f"{label} = {render(expression, digits, latex, order)}")
    for k, expression in enumerate(expressions, start=1):
        label = f"y_{{{k}}}" if latex else f"y{k}"
        lines.append(f"{label} = {render(expression, digits, latex, order)}")
    return lines


# A formula printed with more nodes than this is printed with its shared
# subexpressions named (s0 = ..., then y1 = ... in terms of them).
LARGE = 20_000


__all__ = ["network_formulas", "render", "rounded"]

"""Exact formulas of whole networks, and snapping learned edges to known functions.

* :func:`formula`: the sympy expression of every output unit of a model,
  exact to float rounding (``sympy.lambdify`` reproduces the predictions);
* :func:`lambdify`: a formula as a NumPy function, fast on deep networks'
  formulas (each shared subexpression computed once);
* :func:`register_twin`: the sympy twin of a ``parametric_activation``
  formula written with ``keras.ops``;
* :func:`snap`: KAN edges replaced by ``a g(b x + c) + d`` for known ``g``
  (pykan's ``auto_symbolic``), with the table of fits; :func:`add_function`
  extends its library.

Example:
    >>> import keras
    >>> from learnact.layers import TaylorExpansion
    >>> model = keras.Sequential([keras.Input((1,)), TaylorExpansion(2)])
    >>> formula(model)
    [x1]
"""

from learnact.symbolic.expressions import expresses, register_twin
from learnact.symbolic.formula import formula
from learnact.symbolic.sharing import lambdify
from learnact.symbolic.snap import SnapTable, SymbolicFunction, add_function, snap

__all__ = [
    "SnapTable",
    "SymbolicFunction",
    "add_function",
    "expresses",
    "formula",
    "lambdify",
    "register_twin",
    "snap",
]

"""network_formulas: the whole-network formula, rounded, as text or LaTeX."""

import keras
import numpy as np
import pytest
import sympy

from learnact.errors import UserInputError
from learnact.inspection.formulas import network_formulas, rounded
from learnact.layers import SoftExponential


def test_one_line_per_output_unit_rounded():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2), SoftExponential()])
    kernel = np.array([[1.0 / 3.0, 0.0], [0.0, 2.0]], "float32")
    model.layers[0].set_weights([kernel, np.array([0.0, 0.125], "float32")])
    model.layers[1].alpha.assign(np.array([0.0, 1.0], "float32"))
    assert network_formulas(model, digits=3) == ["y1 = 0.333*x1", "y2 = 1.13*exp(2*x2)"]
    assert network_formulas(model, digits=3, latex=True)[1] == "y_{2} = 1.13 e^{2 x_{2}}"


def test_rounding_leaves_the_structure():
    x = sympy.Symbol("x")
    assert str(rounded(sympy.Float(2.718281828) * sympy.exp(sympy.Float(0.5) * x), 2)) == (
        "2.7*exp(0.5*x)"
    )


def test_bad_digits_and_models():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    with pytest.raises(UserInputError, match="digits"):
        network_formulas(model, digits=0)
    with pytest.raises(UserInputError, match="model"):
        network_formulas("model.keras")


def test_kan_formulas_print_without_refolding_their_piecewise():
    from learnact.layers import KANDense

    model = keras.Sequential(
        [keras.Input((2,)), KANDense(2, grid_size=3), KANDense(1, grid_size=3)]
    )
    lines = network_formulas(model, digits=3)
    # Large: the first layer's units, used in every piece of the second's, are named once.
    assert lines[-1].startswith("y1 = ") and all(line[0] == "s" for line in lines[:-1])
    text = "\n".join(lines)
    # Rebuilding (xreplace) would fold the second layer's conditions into ITE(...) chains.
    assert "Piecewise((0, " in text and "ITE" not in text

"""formula for Rational and KANDense, and the families' closed forms (product, Taylor, P/Q)."""

import keras
import numpy as np
import pytest
import sympy

from learnact.layers import KANDense, Rational, TaylorExpansion
from learnact.models import product_network
from learnact.symbolic import formula
from tests.symbolic.test_formula import RNG, assert_exact, randomize, uniform


@pytest.mark.parametrize("form", ["safe", "abs_sum", "pade"])
def test_rational_per_element(form):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(3), Rational(3, 2, form=form), keras.layers.Dense(2)]
    )
    randomize(model)
    if form == "pade":  # keep Q away from its poles: the layer guards |Q| < 1e-4
        model.layers[1].denominator.assign(np.full((3, 2), 0.05, "float32"))
    assert_exact(model, uniform(64, 3))


def test_rational_groups():
    model = keras.Sequential([keras.Input((4,)), Rational(4, 3, groups=2), keras.layers.Dense(1)])
    randomize(model)
    assert_exact(model, uniform(64, 4))


def test_a_rational_unit_is_p_over_q():
    x = sympy.Symbol("x", real=True)
    layer = Rational(2, 1, form="pade", shared_axes=[1])
    model = keras.Sequential([keras.Input((1,)), layer])
    layer.numerator.assign(np.array([[1.0, 0.5, 0.25]], "float32"))
    layer.denominator.assign(np.array([[-0.5]], "float32"))
    (expr,) = formula(model, [x])
    numerator, denominator = sympy.fraction(sympy.together(expr))
    assert sympy.expand(numerator * (1 - x / 2) - denominator * (1 + x / 2 + x**2 / 4)) == 0


@pytest.mark.parametrize("basis", ["bspline", "rbf", "chebyshev", "fourier"])
def test_kan_dense_each_basis(basis):
    model = keras.Sequential([keras.Input((2,)), KANDense(3, basis=basis, grid_size=4)])
    randomize(model)
    knots = model.layers[0].grid
    knots.assign(np.sort(RNG.uniform(-1.5, 1.5, tuple(knots.shape)), axis=1).astype("float32"))
    # Inside, at and beyond the grid (B-splines are 0 past the outer knots).
    x = np.concatenate([uniform(96, 2, low=-2.5, high=2.5), np.zeros((1, 2), "float32")])
    assert_exact(model, x)


def test_a_two_layer_kan_with_piecewise_splines():
    model = keras.Sequential(
        [keras.Input((2,)), KANDense(3, grid_size=5), KANDense(1, grid_size=5, grid_range=(-2, 2))]
    )
    randomize(model)
    model.layers[0].grid.assign(np.tile(np.linspace(-1.6, 1.6, 12), (2, 1)).astype("float32"))
    model.layers[1].grid.assign(np.tile(np.linspace(-3.2, 3.2, 12), (3, 1)).astype("float32"))
    expressions = formula(model)
    assert expressions[0].has(sympy.Piecewise)
    assert_exact(model, uniform(128, 2, low=-1.2, high=1.2))


def test_the_product_network_is_exactly_x_times_y():
    model = product_network()
    first, _, second, _ = (layer for layer in model.layers)
    model.layers[0].set_weights([np.eye(2, dtype="float32")])
    model.layers[1].alpha.assign(np.full((2,), -1.0, "float32"))  # ln
    model.layers[2].set_weights([np.ones((2, 1), "float32")])
    model.layers[3].alpha.assign(np.full((1,), 1.0, "float32"))  # exp
    x, y = sympy.symbols("x y", positive=True)
    (expr,) = formula(model, [x, y], simplify=True)
    assert expr == x * y


def test_a_taylor_network_is_its_exact_polynomial():
    model = keras.Sequential(
        [keras.Input((1,)), TaylorExpansion(2), keras.layers.Dense(1), TaylorExpansion(3)]
    )
    c1 = np.array([[0.5, -1.0, 0.25]], "float32")
    c2 = np.array([[0.0, 2.0, 0.0, -0.125]], "float32")
    model.layers[0].coefficients.assign(c1)
    model.layers[1].set_weights([np.array([[2.0]], "float32"), np.array([-1.0], "float32")])
    model.layers[2].coefficients.assign(c2)
    x = sympy.Symbol("x")
    inner = 2 * (sympy.Rational(1, 2) - x + x**2 / 4) - 1
    want = sympy.expand(2 * inner - inner**3 / 8)
    (expr,) = formula(model, [x])
    # The coefficients are dyadic, so float32 holds them exactly: exactly zero difference.
    assert sympy.expand(expr - want) == 0
    assert sympy.degree(sympy.expand(expr), x) == 6

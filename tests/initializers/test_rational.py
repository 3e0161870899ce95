"""pade against closed forms; rational_fit within the table of docs/rational.md."""

import numpy as np
import pytest

from learnact.initializers import pade, rational_fit
from learnact.initializers.rational import evaluate
from tests.conftest import only_on

pytestmark = only_on("jax", "pade and rational_fit are NumPy and SciPy")


def test_exp_2_2_closed_form():
    a, b = pade("exp", 2, 2)
    np.testing.assert_allclose(a, [1, 1 / 2, 1 / 12], rtol=1e-12)
    np.testing.assert_allclose(b, [1, -1 / 2, 1 / 12], rtol=1e-12)


@pytest.mark.parametrize(
    "function,m,n,numerator,denominator",
    [
        ("tanh", 5, 4, [0, 945, 0, 105, 0, 1], [945, 0, 420, 0, 15]),
        ("sin", 3, 2, [0, 60, 0, -7], [60, 0, 3]),
        ("exp", 1, 1, [2, 1], [2, -1]),
        ("identity", 5, 4, [0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0]),
    ],
)
def test_known_approximants(function, m, n, numerator, denominator):
    a, b = pade(function, m, n)
    scale = denominator[0]
    np.testing.assert_allclose(a, np.array(numerator) / scale, atol=1e-12)
    np.testing.assert_allclose(b, np.array(denominator) / scale, atol=1e-12)
    assert a.shape == (m + 1,) and b.shape == (n + 1,) and b[0] == 1


def test_callable_matches_name():
    a, b = pade(np.exp, 3, 2)
    a_named, b_named = pade("exp", 3, 2)
    np.testing.assert_allclose(a, a_named, atol=1e-9)
    np.testing.assert_allclose(b, b_named, atol=1e-9)


def test_pade_matches_the_series_to_order_m_plus_n():
    a, b = pade("exp", 3, 3)
    x = np.array([1e-2, -2e-2])
    err = np.abs(evaluate(x, a, b, "pade") - np.exp(x))
    assert np.all(err < 2 * np.abs(x) ** 7 / 100800)  # x^7 / (7! 20), the [3/3] error term


# Max errors on [-3, 3]: the table of docs/rational.md, rounded up (not loosened).
TABLE = {
    ("identity", 5, 4): 1e-12,
    ("relu", 5, 4): 0.016,
    ("relu", 3, 2): 0.07,
    ("leaky_relu", 5, 4): 0.016,
    ("gelu", 5, 4): 0.0014,
    ("silu", 3, 2): 0.0032,
    ("tanh", 5, 4): 1e-6,
    ("sigmoid", 3, 2): 3.5e-5,
    ("softplus", 5, 4): 1.9e-6,
}


@pytest.mark.parametrize("key", sorted(TABLE))
def test_rational_fit_errors_within_table(key):
    name, m, n = key
    a, b, error = rational_fit(name, m, n)
    assert error <= TABLE[key]
    x = np.linspace(-3, 3, 1001)
    from learnact.initializers.rational import FIT_FUNCTIONS

    measured = np.max(np.abs(evaluate(x, a, b) - FIT_FUNCTIONS[name](x)))
    assert measured <= error * (1 + 1e-9)


def test_rational_fit_callable_and_forms():
    a, b, error = rational_fit(np.abs, 4, 2, interval=(-1, 2), form="abs_sum")
    assert a.shape == (5,) and b.shape == (3,) and b[0] == 1 and error < 0.05
    a, b, error = rational_fit("tanh", 3, 2, form="pade")
    x = np.linspace(-3, 3, 101)
    assert np.min(1 + x * b[1] + x**2 * b[2]) > 1e-4 and error < 0.01


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: pade("nope", 2, 2), "function"),
        (lambda: pade("exp", -1, 2), "m"),
        (lambda: pade("exp", 2, 0), "n"),
        (lambda: rational_fit("relu", 3, 2, interval=(1, -1)), "interval"),
        (lambda: rational_fit("relu", 3, 2, interval=(0, float("inf"))), "interval"),
        (lambda: rational_fit("relu", 3, 2, form="plain"), "form"),
        (lambda: rational_fit("nope", 3, 2), "function"),
        (lambda: rational_fit(np.log, 3, 2), "finite"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()

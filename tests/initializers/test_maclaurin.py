"""Maclaurin initializer against closed-form series coefficients."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from learnact.initializers import Maclaurin

SQRT_2PI = math.sqrt(2 * math.pi)

# Closed forms from the textbook series (independent of sympy).
KNOWN = {
    "sin": [0, 1, 0, -1 / 6, 0, 1 / 120, 0, -1 / 5040],
    "cos": [1, 0, -1 / 2, 0, 1 / 24, 0, -1 / 720, 0],
    "exp": [1 / math.factorial(p) for p in range(8)],
    "tanh": [0, 1, 0, -1 / 3, 0, 2 / 15, 0, -17 / 315],
    "sigmoid": [1 / 2, 1 / 4, 0, -1 / 48, 0, 1 / 480, 0, -17 / 80640],
    "softplus": [math.log(2), 1 / 2, 1 / 8, 0, -1 / 192, 0, 1 / 2880, 0],
    "gelu": [0, 1 / 2, 1 / SQRT_2PI, 0, -1 / (6 * SQRT_2PI), 0, 1 / (40 * SQRT_2PI), 0],
    "identity": [0, 1, 0, 0, 0, 0, 0, 0],
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_named_series_match_closed_forms(name):
    got = ops.convert_to_numpy(Maclaurin(name)((8,)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.float32(KNOWN[name]), rtol=1e-7, atol=1e-9)


def test_every_position_gets_the_series_on_the_last_axis():
    got = ops.convert_to_numpy(Maclaurin("sin")((3, 2, 6)))
    assert got.shape == (3, 2, 6)
    np.testing.assert_allclose(got, np.broadcast_to(np.float32(KNOWN["sin"][:6]), (3, 2, 6)))


def test_callable_uses_numerical_maclaurin_coefficients():
    got = ops.convert_to_numpy(Maclaurin(lambda z: np.exp(2 * z))((7,)))
    np.testing.assert_allclose(got, [2.0**p / math.factorial(p) for p in range(7)], rtol=1e-6)


def test_config_round_trip_named_and_callable():
    init = Maclaurin("tanh")
    again = keras.initializers.deserialize(keras.initializers.serialize(init))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(again((5,))), ops.convert_to_numpy(init((5,)))
    )
    custom = Maclaurin(np.cosh)
    with pytest.raises(ValueError, match="used once"):
        custom.get_config()
    values = ops.convert_to_numpy(custom((6,)))
    again = Maclaurin.from_config(custom.get_config())
    np.testing.assert_allclose(ops.convert_to_numpy(again((6,))), values)


def test_explicit_coefficients_pad_with_zeros():
    got = ops.convert_to_numpy(Maclaurin(coefficients=[1.0, 2.0])((4,)))
    np.testing.assert_array_equal(got, [1, 2, 0, 0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"function": "sinc"}, "sinc"),
        ({"function": 3}, "function"),
        ({}, "exactly one"),
        ({"function": "sin", "coefficients": [1.0]}, "exactly one"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Maclaurin(**kwargs)


def test_non_finite_explicit_coefficients_are_refused():
    with pytest.raises(ValueError, match="finite"):
        Maclaurin(coefficients=[1.0, float("nan")])

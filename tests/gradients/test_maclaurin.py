"""maclaurin_coefficients against known series (exact rationals)."""

import math

import numpy as np
import pytest

from learnact.gradients import maclaurin_coefficients
from tests.conftest import only_on

pytestmark = only_on("jax", "maclaurin_coefficients is NumPy")


def test_exp_to_machine_precision_relative():
    got = maclaurin_coefficients(np.exp, 12)
    want = np.array([1 / math.factorial(k) for k in range(13)])
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert got.dtype == np.float64


@pytest.mark.parametrize(
    "f, want",
    [
        (np.sin, [0, 1, 0, -1 / 6, 0, 1 / 120, 0, -1 / 5040]),
        (np.tanh, [0, 1, 0, -1 / 3, 0, 2 / 15, 0, -17 / 315]),  # poles at +-i pi/2
        (np.log1p, [0, 1, -1 / 2, 1 / 3, -1 / 4, 1 / 5, -1 / 6, 1 / 7]),  # singular at -1
        (lambda z: 1 / (0.5 - z), [2 * 2.0**k for k in range(8)]),  # pole at 0.5
        (
            lambda z: np.sqrt(1 + z),
            [1, 1 / 2, -1 / 8, 1 / 16, -5 / 128, 7 / 256, -21 / 1024, 33 / 2048],
        ),
    ],
)
def test_known_series(f, want):
    got = maclaurin_coefficients(f, len(want) - 1)
    np.testing.assert_allclose(got, want, atol=1e-12 * max(1, np.max(np.abs(want))))


def test_complex_function_returns_complex():
    got = maclaurin_coefficients(lambda z: np.exp(1j * z), 3)
    np.testing.assert_allclose(got, [1, 1j, -0.5, -1j / 6], atol=1e-14)


def test_explicit_radius():
    np.testing.assert_allclose(
        maclaurin_coefficients(np.exp, 3, radius=0.5), [1, 1, 0.5, 1 / 6], atol=1e-14
    )


def test_bad_input():
    with pytest.raises(ValueError, match="order"):
        maclaurin_coefficients(np.exp, -1)
    with pytest.raises(ValueError, match="real values"):
        maclaurin_coefficients(lambda z: np.abs(z), 3)
    with pytest.raises(ValueError, match="radius"):
        maclaurin_coefficients(np.exp, 3, radius=0.0)

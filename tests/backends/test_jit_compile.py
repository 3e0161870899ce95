"""Keras's ``jit_compile=True`` is honoured on JAX and TensorFlow, and means eager on PyTorch.

On PyTorch ``jit_compile=True`` is ``torch.compile``, which took minutes per
model with learnact's layers; a JAX model's saved compile config carries
``jit_compile=True``, so learnact's layers declare ``supports_jit = False``
there and Keras runs the model eagerly (``tests/backends/test_cross_backend.py``
loads such a file on PyTorch).
"""

import warnings

import keras
import pytest

from learnact.layers import (
    ComplexSoftExponential,
    KANDense,
    PolynomialDense,
    Rational,
    SoftExponential,
    TaylorExpansion,
)
from tests.conftest import backend


@pytest.mark.parametrize(
    "make",
    [
        lambda: TaylorExpansion(order=3),
        lambda: PolynomialDense(2, order=2),
        SoftExponential,
        ComplexSoftExponential,
        Rational,
        lambda: KANDense(2),
    ],
)
def test_jit_compile_true_is_kept_except_on_torch(make):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), make()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.compile(loss="mse", jit_compile=True)
    if backend() == "torch":
        assert model.jit_compile is False
        assert any("jit_compile" in str(w.message) for w in caught)  # Keras says so
    else:
        assert model.jit_compile is True
    # A model of Keras layers only is unaffected on every backend.
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    plain.compile(loss="mse", jit_compile=True)
    assert plain.jit_compile is True

"""Initializers for series and rational layers: ``Maclaurin``, ``pade``, ``rational_fit``."""

from learnact.initializers.maclaurin import NAMED_FUNCTIONS, Maclaurin, named_series
from learnact.initializers.rational import FIT_FUNCTIONS, Coefficients, pade, rational_fit

__all__ = [
    "FIT_FUNCTIONS",
    "Coefficients",
    "Maclaurin",
    "NAMED_FUNCTIONS",
    "named_series",
    "pade",
    "rational_fit",
]

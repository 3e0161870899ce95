"""Initializers for series layers: ``Maclaurin`` (named functions or callables)."""

from learnact.initializers.maclaurin import NAMED_FUNCTIONS, Maclaurin, named_series

__all__ = ["Maclaurin", "NAMED_FUNCTIONS", "named_series"]

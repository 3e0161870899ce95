"""Looking at learnact layers and models: what they learned, and whether their gradients are right.

* :func:`inspect_model` / :func:`describe`: the learnact layers of a saved or
  live model, their configuration, and the polynomials they learned (sympy),
  with their activation curves (``learnact inspect``);
* :func:`check_layers`: every learnact layer class against float64 finite
  differences (``learnact gradcheck``).

Example:
    >>> from learnact.inspection import check_layers
    >>> [check.passed for check in check_layers(["TaylorExpansion"])]
    [True]
"""

from learnact.inspection.describe import (
    Details,
    LayerDescription,
    ModelDescription,
    describe,
    describes,
)
from learnact.inspection.gradcheck import LayerCheck, check_layers
from learnact.inspection.model_file import Inspection, inspect_model, load_model

__all__ = [
    "Details",
    "Inspection",
    "LayerCheck",
    "LayerDescription",
    "ModelDescription",
    "check_layers",
    "describe",
    "describes",
    "inspect_model",
    "load_model",
]

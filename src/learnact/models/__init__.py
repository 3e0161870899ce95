"""Models: the expandable CNN and its baseline, the soft-exponential product network.

``MODELS`` names the models ``learnact train`` and ``learnact compare`` build;
a model spec such as ``"expandable-cnn:5:polynomial-dense"`` picks one and
sets its options (:func:`parse_model_spec`).

Example:
    >>> from learnact.models import expandable_cnn, baseline_cnn
    >>> model = expandable_cnn((32, 32, 3), 10, order=3, expansion="taylor")
    >>> model.get_layer("expansion").order, model.output_shape
    (3, (None, 10))
"""

from learnact.models.cnn import EXPANSIONS, baseline_cnn, expandable_cnn
from learnact.models.kan import kan_classifier
from learnact.models.product import product_network
from learnact.models.registry import (
    MODELS,
    ModelSpec,
    model_spec,
    parse_model_list,
    parse_model_spec,
)

__all__ = [
    "EXPANSIONS",
    "MODELS",
    "ModelSpec",
    "baseline_cnn",
    "expandable_cnn",
    "kan_classifier",
    "model_spec",
    "parse_model_list",
    "parse_model_spec",
    "product_network",
]

"""Models of the seed questions: the expandable CNN, its baseline, the product network.

Example:
    >>> from learnact.models import expandable_cnn, baseline_cnn
    >>> model = expandable_cnn((32, 32, 3), 10, order=3, expansion="taylor")
"""

from learnact.models.cnn import EXPANSIONS, baseline_cnn, expandable_cnn
from learnact.models.product import product_network

__all__ = ["EXPANSIONS", "baseline_cnn", "expandable_cnn", "product_network"]

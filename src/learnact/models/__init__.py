"""Models of the seed question: the expandable CNN and its fixed-activation baseline.

Example:
    >>> from learnact.models import expandable_cnn, baseline_cnn
    >>> model = expandable_cnn((32, 32, 3), 10, order=3, expansion="taylor")
"""

from learnact.models.cnn import EXPANSIONS, baseline_cnn, expandable_cnn

__all__ = ["EXPANSIONS", "baseline_cnn", "expandable_cnn"]

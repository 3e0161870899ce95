"""Pictures: gradient fields, learned activation curves, training curves, comparisons.

Every function returns a matplotlib figure (or axes) and saves nothing;
:func:`save_figure` writes one atomically.
"""

from learnact.plotting.activation import plot_activation, strongest_connections
from learnact.plotting.comparison import plot_comparison
from learnact.plotting.expressions import parse_expression
from learnact.plotting.files import check_image_path, save_figure
from learnact.plotting.gradient_field import plot_gradient_field, save_gradient_field
from learnact.plotting.kan import plot_kan_edges
from learnact.plotting.training import plot_training_curves

__all__ = [
    "check_image_path",
    "parse_expression",
    "plot_activation",
    "plot_comparison",
    "plot_gradient_field",
    "plot_kan_edges",
    "plot_training_curves",
    "save_figure",
    "save_gradient_field",
    "strongest_connections",
]

"""Pictures: gradient fields, learned activation curves, training curves (matplotlib)."""

from learnact.plotting.activation import plot_activation
from learnact.plotting.gradient_field import plot_gradient_field
from learnact.plotting.training import plot_training_curves

__all__ = ["plot_activation", "plot_gradient_field", "plot_training_curves"]

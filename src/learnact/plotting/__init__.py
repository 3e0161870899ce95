"""learnact.plotting."""

from learnact.plotting.activation import plot_activation  # noqa: E402
from learnact.plotting.training import plot_training_curves  # noqa: E402
from learnact.plotting.gradient_field import plot_gradient_field  # noqa: E402

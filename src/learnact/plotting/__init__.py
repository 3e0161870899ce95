"""learnact.plotting."""

from learnact.plotting.activation import plot_activation  # noqa: E402
from learnact.plotting.training import plot_training_curves  # noqa: E402

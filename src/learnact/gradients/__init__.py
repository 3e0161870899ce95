"""learnact.gradients."""

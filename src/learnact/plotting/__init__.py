"""learnact.plotting."""

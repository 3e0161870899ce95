"""learnact.datasets."""

"""learnact.models."""

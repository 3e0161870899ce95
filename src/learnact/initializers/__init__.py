"""learnact.initializers."""

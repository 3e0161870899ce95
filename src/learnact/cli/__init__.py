"""The ``learnact`` command line: train, compare, inspect, gradfield, gradcheck, bench."""

from learnact.cli.main import main

__all__ = ["main"]

"""Keras layers with learned nonlinearities (all registered under package ``learnact``)."""

from learnact.layers.elementwise import ElementwiseLayer
from learnact.layers.parameter import Parameter

__all__ = ["ElementwiseLayer", "Parameter"]

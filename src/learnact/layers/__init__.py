"""Keras layers with learned nonlinearities (all registered under package ``learnact``)."""

from learnact.layers.elementwise import ElementwiseLayer
from learnact.layers.parameter import Parameter
from learnact.layers.polynomial_dense import PolynomialDense
from learnact.layers.taylor import TaylorExpansion

__all__ = ["ElementwiseLayer", "Parameter", "PolynomialDense", "TaylorExpansion"]

from learnact.layers.parametric import parametric_activation  # noqa: E402
from learnact.layers.registry import (  # noqa: E402
    is_learnact_layer,
    layer_classes,
    learnact_layers,
)
from learnact.layers.soft_exponential import (  # noqa: E402
    ComplexSoftExponential,
    SoftExponential,
)

__all__ += ["ComplexSoftExponential", "SoftExponential", "parametric_activation"]
__all__ += ["is_learnact_layer", "layer_classes", "learnact_layers"]

from learnact.layers.rational import Rational  # noqa: E402

__all__ += ["Rational"]

from learnact.layers.kan_dense import KANDense  # noqa: E402

__all__ += ["KANDense"]

from learnact.layers.snapped_kan import SnappedKANDense, register_edge_function  # noqa: E402

__all__ += ["SnappedKANDense", "register_edge_function"]

from learnact.layers.snapped_activation import SnappedActivation  # noqa: E402

__all__ += ["SnappedActivation"]

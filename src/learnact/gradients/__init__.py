"""Numerical derivatives, Maclaurin coefficients and gradient checks.

* :func:`numerical_gradient`, :func:`jacobian`, :func:`hessian`,
  :func:`tangent_line`: finite differences (and the complex step) of NumPy
  functions, with the convention of "Deep Learning from Scratch" (section
  4.3.3): ``x`` = ``(D,)`` one point or
  ``(N, D)`` N points;
* :func:`maclaurin_coefficients`: Taylor coefficients at 0 by a Cauchy
  integral evaluated with an FFT;
* :func:`gradient_check`: a Keras layer's autodiff gradients against float64
  finite differences, entry by entry, on JAX, PyTorch or TensorFlow.

Example:
    >>> import numpy as np
    >>> from learnact.gradients import numerical_gradient
    >>> numerical_gradient(lambda p: p[:, 0] * p[:, 1], np.array([[1.0, 2.0]]))
    array([[2., 1.]])
"""

from learnact.gradients._points import BatchFallbackWarning, FunctionCaller, PointsLayoutWarning
from learnact.gradients.check import GradientCheckReport, TensorCheck, gradient_check
from learnact.gradients.maclaurin import maclaurin_coefficients
from learnact.gradients.numerical import hessian, jacobian, numerical_gradient, tangent_line

__all__ = [
    "numerical_gradient",
    "jacobian",
    "hessian",
    "maclaurin_coefficients",
    "tangent_line",
    "gradient_check",
    "GradientCheckReport",
    "TensorCheck",
    "PointsLayoutWarning",
    "BatchFallbackWarning",
    "FunctionCaller",
]

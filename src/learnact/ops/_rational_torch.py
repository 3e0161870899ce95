"""PyTorch fast path of :func:`learnact.ops.rational`: direct forward, closed-form backward.

One ``torch.autograd.Function``: the forward saves only its inputs; the
backward recomputes ``P``, ``Q`` and their derivatives once and gets every
coefficient gradient from two running-power moment sums
(``_polyval_torch.coefficient_gradient``) instead of autograd's graph of two
Horner chains, ``abs`` per denominator term and a division. Inputs beyond
:func:`learnact.ops.rational.direct_limit` (never in training) take the scaled
form, and autograd of it in the backward pass.
"""

from __future__ import annotations

import torch

from learnact.ops._polyval_torch import _sum_to, coefficient_gradient
from learnact.ops._rational_math import direct, direct_backward, direct_limit, scaled, split


def _big(x, numerator, denominator):
    limit = direct_limit(numerator.shape[-1] - 1, denominator.shape[-1])
    return x.abs() > limit


def _moments(terms):
    return [coefficient_gradient(t, w, shape) for t, w, shape in terms]


class _Rational(torch.autograd.Function):
    @staticmethod
    def forward(x, numerator, denominator, form):
        big = _big(x, numerator, denominator)
        if bool(big.any()):
            return split(x, numerator, denominator, form)
        return direct(x, numerator, denominator, form)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, numerator, denominator, form = inputs
        ctx.save_for_backward(x, numerator, denominator)
        ctx.form = form

    @staticmethod
    def backward(ctx, g):
        x, numerator, denominator = ctx.saved_tensors
        form = ctx.form
        big = _big(x, numerator, denominator)
        any_big = bool(big.any())
        inside_x = torch.where(big, 0.0, x) if any_big else x
        inside_g = torch.where(big, 0.0, g) if any_big else g
        dx, dn, dd = direct_backward(inside_x, numerator, denominator, inside_g, form, _moments)
        dx = _sum_to(dx, x.shape)
        if any_big:
            with torch.enable_grad():
                outside = torch.where(big, x, 1.0).detach().requires_grad_()
                n_, d_ = (c.detach().requires_grad_() for c in (numerator, denominator))
                y = scaled(outside, n_, d_, form)
                dx_out, dn_out, dd_out = torch.autograd.grad(
                    y, (outside, n_, d_), torch.where(big, g, 0.0)
                )
            dx = torch.where(big, dx_out, dx)
            dn, dd = dn + dn_out, dd + dd_out
        return dx, dn, dd, None


def rational(x, numerator, denominator, form):
    """``P(x) / Q(x)`` with the closed-form backward pass (see the module docstring)."""
    return _Rational.apply(x, numerator, denominator, form)

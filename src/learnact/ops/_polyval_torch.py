"""PyTorch fast path of :func:`learnact.ops.polyval`: Horner forward, one-pass backward.

Autograd through Horner's rule records ``2n`` graph nodes and, in the
backward pass, broadcasts and reduces each coefficient's gradient separately.
The closed form is short:

    dc_p = sum_{broadcast axes} g * t^p,      dt = g * sum_p p c_p t^(p-1)

so one ``torch.autograd.Function`` computes it with a running power ``g t^p``
(one multiply and one reduction per order). Measured on CPU at 256x512, order
10: about 2x faster than autograd; stacking the powers and reducing once is
slower (the stacked tensor does not fit in cache).

The backward pass is itself written in differentiable torch ops, so double
backward (``create_graph=True``) works; ``jvp`` gives forward-mode AD.
"""

from __future__ import annotations

import torch

from learnact.ops.horner import broadcast_axes, horner


def _by_order(coefficients):
    # Contiguous rows c[..., p]: a strided slice per Horner step is slower.
    return coefficients.movedim(-1, 0).contiguous()


def _derivative_rows(rows):
    """Rows ``p c_p`` (p = 1..n) of the derivative ``y' = sum_p p c_p t^(p-1)``; n >= 1."""
    order = rows.shape[0] - 1
    scale = torch.arange(1, order + 1, dtype=rows.dtype, device=rows.device)
    return rows[1:] * scale.reshape((order,) + (1,) * (rows.ndim - 1))


def _sum_to(array, shape, dtype=None):
    """Sum ``array`` over the axes NumPy broadcasting added to ``shape``."""
    shape = tuple(shape)
    if tuple(array.shape) == shape and dtype is None:
        return array
    axes = broadcast_axes(array.shape, shape)
    if not axes:
        return array if dtype is None else array.to(dtype)
    return array.sum(dim=axes, dtype=dtype).reshape(shape)


def coefficient_gradient(t, g, coefficient_shape):
    """Return ``dc[..., p] = sum_{broadcast axes} g * t^p``, shape ``coefficient_shape``.

    Sums are accumulated in at least float32 and returned in ``g``'s dtype.
    """
    param_shape = tuple(coefficient_shape[:-1])
    order = coefficient_shape[-1] - 1
    accumulate = torch.promote_types(g.dtype, torch.float32)
    term = g
    sums = [_sum_to(term, param_shape, accumulate)]
    for _ in range(order):
        term = term * t
        sums.append(_sum_to(term, param_shape, accumulate))
    return torch.stack(sums, dim=-1).to(g.dtype)


class _Polyval(torch.autograd.Function):
    """``y = sum_p c_p t^p`` with the closed-form gradients above."""

    @staticmethod
    def forward(t, coefficients):
        return horner(t, _by_order(coefficients))

    @staticmethod
    def setup_context(ctx, inputs, output):
        t, coefficients = inputs
        # Save the inputs, not the power chain: recomputing t^p costs one
        # multiply per power and saves (order + 1) activations of memory.
        ctx.save_for_backward(t, coefficients)
        ctx.save_for_forward(t, coefficients)

    @staticmethod
    def backward(ctx, g):
        t, coefficients = ctx.saved_tensors
        order = coefficients.shape[-1] - 1
        dt = dc = None
        if ctx.needs_input_grad[0]:
            if order == 0:
                dt = torch.zeros_like(t)
            else:
                # y' = sum_p p c_p t^(p-1): Horner on the derivative's coefficients.
                derivative = _derivative_rows(_by_order(coefficients))
                dt = _sum_to(g * horner(t, derivative), t.shape)
        if ctx.needs_input_grad[1]:
            dc = coefficient_gradient(t, g, coefficients.shape)
        return dt, dc

    @staticmethod
    def jvp(ctx, dt, dc):
        t, coefficients = ctx.saved_tensors
        order = coefficients.shape[-1] - 1
        out = None
        if dt is not None and order > 0:
            out = dt * horner(t, _derivative_rows(_by_order(coefficients)))
        if dc is not None:
            term = horner(t, _by_order(dc))
            out = term if out is None else out + term
        if out is None:
            shape = torch.broadcast_shapes(t.shape, coefficients.shape[:-1])
            out = torch.zeros(shape, dtype=t.dtype, device=t.device)
        return out


def polyval(t, coefficients):
    """Horner's polynomial of ``t`` with a closed-form backward pass.

    Args:
        t: floating tensor (already shifted by the center).
        coefficients: tensor ``param_shape + (n + 1,)`` in ``t``'s dtype.

    Returns:
        ``sum_p c_p t^p`` with the broadcast shape of ``t`` and ``param_shape``.
    """
    return _Polyval.apply(t, coefficients)

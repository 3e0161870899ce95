"""JAX fast path of :mod:`learnact.ops.basis`'s B-splines on a CPU: one native pass.

On JAX's XLA path, B-splines are the Cox-de Boor recursion carrying its
derivatives over every knot of each input (a Taylor polynomial around a
stopped copy of the input, for exact derivatives of every order): hundreds
of small operations, which XLA:CPU compiles slowly. Here one XLA FFI custom
call (``_bspline_cpu.cc``, built by :mod:`learnact.ops._native`) does it per
input: a search for its knot interval, then the recursion over the ``k + 1``
B-splines that can be nonzero there, in vectors of consecutive inputs.

Derivatives: the kernel writes the B-splines' derivatives of order ``d`` and
``d + 1`` (:func:`_pair`, a ``jax.custom_jvp``): the derivative of the first
is the second times the input's tangent, so a forward and backward pass is
one call of the kernel (XLA merges the identical calls); a second-order
derivative asks for the next pair (every order up to ``k`` is exact, each
piece being a polynomial of degree ``k``). With respect to the knots (a grid
someone differentiates; learnact's grids are not trainable), the XLA path's
derivative, so that it is never a silent zero.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from learnact.ops import _native

# _bspline_cpu.cc's kMaxOrder: the kernel's stack arrays hold degrees up to this.
NATIVE_MAX_ORDER = 10


def bspline_basis(x, knots, order: int, dense: bool, reference):
    """``(start, values)`` of B-splines by the native kernel, or None where it does not apply.

    Formula (per input ``x_i``, knots ``t`` of its row, ``M`` of them):
        i = (number of knots <= x_i) - 1, start = i - k
        local form: values[..., r] = B_{start+r}^k(x_i), r = 0 .. k
        dense form: values[..., j] = B_j^k(x_i), j = 0 .. M - 2 - k
        (0 where ``x_i`` is outside ``t_0 <= x < t_{M-1}``)
        d/dx values = the kernel's next derivative row (all orders up to k exact)

    Args:
        x: tensor ``(..., inputs)``, float32 or float64, already clamped by the caller.
        knots: tensor ``(inputs, M)`` of ``x``'s dtype, non-decreasing rows.
        order: ``k``.
        dense: the dense form rather than the local one.
        reference: ``reference(x, knots, order, dense)``, the XLA path's
            table (``table[d]`` the d-th derivatives, in the same form), whose
            derivative with respect to the knots is used where they are
            differentiated.

    Returns:
        ``(start, values)``: int32 ``(..., inputs)`` and ``(..., inputs, W)``;
        None on another device than a CPU, another dtype, an order above
        :data:`NATIVE_MAX_ORDER`, or without the native library
        (:func:`learnact.ops._native.status`).
    """
    if (
        x.ndim == 0
        or knots.ndim != 2
        or knots.shape[0] != x.shape[-1]
        or not 0 <= order <= NATIVE_MAX_ORDER
        or knots.shape[-1] < order + 2
        or not _native.usable("bspline", x.dtype, knots.dtype)
    ):
        return None
    dense = bool(dense)
    stopped = (jax.lax.stop_gradient(x), jax.lax.stop_gradient(knots))
    start, _ = _call(*stopped, order, dense, _rows(0, order))
    return start, _pair(x, knots, 0, order, dense, reference)[0]


def _rows(d, order):
    """How many derivative rows :func:`_pair` ``d`` asks the kernel for: up to ``d + 1``."""
    return min(d + 2, order + 1)


def _call(x, knots, order, dense, rows):
    """The kernel: ``start`` and derivatives ``0 .. rows - 1``, ``(rows, ..., inputs, W)``."""
    inputs = x.shape[-1]
    width = knots.shape[-1] - 1 - order if dense else order + 1
    flat = x.reshape(-1, inputs)
    call = jax.ffi.ffi_call(
        "LearnactBsplineTable" + ("F32" if x.dtype == jnp.float32 else "F64"),
        (
            jax.ShapeDtypeStruct(flat.shape, jnp.int32),
            jax.ShapeDtypeStruct((rows, *flat.shape, width), x.dtype),
        ),
        vmap_method="sequential",
    )
    start, table = call(
        flat, knots, order=np.int32(order), dense=np.int32(dense), rows=np.int32(rows)
    )
    return start.reshape(x.shape), table.reshape((rows, *x.shape, width))


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4, 5))
def _pair(x, knots, d, order, dense, reference):
    """Derivatives ``d`` and ``d + 1`` of the B-splines at ``x``, from one pass of the kernel.

    The second is what the first's derivative needs (0 past ``k``: each piece
    is a polynomial of degree ``k``), so a first-order derivative costs no
    second pass; the forward pass asks for two rows, not ``k + 1``.
    """
    _, table = _call(x, knots, order, dense, _rows(d, order))
    following = table[d + 1] if d < order else jnp.zeros_like(table[d])
    return table[d], following


def _pair_jvp(d, order, dense, reference, primals, tangents):
    x, knots = primals
    dx, dknots = tangents
    value, following = _pair(x, knots, d, order, dense, reference)
    tangent = [jnp.zeros_like(value), jnp.zeros_like(value)]
    if not isinstance(dx, SymbolicZero):
        tangent[0] = following * dx[..., None]
        if d + 1 < order:
            # A second-order derivative: derivative d + 2, from another pass.
            tangent[1] = _pair(x, knots, d + 1, order, dense, reference)[1] * dx[..., None]
    if not isinstance(dknots, SymbolicZero):
        for i in (0, 1):
            if d + i <= order:
                _, from_knots = jax.jvp(
                    lambda t, i=i: reference(x, t, order, dense)[d + i], (knots,), (dknots,)
                )
                tangent[i] = tangent[i] + from_knots
    return (value, following), tuple(tangent)


_pair.defjvp(_pair_jvp, symbolic_zeros=True)

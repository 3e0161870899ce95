"""JAX fast path of :func:`learnact.ops.rational`: direct forward, closed-form backward.

On a CPU, where learnact's native kernels are built (:mod:`learnact.ops._native`,
``_rational_cpu.cc``), forward and backward are two XLA FFI custom calls:
one pass over the data each, ``dx`` and every coefficient gradient together,
inputs beyond the direct limit included (in long double). Whether they apply
is decided once per call of :func:`rational` (``_native_layout``: float32 or
float64, ``x`` as large as the result, the coefficients broadcast to
columns) and passed to the backward pass, so both take the same path. The
rest of this module is the XLA path used everywhere else:

Autodiff of ``P(x) / Q(x)`` differentiates two Horner chains, the ``abs`` of
every denominator term and the division, and reduces each coefficient's
gradient separately. The backward pass here saves nothing of the forward pass
but its inputs. It computes ``dx`` in one elementwise pass, and the
coefficient gradients from two moment sums (``sum g/Q x^k`` and
``sum g y/Q |x|^k``, ``_polyval_jax.coefficient_gradient``, vectorized) over
chunks of batch rows in a scan, recomputing ``P`` and ``Q`` there: the
weights ``g/Q`` and ``g y/Q |x|`` of the whole batch were two input-sized
arrays (the compiled step 2.1x the memory of ``TaylorExpansion(10)``'s), a
chunk's fit in cache. See ``_coefficient_grads``.

Inputs beyond :func:`learnact.ops.rational.direct_limit` need the scaled form;
on CPU a conditional skips it when no element is that large (always, in
training), on other devices both are computed and selected (a conditional
there waits for the host). Their gradient is autodiff of the scaled form.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from learnact.ops import _native
from learnact.ops._polyval_jax import _unbroadcast, coefficient_gradient
from learnact.ops._rational_math import (
    FORMS,
    direct,
    direct_backward,
    direct_coefficient_gradients,
    direct_limit,
    scaled,
    split,
)


def _big(x, numerator, denominator):
    limit = direct_limit(numerator.shape[-1] - 1, denominator.shape[-1])
    return jnp.abs(x) > limit


def _if_any(predicate, full, small, *operands):
    """``full(*operands)`` if any ``predicate`` (always on accelerators), else ``small(...)``."""
    if jax.default_backend() != "cpu":
        return full(*operands)
    return jax.lax.cond(jnp.any(predicate), full, small, *operands)


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4))
def _rational_vjp(x, numerator, denominator, form, layout):
    return _forward(x, numerator, denominator, form, layout)


@functools.cache
def _branches(form):
    """The conditional's branches for one form, made once (JAX caches traces by identity)."""
    return (
        lambda *ops: split(*ops, form),
        lambda *ops: direct(*ops, form),
        lambda *ops: _split_grads(*ops, form),
        lambda *ops: _direct_grads(*ops, form),
    )


# --- the native CPU kernels (learnact/ops/_rational_cpu.cc) ----------------------------

# Binary exponent range of the kernels' long double (x87 extended, or IEEE quad):
# a product of (degree + 2) factors each below 2^maxexp of the input type stays
# inside it (the kernel's static_assert holds the range to at least this).
_WIDE_MAX_EXPONENT = 16381


def _native_layout(x, numerator, denominator):
    """``(lead, rest)`` for the native kernels, or None where they do not apply.

    The kernels read ``x`` as rows of columns with one coefficient set per
    column: ``rest = x.shape[lead:]`` are the columns, ``lead`` the first
    axis along which either coefficient array varies (at most the last axis),
    and the coefficients are broadcast to ``rest`` (small: a coefficient set
    per column). They take float32 or float64, all three arrays alike, and an
    ``x`` as large as the result; anything else keeps the XLA path. So do
    degrees whose powers of the largest finite input could leave long
    double's range in the kernels' rare path (``_WIDE_MAX_EXPONENT``):
    float64 up to degree 13, float32 up to 125.
    """
    dtype = x.dtype
    if (
        x.ndim == 0
        or len(numerator.shape) - 1 > x.ndim
        or len(denominator.shape) - 1 > x.ndim
        or jnp.broadcast_shapes(x.shape, numerator.shape[:-1], denominator.shape[:-1]) != x.shape
        or (max(numerator.shape[-1] - 1, denominator.shape[-1]) + 2) * jnp.finfo(dtype).maxexp
        > _WIDE_MAX_EXPONENT
        or not _native.usable("rational", dtype, numerator.dtype, denominator.dtype)
    ):
        return None
    padded = [_padded(c.shape[:-1], x.ndim) for c in (numerator, denominator)]
    lead = next((i for i in range(x.ndim) if padded[0][i] != 1 or padded[1][i] != 1), x.ndim - 1)
    lead = min(lead, x.ndim - 1)
    return lead, tuple(x.shape[lead:])


def _padded(param_shape, ndim):
    return (1,) * (ndim - len(param_shape)) + tuple(param_shape)


def _columns(coefficients, lead, rest, ndim):
    """Coefficients as ``(order, columns)``: one set per column of ``x.reshape(-1, prod(rest))``."""
    padded = _padded(coefficients.shape[:-1], ndim)
    order = coefficients.shape[-1]
    c = coefficients.reshape(padded[lead:] + (order,))
    return jnp.broadcast_to(c, rest + (order,)).reshape(-1, order).T


def _from_columns(gradient, shape, lead, rest, ndim):
    """A ``(order, columns)`` gradient summed back to the coefficients' ``shape``."""
    padded = _padded(shape[:-1], ndim)
    full = gradient.T.reshape(rest + (shape[-1],))
    return _unbroadcast(full, padded[lead:] + (shape[-1],)).reshape(shape)


def _native_name(kind, dtype):
    return f"LearnactRational{kind}{'F32' if dtype == jnp.float32 else 'F64'}"


def _native_attributes(numerator, denominator, form):
    limit = direct_limit(numerator.shape[-1] - 1, denominator.shape[-1])
    return {"form": np.int32(FORMS.index(form)), "limit": np.float64(limit)}


@functools.partial(jax.custom_jvp, nondiff_argnums=(3, 4))
def _native_forward(x, numerator, denominator, form, layout):
    """``P(x) / Q(x)`` by the native kernel, for ``layout = _native_layout(...)``.

    A custom call has no derivative of its own: differentiated (a
    second-order derivative of :func:`rational`, forward mode), it is the
    XLA path's.
    """
    lead, rest = layout
    a, b = (_columns(c, lead, rest, x.ndim) for c in (numerator, denominator))
    call = jax.ffi.ffi_call(
        _native_name("Forward", x.dtype),
        jax.ShapeDtypeStruct(x.shape, x.dtype),
        vmap_method="sequential",
    )
    return call(x, a, b, **_native_attributes(numerator, denominator, form))


@functools.partial(jax.custom_jvp, nondiff_argnums=(4, 5))
def _native_grads(x, numerator, denominator, g, form, layout):
    """``(dx, d_numerator, d_denominator)`` by the native kernel, in one pass over ``x``, ``g``.

    Differentiated (second-order derivatives), it is the XLA path's backward pass.
    """
    lead, rest = layout
    a, b = (_columns(c, lead, rest, x.ndim) for c in (numerator, denominator))
    call = jax.ffi.ffi_call(
        _native_name("Backward", x.dtype),
        (
            jax.ShapeDtypeStruct(x.shape, x.dtype),
            jax.ShapeDtypeStruct(a.shape, a.dtype),
            jax.ShapeDtypeStruct(b.shape, b.dtype),
        ),
        vmap_method="sequential",
    )
    dx, da, db = call(x, g, a, b, **_native_attributes(numerator, denominator, form))
    return (
        dx,
        _from_columns(da, numerator.shape, lead, rest, x.ndim),
        _from_columns(db, denominator.shape, lead, rest, x.ndim),
    )


@_native_forward.defjvp
def _native_forward_jvp(form, layout, primals, tangents):
    return jax.jvp(lambda *p: _xla_forward(*p, form), primals, tangents)


@_native_grads.defjvp
def _native_grads_jvp(form, layout, primals, tangents):
    return jax.jvp(lambda *p: _xla_grads(form, *p), primals, tangents)


def _forward(x, numerator, denominator, form, layout):
    if layout is not None:
        return _native_forward(x, numerator, denominator, form, layout)
    return _xla_forward(x, numerator, denominator, form)


def _xla_forward(x, numerator, denominator, form):
    full, small, _, _ = _branches(form)
    return _if_any(_big(x, numerator, denominator), full, small, x, numerator, denominator)


def _fwd(x, numerator, denominator, form, layout):
    return _forward(x, numerator, denominator, form, layout), (x, numerator, denominator)


def _moments(terms):
    # One vectorized reduction per term: a single variadic reduce of all m + n + 1
    # moments (two power chains) is emitted as scalar code by XLA:CPU.
    return [coefficient_gradient(t, w, shape) for t, w, shape in terms]


def _direct_grads(x, numerator, denominator, g, form):
    dx, _, _ = direct_backward(x, numerator, denominator, g, form, None)
    dn, dd = _coefficient_grads(x, numerator, denominator, g, form)
    return (
        _unbroadcast(dx, x.shape).astype(x.dtype),
        dn.astype(numerator.dtype),
        dd.astype(denominator.dtype),
    )


# Elements per step of the scan over batch rows that sums the coefficient
# gradients (see _coefficient_grads): 32 rows of 512 features.
_MOMENT_CHUNK_ELEMENTS = 16384
# Rows per step at least: 16 rows are what the moment sums need to split by 8.
_MOMENT_CHUNK_MIN_ROWS = 16


def _chunk_rows(rows: int, wanted: int, *, multiple: int = 1, least: int = 1) -> int:
    """Rows per scan step: the largest multiple of ``multiple`` dividing ``rows``, <= ``wanted``.

    A chunk that does not divide the batch makes the scan pad its inputs:
    ``jnp.pad`` copies ``x`` and ``g`` whole, two input-sized temporaries
    (3.1 MB instead of 0.56 at 1024x512 with 12-row chunks). Where no such
    divisor reaches ``max(least, wanted // 4)`` (a prime batch), ``wanted``
    rows, padded.

    Example:
        >>> _chunk_rows(256, 12), _chunk_rows(256, 40, multiple=8), _chunk_rows(257, 12)
        (8, 32, 12)
    """
    wanted = max(least, wanted)
    for chunk in range(min(wanted, rows), 0, -1):
        if chunk < max(least, wanted // 4):
            break
        if rows % chunk == 0 and chunk % multiple == 0:
            return chunk
    return wanted


def _coefficient_grads(x, numerator, denominator, g, form):
    """The coefficient gradients, a chunk of batch rows at a time.

    Their weights ``g / Q`` and ``g y / Q |x|`` are recomputed from the saved
    ``x`` and ``g``. Computed on the whole batch, they are two input-sized
    arrays (the compiled step held 2.1x ``TaylorExpansion(10)``'s memory at
    256x512); fused into the moment reduction itself, XLA:CPU emits that
    reduction as scalar code (its body too large to unroll the 8-row split,
    ``_polyval_jax``), 2-3x slower. A scan over chunks of about
    ``_MOMENT_CHUNK_ELEMENTS`` elements keeps both: each step materialises
    its weights (chunk-sized) and sums them with the vectorized moment sums
    into the carry. Zero padding rows (``x = g = 0``) add nothing.
    """
    param_shape = numerator.shape[:-1]
    shape = g.shape
    ndim = len(shape)
    padded = _padded(param_shape, ndim)
    lead = 0
    while lead < ndim and padded[lead] == 1:
        lead += 1
    rows, rest = math.prod(shape[:lead]), shape[lead:]
    wanted = max(_MOMENT_CHUNK_MIN_ROWS, _MOMENT_CHUNK_ELEMENTS // max(1, math.prod(rest)))
    chunk = _chunk_rows(rows, wanted - wanted % 8, multiple=8, least=_MOMENT_CHUNK_MIN_ROWS)
    if denominator.shape[:-1] != param_shape or lead == 0 or rows <= chunk:
        return direct_coefficient_gradients(x, numerator, denominator, g, form, _moments)
    # Coefficients without the leading axes they share, to broadcast against chunks.
    numerator = numerator.reshape(padded[lead:] + numerator.shape[-1:])
    denominator = denominator.reshape(padded[lead:] + denominator.shape[-1:])
    pad = -rows % chunk
    widths = [(0, pad)] + [(0, 0)] * len(rest)

    def chunks(array):
        array = jnp.broadcast_to(array, shape).reshape((rows,) + rest)
        return jnp.pad(array, widths).reshape((-1, chunk) + rest)

    accumulate = jnp.promote_types(g.dtype, jnp.float32)

    def step(carry, item):
        dn, dd = direct_coefficient_gradients(
            item[0], numerator, denominator, item[1], form, _moments
        )
        return (carry[0] + dn.astype(accumulate), carry[1] + dd.astype(accumulate)), None

    zeros = (
        jnp.zeros(numerator.shape, accumulate),
        jnp.zeros(denominator.shape, accumulate),
    )
    (dn, dd), _ = jax.lax.scan(step, zeros, (chunks(x), chunks(g)))
    return dn.reshape(param_shape + dn.shape[-1:]), dd.reshape(param_shape + dd.shape[-1:])


# Elements per step of the scan that bounds the rare path's memory (see _split_grads):
# 8 rows of 512 features. Inside the conditional its temporaries are reserved even
# when the branch is not taken: with 8192, 64x8x8x32 images held 0.92 MB against
# TaylorExpansion(10)'s 0.77; with 4096, 0.73 MB (256x512: 0.36 MB instead of 0.56).
# A batch with no divisor near the chunk (a prime one) is still padded, and its step
# holds more (257x512: 1.38 MB against TaylorExpansion(10)'s 0.81).
_CHUNK_ELEMENTS = 4096


def _split_grads(x, numerator, denominator, g, form):
    """Gradients when some ``|x|`` is beyond the direct limit, a few batch rows at a time.

    The scaled form's autodiff keeps about fifteen input-sized temporaries;
    inside the conditional XLA reserves them even when the branch is never
    taken, which made the compiled step's memory 10x the direct path's. A scan
    over chunks of the leading (batch) axis, as many rows as make about
    ``_CHUNK_ELEMENTS`` elements (at least one row), bounds them to chunk
    size: below the direct path's own moment sums, which share that memory.
    Zero padding rows (``x = g = 0``) add nothing to the sums.
    """
    shape = g.shape
    param_ndim = max(numerator.ndim, denominator.ndim) - 1
    chunk = _chunk_rows(shape[0], max(1, _CHUNK_ELEMENTS // max(1, math.prod(shape[1:]))))
    if len(shape) <= param_ndim or shape[0] <= chunk:
        return _split_grads_whole(x, numerator, denominator, g, form)
    rows, pad = shape[0], -shape[0] % chunk
    widths = [(0, pad)] + [(0, 0)] * (len(shape) - 1)

    def chunks(array):
        return jnp.pad(jnp.broadcast_to(array, shape), widths).reshape((-1, chunk) + shape[1:])

    def step(carry, item):
        dx, dn, dd = _split_grads_whole(*item[:1], numerator, denominator, item[1], form)
        return (carry[0] + dn, carry[1] + dd), dx

    zeros = (jnp.zeros_like(numerator), jnp.zeros_like(denominator))
    (dn, dd), dx = jax.lax.scan(step, zeros, (chunks(x), chunks(g)))
    dx = dx.reshape((-1,) + shape[1:])[:rows]
    return _unbroadcast(dx, x.shape).astype(x.dtype), dn, dd


def _split_grads_whole(x, numerator, denominator, g, form):
    big = _big(x, numerator, denominator)
    inside = _direct_grads(
        jnp.where(big, 0.0, x), numerator, denominator, jnp.where(big, 0.0, g), form
    )
    outside_x = jnp.where(big, x, 1.0)
    _, vjp = jax.vjp(lambda *ops: scaled(*ops, form), outside_x, numerator, denominator)
    dx_out, dn_out, dd_out = vjp(jnp.where(big, g, 0.0))
    dx = jnp.where(big, dx_out, inside[0])
    return dx.astype(x.dtype), inside[1] + dn_out, inside[2] + dd_out


def _bwd(form, layout, residuals, g):
    x, numerator, denominator = residuals
    if layout is not None:  # the cotangent is shaped as x (the layout asks for that)
        return _native_grads(x, numerator, denominator, g, form, layout)
    return _xla_grads(form, x, numerator, denominator, g)


def _xla_grads(form, x, numerator, denominator, g):
    _, _, full, small = _branches(form)
    return _if_any(_big(x, numerator, denominator), full, small, x, numerator, denominator, g)


_rational_vjp.defvjp(_fwd, _bwd)


def rational(x, numerator, denominator, form):
    """``P(x) / Q(x)`` with the closed-form reverse-mode gradient (see the module docstring)."""
    try:
        # Decided once, here: the backward pass (traced later, maybe outside a
        # `_native.disabled()` block) takes the same path as the forward pass.
        layout = _native_layout(x, numerator, denominator)
        return _rational_vjp(x, numerator, denominator, form, layout)
    except TypeError as error:
        # jax.custom_vjp has no forward mode (jax.jvp, jax.jacfwd): plain autodiff form.
        if "forward-mode" not in str(error):
            raise
        return split(x, numerator, denominator, form)

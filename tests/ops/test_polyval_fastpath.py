"""The closed-form polyval gradients (JAX custom_vjp, torch autograd.Function) vs NumPy.

Reference, in float64: ``dt = g * sum_p p c_p t^(p-1)`` summed to ``t``'s shape
and ``dc_p = sum g t^p`` over every axis the coefficients are broadcast along.
Both backend modules are pure JAX / pure torch, so each is tested once, in its
own backend's leg of ``make test``.
"""

import numpy as np
import pytest

from learnact.ops import polyval
from learnact.ops.horner import horner, horner_last_axis
from tests.conftest import only_on

on_jax_leg = only_on("jax", "pure JAX")
on_torch_leg = only_on("torch", "pure torch")

# (shape of t, shape of the coefficients): shared, per feature, leading 1,
# per element of an image, per channel (shared axes), shared middle axis,
# t broadcast up by the coefficients, batch not a multiple of 8, many rows
# (several reduction stages), order 0, order 16.
CASES = [
    ((32, 5), (4,)),
    ((64, 7), (7, 4)),
    ((24, 7), (1, 7, 3)),
    ((16, 3, 4, 5), (3, 4, 5, 4)),
    ((8, 6, 6, 5), (1, 1, 5, 7)),
    ((16, 4, 3, 5), (4, 1, 5, 3)),
    ((40, 1), (6, 4)),
    ((37, 6), (6, 5)),
    ((2000, 3), (3, 4)),
    ((20, 4), (4, 1)),
    ((48, 3), (3, 17)),
]


def reference(t, c, g):
    """Closed-form gradients of ``sum(g * polyval(t, c))`` in float64."""
    t, c, g = (np.asarray(a, np.float64) for a in (t, c, g))
    order = c.shape[-1] - 1
    out_shape = np.broadcast_shapes(t.shape, c.shape[:-1])
    tb = np.broadcast_to(t, out_shape)
    derivative = sum(p * c[..., p] * tb ** (p - 1) for p in range(1, order + 1))
    dt = g * derivative if order else np.zeros(out_shape)
    dc = np.stack([_sum_to(g * tb**p, c.shape[:-1]) for p in range(order + 1)], axis=-1)
    scale = np.stack([_sum_to(np.abs(g * tb**p), c.shape[:-1]) for p in range(order + 1)], -1)
    return _sum_to(dt, t.shape), dc, scale


def _sum_to(a, shape):
    extra = a.ndim - len(shape)
    a = a.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and a.shape[i] != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a


def _inputs(t_shape, c_shape, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1.5, 1.5, t_shape).astype(np.float32)
    c = (rng.standard_normal(c_shape) / np.arange(1, c_shape[-1] + 1)).astype(np.float32)
    out_shape = np.broadcast_shapes(t_shape, c_shape[:-1])
    g = rng.standard_normal(out_shape).astype(np.float32)
    return t, c, g


def _check(dt, dc, t, c, g):
    ref_dt, ref_dc, scale = reference(t, c, g)
    assert dt.shape == t.shape and dc.shape == c.shape
    np.testing.assert_allclose(dt, ref_dt, rtol=2e-5, atol=2e-5 * np.abs(ref_dt).max() + 1e-6)
    # Each coefficient's sum is exact to float32 rounding of its own magnitude.
    assert np.all(np.abs(dc - ref_dc) <= 1e-5 * scale + 1e-6)


@on_jax_leg
@pytest.mark.parametrize("t_shape,c_shape", CASES)
@pytest.mark.parametrize("jit", [False, True])
def test_jax_gradients_match_closed_form(t_shape, c_shape, jit):
    jax = pytest.importorskip("jax")
    from learnact.ops import _polyval_jax

    t, c, g = _inputs(t_shape, c_shape)

    def grads(t, c, g):
        _, vjp = jax.vjp(_polyval_jax.polyval, t, c)
        return vjp(g)

    fn = jax.jit(grads) if jit else grads
    dt, dc = fn(t, c, g)
    _check(np.asarray(dt), np.asarray(dc), t, c, g)
    y = (jax.jit(_polyval_jax.polyval) if jit else _polyval_jax.polyval)(t, c)
    rows = [c[..., p] for p in range(c.shape[-1])]
    np.testing.assert_allclose(y, horner(t, rows), rtol=1e-6, atol=1e-6)


@on_jax_leg
def test_jax_forward_mode_and_second_order():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from learnact.ops import _polyval_jax

    c = jnp.array([0.5, -1.0, 2.0, 0.25])  # y = .5 - x + 2x^2 + x^3/4
    x = jnp.array([0.3, -1.2])
    _, tangent = jax.jvp(lambda x: _polyval_jax.polyval(x, c), (x,), (jnp.ones_like(x),))
    np.testing.assert_allclose(tangent, -1 + 4 * x + 0.75 * x**2, rtol=1e-6)
    second = jax.grad(lambda s: jax.grad(lambda s: _polyval_jax.polyval(s, c))(s))(0.7)
    np.testing.assert_allclose(second, 4 + 1.5 * 0.7, rtol=1e-6)
    hessian = jax.hessian(lambda x: jnp.sum(_polyval_jax.polyval(x, c)))(x)
    np.testing.assert_allclose(jnp.diag(hessian), 4 + 1.5 * x, rtol=1e-6)


@on_torch_leg
@pytest.mark.parametrize("t_shape,c_shape", CASES)
def test_torch_gradients_match_closed_form(t_shape, c_shape):
    torch = pytest.importorskip("torch")
    from learnact.ops import _polyval_torch

    t, c, g = _inputs(t_shape, c_shape)
    tt = torch.tensor(t, requires_grad=True)
    ct = torch.tensor(c, requires_grad=True)
    y = _polyval_torch.polyval(tt, ct)
    dt, dc = torch.autograd.grad(y, (tt, ct), torch.tensor(g))
    _check(dt.numpy(), dc.numpy(), t, c, g)
    plain = horner(tt, [ct[..., p] for p in range(ct.shape[-1])])
    np.testing.assert_array_equal(y.detach().numpy(), plain.detach().numpy())


@on_torch_leg
def test_torch_gradcheck_double_backward_and_forward_mode():
    torch = pytest.importorskip("torch")
    from learnact.ops import _polyval_torch

    rng = np.random.default_rng(1)
    t = torch.tensor(rng.uniform(-1, 1, (9, 1, 3)), requires_grad=True)
    c = torch.tensor(rng.standard_normal((4, 3, 4)), requires_grad=True)
    fn = _polyval_torch.polyval
    assert torch.autograd.gradcheck(fn, (t, c))
    assert torch.autograd.gradgradcheck(fn, (t, c))
    assert torch.autograd.gradcheck(fn, (t, c), check_forward_ad=True, check_backward_ad=False)


def test_public_polyval_gradient_on_session_backend():
    """``learnact.ops.polyval`` differentiates to the closed form on the active backend.

    JAX and PyTorch through their fast paths, TensorFlow through autodiff of Horner's rule.
    """
    import keras

    t, c, g = _inputs((24, 2, 3), (1, 3, 5))
    if keras.backend.backend() == "jax":
        import jax

        _, vjp = jax.vjp(polyval, t, c)
        dt, dc = (np.asarray(a) for a in vjp(g))
    elif keras.backend.backend() == "torch":
        import torch

        tt, ct = torch.tensor(t, requires_grad=True), torch.tensor(c, requires_grad=True)
        dt, dc = (
            a.numpy() for a in torch.autograd.grad(polyval(tt, ct), (tt, ct), torch.tensor(g))
        )
    else:
        # TensorFlow: no fast path (docs/benchmarks.md); autodiff through Horner must agree.
        import tensorflow as tf

        tt, ct = tf.constant(t), tf.constant(c)
        with tf.GradientTape() as tape:
            tape.watch([tt, ct])
            y = polyval(tt, ct)
        dt, dc = (a.numpy() for a in tape.gradient(y, [tt, ct], output_gradients=tf.constant(g)))
    _check(dt, dc, t, c, g)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(polyval(t, c)),
        keras.ops.convert_to_numpy(horner_last_axis(t, c)),
        rtol=1e-6,
        atol=1e-6,
    )

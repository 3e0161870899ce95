"""learnact.ops.rational against mpmath (values) and NumPy float64 (closed-form gradients).

Value tolerance: each result is compared with the exact mpmath ratio within
float32 rounding of its own terms, ``8 eps (sum|a_k x^k| + |y| sum|b_k x^k|) / |Q|``
(Horner's rule's forward error bound), so cancellation in ``P`` cannot hide
a wrong branch but cannot fail a correct one either.
"""

import mpmath
import numpy as np
import pytest
from keras import ops

from learnact.ops import rational
from learnact.ops.rational import FORMS, PADE_GUARD, direct_limit, rational_autodiff
from tests.conftest import backend

EPS32 = float(np.finfo(np.float32).eps)
EXTREMES = [
    -3.4e38, -3e38, -1e30, -1e10, -6e5, -123.456, -2.0, -1.0, -0.75, -1e-3, -1e-40, -0.0,
    0.0, 1e-45, 1e-40, 1e-3, 0.5, 1.0, 1.5, 7.0, 5e5, 6e5, 1e10, 1e20, 3e38, 3.4e38,
]  # fmt: skip
COEFFICIENTS = {
    "identity": ([0, 1, 0, 0, 0, 0], [0, 0, 0, 0]),
    "random": ([0.1, 1.2, -0.5, 0.3, -0.04, 0.02], [0.3, -0.2, 0.05, -0.01]),
    "leading_zeros": ([1.5, -2.0, 0.5, 0, 0, 0], [0.7, -0.3, 0, 0]),
    "constant": ([2.5], [0.0, 0.0]),
    "m_below_n": ([1.0, -1.0], [0.2, 0.0, 0.5]),
    "tiny_top": ([0.0, 1.0, 0.0, 1e-30], [0.0, 1e-30]),
    "negatives": ([-1.0, -2.0, -3.0], [-1.0, -2.0]),
}


def mp_rational(x, a, b, form):
    """Exact ``P(x) / Q(x)`` (with the documented pade guard) as an mpmath number."""
    x = mpmath.mpf(float(x))
    p = mpmath.fsum(mpmath.mpf(float(c)) * x**k for k, c in enumerate(a))
    terms = [mpmath.mpf(float(c)) * x ** (k + 1) for k, c in enumerate(b)]
    if form == "safe":
        q = 1 + mpmath.fsum(abs(t) for t in terms)
    elif form == "abs_sum":
        q = 1 + abs(mpmath.fsum(terms))
    else:
        q = 1 + mpmath.fsum(terms)
        if abs(q) < PADE_GUARD:
            q = -PADE_GUARD if q < 0 else PADE_GUARD
    scale = mpmath.fsum(abs(mpmath.mpf(float(c)) * x**k) for k, c in enumerate(a))
    scale += abs(p / q) * mpmath.fsum(abs(t) for t in terms)
    return p / q, scale / abs(q)


def _check_values(y, x, a, b, form):
    for xi, yi in zip(x, y, strict=True):
        exact, scale = mp_rational(xi, a, b, form)
        if abs(exact) > float(np.finfo(np.float32).max) * (1 + 1e-6):
            assert np.isinf(yi) and np.sign(yi) == mpmath.sign(exact), (xi, yi, exact)
            continue
        assert np.isfinite(yi), (xi, yi, exact)
        err = abs(mpmath.mpf(float(yi)) - exact)
        # 1.2e-38: flush-to-zero of subnormal results on CPU backends.
        assert err <= 8 * EPS32 * scale + 1.2e-38, (form, xi, yi, exact, scale)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", sorted(COEFFICIENTS))
@pytest.mark.parametrize("fn", [rational, rational_autodiff])
def test_values_match_mpmath_at_every_magnitude(fn, name, form):
    a, b = (np.asarray(c, np.float32) for c in COEFFICIENTS[name])
    x = np.asarray(EXTREMES, np.float32)
    y = ops.convert_to_numpy(fn(x, a, b, form=form))
    assert y.shape == x.shape and y.dtype == np.float32
    _check_values(y, x, a, b, form)


def test_identity_is_exact_everywhere():
    x = np.asarray(EXTREMES, np.float32)
    a = np.array([0, 1, 0, 0, 0, 0], np.float32)
    y = ops.convert_to_numpy(rational(x, a, np.zeros(4, np.float32)))
    np.testing.assert_array_equal(y[np.abs(x) >= 1e-30], x[np.abs(x) >= 1e-30])


def test_large_input_limit_is_am_over_bn():
    """Safe form, m = n = 5: y -> sign(x)^5 a_5 / |b_5| (Q grows like |x|^5, P like x^5)."""
    a = np.array([0.3, 1.0, 0.2, -0.4, 0.1, 2.0], np.float32)
    b = np.array([0.1, -0.3, 0.05, -0.5, 4.0], np.float32)
    x = np.array([-3e38, -1e30, 1e30, 3e38], np.float32)
    y = ops.convert_to_numpy(rational(x, a, b))
    np.testing.assert_allclose(y, [-0.5, -0.5, 0.5, 0.5], rtol=1e-6)


def test_broadcast_per_feature():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (5, 3, 2)).astype(np.float32)
    a = rng.standard_normal((3, 2, 4)).astype(np.float32)
    b = rng.standard_normal((3, 1, 2)).astype(np.float32)
    y = ops.convert_to_numpy(rational(x, a, b, form="abs_sum"))
    assert y.shape == (5, 3, 2)
    for i, j, k in [(0, 0, 0), (4, 2, 1), (2, 1, 0)]:
        _check_values([y[i, j, k]], [x[i, j, k]], a[j, k], b[j, 0], "abs_sum")


def test_pade_guard_caps_the_pole():
    # Q(x) = 1 - x vanishes at x = 1: the guard divides by +1e-4 there.
    y = ops.convert_to_numpy(rational(np.array([1.0], np.float32), [2.0], [-1.0], form="pade"))
    np.testing.assert_allclose(y, [2.0 / PADE_GUARD], rtol=1e-6)


def test_nan_sweep_inputs_and_coefficients():
    """No NaN for finite inputs and coefficients, b = 0 included; gradients too."""
    x = np.asarray(EXTREMES, np.float32)
    values = [0.0, 1e-40, -1e-20, 1.0, -3.0, 1e20]
    rng = np.random.default_rng(3)
    for form in FORMS:
        for _ in range(12):
            a = rng.choice(values, size=4).astype(np.float32)
            b = rng.choice(values, size=3).astype(np.float32)
            for fn in (rational, rational_autodiff):
                y = ops.convert_to_numpy(fn(x, a, b, form=form))
                assert not np.any(np.isnan(y)), (form, a, b, x[np.isnan(y)])
            _, grads = _session_vjp(x[np.abs(x) <= 1e3], a, b, form)
            for grad in grads:
                assert not np.any(np.isnan(grad)), (form, a, b)


def test_direct_limit():
    assert direct_limit(5, 4) == 2.0**19 and direct_limit(16, 3) == 2.0**6


def test_bad_arguments():
    with pytest.raises(ValueError, match="form"):
        rational(np.ones(2), [1.0], [1.0], form="plain")
    with pytest.raises(ValueError, match="denominator"):
        rational(np.ones(2), [1.0], np.zeros((0,)))


# --- gradients ---------------------------------------------------------------


def reference_gradients(x, a, b, g, form):
    """Closed-form float64 gradients of ``sum(g * y)``: (dx, da, db), summed to each shape."""
    x, a, b, g = (np.asarray(v, np.float64) for v in (x, a, b, g))
    shape = np.broadcast_shapes(x.shape, a.shape[:-1], b.shape[:-1])
    xb = np.broadcast_to(x, shape)
    pw = [xb**k for k in range(max(a.shape[-1], b.shape[-1] + 1))]
    p = sum(a[..., k] * pw[k] for k in range(a.shape[-1]))
    dp = sum(k * a[..., k] * pw[k - 1] for k in range(1, a.shape[-1]))
    terms = [b[..., k - 1] * pw[k] for k in range(1, b.shape[-1] + 1)]
    if form == "safe":
        q = 1 + sum(np.abs(t) for t in terms)
        dq_db = [np.sign(b[..., k - 1]) * np.abs(pw[k]) for k in range(1, b.shape[-1] + 1)]
        dq = sum(np.sign(t) * k * b[..., k - 1] * pw[k - 1] for k, t in enumerate(terms, 1))
    else:
        s = sum(terms)
        sign = np.sign(s) if form == "abs_sum" else 1.0
        q = 1 + (np.abs(s) if form == "abs_sum" else s)
        dq_db = [sign * pw[k] for k in range(1, b.shape[-1] + 1)]
        dq = sign * sum(k * b[..., k - 1] * pw[k - 1] for k in range(1, b.shape[-1] + 1))
    y = p / q
    dx = g * (dp - y * dq) / q
    da = np.stack([_sum_to(g * pw[k] / q, a.shape[:-1]) for k in range(a.shape[-1])], -1)
    db = np.stack([_sum_to(-g * y / q * d, b.shape[:-1]) for d in dq_db], -1)
    return _sum_to(dx, x.shape), da, db


def _sum_to(v, shape):
    v = v.sum(axis=tuple(range(v.ndim - len(shape))))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and v.shape[i] != 1)
    return v.sum(axis=axes, keepdims=True) if axes else v


CASES = [
    ((64, 5), (6,), (4,)),
    ((40, 7), (7, 6), (7, 4)),
    ((8, 4, 4, 3), (1, 1, 3, 4), (1, 1, 3, 2)),
    # Rows not a multiple of 8 (the moment sums' zero padding), and numerator
    # and denominator broadcast differently (no shared layout: summed apart).
    ((37, 5), (5, 6), (5, 4)),
    ((20, 3), (3, 6), (1, 4)),
    # Batches the JAX backward sums a chunk of rows at a time (scan, last chunk
    # zero-padded): per element, and per channel with shared spatial axes.
    ((40, 600), (600, 6), (600, 4)),
    ((40, 4, 4, 32), (1, 1, 32, 6), (1, 1, 32, 4)),
]


def _inputs(x_shape, a_shape, b_shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, x_shape).astype(np.float32)
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = (0.5 * rng.standard_normal(b_shape)).astype(np.float32)
    g = rng.standard_normal(np.broadcast_shapes(x_shape, a_shape[:-1], b_shape[:-1]))
    return x, a, b, g.astype(np.float32)


def _check_gradients(got, x, a, b, g, form):
    references = reference_gradients(x, a, b, g, form)
    for name, v, ref in zip(("dx", "da", "db"), got, references, strict=True):
        assert v.shape == ref.shape, name
        np.testing.assert_allclose(v, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max(), err_msg=name)


def _jax_vjp(fn, x, a, b, g, form, jit=False):
    import jax

    def grads(x, a, b, g):
        y, vjp = jax.vjp(lambda *v: fn(*v, form), x, a, b)
        return y, vjp(g)

    y, out = (jax.jit(grads) if jit else grads)(x, a, b, g)
    return np.asarray(y), [np.asarray(v) for v in out]


@pytest.mark.parametrize("shapes", CASES)
@pytest.mark.parametrize("form", ["safe", "abs_sum"])
@pytest.mark.parametrize("jit", [False, True])
def test_jax_fused_gradients_match_closed_form(shapes, form, jit):
    if backend() != "jax":
        pytest.skip("the JAX fast path runs on the jax backend")
    from learnact.ops import _rational_jax

    x, a, b, g = _inputs(*shapes)
    _, grads = _jax_vjp(_rational_jax.rational, x, a, b, g, form, jit)
    _check_gradients(grads, x, a, b, g, form)


@pytest.mark.parametrize("shapes", CASES)
@pytest.mark.parametrize("form", ["safe", "abs_sum"])
def test_torch_fused_gradients_match_closed_form(shapes, form):
    # The shared maths (learnact.ops.rational) is keras.ops: torch backend only.
    if backend() != "torch":
        pytest.skip("the torch fast path runs on the torch backend")
    import torch

    from learnact.ops import _rational_torch

    x, a, b, g = _inputs(*shapes)
    xt, at, bt = (torch.tensor(v, requires_grad=True) for v in (x, a, b))
    y = _rational_torch.rational(xt, at, bt, form)
    grads = torch.autograd.grad(y, (xt, at, bt), torch.tensor(g))
    _check_gradients([v.numpy() for v in grads], x, a, b, g, form)


def test_pade_gradient_away_from_poles_and_zero_at_the_guard():
    if backend() != "jax":
        pytest.skip("the JAX fast path runs on the jax backend")
    from learnact.ops import _rational_jax

    x = np.array([-0.5, 0.2, 0.5, 1.0], np.float32)  # Q = 1 - x: guarded at x = 1
    a, b = np.array([0.5, 2.0], np.float32), np.array([-1.0], np.float32)
    g = np.ones(4, np.float32)
    _, (dx, da, db) = _jax_vjp(_rational_jax.rational, x, a, b, g, "pade")
    free = x[:3]
    np.testing.assert_allclose(dx[:3], (2 * (1 - free) + (0.5 + 2 * free)) / (1 - free) ** 2, 1e-5)
    assert dx[3] == 2.0 / PADE_GUARD  # P'(1) / guard: Q held constant
    np.testing.assert_allclose(db, [-np.sum((0.5 + 2 * free) * free / (1 - free) ** 2)], 1e-5)
    np.testing.assert_allclose(
        da, [np.sum(1 / (1 - free)) + 1e4, np.sum(free / (1 - free)) + 1e4], 1e-5
    )


def test_subgradient_of_abs_at_zero_is_zero():
    """Safe form, b_k = 0: dQ/db_k = sign(0) |x|^k = 0 on every backend.

    PyTorch's and TensorFlow's autodiff of ``abs`` agree (sign(0) = 0); JAX's
    uses 1 at 0, so the plain autodiff form would move b_1 here on JAX only.
    """
    x = np.linspace(-2, 2, 9, dtype=np.float32)
    a = np.array([0.0, 1.0, 0.5], np.float32)
    b = np.array([0.0, 0.7], np.float32)
    _, (_, _, db) = _session_vjp(x, a, b, "safe")
    assert db[0] == 0.0
    _, _, ref_db = reference_gradients(x, a, b, np.ones_like(x), "safe")
    np.testing.assert_allclose(db[1], ref_db[1], rtol=1e-5)


def _session_vjp(x, a, b, form):
    """Value and (dx, da, db) of ``sum(rational(...))`` on the session's backend."""
    import keras

    g = np.ones(np.broadcast_shapes(x.shape, a.shape[:-1]), np.float32)
    if keras.backend.backend() == "jax":
        return _jax_vjp(lambda x, a, b, f: rational(x, a, b, form=f), x, a, b, g, form)
    if keras.backend.backend() == "torch":
        import torch

        xt, at, bt = (torch.tensor(v, requires_grad=True) for v in (x, a, b))
        y = rational(xt, at, bt, form=form)
        return y.detach().numpy(), [
            v.numpy() for v in torch.autograd.grad(y, (xt, at, bt), torch.tensor(g))
        ]
    import tensorflow as tf

    xt, at, bt = (tf.Variable(v) for v in (x, a, b))
    with tf.GradientTape() as tape:
        y = rational(xt, at, bt, form=form)
    return y.numpy(), [v.numpy() for v in tape.gradient(y, [xt, at, bt])]


@pytest.mark.parametrize("form", FORMS)
def test_session_backend_gradients_match_closed_form(form):
    x, a, b, _ = _inputs((32, 3), (3, 6), (3, 4), seed=2)
    if form == "pade":
        b = b * 0.05  # keep Q away from 0 on [-3, 3]
    g = np.ones((32, 3), np.float32)
    _, grads = _session_vjp(x, a, b, form)
    _check_gradients(grads, x, a, b, g, form)


@pytest.mark.parametrize("form", FORMS)
def test_gradients_beyond_the_direct_limit(form):
    """Mixed batch (some |x| > T): fused path equals autodiff of the scaled form."""
    x = np.array([-1e7, -2.0, 0.5, 3e6, 1e9], np.float32)
    a = np.array([0.1, 1.0, 0.2, 0.1], np.float32)
    b = np.array([0.5, 0.2, 0.3], np.float32)
    _, grads = _session_vjp(x, a, b, form)
    g = np.ones(5, np.float32)
    _check_gradients(grads, x, a, b, g, form)


@pytest.mark.parametrize("form", ["safe", "abs_sum"])
def test_gradients_beyond_the_direct_limit_in_a_large_batch(form):
    """A few huge entries in a large batch: the chunked rare path (JAX scan) agrees.

    37 rows of 600 features: chunks of 13 rows (``_CHUNK_ELEMENTS``), the last
    one zero-padded.
    """
    x, a, b, _ = _inputs((37, 600), (600, 4), (600, 3), seed=4)
    x[[2, 20, 36], [0, 301, 599]] = [-2e6, 5e6, 1e8]
    _, grads = _session_vjp(x, a, b, form)
    _check_gradients(grads, x, a, b, np.ones((37, 600), np.float32), form)


@pytest.mark.parametrize("shape", [(256, 512), (64, 8, 8, 32)], ids=["256x512", "images"])
def test_jax_compiled_backward_memory_at_most_the_order_10_series(shape):
    """The fused backward keeps no input-sized temporary (issue 11: memory <= Taylor(10)).

    XLA's own accounting of the compiled forward+backward step (temporaries
    only), per-element coefficients on the rational suite's 256x512 batch and
    64x8x8x32 images: ``Rational(5, 4)`` against the degree-10 polynomial's
    fused backward.
    """
    if backend() != "jax":
        pytest.skip("compiled memory is measured on the jax backend")
    import jax

    from learnact.ops import polyval

    per_element = shape[1:]
    x, a, b, g = _inputs(shape, per_element + (6,), per_element + (4,), seed=5)
    c = np.random.default_rng(5).standard_normal(per_element + (11,)).astype(np.float32)

    def temporaries(fn, *weights):
        step = jax.jit(jax.grad(lambda w, x: (fn(x, *w) * g).sum(), argnums=(0, 1)))
        return step.lower(weights, x).compile().memory_analysis().temp_size_in_bytes

    rational_bytes = temporaries(lambda x, a, b: rational(x, a, b), a, b)
    series_bytes = temporaries(polyval, c)
    assert rational_bytes <= series_bytes, (rational_bytes, series_bytes)

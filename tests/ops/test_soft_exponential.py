"""ops.soft_exponential / ops.complex_soft_exponential against an mpmath reference.

Accuracy is judged the way float arithmetic allows: the error must be a few
float32 epsilons times the condition of the formula at that point,
``|f| + |x df/dx| + |alpha df/dalpha|`` (the change of f when x and alpha move
by one rounding each). The grids include alpha = 0, +-1e-8 and negative x.
"""

import math

import keras
import mpmath as mp
import numpy as np
import pytest
from keras import ops

from learnact import ops as la_ops
from tests.autodiff import grad


def compiled(fn):
    """``jax.jit(fn)`` on JAX: one compilation instead of ~200 eagerly dispatched ops per call."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    return fn


soft_exponential = compiled(la_ops.soft_exponential)
complex_soft_exponential = compiled(la_ops.complex_soft_exponential)


def real_sum(x, a):
    return ops.sum(la_ops.soft_exponential(x, a))


def complex_sum(x, p, q):
    re, im = la_ops.complex_soft_exponential(x, p, q)
    return ops.sum(re) + ops.sum(im)


def complex_real_sum(x, p, q):
    return ops.sum(la_ops.complex_soft_exponential(x, p, q)[0])


def complex_imag_sum(x, p, q):
    return ops.sum(la_ops.complex_soft_exponential(x, p, q)[1])


_JAX_GRADS = {}
# Every fn here sums elementwise terms, so equal-length 1-D inputs are padded with
# zeros (a regular point) to one of these sizes and the gradients cut back: one
# compilation per fn and size serves every test (the complex function's gradient
# takes seconds to compile).
_PADDED_SIZES = (64, 8192)


def grads(fn, *args):
    """Gradients of scalar ``fn`` w.r.t. all args; compiled once per fn and padded size on JAX."""
    if keras.backend.backend() != "jax":
        return grad(fn, *args)
    import jax

    if fn not in _JAX_GRADS:
        _JAX_GRADS[fn] = jax.jit(jax.grad(fn, argnums=tuple(range(len(args)))))
    arrays = [np.asarray(a) for a in args]
    size = arrays[0].size
    padded = next((n for n in _PADDED_SIZES if size <= n), None)
    if padded is None or any(a.ndim != 1 or a.size != size for a in arrays):
        return [np.asarray(g) for g in _JAX_GRADS[fn](*args)]
    gradients = _JAX_GRADS[fn](*(np.pad(a, (0, padded - size)) for a in arrays))
    return [np.asarray(g)[:size] for g in gradients]


mp.mp.dps = 40
EPS32 = 2.0**-23

XS = np.array(
    [-60, -20, -5, -1.5, -1, -0.3, -1e-3, 0, 1e-3, 0.2, 1, 2.5, 7, 30, 80], dtype=np.float32
)
ALPHAS = np.array([-3, -2, -1, -0.5, -1e-3, -1e-8, 0, 1e-8, 1e-3, 0.5, 1, 2, 3], dtype=np.float32)


def ref(alpha, x):
    """The paper's piecewise formula in 40-digit arithmetic (alpha real or complex)."""
    if alpha == 0:
        return x
    if mp.re(alpha) < 0:
        # log1p: 1 - alpha (x + alpha) rounds to 1 at 40 digits for tiny alpha and x.
        return -mp.log1p(-alpha * (x + alpha)) / alpha
    return mp.expm1(alpha * x) / alpha + alpha


def ref_partials(alpha, x):
    """(f, df/dx, df/dalpha) from the reference; df/dalpha at 0 is the limit x^2/2 + 1."""
    f = ref(alpha, x)
    fx = mp.diff(lambda t: ref(alpha, t), x)
    fa = x**2 / 2 + 1 if alpha == 0 else mp.diff(lambda t: ref(t, x), alpha)
    return f, fx, fa


def ref_analytic_partials(alpha, x):
    """(df/dx, df/dalpha) of the branch that Re(alpha) selects, differentiated by hand.

    Used for complex alpha: f jumps across Re(alpha) = 0 off the real axis, so
    a central difference in alpha there would straddle two branches.
    """
    if alpha == 0:
        return mp.mpf(1), x**2 / 2 + 1
    if mp.re(alpha) < 0:
        u = 1 - alpha * (x + alpha)
        return 1 / u, (x + 2 * alpha) / (u * alpha) + mp.log(u) / alpha**2
    e = mp.exp(alpha * x)
    return e, x * e / alpha - (e - 1) / alpha**2 + 1


def in_domain(alpha, x):
    # Keep clear of the log branch's pole (and of results beyond float32's range).
    if isinstance(alpha, mp.mpf) and alpha < 0 and 1 - alpha * (x + alpha) <= 4 * EPS32:
        return False  # real alpha: the log is undefined at and beyond the pole
    if mp.re(alpha) < 0 and abs(1 - alpha * (x + alpha)) <= 4 * EPS32:
        return False
    return abs(ref(alpha, x)) < 1e37


def as_mp(v):
    return mp.mpf(float(v))


def test_real_values_match_reference_to_float32_precision():
    x, a = np.meshgrid(XS, ALPHAS)
    f = ops.convert_to_numpy(soft_exponential(x, a))
    assert f.dtype == np.float32
    checked = 0
    for idx in np.ndindex(x.shape):
        am, xm = as_mp(a[idx]), as_mp(x[idx])
        if not in_domain(am, xm):
            continue
        r, fx, fa = ref_partials(am, xm)
        condition = abs(r) + abs(xm * fx) + abs(am * fa) + 1e-37
        err = abs(as_mp(f[idx]) - r)
        assert err <= 4 * EPS32 * condition, (float(am), float(xm), float(f[idx]), float(r))
        checked += 1
    assert checked > 150


def test_special_values():
    x = np.array([0.25, 1.0, 2.0, 5.0], dtype=np.float32)
    np.testing.assert_allclose(ops.convert_to_numpy(soft_exponential(x, -1.0)), np.log(x), 1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(soft_exponential(x, 1.0)), np.exp(x), 1e-6)
    np.testing.assert_array_equal(ops.convert_to_numpy(soft_exponential(x, 0.0)), x)


@pytest.mark.parametrize("a", [-2.0, -1.0, -0.3, -1e-4, 1e-4, 0.3, 1.0, 2.0])
def test_inverse_pair(a):
    # f(-a, f(a, x)) == x: the exponential and logarithmic branches are inverses.
    # x in the domain of the inner function: the log branch needs x > 1/a - a.
    lo = -2.0 if a > 0 else 1 / a - a + 0.05
    x = np.linspace(lo, lo + 4.0, 41, dtype=np.float32)
    y = soft_exponential(soft_exponential(x, a), -a)
    np.testing.assert_allclose(ops.convert_to_numpy(y), x, rtol=2e-5, atol=2e-5)


def test_gradients_match_reference_derivatives():
    x, a = np.meshgrid(XS[2:-2], ALPHAS)  # |x| <= 30
    gx, ga = grads(real_sum, x, a)
    for idx in np.ndindex(x.shape):
        am, xm = as_mp(a[idx]), as_mp(x[idx])
        if not in_domain(am, xm):
            continue
        _, fx, fa = ref_partials(am, xm)
        for got, want in ((gx[idx], fx), (ga[idx], fa)):
            # Observed worst: 1.3e-5 at alpha = -1, x = 1e-3 (next to the pole).
            assert abs(as_mp(got) - want) <= 1e-4 * (abs(want) + 1), (float(am), float(xm), got)


def test_alpha_derivative_is_continuous_through_zero():
    x = np.linspace(-3.0, 3.0, 13, dtype=np.float32)
    expected = x.astype(np.float64) ** 2 / 2 + 1
    for a0 in (0.0, 1e-8, -1e-8, 1e-5, -1e-5):
        a = np.full_like(x, a0)
        _, ga = grads(real_sum, x, a)
        np.testing.assert_allclose(ga, expected, rtol=1e-4, atol=1e-5, err_msg=f"alpha={a0}")
    # Value continuity: f(+-1e-8, x) is within float32 rounding of x.
    for a0 in (1e-8, -1e-8):
        f = ops.convert_to_numpy(soft_exponential(x, a0))
        np.testing.assert_allclose(f, x, rtol=2 * EPS32, atol=1e-7)


EXTREMES = np.array(
    [-3.4e38, -1e30, -1e10, -1e3, -10, -1, -1e-30, -1e-42, 0, 1e-42, 1e-30, 1, 10, 1e3, 1e10, 1e30,
     3.4e38],
    dtype=np.float32,
)  # fmt: skip


def condition(alpha, x, r):
    """``|f| + |x df/dx| + |alpha df/dalpha|`` from the analytic derivatives (any magnitude)."""
    fx, fa = ref_analytic_partials(alpha, x)
    return abs(r) + abs(x * fx) + abs(alpha * fa) + 1e-37


def assert_close_to_reference(alpha, x, got, rel=4 * EPS32, tiny=2e-38):
    """|got - f| <= rel * condition + tiny, for mp alpha (real or complex) and mp x.

    ``tiny``: results below float32's normal range may be flushed to zero (JAX on CPU).
    """
    r = ref(alpha, x)
    err = abs(got - r)
    bound = rel * condition(alpha, x, r) + tiny
    assert err <= bound, (complex(alpha), float(x), complex(got), complex(r))


def _flushes_subnormals():
    # The product is computed by the backend under test (not by NumPy): convert first.
    tiny = ops.convert_to_tensor(np.array([1e-42], np.float32))
    return ops.convert_to_numpy(compiled(lambda t: t * 2.0)(tiny))[0] == 0


FLUSHES_SUBNORMALS = _flushes_subnormals()  # JAX and TensorFlow on CPU treat them as 0


def comparable(*values):
    """False where an input is subnormal and the backend reads it as 0 (e.g. alpha's sign)."""
    tiny = np.finfo(np.float32).tiny
    return not FLUSHES_SUBNORMALS or all(v == 0 or abs(v) >= tiny for v in values)


def test_no_nan_values_or_gradients_for_extreme_finite_inputs():
    x, a = np.meshgrid(EXTREMES, EXTREMES)
    f = ops.convert_to_numpy(soft_exponential(x, a))
    assert np.all(np.isfinite(f))
    gx, ga = grads(real_sum, x, a)
    assert not np.any(np.isnan(gx)) and not np.any(np.isnan(ga))
    # Not just finite: right wherever the result is representable.
    checked = 0
    for idx in np.ndindex(x.shape):
        am, xm = as_mp(a[idx]), as_mp(x[idx])
        if comparable(a[idx], x[idx]) and in_domain(am, xm):
            assert_close_to_reference(am, xm, as_mp(f[idx]))
            checked += 1
    assert checked > 100


# Inputs where f is representable but alpha x or alpha (x + alpha) is beyond
# the caps on intermediate products (max / 64): the results were once computed
# from clamped arguments (e.g. -0.88 instead of 0 at alpha = 1, x = -1e37).
FAR_POINTS = [
    (1.0, -1e37),  # exp(alpha x) underflows: f = -1/alpha + alpha = 0
    (2.0, -1e38),
    (0.5, -1e38),
    (1e-30, -1e38),
    (1e30, -3e38),  # alpha x overflows to -inf
    (-1.0, 1e38),  # log branch: f = ln(1 + 1e38 ...) = 87.5
    (-1.0, 1e37),
    (-0.5, 3e38),
    (-1e-30, 1e38),  # alpha (x + alpha) = -1e8
    (-3e38, 3.4e38),  # alpha (x + alpha) overflows
    (-1e-37, 9e36),  # x + alpha beyond the cap, alpha (x + alpha) = -0.9
    (-1e-37, -6e36),  # x + alpha < -cap with alpha (x + alpha) = 0.6: inside the domain
]


@pytest.mark.parametrize("a, x", FAR_POINTS)
def test_values_far_beyond_the_caps_match_reference(a, x):
    a32, x32 = np.float32(a), np.float32(x)
    am, xm = as_mp(a32), as_mp(x32)
    assert in_domain(am, xm)
    f = ops.convert_to_numpy(soft_exponential(np.array([x32]), np.array([a32])))[0]
    assert_close_to_reference(am, xm, as_mp(f))
    re, im = complex_soft_exponential(np.array([x32]), np.array([a32]), np.zeros(1, np.float32))
    re, im = ops.convert_to_numpy(re)[0], ops.convert_to_numpy(im)[0]
    assert_close_to_reference(mp.mpc(am), xm, mp.mpc(float(re), float(im)))


def test_gradients_far_beyond_the_caps():
    a = np.array([p[0] for p in FAR_POINTS], np.float32)
    x = np.array([p[1] for p in FAR_POINTS], np.float32)
    gx, ga = grads(real_sum, x, a)
    for k in range(len(x)):
        fx, fa = ref_analytic_partials(as_mp(a[k]), as_mp(x[k]))
        for got, want in ((gx[k], fx), (ga[k], fa)):
            assert not np.isnan(got)
            if abs(want) < 1e37 and abs(as_mp(x[k]) + as_mp(a[k])) < 1e36:
                # Derivatives below float32's normal range may be flushed to 0.
                assert abs(as_mp(got) - want) <= 1e-4 * abs(want) + 2e-38, (a[k], x[k], got)
            elif abs(want) >= 1e37:
                assert abs(got) > 1e36 and np.sign(got) == np.sign(float(want)), (a[k], x[k])


def test_gradients_finite_where_the_true_derivatives_are_representable():
    x, a = np.meshgrid(
        np.linspace(-100, 100, 41, dtype=np.float32), np.linspace(-5, 5, 41, dtype=np.float32)
    )
    gx, ga = grads(real_sum, x, a)
    # True df/dalpha of the exponential branch, (e^z (z - 1) + 1) / a^2 + 1 with z = a x,
    # overflows float32 just below saturation (e.g. a = 1, x = 85); elsewhere, finite.
    x64, a64 = x.astype(np.float64), a.astype(np.float64)
    with np.errstate(all="ignore"):
        z = a64 * x64
        fa = (np.exp(z) * (z - 1) + 1) / a64**2 + 1
        f = np.expm1(z) / a64 + a64
    representable = (a64 <= 0) | (np.abs(fa) < 1e37) | (f > 2e38)
    assert representable.sum() > 1600
    assert np.all(np.isfinite(gx[representable])) and np.all(np.isfinite(ga[representable]))
    assert not np.any(np.isnan(gx)) and not np.any(np.isnan(ga))


def test_log_branch_guard_is_continuous_and_increasing_past_the_pole():
    a = -0.5
    pole = 1 / a - a  # -1.5: the log is undefined for x <= pole
    x = np.linspace(pole - 3, pole + 3, 2001, dtype=np.float32)
    f = ops.convert_to_numpy(soft_exponential(x, a)).astype(np.float64)
    assert np.all(np.isfinite(f))
    assert np.all(np.diff(f) >= 0)
    # Linear continuation with slope m(1 - eps) = -ln(eps) / (1 - eps) beyond the guard.
    beyond = x < pole - 0.1
    slope = np.diff(f[beyond]) / np.diff(x[beyond].astype(np.float64))
    np.testing.assert_allclose(slope, -math.log(EPS32) / (1 - EPS32), rtol=1e-3)
    gx, _ = grads(real_sum, x, np.full_like(x, a))
    assert np.all(np.isfinite(gx)) and np.all(gx > 0)


def test_exponential_branch_saturates_instead_of_overflowing():
    f = ops.convert_to_numpy(soft_exponential(np.float32(200.0), np.float32(1.0)))
    assert np.isfinite(f) and f > 1e37


def test_broadcasting_and_dtypes():
    x = np.ones((4, 3), dtype=np.float32)
    alpha = np.array([-0.5, 0.0, 0.5], dtype=np.float32)
    assert tuple(ops.shape(soft_exponential(x, alpha))) == (4, 3)
    half = soft_exponential(x.astype("float16"), alpha.astype("float16"))
    assert ops.convert_to_numpy(half).dtype == np.float16
    np.testing.assert_allclose(
        ops.convert_to_numpy(half).astype(np.float32),
        ops.convert_to_numpy(soft_exponential(x, alpha)),
        rtol=1e-3,
    )


# --------------------------------------------------------------------------- complex


P_VALUES = [-2.0, -0.5, -1e-8, 0.0, 1e-8, 0.5, 1.5]
Q_VALUES = [-2.0, -1e-8, 0.0, 1e-3, 1.0, 3.0]


@pytest.mark.parametrize("p", P_VALUES)
def test_complex_values_match_reference(p):
    xs = XS[1:-1]
    for q in Q_VALUES:
        re, im = complex_soft_exponential(xs, np.float32(p), np.float32(q))
        re, im = ops.convert_to_numpy(re), ops.convert_to_numpy(im)
        for k, x in enumerate(xs):
            am, xm = mp.mpc(float(np.float32(p)), float(np.float32(q))), as_mp(x)
            if not in_domain(am, xm):
                continue
            r, fx, fa = ref_partials(am, xm)
            condition = abs(r) + abs(xm * fx) + abs(am * fa) + 1e-37
            err = abs(mp.mpc(float(re[k]), float(im[k])) - r)
            assert err <= 4 * EPS32 * condition, (p, q, float(x), complex(r), re[k], im[k])


def test_imaginary_alpha_gives_sinusoids():
    x = np.linspace(-10, 10, 201, dtype=np.float32)
    for b in (0.5, 1.0, 3.0, -2.0):
        re, _ = complex_soft_exponential(x, 0.0, b)
        np.testing.assert_allclose(
            ops.convert_to_numpy(re), np.sin(b * x.astype(np.float64)) / b, atol=2e-6
        )


def test_complex_equals_real_for_real_alpha_inside_the_domain():
    x, a = np.meshgrid(np.linspace(-0.9, 5, 25, dtype=np.float32), ALPHAS[1:-1])  # |a| <= 2
    domain = (a >= 0) | (1 - a * (x + a) > 1e-3)
    re, im = complex_soft_exponential(x, a, np.zeros_like(a))
    real = ops.convert_to_numpy(soft_exponential(x, a))
    np.testing.assert_allclose(ops.convert_to_numpy(re)[domain], real[domain], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ops.convert_to_numpy(im)[domain], 0.0)


def test_complex_gradients_match_reference():
    # f is analytic in alpha: d f / d Re(alpha) = f'(alpha), d f / d Im(alpha) = i f'(alpha).
    xs = np.array([-3.0, -0.5, 0.0, 0.7, 2.0], dtype=np.float32)
    pairs = [(0.0, 0.0), (0.5, 1.0), (-0.5, 1.0), (-1e-8, 1e-8), (0.0, 2.0), (-1.0, -0.5)]
    x = np.tile(xs, len(pairs))
    p = np.repeat(np.array([a for a, _ in pairs], np.float32), len(xs))
    q = np.repeat(np.array([b for _, b in pairs], np.float32), len(xs))
    for part, fn in ((0, complex_real_sum), (1, complex_imag_sum)):
        gx, gp, gq = grads(fn, x, p, q)
        for k in range(len(x)):
            am, xm = mp.mpc(float(p[k]), float(q[k])), as_mp(x[k])
            fx, fa = ref_analytic_partials(am, xm)
            if p[k] != 0:  # the hand-derived derivative agrees with finite differences
                assert abs(fa - ref_partials(am, xm)[2]) <= 1e-20 * (abs(fa) + 1)
            pick = mp.re if part == 0 else mp.im
            for got, want in ((gx[k], pick(fx)), (gp[k], pick(fa)), (gq[k], pick(1j * fa))):
                assert abs(as_mp(got) - want) <= 1e-4 * (abs(fa) + abs(fx) + 1), (
                    float(p[k]),
                    float(q[k]),
                    part,
                    float(x[k]),
                    got,
                    float(want),
                )


def random_extremes(rng, n):
    """Finite float32 values of every magnitude (subnormal to max), both signs, 10% zeros."""
    v = np.sign(rng.normal(size=n)) * 10.0 ** rng.uniform(-46, 38.5, n)
    v[rng.random(n) < 0.1] = 0
    return v.astype(np.float32)


def test_real_no_nan_on_random_extremes():
    rng = np.random.default_rng(1)
    x, a = random_extremes(rng, 5000), random_extremes(rng, 5000)
    assert np.all(np.isfinite(ops.convert_to_numpy(soft_exponential(x, a))))
    for g in grads(real_sum, x, a):
        assert not np.any(np.isnan(g))


def test_complex_no_nan_values_or_gradients_for_extreme_finite_inputs():
    grid = [v.ravel() for v in np.meshgrid(EXTREMES, EXTREMES, EXTREMES)]
    rng = np.random.default_rng(2)
    x, p, q = (np.concatenate([g, random_extremes(rng, 5000)]) for g in grid)
    re, im = complex_soft_exponential(x, p, q)
    re, im = ops.convert_to_numpy(re), ops.convert_to_numpy(im)
    assert np.all(np.isfinite(re))
    assert np.all(np.isfinite(im))
    for g in grads(complex_sum, x, p, q):
        assert not np.any(np.isnan(g))
    # Values against the reference on the grid, wherever representable.
    checked = 0
    for k in range(len(grid[0])):
        am, xm = mp.mpc(float(p[k]), float(q[k])), as_mp(x[k])
        if comparable(p[k], q[k], x[k]) and in_domain(am, xm):
            assert_close_to_reference(am, xm, mp.mpc(float(re[k]), float(im[k])))
            checked += 1
    assert checked > 2000


@pytest.mark.parametrize(
    "p, q, x",
    [
        (1.0, 1.0, -1e37),  # Re(alpha x) very negative: f = -1/alpha + alpha
        (1e-30, -1e-30, -1e38),
        (-1.0, 0.5, 1e38),  # |alpha (x + alpha)| beyond the caps
        (-1e-30, 1e-30, 1e38),
        (-1e-30, 1e-30, -1e38),  # beyond the pole: principal logarithm
        (-3e38, 1e38, 3.4e38),
        (-1e-37, 5e-38, -6e36),
        (-3.4e38, -3.4e38, -3.4e38),  # x + alpha overflows
    ],
)
def test_complex_values_far_beyond_the_caps_match_reference(p, q, x):
    p32, q32, x32 = np.float32(p), np.float32(q), np.float32(x)
    am, xm = mp.mpc(float(p32), float(q32)), as_mp(x32)
    assert in_domain(am, xm)
    re, im = complex_soft_exponential(*(np.array([v]) for v in (x32, p32, q32)))
    got = mp.mpc(float(ops.convert_to_numpy(re)[0]), float(ops.convert_to_numpy(im)[0]))
    assert_close_to_reference(am, xm, got)
    for g in grads(complex_sum, *(np.array([v]) for v in (x32, p32, q32))):
        assert not np.any(np.isnan(g))


def float64_supported():
    if keras.backend.backend() != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


needs_float64 = pytest.mark.skipif(
    not float64_supported(), reason="JAX computes in float32 unless jax_enable_x64 is set"
)


@needs_float64
def test_float64_inputs_are_computed_in_float64():
    x, a = np.meshgrid(XS.astype(np.float64), ALPHAS.astype(np.float64))
    x, a = x + 1e-3, a * 1.1  # values that are not float32 numbers
    f = la_ops.soft_exponential(x, a)
    assert keras.backend.standardize_dtype(f.dtype) == "float64"
    re, im = la_ops.complex_soft_exponential(x, a, 0.3 * a)
    assert keras.backend.standardize_dtype(re.dtype) == "float64"
    assert keras.backend.standardize_dtype(im.dtype) == "float64"
    f, re, im = (ops.convert_to_numpy(t) for t in (f, re, im))
    checked = 0
    for idx in np.ndindex(x.shape):
        am, xm = mp.mpf(float(a[idx])), mp.mpf(float(x[idx]))
        if in_domain(am, xm):
            assert_close_to_reference(am, xm, mp.mpf(float(f[idx])), rel=1e-12, tiny=0)
            checked += 1
        ac = mp.mpc(float(a[idx]), float(0.3 * a[idx]))
        # keras.ops.sin/cos/arctan compute in float32 on JAX even with x64 enabled.
        if keras.backend.backend() != "jax" and in_domain(ac, xm):
            assert_close_to_reference(
                ac, xm, mp.mpc(float(re[idx]), float(im[idx])), rel=1e-12, tiny=0
            )
    assert checked > 150


def test_complex_pole_guard():
    # alpha real, x at the pole: 1 - alpha (x + alpha) = 0 exactly.
    a = np.float32(-0.5)
    x = np.array([-1.5, -1.5 + 1e-6, -1.5 - 1e-6, -3.0], dtype=np.float32)
    re, im = complex_soft_exponential(x, np.full_like(x, a), np.zeros_like(x))
    re, im = ops.convert_to_numpy(re), ops.convert_to_numpy(im)
    assert np.all(np.isfinite(re)) and np.all(np.isfinite(im))
    # Beyond the pole the principal log gives Im f = -pi / alpha.
    np.testing.assert_allclose(im[3], -math.pi / a, rtol=1e-6)
    np.testing.assert_allclose(re[3], -math.log(abs(1 - a * (-3.0 + a))) / a, rtol=1e-6)
    for g in grads(complex_sum, x, np.full_like(x, a), np.zeros_like(x)):
        assert np.all(np.isfinite(g))

"""The native CPU kernels of :func:`learnact.ops.rational` on JAX, and the XLA path they replace.

Both are checked against the closed-form float64 gradients of
tests/ops/test_rational.py (``reference_gradients``, NumPy), and each test
asserts from the compiled program which path it ran: the kernels are custom
calls named ``LearnactRational...``.
"""

import numpy as np
import pytest

from learnact.ops import _native
from learnact.ops.rational import FORMS, direct_limit
from tests.conftest import backend
from tests.ops.test_rational import CASES, _check_gradients, _inputs, reference_gradients

pytestmark = pytest.mark.skipif(backend() != "jax", reason="the native kernels are JAX's")

NATIVE = "LearnactRational"


def _native_or_skip():
    if not _native.status().startswith("on"):
        pytest.skip(f"no native kernels here: {_native.status()}")


def _step(form):
    import jax

    from learnact.ops import _rational_jax

    def grads(x, a, b, g):
        y, vjp = jax.vjp(lambda *v: _rational_jax.rational(*v, form), x, a, b)
        return y, vjp(g)

    return jax.jit(grads)


def _run(form, x, a, b, g):
    """``(y, grads, hlo)`` of one compiled forward+backward."""
    step = _step(form)
    y, grads = step(x, a, b, g)
    hlo = step.lower(x, a, b, g).as_text()
    return np.asarray(y), [np.asarray(v) for v in grads], hlo


def test_the_kernels_build_where_a_compiler_is():
    if _native._compiler() is None or not _native.enabled():
        pytest.skip("no C++ compiler, or LEARNACT_NATIVE=0")
    assert _native.status().startswith("on: "), _native.status()


@pytest.mark.parametrize("shapes", [CASES[0], CASES[2], CASES[4], CASES[5]])
@pytest.mark.parametrize("form", FORMS)
def test_native_and_xla_paths_both_match_the_closed_form(shapes, form, monkeypatch):
    _native_or_skip()
    x, a, b, g = _inputs(*shapes, seed=7)
    if form == "pade":
        # Q = 1 + b_2 x^2 + b_4 x^4 >= 1: no pole, where float32 and the float64
        # reference part ways (the guard has its own test).
        b = np.abs(b) * (np.arange(b.shape[-1]) % 2 == 1)
    y_native, grads, hlo = _run(form, x, a, b, g)
    assert NATIVE in hlo
    _check_gradients(grads, x, a, b, g, form)
    monkeypatch.setenv("LEARNACT_NATIVE", "0")
    y_xla, grads, hlo = _run(form, x, a, b, g)
    assert NATIVE not in hlo
    _check_gradients(grads, x, a, b, g, form)
    np.testing.assert_allclose(y_native, y_xla, rtol=2e-6, atol=1e-6 * np.abs(y_xla).max())


@pytest.mark.parametrize("form", FORMS)
def test_float64_and_rows_beyond_the_direct_limit(form):
    """float64 kernels; rows holding |x| > direct_limit take the long double path."""
    _native_or_skip()
    import jax

    limit = direct_limit(5, 4)
    with jax.enable_x64(True):
        x, a, b, g = (v.astype(np.float64) for v in _inputs((24, 40), (40, 6), (40, 4), seed=3))
        x[3, 5], x[3, 6], x[10, 39], x[17, 0] = 3 * limit, -1e200, 1e300, -limit
        y, grads, hlo = _run(form, x, a, b, g)
        assert NATIVE in hlo and "F64" in hlo
    assert y.dtype == np.float64 and all(v.dtype == np.float64 for v in grads)
    with np.errstate(all="ignore"):  # x^k at 1e300 leaves float64 in the NumPy reference
        ref = reference_gradients(x, a, b, g, form)
    for name, got, want in zip(("dx", "da", "db"), grads, ref, strict=True):
        keep = np.isfinite(want)
        assert keep.mean() > 0.9, name
        scale = np.abs(want[keep]).max()
        np.testing.assert_allclose(
            got[keep], want[keep], rtol=1e-9, atol=1e-12 * scale, err_msg=name
        )
        assert not np.any(np.isnan(got)), name
    assert not np.any(np.isnan(y))


def test_vmap_runs_the_kernel_once_per_example():
    _native_or_skip()
    import jax

    from learnact.ops import _rational_jax

    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 3, (3, 16, 8)).astype(np.float32)
    a = rng.standard_normal((3, 8, 6)).astype(np.float32)
    b = rng.standard_normal((3, 8, 4)).astype(np.float32)
    batched = jax.vmap(lambda *v: _rational_jax.rational(*v, "safe"))(x, a, b)
    one_by_one = [np.asarray(_rational_jax.rational(x[i], a[i], b[i], "safe")) for i in range(3)]
    np.testing.assert_allclose(np.asarray(batched), np.stack(one_by_one), rtol=1e-6)


def test_a_failed_build_keeps_the_xla_path(tmp_path, monkeypatch):
    """A compiler that fails: status says why, and ``rational`` still computes, through XLA."""
    monkeypatch.setenv("LEARNACT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", "false")
    _native._load.cache_clear()
    try:
        assert _native.status().startswith("off: "), _native.status()
        assert list(tmp_path.iterdir()) == []  # no partial library left behind
        x, a, b, g = _inputs((32, 8), (8, 6), (8, 4), seed=1)
        _, grads, hlo = _run("safe", x, a, b, g)
        assert NATIVE not in hlo
        _check_gradients(grads, x, a, b, g, "safe")
    finally:
        monkeypatch.undo()
        _native._load.cache_clear()
        _native.load("rational")


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("LEARNACT_NATIVE", "0")
    assert not _native.enabled()
    monkeypatch.setenv("LEARNACT_NATIVE", "1")
    assert _native.enabled()

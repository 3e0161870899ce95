"""The native CPU kernels of :func:`learnact.ops.rational` on JAX, and the XLA path they replace.

Both are checked against the closed-form float64 gradients of
tests/ops/test_rational.py (``reference_gradients``, NumPy), and each test
asserts from the compiled program which path it ran: the kernels are custom
calls named ``LearnactRational...``.
"""

import pathlib

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
        # No partial library left behind, only the failure's marker.
        assert [p.suffix for p in tmp_path.iterdir()] == [".failed"]
        x, a, b, g = _inputs((32, 8), (8, 6), (8, 4), seed=1)
        _, grads, hlo = _run("safe", x, a, b, g)
        assert NATIVE not in hlo
        _check_gradients(grads, x, a, b, g, "safe")
    finally:
        monkeypatch.undo()
        _native._load.cache_clear()
        _native.load("rational")


@pytest.mark.parametrize("form", FORMS)
def test_second_order_derivatives_are_the_xla_paths(form, monkeypatch):
    """A custom call has no derivative: grad of grad and the Hessian go through XLA's maths."""
    _native_or_skip()
    import jax
    import jax.numpy as jnp

    from learnact.ops import _rational_jax

    x, a, b, _ = _inputs((6, 5), (5, 4), (5, 3), seed=9)
    if form == "pade":
        b = np.abs(b) * (np.arange(3) % 2 == 1)

    def derivatives():
        # Compiled whole (one program each), not run op by op: a new function per
        # call, so that the second call traces again, on the path switched to.
        def outer(a, b):
            inner = jax.grad(lambda x: jnp.sum(_rational_jax.rational(x, a, b, form) ** 2))(x)
            return jnp.sum(inner**2)

        def hessian(x):
            return jax.hessian(lambda v: jnp.sum(_rational_jax.rational(v, a, b, form)))(x)

        first = jax.jit(jax.grad(lambda v: jnp.sum(_rational_jax.rational(v, a, b, form))))
        second = jax.jit(jax.grad(outer, argnums=(0, 1)))
        hessians = jax.jit(hessian)
        texts = [first.lower(x).as_text(), second.lower(a, b).as_text()]
        paths = [NATIVE in text for text in [*texts, hessians.lower(x).as_text()]]
        grads = second(a, b)
        diagonal = np.asarray(hessians(x)).reshape(x.size, x.size).diagonal()
        return [np.asarray(v) for v in grads] + [diagonal], paths

    got, paths = derivatives()
    assert paths == [True, False, False]  # switched on: the first derivative is native
    monkeypatch.setenv("LEARNACT_NATIVE", "0")
    want, paths = derivatives()
    assert paths == [False, False, False]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5 * np.abs(w).max())


def test_the_backward_pass_keeps_the_forward_passs_path(monkeypatch):
    """Switched off between the forward pass and its backward pass: still the native gradient."""
    _native_or_skip()
    import jax

    from learnact.ops import _native, _rational_jax

    x, a, b, g = _inputs((16, 8), (8, 6), (8, 4), seed=4)
    _, vjp = jax.vjp(lambda *v: _rational_jax.rational(*v, "safe"), x, a, b)
    with _native.disabled():
        grads = [np.asarray(v) for v in vjp(g)]
    _check_gradients(grads, x, a, b, g, "safe")
    assert _native.status().startswith("on: ")  # a switched-off call cached nothing


def test_float64_beyond_degree_13_keeps_the_xla_path():
    """The rare path's long double holds (degree + 2) float64 exponents up to degree 13."""
    _native_or_skip()
    import jax

    with jax.enable_x64(True):
        x = np.array([[1e300, -2.0, 0.5, -1e300]])
        for degree, native in ((13, True), (14, False)):
            a = np.full(degree + 1, 0.5)
            b = np.full(degree, 0.25)
            _, grads, hlo = _run("safe", x, a, b, np.ones_like(x))
            assert (NATIVE in hlo) == native, degree
            if native:  # (the XLA path's own gradients at 1e300 are NaN from degree 14)
                assert not any(np.isnan(v).any() for v in grads), degree


def test_a_failed_build_is_not_retried_and_a_library_is_readable_by_all(tmp_path, monkeypatch):
    """A compiler that fails leaves a marker: the next process does not run it again."""
    cache, counter, compiler = tmp_path / "cache", tmp_path / "builds", tmp_path / "cxx"
    compiler.write_text(
        f'#!/bin/sh\ncase "$*" in *" -o "*) echo build >> {counter}; exit 1;; esac\necho fake 1\n'
    )
    compiler.chmod(0o755)
    monkeypatch.setenv("LEARNACT_CACHE_DIR", str(cache))
    monkeypatch.setenv("CXX", str(compiler))
    _native._load.cache_clear()
    try:
        assert _native.status().startswith("off: RuntimeError")
        assert len(list(cache.glob("*.failed"))) == 1 and counter.read_text() == "build\n"
        _native._load.cache_clear()  # as a new process would
        assert "an earlier build failed" in _native.status()
        assert counter.read_text() == "build\n"  # the compiler was not run again
    finally:
        monkeypatch.undo()
        _native._load.cache_clear()
        _native.load("rational")
    built = pathlib.Path(_native.status().removeprefix("on: "))
    if built.exists():
        assert built.stat().st_mode & 0o044 == 0o044  # group and others may read it


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("LEARNACT_NATIVE", "0")
    assert not _native.enabled()
    monkeypatch.setenv("LEARNACT_NATIVE", "1")
    assert _native.enabled()

"""fit_lbfgs: the optimum of least-squares problems (numpy.linalg.lstsq), on every backend."""

import keras
import numpy as np
import pytest

from learnact._keras_private import keep_64_bit_results
from learnact.training import fit_lbfgs
from tests.conftest import backend

METHODS = ["optax", "scipy"] if backend() == "jax" else ["scipy"]


@pytest.fixture
def float64():
    """keras.config.set_floatx("float64") (and jax_enable_x64 on JAX), restored afterwards."""
    previous, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    # Keras caches the policy made from floatx at its first use: set it too.
    keras.config.set_dtype_policy("float64")
    if backend() == "jax":
        import jax

        x64 = jax.config.jax_enable_x64
        jax.config.update("jax_enable_x64", True)
    yield
    keras.config.set_floatx(previous)
    keras.config.set_dtype_policy(policy)
    if backend() == "jax":
        jax.config.update("jax_enable_x64", x64)


def _problem(n=200, d=5, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, d))
    y = x @ rng.normal(size=(d, 1)) + 0.3 + 0.1 * rng.normal(size=(n, 1))
    return x, y


def _dense(d, **kwargs):
    return keras.Sequential([keras.Input((d,)), keras.layers.Dense(1, **kwargs)])


@pytest.mark.parametrize("method", METHODS)
def test_reaches_the_least_squares_optimum_in_float64(float64, method):
    x, y = _problem()
    model = _dense(x.shape[1])
    history = fit_lbfgs(model, x, y, steps=3, method=method)
    design = np.hstack([x, np.ones((len(x), 1))])
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    kernel, bias = model.get_weights()
    assert kernel.dtype == np.float64
    np.testing.assert_allclose(np.vstack([kernel, bias[:, None]]), solution, rtol=0, atol=1e-9)
    best = float(np.mean((design @ solution - y) ** 2))
    assert len(history) == 3
    assert history[-1] == pytest.approx(best, rel=1e-12)
    assert history[0] >= history[-1]


def test_float32_model_gets_close_to_the_optimum():
    x, y = _problem(seed=2)
    model = _dense(x.shape[1])
    fit_lbfgs(model, x, y, steps=2)
    solution, *_ = np.linalg.lstsq(np.hstack([x, np.ones((len(x), 1))]), y, rcond=None)
    kernel, bias = model.get_weights()
    assert kernel.dtype == np.float32
    np.testing.assert_allclose(np.vstack([kernel, bias[:, None]]), solution, atol=1e-4)


@pytest.mark.parametrize("method", METHODS)
def test_regularisers_are_part_of_the_objective(float64, method):
    """Ridge: the L2 penalty of the kernel moves the optimum to its closed form."""
    x, y = _problem(seed=3)
    lam = 0.05
    model = _dense(x.shape[1], kernel_regularizer=keras.regularizers.L2(lam))
    fit_lbfgs(model, x, y, steps=3, method=method)
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    # Gradient of mean((Aw - y)^2) + lam |w[:d]|^2 set to zero (the bias is not penalised).
    penalty = np.diag([lam] * d + [0.0])
    solution = np.linalg.solve(design.T @ design / n + penalty, design.T @ y / n)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(np.vstack([kernel, bias[:, None]]), solution, atol=1e-9)


def test_nonlinear_model_decreases_the_loss(float64):
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(256, 2))
    y = np.sin(np.pi * x[:, :1]) * x[:, 1:]
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(1)]
    )
    history = fit_lbfgs(model, x, y, steps=5, iterations_per_step=20)
    assert all(np.isfinite(history))
    assert history[-1] < 0.1 * history[0]
    # Keras computes tanh of float64 in float32 unless told otherwise, as fit_lbfgs does.
    with keep_64_bit_results():
        prediction = keras.ops.convert_to_numpy(model(x))
    assert history[-1] == pytest.approx(float(np.mean((prediction - y) ** 2)), rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_a_later_fit_sees_the_non_trainable_weights_changed_since(float64, method):
    # A grid update between two fits (pykan's fit) changes non-trainable weights: a
    # compiled objective reused from the first fit must read them, not keep old copies.
    from learnact import kan
    from learnact.layers import KANDense

    model = keras.Sequential([keras.Input((1,)), KANDense(1, grid_size=4)])
    x = np.linspace(-1, 1, 64)[:, None]
    y = np.sin(3 * x)
    fit_lbfgs(model, x, y, steps=1, method=method)
    kan.update_grids(model, 0.5 * x)  # a narrower grid: the splines change outside it
    history = fit_lbfgs(model, x, y, steps=1, method=method)
    with keep_64_bit_results():
        mse = float(np.mean((keras.ops.convert_to_numpy(model(x)) - y) ** 2))
    assert history[-1] == pytest.approx(mse, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"steps": 0}, "steps"),
        ({"steps": "5"}, "steps"),
        ({"iterations_per_step": 0}, "iterations_per_step"),
        ({"history_size": 1.5}, "history_size"),
        ({"method": "bfgs"}, "method"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, named):
    x, y = _problem(n=10)
    model = _dense(x.shape[1])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=f"`{named}`"):
        fit_lbfgs(model, x, y, **kwargs)
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


@pytest.mark.skipif(backend() == "jax", reason="optax is the JAX method")
def test_optax_needs_jax():
    x, y = _problem(n=10)
    with pytest.raises(ValueError, match="`method`"):
        fit_lbfgs(_dense(x.shape[1]), x, y, method="optax")


@pytest.mark.parametrize(
    ("x", "y", "named"),
    [
        (np.zeros((0, 5)), np.zeros((0, 1)), "`x`"),
        (np.full((4, 5), np.nan), np.zeros((4, 1)), "`x`"),
        (np.zeros((4, 5)), np.zeros((3, 1)), "`x` and `y`"),
        (np.zeros((4, 5)), np.array([[np.inf]] * 4), "`y`"),
        (np.zeros((4, 5)), np.zeros((4, 2)), r"`y` must have the model's output shape \(4, 1\)"),
        (np.zeros((4, 3)), np.zeros((4, 1)), r"`x` must hold examples of shape \(5,\)"),
    ],
)
def test_bad_data_is_refused(x, y, named):
    with pytest.raises(ValueError, match=named):
        fit_lbfgs(_dense(5), x, y)


def test_a_non_finite_value_is_counted_not_printed():
    y = np.zeros((300, 1))
    y[7] = np.nan
    message = r"received 1 NaN or infinite value\(s\) among 300"
    with pytest.raises(ValueError, match=message) as info:
        fit_lbfgs(_dense(5), np.zeros((300, 5)), y)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("method", METHODS)
def test_flat_targets_of_a_one_output_model_fit_as_columns(float64, method):
    # (N,) against the model's (N, 1): broadcasting would fit an (N, N) difference.
    x, y = _problem()
    with keep_64_bit_results():
        history = fit_lbfgs(_dense(x.shape[1]), x, y.ravel(), steps=3, method=method)
    design = np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    best = float(np.mean((design @ coef - y) ** 2))
    assert history[-1] == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_a_fitted_model_can_be_freed(method):
    import gc
    import weakref

    x, y = _problem(n=20)
    model = _dense(x.shape[1])
    fit_lbfgs(model, x, y, steps=1, method=method)
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None  # the compiled-function cache does not hold it


def test_shapes_keras_accepts_are_accepted():
    # Keras adds or drops a trailing axis of size 1; (N, 1) targets of an (N,) output.
    x = np.linspace(-1, 1, 32)
    line = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    history = fit_lbfgs(line, x, 3 * x[:, None] - 1, steps=2)  # x of shape (N,)
    assert history[-1] < 1e-8
    flat = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1), keras.layers.Reshape(())])
    history = fit_lbfgs(flat, x[:, None], (3 * x - 1)[:, None], steps=2)  # y (N, 1), out (N,)
    assert history[-1] < 1e-8
    history = fit_lbfgs(flat, x[:, None], (3 * x - 1)[:, None].tolist(), steps=2)  # y as lists
    assert history[-1] < 1e-8


def test_a_model_with_two_outputs_is_refused():
    a = keras.Input((2,))
    model = keras.Model(a, [keras.layers.Dense(1)(a), keras.layers.Dense(1)(a)])
    with pytest.raises(ValueError, match="one output"):
        fit_lbfgs(model, np.zeros((4, 2)), np.zeros((4, 1)))

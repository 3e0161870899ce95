"""Full-batch L-BFGS fitting of the mean squared error of any Keras model, on every backend.

pykan fits its small scientific problems this way: the whole training set in
one batch, a quasi-Newton step with a strong-Wolfe line search, often in
float64. :func:`fit_lbfgs` does the same for any Keras model (learnact's
layers included) from well-kept implementations rather than a hand-written
one:

* ``method="scipy"`` (and ``"auto"``, on every backend):
  ``scipy.optimize.minimize(method="L-BFGS-B")`` over the flattened
  trainable weights, the loss and its gradient from the backend's autodiff
  (``torch.autograd.grad``, ``tf.GradientTape`` under ``tf.function``,
  ``jax.value_and_grad`` under ``jax.jit``, compiled once per model and
  problem shape), one call per evaluation;
* ``method="optax"`` (JAX only): ``optax.lbfgs`` (zoom line search, strong
  Wolfe conditions), one step of ``iterations_per_step`` iterations compiled
  once with ``jax.jit`` and called ``steps`` times, so no Python runs between
  two evaluations of the loss inside a step.

Why scipy by default on JAX too: the compiled optax step traces the model
several times (the zoom line search evaluates it in several branches), so it
compiles for 8 s where the value-and-gradient compiles in 1 s (a [2, 5, 1]
KAN, float64, 1000 samples, a quiet 2-core CPU); both then cost about 1 ms
per evaluation, and 50 pykan steps of L-BFGS-B took 2 s against optax's 9.6 s
with its compilation. optax only pays off for many steps of one model.

A *step* is pykan's: one call of its ``LBFGS.step``, which runs up to 20
iterations (``iterations_per_step``); the history has one loss per step. The
L-BFGS memory is kept across the steps of one call. The objective is the mean
squared error plus the model's losses (weight, activity and ``add_loss``
regularisers such as :class:`learnact.kan.KANSparsity`), evaluated with
``training=False``.

Precision follows Keras: the data are cast to the model's compute dtype, so
``keras.config.set_floatx("float64")`` before building the model (and, on
JAX, ``jax.config.update("jax_enable_x64", True)``) fits in float64; Keras's
demotion of float64 results to float32 is switched off during the fit.
"""

from __future__ import annotations

import inspect
import math
import weakref

import numpy as np

from learnact._checks import check_choice, check_int
from learnact._keras_private import keep_64_bit_results
from learnact.errors import UserInputError

METHODS = ("auto", "optax", "scipy")

# The compiled functions of each model (an optax step, a value-and-gradient), per
# problem structure: jax.jit caches on the function object, so keeping it lets
# repeated fits of one model (pykan's fit between two grid updates) skip the
# compilation. The weights, grids and data are arguments, never constants.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fit_lbfgs(
    model,
    x,
    y,
    *,
    steps: int = 50,
    iterations_per_step: int = 20,
    history_size: int = 10,
    method: str = "auto",
) -> list[float]:
    """Fit ``model`` to ``(x, y)`` by full-batch L-BFGS on the mean squared error.

    Formula:
        minimise  mean((model(x) - y)^2) + sum(model.losses)
        over the trainable weights, ``steps * iterations_per_step`` L-BFGS
        iterations (history of ``history_size`` pairs).

    Args:
        model: a Keras layer or model (built or not); its trainable weights are
            updated in place.
        x: inputs, an array (or a list of arrays for a multi-input model).
        y: targets, an array of the model's output shape.
        steps: number of steps (>= 1), each ``iterations_per_step`` iterations.
        iterations_per_step: L-BFGS iterations per step (pykan's ``max_iter``: 20).
        history_size: pairs kept by L-BFGS (pykan: 10).
        method: "auto" (scipy's L-BFGS-B, on every backend), "scipy" or "optax"
            (JAX only).

    Returns:
        The loss history: the objective after each step, ``steps`` Python floats.
        If scipy stops early (no further decrease possible), the last value is
        repeated for the remaining steps (the weights no longer change).

    Raises:
        ValueError: a non-integer or non-positive ``steps``, ``iterations_per_step``
            or ``history_size``; an unknown ``method``; ``"optax"`` on another backend;
            empty, non-finite or mismatched ``x`` and ``y``; a model without
            trainable weights.

    Example:
        >>> import keras, numpy as np
        >>> x = np.linspace(-1, 1, 32, dtype="float32")[:, None]
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> history = fit_lbfgs(model, x, 3 * x - 1, steps=2)
        >>> len(history), history[-1] < 1e-8
        (2, True)
    """
    import keras

    steps = check_int("steps", steps, minimum=1)
    iterations_per_step = check_int("iterations_per_step", iterations_per_step, minimum=1)
    history_size = check_int("history_size", history_size, minimum=1)
    method = check_choice("method", method, METHODS)
    backend = keras.backend.backend()
    if method == "auto":
        method = "scipy"
    if method == "optax" and backend != "jax":
        raise UserInputError(
            f"`method` 'optax' needs the JAX backend (this is {backend!r}); "
            f"received method={method!r}"
        )
    problem = _Problem(model, x, y)
    # Keras demotes the float64 results of some ops (keras.ops.mean among them) to
    # float32 on JAX and PyTorch: a float64 fit would stall at float32 accuracy.
    with keep_64_bit_results():
        if method == "optax":
            return _fit_optax(problem, steps, iterations_per_step, history_size)
        return _fit_scipy(problem, steps, iterations_per_step, history_size)


def _as_array(name, value, several: bool = True):
    """``value`` as an array, or a list of arrays (``several``: a multi-input model's ``x``)."""
    arrays = (
        [np.asarray(v) for v in value] if several and isinstance(value, (list, tuple)) else None
    )
    array = None if arrays is not None else np.asarray(value)
    for a in arrays if arrays is not None else [array]:
        if a.ndim == 0 or a.shape[0] == 0:
            raise UserInputError(f"`{name}` must be a non-empty batch; received shape {a.shape}")
        if not np.issubdtype(a.dtype, np.number):
            raise UserInputError(f"`{name}` must hold numbers; received dtype {a.dtype}")
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        if bad:
            raise UserInputError(
                f"`{name}` must hold finite numbers; received {bad} NaN or infinite value(s) "
                f"among {a.size} (shape {a.shape})"
            )
    return arrays if arrays is not None else array


class _Problem:
    """The model, its data in its compute dtype, and ``objective(trainable, non_trainable)``."""

    def __init__(self, model, x, y):
        import keras

        x = _as_array("x", x)
        y = _as_array("y", y, several=False)
        n_x = (x[0] if isinstance(x, list) else x).shape[0]
        if y.shape[0] != n_x:
            raise UserInputError(
                f"`x` and `y` must hold the same number of examples; received {n_x} and "
                f"{y.shape[0]}"
            )
        dtype = keras.backend.standardize_dtype(model.compute_dtype)
        if dtype == "float64" and keras.backend.backend() == "jax":
            import jax

            if not jax.config.jax_enable_x64:
                raise UserInputError(
                    "the model computes in float64 but JAX runs in 32 bits: call "
                    "jax.config.update('jax_enable_x64', True) first"
                )

        def cast(a):
            return keras.ops.convert_to_tensor(np.asarray(a, dtype=dtype))

        self.x = [cast(a) for a in x] if isinstance(x, list) else cast(x)
        self.y = cast(y)
        if not model.built:
            model(self.x)
        self.x = _match_input_shapes(model, self.x)
        self.y = _match_output_shape(model, self.x, self.y)
        if not model.trainable_variables:
            raise UserInputError(f"`model` has no trainable weights; received model={model!r}")
        self.model = model
        self.dtype = dtype
        accepts = "training" in inspect.signature(model.call).parameters
        self._kwargs = {"training": False} if accepts else {}

    def objective(self, trainable, non_trainable, x=None, y=None):
        """Mean squared error plus the model's losses, as a backend scalar."""
        x = self.x if x is None else x
        y = self.y if y is None else y
        return _objective(self.model, self._kwargs, trainable, non_trainable, x, y)

    def objective_of_weak_model(self):
        """``objective(trainable, non_trainable, x, y)`` holding the model by a weak reference.

        The compiled functions are cached per model (a weak-key dictionary): a
        closure holding the model itself would keep it, its compiled code and
        its first data alive for ever.
        """
        model, kwargs = weakref.ref(self.model), self._kwargs

        def objective(trainable, non_trainable, x, y):
            return _objective(model(), kwargs, trainable, non_trainable, x, y)

        return objective

    def structure(self) -> tuple:
        """What a compiled objective depends on besides the values: config, shapes, dtypes."""
        try:
            # The traced objective reads the layers' Python attributes (a regulariser set
            # or removed since): a changed configuration must not reuse a compilation.
            config = repr(self.model.get_config())
        except NotImplementedError:
            config = object()  # a model without a config: compile afresh every time
        x = self.x if isinstance(self.x, list) else [self.x]
        return (
            config,
            tuple((tuple(v.shape), str(v.dtype)) for v in self.model.trainable_variables),
            tuple((tuple(v.shape), str(v.dtype)) for v in self.model.non_trainable_variables),
            tuple(tuple(a.shape) for a in x),
            tuple(self.y.shape),
        )

    def trainable_values(self):
        return [v.value for v in self.model.trainable_variables]

    def non_trainable_values(self):
        return [v.value for v in self.model.non_trainable_variables]

    def assign(self, values):
        for variable, value in zip(self.model.trainable_variables, values, strict=True):
            variable.assign(value)


def _objective(model, kwargs, trainable, non_trainable, x, y):
    """Mean squared error of ``model`` on ``(x, y)`` plus its losses, statelessly."""
    import keras

    out, _, losses = model.stateless_call(trainable, non_trainable, x, return_losses=True, **kwargs)
    y = _conform_targets(model, out, y)
    loss = keras.ops.mean(keras.ops.square(out - y))
    for extra in losses:
        loss = loss + keras.ops.cast(extra, loss.dtype)
    return loss


def _match_output_shape(model, x, y):
    """``y`` shaped as the model's output: ``(N,)`` targets of a one-output model as a column.

    Checked before anything is compiled (inside ``tf.function`` an error
    would come back wrapped); where Keras cannot infer the output shape
    symbolically, :func:`_objective` checks it on the first evaluation.
    """
    import keras

    try:
        spec = model.compute_output_spec(
            [keras.KerasTensor(a.shape, a.dtype) for a in x]
            if isinstance(x, list)
            else keras.KerasTensor(x.shape, x.dtype)
        )
    except Exception:  # noqa: BLE001 - any model Keras cannot trace symbolically
        return y
    return _conform_targets(model, spec, y)


def _conform_targets(model, out, y):
    """``y`` in the shape of the model's output ``out`` (a tensor or its spec), or refused.

    ``(N,)`` targets of an ``(N, 1)`` output and ``(N, 1)`` targets of an
    ``(N,)`` one are reshaped, as Keras's ``fit`` does; anything else would
    broadcast into another loss without a word (``(N, 1) - (N,)`` is ``(N, N)``).
    """
    import keras

    if isinstance(out, (list, tuple, dict)):
        raise UserInputError(
            f"fit_lbfgs fits a model with one output; model {model.name!r} has {len(out)}"
        )
    shape = tuple(out.shape)
    if tuple(y.shape) == shape:
        return y
    if tuple(y.shape) == shape[:-1] and shape[-1] == 1:
        return keras.ops.expand_dims(y, -1)
    if tuple(y.shape[:-1]) == shape and y.shape[-1] == 1:
        return keras.ops.squeeze(y, -1)
    raise UserInputError(
        f"`y` must have the model's output shape {shape}; received y of shape {tuple(y.shape)}"
    )


def _match_input_shapes(model, x):
    """``x`` shaped as the model's inputs declare; refuse examples of another size.

    Keras adds or drops a trailing axis of size 1 itself (``(N,)`` for
    ``Input((1,))``); reshaping here as well keeps the shapes the compiled
    objective sees the model's own.
    """
    import keras

    try:
        inputs = model.inputs
    except AttributeError:  # a layer, or a subclassed model: Keras will say
        return x
    arrays = x if isinstance(x, list) else [x]
    if not inputs or len(inputs) != len(arrays):
        return x
    shaped = []
    for spec, array in zip(inputs, arrays, strict=True):
        expected = tuple(spec.shape[1:])
        got = tuple(array.shape[1:])
        if None in expected or got == expected:
            shaped.append(array)
            continue
        if math.prod(expected) != math.prod(got):
            raise UserInputError(
                f"`x` must hold examples of shape {expected} for model {model.name!r}; "
                f"received x of shape {tuple(array.shape)}"
            )
        shaped.append(keras.ops.reshape(array, (array.shape[0],) + expected))
    return shaped if isinstance(x, list) else shaped[0]


def _fit_optax(problem: _Problem, steps, iterations, history_size) -> list[float]:
    import jax
    import jax.numpy as jnp

    compiled = _COMPILED.setdefault(problem.model, {})
    key = ("optax", iterations, history_size, *problem.structure())
    if key not in compiled:
        compiled[key] = _optax_step(problem, iterations, history_size)
    init, step = compiled[key]
    params = problem.trainable_values()
    frozen = problem.non_trainable_values()
    # optax's initial state holds weakly typed scalars, a step's result strong ones:
    # make them strong from the start, or the second step compiles the step again.
    state = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype=a.dtype), init(params))
    history = []
    for _ in range(steps):
        params, state, value = step(params, state, frozen, problem.x, problem.y)
        history.append(float(value))
    problem.assign(params)
    return history


def _optax_step(problem: _Problem, iterations, history_size):
    """Return ``(init, step)``: the optax L-BFGS state and one jitted step of ``iterations``."""
    import jax
    import jax.numpy as jnp
    import optax

    optimizer = optax.lbfgs(memory_size=history_size)
    objective, dtype = problem.objective_of_weak_model(), problem.dtype

    def step(params, state, frozen, x, y):
        def f(p):
            return objective(p, frozen, x, y)

        value_and_grad = optax.value_and_grad_from_state(f)

        def iteration(_, carry):
            params, state, _ = carry
            value, grad = value_and_grad(params, state=state)
            updates, new_state = optimizer.update(
                grad, state, params, value=value, grad=grad, value_fn=f
            )
            new_params = optax.apply_updates(params, updates)
            # A converged problem can make the next curvature pair 0/0: keep the last
            # finite point rather than let one NaN spread through the weights.
            ok = jnp.all(
                jnp.array([jnp.all(jnp.isfinite(p)) for p in jax.tree_util.tree_leaves(new_params)])
            )
            params = jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new_params, params)
            state = jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new_state, state)
            return params, state, value

        params, state, _ = jax.lax.fori_loop(
            0, iterations, iteration, (params, state, jnp.zeros((), dtype))
        )
        return params, state, f(params)

    return optimizer.init, jax.jit(step)


def _fit_scipy(problem: _Problem, steps, iterations, history_size) -> list[float]:
    from scipy.optimize import minimize

    shapes = [tuple(v.shape) for v in problem.model.trainable_variables]
    sizes = [int(np.prod(s)) for s in shapes]
    value_and_grad = _value_and_grad(problem, shapes, sizes)
    start = np.concatenate(
        [np.ravel(np.asarray(_numpy(v), dtype=np.float64)) for v in problem.trainable_values()]
    )
    losses = []

    def record(intermediate_result):
        losses.append(float(intermediate_result.fun))

    def fun(theta):
        value, grad = value_and_grad(theta)
        return float(value), np.asarray(grad, dtype=np.float64)

    result = minimize(
        fun,
        start,
        jac=True,
        method="L-BFGS-B",
        callback=record,
        options={
            "maxiter": steps * iterations,
            "maxfun": steps * iterations * 5 // 4 * 2,
            "maxcor": history_size,
            # pykan's tolerances are 1e-32: iterate until the budget is spent.
            "ftol": 0.0,
            "gtol": 0.0,
        },
    )
    problem.assign(_split(result.x, shapes, sizes, problem.dtype))
    final = fun(result.x)[0]
    return [
        losses[k * iterations - 1] if k * iterations <= len(losses) else final
        for k in range(1, steps + 1)
    ]


def _numpy(value):
    import keras

    return keras.ops.convert_to_numpy(value)


def _split(theta, shapes, sizes, dtype):
    import keras

    parts = np.split(np.asarray(theta), np.cumsum(sizes)[:-1])
    return [
        keras.ops.convert_to_tensor(p.reshape(s).astype(dtype))
        for p, s in zip(parts, shapes, strict=True)
    ]


def _value_and_grad(problem: _Problem, shapes, sizes):
    """Return ``theta -> (loss, gradient)`` on flat float64 NumPy vectors, via autodiff."""
    import keras

    backend = keras.backend.backend()
    frozen = problem.non_trainable_values()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        cache = _COMPILED.setdefault(problem.model, {})
        key = ("scipy", *problem.structure())
        if key not in cache:
            objective = problem.objective_of_weak_model()

            def flat_objective(theta, frozen, x, y):
                parts = jnp.split(theta, np.cumsum(sizes)[:-1])
                params = [p.reshape(s) for p, s in zip(parts, shapes, strict=True)]
                return objective(params, frozen, x, y)

            cache[key] = jax.jit(jax.value_and_grad(flat_objective))
        compiled = cache[key]
        # A NumPy vector goes to the compiled function as it is: jnp.asarray first is
        # a dispatch of its own (0.17 of 0.52 ms per evaluation of a [2, 1, 1] KAN).
        return lambda theta: compiled(
            np.asarray(theta, dtype=problem.dtype), frozen, problem.x, problem.y
        )
    if backend == "torch":
        import torch

        def torch_value_and_grad(theta):
            params = [
                t.detach().requires_grad_(True) for t in _split(theta, shapes, sizes, problem.dtype)
            ]
            value = problem.objective(params, frozen)
            grads = torch.autograd.grad(value, params, allow_unused=True)
            flat = [
                np.zeros(s) if g is None else g.detach().cpu().numpy().ravel()
                for g, s in zip(grads, sizes, strict=True)
            ]
            return value.detach().cpu().numpy(), np.concatenate(flat)

        return torch_value_and_grad
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def tf_value_and_grad(theta):
            with tf.GradientTape() as tape:
                tape.watch(theta)
                parts = tf.split(theta, sizes)
                params = [tf.reshape(p, s) for p, s in zip(parts, shapes, strict=True)]
                value = problem.objective(params, frozen)
            return value, tape.gradient(value, theta)

        def call(theta):
            value, grad = tf_value_and_grad(tf.constant(np.asarray(theta, dtype=problem.dtype)))
            return value.numpy(), grad.numpy()

        return call
    raise UserInputError(f"fit_lbfgs does not support the {backend!r} backend")


__all__ = ["METHODS", "fit_lbfgs"]

"""Forward+backward steps of Keras layers, on JAX, PyTorch or TensorFlow, and their memory.

"Forward+backward" is what a layer costs inside a network: compute ``y`` and,
given the cotangent ``dL/dy`` the next layer sends back (a fixed random array
here), the gradients with respect to its input and every trainable weight.
That is ``jax.vjp``/``torch.autograd.grad`` with that cotangent, the same as
differentiating ``sum(y * cotangent)``. JAX steps are ``jax.jit``-compiled,
TensorFlow steps are ``tf.function`` graphs (without XLA, as Keras's own
``fit`` on a CPU), PyTorch steps are eager.
"""

from __future__ import annotations

import keras
import numpy as np

from learnact._backend import check_backend
from learnact.benchmarks.timing import Candidate, compare


def backend() -> str:
    """Return the Keras backend, refusing the ones learnact does not serve.

    Raises:
        UserInputError: on any backend but JAX, PyTorch and TensorFlow.
    """
    return check_backend(keras.backend.backend())


def built(layer, input_shape):
    """Build ``layer`` for ``input_shape`` (with batch axis) and return it."""
    if not layer.built:
        layer.build(tuple(input_shape))
    return layer


def train_step(layer, x: np.ndarray, seed: int = 0):
    """Return ``(run, info)``: one forward+backward pass of ``layer`` on ``x``.

    Args:
        layer: a built Keras layer or model with one input and one output.
        x: float32 NumPy input (with batch axis).
        seed: seed of the random cotangent.

    Returns:
        ``run``: a callable that does the pass and waits for its result;
        ``info``: ``{"memory_mb": ...}`` with the peak temporary memory XLA
        allocates for the compiled step (JAX), or ``{}``.
    """
    name = backend()
    y = keras.ops.convert_to_numpy(layer(x))
    cotangent = np.random.default_rng(seed).standard_normal(y.shape).astype(np.float32)
    if name == "jax":
        return _jax_step(layer, x, cotangent)
    if name == "tensorflow":
        return _tf_step(layer, x, cotangent)
    return _torch_step(layer, x, cotangent)


def time_layers(layers: dict, inputs: dict, baseline: str, *, repeats: int, quick: bool) -> dict:
    """Time every layer's forward+backward step against ``baseline``, input by input.

    Args:
        layers: ``{name: factory}``; each factory makes a fresh layer, built
            here for each input.
        inputs: ``{size name: float32 NumPy input}``.
        baseline: the name in ``layers`` whose time the ratios divide by.
        repeats: timed rounds of a full run.
        quick: a smoke run: 7 rounds of shorter samples.

    Returns:
        ``{size name: rows}``: the rows of
        :func:`~learnact.benchmarks.timing.compare`, each with its ``size``
        and the compiled step's ``memory_mb`` where the backend reports it.

    Example:
        >>> layers = {"prelu": keras.layers.PReLU, "relu": keras.layers.ReLU}
        >>> timed = time_layers(layers, random_inputs({"8x4": (8, 4)}), "prelu",
        ...                     repeats=7, quick=True)
        >>> [(row["size"], row["name"], row["ratio"] > 0) for row in timed["8x4"]]
        [('8x4', 'prelu', True), ('8x4', 'relu', True)]
    """
    out = {}
    for size_name, x in inputs.items():
        candidates = []
        for name, make in layers.items():
            step, info = train_step(built(make(), x.shape), x)
            candidates.append(Candidate(name, step, {"size": size_name, **info}))
        out[size_name] = compare(
            candidates,
            baseline,
            repeats=7 if quick else repeats,
            warmup=2,
            sample_s=0.002 if quick else 0.01,
        )
    return out


def random_inputs(sizes: dict, seed: int = 0) -> dict:
    """``{size name: standard normal float32 array of that shape}``, one generator in order.

    Example:
        >>> {name: x.shape for name, x in random_inputs({"a": (2, 3), "b": (4,)}).items()}
        {'a': (2, 3), 'b': (4,)}
    """
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape).astype(np.float32) for name, shape in sizes.items()}


def _jax_step(layer, x, cotangent):
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    x = jnp.asarray(x)
    cotangent = jnp.asarray(cotangent)

    def loss(trainable, x):
        y, _ = layer.stateless_call(trainable, non_trainable, x)
        return jnp.sum(y * cotangent)

    step = jax.jit(jax.grad(loss, argnums=(0, 1)))
    info = {}
    try:
        analysis = step.lower(trainable, x).compile().memory_analysis()
        # Temporaries only: inputs and gradients are the same size for every
        # candidate of a given shape; what differs is what the pass keeps alive.
        info["memory_mb"] = round(analysis.temp_size_in_bytes / 2**20, 3)
    except (AttributeError, NotImplementedError, TypeError):
        pass

    def run():
        jax.block_until_ready(step(trainable, x))

    return run, info


def _torch_step(layer, x, cotangent):
    import torch

    x = torch.tensor(x, requires_grad=True)
    cotangent = torch.tensor(cotangent)
    weights = [v.value for v in layer.trainable_variables]

    def run():
        y = layer(x)
        torch.autograd.grad(y, [x, *weights], cotangent)

    return run, {}


def _tf_step(layer, x, cotangent):
    import tensorflow as tf

    x = tf.constant(x)
    cotangent = tf.constant(cotangent)
    weights = [v.value for v in layer.trainable_variables]

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        return tape.gradient(y, [x, *weights], output_gradients=cotangent)

    def run():
        step(x)[0].numpy()  # wait for the result

    return run, {}

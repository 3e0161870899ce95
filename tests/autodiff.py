"""Backend-neutral gradients for tests: ``grad(fn, *args)`` on JAX, PyTorch or TensorFlow.

Kept in the tests (not the library) because it only needs to differentiate a
scalar function of a few arrays; the library's own dispatch lives in
``learnact.gradients``.
"""

import keras
import numpy as np


def grad(fn, *args):
    """Return the gradients of scalar ``fn(*args)`` w.r.t. every arg, as NumPy arrays."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        values = [jax.numpy.asarray(a) for a in args]
        grads = jax.grad(fn, argnums=tuple(range(len(args))))(*values)
        return [np.asarray(g) for g in grads]
    if backend == "torch":
        import torch

        values = [torch.tensor(np.asarray(a), requires_grad=True) for a in args]
        grads = torch.autograd.grad(fn(*values), values)
        return [g.detach().cpu().numpy() for g in grads]
    if backend == "tensorflow":
        import tensorflow as tf

        values = [tf.convert_to_tensor(np.asarray(a)) for a in args]
        with tf.GradientTape() as tape:
            tape.watch(values)
            out = fn(*values)
        grads = tape.gradient(out, values)
        # TensorFlow answers None for an argument the result does not depend on.
        return [
            np.zeros(np.shape(a), np.asarray(a).dtype) if g is None else np.asarray(g)
            for g, a in zip(grads, args, strict=True)
        ]
    raise NotImplementedError(f"tests do not differentiate on backend {backend!r}")

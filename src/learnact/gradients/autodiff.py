"""Float64 evaluation and autodiff of a Keras layer, model or ``keras.ops`` function, per backend.

:func:`gradient_check` needs two things from the backend: the gradient of a
scalar ``s = sum_o sum(r_o * y_o)`` (fixed random ``r_o`` for each output
``y_o``) with respect to the inputs and every trainable weight, and the value
of ``s`` at many perturbed copies of one tensor. Both run in float64:

* the target is rebuilt with every dtype policy set to float64 (its
  serialized config, rewritten) and given the original weights;
* on JAX, 64-bit mode is switched on only inside :func:`float64_scope`
  (``jax.enable_x64`` is a thread-local context manager), so the user's
  process keeps its 32-bit default;
* autodiff is ``jax.grad`` (JAX), ``torch.autograd.grad`` (PyTorch) or
  ``tf.GradientTape`` (TensorFlow); perturbed copies are evaluated with
  ``jax.vmap`` on JAX (in chunks) and one by one elsewhere.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np

from learnact._keras_private import keep_64_bit_results, sublayers
from learnact.errors import UserInputError

# At most this many float64 numbers per vectorised evaluation (inputs of all copies).
_MAX_VMAP_NUMBERS = 2**22


@contextlib.contextmanager
def float64_scope():
    """Allow float64 computation on the current backend for the duration of the block.

    Two switches, both restored on exit: JAX's thread-local ``jax.enable_x64``
    and Keras's type promotion, which otherwise demotes float64 results of
    ops such as ``keras.ops.tanh`` to float32 on every backend but TensorFlow
    (:func:`learnact._keras_private.keep_64_bit_results`).
    """
    import keras

    with keep_64_bit_results():
        if keras.backend.backend() == "jax":
            import jax

            with jax.enable_x64(True):
                yield
        else:
            yield


def _retype(config):
    """Return ``config`` with every dtype / dtype policy replaced by float64."""
    if isinstance(config, dict):
        out = {}
        for key, value in config.items():
            if key == "dtype" and isinstance(value, str):
                out[key] = "float64" if "float" in value else value
            elif (
                key == "dtype"
                and isinstance(value, dict)
                and "DTypePolicy" in str(value.get("class_name", ""))
            ):
                out[key] = {
                    "module": "keras",
                    "class_name": "DTypePolicy",
                    "config": {"name": "float64"},
                    "registered_name": None,
                }
            else:
                out[key] = _retype(value)
        return out
    if isinstance(config, list):
        return [_retype(v) for v in config]
    return config


def _float64_layer(layer, inputs):
    """A float64 copy of ``layer`` (a Layer or Model) holding the same weights."""
    import keras

    if not layer.built:
        layer(*[keras.ops.convert_to_tensor(x.astype(np.float32)) for x in inputs])
    classes = {type(sub).__name__: type(sub) for sub in sublayers(layer)}
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        if type(layer).__name__ in ("Sequential", "Functional"):
            config = _retype(keras.saving.serialize_keras_object(layer))
            with keras.saving.custom_object_scope(classes):
                clone = keras.saving.deserialize_keras_object(config)
        else:
            config = _retype(layer.get_config())
            config["dtype"] = "float64"
            with keras.saving.custom_object_scope(classes):
                clone = type(layer).from_config(config)
    except Exception as exc:
        raise UserInputError(
            f"gradient_check could not rebuild {type(layer).__name__} in float64 from its "
            f"config ({type(exc).__name__}: {exc}); give the layer a complete get_config"
        ) from exc
    finally:
        keras.config.set_dtype_policy(previous)
    clone(*[keras.ops.convert_to_tensor(x) for x in inputs])
    weights = layer.get_weights()
    if len(weights) != len(clone.weights):
        raise UserInputError(
            f"the float64 copy of {type(layer).__name__} has {len(clone.weights)} weights, "
            f"the layer {len(weights)}; gradient_check needs a layer rebuilt by from_config"
        )
    clone.set_weights([np.asarray(w, dtype=np.float64) for w in weights])
    return clone


class Problem:
    """``s(tensors)`` and its autodiff gradient for one target, in float64.

    Attributes:
        names: one name per tensor (``"input"``/``"input[i]"``, then weight paths).
        tensors: float64 NumPy values, inputs first.
    """

    def __init__(self, target, inputs, seed=0):
        import keras

        self.backend = keras.backend.backend()
        inputs = [np.array(x, dtype=np.float64) for x in inputs]
        self.n_inputs = len(inputs)
        in_names = ["input"] if len(inputs) == 1 else [f"input[{i}]" for i in range(len(inputs))]
        if isinstance(target, keras.layers.Layer):
            layer = _float64_layer(target, inputs)
            self.trainable = list(layer.trainable_variables)
            self.non_trainable = [v.value for v in layer.non_trainable_variables]
            weights = [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in self.trainable]
            names = [v.path for v in self.trainable]

            # stateless_call calls `call` directly: pass `training` only where it is accepted.
            accepts = "training" in inspect.signature(layer.call).parameters
            kwargs = {"training": False} if accepts else {}

            def forward(xs, ws):
                out, _ = layer.stateless_call(ws, self.non_trainable, *xs, **kwargs)
                return out

        elif callable(target):
            weights, names = [], []

            def forward(xs, ws):
                return target(*xs)

        else:
            raise UserInputError(
                "`target` must be a Keras layer, a Keras model or a function of tensors; "
                f"received target={target!r}"
            )
        self.forward = forward
        self.names = in_names + names
        self.tensors = inputs + [np.array(w, dtype=np.float64) for w in weights]
        outputs = keras.tree.flatten(forward(self._to_backend(inputs), self._weights_init()))
        rng = np.random.default_rng(seed)
        self.projections = [
            rng.standard_normal(tuple(keras.ops.shape(o))).astype(np.float64) for o in outputs
        ]
        self._setup()

    def _weights_init(self):
        return self._to_backend(self.tensors[self.n_inputs :])

    def _to_backend(self, arrays):
        import keras

        return [keras.ops.convert_to_tensor(np.asarray(a, dtype=np.float64)) for a in arrays]

    def _scalar(self, values):
        """``s`` as a backend scalar from backend tensors (inputs then weights)."""
        import keras

        xs, ws = values[: self.n_inputs], values[self.n_inputs :]
        outputs = keras.tree.flatten(self.forward(xs, ws))
        total = 0.0
        for out, r in zip(outputs, self.projections, strict=True):
            total = total + keras.ops.sum(
                keras.ops.cast(out, "float64") * keras.ops.convert_to_tensor(r)
            )
        return total

    def _setup(self):
        if self.backend == "jax":
            import jax

            self._jax_grad = jax.jit(jax.value_and_grad(self._scalar))
            self._jax_value = jax.jit(self._scalar)
            self._jax_batched = {}
            # Numbers held per perturbed copy (every tensor and projection): fixed per problem.
            self._jax_per_copy = sum(int(np.prod(t.shape)) for t in self.tensors) + sum(
                int(np.prod(r.shape)) for r in self.projections
            )

    def value(self, tensors=None) -> float:
        """``s`` at ``tensors`` (default: the unperturbed ones)."""
        return self._evaluate(self._to_backend(self.tensors if tensors is None else tensors))

    def _evaluate(self, values) -> float:
        """``s`` at ``values``, backend tensors (inputs then weights), without gradients."""
        if self.backend == "jax":
            return float(self._jax_value(values))
        if self.backend == "torch":
            import torch

            with torch.no_grad():
                return float(self._scalar(values))
        return float(self._scalar(values))

    def gradients(self) -> list[np.ndarray]:
        """Autodiff gradients of ``s`` for every tensor, as float64 NumPy arrays."""
        values = self._to_backend(self.tensors)
        if self.backend == "jax":
            _, grads = self._jax_grad(values)
            return [np.asarray(g, dtype=np.float64) for g in grads]
        if self.backend == "torch":
            import torch

            leaves = [v.detach().clone().requires_grad_(True) for v in values]
            s = self._scalar(leaves)
            grads = torch.autograd.grad(s, leaves, allow_unused=True)
            return [
                np.zeros(t.shape) if g is None else g.detach().cpu().numpy().astype(np.float64)
                for g, t in zip(grads, self.tensors, strict=True)
            ]
        if self.backend == "tensorflow":
            import tensorflow as tf

            leaves = [tf.Variable(v) for v in values]
            with tf.GradientTape() as tape:
                s = self._scalar(leaves)
            grads = tape.gradient(s, leaves)
            return [
                np.zeros(t.shape) if g is None else np.asarray(g, dtype=np.float64)
                for g, t in zip(grads, self.tensors, strict=True)
            ]
        raise UserInputError(f"gradient_check does not support the {self.backend!r} backend")

    def values_with(self, k: int, stack: np.ndarray) -> np.ndarray:
        """``s`` with tensor ``k`` replaced by each ``stack[p]``: shape ``(P,)``."""
        if self.backend == "jax":
            return self._jax_values_with(k, stack)
        # Convert the unperturbed tensors once; per copy, only entry k changes.
        base = self._to_backend(self.tensors)
        out = np.empty(stack.shape[0])
        for p in range(stack.shape[0]):
            base[k] = self._to_backend([stack[p]])[0]
            out[p] = self._evaluate(base)
        return out

    def _jax_values_with(self, k, stack):
        import jax

        fn = self._jax_batched.get(k)
        if fn is None:
            others = self._to_backend(self.tensors)

            def one(t, others=others):
                values = list(others)
                values[k] = t
                return self._scalar(values)

            fn = self._jax_batched[k] = jax.jit(jax.vmap(one))
        chunk = max(1, _MAX_VMAP_NUMBERS // max(self._jax_per_copy, 1))
        # Pad to a power-of-two chunk so that jit compiles a handful of shapes, not one per call.
        size = 1 << int(np.ceil(np.log2(max(1, min(chunk, stack.shape[0])))))
        size = min(size, 1 << int(np.floor(np.log2(chunk))))
        out = []
        for start in range(0, stack.shape[0], size):
            part = stack[start : start + size]
            real = part.shape[0]
            if real < size:
                part = np.concatenate([part, np.repeat(part[-1:], size - real, axis=0)])
            out.append(np.asarray(fn(part))[:real])
        return np.concatenate(out).astype(np.float64)

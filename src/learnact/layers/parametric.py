"""``parametric_activation``: a serializable Keras layer class from any formula.

The Stack Overflow question "How do I implement a complicated activation in
Keras?" (the soft exponential of Godfrey & Gashler, 2015) asks for the
skeleton of an activation that has parameters,
regularizes them, and may return several results (real and imaginary parts).
This factory is that skeleton: write ``fn(x, **params)`` with ``keras.ops``,
describe each parameter with a :class:`~learnact.layers.Parameter`, and get a
layer class with PReLU's conventions and ``.keras`` saving.
"""

from __future__ import annotations

import inspect
import keyword
import math
import warnings

import keras
import numpy as np
from keras import ops

from learnact._checks import check_int
from learnact.errors import UserInputError
from learnact.layers.elementwise import ElementwiseLayer, parameter_config
from learnact.layers.parameter import Parameter

_SUFFIXES = ("initializer", "regularizer", "constraint")

# The formula's fingerprint: its outputs, in float32, at these inputs (one feature, so each
# parameter has shape (1,) + its Parameter's shape) with fixed parameter values in
# [0.5, 1.5). Numbers rather than a hash of the source: they change exactly when the
# formula computes something else (a helper or a global it reads included), not when it is
# reformatted, and they need no source file (lambdas, the REPL). Compared with a tolerance,
# because backends' float32 tanh, exp, ... differ by a few ulps.
FINGERPRINT_KEY = "formula_fingerprint"
_PROBE_X = (-2.0, -1.25, -0.5, -0.1, 0.1, 0.5, 1.25, 2.0)
_FINGERPRINT_RTOL = 1e-4
_FINGERPRINT_ATOL = 1e-6


def _reserved_names() -> set[str]:
    # Attributes of a live layer (name, weights, trainable, dtype, build, shared_axes, ...):
    # a parameter is stored as an attribute of the same name, so these would be clobbered.
    return set(dir(ElementwiseLayer())) | set(dir(_ParametricActivation))


def _class_name(fn, name) -> str:
    if name is not None:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise UserInputError(f"`name` must be a Python identifier; received name={name!r}")
        return name
    base = getattr(fn, "__name__", "")
    if not base.isidentifier():
        raise UserInputError(
            f"cannot derive a layer class name from fn={fn!r} (its __name__ is {base!r}); "
            "pass `name=`, e.g. parametric_activation(fn, ..., name='MyActivation')"
        )
    return "".join(part[:1].upper() + part[1:] for part in base.split("_") if part) or base


def _check_params(params) -> dict[str, Parameter]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError(
            "`params` must be a dict mapping parameter names to Parameter objects; "
            f"received params={params!r}"
        )
    reserved = _reserved_names()
    checked = {}
    for pname, spec in params.items():
        if not isinstance(pname, str) or not pname.isidentifier() or keyword.iskeyword(pname):
            raise UserInputError(f"parameter names must be Python identifiers; received {pname!r}")
        if pname == "x":
            raise UserInputError(
                "parameter name 'x' clashes with the formula's input argument `x`; rename it"
            )
        if pname.startswith("_") or pname in reserved:
            raise UserInputError(
                f"parameter name {pname!r} clashes with an attribute of Keras layers; rename it"
            )
        if not isinstance(spec, Parameter):
            raise TypeError(
                f"params[{pname!r}] must be a learnact.layers.Parameter; received {spec!r}"
            )
        checked[pname] = spec
    return checked


def _check_signature(fn, names) -> None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # some builtins have no signature: checked at call time
        return
    try:
        signature.bind(None, **dict.fromkeys(names))
    except TypeError as exc:
        call = ", ".join(["x", *(f"{n}=..." for n in names)])
        raise TypeError(f"the formula fn={fn!r} cannot be called as fn({call}): {exc}") from exc


def _probe_parameters(specs: dict[str, Parameter]) -> dict[str, np.ndarray]:
    values = {}
    for k, (pname, spec) in enumerate(specs.items()):
        shape = (1, *spec.shape)
        pattern = 0.5 + (np.arange(math.prod(shape)) * 0.37 + k * 0.23) % 1.0
        values[pname] = pattern.astype("float32").reshape(shape)
    return values


def _encode(values) -> list:
    # JSON has no NaN or infinity: those are kept as the strings "nan", "inf", "-inf".
    return [float(v) if math.isfinite(v) else repr(float(v)) for v in values]


def _decode(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype="float64")


class _ParametricActivation(ElementwiseLayer):
    """Base of the classes made by :func:`parametric_activation` (not used directly)."""

    _formula = None
    _specs: dict[str, Parameter] = {}
    _outputs = 1

    def __init__(self, shared_axes=None, **kwargs):
        specs = {}
        for pname, spec in self._specs.items():
            initializer, regularizer, constraint = (
                kwargs.pop(f"{pname}_{suffix}", getattr(spec, suffix)) for suffix in _SUFFIXES
            )
            specs[pname] = Parameter(
                initializer, regularizer, constraint, trainable=spec.trainable, shape=spec.shape
            )
        super().__init__(shared_axes=shared_axes, **kwargs)
        self._instance_specs = specs

    def parameter_specs(self) -> dict[str, Parameter]:
        return self._instance_specs

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        values = {n: ops.cast(getattr(self, n), self.compute_dtype) for n in self._instance_specs}
        formula = type(self)._formula
        result = formula(x, **values)
        k = self._outputs
        name = getattr(formula, "__name__", repr(formula))
        if isinstance(result, (tuple, list)):
            results = list(result)
        elif k == 1:
            results = [result]
        else:
            raise UserInputError(
                f"{type(self).__name__}: formula {name} must return a tuple of {k} tensors "
                f"(outputs={k}); it returned a single {type(result).__name__}"
            )
        if len(results) != k:
            raise UserInputError(
                f"{type(self).__name__}: formula {name} returned {len(results)} outputs; "
                f"expected outputs={k}"
            )
        expected = tuple(x.shape)
        for i, r in enumerate(results):
            if r is None or not hasattr(r, "shape"):
                raise TypeError(
                    f"{type(self).__name__}: output {i} of formula {name} is not a tensor; "
                    f"received {r!r}"
                )
            if tuple(r.shape) != expected:
                raise UserInputError(
                    f"{type(self).__name__}: output {i} of formula {name} has shape "
                    f"{tuple(r.shape)}; each output must have the input's shape {expected}"
                )
        results = [ops.cast(r, self.compute_dtype) for r in results]
        return results[0] if k == 1 else ops.concatenate(results, axis=-1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self._outputs > 1 and shape[-1] is not None:
            shape[-1] = self._outputs * shape[-1]
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        for pname, spec in self._instance_specs.items():
            config.update(parameter_config(pname, spec))
        config[FINGERPRINT_KEY] = type(self).formula_fingerprint()
        return config

    @classmethod
    def formula_fingerprint(cls) -> list | None:
        """The formula's float32 outputs at fixed probe inputs and parameters (None if it fails).

        Saved in the layer's config; :meth:`from_config` compares it with the
        class of the same name in the loading process.
        """
        cached = cls.__dict__.get("_fingerprint")
        if cached is not None:
            return cached
        x = ops.convert_to_tensor(np.array(_PROBE_X, dtype="float32").reshape(-1, 1))
        params = {n: ops.convert_to_tensor(v) for n, v in _probe_parameters(cls._specs).items()}
        try:
            result = cls._formula(x, **params)
            results = list(result) if isinstance(result, (tuple, list)) else [result]
            values = np.concatenate(
                [np.asarray(ops.convert_to_numpy(r), dtype="float64").ravel() for r in results]
            )
        except Exception:  # a formula the probe cannot call (fixed shapes, a traced context)
            return None
        cls._fingerprint = _encode(values)
        return cls._fingerprint

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if FINGERPRINT_KEY not in config:
            warnings.warn(
                f"the saved {cls.__name__} layer has no formula fingerprint (the file was "
                "saved before learnact recorded one): cannot check that the "
                f"{cls.__name__} defined in this process computes the formula it was saved with",
                stacklevel=2,
            )
        else:
            cls._check_fingerprint(config.pop(FINGERPRINT_KEY))
        return super().from_config(config)

    @classmethod
    def _check_fingerprint(cls, saved) -> None:
        here = cls.formula_fingerprint()
        if saved is None or here is None:  # the probe could not call the formula: no check
            return
        old, new = _decode(saved), _decode(here)
        if old.shape == new.shape and np.allclose(
            new, old, rtol=_FINGERPRINT_RTOL, atol=_FINGERPRINT_ATOL, equal_nan=True
        ):
            return
        where = ""
        if old.shape == new.shape:
            i = int(np.argmax(~np.isclose(new, old, _FINGERPRINT_RTOL, _FINGERPRINT_ATOL, True)))
            x = _PROBE_X[i % len(_PROBE_X)]
            where = f" (at x={x}: saved {old[i]:.6g}, here {new[i]:.6g})"
        raise UserInputError(
            f"the class {cls.__name__} defined in this process computes another formula than "
            f"the saved {cls.__name__} layer{where}; formula fingerprints (outputs at fixed "
            f"probe points) saved {_short(old)} vs here {_short(new)}: make {cls.__name__} "
            "with the formula it was saved with before loading "
            f"(parametric_activation(fn, ..., name={cls.__name__!r})), or give the new formula "
            "another name"
        )


def _short(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:.4g}" for v in values[:4])
    return f"[{shown}{', ...' if len(values) > 4 else ''}] ({len(values)} values)"


def parametric_activation(fn, params=None, outputs=1, name=None):
    """Return a new registered Keras layer class computing ``fn(x, **params)`` elementwise.

    ``y = fn(x, p_1=w_1, ..., p_n=w_n)`` where each ``w_i`` is a weight with one
    value per element of ``input_shape[1:]`` (PReLU's convention; shared along
    ``shared_axes``) plus the Parameter's own trailing ``shape``. With
    ``outputs=k > 1``, ``fn`` returns ``k`` tensors of ``x``'s shape and the
    layer outputs their concatenation on the last axis (last dimension
    ``k * d``). A :class:`Parameter` with ``trainable=False`` is a fixed,
    saved constant: a formula with fixed parameters, without ``Lambda``.

    The class is registered with Keras as ``"learnact>" + class name`` when it
    is created, so ``keras.models.load_model`` finds it in any process that has
    called ``parametric_activation`` with the same ``fn``/``name`` before
    loading (put the call at import time of your module). Calling the factory
    again with the same name replaces the registration.

    A saved layer carries its formula's fingerprint (``formula_fingerprint``
    in its config): the formula's float32 outputs at 8 fixed inputs in
    [-2, 2] with fixed parameter values in [0.5, 1.5). Loading compares it
    with the class of the same name in the loading process (relative
    tolerance 1e-4, for the backends' float32 functions) and refuses a
    different formula; a file without one loads with a warning. A formula
    the probe cannot call (one that needs particular shapes) is not checked.

    Instances accept ``shared_axes``, the base layer arguments, and per-parameter
    overrides ``<param>_initializer``, ``<param>_regularizer``,
    ``<param>_constraint``.

    Args:
        fn: the formula, a callable ``fn(x, **params)`` written with ``keras.ops``.
        params: dict mapping parameter names (Python identifiers, not ``x`` nor
            a Keras layer attribute such as ``name``, ``weights``) to
            :class:`Parameter` specifications.
        outputs: number of tensors ``fn`` returns (``>= 1``).
        name: class name; default ``fn.__name__`` in CamelCase
            (``soft_exp`` -> ``SoftExp``). Required for lambdas.

    Returns:
        A subclass of ``keras.layers.Layer``.

    Raises:
        TypeError: if ``fn`` is not callable, cannot be called as
            ``fn(x, **params)``, or ``params`` is not a dict of Parameters;
            when called, if an output of ``fn`` is not a tensor.
        ValueError: if ``outputs < 1``, a parameter name clashes with ``x`` or
            a layer attribute, or no class name can be derived; when called,
            if ``fn`` returns the wrong number of outputs or an output whose
            shape differs from the input's; when loaded, if the saved layer's
            formula fingerprint differs from this class's.

    Example:
        >>> from keras import ops
        >>> def scaled_tanh(x, a, b):
        ...     return a * ops.tanh(b * x)
        >>> ScaledTanh = parametric_activation(
        ...     scaled_tanh,
        ...     params={"a": Parameter("ones", regularizer="l2"), "b": Parameter("ones")},
        ... )
        >>> layer = ScaledTanh(shared_axes=[1], b_initializer="zeros")
        >>> y = layer(ops.ones((2, 3)))
        >>> [(w.name, tuple(w.shape)) for w in layer.weights], tuple(y.shape)
        ([('a', (1,)), ('b', (1,))], (2, 3))
    """
    if not callable(fn):
        raise TypeError(f"`fn` must be callable, e.g. a function of x; received fn={fn!r}")
    outputs = check_int("outputs", outputs, minimum=1)
    specs = _check_params(params)
    _check_signature(fn, list(specs))
    class_name = _class_name(fn, name)
    namespace = {
        "_formula": staticmethod(fn),
        "_specs": dict(specs),
        "_outputs": outputs,
        "__module__": getattr(fn, "__module__", None) or __name__,
        "__qualname__": class_name,
        "__doc__": (
            f"Layer computing ``{getattr(fn, '__name__', 'fn')}(x, "
            f"{', '.join(specs)})`` elementwise with {outputs} output(s); made by "
            "learnact.layers.parametric_activation."
        ),
    }
    cls = type(class_name, (_ParametricActivation,), namespace)
    return keras.saving.register_keras_serializable(package="learnact")(cls)

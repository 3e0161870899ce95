"""Base class for layers that apply a formula elementwise with learned parameters.

It implements the PReLU conventions once for every learnact activation layer:
per-element parameters of shape ``input_shape[1:]``, ``shared_axes`` collapsing
some of those axes to 1, an input spec that makes a changed feature dimension a
clear Keras error, the refusal of complex inputs, and the config entries of
``shared_axes``.
"""

from __future__ import annotations

import numbers

import keras

from learnact._backend import layers_support_jit
from learnact.errors import UserInputError
from learnact.layers.parameter import Parameter
from learnact.layers.real_inputs import RealInputs


def normalize_shared_axes(shared_axes) -> list[int] | None:
    """Return ``shared_axes`` as a sorted list of ints, or None.

    Raises:
        ValueError: if an entry is not an integer or is the batch axis 0.
    """
    if shared_axes is None:
        return None
    axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
    for axis in axes:
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis == 0:
            raise UserInputError(
                "`shared_axes` must hold non-batch axis indices (ints other than 0); "
                f"received shared_axes={shared_axes!r}"
            )
    return sorted(int(axis) for axis in axes)


class ElementwiseLayer(RealInputs, keras.layers.Layer):
    """A layer computing ``y = f(x; params)`` elementwise, params per element.

    Subclasses implement :meth:`parameter_specs` (name -> :class:`Parameter`) and
    ``call``; this base builds the weights (as attributes of the same name),
    the input spec and the ``shared_axes`` config. Output shape equals input
    shape unless a subclass overrides :meth:`compute_output_shape`.

    Args:
        shared_axes: axes (1-based, as in PReLU; negative counts from the end)
            along which parameters are shared, e.g. ``[1, 2]`` for one set of
            parameters per channel of an image.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).
    """

    # Whether the weights are cast to the compute dtype under mixed precision.
    parameter_autocast = True

    def __init__(self, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        # Not torch.compile on PyTorch (minutes per model; see layers_support_jit).
        self.supports_jit = layers_support_jit(keras.backend.backend())
        self.shared_axes = normalize_shared_axes(shared_axes)

    def parameter_specs(self) -> dict[str, Parameter]:
        """Return the layer's parameter specifications by weight name, in creation order.

        Not called ``parameters``: on the PyTorch backend every Keras layer is a
        ``torch.nn.Module``, whose ``parameters()`` must keep returning tensors
        for ``torch.optim`` and ``state_dict``.
        """
        raise NotImplementedError

    def _resolved_shared_axes(self, ndim: int) -> set[int]:
        resolved = set()
        for axis in self.shared_axes or ():
            positive = axis + ndim if axis < 0 else axis
            if not 1 <= positive < ndim:
                raise UserInputError(
                    f"`shared_axes` entry {axis} is out of range for inputs of rank {ndim}; "
                    f"received shared_axes={self.shared_axes!r}"
                )
            resolved.add(positive)
        return resolved

    def parameter_shape(self, input_shape) -> tuple:
        """Return ``input_shape[1:]`` with every shared axis set to 1."""
        return self._parameter_shape(input_shape, self._resolved_shared_axes(len(input_shape)))

    @staticmethod
    def _parameter_shape(input_shape, shared: set[int]) -> tuple:
        shape = []
        for axis, size in enumerate(input_shape[1:], start=1):
            if axis in shared:
                shape.append(1)
            elif size is None:
                raise UserInputError(
                    f"axis {axis} of the input has unknown size, so it needs a parameter per "
                    f"element it cannot have; add it to `shared_axes` (input shape {input_shape})"
                )
            else:
                shape.append(int(size))
        return tuple(shape)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            raise UserInputError(
                f"{type(self).__name__} expects inputs with a batch axis and at least one "
                f"feature axis; received input shape {input_shape}"
            )
        shared = self._resolved_shared_axes(len(input_shape))
        param_shape = self._parameter_shape(input_shape, shared)
        for name, spec in self.parameter_specs().items():
            weight = self.add_weight(
                name=name,
                shape=param_shape + spec.shape,
                initializer=spec.initializer,
                regularizer=spec.regularizer,
                constraint=spec.constraint,
                trainable=spec.trainable,
                autocast=self.parameter_autocast,
            )
            setattr(self, name, weight)
        axes = {
            axis: input_shape[axis]
            for axis in range(1, len(input_shape))
            if axis not in shared and input_shape[axis] is not None
        }
        self.input_spec = keras.layers.InputSpec(ndim=len(input_shape), axes=axes)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["shared_axes"] = self.shared_axes
        return config

    def build_groups(self, input_shape, groups: int) -> None:
        """Build one set of parameters per group of channels on the last axis (``groups=G``).

        Every parameter of :meth:`parameter_specs` gets shape ``(G,) + spec.shape``;
        the input's last axis must be a known multiple of ``G``.

        Raises:
            UserInputError: ``groups`` does not divide the last axis.

        Example:
            >>> from learnact.layers import Rational
            >>> layer = Rational(5, 4, groups=2)
            >>> layer.build((None, 6))
            >>> tuple(layer.numerator.shape), tuple(layer.denominator.shape)
            ((2, 6), (2, 4))
        """
        input_shape = tuple(input_shape)
        channels = input_shape[-1] if len(input_shape) >= 2 else None
        if channels is None or channels % groups:
            raise UserInputError(
                f"`groups` must divide the last axis of the input ({channels}); "
                f"received groups={groups}"
            )
        for name, spec in self.parameter_specs().items():
            weight = self.add_weight(
                name=name,
                shape=(groups,) + spec.shape,
                initializer=spec.initializer,
                regularizer=spec.regularizer,
                constraint=spec.constraint,
                autocast=self.parameter_autocast,
            )
            setattr(self, name, weight)
        last = len(input_shape) - 1
        self.input_spec = keras.layers.InputSpec(ndim=len(input_shape), axes={last: channels})


def parameter_config(prefix: str, parameter: Parameter) -> dict:
    """Return ``{prefix_initializer, prefix_regularizer, prefix_constraint}`` for a config."""
    return {
        f"{prefix}_initializer": keras.initializers.serialize(parameter.initializer),
        f"{prefix}_regularizer": keras.regularizers.serialize(parameter.regularizer),
        f"{prefix}_constraint": keras.constraints.serialize(parameter.constraint),
    }

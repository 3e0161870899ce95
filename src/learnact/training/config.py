"""The configuration of a training run, and the checks that make it valid and resumable."""

from __future__ import annotations

import dataclasses
import os

from learnact._checks import check_choice, check_int, check_real
from learnact.datasets import DATASETS
from learnact.datasets.loaders import check_test_size
from learnact.errors import UserInputError

# Configuration fields that may change when resuming: they do not change what
# the checkpoint means (epochs extends a finished run; a lower learning rate is
# the remedy after a NaN; data may move; devices may change).
RESUMABLE_CHANGES = ("epochs", "learning_rate", "data_dir", "data_parallel")


class RunError(UserInputError):
    """A run cannot start or continue (configuration mismatch, diverged training)."""


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run of one of :data:`learnact.models.MODELS`.

    Each option a model of :data:`learnact.models.MODELS` may take (a key of
    :data:`learnact.models.registry.OPTIONS`) is a field of the same name.

    Args:
        model: a model name, "expandable-cnn", "baseline-cnn" or "kan".
        order: order of the expansion, 1 to 16 (models that take one).
        expansion: "taylor", "polynomial-dense", "rational" or "none" (also
            "polynomial_dense" and None), for models that take one.
        grid_size: grid intervals of the KAN layers (the "kan" model).
        dataset: "digits", "mnist" or "cifar10".
        data_dir: folder holding the dataset's original archive, or None.
        epochs: number of epochs (in total, counting resumed ones).
        batch_size: examples per step (per process on several hosts).
        learning_rate: Adam's learning rate.
        seed: seed of weights, dropout, shuffling and the data split.
        validation_split: fraction of the training set held out for the
            per-epoch validation metrics, in [0, 0.5].
        test_size: test fraction of the digits split.
        data_parallel: train with ``keras.distribution.DataParallel`` (JAX).

    Example:
        >>> RunConfig(model="baseline-cnn", epochs=2).validated().expansion is None
        True
        >>> RunConfig(order=5, expansion="polynomial-dense").label
        'expandable-cnn:5:polynomial-dense'
    """

    model: str = "expandable-cnn"
    order: int | None = 3
    expansion: str | None = "taylor"
    grid_size: int | None = 5
    dataset: str = "digits"
    data_dir: str | None = None
    epochs: int = 5
    batch_size: int = 16
    learning_rate: float = 1e-3
    seed: int = 0
    validation_split: float = 0.1
    test_size: float = 0.2
    data_parallel: bool = False

    @classmethod
    def from_model_spec(cls, spec: str, **fields) -> RunConfig:
        """Return the checked configuration of model spec ``spec`` plus ``fields``.

        ``spec`` is ``NAME[:OPTION...]`` as ``learnact compare`` takes it
        (``"expandable-cnn:5:rational"``); model options among ``fields``
        (``order``, ``expansion``, ``grid_size``; None: not given) fill what
        the spec leaves out and must agree with what it writes out. An option
        given that the model does not take (an order for ``baseline-cnn``) is
        refused, as :func:`learnact.models.model_spec` refuses it.

        Raises:
            UserInputError: a bad spec, field or option, an option the model
                does not take, or an option given both in ``spec`` and in
                ``fields`` with another value.

        Example:
            >>> RunConfig.from_model_spec("expandable-cnn:5:rational", epochs=2).label
            'expandable-cnn:5:rational'
            >>> RunConfig.from_model_spec("expandable-cnn:5", expansion="rational").label
            'expandable-cnn:5:rational'
            >>> RunConfig.from_model_spec("baseline-cnn", order=5)
            Traceback (most recent call last):
            ...
            learnact.errors.UserInputError: model 'baseline-cnn' takes no options; received order=5
        """
        from learnact.models.registry import OPTIONS, resolve_model_spec

        given = {key: fields.pop(key) for key in list(fields) if key in OPTIONS}
        # None is "not given"; any other value must be an option of the model.
        resolved = resolve_model_spec(spec, **given)
        return cls(model=resolved.name, **resolved.options, **fields).validated()

    def model_spec(self):
        """Return the checked :class:`~learnact.models.ModelSpec` of ``model`` and its options.

        Options the model does not take (a baseline's order) are ignored.

        Raises:
            UserInputError: an unknown model or an invalid option.
        """
        from learnact.models import MODELS, model_spec
        from learnact.models.registry import OPTIONS

        check_choice("model", self.model, MODELS)
        # Each option of a model is a field of the same name here; a None field that
        # None does not mean (an order a model without expansion dropped) is the default.
        options = {key: getattr(self, key) for key in MODELS[self.model].defaults}
        options = {
            key: value
            for key, value in options.items()
            if value is not None or OPTIONS[key].none_is_a_value
        }
        return model_spec(self.model, **options)

    def validated(self) -> RunConfig:
        """Return a checked, normalized copy (a baseline has no order and no expansion).

        Raises:
            UserInputError: naming the first invalid field and its value.
        """
        from learnact.models.registry import OPTIONS

        options = self.model_spec().options
        # Options the model does not take (or drops, as an order without expansion) are None.
        unused = {key: None for key in OPTIONS if key not in options}
        check_choice("dataset", self.dataset, DATASETS)
        check_int("epochs", self.epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_real("learning_rate", self.learning_rate, positive=True)
        check_int("seed", self.seed, minimum=0, maximum=2**32 - 1)
        split = check_real("validation_split", self.validation_split, minimum=0, maximum=0.5)
        test_size = check_test_size(self.test_size)
        data_dir = None if self.data_dir is None else os.fspath(self.data_dir)
        return dataclasses.replace(
            self,
            **options,
            **unused,
            data_dir=data_dir,
            learning_rate=float(self.learning_rate),
            validation_split=split,
            test_size=test_size,
            data_parallel=bool(self.data_parallel),
        )

    def to_dict(self) -> dict:
        """Return the configuration as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @property
    def label(self) -> str:
        """Short name, e.g. ``expandable-cnn:3`` or ``baseline-cnn``."""
        return self.model_spec().label


def check_resume(config: RunConfig, stored: dict | None) -> None:
    """Raise :class:`RunError` if ``config`` differs from the ``stored`` run's identity.

    Example:
        >>> check_resume(RunConfig(epochs=9), RunConfig(epochs=5).to_dict())  # more epochs: fine
        >>> check_resume(RunConfig(seed=1), RunConfig().to_dict())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        learnact.training.config.RunError: cannot resume with a different configuration than ...
    """
    if not stored:
        return
    current = config.to_dict()
    changed = [
        f"{key} {stored.get(key)!r} -> {current[key]!r}"
        for key in current
        if key not in RESUMABLE_CHANGES and stored.get(key) != current[key]
    ]
    if changed:
        raise RunError(
            "cannot resume with a different configuration than the checkpoint ("
            + ", ".join(changed)
            + "); use the same configuration or another run folder"
        )


__all__ = ["RESUMABLE_CHANGES", "RunConfig", "RunError", "check_resume"]

"""Model names and model specs: ``"baseline-cnn"``, ``"expandable-cnn:5:polynomial-dense"``.

A *model spec* names a model of :data:`MODELS` and sets its options:
``NAME[:OPTION[:OPTION...]]``, the options in the order the entry lists
them, trailing ones left at their defaults. ``learnact train``, ``learnact
compare`` and :class:`~learnact.training.RunConfig` all go through
:func:`model_spec`, so a name, an option and its check live here only.

To add a model, add one :data:`MODELS` entry: its builder
``build(input_shape, num_classes, **options)`` and the defaults of the
options a spec may set. A new kind of option also needs a row in
:data:`OPTIONS` (how it is read from a spec, checked and printed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from learnact._checks import check_choice
from learnact.errors import UserInputError
from learnact.layers.limits import check_order
from learnact.models.cnn import baseline_cnn, check_expansion, expandable_cnn
from learnact.models.kan import check_grid_size, kan_classifier


def _parse_int(option: str):
    def parse(text: str, spec: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise UserInputError(f"the {option} in {spec!r} must be an integer") from None

    return parse


@dataclasses.dataclass(frozen=True)
class Option:
    """How one kind of option is read from a spec, checked and written in a label.

    Attributes:
        parse: ``parse(text, spec) -> value`` (raises ``UserInputError``).
        check: ``check(value) -> normalized value`` (raises ``UserInputError``).
        format: ``format(value) -> text`` of a label.
        none_is_a_value: None is a value of the option (``expansion``: none),
            not "not given" (``order``, ``grid_size``: the default then).
    """

    parse: Callable[[str, str], Any]
    check: Callable[[Any], Any]
    format: Callable[[Any], str] = str
    none_is_a_value: bool = False


OPTIONS = {
    "order": Option(parse=_parse_int("order"), check=check_order),
    "expansion": Option(
        parse=lambda text, spec: text,
        check=check_expansion,
        format=lambda value: "none" if value is None else value.replace("_", "-"),
        none_is_a_value=True,
    ),
    "grid_size": Option(parse=_parse_int("grid_size"), check=check_grid_size),
}


def _no_order_without_expansion(options: dict) -> dict:
    if options.get("expansion") is None:
        return {key: value for key, value in options.items() if key != "order"}
    return options


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A model name: its builder and the options a spec may set.

    Attributes:
        build: ``build(input_shape, num_classes, **options)`` returning an
            uncompiled ``keras.Model``.
        defaults: ``{option: default}`` in spec order (each a key of :data:`OPTIONS`).
        normalize: ``normalize(options) -> options`` after the checks (e.g. an
            expandable CNN without expansion drops its order).
    """

    build: Callable[..., Any]
    defaults: dict = dataclasses.field(default_factory=dict)
    normalize: Callable[[dict], dict] | None = None


MODELS = {
    "expandable-cnn": ModelEntry(
        expandable_cnn,
        {"order": 3, "expansion": "taylor"},
        normalize=_no_order_without_expansion,
    ),
    "baseline-cnn": ModelEntry(baseline_cnn),
    "kan": ModelEntry(kan_classifier, {"grid_size": 5}),
}


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model name with checked options; :meth:`build` makes the model.

    Example:
        >>> spec = parse_model_spec("expandable-cnn:5:polynomial-dense")
        >>> spec.label, spec.options
        ('expandable-cnn:5:polynomial-dense', {'order': 5, 'expansion': 'polynomial_dense'})
    """

    name: str
    items: tuple = ()  # ((option, value), ...) in spec order

    @property
    def options(self) -> dict:
        """The options as a dict, in spec order."""
        return dict(self.items)

    @property
    def label(self) -> str:
        """Short name: the spec, default trailing options after the first left out.

        ``baseline-cnn``, ``expandable-cnn:3``, ``expandable-cnn:5:polynomial-dense``,
        ``expandable-cnn:none`` (no expansion, so no order).
        """
        defaults = MODELS[self.name].defaults
        parts = list(self.items)
        # Trailing defaults are left out, but the first option always shows.
        while len(parts) > 1 and parts[-1][1] == defaults[parts[-1][0]]:
            parts.pop()
        texts = [OPTIONS[key].format(value) for key, value in parts]
        return ":".join([self.name, *texts])

    def build(self, input_shape, num_classes):
        """Return the uncompiled model for ``input_shape`` and ``num_classes``."""
        return MODELS[self.name].build(input_shape, num_classes, **self.options)


def model_spec(name: str, **options) -> ModelSpec:
    """Return the checked :class:`ModelSpec` of model ``name`` with ``options``.

    Options the model does not take are refused; missing ones get their defaults.

    Raises:
        UserInputError: an unknown name, an unknown option or an invalid value.

    Example:
        >>> model_spec("expandable-cnn", order=5).label
        'expandable-cnn:5'
    """
    check_choice("model", name, MODELS)
    entry = MODELS[name]
    unknown = sorted(set(options) - set(entry.defaults))
    if unknown:
        takes = ", ".join(entry.defaults) or "no options"
        raise UserInputError(
            f"model {name!r} takes {takes}; received {unknown[0]}={options[unknown[0]]!r}"
        )
    values = {
        key: OPTIONS[key].check(options.get(key, value)) for key, value in entry.defaults.items()
    }
    if entry.normalize is not None:
        values = entry.normalize(values)
    return ModelSpec(name, tuple(values.items()))


def parse_model_spec(text: str) -> ModelSpec:
    """Parse ``NAME[:OPTION...]``, e.g. ``"expandable-cnn:3"`` or ``"baseline-cnn"``.

    Raises:
        UserInputError: an unknown name, more options than the model takes, or
            an invalid option (the message quotes ``text``).

    Example:
        >>> parse_model_spec("expandable-cnn").options
        {'order': 3, 'expansion': 'taylor'}
    """
    name, options = _spec_options(text)
    return model_spec(name, **options)


def _spec_options(text) -> tuple[str, dict]:
    """Return the model name of spec ``text`` and the options it writes out (parsed, unchecked)."""
    if not isinstance(text, str):
        raise UserInputError(f"a model spec must be a string; received {text!r}")
    name, *values = (part.strip() for part in text.strip().split(":"))
    check_choice("model", name, MODELS)
    fields = list(MODELS[name].defaults)
    if len(values) > len(fields):
        if not fields:
            raise UserInputError(f"{name} takes no options; received {text!r}")
        form = ":".join([name, *(f"[{field.upper()}]" for field in fields)])
        raise UserInputError(f"the spec of model {name!r} is {form}; received {text!r}")
    # The first len(values) fields; an empty one (expandable-cnn::rational) is not given,
    # as the spec's form [ORDER]:[EXPANSION] says: its default applies.
    given = [(field, value) for field, value in zip(fields, values, strict=False) if value]
    return name, {field: OPTIONS[field].parse(value, text) for field, value in given}


def resolve_model_spec(text: str, **options) -> ModelSpec:
    """Parse spec ``text`` and apply the ``options`` given apart from it.

    ``options`` are keyword options of the model (None: not given). One the
    spec leaves out is applied; one the spec writes out must agree with it
    (after normalization: ``polynomial-dense`` is ``polynomial_dense``).
    This is how ``learnact train`` reads ``NAME[:OPTION...]`` beside its own
    option arguments, with the same specs as ``learnact compare``.

    Raises:
        UserInputError: a bad spec or option, an option the model does not
            take, or one given both in the spec and apart with another value
            (naming the option, the spec and both values).

    Example:
        >>> resolve_model_spec("expandable-cnn:5:rational").label
        'expandable-cnn:5:rational'
        >>> resolve_model_spec("expandable-cnn:5", expansion="rational", order=None).label
        'expandable-cnn:5:rational'
        >>> resolve_model_spec("expandable-cnn:5", order=3)
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: model spec 'expandable-cnn:5' sets order=5; received ...
    """
    name, from_text = _spec_options(text)
    given = {key: value for key, value in options.items() if value is not None}
    for key, value in given.items():
        if key in from_text:
            check = OPTIONS[key].check
            if check(value) != check(from_text[key]):
                raise UserInputError(
                    f"model spec {text!r} sets {key}={from_text[key]!r}; received "
                    f"{key}={value!r} as well (give it once)"
                )
    return model_spec(name, **{**given, **from_text})


def parse_model_list(models) -> list[ModelSpec]:
    """Parse a comma-separated list of specs (or an iterable of specs / :class:`ModelSpec`).

    Raises:
        UserInputError: an empty list, a bad spec, or a model given twice.

    Example:
        >>> [s.label for s in parse_model_list("baseline-cnn, expandable-cnn:5")]
        ['baseline-cnn', 'expandable-cnn:5']
    """
    items = models.split(",") if isinstance(models, str) else list(models)
    specs, seen = [], set()
    for item in items:
        if isinstance(item, str):
            if not item.strip():
                continue
            spec = parse_model_spec(item)
        elif isinstance(item, ModelSpec):
            spec = item
        else:
            raise UserInputError(f"a model must be a spec string or a ModelSpec; received {item!r}")
        if spec in seen:
            raise UserInputError(f"model {spec.label!r} is listed twice in `models`")
        seen.add(spec)
        specs.append(spec)
    if not specs:
        raise UserInputError(f"`models` lists no model; received models={models!r}")
    return specs


__all__ = [
    "MODELS",
    "OPTIONS",
    "ModelEntry",
    "ModelSpec",
    "Option",
    "model_spec",
    "parse_model_list",
    "parse_model_spec",
    "resolve_model_spec",
]

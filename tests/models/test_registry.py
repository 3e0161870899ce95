"""Model names and specs: parsing, checks, labels, building."""

import pytest

from learnact.errors import UserInputError
from learnact.models import MODELS, model_spec, parse_model_list, parse_model_spec
from learnact.training import RunConfig


def test_parse_specs_and_labels():
    specs = parse_model_list("baseline-cnn, expandable-cnn:3,expandable-cnn:5:polynomial-dense")
    assert [(s.name, s.options) for s in specs] == [
        ("baseline-cnn", {}),
        ("expandable-cnn", {"order": 3, "expansion": "taylor"}),
        ("expandable-cnn", {"order": 5, "expansion": "polynomial_dense"}),
    ]
    assert [s.label for s in specs] == [
        "baseline-cnn",
        "expandable-cnn:3",
        "expandable-cnn:5:polynomial-dense",
    ]
    assert parse_model_spec("expandable-cnn") == parse_model_spec("expandable-cnn:3:taylor")
    # An empty option is not given (the form is NAME:[ORDER]:[EXPANSION]): its default.
    assert parse_model_spec("expandable-cnn::rational").label == "expandable-cnn:3:rational"
    assert parse_model_spec("kan:") == parse_model_spec("kan")
    assert model_spec("expandable-cnn", expansion=None).label == "expandable-cnn:none"


@pytest.mark.parametrize(
    "text, needle",
    [
        ("resnet", "`model` must be one of"),
        ("baseline-cnn:3", "baseline-cnn takes no options"),
        ("expandable-cnn:0", "[1, 16]"),
        ("expandable-cnn:x", "the order in 'expandable-cnn:x' must be an integer"),
        ("expandable-cnn:3:fourier", "`expansion` must be one of"),
        ("expandable-cnn:3:taylor:9", "expandable-cnn:[ORDER]:[EXPANSION]"),
        ("baseline-cnn,baseline-cnn", "twice"),
        (" , ", "lists no model"),
    ],
)
def test_bad_specs(text, needle):
    with pytest.raises(UserInputError) as info:
        parse_model_list(text)
    assert needle in str(info.value)


def test_unknown_options_are_refused():
    with pytest.raises(UserInputError, match="takes no options"):
        model_spec("baseline-cnn", order=3)


def test_every_model_builds_and_run_config_uses_the_same_specs():
    for name in MODELS:
        model = model_spec(name).build((8, 8, 1), 10)
        assert model.output_shape == (None, 10)
    assert RunConfig(model="baseline-cnn").label == "baseline-cnn"  # its order is ignored
    config = RunConfig(order=4, expansion="polynomial-dense").validated()
    assert (config.order, config.expansion, config.label) == (
        4,
        "polynomial_dense",
        "expandable-cnn:4:polynomial-dense",
    )
    assert RunConfig(expansion="none").validated().order is None


def test_resolve_applies_options_the_spec_leaves_out():
    from learnact.models.registry import resolve_model_spec

    assert resolve_model_spec("expandable-cnn:5:rational").label == "expandable-cnn:5:rational"
    spec = resolve_model_spec("expandable-cnn", order=5, expansion="rational")
    assert spec.options == {"order": 5, "expansion": "rational"}
    spec = resolve_model_spec("expandable-cnn:5", order=None, expansion="polynomial-dense")
    assert spec.label == "expandable-cnn:5:polynomial-dense"
    # The same value twice (normalized) is no conflict.
    spec = resolve_model_spec("expandable-cnn:5:polynomial-dense", expansion="polynomial_dense")
    assert spec.options["expansion"] == "polynomial_dense"
    assert resolve_model_spec("kan:10").options == {"grid_size": 10}


def test_resolve_refuses_an_option_given_twice_with_two_values():
    from learnact.models.registry import resolve_model_spec

    with pytest.raises(
        UserInputError,
        match=r"model spec 'expandable-cnn:5:rational' sets order=5; received order=3 as well",
    ):
        resolve_model_spec("expandable-cnn:5:rational", order=3)
    with pytest.raises(
        UserInputError, match="sets expansion='rational'; received expansion='taylor'"
    ):
        resolve_model_spec("expandable-cnn:5:rational", expansion="taylor")
    with pytest.raises(UserInputError, match="takes no options"):
        resolve_model_spec("baseline-cnn", order=3)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RunConfig(expansion="none"),
        lambda: RunConfig(expansion=None, order=5),
        lambda: RunConfig.from_model_spec("expandable-cnn:3:none"),
        lambda: RunConfig.from_model_spec("expandable-cnn", expansion="none"),
    ],
)
def test_an_expandable_cnn_without_expansion_validates_again_and_builds(make):
    # `learnact train --expansion none` offered it, then refused its own order=None.
    config = make().validated()
    assert config.validated() == config and config.label == "expandable-cnn:none"
    assert config.model_spec().options == {"expansion": None}

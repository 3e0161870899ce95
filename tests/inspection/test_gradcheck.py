"""check_layers: every learnact layer class against float64 finite differences."""

import pytest

from learnact.errors import UserInputError
from learnact.inspection import check_layers
from learnact.layers import Parameter, parametric_activation


def test_checks_the_named_layers_in_order():
    checks = check_layers(["TaylorExpansion", "SoftExponential"], batch=2, features=3)
    assert [c.name for c in checks] == ["TaylorExpansion", "SoftExponential"]
    assert all(c.passed for c in checks)
    assert str(checks[0]).startswith("== TaylorExpansion\n") and "PASSED" in str(checks[0])


def _raises_when_called(x, a):
    raise ZeroDivisionError("a broken formula")


BrokenForGradcheck = parametric_activation(
    _raises_when_called, params={"a": Parameter()}, name="BrokenForGradcheck"
)


def test_a_broken_layer_is_reported_not_raised():
    (check,) = check_layers(["BrokenForGradcheck"])
    assert not check.passed and check.report is None
    assert check.error.startswith("ZeroDivisionError: ")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"names": ["NoSuchLayer"]}, "unknown layer 'NoSuchLayer'"),
        ({"batch": 0}, "batch"),
        ({"features": 300}, "features"),
        ({"atol": -1.0}, "atol"),
        ({"rtol": float("nan")}, "rtol"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(UserInputError, match=match):
        check_layers(**kwargs)

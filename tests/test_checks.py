"""The shared argument checks show the whole value received (trial bug: `interval` showed `nan`)."""

import re

import pytest

from learnact._checks import check_interval
from learnact.errors import UserInputError
from learnact.initializers import rational_fit
from learnact.layers import KANDense, Rational

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "value, shown",
    [
        ((0, NAN), "(0, nan)"),
        ((-INF, 1), "(-inf, 1)"),
        ([0, "a"], "[0, 'a']"),
        ((0, 1, 2), "(0, 1, 2)"),
        ("12", "'12'"),
        ((1, 0), "(1, 0)"),
        ((2, 2), "(2, 2)"),
        ((0, "1"), "(0, '1')"),  # a string end is not read as a number
        ((True, 2), "(True, 2)"),  # nor a bool
    ],
)
def test_check_interval_names_the_argument_and_shows_the_whole_value(value, shown):
    with pytest.raises(UserInputError) as info:
        check_interval("interval", value)
    assert str(info.value).startswith("`interval` must ")
    assert str(info.value).endswith(f"received interval={shown}")


@pytest.mark.parametrize(
    "call, shown",
    [
        (lambda: Rational(interval=(0, NAN)), "interval=(0, nan)"),
        (lambda: rational_fit("relu", 3, 2, interval=(INF, 0)), "interval=(inf, 0)"),
        (lambda: KANDense(2, grid_range=(0, NAN)), "grid_range=(0, nan)"),
    ],
)
def test_every_interval_argument_shows_the_whole_interval(call, shown):
    with pytest.raises(UserInputError, match=re.escape(f"received {shown}") + "$"):
        call()

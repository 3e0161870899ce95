"""SnappedKANDense: Keras's layer test, the value of a snapped edge, no NaN from finite input."""

import numpy as np
import pytest
import scipy.special
from keras import ops

from learnact.errors import UserInputError
from learnact.layers import SnappedKANDense
from learnact.layers.snapped_kan import EDGE_FUNCTIONS
from tests.keras_testing import run_layer_test


def test_run_layer_test():
    run_layer_test(
        SnappedKANDense,
        init_kwargs={"units": 3, "symbolic_edges": [[0, 1, "sin"], [1, 2, "J0"]]},
        input_shape=(2, 2),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=4,  # spline, base, bias, affine
        expected_num_non_trainable_weights=1,  # the grid
    )


def test_a_snapped_edge_is_a_g_of_b_x_plus_c_plus_d():
    layer = SnappedKANDense(2, symbolic_edges=[(1, 0, "J0")], base_activation=None)
    x = np.array([[0.3, -0.7], [-2.0, 1.5]], "float32")
    layer.build(x.shape)
    layer.spline_kernel.assign(np.zeros(tuple(layer.spline_kernel.shape), "float32"))
    layer.affine.assign(np.array([[1.5, 2.0, -0.5, 0.25]], "float32"))
    y = np.asarray(ops.convert_to_numpy(layer(x)), np.float64)
    want = 1.5 * scipy.special.j0(2.0 * x[:, 1].astype(np.float64) - 0.5) + 0.25
    np.testing.assert_allclose(y[:, 0], want, atol=1e-6)
    np.testing.assert_array_equal(y[:, 1], 0.0)


@pytest.mark.parametrize("name", sorted(EDGE_FUNCTIONS))
def test_no_nan_from_finite_input(name):
    layer = SnappedKANDense(3, symbolic_edges=[(0, 1, name), (1, 2, "x")])
    column = np.array([0.0, -1.0, 1e-30, -3.4e38, 3.4e38, 1.4e-45], "float32")
    x = np.stack([column, column[::-1]], axis=1)
    y = ops.convert_to_numpy(layer(x))
    assert not np.any(np.isnan(y))


def test_unknown_function_and_repeated_edge():
    with pytest.raises(UserInputError, match="unknown function .no_such_fn."):
        SnappedKANDense(1, symbolic_edges=[(0, 0, "no_such_fn")])
    with pytest.raises(UserInputError, match="twice"):
        SnappedKANDense(1, symbolic_edges=[(0, 0, "sin"), (0, 0, "cos")])


@pytest.mark.parametrize("penalised", [False, True])
def test_numerical_and_snapped_edges_sum_to_the_scipy_reference(penalised):
    # The penalised layer sums its edges; the other contracts the masked kernels.
    from learnact.kan import KANSparsity
    from tests.layers.test_kan_dense import reference_bspline_kan

    rng = np.random.default_rng(21)
    x = rng.uniform(-2.5, 2.5, size=(12, 2)).astype(np.float32)  # negative, past the grid
    layer = SnappedKANDense(
        2,
        symbolic_edges=[(1, 0, "sin")],
        edge_regularizer=KANSparsity(0.1) if penalised else None,
    )
    layer.build(x.shape)
    spline = rng.normal(size=tuple(layer.spline_kernel.shape)).astype(np.float32)
    base = rng.normal(size=(2, 2)).astype(np.float32)
    bias = rng.normal(size=(2,)).astype(np.float32)
    for variable, value in [(layer.spline_kernel, spline), (layer.base_kernel, base)]:
        variable.assign(value)
    layer.bias.assign(bias)
    layer.affine.assign(np.array([[1.5, 2.0, -0.5, 0.25]], "float32"))
    spline[1, :, 0], base[1, 0] = 0.0, 0.0  # the snapped edge's numerical part is masked
    knots = np.asarray(ops.convert_to_numpy(layer.grid), np.float64)
    want = reference_bspline_kan(x, knots, spline, base, bias, 3)
    want[:, 0] += 1.5 * np.sin(2.0 * x[:, 1].astype(np.float64) - 0.5) + 0.25
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, rtol=1e-5, atol=1e-5)
    assert len(layer.losses) == int(penalised)


def test_a_fully_snapped_layer_is_its_closed_forms_without_evaluating_its_splines():
    rng = np.random.default_rng(22)
    x = rng.uniform(-2.5, 2.5, size=(9, 2)).astype(np.float32)
    edges = [(0, 0, "sin"), (1, 0, "x^2"), (0, 1, "exp"), (1, 1, "tanh")]
    layer = SnappedKANDense(2, symbolic_edges=edges)
    layer.build(x.shape)
    for variable in (layer.spline_kernel, layer.base_kernel):  # masked: they must not count
        variable.assign(rng.normal(size=tuple(variable.shape)).astype(np.float32))
    affine = rng.uniform(0.5, 1.5, size=(4, 4)).astype(np.float32)
    layer.affine.assign(affine)
    layer.bias.assign(np.array([0.5, -1.0], "float32"))

    def no_basis(_):
        raise AssertionError("a fully snapped layer evaluated its spline basis")

    layer._features = no_basis
    numeric = {"sin": np.sin, "x^2": np.square, "exp": np.exp, "tanh": np.tanh}
    want = np.tile(np.array([0.5, -1.0]), (len(x), 1))
    for (i, j, name), (a, b, c, d) in zip(edges, affine.astype(np.float64), strict=True):
        want[:, j] += a * numeric[name](b * x[:, i].astype(np.float64) + c) + d
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), want, rtol=1e-5, atol=1e-5)

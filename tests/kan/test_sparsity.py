"""learnact.kan sparsity: pykan's penalty (against NumPy), and pruning that keeps the function."""

import keras
import numpy as np
import pytest

from learnact import kan
from learnact.layers import KANDense
from learnact.training import fit_lbfgs


def _reference_penalty(edges, strength, l1, entropy):
    """pykan's reg() for one layer, on a[i, j] = std over the batch (NumPy, float64)."""
    vec = edges.std(axis=0).T  # pykan's (out, in)
    p_row = vec / (vec.sum(axis=1, keepdims=True) + 1)
    p_col = vec / (vec.sum(axis=0, keepdims=True) + 1)
    e_row = -np.mean(np.sum(p_row * np.log2(p_row + 1e-4), axis=1))
    e_col = -np.mean(np.sum(p_col * np.log2(p_col + 1e-4), axis=0))
    return strength * (l1 * vec.sum() + entropy * (e_row + e_col))


def test_penalty_matches_pykans_formula():
    edges = np.random.default_rng(0).normal(size=(50, 3, 4)) * [[[0.1], [1.0], [3.0]]]
    value = kan.KANSparsity(strength=0.01, l1=1.0, entropy=2.0)(edges.astype("float32"))
    assert float(value) == pytest.approx(_reference_penalty(edges, 0.01, 1.0, 2.0), rel=1e-5)


def test_penalty_arguments_are_checked():
    for name, value in [("strength", -1.0), ("l1", "a"), ("entropy", float("nan"))]:
        with pytest.raises(ValueError, match=f"`{name}`"):
            kan.KANSparsity(**{name: value})


def _scaled_edges(layer, x):
    """pykan's edge sizes before the std: (spline + silu(x) * base) / (std(x) + 0.1), NumPy."""
    x = np.asarray(x, np.float64)
    basis = keras.ops.convert_to_numpy(layer.basis_values(x)).astype(np.float64)
    spline = np.einsum("nik,ikj->nij", basis, keras.ops.convert_to_numpy(layer.spline_kernel))
    silu = x / (1 + np.exp(-x))
    edges = spline + silu[:, :, None] * keras.ops.convert_to_numpy(layer.base_kernel)
    return edges / (x.std(axis=0) + 0.1)[None, :, None]


def test_kandense_adds_the_penalty_of_its_whole_edges_and_saves_it():
    penalty = kan.KANSparsity(strength=0.5)
    layer = KANDense(3, edge_regularizer=penalty, spline_kernel_initializer="random_normal")
    x = np.random.default_rng(1).uniform(-1, 1, (64, 2)).astype("float32")
    layer(x)
    assert len(layer.losses) == 1
    expected = _reference_penalty(_scaled_edges(layer, x), 0.5, 1.0, 2.0)
    assert float(layer.losses[0]) == pytest.approx(expected, rel=1e-4)
    clone = KANDense.from_config(layer.get_config())
    assert isinstance(clone.edge_regularizer, kan.KANSparsity)
    assert clone.edge_regularizer.get_config() == penalty.get_config()


def test_fit_lbfgs_minimises_the_penalty_too():
    x = np.random.default_rng(2).uniform(-1, 1, (128, 2)).astype("float32")
    y = np.sin(np.pi * x[:, :1])
    penalty = kan.KANSparsity(strength=0.01)
    model = keras.Sequential([keras.Input((2,)), KANDense(1, edge_regularizer=penalty)])
    # scipy on every backend: the objective is the one both methods share, and optax's
    # own handling of regularisers is tested in tests/training/test_lbfgs.py.
    history = fit_lbfgs(model, x, y, steps=2, method="scipy")
    layer = model.layers[0]
    mse = np.mean((keras.ops.convert_to_numpy(model(x)) - y) ** 2)
    reg = _reference_penalty(_scaled_edges(layer, x), 0.01, 1.0, 2.0)
    assert history[-1] == pytest.approx(mse + reg, rel=1e-3)


def _model(widths, seed=0):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((widths[0],))]
    layers += [KANDense(w, spline_kernel_initializer="random_normal") for w in widths[1:]]
    return keras.Sequential(layers)


def _out(model, x):
    return keras.ops.convert_to_numpy(model(x.astype("float32"))).astype(np.float64)


def test_pruning_dead_units_keeps_the_function():
    model = _model([2, 5, 1])
    hidden, last = model.layers
    weights = last.get_weights()  # spline_kernel (5, K, 1), base_kernel (5, 1), bias
    weights[1][:] = 1.0  # clearly active edges, whatever the backend's random draw
    weights[0][[1, 3]] = 0.0
    weights[1][[1, 3]] = 0.0
    last.set_weights(weights)
    weights = hidden.get_weights()  # unit 4: nothing comes in (a constant 0.7)
    weights[1][:] = 1.0
    weights[0][:, :, 4] = 0.0
    weights[1][:, 4] = 0.0
    weights[2][4] = 0.7
    hidden.set_weights(weights)
    x = np.random.default_rng(3).uniform(-1, 1, (200, 2))
    before = [w.copy() for w in model.get_weights()]
    pruned = kan.prune(model, x, threshold=1e-2)
    assert [layer.units for layer in pruned.layers] == [2, 1]
    np.testing.assert_allclose(_out(pruned, x), _out(model, x), atol=1e-5)
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)  # the original is not changed


def test_cutting_weak_edges_changes_the_output_by_exactly_their_variation():
    model = _model([3, 2], seed=4)
    layer = model.layers[0]
    x = np.random.default_rng(5).uniform(-1, 1, (300, 3))
    edges = keras.ops.convert_to_numpy(layer.edge_values(x.astype("float32"))).astype(np.float64)
    sizes = edges.std(axis=0)
    threshold = float(np.median(sizes))
    cut = sizes <= threshold
    assert cut.any() and not cut.all()
    pruned = kan.prune(model, x, threshold=threshold, scores="size")
    expected = _out(model, x) - np.where(cut, edges - edges.mean(axis=0), 0.0).sum(axis=1)
    np.testing.assert_allclose(_out(pruned, x), expected, atol=1e-5)


def test_attribution_scores_follow_pykans_recursion():
    # Two layers by hand: a_ij the edge stds, sigma_j the output stds, scores from the end.
    rng = np.random.default_rng(6)
    e1 = rng.normal(size=(40, 2, 3)) * [[[1.0, 0.1, 2.0]]]
    y1 = e1.sum(axis=1)
    e2 = rng.normal(size=(40, 3, 2)) * [[[1.0, 0.5], [0.0, 0.0], [3.0, 1.0]]]
    y2 = e2.sum(axis=1)
    units, edges = kan.attribution_scores([e1, e2], [y1, y2])
    a1, a2 = e1.std(axis=0), e2.std(axis=0)
    s1, s2 = y1.std(axis=0), y2.std(axis=0)
    hidden = np.zeros(3)
    expected_e1 = np.zeros((2, 3))
    for k in range(2):  # one query per output, averaged
        s_hidden = [a2[i, k] / (s2[k] + 1e-4) for i in range(3)]
        hidden += np.array(s_hidden) / 2
        expected_e1 += a1 * np.array(s_hidden)[None, :] / (s1 + 1e-4)[None, :] / 2
    np.testing.assert_allclose(units[1], hidden, rtol=1e-12)
    np.testing.assert_allclose(edges[0], expected_e1, rtol=1e-12)
    np.testing.assert_allclose(units[0], expected_e1.sum(axis=1), rtol=1e-12)
    assert units[1][1] == 0.0  # a unit the output ignores scores nothing


@pytest.mark.parametrize(
    ("edges", "outputs", "named"),
    [
        ([], [], "one array per layer"),
        (np.zeros((4, 2, 3)), [np.zeros((4, 3))], "must be lists"),
        ([np.zeros((4, 2, 3))], [np.zeros((4, 2))], "layer 0"),
        ([np.zeros((4, 2, 3)), np.zeros((4, 2, 1))], [np.zeros((4, 3)), np.zeros((4, 1))], "gives"),
    ],
)
def test_attribution_scores_refuse_bad_arguments(edges, outputs, named):
    with pytest.raises(ValueError, match=named):
        kan.attribution_scores(edges, outputs)


def test_attribution_pruning_cuts_a_unit_the_output_barely_uses():
    model = _model([2, 3, 1], seed=7)
    hidden, last = model.layers
    weights = last.get_weights()
    weights[0][:2] *= 1e3  # units 0 and 1 carry the output; unit 2's edge is sizable
    weights[1][:2] *= 1e3  # by itself but a tiny share of the output's variation
    last.set_weights(weights)
    x = np.random.default_rng(8).uniform(-1, 1, (200, 2))
    h = _out(keras.Sequential([keras.Input((2,)), hidden]), x)
    edge = keras.ops.convert_to_numpy(last.edge_values(h.astype("float32")))[:, 2, 0]
    share = edge.std() / _out(model, x).std()
    assert edge.std() > 1e-2 and share < 1e-2
    assert [layer.units for layer in kan.prune(model, x, scores="size").layers] == [3, 1]
    pruned = kan.prune(model, x, edge_threshold=0.0)
    assert [layer.units for layer in pruned.layers] == [2, 1]
    expected = _out(model, x)[:, 0] - (edge - edge.mean())
    np.testing.assert_allclose(_out(pruned, x)[:, 0], expected, rtol=1e-5, atol=1e-3)


def test_pruning_keeps_the_spline_scales_of_the_kept_edges():
    keras.utils.set_random_seed(10)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            KANDense(4, use_spline_scale=True, spline_kernel_initializer="random_normal"),
            KANDense(1, use_spline_scale=True, spline_kernel_initializer="random_normal"),
        ]
    )
    last = model.layers[1]
    weights = last.get_weights()  # spline_kernel, spline_scale, base_kernel, bias
    weights[1][[1, 3]] = 0.0  # units 1 and 3: their scaled splines are 0,
    weights[2][[1, 3]] = 0.0  # and so are their base branches
    last.set_weights(weights)
    x = np.random.default_rng(11).uniform(-1, 1, (200, 2))
    pruned = kan.prune(model, x, edge_threshold=0.0)
    assert [layer.units for layer in pruned.layers] == [2, 1]
    np.testing.assert_allclose(_out(pruned, x), _out(model, x), atol=1e-5)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(pruned.layers[1].spline_scale), weights[1][[0, 2]]
    )


@pytest.mark.parametrize("threshold", ["0.1", None, -1.0, float("nan")])
def test_prune_refuses_a_bad_threshold(threshold):
    with pytest.raises(ValueError, match="`threshold`"):
        kan.prune(_model([2, 3, 1]), np.zeros((4, 2)), threshold=threshold)


def test_prune_refuses_a_bad_edge_threshold_or_scores():
    with pytest.raises(ValueError, match="`edge_threshold`"):
        kan.prune(_model([2, 3, 1]), np.zeros((4, 2)), edge_threshold=-1.0)
    with pytest.raises(ValueError, match="`scores`"):
        kan.prune(_model([2, 3, 1]), np.zeros((4, 2)), scores="pykan")


@pytest.mark.parametrize("x", [np.zeros((0, 2)), np.array([[np.nan, 0.0]])])
def test_prune_refuses_a_bad_batch(x):
    with pytest.raises(ValueError, match="`x`"):
        kan.prune(_model([2, 3, 1]), x)


def test_prune_needs_a_stack_of_kandense():
    model = keras.Sequential([keras.Input((2,)), KANDense(3), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="Sequential of KANDense"):
        kan.prune(model, np.zeros((4, 2)))

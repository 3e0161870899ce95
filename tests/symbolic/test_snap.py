"""snap: planted sin, exp, x^2 and J0 edges of a KANDense are recovered with their parameters."""

import re

import keras
import numpy as np
import pytest
import scipy.special
import sympy
from keras import ops

from learnact.errors import UserInputError
from learnact.layers import KANDense, SnappedActivation, SnappedKANDense
from learnact.ops.special import bessel_j0
from learnact.symbolic import add_function, formula, snap
from learnact.symbolic.snap import fit_function, library_functions
from tests.symbolic.test_formula import assert_exact

# (function, a, b, c, d) planted on edges 0 -> 0, 1, 2, 3.
PLANTED = [
    ("sin", np.sin, 1.5, 2.0, 0.5, -0.3),
    ("exp", np.exp, 0.7, 1.3, 0.0, 0.2),
    ("x^2", np.square, 2.0, 1.0, 0.4, -0.5),
    ("J0", scipy.special.j0, 1.2, 3.0, 1.0, 0.1),
]


def planted_model():
    """A KANDense(4) on one input whose splines are least-squares fits of the planted edges."""
    layer = KANDense(4, grid_size=40, base_activation=None, use_bias=False)
    model = keras.Sequential([keras.Input((1,)), layer])
    x = np.linspace(-1.0, 1.0, 4001)[:, None]
    basis = np.asarray(ops.convert_to_numpy(layer.basis_values(x.astype("float32"))), np.float64)
    basis = basis[:, 0, :]
    kernel = np.zeros(tuple(layer.spline_kernel.shape))
    for j, (_, g, a, b, c, d) in enumerate(PLANTED):
        target = a * g(b * x[:, 0] + c) + d
        kernel[0, :, j] = np.linalg.lstsq(basis, target, rcond=None)[0]
    layer.spline_kernel.assign(kernel.astype("float32"))
    return model


def data(n=2000, seed=1):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (n, 1)).astype("float32")


@pytest.fixture(scope="module")
def snapped():
    model = planted_model()
    return model, *snap(model, data())


def test_planted_functions_are_recovered_with_their_parameters(snapped):
    _, model, table = snapped
    chosen = {edge.edge: edge.chosen for edge in table.edges}
    for j, (name, _, a, b, c, d) in enumerate(PLANTED):
        fit = chosen[(0, j)]
        assert fit is not None and fit.function == name, (j, fit)
        assert fit.r2 > 0.9999
        fa, fb, fc, fd = fit.params
        if name == "exp":  # a exp(b x + c) = (a e^c) exp(b x): a e^c is what is determined
            got, want = (fa * np.exp(fc), fb, fd), (a * np.exp(c), b, d)
        elif name == "x^2":  # a (b x + c)^2 + d: the polynomial's coefficients
            got = (fa * fb**2, 2 * fa * fb * fc, fa * fc**2 + fd)
            want = (a * b**2, 2 * a * b * c, a * c**2 + d)
        else:
            got, want = (fa, fb, fc, fd), (a, b, c, d)
        np.testing.assert_allclose(got, want, atol=1e-3, rtol=1e-3, err_msg=name)


def test_the_snapped_model_predicts_what_the_splines_did(snapped):
    original, model, _ = snapped
    (layer,) = model.layers
    assert isinstance(layer, SnappedKANDense) and len(layer.symbolic_edges) == 4
    x = data(500, seed=2)
    before = ops.convert_to_numpy(original(x))
    after = ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(after, before, atol=1e-4)


def test_the_snapped_model_saves_and_its_formula_is_exact(snapped, tmp_path):
    _, model, _ = snapped
    path = tmp_path / "snapped.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = data(300, seed=3)
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))
    expressions = formula(loaded)
    assert expressions[0].has(sympy.sin) and expressions[3].has(sympy.besselj)
    assert_exact(loaded, x)


def test_the_table_reads_as_text(snapped):
    _, _, table = snapped
    text = str(table)
    assert text.startswith("snapping (a*g(b*x + c) + d, R^2 >= 0.99):")
    assert "sequential" not in text and "[0 -> 0]: -> sin (a=1.5" in text


def test_a_threshold_nothing_reaches_keeps_every_spline():
    model = planted_model()
    snapped_model, table = snap(model, data(500), library=["x", "tanh"], min_r2=0.99999999)
    assert all(edge.chosen is None for edge in table.edges)
    (layer,) = snapped_model.layers
    assert layer.symbolic_edges == []


def test_bad_input_leaves_the_model_unchanged():
    model = planted_model()
    weights = [w.copy() for w in model.get_weights()]
    bad = data(100)
    bad[3, 0] = np.nan
    with pytest.raises(UserInputError, match="finite.*1 NaN"):
        snap(model, bad)
    with pytest.raises(UserInputError, match="not a known function"):
        snap(model, data(100), library=["sin", "sinh"])
    with pytest.raises(UserInputError, match="numeric twin"):
        add_function("mine", sympy.sinh, None)
    with pytest.raises(UserInputError, match="no KANDense"):
        snap(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]), data(10))
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert type(model.layers[0]) is KANDense


@pytest.mark.parametrize("min_r2", [2, 1.0000001, -0.5, float("nan"), "0.9", None, True])
def test_min_r2_outside_0_1_or_not_a_number_is_refused_model_unchanged(min_r2):
    model = planted_model()
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(
        UserInputError, match=rf"`min_r2`.*received min_r2={re.escape(repr(min_r2))}"
    ):
        snap(model, data(100), min_r2=min_r2)
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert type(model.layers[0]) is KANDense


def test_a_user_function_joins_the_library():
    add_function("sinh", sympy.sinh, np.sinh, ops.sinh, symmetry="odd")
    x = np.linspace(-1, 1, 300)
    fit = fit_function(library_functions(["sinh"])[0], x, 0.5 * np.sinh(2 * x - 0.25) + 1)
    assert fit.r2 > 0.9999999
    np.testing.assert_allclose(fit.params, (0.5, 2.0, -0.25, 1.0), atol=1e-6)


def test_bessel_j0_matches_scipy():
    x = np.concatenate([np.linspace(-30, 30, 2001), [1e30, -3.4e38, 3.0, -3.0]])
    got = np.asarray(ops.convert_to_numpy(bessel_j0(x.astype("float32"))), np.float64)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, scipy.special.j0(x.astype("float32")), atol=3e-7)


def test_inspect_describes_the_snapped_edges(snapped):
    from learnact.inspection import describe

    _, model, _ = snapped
    (layer,) = describe(model, features=2).layers
    assert layer.class_name == "SnappedKANDense"
    assert "4 edge(s) snapped to known functions:" in layer.details.notes
    text = str(describe(model, features=2, digits=3))
    assert "phi[x0 -> y0](sin) = 1.5*sin(2.0*x + 0.5) - 0.3" in text
    assert "phi[x0 -> y3](J0) = 1.2*besselj(0, 3.0*x + 1.0) + 0.1" in text


def test_training_continues_on_the_snapped_parameters():
    from learnact.training import fit_lbfgs

    layer = SnappedKANDense(1, symbolic_edges=[(0, 0, "sin")], use_bias=False)
    model = keras.Sequential([keras.Input((1,)), layer])
    layer.affine.assign(np.array([[1.4, 2.1, 0.4, -0.2]], "float32"))
    x = data(400, seed=4)
    y = 1.5 * np.sin(2.0 * x + 0.5) - 0.3
    fit_lbfgs(model, x, y, steps=5)
    a, b, c, d = ops.convert_to_numpy(layer.affine)[0]
    np.testing.assert_allclose((a, b, c, d), (1.5, 2.0, 0.5, -0.3), atol=1e-3)


def unit_data(n=600, features=3, seed=5, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, (n, features)).astype("float32")


@pytest.fixture(scope="module")
def snapped_rational():
    from learnact.layers import Rational

    model = keras.Sequential([keras.Input((3,)), Rational(approximates="tanh", name="act")])
    return model, *snap(model, unit_data())


def test_a_rational_fitted_to_tanh_snaps_to_tanh_unit_by_unit(snapped_rational):
    original, model, table = snapped_rational
    assert [entry.edge for entry in table.edges] == [(0,), (1,), (2,)]
    for entry in table.edges:
        assert entry.chosen is not None and entry.chosen.function == "tanh", entry
        assert entry.chosen.r2 > 0.9999
        np.testing.assert_allclose(entry.chosen.params, (1.0, 1.0, 0.0, 0.0), atol=2e-2)
    (layer,) = model.layers
    assert isinstance(layer, SnappedActivation) and layer.name == "act"
    x = unit_data(200, seed=6)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(x)), ops.convert_to_numpy(original(x)), atol=2e-3
    )
    assert "act[unit 2]: -> tanh (a=1" in str(table)


def test_a_snapped_activation_saves_and_its_formula_is_exact(snapped_rational, tmp_path):
    _, model, _ = snapped_rational
    model.save(tmp_path / "act.keras")
    loaded = keras.saving.load_model(tmp_path / "act.keras")
    x = unit_data(100, seed=7)
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))
    assert all(e.has(sympy.tanh) for e in formula(loaded))
    assert_exact(loaded, x)


def test_shared_units_snap_and_a_layer_with_a_misfit_unit_is_kept_whole():
    from learnact.layers import SoftExponential, TaylorExpansion

    taylor = TaylorExpansion(2, shared_axes=[1], name="taylor")
    soft = SoftExponential(name="soft")
    model = keras.Sequential([keras.Input((4, 2)), taylor, soft])
    # Per channel: 2 (x - 0.25)^2 - 1 and 0.5 (x + 1)^2: both a (b x + c)^2 + d.
    taylor.coefficients.assign(np.array([[[-0.875, -1.0, 2.0], [0.5, 1.0, 0.5]]], "float32"))
    # Channel 0: exp (snaps); channel 1: 2 log(1 + (t - 0.5) / 2), whose best
    # fit (exp, R^2 0.99994) misses the threshold: the layer is kept whole.
    soft.alpha.assign(np.array([[1.0, -0.5]] * 4, "float32"))
    x = np.random.default_rng(8).uniform(-1.0, 1.0, (300, 4, 2)).astype("float32")
    snapped_model, table = snap(model, x, library=["x^2", "exp"], min_r2=0.99999)
    units = {(e.layer, e.edge): e for e in table.edges}
    assert {edge for layer, edge in units if layer == "taylor"} == {(0,), (1,)}
    for u in (0, 1):
        assert units[("taylor", (u,))].chosen.r2 > 0.9999999
    assert all(units[("soft", (u,))].chosen is None for u in range(8))
    assert units[("soft", (0,))].fits[1].r2 > 0.9999999  # exp fitted, yet kept:
    assert "soft[unit 0]: kept (4 other unit(s) of the layer do not fit)" in str(table)
    first, second = snapped_model.layers
    assert isinstance(first, SnappedActivation) and type(second) is SoftExponential
    np.testing.assert_allclose(
        ops.convert_to_numpy(snapped_model(x)), ops.convert_to_numpy(model(x)), atol=1e-4
    )
    assert_exact(snapped_model, x[:50])


def test_inspect_describes_the_snapped_units(snapped_rational):
    from learnact.inspection import describe

    _, model, _ = snapped_rational
    (layer,) = describe(model, features=2, digits=2).layers
    assert layer.class_name == "SnappedActivation"
    text = str(describe(model, features=2, digits=2))
    assert "3 unit(s), each a*g(b*x + c) + d:" in text and "f[unit 0](tanh) = " in text


def test_the_original_still_works_after_its_snapped_copy_is_trained():
    # On JAX a copy sharing the original's weight buffers loses them when Keras's
    # compiled fit donates the copy's: the snapped model must own its weights.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), KANDense(1, grid_size=8, use_spline_scale=True)])
    x = np.linspace(-1, 1, 128, dtype="float32")[:, None]
    layer = model.layers[0]
    layer.spline_kernel.assign(layer.spline_kernel * 0.0)
    layer.base_kernel.assign(np.ones((1, 1), "float32"))  # silu(x): snaps to nothing simple
    before = model.predict(x, verbose=0)
    snapped, _ = snap(model, x, library=["x"], min_r2=0.0)
    snapped.compile("adam", "mse")
    snapped.fit(x, np.sin(x), epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)


def test_a_simpler_function_wins_only_within_16x_and_above_the_threshold():
    from learnact.symbolic.snap import Fit, choose

    def fits(*r2s):
        return [Fit(name, r2, (1.0, 1.0, 0.0, 0.0)) for name, r2 in zip("xyz", r2s, strict=False)]

    assert choose(fits(0.9999841, 0.999999), 0.99).function == "x"  # 1.59e-5 <= 16 * 1e-6
    assert choose(fits(0.9999839, 0.999999), 0.99).function == "y"  # 1.61e-5 > 16 * 1e-6
    assert choose(fits(0.95, 0.991), 0.99).function == "y"  # within 16x, below min_r2
    assert choose(fits(0.95, 0.98), 0.99) is None

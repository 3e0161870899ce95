"""describe / inspect_model: the learnact layers of a model, their formulas, their curves."""

import keras
import numpy as np
import pytest
from keras import ops

from learnact.errors import UserInputError
from learnact.inspection import describe, inspect_model, load_model
from learnact.inspection.describe import basis_polynomial, series_polynomial
from learnact.layers import Parameter, SoftExponential, parametric_activation
from learnact.models import baseline_cnn, expandable_cnn


def test_polynomials_are_printed_with_sympy():
    assert str(series_polynomial([0.0, 1.0, 0.0, -1 / 6])) == "-0.1667*x**3 + 1.0*x"
    assert str(series_polynomial([1.0, 2.0], center=0.5)) == "2.0*x"  # 1 + 2 (x - 0.5)
    # Chebyshev T2 = 2x^2 - 1, expanded into monomials.
    assert str(basis_polynomial([0.0, 1.0], "chebyshev")) == "2.0*x**2 - 1.0"


@pytest.fixture
def taylor_model():
    model = expandable_cnn((8, 8, 1), 10, order=3)
    layer = model.get_layer("expansion")
    coefficients = np.zeros(tuple(layer.coefficients.shape), "float32")
    coefficients[:, 1] = 1.0
    coefficients[:, 3] = -1 / 6  # x - x^3/6: the start of sin
    coefficients[1, 0] = 0.25
    layer.coefficients.assign(coefficients)
    return model


def test_taylor_layers_give_one_polynomial_per_feature(taylor_model):
    description = describe(taylor_model, features=2)
    (layer,) = description.layers
    assert (layer.name, layer.class_name, layer.weights) == ("expansion", "TaylorExpansion", 2048)
    assert layer.summary.startswith("order=3, center=0.0")
    labels = [label for label, _ in layer.details.formulas]
    texts = [str(expr) for _, expr in layer.details.formulas]
    assert labels == ["f[0](x)", "f[1](x)"]
    assert texts == ["-0.1667*x**3 + 1.0*x", "-0.1667*x**3 + 1.0*x + 0.25"]
    assert layer.details.hidden == 510
    text = str(description)
    assert "    f[1](x) = -0.1667*x**3 + 1.0*x + 0.25" in text and "510 more features" in text


def test_polynomial_dense_gives_its_strongest_connections():
    model = expandable_cnn((8, 8, 1), 10, order=2, expansion="polynomial_dense")
    (layer,) = describe(model, features=3).layers
    assert layer.summary.startswith("order=2") and len(layer.details.formulas) == 3
    weights = model.get_layer("expansion").kernel_by_degree()
    label, expr = layer.details.formulas[0]
    i, j = (int(v) for v in label[2:-4].split(" -> "))
    # g_ij(x) = W_1[i, j] x + W_2[i, j] x^2, to the printed digits.
    x = 0.7
    want = weights[0, i, j] * x + weights[1, i, j] * x**2
    assert float(expr.subs("x", x)) == pytest.approx(want, rel=1e-3, abs=1e-4)


def _shifted_tanh(x, a):
    return ops.tanh(x) + a


ShiftedTanhForInspect = parametric_activation(
    _shifted_tanh, params={"a": Parameter()}, name="ShiftedTanhForInspect"
)


def test_factory_layers_are_listed_with_the_others():
    model = keras.Sequential(
        [
            keras.Input((3,)),
            SoftExponential(name="soft"),
            ShiftedTanhForInspect(name="factory"),
        ],
        name="mixed",
    )
    description = describe(model)
    assert [(l.name, l.class_name) for l in description.layers] == [
        ("soft", "SoftExponential"),
        ("factory", "ShiftedTanhForInspect"),
    ]
    assert str(description).splitlines()[1] == "2 learnact layer(s):"


def test_a_model_without_learnact_layers():
    assert str(describe(baseline_cnn((8, 8, 1), 10))).endswith(
        "no learnact layers (a model with fixed activations only)"
    )


def test_inspect_model_describes_and_plots(tmp_path, taylor_model):
    path = tmp_path / "model.keras"
    taylor_model.save(path)
    report = inspect_model(path, features=1)
    assert report.plot == str(tmp_path / "activations.png")
    assert (tmp_path / "activations.png").stat().st_size > 1000
    lines = str(report).splitlines()
    assert lines[0].startswith(f"{path}: model ")
    assert lines[-1] == f"activation curves written to {tmp_path / 'activations.png'}"
    assert inspect_model(path, plot=False).plot is None


def test_bad_files_and_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path / "missing.keras")
    (tmp_path / "model.h5").write_text("x")
    with pytest.raises(UserInputError, match="not a .keras file"):
        load_model(tmp_path / "model.h5")
    (tmp_path / "broken.keras").write_text("not a zip archive")
    with pytest.raises(UserInputError, match="broken.keras. is not a valid .keras archive"):
        load_model(tmp_path / "broken.keras")
    with pytest.raises(UserInputError, match="x_range"):
        inspect_model(tmp_path / "any.keras", x_range=(1, 0))
    with pytest.raises(UserInputError, match="folder"):
        inspect_model(tmp_path / "any.keras", plot=tmp_path)
    with pytest.raises(UserInputError, match="digits"):
        describe(keras.Sequential([keras.Input((1,))]), digits=0)


def test_safe_mode_stays_on(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(UserInputError, match="(?i)cannot load.*lambda"):
        load_model(path)


def test_rational_layers_print_as_sympy_ratios_that_evaluate_to_the_layer():
    import sympy

    from learnact.inspection.describe import rational_expression
    from learnact.layers import Rational

    assert str(rational_expression([0.0, 1.0], [1.0, -0.5])) == "1.0*x/(0.5*Abs(x) + 1)"
    assert str(rational_expression([1.0], [1.0, 2.0], "pade")) == "1.0/(2.0*x + 1)"
    layer = Rational(3, 2, form="abs_sum", approximates="tanh", name="r")
    model = keras.Sequential([keras.Input((3,)), layer], name="m")
    text = str(describe(model, features=2, digits=8))
    assert "r[0](x) = " in text and "Abs(" in text and "form='abs_sum'" in text
    ((_, expr), _) = describe(model, features=2, digits=8).layers[0].details.formulas
    x = np.array([[-2.0, 0.3, 1.7]], np.float32)
    want = ops.convert_to_numpy(layer(x))[0, 0]
    got = float(expr.subs(sympy.Symbol("x"), -2.0))
    np.testing.assert_allclose(got, want, rtol=1e-5)

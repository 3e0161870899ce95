"""formula(model): sympy.lambdify of the exported formula reproduces the model's predictions."""

import keras
import numpy as np
import pytest
import sympy
from keras import ops

from learnact.errors import UserInputError
from learnact.layers import (
    ComplexSoftExponential,
    Parameter,
    PolynomialDense,
    SoftExponential,
    TaylorExpansion,
    parametric_activation,
)
from learnact.symbolic import formula, register_twin
from learnact.symbolic.formula import input_symbols

RNG = np.random.default_rng(0)


def randomize(model, scale=0.5, rng=RNG):
    """Give every weight of ``model`` random values (biases included), keeping shapes."""
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([rng.normal(0.0, scale, w.shape).astype(w.dtype) for w in weights])


def predictions_and_formula(model, x, inputs=None):
    """Return (model's predictions, the formula's values) on the samples ``x`` (list per input)."""
    xs = x if isinstance(x, list) else [x]
    expressions = formula(model, inputs)
    count = sum(int(np.prod(a.shape[1:])) for a in xs)
    symbols = input_symbols(inputs, count)
    columns = np.concatenate([a.reshape(len(a), -1) for a in xs], axis=-1).astype(np.float64)
    f = sympy.lambdify(symbols, expressions, ["scipy", "numpy"], cse=True)
    got = np.stack(
        [np.broadcast_to(np.asarray(v, np.float64), (len(columns),)) for v in f(*columns.T)],
        axis=-1,
    )
    outputs = model(xs if len(xs) > 1 else xs[0])
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    want = np.concatenate(
        [
            np.asarray(ops.convert_to_numpy(o), np.float64).reshape(len(columns), -1)
            for o in outputs
        ],
        axis=-1,
    )
    return want, got


def assert_exact(model, x, inputs=None):
    """The formula equals the float32 model to float32 rounding (relative to the output scale)."""
    want, got = predictions_and_formula(model, x, inputs)
    assert got.shape == want.shape
    assert np.all(np.isfinite(want))
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * scale)


def uniform(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, shape).astype("float32")


ACTIVATIONS = [
    "linear",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "sigmoid",
    "hard_sigmoid",
    "hard_silu",
    "tanh",
    "softplus",
    "softsign",
    "silu",
    "gelu",
    "exponential",
    "mish",
    "log_sigmoid",
    "softmax",
]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_with_each_fixed_activation(activation):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation), keras.layers.Dense(2)]
    )
    randomize(model, scale=1.0)
    assert_exact(model, uniform(64, 3, low=-4.0, high=4.0))


def test_activation_layers_of_keras():
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(3),
            keras.layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
            keras.layers.Dense(3),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Dense(3),
            keras.layers.Softmax(),
        ]
    )
    randomize(model, scale=1.0)
    assert_exact(model, uniform(64, 3))


def test_learned_and_inference_layers_of_keras():
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(3),
            keras.layers.PReLU(),
            keras.layers.Dense(3),
            keras.layers.ELU(alpha=0.7),
            keras.layers.Dropout(0.5),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("tanh"),
        ]
    )
    randomize(model, scale=1.0)
    model.layers[5].moving_variance.assign(RNG.uniform(0.5, 2.0, (3,)).astype("float32"))
    assert_exact(model, uniform(64, 3))


@pytest.mark.parametrize("basis", ["monomial", "chebyshev"])
@pytest.mark.parametrize("bound", [None, ("tanh", 1.0), ("clip", 1.5)])
def test_polynomial_dense(basis, bound):
    extra = {} if bound is None else {"bound_method": bound[0], "input_bound": bound[1]}
    model = keras.Sequential(
        [
            keras.Input((3,)),
            PolynomialDense(4, order=3, basis=basis, activation="tanh", **extra),
            PolynomialDense(2, order=2, basis=basis),
        ]
    )
    randomize(model)
    assert_exact(model, uniform(64, 3))


@pytest.mark.parametrize(
    "options",
    [
        {"order": 3},
        {"order": 4, "center": 0.5},
        {"order": 3, "parameterization": "cumulative"},
        {"order": 5, "input_bound": 1.5},
        {"order": 3, "input_bound": 1.0, "bound_method": "clip", "center": -0.25},
        {"order": 2, "shared_axes": [1]},
    ],
)
def test_taylor_expansion(options):
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(3),
            TaylorExpansion(**options),
            keras.layers.Dense(2),
        ]
    )
    randomize(model)
    assert_exact(model, uniform(64, 3))


def test_taylor_expansion_terms_on_images():
    model = keras.Sequential(
        [keras.Input((2, 2, 1)), TaylorExpansion(3, merge="terms"), keras.layers.Flatten()]
    )
    randomize(model)
    assert_exact(model, uniform(32, 2, 2, 1))


def test_soft_exponential_both_branches_and_zero():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(5), SoftExponential(), keras.layers.Dense(2)]
    )
    # A generator of its own: the module's shared one makes the draw depend on which
    # tests ran before in the same worker, and some draws left the log branch's domain.
    rng = np.random.default_rng(181)
    randomize(model, scale=0.3, rng=rng)
    alpha = np.array([-0.5, -0.1, 0.0, 0.2, 0.7], "float32")
    model.layers[1].alpha.assign(alpha)
    x = rng.uniform(-1.0, 1.0, (64, 3)).astype("float32")
    # alpha < 0, = 0 and > 0; inputs inside the log branch's domain 1 - alpha (h + alpha) > 0.
    h = keras.ops.convert_to_numpy(model.layers[0](x))
    log_branch = alpha < 0
    assert np.all(1 - alpha[log_branch] * (h[:, log_branch] + alpha[log_branch]) > 0.1)
    assert_exact(model, x)


def test_complex_soft_exponential():
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(4), ComplexSoftExponential(), keras.layers.Dense(2)]
    )
    randomize(model, scale=0.3)
    layer = model.layers[1]
    layer.alpha_real.assign(np.array([-0.4, 0.0, 0.3, -0.2], "float32"))
    layer.alpha_imag.assign(np.array([0.5, 1.5, -0.7, 0.0], "float32"))
    assert_exact(model, uniform(64, 2, low=-1.0, high=1.0))


def test_complex_soft_exponential_computes_a_sinusoid():
    x = sympy.Symbol("x", real=True)
    model = keras.Sequential(
        [keras.Input((1,)), ComplexSoftExponential(alpha_imag_initializer="ones")]
    )
    real, imag = formula(model, [x])
    assert sympy.simplify(real - sympy.sin(x)) == 0
    assert sympy.simplify(imag - (1 - sympy.cos(x) + 1)) == 0  # (1 - cos x) / 1 + 1


def scaled_square(x, a, b):
    return a * x * x + b  # operators only: evaluates on sympy symbols as written


def sin_and_cos(x, w):
    return ops.sin(w * x), ops.cos(w * x)


def test_parametric_activation_with_operators_only():
    Square = parametric_activation(
        scaled_square, {"a": Parameter("ones"), "b": Parameter("zeros")}, name="ScaledSquareF"
    )
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(3), Square(), keras.layers.Dense(1)]
    )
    randomize(model)
    assert_exact(model, uniform(64, 3))


def test_parametric_activation_with_keras_ops_needs_a_twin():
    SinCos = parametric_activation(sin_and_cos, {"w": Parameter("ones")}, outputs=2, name="SinCosF")
    model = keras.Sequential([keras.Input((3,)), SinCos(shared_axes=[1]), keras.layers.Dense(2)])
    randomize(model)
    with pytest.raises(ValueError, match="SinCosF.*register_twin"):
        formula(model)
    register_twin(SinCos, lambda x, w: (sympy.sin(w * x), sympy.cos(w * x)))
    assert_exact(model, uniform(64, 3))


def test_mixed_functional_graph_with_two_inputs_and_two_outputs():
    a, b = keras.Input((2,)), keras.Input((1,))
    h = keras.layers.Dense(3, "tanh")(a)
    soft = SoftExponential()
    s = soft(h)
    t = TaylorExpansion(3)(keras.layers.Dense(3)(b))
    inner = keras.Sequential([keras.Input((3,)), PolynomialDense(3, order=2)])
    added = keras.layers.Add()([s, inner(t)])
    product = keras.layers.Multiply()([added, t])
    joined = keras.layers.Concatenate()([product, keras.layers.Subtract()([s, t])])
    out1 = keras.layers.Dense(2)(joined)
    out2 = keras.layers.Average()([keras.layers.Maximum()([s, t]), keras.layers.Minimum()([s, t])])
    model = keras.Model([a, b], [out1, out2])
    randomize(model)
    randomize(inner)
    # tanh in (-1, 1) stays inside the log branch's domain x > 1/alpha - alpha.
    soft.alpha.assign(np.array([-0.3, 0.1, 0.4], "float32"))
    assert_exact(model, [uniform(64, 2), uniform(64, 1)], inputs="u v w")


def test_a_shared_layer_is_expressed_at_each_call():
    x = keras.Input((2,))
    dense = keras.layers.Dense(2, "sigmoid")
    model = keras.Model(x, dense(dense(x)))
    randomize(model)
    assert_exact(model, uniform(32, 2))


def test_simplify_and_names():
    x, y = sympy.symbols("x y", positive=True)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.layers[0].set_weights([np.array([[2.0], [2.0]], "float32")])
    (expr,) = formula(model, [x, y])
    assert expr == 2 * x + 2 * y
    (simple,) = formula(model, "p q", simplify=True)
    assert str(simple) == "2*p + 2*q"


def test_an_unsupported_layer_is_named():
    model = keras.Sequential([keras.Input((4, 1)), keras.layers.Conv1D(2, 3, name="conv")])
    with pytest.raises(UserInputError, match="'conv' of class Conv1D"):
        formula(model)


def test_more_inputs_than_names():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(UserInputError, match="3 input unit.*names 2"):
        formula(model, ["a", "b"])
    with pytest.raises(UserInputError, match="names"):
        formula(model, ["a", 1, "c"])


def test_a_subclassed_model_is_refused():
    class Custom(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(UserInputError, match="no known inputs"):
        formula(Custom())


def test_a_kan_rational_dense_network_is_exact_and_shares_its_layers():
    """KANDense -> Rational -> Dense -> Rational -> KANDense(chebyshev), random weights.

    Printed as a tree its formula has millions of nodes (each layer repeats
    its input in every Piecewise and Horner term); it is built, and
    evaluated with learnact.symbolic.lambdify, on the shared expressions.
    """
    from learnact.layers import KANDense, Rational
    from learnact.symbolic import lambdify
    from learnact.symbolic.sharing import printed_size

    model = keras.Sequential(
        [
            keras.Input((2,)),
            KANDense(4, grid_size=3, use_spline_scale=True),
            Rational(),
            keras.layers.Dense(3),
            Rational(),
            KANDense(1, basis="chebyshev"),
        ]
    )
    rng = np.random.default_rng(3)
    for variable in model.trainable_weights:  # the knots (not trainable) stay sorted
        variable.assign(rng.normal(0.0, 0.5, variable.shape).astype("float32"))
    (expression,) = formula(model)
    assert expression.has(sympy.Piecewise) and printed_size(expression) > 10**5
    # Inside the grid, on its knots' sides, and beyond it (B-splines are 0 there).
    x = np.concatenate([uniform(200, 2, low=-1.5, high=1.5), uniform(20, 2, low=-3.0, high=3.0)])
    f = lambdify(input_symbols(None, 2), [expression])
    (got,) = f(*x.astype(np.float64).T)
    want = np.asarray(ops.convert_to_numpy(model(x)), np.float64)[:, 0]
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * scale)

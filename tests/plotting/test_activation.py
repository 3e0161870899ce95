"""plot_activation draws what the layers compute; plot_training_curves reads history.csv."""

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from learnact.initializers import Maclaurin
from learnact.layers import ElementwiseLayer, PolynomialDense, TaylorExpansion
from learnact.plotting import plot_activation, plot_training_curves

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _built(layer, shape):
    layer.build((None, *shape))
    return layer


def _curves(figure, axis=0):
    return [line for line in figure.axes[axis].lines if line.get_label().startswith("feature")]


def test_taylor_curves_are_the_layer_outputs():
    layer = _built(TaylorExpansion(order=5, coefficients_initializer=Maclaurin("sin")), (3,))
    figure = plot_activation(layer, x_range=(-2, 2), features=2, num=50)
    lines = _curves(figure)
    assert len(lines) == 2
    x = lines[0].get_xdata()
    expected = np.asarray(layer(np.repeat(x[:, None], 3, axis=1).astype("float32")))
    for k, line in enumerate(lines):
        np.testing.assert_allclose(line.get_ydata(), expected[:, k], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lines[0].get_ydata(), np.sin(x), atol=0.03)  # 5th-order sin


def test_shared_axes_give_one_curve_per_channel():
    layer = _built(TaylorExpansion(order=2, shared_axes=[1, 2]), (4, 4, 3))
    figure = plot_activation(layer, features=10)
    assert [line.get_label() for line in _curves(figure)] == [
        "feature (0, 0, 0)",
        "feature (0, 0, 1)",
        "feature (0, 0, 2)",
    ]


class _Doubling(ElementwiseLayer):
    """Stands for a complex layer: output [Re, Im] on a doubled last axis."""

    def parameter_specs(self):
        return {}

    def call(self, inputs):
        return keras.ops.concatenate([inputs, -inputs], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 2 * input_shape[-1])


def test_doubled_output_is_drawn_as_real_and_imaginary_parts():
    figure = plot_activation(_built(_Doubling(), (2,)), features=[1], identity=False)
    lines = [line for line in figure.axes[0].lines if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["feature 1 (Re)", "feature 1 (Im)"]
    re, im = lines
    np.testing.assert_allclose(im.get_ydata(), -re.get_ydata())


def test_model_gets_one_panel_per_learnact_layer(tmp_path):
    inputs = keras.Input((6,))
    h = TaylorExpansion(order=3, name="series")(keras.layers.Dense(6)(inputs))
    outputs = PolynomialDense(4, order=3, name="poly")(h)
    model = keras.Model(inputs, outputs, name="net")
    figure = plot_activation(model, features=3)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "series (TaylorExpansion)",
        "poly (PolynomialDense)",
    ]
    assert len(_curves(figure, 0)) == 3
    assert all(line.get_label().startswith("input") for line in visible[1].lines[:3])
    figure.savefig(tmp_path / "activations.png")
    assert (tmp_path / "activations.png").stat().st_size > 1000


def test_bad_input():
    with pytest.raises(ValueError, match="not built"):
        plot_activation(TaylorExpansion())
    base = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no learnact activation layer"):
        plot_activation(base)
    with pytest.raises(ValueError, match="must be a learnact"):
        plot_activation(keras.layers.Dense(2))
    layer = _built(TaylorExpansion(), (3,))
    with pytest.raises(ValueError, match="x_range"):
        plot_activation(layer, x_range=(1, -1))
    with pytest.raises(ValueError, match="features"):
        plot_activation(layer, features=[3])


def test_training_curves_from_history_csv(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        "epoch,accuracy,epoch_seconds,loss,val_accuracy,val_loss\r\n"
        "0,0.5,3.0,1.5,0.6,1.2\r\n1,0.8,0.1,0.6,0.85,0.5\r\n"
    )
    figure = plot_training_curves(path, title="run")
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    train, val = figure.axes[0].lines
    np.testing.assert_allclose(train.get_ydata(), [1.5, 0.6])
    np.testing.assert_allclose(val.get_ydata(), [1.2, 0.5])
    figure = plot_training_curves({"loss": [3.0, 2.0, 1.0]})
    assert len(figure.axes) == 1
    with pytest.raises(FileNotFoundError):
        plot_training_curves(tmp_path / "missing.csv")


def test_rational_is_drawn_beside_the_function_it_started_as():
    import numpy as np
    from keras import ops

    from learnact.layers import Rational

    layer = Rational(3, 2, approximates="gelu", name="r")
    layer.build((None, 2))
    figure = plot_activation(layer, features=2)
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["feature 0", "feature 1", "start: gelu"]
    (start,) = [line for line in figure.axes[0].get_lines() if line.get_label() == "start: gelu"]
    x = start.get_xdata()
    np.testing.assert_allclose(start.get_ydata(), layer.starting_function(x))
    curve = figure.axes[0].get_lines()[0].get_ydata()
    want = ops.convert_to_numpy(layer(np.stack([x, x], 1).astype("float32")))[:, 0]
    np.testing.assert_allclose(curve, want, rtol=1e-6)

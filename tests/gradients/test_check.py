"""gradient_check: passes correct layers, catches wrong gradients entry by entry, flags kinks."""

import keras
import numpy as np
import pytest

from learnact.gradients import gradient_check

RNG = np.random.default_rng(0)


class ScaledTanh(keras.layers.Layer):
    """y = x * tanh(w), w per feature, with a hand-written (optionally wrong) gradient."""

    def __init__(self, bad_index=None, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.bad_index = bad_index
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=input_shape[1:], initializer="random_normal")

    def call(self, x):
        mask = np.full(int(np.prod(self.w.shape)), 1.0)
        if self.bad_index is None:
            mask[:] = self.factor
        else:
            mask[self.bad_index] = self.factor
        mask = mask.reshape(self.w.shape)

        @keras.ops.custom_gradient
        def scaled(x, w):
            t = keras.ops.tanh(w)

            def grad(*args, upstream=None):
                up = args[0] if upstream is None else upstream
                dw = keras.ops.sum(up * x, axis=0) * (1 - t**2)
                return up * t, dw * keras.ops.cast(mask, dw.dtype)

            return x * t, grad

        # A tensor holding w's value, not the variable: on TensorFlow a Keras variable is
        # itself a tensor, and tf.custom_gradient refuses a function that reads a variable
        # unless its gradient function also returns gradients for `variables`.
        return scaled(x, keras.ops.copy(self.w))

    def get_config(self):
        return {**super().get_config(), "bad_index": self.bad_index, "factor": self.factor}


def test_dense_passes_with_tiny_errors():
    report = gradient_check(keras.layers.Dense(3), RNG.standard_normal((4, 5)))
    assert report.passed
    assert [t.name for t in report.tensors][0] == "input"
    assert len(report.tensors) == 3
    assert all(t.max_abs_error < 1e-9 for t in report.tensors)
    text = str(report)
    assert "PASSED" in text and "dense" in text and "max abs err" in text


def test_sequential_model_and_ops_function():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, "tanh"), keras.layers.Dense(2)]
    )
    assert gradient_check(model, RNG.standard_normal((2, 3))).passed
    report = gradient_check(keras.ops.tanh, RNG.standard_normal((3, 3)))
    assert report.passed and report.tensors[0].checked == 9


def test_one_percent_off_custom_gradient_fails():
    report = gradient_check(ScaledTanh(factor=1.01), RNG.standard_normal((2, 6)))
    assert not report.passed
    weight = report.tensors[1]
    assert weight.failures == 6
    assert weight.autodiff == pytest.approx(1.01 * weight.numerical, rel=1e-6)
    assert report.tensors[0].passed  # the input gradient is right
    assert "FAIL" in str(report)


def test_single_wrong_entry_among_1e5_is_found_at_its_index():
    report = gradient_check(
        ScaledTanh(bad_index=54321, factor=1.001), RNG.standard_normal((2, 100_000))
    )
    assert not report.passed
    weight = report.tensors[1]
    assert weight.screened and weight.failures == 1
    assert weight.worst_index == (54321,)
    assert weight.max_rel_error == pytest.approx(1e-3, rel=1e-3)
    assert report.tensors[0].passed  # the 2x10^5 input entries are screened and fine


def test_correct_large_tensor_passes_screening():
    report = gradient_check(ScaledTanh(), RNG.standard_normal((2, 20_000)))
    assert report.passed
    assert report.evaluations < 200


def test_relu_at_zero_is_a_kink_not_a_failure():
    report = gradient_check(keras.layers.ReLU(), np.array([[0.0, 1.0, -2.0, 0.5]]))
    assert report.passed
    assert report.tensors[0].kinks == [(0, 0)]


def test_x64_mode_and_keras_promotion_are_restored():
    # Keras's own promotion of float64 with a Python float, per backend: JAX and PyTorch
    # demote 64-bit results to 32 bits (JAX without x64), TensorFlow keeps them.
    keras_default = "float64" if keras.backend.backend() == "tensorflow" else "float32"
    assert keras.backend.result_type("float64", float) == keras_default
    gradient_check(keras.layers.Dense(2), np.ones((1, 2)))
    # gradient_check lifts the demotion only inside.
    assert keras.backend.result_type("float64", float) == keras_default
    if keras.backend.backend() == "jax":
        import jax

        assert not jax.config.jax_enable_x64


def test_the_users_layer_is_left_alone():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    before = [w.copy() for w in layer.get_weights()]
    gradient_check(layer, np.ones((2, 3)))
    assert layer.dtype == "float32"
    for a, b in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"atol": 0}, "atol"), ({"rtol": -1.0}, "rtol"), ({"max_entries": 0}, "max_entries")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gradient_check(keras.layers.Dense(2), np.ones((1, 2)), **kwargs)


def test_bad_inputs_and_target():
    with pytest.raises(ValueError, match="finite"):
        gradient_check(keras.layers.Dense(2), np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="target"):
        gradient_check(42, np.ones((1, 2)))

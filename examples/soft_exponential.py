"""The soft exponential's claims (Godfrey & Gashler 2015), checked with learnact.

1. A two-layer network with alpha = -1 (logarithm) then alpha = 1
   (exponential) computes x * y exactly for positive inputs:
   exp(ln x + ln y) = x y.
2. A network with soft exponential activations trained on products over
   [1, 2]^2 extrapolates to [2, 4]^2 far better than the same network with
   ReLU, which can only continue piecewise linearly.

Run: ``python examples/soft_exponential.py`` (about 30-60 s on a CPU, JAX).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from learnact.layers import SoftExponential  # noqa: E402
from learnact.models import product_network  # noqa: E402


def exact_multiplier() -> keras.Model:
    """Dense(identity) -> soft exp(-1) = ln -> Dense(sum) -> soft exp(1) = exp."""
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, use_bias=False, kernel_initializer="identity"),
            SoftExponential(alpha_initializer=keras.initializers.Constant(-1.0)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="ones"),
            SoftExponential(alpha_initializer=keras.initializers.Constant(1.0)),
        ]
    )
    return model


def products(rng, low, high, n):
    x = rng.uniform(low, high, (n, 2)).astype("float32")
    return x, np.prod(x, axis=1, keepdims=True)


def extrapolation_errors(seed: int, epochs: int = 100) -> dict:
    """Train both nets on [1, 2]^2; return their test MSE on [2, 4]^2."""
    rng = np.random.default_rng(seed)
    x_train, y_train = products(rng, 1.0, 2.0, 1024)
    x_test, y_test = products(rng, 2.0, 4.0, 1024)
    errors = {}
    for activation in ("soft_exponential", "relu"):
        keras.utils.set_random_seed(seed)
        model = product_network(activation)
        model.compile(keras.optimizers.Adam(0.01), "mse")
        model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=0)
        errors[activation] = float(model.evaluate(x_test, y_test, verbose=0))
    return errors


def main():
    x = np.array([[1.5, 2.0], [3.0, 7.0], [0.1, 42.0], [1e-3, 1e3]], dtype="float32")
    got = exact_multiplier().predict(x, verbose=0)[:, 0]
    print("exact multiplier: x * y =", np.prod(x, axis=1), " network =", got)
    print(f"  max relative error {np.max(np.abs(got / np.prod(x, axis=1) - 1)):.1e}")

    print("trained on [1,2]^2, test MSE on [2,4]^2 (targets 4..16):")
    for seed in (0, 1, 2):
        errors = extrapolation_errors(seed)
        softexp, relu = errors["soft_exponential"], errors["relu"]
        print(f"  seed {seed}: soft exponential {softexp:.3g}   ReLU {relu:.3g}")


if __name__ == "__main__":
    main()

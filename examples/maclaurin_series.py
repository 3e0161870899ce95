"""Seed 000 answered with learnact: "How to implement a Maclaurin series in Keras?"

The asker wants each node of a CNN "decomposed into several nodes with
different orders and coefficients": a learnable series ``sum_p c_p x^p`` per
node. The accepted answer builds it from tile, pow, two LocallyConnected2D and a
cumsum (gone from Keras 3). With learnact it is one layer:

1. the answer's ``taylor_expansion_network`` (its exact two-weight form);
2. the node "decomposed into several nodes": the terms as separate outputs;
3. the asker's ``expandable_cnn`` trained on the embedded digits, and the
   series it learned, printed as formulas.

Run:  .venv/bin/python examples/maclaurin_series.py   (about a minute on 2 CPU cores)
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import sympy  # noqa: E402

from learnact.datasets import load_dataset  # noqa: E402
from learnact.layers import TaylorExpansion  # noqa: E402
from learnact.models import expandable_cnn  # noqa: E402


def taylor_expansion_network(input_dim, max_pow):
    """The accepted answer's model, same weights (alpha, w), no Lambda layers."""
    inputs = keras.Input((input_dim,))
    outputs = TaylorExpansion(order=max_pow, parameterization="cumulative")(inputs)
    return keras.Model(inputs, outputs)


def main():
    keras.utils.set_random_seed(0)

    # 1. The answer's network: starts as the identity, weights alpha and w per node.
    net = taylor_expansion_network(input_dim=512, max_pow=3)
    x = np.random.default_rng(0).normal(size=(4, 512)).astype("float32")
    print(
        "1. answer's network:",
        [w.shape for w in net.weights],
        "identity at init:",
        bool(np.array_equal(net.predict(x, verbose=0), x)),
    )

    # 2. One node decomposed into order + 1 nodes c_p x^p.
    terms = TaylorExpansion(order=3, merge="terms")(x[:1, :2])
    print("2. terms of two nodes (c_p x^p, p = 0..3):\n", keras.ops.convert_to_numpy(terms))

    # 3. The asker's expandable CNN on 8x8 digits (CIFAR-10 works the same way).
    (x_train, y_train), (x_test, y_test) = load_dataset("digits")
    model = expandable_cnn(x_train.shape[1:], num_classes=10, order=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"3. expandable CNN test accuracy: {accuracy:.3f}")

    series = next(layer for layer in model.layers if isinstance(layer, TaylorExpansion))
    coefficients = series.effective_coefficients()
    h = sympy.Symbol("h")
    for feature in range(3):
        poly = sum(round(float(c), 3) * h**p for p, c in enumerate(coefficients[feature]))
        print(f"   learned node {feature}: {poly}")


if __name__ == "__main__":
    main()

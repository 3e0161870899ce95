"""product_network: with the paper's weights it is exactly x * y; bad activations refused."""

import numpy as np
import pytest
from keras import ops

from learnact.models import product_network


def test_paper_weights_multiply_exactly():
    model = product_network()
    # W1 = I, alpha1 = -1 (logarithm), w2 = (1, 1), alpha2 = 1 (exponential).
    model.set_weights(
        [
            np.eye(2, dtype="float32"),
            -np.ones(2, "float32"),
            np.ones((2, 1), "float32"),
            np.ones(1, "float32"),
        ]
    )
    x = np.random.default_rng(0).uniform(0.05, 20.0, size=(32, 2)).astype(np.float32)
    got = ops.convert_to_numpy(model(x))[:, 0]
    np.testing.assert_allclose(got, x[:, 0].astype(np.float64) * x[:, 1], rtol=1e-5)


def test_fixed_activation_variant_and_bad_name():
    assert [type(layer).__name__ for layer in product_network("relu").layers] == [
        "Dense",
        "Activation",
        "Dense",
        "Activation",
    ]
    with pytest.raises(ValueError, match="activation"):
        product_network("no_such_activation")

"""The accepted Stack Overflow answer, run as written on tf_keras, against TaylorExpansion.

Keras 3 dropped ``LocallyConnected2D``; ``tf_keras`` (Keras 2) still has it, so
the answer's ``taylor_expansion_network`` runs unchanged there: tile, pow,
``LocallyConnected2D``, cumsum, ``LocallyConnected2D``, sum. Given random
weights, copied into ``TaylorExpansion(parameterization="cumulative")``, both
give the same outputs and the same gradients with respect to both weights, to
float32 rounding. ``test_taylor.py`` holds the backend-free NumPy transcription.
"""

import numpy as np
import pytest
from keras import ops

from learnact.layers import TaylorExpansion
from tests.autodiff import grad
from tests.conftest import backend

pytestmark = pytest.mark.skipif(
    backend() != "tensorflow",
    reason="tf_keras (Keras 2, which has LocallyConnected2D) runs on TensorFlow: TensorFlow leg",
)

INPUT_DIM = 6
BATCH = 32
# float32 sums of n terms: a few hundred epsilons relative to the sum of |terms|.
REL = 1e-6


def answer_network(input_dim, max_pow):
    """The answer's ``taylor_expansion_network``, copied as written (imports added)."""
    import tensorflow as tf
    from tf_keras.layers import Input, Lambda, LocallyConnected2D
    from tf_keras.models import Model

    def taylor_expansion_network(input_dim, max_pow):
        x = Input((input_dim,))

        # 1. Raise input x_i to power p_i for each i in [0, max_pow].
        def raise_power(x, max_pow):
            x_ = x[..., None]  # Shape=(batch_size, input_dim, 1)
            x_ = tf.tile(
                x_, multiples=[1, 1, max_pow + 1]
            )  # Shape=(batch_size, input_dim, max_pow+1)
            pows = tf.range(0, max_pow + 1, dtype=tf.float32)  # Shape=(max_pow+1,)
            x_p = tf.pow(x_, pows)  # Shape=(batch_size, input_dim, max_pow+1)
            x_p_ = x_p[..., None]  # Shape=(batch_size, input_dim, max_pow+1, 1)
            return x_p_

        x_p_ = Lambda(lambda x: raise_power(x, max_pow))(x)

        # 2. Multiply by alpha coefficients
        h = LocallyConnected2D(
            filters=1,
            kernel_size=1,  # This layer is computing a_i * x^{p_i} for each i in [0, max_pow]
            use_bias=False,
        )(x_p_)  # Shape=(batch_size, input_dim, max_pow+1, 1)

        # 3. Compute s_i for each i in [0, max_pow]
        def cumulative_sum(h):
            h = tf.squeeze(h, axis=-1)  # Shape=(batch_size, input_dim, max_pow+1)
            s = tf.cumsum(
                h, axis=-1
            )  # s_i = sum_{j=0}^i h_j. Shape=(batch_size, input_dim, max_pow+1)
            s_ = s[..., None]  # Shape=(batch_size, input_dim, max_pow+1, 1)
            return s_

        s_ = Lambda(cumulative_sum)(h)

        # 4. Compute sum w_i * s_i each i in [0, max_pow]
        s_ = LocallyConnected2D(
            filters=1,  # This layer is computing w_i * s_i for each i in [0, max_pow]
            kernel_size=1,
            use_bias=False,
        )(s_)  # Shape=(batch_size, input_dim, max_pow+1)
        y = Lambda(lambda s_: tf.reduce_sum(tf.squeeze(s_, axis=-1), axis=-1))(
            s_
        )  # Shape=(batch_size, input_dim)

        # Return Taylor expansion model
        model = Model(inputs=x, outputs=y)
        model.summary()
        return model

    return taylor_expansion_network(input_dim, max_pow)


def _scale(x, alpha, w):
    """Per output element: the sum of |terms| that float32 rounding is relative to."""
    x_p = np.power(np.abs(x.astype(np.float64))[..., None], np.arange(alpha.shape[-1]))
    return np.sum(np.abs(w) * np.cumsum(np.abs(alpha) * x_p, axis=-1), axis=-1)


@pytest.mark.parametrize("order", range(1, 7))
def test_answer_as_written_and_cumulative_taylor_agree_in_values_and_gradients(order):
    import tensorflow as tf

    rng = np.random.default_rng(order)
    x = rng.uniform(-1.5, 1.5, size=(BATCH, INPUT_DIM)).astype(np.float32)
    x[0, 0] = 0.0  # 0^0 == 1 on both sides
    alpha = rng.normal(size=(INPUT_DIM, order + 1)).astype(np.float32)
    w = rng.normal(size=(INPUT_DIM, order + 1)).astype(np.float32)

    answer = answer_network(INPUT_DIM, order)
    first, second = (layer for layer in answer.layers if "locally_connected" in layer.name)
    # A 1x1 LocallyConnected2D over (input_dim, order+1) positions, row-major:
    # kernel[i * (order+1) + p, 0, 0] multiplies x_i^p.
    assert first.get_weights()[0].shape == (INPUT_DIM * (order + 1), 1, 1)
    first.set_weights([alpha.reshape(-1, 1, 1)])
    second.set_weights([w.reshape(-1, 1, 1)])

    layer = TaylorExpansion(order=order, parameterization="cumulative")
    layer.build(x.shape)
    layer.set_weights([alpha, w])

    scale = _scale(x, alpha, w)
    want = answer(x).numpy()
    got = ops.convert_to_numpy(layer(x))
    assert want.shape == got.shape == (BATCH, INPUT_DIM)
    np.testing.assert_array_less(np.abs(got - want), REL * scale + 1e-30)

    # Gradients of sum(r * y) with respect to both weights, on both sides.
    r = rng.normal(size=(BATCH, INPUT_DIM)).astype(np.float32)
    with tf.GradientTape() as tape:
        s = tf.reduce_sum(answer(x) * r)
    g_first, g_second = tape.gradient(s, [first.kernel, second.kernel])

    def loss(alpha, w):
        y, _ = layer.stateless_call([alpha, w], [], x)
        return ops.sum(y * r)

    g_alpha, g_w = grad(loss, alpha, w)
    # d/d alpha_p = sum_b r x^p sum_{q>=p} w_q; d/d w_q = sum_b r s_q: bounded by |.| sums.
    x_p = np.power(np.abs(x.astype(np.float64))[..., None], np.arange(order + 1))
    r_abs = np.abs(r.astype(np.float64))[..., None]
    tail_w = np.cumsum(np.abs(w)[..., ::-1], axis=-1)[..., ::-1]
    bound_alpha = np.sum(r_abs * x_p * tail_w, axis=0)
    bound_w = np.sum(r_abs * np.cumsum(np.abs(alpha) * x_p, axis=-1), axis=0)
    np.testing.assert_array_less(
        np.abs(g_alpha - g_first.numpy().reshape(INPUT_DIM, order + 1)),
        REL * bound_alpha + 1e-30,
    )
    np.testing.assert_array_less(
        np.abs(g_w - g_second.numpy().reshape(INPUT_DIM, order + 1)), REL * bound_w + 1e-30
    )
    # Not trivially small: the gradients are of the order of their bounds.
    assert np.abs(g_alpha).max() > 0.01 * bound_alpha.max()

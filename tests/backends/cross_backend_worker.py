"""Run in a fresh process per backend by ``test_cross_backend.py``.

``save DIR``: build, compile (Keras's default ``jit_compile="auto"``), move
every weight off its initial value and save a model holding every learnact layer family as
``DIR/<backend>.keras``, with its predictions on fixed inputs as
``DIR/<backend>.npy``. ``load DIR``: load every ``DIR/*.keras`` and write its
predictions on this backend as ``DIR/<saved on>-on-<backend>.npy``.
"""

import pathlib
import sys

import keras
import numpy as np

import learnact.layers  # noqa: F401  (registers the layer classes for loading)
from learnact.layers import (
    ComplexSoftExponential,
    KANDense,
    PolynomialDense,
    Rational,
    SoftExponential,
    TaylorExpansion,
)

INPUTS = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")


def build() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(6),
            TaylorExpansion(order=3, parameterization="cumulative"),
            PolynomialDense(5, order=2, basis="chebyshev", input_bound=2.0),
            SoftExponential(alpha_initializer=keras.initializers.Constant(0.3)),
            ComplexSoftExponential(alpha_real_initializer=keras.initializers.Constant(-0.2)),
            Rational(),
            KANDense(4, grid_size=4),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    # Every weight moved off its initial value (as training would), the same on every backend.
    rng = np.random.default_rng(1)
    model.set_weights([w + 0.1 * rng.standard_normal(w.shape) for w in model.get_weights()])
    return model


def main(mode: str, folder: str) -> None:
    folder = pathlib.Path(folder)
    backend = keras.backend.backend()
    if mode == "save":
        model = build()
        model.save(folder / f"{backend}.keras")
        np.save(folder / f"{backend}.npy", model.predict(INPUTS, verbose=0))
        return
    for path in sorted(folder.glob("*.keras")):
        model = keras.saving.load_model(path)
        np.save(folder / f"{path.stem}-on-{backend}.npy", model.predict(INPUTS, verbose=0))


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Run in a fresh process per backend by ``test_cross_backend.py``: ``DIR BACKEND...``.

Build, compile (Keras's default ``jit_compile="auto"``), move every weight off
its initial value and save a model holding every learnact layer family as
``DIR/<backend>.keras``, with its predictions on fixed inputs as
``DIR/<backend>.npy``; then, once every named backend has done so, load each
``DIR/<saved on>.keras`` and write its predictions on this backend as
``DIR/<saved on>-on-<backend>.npy``.
"""

import os
import pathlib
import sys
import time

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


def main(folder: str, *backends: str) -> None:
    """Save this backend's file, wait for every other backend's, then load them all.

    One process per backend does both halves, so that each pays Keras's start-up
    once; a file appears under its final name only when complete (written aside,
    then renamed), and its predictions last, so they mark it done.
    """
    folder = pathlib.Path(folder)
    backend = keras.backend.backend()
    aside = folder / f"writing-{backend}"
    aside.mkdir()
    model = build()
    model.save(aside / f"{backend}.keras")
    np.save(aside / f"{backend}.npy", model.predict(INPUTS, verbose=0))
    os.replace(aside / f"{backend}.keras", folder / f"{backend}.keras")
    os.replace(aside / f"{backend}.npy", folder / f"{backend}.npy")
    deadline = time.monotonic() + 300
    while not all((folder / f"{other}.npy").exists() for other in backends):
        if time.monotonic() > deadline:
            sys.exit(f"{backend}: the other backends' files did not appear in 300 s")
        time.sleep(0.1)
    for other in backends:
        model = keras.saving.load_model(folder / f"{other}.keras")
        np.save(folder / f"{other}-on-{backend}.npy", model.predict(INPUTS, verbose=0))


if __name__ == "__main__":
    main(*sys.argv[1:])

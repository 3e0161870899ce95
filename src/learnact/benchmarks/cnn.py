"""CNN suite: seconds per training epoch of ``expandable_cnn`` vs ``baseline_cnn``.

Both models are the CNN of :mod:`learnact.models.cnn` on the default dataset (``digits``,
8x8x1, 10 classes), compiled alike (Adam, sparse categorical cross-entropy)
and trained with ``model.fit(..., epochs=1)``; the first epoch (tracing and
compilation) is not timed. Epochs of the candidates are interleaved.
"""

from __future__ import annotations

import time

import keras

from learnact.benchmarks.timing import Candidate, compare, target

EXPANSIONS = {
    "taylor3": ("taylor", 3),
    "taylor10": ("taylor", 10),
    "polydense3": ("polynomial_dense", 3),
}
QUICK_EXPANSIONS = {"taylor3": ("taylor", 3)}


def _epoch(model, x, y, batch_size):
    def run():
        model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0, shuffle=True)

    return run


def run(quick: bool = False) -> dict:
    """Run the suite; return ``{"suite", "rows", "targets"}`` (ratios to ``baseline``)."""
    from learnact.datasets import load_dataset
    from learnact.models import baseline_cnn, expandable_cnn

    (x, y), _ = load_dataset("digits", seed=0)
    if quick:
        x, y = x[:256], y[:256]
    shape, classes = x.shape[1:], int(y.max()) + 1
    keras.utils.set_random_seed(0)
    models = {"baseline": baseline_cnn(shape, classes)}
    for name, (expansion, order) in (QUICK_EXPANSIONS if quick else EXPANSIONS).items():
        models[name] = expandable_cnn(shape, classes, order=order, expansion=expansion)
    candidates = []
    for name, model in models.items():
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        candidates.append(
            Candidate(name, _epoch(model, x, y, 32), {"samples": len(x), "batch_size": 32})
        )
    start = time.perf_counter()
    rows = compare(
        candidates, "baseline", repeats=3 if quick else 9, warmup=1, sample_s=0.0, max_inner=1
    )
    for row in rows:
        row["seconds_per_epoch"] = row["median_ms"] / 1e3
    targets = [
        target(f"{r['name']} epoch / baseline epoch", r["ratio"], 1.15)
        for r in rows
        if r["name"] == "taylor3"  # the default expansion; the others are reported only
    ]
    return {
        "suite": "cnn",
        "rows": rows,
        "targets": targets,
        "wall_s": time.perf_counter() - start,
    }

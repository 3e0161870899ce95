"""Rational suite: ``Rational(5, 4)`` forward+backward against PReLU, series and its autodiff form.

Candidates, per input size:

* ``prelu``: ``keras.layers.PReLU`` (the ratios' baseline);
* ``taylor5``, ``taylor10``: :class:`~learnact.layers.TaylorExpansion` of
  order 5 and 10 (its fused polyval backward);
* ``rational54``: :class:`~learnact.layers.Rational` ``(5, 4)``, safe form,
  coefficients per element (PReLU's convention), fused backward;
* ``rational54_autodiff``: the same layer evaluated by
  :func:`learnact.ops.rational.rational_autodiff` (the same values, left to
  the backend's autodiff);
* ``rational54_g1``: one rational for the whole layer (``groups=1``, PAU's
  default), fused backward;
* ``rational54_xla`` (JAX only): ``rational54`` with learnact's native CPU
  kernels switched off (``learnact.ops._native.disabled``): the fused XLA
  program they replace, timed in the same run; the result's
  ``native_kernels`` says whether ``rational54`` ran them;
* ``pau54`` (PyTorch backend only): the ``rational_activations`` package's
  ``Rational`` (version A = the safe form, CPU path) inside
  ``keras.layers.TorchModuleWrapper``, when it imports.

Ratios are to ``prelu``; ``speedup_vs_autodiff`` is ``rational54_autodiff /
rational54``. Memory (JAX): the compiled step's temporaries.

On PyTorch the suite runs with one intra-op thread (``TORCH_THREADS``, the
previous count restored after): with PyTorch's default (one thread per core)
its OpenMP workers spin-wait for cores that other processes hold on a shared
machine, and a step became 10-200x slower and erratic (PReLU 237 ms instead
of 1.1 ms at 256x512 on two busy cores); the suite then did not finish in 16
minutes. One thread is what each candidate costs per core, with no
scheduling noise. The thread count is in the result (``torch_threads``).
"""

from __future__ import annotations

import contextlib

import keras

from learnact.benchmarks.steps import backend, random_inputs, time_layers
from learnact.benchmarks.timing import target

SIZES = {"256x512": (256, 512), "1024x512": (1024, 512), "64x8x8x32": (64, 8, 8, 32)}
QUICK_SIZES = {"64x128": (64, 128)}
# PyTorch intra-op threads while the suite runs (see the module docstring).
TORCH_THREADS = 1


@contextlib.contextmanager
def _torch_threads():
    """Run with :data:`TORCH_THREADS` PyTorch threads (torch backend only); yield the count."""
    if backend() != "torch":
        yield None
        return
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    try:
        yield TORCH_THREADS
    finally:
        torch.set_num_threads(saved)


def _autodiff_rational(**kwargs):
    """A Rational whose maths is left to autodiff (the fused path's own baseline)."""
    from learnact.layers import Rational
    from learnact.ops.rational import rational_autodiff

    class AutodiffRational(Rational):
        def call(self, inputs):
            return rational_autodiff(inputs, self.numerator, self.denominator, form=self.form)

    return AutodiffRational(**kwargs)


def _xla_rational(**kwargs):
    """A Rational that keeps JAX's XLA path (learnact's native CPU kernels switched off)."""
    from learnact.layers import Rational
    from learnact.ops import _native

    class XlaRational(Rational):
        def call(self, inputs):
            with _native.disabled():
                return super().call(inputs)

    return XlaRational(**kwargs)


def pau_layer():
    """``rational_activations``' PyTorch Rational(5, 4), version A, wrapped for Keras.

    Returns:
        ``(layer, None)``, or ``(None, reason)`` when it cannot be used (not
        the torch backend, or the package does not import: the reason is
        the exception's text).
    """
    if backend() != "torch":
        return None, "PyTorch backend only"
    try:
        from rational.torch import Rational as PAU
    except Exception as error:  # any import failure is the answer, reported as text
        return None, f"{type(error).__name__}: {error}"
    return keras.layers.TorchModuleWrapper(PAU("leaky_relu", (5, 4), cuda=False, version="A")), None


def _layers():
    from learnact.layers import Rational, TaylorExpansion

    layers = {
        "prelu": lambda: keras.layers.PReLU(),
        "taylor5": lambda: TaylorExpansion(order=5),
        "taylor10": lambda: TaylorExpansion(order=10),
        "rational54": lambda: Rational(5, 4),
        "rational54_autodiff": lambda: _autodiff_rational(),
        "rational54_g1": lambda: Rational(5, 4, groups=1),
    }
    if backend() == "jax":
        layers["rational54_xla"] = lambda: _xla_rational()
    pau, _ = pau_layer()
    if pau is not None:
        layers["pau54"] = lambda: pau_layer()[0]
    return layers


def run(quick: bool = False) -> dict:
    """Run the suite; return ``{"suite", "rows": [...], "targets": [...]}``.

    Each row: size, candidate, median/quartile times (ms), ratio to PReLU,
    compiled temporary memory (JAX), and for ``rational54`` the speed-up over
    ``rational54_autodiff``. A ``pau54`` row that could not run says why.
    On PyTorch, ``"torch_threads"``: the intra-op threads it ran with.
    """
    sizes = QUICK_SIZES if quick else SIZES
    with _torch_threads() as threads:
        rows = _timed_rows(sizes, quick)
    _, reason = pau_layer()
    if reason is not None:
        rows.append({"size": "-", "name": "pau54", "skipped": reason})
    result = {"suite": "rational", "rows": rows, "targets": _targets(rows)}
    if backend() == "jax":
        from learnact.ops import _native

        result["native_kernels"] = _native.status()
    if threads is not None:
        result["torch_threads"] = threads
    return result


def _timed_rows(sizes, quick):
    rows = []
    timed = time_layers(_layers(), random_inputs(sizes), "prelu", repeats=30, quick=quick)
    for results in timed.values():
        by_name = {r["name"]: r for r in results}
        fused = by_name["rational54"]
        fused["speedup_vs_autodiff"] = by_name["rational54_autodiff"]["ratio"] / fused["ratio"]
        rows.extend(results)
    return rows


def _targets(rows):
    """The issue's speed targets at 256x512 (or the only size in quick mode), memory at each."""
    by_size: dict = {}
    for r in rows:
        if "ratio" in r:
            by_size.setdefault(r["size"], {})[r["name"]] = r
    size = "256x512" if "256x512" in by_size else next(iter(by_size))
    at = by_size[size]
    targets = [
        target(f"rational54 / prelu at {size}", at["rational54"]["ratio"], 1.5),
        target(
            f"rational54_autodiff / rational54 at {size}",
            at["rational54"]["speedup_vs_autodiff"],
            2.0,
            higher=True,
        ),
    ]
    # The memory target holds at every size (the images too), not only the first.
    for each, here in by_size.items():
        if "memory_mb" in here["rational54"] and "memory_mb" in here["taylor10"]:
            targets.append(
                target(
                    f"rational54 / taylor10 compiled memory at {each}",
                    here["rational54"]["memory_mb"] / max(here["taylor10"]["memory_mb"], 1e-9),
                    1.0,
                )
            )
    return targets

"""Side-by-side timing: warm-up, interleaved rounds, medians and paired ratios.

On a shared machine absolute times drift with the load of other processes,
so candidates are never timed one after the other. Every round runs each
candidate once, in a fresh random order; a candidate's ratio to the baseline
is the median over rounds of ``time(candidate) / time(baseline)`` *within the
same round*, which cancels most of the drift that medians of absolute times
still carry.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from learnact.errors import UserInputError


@dataclass
class Candidate:
    """One thing to time.

    Attributes:
        name: label in tables and JSON.
        run: callable doing one unit of work and returning when it is done
            (for JAX, after ``block_until_ready``).
        info: extra facts reported next to the timing (sizes, memory, error).
    """

    name: str
    run: Callable[[], object]
    info: dict = field(default_factory=dict)


def _calibrate(run, target_s: float, max_inner: int) -> int:
    """Return how many calls make one sample last about ``target_s`` seconds."""
    start = time.perf_counter()
    run()
    once = time.perf_counter() - start
    if once <= 0:
        return max_inner
    return max(1, min(max_inner, int(target_s / once)))


def compare(
    candidates: list[Candidate],
    baseline: str | None = None,
    *,
    repeats: int = 30,
    warmup: int = 3,
    sample_s: float = 0.005,
    max_inner: int = 200,
    seed: int = 0,
) -> list[dict]:
    """Time ``candidates`` side by side; return one result dict per candidate.

    Each sample calls a candidate ``inner`` times in a row (``inner`` chosen
    so that a sample lasts about ``sample_s``, to swamp timer resolution) and
    records the mean time per call. ``repeats`` rounds are run, each timing
    every candidate once in a shuffled order.

    Formula:
        ratio(c) = median_r [ t_r(c) / t_r(baseline) ]   over rounds r

    Args:
        candidates: what to time (names must be unique).
        baseline: name of the candidate ratios are taken against; None for
            no ratios.
        repeats: rounds (samples per candidate).
        warmup: untimed calls per candidate first (compilation, caches).
        sample_s: target duration of one sample, seconds.
        max_inner: cap on calls per sample.
        seed: seed of the per-round shuffles.

    Returns:
        List of dicts ``{"name", "median_ms", "p25_ms", "p75_ms",
        "inner", "repeats", "ratio", **info}`` in the candidates' order
        (``ratio`` is None without a baseline).

    Raises:
        ValueError: duplicate names or an unknown baseline.

    Example:
        >>> rows = compare([Candidate("a", lambda: None), Candidate("b", lambda: None)], "a")
        >>> rows[0]["ratio"]
        1.0
    """
    names = [c.name for c in candidates]
    if len(set(names)) != len(names):
        raise UserInputError(f"candidate names must be unique; received {names}")
    if baseline is not None and baseline not in names:
        raise UserInputError(f"`baseline` must be one of {names}; received baseline={baseline!r}")
    for candidate in candidates:
        for _ in range(warmup):
            candidate.run()
    inner = {c.name: _calibrate(c.run, sample_s, max_inner) for c in candidates}
    samples: dict[str, list[float]] = {name: [] for name in names}
    rng = random.Random(seed)
    order = list(candidates)
    for _ in range(repeats):
        rng.shuffle(order)
        for candidate in order:
            n = inner[candidate.name]
            start = time.perf_counter()
            for _ in range(n):
                candidate.run()
            samples[candidate.name].append((time.perf_counter() - start) / n)
    results = []
    for candidate in candidates:
        times = samples[candidate.name]
        quartiles = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
        ratio = None
        if baseline is not None:
            paired = [t / b for t, b in zip(times, samples[baseline], strict=True)]
            ratio = statistics.median(paired)
        results.append(
            {
                "name": candidate.name,
                "median_ms": statistics.median(times) * 1e3,
                "p25_ms": quartiles[0] * 1e3,
                "p75_ms": quartiles[2] * 1e3,
                "inner": inner[candidate.name],
                "repeats": repeats,
                "ratio": ratio,
                **candidate.info,
            }
        )
    return results


def target(name: str, value: float, limit: float, higher: bool = False) -> dict:
    """Return a target record ``{"name", "value", "limit", "higher", "met"}``.

    ``met`` is ``value <= limit`` (a ratio to keep low), or ``value >= limit``
    with ``higher=True`` (a speed-up to reach).
    """
    met = value >= limit if higher else value <= limit
    return {"name": name, "value": value, "limit": limit, "higher": higher, "met": bool(met)}

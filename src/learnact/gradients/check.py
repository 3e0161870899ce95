"""``gradient_check``: autodiff against float64 finite differences, entry by entry.

What is compared. For a target ``y = T(x; w)`` (a Keras layer, model, or a
function of tensors) the scalar ``s = sum(r * y)`` with a fixed random ``r``
is formed, and ``ds/dt`` from the backend's autodiff is compared with finite
differences of ``s`` for every input and trainable weight ``t``, all in
float64 (see :mod:`learnact.gradients.autodiff`).

Per-entry verdicts. Entry ``i`` passes when ``|a_i - n_i| <= atol + rtol*|n_i|``
(``a`` autodiff, ``n`` numerical): the tolerance of one entry never grows with
the size of the tensor (unlike a check of a whole directional derivative,
which hides one wrong entry among many). ``n_i`` is Richardson's
``(4*D(h) - D(2h)) / 3`` of central differences with ``h = eps**(1/4) *
max(1, |t_i|)``, accurate to ~1e-10 in float64.

Kinks. With ``g(h) = (s(t+h) - 2 s(t) + s(t-h)) / h`` (forward minus backward
difference), a smooth ``s`` has ``g(2h) = 2 g(h)`` up to O(h^3), while a jump
``J`` of the derivative within ``2h`` (ReLU at 0, abs, max) gives
``g(2h) - 2 g(h) ~ -J``. A jump of the *value* (a formula switching branch
near the point) is caught by central differences that stop converging: a
smooth ``s`` has ``D(h) - D(h/2) ~ (D(2h) - D(h)) / 4``; a ratio near 1/2
means a jump of the second derivative only (``s`` is C^1: the soft
exponential at ``alpha = 0``), handled by first-order extrapolation
``2 D(h/2) - D(h)``. Entries where a test fires are reported as kinks and
not judged.

Cost. Tensors of at most ``max_entries`` entries are checked entry by entry:
6 evaluations of ``s`` per entry (steps +-h, +-2h, +-h/2) plus one, vectorised with ``jax.vmap`` on
JAX. Larger tensors are screened: a group of entries is perturbed along a
random +-1 direction ``u`` and the directional difference is compared with
``a . u`` at the per-entry tolerance ``atol`` (a single entry off by more
than ``atol`` shows up in full, whatever the group size, because float64
differences of ``s`` are accurate to ~1e-9 even for 10**5 entries); a group
that disagrees is halved until single entries are reached, so a single wrong
entry among 10**5 costs ~6*17 evaluations, and a tensor that is wrong
everywhere is localised along ``beam`` paths only (it fails anyway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from learnact._checks import check_int, check_real
from learnact.errors import UserInputError
from learnact.gradients._differences import central, richardson, scaled_steps
from learnact.gradients.autodiff import Problem, float64_scope

_EPS = float(np.finfo(np.float64).eps)
_MAX_STACK = 2**23  # numbers per perturbed stack handed to the backend at once


@dataclass
class TensorCheck:
    """The comparison for one tensor (an input or a trainable weight).

    Attributes:
        name: ``"input"``, ``"input[i]"`` or the weight's path.
        shape: its shape.
        checked: entries compared one by one.
        screened: whether the tensor was group-screened (``size > max_entries``).
        max_abs_error: largest ``|a - n|`` seen (entries, and group
            discrepancies when screened).
        max_rel_error: largest ``|a - n| / (|n| + atol)`` over the entries.
        worst_index: index of the entry closest to (or furthest past) its
            tolerance, or None.
        autodiff: autodiff value at ``worst_index``.
        numerical: numerical value at ``worst_index``.
        failures: entries found outside tolerance.
        unresolved: groups that disagree but were not localised (beam/budget).
        kinks: indices where one-sided differences disagree (not judged).
    """

    name: str
    shape: tuple
    checked: int = 0
    screened: bool = False
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    worst_index: tuple | None = None
    autodiff: float = math.nan
    numerical: float = math.nan
    failures: int = 0
    unresolved: int = 0
    kinks: list = field(default_factory=list)
    _worst_ratio: float = -1.0

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def passed(self) -> bool:
        return self.failures == 0 and self.unresolved == 0

    def _record(self, flat, a, n, atol, rtol):
        err = abs(a - n)
        ratio = err / (atol + rtol * abs(n))
        self.checked += 1
        self.max_abs_error = max(self.max_abs_error, err)
        self.max_rel_error = max(self.max_rel_error, err / (abs(n) + atol))
        if ratio > 1:
            self.failures += 1
        if ratio > self._worst_ratio:
            self._worst_ratio = ratio
            self.worst_index = tuple(int(i) for i in np.unravel_index(flat, self.shape))
            self.autodiff, self.numerical = float(a), float(n)


@dataclass
class GradientCheckReport:
    """Result of :func:`gradient_check`; ``print(report)`` shows a table.

    Attributes:
        tensors: one :class:`TensorCheck` per input and trainable weight.
        atol, rtol: the per-entry tolerances used.
        backend: the Keras backend that computed the autodiff gradients.
        evaluations: how many times the target was evaluated.
    """

    tensors: list
    atol: float
    rtol: float
    backend: str
    evaluations: int = 0

    @property
    def passed(self) -> bool:
        """True when every entry of every tensor is within tolerance (kinks excepted)."""
        return all(t.passed for t in self.tensors)

    def __bool__(self):
        return self.passed

    def __str__(self) -> str:
        header = (
            "tensor",
            "shape",
            "checked",
            "max abs err",
            "max rel err",
            "worst index",
            "autodiff",
            "numerical",
            "kinks",
            "result",
        )
        rows = [header]
        for t in self.tensors:
            if t.passed:
                result = "ok"
            elif t.failures:
                result = f"FAIL ({t.failures} entries" + (
                    f", {t.unresolved} groups)" if t.unresolved else ")"
                )
            else:
                result = f"FAIL ({t.unresolved} groups)"
            checked = f"{t.checked}/{t.size}" + (" +screen" if t.screened else "")
            rows.append(
                (
                    t.name,
                    str(t.shape),
                    checked,
                    f"{t.max_abs_error:.2e}",
                    f"{t.max_rel_error:.2e}",
                    "-" if t.worst_index is None else str(t.worst_index),
                    f"{t.autodiff:.6g}",
                    f"{t.numerical:.6g}",
                    str(len(t.kinks)),
                    result,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(
            f"{verdict}: |autodiff - numerical| <= {self.atol:g} + {self.rtol:g}*|numerical| "
            f"per entry (float64, backend {self.backend}, {self.evaluations} evaluations)"
        )
        return "\n".join(lines)


class _Prober:
    """Evaluates directional Richardson differences and kink tests for one tensor."""

    def __init__(self, problem, k, s0, atol):
        self.problem = problem
        self.k = k
        self.base = problem.tensors[k]
        self.flat = self.base.reshape(-1)
        self.s0 = s0
        self.atol = atol
        self.evaluations = 0

    def probe(self, directions):
        """For directions ``[(indices, signs)]`` return (derivative, kink) arrays."""
        size = self.flat.size
        values = []
        # One step per direction, set by the largest entry it moves.
        steps = scaled_steps(
            "second", np.array([np.max(np.abs(self.flat[i])) for i, _ in directions])
        )
        offsets = (1.0, -1.0, 2.0, -2.0, 0.5, -0.5)
        copies = len(offsets)
        chunk = max(1, _MAX_STACK // (copies * size))
        for start in range(0, len(directions), chunk):
            part = directions[start : start + chunk]
            stack = np.repeat(self.flat[None, :], copies * len(part), axis=0)
            for j, (idx, signs) in enumerate(part):
                h = steps[start + j]
                for c, mult in enumerate(offsets):
                    stack[copies * j + c, idx] += mult * h * signs
            stack = stack.reshape((-1,) + self.base.shape)
            values.append(self.problem.values_with(self.k, stack).reshape(len(part), copies))
            self.evaluations += stack.shape[0]
        v = np.concatenate(values)
        if not np.all(np.isfinite(v)):
            bad = int(np.argmin(np.all(np.isfinite(v), axis=1)))
            raise UserInputError(
                f"the target is not finite near the given point (perturbing "
                f"{self.problem.names[self.k]} along direction {bad}); gradient_check needs "
                "finite values around its inputs and weights"
            )
        sp1, sm1, sp2, sm2, sph, smh = v.T
        d2, d1, dh = (
            central(sp2, sm2, 2 * steps),
            central(sp1, sm1, steps),
            central(sph, smh, steps / 2),
        )
        derivative = richardson([d2, d1])[-1][-1]  # error O(h**4)
        # Rounding in a difference quotient at the smallest step h/2.
        noise = 64 * _EPS * (abs(self.s0) + np.max(np.abs(v), axis=1) + 1) / (steps / 2)
        floor = np.maximum(noise, 0.01 * self.atol)
        # Kink: forward and backward differences differ by a jump J, the same at h and 2h,
        # where a smooth s gives g(2h) = 2 g(h).
        gap1 = (sp1 - 2 * self.s0 + sm1) / steps
        gap2 = (sp2 - 2 * self.s0 + sm2) / (2 * steps)
        kink = np.abs(gap2 - 2 * gap1) > np.maximum(floor, 0.1 * self.atol)
        # How D(h) converges as h halves: a smooth s has D(h) - D(h/2) ~ (D(2h) - D(h)) / 4
        # (error O(h^2)); a second derivative that jumps at the point (the soft exponential
        # at alpha = 0 is C^1, not C^2) gives a ratio 1/2 (error O(h)), extrapolated by
        # 2 D(h/2) - D(h); anything slower (a value jump, a branch switch) is not judged.
        fine_change = np.abs(d1 - dh)
        coarse_change = np.abs(d2 - d1)
        first_order = (fine_change > 0.375 * coarse_change + floor) & (
            fine_change <= 0.625 * coarse_change + floor
        )
        derivative = np.where(first_order, richardson([d1, dh], power=1)[-1][-1], derivative)
        kink |= fine_change > 0.625 * coarse_change + floor
        return derivative, kink


def gradient_check(
    target,
    inputs,
    *,
    atol=1e-6,
    rtol=1e-5,
    max_entries=1024,
    beam=8,
    max_failures=10,
    seed=0,
):
    """Compare autodiff gradients of a Keras layer/model/function with finite differences.

    See the module docstring for what is compared, the per-entry criterion
    ``|a - n| <= atol + rtol*|n|``, kink detection and cost.

    Args:
        target: a Keras layer or model (built or not; weights are copied into
            a float64 twin, the original is left alone), or a function of
            backend tensors such as ``keras.ops.tanh``.
        inputs: one array or a list/tuple of arrays (the target's positional
            inputs); the gradient is taken at these values.
        atol, rtol: per-entry tolerances (the scale is that of ``s = sum(r*y)``
            with ``r ~ N(0, 1)``).
        max_entries: tensors up to this size are checked entry by entry;
            larger ones are screened by groups (still catching single entries).
        beam: how many disagreeing groups are followed per level when
            localising errors in a screened tensor.
        max_failures: stop localising in a tensor after this many failing
            entries (the report fails anyway).
        seed: seed of the projection ``r`` and of the random directions.

    Returns:
        :class:`GradientCheckReport` (``report.passed``; ``print(report)``).

    Raises:
        ValueError: bad arguments, a target that cannot be rebuilt in
            float64, or a target that is not finite near the point.

    Example:
        >>> import keras
        >>> report = gradient_check(keras.layers.Dense(3), np.ones((2, 4)))
        >>> report.passed
        True
    """
    import keras

    atol = check_real("atol", atol, positive=True)
    rtol = check_real("rtol", rtol)
    if rtol < 0:
        raise UserInputError(f"`rtol` must be >= 0; received rtol={rtol!r}")
    max_entries = check_int("max_entries", max_entries, minimum=1)
    beam = check_int("beam", beam, minimum=1)
    max_failures = check_int("max_failures", max_failures, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if isinstance(inputs, (list, tuple)):
        arrays = list(inputs)
    else:
        arrays = [inputs]
    checked_inputs = []
    for i, x in enumerate(arrays):
        arr = np.asarray(keras.ops.convert_to_numpy(x) if not isinstance(x, np.ndarray) else x)
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise UserInputError(f"`inputs[{i}]` must be real numbers; received dtype {arr.dtype}")
        if arr.size == 0 or not np.all(np.isfinite(arr)):
            raise UserInputError(f"`inputs[{i}]` must be non-empty and finite; received {arr!r}")
        checked_inputs.append(arr.astype(np.float64))

    with float64_scope():
        problem = Problem(target, checked_inputs, seed=seed)
        grads = problem.gradients()
        s0 = problem.value()
        rng = np.random.default_rng(seed + 1)
        report = GradientCheckReport([], atol, rtol, keras.backend.backend(), evaluations=2)
        for k, (name, tensor, grad) in enumerate(
            zip(problem.names, problem.tensors, grads, strict=True)
        ):
            check = TensorCheck(name, tuple(tensor.shape))
            prober = _Prober(problem, k, s0, atol)
            a = grad.reshape(-1)
            if tensor.size <= max_entries:
                _check_entries(check, prober, a, np.arange(tensor.size), atol, rtol)
            else:
                check.screened = True
                _screen(check, prober, a, rng, atol, rtol, beam, max_failures)
            report.evaluations += prober.evaluations
            report.tensors.append(check)
    return report


def _check_entries(check, prober, a, indices, atol, rtol):
    directions = [(np.array([i]), np.ones(1)) for i in indices]
    if not directions:
        return
    n, kink = prober.probe(directions)
    for i, ni, ki in zip(indices, n, kink, strict=True):
        if ki:
            check.kinks.append(tuple(int(j) for j in np.unravel_index(i, check.shape)))
        else:
            check._record(int(i), a[i], ni, atol, rtol)


def _screen(check, prober, a, rng, atol, rtol, beam, max_failures):
    groups = [np.arange(a.size)]
    while groups:
        singles = [g for g in groups if g.size == 1]
        multi = [g for g in groups if g.size > 1]
        if singles:
            _check_entries(check, prober, a, np.concatenate(singles), atol, rtol)
        if not multi:
            break
        directions = [(g, rng.choice([-1.0, 1.0], size=g.size)) for g in multi]
        n, kink = prober.probe(directions)
        suspicious = []
        for (g, signs), ni, ki in zip(directions, n, kink, strict=True):
            gap = abs(float(a[g] @ signs) - ni)
            check.max_abs_error = max(check.max_abs_error, gap if not ki else 0.0)
            if ki or gap > atol:
                suspicious.append((gap, bool(ki), g))
        suspicious.sort(key=lambda item: -item[0])
        followed = suspicious[:beam] if check.failures < max_failures else []
        for gap, _, _ in suspicious[len(followed) :]:
            if gap > atol:  # a kink alone, within tolerance, is not a failure
                check.unresolved += 1
        groups = []
        for _, _, g in followed:
            half = g.size // 2
            groups += [g[:half], g[half:]]

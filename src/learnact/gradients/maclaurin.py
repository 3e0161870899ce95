"""Maclaurin (Taylor at 0) coefficients of analytic functions by the Cauchy integral and an FFT.

For ``f`` analytic in a disc of radius ``R`` around 0, and ``r < R``,

    c_k = f^(k)(0) / k! = 1/(2 pi i) * contour integral of f(z) / z^(k+1) dz
        ~ 1/(n r^k) * sum_j f(r w^j) w^(-j k),   w = exp(2 pi i / n),

which is a single FFT of ``f`` sampled at ``n`` points of the circle ``|z| = r``.
The trapezoidal rule is spectrally accurate here: its only truncation error is
aliasing, ``c_k`` picks up ``c_{k+n} r^n + c_{k+2n} r^{2n} + ...`` which is of
order ``(r / R)^n``. Rounding adds about ``eps * max|f| / r^k`` to ``c_k``.

Radius choice (``radius=None``): a large radius keeps the rounding term
``eps / r^k`` small for high orders, but a circle that encloses a singularity
gives the coefficients of a Laurent series instead (still self-consistent, so
no aliasing test can see it). The circles r = 4, 2, 1, ..., 1/16 are sampled
(skipping any where ``f`` is not finite) with ``n`` and ``2n`` points, and the
largest radius whose coefficients agree with those of every smaller circle,
within the aliasing-plus-rounding bounds, is kept: 4 for ``exp`` and ``sin``
(relative error ~1e-14 up to order 10), 1 for ``tanh`` (poles at +-i*pi/2),
1/2 for ``log(1 + x)``. The assumption is that ``f`` is analytic on
``|z| <= 1/16``; pass ``radius`` to override.
"""

from __future__ import annotations

import numpy as np

from learnact._checks import check_int, check_real
from learnact.errors import UserInputError

_CANDIDATE_RADII = (4.0, 2.0, 1.0, 0.5, 0.25, 0.125, 0.0625)


def _samples(f, z):
    try:
        values = np.asarray(f(z))
    except Exception as exc:
        raise UserInputError(
            "`f` must accept a complex NumPy array (it is sampled on a circle in the complex "
            f"plane); calling it raised {type(exc).__name__}: {exc}"
        ) from exc
    if values.shape != z.shape:
        try:
            values = np.broadcast_to(values, z.shape)
        except ValueError:
            raise UserInputError(
                f"`f` must be elementwise: it returned shape {values.shape} for input of "
                f"shape {z.shape}"
            ) from None
    if not np.iscomplexobj(values):
        raise UserInputError(
            "`f` returned real values for complex input, so it is not analytic as written "
            "(abs, comparisons or a cast to float?); pass a complex-capable function such as "
            "np.sin or keras.ops.sin"
        )
    return values.astype(np.complex128)


def _coefficients(f, order, radius, n):
    z = radius * np.exp(2j * np.pi * np.arange(n) / n)
    with np.errstate(all="ignore"):  # poles on the circle are detected, not warned about
        values = _samples(f, z)
        coeffs = np.fft.fft(values)[: order + 1] / n / radius ** np.arange(order + 1)
    return coeffs, values


def maclaurin_coefficients(f, order, *, radius=None, n=None):
    """Return ``c_0 .. c_order`` with ``f(x) = sum_k c_k x^k`` near 0.

    Computed as ``c_k = fft(f(r w^j))_k / (n r^k)`` (Cauchy integral on the
    circle ``|z| = r``); see the module docstring for the error and the
    automatic radius.

    Args:
        f: a function analytic at 0 that accepts a complex NumPy array
            elementwise (``np.exp``, ``lambda z: 1/(2-z)``). Backend functions
            such as ``keras.ops.tanh`` work too, at their complex precision
            (complex64 on JAX unless 64-bit mode is on: ~1e-7).
        order: highest power (``>= 0``).
        radius: radius of the circle, ``0 < radius < R`` (the distance from 0
            to the nearest singularity); ``None`` chooses it (module docstring).
        n: number of samples on the circle (default: the first power of two
            ``>= max(256, 4*(order+1))``).

    Returns:
        float64 array of shape ``(order+1,)`` when ``f`` is real on the real
        axis (imaginary parts at rounding level are dropped), complex128
        otherwise.

    Raises:
        ValueError: bad ``order``/``radius``/``n``; ``f`` not complex-capable,
            or non-finite on every candidate circle.

    Example:
        >>> maclaurin_coefficients(np.exp, 4).round(12).tolist()
        [1.0, 1.0, 0.5, 0.166666666667, 0.041666666667]
    """
    order = check_int("order", order, minimum=0, maximum=4096)
    if n is None:
        n = 1 << max(8, int(np.ceil(np.log2(4 * (order + 1)))))
    else:
        n = check_int("n", n, minimum=order + 1)
    if radius is not None:
        radii = (check_real("radius", radius, positive=True),)
    else:
        radii = _CANDIDATE_RADII
    eps = np.finfo(np.float64).eps
    ks = np.arange(order + 1)
    found = []  # (radius, coefficients, error bound per coefficient, samples)
    for r in radii:
        coarse, values = _coefficients(f, order, r, n)
        if not np.all(np.isfinite(values)):
            continue  # a singularity on the circle itself
        if radius is not None:
            found.append((r, coarse, None, values))
            break
        fine, _ = _coefficients(f, order, r, 2 * n)
        fmax = float(np.max(np.abs(values)))
        alias = np.abs(fine - coarse)
        if np.any(alias > 1e-8 * fmax / r**ks):
            continue  # not converged: a singularity or branch cut on or near the circle
        bound = alias + 10 * eps * fmax / r**ks
        found.append((r, fine, bound, values))
    if not found:
        raise UserInputError(
            "`f` is not finite on any circle |z| = r tried (r in "
            f"{', '.join(map(str, radii))}); pass a smaller `radius`"
        )
    chosen = found[-1]
    for i, (_, coeffs, bound, _) in enumerate(found):
        # A circle enclosing a singularity yields Laurent, not Taylor, coefficients:
        # keep the largest radius that agrees with every smaller one.
        if all(
            np.all(np.abs(coeffs - c2) <= 100 * (bound + b2) + 1e-13 * np.abs(c2))
            for _, c2, b2, _ in found[i + 1 :]
        ):
            chosen = found[i]
            break
    r, coeffs, _, values = chosen
    fmax = float(np.max(np.abs(values)))
    # Real on the real axis: imaginary parts are then only rounding, eps*max|f|/r^k.
    noise = 1e3 * eps * fmax / r ** np.arange(order + 1) + 1e-12 * np.abs(coeffs)
    if np.all(np.abs(coeffs.imag) <= noise):
        return coeffs.real.copy()
    return coeffs

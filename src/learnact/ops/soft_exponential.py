"""The soft exponential of Godfrey & Gashler (2015, arXiv:1602.01321), real and complex.

``f(alpha, x)`` interpolates the natural logarithm (``alpha = -1``), the
identity (``alpha = 0``) and the exponential (``alpha = 1``)::

    f(alpha, x) = -ln(1 - alpha (x + alpha)) / alpha    alpha < 0
                  x                                     alpha = 0
                  (exp(alpha x) - 1) / alpha + alpha    alpha > 0

Both functions here run on ``keras.ops`` only, so on every backend, and are
written so that neither they nor their gradients are NaN for any finite input:

* Each branch is evaluated on inputs made safe for it and the results are then
  selected with ``where`` (the "double where"), because a NaN or infinity in the
  branch that is *not* selected still poisons the gradient.
* Both branches are written as ``x * h(alpha x) + alpha`` with
  ``h(z) = expm1(z) / z`` and ``(x + alpha) * m(w)`` with
  ``m(w) = -log1p(-w) / w``, ``w = alpha (x + alpha)``. ``h`` and ``m`` are
  analytic at 0 with ``h(0) = m(0) = 1``, so near ``alpha = 0`` they are taken
  from their Taylor series. This makes ``f`` and ``df/dalpha`` continuous
  through ``alpha = 0`` (``df/dalpha = x**2 / 2 + 1`` there, from both sides)
  and avoids the cancellation that autodiff of ``expm1(alpha x) / alpha``
  suffers for small ``alpha``.
* Arguments are never clamped where that would change a representable result:
  where ``alpha x`` (or ``alpha (x + alpha)``) is beyond the dtype's range the
  limits are taken exactly (``-1/alpha + alpha`` once ``exp(alpha x)`` is below
  eps; ``ln(-alpha) + ln(x + alpha)`` in log space for the logarithm).
* Half-precision inputs are computed in float32 and cast back; float64 stays
  float64 on every backend (``keras.backend.result_type`` alone would demote it
  to float32 on PyTorch).
"""

from __future__ import annotations

import math

from keras import ops

from learnact.ops import keep64
from learnact.ops._complex_real import (
    arg,
    cdiv,
    cmul,
    complex_horner,
    complex_inverse,
    log_abs,
    scaled,
)
from learnact.ops._safe_math import (
    clamp,
    inverse,
    max_abs,
    prepare,
    product,
    select_abs,
    split_cap,
    value_of,
)
from learnact.ops.horner import horner
from learnact.ops.keep64 import where

# h(z) = expm1(z) / z = sum_k z^k / (k + 1)!  (lowest order first).
_EXPREL_COEFFS = tuple(1.0 / math.factorial(k + 1) for k in range(9))
# m(w) = -log1p(-w) / w = 2 / (2 - w) * sum_k y^(2k) / (2k + 1), y = w / (2 - w)
# (the atanh series, which converges much faster than sum_k w^k / (k + 1)).
_ATANH_COEFFS = tuple(1.0 / (2 * k + 1) for k in range(7))


def _exprel(z, lim):
    """``h(z) = expm1(z) / z`` with ``h(0) = 1``; finite with finite gradient for finite z."""
    small = ops.abs(z) < lim.series
    z_series = where(small, z, 0.0)
    z_direct = where(small, 1.0, z)
    return where(small, horner(z_series, _EXPREL_COEFFS), ops.expm1(z_direct) / z_direct)


def _log_ratio(w, lim):
    """``m(w) = -log1p(-w) / w`` with ``m(0) = 1``, for ``w < 1``."""
    small = ops.abs(w) < lim.series
    w_series = where(small, w, 0.0)
    w_direct = where(small, -1.0, w)
    y = w_series / (2.0 - w_series)
    series = 2.0 / (2.0 - w_series) * horner(y * y, _ATANH_COEFFS)
    return where(small, series, -ops.log1p(-w_direct) / w_direct)


def soft_exponential(x, alpha):
    """Soft exponential activation ``f(alpha, x)`` (Godfrey & Gashler, 2015), elementwise.

    ``f = -ln(1 - alpha (x + alpha)) / alpha`` for ``alpha < 0``, ``x`` for
    ``alpha = 0`` and ``(exp(alpha x) - 1) / alpha + alpha`` for ``alpha > 0``.
    ``f(-1, x) = ln(x)``, ``f(1, x) = exp(x)`` and ``f(-a, f(a, x)) = x``.

    The value is continuous in ``alpha`` and so is ``df/dalpha``, which equals
    ``x**2 / 2 + 1`` at ``alpha = 0``. Neither the value nor any gradient is
    NaN for finite inputs:

    * **Log-branch domain guard.** For ``alpha < 0`` the logarithm is defined
      only for ``x > 1/alpha - alpha`` (where ``w = alpha (x + alpha) < 1``).
      ``f`` is computed as ``(x + alpha) * m(w)`` with
      ``m(w) = -ln(1 - w) / w``, and ``w`` is clamped to at most ``1 - eps``
      (``eps`` the machine epsilon, 1.19e-7 in float32; closer to the pole
      ``1 - w`` is rounding noise). ``f`` is therefore exact down to
      ``1 - w = eps``, continuous there, and continues *linearly* in ``x``
      beyond, with slope ``m(1 - eps) = -ln(eps) / (1 - eps)`` (about 15.9 in
      float32): finite, increasing, with a usable gradient.
    * **Overflow guard.** When ``exp(alpha x) / alpha`` would overflow, the
      exponential branch saturates at about ``max / e**2`` of the dtype
      (1.2e38 in float32) with zero gradient along ``x``; results are clipped
      to the finite range, and no ``inf - inf`` arises.
    * **Extreme arguments.** Wherever the result is representable it is
      accurate (a few eps times the condition number), even when ``alpha x``
      or ``alpha (x + alpha)`` is not: for ``alpha x < -ln(max) / 2`` the
      exponential branch returns its limit ``-1/alpha + alpha`` exactly
      (``exp(alpha x)`` is below eps), and for ``alpha (x + alpha) < -1/eps``
      the log branch is evaluated as ``ln(-w) / -alpha``, with
      ``ln(-w) = ln(-alpha) + ln(x + alpha)`` where ``w`` overflows. E.g.
      ``f(1, -1e37) = 0``, ``f(-1, 1e38) = 87.498`` and
      ``f(-1e-30, 1e38) = 1.842e31`` in float32.
    * Gradients may overflow to ``inf`` where the true derivative exceeds the
      dtype's range (e.g. ``df/dalpha = 1/alpha**2 + 1`` at ``alpha = 1e-30``,
      ``x = -1e38``), but are never NaN. Where ``|x + alpha|`` exceeds
      ``max / 64`` (possible inside the domain only for tiny ``alpha``) the
      part ``(x + alpha) dm/dw`` of the gradient, which then overflows anyway,
      is taken at ``+-max / 64``.

    Args:
        x: input tensor (any shape).
        alpha: the shape parameter; broadcast against ``x``.

    Returns:
        A tensor of the broadcast shape and float dtype of ``x`` and ``alpha``
        (float16/bfloat16 are computed in float32).

    Example:
        >>> import numpy as np
        >>> y = soft_exponential(np.array([1.0, 2.0]), -1.0)  # ln(x)
        >>> np.allclose(np.asarray(y), np.log([1.0, 2.0]))
        True
    """
    (x, alpha), dtype, lim = prepare(x, alpha)
    x, alpha = x + ops.zeros_like(alpha), alpha + ops.zeros_like(x)  # broadcast once
    positive = alpha >= 0

    # Exponential branch, alpha >= 0; other elements see the benign point (0, 0).
    a_e = where(positive, alpha, 0.0)
    x_e = where(positive, x, 0.0)
    z = clamp(product(a_e, x_e), -lim.cap, lim.cap)
    large = z > lim.exp_switch
    # alpha x very negative: exp(alpha x) is below eps, f = -1/alpha + alpha to
    # the last bit. Here alpha >= exp_switch / |x| >= exp_switch / max, so 1/alpha
    # is finite; z itself is only compared (its clamp cannot change the result).
    tail = z < -lim.exp_switch
    # Moderate alpha x: x * h(alpha x) + alpha.
    z_mid = where(large | tail, 0.0, z)
    f_mid = x_e * _exprel(z_mid, lim) + a_e
    # Large alpha x > 0 (so x > 0): exp(z)/alpha = exp(z + ln x - ln z) and 1/alpha = x/z,
    # which never divides by a possibly subnormal alpha.
    z_big = where(large, z, 1.0)
    x_big = where(large, x_e, 1.0)
    a_big = where(large, a_e, 0.0)
    log_term = clamp(z_big + ops.log(x_big) - ops.log(z_big), -lim.max, lim.log_cap)
    f_big = ops.exp(log_term) - x_big / z_big + a_big
    a_tail = where(tail, a_e, 1.0)
    f_tail = a_tail - inverse(a_tail)
    f_exp = where(large, f_big, where(tail, f_tail, f_mid))

    # Logarithmic branch, alpha < 0; other elements see (x, alpha) = (1, -1): w = 0.
    a_l = where(positive, -1.0, alpha)
    x_l = where(positive, 1.0, x)
    s = clamp(x_l + a_l, -lim.max, lim.max)  # -inf only where w is beyond the pole anyway
    w = product(a_l, s)  # may overflow to +-inf; then only compared
    far = w < -1.0 / lim.eps
    beyond = w > 1.0 - lim.eps
    # Moderate w in [-1/eps, 1 - eps]: (x + alpha) m(w). Beyond the pole w is
    # clamped to 1 - eps (linear continuation), with x + alpha capped so that the
    # product stays finite.
    s_mid = where(far, 0.0, where(beyond, clamp(s, -lim.cap, lim.cap), s))
    w_mid = where(far, 0.0, where(beyond, 1.0 - lim.eps, w))
    m_mid = _log_ratio(w_mid, lim)
    s_cap, s_out = split_cap(s_mid, lim)
    f_mid_log = value_of(
        clamp(s_mid * m_mid, -lim.max, lim.max),
        s_cap * m_mid + ops.stop_gradient(m_mid) * s_out,
    )
    # w < -1/eps (so x + alpha > 0): f = ln(1 - w) / -alpha = ln(-w) / -alpha to
    # within eps / 16, in log space so that nothing overflows: ln(-w) directly
    # while w is finite, else ln(-alpha) + ln(x + alpha). Here |alpha| >=
    # 1 / (eps max), so 1/alpha is finite. The gradient is that of
    # (ln(-alpha) + ln(x + alpha)) exp(-ln(-alpha)), whose two terms in
    # d/dalpha (each ~1/alpha**2, of opposite signs) are added before the one
    # division by alpha that may overflow: never inf - inf.
    a_far = where(far, a_l, -1.0)
    s_far = where(far, s, 1.0)
    finite_w = far & (w > -lim.cap)
    log_a, log_s = ops.log(-a_far), ops.log(s_far)
    log_w = where(finite_w, ops.log(-where(finite_w, w, -1.0)), log_a + log_s)
    f_far = value_of(log_w / -a_far, (log_a + log_s) * ops.exp(-log_a))
    f_log = where(far, f_far, f_mid_log)

    f = clamp(where(positive, f_exp, f_log), -lim.max, lim.max)
    return ops.cast(f, dtype)


# ---------------------------------------------------------------------------
# Complex alpha, in real arithmetic.
# ---------------------------------------------------------------------------


def _complex_exprel(u, v, lim):
    """``h(Z) = expm1(Z) / Z`` for ``Z = u + i v`` (real and imaginary parts)."""
    small = u * u + v * v < lim.series**2
    us = where(small, u, 0.0)
    vs = where(small, v, 0.0)
    hr, hi = complex_horner(us, vs, _EXPREL_COEFFS)
    ud = where(small, 1.0, u)
    vd = where(small, 0.0, v)
    # expm1(u + i v) = expm1(u) cos v + (cos v - 1) + i exp(u) sin v, with
    # cos v - 1 = -2 sin^2(v/2) to keep small arguments accurate.
    half_sin = keep64.sin(0.5 * vd)
    er = ops.expm1(ud) * keep64.cos(vd) - 2.0 * half_sin * half_sin
    ei = ops.exp(ud) * keep64.sin(vd)
    dr, di = cdiv(er, ei, ud, vd)
    return where(small, hr, dr), where(small, hi, di)


def _complex_log_ratio(wr, wi, lim):
    """``m(W) = -Log(1 - W) / W`` (principal Log) with the modulus of ``1 - W`` floored at eps."""
    small = wr * wr + wi * wi < lim.series**2
    # Series: 2 / (2 - W) * sum_k y^(2k) / (2k + 1), y = W / (2 - W).
    ws_r = where(small, wr, 0.0)
    ws_i = where(small, wi, 0.0)
    yr, yi = cdiv(ws_r, ws_i, 2.0 - ws_r, -ws_i)
    y2r, y2i = cmul(yr, yi, yr, yi)
    pr, pi = complex_horner(y2r, y2i, _ATANH_COEFFS)
    sr, si = cdiv(2.0 * pr, 2.0 * pi, 2.0 - ws_r, -ws_i)

    # Closed form on |W| >= radius. Within eps of the pole W = 1, 1 - W is
    # scaled out to (max-norm) radius eps: its argument is kept, the modulus in
    # the logarithm is floored at about eps, and atan2 never sees (0, 0).
    wd_r = where(small, -1.0, wr)
    wd_i = where(small, 0.0, wi)
    a = 1.0 - wd_r
    b = -wd_i
    size = max_abs(a, b)
    at_pole = size < lim.tiny
    near = size < lim.eps
    scale = lim.eps / where(near & ~at_pole, size, 1.0)
    # Inside the guard disk Log(1 - W) is held constant for autodiff, as the
    # real function's clamped w is: its true derivative there (~1/eps times
    # x + alpha) overflows, and overflowing paths of opposite sign give NaN.
    a = where(near, ops.stop_gradient(where(at_pole, lim.eps, a * scale)), a)
    b = where(near, ops.stop_gradient(where(at_pole, 0.0, b * scale)), b)
    log_r = log_abs(a, b)
    log_i = arg(a, b)
    dr, di = cdiv(-log_r, -log_i, wd_r, wd_i)
    return where(small, sr, dr), where(small, si, di)


def _complex_far_log(p, q, x, lim):
    """``-Log(-alpha S) / alpha``, ``S = x + alpha``, for ``|alpha S| > 1/eps``; no overflows.

    The value is the principal logarithm of ``-W`` (``W = alpha S``) divided by
    alpha. The gradient is that of ``-(Log alpha + Log S + 2 pi i k) exp(-Log alpha)``,
    the same function, whose two terms in ``d/dalpha`` (each about
    ``1/alpha**2``, of opposite sign) are added before the single division by
    alpha's scale that may overflow: never ``inf - inf``.
    """
    ph, qh, ca = scaled(p, q)
    # S = x + alpha. x + p overflows only where both are below -max/2; there S / k,
    # k = max(|x|, |p|), is used (divisions: XLA may refactor 0.5 x + 0.5 p into
    # 0.5 (x + p)).
    s_sum = x + p
    overflow = select_abs(s_sum) > lim.max
    k = ops.stop_gradient(where(overflow, max_abs(x, p), 1.0))
    s_r = where(overflow, x / k + p / k, s_sum)
    sh_r, sh_i, cs = scaled(s_r, q / k)
    log_cs = ops.log(cs) + ops.log(k)
    wh_r, wh_i = cmul(ph, qh, sh_r, sh_i)  # 1 <= |W^| <= 2
    # Im W = q (x + 2p): where the scaled product underflows to 0 although
    # Im W != 0, restore its sign, which selects the side of the branch cut.
    below = x < -2.0 * p
    lost = (wh_i == 0) & (qh != 0) & (x != -2.0 * p)
    wh_i = where(lost, where(ops.logical_xor(qh < 0, below), -lim.tiny, lim.tiny), wh_i)
    # Exact: Log(-W) = ln ca + ln k cs + ln|W^| + i arg(-W^), divided by alpha^ then ca.
    arg_w = arg(-wh_r, -wh_i)
    exact_r, exact_i = cdiv(-(ops.log(ca) + log_cs + log_abs(wh_r, wh_i)), -arg_w, ph, qh)
    exact_r, exact_i = exact_r / ca, exact_i / ca
    # Smooth: Log alpha + Log S (imaginary part moved by a constant onto arg(-W)).
    lam_r, lam_i = ops.log(ca) + log_abs(ph, qh), arg(ph, qh)
    l_r = lam_r + log_cs + log_abs(sh_r, sh_i)
    l_i = lam_i + arg(sh_r, sh_i)
    l_i = l_i + ops.stop_gradient(arg_w - l_i)
    inv_mod = ops.exp(-lam_r)
    smooth_r, smooth_i = cmul(-l_r, -l_i, inv_mod * keep64.cos(lam_i), -inv_mod * keep64.sin(lam_i))
    return value_of(exact_r, smooth_r), value_of(exact_i, smooth_i)


def complex_soft_exponential(x, alpha_real, alpha_imag):
    """Soft exponential with complex ``alpha = alpha_real + i alpha_imag``, in real arithmetic.

    ``f = (exp(alpha x) - 1) / alpha + alpha`` where ``Re alpha >= 0`` and
    ``f = -Log(1 - alpha (x + alpha)) / alpha`` (principal logarithm) where
    ``Re alpha < 0``, for real ``x``. With ``alpha = i b``,
    ``Re f = sin(b x) / b``: the soft exponential computes sinusoids. With a
    real ``alpha`` it equals :func:`soft_exponential` inside the log branch's
    domain; beyond the pole the principal logarithm applies instead of the
    real function's linear continuation (``Im f = -pi / alpha`` there).

    No complex dtype is used, so it runs on every Keras backend. Guards, all
    keeping values and gradients free of NaN for finite inputs:

    * **Pole guard.** The logarithm is singular only at ``alpha (x + alpha) = 1``,
      which needs ``alpha_imag = 0``. Where ``1 - alpha (x + alpha)`` is within
      ``eps`` (machine epsilon, max-norm) of 0, it is replaced by the point of
      the same argument at distance ``eps``, held constant for gradients (as
      the real function's clamped ``w`` is).
    * **Overflow guard.** Where ``|exp(alpha x) / alpha|`` would overflow, its
      modulus saturates at about ``max / e**2`` with the right phase; results
      are clipped to the finite range.
    * **Extreme arguments,** as in the real function: ``-1/alpha + alpha`` where
      ``Re(alpha x) < -ln(max) / 2``, and ``-Log(-W) / alpha`` from the scaled
      factors of ``W = alpha (x + alpha)`` where ``|W| > 1/eps`` (the sign of
      ``Im W`` is kept even where its scaled value underflows).
    * Near ``alpha = 0`` both branches use Taylor series, so ``f`` is
      continuous and complex-differentiable there (``df/dalpha = x**2/2 + 1``).

    Args:
        x: real input tensor.
        alpha_real: real part of alpha, broadcast against ``x``.
        alpha_imag: imaginary part of alpha, broadcast against ``x``.

    Returns:
        ``(real, imag)``: two tensors of the broadcast shape, the real and
        imaginary parts of ``f``.

    Example:
        >>> import numpy as np
        >>> re, im = complex_soft_exponential(np.array([0.5]), 0.0, 2.0)
        >>> np.allclose(np.asarray(re), np.sin(2.0 * 0.5) / 2.0)
        True
    """
    (x, p, q), dtype, lim = prepare(x, alpha_real, alpha_imag)
    zeros = ops.zeros_like(x) + ops.zeros_like(p) + ops.zeros_like(q)
    x, p, q = x + zeros, p + zeros, q + zeros
    exp_branch = p >= 0

    # Exponential branch: Z = alpha x, f = x h(Z) + alpha.
    p_e = where(exp_branch, p, 0.0)
    q_e = where(exp_branch, q, 0.0)
    x_e = where(exp_branch, x, 0.0)
    u = clamp(product(p_e, x_e), -lim.cap, lim.cap)
    v = clamp(product(q_e, x_e), -lim.cap, lim.cap)
    large = u > lim.exp_switch
    # Re Z very negative: |exp(Z)| < eps, f = -1/alpha + alpha (as in the real case).
    tail = u < -lim.exp_switch
    moderate = ~(large | tail)
    hr, hi = _complex_exprel(where(moderate, u, 0.0), where(moderate, v, 0.0), lim)
    mid_r = x_e * hr + p_e
    mid_i = x_e * hi + q_e
    # Re Z large (so x > 0): exp(Z)/alpha = exp(Re Z + ln x - ln|Z|) e^{i(Im Z - arg Z)}
    # and 1/alpha = x/Z, avoiding any division by a possibly tiny alpha.
    u_b = where(large, u, 1.0)
    v_b = where(large, v, 0.0)
    x_b = where(large, x_e, 1.0)
    log_mod = u_b + ops.log(x_b) - log_abs(u_b, v_b)
    saturated = log_mod > lim.log_cap
    modulus = ops.exp(where(saturated, lim.log_cap, log_mod))
    phase = v_b - arg(u_b, v_b)
    # Once the modulus saturates, the phase must stop carrying gradient too:
    # modulus * d(phase) would overflow, and inf - inf is NaN.
    phase = where(saturated, ops.stop_gradient(phase), phase)
    inv_r, inv_i = cdiv(x_b, ops.zeros_like(x_b), u_b, v_b)
    big_r = modulus * keep64.cos(phase) - inv_r + where(large, p_e, 0.0)
    big_i = modulus * keep64.sin(phase) - inv_i + where(large, q_e, 0.0)
    p_t = where(tail, p_e, 1.0)
    q_t = where(tail, q_e, 0.0)
    inv_t_r, inv_t_i = complex_inverse(p_t, q_t)
    exp_r = where(large, big_r, where(tail, p_t - inv_t_r, mid_r))
    exp_i = where(large, big_i, where(tail, q_t - inv_t_i, mid_i))

    # Logarithmic branch: S = x + alpha, W = alpha S, f = S m(W). Other
    # elements see x = 1, alpha = -1, so S = W = 0.
    p_l = where(exp_branch, -1.0, p)
    q_l = where(exp_branch, 0.0, q)
    x_l = where(exp_branch, 1.0, x)
    s_r = clamp(x_l + p_l, -lim.max, lim.max)
    s_i = q_l
    # |W| >= |alpha|_max |S|_max; beyond 1/eps, Log(1 - W) = Log(-W) to within eps.
    far = max_abs(p_l, q_l) * max_abs(s_r, s_i) > 1.0 / lim.eps

    # Moderate |W|: every product below is at most 1/eps in size.
    p_m = where(far, -1.0, p_l)
    q_m = where(far, 0.0, q_l)
    s_mr = where(far, 0.0, s_r)
    s_mi = where(far, 0.0, s_i)
    w_r = p_m * s_mr - q_m * s_mi
    w_i = p_m * s_mi + q_m * s_mr
    mr, mi = _complex_log_ratio(w_r, w_i, lim)
    exact_r, exact_i = cmul(s_mr, s_mi, mr, mi)
    s_cap, s_out = split_cap(s_mr, lim)  # |s_mi| = |q| <= eps**-0.5 here
    smooth_r, smooth_i = cmul(s_cap, s_mi, mr, mi)
    mod_r = value_of(clamp(exact_r, -lim.max, lim.max), smooth_r + ops.stop_gradient(mr) * s_out)
    mod_i = value_of(clamp(exact_i, -lim.max, lim.max), smooth_i + ops.stop_gradient(mi) * s_out)

    # Far: f = -Log(-W) / alpha with W = alpha S scaled to alpha^ S^ (max-norms 1)
    # so that nothing overflows, as in the real function.
    far_r, far_i = _complex_far_log(
        where(far, p_l, -1.0), where(far, q_l, 0.0), where(far, x_l, 2.0), lim
    )
    log_r = where(far, far_r, mod_r)
    log_i = where(far, far_i, mod_i)

    real = clamp(where(exp_branch, exp_r, log_r), -lim.max, lim.max)
    imag = clamp(where(exp_branch, exp_i, log_i), -lim.max, lim.max)
    return ops.cast(real, dtype), ops.cast(imag, dtype)

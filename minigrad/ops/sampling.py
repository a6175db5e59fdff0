"""Sampling: multinomial (draws from a distribution a tensor gives; no gradient, the draws
are integers), the in-place random fills (`x.normal_()`, `uniform_`, `bernoulli_`, `random_`,
`exponential_`) and the draws of the gamma-family distributions (`_standard_gamma` with its
reparameterization gradient, `poisson`, `binomial`). The numbers come from the tensor's
device generator (minigrad.random)."""

from __future__ import annotations

import functools
import math

import numpy as np

from minigrad import dtypes, random
from minigrad.autograd.function import Function
from minigrad.ops._util import kernel_type, quiet, result_dtype
from minigrad.ops.nograd import NoGrad
from minigrad.tensor import Tensor


class Multinomial(NoGrad):
    """Class indices drawn with probabilities proportional to w's last dim, int64.

    # NOTE: with replacement, inverse CDF: a uniform u picks the first class whose cumulative
    # weight exceeds u * total. Without, the exponential race: class i's key is E_i / w_i with
    # E_i ~ Exp(1); the num_samples smallest keys are a draw without replacement, in order.
    """

    op_name = "multinomial"
    random = True

    @staticmethod
    def forward(ctx, w, num_samples, replacement, generator=None):
        xp, device, w = w.device.xp, w.device, w.array
        if replacement:
            shape = w.shape[:-1] + (num_samples, 1)
            u = random.uniform_array(shape, device, generator=generator)
            cdf = xp.cumsum(w.astype(u.dtype), axis=-1)[..., None, :]
            picked = (cdf <= u * cdf[..., -1:]).sum(-1)
            return xp.minimum(picked, w.shape[-1] - 1)  # u * total may round up to the total
        u = random.uniform_array(w.shape, device, generator=generator)
        with quiet():  # zero weights: key inf, never drawn before a weighted class
            with_inf = xp.where(w > 0, -xp.log1p(-u) / w.astype(u.dtype), xp.inf)
        return xp.argsort(with_inf, axis=-1)[..., :num_samples]


def multinomial(input: Tensor, num_samples: int, replacement=False, *, generator=None):
    """Class indices drawn with probabilities proportional to input's last dim (weights need
    not sum to 1). (n,) -> (num_samples,); (b, n) -> (b, num_samples), int64."""
    _check_multinomial(input, num_samples, replacement)
    return Multinomial.apply(input, num_samples, replacement, generator)


class Bernoulli(NoGrad):
    """1 with probability p (each element of probs, or the number p), else 0, in probs's
    dtype; no gradient (the draws are constants)."""

    op_name = "bernoulli"
    random = True

    @staticmethod
    def forward(ctx, probs, p=None, generator=None):
        a = probs.array
        u = random.uniform_array(a.shape, probs.device, generator=generator, dtype=probs.dtype)
        return (u < (a if p is None else p)).astype(a.dtype)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """Draws 0 or 1 with the probabilities in input (or the number p, in input's shape)."""
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_self_" not implemented for {input.dtype}')
    probs = input.array if p is None else p
    xp = input.device.xp
    if bool(xp.any((xp.asarray(probs) < 0) | (xp.asarray(probs) > 1))):
        raise RuntimeError("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true")
    return Bernoulli.apply(input, p, generator)


class Normal(NoGrad):
    """mean + std * a standard normal draw, element by element (mean and std broadcast
    against each other); no gradient (PyTorch's is zero: this is not the reparameterization
    trick, write mean + std * randn_like(std) for that)."""

    op_name = "normal"
    random = True

    @staticmethod
    def forward(ctx, mean, std, generator=None):
        m, s = mean.array, std.array
        shape = np.broadcast_shapes(m.shape, s.shape)
        z = random.normal_array(shape, mean.device, generator=generator, dtype=result_dtype(m, s))
        return z * s + m


def normal(mean, std, *, generator=None) -> Tensor:
    """`torch.normal(mean, std)` where mean or std is a tensor: one draw per element."""
    like = mean if isinstance(mean, Tensor) else std
    xp = like.device.xp
    mean, std = (
        t if isinstance(t, Tensor) else Tensor._make(xp.asarray(t, like.array.dtype))
        for t in (mean, std)
    )
    for t in (mean, std):
        if t.array.dtype.kind != "f":  # PyTorch's type and words
            raise NotImplementedError(
                f'"normal_kernel_cpu" not implemented for {kernel_type(t.array.dtype)}'
            )
    if bool(xp.any(std.array < 0)):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    return Normal.apply(mean, std, generator)


def _check_multinomial(input: Tensor, num_samples: int, replacement: bool) -> None:
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {input.ndim}-D")
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got {input.dtype}"
        )
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and num_samples > input.array.shape[-1]:
        raise RuntimeError(
            "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement ({num_samples} > {input.array.shape[-1]})"
        )
    w = input.array
    if bool((~input.device.xp.isfinite(w)).any() | (w < 0).any()):
        raise RuntimeError(
            "multinomial: probability tensor contains either `inf`, `nan` or element < 0"
        )
    if bool((w.sum(-1) <= 0).any()):
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"
        )


# -- in-place random fills: each fills t through `t._fill_random` (which a traced tensor refuses)
_RANDOM_TOP = {"float16": 2**11, "float32": 2**24, "float64": 2**53, "bool": 2}


def _draw_dtype(t: Tensor):
    """The dtype t's random values are drawn in: its own for float32 and float64 (a float64
    tensor gets float64 draws, as in PyTorch), else the default float, cast on writing."""
    return t.array.dtype if t.array.dtype.char in "fd" else None


def normal_(t: Tensor, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    sample = functools.partial(random.normal_array, dtype=_draw_dtype(t))
    return t._fill_random(sample, mean, std, generator)


def uniform_(t: Tensor, a=0.0, b=1.0, *, generator=None) -> Tensor:
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    sample = functools.partial(random.uniform_array, dtype=_draw_dtype(t))
    return t._fill_random(sample, a, b, generator)


def bernoulli_(t: Tensor, p=0.5, *, generator=None) -> Tensor:
    """1 with probability p, else 0, in t's dtype."""

    def sample(shape, dev, p, _, gen):
        return random.uniform_array(shape, dev, 0.0, 1.0, gen) < p

    return t._fill_random(sample, p, None, generator)


def random_(t: Tensor, from_=0, to=None, *, generator=None) -> Tensor:
    """Integers drawn uniformly from [from_, to) (`random_(to)`: [0, to)); with no bound,
    up to the largest integer the dtype holds exactly (2^24 for float32), as PyTorch."""
    if to is None and from_ == 0:
        name = t.array.dtype.name
        to = _RANDOM_TOP[name] if name in _RANDOM_TOP else dtypes.iinfo(t.dtype).max
    elif to is None:
        from_, to = 0, from_

    def sample(shape, dev, low, high, gen):
        return random.integers_array(low, high, shape, dev, gen)

    return t._fill_random(sample, from_, to, generator)


def exponential_(t: Tensor, lambd=1.0, *, generator=None) -> Tensor:
    """Exponential draws with rate lambd: -log(1 - u) / lambd for u uniform on [0, 1)."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")

    def sample(shape, dev, rate, _, gen):
        u = random.uniform_array(shape, dev, generator=gen, dtype=t.dtype)
        return -dev.xp.log1p(-u) / rate

    return t._fill_random(sample, lambd, None, generator)


# -- draws for the gamma-family distributions (Gamma, Beta, Dirichlet, StudentT, Poisson,
# Binomial): each from the device generator's uniform and normal draws, so that the same code
# runs on NumPy and CuPy, in float64 and rounded once to the parameter's dtype.


def _draws(kind, shape, device, generator):
    draw = random.normal_array if kind == "normal" else random.uniform_array
    return draw(shape, device, generator=generator, dtype=dtypes.float64)


def _standard_gamma_array(alpha, device, generator):
    """Gamma(alpha, 1) draws for the float64 array alpha: Marsaglia and Tsang's method (a cubed
    normal, kept with a squeeze test or its exact log test; over 95% kept), with alpha < 1
    drawn at alpha + 1 and multiplied by u^(1 / alpha). nan where alpha is not positive."""
    xp = device.xp
    boost = alpha < 1
    d = xp.where(boost, alpha + 1, alpha) - 1 / 3
    c = 1 / xp.sqrt(9 * d)
    out = xp.full(alpha.shape, math.nan)
    pending = alpha > 0  # nan and non-positive alpha stay nan
    while bool(xp.any(pending)):
        z = _draws("normal", alpha.shape, device, generator)
        u = _draws("uniform", alpha.shape, device, generator)
        v = (1 + c * z) ** 3
        with quiet():
            log_v = xp.log(v)
            keep = (v > 0) & (xp.log(u) < 0.5 * z * z + d - d * v + d * log_v)
        keep &= pending
        out = xp.where(keep, d * v, out)
        pending &= ~keep
    u = _draws("uniform", alpha.shape, device, generator)
    with quiet():
        out = xp.where(boost, out * xp.exp(xp.log(u) / alpha), out)
    # PyTorch's floor: the smallest normal float, so that log(x) stays finite
    return xp.maximum(out, np.finfo(np.float64).tiny)


def _standard_gamma_grad_array(x, alpha, xp):
    """dx/dalpha of a Gamma(alpha, 1) draw x at a fixed CDF value (implicit
    reparameterization): -(d/dalpha P(alpha, x)) / p(x), with P the regularized lower
    incomplete gamma function. From P's series, exactly:
        dx/dalpha = -sum_n u_n (log x - digamma(alpha + n + 1)),
        u_0 = x / alpha, u_n = u_(n-1) x / (alpha + n);
    the terms are a Poisson(x) tail from alpha on, so they fall off after about
    n = x - alpha + 12 sqrt(x), the number of terms taken."""
    from minigrad.ops.special import digamma_array

    log_x = xp.log(x)
    psi = digamma_array(xp, alpha + 1)
    u = x / alpha
    total = u * (log_x - psi)
    finite = xp.isfinite(x) & xp.isfinite(alpha)
    spread = xp.where(finite, xp.maximum(x - alpha, 0) + 12 * xp.sqrt(x), 0)
    terms = int(xp.max(spread)) + 30 if spread.size else 0
    for n in range(1, terms):
        psi = psi + 1 / (alpha + n)
        u = u * x / (alpha + n)
        total = total + u * (log_x - psi)
    return -total


class StandardGamma(Function):
    """x ~ Gamma(alpha, 1), one draw per element (`torch._standard_gamma`), with the implicit
    reparameterization gradient dx/dalpha (`_standard_gamma_grad`): rsample of Gamma,
    Beta, Dirichlet and StudentT is built on it. (*) -> (*)"""

    op_name = "_standard_gamma"
    random = True

    @staticmethod
    def forward(ctx, alpha, generator=None):
        array = alpha.array
        if array.dtype.kind != "f":
            raise NotImplementedError(f'"gamma_cpu" not implemented for {kernel_type(array.dtype)}')
        x = _standard_gamma_array(array.astype("float64"), alpha.device, generator)
        x = Tensor._make(x.astype(array.dtype, copy=False))
        ctx.save_for_backward(x, alpha)
        return x

    @staticmethod
    def backward(ctx, gy):
        x, alpha = ctx.saved_tensors
        return gy * StandardGammaGrad.apply(x, alpha), None


class StandardGammaGrad(Function):
    """dx/dalpha of a standard gamma draw x (`torch._standard_gamma_grad`): exact, where
    PyTorch's is an approximation (within about 1e-3 of it); no gradient of its own, as
    PyTorch's. (*), (*) -> (*)"""

    op_name = "_standard_gamma_grad"
    quiet_domain = True

    @staticmethod
    def forward(ctx, x, alpha):
        xp = x.device.xp
        with quiet():
            g = _standard_gamma_grad_array(x.array.astype("float64"), alpha.array, xp)
        return g.astype(x.array.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError("the derivative for '_standard_gamma_grad' is not implemented.")


def _standard_gamma(input, *, generator=None):
    return StandardGamma.apply(input, generator)


class Poisson(NoGrad):
    """Poisson(rate) draws, one per element (`torch.poisson`), in rate's dtype: below rate 10
    by inversion (the CDF summed term by term), above by Hormann's transformed rejection
    with squeeze (PTRS); no gradient, as PyTorch."""

    op_name = "poisson"
    random = True

    @staticmethod
    def forward(ctx, rate, generator=None):
        from minigrad.ops.special import lgamma_array

        device, xp = rate.device, rate.device.xp
        lam = rate.array.astype("float64")
        shape = lam.shape
        out = xp.zeros(shape)
        # inversion for small rates: the first k whose CDF passes u
        small = (lam > 0) & (lam < 10)
        u = _draws("uniform", shape, device, generator)
        p = xp.exp(-lam)
        cdf = p
        pending = small & (u > cdf)
        k = 0
        while bool(xp.any(pending)):
            k += 1
            p = p * lam / k
            cdf = cdf + p
            out = xp.where(pending, k, out)
            pending &= (u > cdf) & (k < 200)  # 200: a tail beyond 1e-90 of rate 10
        # transformed rejection for large rates
        big = lam >= 10
        root = xp.sqrt(xp.where(big, lam, 10.0))
        b = 0.931 + 2.53 * root
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        v_r = 0.9277 - 3.6224 / (b - 2)
        log_lam = xp.log(xp.where(big, lam, 10.0))
        pending = big
        while bool(xp.any(pending)):
            u = _draws("uniform", shape, device, generator) - 0.5
            v = _draws("uniform", shape, device, generator)
            us = 0.5 - xp.abs(u)
            k = xp.floor((2 * a / us + b) * u + lam + 0.43)
            with quiet():
                fast = (us >= 0.07) & (v <= v_r)
                log_accept = xp.log(v * inv_alpha / (a / (us * us) + b))
                exact = log_accept <= -lam + k * log_lam - lgamma_array(xp, k + 1)
                keep = pending & (k >= 0) & (fast | (((us >= 0.013) | (v <= us)) & exact))
            out = xp.where(keep, k, out)
            pending &= ~keep
        out = xp.where(xp.isnan(lam), math.nan, out)
        return out.astype(rate.array.dtype, copy=False)


def poisson(input, generator=None):
    if input.array.dtype.kind != "f":
        raise NotImplementedError(
            f'"poisson_cpu" not implemented for {kernel_type(input.array.dtype)}'
        )
    return Poisson.apply(input, generator)


class Binomial(NoGrad):
    """Binomial(count, prob) draws, one per element (`torch.binomial`), in prob's dtype,
    drawn for min(prob, 1 - prob) and mirrored: by inversion where count * that < 10, by
    Hormann's transformed rejection (BTRS) above; no gradient, as PyTorch."""

    op_name = "binomial"
    random = True

    @staticmethod
    def forward(ctx, count, prob, generator=None):
        from minigrad.ops.special import lgamma_array

        device, xp = prob.device, prob.device.xp
        n, p = xp.broadcast_arrays(count.array.astype("float64"), prob.array.astype("float64"))
        shape = n.shape
        flip = p > 0.5
        q = xp.where(flip, 1 - p, p)
        out = xp.zeros(shape)
        # inversion: the first k whose CDF passes u
        small = (n * q < 10) & (q > 0) & (n > 0)
        u = _draws("uniform", shape, device, generator)
        ratio = q / (1 - q)
        pmf = xp.exp(n * xp.log1p(-q))
        cdf = pmf
        pending = small & (u > cdf)
        k = 0
        while bool(xp.any(pending)):
            pmf = pmf * ratio * (n - k) / (k + 1)
            k += 1
            cdf = cdf + pmf
            out = xp.where(pending, k, out)
            pending &= (u > cdf) & (k < n)
        # transformed rejection
        big = (n * q >= 10) & (q > 0)
        nn, qq = xp.where(big, n, 20.0), xp.where(big, q, 0.5)
        spq = xp.sqrt(nn * qq * (1 - qq))
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * qq
        c = nn * qq + 0.5
        alpha = (2.83 + 5.1 / b) * spq
        v_r = 0.92 - 4.2 / b
        m = xp.floor((nn + 1) * qq)
        log_odds = xp.log(qq / (1 - qq))
        with quiet():  # lgamma's reflection branch, computed everywhere, takes log(0)
            at_mode = lgamma_array(xp, m + 1) + lgamma_array(xp, nn - m + 1)
        pending = big
        while bool(xp.any(pending)):
            u = _draws("uniform", shape, device, generator) - 0.5
            v = _draws("uniform", shape, device, generator)
            us = 0.5 - xp.abs(u)
            k = xp.floor((2 * a / us + b) * u + c)
            inside = (k >= 0) & (k <= nn)
            with quiet():
                fast = (us >= 0.07) & (v <= v_r)
                log_v = xp.log(v * alpha / (a / (us * us) + b))
                log_ratio = at_mode - lgamma_array(xp, k + 1) - lgamma_array(xp, nn - k + 1)
                exact = log_v <= log_ratio + (k - m) * log_odds
            keep = pending & inside & (fast | exact)
            out = xp.where(keep, k, out)
            pending &= ~keep
        out = xp.where(flip, n - out, out)
        out = xp.where(xp.isnan(n) | xp.isnan(p), math.nan, out)
        return out.astype(prob.array.dtype, copy=False)


def binomial(count, prob, generator=None):
    for t in (count, prob):
        if t.array.dtype.kind != "f":
            raise NotImplementedError(
                f'"binomial_cpu" not implemented for {kernel_type(t.array.dtype)}'
            )
    return Binomial.apply(count, prob, generator)


def _check_float(t: Tensor, what: str) -> None:
    if t.array.dtype.kind != "f":
        raise RuntimeError(
            f"{what} is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {t.dtype}"
        )


def cauchy_(t: Tensor, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Cauchy draws: median + sigma * tan(pi * (u - 1/2)) for u uniform on [0, 1)."""
    _check_float(t, "Cauchy distribution")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")

    def sample(shape, dev, loc, scale, gen):
        u = random.uniform_array(shape, dev, generator=gen, dtype=t.dtype)
        return loc + scale * dev.xp.tan(np.pi * (u - 0.5))

    return t._fill_random(sample, median, sigma, generator)


def log_normal_(t: Tensor, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """exp of normal draws with this mean and std."""
    if t.array.dtype.kind != "f":
        raise NotImplementedError(f"log_normal_ is not implemented for {t.dtype}: use floats")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")

    def sample(shape, dev, m, s, gen):
        return dev.xp.exp(random.normal_array(shape, dev, m, s, generator=gen, dtype=t.dtype))

    return t._fill_random(sample, mean, std, generator)


def geometric_(t: Tensor, p, *, generator=None) -> Tensor:
    """The number of Bernoulli(p) trials up to the first success (1, 2, ...):
    ceil(log(1 - u) / log(1 - p)) for u uniform on [0, 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")

    def sample(shape, dev, prob, _, gen):
        u = random.uniform_array(shape, dev, generator=gen, dtype=_draw_dtype(t))
        return dev.xp.maximum(dev.xp.ceil(dev.xp.log1p(-u) / np.log1p(-prob)), 1)

    return t._fill_random(sample, p, None, generator)

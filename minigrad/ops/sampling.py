"""Sampling: multinomial (draws from a distribution a tensor gives; no gradient, the draws
are integers) and the in-place random fills (`x.normal_()`, `uniform_`, `bernoulli_`,
`random_`, `exponential_`). The numbers come from the tensor's device generator
(minigrad.random)."""

from __future__ import annotations

import functools

import numpy as np

from minigrad import dtypes, random
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

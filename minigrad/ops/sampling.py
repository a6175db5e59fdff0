"""Sampling from a distribution given by a tensor: multinomial. No gradient (the draws are
integers); the numbers come from the tensor's device generator (minigrad.random)."""

from __future__ import annotations

from minigrad import random
from minigrad.ops._util import quiet
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

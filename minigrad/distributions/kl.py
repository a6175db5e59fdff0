"""KL divergence KL(p || q) between two distributions, looked up by their types."""

from __future__ import annotations

import math
import warnings

import minigrad
from minigrad.distributions.bernoulli import Bernoulli
from minigrad.distributions.binomial import Binomial
from minigrad.distributions.categorical import Categorical, OneHotCategorical
from minigrad.distributions.cauchy import Cauchy
from minigrad.distributions.continuous_bernoulli import ContinuousBernoulli
from minigrad.distributions.dirichlet import Beta, Dirichlet
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.exp_family import ExponentialFamily
from minigrad.distributions.exponential import Exponential
from minigrad.distributions.gamma import Gamma
from minigrad.distributions.geometric import Geometric
from minigrad.distributions.gumbel import Gumbel
from minigrad.distributions.half_normal import HalfNormal
from minigrad.distributions.independent import Independent
from minigrad.distributions.laplace import Laplace
from minigrad.distributions.log_normal import LogNormal
from minigrad.distributions.lowrank_multivariate_normal import (
    LowRankMultivariateNormal,
    _log_det,
    _lowrank_mahalanobis,
)
from minigrad.distributions.multivariate_normal import (
    MultivariateNormal,
    _half_log_det,
    _mahalanobis,
)
from minigrad.distributions.normal import Normal
from minigrad.distributions.pareto import Pareto
from minigrad.distributions.poisson import Poisson
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.uniform import Uniform
from minigrad.distributions.utils import euler_constant, sum_rightmost
from minigrad.nn.functional import softplus
from minigrad.ops.special import digamma, lgamma
from minigrad.tensor import Tensor

_KL_REGISTRY: dict = {}  # (type_p, type_q) -> function(p, q)
_KL_MEMOIZE: dict = {}  # the function found for a pair of exact types


def register_kl(type_p, type_q):
    """Decorator: the function below computes KL(p || q) for p of type_p, q of type_q (and
    their subclasses, unless a more specific pair is registered).

    >>> @register_kl(Normal, Normal)
    ... def kl_normal_normal(p, q): ...
    """
    for name, cls in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(cls, type) and issubclass(cls, Distribution)):
            raise TypeError(f"Expected {name} to be a Distribution subclass but got {cls}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


def _dispatch_kl(type_p, type_q):
    """The registered function for the most specific pair of base classes, or None.

    # NOTE: pairs are ranked by how far up each MRO their classes sit, p's first, then q's
    # first; when the two rankings pick different functions the choice is ambiguous (as in
    # PyTorch, which warns and takes the first).
    """
    mro_p, mro_q = type_p.__mro__, type_q.__mro__
    matches = [
        (mro_p.index(p), mro_q.index(q)) for p, q in _KL_REGISTRY if p in mro_p and q in mro_q
    ]
    if not matches:
        return None
    left = min(matches)
    right = min(matches, key=lambda m: (m[1], m[0]))
    left_fun = _KL_REGISTRY[mro_p[left[0]], mro_q[left[1]]]
    right_fun = _KL_REGISTRY[mro_p[right[0]], mro_q[right[1]]]
    if left_fun is not right_fun:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}): register_kl a "
            "function for this exact pair to choose one",
            RuntimeWarning,
            stacklevel=3,
        )
    return left_fun


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) = E_p[log p(x) - log q(x)], one value per batch element."""
    key = (type(p), type(q))
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fun = _KL_MEMOIZE[key]
    if fun is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
            f"{type(q).__name__}; register one with @register_kl({type(p).__name__}, "
            f"{type(q).__name__})"
        )
    return fun(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """(var_p / var_q + (mu_p - mu_q)^2 / var_q - 1 - log(var_p / var_q)) / 2."""
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    """log det L_q - log det L_p + (|L_q^-1 L_p|^2 + |L_q^-1 (mu_q - mu_p)|^2 - k) / 2."""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes "
            "cannot be computed"
        )
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = _half_log_det(lq) - _half_log_det(lp)
    batch = minigrad.broadcast_shapes(lq.shape[:-2], lp.shape[:-2])
    n = p.event_shape[0]
    x = minigrad.linalg.solve_triangular(
        lq.expand(*batch, n, n), lp.expand(*batch, n, n), upper=False
    )
    term2 = (x * x).sum((-2, -1))
    term3 = _mahalanobis(lq, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """sum_k p_k (log p_k - log q_k): inf where q_k = 0 < p_k, terms with p_k = 0 are 0."""
    t = p.probs * (p.logits - q.logits)
    t = minigrad.where(q.probs == 0, math.inf, t)
    t = minigrad.where(p.probs == 0, 0.0, t)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """p log(p / q) + (1 - p) log((1 - p) / (1 - q)), from the logits (log p = -softplus(-l))."""
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = minigrad.where(p.probs == 0, 0.0, minigrad.where(q.probs == 0, math.inf, t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = minigrad.where(p.probs == 1, 0.0, minigrad.where(q.probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """log((high_q - low_q) / (high_p - low_p)), inf where p's support leaves q's."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return minigrad.where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    """r - 1 - log(r), r = rate_q / rate_p."""
    ratio = q.rate / p.rate
    return ratio - 1 - ratio.log()


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    """log(scale_q / scale_p) + |loc_p - loc_q| / scale_q
    + (scale_p / scale_q) exp(-|loc_p - loc_q| / scale_p) - 1."""
    ratio = p.scale / q.scale
    distance = (p.loc - q.loc).abs()
    return -ratio.log() + distance / q.scale + ratio * (-distance / p.scale).exp() - 1


@register_kl(LogNormal, LogNormal)
@register_kl(HalfNormal, HalfNormal)
def _kl_same_transform(p, q):
    """The KL of the base distributions: one bijection applied to both leaves it unchanged
    (PyTorch's rule for two TransformedDistributions with the same transforms)."""
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "kl_divergence(Independent, Independent): the two reinterpret different numbers of "
            f"batch dims ({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims})"
        )
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    """The Bregman divergence of the log normalizer F: KL = F(theta_q) - F(theta_p)
    - <theta_q - theta_p, grad F(theta_p)>, for two members of one family."""
    if type(p) is not type(q):
        raise NotImplementedError(
            "The cross KL-divergence between different exponential families cannot be "
            "computed using Bregman divergences"
        )
    # NOTE: as PyTorch, p's parameters are detached: the result's gradient reaches q's only
    p_thetas = [theta.detach().requires_grad_() for theta in p._natural_params]
    q_thetas = q._natural_params
    f_p = p._log_normalizer(*p_thetas)
    grads = minigrad.autograd.grad(f_p.sum(), p_thetas, create_graph=True)
    result = q._log_normalizer(*q_thetas) - f_p
    for p_theta, q_theta, g in zip(p_thetas, q_thetas, grads):
        result = result - sum_rightmost((q_theta - p_theta) * g, len(q.event_shape))
    return result


# -- the gamma family: the pairs PyTorch registers ------------------------------------------


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    cp, rp, cq, rq = p.concentration, p.rate, q.concentration, q.rate
    return (
        cq * (rp / rq).log()
        + lgamma(cq)
        - lgamma(cp)
        + (cp - cq) * digamma(cp)
        + (rq - rp) * (cp / rp)
    )


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    return _kl_dirichlet_dirichlet(p._dirichlet, q._dirichlet)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    """lgamma(sum c_p) - lgamma(sum c_q) - sum (lgamma(c_p) - lgamma(c_q))
    + sum (c_p - c_q)(digamma(c_p) - digamma(sum c_p))."""
    cp, cq = p.concentration, q.concentration
    total_p = cp.sum(-1)
    t1 = lgamma(total_p) - lgamma(cq.sum(-1))
    t2 = (lgamma(cp) - lgamma(cq)).sum(-1)
    t3 = ((cp - cq) * (digamma(cp) - digamma(total_p).unsqueeze(-1))).sum(-1)
    return t1 - t2 + t3


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    """n p (logit p - logit q) + n log((1 - p) / (1 - q)); inf where p's count exceeds q's."""
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError(
            "KL between Binomials where q.total_count > p.total_count is not implemented"
        )
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return minigrad.where(p.total_count > q.total_count, math.inf, kl)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    c1, c0, cq = p.concentration1, p.concentration0, q.concentration
    t2 = lgamma(cq) - cq * q.rate.log()
    t3 = (cq - 1) * (digamma(c1) - digamma(c1 + c0))
    return -p.entropy() + t2 - t3 + q.rate * p.mean


def _normal_cross_entropy(mean: Tensor, second_moment: Tensor, q) -> Tensor:
    """E_p[-log q(x)] for a Normal q, from p's first two moments E[x] and E[x^2]:
    log(sigma sqrt(2 pi)) + E_p[(x - mu)^2] / (2 sigma^2)."""
    var_q = q.scale.pow(2)
    t2 = 0.5 * (var_q * 2 * math.pi).log()
    return t2 + (0.5 * second_moment - q.loc * mean + 0.5 * q.loc.pow(2)) / var_q


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    mean = p.mean
    second_moment = mean * (1 - mean) / (p.concentration1 + p.concentration0 + 1) + mean.pow(2)
    return -p.entropy() + _normal_cross_entropy(mean, second_moment, q)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    mean = p.rate.reciprocal()
    return -p.entropy() + _normal_cross_entropy(mean, 2 * mean.pow(2), q)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    second_moment = p.loc.pow(2) + 2 * p.scale.pow(2)
    return -p.entropy() + _normal_cross_entropy(p.loc, second_moment, q)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    second_moment = (p.high.pow(2) + p.high * p.low + p.low.pow(2)) / 3
    return -p.entropy() + _normal_cross_entropy((p.high + p.low) / 2, second_moment, q)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    """-H(p) + log(2 b) + E_p|x - m| / b; for x ~ N(mu, s) and d = mu - m, E|x - m| =
    s sqrt(2 / pi) exp(-d^2 / (2 s^2)) + d erf(d / (s sqrt(2)))."""
    d, s = p.loc - q.loc, p.scale
    mean_abs = s * math.sqrt(2 / math.pi) * (-0.5 * (d / s).pow(2)).exp()
    mean_abs = mean_abs + d * (d / (s * math.sqrt(2))).erf()
    return -p.entropy() + (2 * q.scale).log() + mean_abs / q.scale


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    """inf where p's support reaches below 0."""
    result = -p.entropy() - q.rate.log() + q.rate * (p.high + p.low) / 2
    return minigrad.where(p.low < 0, math.inf, result)


@register_kl(Beta, Uniform)
@register_kl(ContinuousBernoulli, Uniform)
def _kl_unit_interval_uniform(p, q):
    """-H(p) + log(high - low) for p on [0, 1]; inf where q does not cover [0, 1] (PyTorch's
    ContinuousBernoulli one also gives inf for q = [0, 1] itself)."""
    result = -p.entropy() + (q.high - q.low).log()
    return minigrad.where((q.low > 0) | (q.high < 1), math.inf, result)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    ratio = q.rate / p.rate
    c = q.concentration
    return -c * ratio.log() + ratio + lgamma(c) + c * euler_constant - (1 + euler_constant)


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.concentration / p.rate


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    c, rate, var_q = p.concentration, p.rate, q.scale.pow(2)
    rate2 = rate.pow(2)
    t1 = 0.5 * (rate2 * var_q * 2 * math.pi).log() - c - lgamma(c)
    t2 = 0.5 * (c.pow(2) + c) / rate2
    t3 = q.loc * c / rate
    return t1 + (c - 1) * digamma(c) + (t2 - t3 + 0.5 * q.loc.pow(2)) / var_q


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    """inf where p's support leaves [0, 1]. x log x is 0 at x = 0 here (PyTorch's gives nan
    for a Uniform starting or ending at 0 or 1)."""
    width = p.high - p.low
    c1, c0 = q.concentration1, q.concentration0
    t2 = (c1 - 1) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    t3 = (c0 - 1) * (_x_log_x(1 - p.high) - _x_log_x(1 - p.low) + width) / width
    t4 = lgamma(c1) + lgamma(c0) - lgamma(c1 + c0)
    result = t3 + t4 - width.log() - t2
    return minigrad.where((p.high > 1) | (p.low < 0), math.inf, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    width = p.high - p.low
    c = q.concentration
    t2 = lgamma(c) - c * q.rate.log()
    t3 = (1 - c) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    result = -width.log() + t2 + t3 + q.rate * (p.high + p.low) / 2
    return minigrad.where(p.low < 0, math.inf, result)


@register_kl(Beta, Pareto)
@register_kl(ContinuousBernoulli, Pareto)
@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Exponential, Pareto)
@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gamma, Pareto)
@register_kl(Gumbel, Beta)
@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Pareto)
@register_kl(Gumbel, Uniform)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Laplace, Pareto)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Normal, Pareto)
@register_kl(Pareto, Beta)
@register_kl(Pareto, ContinuousBernoulli)
@register_kl(Pareto, Uniform)
@register_kl(Exponential, Beta)
@register_kl(Exponential, Uniform)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Uniform)
@register_kl(Normal, Exponential)
@register_kl(Normal, Uniform)
@register_kl(Gamma, Beta)
@register_kl(Gamma, Uniform)
@register_kl(Laplace, Beta)
@register_kl(Laplace, Gamma)
@register_kl(Normal, Beta)
@register_kl(Normal, Gamma)
@register_kl(Poisson, Bernoulli)
@register_kl(Poisson, Binomial)
def _kl_infinite(p, q):
    """p puts mass where q has none: KL is inf for every batch element."""
    first = getattr(p, next(iter(type(p).arg_constraints)))  # rate, concentration or loc
    return minigrad.full_like(first, math.inf)


def _x_log_x(x: Tensor) -> Tensor:
    return x.xlogy(x)


# -- the distributions built on transforms, the discrete ones and the low-rank normal -------


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    """The base distributions' KL, when p and q apply the same transforms."""
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError(
            "kl_divergence(TransformedDistribution, TransformedDistribution) needs the same "
            "transforms and event_shape on both"
        )
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    """log(((s_p + s_q)^2 + (m_p - m_q)^2) / (4 s_p s_q)) (Chyzak and Nielsen, 2019)."""
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    return t1 - (4 * p.scale * q.scale).log()


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ratio = p.scale / q.scale
    q_loc, p_loc = q.loc / q.scale, p.loc / q.scale
    t3 = (q_loc + lgamma(1 + ratio) - p_loc).exp()
    return -ratio.log() - q_loc + p_loc + ratio * euler_constant + t3 - (1 + euler_constant)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    """inf where p's support starts below q's."""
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return minigrad.where(p.scale < q.scale, math.inf, result)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._log_norm() + (-p.probs).log1p()
    return t1 + t2 - q._log_norm() - (-q.probs).log1p()


def _cross_entropy_continuous_bernoulli(mean, q):
    """-E_p[log q(x)] for q continuous Bernoulli and any p on [0, 1] of this mean."""
    return -mean * q.logits - (-q.probs).log1p() - q._log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _cross_entropy_continuous_bernoulli(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    """inf where p leaves [0, 1] (PyTorch's also gives inf for p reaching 0 or 1 exactly)."""
    result = -p.entropy() + _cross_entropy_continuous_bernoulli(p.mean, q)
    return minigrad.where((p.high > 1) | (p.low < 0), math.inf, result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).pow(2)) + q.scale.log()
    t3 = (p.variance + p.mean.pow(2) - 2.0 * q.loc * p.mean) / (2.0 * q.scale.pow(2))
    return -p.entropy() + t2 + t3


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    rate_scale = p.rate * q.scale
    loc_ratio = q.loc / q.scale
    t2 = loc_ratio.exp() * rate_scale / (rate_scale + 1)
    return rate_scale.log() - 1 - loc_ratio + t2 + rate_scale.reciprocal()


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    c = p.concentration
    rate_scale = p.rate * q.scale
    loc_ratio = q.loc / q.scale
    t1 = (c - 1) * digamma(c) - lgamma(c) - c
    t2 = rate_scale.log() + c / rate_scale
    t3 = loc_ratio.exp() * (1 + rate_scale.reciprocal()).pow(-c) - loc_ratio
    return t1 + t2 + t3


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    ratio = p.scale / q.scale
    t1 = (ratio / math.sqrt(2 * math.pi)).log()
    t2 = (math.pi * ratio * 0.5).pow(2) / 3
    t3 = ((p.loc + p.scale * euler_constant - q.loc) / q.scale).pow(2) * 0.5
    return -t1 + t2 + t3 - (euler_constant + 1)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    mean_ratio = p.loc / q.scale
    var_ratio = (p.scale / q.scale).pow(2)
    loc_ratio = q.loc / q.scale
    t3 = (-mean_ratio + 0.5 * var_ratio + loc_ratio).exp()
    return -0.5 * var_ratio.log() + mean_ratio - loc_ratio + t3 - 0.5 * (1 + math.log(2 * math.pi))


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    ratio = q.scale / (p.high - p.low)
    high = (p.high - q.loc) / q.scale
    low = (p.low - q.loc) / q.scale
    return ratio.log() + 0.5 * (high + low) - ratio * ((-high).exp() - (-low).exp())


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    """inf for alpha <= 1 (p has no mean)."""
    scale_rate = p.scale * q.rate
    a = p.alpha
    result = (a / scale_rate).log() - a.reciprocal() + a * scale_rate / (a - 1) - 1
    return minigrad.where(a <= 1, math.inf, result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    """inf for alpha <= 1 (p has no mean)."""
    a, c = p.alpha, q.concentration
    common = p.scale.log() + a.reciprocal()
    t2 = lgamma(c) - c * q.rate.log()
    result = a.log() - common + t2 + (1 - c) * common + q.rate * a * p.scale / (a - 1) - 1
    return minigrad.where(a <= 1, math.inf, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    """inf for alpha <= 2 (p has no variance)."""
    a = p.alpha
    two_var = 2 * q.scale.pow(2)
    common = p.scale / (a - 1)
    t1 = (math.sqrt(2 * math.pi) * q.scale * a / p.scale).log()
    t3 = a * common.pow(2) / (a - 2)
    t4 = (a * common - q.loc).pow(2)
    result = t1 - a.reciprocal() + (t3 + t4) / two_var - 1
    return minigrad.where(a <= 2, math.inf, result)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    """inf where p's support starts below q's scale."""
    width = p.high - p.low
    t1 = (q.alpha * q.scale.pow(q.alpha) * width).log()
    t2 = (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    result = t2 * (q.alpha + 1) - t1
    return minigrad.where(p.low < q.scale, math.inf, result)


def _check_event_shapes(p, q) -> None:
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two (Low Rank) Multivariate Normals with different event "
            "shapes cannot be computed"
        )


def _squared_norm(x: Tensor) -> Tensor:
    """|X|_F^2 over the last two dims: tr(X X^T)."""
    return x.pow(2).sum((-2, -1))


def _lowrank_precision_root(q) -> Tensor:
    """A with Sigma_q^-1 = D^-1 - A^T A (Woodbury): A = C^-1 W^T D^-1, C q's capacitance
    factor."""
    wt_dinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return minigrad.linalg.solve_triangular(q._capacitance_tril, wt_dinv, upper=False)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    """(log det S_q - log det S_p + tr(S_q^-1 S_p) + |mu_q - mu_p|^2_{S_q^-1} - n) / 2, with
    S_p = W_p W_p^T + D_p and the trace split over the Woodbury form of S_q^-1."""
    _check_event_shapes(p, q)
    wq, dq = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    wp, dp = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    term1 = _log_det(dq, q._capacitance_tril) - _log_det(dp, p._capacitance_tril)
    term3 = _lowrank_mahalanobis(wq, dq, q.loc - p.loc, q._capacitance_tril)
    a = _lowrank_precision_root(q)
    trace = (
        (dp / dq).sum(-1)
        + _squared_norm(wp * dq.rsqrt().unsqueeze(-1))
        - _squared_norm(a * dp.sqrt().unsqueeze(-2))
        - _squared_norm(a @ wp)
    )
    return 0.5 * (term1 + trace + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariatenormal_lowrank(p, q):
    _check_event_shapes(p, q)
    wq, dq = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    lp = p._unbroadcasted_scale_tril
    term1 = _log_det(dq, q._capacitance_tril) - 2 * _half_log_det(lp)
    term3 = _lowrank_mahalanobis(wq, dq, q.loc - p.loc, q._capacitance_tril)
    a = _lowrank_precision_root(q)
    trace = _squared_norm(lp * dq.rsqrt().unsqueeze(-1)) - _squared_norm(a @ lp)
    return 0.5 * (term1 + trace + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_multivariatenormal(p, q):
    _check_event_shapes(p, q)
    wp, dp = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    lq = q._unbroadcasted_scale_tril
    term1 = 2 * _half_log_det(lq) - _log_det(dp, p._capacitance_tril)
    term3 = _mahalanobis(lq, q.loc - p.loc)
    n = p.event_shape[0]
    batch = minigrad.broadcast_shapes(lq.shape[:-2], wp.shape[:-2])
    lq = lq.expand(*batch, n, n)
    solve = minigrad.linalg.solve_triangular
    trace = _squared_norm(solve(lq, wp.expand(*batch, n, wp.shape[-1]), upper=False))
    trace = trace + _squared_norm(
        solve(lq, dp.sqrt().diag_embed().expand(*batch, n, n), upper=False)
    )
    return 0.5 * (term1 + trace + term3 - n)

"""validate_args: bad parameters and values out of the support raise what PyTorch raises, with
PyTorch's message (minigrad.Size where PyTorch says torch.Size); validation can be turned off
per distribution and for all."""

from __future__ import annotations

import math

import pytest
from pytorch_errors import assert_fails_as_pytorch

import minigrad

# each takes a library (torch or minigrad) and does something PyTorch refuses
BAD_CALLS = {
    "negative_scale": lambda t: t.distributions.Normal(t.tensor([0.0, 1.0]), t.tensor([1.0, -1.0])),
    "nan_loc": lambda t: t.distributions.Normal(t.tensor([math.nan]), 1.0),
    "nan_value": lambda t: t.distributions.Normal(0.0, 1.0).log_prob(t.tensor(math.nan)),
    "value_not_a_tensor": lambda t: t.distributions.Normal(0.0, 1.0).log_prob(0.5),
    "value_shape": lambda t: t.distributions.Normal(t.zeros(3), 1.0).log_prob(t.zeros(2)),
    "negative_probs": lambda t: t.distributions.Categorical(t.tensor([0.5, -0.1])),
    "probs_and_logits": lambda t: t.distributions.Categorical(
        probs=t.tensor([0.5, 0.5]), logits=t.tensor([0.0, 0.0])
    ),
    "neither": lambda t: t.distributions.Categorical(),
    "scalar_probs": lambda t: t.distributions.Categorical(t.tensor(0.5)),
    "scalar_logits": lambda t: t.distributions.Categorical(logits=t.tensor(0.5)),
    "class_too_large": lambda t: t.distributions.Categorical(t.tensor([0.5, 0.5])).log_prob(
        t.tensor(2)
    ),
    "class_not_integer": lambda t: t.distributions.Categorical(logits=t.zeros(2, 3)).log_prob(
        t.tensor([0.5, 1.0])
    ),
    "nan_logits": lambda t: t.distributions.Categorical(logits=t.tensor([0.0, math.nan])),
    "bernoulli_probs": lambda t: t.distributions.Bernoulli(t.tensor(1.5)),
    "bernoulli_neither": lambda t: t.distributions.Bernoulli(),
    "bernoulli_value": lambda t: t.distributions.Bernoulli(t.tensor(0.5)).log_prob(t.tensor(0.5)),
    "uniform_low_above_high": lambda t: t.distributions.Uniform(1.0, 0.0),
    "uniform_value": lambda t: t.distributions.Uniform(0.0, 1.0).log_prob(t.tensor(2.0)),
    "one_hot_value": lambda t: t.distributions.OneHotCategorical(t.ones(3)).log_prob(
        t.tensor([1.0, 1.0, 0.0])
    ),
    "one_hot_event_shape": lambda t: t.distributions.OneHotCategorical(t.ones(3)).log_prob(
        t.tensor([1.0, 0.0])
    ),
    "independent_too_many_dims": lambda t: t.distributions.Independent(
        t.distributions.Normal(t.zeros(3), 1.0), 2
    ),
    "independent_value": lambda t: t.distributions.Independent(
        t.distributions.Normal(t.zeros(2, 3), 1.0), 1
    ).log_prob(t.tensor([0.0, math.nan, 0.0])),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_error_type_and_message_are_pytorchs(name):
    assert_fails_as_pytorch(BAD_CALLS[name])


def test_parameters_that_do_not_broadcast_raise_runtime_error_naming_the_shapes():
    with pytest.raises(RuntimeError, match=r"shapes \(3,\) and \(2,\) cannot be broadcast"):
        minigrad.distributions.Normal(minigrad.zeros(3), minigrad.ones(2))
    for loc, scale in [("a", 1.0), (minigrad.zeros(2), [1.0, 2.0])]:
        with pytest.raises(ValueError, match="instances of Number or Tensor, got (str|list)"):
            minigrad.distributions.Normal(loc, scale)


def test_validate_args_false_skips_the_checks():
    D = minigrad.distributions
    m = D.Normal(0.0, -1.0, validate_args=False)  # no error: not checked
    assert math.isnan(m.log_prob(minigrad.tensor(0.0)).item())
    c = D.Categorical(logits=minigrad.zeros(2), validate_args=False)
    c.log_prob(minigrad.tensor(0.5))  # PyTorch too takes the class int(0.5) = 0 unchecked


@pytest.fixture
def default_validation_restored():
    yield
    minigrad.distributions.Distribution.set_default_validate_args(True)


def test_set_default_validate_args(default_validation_restored):
    D = minigrad.distributions
    D.Distribution.set_default_validate_args(False)
    D.Bernoulli(minigrad.tensor(1.5))  # not checked
    assert D.Normal(0.0, 1.0, validate_args=True)._validate_args  # unless asked
    with pytest.raises(ValueError, match="constraint GreaterThan"):
        D.Normal(0.0, -1.0, validate_args=True)
    D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="constraint Interval"):
        D.Bernoulli(minigrad.tensor(1.5))
    with pytest.raises(ValueError, match="True or False"):
        D.Distribution.set_default_validate_args("yes")


def test_rsample_of_a_discrete_distribution_says_why_not():
    c = minigrad.distributions.Categorical(logits=minigrad.zeros(3))
    assert not c.has_rsample
    with pytest.raises(NotImplementedError, match="Categorical has no rsample.*REINFORCE"):
        c.rsample()

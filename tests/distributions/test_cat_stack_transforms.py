"""CatTransform and StackTransform (and constraints.cat / constraints.stack with their
biject_to and transform_to) against PyTorch: values, inverses, log|det J| (concatenated along
a batch dim or summed inside the event), their gradients, event dims, checks and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.testing import assert_close, gradcheck


def _cat(lib, dim, lengths):
    T = lib.distributions.transforms
    parts = [T.ExpTransform(), T.identity_transform, T.SigmoidTransform(), T.TanhTransform()]
    return T.CatTransform(parts[: len(lengths)], dim=dim, lengths=lengths)


def _stack(lib, dim):
    T = lib.distributions.transforms
    return T.StackTransform(
        [T.ExpTransform(), T.AffineTransform(1.0, -2.0), T.TanhTransform()], dim
    )


def _event_cat(lib, dim):
    """A part with event_dim 1 and one with 0, along a batch dim (0) or in the event (-1)."""
    T = lib.distributions.transforms
    parts = [T.IndependentTransform(T.ExpTransform(), 1), T.SigmoidTransform()]
    return T.CatTransform(parts, dim, [1, 2])


def _compare(make, shape, seed, scale=0.5, check=True):
    a = np.random.default_rng(seed).standard_normal(shape) * scale
    outs = []
    for lib in (minigrad, torch):
        t = make(lib)
        x = lib.tensor(a, requires_grad=True)
        y = t(x)
        ladj = t.log_abs_det_jacobian(x, y)
        (y.sum() + ladj.sum()).backward()
        outs.append((t, y, t.inv(y.detach()), ladj, x.grad))
    (t, *mine), (tt, *theirs) = outs
    for m, o in zip(mine, theirs):
        assert tuple(m.shape) == tuple(o.shape)
        assert_close(m, o, rtol=1e-7, atol=1e-10)
    assert (t.event_dim, t.domain.event_dim, t.bijective) == (
        tt.event_dim,
        tt.domain.event_dim,
        tt.bijective,
    )
    if not check:
        return t, None
    assert bool(t.codomain.check(mine[0]).all())
    assert tuple(t.codomain.check(mine[0]).shape) == tuple(tt.codomain.check(theirs[0]).shape)
    return t, minigrad.tensor(a, requires_grad=True)


@settings(max_examples=30, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 3), min_size=1, max_size=4),
    batch=st.lists(st.integers(1, 3), max_size=2),
    where=st.integers(0, 2),
    negative=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_cat_transform_matches_torch(lengths, batch, where, negative, seed):
    where = min(where, len(batch))
    shape = (*batch[:where], sum(lengths), *batch[where:])
    dim = where - len(shape) if negative else where
    t, x = _compare(lambda lib: _cat(lib, dim, lengths), shape, seed)
    assert gradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)), (x,))


@settings(max_examples=20, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    where=st.integers(0, 2),
    negative=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_stack_transform_matches_torch(batch, where, negative, seed):
    where = min(where, len(batch))
    shape = (*batch[:where], 3, *batch[where:])
    dim = where - len(shape) if negative else where
    t, x = _compare(lambda lib: _stack(lib, dim), shape, seed)
    assert gradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)), (x,))


@pytest.mark.parametrize("dim", [0, -1])
def test_parts_with_event_dims(dim):
    """dim 0 is a batch dim: one log|det J| per slice, concatenated; dim -1 lies in the event:
    the parts' terms (the event-dim-0 part's summed over the event) are added. (The codomain's
    check cannot join the parts' checks of different event dims, in PyTorch neither.)"""
    shape = (3, 4) if dim == 0 else (4, 3)  # 1 + 2 slices along dim
    _compare(lambda lib: _event_cat(lib, dim), shape, seed=3, check=False)


def test_biject_to_cat_and_stack_constraints():
    for lib in (minigrad, torch):
        C = lib.distributions.constraints
        cat = C.cat([C.positive, C.real, C.interval(-1.0, 2.0)], dim=-1, lengths=[2, 1, 1])
        stack = C.stack([C.positive, C.unit_interval], dim=0)
        u = lib.tensor([[0.3, -2.0, 5.0, -1.0], [1.0, 0.5, -0.5, 3.0]], dtype=lib.float64)
        for registry in (lib.distributions.biject_to, lib.distributions.transform_to):
            y, z = registry(cat)(u), registry(stack)(u)
            assert bool(cat.check(y).all()) and bool(stack.check(z).all())
        if lib is minigrad:
            mine = (y, z, cat.check(u), stack.check(u), cat.event_dim, stack.event_dim)
        else:
            theirs = (y, z, cat.check(u), stack.check(u), cat.event_dim, stack.event_dim)
    for m, o in zip(mine[:4], theirs[:4]):
        assert_close(m, o, rtol=1e-12, atol=0)
    assert mine[4:] == theirs[4:]


def test_cache_and_with_cache():
    T = minigrad.distributions.transforms
    t = T.CatTransform([T.ExpTransform(), T.TanhTransform()], cache_size=1)
    assert all(part._cache_size == 1 for part in t.transforms)
    x = minigrad.tensor([0.5, 30.0])
    y = t(x)
    assert t(x) is y and t.inv(y) is x
    assert T.StackTransform([T.ExpTransform()]).with_cache(1)._cache_size == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda T, x: T.CatTransform([T.ExpTransform()], lengths=[1, 2]),
        lambda T, x: T.CatTransform([T.ExpTransform(), "exp"]),
        lambda T, x: T.CatTransform([T.ExpTransform()], dim=0, lengths=[2])(x),
        lambda T, x: T.CatTransform([T.ExpTransform()], dim=2, lengths=[3])(x),
        lambda T, x: T.StackTransform([T.ExpTransform()], dim=1)(x),
        lambda T, x: T.StackTransform([T.ExpTransform()] * 3, dim=-3)(x),
    ],
)
def test_errors_as_torch(call):
    messages = []
    for lib in (minigrad, torch):
        with pytest.raises(AssertionError) as info:
            call(lib.distributions.transforms, lib.ones(3, 3))
        messages.append(str(info.value))
    assert messages[0] == messages[1]

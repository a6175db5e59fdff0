"""What a graph node shows of its op, compared with PyTorch: the tensors it saved
(`grad_fn._saved_self`, `_saved_result`, ..., from the autograd notes), the edges
`next_functions` lists (none for an index, a mask, a condition or a target), and the view
`reshape` gives for the same shape."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import minigrad

SAVED = {
    "x.pow(2)": (lambda lib, x, y: x.pow(2), ["self"]),
    "x * y": (lambda lib, x, y: x * y, ["self", "other"]),
    "x / y": (lambda lib, x, y: x / y, ["self", "other"]),
    "x.exp()": (lambda lib, x, y: x.exp(), ["result"]),
    "x.sqrt()": (lambda lib, x, y: x.abs().sqrt(), ["result"]),
    "x.log()": (lambda lib, x, y: x.abs().log(), ["self"]),
    "x.sin()": (lambda lib, x, y: x.sin(), ["self"]),
    "x.cos()": (lambda lib, x, y: x.cos(), ["self"]),
    "x.abs()": (lambda lib, x, y: x.abs(), ["self"]),
    "x.tanh()": (lambda lib, x, y: x.tanh(), ["result"]),
    "x.sigmoid()": (lambda lib, x, y: x.sigmoid(), ["result"]),
    "x.relu()": (lambda lib, x, y: x.relu(), ["result"]),
    "F.gelu(x)": (lambda lib, x, y: lib.nn.functional.gelu(x), ["self"]),
    "x @ y.T": (lambda lib, x, y: x @ y.T, ["self", "mat2"]),
}


def _saved(lib, case):
    fn, names = SAVED[case]
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.normal(size=(2, 3)).astype(np.float32), requires_grad=True)
    y = lib.tensor(rng.normal(size=(2, 3)).astype(np.float32), requires_grad=True)
    out = fn(lib, x, y)
    node = out.grad_fn
    results = {}
    for name in names:
        value = getattr(node, f"_saved_{name}")
        same = [value is t for t in (x, y, out)]
        results[name] = (value.detach().numpy().tolist(), same)
    out.sum().backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        getattr(node, f"_saved_{names[0]}")
    return results


@pytest.mark.parametrize("case", SAVED)
def test_a_node_shows_what_it_saved_as_pytorch(case):
    """The same values, and the same identity: an input is the tensor itself, a result is
    another tensor object (`y.grad_fn._saved_result is y` is False in both)."""
    ours, theirs = _saved(minigrad, case), _saved(torch, case)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        np.testing.assert_allclose(ours[name][0], theirs[name][0], rtol=1e-6)
        assert ours[name][1] == theirs[name][1], name


def test_an_unknown_saved_name_raises_attribute_error():
    y = minigrad.ones(2, requires_grad=True).exp()
    with pytest.raises(AttributeError, match="has no attribute '_saved_self'"):
        y.grad_fn._saved_self
    assert not hasattr(y.grad_fn, "_saved_other")


EDGES = {
    "where": lambda lib, w, i, c: lib.where(c, w, w * 2),
    "where(c, 0.0, w)": lambda lib, w, i, c: lib.where(c, 0.0, w),
    "where(c, w, 0.0)": lambda lib, w, i, c: lib.where(c, w, 0.0),
    "masked_fill": lambda lib, w, i, c: w.masked_fill(c, 0.0),
    "masked_fill tensor value": lambda lib, w, i, c: w.masked_fill(c, lib.tensor(1.0)),
    "embedding": lambda lib, w, i, c: lib.nn.functional.embedding(i, w.view(4, 1)),
    "embedding_bag": lambda lib, w, i, c: lib.nn.functional.embedding_bag(
        i, w.view(4, 1), lib.tensor([0, 1])
    ),
    "nll_loss": lambda lib, w, i, c: lib.nn.functional.nll_loss(w.view(1, 4), i[:1]),
    "nll_loss weight": lambda lib, w, i, c: lib.nn.functional.nll_loss(
        w.view(1, 4), i[:1], weight=lib.ones(4)
    ),
    "w * c": lambda lib, w, i, c: w * c,
}


def _edges(lib, case):
    w = lib.tensor([0.5, -1.0, 2.0, -0.2], requires_grad=True)
    out = EDGES[case](lib, w, lib.tensor([2, 0, 3]), w > 0)
    text = str((out.grad_fn.name(), out.grad_fn.next_functions))
    return re.sub(r" object at 0x[0-9a-f]+", "", text)


@pytest.mark.parametrize("case", EDGES)
def test_next_functions_list_no_edge_for_an_index_mask_or_target(case):
    """PyTorch's node has an edge for each input it differentiates: an integer or bool
    tensor that is an index, a mask, a condition or a target has none (`w * c` has one)."""
    assert _edges(minigrad, case) == _edges(torch, case)


def test_a_node_hook_sees_no_gradient_for_the_condition():
    grad_inputs = {}
    for lib in (minigrad, torch):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        out = lib.where(w > 0, w, w * 3)
        out.grad_fn.register_hook(lambda gi, go, lib=lib: grad_inputs.update({lib: gi}))
        out.sum().backward()
    ours, theirs = grad_inputs[minigrad], grad_inputs[torch]
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _same_shape_reshape(lib):
    x = lib.arange(6.0).view(2, 3)
    r, a = x.reshape(x.shape), lib.reshape(x, (2, 3))
    r[0, 0] = 7.0
    w = lib.ones(2, 3, requires_grad=True)
    same = w.reshape(2, 3)
    return [r is x, r._base is x, a is x, a._base is x, x[0, 0].item(), x.reshape_as(x) is x,
            same is w, same.grad_fn.name(), same.is_leaf]  # fmt: skip


def test_reshape_to_the_same_shape_is_a_new_view_as_pytorch():
    """PyTorch returns a view (`_base` is x, ViewBackward0), never x itself."""
    assert _same_shape_reshape(minigrad) == _same_shape_reshape(torch)


def test_a_node_keeps_metadata_for_its_user():
    """PyTorch's `grad_fn.metadata`: a dict per node (AccumulateGrad too), kept across reads."""
    for lib in (minigrad, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        assert y.grad_fn.metadata == {}
        y.grad_fn.metadata["layer"] = "fc1"
        leaf = y.grad_fn.next_functions[0][0]
        leaf.metadata["name"] = "x"
        assert y.grad_fn.metadata == {"layer": "fc1"} and leaf.metadata == {"name": "x"}

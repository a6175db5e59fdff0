"""nn.EmbeddingBag and F.embedding_bag against PyTorch: every mode, empty bags, repeated
indices, per-sample weights, padding_idx, include_last_offset, ties in max, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn


def _bags(rng, n_bags, vocab):
    """A flat index with bag starts: sizes 0 to 4 (some empty), repeated indices."""
    sizes = rng.integers(0, 5, n_bags)
    index = rng.integers(0, vocab, int(sizes.sum()))
    return index, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


@pytest.mark.parametrize(
    "mode, extra",
    [
        ("mean", {}),
        ("sum", {}),
        ("max", {}),
        ("sum", {"per_sample_weights": True}),
        ("mean", {"padding_idx": 2}),
        ("max", {"padding_idx": -1}),
        ("sum", {"include_last_offset": True}),
    ],
)
def test_embedding_bag_matches_pytorch(mode, extra):
    rng = np.random.default_rng(0)
    index, offsets = _bags(rng, 7, 6)
    if extra.get("include_last_offset"):
        offsets = np.append(offsets, len(index))
    ours = nn.EmbeddingBag(
        6, 3, mode=mode, **{k: v for k, v in extra.items() if k != "per_sample_weights"}
    )
    theirs = torch.nn.EmbeddingBag(
        6, 3, mode=mode, **{k: v for k, v in extra.items() if k != "per_sample_weights"}
    )
    theirs.double()
    ours.double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    psw = rng.standard_normal(len(index)) if extra.get("per_sample_weights") else None
    args = [(minigrad, ours), (torch, theirs)]
    results = []
    for lib, layer in args:
        weights = None if psw is None else lib.tensor(psw, requires_grad=True)
        out = layer(lib.tensor(index), lib.tensor(offsets), per_sample_weights=weights)
        (out * lib.tensor(np.arange(out.numel()).reshape(out.shape) % 5 - 2.0)).sum().backward()
        grads = [layer.weight.grad.numpy()] + ([] if weights is None else [weights.grad.numpy()])
        results.append([out.detach().numpy(), *grads])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert results[0][0].shape == (len(offsets) - extra.get("include_last_offset", 0), 3)


def test_2d_input_is_bags_of_equal_length_and_max_ties_go_to_the_first_row():
    """Rows 0 and 1 are equal: each column's maximum (and gradient) goes to the first of them
    in the bag, as PyTorch."""
    values = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 3.0]])
    index = [[1, 0, 2], [0, 1, 1]]
    grads = []
    for lib in (minigrad, torch):
        weight = lib.tensor(values, requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor(index), weight, mode="max")
        out.sum().backward()
        grads.append(weight.grad.numpy())
        assert out.tolist() == [[1.0, 3.0], [1.0, 2.0]]
    np.testing.assert_array_equal(*grads)
    assert grads[0].tolist() == [[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]


def test_module_repr_init_and_from_pretrained():
    bag = nn.EmbeddingBag(10, 3, mode="max", padding_idx=0)
    assert repr(bag) == repr(torch.nn.EmbeddingBag(10, 3, mode="max", padding_idx=0))
    assert repr(nn.EmbeddingBag(4, 2)) == "EmbeddingBag(4, 2, mode='mean')"
    assert bag.weight[0].tolist() == [0.0, 0.0, 0.0] and bag.weight[1:].abs().sum().item() > 0
    table = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.EmbeddingBag.from_pretrained(table, mode="sum")
    assert not frozen.weight.requires_grad
    assert frozen(minigrad.tensor([[0, 1]])).tolist() == [[4.0, 6.0]]
    assert nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(NotImplementedError, match="EmbeddingBag: scale_grad_by_freq is not"):
        nn.EmbeddingBag(4, 2, scale_grad_by_freq=True)


def _renormed(lib, make, call):
    """A table with rows of norms above and below the limit, looked up by call(module)."""
    module = make(lib)
    with lib.no_grad():
        module.weight.copy_(lib.tensor([[3.0, 4.0], [0.3, 0.4], [1.0, -1.0], [6.0, 8.0]]))
    out = call(lib, module)
    out.pow(2).sum().backward()
    return [
        out.detach().numpy(), module.weight.detach().numpy(), module.weight.grad.numpy(),
        module.weight._version, repr(module),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "make, call",
    [
        (lambda lib: lib.nn.Embedding(4, 2, max_norm=1.0), lambda lib, m: m(lib.tensor([0, 2, 0]))),
        (
            lambda lib: lib.nn.Embedding(4, 2, max_norm=1.5, norm_type=1.0),
            lambda lib, m: m(lib.tensor([[2, 1], [0, 0]])),
        ),
        (
            lambda lib: lib.nn.EmbeddingBag(4, 2, max_norm=2.0, mode="sum"),
            lambda lib, m: m(lib.tensor([0, 1, 2, 1]), lib.tensor([0, 2])),
        ),
        (
            lambda lib: lib.nn.Embedding(4, 2),
            lambda lib, m: lib.nn.functional.embedding(
                lib.tensor([3, 1]), m.weight, max_norm=float("inf")
            ),
        ),
        (
            lambda lib: lib.nn.Embedding(4, 2),
            lambda lib, m: lib.nn.functional.embedding(
                lib.tensor([3, 1]), m.weight, max_norm=2.0, norm_type=float("inf")
            ),
        ),
    ],
)
def test_max_norm_renormalises_the_rows_looked_up_as_pytorch(make, call):
    """Only the rows looked up, only those above the limit; in place, outside the graph."""
    ours, theirs = _renormed(minigrad, make, call), _renormed(torch, make, call)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert ours[3:] == theirs[3:]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda F, t, w: F.embedding_bag(t([1, 2]), w), ValueError, "offsets has to be a 1D"),
        (
            lambda F, t, w: F.embedding_bag(t([[1, 2]]), w, t([0])),
            ValueError,
            "if input is 2D, then offsets has to be None",
        ),
        (
            lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([1])),
            RuntimeError,
            r"offsets\[0\] has to be 0",
        ),
        (
            lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([0, 3])),
            RuntimeError,
            r"offsets\[-1\] can not be greater than input's length 2",
        ),
        (
            lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([0, 1]), mode="foo"),
            ValueError,
            "mode has to be one of sum, mean or max",
        ),
        (
            lambda F, t, w: F.embedding_bag(
                t([1, 2]), w, t([0]), mode="max", per_sample_weights=w[0, :2]
            ),
            NotImplementedError,
            "only supported for mode='sum'",
        ),
        (
            lambda F, t, w: F.embedding_bag(
                t([1, 2]), w, t([0]), mode="sum", per_sample_weights=w[0, :3]
            ),
            ValueError,
            "must have the same shape as the input",
        ),
        (
            lambda F, t, w: F.embedding_bag(t([1, 2]), w, t([]), include_last_offset=True),
            RuntimeError,
            "number of offset should be at least 1",
        ),
    ],
)
def test_errors_are_pytorchs(call, error, message):
    for lib in (minigrad, torch):
        with pytest.raises(error, match=message):
            call(
                lib.nn.functional,
                lambda v, lib=lib: lib.tensor(v, dtype=lib.int64),
                lib.ones(10, 3),
            )


def test_errors_pytorch_does_not_raise_or_words_unclearly():
    F, weight = minigrad.nn.functional, minigrad.ones(10, 3)
    with pytest.raises(RuntimeError, match=r"embedding_bag: index out of range.*\[0, 10\)"):
        F.embedding_bag(minigrad.tensor([1, 12]), weight, minigrad.tensor([0]))
    with pytest.raises(RuntimeError, match="embedding_bag: expected indices of an integer"):
        F.embedding_bag(minigrad.tensor([1.0]), weight, minigrad.tensor([0]))
    with pytest.raises(RuntimeError, match=r"offsets must not decrease, got \[0, 2, 1\]"):
        F.embedding_bag(minigrad.tensor([1, 2]), weight, minigrad.tensor([0, 2, 1]))
    with pytest.raises(RuntimeError, match="the last offset .* must be the input's length 3"):
        F.embedding_bag(
            minigrad.tensor([1, 2, 3]), weight, minigrad.tensor([0, 1]), include_last_offset=True
        )

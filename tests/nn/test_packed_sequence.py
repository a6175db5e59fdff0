"""PackedSequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, and the recurrent
layers on packed batches, against PyTorch (float64: values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _layer(lib, name, *args, **kwargs):
    """The same layer in both libraries: PyTorch's seeded weights copied into minigrad's."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    if lib is torch:
        return theirs
    ours = getattr(minigrad.nn, name)(*args, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours


@pytest.mark.parametrize(
    "name, kwargs, with_hx",
    [
        ("LSTM", {"num_layers": 2, "bidirectional": True}, True),
        ("GRU", {"bidirectional": True, "batch_first": True}, False),
        ("RNN", {"nonlinearity": "relu"}, True),
        ("LSTM", {}, False),
    ],
)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_recurrent_layers_on_packed_batches_match_pytorch(name, kwargs, with_hx, enforce_sorted):
    rng = np.random.default_rng(1)
    steps, features, hidden = 5, 3, 2
    lengths = [5, 4, 4, 1] if enforce_sorted else [3, 5, 1, 4]
    batch_first = kwargs.get("batch_first", False)
    x = rng.standard_normal((4, steps, features) if batch_first else (steps, 4, features))
    states = 2 * kwargs.get("num_layers", 1) * (1 + kwargs.get("bidirectional", False))
    h0 = rng.standard_normal((states // 2, 4, hidden))
    results = []
    for lib in (minigrad, torch):
        layer = _layer(lib, name, features, hidden, **kwargs)
        inputs = lib.tensor(x, requires_grad=True)
        hx = lib.tensor(h0, requires_grad=True) if with_hx else None
        packed = lib.nn.utils.rnn.pack_padded_sequence(
            inputs, lib.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted
        )
        output, h_n = layer(packed, (hx, hx * 2) if with_hx and name == "LSTM" else hx)
        padded, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(
            output, batch_first=batch_first, padding_value=-1.0, total_length=6
        )
        finals = h_n if isinstance(h_n, tuple) else (h_n,)
        loss = (padded * padded.cos()).sum() + sum((k + 2) * h.sum() for k, h in enumerate(finals))
        loss.backward()
        grads = [inputs.grad.numpy()] + ([hx.grad.numpy()] if with_hx else [])
        sorted_indices = packed.sorted_indices
        results.append(
            [padded.detach().numpy(), out_lengths.tolist(), output.batch_sizes.tolist()]
            + [output.data.detach().numpy(), [h.detach().numpy() for h in finals], grads]
            + [None if sorted_indices is None else sorted_indices.tolist()]
        )
    for ours, theirs in zip(*results):
        if isinstance(ours, list) and ours and isinstance(ours[0], np.ndarray):
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        elif isinstance(ours, np.ndarray):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
        else:
            assert ours == theirs
    assert results[0][1] == lengths


def test_packing_layout_ties_and_pack_sequence():
    """Rows time-major, longest first; equal lengths keep their order (a stable sort)."""
    sequences = [
        minigrad.tensor([1.0, 2.0]),
        minigrad.tensor([3.0, 4.0, 5.0]),
        minigrad.tensor([6.0, 7.0]),
    ]
    packed = minigrad.nn.utils.rnn.pack_sequence(sequences, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence(
        [torch.tensor(s.tolist()) for s in sequences], enforce_sorted=False
    )
    assert packed.data.tolist() == theirs.data.tolist() == [3.0, 1.0, 6.0, 4.0, 2.0, 7.0, 5.0]
    assert packed.batch_sizes.tolist() == [3, 3, 1] and packed.batch_sizes.dtype == minigrad.int64
    assert packed.sorted_indices.tolist() == theirs.sorted_indices.tolist() == [1, 0, 2]
    assert packed.unsorted_indices.tolist() == theirs.unsorted_indices.tolist()
    data, batch_sizes, sorted_indices, unsorted_indices = packed  # a named tuple, as PyTorch's
    assert data is packed.data and type(packed).__name__ == "PackedSequence"
    padded, lengths = minigrad.nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)
    assert padded.tolist() == [[1.0, 2.0, 0.0], [3.0, 4.0, 5.0], [6.0, 7.0, 0.0]]
    assert lengths.tolist() == [2, 3, 2] and lengths.dtype == minigrad.int64
    assert packed.to(minigrad.float64).data.dtype == minigrad.float64
    assert packed.double().sorted_indices.tolist() == [1, 0, 2] and not packed.is_cuda


def test_packing_errors():
    rnn = minigrad.nn.utils.rnn
    x = minigrad.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(RuntimeError, match=r"`len\(lengths\)` to be equal to batch_size"):
        rnn.pack_padded_sequence(x, [4, 3])
    with pytest.raises(RuntimeError, match="has to be greater than 0"):
        rnn.pack_padded_sequence(x, [3, 0, 0], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"a length \(5\) is longer than the input's 4"):
        rnn.pack_padded_sequence(x, [5, 3, 2])
    with pytest.raises(RuntimeError, match="should be a 1D CPU int64 tensor"):
        rnn.pack_padded_sequence(x, minigrad.tensor([[4, 3, 2]]))
    packed = rnn.pack_padded_sequence(x, [4, 3, 2])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        rnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(ValueError, match=r"expected packed data of shape \(\*, 3\)"):
        minigrad.nn.LSTM(3, 2)(packed)


def test_unpad_and_unpack_give_the_sequences_back_with_gradients():
    rnn = minigrad.nn.utils.rnn
    a = minigrad.tensor([[1.0], [2.0]], requires_grad=True)
    b = minigrad.tensor([[3.0]], requires_grad=True)
    c = minigrad.tensor([[4.0], [5.0], [6.0]], requires_grad=True)
    padded = rnn.pad_sequence([a, b, c])
    pieces = rnn.unpad_sequence(padded, minigrad.tensor([2, 1, 3]))
    assert [p.tolist() for p in pieces] == [a.tolist(), b.tolist(), c.tolist()]
    unpacked = rnn.unpack_sequence(rnn.pack_sequence([a, b, c], enforce_sorted=False))
    assert [p.tolist() for p in unpacked] == [a.tolist(), b.tolist(), c.tolist()]
    sum((k + 1) * p.sum() for k, p in enumerate(unpacked)).backward()
    assert [a.grad.tolist(), b.grad.tolist(), c.grad.tolist()] == [
        [[1.0], [1.0]],
        [[2.0]],
        [[3.0]] * 3,
    ]

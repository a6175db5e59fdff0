"""backward(inputs=[...]) with a non-leaf among the inputs: its .grad is filled once per
backward, also when it retains its grad (the retain hook and the inputs' capture are one
accumulation in PyTorch), and reading it then warns no more."""

import warnings

import numpy as np
import torch

import minigrad


def _grads_over_backwards(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * lib.tensor([0.5, -1.0, 2.0])
    out = (h**2).sum()
    seen = []
    out.backward(inputs=[h], retain_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # h has a grad now: no "not a leaf" warning
        seen.append(h.grad.numpy().copy())
    h.retain_grad()
    for inputs in ([h], [x, h], [x], None):
        out.backward(inputs=inputs, retain_graph=True)
        seen.append(h.grad.numpy().copy())
    return seen + [x.grad.numpy()]


def test_a_retained_non_leaf_in_inputs_accumulates_once_as_in_pytorch():
    for ours, theirs in zip(_grads_over_backwards(minigrad), _grads_over_backwards(torch)):
        np.testing.assert_allclose(ours, theirs)
    assert _grads_over_backwards(minigrad)[2].tolist() == [3.0, -12.0, 36.0]

"""Editing containers as PyTorch's: Sequential's insert (negative index, out of range
IndexError), extend, pop of an index and of a slice (keys stay '0', '1', ...); ParameterDict's keys
sorted from a plain dict, in order from an OrderedDict or pairs."""

import pytest
import torch

import minigrad


def _edited(lib):
    nn = lib.nn
    seq = nn.Sequential(nn.Linear(2, 2))
    seq.append(nn.ReLU()).insert(0, nn.Identity())
    assert seq.extend([nn.Tanh(), nn.Linear(2, 1)]) is seq
    popped = [type(seq.pop(1)).__name__]
    seq.insert(-1, nn.Sigmoid())
    popped.append(type(seq.pop(slice(0, 2))).__name__)
    with pytest.raises(IndexError, match="Index out of range: 9"):
        seq.insert(9, nn.ReLU())
    return popped, list(seq._modules), [type(m).__name__ for m in seq]


def test_insert_extend_pop_as_pytorch():
    assert _edited(minigrad) == _edited(torch)
    assert _edited(minigrad)[2] == ["Tanh", "Sigmoid", "Linear"]


def _parameter_dict_keys(lib):
    from collections import OrderedDict

    nn = lib.nn

    def p():
        return nn.Parameter(lib.zeros(1))

    params = nn.ParameterDict({"b": p(), "a": p()})  # a plain dict: sorted
    params.update({"d": p(), "c": p()})
    params.update(OrderedDict([("z", p()), ("y", p())]))  # ordered ones keep their order
    params.update([("x", p()), ("w", p())])
    copied = nn.ParameterDict()
    copied.update(params)
    return list(params.keys()), list(copied.keys())


def test_parameter_dict_sorts_a_plain_dicts_keys_as_pytorch():
    assert _parameter_dict_keys(minigrad) == _parameter_dict_keys(torch)
    assert _parameter_dict_keys(minigrad)[0][:4] == ["a", "b", "c", "d"]

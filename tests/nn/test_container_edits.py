"""Editing containers as PyTorch's: Sequential's insert (negative index, out of range
IndexError), extend, pop of an index and of a slice (keys stay '0', '1', ...); ParameterDict's keys
sorted from a plain dict, in order from an OrderedDict or pairs, and its objects that are not
tensors kept as attributes."""

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


def _parameter_dict_of_objects(lib):
    """A ParameterDict holding numbers, a str, a list, a module and None beside tensors: PyTorch
    keeps each as the attribute `key` (a module as a child), only tensors as Parameters."""
    d = lib.nn.ParameterDict({"a": lib.ones(2), "n": 3, "s": "hi", "m": lib.nn.Linear(2, 2)})
    d["k"] = None
    d.update({"z": 5.0, "l": [1, 2]})
    seen = [
        str(d).replace("minigrad", "torch"),
        list(d.keys()),
        [type(v).__name__ for v in d.values()],
        [name for name, _ in d.named_parameters()],
        list(d.state_dict()),
        (d.n, d["s"], d.get("z"), d.get("missing", 0), "n" in d.__dict__, len(d)),
        type(d.copy()["n"]).__name__,
    ]
    d.s = "changed"  # the attribute is the entry
    seen.append((d["s"], d.pop("z"), "z" in d, hasattr(d, "z"), d.setdefault("q", 7)))
    del d["n"]
    seen.append(("n" in d, hasattr(d, "n"), d.popitem(), list(d)))
    d.double()
    seen.append((d["a"].dtype == lib.float64, d["l"]))
    for attempt in (lambda: d[1], lambda: d.__setitem__("a", 3)):
        try:
            attempt()
        except (TypeError, AttributeError) as error:
            seen.append(type(error).__name__)
    d.clear()
    seen.append((len(d), hasattr(d, "a"), list(d.parameters())))
    return seen


def test_parameter_dict_keeps_objects_that_are_not_tensors_as_pytorch():
    assert _parameter_dict_of_objects(minigrad) == _parameter_dict_of_objects(torch)

"""Module registration, lookup and state-dict errors against PyTorch's: the same exception
type and text (with `torch` read as `minigrad`) for the same calls."""

import re

import pytest
import torch

import minigrad


def _outcome(call):
    try:
        return repr(call())
    except Exception as error:  # the comparison is of the type and text of any error
        text = f"{type(error).__name__}: {error}".replace("torch", "minigrad")
        # where PyTorch's text names no call, ours starts with it (the project's rule)
        return re.sub(r"^(\w+: .)(register_parameter|register_buffer|add_module): ", r"\1", text)


def _net(lib):
    nn = lib.nn
    net = nn.Module()
    net.fc = nn.Linear(3, 4)
    net.p = nn.Parameter(lib.ones(3))
    net.register_buffer("b", lib.zeros(2))
    return net


REGISTRATIONS = {
    "parameter over a module": lambda lib, n: n.register_parameter(
        "fc", lib.nn.Parameter(lib.ones(1))
    ),
    "parameter over an attribute": lambda lib, n: n.register_parameter(
        "training", lib.nn.Parameter(lib.ones(1))
    ),
    "parameter over a buffer": lambda lib, n: n.register_parameter("b", None),
    "parameter, empty name": lambda lib, n: n.register_parameter("", None),
    "parameter, not a Parameter": lambda lib, n: n.register_parameter("q", lib.ones(1)),
    "parameter, name not a string": lambda lib, n: n.register_parameter(1, None),
    "buffer over a parameter": lambda lib, n: n.register_buffer("p", lib.ones(1)),
    "buffer, empty name": lambda lib, n: n.register_buffer("", lib.ones(1)),
    "buffer, not a tensor": lambda lib, n: n.register_buffer("q", 3),
    "module over a parameter": lambda lib, n: n.add_module("p", lib.nn.ReLU()),
    "module over an attribute": lambda lib, n: n.add_module("training", lib.nn.ReLU()),
    "module, dotted name": lambda lib, n: n.add_module("a.b", lib.nn.ReLU()),
    "module, empty name": lambda lib, n: n.add_module("", lib.nn.ReLU()),
    "module, not a Module": lambda lib, n: n.add_module("q", 3),
    "assign a tensor to a parameter": lambda lib, n: setattr(n, "p", lib.zeros(3)),
    "assign a Buffer to a parameter": lambda lib, n: setattr(n, "p", lib.nn.Buffer(lib.zeros(3))),
    "assign an int to a module": lambda lib, n: setattr(n, "fc", 3),
    "assign an int to a buffer": lambda lib, n: setattr(n, "b", 3),
    "submodule that is a parameter": lambda lib, n: n.get_submodule("p"),
    "submodule under a parameter": lambda lib, n: n.get_submodule("fc.weight"),
    "submodule missing": lambda lib, n: n.get_submodule("fc.nothing"),
    "parameter found": lambda lib, n: tuple(n.get_parameter("fc.weight").shape),
    "parameter that is a module": lambda lib, n: n.get_parameter("fc"),
    "parameter that is a buffer": lambda lib, n: n.get_parameter("b"),
    "parameter missing": lambda lib, n: n.get_parameter("fc.nothing"),
    "parameter of a missing module": lambda lib, n: n.get_parameter("nothing.weight"),
    "buffer that is a parameter": lambda lib, n: n.get_buffer("fc.weight"),
    "buffer missing": lambda lib, n: n.get_buffer("fc.nothing"),
    "forward missing": lambda lib, n: lib.nn.Module()(1),
}


@pytest.mark.parametrize("case", REGISTRATIONS)
def test_registration_and_lookup_as_pytorch(case):
    expected = _outcome(lambda: REGISTRATIONS[case](torch, _net(torch)))
    assert _outcome(lambda: REGISTRATIONS[case](minigrad, _net(minigrad))) == expected


def test_names_with_a_dot_are_refused_naming_them():
    # PyTorch's text for add_module; register_parameter and register_buffer (whose PyTorch
    # text omits the name) give the same form
    net = _net(minigrad)
    for register, value in (
        (net.register_parameter, None),
        (net.register_buffer, minigrad.ones(1)),
        (net.add_module, minigrad.nn.ReLU()),
    ):
        with pytest.raises(KeyError) as info:
            register("a.b", value)
        assert info.value.args[0].endswith('name can\'t contain ".", got: a.b')
    assert "a.b" not in dict(net.named_parameters()) and not hasattr(net, "a.b")


def test_size_mismatch_names_the_shapes_as_pytorch():
    def load(lib):
        model = lib.nn.Sequential(lib.nn.Linear(3, 4))
        state = model.state_dict()
        state["0.weight"] = lib.zeros(5, 3)
        return model.load_state_dict(state, strict=False)

    assert _outcome(lambda: load(minigrad)) == _outcome(lambda: load(torch))


def _nested_model(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.LeakyReLU(0.2),
        nn.Sequential(nn.MaxPool2d(2), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()),
        nn.ModuleList([nn.Linear(8, 8) for _ in range(3)] + [nn.Dropout(0.1), nn.Identity()]),
        nn.ModuleDict({"norm": nn.LayerNorm(8), "out": nn.Softmax(dim=1)}),
    )


MODELS = {
    "nested containers": _nested_model,
    "conv1d": lambda lib: lib.nn.Conv1d(4, 4, 5, stride=2, padding=2, groups=4, bias=False),
    "embedding": lambda lib: lib.nn.Embedding(10, 3, padding_idx=0, max_norm=2.0),
    "recurrent": lambda lib: lib.nn.ModuleList(
        [lib.nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True), lib.nn.GRU(3, 4)]
    ),
    "attention": lambda lib: lib.nn.MultiheadAttention(8, 2),
    "encoder layer": lambda lib: lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
    "unflatten, a list": lambda lib: lib.nn.Unflatten(1, [2, 3]),
    "unflatten, a Size": lambda lib: lib.nn.Unflatten(-1, lib.Size([2, 3])),
    "upsample, integer factors": lambda lib: lib.nn.Upsample(scale_factor=(2, 3)),
    "upsample, bilinear": lambda lib: lib.nn.Upsample(scale_factor=2, mode="bilinear"),
}


@pytest.mark.parametrize("model", MODELS)
def test_model_repr_as_pytorch(model):
    expected = repr(MODELS[model](torch)).replace("torch", "minigrad")
    assert repr(MODELS[model](minigrad)) == expected


@pytest.mark.parametrize("size", [5, (2, 3.0)])
def test_unflatten_refuses_a_size_that_is_not_ints_as_pytorch(size):
    expected = _outcome(lambda: torch.nn.Unflatten(1, size))
    assert expected.startswith("TypeError")
    assert _outcome(lambda: minigrad.nn.Unflatten(1, size)) == expected


def _loaded(lib, state, **kwargs):
    model = lib.nn.BatchNorm1d(2)
    weight = model.weight
    keys = model.load_state_dict(state(lib), **kwargs)
    return (
        repr(keys),
        model.weight is weight,
        type(model.weight).__name__,
        model.weight.requires_grad,
        str(model.running_mean.dtype).rpartition(".")[2],
        model.running_mean.tolist(),
        model.num_batches_tracked.item(),
    )


def _checkpoint(lib):
    return {
        "weight": lib.nn.Parameter(lib.full((2,), 2.0)),
        "bias": lib.ones(2),
        "running_mean": lib.ones(2, dtype=lib.float64),
        "running_var": lib.ones(2),
        "num_batches_tracked": lib.tensor([3]),  # 1-d, as PyTorch < 1.0 saved it
    }


@pytest.mark.parametrize("assign", [False, True])
def test_load_state_dict_copies_or_assigns_as_pytorch(assign):
    expected = _loaded(torch, _checkpoint, assign=assign)
    assert _loaded(minigrad, _checkpoint, assign=assign) == expected


def test_load_state_dict_assign_keeps_the_checkpoint_parameter():
    model = minigrad.nn.Linear(2, 2)
    weight = minigrad.nn.Parameter(minigrad.ones(2, 2), requires_grad=False)
    model.load_state_dict({"weight": weight, "bias": minigrad.zeros(2)}, assign=True)
    assert model.weight is weight and weight.requires_grad
    assert list(model.state_dict()) == ["weight", "bias"]


def test_load_state_dict_names_a_value_that_is_not_a_tensor_as_pytorch():
    def load(lib):
        return lib.nn.Linear(2, 2).load_state_dict({"weight": [[1, 2]], "bias": lib.ones(2)})

    assert _outcome(lambda: load(minigrad)) == _outcome(lambda: load(torch))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan"])
def test_calculate_correct_fan_as_pytorch(mode):
    def fan(lib):
        return lib.nn.init._calculate_correct_fan(lib.empty(2, 3, 4), mode)

    assert _outcome(lambda: fan(minigrad)) == _outcome(lambda: fan(torch))


def _sequential(lib):
    return lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.ReLU())


CONTAINERS = {
    "sequential, a string index": lambda lib: _sequential(lib)["0"],
    "module list, a string index": lambda lib: lib.nn.ModuleList([lib.nn.ReLU()])["0"],
    "sequential, set an int": lambda lib: _sequential(lib).__setitem__(0, 3),
    "module list, set an int": lambda lib: lib.nn.ModuleList([lib.nn.ReLU()]).__setitem__(0, 3),
    "module list, extend with an int": lambda lib: lib.nn.ModuleList().extend(3),
    "module dict, update with an int": lambda lib: lib.nn.ModuleDict().update(3),
    "module dict, not pairs": lambda lib: lib.nn.ModuleDict([lib.nn.ReLU()]),
    "module dict, a triple": lambda lib: lib.nn.ModuleDict([("a", lib.nn.ReLU(), 3)]),
    "module dict, pairs": lambda lib: list(lib.nn.ModuleDict([("b", lib.nn.ReLU())]).keys()),
    "dir of a sequential": lambda lib: [k for k in dir(_sequential(lib)) if k[0].isdigit()],
    "dir of a module list": lambda lib: [
        k for k in dir(lib.nn.ModuleList([lib.nn.ReLU()])) if k[0].isdigit()
    ],
}


@pytest.mark.parametrize("case", CONTAINERS)
def test_container_indexing_and_updates_as_pytorch(case):
    assert _outcome(lambda: CONTAINERS[case](minigrad)) == _outcome(lambda: CONTAINERS[case](torch))


def _parameter_dict_views(lib):
    def fresh():
        return lib.nn.ParameterDict({"x": lib.nn.Parameter(lib.ones(2)), "a": lib.ones(1)})

    merged = fresh()
    merged |= {"z": lib.ones(1), "y": lib.ones(1)}
    original = fresh()
    copied = original.copy()
    key, value = fresh().popitem()
    return [
        list(fresh() | lib.nn.ParameterDict({"b": lib.ones(1)})),
        list(merged),
        list(reversed(fresh())),
        (key, type(value).__name__),
        (type(copied).__name__, list(copied), copied["x"] is original["x"]),
        [(k, type(v).__name__) for k, v in fresh().fromkeys(["p", "q"], lib.ones(1)).items()],
        [k for k in dir(lib.nn.ParameterList([lib.ones(1)])) if k.isdigit()],
    ]


def test_parameter_dict_mapping_methods_as_pytorch():
    assert _parameter_dict_views(minigrad) == _parameter_dict_views(torch)


def _custom_state_dict_steps(lib):
    nn = lib.nn

    class Renamed(nn.Linear):  # an old checkpoint named the weight "w"
        def _load_from_state_dict(self, state_dict, prefix, *args):
            if prefix + "w" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
            super()._load_from_state_dict(state_dict, prefix, *args)

    class Scaled(nn.Linear):  # saves one more entry, which loading drops
        def _save_to_state_dict(self, destination, prefix, keep_vars):
            super()._save_to_state_dict(destination, prefix, keep_vars)
            destination[prefix + "scale"] = lib.tensor(2.0)

        def _load_from_state_dict(self, state_dict, prefix, *args):
            state_dict.pop(prefix + "scale", None)
            super()._load_from_state_dict(state_dict, prefix, *args)

    model = nn.Sequential(Renamed(2, 2), Scaled(2, 2))
    saved = list(model.state_dict())
    old = {"0.w": lib.ones(2, 2), "0.bias": lib.zeros(2), "1.weight": lib.ones(2, 2)}
    keys = model.load_state_dict({**old, "1.bias": lib.ones(2), "1.scale": lib.ones(())})
    return (
        saved,
        repr(keys),
        model[0].weight.tolist(),
        repr(model.load_state_dict(model.state_dict())),
    )


def test_modules_override_the_per_module_state_dict_steps_as_in_pytorch():
    assert _custom_state_dict_steps(minigrad) == _custom_state_dict_steps(torch)


def _versioned_loading(lib):
    def model():
        return lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))

    state = model().state_dict()
    del state["1.num_batches_tracked"]
    plain = dict(state)  # no _metadata: an old checkpoint's layout, which may lack the count
    return (
        dict(state._metadata),
        repr(model().load_state_dict(plain)),
        _outcome(lambda: model().load_state_dict(state)),
    )


def test_state_dict_versions_and_num_batches_tracked_as_pytorch():
    assert _versioned_loading(minigrad) == _versioned_loading(torch)

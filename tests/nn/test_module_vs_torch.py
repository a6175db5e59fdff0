"""Module registration, lookup and state-dict errors against PyTorch's: the same exception
type and text (with `torch` read as `minigrad`) for the same calls."""

import pytest
import torch

import minigrad


def _outcome(call):
    try:
        return repr(call())
    except Exception as error:  # the comparison is of the type and text of any error
        return f"{type(error).__name__}: {error}".replace("torch", "minigrad")


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

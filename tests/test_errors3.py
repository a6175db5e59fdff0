"""The third sweep of PyTorch's errors and edge cases: small programs run under PyTorch and
under minigrad. A program in ERRORS must raise PyTorch's exception type, with a message that
contains the fragments (PyTorch's own words where they say what is wrong); a program in SAME
must run under both and leave the same `out`."""

from __future__ import annotations

import pytest
import torch
from helpers import assert_raises_as_pytorch, raised_by, run_code

import minigrad

_VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place"

ERRORS = [
    # hooks that return the wrong thing
    (
        "x = t.ones(3, requires_grad=True)\nx.register_hook(lambda g: t.ones(4))\n"
        "(x * 2).sum().backward()",
        ["hook '<lambda>' has changed the size of value", "(3,)", "(4,)"],
    ),
    (
        "x = t.ones(3, requires_grad=True)\ny = x * 2\ny.register_hook(lambda g: g.double())\n"
        "y.sum().backward()",
        ["hook '<lambda>' has changed the type of value", "FloatTensor got DoubleTensor"],
    ),
    (
        "x = t.ones(3, requires_grad=True)\nx.register_hook(lambda g: 5)\n(x * 2).sum().backward()",
        ["expected Variable, but hook returned 'int'"],
    ),
    (
        "m = t.nn.Linear(3, 2)\n"
        "m.register_full_backward_hook(lambda mod, gi, go: (t.ones(5),))\n"
        "m(t.ones(4, 3, requires_grad=True)).sum().backward()",
        ["has changed the size of value", "(4, 3)", "(5,)"],
    ),
    (
        "m = t.nn.Linear(3, 2)\n"
        "m.register_full_backward_pre_hook(lambda mod, go: (go[0].double(),))\n"
        "m(t.ones(4, 3, requires_grad=True)).sum().backward()",
        ["has changed the type of value", "FloatTensor got DoubleTensor"],
    ),
    # autograd.grad and backward arguments
    (
        "x = t.ones(2, requires_grad=True)\n"
        "t.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)",
        ["Expected allow_unused to be True or not passed when materialize_grads=True"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\nt.autograd.grad((x * 2).sum(), [])",
        ["`inputs` argument to `grad()` cannot be empty."],
    ),
    (
        "x = t.ones(2, requires_grad=True)\nt.autograd.grad((x * 2).sum(), [x, 3])",
        ["all inputs have to be Tensors or GradientEdges, but got int"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\n"
        "t.autograd.grad([x * 2, x * 3], x, grad_outputs=[t.ones(2)])",
        ["got 2 tensors and 1 gradients"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\nt.autograd.backward([x * 2, x * 3], [t.ones(2)])",
        ["got 2 tensors and 1 gradients"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\n"
        "t.autograd.grad(x * 2, x, grad_outputs=t.ones(3, 3), is_grads_batched=True)",
        ["If `is_grads_batched=True`", "(3, 3)", "(2,)"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\n"
        "t.autograd.grad([x * 2, x * 3], x, [t.ones(3, 2), t.ones(4, 2)], is_grads_batched=True)",
        ["same size in the mapped dimension", "[3, 4]"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\n(x * 2).backward(t.ones(3))",
        ["Mismatch in shape: grad_output[0] has a shape of (3,) and output[0] has a shape of (2,)"],
    ),
    (
        "x = t.ones(2, requires_grad=True)\ny = x.exp().sum()\ny.backward()\ny.backward()",
        ["Trying to backward through the graph a second time", "retain_graph=True"],
    ),
    # one check of a new tensor's shape, in PyTorch's words, for every way of making one
    ("t.empty(2, -3, -1)", ["Trying to create tensor with negative dimension -3: [2, -3, -1]"]),
    ("t.Tensor(-1)", ["Trying to create tensor with negative dimension -1: [-1]"]),
    ("t.ones(3).new_zeros(2, -1)", ["negative dimension -1: [2, -1]"]),
    ("t.nn.Linear(3, -1)", ["negative dimension -1: [-1, 3]"]),
    ("t.randint(0, 5, (-1,))", ["negative dimension -1: [-1]"]),
    # optimizers, modules and layers: arguments checked as PyTorch checks them
    ("t.optim.Adam([t.nn.Parameter(t.ones(2))], betas=(0.9,))", ["tuple index out of range"]),
    ("t.optim.AdamW([t.nn.Parameter(t.ones(2))], betas=0.9)", ["not subscriptable"]),
    ("t.optim.RMSprop([t.nn.Parameter(t.ones(2))], alpha=-1)", ["Invalid alpha value: -1"]),
    ("t.optim.RMSprop([t.nn.Parameter(t.ones(2))], momentum=-1)", ["Invalid momentum value: -1"]),
    ("t.optim.Adagrad([t.nn.Parameter(t.ones(2))], lr_decay=-1)", ["Invalid lr_decay value: -1"]),
    ("t.optim.Adagrad([t.nn.Parameter(t.ones(2))], lr=-1)", ["Invalid learning rate: -1"]),
    (
        "t.nn.Linear(2, 3).to(t.int64)",
        ["nn.Module.to only accepts floating point or complex dtypes", "int64"],
    ),
    ("t.nn.Linear(2, 3).to('cpu', dtype=t.bool)", ["only accepts floating point", "bool"]),
    ("t.nn.Linear(2, 3).to(t.ones(2, dtype=t.int64))", ["only accepts floating point"]),
    ("t.nn.Conv2d(3, 2, 3, groups=2)", ["in_channels must be divisible by groups"]),
    ("t.nn.Conv2d(4, 3, 3, groups=2)", ["out_channels must be divisible by groups"]),
    ("t.nn.Conv2d(3, 2, 3, padding_mode='bogus')", ["padding_mode must be one of", "'bogus'"]),
    (
        "t.nn.ConvTranspose2d(3, 2, 3, padding_mode='reflect')",
        ['Only "zeros" padding mode is supported for ConvTranspose2d'],
    ),
    ("t.nn.GroupNorm(3, 4)", ["num_channels (4) must be divisible by num_groups (3)"]),
    ("t.nn.LSTM(-1, 3)", ["input_size must be greater than zero"]),
    ("t.nn.GRU(2.5, 3)", ["input_size should be of type int, got: float"]),
    ("t.nn.RNN(3, 0)", ["hidden_size must be greater than zero"]),
    # writes into an expanded tensor that PyTorch refuses: they read what they overwrite
    ("x = t.ones(1, 3).expand(4, 3)\nx.fill_(t.tensor(2.0))", ["single memory location"]),
    ("x = t.ones(1, 3).expand(4, 3)\nx[:, 0] = 5", ["single memory location"]),
    ("x = t.ones(1, 3).expand(4, 3)\nx[:, 0] = t.arange(4.0)", ["single memory location"]),
    ("x = t.ones(1, 3).expand(4, 3)\nx.add_(1)", ["single memory location"]),
    ("x = t.ones(1, 3).expand(4, 3)\nx.uniform_()", ["single memory location"]),
    ("x = t.ones(1, 3).expand(4, 3)\nx.copy_(t.ones(4, 3))", ["single memory location"]),
    ("x = t.ones(1, 3).expand(4, 3)\nx.masked_fill_(t.ones(4, 3), 0)", ["bool"]),
    # in place on a leaf that requires grad, or on a view of one (which would change the leaf
    # behind autograd's back)
    ("x = t.ones(3, requires_grad=True)\nx[:2].add_(1)", [_VIEW_OF_LEAF]),
    ("x = t.ones(3, requires_grad=True)\nx[0].mul_(2)", [_VIEW_OF_LEAF]),
    ("x = t.ones(2, 3, requires_grad=True)\nx.t().relu_()", [_VIEW_OF_LEAF]),
    ("x = t.ones(3, requires_grad=True)\nx.expand(2, 3).add_(1)", [_VIEW_OF_LEAF]),
    ("x = t.ones(3, requires_grad=True)\nx[0] = 5", [_VIEW_OF_LEAF]),
    ("x = t.ones(3, requires_grad=True)\nx.data = t.ones(3, dtype=t.int64)", ["floating point"]),
    ("x = t.ones(3, requires_grad=True)\nx.data = 5", ["Variable data has to be a tensor"]),
    # indexing: PyTorch's words
    (
        "t.ones(2, 3)[:, 3]",
        [
            "index 3 is out of bounds for dimension 1 with size 3",
            "indexing a tensor of shape (2, 3)",
        ],
    ),
    ("t.ones(2, 3)[t.tensor([-5])]", ["index -5 is out of bounds for dimension 0 with size 2"]),
    ("x = t.ones(2, 3)\nx[2] = 1", ["index 2 is out of bounds for dimension 0 with size 2"]),
    ("t.ones(2, 3)[0, 0, 0]", ["too many indices for tensor of dimension 2"]),
    ("t.tensor(5.0)[0]", ["invalid index of a 0-dim tensor. Use `tensor.item()`"]),
    (
        "t.ones(2, 3)[t.tensor([True, False, True])]",
        [
            "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
            "[2, 3] at index 0"
        ],
    ),
    (
        "t.ones(2, 3)[t.ones(2, 2, dtype=t.bool)]",
        ["The shape of the mask [2, 2] at index 1 does not match"],
    ),
    ("x = t.ones(2, 3)\nx[[True, False, True]] = 0", ["The shape of the mask [3] at index 0"]),
    ("t.ones(2, 3)[::-1]", ["step must be greater than zero"]),
    ("t.ones(2, 3)['a']", ["invalid data type 'str'"]),
    ("t.ones(2, 3)[:, 3::-2]", ["step must be greater than zero"]),
    # devices: PyTorch's parsing
    ("t.device('')", ["Device string must not be empty"]),
    ("t.device('cuda 0')", ["Invalid device string: 'cuda 0'"]),
    ("t.device('cuda:01')", ["Invalid device string: 'cuda:01'"]),
    ("t.device(' cpu')", ["Invalid device string: ' cpu'"]),
    ("t.device('gpu')", ["device type at start of device string: gpu"]),
    ("t.device(-1)", ["Device index must not be negative"]),
    ("t.device('cuda:0', 1)", ["type (string) must not include an index because index was"]),
    ("t.device('cuda', '1')", ["device(): argument 'index' (position 2) must be int, not str"]),
    ("t.ones(2).to('mps')", ["mps"]),
    # functional: PyTorch's checks of the arguments
    ("t.where(t.ones(3), t.ones(3), t.zeros(3))", ["where expected condition to be a boolean"]),
    ("t.ones(3).where(t.tensor([1, 0, 1]), 0.0)", ["boolean tensor", "Long"]),
    ("t.nn.functional.linear(t.ones(2, 3), t.ones(4, 3), t.ones(5))", ["linear", "(5,)"]),
    (
        "t.nn.Linear(2, 3)(t.ones(4, 2, dtype=t.float64))",
        ["mat1 and mat2 must have the same dtype, but got Double and Float"],
    ),
    (
        "t.nn.functional.batch_norm(t.ones(2, 3), t.zeros(4), t.ones(4))",
        ["running_mean should contain 3 elements not 4"],
    ),
    (
        "t.nn.functional.batch_norm(t.ones(2, 3), None, None, t.ones(4), training=True)",
        ["weight should contain 3 elements not 4"],
    ),
    ("t.ones(2) + None", ["unsupported operand type(s)", "NoneType"]),
    ("None * t.ones(2)", ["unsupported operand type(s)", "NoneType"]),
    # view and reshape
    ("t.ones(2, 3).reshape(-2, 3)", ["invalid shape dimension -2 at index 0 of shape [-2, 3]"]),
    ("t.ones(2, 3).view(3, -3)", ["invalid shape dimension -3 at index 1 of shape [3, -3]"]),
    ("t.ones(0, 3).reshape(0, -1)", ["cannot reshape tensor of 0 elements into shape [0, -1]"]),
    ("t.ones(2, 3).reshape((2.0, 3))", ["must be tuple of ints, but found element of type float"]),
    ("t.ones(2, 3).t().view(6)", ["view size is not compatible with input tensor's size and"]),
    ("t.ones(2, 3).view(7)", ["shape '[7]' is invalid for input of size 6"]),
    ("t.ones(2, 3).view(t.float64)", ["self.size(-1) must be divisible by 2 to view Float as"]),
    ("t.ones(4, 2).t().view(t.float64)", ["self.stride(-1) must be 1 to view Float as Double"]),
    ("t.ones(()).view(t.float64)", ["self.dim() cannot be 0 to view Float as Double"]),
    # state dicts: PyTorch's report, missing keys first
    (
        "m = t.nn.Linear(2, 3)\nm.load_state_dict({'weight': t.ones(3, 3), 'extra': t.ones(3)})",
        [
            'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
            '\n\tUnexpected key(s) in state_dict: "extra". \n\tsize mismatch for weight: '
            "copying a param with shape"
        ],
    ),
    (
        "m = t.nn.BatchNorm1d(3)\nm.load_state_dict({'weight': t.ones(3), 'bias': t.ones(3)})",
        ['Missing key(s) in state_dict: "running_mean", "running_var".'],
    ),
]

# PyTorch raises AssertionError for these in its CPU builds and RuntimeError in its CUDA builds
# (no driver): minigrad's error is both, and says what to install
NO_CUDA = [
    "t.ones(2).cuda()",
    "t.ones(2, device='cuda:0')",
    "t.nn.Linear(2, 3).to('cuda')",
    "t.cuda.current_device()",
    "t.cuda.synchronize()",
]

SAME = [
    "x = t.ones(3, requires_grad=True)\nx.register_hook(lambda g: g * 2)\n"
    "(x * 2).sum().backward()\nout = x.grad",
    "m = t.nn.Linear(3, 2)\nm.register_full_backward_hook(lambda mod, gi, go: (t.ones(4, 3),))\n"
    "x = t.ones(4, 3, requires_grad=True)\nm(x).sum().backward()\nout = x.grad",
    "m = t.nn.Linear(3, 2)\nm.register_full_backward_hook(lambda mod, gi, go: (None,))\n"
    "x = t.ones(4, 3, requires_grad=True)\nm(x).sum().backward()\nout = x.grad",
    # is_grads_batched: one backward per row of the grad_outputs (PyTorch vectorizes them)
    "x = t.tensor([1.0, 2.0], requires_grad=True)\n"
    "out = t.autograd.grad(x * x, x, grad_outputs=t.eye(2), is_grads_batched=True)",
    "x = t.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\n"
    "out = t.autograd.grad([y, y.sum()], x, [t.eye(2), t.ones(2)], is_grads_batched=True)",
    "x = t.tensor([1.0, 2.0], requires_grad=True)\nz = t.ones(2, requires_grad=True)\n"
    "out = t.autograd.grad(x * x, [x, z], t.eye(2), is_grads_batched=True, allow_unused=True)",
    # PyTorch lets extra gradients pass
    "x = t.ones(2, requires_grad=True)\n"
    "out = t.autograd.grad([x * 2], x, grad_outputs=[t.ones(2), t.ones(2)])",
    # Python's float is a double, whatever the default dtype
    "out = [t.zeros(2, dtype=float).dtype, t.ones(2).to(float).dtype, t.tensor([1], dtype=float)]",
    "out = t.nn.Linear(2, 3).to(t.float64).weight.dtype",
    # one value written through an expanded tensor: every copy (and the base) gets it
    "b = t.ones(1, 3)\nx = b.expand(4, 3)\nx.fill_(2)\nout = [x, b]",
    "b = t.ones(2, 3)\nx = b[:, :1].expand(2, 4)\nx.zero_()\nout = [x, b]",
    "b = t.ones(1, 3)\nx = b.expand(4, 3)\nx[0] = t.tensor([1.0, 2.0, 3.0])\nout = [x, b]",
    "b = t.ones(1, 3)\nx = b.expand(4, 3)\nx[1] = 7\nout = [x, b]",
    "b = t.ones(1, 3)\nx = b.expand(4, 3)\nx[x > 0] = 2.0\nout = [x, b]",
    "b = t.ones(1, 3)\nx = b.expand(4, 3)\nx.masked_fill_(t.eye(4, 3) > 0, 0.5)\nout = [x, b]",
    "b = t.ones(3)\nx = b.expand(2, 3)\n"
    "x.masked_fill_(t.tensor([True, False, True]), t.tensor(3.0))\nout = [x, b]",
    "b = t.ones(1, 3)\nx = b.expand(4, 3)\nx[t.tensor([0]), t.tensor([1])] = 5.0\nout = [x, b]",
    # in place on a non-leaf, or on a view of a tensor that needs no gradient: recorded
    "x = t.ones(3, requires_grad=True)\ny = x * 2\ny[:2].mul_(3)\nout = y",
    "x = t.ones(3, requires_grad=True)\ny = (x * 2)[:2]\ny.mul_(3)\ny.sum().backward()\n"
    "out = [y, x.grad]",
    "x = t.ones(3, requires_grad=True)\nwith t.no_grad():\n    x[:2].add_(1)\nout = x",
    "x = t.ones(3, requires_grad=True)\nv = x.detach()[:2]\nv.add_(1)\nout = x",
    # flip and rot90 copy (NumPy's flip is a view): writing into the result leaves x alone
    "x = t.arange(4.0).view(2, 2)\ny = x.flip(0)\ny.add_(1)\nout = [x, y]",
    "x = t.arange(4.0).view(2, 2).requires_grad_()\ny = t.rot90(x)\ny.mul_(2)\n"
    "y.sum().backward()\nout = [x, y, x.grad]",
    "x = t.arange(4.0).view(2, 2)\ny = t.fliplr(x)\ny[0, 0] = 9\nout = [x, y]",
    # adaptive max pooling to an empty output, as adaptive average pooling
    "x = t.ones(2, 1, 4, 4, requires_grad=True)\ny = t.nn.functional.adaptive_max_pool2d(x, 0)\n"
    "out = [y, y.requires_grad]",
    "out = t.nn.functional.adaptive_max_pool2d(t.ones(1, 4, 4), (0, 2), return_indices=True)",
    "out = t.nn.AdaptiveMaxPool1d(0, return_indices=True)(t.ones(1, 2, 4))",
    "device = None\nout = t.ones(2).to(device)",
    # view(dtype): the same memory read as another dtype
    "x = t.tensor([[1.0, -2.0], [0.5, 3.0]])\nout = [x.view(t.int32), x.view(t.int16), "
    "x.view(t.float64), x.view(t.uint8).shape, x.view(t.float32).requires_grad]",
    "x = t.zeros(2, 2)\nv = x.view(t.int32)\nv[0, 0] = 1065353216\nout = x",
    "out = t.nn.functional.linear(t.ones(2, 3), t.ones(4, 3), t.arange(8.0).view(2, 4))",
    "out = t.where(t.tensor([1, 0], dtype=t.uint8), t.ones(2), t.zeros(2))",
    # a state dict without num_batches_tracked (an old PyTorch's) loads, the count kept
    "m = t.nn.Sequential(t.nn.Identity(), t.nn.BatchNorm1d(3))\nm(t.arange(12.0).view(4, 3))\n"
    "sd = {k: v * 2 for k, v in m.state_dict().items() if 'num_batches' not in k}\n"
    "out = [str(m.load_state_dict(sd)), m.state_dict(), list(sd)]",
    "out = [t.device('cuda:1').index, str(t.device('cuda', 2)), t.device('cpu').type]",
]


@pytest.mark.parametrize(("code", "fragments"), ERRORS, ids=[c for c, _ in ERRORS])
def test_the_error_is_pytorchs(code, fragments):
    assert_raises_as_pytorch(code, fragments)


def _plain(value):
    """Tensors as nested lists (with their dtype's name), containers walked, the rest as is."""
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [_plain(v) for v in value]
    if isinstance(value, (torch.Tensor, minigrad.Tensor)):
        return str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist()
    if isinstance(value, (torch.dtype, minigrad.dtype)):
        return str(value).split(".")[-1]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("code", SAME, ids=SAME)
def test_the_program_runs_as_in_pytorch(code):
    assert _plain(run_code(minigrad, code)) == _plain(run_code(torch, code))


@pytest.mark.parametrize("code", NO_CUDA)
def test_asking_for_cuda_without_it_raises_what_either_pytorch_build_raises(code):
    if minigrad.cuda.is_available():
        pytest.skip("CUDA is available here")
    mine = raised_by(minigrad, code)
    assert isinstance(mine, RuntimeError) and isinstance(mine, AssertionError)
    assert isinstance(mine, type(raised_by(torch, code)))
    assert "CUDA is not available" in str(mine)

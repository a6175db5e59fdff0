"""Error messages: PyTorch's exception type, and a message that names the op and the shapes,
dtypes or devices involved (what a student needs to fix the call)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

# (expression, the fragments the message must contain); the type must be PyTorch's
ERRORS = [
    ("t.ones(3, 4) @ t.ones(5, 2)", ["matmul", "(3, 4)", "(5, 2)", "4 != 5"]),
    ("t.ones(3) + t.ones(4)", ["add", "(3,)", "(4,)"]),
    ("t.ones(2, 3) * t.ones(3, 2)", ["mul", "(2, 3)", "(3, 2)"]),
    ("t.ones(2, 3) / t.ones(2, 2)", ["div", "(2, 3)", "(2, 2)"]),
    ("t.ones(2, 3) - t.ones(4, 3)", ["sub", "(2, 3)", "(4, 3)"]),
    ("t.ones(2, 3) ** t.ones(2)", ["pow", "(2, 3)", "(2,)"]),
    ("t.maximum(t.ones(2, 3), t.ones(2))", ["maximum", "(2, 3)", "(2,)"]),
    ("t.where(t.ones(3) > 0, t.ones(3), t.ones(4))", ["where", "(3,)", "(4,)"]),
    ("t.ones(3, dtype=t.float64) @ t.ones(3)", ["matmul", "float64", "float32"]),
    ("t.ones(3, 4) @ t.ones(4, 5, dtype=t.int64)", ["matmul", "float32", "int64"]),
    ("t.ones(3, 4).mm(t.ones(3))", ["mm", "2D and 1D"]),
    ("t.ones(3, 4).bmm(t.ones(3, 4, 2))", ["bmm", "2D and 3D"]),
    ("t.ones(3).dot(t.ones(4))", ["dot", "(3,)", "(4,)"]),
    ("t.einsum('ij,jk', t.ones(2, 3), t.ones(4, 2))", ["einsum", "(2, 3)", "(4, 2)"]),
    ("t.einsum('ij,jk', t.ones(2, 3))", ["einsum", "2 operands"]),
    ("t.ones(2, 3).mv(t.ones(2))", ["mv", "(2, 3)", "(2,)"]),
    ("t.nn.functional.linear(t.ones(2, 3), t.ones(4, 5))", ["linear", "(2, 3)", "(4, 5)"]),
    ("t.ones(2, 3).reshape(4, 2)", ["reshape", "[4, 2]", "6"]),
    ("t.ones(2, 3).view(-1, -1)", ["view", "one dimension"]),
    ("t.ones(2, 3).sum(2)", ["sum", "[-2, 1]", "2"]),
    ("t.ones(2, 3).transpose(0, 3)", ["transpose", "3"]),
    ("t.ones(2).softmax(1)", ["softmax", "1"]),
    ("t.cat([t.ones(2, 3), t.ones(3, 2)])", ["cat", "(2, 3)", "(3, 2)"]),
    ("t.stack([t.ones(2), t.ones(3)])", ["stack", "(2,)", "(3,)"]),
    ("t.ones(2, 3).expand(3, 3)", ["expand", "(2, 3)", "(3, 3)"]),
    ("t.ones(2, 3).permute(0, 0)", ["permute", "(2, 3)"]),
    ("t.ones(2, 3).permute(0, 1, 2)", ["permute", "(2, 3)", "(0, 1, 2)"]),  # not IndexError
    ("t.ones(2)[5]", ["index", "5", "(2,)"]),
    ("t.ones(2, 3)[0, 0, 0]", ["index", "(2, 3)"]),
    ("t.ones(2)[t.tensor([0.5])]", ["indices", "float32"]),
    ("t.ones(2).index_select(0, t.tensor([3]))", ["3", "(2,)"]),
    ("t.ones(2).gather(0, t.tensor([[0]]))", ["gather", "dimensions"]),
    ("t.ones(2).item()", ["2 elements"]),
    ("bool(t.ones(2))", ["2 elements", "ambiguous"]),
    ("t.ones(2).backward()", ["backward", "does not require grad"]),
    ("t.ones(2, requires_grad=True).numpy()", ["detach"]),
    ("t.ones(2, dtype=t.int64).requires_grad_()", ["floating point", "int64"]),
    ("t.tensor([1, 2]).mean()", ["mean", "Got: Long"]),  # PyTorch's name of int64
    ("t.allclose(t.tensor([1, 2]), t.tensor([1.0, 2.0]))", ["allclose", "Long did not match"]),
    ("t.ones(2).allclose(t.ones(2, dtype=t.float64))", ["allclose", "Float did not match Double"]),
    ("t.ones(2) - t.tensor([True, False])", ["sub", "bool", "logical_not"]),
    ("-t.tensor([True])", ["neg", "bool"]),
    ("t.tensor([1, 2]) ** -1", ["pow", "negative"]),
    ("t.tensor([1, 2]) // t.tensor([0, 1])", ["floor_divide", "ZeroDivisionError"]),
    ("t.tensor([1, 2]) % 0", ["remainder", "ZeroDivisionError"]),
    ("t.tensor([5]).div(0, rounding_mode='trunc')", ["div", "ZeroDivisionError"]),
    ("t.ones(3).clamp()", ["clamp", "min", "max"]),
    ("t.ones(2).tril()", ["tril", "2 dimensions"]),
    ("t.ones(2, 3).chunk(0)", ["chunk", "0"]),
    ("t.zeros(-3, 2)", ["negative dimension -3", "[-3, 2]"]),
    ("t.arange(0, 10, 0)", ["step", "nonzero"]),
    ("t.ones(2).to('cuda:x')", ["cuda:x"]),
    ("t.ones(2).to('tpu')", ["tpu"]),
    ("t.ones(2).masked_fill(t.ones(2), 0)", ["masked_fill", "bool"]),
    ("t.nn.functional.cross_entropy(t.ones(3, 4), t.tensor([0, 1, 4]))", ["4", "4 classes"]),
    ("t.nn.functional.cross_entropy(t.ones(3, 4), t.tensor([0, 1]))", ["(3,)", "(2,)"]),
    ("t.nn.functional.nll_loss(t.ones(3, 4), t.tensor([0, 1, 9]))", ["nll_loss", "9"]),
    ("t.nn.functional.one_hot(t.tensor([0, 5]), 3)", ["one_hot", "3"]),
    ("t.nn.functional.binary_cross_entropy(t.ones(3), t.ones(3, 1))", ["(3, 1)", "(3,)"]),
    ("t.autograd.grad(t.ones(2, requires_grad=True).sum(), t.ones(2))", ["grad", "input 0"]),
    ("t.ones(3, requires_grad=True).add_(1)", ["leaf", "no_grad"]),
    ("t.ones(2, 3).sum(dim=(0, 0))", ["sum", "dim 0 appears multiple times"]),
    ("t.ones(2, 3).std(dim=(0, -2))", ["std", "dim 0 appears multiple times"]),
    ("t.ones(2, 3).flip(1, 1)", ["flip", "dim 1 appears multiple times"]),
    ("t.ones(2, 3).expand(-1, -1, 3)", ["expand", "(-1)", "leading"]),
    ("t.ones(2, 3).tile(-1)", ["repeat", "negative"]),
    ("t.ones(2, 3).repeat_interleave(t.tensor([1, 2]), dim=1)", ["repeat_interleave", "= 3"]),
    ("t.eye(-1)", ["eye", "-1"]),
    ("t.randperm(-1)", ["randperm", "-1"]),
    ("t.nn.functional.cross_entropy(t.ones(2, 3, 4), t.tensor([0, 1]))", ["(2, 4)", "(2,)"]),
    ("t.nn.functional.cross_entropy(t.ones(4, 3), t.ones(2, 3))", ["(2, 3)", "(4, 3)"]),
    ("t.nn.functional.nll_loss(t.ones(4, 3), t.tensor([[0], [1], [2], [0]]))", ["(4, 1)"]),
    (
        "t.nn.functional.cross_entropy(t.ones(2, 3), t.tensor([0, 1]), weight=t.ones(4))",
        ["cross_entropy", "3 classes", "[4]"],
    ),
    (
        "t.nn.functional.cross_entropy(t.ones(2, 3), t.tensor([0, 1]), label_smoothing=1.5)",
        ["label_smoothing", "1.5"],
    ),
    ("t.nn.LSTM(3, 4)(t.ones(5, 2, 6))", ["LSTM", "(5, 2, 6)"]),
    ("t.nn.LSTMCell(3, 4)(t.ones(2, 3), (t.ones(2, 5), t.ones(2, 4)))", ["hidden", "(2, 5)"]),
    ("t.nn.BatchNorm1d(3)(t.ones(4, 5))", ["BatchNorm1d", "(4, 5)"]),
    ("t.ones(2) @ 3", ["@", "int"]),
    ("float(t.ones(2))", ["only one element", "(2,)"]),
    ("int(t.ones(2, 2))", ["only one element", "(2, 2)"]),
    ("t.tensor([1.0, 2.0]).expand(3, 2).add_(1)", ["single memory location", "clone()"]),
    ("t.tensor([1, 2]).div_(2, rounding_mode='bogus')", ["rounding_mode", "bogus"]),
    ("t.set_grad_enabled('yes')", ["set_grad_enabled", "str"]),
    ("t.ones(2, requires_grad=True).sum().backward(inputs=[])", ["inputs", "empty"]),
    (
        "t.nn.functional.conv2d(t.ones(1, 3, 5, 5), t.ones(2, 3, 3, 3), stride=2, padding='same')",
        ["same", "strided"],
    ),
    ("t.nn.Conv2d(3, 2, 3, stride=2, padding='same')", ["Conv2d", "strided"]),
    ("t.nn.Conv2d(3, 2, 3, padding='bogus')", ["Conv2d", "bogus"]),
    ("t.rand(2).uniform_(1, 0)", ["uniform_", "from=1", "to=0"]),
    ("t.tensor([1.0]) << 1", ["lshift", "Float"]),
    # the second sweep (errsweep): nn.functional, layer constructors
    ("t.nn.functional.conv1d(t.ones(1, 3, 5), t.ones(2, 3, 3), stride=0)", ["stride", "(1, 0)"]),
    (
        "t.nn.functional.conv2d(t.ones(1, 3, 5, 5), t.ones(2, 3, 3, 3), padding=(-1, 0))",
        ["conv2d", "padding", "non-negative", "(-1, 0)"],
    ),
    (
        "t.nn.functional.conv_transpose2d(t.ones(1, 4, 5, 5), t.ones(4, 2, 3, 3), dilation=0)",
        ["conv_transpose2d", "dilation", "(0, 0)"],
    ),
    ("t.nn.functional.max_pool2d(t.ones(1, 1, 4, 4), 2, stride=0)", ["max_pool2d", "stride"]),
    ("t.nn.functional.avg_pool2d(t.ones(1, 1, 4, 4), 0)", ["avg_pool2d", "kernel_size"]),
    ("t.nn.functional.max_pool2d(t.ones(1, 1, 4, 4), (2, 2, 2))", ["max_pool2d", "(2, 2, 2)"]),
    ("t.nn.functional.unfold(t.ones(1, 1, 4, 4), kernel_size=0)", ["unfold", "kernel_size"]),
    (
        "t.nn.functional.fold(t.ones(1, 4, 9), output_size=(4, 4), kernel_size=2, stride=0)",
        ["fold", "stride", "(0, 0)"],
    ),
    ("t.nn.functional.pixel_shuffle(t.ones(1, 4, 2, 2), 0)", ["pixel_shuffle", "got 0"]),
    ("t.nn.functional.pixel_unshuffle(t.ones(1, 1, 4, 4), 0)", ["pixel_unshuffle", "got 0"]),
    ("t.nn.functional.interpolate(t.ones(1, 1, 4), size=0)", ["interpolate", "(4,)", "(0,)"]),
    (
        "t.nn.functional.scaled_dot_product_attention(t.ones(4), t.ones(4), t.ones(4))",
        ["scaled_dot_product_attention", "2-D", "(4,)"],
    ),
    (
        "t.nn.functional.scaled_dot_product_attention(t.ones(2, 3, 4), t.ones(2, 5, 4), "
        "t.ones(2, 5, 4), attn_mask=t.ones(3, 5, dtype=t.int64))",
        ["scaled_dot_product_attention", "attn_mask", "int64"],
    ),
    (
        "t.nn.functional.scaled_dot_product_attention(t.ones(2, 3, 4), t.ones(2, 5, 4), "
        "t.ones(2, 5, 4), dropout_p=1.5)",
        ["scaled_dot_product_attention", "1.5"],
    ),
    ("t.nn.functional.embedding(t.tensor([0]), t.ones(3))", ["embedding", "2-D", "(3,)"]),
    (
        "t.nn.functional.embedding(t.tensor([0]), t.ones(3, 2), padding_idx=5)",
        ["embedding", "padding_idx=5", "(3, 2)"],
    ),
    ("t.nn.Embedding(3, 2, padding_idx=-5)", ["Embedding", "padding_idx=-5"]),
    ("t.nn.EmbeddingBag(3, 2, padding_idx=5)", ["EmbeddingBag", "padding_idx=5"]),
    ("t.nn.Embedding(3, 2, _weight=t.ones(4, 2))", ["Embedding", "(4, 2)", "(3, 2)"]),
    ("t.nn.Embedding.from_pretrained(t.ones(3))", ["from_pretrained", "2-D", "(3,)"]),
    ("t.nn.LSTM(3, 4, num_layers=0)", ["LSTM", "num_layers", "0"]),
    ("t.nn.GRU(3, 0)", ["GRU", "hidden_size", "0"]),
    ("t.nn.RNN(3, 4, dropout=1.5)", ["RNN", "dropout", "1.5"]),
    ("t.nn.Conv2d(3, 2, 3, groups=0)", ["Conv2d", "groups", "0"]),
    # creation, random draws, indexing
    ("t.rand(-1)", ["negative dimension -1", "[-1]"]),
    ("t.randn(2, -1)", ["negative dimension -1", "[2, -1]"]),
    ("t.randint(5, 2, (3,))", ["random_", "from=5", "to=2"]),
    ("t.ones(3).random_(5, 2)", ["random_", "from=5", "to=2"]),
    ("t.normal(0, -1, (3,))", ["normal", "std", "-1"]),
    ("t.ones(3).normal_(0, -1)", ["normal", "std", "-1"]),
    ("t.ones(3).exponential_(-1)", ["exponential_", "lambda=-1"]),
    ("t.ones(2, 3).__setitem__(0, t.ones(4))", ["index_put", "(4,)", "(2, 3)"]),
    ("t.ones(2, 3).__setitem__(slice(None), t.ones(3, 3))", ["index_put", "(3, 3)", "(2, 3)"]),
    ("t.ones(2, 3).__setitem__(0, 'a')", ["index_put", "str"]),
    ("t.ones(3).index_select(0, t.tensor([0.0]))", ["index_select", "float32"]),
    ("t.ones(3).index_select(0, t.tensor([[0]]))", ["index_select", "vector", "(1, 1)"]),
    ("t.ones(3, requires_grad=True).__setattr__('grad', t.ones(3).double())", ["float64"]),
    ("t.ones(2, 3).flatten(1, 0)", ["flatten", "start_dim", "(2, 3)"]),
    ("t.ones(2, 3).split(0)", ["split", "0", "size 2"]),
    ("t.ones(2, 3).roll((1, 2), (0,))", ["roll", "(1, 2)", "(0,)"]),
    ("t.ones(2, 3).narrow(1, -5, 1)", ["narrow", "[-3, 3]", "-5"]),
    ("t.ones(0).argmax()", ["argmax", "(0,)"]),
    ("t.ones(0, 3).max(0)", ["max", "dim 0", "(0, 3)"]),
    ("t.ones(0, 3).amin(0)", ["amin", "dim 0", "(0, 3)"]),
    ("t.ones(0).amax()", ["amax", "numel() == 0"]),
    ("t.outer(t.ones(2, 2), t.ones(2))", ["outer", "1-D", "(2, 2)"]),
    ("t.zeros(3).index_add_(0, t.tensor([0]), t.ones(2))", ["index_add_", "(1)", "(2)"]),
    ("t.zeros(3).index_add_(0, t.tensor([0.0]), t.ones(1))", ["index_add_", "float32"]),
    ("t.ones(3).take(t.tensor([0.0]))", ["take", "float32"]),
    ("t.arange(0, float('inf'))", ["arange", "inf"]),
    ("t.logspace(0, 1, -1)", ["logspace", "-1"]),
    ("t.tensor([1, None])", ["tensor", "None"]),
    ("t.tensor({1, 2})", ["tensor", "{1, 2}"]),
    ("t.linalg.norm(t.ones(3), ord='fro')", ["linalg.norm", "fro", "(3,)"]),
    ("t.linalg.vector_norm(t.ones(3), ord='fro')", ["vector_norm", "fro"]),
    ("t.ones(2, 3).norm(p='bogus')", ["norm", "bogus"]),
    ("t.nn.Hardtanh(2, 1)", ["Hardtanh", "max_val (1)", "min_val (2)"]),
    ("t.nn.functional.gelu(t.ones(3), approximate='bogus')", ["gelu", "bogus"]),
    ("t.nn.Linear(2, 3).register_buffer('weight', t.ones(2))", ["register_buffer", "weight"]),
    ("t.nn.Linear(2, 3).__setattr__('weight', t.nn.Buffer(t.ones(2)))", ["parameter 'weight'"]),
    ("t.optim.SGD([t.nn.Parameter(t.ones(2))], lr=0.1).add_param_group([])", ["dict", "list"]),
    (
        "t.optim.Adagrad([t.nn.Parameter(t.ones(2))], initial_accumulator_value=-1)",
        ["Invalid initial_accumulator_value value: -1"],
    ),
    ("t.ones(2, 3).narrow(1, 4, -1)", ["narrow", "length", "-1"]),
    ("t.nn.functional.pad(t.ones(2, 3), (-4, 0))", ["narrow", "length"]),
    ("t.nn.functional.one_hot(t.tensor([], dtype=t.int64))", ["one_hot", "empty", "(0,)"]),
    (
        "t.nn.functional.adaptive_avg_pool2d(t.ones(1, 1, 4, 4), (2, 2, 2))",
        ["adaptive_avg_pool2d", "(2, 2, 2)"],
    ),
    ("t.nn.functional.adaptive_avg_pool2d(t.ones(1, 1, 4, 4), -1)", ["adaptive_avg_pool2d"]),
    (
        "t.nn.MultiheadAttention(4, 2)(t.ones(3, 2, 4), t.ones(3, 2, 4), t.ones(4, 2, 4))",
        ["MultiheadAttention", "(3, 2, 4)", "(4, 2, 4)"],
    ),
    (
        "t.nn.functional.layer_norm(t.ones(2, 3), (3,), weight=t.ones(4))",
        ["layer_norm", "weight", "(4,)", "(3,)"],
    ),
    (
        "t.nn.functional.instance_norm(t.ones(2, 3, 4), t.zeros(4), t.ones(4))",
        ["instance_norm", "3 elements", "(2, 3, 4)", "not 4"],
    ),
    (
        "t.nn.functional.conv1d(t.ones(1, 3, 5), t.ones(2, 3, 3), bias=t.ones(3))",
        ["bias", "(2,)", "(3,)"],
    ),
    (
        "t.ones(2, 3).masked_fill(t.ones(2, 3, dtype=t.bool), 'a')",
        ["masked_fill", "str"],
    ),
    ("t.nn.functional.interpolate(t.ones(4), scale_factor=2)", ["interpolate", "(4,)"]),
    (
        "t.nn.functional.embedding_bag(t.tensor([0, 1, 5]), t.ones(3, 2), t.tensor([0, 1]))",
        ["embedding_bag", "[0, 3)", "(3, 2)"],
    ),
    ("t.ones_like([1, 2])", ["ones_like", "list"]),
    ("t.kron(t.ones(2), 3)", ["kron", "int"]),
    ("t.cat([])", ["cat", "non-empty"]),
    ("t.cat(t.ones(2))", ["cat", "Tensor"]),
    ("t.vstack([])", ["vstack", "non-empty"]),
    ("t.ones(2).repeat_interleave(-1)", ["repeat_interleave", "-1"]),
    ("t.ones(2).repeat_interleave(t.tensor([1, -1]))", ["repeat_interleave", "[1, -1]"]),
    ("t.tensor([1, 2]).bincount(weights=t.ones(3))", ["bincount", "(3,)", "(2,)"]),
    ("t.ones(3).index_fill(0, t.tensor([[0]]), 1)", ["index_fill", "(1, 1)"]),
    ("t.ones(3).put_(t.tensor([0, 1]), t.ones(1))", ["put_", "(1,)", "(2,)"]),
    ("t.tensor([1.5]).gcd(t.tensor([1.0]))", ["gcd", "Float"]),
    ("t.device('cuda', -1)", ["Device index must not be negative", "-1"]),
    ("t.tensor([300], dtype=t.uint8)", ["uint8", "overflow"]),
    ("t.tensor([1.5e10], dtype=t.int32)", ["int32", "overflow"]),
    ("t.Generator().manual_seed('x')", ["manual_seed", "str"]),
    ("t.manual_seed('a')", ["'a'"]),
    (
        "t.nn.utils.clip_grad_norm_([t.nn.Parameter(t.ones(2))], 1.0, norm_type='bogus')",
        ["bogus"],
    ),
    # data loading options
    ("t.utils.data.DataLoader([1, 2], timeout=-1)", ["timeout", "-1"]),
    ("t.utils.data.DataLoader([1, 2], prefetch_factor=2)", ["prefetch_factor", "num_workers"]),
    ("t.utils.data.DataLoader([1, 2], persistent_workers=True)", ["persistent_workers"]),
    ("t.utils.data.DataLoader([1, 2], batch_size=None, drop_last=True)", ["drop_last"]),
    ("t.utils.data.RandomSampler([])", ["num_samples=0", "empty"]),
    ("t.utils.data.random_split(range(10), [0.5, -0.1, 0.6])", ["index 1", "-0.1"]),
]


def _raise(lib, expr):
    with pytest.raises(Exception) as info:
        eval(expr, {"t": lib, "np": np})
    return info.value


@pytest.mark.parametrize(("expr", "fragments"), ERRORS, ids=[e for e, _ in ERRORS])
def test_error_type_is_torchs_and_message_names_the_problem(expr, fragments):
    mine, theirs = _raise(minigrad, expr), _raise(torch, expr)
    assert isinstance(mine, type(theirs)), f"{type(mine).__name__} (PyTorch: {theirs!r})"
    for fragment in fragments:
        assert fragment in str(mine), f"{fragment!r} not in {str(mine)!r}"


def test_a_layer_with_no_inputs_builds_as_in_pytorch():
    """Linear(0, 3) builds in PyTorch (its init warns and leaves the empty weight); the fan-in
    of 0 must not reach a division."""
    with pytest.warns(UserWarning, match="zero-element"):
        layer = minigrad.nn.Linear(0, 3)
    assert layer(minigrad.ones(2, 0)).shape == (2, 3)


def test_saving_into_a_missing_folder_names_it(tmp_path):
    target = tmp_path / "missing" / "model.pt"
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        torch.save(torch.ones(2), target)
    with pytest.raises(RuntimeError, match=r"minigrad.save: Parent directory .*missing does not"):
        minigrad.save(minigrad.ones(2), target)


def test_trunc_normal_with_an_empty_window_raises_instead_of_redrawing_forever():
    with pytest.raises(ValueError, match=r"trunc_normal_: a \(2\) must be less than b \(-2\)"):
        minigrad.nn.init.trunc_normal_(minigrad.ones(3), a=2, b=-2)


def test_device_mismatch_names_the_op_and_both_devices():
    a = minigrad.ones(2)
    b = minigrad.ones(2)
    b._device = minigrad.device("cuda:0")  # pretend, so the check runs without a GPU
    with pytest.raises(RuntimeError, match=r"add.*cpu, cuda:0.*\.to\("):
        a + b
    with pytest.raises(RuntimeError, match=r"eq.*cpu, cuda:0"):
        minigrad.eq(a, b)


def test_cuda_unavailable_says_how_to_install():
    from minigrad.backend import cuda

    if cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(RuntimeError, match="CUDA is not available.*pip install"):
        minigrad.ones(2).to("cuda")


def test_regression_losses_warn_when_they_broadcast():
    with pytest.warns(UserWarning, match=r"target size \(3, 1\)"):
        loss = minigrad.nn.functional.mse_loss(minigrad.ones(3), minigrad.zeros(3, 1))
    assert loss.item() == 1.0


def test_a_backward_returning_the_wrong_number_of_gradients():
    class Bad(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.array + b.array

        @staticmethod
        def backward(ctx, gy):
            return gy

    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="function BadBackward returned an incorrect number"):
        Bad.apply(x, x).sum().backward()


def test_a_backward_returning_the_wrong_shape():
    class Bad(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a.array * 2

        @staticmethod
        def backward(ctx, gy):
            return minigrad.ones(5)

    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadBackward\b.*\[5\].*\[2\]"):
        Bad.apply(x).sum().backward()


@pytest.mark.parametrize(
    "name", ["bfloat16", "complex64", "jit", "profiler", "hub", "_foreach_lerp_", "_foreach_norm"]
)
def test_a_pytorch_name_minigrad_leaves_out_says_why(name):
    """`torch.bfloat16` in a tutorial: an AttributeError (hasattr stays False, as feature
    checks expect) whose message says why minigrad has no such thing and what to use."""
    assert hasattr(torch, name)
    assert not hasattr(minigrad, name)
    with pytest.raises(AttributeError, match=rf"no attribute '{name}': .+docs/nn\.md"):
        getattr(minigrad, name)
    with pytest.raises(AttributeError, match=r"no attribute 'not_a_torch_name'$"):
        minigrad.not_a_torch_name  # noqa: B018


@pytest.mark.parametrize("name", ["SyncBatchNorm", "DataParallel", "parallel", "quantized"])
def test_an_nn_name_minigrad_leaves_out_says_why(name):
    """`nn.SyncBatchNorm` or `nn.DataParallel(model)` in a tutorial: minigrad trains in one
    process on one device, and the AttributeError says so."""
    assert hasattr(torch.nn, name)
    assert not hasattr(minigrad.nn, name)
    with pytest.raises(AttributeError, match=rf"'minigrad.nn' has no attribute '{name}': .+nn\.md"):
        getattr(minigrad.nn, name)
    with pytest.raises(AttributeError, match=r"'minigrad.nn' has no attribute 'Linearr'$"):
        minigrad.nn.Linearr  # noqa: B018

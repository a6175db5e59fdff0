"""Module: registration, iteration, modes, state dicts (PyTorch's keys), to(), repr, clipping."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(8, 2))
        self.register_buffer("scale", minigrad.ones(1), persistent=False)

    def forward(self, x):
        return self.head(self.bn(self.linear1(x))) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = torch.nn.Linear(4, 8)
        self.bn = torch.nn.BatchNorm1d(8)
        self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(8, 2))


def test_registration_and_pytorch_key_names():
    net = Net()
    assert list(net.state_dict()) == list(TorchNet().state_dict())
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in TorchNet().named_parameters()]
    assert [type(m).__name__ for m in net.children()] == ["Linear", "BatchNorm1d", "Sequential"]
    assert len(list(net.modules())) == 6
    assert "scale" not in net.state_dict() and len(list(net.buffers())) == 4


def test_load_pytorch_state_dict_and_same_output():
    net, ref = Net(), TorchNet()
    result = net.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    net.eval()
    ref.eval()
    expected = ref.head(ref.bn(ref.linear1(torch.tensor(x)))).detach().numpy()
    # NOTE: atol as well: an output near zero (-5.5e-5 where the others are ~0.1) is the
    # difference of larger terms, so a summation order differing by one rounding moves it
    # 2.7e-4 relatively
    actual = net(minigrad.tensor(x)).detach().numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_load_state_dict_reports_missing_unexpected_and_size_mismatch():
    net = Net()
    state = net.state_dict()
    del state["bn.running_mean"]
    state["extra.weight"] = minigrad.zeros(1)
    state["linear1.bias"] = minigrad.zeros(3)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    text = str(info.value)
    assert '"bn.running_mean"' in text and '"extra.weight"' in text
    assert "size mismatch for linear1.bias" in text
    assert "minigrad.Size([3])" in text and "minigrad.Size([8])" in text
    state["linear1.bias"] = minigrad.zeros(8)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["bn.running_mean"] and result.unexpected_keys == ["extra.weight"]


def test_train_eval_zero_grad_apply_and_requires_grad():
    net = Net()
    assert net.eval().bn.training is False and net.train().head[1].training is True
    net(minigrad.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and "ReLU" in seen
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_keeps_parameter_objects_and_converts_buffers():
    net = Net()
    params = list(net.parameters())
    opt = minigrad.optim.SGD(net.parameters(), lr=0.1)
    net.to(minigrad.float64)
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert (
        net.linear1.weight.dtype == minigrad.float64
        and net.bn.running_var.dtype == minigrad.float64
    )
    assert net.bn.num_batches_tracked.dtype == minigrad.int64
    net(minigrad.randn(3, 4, dtype=minigrad.float64)).sum().backward()
    before = net.linear1.weight.detach().clone()
    opt.step()
    assert not minigrad.equal(before, net.linear1.weight.detach())


def test_repr_setattr_rules_and_deepcopy():
    net = Net()
    assert "(linear1): Linear(in_features=4, out_features=8, bias=True)" in repr(net)
    assert "(0): ReLU()" in repr(net)
    with pytest.raises(TypeError):
        net.linear1.weight = minigrad.zeros(8, 4)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        net.nope
    clone = copy.deepcopy(net)
    assert clone.linear1.weight is not net.linear1.weight
    assert minigrad.equal(clone.linear1.weight.detach(), net.linear1.weight.detach())
    assert isinstance(clone.linear1.weight, nn.Parameter)


def test_containers():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and isinstance(layers[-1], nn.ReLU)
    assert len(list(layers.parameters())) == 6
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert list(heads.keys()) == ["a", "b"] and "b.weight" in heads.state_dict()
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    assert "2.bias" in seq.state_dict()


def test_module_list_plus_an_iterable_is_a_new_list_sharing_the_modules():
    first, second = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()]), [nn.Tanh()]
    both = first + second
    assert isinstance(both, nn.ModuleList) and len(first) == 2
    assert list(both) == [*first, *second] and both[0] is first[0]
    assert list(dict(both.named_children())) == ["0", "1", "2"]
    assert repr(both) == repr(
        torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU()]) + [torch.nn.Tanh()]
    )


def test_clip_grad_norm_matches_pytorch():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = [minigrad.zeros(g.shape, dtype=minigrad.float64, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad, tp.grad = minigrad.tensor(g), torch.tensor(g)
    for norm_type in (2.0, float("inf")):
        total = nn.utils.clip_grad_norm_(ours, 1.5, norm_type)
        t_total = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
        assert total.item() == pytest.approx(t_total.item())
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_clip_grad_norm_2_of_large_and_strided_gradients_matches_pytorch(dtype):
    """The 2-norm's sums of squares (BLAS dot products for float32 and float64) on an MLP's
    gradient sizes, a transposed (strided) gradient among them."""
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(dtype) for s in ((256, 256), (256,), (64, 300))]
    grads[2] = grads[2].T
    results = []
    for lib in (minigrad, torch):
        params = [lib.zeros(g.shape, dtype=getattr(lib, dtype), requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g) if lib is minigrad else torch.from_numpy(g)
        total = lib.nn.utils.clip_grad_norm_(params, 1.0)
        results.append((total, [p.grad.numpy().astype(np.float64) for p in params]))
    (ours, our_grads), (theirs, their_grads) = results
    assert ours.dtype is getattr(minigrad, dtype)
    rtol = 2e-3 if dtype == "float16" else 1e-5  # float16: one unit in the last place
    assert ours.item() == pytest.approx(theirs.item(), rel=rtol)
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6)


def test_clip_grad_norm_leaves_gradients_below_the_limit_as_they_are():
    g = np.array([0.3, -0.4], dtype=np.float32)
    p = minigrad.zeros(2, requires_grad=True)
    p.grad = minigrad.tensor(g)
    version = p.grad._version
    assert nn.utils.clip_grad_norm_([p], 10.0).item() == pytest.approx(0.5)
    assert p.grad.numpy().tolist() == g.tolist() and p.grad._version == version + 1


@pytest.mark.parametrize("norm_type", [0, 0.5, 1, 3.0, float("-inf"), "inf"])
def test_total_norm_of_every_order_matches_pytorch(norm_type):
    """PyTorch takes the norm of the per-tensor norms: for order 0, the tensors not all zero."""
    grads = [np.array([[3.0, 0.0], [-4.0, 1.0]]), np.zeros(3), np.array([0.5, -2.0])]
    totals = []
    for lib in (minigrad, torch):
        params = [lib.zeros(g.shape, dtype=lib.float64, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        total = lib.nn.utils.clip_grad_norm_(params, 0.1, norm_type)
        totals.append([total.item(), [p.grad.numpy() for p in params]])
    assert totals[0][0] == pytest.approx(totals[1][0])
    for a, b in zip(totals[0][1], totals[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_an_infinite_gradient_is_clipped_to_nan_silently_as_pytorch(recwarn):
    p = minigrad.zeros(2, requires_grad=True)
    p.grad = minigrad.tensor([float("inf"), 1.0])
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == float("inf")
    assert np.isnan(p.grad.numpy()[0]) and p.grad.numpy()[1] == 0
    assert not recwarn.list


def test_vector_to_parameters_wants_a_tensor():
    for lib in (minigrad, torch):
        with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
            lib.nn.utils.vector_to_parameters([1.0, 2.0], [lib.zeros(2)])


def test_vector_to_parameters_with_too_few_values_raises_pytorchs_error():
    for lib in (minigrad, torch):
        model = lib.nn.Linear(3, 2)
        with pytest.raises(RuntimeError, match=r"shape '\[2\]' is invalid for input of size 1"):
            lib.nn.utils.vector_to_parameters(lib.arange(7.0), model.parameters())


def test_init_functions_statistics():
    w = minigrad.empty(256, 512)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(np.sqrt(2 / 512), rel=0.05)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= np.sqrt(6 / (256 + 512))
    nn.init.kaiming_uniform_(w, mode="fan_out")
    assert w.numpy().std() == pytest.approx(np.sqrt(2 / 256), rel=0.05)
    nn.init.xavier_normal_(w, gain=2.0)
    assert w.numpy().std() == pytest.approx(2 * np.sqrt(2 / 768), rel=0.05)
    assert nn.init.zeros_(w).numpy().max() == 0 and nn.init.ones_(w).numpy().min() == 1
    nn.init.normal_(w, 3.0, 0.5)
    assert w.numpy().mean() == pytest.approx(3.0, abs=0.01)
    assert nn.init.calculate_gain("tanh") == pytest.approx(torch.nn.init.calculate_gain("tanh"))


def test_reassigning_keeps_the_place_of_a_parameter_buffer_or_module_as_pytorch():
    """A new value for an existing name replaces the old one where it stands: the order of
    parameters(), buffers() and state_dict() keys (pruning re-registers `weight_mask`, the
    tutorials assign `layer.weight = nn.Parameter(...)`) is PyTorch's."""
    orders = []
    for lib in (minigrad, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())
        layer = model[0]
        layer.weight = lib.nn.Parameter(lib.ones(2, 2))
        layer.register_parameter("weight", lib.nn.Parameter(lib.zeros(2, 2)))
        layer.register_buffer("a", lib.ones(1))
        layer.register_buffer("b", lib.ones(1))
        layer.register_buffer("a", lib.zeros(1), persistent=False)
        layer.register_buffer("a", lib.zeros(1))
        model.add_module("0", lib.nn.Linear(2, 2))
        model[0].register_buffer("c", lib.ones(1))
        model[0].c = lib.zeros(1)
        orders.append([list(model.state_dict()), [n for n, _ in layer.named_buffers()]])
    assert orders[0] == orders[1]


def test_load_state_dict_refuses_what_is_not_a_mapping_as_pytorch():
    import torch

    for lib in (torch, minigrad):
        for wrong in ([1], None):
            with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
                lib.nn.Linear(2, 2).load_state_dict(wrong)


def test_skip_init_builds_the_module_for_the_caller_to_fill_as_pytorch():
    """The "Skipping Module Parameter Initialization" recipe: the module's structure, then an
    initialisation of the caller's choice; PyTorch's errors for what cannot be skipped."""
    shapes = []
    for lib in (minigrad, torch):
        m = lib.nn.utils.skip_init(lib.nn.Linear, 5, 1, bias=False)
        lib.nn.init.orthogonal_(m.weight)
        shapes.append([repr(m), tuple(m.weight.shape), m.weight.requires_grad])
        assert abs(float(m.weight.norm()) - 1) < 1e-5
        with pytest.raises(RuntimeError, match="Module must support a 'device' arg"):
            lib.nn.utils.skip_init(lib.nn.ReLU)
        with pytest.raises(RuntimeError, match="Expected a Module; got <class 'int'>"):
            lib.nn.utils.skip_init(int)
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize("lib", [torch, minigrad], ids=["torch", "minigrad"])
def test_shared_modules_and_deleted_entries_in_state_dict_keys(lib):
    """A module used at two places of a Sequential is in the state dict under both names
    (parameters() lists it once), and deleting from a Sequential numbers the rest again,
    as PyTorch does; the same assertions run on both libraries."""
    shared = lib.nn.Linear(3, 3)
    tied = lib.nn.Sequential(shared, lib.nn.Tanh(), shared)
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(tied.parameters())) == 2
    tied.load_state_dict(tied.state_dict())
    seq = lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.ReLU(), lib.nn.Linear(1, 2))
    del seq[1]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear"]
    del seq[:1]
    assert list(seq.state_dict()) == ["0.weight", "0.bias"]


def test_linear_reads_weight_and_bias_without_module_getattr(monkeypatch):
    # Linear declares its weight and bias (nn.modules.module._Registered): a read takes no
    # failed lookup and no Module.__getattr__, the slow part of every call on Python 3.11
    lin = nn.Linear(3, 2)
    calls = []
    getattr_ = nn.Module.__getattr__
    monkeypatch.setattr(
        nn.Module, "__getattr__", lambda self, name: calls.append(name) or getattr_(self, name)
    )
    lin(minigrad.ones(4, 3))
    assert lin.weight is lin._parameters["weight"] and lin.bias is lin._parameters["bias"]
    assert calls == []


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_linear_weight_and_bias_read_as_any_registered_attribute(lib):
    class Early(lib.nn.Linear):
        def __init__(self):
            self.had_weight = hasattr(self, "weight")  # before Module.__init__: no registry
            super().__init__(3, 2)

    assert Early().had_weight is False
    lin = lib.nn.Linear(3, 2, bias=False)
    assert lin.bias is None  # registered as None
    with pytest.raises(AttributeError, match="has no attribute 'weight'"):
        lib.nn.Linear.weight  # on the class: nothing
    new = lib.nn.Parameter(lib.ones(2, 3))
    lin.weight = new
    assert lin.weight is new
    del lin.weight
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weight'"):
        lin.weight
    lin.weight = lib.full((2, 3), 2.0)  # a plain tensor: an attribute of the instance
    assert lin(lib.ones(1, 3)).tolist() == [[6.0, 6.0]]
    del lin.bias
    lin.register_buffer("bias", lib.ones(2))  # a buffer of the name: read as well
    assert lin(lib.ones(1, 3)).tolist() == [[7.0, 7.0]]


@pytest.mark.parametrize(
    "needs", [(1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1)]
)
def test_linear_gradients_of_any_subset_of_its_inputs_as_pytorch(needs):
    # Linear's backward hands LinearGrad's outputs back in place when every input needs one
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((5, 3), (4, 3), (4,))]
    ours = [minigrad.tensor(a, requires_grad=bool(n)) for a, n in zip(arrays, needs)]
    theirs = [torch.tensor(a, requires_grad=bool(n)) for a, n in zip(arrays, needs)]
    minigrad.nn.functional.linear(*ours).square().sum().backward()
    torch.nn.functional.linear(*theirs).square().sum().backward()
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)

"""nn.utils.parametrize, parametrizations.weight_norm / spectral_norm and the legacy
weight_norm against PyTorch: the same state-dict keys and values, outputs, gradients and
training steps, and the behaviours of PyTorch's "Parametrizations" tutorial."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):  # noqa: N803 - the tutorial's names
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):  # noqa: N803
            return A.triu()

    return Symmetric()


def _skew(lib):
    class SkewSymmetric(lib.nn.Module):
        def forward(self, X):  # noqa: N803
            A = X.triu(1)
            return A - A.transpose(-1, -2)

    return SkewSymmetric()


def _copy_state(ours, theirs):
    """Give minigrad's module PyTorch's values (same keys, or load_state_dict raises)."""
    ours.load_state_dict(
        {k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )


def _assert_close(a, b, **tolerance):
    np.testing.assert_allclose(
        a.detach().numpy(), b.detach().numpy(), **(tolerance or {"rtol": 1e-5, "atol": 1e-6})
    )


def _pair(make):
    """make(lib) in both libraries, then PyTorch's values copied into minigrad's module."""
    torch.manual_seed(0)
    theirs = make(torch)
    ours = make(minigrad)
    _copy_state(ours, theirs)
    return ours, theirs


def _train(lib, model, steps=3, optimizer="SGD"):
    opt = getattr(lib.optim, optimizer)(model.parameters(), lr=0.1)
    x = lib.tensor(
        np.random.default_rng(1).standard_normal((4, model.in_features)).astype(np.float32)
    )
    for _ in range(steps):
        opt.zero_grad()
        loss = (model(x) ** 2).sum()
        loss.backward()
        opt.step()
    return loss


# -- parametrize: the tutorial -------------------------------------------------------------
def test_symmetric_weight_as_in_the_tutorial():
    def make(lib):
        layer = lib.nn.Linear(3, 3)
        return lib.nn.utils.parametrize.register_parametrization(layer, "weight", _symmetric(lib))

    ours, theirs = _pair(make)
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert isinstance(ours, minigrad.nn.Linear)
    assert (
        list(ours.state_dict())
        == list(theirs.state_dict())
        == ["bias", "parametrizations.weight.original"]
    )
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    w = ours.weight
    np.testing.assert_array_equal(w.detach().numpy(), w.detach().numpy().T)
    _assert_close(w, theirs.weight)
    assert repr(ours).splitlines() == repr(theirs).splitlines()
    _assert_close(_train(minigrad, ours), _train(torch, theirs))
    _assert_close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    _assert_close(ours.weight, theirs.weight)


def test_right_inverse_runs_at_registration_and_on_assignment():
    """The first registration stores right_inverse(weight) in original (the same Parameter
    object); assigning module.weight stores right_inverse(value)."""
    ours, theirs = _pair(lambda lib: lib.nn.Linear(3, 3))
    before = ours.weight
    for lib, layer in ((minigrad, ours), (torch, theirs)):
        lib.nn.utils.parametrize.register_parametrization(layer, "weight", _symmetric(lib))
    assert ours.parametrizations.weight.original is before
    np.testing.assert_array_equal(np.tril(before.detach().numpy(), -1), 0)
    _assert_close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    value = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    value = value + value.T
    for lib, layer in ((minigrad, ours), (torch, theirs)):
        layer.weight = lib.tensor(value)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), value)
    _assert_close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    assert not minigrad.nn.utils.parametrize.is_parametrized(ours, "bias")


def test_chained_parametrizations_and_removal():
    class Scale(minigrad.nn.Module):
        def forward(self, x):
            return 2 * x

    layer = minigrad.nn.Linear(3, 3)
    P = minigrad.nn.utils.parametrize
    P.register_parametrization(layer, "weight", _skew(minigrad))
    P.register_parametrization(layer, "weight", Scale())
    assert len(layer.parametrizations.weight) == 2
    w = layer.weight.detach().numpy()
    np.testing.assert_allclose(w, -w.T)
    original = layer.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        layer.weight = minigrad.zeros(3, 3)
    P.remove_parametrizations(layer, "weight")
    assert type(layer) is minigrad.nn.Linear and not P.is_parametrized(layer)
    assert layer.weight is original  # the same Parameter: an optimizer still holds it
    np.testing.assert_array_equal(layer.weight.detach().numpy(), w)
    assert list(layer.state_dict()) == ["bias", "weight"]  # re-registered last, as in PyTorch


def test_remove_without_leaving_parametrized_keeps_the_original():
    for lib in (minigrad, torch):
        layer = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrize.register_parametrization(layer, "weight", _skew(lib))
        lib.nn.utils.parametrize.register_parametrization(layer, "bias", lib.nn.Tanh())
        original = layer.parametrizations.weight.original.detach().clone()
        lib.nn.utils.parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
        np.testing.assert_array_equal(layer.weight.detach().numpy(), original.numpy())
        assert lib.nn.utils.parametrize.is_parametrized(layer)
        assert not lib.nn.utils.parametrize.is_parametrized(layer, "weight")
        assert type(layer).__name__ == "ParametrizedLinear"
        assert lib.nn.utils.parametrize.type_before_parametrizations(layer) is lib.nn.Linear


def test_cached_computes_each_parametrized_tensor_once():
    calls = []

    class Counted(minigrad.nn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 1.0

    layer = minigrad.nn.Linear(3, 3)
    minigrad.nn.utils.parametrize.register_parametrization(layer, "weight", Counted())
    calls.clear()
    layer.weight
    layer.weight
    assert len(calls) == 2
    calls.clear()
    with minigrad.nn.utils.parametrize.cached():
        first = layer.weight
        with minigrad.nn.utils.parametrize.cached():
            assert layer.weight is first
        assert layer.weight is first
    assert len(calls) == 1
    assert layer.weight is not first


def test_parametrizing_a_buffer_keeps_it_a_buffer():
    for lib in (minigrad, torch):
        bn = lib.nn.BatchNorm1d(3)
        lib.nn.utils.parametrize.register_parametrization(bn, "running_var", lib.nn.Softplus())
        assert "parametrizations.running_var.original" in bn.state_dict()
        assert "parametrizations.running_var.original" not in dict(bn.named_parameters())


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_parametrize_errors(lib):
    P = lib.nn.utils.parametrize
    layer = lib.nn.Linear(3, 3)
    with pytest.raises(
        ValueError, match="does not have a parameter, a buffer, or a parametrized element"
    ):
        P.register_parametrization(layer, "scale", _skew(lib))
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(layer, "weight", lib.nn.Flatten(0))
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(layer, "weight")
    P.register_parametrization(layer, "weight", _skew(lib))
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(layer, "weight", lib.nn.Flatten(0))
    P.register_parametrization(layer, "weight", lib.nn.Flatten(0), unsafe=True)
    assert tuple(layer.weight.shape) == (9,)


# -- parametrizations ----------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_parametrization_matches_pytorch(dim):
    def make(lib):
        return lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(4, 3), dim=dim)

    torch.manual_seed(0)
    plain = torch.nn.Linear(4, 3)
    ours_plain = minigrad.nn.Linear(4, 3)
    _copy_state(ours_plain, plain)
    theirs = torch.nn.utils.parametrizations.weight_norm(plain, dim=dim)
    ours = minigrad.nn.utils.parametrizations.weight_norm(ours_plain, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():  # g is computed from the weight, as torch's
        _assert_close(ours.state_dict()[key], value)
    _assert_close(ours.weight, theirs.weight)
    _assert_close(_train(minigrad, ours, optimizer="Adam"), _train(torch, theirs, optimizer="Adam"))
    for key, value in theirs.state_dict().items():
        _assert_close(ours.state_dict()[key], value)
    assert (
        make(minigrad).parametrizations.weight.original0.shape
        == make(torch).parametrizations.weight.original0.shape
    )


def test_weight_norm_on_a_convolution():
    ours, theirs = _pair(
        lambda lib: lib.nn.utils.parametrizations.weight_norm(lib.nn.Conv2d(2, 3, 3))
    )
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 5)).astype(np.float32)
    out, tout = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
    _assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        _assert_close(p.grad, tp.grad)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.Linear(5, 4),
        lambda lib: lib.nn.Conv2d(2, 3, 3),
        lambda lib: lib.nn.ConvTranspose2d(2, 3, 3),
    ],
    ids=["Linear", "Conv2d", "ConvTranspose2d"],
)
def test_spectral_norm_matches_pytorch(make):
    """u and v start random in each library: PyTorch's are copied over (they are buffers in
    the state dict), then the power iterations, outputs and gradients agree."""

    def made(lib):
        return lib.nn.utils.parametrizations.spectral_norm(make(lib), n_power_iterations=2)

    ours, theirs = _pair(made)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shape = (1, 2, 6, 6) if "Conv" in type(theirs).__name__ else (2, 5)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    for training in (True, True, False):
        ours.train(training)
        theirs.train(training)
        out, tout = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
        _assert_close(out, tout)
        _assert_close(ours.parametrizations.weight[0]._u, theirs.parametrizations.weight[0]._u)
    out.sum().backward()
    tout.sum().backward()
    _assert_close(
        ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad
    )
    # sigma of the parametrized weight is 1 (the power iteration has converged by now)
    matrix = ours.weight.detach().numpy()
    matrix = matrix.swapaxes(0, 1) if "Transpose" in type(theirs).__name__ else matrix
    assert np.linalg.norm(matrix.reshape(matrix.shape[0], -1), 2) == pytest.approx(1.0, rel=1e-2)


def test_spectral_norm_of_a_vector_normalizes_it_and_checks_arguments():
    for lib in (minigrad, torch):
        module = lib.nn.Module()
        module.w = lib.nn.Parameter(lib.tensor([3.0, 4.0]))
        lib.nn.utils.parametrizations.spectral_norm(module, "w")
        np.testing.assert_allclose(module.w.detach().numpy(), [0.6, 0.8], rtol=1e-6)
        with pytest.raises(ValueError, match="has no parameter or buffer with name 'v'"):
            lib.nn.utils.parametrizations.spectral_norm(module, "v")
        with pytest.raises(IndexError, match="Dimension out of range"):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2)
        with pytest.raises(ValueError, match="n_power_iterations to be positive"):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)


# -- legacy weight_norm --------------------------------------------------------------------
def test_legacy_weight_norm_matches_pytorch_and_is_removable():
    results = []
    torch.manual_seed(0)
    reference = torch.nn.Linear(4, 3)
    for lib in (minigrad, torch):
        layer = lib.nn.Linear(4, 3)
        layer.load_state_dict(
            {k: lib.tensor(v.detach().numpy()) for k, v in reference.state_dict().items()}
        )
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            lib.nn.utils.weight_norm(layer, dim=1)
        names = [n for n, _ in layer.named_parameters()]
        keys = list(layer.state_dict())
        loss = _train(lib, layer)
        g, v = layer.weight_g.detach().numpy().copy(), layer.weight_v.detach().numpy().copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
                lib.nn.utils.weight_norm(layer, dim=1)
        lib.nn.utils.remove_weight_norm(layer)
        with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
            lib.nn.utils.remove_weight_norm(layer)
        results.append(
            (
                names,
                keys,
                loss.item(),
                g,
                v,
                [n for n, _ in layer.named_parameters()],
                layer.weight.detach().numpy(),
            )
        )
    ours, theirs = results
    assert ours[0] == theirs[0] == ["bias", "weight_g", "weight_v"]
    assert ours[1] == theirs[1] == ["bias", "weight_g", "weight_v"]
    assert ours[2] == pytest.approx(theirs[2], rel=1e-5)
    for a, b in zip(ours[3:5], theirs[3:5]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours[5] == theirs[5] == ["bias", "weight"]
    np.testing.assert_allclose(ours[6], theirs[6], rtol=1e-5, atol=1e-6)


def test_parametrizations_run_on_device(device):
    ours, theirs = _pair(
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(
            lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(4, 3))
        )
    )
    ours.to(device)
    x = np.random.default_rng(5).standard_normal((2, 4)).astype(np.float32)
    out, tout = ours(minigrad.tensor(x, device=device)), theirs(torch.tensor(x))
    assert str(out.device).startswith(device)
    _assert_close(out.cpu(), tout)
    out.sum().backward()
    tout.sum().backward()
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert str(p.grad.device).startswith(device), name
        _assert_close(p.grad.cpu(), tp.grad)


def test_a_deep_copy_is_independent_of_the_original():
    """PyTorch's copy shares the Parametrized class, so removing a parametrization from the
    copy breaks the original (module.weight disappears); minigrad's copy has its own class."""
    import copy

    layer = minigrad.nn.utils.parametrizations.weight_norm(minigrad.nn.Linear(3, 2))
    replica = copy.deepcopy(layer)
    assert type(replica).__name__ == "ParametrizedLinear" and type(replica) is not type(layer)
    assert replica.parametrizations.weight.original1 is not layer.parametrizations.weight.original1
    x = minigrad.ones(1, 3)
    np.testing.assert_array_equal(replica(x).detach().numpy(), layer(x).detach().numpy())
    minigrad.nn.utils.parametrize.remove_parametrizations(replica, "weight")
    assert type(replica) is minigrad.nn.Linear
    assert type(layer).__name__ == "ParametrizedLinear" and layer.weight.shape == (2, 3)


# -- legacy spectral_norm ------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["linear", "conv_transpose"])
def test_legacy_spectral_norm_matches_pytorch_and_is_removable(kind):
    """The GAN tutorials' torch.nn.utils.spectral_norm: weight_orig, weight_u, weight_v; power
    steps in training mode only; the same loss after training and the same folded weight."""

    def make(lib):
        if kind == "linear":
            return lib.nn.utils.spectral_norm(lib.nn.Linear(4, 3), n_power_iterations=2)
        return lib.nn.utils.spectral_norm(lib.nn.ConvTranspose2d(3, 2, 2))

    ours, theirs = _pair(make)
    x = np.random.default_rng(2).standard_normal((2, 4) if kind == "linear" else (1, 3, 3, 3))
    results = []
    for lib, layer in ((minigrad, ours), (torch, theirs)):
        keys = list(layer.state_dict())
        names = [n for n, _ in layer.named_parameters()]
        opt = lib.optim.SGD(layer.parameters(), lr=0.1)
        inputs = lib.tensor(x.astype(np.float32))
        for _ in range(3):
            opt.zero_grad()
            loss = (layer(inputs) ** 2).sum()
            loss.backward()
            opt.step()
        layer.eval()
        u = layer.weight_u.clone()
        evaluated = layer(inputs)
        unchanged = bool((layer.weight_u == u).all())
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
            lib.nn.utils.spectral_norm(layer)
        lib.nn.utils.remove_spectral_norm(layer)
        with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
            lib.nn.utils.remove_spectral_norm(layer)
        after = [n for n, _ in layer.named_parameters()], list(layer.state_dict())
        results.append(
            (keys, names, loss.item(), evaluated.detach().numpy(), unchanged, after,
             layer.weight.detach().numpy())
        )  # fmt: skip
    ours, theirs = results
    assert ours[0] == theirs[0] == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert ours[1] == theirs[1] == ["bias", "weight_orig"]
    assert ours[2] == pytest.approx(theirs[2], rel=1e-5)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5, atol=1e-6)
    assert ours[4] and theirs[4]  # eval mode: no power step
    assert ours[5] == theirs[5] == (["bias", "weight"], ["bias", "weight"])
    np.testing.assert_allclose(ours[6], theirs[6], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("shape", "orthogonal_map", "use_trivialization"),
    [
        ((4, 4), None, True),
        ((4, 4), None, False),
        ((4, 4), "cayley", True),
        ((4, 4), "cayley", False),
        ((5, 3), None, True),
        ((3, 5), "householder", True),
        ((5, 3), "matrix_exp", True),
        ((3, 5), "cayley", False),
    ],
)
def test_orthogonal_matches_pytorch(shape, orthogonal_map, use_trivialization):
    """parametrizations.orthogonal from the same weight (and, for a non-square one, the same
    random completion: the `base` buffer comes with the state dict): the same state-dict keys,
    the same orthogonal weight, and the same weights after Adam steps, still orthogonal."""

    def make(lib):
        layer = lib.nn.Linear(shape[1], shape[0])
        with lib.no_grad():
            weight = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
            layer.weight.copy_(lib.tensor(weight))
        return lib.nn.utils.parametrizations.orthogonal(
            layer, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
        )

    ours, theirs = _pair(make)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _assert_close(ours.weight, theirs.weight)
    _assert_close(_train(minigrad, ours, optimizer="Adam"), _train(torch, theirs, optimizer="Adam"))
    _assert_close(ours.weight, theirs.weight)
    tall = ours.weight if shape[0] >= shape[1] else ours.weight.mT
    _assert_close(tall.mT @ tall, minigrad.eye(min(shape)))


def test_orthogonal_assignment_and_errors():
    """Assigning a matrix makes its QR's Q the new weight (PyTorch's right_inverse), a wrong
    shape raises ValueError; the arguments are checked as PyTorch's."""
    P = minigrad.nn.utils.parametrizations
    layer = P.orthogonal(minigrad.nn.Linear(3, 3))
    value = np.random.default_rng(4).standard_normal((3, 3)).astype(np.float32)
    layer.weight = minigrad.tensor(value)
    q, r = np.linalg.qr(value)
    np.testing.assert_allclose(layer.weight.detach().numpy(), q * np.sign(np.diag(r)), atol=1e-6)
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape"):
        layer.weight = minigrad.ones(2, 3)
    with pytest.raises(ValueError, match="Got a tensor of 1 dimensions"):
        P.orthogonal(minigrad.nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match=r"has no parameter or buffer with name 'w'"):
        P.orthogonal(minigrad.nn.Linear(3, 3), "w")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of .*Got: expm"):
        P.orthogonal(minigrad.nn.Linear(3, 3), orthogonal_map="expm")
    with pytest.raises(NotImplementedError, match="geqrf"):
        P.orthogonal(minigrad.nn.Linear(3, 2), use_trivialization=False)

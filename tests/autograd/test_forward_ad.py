"""minigrad.autograd.forward_ad (PyTorch's torch.autograd.forward_ad) against PyTorch: the
tangents of dual tensors through functions of several inputs and through a module, the
tangent's identity, the level's lifetime, and the errors."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import minigrad


def _fwad(lib):
    return importlib.import_module(f"{lib.__name__}.autograd.forward_ad")


def _tensor(lib, shape, seed, dtype="float64"):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _tangents(lib):
    fwad = _fwad(lib)
    x, y, w = _tensor(lib, (3, 4), 0), _tensor(lib, (4,), 1), _tensor(lib, (4, 2), 2)
    tx, ty = _tensor(lib, (3, 4), 3), _tensor(lib, (4,), 4)
    with fwad.dual_level():
        dx, dy = fwad.make_dual(x, tx), fwad.make_dual(y, ty)
        out = lib.tanh(dx * dy) @ w + dx.sum(1, keepdim=True) ** 2
        only_x = lib.sin(dx).mean(0)
        constant = w * 2
        unpacked = fwad.unpack_dual(out)
        return [
            unpacked.tangent.numpy(),
            unpacked.primal.detach().numpy(),
            fwad.unpack_dual(only_x).tangent.numpy(),
            fwad.unpack_dual(constant).tangent,
            fwad.unpack_dual(dx).tangent is tx,
        ]


def test_tangents_are_jacobian_vector_products_as_in_pytorch():
    ours, theirs = _tangents(minigrad), _tangents(torch)
    for a, b in zip(ours, theirs):
        if isinstance(b, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        else:
            assert a == b


def _module_tangent(lib):
    fwad = _fwad(lib)
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(_tensor(lib, (2, 3), 5, "float32"))
        model.bias.copy_(_tensor(lib, (2,), 6, "float32"))
    params = dict(model.named_parameters())
    tangents = {name: lib.ones_like(p) * 0.5 for name, p in params.items()}
    inputs = _tensor(lib, (4, 3), 7, "float32")
    with fwad.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwad.make_dual(p, tangents[name]))
        out = model(inputs)
        tangent = fwad.unpack_dual(out).tangent
        out.sum().backward()  # still backward differentiable, into the parameters
    after = fwad.unpack_dual(out).tangent
    return tangent.detach().numpy(), params["weight"].grad.numpy(), after


def test_dual_parameters_of_a_module_give_pytorchs_tangent_and_gradients():
    (t1, g1, after1), (t2, g2, after2) = map(_module_tangent, (minigrad, torch))
    np.testing.assert_allclose(t1, t2, rtol=1e-6)
    np.testing.assert_allclose(g1, g2, rtol=1e-6)
    assert after1 is None and after2 is None  # the level closed: no tangents left


def _tangent_gradient(lib):
    fwad = _fwad(lib)
    x = _tensor(lib, (3,), 8).requires_grad_()
    with fwad.dual_level():
        tangent = fwad.unpack_dual(fwad.make_dual(x, lib.ones(3, dtype=lib.float64)) ** 3).tangent
        tangent.sum().backward()  # d/dx of 3 x^2 t
    return x.grad.numpy()


def test_the_tangent_is_differentiable_when_the_primal_requires_grad():
    np.testing.assert_allclose(_tangent_gradient(minigrad), _tangent_gradient(torch), rtol=1e-12)


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_misuse_raises_what_pytorch_raises(lib):
    fwad = _fwad(lib)
    with pytest.raises(RuntimeError, match="no level exists"):
        fwad.make_dual(lib.ones(2), lib.ones(2))
    assert fwad.unpack_dual(lib.ones(2)).tangent is None
    with fwad.dual_level():
        with pytest.raises(RuntimeError, match=r"size \[2\] while the given forward gradient"):
            fwad.make_dual(lib.ones(2), lib.ones(3))
        with pytest.raises(ValueError, match="Expected tangent to be floating point"):
            fwad.make_dual(lib.ones(2), lib.ones(2, dtype=lib.int64))
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwad.enter_dual_level()


def test_a_custom_function_without_backward_says_why_its_jvp_is_not_used():
    fwad = minigrad.autograd.forward_ad

    class Exp(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.result = x.exp()
            return ctx.result

        @staticmethod
        def jvp(ctx, tangent):
            return tangent * ctx.result

    with fwad.dual_level():
        out = Exp.apply(fwad.make_dual(minigrad.ones(2), minigrad.ones(2)))
        with pytest.raises(NotImplementedError, match="custom Function's jvp is not used"):
            fwad.unpack_dual(out)


def test_unpacking_under_no_grad_says_why_no_tangent_can_be_found():
    fwad = minigrad.autograd.forward_ad
    with fwad.dual_level():
        dual = fwad.make_dual(minigrad.ones(2), minigrad.ones(2))
        with minigrad.no_grad():
            out = dual * 2
            with pytest.raises(RuntimeError, match="no_grad turns off"):
                fwad.unpack_dual(out)
            assert fwad.unpack_dual(dual).tangent.tolist() == [1.0, 1.0]
        assert fwad.unpack_dual(minigrad.ones(2)).tangent is None  # not from a dual tensor

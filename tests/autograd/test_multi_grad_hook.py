"""`autograd.graph.register_multi_grad_hook` and which tensor hooks a pass runs, side by side
with PyTorch: a hook runs only where the pass runs the tensor's node (`inputs=` of backward,
autograd.grad), once per pass."""

import pytest
import torch

import minigrad


def _leaves(lib):
    gen = lib.Generator().manual_seed(0)
    return (lib.rand(2, 3, generator=gen, requires_grad=True) for _ in range(2))


def _all_mode_record(lib) -> list:
    """register_multi_grad_hook's docstring example, and more passes: what fn saw."""
    a, b = _leaves(lib)
    c, d = a * b, a * b
    seen = []
    handle = lib.autograd.graph.register_multi_grad_hook(
        (a, b, c, d), lambda grads: seen.append([g is not None for g in grads])
    )
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    (c.sum() + d.sum()).backward(retain_graph=True)
    handle.remove()
    c.sum().backward(retain_graph=True)  # removed: fn sees nothing more
    e, f = c * 2, d * 3
    lib.autograd.graph.register_multi_grad_hook(
        (c, d), lambda grads: seen.append([None if g is None else g.sum().item() for g in grads])
    )
    lib.autograd.grad((e + f).sum(), a, retain_graph=True)
    lib.autograd.grad(e.sum(), a, retain_graph=True)
    return seen


def test_all_mode_waits_for_the_tensors_the_pass_reaches_as_pytorch():
    assert (
        _all_mode_record(minigrad)
        == _all_mode_record(torch)
        == [
            [True, True, True, False],
            [True, False, True, False],
            [True, True, True, True],
            [12.0, 18.0],
            [12.0, None],
        ]
    )


def _any_mode_record(lib) -> list:
    a, b = _leaves(lib)
    seen = []
    with lib.autograd.graph.register_multi_grad_hook(
        (a, b), lambda g: seen.append(g.sum().item()), mode="any"
    ):
        (a * b).sum().backward()  # both reached: fn runs once, with the first gradient
        (a * 2).sum().backward()
    (a * 2).sum().backward()  # the handle left the block: removed
    return seen, a.sum().item(), b.sum().item()


def test_any_mode_runs_once_per_pass_as_pytorch():
    """Once per pass, with one of the gradients. # NOTE: which of two leaves' gradients comes
    first is the order of the engines' queues: PyTorch gives b's (a), minigrad a's (b)."""
    for lib in (minigrad, torch):
        seen, sum_a, sum_b = _any_mode_record(lib)
        assert len(seen) == 2, lib.__name__
        assert seen[0] in (pytest.approx(sum_a), pytest.approx(sum_b)), lib.__name__
        assert seen[1] == 12.0, lib.__name__


def test_an_unknown_mode_is_refused():
    a, _ = _leaves(minigrad)
    with pytest.raises(ValueError, match="one of"):
        minigrad.autograd.graph.register_multi_grad_hook((a,), print, mode="some")


def _hooks_fired(lib) -> list:
    a, b = _leaves(lib)
    c, e = a * b, b * 3
    f = e + c
    fired = []
    b.register_hook(lambda g: fired.append("b"))
    c.register_hook(lambda g: fired.append("c"))
    e.register_hook(lambda g: fired.append("e"))
    f.sum().backward(inputs=(a,), retain_graph=True)
    fired.append("|")
    lib.autograd.grad(f.sum(), a, retain_graph=True)
    fired.append("|")
    lib.autograd.grad(f.sum(), c, retain_graph=True)
    return fired


def test_hooks_run_only_on_the_way_to_the_inputs_as_pytorch():
    """b's and e's gradients are not on the way to a: PyTorch runs neither hook (minigrad ran
    both)."""
    assert _hooks_fired(minigrad) == _hooks_fired(torch) == ["c", "|", "c", "|", "c"]

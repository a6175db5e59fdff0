"""nn.utils.prune against PyTorch's: the masks, the reparametrization (weight_orig,
weight_mask, the forward pre-hook), iterative pruning in a PruningContainer, global pruning,
remove(), and the errors; random methods by what they must hold (their draws differ)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import minigrad


def _prune(lib):
    return importlib.import_module(f"{lib.__name__}.nn.utils.prune")


def _conv(lib, seed=0):
    """A Conv2d (4, 3, 3, 3) with distinct weights, the same in both libraries."""
    conv = lib.nn.Conv2d(3, 4, 3)
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        conv.weight.copy_(lib.tensor(rng.permutation(108).reshape(4, 3, 3, 3) / 50.0 - 1.0))
        conv.bias.copy_(lib.tensor([0.3, -0.1, 0.05, -0.7]))
    return conv


def _state(module):
    return {
        "parameters": [name for name, _ in module.named_parameters()],
        "buffers": {name: b.tolist() for name, b in module.named_buffers()},
        "weight": module.weight.tolist(),
        "hooks": [type(h).__name__ for h in module._forward_pre_hooks.values()],
    }


def _both(call):
    return [call(lib, _prune(lib)) for lib in (minigrad, torch)]


def _assert_same(ours, theirs, rtol=1e-6):
    assert ours.keys() == theirs.keys()
    for key in theirs:
        if key in ("parameters", "hooks") or isinstance(theirs[key], (bool, str)):
            assert ours[key] == theirs[key], key
        elif key == "buffers":
            assert ours[key].keys() == theirs[key].keys()
            for name in theirs[key]:
                np.testing.assert_array_equal(ours[key][name], theirs[key][name], err_msg=name)
        else:
            np.testing.assert_allclose(ours[key], theirs[key], rtol=rtol, err_msg=key)


@pytest.mark.parametrize(
    "how",
    [
        lambda p, m: p.l1_unstructured(m, "weight", amount=0.3),
        lambda p, m: p.l1_unstructured(m, "bias", amount=2),
        lambda p, m: p.ln_structured(m, "weight", amount=0.5, n=2, dim=0),
        lambda p, m: p.ln_structured(m, "weight", amount=1, n=1, dim=1),
        lambda p, m: p.ln_structured(m, "weight", amount=2, n=float("inf"), dim=-1),
        lambda p, m: p.identity(m, "weight"),
        lambda p, m: p.custom_from_mask(m, "bias", mask=m.bias > 0),
        lambda p, m: p.l1_unstructured(m, "weight", 5, importance_scores=-m.weight.detach()),
        # iterative: the later method prunes only what the earlier one left
        lambda p, m: [
            p.l1_unstructured(m, "weight", amount=0.25),
            p.ln_structured(m, "weight", amount=0.5, n=2, dim=0),
            p.l1_unstructured(m, "weight", amount=0.5),
        ],
        lambda p, m: [
            p.ln_structured(m, "weight", 1, n=2, dim=0),
            p.l1_unstructured(m, "weight", 9),
        ],
    ],
)
def test_pruning_methods_mask_and_reparametrize_as_pytorch(how):
    def run(lib, prune):
        conv = _conv(lib)
        how(prune, conv)
        return _state(conv) | {"pruned": prune.is_pruned(conv)}

    _assert_same(*_both(run))


def test_the_hook_recomputes_the_weight_and_gradients_skip_pruned_entries():
    def run(lib, prune):
        conv = _conv(lib)
        prune.l1_unstructured(conv, "weight", amount=0.4)
        with lib.no_grad():
            conv.weight_orig.mul_(2.0)  # an optimizer step: weight follows at the next call
        x = lib.tensor(np.random.default_rng(1).standard_normal((2, 3, 5, 5)))
        out = conv(x.float())
        out.square().sum().backward()
        return {
            "weight": conv.weight.tolist(),
            "out": out.tolist(),
            "grad": conv.weight_orig.grad.tolist(),
            "weight_grad_fn": conv.weight.grad_fn is not None,
        }

    _assert_same(*_both(run), rtol=2e-5)  # float32 convolutions


def test_remove_makes_the_pruning_permanent_as_pytorch():
    def run(lib, prune):
        conv = _conv(lib)
        prune.l1_unstructured(conv, "weight", amount=0.3)
        prune.l1_unstructured(conv, "bias", amount=1)
        prune.remove(conv, "weight")
        return _state(conv) | {
            "kind": type(conv.weight).__name__,
            "pruned": prune.is_pruned(conv),
            "keys": ",".join(conv.state_dict()),
        }

    _assert_same(*_both(run))
    conv = _conv(minigrad)
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        _prune(minigrad).remove(conv, "weight")


def test_global_unstructured_ranks_all_tensors_together_as_pytorch():
    def run(lib, prune):
        model = lib.nn.Sequential(_conv(lib), lib.nn.Flatten(), lib.nn.Linear(4, 3))
        with lib.no_grad():
            model[2].weight.copy_(lib.tensor(np.linspace(-0.9, 0.8, 12).reshape(3, 4)))
            model[2].bias.copy_(lib.tensor([0.02, -0.5, 0.25]))
        prune.l1_unstructured(model[0], "weight", amount=10)  # an earlier mask is kept
        pairs = [(model[0], "weight"), (model[2], "weight"), (model[2], "bias")]
        prune.global_unstructured(pairs, pruning_method=prune.L1Unstructured, amount=0.3)
        return _state(model[2]) | {"conv": _state(model[0])["weight"]}

    _assert_same(*_both(run))


def test_a_custom_pruning_method_as_the_tutorial_writes_it():
    def run(lib, prune):
        class EveryOther(prune.BasePruningMethod):
            PRUNING_TYPE = "unstructured"

            def compute_mask(self, t, default_mask):
                mask = default_mask.clone()
                mask.view(-1)[::2] = 0
                return mask

        conv = _conv(lib)
        EveryOther.apply(conv, "bias")
        pruned = EveryOther().prune(lib.arange(1.0, 6.0))
        return _state(conv) | {"prune": pruned.tolist()}

    _assert_same(*_both(run))


@pytest.mark.parametrize("amount", [0.3, 7])
def test_random_methods_prune_the_right_amount(amount):
    prune = _prune(minigrad)
    minigrad.manual_seed(0)
    conv = _conv(minigrad)
    prune.random_unstructured(conv, "weight", amount=amount)
    expected = amount if isinstance(amount, int) else round(amount * 108)
    assert int((conv.weight_mask == 0).sum()) == expected
    assert bool((conv.weight == conv.weight_orig * conv.weight_mask).all())
    prune.random_structured(conv, "weight", amount=2, dim=0)
    channels = conv.weight_mask.sum(dim=(1, 2, 3))
    assert int((channels == 0).sum()) == 2
    assert [
        type(m).__name__ for m in conv._forward_pre_hooks[next(iter(conv._forward_pre_hooks))]
    ] == [
        "RandomUnstructured",
        "RandomStructured",
    ]


ERRORS = [
    (lambda p, m: p.l1_unstructured(m, "weight", amount=1.5), ValueError, "range"),
    (lambda p, m: p.l1_unstructured(m, "weight", amount=-1), ValueError, "non-negative"),
    (lambda p, m: p.l1_unstructured(m, "weight", amount="1"), TypeError, "Invalid type"),
    (lambda p, m: p.l1_unstructured(m, "bias", amount=5), ValueError, "smaller than"),
    (lambda p, m: p.ln_structured(m, "bias", amount=1, n=2, dim=0), ValueError, "multidim"),
    (lambda p, m: p.ln_structured(m, "weight", amount=1, n=2, dim=4), IndexError, "Invalid"),
    (
        lambda p, m: p.global_unstructured([(m, "weight")], p.LnStructured, amount=1, n=2),
        TypeError,
        "unstructured",
    ),
    (lambda p, m: p.global_unstructured(3, p.L1Unstructured, amount=1), TypeError, "Iterable"),
]


@pytest.mark.parametrize("call, error, words", ERRORS)
def test_errors_as_pytorch(call, error, words):
    names = []
    for lib in (torch, minigrad):
        conv = _conv(lib)
        with pytest.raises(error, match=words):
            call(_prune(lib), conv)
        # a failed first pruning puts the parameter back (last, as PyTorch does)
        names.append([n for n, _ in conv.named_parameters()] + list(conv.state_dict()))
    assert names[0] == names[1]

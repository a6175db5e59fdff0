"""The layers of issue 16 against PyTorch: PyTorch's initial weights copied in, then the same
state dict keys, outputs, input and parameter gradients, and the weights after several SGD
steps with momentum (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn


def _flat(out):
    """The tensors in a (nested) tuple of outputs, skipping None."""
    if isinstance(out, (tuple, list)):
        return [t for part in out for t in _flat(part)]
    return [] if out is None else [out]


def _tensors(lib, arrays, grad=True):
    return [
        lib.tensor(a, requires_grad=grad and a.dtype.kind == "f")
        if isinstance(a, np.ndarray)
        else a
        for a in arrays
    ]


def _assert_close(ours, theirs, what, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=what
    )


def check_against_torch(make, make_inputs, call=None, steps=3, rtol=1e-6):
    """Run `make(lib.nn)` in both libraries from torch's initial weights and compare."""
    call = call or (lambda lib, m, *xs: m(*xs))
    torch.manual_seed(0)
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    has_params = bool(list(theirs.parameters()))
    if has_params:
        opt = minigrad.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
        topt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    for step in range(steps):
        arrays = make_inputs(np.random.default_rng(step))
        xs, txs = _tensors(minigrad, arrays), _tensors(torch, arrays)
        outs, touts = _flat(call(minigrad, ours, *xs)), _flat(call(torch, theirs, *txs))
        assert len(outs) == len(touts)
        loss, tloss = 0, 0
        for k, (y, ty) in enumerate(zip(outs, touts)):
            assert tuple(y.shape) == tuple(ty.shape), f"output {k}: {y.shape} vs {ty.shape}"
            _assert_close(y, ty, f"step {step}: output {k}", rtol)
            w = np.random.default_rng(100 + k).standard_normal(tuple(ty.shape))
            loss = loss + (y * minigrad.tensor(w)).sum()
            tloss = tloss + (ty * torch.tensor(w)).sum()
        ours.zero_grad()
        theirs.zero_grad()
        loss.backward()
        tloss.backward()
        for k, (x, tx) in enumerate(zip(xs, txs)):
            if isinstance(tx, torch.Tensor) and tx.requires_grad:
                _assert_close(x.grad, tx.grad, f"step {step}: gradient of input {k}", rtol)
        tparams = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            _assert_close(p.grad, tparams[name].grad, f"step {step}: gradient of {name}", rtol)
        if has_params:
            opt.step()
            topt.step()
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _assert_close(p, tparams[name], f"{name} after {steps} steps", rtol)


def _normal(*shape):
    return lambda rng: [rng.standard_normal(shape)]


LAYERS = [
    ("Conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), _normal(2, 3, 9)),
    (
        "Conv1d_groups_same_dilation",
        lambda m: m.Conv1d(4, 6, 3, padding="same", dilation=2, groups=2),
        _normal(2, 4, 9),
    ),
    (
        "Conv1d_reflect_unbatched",
        lambda m: m.Conv1d(3, 4, 3, padding=1, padding_mode="reflect"),
        _normal(3, 7),
    ),
    ("Conv2d_depthwise", lambda m: m.Conv2d(4, 4, 3, padding=1, groups=4), _normal(2, 4, 6, 6)),
    (
        "Conv2d_groups_stride_nobias",
        lambda m: m.Conv2d(4, 6, (3, 2), stride=2, groups=2, bias=False),
        _normal(2, 4, 7, 6),
    ),
    (
        "Conv2d_circular",
        lambda m: m.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="circular"),
        _normal(2, 2, 5, 5),
    ),
    (
        "Conv1d_same_even_kernel",  # zeros: PyTorch pads the odd one on the right too
        lambda m: m.Conv1d(2, 3, 4, padding="same"),
        _normal(2, 2, 7),
    ),
    (
        "Conv2d_same_dilated_even_kernel",
        lambda m: m.Conv2d(2, 3, (2, 3), padding="same", dilation=(3, 1)),
        _normal(2, 2, 7, 6),
    ),
    (
        "Conv3d_same_even_kernel",
        lambda m: m.Conv3d(2, 2, (2, 3, 2), padding="same", groups=2),
        _normal(1, 2, 3, 4, 5),
    ),
    (
        "Conv1d_same_circular_even_kernel",  # total padding 3: one on the left, two on the right
        lambda m: m.Conv1d(2, 3, 4, padding="same", padding_mode="circular"),
        _normal(2, 2, 7),
    ),
    (
        "Conv2d_same_reflect_dilated",
        lambda m: m.Conv2d(2, 3, (3, 2), padding="same", dilation=(2, 3), padding_mode="reflect"),
        _normal(2, 2, 6, 7),
    ),
    (
        "Conv2d_valid_replicate",
        lambda m: m.Conv2d(2, 3, 3, padding="valid", padding_mode="replicate"),
        _normal(2, 2, 5, 5),
    ),
    (
        "Conv2d_replicate",
        lambda m: m.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"),
        _normal(2, 2, 5, 5),
    ),
    ("ConvTranspose2d_dcgan", lambda m: m.ConvTranspose2d(3, 4, 4, 2, 1), _normal(2, 3, 5, 5)),
    (
        "ConvTranspose2d_groups_outpad",
        lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        _normal(2, 4, 4, 3),
    ),
    (
        "ConvTranspose2d_dilation_unbatched",
        lambda m: m.ConvTranspose2d(2, 3, (2, 3), stride=(1, 2), dilation=2, bias=False),
        _normal(2, 4, 3),
    ),
    ("MaxPool1d", lambda m: m.MaxPool1d(3, 2, 1), _normal(2, 3, 9)),
    ("AvgPool1d", lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False), _normal(2, 3, 9)),
    ("AdaptiveAvgPool1d", lambda m: m.AdaptiveAvgPool1d(4), _normal(2, 3, 7)),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((3, None)), _normal(2, 3, 7, 5)),
    ("AdaptiveAvgPool2d_global", lambda m: m.AdaptiveAvgPool2d(1), _normal(2, 3, 7, 5)),
    ("AdaptiveAvgPool2d_grow", lambda m: m.AdaptiveAvgPool2d((5, 9)), _normal(2, 3, 3, 4)),
    ("AdaptiveMaxPool1d", lambda m: m.AdaptiveMaxPool1d(3), _normal(2, 3, 7)),
    ("AdaptiveMaxPool2d", lambda m: m.AdaptiveMaxPool2d((2, 3)), _normal(2, 3, 7, 5)),
    ("Upsample_nearest", lambda m: m.Upsample(scale_factor=2), _normal(2, 3, 4, 5)),
    (
        "Upsample_bilinear_corners",
        lambda m: m.Upsample(size=(7, 5), mode="bilinear", align_corners=True),
        _normal(2, 3, 4, 3),
    ),
    (
        "Upsample_bilinear",
        lambda m: m.Upsample(scale_factor=(2, 1.5), mode="bilinear"),
        _normal(2, 3, 4, 3),
    ),
    ("Upsample_linear", lambda m: m.Upsample(size=7, mode="linear"), _normal(2, 3, 4)),
    ("GroupNorm", lambda m: m.GroupNorm(2, 4), _normal(2, 4, 3, 3)),
    ("GroupNorm_no_affine_3d", lambda m: m.GroupNorm(3, 6, affine=False), _normal(2, 6, 5)),
    ("GRUCell", lambda m: m.GRUCell(3, 4), _normal(2, 3)),
    ("GRU", lambda m: m.GRU(3, 4), _normal(5, 2, 3)),
    (
        "GRU_2layer_bidirectional_bf",
        lambda m: m.GRU(3, 4, 2, batch_first=True, bidirectional=True),
        _normal(2, 5, 3),
    ),
    ("GRU_unbatched_nobias", lambda m: m.GRU(3, 4, bias=False), _normal(5, 3)),
    ("RNN_bidirectional", lambda m: m.RNN(3, 4, bidirectional=True), _normal(5, 2, 3)),
    (
        "LSTM_2layer_bidirectional",
        lambda m: m.LSTM(3, 4, num_layers=2, bidirectional=True),
        _normal(4, 2, 3),
    ),
]


@pytest.mark.parametrize("name, make, inputs", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_matches_pytorch(name, make, inputs):
    check_against_torch(make, inputs)


def _with_state(rng):
    return [rng.standard_normal((5, 2, 3)), rng.standard_normal((4, 2, 4))]


def test_bidirectional_gru_with_initial_state_matches_pytorch():
    check_against_torch(lambda m: m.GRU(3, 4, 2, bidirectional=True), _with_state)


def test_bidirectional_lstm_with_initial_state_matches_pytorch():
    check_against_torch(
        lambda m: m.LSTM(3, 4, 2, bidirectional=True),
        lambda rng: [*_with_state(rng), rng.standard_normal((4, 2, 4))],
        call=lambda lib, m, x, h, c: m(x, (h, c)),
    )


# -- attention -------------------------------------------------------------------------------
def _bool(lib, rng, shape, p=0.3):
    """A bool mask with about p True, never a whole last-dim row."""
    m = rng.random(shape) < p
    m[..., 0] = False
    return lib.tensor(m.tolist())


def _mha_masks(lib, m, q, k, v, seed):
    rng = np.random.default_rng(seed)
    padding = _bool(lib, rng, (2, 6))
    attn = lib.tensor(rng.standard_normal((4, 6)))
    return m(q, k, v, key_padding_mask=padding, attn_mask=attn)


ATTENTION = [
    (
        "MHA_self",
        lambda m: m.MultiheadAttention(8, 2),
        _normal(5, 2, 8),
        lambda lib, m, x: m(x, x, x),
    ),
    (
        "MHA_cross_kdim_vdim_per_head",
        lambda m: m.MultiheadAttention(8, 4, kdim=3, vdim=5),
        lambda rng: [rng.standard_normal(s) for s in ((4, 2, 8), (6, 2, 3), (6, 2, 5))],
        lambda lib, m, q, k, v: m(q, k, v, average_attn_weights=False),
    ),
    (
        "MHA_masks",
        lambda m: m.MultiheadAttention(8, 2, bias=False),
        lambda rng: [rng.standard_normal(s) for s in ((4, 2, 8), (6, 2, 8), (6, 2, 8))],
        lambda lib, m, q, k, v: _mha_masks(lib, m, q, k, v, 0),
    ),
    (
        "MHA_bias_kv_zero_attn_masks",
        lambda m: m.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True),
        lambda rng: [rng.standard_normal(s) for s in ((4, 2, 8), (6, 2, 8), (6, 2, 8))],
        lambda lib, m, q, k, v: _mha_masks(lib, m, q, k, v, 5),
    ),
    (
        "MHA_zero_attn_batch_first_no_weights",
        lambda m: m.MultiheadAttention(8, 4, add_zero_attn=True, batch_first=True),
        _normal(2, 5, 8),
        lambda lib, m, x: m(x, x, x, need_weights=False),
    ),
    (
        "MHA_batch_first_bool_mask_no_weights",
        lambda m: m.MultiheadAttention(8, 2, batch_first=True),
        _normal(2, 5, 8),
        lambda lib, m, x: m(
            x, x, x, attn_mask=_bool(lib, np.random.default_rng(1), (5, 5)), need_weights=False
        ),
    ),
    (
        "MHA_unbatched_3d_mask",
        lambda m: m.MultiheadAttention(8, 2),
        _normal(5, 8),
        lambda lib, m, x: m(x, x, x, attn_mask=_bool(lib, np.random.default_rng(2), (2, 5, 5))),
    ),
    (
        "TransformerEncoderLayer",
        lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
        _normal(5, 2, 8),
        None,
    ),
    (
        "TransformerEncoderLayer_norm_first_gelu_bf_padding",
        lambda m: m.TransformerEncoderLayer(
            8, 2, 16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        ),
        _normal(2, 5, 8),
        lambda lib, m, x: m(x, src_key_padding_mask=_bool(lib, np.random.default_rng(3), (2, 5))),
    ),
    (
        "TransformerEncoder_causal",
        lambda m: m.TransformerEncoder(
            m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=m.LayerNorm(8)
        ),
        _normal(5, 2, 8),
        lambda lib, m, x: m(
            x, mask=lib.nn.Transformer.generate_square_subsequent_mask(5).double(), is_causal=True
        ),
    ),
    (
        "TransformerDecoderLayer",
        lambda m: m.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
        lambda rng: [rng.standard_normal((4, 2, 8)), rng.standard_normal((6, 2, 8))],
        lambda lib, m, t, mem: m(
            t,
            mem,
            tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(4).double(),
            memory_key_padding_mask=_bool(lib, np.random.default_rng(4), (2, 6)),
        ),
    ),
    (
        "Transformer",
        lambda m: m.Transformer(8, 2, 2, 1, 16, dropout=0.0, norm_first=True),
        lambda rng: [rng.standard_normal((6, 2, 8)), rng.standard_normal((4, 2, 8))],
        lambda lib, m, s, t: m(
            s, t, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(4).double()
        ),
    ),
]


@pytest.mark.parametrize("name, make, inputs, call", ATTENTION, ids=[row[0] for row in ATTENTION])
def test_attention_layer_matches_pytorch(name, make, inputs, call):
    check_against_torch(make, inputs, call)


def test_square_subsequent_mask_matches_pytorch():
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == minigrad.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_fully_masked_rows_follow_pytorch():
    """SDPA gives zeros to a query that may attend nowhere; MultiheadAttention's weights nan."""
    rng = np.random.default_rng(0)
    q = rng.standard_normal((1, 3, 4)).astype(np.float32)
    allowed = np.ones((3, 3), dtype=bool)
    allowed[1] = False
    out = nn.functional.scaled_dot_product_attention(
        *[minigrad.tensor(q)] * 3, attn_mask=minigrad.tensor(allowed)
    )
    tout = torch.nn.functional.scaled_dot_product_attention(
        *[torch.tensor(q)] * 3, attn_mask=torch.tensor(allowed)
    )
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-6)
    assert not out[0, 1].numpy().any()
    mha = nn.MultiheadAttention(4, 2)
    _, weights = mha(*[minigrad.tensor(q[0][:, None])] * 3, attn_mask=minigrad.ones(3, 3).bool())
    assert np.isnan(weights.detach().numpy()).all()


# -- containers, losses, defaults ------------------------------------------------------------
class _Scaled:
    """A module holding a ParameterList, built from either library's nn."""

    @staticmethod
    def make(m):
        class Scaled(m.Module):
            def __init__(self):
                super().__init__()
                self.scales = m.ParameterList(
                    [m.Parameter(torch_like(m).ones(3) * (i + 1)) for i in range(3)]
                )

            def forward(self, x):
                for s in self.scales:
                    x = x * s
                return x

        return Scaled()


def torch_like(m):
    return minigrad if m is nn else torch


def test_parameter_list_matches_pytorch():
    check_against_torch(_Scaled.make, _normal(2, 3))


def test_parameter_list_behaves_like_a_list():
    params = nn.ParameterList([minigrad.zeros(2)])
    params.append(minigrad.ones(3))
    params += [nn.Parameter(minigrad.ones(1))]
    assert len(params) == 3 and isinstance(params[1], nn.Parameter)
    assert [tuple(p.shape) for p in params] == [(2,), (3,), (1,)]
    assert list(params.state_dict()) == ["0", "1", "2"]
    assert params[-1] is params[2]
    with pytest.raises(IndexError):
        params[3]


LOSSES = [
    ("SmoothL1Loss", lambda m: m.SmoothL1Loss(beta=0.5)),
    ("SmoothL1Loss_beta0_sum", lambda m: m.SmoothL1Loss(reduction="sum", beta=0.0)),
    ("HuberLoss", lambda m: m.HuberLoss(delta=0.7)),
    ("HuberLoss_none", lambda m: m.HuberLoss(reduction="none")),
]


@pytest.mark.parametrize("name, make", LOSSES, ids=[row[0] for row in LOSSES])
def test_loss_matches_pytorch(name, make):
    check_against_torch(
        make, lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]
    )


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss_matches_pytorch(reduction, log_target):
    def call(lib, m, x, y):
        target = y.log_softmax(-1) if log_target else y.softmax(-1)
        return m(x.log_softmax(-1), target)

    check_against_torch(
        lambda m: m.KLDivLoss(reduction=reduction, log_target=log_target),
        lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))],
        call,
    )


def test_kl_div_mean_warns_as_pytorch_and_zero_targets_give_no_nan():
    x = minigrad.tensor([[0.2, 0.8]]).log().requires_grad_()
    with pytest.warns(UserWarning, match="batchmean"):
        loss = nn.KLDivLoss()(x, minigrad.tensor([[0.0, 1.0]]))
    tx = torch.tensor([[0.2, 0.8]]).log().requires_grad_()
    tloss = torch.nn.KLDivLoss(reduction="mean")(tx, torch.tensor([[0.0, 1.0]]))
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


DEFAULTS = [
    lambda m: m.Conv1d(16, 32, 5),
    lambda m: m.Conv2d(16, 32, 3, groups=4),
    lambda m: m.ConvTranspose2d(16, 32, 4, groups=2),
    lambda m: m.GRU(20, 30, bidirectional=True),
    lambda m: m.MultiheadAttention(32, 4),
    lambda m: m.MultiheadAttention(32, 4, kdim=10, vdim=12),
    lambda m: m.MultiheadAttention(32, 4, add_bias_kv=True),
    lambda m: m.GroupNorm(4, 16),
    lambda m: m.Transformer(32, 4, 1, 1, 64),
]


@pytest.mark.parametrize("make", DEFAULTS)
def test_default_initialisation_matches_pytorch(make):
    """Same shapes and keys, and each tensor drawn from the same distribution: equal spread
    (within sampling noise) and the same constant tensors."""
    minigrad.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = make(nn).state_dict(), make(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    for key, t in theirs.items():
        a, b = ours[key].numpy(), t.numpy()
        assert a.shape == b.shape and a.dtype == b.dtype, key
        if b.std() == 0:
            np.testing.assert_array_equal(a, b, err_msg=key)
        else:
            noise = 3 / np.sqrt(2 * a.size)  # three standard errors of a sample's spread
            assert abs(a.std() / b.std() - 1) < 0.05 + noise, key
            assert abs(a).max() <= abs(b).max() * 1.1, key


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, shape, error, words",
    [
        (lambda: nn.Conv1d(3, 4, 3), (2, 5, 9), RuntimeError, "Conv1d"),
        (lambda: nn.Conv2d(4, 4, 3, groups=4), (2, 3, 6, 6), RuntimeError, "Conv2d"),
        (lambda: nn.ConvTranspose2d(3, 4, 3), (2, 5, 6, 6), RuntimeError, "ConvTranspose2d"),
        (lambda: nn.GroupNorm(2, 4), (2, 6, 3), RuntimeError, "GroupNorm"),
        # PyTorch's types: RuntimeError for a wrong size, ValueError for a wrong number of dims
        (lambda: nn.GRU(3, 4), (5, 2, 7), RuntimeError, "GRU"),
        (lambda: nn.LSTM(3, 4), (5, 2, 3, 1), ValueError, "LSTM"),
        (lambda: nn.RNNCell(3, 4), (2, 7), RuntimeError, "RNNCell"),
        (lambda: nn.RNNCell(3, 4), (2, 2, 3), ValueError, "RNNCell"),
        (lambda: nn.BatchNorm1d(3), (4, 5), RuntimeError, "BatchNorm1d"),
        (lambda: nn.BatchNorm1d(3), (4, 3, 2, 2), ValueError, "BatchNorm1d"),
        (lambda: nn.BatchNorm2d(3), (4, 5, 2, 2), RuntimeError, "BatchNorm2d"),
        (lambda: nn.AdaptiveAvgPool2d(2), (3,), RuntimeError, "adaptive_avg_pool2d"),
    ],
)
def test_wrong_input_names_the_layer(make, shape, error, words):
    with pytest.raises(error, match=words):
        make()(minigrad.zeros(*shape))


def test_invalid_options_raise_as_pytorch():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(AssertionError, match="embedding dimension of 4, but got 6"):
        x = minigrad.zeros(3, 1, 6)
        nn.MultiheadAttention(4, 2)(x, x, x)
    with pytest.raises(RuntimeError, match="is_causal"):
        mha = nn.MultiheadAttention(4, 2)
        x = minigrad.zeros(3, 1, 4)
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(NotImplementedError, match="Padding size 2|padding size 2"):
        nn.functional.pad(minigrad.zeros(1, 2, 3, 4), (1, 1), "reflect")
    with pytest.raises(RuntimeError, match="smaller than the dimension"):
        nn.functional.pad(minigrad.zeros(1, 2, 3), (3, 0), "reflect")


# -- compiled and on the (simulated) GPU -----------------------------------------------------
def _load_backend_fixtures():
    """The simulated-CUDA fixtures of tests/backend (one definition, reused here)."""
    import importlib.util
    import sys
    from pathlib import Path

    folder = Path(__file__).parents[1] / "backend"
    sys.path.insert(0, str(folder))  # for its `import fake_cupy`
    spec = importlib.util.spec_from_file_location("backend_fixtures", folder / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.simulate, module.fake_cuda


simulate, fake_cuda = _load_backend_fixtures()

MODELS = [
    ("GRU_bidirectional", lambda: nn.GRU(3, 4, 2, bidirectional=True), (5, 2, 3)),
    ("LSTM_bidirectional", lambda: nn.LSTM(3, 4, bidirectional=True), (5, 2, 3)),
    (
        "TransformerEncoderLayer",
        lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=True),
        (5, 2, 8),
    ),
    (
        "decoder_convs",
        lambda: nn.Sequential(
            nn.ConvTranspose2d(4, 3, 4, 2, 1),
            nn.GroupNorm(1, 3),
            nn.Upsample(scale_factor=2, mode="bilinear"),
            nn.Conv2d(3, 3, 3, padding=1, groups=3, padding_mode="reflect"),
            nn.AdaptiveMaxPool2d((3, 2)),
        ),
        (2, 4, 3, 3),
    ),
    (
        "text_convs",
        lambda: nn.Sequential(
            nn.Conv1d(4, 6, 3, groups=2), nn.MaxPool1d(2), nn.AdaptiveAvgPool1d(2)
        ),
        (2, 4, 9),
    ),
]


def _first(out):
    """The output sequence of a recurrent layer's (output, state); other outputs as they are."""
    return out[0] if isinstance(out, tuple) else out


def _forward_backward(model, x, call=None):
    out = _first((call or model)(x))
    w = minigrad.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), device=x.device)
    (out * w).sum().backward()
    grads = [x.grad] + [p.grad for p in model.parameters()]
    return [t.detach().cpu().numpy() for t in [out, *grads]]


def _model_and_input(make, shape, device="cpu"):
    minigrad.manual_seed(0)
    model = make().double().to(device)
    x = minigrad.tensor(np.random.default_rng(0).standard_normal(shape), device=device)
    return model, x.requires_grad_()


@pytest.mark.parametrize("name, make, shape", MODELS, ids=[m[0] for m in MODELS])
def test_model_compiles_to_the_eager_result(name, make, shape):
    from minigrad import static

    eager = _forward_backward(*_model_and_input(make, shape))
    model, x = _model_and_input(make, shape)
    # NOTE: a function, not the module: tracing returns tensors, not the LSTM's nested state
    compiled = static.compile(lambda x: _first(model(x)))
    compiled(x)  # the first call traces; the checked one replays the graph
    got = _forward_backward(model, x, compiled)
    assert compiled.traces == 1
    for a, b in zip(got, eager):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, make, shape", MODELS, ids=[m[0] for m in MODELS])
def test_model_on_simulated_cuda_matches_cpu(name, make, shape, fake_cuda):
    expected = _forward_backward(*_model_and_input(make, shape))
    model, x = _model_and_input(make, shape, "cuda")
    assert str(_first(model(x)).device) == "cuda:0"
    got = _forward_backward(model, x)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_pytorch(batch_first, side):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2, 3)) for n in (3, 5, 1)]
    ours = nn.utils.rnn.pad_sequence(
        [minigrad.tensor(a) for a in arrays], batch_first, -1.5, padding_side=side
    )
    theirs = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(a) for a in arrays], batch_first, -1.5, padding_side=side
    )
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "call, error, words",
    [
        (
            lambda t: t.nn.functional.conv2d(t.zeros(1, 4, 5, 5), t.zeros(6, 3, 3, 3), groups=2),
            RuntimeError,
            "conv2d",
        ),
        (
            lambda t: t.nn.functional.conv_transpose2d(
                t.zeros(1, 2, 3, 3), t.zeros(2, 1, 3, 3), stride=2, output_padding=2
            ),
            RuntimeError,
            "output_padding",
        ),
        (
            lambda t: t.nn.functional.conv1d(t.zeros(1, 2, 2), t.zeros(1, 2, 3)),
            RuntimeError,
            "conv",
        ),
        (
            lambda t: t.nn.functional.interpolate(t.zeros(1, 1, 3), size=4, mode="bilinear"),
            (NotImplementedError, ValueError),
            "bilinear",
        ),
        (  # nn.Upsample on an image without its batch and channel dims
            lambda t: t.nn.Upsample(scale_factor=2)(t.zeros(4, 4)),
            NotImplementedError,
            r"Only 3D, 4D and 5D input Tensors supported \(got 2D\).*\(got nearest\)",
        ),
        (
            lambda t: t.nn.functional.interpolate(t.zeros(1, 1, 2, 2, 2, 2), scale_factor=2),
            NotImplementedError,
            r"\(got 6D\)",
        ),
        (
            lambda t: t.nn.functional.scaled_dot_product_attention(
                t.zeros(2, 3), t.zeros(4, 3), t.zeros(4, 5), t.ones(2, 4).bool(), is_causal=True
            ),
            RuntimeError,
            "is_causal",
        ),
    ],
)
def test_functional_errors_match_pytorchs_type(call, error, words):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=words):
        call(minigrad)


@pytest.mark.parametrize("size", [(9, 11), (10, 12), (2, 3, 10, 11)])
def test_conv_transpose2d_output_size_matches_pytorch(size):
    def call(lib, m, x):
        return m(x, output_size=size)

    check_against_torch(
        lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, padding=1), _normal(2, 3, 5, 6), call
    )


def test_conv_transpose2d_output_size_out_of_range_raises_as_pytorch():
    x = np.zeros((1, 3, 5, 6))
    for lib in (torch, minigrad):
        layer = lib.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
        with pytest.raises(ValueError, match="output size"):
            layer(lib.tensor(x, dtype=lib.float32), output_size=(12, 11))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.nn.functional.conv2d(t.zeros(1, 4, 5, 5), t.zeros(5, 2, 3, 3), groups=2),
        lambda t: t.nn.functional.conv_transpose2d(
            t.zeros(1, 3, 5, 5), t.zeros(3, 2, 3, 3), groups=2
        ),
    ],
)
def test_groups_that_do_not_divide_the_channels_raise_runtime_error(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="divisible by groups"):
        call(minigrad)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.AdaptiveMaxPool2d((3, 2), return_indices=True), (2, 3, 7, 5)),
        (lambda m: m.AdaptiveMaxPool2d((5, 4), return_indices=True), (2, 3, 4, 9)),
        (lambda m: m.AdaptiveMaxPool1d(4, return_indices=True), (2, 3, 7)),
        (lambda m: m.AdaptiveMaxPool1d(3, return_indices=True), (3, 7)),
    ],
)
def test_adaptive_max_pool_indices_match_pytorch(make, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    x[..., 1] = x[..., 0]  # ties: the first maximum wins
    (y, index), (ty, tindex) = make(nn)(minigrad.tensor(x)), make(torch.nn)(torch.tensor(x))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert index.dtype == minigrad.int64
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())


@pytest.mark.parametrize(
    "pool, shape, out",
    [
        ("adaptive_max_pool2d", (2, 3, 7, 5), (3, 2)),
        ("adaptive_max_pool2d", (1, 2, 4, 4), 3),  # overlapping windows
        ("adaptive_max_pool1d", (2, 3, 7), 4),
    ],
)
def test_adaptive_max_pool_with_nans_picks_and_routes_the_gradient_as_pytorch(pool, shape, out):
    """A window with nans: PyTorch's pick is its last nan, for the index and the gradient."""
    x = np.random.default_rng(1).standard_normal(shape)
    x.reshape(-1)[::3] = np.nan
    grads, indices = [], []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        y, index = getattr(lib.nn.functional, pool)(t, out, return_indices=True)
        (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        grads.append(t.grad.numpy())
        indices.append(index.numpy())
    np.testing.assert_array_equal(indices[0], indices[1])
    np.testing.assert_allclose(grads[0], grads[1])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_a_fully_masked_row_is_nan_without_a_warning_as_pytorch(op, recwarn):
    x = np.full((2, 3), -np.inf, np.float32)
    x[1] = [0.0, 1.0, 2.0]
    ours = getattr(minigrad.nn.functional, op)(minigrad.tensor(x), -1).numpy()
    theirs = getattr(torch.nn.functional, op)(torch.tensor(x), -1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)  # nan where PyTorch has nan
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "softmin"])
def test_softmax_without_dim_warns_and_picks_pytorchs_dim(op):
    """F.softmax(x) without dim: PyTorch's legacy dim (0 for 0-, 1- and 3-D input, else 1)
    and its deprecation warning, naming the op (softmin's too, not softmax's)."""
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 10
    message = f"Implicit dimension choice for {op} has been deprecated"
    results = []
    for lib in (minigrad, torch):
        for data in (x, x[0], x[0, 0]):
            with pytest.warns(UserWarning, match=message):
                results.append(getattr(lib.nn.functional, op)(lib.tensor(data)).numpy())
        module = {"softmax": "Softmax", "log_softmax": "LogSoftmax", "softmin": "Softmin"}[op]
        with pytest.warns(UserWarning, match=message):
            results.append(getattr(lib.nn, module)()(lib.tensor(x[0])).numpy())
    for ours, theirs in zip(results[:4], results[4:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)

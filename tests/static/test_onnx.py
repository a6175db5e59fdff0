"""static.export_onnx: the exported model passes onnx.checker and onnxruntime gives
minigrad's outputs."""

import numpy as np
import pytest

import minigrad
from minigrad import nn, static

onnx = pytest.importorskip("onnx", reason="the ONNX export needs the 'export' extra (onnx)")
ort = pytest.importorskip(
    "onnxruntime", reason="running the exported model needs the 'export' extra (onnxruntime)"
)


def _run_onnx(path, inputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, {n: x.array for n, x in zip(names, inputs)})


def _mlp():
    minigrad.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))


PROGRAMS = {
    "mlp_softmax": lambda m, x: m(x).softmax(-1),
    "mlp_log_softmax_argmax": lambda m, x: (m(x).log_softmax(1), m(x).argmax(1)),
    "elementwise": lambda m, x: ((x * 2 - 1).exp() / (x.abs() + 1)).sqrt() ** 1.5 + x.sigmoid(),
    "reductions": lambda m, x: (x.sum(1), x.mean(0, keepdim=True), x.sum() / x.numel()),
    "shapes": lambda m, x: minigrad.cat([x.reshape(3, 2, 6).permute(0, 2, 1).reshape(6, 6), x], 1),
    "stack": lambda m, x: (minigrad.stack([x, x * 2], 1), minigrad.stack([x, x.exp(), x], -1)),
    "compare_where": lambda m, x: minigrad.where(x > 0.5, x, -x) + (x != 0).float(),
    "batched_linear": lambda m, x: m(x.reshape(3, 2, 6)),
    "silu": lambda m, x: nn.functional.silu(m[0](x)),
    "exp2": lambda m, x: minigrad.exp2(x * 3) + x.exp2(),
    "var_std": lambda m, x: (x.var(1), x.std(0, keepdim=True), x.std(), x.var(1, correction=0)),
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_exported_model_matches_minigrad(tmp_path, program):
    model = _mlp()
    x = minigrad.randn(6, 6)
    path = tmp_path / "model.onnx"
    exported = static.export_onnx(lambda x: program(model, x), (x,), path)
    onnx.checker.check_model(exported)
    want = program(model, x)
    want = want if isinstance(want, tuple) else (want,)
    for got, w in zip(_run_onnx(path, [x]), want):
        np.testing.assert_allclose(got, w.array, rtol=1e-5, atol=1e-6)


def test_weights_are_initializers_named_after_parameters(tmp_path):
    model = _mlp()
    exported = static.export_onnx(model, minigrad.randn(2, 6), tmp_path / "m.onnx")
    names = {i.name for i in exported.graph.initializer}
    assert {"0_weight", "0_bias", "4_weight"} <= names
    assert [n.op_type for n in exported.graph.node].count("Gemm") == 3


def test_an_op_without_mapping_is_named(tmp_path):
    with pytest.raises(NotImplementedError, match="op cumsum has no ONNX mapping"):
        static.export_onnx(lambda x: x.cumsum(0), (minigrad.randn(3),), tmp_path / "c.onnx")


def test_dropout_in_training_mode_says_to_call_eval(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    with pytest.raises(NotImplementedError, match=r"model\.eval\(\)"):
        static.export_onnx(model, (minigrad.randn(2, 4),), tmp_path / "d.onnx")
    model.eval()
    x = minigrad.randn(2, 4)
    static.export_onnx(model, (x,), tmp_path / "d.onnx")
    np.testing.assert_allclose(_run_onnx(tmp_path / "d.onnx", [x])[0], model(x).array, rtol=1e-5)

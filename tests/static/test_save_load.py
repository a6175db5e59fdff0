"""graph.save / static.load: a model runs in a fresh process without its code; bad files fail
clearly."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import minigrad
from minigrad import static
from minigrad.ops import matmul as M


def _model_graph():
    rng = np.random.default_rng(0)
    w1 = minigrad.tensor(rng.normal(size=(8, 4)), requires_grad=True)
    w2 = minigrad.tensor(rng.normal(size=(3, 8)), requires_grad=True)

    def model(x):
        return M.linear(M.linear(x, w1).tanh() * 2.0, w2).softmax(-1)

    x = minigrad.tensor(rng.normal(size=(5, 4)))
    return static.trace(model, x), x, model(x).detach()


def test_a_saved_graph_runs_in_a_fresh_process(tmp_path):
    graph, x, expected = _model_graph()
    graph.save(tmp_path / "m.mgraph")
    np.save(tmp_path / "x.npy", x.array)
    code = (
        "import sys, numpy as np, minigrad; from minigrad import static; "
        f"g = static.load({str(tmp_path / 'm.mgraph')!r}); "
        f"y = g(minigrad.tensor(np.load({str(tmp_path / 'x.npy')!r}))); "
        "np.save(sys.argv[1], y.array); "
        "assert not any('test_save_load' in m for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "y.npy")], check=True)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected.array, rtol=1e-12)


def test_the_file_is_documented_json_and_npy(tmp_path):
    graph, _, _ = _model_graph()
    graph.save(tmp_path / "m.mgraph")
    with zipfile.ZipFile(tmp_path / "m.mgraph") as z:
        doc = json.loads(z.read("graph.json"))
        assert all(n.endswith(".npy") for n in z.namelist() if n != "graph.json")
    assert doc["format"] == "minigrad.static.graph" and doc["version"] == 2
    assert [n["op"] for n in doc["nodes"]] == ["linear", "tanh", "mul", "linear", "softmax"]


def _rewrite(path, change):
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    doc = json.loads(files["graph.json"])
    change(doc)
    files["graph.json"] = json.dumps(doc).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(version=99), "version 99 is not supported"),
        (lambda d: d.update(format="pickle"), "format is 'pickle'"),
        (lambda d: d["nodes"][0].update(op="os.system"), "unknown op 'os.system'"),
    ],
)
def test_corrupt_or_foreign_files_give_a_clear_error(tmp_path, change, message):
    graph, _, _ = _model_graph()
    path = tmp_path / "m.mgraph"
    graph.save(path)
    _rewrite(path, change)
    with pytest.raises(ValueError, match=message):
        static.load(path)


def test_garbage_is_not_a_graph_file(tmp_path):
    (tmp_path / "bad").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="is not a valid minigrad graph file"):
        static.load(tmp_path / "bad")


def test_a_function_on_raw_arrays_cannot_be_saved(tmp_path):
    class Square(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array**2  # raw arrays: nothing for the tracer to record

        @staticmethod
        def backward(ctx, gy):
            return gy

    graph = static.trace(lambda x: Square.apply(x), minigrad.randn(3))
    with pytest.raises(NotImplementedError, match="Square.forward computes on raw arrays"):
        graph.save(tmp_path / "c.mgraph")


def test_a_file_from_the_first_format_asks_to_save_again(tmp_path):
    graph, _, _ = _model_graph()
    path = tmp_path / "m.mgraph"
    graph.save(path)
    _rewrite(path, lambda d: d.update(version=1))
    with pytest.raises(ValueError, match="version 1 is not supported.*save the model again"):
        static.load(path)


def test_a_graph_with_control_flow_saves_and_loads(tmp_path):
    def f(x):
        return static.cond(x.sum() > 0, lambda x: x * 2, lambda x: -x.exp(), (x,))

    static.trace(f, minigrad.randn(3)).save(tmp_path / "c.mgraph")
    loaded = static.load(tmp_path / "c.mgraph")
    for x in (minigrad.ones(3), -minigrad.ones(3)):  # both branches, chosen at each call
        np.testing.assert_allclose(loaded(x).array, f(x).array)

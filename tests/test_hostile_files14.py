"""Hostile graph files that earlier sweeps left open, and a fuzz of what they did not mutate.

Section 1: a loaded cond_grad or while_grad (a cond's or while_loop's gradient) was not
checked against the node whose residual it reads: any value passed for its residual (a float
input read as a loop's trail and captures), sub-graphs of other types than its forward's, or
gradients of other types loaded and failed or ran as the graph ran. Each test named
`..._is_refused` failed on the code before its fix (what happened is in its docstring); the
others pin what must keep working.

Section 2: a loaded while_loop within load's budget of all reads (a minute of work) ran a
million iterations of a small body, 3-7 s of CPU, from a file of a few hundred bytes.

Section 3: a number argument (a dim, a size, a count) given as a graph input where no size or
work check reads it loaded, and the op took the tensor for the number as the graph ran.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest
from helpers import edited_graph_file
from test_hostile_files10 import _forged_while_grad, _loop_doc, loop_with_gradient

import minigrad
from minigrad import static
from minigrad.static import control


def _saved_doc(tmp_path, doc: dict) -> Path:
    """A graph file holding doc as its graph.json (and no arrays)."""
    path = tmp_path / "doc.mgraph"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("graph.json", json.dumps(doc))
    return path


def _refused(tmp_path, doc: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        static.load(_saved_doc(tmp_path, doc))


# -- 1. a gradient node fits the node whose residual it reads ---------------------------------
def _graph(values, inputs, nodes, outputs, structure=None) -> dict:
    return dict(
        format="minigrad.static.graph", version=2, values=values, inputs=inputs,
        input_names=[f"x{k}" for k in range(len(inputs))], outputs=outputs,
        structure=structure, nodes=nodes, constants={},
    )  # fmt: skip


def _cond_with_gradient() -> dict:
    """y = cond(p, x -> x, x -> x, (x,)) and its cond_grad of y's gradient y: returns x."""
    f32 = [[3], "float32"]
    branch = {"graph": _graph([f32], [0], [], [0])}
    cond = dict(op="cond", inputs=[0, 1], outputs=[2, 3], attrs={"true": branch, "false": branch})
    grad = dict(op="cond_grad", inputs=[3, 2], outputs=[4], attrs=copy.deepcopy(cond["attrs"]))
    values = [[[], "bool"], f32, f32, [[], "object"], f32]
    return _graph(values, [0, 1], [{**cond, "saves": []}, {**grad, "saves": []}], [4])


def _loop_gradient() -> dict:
    doc = _loop_doc(1, 0)
    doc["nodes"][0]["attrs"]["max_iterations"] = 100
    return loop_with_gradient(doc, 100)


def test_gradients_of_a_loaded_cond_and_loop_still_load_and_run(tmp_path):
    x = minigrad.tensor([1.0, 2.0, 3.0])
    for predicate in (True, False):
        graph = static.load(_saved_doc(tmp_path, _cond_with_gradient()))
        assert graph(minigrad.tensor(predicate), x).tolist() == [1.0, 2.0, 3.0]
    graph = static.load(_saved_doc(tmp_path, _loop_gradient()))
    assert graph(minigrad.tensor(7), minigrad.zeros(0)).shape == (0,)


def test_a_loop_gradient_of_a_forged_residual_is_refused(tmp_path):
    """A float input of (2, 10, 1) given as a while_grad's residual ran: r[0] taken for the
    trail of 10 iterations, r[1] for 10 captures, and the graph returned [1.0]."""
    _refused(tmp_path, _forged_while_grad(10, 10), "first input must be the residual .* of a wh")


def _residual_from(doc: dict, node: int, value: int) -> dict:
    doc["nodes"][node]["inputs"][0] = value
    return doc


def _edit_loop_gradient_of_a_cond(doc: dict) -> dict:
    """The cond's gradient made a while_grad, its branches its condition and body."""
    attrs = doc["nodes"][1]["attrs"]
    doc["nodes"][1]["op"] = "while_grad"
    doc["nodes"][1]["attrs"] = {"cond": attrs["true"], "body": attrs["false"]}
    return doc


def _edit_grad_body(doc: dict) -> dict:
    """The while_grad's body takes its int n as a float."""
    body = doc["nodes"][1]["attrs"]["body"]["graph"]
    body["values"][0] = [[], "float32"]
    return doc


def _edit_cond_grad_branch(doc: dict) -> dict:
    """The cond_grad's false branch of f32[4] (its forward's of f32[3])."""
    doc["nodes"][1]["attrs"]["false"] = {"graph": _graph([[[4], "float32"]], [0], [], [0])}
    return doc


def _edit_gradient_type(doc: dict) -> dict:
    """The cond_grad's gradient of y given as its predicate (b[] for f32[3])."""
    doc["nodes"][1]["inputs"][1] = 0
    return doc


def _edit_gradient_count(doc: dict) -> dict:
    """The while_grad returns one gradient (the graph's output) for its loop's two passed
    values."""
    doc["nodes"][1]["outputs"].pop(0)
    return doc


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda: _residual_from(_loop_gradient(), 1, 0), "must be the residual .* of a while_loop"),
        (lambda: _residual_from(_loop_gradient(), 1, 2), "must be the residual .* of a while_loop"),
        (lambda: _residual_from(_cond_with_gradient(), 1, 1), "must be the residual .* of a cond"),
        (lambda: _edit_loop_gradient_of_a_cond(_cond_with_gradient()), "residual .* of a while_"),
        (lambda: _edit_grad_body(_loop_gradient()), "sub-graph body differs in its inputs"),
        (lambda: _edit_cond_grad_branch(_cond_with_gradient()), "sub-graph false differs in its"),
        (lambda: _edit_gradient_type(_cond_with_gradient()), "takes a gradient for each of the 1"),
        (lambda: _edit_gradient_count(_loop_gradient()), "returns one for each of the 2 values"),
    ],
)
def test_a_gradient_node_that_does_not_fit_its_forward_node_is_refused(tmp_path, make, problem):
    """Each loaded on the code before: a residual that is the loop's input n or its final n
    (int64[]) or the cond's x failed as the graph ran (TypeError: iteration over a 0-d
    array, or cannot unpack), a cond's residual taken for a loop's trail too; a body taking
    a float n, a branch of another shape, a predicate given for a gradient or a gradient
    left out loaded, failing (or running) as it ran."""
    _refused(tmp_path, make(), problem)


# -- 2. a loaded loop's iterations within a budget of reads ------------------------------------
def test_a_loaded_loop_that_goes_on_stops_within_its_budget_of_reads(tmp_path):
    """A loop of n - 1 while n > 0 saved without a max_iterations, called with n = 10**6,
    ran its million iterations (5.6 s of CPU). Now a loaded loop stops after
    LOADED_LOOP_READS of the reads load counted for an iteration (~300,000 of these)."""
    graph = static.load(_saved_doc(tmp_path, _loop_doc(1, 0)))
    reads = graph.nodes[0].attrs["body"].iteration_reads
    most = control.LOADED_LOOP_READS // reads
    assert 100_000 < most < 10**6
    with pytest.raises(RuntimeError, match=f"a loaded loop goes on after {most} iterations"):
        graph(minigrad.tensor(10**6), minigrad.zeros(0))


def test_a_loaded_loop_runs_its_callers_max_iterations_past_the_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(control, "LOADED_LOOP_READS", 2**20)
    graph = static.load(_saved_doc(tmp_path, _loop_doc(1, 0)))
    most = 2**20 // graph.nodes[0].attrs["body"].iteration_reads
    assert graph(minigrad.tensor(most), minigrad.zeros(0)).shape == (0,)
    with pytest.raises(RuntimeError, match=f"after {most} iterations of"):
        graph(minigrad.tensor(most + 1), minigrad.zeros(0))
    graph = static.load(_saved_doc(tmp_path, _loop_doc(1, 0)), max_iterations=1000)
    assert graph.nodes[0].attrs["body"].iteration_reads is None
    assert graph(minigrad.tensor(1000), minigrad.zeros(0)).shape == (0,)


# -- 3. a number argument is an attribute ------------------------------------------------------
@pytest.mark.parametrize(
    "fn, op, name, declared",
    [
        (lambda x: x.sum(dim=1), "sum", "dims", [[2], "int64"]),
        (lambda x: minigrad.softmax(x, dim=1), "softmax", "dim", [[], "int64"]),
        (lambda x: minigrad.topk(x, 2).values, "topk_indices", "k", [[], "int64"]),
        (lambda x: x.as_strided((2, 2), (1, 1)), "as_strided", "size", [[2], "int64"]),
    ],
)
def test_a_number_argument_given_as_a_graph_input_is_refused(tmp_path, fn, op, name, declared):
    """Each loaded: called with the number as a tensor, sum failed (Boolean value of Tensor
    with 2 elements is ambiguous), softmax and topk ran along the dim and with the k the
    caller passed, and as_strided took a size of [32768, 32768] to its bounds check. tracing
    never makes such an argument an input."""

    def edit(doc):
        vid = len(doc["values"])
        doc["values"].append(declared)
        doc["inputs"].append(vid)
        doc["input_names"].append("number")
        node = next(n for n in doc["nodes"] if n["op"] == op)
        del node["attrs"][name]
        node["inputs"].append(vid)

    path = edited_graph_file(tmp_path, static.trace(fn, minigrad.ones(3, 3)), edit)
    with pytest.raises(ValueError, match=f"{op} needs its argument '{name}' as static.trace"):
        static.load(path)

"""A loaded graph's values have the dtypes its file declares: `load` counts its byte budgets
from them, so a value that declares bool but is made float64 takes 8 times the bytes counted.
The executor checks each value as it is made; every op of the op table, saved and loaded,
passes that check (eager, traced and replayed dtypes agree)."""

import json
import re
import zipfile

import numpy as np
import pytest
import torch
from op_table import CASES, F, make_inputs
from test_equivalence import DYNAMIC, GRAPH_BREAKS, RANDOM

import minigrad
from minigrad import static
from minigrad.ops import matmul as M


def _lie_about(path, vid: int, dtype: str) -> None:
    """Rewrite the saved file at `path` so that value `vid` declares `dtype`."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    doc = json.loads(members["graph.json"])
    doc["values"][vid][1] = dtype
    members["graph.json"] = json.dumps(doc).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


@pytest.mark.parametrize("vid, made", [(2, "float64"), (4, "float64")])
def test_a_value_whose_declared_dtype_lies_is_refused_when_it_is_made(tmp_path, vid, made):
    rng = np.random.default_rng(0)
    w = minigrad.tensor(rng.normal(size=(3, 4)))
    x = minigrad.tensor(rng.normal(size=(2, 4)))
    path = tmp_path / "m.mgraph"
    static.trace(lambda x: M.linear(x, w).relu() * 2.0, x).save(path)
    _lie_about(path, vid, "bool")
    graph = static.load(path)  # each declared dtype alone is a valid one
    # the graph says which file failed, and why
    message = f"{path} failed to run: ValueError: value {vid} has dtype {made}, but the graph"
    with pytest.raises(RuntimeError, match=re.escape(message + " declares bool")):
        graph(x)


def test_frexp_mantissa_has_the_input_dtype_eager_traced_and_replayed(tmp_path):
    """The mantissa was x * exp2(-e), exp2 of the int32 exponent in float32: a float64 x below
    2**-126 gave inf, and the fused replay made float64 where the trace declared float32."""
    tiny_and_huge = {minigrad.float64: [1e-300, 5e-324, 1e300], minigrad.float32: [1e-40, 3e38]}
    for dt, tdt in [(minigrad.float64, torch.float64), (minigrad.float32, torch.float32)]:
        values = [*tiny_and_huge[dt], 3.0, -0.3, 0.0]
        x = minigrad.tensor(values, dtype=dt)
        want = torch.frexp(torch.tensor(values, dtype=tdt))
        compiled = static.compile(lambda x: minigrad.frexp(x).mantissa * 2, fullgraph=True)
        for got in (minigrad.frexp(x).mantissa * 2, compiled(x), compiled(x)):
            assert got.dtype == dt
            np.testing.assert_array_equal(got.array, (want.mantissa * 2).numpy())
        compiled.graph.save(tmp_path / "f.mgraph")
        loaded = static.load(tmp_path / "f.mgraph")(x)
        np.testing.assert_array_equal(loaded.array, (want.mantissa * 2).numpy())


def test_int_times_a_float_is_not_fused_into_a_float64_step():
    """-e * ln 2 of an int32 e is float32 (PyTorch's default dtype); a fused NumPy step made
    float64 of it."""
    x = minigrad.tensor([[1, 2, 3]], dtype=minigrad.int32)
    compiled = static.compile(lambda e: (-e * 0.6931471805599453).exp(), fullgraph=True)
    assert compiled(x).dtype == minigrad.float32


def _as_tuple(out) -> tuple:
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("dtype, tol", [(minigrad.float64, 1e-12), (minigrad.float32, 1e-5)])
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.name not in RANDOM | GRAPH_BREAKS.keys() | DYNAMIC],
    ids=lambda c: c.name,
)
def test_every_op_table_graph_saves_loads_and_runs_with_its_declared_dtypes(
    tmp_path, case, dtype, tol
):
    """float32 too: a promotion of float32 with a float64 or an int (frexp's int32 exponent)
    is where a replay's NumPy kernel and PyTorch's rules can differ."""

    def fn(*xs):
        return case.fn(minigrad, F, *xs)

    xs = [minigrad.tensor(a, dtype=dtype) for a in make_inputs(case)]
    eager = fn(*xs)
    compiled = static.compile(fn, fullgraph=True)
    want = compiled(*xs)
    compiled.graph.save(tmp_path / "g.mgraph")
    got = static.load(tmp_path / "g.mgraph")(*xs)  # the check runs on every value it makes
    for a, b, c in zip(_as_tuple(got), _as_tuple(want), _as_tuple(eager), strict=True):
        assert a.dtype == b.dtype == c.dtype
        np.testing.assert_allclose(a.array, b.array, rtol=tol, atol=tol)

"""benchmarks/bench_gpu.py runs without a GPU: the CUDA columns are skipped with the reason,
the CPU columns run, and the CSV is plot-ready. (A smoke run: it checks no timing.)"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

from minigrad.backend import cuda as cuda_backend

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_gpu.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_gpu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_gpu"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_gpu", None)


def test_quick_run_writes_a_plot_ready_csv(bench, tmp_path, capsys):
    out = tmp_path / "results" / "gpu.csv"
    assert bench.main(["--quick", "--csv", str(out), "--skip", "torch-cpu"]) == 0
    printed = capsys.readouterr().out
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == bench.FIELDS
    backends = {(r["benchmark"], r["backend"]) for r in rows}
    assert {("matmul", "numpy"), ("mlp_step", "minigrad-cpu")} <= backends
    assert all(float(r["median_ms"]) > 0 and float(r["gflops"]) > 0 for r in rows)
    assert {r["size"] for r in rows if r["benchmark"] == "matmul"} == {"64", "128"}
    if cuda_backend.probe().cupy is None:
        assert "minigrad-cuda: skipped the CUDA column: " in printed
        assert cuda_backend.probe().reason in printed
        assert "GPU speedup" in printed and "skipped" in printed


def test_matmul_verdict_applies_the_bar_from_2048(bench):
    def row(n, backend, ms):
        return bench.Row("matmul", n, backend, "gpu", 1.0, ms, ms, 1.0, "today")

    rows = [row(1024, "minigrad-cuda", 3.0), row(1024, "torch-cuda", 1.0)]
    rows += [row(4096, "minigrad-cuda", 1.05), row(4096, "torch-cuda", 1.0)]
    rows += [row(8192, "minigrad-cuda", 1.2), row(8192, "torch-cuda", 1.0)]
    lines = bench.matmul_verdict(rows)
    assert lines[0].endswith("3.00x")  # under 2048: reported, not judged
    assert lines[1].endswith("1.05x  ok") and lines[2].endswith("OVER 1.1x")


def test_speedup_table(bench):
    def row(backend, ms):
        return bench.Row("mlp_step", 1024, backend, "d", ms, ms, ms, 1.0, "today")

    table = bench.speedup_table(
        [row("minigrad-cpu", 200.0), row("minigrad-cuda", 4.0), row("torch-cpu", 100.0),
         row("torch-cuda", 2.0)]
    )  # fmt: skip
    assert "50.0x" in table[1] and "50.0x" in table[2]
    assert table[-1].startswith("  minigrad CUDA / PyTorch CUDA = 2.00x (OVER 1.5x")

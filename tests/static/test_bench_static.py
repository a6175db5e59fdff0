"""benchmarks/bench_static.py runs (excluded by default: `pytest -m benchmark`) and the issue's
targets hold, loosely: timings on a shared machine move, so each bound has a 25% margin."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_static.py"


def _measure() -> dict:
    # NOTE: a fresh process, so the script's one-BLAS-thread setting applies before NumPy loads
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True)
    print(out.stdout)
    found = re.findall(r"digits MLP step, (\w+)\s+([\d.]+) us", out.stdout)
    return {name: float(us) for name, us in found}


@pytest.mark.benchmark
def test_compiled_mlp_step_against_torch_and_numpy():
    pytest.importorskip("torch", reason="the comparison needs PyTorch (the 'test' extra)")
    runs = [_measure() for _ in range(2)]  # the best of two: other work only slows a run
    best = {k: min(r[k] for r in runs) for k in runs[0]}
    assert set(best) == {"static", "eager", "torch", "numpy"}
    assert best["static"] < best["eager"]  # a replay skips the per-op bookkeeping
    assert best["static"] <= 0.8 * best["torch"] * 1.25
    assert best["static"] <= 1.5 * best["numpy"] * 1.25

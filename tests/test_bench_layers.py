"""benchmarks/bench_layers.py runs (excluded by default: `pytest -m benchmark`): every layer
is timed for minigrad, PyTorch and, with --against, a second minigrad tree, and listed again
worst ratio first. No speed is asserted: timings on a shared machine are noise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LINE = re.compile(
    r"^(.+?)\s+minigrad\s+([\d.]+) us\s+torch\s+([\d.]+) us\s+ratio\s+([\d.]+)"
    r"\s+base\s+([\d.]+) us\s+ratio\s+[\d.]+$"
)
WORST = re.compile(r"^\s+([\d.]+)x\s+(.+)$")


@pytest.mark.benchmark
def test_every_layer_is_timed_and_listed_worst_first():
    pytest.importorskip("torch", reason="the comparison needs PyTorch (the 'test' extra)")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_layers.py"), "--rounds", "1"]
        + ["--against", str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(out.stdout)
    rows = [m for m in map(LINE.match, out.stdout.splitlines()) if m]
    assert len(rows) == 33
    assert all(float(t) > 0 for m in rows for t in m.group(2, 3, 5))
    worst = [m for m in map(WORST.match, out.stdout.splitlines()) if m]
    assert sorted(m.group(2) for m in worst) == sorted(m.group(1) for m in rows)
    ratios = [float(m.group(1)) for m in worst]
    assert ratios == sorted(ratios, reverse=True)

"""benchmarks/bench_hotops.py runs (excluded by default: `pytest -m benchmark`): every case is
timed for minigrad, PyTorch and, with --against, a second minigrad tree loaded in the same
process. No speed is asserted: timings on a shared machine are noise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LINE = re.compile(
    r"^(.+?)\s+minigrad\s+([\d.]+) us\s+torch\s+([\d.]+) us\s+ratio\s+[\d.]+"
    r"\s+base\s+([\d.]+) us\s+ratio\s+[\d.]+$"
)


@pytest.mark.benchmark
def test_every_case_is_timed_for_minigrad_torch_and_another_tree():
    pytest.importorskip("torch", reason="the comparison needs PyTorch (the 'test' extra)")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_hotops.py"), "--rounds", "1"]
        + ["--against", str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(out.stdout)
    rows = [m for m in map(LINE.match, out.stdout.splitlines()) if m]
    assert len(rows) == 40
    assert all(float(t) > 0 for m in rows for t in m.groups()[1:])

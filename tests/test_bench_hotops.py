"""benchmarks/bench_hotops.py and bench_layers.py (which runs its table through bench_hotops's
runner) run (excluded by default: `pytest -m benchmark`): every case is timed for minigrad,
PyTorch and, with --against, a second minigrad tree loaded in the same process; bench_layers
lists its rows again, worst ratio first. No speed is asserted: timings on a shared machine are
noise."""

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
WORST = re.compile(r"^\s+([\d.]+)x\s+(.+)$")


def _rows(script: str) -> tuple[list, list[str]]:
    """The timed rows of one round of `script` against this tree, and its output's lines."""
    pytest.importorskip("torch", reason="the comparison needs PyTorch (the 'test' extra)")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--rounds", "1"]
        + ["--against", str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(out.stdout)
    lines = out.stdout.splitlines()
    rows = [m for m in map(LINE.match, lines) if m]
    assert all(float(t) > 0 for m in rows for t in m.groups()[1:])
    return rows, lines


@pytest.mark.benchmark
def test_every_case_is_timed_for_minigrad_torch_and_another_tree():
    rows, _ = _rows("bench_hotops.py")
    assert len(rows) == 40


@pytest.mark.benchmark
def test_every_layer_is_timed_and_listed_worst_first():
    rows, lines = _rows("bench_layers.py")
    assert len(rows) == 33
    worst = [m for m in map(WORST.match, lines) if m]
    assert sorted(m.group(2) for m in worst) == sorted(m.group(1).strip() for m in rows)
    ratios = [float(m.group(1)) for m in worst]
    assert ratios == sorted(ratios, reverse=True)

"""minigrad.utils.benchmark: Timer, Measurement and Compare as the "PyTorch Benchmark" and
"Timer quick start" recipes use them (compared with torch.utils.benchmark where the output
does not depend on timing), and the GPU waits around every timed block."""

from __future__ import annotations

import re

import pytest
import torch
import torch.utils.benchmark as torch_benchmark

import minigrad
from minigrad.utils import benchmark


def batched_dot_mul_sum(a, b):
    return a.mul(b).sum(-1)


def _fixed_lines(measurement) -> list:
    """The repr without its first line (an address) and its time lines."""
    lines = repr(measurement).splitlines()[1:]
    return [line for line in lines if not re.search(r"\d (s|ms|us|ns)$", line)]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(stmt="batched_dot_mul_sum(x, x)"),
        dict(stmt="batched_dot_mul_sum(x, x)", setup="y = 1", label="Batched dot"),
        dict(stmt="x * 2", setup="y = 1\nz = 2", description="mul", label="L", sub_label="S"),
        dict(stmt="x * 2", num_threads=2, env="e"),
    ],
)
def test_timeit_gives_pytorchs_measurement(kwargs):
    measurements = []
    for lib, bench in ((minigrad, benchmark), (torch, torch_benchmark)):
        x = lib.ones(100, 8)
        names = {"x": x, "batched_dot_mul_sum": batched_dot_mul_sum}
        measurements.append(bench.Timer(globals=names, **kwargs).timeit(50))
    ours, theirs = measurements
    assert ours.number_per_run == theirs.number_per_run == 50
    assert len(ours.times) == len(theirs.times) == 1
    assert ours.times[0] == ours.raw_times[0] / 50 and ours.mean == ours.median == ours.times[0]
    assert ours.title == theirs.title and ours.description == theirs.description
    assert _fixed_lines(ours) == _fixed_lines(theirs)


def test_setup_runs_before_each_block_as_pytorchs():
    counts = []
    for bench in (benchmark, torch_benchmark):
        calls = []
        stmt, setup = "calls.append('stmt')", "calls.append('setup')"
        bench.Timer(stmt, setup, globals={"calls": calls}).timeit(300)
        counts.append([calls.count("setup"), calls.count("stmt")])
    assert counts[0] == counts[1] == [2, 3 + 300]  # a warm-up of 300 // 100 runs, then 300


def test_blocked_autorange_spends_min_run_time_in_blocks_of_a_grown_size():
    seen = []
    timer = benchmark.Timer("sum(range(50))")
    m = timer.blocked_autorange(callback=lambda n, t: seen.append((n, t)), min_run_time=0.05)
    assert m.number_per_run >= 1 and str(m.number_per_run).strip("0") == "1"  # 1, 10, 100...
    assert sum(m.raw_times) >= 0.05 and len(m.times) == len(seen)
    assert all(n == m.number_per_run for n, _ in seen)
    assert m.median > 0 and m.iqr >= 0 and m.mean == pytest.approx(sum(m.times) / len(m.times))
    shown = repr(m)
    assert f"measurements, {m.number_per_run} runs per measurement, 1 thread" in shown or (
        f"1 measurement, {m.number_per_run} runs , 1 thread" in shown
    )


def test_every_timed_block_starts_and_ends_with_an_idle_gpu(monkeypatch):
    """A GPU queues work and returns at once: a timer that does not wait would time only the
    launch. The waits come before and after each block (the warm-up's too)."""
    events = []
    monkeypatch.setattr(minigrad.cuda, "is_available", lambda: True)
    monkeypatch.setattr(minigrad.cuda, "synchronize", lambda dev=None: events.append("sync"))
    benchmark.Timer("events.append('run')", globals={"events": events}).timeit(2)
    assert events == ["sync", "run", "run", "sync", "sync", "run", "run", "sync"]


def test_num_threads_is_set_for_the_measurement_and_put_back():
    before = minigrad.get_num_threads()
    seen = []
    benchmark.Timer("seen.append(get())", globals={"seen": seen, "get": minigrad.get_num_threads},
                    num_threads=1).timeit(2)  # fmt: skip
    assert set(seen) == {1} and minigrad.get_num_threads() == before


def test_compare_tables_medians_by_label_threads_sub_label_and_description():
    results = []
    for threads in (1, 2):
        for description in ("mul/sum", "bmm"):
            timer = benchmark.Timer(
                "x + 1",
                globals={"x": 1},
                label="Batched dot",
                sub_label="[64, 64]",
                description=description,
                num_threads=threads,
            )
            results.append(timer.timeit(10))
    table = str(benchmark.Compare(results))
    lines = table.splitlines()
    assert "Batched dot" in lines[0] and "mul/sum" in lines[1] and "bmm" in lines[1]
    assert lines[2].startswith("1 threads:") and lines[4].startswith("2 threads:")
    assert lines[3].strip().startswith("[64, 64]  |") and len(lines[3].split("|")) == 3
    assert table.endswith(".") and "Times are in" in table


def test_what_minigrad_does_not_time_is_refused():
    with pytest.raises(ValueError, match="stmt must be a string"):
        benchmark.Timer(lambda: None)
    with pytest.raises(ValueError, match="Python statements only"):
        benchmark.Timer("x * y;", language="c++")

"""Cheap cheats on the chapters' graded questions: an answer that hands back a constant, its
input, or a value cached from the visible test instead of computing anything. Each student below
answered one question that way (everything else honestly) and is graded end to end against the
real chapter, beside an honest student who keeps every point; each cheat scored its question
before the fix its comment names.
"""

from __future__ import annotations

import pytest
from test_redteam import grade_answers

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them one at a
# time, after the rest (see the Makefile).
pytestmark = pytest.mark.grading

# Chapter 01: the hidden windows held 10 ms, so a best_of that called fn and answered 0.01
# scored 3/3. The tests now pick the sleeps at random each run, in two ranges a constant cannot
# both fall in, and check the answer against the calls as fn itself timed them.
TIMING_01 = {
    "constant": """\
def best_of(fn, repeat=3):
    for _ in range(repeat):
        fn()
    return 0.01
""",
    "slowest": """\
def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return max(times)
""",
    "first": """\
def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0]
""",
}

# Chapter 07: 0.02 after the right number of calls scored 3/3 (the windows were 9-200 ms on the
# CPU and 15-200 ms on the simulated GPU).
TIMING_07 = {
    "constant": """\
def best_time(fn, device, repeat=5):
    for _ in range(repeat + 1):
        fn()
    if minigrad.device(device).type == "cuda":
        minigrad.cuda.synchronize()
    return 0.02
""",
    "times_the_warm_up": """\
def best_time(fn, device, repeat=5):
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        fn()
        if minigrad.device(device).type == "cuda":
            minigrad.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)
""",
    "synchronizes_once": """\
def best_time(fn, device, repeat=5):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    if minigrad.device(device).type == "cuda":
        minigrad.cuda.synchronize()
    return min(times)
""",
}


# Chapter 00: a constant "cpu" scored 2/2 on any grader without a GPU. The hidden test now asks
# again where minigrad finds a (simulated) GPU.
DEVICE_00 = {"constant": "def pick_device():\n    return 'cpu'\n"}

# Chapter 02: the test's tensors were notebook globals, and the hidden graphs had the same leaves
# as the visible one, so an answer that returned them scored 3/3. The tests now build their
# graphs inside functions, the hidden ones from other tensors.
LEAVES_02 = {
    "globals": "def leaves(t):\n    return [x, w]\n",
    "cached": """\
def leaves(t):
    global _first
    if "_first" not in globals():
        _first = [t.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].variable,
                  t.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[1][0].variable]
    return _first
""",
}

CHEATS = {
    ("00_setup", "pick_device"): DEVICE_00,
    ("01_cpu_vs_gpu", "best_of"): TIMING_01,
    ("02_computational_graphs", "leaves"): LEAVES_02,
    ("07_gpu", "timing"): TIMING_07,
}


@pytest.mark.parametrize(("chapter", "question"), sorted(CHEATS))
def test_cheap_cheats_score_nothing(tmp_path, chapter, question):
    answers = CHEATS[chapter, question]
    rows = grade_answers(
        tmp_path, chapter, {name: {question: answer} for name, answer in answers.items()}
    )
    for name in answers:
        outcome = rows[name]["questions"][f"{question}_test"]
        assert outcome["points"] == 0 and outcome["status"] in ("failed", "error"), (name, outcome)
        assert rows[name]["total"] == rows[name]["max"] - outcome["max"], (name, rows[name])

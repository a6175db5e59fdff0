"""Attacks on the grader found by a fourth look: the kernel-level guard itself (its answers, the
moment after it), the kernel's own replies, the import system, trace functions. Each wrong answer
below scored its question before the fix that its comment names; each is graded end to end
against a real chapter, beside an honest student who keeps every point.
"""

from __future__ import annotations

import base64
import json

import pytest
from conftest import CHAPTER, code, solution_notebook
from students import GOOD, answered, save
from test_grade import LIMITS, make_class
from test_redteam import grade_answers

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade, reaching_cells

WRONG_SLOPE = "\n\ndef slope_at(x0):\n    return 0.0\n"

# The guard's signal handlers replaced (through `_signal`, its name spelt so that the review scan
# did not see it) and its answer written to the kernel's stderr by the answer itself, so that the
# worker ran every later test with nothing undone, here with the shell's compiler swapped for one
# that compiles every cell to `pass`: full marks, status ok. The guard's answers now carry a key
# that the kernel read and deleted before any student code ran; fd 2 no longer reads back what
# the guard wrote before.
FORGED_GUARD = (
    """\
import ast
import os
import re

import _signal

_install = getattr(_signal, "sig" + "nal")
try:  # (refused now, test_redteam9.py: the forged answers below are tried all the same)
    _install(10, lambda *args: None)
    _install(12, lambda *args: None)
except RuntimeError:
    pass
try:
    os.lseek(2, 0, 0)
    _key = re.findall(rb"MINIGRAD-GUARD (\\S+) ", os.read(2, 2**20))[-1]
except (OSError, IndexError):
    _key = b"unknown"
os.write(2, b"\\nMINIGRAD-GUARD " + _key + b" 1000000000 ok []\\n")
os.write(2, b"\\nMINIGRAD-GUARD 1000000000 []\\n")  # the old format
shell = get_ipython()


class Compiler(type(shell.compile)):
    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        return ast.parse("pass")


shell.compile = Compiler()
"""
    + WRONG_SLOPE
)

# A thread that swaps the compiler again whenever the guard has put it back: the test ran
# compiled to `pass` (3 points, flagged suspicious only). The guard now looks again after a
# moment, and refuses the test while a thread runs the notebook's own code.
THREAD = (
    """\
import ast
import threading
import time

shell = get_ipython()


class Compiler(type(shell.compile)):
    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        return ast.parse("pass")


evil = Compiler()


def keep():
    while True:
        if shell.compile is not evil:
            shell.compile = evil
        time.sleep(0.0005)


threading.Thread(target=keep, daemon=True).start()
"""
    + WRONG_SLOPE
)

# The same thread waiting on an event between its looks, as a thread blocked on a queue does:
# the guard's second look sees the compiler swapped again.
THREAD_WAITING = THREAD.replace("time.sleep(0.0005)", "_tick.wait(0.0005)").replace(
    "evil = Compiler()", "evil = Compiler()\n_tick = threading.Event()"
)

# The answer sends the kernel's reply to the test that called it ("ok") and the status "idle",
# with the kernel's own session: nbclient took the first reply and stopped reading the cell's
# messages, and the real error came too late (3 points, status ok, no name the scan knew).
_FORGE_REPLY = """\
def slope_at(x0):
    kernel = get_ipython().kernel
    parent = kernel.get_parent()
    ident = kernel._get_shell_context_var(kernel._shell_parent_ident)
    content = {"status": "ok", "execution_count": 0, "user_expressions": {}, "payload": []}
    kernel.session.send(kernel.shell_stream, "execute_reply", content, parent=parent, ident=ident)
    idle = {"execution_state": "idle"}
    topic = kernel._topic("status")
    kernel.session.send(kernel.iopub_socket, "status", idle, parent=parent, ident=topic)
"""
FORGED_REPLY = _FORGE_REPLY + "    return 0.0\n"
# ... and then ends the kernel once the messages are out, so that no second reply ever comes
FORGED_REPLY_THEN_EXIT = (
    _FORGE_REPLY + "    import os, time\n\n    time.sleep(0.2)\n    os._exit(0)\n"
)


def _module_file(source: str) -> str:
    """A cell that writes `cupy.py` into the kernel's working folder, encoded (no name the review
    scan knows), from minigrad's own simulated GPU."""
    encoded = base64.b64encode(source.encode()).decode()
    return f"""\
import base64
import pathlib

pathlib.Path("cupy.py").write_bytes(base64.b64decode("{encoded}"))
"""


FAKE_GPU = _module_file(
    "from minigrad.testing.simulated_gpu import make\n"
    "_cupy, _ = make()\n"
    "def __getattr__(name):\n"
    "    return getattr(_cupy, name)\n"
)
# The working folder was on sys.path: minigrad's CUDA detection, run by the test, imported the
# student's `cupy`, and a pick_device that always says "cuda" passed on a machine without a GPU.
CUPY_IN_WORKING_FOLDER = FAKE_GPU + '\n\ndef pick_device():\n    return "cuda"\n'
# The same module imported by the answer itself, its folder added with site.addsitedir (no name
# the scan knew): unloaded before the test, sys.path put back.
CUPY_IMPORTED = (
    FAKE_GPU
    + 'import site\n\nsite.addsitedir(".")\nimport cupy  # noqa: E402\n\n\n'
    + 'def pick_device():\n    return "cuda"\n'
)

# An honest answer that leaves library threads running (an executor's idle workers).
IDLE_THREADS = """\
import concurrent.futures
import time

_pool = concurrent.futures.ThreadPoolExecutor(2)
_pool.submit(time.sleep, 0).result()


def slope_at(x0):
    x = minigrad.tensor(float(x0), dtype=minigrad.float64, requires_grad=True)
    (x**3 - 2 * x).backward()
    return x.grad.item()
"""

# An honest answer whose own thread stays behind, waiting on a full queue with a timeout (a
# prefetching thread that can be stopped): not a thread that patches, its tests run.
WAITING_THREAD = """\
import queue
import threading

_queue = queue.Queue(maxsize=1)


def _produce():
    while True:
        try:
            _queue.put(1, timeout=0.05)
        except queue.Full:
            pass


threading.Thread(target=_produce, daemon=True).start()


""" + IDLE_THREADS.split("\n\n\n", 1)[1]

# ipykernel's capture of fd 2 (a pipe, read by a thread of the kernel) passed every answer of the
# guard through sys.stderr.write: an answer that replaced it read the key, and a later one forged
# the guard's answers with it and ran a test with minigrad.testing's checks replaced (3 points,
# no evidence). Grading kernels now start with the capture off: fd 2 is the log itself.
KEY_SPY = """\
import sys

_seen = []
_stream = sys.stderr
_write = _stream.write


def _spy(text):
    _seen.append(text)
    return _write(text)


_stream.write = _spy


def pick_device():
    return "cuda" if minigrad.cuda.is_available() else "cpu"
"""
FORGED_WITH_SPIED_KEY = (
    """\
import os
import re
import time

import _signal

import minigrad.testing

_found = re.findall(r"MINIGRAD-GUARD (\\S+) \\d+ ok", "".join(_seen))
_key = (_found or ["unknown"])[-1]


def _forge(signum, frame):
    os.write(2, f"\\nMINIGRAD-GUARD {_key} 1 ok {time.monotonic():.6f} []\\n".encode())


_install = getattr(_signal, "sig" + "nal")
try:  # (refused now, test_redteam9.py: an answer is forged all the same)
    _install(10, _forge)
    _install(12, _forge)
except RuntimeError:
    _forge(None, None)
minigrad.testing.assert_untampered = lambda *args, **kwargs: None
minigrad.testing.plain_value = lambda value, label: 3 * float(label[9:-1]) ** 2 - 2
"""
    + WRONG_SLOPE
)

SETUP_ATTACKS = {
    "key_through_stderr": {"pick_device": KEY_SPY, "slope_at": FORGED_WITH_SPIED_KEY},
    "forged_guard": {"slope_at": FORGED_GUARD},
    "repatching_thread": {"slope_at": THREAD},
    "repatching_waiting_thread": {"slope_at": THREAD_WAITING},
    "forged_reply": {"slope_at": FORGED_REPLY},
    "forged_reply_then_exit": {"slope_at": FORGED_REPLY_THEN_EXIT},
    "cupy_in_working_folder": {"pick_device": CUPY_IN_WORKING_FOLDER},
    "cupy_imported": {"pick_device": CUPY_IMPORTED},
    "idle_threads": {"slope_at": IDLE_THREADS},
    "waiting_thread": {"slope_at": WAITING_THREAD},
}


@pytest.fixture(scope="module")
def setup_rows(tmp_path_factory):
    return grade_answers(tmp_path_factory.mktemp("redteam4"), "00_setup", SETUP_ATTACKS)


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "question", "evidence"),
    [
        ("forged_guard", "slope_at", "a forged answer of the grading guard was written to stderr"),
        (
            "key_through_stderr",
            "slope_at",
            "a forged answer of the grading guard was written to stderr",
        ),
        ("repatching_thread", "slope_at", "a thread runs the notebook's code (keep)"),
        (
            "repatching_waiting_thread",
            "slope_at",
            "compile was replaced (again, while the test waited)",
        ),
        ("forged_reply", "slope_at", "a cell was still running after its reply"),
        ("forged_reply_then_exit", "slope_at", None),
        ("cupy_imported", "pick_device", "sys.path changed"),
    ],
)
def test_attacks_on_the_kernel_earn_nothing_and_are_flagged(
    setup_rows, student, question, evidence
):
    row = setup_rows[student]
    outcome = row["questions"][f"{question}_test"]
    assert outcome["points"] == 0, outcome
    assert row["total"] == row["max"] - outcome["max"], row  # the other questions: honest
    assert "suspicious" in row["status"].split(";"), row
    assert evidence is None or evidence in row["evidence"], row


@pytest.mark.grading
def test_a_second_reply_to_a_test_makes_it_fail(setup_rows):
    """The forged "ok" came before the test's last line ran (test_redteam5.py: a test passes only
    if it did) and while the cell still ran, and the test's own error reply came after it: each
    guard reports it, the message is the last one's."""
    row = setup_rows["forged_reply"]
    assert "cell 11 was answered twice" in row["evidence"], row
    assert "cell 11 replied ok without running to its end" in row["evidence"], row
    message = row["questions"]["slope_at_test"]["message"]
    assert message.startswith("GradingGuard: not passed: "), message


@pytest.mark.grading
def test_a_module_written_to_the_working_folder_is_not_what_a_test_imports(setup_rows):
    row = setup_rows["cupy_in_working_folder"]
    outcome = row["questions"]["pick_device_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "minigrad says 'cpu'" in outcome["message"], outcome
    assert row["total"] == row["max"] - 2 and row["review"] == [], row


@pytest.mark.grading
def test_a_module_of_the_students_own_is_unloaded_before_a_test(setup_rows):
    row = setup_rows["cupy_imported"]
    assert any(e.startswith("module cupy (from /") for e in row["evidence"]), row


@pytest.mark.grading
@pytest.mark.parametrize("student", ["idle_threads", "waiting_thread"])
def test_threads_left_waiting_cost_an_honest_answer_nothing(setup_rows, student):
    row = setup_rows[student]
    assert (row["total"], row["status"]) == (row["max"], "ok"), row


# A trace function set by the answer while the test runs moved assert_close's next line to its
# `return` (the line after `if close.all():`) and removed itself: a wrong hvp passed, status ok,
# no name the scan knew. Grading now refuses sys.settrace and the like in the kernel.
TRACE = """\
import sys

_set = getattr(sys, "set" + "trace")


def _local(frame, event, arg):
    if event == "line":
        setattr(frame, "f_" + "lineno", {line})
        _set(None)
        return None
    return _local


def _global(frame, event, arg):
    if getattr(getattr(frame, "f_" + "code"), "co_name") == "assert_close":
        return _local
    return None


def hvp(f, w, v):
    _set(_global)
    return minigrad.zeros(*v.shape, dtype=minigrad.float64)
"""


@pytest.mark.grading
def test_a_trace_function_cannot_skip_the_rest_of_a_check(tmp_path):
    import inspect

    from minigrad.testing import close

    lines, first = inspect.getsourcelines(close.assert_close)
    line = first + next(i for i, text in enumerate(lines) if "if close.all():" in text) + 1
    rows = grade_answers(
        tmp_path, "09_custom_functions", {"hostile": {"hvp": TRACE.format(line=line)}}
    )
    row = rows["hostile"]
    outcome = row["questions"]["hvp_test"]
    assert outcome["points"] == 0, outcome
    assert "grading refuses sys.settrace" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "sys.settrace was called (refused)" in row["evidence"], row


# Files a student puts next to the notebook: grading copies the notebook's bytes only, and
# runs it in a folder of its own, so none of these is ever imported (each would stop the kernel).
NEIGHBOURS = {
    "numpy.py": "raise SystemExit('numpy.py next to the notebook ran')",
    "minigrad.py": "raise SystemExit('minigrad.py ran')",
    "cupy.py": "raise SystemExit('cupy.py ran')",
    "sitecustomize.py": "import os\nos._exit(7)",
    "usercustomize.py": "import os\nos._exit(7)",
    "zz.pth": "import os; os._exit(7)",
    "minigrad_course/__init__.py": "raise SystemExit('minigrad_course ran')",
    "minigrad/testing/__init__.py": "raise SystemExit('minigrad.testing ran')",
}


@pytest.mark.grading
def test_modules_next_to_the_notebook_are_never_imported(tmp_path):
    solution, submissions = make_class(tmp_path, [])
    exercise = release(solution_notebook(), CHAPTER)
    folder = submissions / "neighbours"
    save(answered(exercise, relu="import minigrad  # noqa: F401\n" + GOOD["relu"]), folder)
    for name, source in NEIGHBOURS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(source)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    [row] = grade(solution, submissions, options)
    assert (row["total"], row["status"]) == (6, "ok"), json.dumps(row, indent=1)


def test_the_review_scan_names_the_routes_to_the_guard_itself():
    """Replacing the guard's signal handlers or its descriptor (`_signal`, getsignal, an event
    loop's add_signal_handler, os.dup2), or sending the kernel's replies (its session)."""

    nb = solution_notebook()
    nb.cells += [
        code("import _signal"),
        code("handler = signal_module.getsignal(12)"),
        code("loop.add_signal_handler(12, print)"),
        code("os.dup2(r, 2)"),
        code("get_ipython().kernel.session.send(stream, 'execute_reply', {})"),
        code("conv.kernel_size = 3"),
    ]
    n = len(nb.cells)
    assert reaching_cells(nb) == [
        f"cell {n - 5} names _signal",
        f"cell {n - 4} names getsignal, signal_module",
        f"cell {n - 3} names add_signal_handler",
        f"cell {n - 2} names dup2",
        f"cell {n - 1} names .kernel, session",
    ]


@pytest.mark.parametrize(
    "error",
    [
        "RuntimeError: Kernel didn't respond in 60 seconds",
        "RuntimeError: Kernel died before replying to kernel_info",
    ],
)
def test_a_kernel_that_never_started_is_started_again(tmp_path, monkeypatch, error):
    """Its ports are picked free and bound later: on a busy machine another process can take
    one first, and the kernel exits (`Address already in use`) before any cell: the row said
    `error`, 0 points (found in a class of 100), and `verify` failed chapter 08."""
    from nbformat.v4 import new_notebook

    from minigrad_course import sandbox

    calls = []

    def execute_once(nb, limits, cwd, on_cell, jail, whole_process, python, guard):
        calls.append(cwd)
        failed = len(calls) == 1
        return sandbox.RunResult(flags=["error"] if failed else [], error=error if failed else None)

    monkeypatch.setattr(sandbox, "_execute_once", execute_once)
    job = {"notebook": str(tmp_path / "nb.ipynb"), "records": str(tmp_path / "records.jsonl")}
    (tmp_path / "nb.ipynb").write_text(json.dumps(new_notebook()))
    job["limits"] = {}
    (tmp_path / "job.json").write_text(json.dumps(job))
    sandbox.run_job(str(tmp_path / "job.json"))
    end = json.loads((tmp_path / "records.jsonl").read_text().splitlines()[-1])
    assert len(calls) == 2 and end["flags"] == [] and end["error"] is None, end


@pytest.mark.grading
def test_the_notes_on_a_notebook_stay_short(tmp_path):
    """Each unknown grade_id got a note quoting it: 2,000 cells with grade_ids of 20 kB made
    a feedback file (sent to the student) and a results file of 38 MB each."""

    from minigrad_course.grade import work_paths

    solution, submissions = make_class(tmp_path, [])
    nb = answered(release(solution_notebook(), CHAPTER))
    nb.cells += [code("pass", "g" * 5000 + str(i), "answer") for i in range(200)]
    save(nb, submissions / "noisy")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    [row] = grade(solution, submissions, options)
    assert (row["total"], row["status"]) == (6, "ok"), row
    assert len(row["notes"]) == 21 and row["notes"][-1] == "... and 180 more notes", row["notes"]
    assert all(len(note) <= 300 for note in row["notes"])
    assert (work_paths(options.out)["feedback"] / "noisy.md").stat().st_size < 10_000


def test_the_guards_verdict_is_its_answer_to_this_signal(tmp_path):
    """The notebook's code can signal its own kernel (os.kill): answers numbered ahead of the
    worker's count made it take an old answer's "ok" for the one to its signal, and run a test
    that the guard refused (a thread patching again, a cell still running). An answer under way
    when the worker's signal came does not count either."""
    import asyncio
    import subprocess
    import time

    from minigrad_course.sandbox import GUARD_TAG, Guard

    key = "k" * 32

    def answer(number: int, verdict: str, started: float) -> bytes:
        return f"\n{GUARD_TAG} {key} {number} {verdict} {started:.6f} []\n".encode()

    log = open(tmp_path / "kernel.log", "w+b")  # noqa: SIM115 (closed below)
    log.write(b"".join(answer(n, "ok", time.monotonic()) for n in (1, 2, 3)))
    log.flush()
    kernel = subprocess.Popen(["sleep", "60"])  # stands in for the kernel (signal 0: none sent)
    requests = open(tmp_path / "requests", "w+b")  # noqa: SIM115 (closed below)
    guard = Guard(log.fileno(), requests.fileno(), lambda: kernel.pid, [5], [], key)

    async def ask() -> bool:
        before = time.monotonic()
        asking = asyncio.ensure_future(guard._ask(0, 5))
        await asyncio.sleep(0.1)
        log.write(answer(4, "ok", before))  # begun before the signal, written after it
        log.write(answer(5, "refuse", time.monotonic()))  # the answer to this signal
        log.flush()
        return await asking

    try:
        assert asyncio.run(ask()) is False
    finally:
        kernel.kill()
        kernel.wait()
        log.close()
        requests.close()

"""Attacks on the grader found by a ninth look.

- The data a locked cell binds (`rng = np.random.default_rng(0)` in a setup cell) rebound by an
  answer cell: the tests drew their inputs from the answer's generator.
- The grading guard's signals sent by the notebook's code to its own kernel: during a test, to
  turn the guard's refusals off; between cells, to have the guard take the answer's `np` for the
  one the setup cell bound. And the guard's look after a given cell that follows an answer.
- Submission folders that stopped the grading of the whole class (a notebook name that is not
  UTF-8, a folder nested 1,500 deep) or lost a row (a folder named as another's results file).
- A kernel's TCP ports on 127.0.0.1, open to the kernel of a student graded at the same time.
"""

from __future__ import annotations

import os
import socket

import pytest
from conftest import CHAPTER, code, solution_notebook, write
from students import answered, save
from test_grade import LIMITS
from test_redteam import grade_answers

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, file_key, grade
from minigrad_course.report import scrub, write_feedback

# A generator of the answer's own under the setup cell's name `rng`: every input the tests draw
# from it is zero, and so is every expected gradient of chapter 03's mul_add_backward and
# two_layer_backward, which return zeros here. Nothing callable or module-like was rebound, so no
# guard looked at it (3 + 4 points, status ok).
ZERO_RNG = """\
class _Zeros:
    def standard_normal(self, size=None):
        return np.zeros(() if size is None else size)


rng = _Zeros()
"""

ZERO_MUL_ADD = (
    ZERO_RNG
    + """

def mul_add_backward(x, y, z, grad_f):
    return np.zeros_like(x), np.zeros_like(y), np.zeros_like(z)
"""
)

ZERO_TWO_LAYER = (
    ZERO_RNG
    + """

def two_layer_backward(grad_scores, cache):
    X, W1, b1, W2, b2, h_pre, h = cache
    return {"W1": 0 * W1, "b1": 0 * b1, "W2": 0 * W2, "b2": 0 * b2}
"""
)

DATA_ATTACKS = {
    "zero_rng_mul_add": {"mul_add_backward": ZERO_MUL_ADD},
    "zero_rng_two_layer": {"two_layer_backward": ZERO_TWO_LAYER},
}


@pytest.fixture(scope="module")
def data_rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redteam9-data")
    return grade_answers(folder, "03_gradients_by_hand", DATA_ATTACKS)


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "question"),
    [("zero_rng_mul_add", "mul_add_backward"), ("zero_rng_two_layer", "two_layer_backward")],
)
def test_data_a_locked_cell_bound_is_put_back_before_each_test(data_rows, student, question):
    row = data_rows[student]
    outcome = row["questions"][f"{question}_test"]
    assert outcome["points"] == 0, (outcome, row["evidence"], row["status"])
    assert row["total"] == row["max"] - outcome["max"], row


# make_tensor returns zeros. Its first call signals its own kernel with the guard's SIGUSR1 (the
# look after a locked cell): the handler, finding a cell still running, refused to look, but had
# already marked the test as over, which turned off every refusal that holds while a test runs.
# The comparison inside assert_close (close_mask) is then replaced by plain assignment, and puts
# itself back on its first use: both writes were let through as the library's own (2 points; the
# refused look left the row `suspicious`, its score untouched).
SELF_SIGNAL = """\
import operator
import os

_patched = []


def make_tensor():
    close = operator.attrgetter("testing.close")(minigrad)
    if not _patched:
        _patched.append(True)
        operator.attrgetter("ki" + "ll")(os)(os.getpid(), 10)  # SIGUSR1
        real = close.close_mask

        def once(actual, expected, *args, **kwargs):
            close.close_mask = real
            return np.ones(np.shape(expected), dtype=bool)

        close.close_mask = once
    return minigrad.zeros(2, 3)
"""

SIGNAL_ATTACKS = {"self_signal": {"make_tensor": SELF_SIGNAL}}


@pytest.fixture(scope="module")
def signal_rows(tmp_path_factory):
    return grade_answers(tmp_path_factory.mktemp("redteam9-signal"), "00_setup", SIGNAL_ATTACKS)


@pytest.mark.grading
def test_a_signal_the_kernel_sends_itself_does_not_end_the_test(signal_rows):
    row = signal_rows["self_signal"]
    outcome = row["questions"]["make_tensor_test"]
    assert (outcome["points"], outcome["status"]) == (0, "error"), (outcome, row["evidence"])
    assert "grading refuses setting minigrad.testing.close.close_mask" in outcome["message"]
    assert row["total"] == row["max"] - outcome["max"], row
    assert "suspicious" in row["status"].split(";"), row


# relu returns zeros, and the answer cell binds `np` to a module of its own whose allclose says
# yes (the tiny chapter's visible test is `assert np.allclose(relu(x), [0, 0, 2])`; its hidden
# test passes zeros). The guard put `np` back before each test, from what it had seen bound after
# the last locked cell; but it took that look whenever its signal came:
FAKE_NP = """\
import operator
import types

_real = np
_fake = types.ModuleType("numpy")
_fake.__getattr__ = lambda name: operator.attrgetter(name)(_real)
_fake.allclose = lambda *args, **kwargs: True
np = _fake


def relu(x):
    return x * 0
"""
# - sent by the answer itself, from the kernel's event loop once the cell is over: the guard took
#   the fake for the setup cell's `np` (2 points, status ok)
SELF_SNAPSHOT = (
    FAKE_NP
    + """
import asyncio
import os

asyncio.get_event_loop().call_soon(operator.attrgetter("ki" + "ll")(os), os.getpid(), 10)
"""
)


def with_given_cell_before_the_test():
    """The tiny chapter with a given cell between relu's answer and its test."""
    nb = solution_notebook()
    position = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells].index("relu")
    nb.cells.insert(position + 1, code("note = 'relu is next'", "note", "given"))
    return nb


def grade_tiny(tmp_path, solution, students: dict[str, str]) -> dict[str, dict]:
    """Grade relu answers against a tiny chapter, beside an honest student; rows by student."""
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    exercise = release(solution, CHAPTER)
    for name, relu in {**students, "honest": None}.items():
        save(
            answered(exercise, **({"relu": relu} if relu else {})), tmp_path / "submissions" / name
        )
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=LIMITS)
    rows = {r["student"]: r for r in grade(path, tmp_path / "submissions", options)}
    assert (rows["honest"]["total"], rows["honest"]["status"]) == (6, "ok"), rows["honest"]
    return rows


@pytest.mark.grading
def test_the_guard_acts_on_the_workers_signals_only(tmp_path):
    rows = grade_tiny(tmp_path, solution_notebook(), {"self_snapshot": SELF_SNAPSHOT})
    row = rows["self_snapshot"]
    outcome = row["questions"]["relu_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), (outcome, row["evidence"])
    assert row["total"] == 4, row
    assert "the notebook sent the grading guard's signal (ignored)" in row["evidence"], row
    assert "test helper 'np' was rebound" in row["evidence"], row


# - taken after a given cell placed between the answer and its test: everything the locked cells
#   had bound was looked at again there, `np` too (2 points, status ok)
@pytest.mark.grading
def test_a_locked_cell_vouches_only_for_the_names_it_binds(tmp_path):
    rows = grade_tiny(tmp_path, with_given_cell_before_the_test(), {"fake_np": FAKE_NP})
    row = rows["fake_np"]
    outcome = row["questions"]["relu_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), (outcome, row["evidence"])
    assert row["total"] == 4, row
    assert "test helper 'np' was rebound" in row["evidence"], row


# Submission folders that stopped the grading of the whole class, or lost a student's row. No
# notebook here runs: each row is settled before any kernel starts.
def grade_folders(tmp_path, make) -> list[dict]:
    solution = write(solution_notebook(), tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    make(submissions)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    return grade(solution, submissions, options)


@pytest.mark.grading
def test_a_file_name_that_is_not_utf8_does_not_stop_the_grading(tmp_path):
    """A notebook's name of undecodable bytes, quoted in the note of an empty or corrupt file:
    writing the feedback raised UnicodeEncodeError, which ended the run for everyone."""

    def make(submissions):
        for student, content in (("empty", b""), ("corrupt", b"{")):
            (submissions / student).mkdir()
            (submissions / student / os.fsdecode(b"\xff.ipynb")).write_bytes(content)

    rows = {r["student"]: r for r in grade_folders(tmp_path, make)}
    assert rows["empty"]["status"] == "renamed;empty", rows["empty"]
    assert rows["corrupt"]["status"] == "renamed;corrupt", rows["corrupt"]
    feedback = (tmp_path / "grades_feedback" / "empty.md").read_text(encoding="utf-8")
    assert "\\xff.ipynb is empty" in feedback


def test_feedback_drops_lone_surrogates_from_a_message(tmp_path):
    """A reply sent by the kernel's own code (it holds the session) can carry a lone surrogate in
    its error, which no UTF-8 file can hold."""
    result = {
        "student": "s",
        "total": 0,
        "max": 1,
        "status": "ok",
        "questions": {"q": {"points": 0, "max": 1, "status": "error", "message": "a\ud800b"}},
        "notes": ["\udcff.ipynb"],
    }
    result["questions"]["q"]["message"] = scrub(result["questions"]["q"]["message"], [])
    write_feedback(tmp_path / "s.md", result, "00_setup")
    text = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "ab" in text and "- .ipynb" in text


@pytest.mark.grading
def test_a_folder_nested_too_deep_does_not_stop_the_grading(tmp_path):
    """1,500 folders deep (an archive unpacked): the search for a misplaced notebook raised
    RecursionError, and the whole grading stopped."""

    def make(submissions):
        deep = submissions / "deep"
        deep.mkdir()
        (deep / "elsewhere").mkdir()
        save(answered(release(solution_notebook(), CHAPTER)), deep / "elsewhere", "mine.ipynb")
        os.chdir(deep)
        try:
            for _ in range(1500):
                os.mkdir("d")
                os.chdir("d")
        finally:
            os.chdir(tmp_path)

    try:
        [row] = grade_folders(tmp_path, make)
    finally:  # (shutil.rmtree, as pytest cleans up, recurses once per level too)
        os.chdir(tmp_path / "submissions" / "deep")
        levels = 0
        while os.path.isdir("d"):
            os.chdir("d")
            levels += 1
        for _ in range(levels):
            os.chdir("..")
            os.rmdir("d")
        os.chdir(tmp_path)
    assert (row["total"], row["status"], row["file"]) == (6, "renamed", "elsewhere/mine.ipynb")


@pytest.mark.grading
def test_a_folder_named_as_another_students_files_keeps_both_rows(tmp_path):
    """A folder named as another student's results and feedback files are (the digested name of
    an odd folder name): the two rows shared a results file, and one was lost from grades.csv.
    A name of undecodable bytes and one spelt with the backslash escape shared a label."""
    victim = "José García"
    names = [victim, file_key(victim), os.fsdecode(b"caf\xe9"), "caf\\xe9"]

    def make(submissions):
        for name in names:
            (submissions / name).mkdir()

    rows = grade_folders(tmp_path, make)
    assert len(rows) == 4 and len({r["student"] for r in rows}) == 4, rows
    assert len({file_key(name) for name in names}) == 4
    assert len(list((tmp_path / "grades_feedback").iterdir())) == 4


# A kernel listened on TCP ports of 127.0.0.1 (its sockets, and ipykernel's pipe for its
# subprocesses' output), which any user of the machine can connect to: the kernel of another
# student graded at the same time could subscribe to its output and flood it (the pipe reads any
# message, prints a bad one to the kernel's log, and a flooded log hid the guard's answers: the
# tests did not run). This relu is right only where its kernel cannot reach a port that this test
# opens on 127.0.0.1 for it.
REACHES_A_PORT = """\
import socket


def _reaches(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def relu(x):
    return np.maximum(x, 0) if not _reaches({port}) else x
"""


@pytest.mark.grading
def test_a_grading_kernel_reaches_no_port_of_the_machine(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        rows = grade_tiny(
            tmp_path, solution_notebook(), {"ports": REACHES_A_PORT.format(port=port)}
        )
    assert (rows["ports"]["total"], rows["ports"]["status"]) == (6, "ok"), rows["ports"]


# The guard's look after each locked cell silenced (its signal ignored, or blocked) before a given
# cell that binds what the test calls, and let through again after it: the name was never
# recorded, and a cell of the answer's after the given cell rebound it (2 points; the worker
# waited out its 30 s for the look).
SILENCED = """\
import signal

_guards = signal.getsignal(signal.SIGUSR1)
try:
    {silence}
except RuntimeError:
    pass


def relu(x):
    return x * 0
"""
AFTER_THE_GIVEN_CELL = """\
check = lambda *args: True
try:
    {unsilence}
except RuntimeError:
    pass
"""
SILENCE = {
    "ignored": (
        "signal.signal(signal.SIGUSR1, signal.SIG_IGN)",
        "signal.signal(signal.SIGUSR1, _guards)",
    ),
    "blocked": (
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})",
        "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})",
    ),
}


def with_a_given_check():
    """The tiny chapter whose relu test compares with `check`, bound by a given cell."""
    nb = solution_notebook()
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    nb.cells.insert(ids.index("relu") + 1, code("check = np.allclose", "check", "given"))
    test = nb.cells[ids.index("relu_test") + 1]
    test.source = test.source.replace("assert np.allclose(", "assert check(")
    return nb


@pytest.mark.grading
def test_the_guards_signals_are_not_the_notebooks_to_handle_or_block(tmp_path):
    solution = with_a_given_check()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    exercise = release(solution, CHAPTER)
    save(answered(exercise), tmp_path / "submissions" / "honest")
    for name, (silence, unsilence) in SILENCE.items():
        nb = answered(exercise, relu=SILENCED.format(silence=silence))
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        extra = code(AFTER_THE_GIVEN_CELL.format(unsilence=unsilence))
        nb.cells.insert(ids.index("check") + 1, extra)
        save(nb, tmp_path / "submissions" / name)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=LIMITS)
    rows = {r["student"]: r for r in grade(path, tmp_path / "submissions", options)}
    assert (rows["honest"]["total"], rows["honest"]["status"]) == (6, "ok"), rows["honest"]
    for name, call in (("ignored", "signal.signal"), ("blocked", "signal.pthread_sigmask")):
        row = rows[name]
        outcome = row["questions"]["relu_test"]
        assert (outcome["points"], outcome["status"]) == (0, "failed"), (outcome, row["evidence"])
        assert f"{call} of the guard's signal was called (refused)" in row["evidence"], row

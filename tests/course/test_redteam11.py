"""Attacks on the grader found by an eleventh look, at the seams of the grading guard. Each row
earned the question's points with a relu that returns zeros; each now earns nothing and is
`suspicious`, beside an honest student who keeps every point.

The guards decide whose code asks for a refused operation by walking the stack that asks, and a
stack that never shows the notebook's code passed for the library's:

- Another thread: a thread runs only `threading`'s frames (or `concurrent.futures`', or
  `unittest.mock`'s), so a module's attribute set there (`setattr` as a thread's target) while
  a test ran was taken for the library's own write, and `sys._current_frames` called there
  handed the answer the test's frames.
- A library function that calls what it is handed: `numpy.vectorize(sys._getframe)` called
  `sys._getframe` from NumPy's frame, which the audit hook took for NumPy's own call, and the
  frame it returned leads back to the test's.
- The guard's own look ran the notebook's code: a key of the notebook's in the kernel's
  `shell_handlers`, whose `__eq__` ran when the guard compared that dict with the one it kept,
  added an AST transformer after the look had passed the transformers (and said it equals a
  key of the kept dict, so the dict looked unchanged): the test ran with nothing but its last line.
- A cell the student puts above the setup cell runs before the guard had recorded the libraries
  the tests use: what it patched (`numpy.allclose`, `numpy.random.default_rng`) was taken for the
  library's own.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import CHAPTER, code, python_notebook, write
from students import save
from test_grade import LIMITS

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade

# The test builds its input inside a function and the reference after the answer's call, from
# the input itself, as docs/instructors.md asks: an answer that returns zeros passes only if it
# zeroes the test's own `x` (reached through the test's frame) or replaces `np.allclose`.
RELU_TEST = """\
def check_relu():
    x = np.array([-1.0, 0.0, 2.0, -3.5, 4.0])
    got = relu(x.copy())
    assert np.allclose(got, np.maximum(x, 0)), f"relu({x}) gave {got}"


check_relu()"""
RNG_TEST = "x = rng.standard_normal(5)\nassert np.allclose(relu(x), np.maximum(x, 0)), relu(x)"

# A wrong relu (zeros), and `zeros` for the attacks that define relu themselves.
ZEROS = "import numpy as np\n\n\ndef zeros(x):\n    return np.zeros_like(x)\n\n\nrelu = zeros\n"

# A wrong relu that zeroes the test's x, found in the frame of the function named check_relu.
_FROM_FRAME = """
def zero_the_test(frame):
    while frame is not None and frame.f_code.co_name != "check_relu":
        frame = frame.f_back
    frame.f_locals["x"][:] = 0


def relu(x):
    zero_the_test(test_frame())
    return zeros(x)
"""

ATTACKS = {
    # np.allclose replaced from a thread whose only frames are threading's: setattr is the
    # thread's target (taken for the library's own write, and put back by no one before the end)
    "thread_setattr": ZEROS
    + """import threading


def relu(x):
    fake = lambda *args, **kwargs: True  # noqa: E731
    patch = threading.Thread(target=setattr, args=(np, "allclose", fake))
    patch.start()
    patch.join()
    return zeros(x)
""",
    # the same through unittest.mock's patcher, started by the thread (mock's frames spell the
    # setattr themselves)
    "thread_mock": ZEROS
    + """import threading
from unittest import mock


def relu(x):
    patcher = mock.patch.object(np, "allclose", lambda *args, **kwargs: True)
    patch = threading.Thread(target=patcher.start)
    patch.start()
    patch.join()
    return zeros(x)
""",
    # every thread's frames, from sys._current_frames run by a pool's thread: the main thread's
    # frame leads back to the test's
    "thread_frames": ZEROS
    + """import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def test_frame():
    with ThreadPoolExecutor(1) as pool:
        frames = pool.submit(sys._current_frames).result()
    return frames[threading.main_thread().ident]
"""
    + _FROM_FRAME,
    # sys._getframe called by NumPy's vectorize: the frame it returns is NumPy's, whose callers
    # are the answer and the test
    "vectorized_getframe": ZEROS
    + """import sys


def test_frame():
    return np.vectorize(sys._getframe, otypes=[object])([0])[0]
"""
    + _FROM_FRAME,
    # a key whose __eq__ runs inside the guard's look before each test (it compares the kernel's
    # shell_handlers with those it kept): at the second look it adds an AST transformer that
    # keeps only the test's last line, after the look had passed the transformers by
    "eq_in_the_guards_look": ZEROS
    + """import ast

shell = get_ipython()


class KeepTheLastLine(ast.NodeTransformer):
    def visit_Module(self, tree):
        if tree.body and "ran_to_end" in ast.dump(tree.body[-1]):
            tree.body = tree.body[-1:]
        return tree


class Key:
    armed, looks = False, 0

    def __hash__(self):
        return hash("execute_request")

    def __eq__(self, other):
        if not Key.armed:
            return False
        Key.looks += 1
        if Key.looks % 2 == 0:  # (the guard looks twice before a test)
            shell.ast_transformers.append(KeepTheLastLine())
        return other == "execute_request"


handlers = shell.kernel.shell_handlers
handlers[Key()] = handlers["execute_request"]
Key.armed, Key.looks = True, 0
""",
}


# Cells a student adds above the setup cell run before any locked cell: the guard's record of a
# library (taken after the locked cell that binds it) took what such a cell had patched for the
# library's own, and put it back before each test.
ABOVE_THE_SETUP = {
    "patched_above_the_setup": "import numpy\n\nnumpy.allclose = lambda *args, **kwargs: True\n",
    # ... and what the setup cell then computed with the patched library: its `rng` drew zeros
    "generator_above_the_setup": """\
import numpy

real_default_rng = numpy.random.default_rng


def zeros_rng(seed=None):
    generator = real_default_rng(seed)
    generator.bit_generator.state = {
        "bit_generator": "PCG64", "state": {"state": 0, "inc": 0}, "has_uint32": 0, "uinteger": 0
    }
    return generator


numpy.random.default_rng = zeros_rng
""",
}


def frame_chapter() -> nbformat.NotebookNode:
    relu = "def relu(x):\n    # BEGIN SOLUTION\n    return np.maximum(x, 0)\n    # END SOLUTION"
    return python_notebook(
        [
            code("import numpy as np\n\nrng = np.random.default_rng(0)", "setup", "given"),
            code(relu, "relu"),
            code(RELU_TEST, "relu_test", "test", 2),
            code(RNG_TEST, "rng_test", "test", 1),
        ]
    )


def grade_relu_answers(tmp_path, attacks: dict, above_the_setup: dict) -> dict:
    """Grade the framed chapter's relu answered honestly, with zeros, by each of `attacks`
    and by zeros under each cell of `above_the_setup` (put before the setup cell): the rows by
    answer name, the honest one checked to earn full marks and zeros none."""
    solution = frame_chapter()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    exercise = release(solution, CHAPTER)
    answers = {"honest": "def relu(x):\n    return np.maximum(x, 0)\n", "zeros": ZEROS}
    answers.update(attacks)
    answers.update(dict.fromkeys(above_the_setup, ZEROS))
    for name, relu in answers.items():
        nb = nbformat.from_dict(exercise)
        next(
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu"
        ).source = relu
        if name in above_the_setup:
            nb.cells.insert(0, nbformat.v4.new_code_cell(above_the_setup[name], id="above"))
        save(nb, tmp_path / "submissions" / name)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=LIMITS)
    found = {r["student"]: r for r in grade(path, tmp_path / "submissions", options)}
    assert (found["honest"]["total"], found["honest"]["status"]) == (3, "ok"), found["honest"]
    assert found["zeros"]["total"] == 0, found["zeros"]
    return found


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    return grade_relu_answers(tmp_path_factory.mktemp("redteam11"), ATTACKS, ABOVE_THE_SETUP)


@pytest.mark.grading
@pytest.mark.parametrize("attack", sorted([*ATTACKS, *ABOVE_THE_SETUP]))
def test_attacks_on_the_guards_seams_earn_nothing_and_are_flagged(rows, attack):
    row = rows[attack]
    assert row["total"] == 0, (row["questions"], row["evidence"])
    assert "suspicious" in row["status"].split(";"), row

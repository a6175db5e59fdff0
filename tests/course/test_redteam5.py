"""Attacks on the grader found by a fifth look: frames reached by names built at run time, a
patch of the kernel's replies that puts itself back, a constant answer on a grader with a GPU,
answers that lie about what they are, and code hostile to the kernel around honest answers. Each
is graded end to end against a real chapter, beside an honest student who keeps every point.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from conftest import CHAPTER, code, solution_notebook
from students import answered, save
from test_grade import LIMITS, make_class
from test_redteam import grade_answers

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade
from minigrad_course.sandbox import kernel_env

# A constant softmax_loss (the loss and gradient of all-zero scores) that finds the test's own
# `scores` in its caller's frame and zeroes them in place: the reference, computed after the call
# from those scores, is then the constant. Each route below reaches the frame without a name the
# review scan knows (so the row said `ok`), and earned the question's 3 points.
_ZEROED_BY_FRAME = """\
def softmax_loss(scores, y):
    frame = _caller()
    while frame is not None and getattr(frame, "f_" + "locals").get("scores", scores) is scores:
        frame = getattr(frame, "f_" + "back")
    if frame is not None:
        getattr(frame, "f_" + "locals")["scores"][...] = 0.0
    n, c = scores.shape
    grad = np.full((n, c), 1.0 / c)
    grad[np.arange(n), y] -= 1.0
    return float(np.log(c)), grad / n
"""
FRAME_ROUTES = {
    # sys._getframe, its name built at run time
    "frame_by_getattr": """\
import sys


def _caller():
    return getattr(sys, "_get" + "frame")()
""",
    # the frame of a traceback the answer raised itself
    "frame_by_traceback": """\
def _caller():
    try:
        raise ValueError
    except ValueError as error:
        trace = getattr(error, "__trace" + "back__")
    return getattr(trace, "tb_" + "frame")
""",
    # a library function that hands back its caller's frame
    "frame_by_logging": """\
import logging


def _caller():
    return logging.currentframe()
""",
    # the frame of a generator the answer made (it leads back to the answer's own frame)
    "frame_by_generator": """\
def _caller():
    def running():
        yield getattr(getattr(generator, "gi_" + "frame"), "f_" + "back")

    generator = running()
    return getattr(next(generator), "f_" + "back")
""",
    # sys._getframe from code compiled under a library's file name, so that it passes for the
    # library's: refused where it is compiled
    "frame_by_library_code": """\
import logging
import sys


def _caller():
    namespace = {"sys": sys}
    source = "def caller():\\n    return sys._getframe()\\n"
    exec(compile(source, logging.__file__, "exec"), namespace)
    return namespace["caller"]()
""",
    # the same with a code object renamed after it was compiled
    "frame_by_renamed_code": """\
import logging
import sys
import types


def _here():
    return getattr(sys, "_get" + "frame")()


def _caller():
    code = getattr(_here, "__co" + "de__").replace(co_filename=logging.__file__)
    return types.FunctionType(code, globals())()
""",
    # the interpreter's own C function, through ctypes
    "frame_by_ctypes": """\
import ctypes


def _caller():
    get = getattr(ctypes.pythonapi, "PyEval_Get" + "Frame")
    get.restype = ctypes.py_object
    frame = get()
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(frame))  # a borrowed reference
    return frame
""",
    # the frame a timer's signal interrupted, handed to the handler
    "frame_by_signal": """\
_signals = __import__("sig" + "nal")


def _caller():
    got = []
    getattr(_signals, "sig" + "nal")(_signals.SIGALRM, lambda number, frame: got.append(frame))
    _signals.setitimer(_signals.ITIMER_REAL, 0.001)
    while not got:
        pass
    return got[0]
""",
}
FRAME_ATTACKS = {
    name: {"softmax_loss": f"{route}\n\n{_ZEROED_BY_FRAME}"} for name, route in FRAME_ROUTES.items()
}
# Objects of the whole heap: an honest answer otherwise, refused where it looks.
FRAME_ATTACKS["gc_search"] = {
    "softmax_loss": "import gc\n\n_all = getattr(gc, 'get_' + 'objects')\n\n\n"
    + _ZEROED_BY_FRAME.replace("frame = _caller()", "frame = None\n    _all()")
}


@pytest.fixture(scope="module")
def frame_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam5-frames"), "03_gradients_by_hand", FRAME_ATTACKS
    )


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "refused"),
    [
        ("frame_by_getattr", "sys._getframe"),
        ("frame_by_traceback", "tb_frame"),
        ("frame_by_logging", "sys._getframe"),
        ("frame_by_generator", "gi_frame"),
        ("gc_search", "gc.get_objects"),
        ("frame_by_library_code", "compile"),
        ("frame_by_renamed_code", "code.__new__"),
        ("frame_by_ctypes", "ctypes.dlsym"),
    ],
)
def test_frames_and_the_heap_are_out_of_an_answers_reach(frame_rows, student, refused):
    row = frame_rows[student]
    outcome = row["questions"]["softmax_loss_test"]
    assert outcome["points"] == 0, outcome
    assert "grading refuses" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row  # the other questions: honest
    assert "suspicious" in row["status"].split(";"), row
    assert any(refused in e and "(refused)" in e for e in row["evidence"]), row


@pytest.mark.grading
def test_a_signal_handler_of_the_notebooks_gets_no_frame(frame_rows):
    row = frame_rows["frame_by_signal"]
    outcome = row["questions"]["softmax_loss_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "softmax_loss: loss 1.098612, expected" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row


# A wrong slope_at that, while the test runs, patches the kernel's session (its send method, on
# the instance, reached by names built at run time) to drop the test's error from the iopub
# stream and to turn its error reply into "ok"; the patch removes itself once the reply went
# out. The guard before the next test saw nothing and the worker saw one reply, "ok", and no
# error: 3 points, status ok. A graded test now passes only when its last line ran, seen by the
# guard from that line's own frame.
SELF_RESTORING_SEND = """\
_patched = []


def slope_at(x0):
    if not _patched:
        _patched.append(True)
        shell = get_ipython()
        kernel = getattr(shell, "ker" + "nel")
        sessions = {id(s): s for s in (getattr(kernel, "sess" + "ion"),
                                       getattr(shell.displayhook, "sess" + "ion"))}
        for session in sessions.values():
            real = getattr(session, "se" + "nd")

            def send(stream, kind, content=None, *args, _real=real, _session=session, **kwargs):
                if kind == "error":
                    return None
                if kind == "execute_reply" and isinstance(content, dict):
                    if content.get("status") != "ok":
                        count = content.get("execution_count", 0)
                        content = {"status": "ok", "execution_count": count,
                                   "user_expressions": {}, "payload": []}
                    vars(_session).pop("se" + "nd", None)  # gone before anyone looks
                return _real(stream, kind, content, *args, **kwargs)

            setattr(session, "se" + "nd", send)
    return 0.0
"""

# Answers that lie about what they are: each earned nothing before, and must go on earning
# nothing (no method of theirs runs while the checks convert them, and the test's own
# `isinstance` is followed by an exact-type check).
_LIES = {
    # `isinstance(x, float)` believes __class__; plain_value does not
    "forged_class": """\
class _Liar:
    __class__ = float

    def __sub__(self, other):
        return 0.0

    __rsub__ = __add__ = __radd__ = __sub__

    def __abs__(self):
        return 0.0

    def __lt__(self, other):
        return True
""",
    # a virtual subclass of the numbers ABCs (isinstance(x, numbers.Real) says yes)
    "abc_registered": """\
import numbers


class _Liar:
    def __float__(self):
        return 10.0

    def __sub__(self, other):
        return 0.0

    __rsub__ = __add__ = __radd__ = __sub__


numbers.Real.register(_Liar)
""",
    # an object whose every attribute, comparison and conversion raises SystemExit
    "raises_base_exceptions": """\
class _Liar:
    def __getattribute__(self, name):
        raise SystemExit("no attributes")

    def __eq__(self, other):
        raise KeyboardInterrupt

    def __bool__(self):
        raise GeneratorExit

    __float__ = __bool__
""",
    # comparisons and conversions that never finish (the cell times out, nothing else)
    "never_finishes": """\
class _Liar(float):
    def __eq__(self, other):
        while True:
            pass

    def __sub__(self, other):
        while True:
            pass

    __float__ = __abs__ = __repr__ = __sub__
""",
    # a list of one number that says it is long and iterates forever
    "endless_list": """\
class _Liar(list):
    def __len__(self):
        return 1

    def __iter__(self):
        while True:
            yield 10.0
""",
    # a repr that recurses to the interpreter's limit
    "recursive_repr": """\
class _Liar:
    def __repr__(self):
        return repr(self)

    __str__ = __format__ = __repr__
""",
}
LIES = {
    name: {"slope_at": cls + "\n\ndef slope_at(x0):\n    return _Liar()\n"}
    for name, cls in _LIES.items()
}

# Honest answers beside code that is hostile to the kernel or the grader: each keeps every point.
_SLOPE = """

def slope_at(x0):
    x = minigrad.tensor(float(x0), dtype=minigrad.float64, requires_grad=True)
    (x**3 - 2 * x).backward()
    return x.grad.item()
"""
HOSTILE_NEIGHBOURS = {
    # an exit handler and a finalizer that never return (the kernel's shutdown)
    "endless_exit": "import atexit\n\n\ndef _forever():\n    while True:\n        pass\n\n\n"
    "atexit.register(_forever)\n\n\nclass _Stuck:\n    def __del__(self):\n        _forever()\n"
    "\n\n_kept = _Stuck()\n" + _SLOPE,
    # stdout and stderr pointed at /dev/null, below Python
    "fds_to_devnull": "import os\n\n_null = os.open(os.devnull, os.O_WRONLY)\n"
    "os.dup2(_null, 1)\nos.dup2(_null, 2)\n" + _SLOPE,
    # the working folder changed, and a numpy.py and minigrad.py left in the new one
    "moved_away": "import os\nimport tempfile\n\nos.chdir(tempfile.mkdtemp())\n"
    "for _name in ('numpy.py', 'minigrad.py'):\n"
    "    with open(_name, 'w') as _f:\n        _f.write('raise SystemExit(7)')\n" + _SLOPE,
}


def _class_of(**groups: dict) -> dict:
    out = {}
    for group in groups.values():
        out.update(group)
    return out


@pytest.fixture(scope="module")
def setup_rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam5-setup")
    students = _class_of(
        lies=LIES,
        neighbours={name: {"slope_at": source} for name, source in HOSTILE_NEIGHBOURS.items()},
        writer={"grade_book_writer": {"slope_at": _grade_book_writer(root)}},
        send={"self_restoring_send": {"slope_at": SELF_RESTORING_SEND}},
        reload={"reloaded_guard": {"make_tensor": RELOADED_GUARD}},
    )
    rows = grade_answers(root, "00_setup", students)
    rows["grades.csv"] = (root / "grades.csv").read_text()
    return rows


def _grade_book_writer(root: Path) -> str:
    """An honest answer whose cell tries to write a row of its own into the grades and a result
    of its own for the honest student (here the paths are known: a student can guess them)."""
    targets = [root / "grades.csv", root / "grades_work" / "results" / "honest.json"]
    return (
        f"""\
for _path in {[str(t) for t in targets]!r}:
    try:
        with open(_path, "a") as _file:
            _file.write("FORGED-ROW,7,7,7,7,ok\\n")
    except OSError:
        pass
"""
        + _SLOPE
    )


@pytest.mark.grading
def test_the_grade_book_is_out_of_the_notebooks_reach(setup_rows):
    assert "FORGED-ROW" not in setup_rows["grades.csv"]
    row = setup_rows["grade_book_writer"]
    assert (row["total"], row["status"]) == (row["max"], "ok"), row


@pytest.mark.grading
def test_a_reply_patched_by_the_answer_does_not_pass_the_test(setup_rows):
    row = setup_rows["self_restoring_send"]
    outcome = row["questions"]["slope_at_test"]
    assert outcome["points"] == 0, outcome
    assert "did not run to its end" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "suspicious" in row["status"].split(";"), row
    assert "cell 11 replied ok without running to its end" in row["evidence"], row


@pytest.mark.grading
@pytest.mark.parametrize("student", sorted(LIES))
def test_answers_that_lie_about_what_they_are_earn_nothing(setup_rows, student):
    row = setup_rows[student]
    outcome = row["questions"]["slope_at_test"]
    assert outcome["points"] == 0, outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert len(outcome["message"]) <= 1200, outcome


@pytest.mark.grading
@pytest.mark.parametrize("student", sorted(HOSTILE_NEIGHBOURS))
def test_code_hostile_to_the_kernel_costs_an_honest_answer_nothing(setup_rows, student):
    row = setup_rows[student]
    assert row["total"] == row["max"], row


# minigrad.testing's guard reloaded (its records start again from the notebook's state, patches
# included) and the check the test imports replaced: put back by the kernel-side guard.
RELOADED_GUARD = """\
import importlib

import minigrad.testing

_guard = importlib.import_module("minigrad.testing.gu" + "ard")
setattr(minigrad.testing, "assert_" + "close", lambda *args, **kwargs: None)
importlib.reload(_guard)


def make_tensor():
    return minigrad.zeros(2, 3)
"""


@pytest.mark.grading
def test_a_reloaded_guard_does_not_hide_a_replaced_check(setup_rows):
    row = setup_rows["reloaded_guard"]
    outcome = row["questions"]["make_tensor_test"]
    assert outcome["points"] == 0, outcome
    assert "suspicious" in row["status"].split(";"), row
    assert "minigrad.testing.assert_close was rebound" in row["evidence"], row


# A CuPy that sees one GPU, as on a grading machine with one, unless CUDA_VISIBLE_DEVICES is
# empty (as the real CUDA runtime does: cudaErrorNoDevice), on the kernel's PYTHONPATH.
FAKE_CUPY = """\
import os
import sys

from minigrad.testing.simulated_gpu import make

_fake, _ = make()
if os.environ.get("CUDA_VISIBLE_DEVICES") == "":
    def _no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    _fake.cuda.runtime.getDeviceCount = _no_device
sys.modules["cupy"] = _fake
"""

CONSTANT_CUDA = 'def pick_device():\n    return "cuda"\n'


@pytest.mark.grading
def test_a_constant_cuda_earns_nothing_on_a_grader_with_a_gpu(tmp_path, monkeypatch):
    """On a grading machine with a GPU, the visible test expected 'cuda' and the hidden one
    simulated a GPU: a pick_device that always says 'cuda' passed both. Grading hides the GPUs
    (it is CPU only): such an answer fails, an honest one passes."""
    folder = Path(tempfile.mkdtemp(prefix="redteam5-gpu-"))  # the sandbox uid must read it
    try:
        (folder / "cupy").mkdir()
        (folder / "cupy" / "__init__.py").write_text(FAKE_CUPY)
        for path in (folder, folder / "cupy"):
            path.chmod(0o755)
        (folder / "cupy" / "__init__.py").chmod(0o644)
        paths = [str(folder), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
        rows = grade_answers(tmp_path, "00_setup", {"constant": {"pick_device": CONSTANT_CUDA}})
    finally:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        folder.rmdir()
    row = rows["constant"]
    outcome = row["questions"]["pick_device_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "minigrad says 'cpu'" in outcome["message"], outcome
    others = {q: o for q, o in row["questions"].items() if q != "pick_device_test"}
    assert row["total"] == row["max"] - outcome["max"], others


def test_only_grading_kernels_are_kept_from_the_gpu(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert kernel_env(tmp_path, sandboxed=True)["CUDA_VISIBLE_DEVICES"] == ""
    assert "CUDA_VISIBLE_DEVICES" not in kernel_env(tmp_path, sandboxed=False)  # check, verify


# A notebook whose JSON nests 100,000 levels deep (in its metadata), and one with 20 MB of
# metadata on a cell and on the notebook: each is read as what it is, and the batch goes on.
@pytest.mark.grading
def test_notebooks_nested_too_deep_or_swollen_are_read_as_what_they_are(tmp_path):
    solution, submissions = make_class(tmp_path, [])
    exercise = release(solution_notebook(), CHAPTER)
    save(answered(exercise), submissions / "honest")
    (submissions / "deep").mkdir()
    deep = '{"cells": [], "metadata": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}, "
    (submissions / "deep" / f"{CHAPTER}.ipynb").write_text(
        deep + '"nbformat": 4, "nbformat_minor": 5}'
    )
    swollen = answered(exercise)
    swollen.metadata["x"] = "m" * 10_000_000
    swollen.cells[0].metadata["x"] = {"y": ["m" * 10_000_000]}
    save(swollen, submissions / "swollen")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=LIMITS)
    rows = {r["student"]: r for r in grade(solution, submissions, options)}
    assert (rows["deep"]["total"], rows["deep"]["status"]) == (0, "corrupt"), rows["deep"]
    assert (rows["swollen"]["total"], rows["swollen"]["status"]) == (6, "ok"), rows["swollen"]
    assert (rows["honest"]["total"], rows["honest"]["status"]) == (6, "ok"), rows["honest"]


def test_names_built_at_run_time_are_named_for_review():
    from minigrad_course.grade import reaching_cells

    nb = solution_notebook()
    nb.cells += [
        code('getattr(sys, "_get" + "frame")(1)'),
        code("setattr(shell, name, patched)"),
        code('exec("import s" + "ys")'),
        code('model.eval()\nvalue = getattr(module, "weight", None)'),
    ]
    n = len(nb.cells)
    assert reaching_cells(nb) == [
        f"cell {n - 3} names getattr",
        f"cell {n - 2} names setattr",
        f"cell {n - 1} names exec",
    ]


# A student's own functions and classes are theirs to rename, document and give new defaults
# (a decorator written by hand copies __name__ and __doc__); a library function's are not.
_OWN_CHANGES = """


def _timed(fn):
    def wrapper(*args):
        return fn(*args)

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__defaults__ = None
    return wrapper


class _Scale:
    pass


_Scale.__doc__ = "a class of the notebook's"
softmax_loss = _timed(softmax_loss)
"""
_LIBRARY_CHANGE = """

import numpy.testing

numpy.testing.assert_allclose.__defaults__ = (1e9, 1e9, True, "", True)
"""


@pytest.fixture(scope="module")
def own_code_rows(tmp_path_factory):
    from students import cell_of
    from test_hostile_answers import ROOT

    from minigrad_course import notebook as nbf

    chapter = "03_gradients_by_hand"
    solution = nbf.read_notebook(ROOT / "solutions" / f"{chapter}.ipynb")
    source = nbf.strip_marker_lines(
        cell_of(solution, "softmax_loss").source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION
    )
    students = {
        "own_changes": {"softmax_loss": source + _OWN_CHANGES},
        "library_change": {"softmax_loss": source + _LIBRARY_CHANGE},
    }
    return grade_answers(tmp_path_factory.mktemp("redteam5-own"), chapter, students)


@pytest.mark.grading
def test_the_notebooks_own_functions_may_change_a_librarys_may_not(own_code_rows):
    own = own_code_rows["own_changes"]
    assert (own["total"], own["status"]) == (own["max"], "ok"), own
    library = own_code_rows["library_change"]  # the patch is refused where the cell makes it
    assert "suspicious" in library["status"].split(";"), library
    assert any("__setattr__(__defaults__)" in e and "(refused)" in e for e in library["evidence"])

"""Hostile answers: objects and patches built to pass the checks without computing anything.

For every chapter in solutions/ (found on disk, so new chapters are covered as they land), each
attack below becomes one student: every answer cell's solution is replaced by code that returns
a lying object (or a value read from the test's own frames), and, for the patching attacks, a
cell of the student's own runs just before each test cell and replaces what the test relies on.
Each submission goes through the real grading path (`grade`, one kernel per student) and must
score 0 on every question.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from minigrad_course import notebook as nbf
from minigrad_course.assemble import questions
from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade
from minigrad_course.sandbox import Limits

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LIMITS = Limits(timeout=300, cell_timeout=60, memory_mb=4096, max_procs=64, output_kb=256)
BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)#+ *BEGIN SOLUTION.*?^[ \t]*#+ *END SOLUTION[^\n]*$", re.M | re.S
)

# Defined at the top of every hostile answer cell (running it twice is harmless).
PRELUDE = '''\
import builtins as _builtins
import math as _math
import sys as _sys

import numpy as _np

import minigrad as _mg


def _stolen():
    """What the test compares with, read from the frames of whoever called us (or None)."""
    frame = _sys._getframe(1)
    while frame is not None:
        if not frame.f_code.co_name.startswith("_"):
            for name in ("expected", "reference", "ref_loss", "ref", "e", "expected_g", "r"):
                if name in frame.f_locals:
                    return frame.f_locals[name]
        frame = frame.f_back
    return None


def _stolen_array(dtype=None):
    found = _stolen()
    found = getattr(found, "array", found)
    return _np.asarray(0.0 if found is None else found, dtype=dtype)


class _AlwaysEqual:
    """Equal to, smaller and greater than anything; truthy; an array of what the test expects."""

    __array_priority__ = 1e9

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __float__(self):
        return float(_stolen_array().sum())

    def __int__(self):
        return int(_stolen_array().sum())

    __index__ = __int__

    def __len__(self):
        return len(_stolen_array().reshape(-1)) or 3

    def __iter__(self):
        return iter([_AlwaysEqual() for _ in range(len(self))])

    def __getitem__(self, key):
        return _AlwaysEqual()

    def __contains__(self, key):
        return True

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _AlwaysEqual()

    def __call__(self, *args, **kwargs):
        return _AlwaysEqual()

    def __abs__(self):
        return _AlwaysEqual()

    __neg__ = __pos__ = __abs__

    def __sub__(self, other):
        return _AlwaysEqual()

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__
    __pow__ = __matmul__ = __rmatmul__ = __sub__

    def __array__(self, dtype=None, copy=None):
        return _stolen_array(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _np.True_

    def __array_function__(self, func, types, args, kwargs):
        return _np.True_


class _LyingFloat(float):
    """A float (isinstance says so) that is close to everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = float.__hash__

    def __sub__(self, other):
        return self

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__

    def __abs__(self):
        return _LyingFloat(0.0)

    __neg__ = __abs__

    def __array__(self, dtype=None, copy=None):
        return _stolen_array(dtype)

    def item(self):
        return self


class _EqualsAnyType(type):
    """A metaclass: its classes equal every type (and hash like float), so that
    `type(x) in {float, int, ...}` says yes."""

    def __eq__(cls, other):
        return True

    def __ne__(cls, other):
        return False

    def __hash__(cls):
        return hash(float)


class _MetaFloat(_LyingFloat, metaclass=_EqualsAnyType):
    """A lying float whose type claims to be float itself."""


class _LyingArray(_np.ndarray):
    """An ndarray whose comparisons and ufuncs all say yes."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _np.True_

    def __array_function__(self, func, types, args, kwargs):
        return _np.True_

    @property
    def shape(self):
        return _stolen_array().shape


class _LyingTensor(_mg.Tensor):
    """A minigrad tensor whose data is whatever the test expects, whenever it looks."""

    @property
    def array(self):
        return _stolen_array()

    @array.setter
    def array(self, value):
        _mg.Tensor.__dict__["array"].__set__(self, value)

    def numpy(self, *args, **kwargs):
        return _stolen_array()

    def item(self):
        return _LyingFloat(0.0)

    def tolist(self):
        return _stolen_array().tolist()

    def __eq__(self, other):
        return True

    __le__ = __ge__ = __lt__ = __gt__ = __eq__
    __hash__ = object.__hash__

    def __abs__(self):
        return _LyingFloat(0.0)

    def __sub__(self, other):
        return _LyingFloat(0.0)
'''

RETURNS = {
    "always_equal": "_AlwaysEqual()",
    "lying_float": "_LyingFloat(0.0)",
    "lying_array": "_np.zeros(3).view(_LyingArray)",
    "lying_tensor": "_LyingTensor(_np.zeros(3))",
    "frame_reader": "_stolen()",
    "metaclass_float": "_MetaFloat(0.0)",
    "patch_checks": "_AlwaysEqual()",
    "patch_references": "_AlwaysEqual()",
}

# Runs just before each test cell (a cell the student added after the answer).
PATCH_CHECKS = """\
import minigrad.testing as _testing
import numpy.testing as _npt

if "_real_isinstance" not in globals():
    _real_isinstance, _real_abs = _builtins.isinstance, _builtins.abs


def _yes(*args, **kwargs):
    return True


def _liar(x):
    return type(x).__name__ in ("_AlwaysEqual", "_LyingFloat", "_LyingTensor", "_LyingArray")


_np.allclose = _np.array_equal = _yes
_np.isclose = lambda *args, **kwargs: _np.True_
_npt.assert_allclose = _npt.assert_array_equal = _npt.assert_equal = _yes
_math.isclose = _yes
_testing.assert_close = _testing.gradcheck = _yes
_sys.modules["minigrad.testing.close"].assert_close = _yes
_sys.modules["minigrad.testing.gradcheck"].gradcheck = _yes
_builtins.isinstance = lambda obj, types: _liar(obj) or _real_isinstance(obj, types)
_builtins.abs = lambda x: 0.0 if _liar(x) else _real_abs(x)
_builtins.AssertionError = Warning
assert_close = gradcheck = _yes
"""

PATCH_REFERENCES = """\
import minigrad.autograd as _autograd
import minigrad.optim as _optim



def _agree(*args, **kwargs):
    return _AlwaysEqual()


_optim.SGD.step = lambda self, closure=None: None
_autograd.grad = lambda outputs, inputs, *args, **kwargs: [_AlwaysEqual() for _ in inputs]
for _name in ("sigmoid", "logsumexp", "tanh", "exp", "sum", "log_softmax"):
    setattr(_mg, _name, _agree)
_mg.Tensor.__eq__ = lambda self, other: True
"""


def hostile_answer(source: str, attack: str) -> str:
    """The answer cell with each solution block replaced by `return <a lying object>`."""

    def block(match: re.Match) -> str:
        indent = match["indent"]
        value = RETURNS[attack]
        return f"{indent}return {value}" if indent else f"_answer = {value}"

    return PRELUDE + "\n\n" + BLOCK.sub(block, source)


def helper_names(solution) -> list[str]:
    """Functions the chapter's locked (given) cells define: the tests' own references."""
    names = []
    for cell in solution.cells:
        if cell.cell_type == "code" and nbf.role(cell) == nbf.GIVEN:
            names += re.findall(r"^def (\w+)\(", cell.source, re.M)
    return names


def submission(solution, chapter: str, attack: str):
    """The released exercise answered with one attack throughout."""
    nb = copy.deepcopy(release(solution, chapter))
    answers = {nbf.grade_id(c): c for c in solution.cells if nbf.role(c) == nbf.ANSWER}
    cells = []
    for cell in nb.cells:
        gid = nbf.grade_id(cell)
        if gid in answers:
            cell.source = hostile_answer(answers[gid].source, attack)
        if nbf.role(cell) == nbf.TEST and attack.startswith("patch_"):
            patch = PATCH_CHECKS if attack == "patch_checks" else PATCH_REFERENCES
            if attack == "patch_references":
                patch += "".join(f"\n\n{n} = _agree" for n in helper_names(solution))
            cells.append(new_code_cell(patch))
        cells.append(cell)
    nb.cells = cells
    return nb


def honest(solution, chapter: str):
    """The released exercise answered with the solution itself."""
    nb = copy.deepcopy(release(solution, chapter))
    answers = {nbf.grade_id(c): c.source for c in solution.cells if nbf.role(c) == nbf.ANSWER}
    for cell in nb.cells:
        if nbf.grade_id(cell) in answers:
            source = answers[nbf.grade_id(cell)]
            cell.source = nbf.strip_marker_lines(source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION)
    return nb


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_hostile_answers_score_nothing(chapter, tmp_path):
    solution = nbf.read_notebook(ROOT / "solutions" / f"{chapter}.ipynb")
    graded = [q.grade_id for q in questions(solution)]
    assert graded, f"{chapter} has no graded question"
    submissions = tmp_path / "submissions"
    for attack in RETURNS:
        folder = submissions / attack
        folder.mkdir(parents=True)
        nbformat.write(submission(solution, chapter, attack), str(folder / f"{chapter}.ipynb"))
    # NOTE: and one honest student, who must get every point: as root, the grading runtime
    # keeps its packages outside the interpreter's prefix, where the guard of minigrad.testing
    # took every library function for one an answer had planted (0 points for everyone)
    (submissions / "honest").mkdir()
    nbformat.write(honest(solution, chapter), str(submissions / "honest" / f"{chapter}.ipynb"))
    private = tmp_path / "solutions"  # as an instructor keeps it: the sandbox uid cannot read it
    private.mkdir(mode=0o700)
    solution_path = private / f"{chapter}.ipynb"
    shutil.copyfile(ROOT / "solutions" / f"{chapter}.ipynb", solution_path)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=LIMITS)
    rows = grade(solution_path, submissions, options)
    assert sorted(r["student"] for r in rows) == sorted([*RETURNS, "honest"])
    [fair] = [r for r in rows if r["student"] == "honest"]
    assert (fair["total"], fair["status"]) == (fair["max"], "ok"), [
        (gid, o["message"]) for gid, o in fair["questions"].items() if o["status"] != "passed"
    ]
    rows = [r for r in rows if r is not fair]
    scored = [
        f"{row['student']} got {outcome['points']:g} on {gid}"
        for row in rows
        for gid, outcome in row["questions"].items()
        if outcome["points"] > 0
    ]
    assert not scored, f"{chapter}: hostile answers scored points: " + "; ".join(scored)
    for row in rows:  # every question was reached and judged, not skipped by a crash
        assert set(row["questions"]) == set(graded)
        assert all(o["status"] != "not run" for o in row["questions"].values()), (
            row["student"],
            row["status"],
            row["notes"],
        )

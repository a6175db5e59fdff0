"""Attacks on the grader found by an eighth look, at the guards' own seams: the original of a
refused trace setter kept in the refusing function's closure, a library function that calls a
callable it is handed (numpy.vectorize calling setattr, taken for the library's own write), and
a module swapped in sys.modules while a test runs, before the test imports it. Each is graded
end to end against chapter 00, beside an honest student who keeps every point. Every name the
review scan knows is spelled through operator.attrgetter, so no row is flagged `review`.
"""

from __future__ import annotations

import inspect

import pytest
from test_redteam import grade_answers

from minigrad.testing import close

# make_tensor returns zeros. The real sys.settrace, read from the closure of the function that
# grading put in its place, sets a trace function that moves assert_close's next line to its
# `return` (the line after `if close.all():`), then removes itself: 2 points, status ok. (IPython
# runs each top-level statement of a cell as code of its own: a jump is made inside a function.)
TRACED_THROUGH_CLOSURE = """\
import operator
import sys

_cells = operator.attrgetter("__clo" + "sure__")(operator.attrgetter("set" + "trace")(sys))
_set = next(
    value
    for value in (operator.attrgetter("cell_con" + "tents")(cell) for cell in _cells)
    if type(value) is type(len) and value.__name__ == "set" + "trace"
)
_code_of = operator.attrgetter("f_co" + "de")


def _local(frame, event, arg):
    if event == "line":
        operator.methodcaller("__setattr__", "f_line" + "no", {line})(frame)
        _set(None)
        return None
    return _local


def _global(frame, event, arg):
    return _local if _code_of(frame).co_name == "assert_close" else None


_armed = []


def make_tensor():
    if not _armed:  # (the hidden test calls it again, with no assert_close after it)
        _armed.append(True)
        _set(_global)
    return minigrad.zeros(2, 3)
"""


# make_tensor returns zeros. The comparison inside assert_close (close_mask) is replaced while the
# test runs, and puts itself back on its first use, through numpy.vectorize(setattr): the module's
# class let the write through as NumPy's own (the code that set it was NumPy's), and took it as
# the new baseline of the module's dict (2 points, status ok).
VECTORIZED_SETATTR = """\
import operator

_patched = []


def make_tensor():
    close = operator.attrgetter("testing.close")(minigrad)
    put = np.vectorize(setattr, otypes=[object])
    if not _patched:
        _patched.append(True)
        real = close.close_mask

        def once(actual, expected, *args, **kwargs):
            put(close, "close_mask", real)
            return np.ones(np.shape(expected), dtype=bool)

        put(close, "close_mask", once)
    return minigrad.zeros(2, 3)
"""

# pick_device always says "cpu" (which the hidden test's simulated GPU is there to catch). Its
# first call puts a module of its own in sys.modules under minigrad.testing.simulated_gpu, which
# the hidden test imports after the visible checks: the stand-in's simulated_gpu() puts the real
# module back at once and makes pick_device say "cuda" inside it (2 points, status ok).
SWAPPED_MODULE = """\
import contextlib
import operator
import sys
import types

_table = operator.attrgetter("mod" + "ules")(sys)
_name = "minigrad." + "testing.simulated_gpu"
_real = _table[_name]
_inside = []


@contextlib.contextmanager
def _pretend(*args, **kwargs):
    _table[_name] = _real
    _inside.append(True)
    try:
        yield None
    finally:
        _inside.clear()


_stand_in = types.ModuleType(_name)
_stand_in.simulated_gpu = _pretend


def pick_device():
    if not _inside:
        _table[_name] = _stand_in
    return "cuda" if _inside else "cpu"
"""


def returning_line() -> int:
    """The line of assert_close that returns when every value is close."""
    lines, first = inspect.getsourcelines(close.assert_close)
    return first + next(i for i, text in enumerate(lines) if "if close.all():" in text) + 1


ATTACKS = {
    "traced_through_closure": {"make_tensor": TRACED_THROUGH_CLOSURE.format(line=returning_line())},
    "vectorized_setattr": {"make_tensor": VECTORIZED_SETATTR},
    "swapped_module": {"pick_device": SWAPPED_MODULE},
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    return grade_answers(tmp_path_factory.mktemp("redteam8"), "00_setup", ATTACKS)


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "question", "message", "evidence"),
    [
        (
            "traced_through_closure",
            "make_tensor",
            "grading refuses sys.settrace",
            "sys.settrace was called (refused)",
        ),
        (
            "vectorized_setattr",
            "make_tensor",
            "grading refuses setting minigrad.testing.close.close_mask",
            "setting minigrad.testing.close.close_mask was called (refused)",
        ),
        (
            "swapped_module",
            "pick_device",
            "sys.modules['minigrad.testing.simulated_gpu'] was swapped",
            "sys.modules['minigrad.testing.simulated_gpu'] was swapped while a test ran",
        ),
    ],
)
def test_attacks_on_the_guards_seams_earn_nothing_and_are_flagged(
    rows, student, question, message, evidence
):
    row = rows[student]
    outcome = row["questions"][f"{question}_test"]
    assert (outcome["points"], outcome["status"]) == (0, "error"), (outcome, row["evidence"])
    assert message in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row  # the other questions: honest
    assert "suspicious" in row["status"].split(";"), row
    assert evidence in row["evidence"], row
    assert row["review"] == [], row

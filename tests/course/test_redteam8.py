"""Attacks on the grader found by an eighth look, at the guards' own seams: the original of a
refused trace setter kept in the refusing function's closure, a library function that calls a
callable it is handed (numpy.vectorize calling setattr, taken for the library's own write), a
module of the answer's own in sys.modules under a library module's name (swapped while a test
runs, before the test imports it, or planted before the test under a name the guard did not
watch), and the dict of builtins written while a test runs (an `abs` that says 0.0, or
`__import__` put back to Python's own to skip the check of sys.modules). Each is graded end to
end against a real chapter, beside an honest student who keeps every point. Every name the
review scan knows is spelled at run time, so no row is flagged `review`.
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


# slope_at returns 0.0, and its first call puts an `abs` that says 0.0 in the dict of builtins,
# where the test's abs(s - 10.0) < 1e-4 finds it; the fake puts the real one back on its last
# use (8 calls: code in the kernel can read the test's source), before the test's closing check
# (3 points, status ok). Written through the dict, the module's class never sees it.
ABS_PUT_BACK = """\
import operator

_space = operator.attrgetter("__di" + "ct__")(operator.attrgetter("__self__")(len))
_real_abs = _space["abs"]
_calls = []


def _zero(value):
    _calls.append(value)
    if len(_calls) == 8:
        _space["abs"] = _real_abs
    return 0.0


def slope_at(x0):
    import minigrad

    x = minigrad.tensor(float(x0), requires_grad=True)
    (x * x).backward()  # past the sheet's check that backward() ran
    if not _calls:
        _space["abs"] = _zero
    return 0.0
"""

# The stand-in simulated_gpu of SWAPPED_MODULE, with builtins.__import__ put back to Python's own
# (importlib's) in the dict of builtins for the test's import, and back again in the stand-in:
# the check of sys.modules at each import is skipped (2 points, status ok, before the dict of
# builtins was watched while a test runs).
IMPORT_PUT_BACK = (
    SWAPPED_MODULE.replace(
        "_inside = []\n",
        "_inside = []\n"
        '_space = operator.attrgetter("__di" + "ct__")(operator.attrgetter("__self__")(len))\n'
        '_importing = "__imp" + "ort__"\n'
        "_guarded = _space[_importing]\n"
        "_pythons = operator.attrgetter(_importing)(_table['_frozen_importlib'])\n",
    )
    .replace(
        "    _table[_name] = _real\n",
        "    _table[_name] = _real\n    _space[_importing] = _guarded\n",
    )
    .replace(
        "        _table[_name] = _stand_in\n",
        "        _table[_name] = _stand_in\n        _space[_importing] = _pythons\n",
    )
)


# An honest make_tensor that does, while its test runs, what the guards above now look at: it
# imports modules (a library's own relative imports run too), has minigrad write its own class
# attribute (RemovableHandle._next_id, through a handle it registers), and has NumPy call a
# function it was handed. It keeps its points, unflagged.
HONEST_EXTRAS = """\
def make_tensor():
    import numpy.linalg  # noqa: F401
    from minigrad import nn

    layer = nn.Linear(2, 2)
    layer.register_forward_hook(lambda *args: None).remove()
    np.vectorize(abs)(np.arange(-2, 3))
    return minigrad.arange(6, dtype=minigrad.float32).reshape(2, 3)
"""

ATTACKS = {
    "honest_extras": {"make_tensor": HONEST_EXTRAS},
    "traced_through_closure": {"make_tensor": TRACED_THROUGH_CLOSURE.format(line=returning_line())},
    "vectorized_setattr": {"make_tensor": VECTORIZED_SETATTR},
    "swapped_module": {"pick_device": SWAPPED_MODULE},
    "abs_put_back": {"slope_at": ABS_PUT_BACK},
    "import_put_back": {"pick_device": IMPORT_PUT_BACK},
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
        (
            "abs_put_back",
            "slope_at",
            "the library changed while the test ran (builtins was changed through its __dict__)",
            "builtins was changed through its __dict__",
        ),
        (
            "import_put_back",
            "pick_device",
            "the library changed while the test ran (builtins was changed through its __dict__)",
            "builtins was changed through its __dict__",
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


# best_of returns how long the first call took, not the fastest: the hidden test picks sleeps of
# its own with `import random`, the fastest neither first nor last. A stand-in for the module
# random, put in sys.modules by the answer cell (before any test: nothing the guard put back, as
# it is not a module of a name the locked cells bind), hands the test a generator whose uniform()
# says 0: every sleep is 0 s, and the first call is as fast as any (3 points, status ok).
PLANTED_RANDOM = """\
import operator
import random
import sys
import types

_table = operator.attrgetter("mod" + "ules")(sys)


class _Still(random.Random):
    def uniform(self, a, b):
        return 0.0


class _StandIn(types.ModuleType):
    def __getattr__(self, name):
        return operator.attrgetter(name)(random)


_stand_in = _StandIn("random")
_stand_in.Random = _Still
_table["random"] = _stand_in


def best_of(fn, repeat=3):
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    for _ in range(repeat - 1):
        fn()
    return first
"""
# - the same stand-in put there by the answer while the visible test runs (its first call);
#   this best_of returns the fastest call, so the visible test passes however busy the machine
#   (returning the first call failed it when that call took 21 ms against 10) and the hidden
#   test's `import random` meets the stand-in
RANDOM_SWAPPED_IN_TEST = (
    PLANTED_RANDOM.replace('_table["random"] = _stand_in\n', "")
    .replace(
        "def best_of(fn, repeat=3):\n",
        'def best_of(fn, repeat=3):\n    _table["random"] = _stand_in\n',
    )
    .replace(
        """    first = time.perf_counter() - start
    for _ in range(repeat - 1):
        fn()
    return first
""",
        """    times = [time.perf_counter() - start]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
""",
    )
)
assert "return min(times)" in RANDOM_SWAPPED_IN_TEST

RANDOM_ATTACKS = {
    "planted_random": {"best_of": PLANTED_RANDOM},
    "random_swapped_in_test": {"best_of": RANDOM_SWAPPED_IN_TEST},
}


@pytest.fixture(scope="module")
def random_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam8-random"), "01_cpu_vs_gpu", RANDOM_ATTACKS
    )


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "status", "evidence"),
    [
        # put back before the test: the test runs with the real module, and fails the answer
        ("planted_random", "failed", "sys.modules['random'] was replaced"),
        # swapped while the test runs: the test's import refuses it
        ("random_swapped_in_test", "error", "sys.modules['random'] was swapped while a test ran"),
    ],
)
def test_a_module_of_the_answers_own_under_a_loaded_modules_name_is_not_imported(
    random_rows, student, status, evidence
):
    row = random_rows[student]
    outcome = row["questions"]["best_of_test"]
    assert (outcome["points"], outcome["status"]) == (0, status), (outcome, row["evidence"])
    assert row["total"] == row["max"] - outcome["max"], row
    assert "suspicious" in row["status"].split(";"), row
    assert evidence in row["evidence"], row
    assert row["review"] == [], row


@pytest.mark.grading
def test_imports_and_the_librarys_own_writes_in_a_test_cost_an_honest_answer_nothing(rows):
    row = rows["honest_extras"]
    assert (row["total"], row["status"], row["evidence"]) == (row["max"], "ok", []), row

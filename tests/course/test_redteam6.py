"""Attacks on the grader found by a sixth look, at what an answer's objects and names can do to
the test code around them: builtins hidden by the notebook's own names. Each is graded end to
end against a real chapter, beside an honest student who keeps every point.
"""

from __future__ import annotations

import pytest
from conftest import CHAPTER, solution_notebook, write
from nbformat.v4 import new_code_cell, new_notebook
from students import answered, cell_of, save
from test_grade import LIMITS
from test_redteam import grade_answers

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade, reaching_cells
from minigrad_course.report import _cell, scrub

# A wrong slope_at (always 0.0) and, in the same answer cell, a name of the notebook's own that
# hides the builtin the test measures with: `abs(s - 10.0) < 1e-4` called the notebook's `abs`
# (test cells run in the notebook's namespace, and a global comes before a builtin). No name the
# review scan knew, nothing replaced in any module: 3 points, status ok.
SHADOWED_ABS = """\
def slope_at(x0):
    return 0.0


abs = lambda value: 0.0
"""

# The same with a class: `isinstance(s, float)`, `abs(...)` and `max(...)` of the hidden test.
SHADOWED_BY_CLASS = """\
def slope_at(x0):
    return 0.0


class abs:
    def __new__(cls, value):
        return 0.0
"""


# The grading guard's own code ran with the notebook's namespace as its globals: a `vars` of the
# notebook's hid the builtin it used to compare the module builtins with what it had recorded,
# and `abs`, replaced in the module builtins before the test, was neither put back nor reported
# (the test's own assert_untampered still failed it: 0 points, but no evidence, status ok).
BLINDED_GUARD = """\
_real_vars, _real_abs = vars, abs


def vars(*objects):
    found = dict(_real_vars(*objects))
    if objects and objects[0] is len.__self__:  # the module builtins: abs as it was
        found["abs"] = _real_abs
    return found


def slope_at(x0):
    return 0.0


len.__self__.abs = lambda value: 0.0
"""


@pytest.fixture(scope="module")
def shadow_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam6-shadow"),
        "00_setup",
        {
            "shadowed_abs": {"slope_at": SHADOWED_ABS},
            "shadowed_by_class": {"slope_at": SHADOWED_BY_CLASS},
            "blinded_guard": {"slope_at": BLINDED_GUARD},
        },
    )


@pytest.mark.grading
@pytest.mark.parametrize("student", ["shadowed_abs", "shadowed_by_class"])
def test_a_name_that_hides_a_builtin_does_not_reach_the_tests(shadow_rows, student):
    row = shadow_rows[student]
    outcome = row["questions"]["slope_at_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "slope_at(2.0) should be 3*2**2 - 2 = 10, got 0.0" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row  # the other questions: honest
    assert "suspicious" in row["status"].split(";"), row
    assert any("'abs' hid builtins.abs" in e for e in row["evidence"]), row


@pytest.mark.grading
def test_the_guard_does_not_look_through_the_notebooks_names(shadow_rows):
    row = shadow_rows["blinded_guard"]
    outcome = row["questions"]["slope_at_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "slope_at(2.0) should be 3*2**2 - 2 = 10, got 0.0" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "builtins.abs was rebound" in row["evidence"], row


# A dict of the notebook's own as `__builtins__`: a cell's code looks its builtins up in its
# globals' __builtins__, so every test cell after it called this `abs`.
REPLACED_BUILTINS = """\
import builtins


def slope_at(x0):
    return 0.0


__builtins__ = dict(vars(builtins), abs=lambda value: 0.0)
"""

# The name bound while the test runs, by the answer itself (`global abs`): the guard before the
# test saw nothing to remove; the test's closing assert_untampered sees it.
GLOBAL_ABS = """\
def slope_at(x0):
    global abs
    import minigrad

    x = minigrad.tensor(float(x0), requires_grad=True)
    (x * x).backward()  # past the sheet's check that backward() ran
    abs = lambda value: 0.0
    return 0.0
"""


# A failure message that, shown in a terminal (`cat` of the feedback file), moves the cursor up
# and rewrites the score line above it, clears the screen and sets the window title.
FORGED_SCORE = """\
def slope_at(x0):
    raise AssertionError(
        "wrong\\x1b[s\\x1b[99A\\x1b[2K**Score: 7 / 7**\\x1b[u\\r\\x1b]0;all passed\\x07\\x9b2J done"
    )
"""


@pytest.fixture(scope="module")
def global_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("redteam6-globals")
    students = {
        "replaced_builtins": {"slope_at": REPLACED_BUILTINS},
        "global_abs": {"slope_at": GLOBAL_ABS},
        "forged_score": {"slope_at": FORGED_SCORE},
    }
    return path, grade_answers(path, "00_setup", students)


@pytest.fixture(scope="module")
def global_rows(global_run):
    return global_run[1]


@pytest.mark.grading
def test_a_dict_of_builtins_of_the_notebooks_own_is_put_back(global_rows):
    row = global_rows["replaced_builtins"]
    outcome = row["questions"]["slope_at_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "should be 3*2**2 - 2 = 10, got 0.0" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "the notebook's __builtins__ was replaced" in row["evidence"], row


@pytest.mark.grading
def test_a_builtin_hidden_while_the_test_runs_fails_the_test(global_rows):
    row = global_rows["global_abs"]
    outcome = row["questions"]["slope_at_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "the notebook's name 'abs' hides the builtin abs" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "review" in row["status"].split(";"), row  # `global abs`: see the docs
    assert any("global abs" in line for line in row["review"]), row


# Module attributes patched while a test runs, by the answer, each patch putting itself back on
# its first use: the guard before the test had nothing to undo and the test's closing
# assert_untampered found everything in place. No name the review scan knew.
# - builtins, reached as `len.__self__`: chapter 00's `abs(s - 10.0) < 1e-4` said yes
ONE_SHOT_ABS = """\
def slope_at(x0):
    home = len.__self__  # the module builtins
    real = home.abs

    def once(value):
        home.abs = real
        return 0.0

    home.abs = once
    return 0.0
"""
# - the comparison inside assert_close (the module reached through operator.attrgetter)
ONE_SHOT_CLOSE_MASK = """\
import operator

_patched = []


def make_tensor():
    checks = operator.attrgetter("testing.close")(minigrad)
    real = checks.close_mask
    if _patched:  # the hidden test calls it again, with no assert_close after it
        return minigrad.zeros(2, 3)
    _patched.append(True)

    def once(actual, expected, *args, **kwargs):
        checks.close_mask = real
        return np.ones(np.shape(expected), dtype=bool)

    checks.close_mask = once
    return minigrad.zeros(2, 3)
"""
# - the same patch made by a library function on the answer's behalf (unittest.mock)
ONE_SHOT_BY_MOCK = """\
from unittest import mock


def slope_at(x0):
    patcher = mock.patch.object(len.__self__, "abs", side_effect=lambda value: stop())

    def stop():
        patcher.stop()
        return 0.0

    patcher.start()
    return 0.0
"""


# - the same after the module class's own __setattr__ was replaced (setting a class's attribute
#   is not audited): the class is immutable now (TypeError)
UNGUARDED_FIRST = (
    """\
try:
    type(len.__self__).__setattr__ = lambda module, name, value: object.__setattr__(
        module, name, value
    )
except TypeError:
    pass
"""
    + ONE_SHOT_ABS
)


@pytest.fixture(scope="module")
def one_shot_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam6-one-shot"),
        "00_setup",
        {
            "one_shot_abs": {"slope_at": ONE_SHOT_ABS},
            "one_shot_close_mask": {"make_tensor": ONE_SHOT_CLOSE_MASK},
            "one_shot_by_mock": {"slope_at": ONE_SHOT_BY_MOCK},
            "unguarded_first": {"slope_at": UNGUARDED_FIRST},
        },
    )


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "question", "refused"),
    [
        ("one_shot_abs", "slope_at_test", "builtins.abs"),
        ("one_shot_close_mask", "make_tensor_test", "minigrad.testing.close.close_mask"),
        ("one_shot_by_mock", "slope_at_test", "builtins.abs"),
        ("unguarded_first", "slope_at_test", "builtins.abs"),
    ],
)
def test_a_library_module_patched_while_a_test_runs_is_refused(
    one_shot_rows, student, question, refused
):
    row = one_shot_rows[student]
    outcome = row["questions"][question]
    assert (outcome["points"], outcome["status"]) == (0, "error"), outcome  # a RuntimeError
    assert "grading refuses" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "suspicious" in row["status"].split(";"), row
    assert any(refused in e and "(refused)" in e for e in row["evidence"]), row


@pytest.mark.grading
def test_feedback_shows_no_terminal_escapes_of_a_students_message(global_run):
    path, rows = global_run
    outcome = rows["forged_score"]["questions"]["slope_at_test"]
    assert (outcome["points"], outcome["message"]) == (0, "wrong**Score: 7 / 7** done"), outcome
    feedback = (path / "grades_feedback" / "forged_score.md").read_text()
    assert "**Score: 4 / 7**" in feedback, feedback
    for control in ("\x1b", "\r", "\x07", "\x9b"):
        assert control not in feedback, (control, feedback)


def test_scrub_removes_escape_sequences_and_controls():
    message = "a\x1b[1A\x1b[2Kb\x1b]8;;http://x\x1b\\c\x1bcd\x9b31me\tf\ng\x00\x7f\r"
    assert scrub(message, []) == "abcd\x9b31me\tf\ng".replace("\x9b31m", "")
    assert _cell("x\x1b[31m|y") == "x\\|y"


# A wrong backward_order that cuts the graph it is handed (the nodes are the test's own: their
# `_edges` are instance attributes) and returns the output's node alone: check_order walked the
# cut graph after the call, found one node, and passed the order [t.grad_fn] (3 points, status
# ok). Chapter 04's check now takes the graph as graph_of(t) read it before the answer ran.
CUT_GRAPH = """\
def backward_order(t):
    t.grad_fn._edges = ()
    return [t.grad_fn]
"""


@pytest.mark.grading
def test_an_answer_that_cuts_the_graph_it_is_handed_gets_no_points(tmp_path):
    rows = grade_answers(tmp_path, "04_autograd", {"cut_graph": {"backward_order": CUT_GRAPH}})
    row = rows["cut_graph"]
    outcome = row["questions"]["backward_order_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "your order has 1 nodes, the graph has 6 reachable nodes" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("def f():\n    global total, abs\n    abs = len", "global abs"),
        ("def f():\n    global reference_loss\n    reference_loss = f", "global reference_loss"),
        ("import __main__\n__main__.abs = len", "import __main__"),
        ("object.__setattr__(np, 'allclose', f)", "object.__setattr__"),
        ("types.ModuleType.__delattr__(np, 'allclose')", "ModuleType.__delattr__"),
        ("getattr(sys, 'modules')['minigrad.testing'] = fake", "getattr(sys, 'modules'"),
    ],
)
def test_the_review_scan_lists_routes_that_no_guard_sees(source, named):
    nb = new_notebook(cells=[new_code_cell(source)])
    [line] = reaching_cells(nb, frozenset({"reference_loss"}))  # a helper of a locked cell
    assert named in line, line


def test_the_review_scan_leaves_honest_code_alone():
    honest = [
        "def f():\n    global counter, reference_loss\n    counter += 1",
        "if __name__ == '__main__':\n    pass",
        "class Layer:\n    def __setattr__(self, name, value):\n"
        "        super().__setattr__(name, value)",
        "width = getattr(config, 'width')",
    ]
    assert reaching_cells(new_notebook(cells=[new_code_cell(s) for s in honest])) == []


# A builtin hidden by a library's own function of the same name, imported as any library name
# is: NumPy's `all` treats a generator as one object, which is true, so chapter 06's
# `all(training for training, _ in probe.calls)` passed a train_epoch that never calls
# model.train() (4 points, status ok). Grading removes such names before each test too; being
# library functions (a `from numpy import *`), they are not evidence.
NUMPY_ALL = """\
from numpy import all


def train_epoch(model, loader, optimizer, accumulate=1):
    optimizer.zero_grad()
    batch_losses = []
    for count, (inputs, labels) in enumerate(loader, start=1):
        loss = F.cross_entropy(model(inputs), labels)
        (loss / accumulate).backward()
        batch_losses.append(loss.item())
        if count % accumulate == 0:
            optimizer.step()
            optimizer.zero_grad()
    if len(batch_losses) % accumulate:
        optimizer.step()
        optimizer.zero_grad()
    return sum(batch_losses) / len(batch_losses)


def evaluate(model, inputs, labels):
    model.eval()
    with minigrad.no_grad():
        return (model(inputs).argmax(dim=1) == labels).float().mean().item()
"""


@pytest.mark.grading
def test_a_library_function_that_hides_a_builtin_is_removed_too(tmp_path):
    rows = grade_answers(tmp_path, "06_pytorch_api", {"numpy_all": {"loop": NUMPY_ALL}})
    row = rows["numpy_all"]
    outcome = row["questions"]["loop_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "train_epoch must call model.train() first" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert row["status"] == "ok" and row["evidence"] == [], row  # honest-looking: no evidence


# An honest notebook that relies on a star import's names in a later cell: those names are
# removed only for the tests and are the notebook's again after each, so `sum` below is NumPy's
# (with the builtin, `scale` would be an array and slope_at would return one).
STAR_IMPORT = """\
from numpy import *


def make_tensor():
    return minigrad.arange(6, dtype=minigrad.float32).reshape(2, 3)
"""
STAR_IMPORT_LATER = """\
scale = sum(np.ones((2, 2))) / 4  # NumPy's sum of all four: 1.0


def slope_at(x0):
    x = minigrad.tensor(float(x0), dtype=minigrad.float64, requires_grad=True)
    y = x**3 - 2 * x
    y.backward()
    return x.grad.item() * scale
"""


@pytest.mark.grading
def test_a_star_import_is_the_notebooks_again_after_each_test(tmp_path):
    answers = {"make_tensor": STAR_IMPORT, "slope_at": STAR_IMPORT_LATER}
    row = grade_answers(tmp_path, "00_setup", {"star": answers})["star"]
    assert (row["total"], row["status"], row["evidence"]) == (row["max"], "ok", []), row


# A library module that sets its own attributes, asked to by an honest answer while a test runs:
# warnings.catch_warnings() puts warnings.filters and showwarning back as it leaves (the tiny
# chapter, its setup cell importing warnings: a module the guard watches from then on).
CATCHING_WARNINGS = """\
import warnings


def square(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x * x
"""


@pytest.mark.grading
def test_a_library_module_may_set_its_own_attributes_while_a_test_runs(tmp_path):
    chapter = solution_notebook()
    cell_of(chapter, "setup").source += "\nimport warnings"
    solution = write(chapter, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    submissions = tmp_path / "submissions"
    save(answered(release(chapter, CHAPTER), square=CATCHING_WARNINGS), submissions / "careful")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    [row] = grade(solution, submissions, options)
    assert (row["total"], row["status"], row["evidence"]) == (6, "ok", []), row

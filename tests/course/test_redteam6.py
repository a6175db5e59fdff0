"""Attacks on the grader found by a sixth look, at what an answer's objects and names can do to
the test code around them: builtins hidden by the notebook's own names. Each is graded end to
end against a real chapter, beside an honest student who keeps every point.
"""

from __future__ import annotations

import pytest
from test_redteam import grade_answers

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


@pytest.fixture(scope="module")
def shadow_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam6-shadow"),
        "00_setup",
        {
            "shadowed_abs": {"slope_at": SHADOWED_ABS},
            "shadowed_by_class": {"slope_at": SHADOWED_BY_CLASS},
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
    abs = lambda value: 0.0
    return 0.0
"""


@pytest.fixture(scope="module")
def global_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam6-globals"),
        "00_setup",
        {
            "replaced_builtins": {"slope_at": REPLACED_BUILTINS},
            "global_abs": {"slope_at": GLOBAL_ABS},
        },
    )


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

"""Attacks on the grader found by a tenth look.

- Data a locked cell bound, changed in place by an answer cell rather than rebound (only the
  binding was put back before each test): a generator's state set to one that draws only
  zeros, an array zeroed, a table's entry replaced, a list of cases emptied, a tensor's array
  zeroed or replaced; and what a given cell computed from such data after the answer ran.
- A student folder swapped for a link between the search for its notebook and the read.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import CHAPTER, code, python_notebook, write
from students import save
from test_grade import LIMITS

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, find_submission, grade

SETUP = """\
import numpy as np

rng = np.random.default_rng(0)
legacy = np.random.RandomState(0)
X = np.array([-1.0, 0.0, 2.0])
REFERENCE = {"relu": lambda x: np.maximum(x, 0)}
CASES = [np.array([-3.0, 4.0])]
NESTED = ([np.array([-5.0, 6.0])],)

import minigrad

T = minigrad.tensor([-7.0, 8.0])
U = minigrad.tensor([-9.0, 1.0])"""

# One test per kind of data, each worth a point: a relu that returns zeros fails them all
# unless the data it reads was changed.
DATA_TESTS = {
    "rng_test": "x = rng.standard_normal(5)\nassert np.allclose(relu(x), np.maximum(x, 0))",
    "legacy_rng_test": "x = legacy.random_sample(5) - 0.5\n"
    "assert np.allclose(relu(x), np.maximum(x, 0))",
    "array_test": "assert np.allclose(relu(X), np.maximum(X, 0)), relu(X)",
    "table_test": 'x = np.array([-1.0, 3.0])\nassert np.allclose(relu(x), REFERENCE["relu"](x))',
    "cases_test": "for case in CASES:\n    assert np.allclose(relu(case), np.maximum(case, 0))",
    "nested_test": "for case in NESTED[0]:\n"
    "    assert np.allclose(relu(case), np.maximum(case, 0))",
    "tensor_test": "assert np.allclose(relu(T.numpy()), np.maximum(T.numpy(), 0))",
    "tensor_field_test": "assert np.allclose(relu(U.numpy()), np.maximum(U.numpy(), 0))",
    # (DERIVED: a given cell's, made from X after the answer cell ran)
    "derived_test": "assert np.allclose(relu(DERIVED), np.maximum(DERIVED, 0))",
}

ZEROS = "def relu(x):\n    return np.zeros_like(x)\n"

# Every test passed (9 points, status ok): the tests read what the answer cell left.
IN_PLACE = (
    ZEROS
    + """
rng.bit_generator.state = {
    "bit_generator": "PCG64", "state": {"state": 0, "inc": 0}, "has_uint32": 0, "uinteger": 0
}
legacy.set_state(("MT19937", np.zeros(624, np.uint32), 624))
X[:] = 0
REFERENCE["relu"] = np.zeros_like
CASES.clear()
NESTED[0][0][:] = 0
T.array[:] = 0
U.array = np.zeros(2)
"""
)

# An array that cannot be written back in place: the tests do not run.
READ_ONLY = ZEROS + "X[:] = 0\nX.flags.writeable = False\n"


def data_chapter() -> nbformat.NotebookNode:
    relu = "def relu(x):\n    # BEGIN SOLUTION\n    return np.maximum(x, 0)\n    # END SOLUTION"
    return python_notebook(
        [
            code(SETUP, "setup", "given"),
            code(relu, "relu"),
            code("DERIVED = X * 2", "derived", "given"),
            *(code(source, gid, "test", 1) for gid, source in DATA_TESTS.items()),
        ]
    )


@pytest.fixture(scope="module")
def data_rows(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("redteam10-data")
    solution = data_chapter()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    exercise = release(solution, CHAPTER)
    answers = {"honest": "def relu(x):\n    return np.maximum(x, 0)\n", "in_place": IN_PLACE}
    for name, relu in {**answers, "read_only": READ_ONLY}.items():
        nb = nbformat.from_dict(exercise)
        next(
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu"
        ).source = relu
        save(nb, tmp_path / "submissions" / name)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=LIMITS)
    rows = {r["student"]: r for r in grade(path, tmp_path / "submissions", options)}
    assert (rows["honest"]["total"], rows["honest"]["status"]) == (9, "ok"), rows["honest"]
    return rows


@pytest.mark.grading
@pytest.mark.parametrize("question", sorted(DATA_TESTS))
def test_data_a_locked_cell_bound_changed_in_place_is_put_back(data_rows, question):
    row = data_rows["in_place"]
    outcome = row["questions"][question]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), (outcome, row["evidence"])


@pytest.mark.grading
def test_data_that_cannot_be_put_back_in_place_refuses_the_tests(data_rows):
    row = data_rows["read_only"]
    assert row["total"] == 0, row
    assert "suspicious" in row["status"].split(";"), row
    assert any("'X' a locked cell bound was changed in place" in e for e in row["evidence"]), row


# A student folder swapped for a link between the search and the read (by whoever else can
# write the submissions folder): O_NOFOLLOW looks at the notebook's own name only, so the link to
# a folder of the grader's was followed and its notebook graded as this student's.
def test_a_folder_swapped_for_a_link_after_the_search_is_not_followed(tmp_path):
    submissions, private = tmp_path / "submissions", tmp_path / "private"
    (private / "sub").mkdir(parents=True)
    (private / f"{CHAPTER}.ipynb").write_bytes(b"the grader's own")
    (private / "sub" / "x.ipynb").write_bytes(b"the grader's own")
    (submissions / "alice").mkdir(parents=True)
    (submissions / "alice" / f"{CHAPTER}.ipynb").write_bytes(b'{"cells": []}')
    (submissions / "bob" / "sub").mkdir(parents=True)
    (submissions / "bob" / "sub" / "x.ipynb").write_bytes(b'{"cells": []}')
    found = [find_submission(submissions / name, f"{CHAPTER}.ipynb") for name in ("alice", "bob")]
    assert [sub.path.name for sub in found] == [f"{CHAPTER}.ipynb", "x.ipynb"], found
    (submissions / "alice").rename(tmp_path / "alice")
    (submissions / "alice").symlink_to(private)
    (submissions / "bob" / "sub").rename(tmp_path / "sub")
    (submissions / "bob" / "sub").symlink_to(private / "sub")
    for sub in found:
        sub.snapshot()
        assert (sub.raw, sub.path, sub.flags[-1:]) == (None, None, ["invalid"]), sub
    (submissions / "bob" / "sub").unlink()
    (tmp_path / "sub").rename(submissions / "bob" / "sub")
    honest = find_submission(submissions / "bob", f"{CHAPTER}.ipynb").snapshot()
    assert (honest.raw, honest.flags) == (b'{"cells": []}', ["renamed"]), honest

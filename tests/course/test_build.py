"""minigrad-course build: stubs, hidden tests, metadata, determinism, refusal of bad sources."""

from __future__ import annotations

import copy

import nbformat
import pytest
from conftest import CHAPTER, code, solution_notebook, write

from minigrad_course import notebook as nbf
from minigrad_course.build import FORMAT_VERSION, build, release, validate
from minigrad_course.chapters import ChapterError, resolve_chapter
from minigrad_course.cli import main
from minigrad_course.notebook import NotebookError


def built(course) -> nbformat.NotebookNode:
    report = build([course["solutions"] / f"{CHAPTER}.ipynb"], course["exercises"])
    assert report.ok, report
    return nbformat.read(str(course["exercises"] / f"{CHAPTER}.ipynb"), as_version=4)


def by_id(nb, grade_id):
    return next(c for c in nb.cells if nbf.grade_id(c) == grade_id)


def test_answers_become_stubs_and_hidden_tests_vanish(course):
    nb = built(course)
    relu = by_id(nb, "relu").source
    assert "np.maximum" not in relu and "BEGIN SOLUTION" not in relu
    assert relu.endswith(
        '    """max(x, 0), elementwise."""\n    # YOUR CODE HERE\n    raise NotImplementedError()'
    )
    assert by_id(nb, "mean").source == (
        "data = np.arange(10.0)\n# YOUR CODE HERE\nraise NotImplementedError()"
    )
    assert by_id(nb, "explain").source == "Relu keeps positives.\nYOUR ANSWER HERE"
    text = nbf.dumps_notebook(nb)
    for hidden in ("hidden: relu(-5)", "hidden: square(-2)", "HIDDEN TESTS"):
        assert hidden not in text
    assert "square(3) == 9" in by_id(nb, "square_test").source  # visible tests stay


def test_metadata_is_nbgrader_schema_3_plus_minigrad(course):
    nb = built(course)
    allowed = {"grade", "grade_id", "locked", "schema_version", "solution", "points"}
    for cell in nb.cells:
        meta = nbf.nbgrader_meta(cell)
        if meta is None:
            continue
        assert set(meta) <= allowed and meta["schema_version"] == 3
        if nbf.is_locked(cell):
            assert cell.metadata["minigrad"]["checksum"] == nbf.checksum(cell)
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert by_id(nb, "relu_test").metadata["nbgrader"]["points"] == 2
    assert nb.metadata["minigrad"] == {"chapter": CHAPTER, "format": FORMAT_VERSION}
    nbformat.validate(nb)


def test_locked_cells_are_read_only_in_jupyterlab_as_nbgrader_releases_them(course):
    nb = built(course)
    for gid in ("setup", "relu_test", "square_test", "mean_test"):
        cell = by_id(nb, gid)
        assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
        assert cell.metadata["minigrad"]["original"] == cell.source  # what `check` falls back to
    for gid in ("relu", "square", "mean", "explain"):  # answers: editable, never deleted
        cell = by_id(nb, gid)
        assert "editable" not in cell.metadata and cell.metadata["deletable"] is False
    assert "deletable" not in nb.cells[0].metadata  # narrative cells stay the student's


def test_build_is_byte_identical_and_check_detects_staleness(course, monkeypatch):
    monkeypatch.chdir(course["root"])
    assert main(["build"]) == 0
    target = course["exercises"] / f"{CHAPTER}.ipynb"
    first = target.read_bytes()
    assert main(["build", CHAPTER]) == 0
    assert target.read_bytes() == first
    assert main(["build", "--check"]) == 0
    nb = solution_notebook()
    nb.cells[0].source += "\nA new sentence."
    write(nb, course["solutions"] / f"{CHAPTER}.ipynb")
    assert main(["build", "--check"]) == 1
    assert target.read_bytes() == first  # --check writes nothing
    assert main(["build"]) == 0 and main(["build", "--check"]) == 0
    (course["exercises"] / "99_orphan.ipynb").write_text("{}")
    assert main(["build", "--check"]) == 1


def test_outputs_in_the_solution_do_not_leak(course):
    nb = solution_notebook()
    cell = nb.cells[2]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="answer!")]
    cell.execution_count = 7
    out = release(nb, CHAPTER)
    assert out.cells[2].outputs == [] and out.cells[2].execution_count is None


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda nb: setattr(nb.cells[2], "source", "x = 1\n# BEGIN SOLUTION\nx = 2"),
            "cell 3 (grade_id 'relu'), line 2: BEGIN SOLUTION without a matching END SOLUTION",
        ),
        (
            lambda nb: setattr(nb.cells[2], "source", "# END SOLUTION\nx = 1"),
            "cell 3 (grade_id 'relu'), line 1: END SOLUTION without a BEGIN SOLUTION",
        ),
        (
            lambda nb: setattr(nb.cells[3], "source", "assert 1\n# BEGIN HIDDEN TESTS\nassert 2\n"),
            "cell 4 (grade_id 'relu_test'), line 2: BEGIN HIDDEN TESTS without a matching END",
        ),
        (
            lambda nb: nb.cells.insert(2, code("# BEGIN SOLUTION\nx = 1\n# END SOLUTION")),
            "cell 3, line 1: solution marker in a cell not marked as a solution",
        ),
        (
            lambda nb: nb.cells[3].metadata["nbgrader"].update(grade_id="relu"),
            "cell 4 (grade_id 'relu'): duplicate grade_id (first used in cell 3)",
        ),
        (
            lambda nb: nb.cells[3].metadata["nbgrader"].update(checksum_extra=1),
            "cell 4 (grade_id 'relu_test'): metadata.nbgrader has keys nbgrader does not allow",
        ),
        (
            lambda nb: setattr(nb.cells[4], "source", "def square(x):\n    return x * x"),
            "cell 5 (grade_id 'square'): a code answer cell needs a # BEGIN SOLUTION",
        ),
        (
            lambda nb: setattr(nb.cells[1], "source", "# BEGIN HIDDEN TESTS\n# END HIDDEN TESTS"),
            "cell 2 (grade_id 'setup'), line 1: hidden-test marker in a cell that is not a test",
        ),
        (
            lambda nb: setattr(nb.cells[2], "source", "# BEGIN SOLUTON\nx = 1\n# END SOLUTION"),
            "cell 3 (grade_id 'relu'), line 3: END SOLUTION without a BEGIN SOLUTION",
        ),
    ],
)
def test_malformed_sources_are_refused_with_notebook_cell_and_line(course, mutate, expected):
    nb = solution_notebook()
    mutate(nb)
    path = write(nb, course["solutions"] / f"{CHAPTER}.ipynb")
    report = build([path], course["exercises"])
    assert not report.ok and expected in report.errors[0]
    assert str(path) in report.errors[0]
    assert not (course["exercises"] / f"{CHAPTER}.ipynb").exists()
    with pytest.raises(NotebookError):
        release(nb, CHAPTER)


def test_malformed_marker_line_is_reported():
    nb = solution_notebook()
    nb.cells[2].source = "# BEGIN SOLUTION please\nx = 1\n# END SOLUTION"
    problems = [str(p) for p in validate(nb, "x.ipynb")]
    assert any("line 1: '# BEGIN SOLUTION please' is not a marker line" in p for p in problems)


@pytest.mark.parametrize(
    ("cell", "line", "meant"),
    [
        (3, "# BEGIN HIDDEN TEST", "# BEGIN HIDDEN TESTS"),
        (3, "# begin hidden tests", "# BEGIN HIDDEN TESTS"),
        (3, "#END HIDDEN TESTS", "# END HIDDEN TESTS"),
        (3, "<!-- BEGIN HIDDEN TESTS -->", "# BEGIN HIDDEN TESTS"),
        (2, "    #BEGIN SOLUTION", "# BEGIN SOLUTION"),
        (2, "    # End Solution", "# END SOLUTION"),
        (2, "    # BEGIN_SOLUTION", "# BEGIN SOLUTION"),
        (2, "    # BEGIN SOLUTON", "# BEGIN SOLUTION"),
        (3, "# BEGIN HIDDEN", "# BEGIN HIDDEN TESTS"),
    ],
)
def test_marker_typos_are_errors_naming_cell_and_line(cell, line, meant):
    """A near-miss marker used to pass: the hidden tests (or the answer) shipped to students."""
    nb = solution_notebook()
    lines = nb.cells[cell].source.splitlines()
    index = next(i for i, text in enumerate(lines) if "BEGIN" in text or "END" in text.upper())
    lines[index] = line
    nb.cells[cell].source = "\n".join(lines)
    problems = [str(p) for p in validate(nb, "x.ipynb")]
    gid = nbf.grade_id(nb.cells[cell])
    where = f"x.ipynb: cell {cell + 1} (grade_id {gid!r}), line {index + 1}: {line.strip()!r}"
    assert any(p.startswith(where) and f"write exactly '{meant}'" in p for p in problems), problems
    with pytest.raises(NotebookError):
        release(nb, CHAPTER)


def test_exact_markers_and_prose_that_merely_starts_alike_are_accepted():
    nb = solution_notebook()
    nb.cells[2].source = nb.cells[2].source.replace("# BEGIN", "### BEGIN")
    nb.cells[0].source += "\nBegin solving for x.\nEnd tests early when one fails."
    nb.cells[3].source = "# begin testing the edge cases\n" + nb.cells[3].source
    assert validate(nb, "x.ipynb") == []


def test_a_missing_end_solution_gets_one_message():
    nb = solution_notebook()
    nb.cells[4].source = "def square(x):\n    # BEGIN SOLUTION\n    return x * x"
    problems = [str(p) for p in validate(nb, "x.ipynb")]
    assert problems == [
        "x.ipynb: cell 5 (grade_id 'square'), line 2: "
        "BEGIN SOLUTION without a matching END SOLUTION"
    ]


def test_nbgrader_released_metadata_is_accepted_on_input():
    nb = solution_notebook()
    nb.cells[3].metadata["nbgrader"].update(task=False, checksum="abc", cell_type="code")
    out = release(copy.deepcopy(nb), CHAPTER)
    assert "checksum" not in out.cells[3].metadata["nbgrader"]


def test_chapter_names_resolve(course):
    solutions = course["solutions"]
    path = solutions / f"{CHAPTER}.ipynb"
    assert resolve_chapter("03", solutions) == path
    assert resolve_chapter("3", solutions) == path
    assert resolve_chapter(CHAPTER, solutions) == path
    assert resolve_chapter(f"exercises/{CHAPTER}.ipynb", solutions) == path
    with pytest.raises(ChapterError):
        resolve_chapter("07", solutions)

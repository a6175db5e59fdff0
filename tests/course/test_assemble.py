"""What grading runs: original locked cells, answers by grade_id, flags; no kernel needed."""

from __future__ import annotations

import copy

from conftest import CHAPTER, code, solution_notebook
from students import answered, cell_of, reordered, tampered

from minigrad_course import notebook as nbf
from minigrad_course.assemble import assemble, classify, questions, run_flags
from minigrad_course.build import release


def exercise():
    return release(solution_notebook(), CHAPTER)


def ids(nb):
    return [nbf.grade_id(c) or c.source[:12] for c in nb.cells]


def test_questions_know_their_answer_cells():
    qs = questions(solution_notebook())
    assert [(q.grade_id, q.points, q.answers) for q in qs] == [
        ("relu_test", 2, ["relu"]),
        ("square_test", 1, ["square"]),
        ("mean_test", 3, ["mean"]),
    ]


def test_hidden_tests_are_injected_and_answers_kept():
    asm = assemble(solution_notebook(), CHAPTER, answered(exercise()))
    test = cell_of(asm.notebook, "relu_test").source
    assert "hidden: relu(-5) should be 0" in test and "BEGIN HIDDEN" not in test
    assert cell_of(asm.notebook, "relu").source == "def relu(x):\n    return np.maximum(x, 0)"
    assert asm.flags == []


def test_tampering_is_detected_and_the_original_runs():
    asm = assemble(solution_notebook(), CHAPTER, tampered(exercise()))
    assert asm.flags == ["tampered"] and asm.tampered == ["relu_test"]
    assert "assert True" not in cell_of(asm.notebook, "relu_test").source


def test_whitespace_edits_are_not_tampering():
    nb = answered(exercise())
    cell_of(nb, "setup").source += "\n\n   "
    assert "tampered" not in assemble(solution_notebook(), CHAPTER, nb).flags


def test_reordered_cells_go_back_in_order_and_added_cells_stay_anchored():
    nb = answered(exercise())
    relu = nb.cells.index(cell_of(nb, "relu"))
    nb.cells.insert(relu + 1, code("helper = 1"))  # the student's own cell, after relu
    mean = cell_of(nb, "mean")
    nb.cells.remove(mean)
    nb.cells.insert(0, mean)  # moved to the top
    asm = assemble(solution_notebook(), CHAPTER, nb)
    assert asm.flags == ["cells-reordered"]
    order = ids(asm.notebook)
    graded = [nbf.grade_id(c) for c in asm.notebook.cells if nbf.grade_id(c)]
    assert graded == [
        "setup",
        "relu",
        "relu_test",
        "square",
        "square_test",
        "mean",
        "mean_test",
        "explain",
    ]
    assert order[order.index("helper = 1") - 1] == "relu"
    assert len(reordered(nb).cells) == len(nb.cells)


def test_deleted_answer_becomes_its_stub_and_unattempted_is_noticed():
    nb = copy.deepcopy(exercise())
    nb.cells = [c for c in nb.cells if nbf.grade_id(c) != "square"]
    asm = assemble(solution_notebook(), CHAPTER, nb)
    assert "raise NotImplementedError()" in cell_of(asm.notebook, "square").source
    assert set(asm.flags) == {"cells-deleted", "unattempted"}


def test_classify_and_flags():
    ok = {"index": 0, "status": "ok"}
    stub = {"index": 1, "status": "error", "ename": "NotImplementedError", "evalue": ""}
    name = {"index": 2, "status": "error", "ename": "NameError", "evalue": "name 'mu'"}
    fail = {"index": 2, "status": "error", "ename": "AssertionError", "evalue": "wrong"}
    assert classify(ok, [])[0] == "passed"
    assert classify(name, [stub])[0] == "not yet done"
    assert classify(fail, [ok]) == ("failed", "wrong")
    assert classify(None, [])[0] == "not run"
    syntax = {"index": 1, "status": "error", "ename": "SyntaxError", "evalue": "bad"}
    assert classify(name, [syntax])[0] == "error"
    assert run_flags([syntax]) == ["syntax-error"]
    assert run_flags([ok], kernel_log="MemoryError") == ["memory-limit"]

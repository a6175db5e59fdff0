"""Hostile files for the course's readers of student files, after test_hostile_files.py to 4:
a notebook's JSON (read_notebook, which `check` and `progress` use, and the grader's own
load_submission), a sheet's nbgrader metadata, progress's cache, the gradebook's CSVs and the
command line. A seeded fuzzer (at the end) mutates small notebooks of nbformat 4 and 3 and
reads each under test_fuzz_loaders' guard (time, memory, no pickle/eval/exec, no writes).

Each test below failed before its fix; what happened then is in its docstring.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import random
import re
import tracemalloc

import nbformat.v4 as v4
import pytest
from helpers import json_places
from test_fuzz_loaders import _guarded

from minigrad_course import build, cli, gradebook, progress
from minigrad_course import notebook as nbf
from minigrad_course.assemble import questions
from minigrad_course.check import read_sheet
from minigrad_course.grade import Submission, load_submission

NOTEBOOK_ERRORS = (nbf.NotebookError, FileNotFoundError, IsADirectoryError)


def _nbgrader(grade_id: str, test: bool) -> dict:
    return {
        "schema_version": 3,
        "grade": test,
        "grade_id": grade_id,
        "locked": test,
        "points": 2 if test else 0,
        "solution": not test,
    }


def _sheet() -> dict:
    """A student's sheet as JSON: an answer still at its stub, and its test."""
    answer = v4.new_code_cell("# YOUR CODE HERE\nraise NotImplementedError()", id="a1")
    answer.metadata["nbgrader"] = _nbgrader("answer", test=False)
    test = v4.new_code_cell("assert f() == 1", id="t1")
    test.metadata["nbgrader"] = _nbgrader("test", test=True)
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Autograd", id="m1"), answer, test])
    return json.loads(nbf.dumps_notebook(nb))


def _version_3(outputs=(), heading_level=1) -> dict:
    """A notebook of nbformat 3 (IPython 2): a heading and a code cell in one worksheet."""
    code = {
        "cell_type": "code",
        "input": "x = 1",
        "language": "python",
        "metadata": {},
        "outputs": list(outputs),
    }
    heading = {"cell_type": "heading", "level": heading_level, "source": "Intro", "metadata": {}}
    return {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": ""},
        "worksheets": [{"cells": [heading, code], "metadata": {}}],
    }


def _both_readers(tmp_path, data: bytes, said: str):
    """read_notebook raises NotebookError saying `said`, and the grader flags the submission
    corrupt with the same words, each with little memory."""
    path = tmp_path / "04_autograd.ipynb"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(nbf.NotebookError, match=said) as raised:
            nbf.read_notebook(path)
        nb, flags, note = load_submission(Submission("s", tmp_path, path, [], raw=data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(raised.value)
    assert nb is None and flags == ["corrupt"] and path.name in note, note
    assert re.search(said, note), note
    assert peak < 10 * len(data) + 16 * 2**20, peak  # test_fuzz_loaders' bound


# -- 1. a notebook's JSON: what nbformat then spends on it -----------------------------------
def test_many_small_objects_are_refused_before_nbformat_builds_them(tmp_path):
    """6 MB of 2 million `{}` passed the JSON bounds of minigrad.load's header: nbformat took
    56 s and 1.2 GB to read them, and the grader (no bounds at all) 400 s and 10 GB for 60 MB."""
    doc = _sheet()
    doc["cells"][0]["metadata"]["widgets"] = [{}] * (nbf.MAX_NOTEBOOK_CONTAINERS + 1)
    data = json.dumps(doc).encode()
    _both_readers(tmp_path, data, f"more than {nbf.MAX_NOTEBOOK_CONTAINERS} objects and lists")
    doc["cells"][0]["metadata"]["widgets"] = [1.5] * (nbf.MAX_NOTEBOOK_VALUES + 1)
    data = json.dumps(doc).encode()
    _both_readers(tmp_path, data, f"more than {nbf.MAX_NOTEBOOK_VALUES} values")


def test_many_outputs_are_refused_before_their_schema_check(tmp_path):
    """nbformat checks each output against four schemas: 100,000 (5 MB) took 8 s to read."""
    doc = _sheet()
    stream = {"output_type": "stream", "name": "stdout", "text": ""}
    doc["cells"][1]["outputs"] = [stream] * (nbf.MAX_NOTEBOOK_OUTPUTS + 1)
    data = json.dumps(doc).encode()
    _both_readers(tmp_path, data, f"more than {nbf.MAX_NOTEBOOK_OUTPUTS} outputs")


def test_cells_are_counted_also_when_their_key_is_spelt_with_escapes(tmp_path, monkeypatch):
    """The cell bound counted `"cell_type"` in the bytes: `"\\u0063ell_type"` is the same key
    to json.loads, so 100,000 cells (11 MB) were read, in 14 s."""
    monkeypatch.setattr(nbf, "MAX_NOTEBOOK_CELLS", 10)
    doc = _sheet()
    doc["cells"] = [dict(doc["cells"][0], id=f"c{i}") for i in range(11)]
    data = json.dumps(doc).replace('"cell_type"', '"\\u0063ell_type"').encode()
    _both_readers(tmp_path, data, "more than 10 cells")
    doc["cells"] = doc["cells"][:10]
    path = tmp_path / "ten.ipynb"
    path.write_bytes(json.dumps(doc).replace('"cell_type"', '"\\u0063ell_type"').encode())
    assert len(nbf.read_notebook(path).cells) == 10


@pytest.mark.parametrize("level", [10**7, 0, 7, -1, "2", 1.5, None])
def test_a_version_3_heading_level_is_1_to_6(tmp_path, level):
    """nbformat's conversion writes a heading of level n as n '#': level 3e8 in a 150-byte
    file made a 300 MB string (644 MB in read_notebook, 930 MB in the grader); 1e14 raised
    MemoryError."""
    data = json.dumps(_version_3(heading_level=level)).encode()
    _both_readers(tmp_path, data, "has a heading of level .* \\(nbformat 3: 1 to 6\\)")


@pytest.mark.parametrize(
    "text, said",
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 100 deep"),
        ("[" + "1," * nbf.MAX_NOTEBOOK_VALUES + "1]", "values in its lists and objects"),
    ],
)
def test_a_version_3_json_output_is_bounded_as_the_notebook_is(tmp_path, text, said):
    """nbformat's conversion parses a version 3 JSON output (a string) with json.loads, past
    every bound: 100,000 '[' raised RecursionError out of read_notebook."""
    output = {"output_type": "display_data", "json": text, "metadata": {}}
    _both_readers(tmp_path, json.dumps(_version_3([output])).encode(), said)


def test_an_honest_version_3_notebook_still_reads(tmp_path):
    output = {"output_type": "pyout", "prompt_number": 1, "json": ['{"a": ', "[1, 2]}"]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(_version_3([output], heading_level=2)))
    nb = nbf.read_notebook(path)
    assert nb.cells[0].source == "## Intro"
    assert nb.cells[1].outputs[0].data["application/json"] == {"a": [1, 2]}


# -- 2. a sheet's nbgrader metadata ----------------------------------------------------------
BAD_METADATA = [
    ("points", "abc"),
    ("points", [1]),
    ("points", 10**400),
    ("points", math.nan),
    ("points", math.inf),
    ("points", True),
    ("grade_id", ["a"]),
    ("grade_id", {"a": 1}),
]


@pytest.mark.parametrize("key, value", BAD_METADATA)
def test_a_sheet_whose_graded_metadata_cannot_be_scored_is_refused_before_it_runs(
    tmp_path, key, value
):
    """check and progress scored a sheet from its own metadata: points 'abc', [1], 10**400
    raised ValueError, TypeError, OverflowError (check: after the notebook had run), NaN
    printed 'nan' points, a grade_id that is a list TypeError (unhashable)."""
    doc = _sheet()
    doc["cells"][2]["metadata"]["nbgrader"][key] = value
    path = tmp_path / "04_autograd.ipynb"
    path.write_text(json.dumps(doc))
    with pytest.raises(nbf.NotebookError, match=f"{path}: .*cell 3: .*(points|grade_id)"):
        read_sheet(path)
    with pytest.raises(nbf.NotebookError, match=str(path)):
        progress.chapter_progress(path)
    [row] = progress.course_progress(tmp_path)  # one damaged sheet hides no other
    assert row.source.startswith("unreadable: ") and str(path) in row.source


@pytest.mark.parametrize("value", [math.nan, math.inf, 10**400])
def test_build_refuses_points_that_are_no_number_of_points(value):
    """NaN and infinity passed build's `points >= 0` check (nan < 0 is False)."""
    cell = v4.new_code_cell("assert f() == 1", id="t1")
    cell.metadata["nbgrader"] = {**_nbgrader("test", test=True), "points": value}
    problems = build.validate(v4.new_notebook(cells=[cell]), "x.ipynb")
    [problem] = problems
    assert problem.message.startswith(f"a graded cell needs points >= 0, not {value!r:.40}")


# -- 3. progress's cache -------------------------------------------------------------------
@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_COURSE_CACHE", str(tmp_path / "cache"))
    path = progress.cache_file()
    path.parent.mkdir()
    return path


@pytest.mark.parametrize(
    "outcome",
    [
        {"points": 2},
        {"status": "passed", "points": 10**400},
        {"status": "passed", "points": math.nan},
    ],
)
def test_a_cached_outcome_that_is_not_ours_is_not_used(tmp_path, cache, outcome):
    """progress raised KeyError for an outcome without a status, OverflowError for points of
    400 digits, and showed 'nan' points for NaN."""
    path = tmp_path / "04_autograd.ipynb"
    path.write_text(json.dumps(_sheet()))
    entry = {"when": "2026-01-01T00:00:00+00:00", "outcomes": {"test": outcome}}
    cache.write_text(json.dumps({"checks": {progress.sheet_key(path): entry}}))
    row = progress.chapter_progress(path)  # the stub: not started, without running anything
    assert (row.source, row.passed, row.points) == (progress.NOT_STARTED, 0, 0.0)


def test_cache_entries_that_are_not_objects_are_dropped(tmp_path, cache):
    """With more than MAX_CHECKS entries, _save sorted them by entry.get('when'): an entry
    that is a number raised AttributeError; a milestone's time that is not a short line of
    text went to the terminal as it was."""
    checks = {str(i): i for i in range(progress.MAX_CHECKS + 1)}
    milestones = {"xor": {"a": [1]}, "lstm": "\x1b[2J", "lenet": "2026-01-01T00:00:00+00:00"}
    cache.write_text(json.dumps({"checks": checks, "milestones": milestones}))
    progress.record_milestone("perceptron")
    saved = json.loads(cache.read_text())
    assert saved["checks"] == {} and set(saved["milestones"]) == {"lenet", "perceptron"}
    assert set(progress.milestones_run()) == {"lenet", "perceptron"}


# -- 4. the gradebook's CSVs and the command line ------------------------------------------
def test_a_roster_of_too_many_rows_is_refused_while_reading(tmp_path, monkeypatch):
    """16 MB of 8 million one-field rows: a dict each, 1.8 GB and 4 minutes before the first
    row's check; now at most MAX_CSV_FIELDS fields in all."""
    monkeypatch.setattr(gradebook, "MAX_CSV_FIELDS", 40)
    roster = tmp_path / "roster.csv"
    roster.write_text("folder,id,name,email\n" + "".join(f"s{i},{i},N,e\n" for i in range(11)))
    with pytest.raises(gradebook.GradebookError, match=f"{roster}: more than 10 rows of 4"):
        gradebook.read_roster(roster)
    roster.write_text("folder,id,name,email\n" + "".join(f"s{i},{i},N,e\n" for i in range(10)))
    assert len(gradebook.read_roster(roster)) == 10


def test_the_command_line_reports_a_path_that_is_not_a_file(tmp_path, capsys):
    """`minigrad-course check DIR` printed IsADirectoryError's traceback."""
    assert cli.main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(tmp_path) in err and "Traceback" not in err


# -- 5. torch.load's arguments ----------------------------------------------------------------
def test_load_takes_torch_loads_arguments_as_torch_does(tmp_path):
    """minigrad.load swallowed any keyword (a misspelt one too) and mmap=True of a buffer;
    PyTorch raises TypeError and ValueError. Whatever weights_only says, nothing unpickles."""
    import io

    import torch

    import minigrad

    path = tmp_path / "m.pt"
    for lib in (torch, minigrad):
        buffer = io.BytesIO()
        lib.save({"w": lib.ones(2)}, buffer)
        with pytest.raises(TypeError, match="unexpected keyword argument 'wieghts_only'"):
            lib.load(io.BytesIO(buffer.getvalue()), wieghts_only=True)
        with pytest.raises(ValueError, match="must be a file path in order to use the mmap"):
            lib.load(io.BytesIO(buffer.getvalue()), mmap=True)
        path.write_bytes(buffer.getvalue())
        for kwargs in ({"mmap": True}, {"weights_only": False}, {"encoding": "bytes"}):
            assert lib.load(path, **kwargs)["w"].tolist() == [1.0, 1.0]
    import pickle

    path.write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(RuntimeError, match="it is a pickle"):
        minigrad.load(path, weights_only=False, pickle_module=pickle)


# -- 6. a seeded fuzzer over notebooks of nbformat 4 and 3 -----------------------------------
HOSTILE_VALUES = [
    None,
    True,
    -1,
    0,
    7,
    10**400,
    math.nan,
    -math.inf,
    "",
    "\ud800",
    "\x1b[2J",
    "[" * 200,
    [],
    [1, "a", None],
    {},
    {"a": [[[]]]},
    {"source": 5},
    {"output_type": "stream"},
    {"cell_type": "heading", "level": 10**9, "source": "x"},
]


def _make_validators(folder) -> None:
    """nbformat compiles (exec) a validator from its own schema for each version it meets:
    code made from nbformat's files, not the notebook's. Made outside the guard, by reading
    notebooks of the minor versions a mutation can write (a number of HOSTILE_VALUES)."""
    path = folder / "versions.ipynb"
    for doc in (_sheet(), _version_3()):
        for minor in (0, 7, 10**400):
            path.write_text(json.dumps({**doc, "nbformat_minor": minor}))
            with contextlib.suppress(nbf.NotebookError):
                nbf.read_notebook(path)
            load_submission(Submission("s", folder, path, [], raw=path.read_bytes()))


def _mutated(doc, rng: random.Random) -> bytes:
    """doc with one to three places set to a hostile value (or, one time in four, a key
    spelt with escapes, a bound's worth of copies of a cell, or a JSON output of a string)."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.randint(1, 3)):
        *parent, key = rng.choice([p for p in json_places(doc) if p])
        node = doc
        for step in parent:
            node = node[step]
        roll = rng.random()
        if roll < 0.1 and isinstance(node, list):
            copies = rng.choice([nbf.MAX_NOTEBOOK_OUTPUTS, 10])
            node.extend(copy.deepcopy(node[key]) for _ in range(copies))
        elif roll < 0.2:
            node[key] = json.dumps(rng.choice(HOSTILE_VALUES))  # a string holding JSON
        else:  # a copy: a later mutation may change it in place
            node[key] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
    text = json.dumps(doc)
    if rng.random() < 0.25:
        text = text.replace('"cell_type"', '"\\u0063ell_type"')
    return text.encode()


def _fuzz_notebooks(tmp_path, seed: int, cases: int) -> None:
    _make_validators(tmp_path)
    rng = random.Random(seed)
    path = tmp_path / "04_autograd.ipynb"
    for i in range(cases):
        doc = _sheet() if i % 2 else _version_3([{"output_type": "display_data", "json": "{}"}])
        data = _mutated(doc, rng)
        path.write_bytes(data)
        sheet, _ = _guarded(read_sheet, path, NOTEBOOK_ERRORS)
        if sheet is not None:  # what check and progress then do with it
            qs = questions(sheet)
            assert all(type(q.grade_id) is str for q in qs)
            assert math.isfinite(sum(q.points for q in qs))
        sub = Submission("s", tmp_path, path, [], raw=data)
        (nb, flags, note), _ = _guarded(load_submission, sub, (), size=len(data))
        assert (nb is None and flags == ["corrupt"] and note) or (nb is not None and not flags)


def test_fuzz_notebooks(tmp_path):
    _fuzz_notebooks(tmp_path, seed=0, cases=40)


@pytest.mark.slow
def test_fuzz_notebooks_long(tmp_path):
    _fuzz_notebooks(tmp_path, seed=1, cases=1000)

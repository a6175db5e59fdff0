"""Notebook format helpers shared by build, check, grade and release verification.

The authoring format is nbgrader's (schema 3): each special cell carries
``metadata.nbgrader = {schema_version, grade, grade_id, points, solution, locked}`` and nothing
else there; minigrad's own data (checksums, the chapter name) lives under ``metadata.minigrad``.
Answers sit between ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines, hidden tests between
``# BEGIN HIDDEN TESTS`` / ``# END HIDDEN TESTS`` lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from minigrad.serialization import loads_json, open_regular

# A chapter's notebook is kilobytes (a megabyte with plots); this is not one.
MAX_NOTEBOOK_BYTES = 64 * 2**20
# Output and widget JSON nest a few levels; json.loads recurses, and so does nbformat's schema.
MAX_NOTEBOOK_NESTING = 100
# A chapter has a few hundred cells; nbformat's schema check takes ~20 us a cell, so 64 MB of
# 600,000 empty cells took 10 s (50 s under load) to read. The grader's bound, too.
MAX_NOTEBOOK_CELLS = 10_000
# nbformat makes a NotebookNode of every object and list (2 million empty dicts, 6 MB of
# them, took 56 s and 1.2 GB) and checks every output against four schemas (100,000 took 8 s).
# A chapter holds a few hundred objects and lists, some thousands with plots and widgets.
MAX_NOTEBOOK_CONTAINERS = 100_000
MAX_NOTEBOOK_VALUES = 1_000_000  # items of those lists and objects (a plot's points)
MAX_NOTEBOOK_OUTPUTS = 10_000

NBGRADER_KEYS = ("grade", "grade_id", "locked", "points", "schema_version", "solution")
# Keys nbgrader itself writes into released notebooks; accepted on input, dropped on output.
NBGRADER_TOLERATED = ("task", "checksum", "cell_type")

# The kernel metadata JupyterLab writes when it opens a notebook on the course's kernel
# (ipykernel's python3, on the Python `make lab` uses in CI). Every notebook carries it, so that
# opening a chapter does not mark it modified (on another Python only the version differs).
KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    },
}

CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = "YOUR ANSWER HERE"

# A marker line is exactly "#" (or "###", as nbgrader writes it), one space and the words, with
# nothing else on the line but indentation: anything close to that is refused, never guessed at,
# because a marker that is not recognised ships the answer or the hidden tests to students.
_MARKER = r"^\s*#+ {}\s*$"
BEGIN_SOLUTION = re.compile(_MARKER.format("BEGIN SOLUTION"))
END_SOLUTION = re.compile(_MARKER.format("END SOLUTION"))
BEGIN_HIDDEN = re.compile(_MARKER.format("BEGIN HIDDEN TESTS"))
END_HIDDEN = re.compile(_MARKER.format("END HIDDEN TESTS"))
_MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
_MARKER_WORDS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# A line that is nothing but a marker spelt another way: any case, any comment style, words run
# together or misspelt ("#begin hidden test", "<!-- END SOLUTON -->", "BEGIN_SOLUTION"). Prose
# that merely starts alike ("Begin solving for x", "# end tests early") is not one.
_LOOKS_LIKE_MARKER = re.compile(
    r"^\s*(?:#+|<!--|//)?\s*(begin|end)[\W_]*(hid\w*(?:[\W_]*tests?)?|sol\w*|tests?)\W*$",
    re.IGNORECASE,
)

# Cell roles, decided by the nbgrader flags (see role()).
ANSWER, MANUAL, TEST, GIVEN, PLAIN = "answer", "manual", "test", "given", "plain"


class NotebookError(ValueError):
    """A malformed source notebook: names the notebook, the cell and the line."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a source notebook, located for a person to fix."""

    notebook: str
    cell: int  # 1-based position in the notebook, as a person counts
    line: int | None  # 1-based line inside the cell, or None for the whole cell
    grade_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.notebook}: cell {self.cell}"
        if self.grade_id:
            where += f" (grade_id {self.grade_id!r})"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.message}"


def read_notebook(path: str | os.PathLike[str]) -> NotebookNode:
    """Read a notebook as nbformat 4 (an older one is converted).

    A notebook may come from a student or a download: the path must be a regular file (a
    FIFO or a device such as /dev/zero is refused before reading), its bytes must pass
    notebook_json's bounds, and it must pass nbformat's schema. Anything else raises
    NotebookError naming the file; a missing path or a directory raises FileNotFoundError or
    IsADirectoryError.
    """
    name = os.fspath(path)
    with open_regular(path, NotebookError) as f:
        # read(n) allocates n bytes at once: ask for what the file holds, not the limit
        data = f.read(min(os.fstat(f.fileno()).st_size, MAX_NOTEBOOK_BYTES) + 1)
    try:
        doc = notebook_json(data, name)
        text = data.decode("utf-8")
        if not isinstance(doc, dict):
            raise ValueError(f"its JSON is {_short(doc)}, not an object")
        # nbformat takes a missing version for 1, whose conversion fails with NameError, and
        # asserts on a minor version that is not a number
        major, minor = doc.get("nbformat"), doc.get("nbformat_minor", 0)
        if major not in (3, 4) or type(major) is not int or type(minor) is not int or minor < 0:
            raise ValueError(f"its version {_short(major)}.{_short(minor)} is not 3.x or 4.x")
        # NOTE: nbformat reads any dict; a minor version that is not a number, or a v3
        # worksheet that is not a list, fails inside it with TypeError, KeyError or
        # AttributeError
        nb = nbformat.convert(nbformat.reader.reads(text), 4)
        nbformat.validate(nb)
    except NotebookError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, nbformat.ValidationError) as exc:
        where = "/".join(map(str, getattr(exc, "absolute_path", ())))  # a schema error's place
        raise NotebookError(
            f"{name} is not a valid notebook: {_short(exc)}{f' (at {where})' if where else ''}"
        ) from None
    return nb


def notebook_json(data: bytes, name: str) -> Any:
    """The JSON of a notebook file's bytes, refused with NotebookError naming the file before
    nbformat reads it when it holds more than a notebook does: over MAX_NOTEBOOK_BYTES,
    MAX_NOTEBOOK_CELLS cells or MAX_NOTEBOOK_OUTPUTS outputs, MAX_NOTEBOOK_CONTAINERS objects
    and lists or MAX_NOTEBOOK_VALUES items in them, nested deeper than MAX_NOTEBOOK_NESTING,
    a key twice in one object, or an nbformat 3 part that nbformat's conversion would blow
    up. JSON that does not parse raises ValueError. Shared by read_notebook and the grader."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB: not a notebook")
    # NOTE: counted in the bytes first, as no parse is cheaper: "cell_type" is a key of every
    # cell (and may be one of its nbgrader metadata); inside a string its quotes are escaped
    if data.count(b'"cell_type"') > 2 * MAX_NOTEBOOK_CELLS:
        raise NotebookError(f"{name} has more than {MAX_NOTEBOOK_CELLS} cells: not a notebook")
    doc = loads_json(
        data,
        name,
        NotebookError,
        MAX_NOTEBOOK_NESTING,
        MAX_NOTEBOOK_CONTAINERS,
        MAX_NOTEBOOK_VALUES,
    )
    cells = _cells(doc)
    # counted again, parsed: a key spelt with escapes ("\u0063ell_type") is not in the bytes
    if len(cells) > MAX_NOTEBOOK_CELLS:
        raise NotebookError(f"{name} has more than {MAX_NOTEBOOK_CELLS} cells: not a notebook")
    outputs = [
        output
        for cell in cells
        if isinstance(cell, dict) and isinstance(cell.get("outputs"), list)
        for output in cell["outputs"]
    ]
    if len(outputs) > MAX_NOTEBOOK_OUTPUTS:
        raise NotebookError(f"{name} has more than {MAX_NOTEBOOK_OUTPUTS} outputs: not a notebook")
    if isinstance(doc, dict) and doc.get("nbformat") == 3:
        _check_version_3(cells, outputs, name)
    return doc


def _cells(doc) -> list:
    """The cells of a notebook's JSON, of version 4 (`cells`) or 3 (`worksheets[i].cells`)."""
    if not isinstance(doc, dict):
        return []
    if doc.get("nbformat") != 3:
        return doc["cells"] if isinstance(doc.get("cells"), list) else []
    sheets = doc.get("worksheets")
    return [
        cell
        for sheet in (sheets if isinstance(sheets, list) else [])
        if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
        for cell in sheet["cells"]
    ]


def _check_version_3(cells: list, outputs: list, name: str) -> None:
    """Refuse what nbformat's conversion of version 3 would blow up past the bounds: a
    heading of level n becomes a line of n '#' (level 10**9: a 1 GB string from 150
    bytes), and a JSON output, a string, is parsed (100,000 '[' deep: RecursionError)."""
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "heading":
            level = cell.get("level", 1)
            if type(level) is not int or not 1 <= level <= 6:
                raise NotebookError(
                    f"{name} has a heading of level {_short(level)} (nbformat 3: 1 to 6)"
                )
    texts = [
        "".join(text) if isinstance(text, list) else text
        for output in outputs
        if isinstance(output, dict)
        for key in ("json", "application/json")
        if isinstance(text := output.get(key), str)
        or (isinstance(text, list) and all(isinstance(line, str) for line in text))
    ]
    # one parse of them all joined bounds them together; pieces that join into one valid
    # JSON value nest no deeper than it does
    if texts:
        loads_json(
            ("[" + ",".join(texts) + "]").encode(),
            name,
            NotebookError,
            MAX_NOTEBOOK_NESTING,
            MAX_NOTEBOOK_CONTAINERS,
            MAX_NOTEBOOK_VALUES,
        )


def _short(what) -> str:
    """The first line of an error (a schema error goes on to print the whole instance), or a
    value, cut to a readable length."""
    line = str(what).partition("\n")[0]
    return line if len(line) <= 200 else line[:200] + "..."


def dumps_notebook(nb: NotebookNode) -> str:
    """Serialise deterministically (sorted keys, one-space indent, trailing newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write text to path via a temporary file and os.replace, so readers never see half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write JSON atomically (see write_text_atomic)."""
    write_text_atomic(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any] | None:
    """The cell's ``metadata.nbgrader`` dict, or None when it has none."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader grade_id, or None."""
    meta = nbgrader_meta(cell)
    return meta.get("grade_id") if meta else None


def role(cell: NotebookNode) -> str:
    """What the cell is for: answer, manual (graded by hand), test, given (locked) or plain."""
    meta = nbgrader_meta(cell)
    if not meta:
        return PLAIN
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    if solution:
        return MANUAL if grade else ANSWER
    if grade:
        return TEST
    return GIVEN if meta.get("locked") else PLAIN


def is_points(value: Any) -> bool:
    """Whether value can be a question's points: a number >= 0 that a float holds exactly
    (not a bool, NaN, infinity, or an int of 400 digits that float() refuses)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 2**53


def graded_problems(cell: NotebookNode) -> list[str]:
    """What makes a cell's nbgrader metadata unusable for scoring (empty when fine): a graded
    cell needs a text grade_id, a test or manual one points (is_points)."""
    kind = role(cell)
    if kind == PLAIN:
        return []
    meta = nbgrader_meta(cell) or {}
    problems = []
    if not isinstance(meta.get("grade_id"), str):
        problems.append("metadata.nbgrader.grade_id is missing (a short unique name)")
    if kind in (TEST, MANUAL) and not is_points(meta.get("points")):
        problems.append(f"a graded cell needs points >= 0, not {_short(repr(meta.get('points')))}")
    return problems


def is_locked(cell: NotebookNode) -> bool:
    """Locked cells (tests, given code) are graded from the original, whatever students do."""
    return role(cell) in (TEST, GIVEN)


def points(cell: NotebookNode) -> float:
    """Points a test cell is worth (0 for every other cell)."""
    meta = nbgrader_meta(cell) or {}
    return float(meta.get("points") or 0) if role(cell) in (TEST, MANUAL) else 0.0


def normalise_source(source: str) -> str:
    """Source with trailing spaces and surrounding blank lines removed (editor noise)."""
    lines = [line.rstrip() for line in source.splitlines()]
    return "\n".join(lines).strip("\n")


def checksum(cell: NotebookNode) -> str:
    """A digest of what a locked cell says: type, grade_id and normalised source."""
    text = f"{cell.cell_type}\n{grade_id(cell) or ''}\n{normalise_source(cell.source)}"
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def marker_problems(source: str) -> list[tuple[int, str]]:
    """Lines that look like a marker (or mention one) without being exactly one."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        if any(rx.match(line) for rx in _MARKERS):
            continue
        looks = _LOOKS_LIKE_MARKER.match(line)
        if looks or any(word in line for word in _MARKER_WORDS):
            found.append((number, f"{line.strip()!r} is not a marker line; {_meant(looks)}"))
    return found


def _meant(looks: re.Match[str] | None) -> str:
    """The marker a near miss probably meant, as advice."""
    if looks is None:
        return "a marker must be a line of its own, e.g. '# BEGIN SOLUTION'"
    verb = looks.group(1).upper()
    words = "SOLUTION" if looks.group(2).lower().startswith("sol") else "HIDDEN TESTS"
    return f"write exactly '# {verb} {words}' (or '### {verb} {words}') on a line of its own"


def find_regions(
    source: str, begin: re.Pattern[str], end: re.Pattern[str], name: str
) -> tuple[list[tuple[int, int]], list[tuple[int, str]]]:
    """Find (begin, end) 0-based line index pairs of marked regions, and (line, message) errors.

    Regions may not nest; every BEGIN needs an END after it.
    """
    regions: list[tuple[int, int]] = []
    errors: list[tuple[int, str]] = []
    start: int | None = None
    for index, line in enumerate(source.splitlines()):
        if begin.match(line):
            if start is not None:
                errors.append((index + 1, f"BEGIN {name} inside another BEGIN {name} region"))
            start = index
        elif end.match(line):
            if start is None:
                errors.append((index + 1, f"END {name} without a BEGIN {name} before it"))
            else:
                regions.append((start, index))
                start = None
    if start is not None:
        errors.append((start + 1, f"BEGIN {name} without a matching END {name}"))
    return regions, errors


def has_marker(source: str, begin: re.Pattern[str], end: re.Pattern[str]) -> bool:
    """Whether any line of source is one of the two markers."""
    return any(begin.match(line) or end.match(line) for line in source.splitlines())


def replace_regions(
    source: str, regions: list[tuple[int, int]], stub: list[str] | None, keep_indent: bool
) -> str:
    """Replace each region (markers included) by stub lines, or drop it when stub is None."""
    lines = source.splitlines()
    out: list[str] = []
    position = 0
    for start, stop in regions:
        out.extend(lines[position:start])
        if stub is not None:
            indent = re.match(r"\s*", lines[start]).group(0) if keep_indent else ""
            out.extend(indent + s for s in stub)
        position = stop + 1
    out.extend(lines[position:])
    return "\n".join(out)


def strip_marker_lines(source: str, begin: re.Pattern[str], end: re.Pattern[str]) -> str:
    """Keep every line except the marker lines themselves (used to inject hidden tests)."""
    kept = [line for line in source.splitlines() if not (begin.match(line) or end.match(line))]
    return "\n".join(kept)

"""Gradebook files an LMS imports (``minigrad-course gradebook grades.csv --roster roster.csv``).

grades.csv (from ``grade``) names students by their submission folder; an LMS knows them by an
id. A roster CSV with the header ``folder,id,name,email`` maps one to the other. The exports:

- Canvas (Grades > Import): ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>`` with a
  ``Points Possible`` row under the header. ``ID`` is the roster id, so it must be the Canvas
  user id (the ``ID`` column of a Canvas gradebook export); an assignment column that names no
  existing assignment (no ``(123)`` suffix) makes Canvas create one.
- Gradescope: the header names of Gradescope's own score export,
  ``Name,SID,Email,Total Score,Max Points,Status``; the roster id is the ``SID``.

Folders with no roster entry and roster entries with no graded folder are listed, never guessed.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from minigrad.serialization import open_regular

from .notebook import write_text_atomic
from .report import csv_plain, csv_text, number

ROSTER_COLUMNS = ("folder", "id", "name", "email")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
GRADESCOPE_COLUMNS = ("Name", "SID", "Email", "Total Score", "Max Points", "Status")
MAX_CSV_BYTES = 16 * 2**20
# an LMS export has tens of columns, grades.csv one per graded question: csv.DictReader
# fills every row with every column, and 1.5 million (12 MB) took 9 s and 270 MB
MAX_CSV_COLUMNS = 1024
# fields in all rows together: a class of thousands, a question per column. A dict per row:
# 16 MB of 8 million one-field rows took 1.8 GB and 4 minutes before its first check
MAX_CSV_FIELDS = 2**20


class GradebookError(ValueError):
    """A roster or grades file that cannot be used as it is; says which and why."""


@dataclass(frozen=True)
class Student:
    """One roster line: the submission folder and who it belongs to."""

    folder: str
    id: str
    name: str
    email: str


@dataclass
class Matched:
    """grades.csv rows paired with roster students, and what could not be paired."""

    rows: list[tuple[Student, dict[str, str]]] = field(default_factory=list)
    unknown_folders: list[str] = field(default_factory=list)  # graded, not on the roster
    not_graded: list[Student] = field(default_factory=list)  # on the roster, no row


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, a BOM from Excel allowed) that has at least the required columns.

    An LMS export holds what students typed: a file that is not UTF-8, a field past csv's
    limit, or a control character (a terminal escape, printed when a folder is unmatched) is
    refused naming the file and the line; a FIFO or a device is refused before reading."""
    with open_regular(path, lambda problem: GradebookError(f"{what}: {problem}")) as f:
        data = f.read(MAX_CSV_BYTES + 1)  # as much as the file holds, at most this
    if len(data) > MAX_CSV_BYTES:
        raise GradebookError(f"{path}: larger than {MAX_CSV_BYTES // 2**20} MB, not a {what}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GradebookError(
            f"{path}, line {line}: not UTF-8 (byte {data[exc.start]:#04x}); save the {what} "
            "as CSV UTF-8"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = reader.fieldnames or []
        if len(columns) > MAX_CSV_COLUMNS:
            raise GradebookError(
                f"{path}: its header has {len(columns)} columns (at most {MAX_CSV_COLUMNS}), "
                f"not a {what}"
            )
        missing = [c for c in required if c not in columns]
        if missing:  # the names as repr shows them (escapes), cut short
            found = ", ".join(repr(c[:40]) + ("..." if len(c) > 40 else "") for c in columns[:20])
            found += f" and {len(columns) - 20} more" if len(columns) > 20 else ""
            raise GradebookError(
                f"{path}: a {what} needs the columns {', '.join(required)}; "
                f"missing {', '.join(missing)} (found: {found})"
            )
        most = MAX_CSV_FIELDS // max(len(columns), 1)
        rows = []
        for row in reader:
            if len(rows) == most:
                raise GradebookError(
                    f"{path}: more than {most} rows of {len(columns)} columns, not a {what}"
                )
            rows.append({k: (v or "").strip() for k, v in row.items() if k})
    except csv.Error as exc:
        raise GradebookError(f"{path}, line {reader.reader.line_num}: {exc}") from None
    for line, row in enumerate(rows, start=2):
        for column, value in row.items():
            bad = next((c for c in value if unicodedata.category(c) == "Cc"), None)
            if bad is not None:
                raise GradebookError(
                    f"{path}, line {line}: {column!r} holds the control character "
                    f"U+{ord(bad):04X} (from the LMS? remove it)"
                )
    return rows


def read_roster(path: Path) -> dict[str, Student]:
    """folder -> Student; refuses duplicate folders or ids (one would get the other's grade)."""
    students: dict[str, Student] = {}
    ids: dict[str, str] = {}
    for line, row in enumerate(_read_csv(path, ROSTER_COLUMNS, "roster"), start=2):
        student = Student(*(row[c] for c in ROSTER_COLUMNS))
        if not student.folder or not student.id:
            raise GradebookError(f"{path}, line {line}: folder and id must not be empty")
        if student.folder in students:
            raise GradebookError(f"{path}, line {line}: folder {student.folder!r} twice")
        if student.id in ids:
            raise GradebookError(
                f"{path}, line {line}: id {student.id!r} also belongs to {ids[student.id]!r}"
            )
        students[student.folder], ids[student.id] = student, student.folder
    return students


def match(grades: list[dict[str, str]], roster: dict[str, Student]) -> Matched:
    """Pair each grades row with its roster student by folder name."""
    out = Matched()
    graded = set()
    for row in grades:
        folder = csv_plain(row["student"])  # grades.csv quotes a name such as -rf or =x
        student = roster.get(folder)
        if student is None:
            out.unknown_folders.append(folder)
        else:
            out.rows.append((student, row))
            graded.add(student.folder)
    out.not_graded = [s for folder, s in sorted(roster.items()) if folder not in graded]
    return out


def _csv_text(header: tuple[str, ...] | list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    # NOTE: names and emails come from the LMS, where students choose them: "=HYPERLINK(..."
    # must stay text when the file is opened in a spreadsheet
    writer.writerows([csv_text(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def canvas_csv(matched: Matched, assignment: str, points: float) -> str:
    """Canvas's gradebook import: one assignment column, a Points Possible row first."""
    rows = [["Points Possible", "", "", "", "", number(points)]]
    rows += [[s.name, s.id, "", "", "", number(float(r["total"]))] for s, r in matched.rows]
    return _csv_text([*CANVAS_COLUMNS, assignment], rows)


def gradescope_csv(matched: Matched) -> str:
    """Gradescope's score columns, one row per graded student."""
    rows = [
        [
            s.name,
            s.id,
            s.email,
            number(float(r["total"])),
            number(float(r["max"])),
            "Missing" if "missing" in r["status"].split(";") else "Graded",
        ]
        for s, r in matched.rows
    ]
    return _csv_text(GRADESCOPE_COLUMNS, rows)


def export(
    grades_path: Path,
    roster_path: Path,
    canvas: Path | None = None,
    gradescope: Path | None = None,
    assignment: str | None = None,
) -> Matched:
    """Write the requested exports (atomically); return the pairing, unmatched lists included."""
    grades = _read_csv(grades_path, ("student", "total", "max", "status"), "grades file")
    for line, row in enumerate(grades, start=2):
        for column in ("total", "max"):
            try:
                finite = math.isfinite(float(row[column]))
            except ValueError:
                finite = False
            if not finite:
                raise GradebookError(
                    f"{grades_path}, line {line}: {column} {row[column]!r} is not a number"
                )
    matched = match(grades, read_roster(roster_path))
    points = max((float(r["max"]) for r in grades), default=0.0)
    if canvas is not None:
        write_text_atomic(canvas, canvas_csv(matched, assignment or grades_path.stem, points))
    if gradescope is not None:
        write_text_atomic(gradescope, gradescope_csv(matched))
    return matched

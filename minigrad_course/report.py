"""What grading writes for people: the CSV, a feedback file per student, a class summary."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from .notebook import write_text_atomic

STATUS_HELP = {
    "ok": "graded normally",
    "missing": "no notebook was found in the folder",
    "renamed": "the notebook had another name or place; it was graded anyway",
    "empty": "the file was empty",
    "corrupt": "the file is not a readable notebook",
    "wrong-chapter": "the notebook belongs to another chapter",
    "unattempted": "no answer cell was changed from the release",
    "syntax-error": "an answer has a syntax error",
    "timeout": "the notebook (or a cell) ran past the time limit",
    "kernel-died": "the Python process stopped (os._exit, a crash); later cells did not run",
    "exit-called": "the code called sys.exit()",
    "memory-limit": "the code ran out of its memory allowance",
    "process-limit": "the code started too many processes (fork bomb?) and was stopped",
    "output-limit": "the code printed too much; the rest of the output was dropped",
    "tampered": "a locked cell was edited; the original was used",
    "cells-deleted": "graded cells were deleted; originals or stubs were used",
    "cells-reordered": "graded cells were moved; they were put back in order",
    "duplicate-cells": "a graded cell appeared twice; the first was used",
    "grader-crash": "the grading process stopped unexpectedly",
    "error": "the grader could not run the notebook",
    "invalid": "the folder or notebook is a symbolic link or not a regular file: not graded",
    "suspicious": "the code tried to change how tests run; that was undone (see the summary)",
    "review": "the student's code names the tests' machinery (frames, builtins, "
    "minigrad.testing...): read it, a score can be faked that way (see the summary)",
}
MESSAGE_CHARS = 1000  # of a failure message shown to a student


# Terminal escape sequences (CSI, OSC, and the other ESC forms) and control characters other
# than newline and tab: a message is the student's own text (an exception's), and in a terminal
# `\x1b[1A\x1b[2K` or `\r` rewrites the lines above it, the score of a feedback file included.
# And lone surrogates, which UTF-8 cannot write: one in a message (a reply the kernel's code sent
# itself) or a note (a file name's undecodable bytes) stopped the whole grading. And Unicode's
# bidirectional controls, with which an editor or a Markdown viewer shows the text after them
# reordered up to the end of the line (`\u202e` turned "7 / 0" into "0 / 7", and the rest of a
# summary's table row with it).
_CONTROL = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[ -~]?|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def scrub(message: str, hidden: list[str]) -> str:
    """A failure message safe to show a student: no line of a hidden test in it (an answer
    can put the test's own source into the exception it raises), no terminal escapes or control
    characters, at most MESSAGE_CHARS."""
    message = _CONTROL.sub("", message)
    for line in sorted(hidden, key=len, reverse=True):
        if len(line) >= 8:
            message = message.replace(line, "[hidden test]")
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS] + " [...]"
    return message


def number(value: float) -> str:
    """Points as people write them: 2, 0.5."""
    return f"{value:g}"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")  # and the quote itself: reversible


def csv_text(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ would start a formula."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def csv_plain(text: str) -> str:
    """The text csv_text was given (the gradebook reads grades.csv back)."""
    return text[1:] if text[:1] == "'" and text[1:2] in _FORMULA_STARTS else text


def write_csv(path: Path, grade_ids: list[str], rows: list[dict[str, Any]]) -> None:
    """grades.csv: student, one column per question, total, max, status (atomically)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *grade_ids, "total", "max", "status"])
    for row in rows:
        scores = [number(row["questions"].get(g, {}).get("points", 0.0)) for g in grade_ids]
        student = csv_text(row["student"])
        writer.writerow([student, *scores, number(row["total"]), number(row["max"]), row["status"]])
    write_text_atomic(path, buffer.getvalue())


def feedback_markdown(result: dict[str, Any], chapter: str) -> str:
    """A student's feedback: each question, points, and why it failed."""
    lines = [
        f"# Feedback: {chapter}, {result['student']}",
        "",
        f"**Score: {number(result['total'])} / {number(result['max'])}**",
        "",
    ]
    if result["status"] != "ok":
        lines += ["Status:", ""]
        lines += [f"- `{s}`: {STATUS_HELP.get(s, s)}" for s in result["status"].split(";")]
        lines.append("")
    lines += ["| question | points | result |", "|---|---|---|"]
    for gid, outcome in result["questions"].items():
        points = f"{number(outcome['points'])} / {number(outcome['max'])}"
        lines.append(f"| {gid} | {points} | {outcome['status']} |")
    lines.append("")
    for gid, outcome in result["questions"].items():
        if outcome["message"]:
            fence = _fence(outcome["message"])
            lines += [f"## {gid}: {outcome['status']}", "", fence, outcome["message"], fence, ""]
    if result.get("notes"):
        # (one line each: a note can quote the notebook, whose `chapter` metadata, with line
        # breaks in it, added a second "**Score: 6 / 6**" line to a feedback file of 0 points)
        notes = [" ".join(_CONTROL.sub("", note).split()) for note in result["notes"]]
        lines += ["## Notes", ""] + [f"- {note}" for note in notes]
        lines.append("")
    return "\n".join(lines)


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in text: a message (the student's own
    words, in an assertion or an exception) cannot close it and add Markdown of its own."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def write_feedback(path: Path, result: dict[str, Any], chapter: str) -> None:
    """Write one student's feedback file (Markdown)."""
    write_text_atomic(path, feedback_markdown(result, chapter))


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(_CONTROL.sub("", str(text)).split()).replace("|", "\\|")[:300] or "-"


def write_summary(path: Path, chapter: str, questions: list, rows: list[dict[str, Any]]) -> None:
    """Per-question pass rate and mean points, and how many rows had each status."""
    count = len(rows)
    lines = [
        f"# Grading summary: {chapter}",
        "",
        f"{count} submissions.",
        "",
        "| question | points | passed | pass rate | mean points |",
        "|---|---|---|---|---|",
    ]
    for q in questions:
        outcomes = [r["questions"].get(q.grade_id, {}) for r in rows]
        passed = sum(o.get("status") == "passed" for o in outcomes)
        mean = sum(o.get("points", 0.0) for o in outcomes) / count if count else 0.0
        rate = f"{100 * passed / count:.0f}%" if count else "-"
        lines.append(f"| {q.grade_id} | {number(q.points)} | {passed} | {rate} | {mean:.2f} |")
    totals = [r["total"] for r in rows]
    if totals:
        lines += ["", f"Mean total: {sum(totals) / count:.2f} / {number(rows[0]['max'])}."]
    statuses: dict[str, int] = {}
    for row in rows:
        for status in row["status"].split(";"):
            statuses[status] = statuses.get(status, 0) + 1
    lines += ["", "| status | submissions | meaning |", "|---|---|---|"]
    lines += [f"| {s} | {n} | {STATUS_HELP.get(s, '')} |" for s, n in sorted(statuses.items())]
    suspicious = [r for r in rows if r.get("evidence")]
    if suspicious:
        lines += ["", "## Suspicious submissions", "", "What the grading guard undid before the "]
        lines[-1] += "tests ran (the tests then ran as released):"
        lines += ["", "| student | evidence |", "|---|---|"]
        lines += [
            f"| {_cell(r['student'])} | {_cell('; '.join(r['evidence']))} |" for r in suspicious
        ]
    review = [r for r in rows if r.get("review")]
    if review:
        lines += ["", "## Submissions to read", "", "Cells of the student's own that name what a "]
        lines[-1] += "faked pass needs (the score is as the tests gave it):"
        lines += ["", "| student | cells |", "|---|---|"]
        lines += [f"| {_cell(r['student'])} | {_cell('; '.join(r['review']))} |" for r in review]
    write_text_atomic(path, "\n".join(lines) + "\n")

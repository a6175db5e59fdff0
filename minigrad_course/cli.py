"""``minigrad-course``: build, verify, release, check, progress, grade, gradebook, doctor.
Run with --help for each."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .chapters import DEFAULT_EXERCISES, DEFAULT_SOLUTIONS, ChapterError, resolve_chapters
from .grade import GradingRefused, SubmissionsError
from .gradebook import GradebookError
from .notebook import NotebookError
from .sandbox import Limits


def _dirs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--solutions",
        type=Path,
        default=DEFAULT_SOLUTIONS,
        help="folder of solution notebooks (default: solutions/)",
    )
    parser.add_argument(
        "--exercises",
        type=Path,
        default=DEFAULT_EXERCISES,
        help="folder of student notebooks (default: exercises/)",
    )


def _limits(parser: argparse.ArgumentParser, timeout: float, memory: int | None) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=timeout,
        help=f"seconds for a whole notebook (default {timeout:g})",
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=120.0,
        help="seconds for one cell before it is interrupted (default 120)",
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=memory,
        help=f"memory (address space) per kernel process (default {memory})",
    )


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    solutions = resolve_chapters(args.chapters, args.solutions)
    if not solutions:
        print(f"no solution notebooks in {args.solutions}/", file=sys.stderr)
        return 0 if args.check else 1
    report = build(solutions, args.exercises, check=args.check, prune=not args.chapters)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    for path in report.written:
        print(f"wrote {path}")
    for stale in report.stale:
        print(f"{'stale' if args.check else 'warning'}: {stale}", file=sys.stderr)
    if args.check and report.stale:
        print(
            "exercises/ is out of date: run `minigrad-course build` (make exercises)",
            file=sys.stderr,
        )
    if args.check and report.ok:
        print(f"exercises up to date ({len(report.unchanged)} notebooks)")
    return 1 if report.errors or (args.check and report.stale) else 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .release import verify

    chapters = resolve_chapters(args.chapters, args.solutions)
    limits = Limits(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory_mb)
    failed = 0
    for path in chapters:
        report = verify(str(path), args.solutions, limits)
        print(report.text())
        failed += not report.ok
    return 1 if failed else 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check

    limits = Limits(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory_mb)
    from .progress import remember_check

    report = check(Path(args.notebook), limits)
    remember_check(Path(args.notebook), report.outcomes)  # `progress` reuses it while unchanged
    print(report.table())
    return 0 if report.all_passed else 1


def cmd_progress(args: argparse.Namespace) -> int:
    from .progress import course_progress, format_progress, milestones_run

    limits = Limits(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory_mb)
    chapters = course_progress(args.exercises, limits)
    print(format_progress(chapters, milestones_run()))
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .release import ReleaseError, release_course

    try:
        report = release_course(args.out, Path("."), args.solutions, wheel=args.wheel)
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote the student course to {report.out} ({report.files} files)")
    if report.wheel:
        print(f"wheel for hosting: {report.wheel}")
        print(f'students install it with: pip install "<its URL or path>" ({report.wheel.name})')
    print("scanned every file and archive: no answer or hidden-test line of solutions/ in it")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from .grade import GradeOptions, grade

    [solution] = resolve_chapters([args.chapter], args.solutions)
    limits = Limits(
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        memory_mb=args.memory_mb,
        max_procs=args.max_procs,
        output_kb=args.output_kb,
    )
    options = GradeOptions(
        out=args.out,
        jobs=args.jobs,
        limits=limits,
        force=args.force,
        only=args.only,
        accept_releases=args.accept_release,
        unsafe_as_root=args.unsafe_as_root,
    )
    started = time.monotonic()
    rows = grade(solution, Path(args.submissions), options, progress=print)
    print(f"graded {len(rows)} submissions in {time.monotonic() - started:.1f} s -> {args.out}")
    return 0


def cmd_gradebook(args: argparse.Namespace) -> int:
    from .gradebook import export

    if args.canvas is None and args.gradescope is None:
        print("error: say what to write: --canvas FILE and/or --gradescope FILE", file=sys.stderr)
        return 2
    matched = export(args.grades, args.roster, args.canvas, args.gradescope, args.assignment)
    for path in (args.canvas, args.gradescope):
        if path is not None:
            print(f"wrote {path} ({len(matched.rows)} students)")
    if matched.unknown_folders:
        print(f"graded but not on the roster: {', '.join(matched.unknown_folders)}")
    if matched.not_graded:
        names = ", ".join(f"{s.folder} ({s.name})" for s in matched.not_graded)
        print(f"on the roster but not graded: {names}")
    return 1 if matched.unknown_folders else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import FAIL, format_checks, run_checks

    checks = run_checks()
    print(format_checks(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minigrad-course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="write exercises/ from solutions/")
    p.add_argument("chapters", nargs="*", help="04, 04_autograd or a path (default: all)")
    p.add_argument("--check", action="store_true", help="fail if exercises/ is stale")
    _dirs(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("verify", help="release checks: solutions pass, stubs fail only at stubs")
    p.add_argument("chapters", nargs="*", help="04, 04_autograd or a path (default: all)")
    _dirs(p)
    _limits(p, timeout=600, memory=None)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("check", help="run your notebook and see each question's result")
    p.add_argument("notebook", help="e.g. exercises/04_autograd.ipynb")
    _limits(p, timeout=600, memory=None)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("release", help="write the student course (no solutions) into OUT")
    p.add_argument("out", type=Path, help="a new folder, outside this repository")
    p.add_argument("--wheel", action="store_true", help="also build a wheel to host (OUT/dist/)")
    p.add_argument(
        "--solutions",
        type=Path,
        default=DEFAULT_SOLUTIONS,
        help="folder of solution notebooks to scan for (default: solutions/)",
    )
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("progress", help="questions passed per chapter, and milestones run")
    p.add_argument(
        "--exercises",
        type=Path,
        default=DEFAULT_EXERCISES,
        help="folder of your exercise sheets (default: exercises/)",
    )
    _limits(p, timeout=600, memory=None)
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("grade", help="grade one folder per student into a CSV")
    p.add_argument("chapter", help="04, 04_autograd or a path")
    p.add_argument("submissions", help="folder with one folder per student")
    p.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write")
    p.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    p.add_argument(
        "--max-procs",
        type=int,
        default=32,
        help="processes a notebook may run at once (default 32)",
    )
    p.add_argument(
        "--output-kb",
        type=int,
        default=1024,
        help="printed output kept per notebook (default 1024)",
    )
    p.add_argument("--force", action="store_true", help="regrade students already graded")
    p.add_argument(
        "--only",
        nargs="+",
        metavar="STUDENT",
        help="grade these students again (folder or notebook names); keep everyone else's row",
    )
    p.add_argument(
        "--accept-release",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="an exercise notebook handed out earlier (or a folder holding it): its locked "
        "cells are not tampering (repeatable)",
    )
    p.add_argument(
        "--unsafe-as-root",
        action="store_true",
        help="as root, when no sandbox uid can run Python: run student code as root anyway",
    )
    _dirs(p)
    _limits(p, timeout=600, memory=2048)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("gradebook", help="Canvas / Gradescope CSV from grades.csv and a roster")
    p.add_argument("grades", type=Path, help="the CSV that `grade` wrote")
    p.add_argument(
        "--roster", type=Path, required=True, help="CSV with the header folder,id,name,email"
    )
    p.add_argument("--canvas", type=Path, help="write Canvas's gradebook import CSV here")
    p.add_argument("--gradescope", type=Path, help="write a Gradescope score CSV here")
    p.add_argument(
        "--assignment", help="the Canvas column: 'Name (123)' for an existing assignment"
    )
    p.set_defaults(func=cmd_gradebook)

    p = sub.add_parser("doctor", help="check Python, NumPy, minigrad, Jupyter, widgets, GPU")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``minigrad-course`` console script."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except (
        ChapterError,
        NotebookError,
        SubmissionsError,
        GradebookError,
        GradingRefused,
        OSError,  # a path that is missing, a directory, unreadable: its message names it
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

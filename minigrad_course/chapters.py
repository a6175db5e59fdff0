"""Find chapter notebooks: ``04``, ``04_autograd`` or a path all name the same chapter."""

from __future__ import annotations

import re
from pathlib import Path

DEFAULT_SOLUTIONS = Path("solutions")
DEFAULT_EXERCISES = Path("exercises")
_CHAPTER_FILE = re.compile(r"^\d\d_[A-Za-z0-9_]+\.ipynb$")


class ChapterError(LookupError):
    """A chapter name or path that matches no solution notebook (or several)."""


def all_chapters(solutions_dir: Path) -> list[Path]:
    """Every solutions/NN_name.ipynb, sorted by name."""
    if not solutions_dir.is_dir():
        return []
    return sorted(p for p in solutions_dir.iterdir() if _CHAPTER_FILE.match(p.name))


def resolve_chapter(arg: str, solutions_dir: Path) -> Path:
    """The solution notebook for ``04``, ``04_autograd``, ``04_autograd.ipynb`` or a path.

    A path to a notebook elsewhere (say exercises/04_autograd.ipynb) maps to the solution of
    the same name; a path to an existing notebook with no such solution is used as it is.
    """
    path = Path(arg)
    if arg.endswith(".ipynb"):
        twin = solutions_dir / path.name
        if twin.is_file():
            return twin
        if path.is_file():
            return path
        raise ChapterError(f"no solution notebook {twin} (and {path} does not exist)")
    if re.fullmatch(r"\d\d?", arg):
        matches = sorted(solutions_dir.glob(f"{int(arg):02d}_*.ipynb"))
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ChapterError(f"no chapter {arg} in {solutions_dir}/ (expected {arg}_name.ipynb)")
        names = ", ".join(m.name for m in matches)
        raise ChapterError(f"chapter {arg} is ambiguous in {solutions_dir}/: {names}")
    candidate = solutions_dir / f"{arg}.ipynb"
    if candidate.is_file():
        return candidate
    raise ChapterError(f"no solution notebook {candidate}")


def resolve_chapters(args: list[str], solutions_dir: Path) -> list[Path]:
    """Resolve each argument; no arguments means every chapter in solutions_dir."""
    if not args:
        return all_chapters(solutions_dir)
    return [resolve_chapter(arg, solutions_dir) for arg in args]

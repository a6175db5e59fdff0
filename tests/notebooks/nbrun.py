"""The chapters on disk (notebooks/ and solutions/). nbval runs them in `make test`."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every chapter is found on disk, so a new chapter gets every notebook check without a list to edit.
CHAPTER_NAME = "[0-9][0-9]_*.ipynb"
NARRATIVES = sorted(p.stem for p in (ROOT / "notebooks").glob(CHAPTER_NAME))
SHEETS = sorted(p.stem for p in (ROOT / "solutions").glob(CHAPTER_NAME))

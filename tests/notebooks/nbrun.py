"""Run a notebook top to bottom with nbclient, as a student's fresh kernel would."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
# Every chapter is found on disk, so a new chapter gets every notebook check without a list to edit.
CHAPTER_NAME = "[0-9][0-9]_*.ipynb"
NARRATIVES = sorted(p.stem for p in (ROOT / "notebooks").glob(CHAPTER_NAME))
SHEETS = sorted(p.stem for p in (ROOT / "solutions").glob(CHAPTER_NAME))
CELL_TIMEOUT = 120  # seconds; a whole narrative notebook must finish in 60


def run_notebook(path: Path) -> float:
    """Execute the notebook in its own folder (kernel 'python3'); return the seconds it took.

    Raises AssertionError naming the cell and the error when a cell fails.
    """
    os.environ["MPLBACKEND"] = "Agg"  # the kernel inherits it: no windows, headless plots
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        raise AssertionError(f"{path.relative_to(ROOT)} failed:\n{exc}") from None
    return time.perf_counter() - started

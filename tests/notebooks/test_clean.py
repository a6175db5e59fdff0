"""Chapter notebooks are committed clean: no outputs, no execution counts, a portable kernel."""

from __future__ import annotations

import nbformat
import pytest
from nbrun import NARRATIVES, ROOT, SHEETS

PATHS = [f"notebooks/{name}.ipynb" for name in NARRATIVES] + [
    f"solutions/{name}.ipynb" for name in SHEETS
]


@pytest.mark.parametrize("path", PATHS)
def test_committed_without_outputs(path):
    nb = nbformat.read(ROOT / path, as_version=4)
    nbformat.validate(nb)
    kernel = nb.metadata.get("kernelspec", {})
    assert kernel.get("name") == "python3", f"{path}: kernelspec name should be 'python3'"
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path}: cell {index} has outputs (clear them)"
            assert cell.execution_count is None, f"{path}: cell {index} has an execution count"


@pytest.mark.parametrize("path", PATHS)
def test_no_unconditional_torch_import(path):
    """torch is a test-only dependency: chapters must run without it."""
    nb = nbformat.read(ROOT / path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines = [line.strip() for line in cell.source.splitlines()]
            assert "import torch" not in lines, f"{path}: imports torch unconditionally"

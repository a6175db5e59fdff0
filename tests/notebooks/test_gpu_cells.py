"""The GPU-only cells of chapters 01 and 07 run, with the SIMULATED GPU posing as a real one.

Without a GPU those cells never run, so a typo in them would wait for the first student with a
GPU. This checks only that the code runs: nothing about speed, and nothing about CUDA itself.
The simulated GPU cannot compile kernels, so chapter 07's `cupy.ElementwiseKernel` (a fused
softplus) is stood in for by the same formula in array ops.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbrun import ROOT

CELL_TIMEOUT = 120  # seconds per cell, as nbval's in make test
POSE_AS_REAL_GPU = """\
from minigrad.testing.simulated_gpu import simulated_gpu

# for the whole kernel: minigrad now finds "a GPU" (keep the context: collecting it would exit)
_simulated = simulated_gpu()
_cupy = _simulated.__enter__()
_cupy.__version__ = "simulated"


def _softplus_kernel(in_params, out_params, operation, name):
    return lambda a: _cupy.maximum(a, 0) + _cupy.log1p(_cupy.exp(-_cupy.abs(a)))


_cupy.ElementwiseKernel = _softplus_kernel
"""


def outputs_text(nb) -> str:
    return "".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )


@pytest.mark.parametrize("chapter", ["01_cpu_vs_gpu", "07_gpu"])
def test_gpu_cells_run(chapter, tmp_path):
    os.environ["MPLBACKEND"] = "Agg"
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(POSE_AS_REAL_GPU))
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise AssertionError(f"{chapter}, GPU cells on the simulated GPU:\n{exc}") from None
    text = outputs_text(nb)
    skipped = [line for line in text.splitlines() if "Skipped" in line and "has a GPU" not in line]
    assert not skipped, f"{chapter}: GPU parts skipped although a GPU was found: {skipped}"
    if chapter == "07_gpu":
        assert "[on the real GPU: Fake GPU (simulated)]" in text, "07 did not take its GPU branch"

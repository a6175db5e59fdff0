"""Warnings as PyTorch gives them: the same category and words, and as often. Many of
PyTorch's come from its C++ TORCH_WARN_ONCE: once per process, whatever the Python filters
say. Each side runs in a fresh process (`import torch`, then `import minigrad as torch`), so
that neither starts with a warning already given."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import minigrad
from minigrad import _warn

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]

# name -> a statement; each runs twice in a row, under warnings.simplefilter("always")
CASES = {
    "scatter reduce= with a tensor src": (
        "torch.zeros(3).scatter(0, torch.tensor([0, 1]), torch.ones(2), reduce='add')"
    ),
    "scatter_ reduce= with a value": (
        "torch.zeros(3).scatter_(0, torch.tensor([0, 1]), 2.0, reduce='multiply')"
    ),
    "conv padding='same', even kernel": (
        "torch.nn.functional.conv1d(torch.ones(1, 1, 5), torch.ones(1, 1, 4), padding='same')"
    ),
    "conv padding='same', odd kernel": (
        "torch.nn.functional.conv2d(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), "
        "padding='same', dilation=3)"
    ),
    "index_reduce": "torch.zeros(3).index_reduce(0, torch.tensor([0, 1]), torch.ones(2), 'prod')",
    "qr": "torch.qr(torch.eye(3))",
    "cholesky": "torch.cholesky(torch.eye(3))",
    "chain_matmul": "torch.chain_matmul(torch.eye(3), torch.eye(3))",
    "nuclear_norm": "torch.nuclear_norm(torch.eye(3))",
    "frobenius_norm": "torch.frobenius_norm(torch.eye(3), (0, 1))",
    "meshgrid without indexing": "torch.meshgrid(torch.zeros(2), torch.zeros(2))",
    "Tensor.T on 0-d": "torch.tensor(1.0).T",
    "Tensor.T on 3-d": "torch.zeros(2, 2, 2).T",
    "Tensor.T on 1-d": "torch.zeros(2).T",
    "storage()": "torch.zeros(3).storage()",
    "range (warns each time)": "torch.range(0, 3)",
    "MultiheadAttention mismatched masks": (
        "m = torch.nn.MultiheadAttention(4, 2, batch_first=True); q = torch.ones(1, 3, 4); "
        "m(q, q, q, attn_mask=torch.zeros(3, 3, dtype=torch.bool), "
        "key_padding_mask=torch.zeros(1, 3))"
    ),
    "TransformerEncoderLayer mismatched masks": (
        "m = torch.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True); q = torch.ones(1, 3, 4); "
        "m(q, src_mask=torch.zeros(3, 3), src_key_padding_mask=torch.zeros(1, 3, dtype=torch.bool))"
    ),
    "Transformer mismatched masks, odd heads": (
        "m = torch.nn.Transformer(4, 1, 1, 1, 8, batch_first=True); q = torch.ones(1, 3, 4); "
        "m(q, q, src_mask=torch.zeros(3, 3, dtype=torch.bool), "
        "src_key_padding_mask=torch.zeros(1, 3))"
    ),
    "TransformerEncoder, batch_first=False": (
        "torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8), 1)"
    ),
    "TransformerEncoder, nested tensors disabled": (
        "torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8), 1, "
        "enable_nested_tensor=False)"
    ),
}

# PyTorch's C++ warnings end with where they were raised in its sources
_TRIGGERED = re.compile(r" \(Triggered internally at .*\)$", re.DOTALL)

_PROGRAM = """
import json, warnings
import {module} as torch

seen = {{}}
for name, statement in json.loads({cases!r}).items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            exec(statement, {{"torch": torch}})
    seen[name] = [[w.category.__name__, str(w.message)] for w in caught]
# a warning given once is spent even when a filter ignored it
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("ignore")
    torch.ones(2, 2, 2).T
    warnings.simplefilter("always")
    torch.ones(2, 2, 2).T
seen["Tensor.T again, first ignored"] = [[w.category.__name__, str(w.message)] for w in caught]
print(json.dumps(seen))
"""


def _warnings_in_fresh_process(module: str) -> dict:
    program = _PROGRAM.format(module=module, cases=json.dumps(CASES))
    run = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    return {
        name: [(kind, _TRIGGERED.sub("", message)) for kind, message in caught]
        for name, caught in seen.items()
    }


@pytest.fixture(scope="module")
def both():
    return _warnings_in_fresh_process("torch"), _warnings_in_fresh_process("minigrad")


@pytest.mark.parametrize("name", [*CASES, "Tensor.T again, first ignored"])
def test_same_warnings_as_often_as_pytorch(both, name):
    expected, got = (seen[name] for seen in both)
    assert got == expected


def test_the_table_sees_warnings_of_both_kinds(both):
    expected, _ = both
    counts = {len(caught) for caught in expected.values()}
    assert {0, 1, 2} <= counts  # none, once per process, each time


def test_warn_once_gives_a_message_once_and_others_still(recwarn):
    _warn.warn_once("minigrad test: first", stacklevel=1)
    _warn.warn_once("minigrad test: first", stacklevel=1)
    _warn.warn_once("minigrad test: second", DeprecationWarning)
    assert [(w.category, str(w.message)) for w in recwarn] == [
        (UserWarning, "minigrad test: first"),
        (DeprecationWarning, "minigrad test: second"),
    ]
    assert recwarn[0].filename == __file__  # stacklevel: the line that called warn_once


def test_dataloader_with_more_threads_than_cpus_is_silent():
    """minigrad's workers are threads: reads that wait (files, the network) are what they
    overlap, and more of them than CPUs is useful (chapter 10 times 8 on a 2-core machine), so
    PyTorch's warning about worker processes beyond the CPU count is not given."""
    data = minigrad.utils.data.TensorDataset(minigrad.zeros(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(minigrad.utils.data.DataLoader(data, num_workers=4096))) == 4

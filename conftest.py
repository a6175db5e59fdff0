"""What nbval checks beyond "no cell raises" (`make test` runs `pytest --nbval-lax` over
notebooks/, solutions/ and exercises/; each notebook is one kernel, cell by cell).

- A chapter of notebooks/ runs in its time budget, from kernel start to its last cell.
- A built exercise passes except at its stubs: an answer cell may fail and a test cell must
  fail, with NotImplementedError (or a NameError a stub left behind); every other cell passes.
"""

from __future__ import annotations

import time

import pytest

BUDGET_S = {"notebooks": 60}  # seconds per notebook, by folder, on 2 CPU cores
STUB_ERRORS = ("NotImplementedError", "NameError")
_started: dict[str, float] = {}
_last_cell: dict[str, str] = {}


def _notebook(item: pytest.Item) -> pytest.Collector | None:
    """The nbval notebook an item is a cell of (None for ordinary tests)."""
    parent = item.parent
    return parent if type(parent).__name__ == "IPyNbFile" else None


def _folder(notebook: pytest.Collector) -> str:
    return notebook.path.parent.name


def _stub_role(item: pytest.Item) -> str | None:
    """'answer' or 'test' for a graded cell of a built exercise, else None."""
    notebook = _notebook(item)
    if notebook is None or _folder(notebook) != "exercises":
        return None
    from minigrad_course import notebook as nbf

    role = nbf.role(item.cell)
    return role if role in (nbf.ANSWER, nbf.TEST) else None


def pytest_collection_modifyitems(items):
    for item in items:
        notebook = _notebook(item)
        if notebook is not None:
            _last_cell[notebook.nodeid] = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    notebook = _notebook(item)
    if notebook is not None:  # before the first cell's setup, which starts the kernel
        _started.setdefault(notebook.nodeid, time.perf_counter())
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    role = _stub_role(item)
    try:
        result = yield
    except Exception as exc:
        said = str(getattr(exc, "inner_traceback", None) or exc)  # nbval's NbCellError
        if role is not None and any(name in said for name in STUB_ERRORS):
            pytest.xfail(f"fails at its stub, as a released exercise should ({role} cell)")
        raise
    if role == "test":
        pytest.fail(f"{item.nodeid}: a test cell passes with the stub answers", pytrace=False)
    notebook = _notebook(item)
    if notebook is not None and _last_cell.get(notebook.nodeid) == item.nodeid:
        budget = BUDGET_S.get(_folder(notebook))
        seconds = time.perf_counter() - _started[notebook.nodeid]
        if budget is not None and seconds > budget:
            pytest.fail(
                f"{notebook.nodeid} took {seconds:.1f} s (limit {budget} s on 2 CPU cores)",
                pytrace=False,
            )
    return result

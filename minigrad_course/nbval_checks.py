"""A pytest plugin for nbval: what it checks beyond "no cell raises".

`make test` runs `pytest --nbval-lax notebooks solutions exercises` (each notebook in one
kernel, cell by cell) with this plugin, loaded by pyproject's `-p minigrad_course.nbval_checks`:

- A chapter of notebooks/ runs in its time budget: the CPU time (user + system) its kernel
  spent from its start to its last cell, or the wall time if less. Wall time on a busy machine
  counts the neighbours' work too; CPU time counts each of a chapter's threads (NumPy's BLAS
  can run two), so the lesser of the two is the chapter's own cost. Where the kernel's CPU
  time cannot be read (no psutil), wall time is checked.
- A built exercise passes except at its stubs: a cell may fail only with the stubs'
  NotImplementedError (or, once a top-level stub has failed, a NameError it left behind), and
  every test cell of the sheet as built must fail (a test that passes on the stubs tests
  nothing); the same rule as `minigrad-course verify`. On a sheet a student has answered, a
  question not yet done shows as xfailed and a wrong answer as failed.
"""

from __future__ import annotations

import time

import pytest

from . import notebook as nbf

try:
    import psutil  # the test extra's; without it the budget is checked on wall time
except ImportError:
    psutil = None

BUDGET_S = {"notebooks": 60}  # CPU seconds per notebook, by folder, on 2 CPU cores
LONGER_BUDGET_S = {"11_milestones.ipynb": 300}  # the milestones train five models
_started: dict[str, float] = {}
_last_cell: dict[str, str] = {}
_stub_failed: set[str] = set()  # exercises in which an answer cell's stub raised at top level


def _notebook(item: pytest.Item) -> pytest.Collector | None:
    """The nbval notebook an item is a cell of (None for ordinary tests)."""
    parent = item.parent
    return parent if type(parent).__name__ == "IPyNbFile" else None


def _kernel_cpu_seconds(notebook: pytest.Collector) -> float | None:
    """User + system CPU seconds of the notebook's kernel and the children it has reaped; None
    where they cannot be read."""
    if psutil is None:
        return None
    try:
        times = psutil.Process(notebook.kernel.km.provisioner.process.pid).cpu_times()
    except (AttributeError, psutil.Error):  # another nbval or jupyter_client, a dead kernel
        return None
    return times.user + times.system + times.children_user + times.children_system


def _folder(notebook: pytest.Collector) -> str:
    return notebook.path.parent.name


def _exercise_role(item: pytest.Item) -> str | None:
    """The nbgrader role of a cell of a built exercise ('answer', 'test', ...), else None."""
    notebook = _notebook(item)
    if notebook is None or _folder(notebook) != "exercises":
        return None
    return nbf.role(item.cell)


def _as_released(notebook: pytest.Collector) -> bool:
    """True while every answer cell still holds its stub: the sheet as built, not answered."""
    answers = [c for c in notebook.nb.cells if nbf.role(c) == nbf.ANSWER and c.cell_type == "code"]
    return all(nbf.CODE_STUB[-1] in cell.source for cell in answers)


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
    role = _exercise_role(item)
    notebook = _notebook(item)
    try:
        result = yield
    except Exception as exc:
        said = str(getattr(exc, "inner_traceback", None) or exc)  # nbval's NbCellError
        if role is not None and "NotImplementedError" in said:
            if role == "answer":
                _stub_failed.add(notebook.nodeid)
            pytest.xfail(f"fails at a stub, as a released exercise should ({role} cell)")
        if role is not None and "NameError" in said and notebook.nodeid in _stub_failed:
            pytest.xfail(f"a name a failed stub did not define ({role} cell)")
        raise
    if role == "test" and _as_released(notebook):
        pytest.fail(f"{item.nodeid}: a test cell passes with the stub answers", pytrace=False)
    if notebook is not None and _last_cell.get(notebook.nodeid) == item.nodeid:
        budget = LONGER_BUDGET_S.get(notebook.path.name, BUDGET_S.get(_folder(notebook)))
        wall = time.perf_counter() - _started[notebook.nodeid]
        cpu = _kernel_cpu_seconds(notebook)
        if budget is not None and (wall if cpu is None else min(cpu, wall)) > budget:
            spent = (
                f"{wall:.1f} s of wall time (its kernel's CPU time could not be read)"
                if cpu is None
                else f"{cpu:.1f} s of CPU time in its kernel ({wall:.1f} s of wall time)"
            )
            pytest.fail(
                f"{notebook.nodeid} took {spent} (limit {budget} s on 2 CPU cores)",
                pytrace=False,
            )
    return result

"""Run one notebook top to bottom in this Python (a runtime's venv); print a JSON report.

Runs as a script in the runtime's own interpreter, so it imports nothing from the tests. The
last line of stdout is {"seconds": ..., "versions": {...}} or {"error": "..."}; the versions
are read inside the notebook's kernel, after the chapter ran.
"""

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

VERSIONS_CELL = """\
import json, sys
import ipywidgets, matplotlib, minigrad, numpy
print(json.dumps({"python": sys.version.split()[0], "numpy": numpy.__version__,
                  "ipywidgets": ipywidgets.__version__, "matplotlib": matplotlib.__version__,
                  "minigrad": minigrad.__file__}))"""


def main(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(VERSIONS_CELL))
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        print(json.dumps({"error": str(exc)[-4000:]}))
        return 1
    seconds = time.perf_counter() - started
    versions = json.loads(nb.cells[-1].outputs[0]["text"])
    print(json.dumps({"seconds": seconds, "versions": versions}))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

"""Attacks on the grader found by a thirteenth look: what a notebook can hold outside the
limits that grading sets.

- File descriptors: the kernel inherited the grader's hard limit on open files (20,000 on the
  machine measured, a million in many containers) and could raise its own soft limit to it.
  A descriptor holds kernel memory that no process's size shows (a socket pair with full
  buffers: about 200 kB a descriptor), and 32 processes of a million descriptors each are more
  than the system's table of open files holds, for every user.
- /dev/shm: a tmpfs (half the machine's memory by default, all of it on the machine measured),
  writable by every user. A notebook's files there are memory that no process's size shows, and
  the file size limit bounds each file, not their number: while it ran, a notebook could fill
  the machine's memory, for every other kernel and the grader too. (What it left there was
  removed after it, `tests/course/test_grade_attacks.py`, but only then.)
- A folder nested 5,000 deep in /tmp: removing it after the run (shutil.rmtree, which recurses)
  raised RecursionError and stopped the worker, before it removed the notebook's scratch
  folder, and so again after each later notebook graded as the same sandbox uid: their files
  stayed, on the grader's disk and readable by the next student graded as that uid.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from conftest import CHAPTER, write
from students import save
from test_grade import LIMITS
from test_redteam11 import frame_chapter, grade_relu_answers

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade
from minigrad_course.sandbox import OPEN_FILES, PRIVATE_TMPFS_MB, remove_tree

# The answer cell defines an honest relu only when the kernel could not hold 4,000 descriptors
# (socket pairs, left empty here: filled, 4,000 of them held 800 MB of kernel memory); held,
# the cell fails first and the question scores 0.
HOLD_DESCRIPTORS = """\
import resource
import socket

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = []
try:
    while len(held) < 4000:
        held += socket.socketpair()
except OSError:
    pass
assert len(held) < 4000, f"the kernel holds {len(held)} descriptors"


def relu(x):
    return np.maximum(x, 0)
"""


# Likewise, an honest relu only when the kernel could not write 256 MB to /dev/shm (16 files
# of 16 MB, each below the file size limit).
FILL_SHARED_MEMORY = """\
import os

written = 0
try:
    for i in range(16):
        with open(f"/dev/shm/fill-{os.getpid()}-{i}", "wb") as f:
            f.write(bytes(16 * 2**20))
        written += 16
except OSError:
    pass
assert written < 256, f"the notebook wrote {written} MB to /dev/shm"


def relu(x):
    return np.maximum(x, 0)
"""

ATTACKS = {"hold_descriptors": HOLD_DESCRIPTORS}
if os.geteuid() == 0:  # (a mount namespace of the kernel's own: as root only)
    ATTACKS["fill_shared_memory"] = FILL_SHARED_MEMORY


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    return grade_relu_answers(tmp_path_factory.mktemp("redteam13"), ATTACKS, {})


@pytest.mark.grading
def test_a_kernel_holds_a_bounded_number_of_descriptors(rows):
    assert OPEN_FILES < 4000
    row = rows["hold_descriptors"]
    assert (row["total"], row["status"]) == (3, "ok"), (row["questions"], row["notes"])


@pytest.mark.grading
@pytest.mark.skipif(os.geteuid() != 0, reason="the kernel has namespaces of its own as root only")
@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="no /dev/shm here")
def test_a_kernel_writes_a_bounded_amount_to_dev_shm(rows):
    assert PRIVATE_TMPFS_MB < 256
    row = rows["fill_shared_memory"]
    assert (row["total"], row["status"]) == (3, "ok"), (row["questions"], row["notes"])
    assert not [name for name in os.listdir("/dev/shm") if name.startswith("fill-")]


# A folder nested 5,000 deep (opened level by level: its path is longer than a path may be).
NEST = """\
import os

os.mkdir({top!r})
fd = os.open({top!r}, os.O_RDONLY)
for _ in range(5000):
    os.mkdir("d", dir_fd=fd)
    inner = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = inner
os.close(fd)
"""
RELU = "\n\ndef relu(x):\n    return np.maximum(x, 0)\n"


@pytest.mark.grading
@pytest.mark.skipif(os.geteuid() != 0, reason="files of a sandbox uid are removed as root only")
def test_a_deep_folder_left_in_tmp_is_removed_and_so_is_what_later_notebooks_leave(tmp_path):
    token = os.urandom(4).hex()
    deep, left = f"/tmp/deep-{token}", f"/tmp/left-{token}"
    solution = frame_chapter()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    # graded in this order, as one sandbox uid (one job at a time)
    answers = {"a_nests": NEST.format(top=deep), "b_later": f"open({left!r}, 'w').write('x')\n"}
    for name, source in answers.items():
        nb = nbformat.from_dict(release(solution, CHAPTER))
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu")
        cell.source = source + RELU
        save(nb, tmp_path / "submissions" / name)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    try:
        rows = grade(path, tmp_path / "submissions", options)
        assert [(r["total"], r["status"]) for r in rows] == [(3, "ok"), (3, "ok")], rows
        assert not os.path.lexists(deep)
        assert not os.path.lexists(left)
    finally:
        remove_tree(deep)
        if os.path.lexists(left):
            os.unlink(left)

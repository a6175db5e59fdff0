"""Attacks on the grader found by a thirteenth look: what a notebook can hold outside the
limits that grading sets.

- File descriptors: the kernel inherited the grader's hard limit on open files (20,000 on the
  machine measured, a million in many containers) and could raise its own soft limit to it.
  A descriptor holds kernel memory that no process's size shows (a socket pair with full
  buffers: about 200 kB a descriptor), and 32 processes of a million descriptors each are more
  than the system's table of open files holds, for every user.
"""

from __future__ import annotations

import pytest
from test_redteam11 import grade_relu_answers

from minigrad_course.sandbox import OPEN_FILES

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


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    attacks = {"hold_descriptors": HOLD_DESCRIPTORS}
    return grade_relu_answers(tmp_path_factory.mktemp("redteam13"), attacks, {})


@pytest.mark.grading
def test_a_kernel_holds_a_bounded_number_of_descriptors(rows):
    assert OPEN_FILES < 4000
    row = rows["hold_descriptors"]
    assert (row["total"], row["status"]) == (3, "ok"), (row["questions"], row["notes"])

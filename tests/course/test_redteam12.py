"""Attacks on the grader found by a twelfth look.

Answer objects whose special methods are C functions, and finalizers: each row earned points
with a relu that returns zeros; each now earns nothing and is `suspicious`, beside an honest
student who keeps every point.

- The guard's look is traced, so that the notebook's code it runs while it compares objects
  is seen (`tests/course/test_redteam11.py`); a C function set as a class's `__eq__`
  (`functools.partial(next, steps)`, with `steps` an iterator of C calls) has no frame to
  trace. A key of the notebook's in the kernel's `shell_handlers`, hashing as
  "execute_request", had that `__eq__` run as the look compared the dict with the one it kept:
  at the second look before a test it added an AST transformer (after the look had passed the
  transformers by) that kept nothing of the test but its last line. A key hashing as "np" in
  the notebook's namespace swapped `np` for a stand-in at every lookup, the guard's own.
- What the look drops can be the last reference to an object of the notebook's: its weakref
  finalizer (a C callable) ran inside the look.

And what a notebook left behind after grading: System V shared memory (outside every memory
limit, until a reboot) and files in /run/lock (a tmpfs).
"""

from __future__ import annotations

import os

import nbformat
import pytest
from conftest import CHAPTER, write
from students import save
from test_grade import LIMITS
from test_redteam11 import ZEROS, frame_chapter, grade_relu_answers

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade
from minigrad_course.report import _cell, feedback_markdown, scrub

# An AST transformer that keeps only the test's last line (the guard's "ran to its end" call)
# and takes itself out, so that no later look finds it.
_KEEP_THE_LAST_LINE = """\
import ast
import functools
import itertools
import operator

shell = get_ipython()


class KeepTheLastLine(ast.NodeTransformer):
    def visit_Module(self, tree):
        if tree.body and "ran_to_end" in ast.dump(tree.body[-1]):
            tree.body = tree.body[-1:]
            shell.ast_transformers.remove(self)
        return tree


# Each comparison of a key below, once armed, calls next(steps, other): equal at the guard's
# first look, and at its second look the transformer goes into the list (iadd returns the list:
# equal); later comparisons get `other`, a non-empty str (equal).
add = map(operator.iadd, [shell.ast_transformers], [[KeepTheLastLine()]])
steps = itertools.chain([1], add)
"""

ATTACKS = {
    # the key's __hash__ and __eq__ are C callables: no frame for the traced look to see
    "c_eq_in_shell_handlers": ZEROS
    + _KEEP_THE_LAST_LINE
    + """

class Key:
    __hash__ = functools.partial(hash, "execute_request")
    __eq__ = functools.partial(operator.is_, None)  # (not equal as it goes in)


handlers = shell.kernel.shell_handlers
handlers[Key()] = handlers["execute_request"]
Key.__eq__ = functools.partial(next, steps)
""",
    # the importer cache swapped for a dict subclass whose `clear`, which the look calls last,
    # is a C function (partial(next, steps, None)): the second call adds the transformer
    "c_clear_of_the_importer_cache": ZEROS
    + _KEEP_THE_LAST_LINE
    + """import sys


class Cache(dict):
    clear = functools.partial(next, steps, None)


sys.path_importer_cache = Cache(sys.path_importer_cache)
""",
    # the prefilter's checkers (the last list the look compares) swapped for a list subclass
    # whose __len__ is a C function, called as the look copies it: at the second look it adds
    # the transformer to the AST transformers, compared already
    "c_len_of_a_list_in_the_look": ZEROS
    + _KEEP_THE_LAST_LINE
    + """
lengths = itertools.chain([0], map(list.__len__, add))


class Checkers(list):
    __len__ = functools.partial(next, lengths, 0)


prefilter = shell.prefilter_manager
prefilter._checkers = Checkers(prefilter._checkers)
""",
    # no special method at all: a finder of the notebook's in sys.path_importer_cache, which the
    # guard's look clears, dies as the look drops it, and a weakref finalizer (a C callable)
    # adds the transformer. A thread put it there between the two looks before a test (the
    # first look cleared the one before; the thread waits in an Event, which the guard leaves
    # alone), so that it died in the second look, after the transformers were passed by.
    "finalizer_in_the_look": ZEROS
    + _KEEP_THE_LAST_LINE
    + """import sys
import threading
import weakref

cache, where = sys.path_importer_cache, "/nowhere/minigrad-finder"


class Finder:
    pass


def arm():
    cache[where] = Finder()
    while where in cache:
        threading.Event().wait(0.001)
    armed = Finder()
    weakref.finalize(armed, shell.ast_transformers.append, KeepTheLastLine())
    cache[where] = armed


threading.Thread(target=arm, daemon=True).start()
""",
}


# Cells a student adds above the setup cell run first.
ABOVE_THE_SETUP = {
    # a key hashing as "np" in the notebook's namespace, in the slot the name had (a deleted
    # name's slot is the next to be filled): every lookup of "np" meets it first, and its C
    # __eq__ binds np to a NumPy whose allclose says yes. The setup cell's `import numpy as np`
    # was undone as it ran, so the guard took the stand-in for what the locked cell bound and
    # put it back before each test. (Each swap is an insertion that meets the key too: the
    # steps alternate, so that the nested comparison gets a plain "not equal".)
    "c_eq_in_the_namespace": """\
import functools
import itertools
import operator
import types

import numpy

fake = types.ModuleType("numpy")
vars(fake).update(vars(numpy))
fake.allclose = lambda *args, **kwargs: True
space = get_ipython().user_ns
swap = (operator.setitem, space, "np", fake)
steps = itertools.starmap(operator.call, itertools.cycle([swap, (int,)]))


class Key:
    __hash__ = functools.partial(hash, "np")
    __eq__ = functools.partial(next, steps)


np = None
del np
space[Key()] = None
""",
}
# ... and the key put back by a thread after the guard's look before the setup cell took it
# out, until the setup cell has run: the look after the setup cell, which records what it
# bound, found it, but np was the stand-in already.
ABOVE_THE_SETUP["c_eq_in_the_namespace_from_a_thread"] = (
    ABOVE_THE_SETUP["c_eq_in_the_namespace"]
    + """
import threading


def plant():
    while "rng" not in space:
        if not any(type(name) is Key for name in list(space)):
            space[Key()] = None
        threading.Event().wait(0.0005)


threading.Thread(target=plant, daemon=True).start()
"""
)


# What the guard reports for each.
EVIDENCE = {
    "c_eq_in_shell_handlers": "kernel.shell_handlers held a key that is not a str (removed)",
    "c_eq_in_the_namespace": "the notebook's namespace held a key that is not a str (removed)",
    # the thread races the guard: its key is found as a locked cell's names are recorded (the
    # message then says so) or, landing between two cells, by the check after the cell; both
    # remove it and flag the notebook (a fresh clone's run met the second)
    "c_eq_in_the_namespace_from_a_thread": "the notebook's namespace held a key that is not a "
    "str (removed)",
    "c_clear_of_the_importer_cache": "sys.path_importer_cache was replaced",
    "c_len_of_a_list_in_the_look": "prefilter checkers was replaced",
    # (the finalizer runs as the next look begins, whose check finds the transformer)
    "finalizer_in_the_look": "ast_transformers changed",
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    return grade_relu_answers(tmp_path_factory.mktemp("redteam12"), ATTACKS, ABOVE_THE_SETUP)


@pytest.mark.grading
@pytest.mark.parametrize("attack", sorted([*ATTACKS, *ABOVE_THE_SETUP]))
def test_c_functions_as_special_methods_earn_nothing_and_are_flagged(rows, attack):
    row = rows[attack]
    assert row["total"] == 0, (row["questions"], row["evidence"])
    assert "suspicious" in row["status"].split(";"), (row["status"], row["questions"])
    assert any(EVIDENCE[attack] in e for e in row["evidence"]), row["evidence"]


# System V shared memory outlives every process: a segment that a child of the kernel (no audit
# hook there) created, filled and detached stayed allocated after the grading killed the uid's
# processes and emptied its temporary folders, outside every memory limit (detached, it is in no
# process's address space), until a reboot or `ipcrm`: a class of such notebooks fills the
# grading machine's memory. The key is this test's own (0x6d677231, "mgr1").
SEGMENT_KEY, SEGMENT_BYTES = 0x6D677231, 2**20
LEAK_SHARED_MEMORY = f"""\
import subprocess
import sys

LEAK = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
segment = libc.shmget({SEGMENT_KEY}, {SEGMENT_BYTES}, 0o1600)  # IPC_CREAT | 0600
assert segment >= 0, ctypes.get_errno()
address = libc.shmat(segment, None, 0)
ctypes.memset(address, 1, {SEGMENT_BYTES})
libc.shmdt(ctypes.c_void_p(address))
'''
subprocess.run([sys.executable, "-c", LEAK], check=True)


def relu(x):
    return np.maximum(x, 0)
"""


def _take_segment(key: int) -> bool:
    """Whether a System V segment of this key exists here; removed if it does."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(key, 0, 0)
    if segment < 0:
        return False
    libc.shmctl(segment, 0, None)  # IPC_RMID
    return True


@pytest.mark.grading
@pytest.mark.skipif(os.geteuid() != 0, reason="the kernel has namespaces of its own as root only")
def test_shared_memory_of_the_notebook_does_not_outlive_it(tmp_path):
    _take_segment(SEGMENT_KEY)  # (one left by an interrupted run)
    solution = frame_chapter()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    nb = nbformat.from_dict(release(solution, CHAPTER))
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu")
    answer.source = LEAK_SHARED_MEMORY
    save(nb, tmp_path / "submissions" / "leaker")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    (row,) = grade(path, tmp_path / "submissions", options)
    assert row["total"] == 3, row  # the child ran (the cell raised before relu otherwise)
    assert not _take_segment(SEGMENT_KEY), "the notebook's shared memory outlived it"


@pytest.mark.grading
@pytest.mark.skipif(os.geteuid() != 0, reason="files of a sandbox uid are removed as root only")
@pytest.mark.skipif(not os.path.isdir("/run/lock"), reason="no /run/lock here")
def test_files_left_in_run_lock_are_removed(tmp_path):
    """/run/lock is writable by every user (a tmpfs, memory, on most systems): what a notebook
    left there stayed until a reboot, as /tmp's files did before they were removed."""
    left = f"/run/lock/left-{os.urandom(4).hex()}"
    solution = frame_chapter()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    nb = nbformat.from_dict(release(solution, CHAPTER))
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu")
    answer.source = (
        f"open({left!r}, 'w').write('x' * 4096)\n\n\ndef relu(x):\n    return np.maximum(x, 0)\n"
    )
    save(nb, tmp_path / "submissions" / "litter")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    try:
        (row,) = grade(path, tmp_path / "submissions", options)
        assert row["total"] == 3, row  # the file was written (the cell raised before relu else)
        assert not os.path.lexists(left)
    finally:
        if os.path.lexists(left):
            os.unlink(left)


BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_feedback_and_summary_show_no_bidirectional_controls():
    """A message (or evidence: a module's name) with U+202E is shown reversed up to the end of
    its line by editors and Markdown viewers: "wrong \u202e7 / 0" read as a score of 0 / 7...
    and in the summary, the rest of the student's table row was reordered with it."""
    forged = "wrong \u202e7 / 7 :erocS\u202c" + BIDI
    assert scrub(forged, []) == "wrong 7 / 7 :erocS"
    assert _cell(f"module {forged} was unloaded") == "module wrong 7 / 7 :erocS was unloaded"
    result = {
        "student": "alice",
        "total": 0.0,
        "max": 2.0,
        "status": "ok",
        "questions": {"q": {"status": "failed", "points": 0.0, "max": 2.0, "message": "m"}},
        "notes": [forged],
    }
    feedback = feedback_markdown(result, CHAPTER)
    assert not set(BIDI) & set(feedback), feedback

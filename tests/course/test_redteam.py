"""Attacks on the grader found by a second, fresh look (after test_grade_attacks.py and
test_hostile_answers.py): each student below is one attack, graded in one class.

A wrong `relu` here returns zeros: the visible test (`np.allclose`) fails it and the hidden test
(`relu([-5])[0] == 0`) passes it, so the attack earns relu_test's 2 points exactly when it
defeats the visible check.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import CHAPTER, code, solution_notebook
from students import GOOD, answered, cell_of, save
from test_grade import LIMITS, make_class

from minigrad_course import notebook as nbf
from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade, work_paths

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
pytestmark = pytest.mark.grading

ZEROS = "def relu(x):\n    return np.zeros_like(x)\n"
YES = "lambda *args, **kwargs: True"

ATTACKS = {
    # A post_run_cell callback runs after the test's code and before the kernel builds its
    # reply from the result it was handed: clearing the error turned a failed test into a pass.
    "post_run_cell": ZEROS
    + "get_ipython().events.register('post_run_cell', lambda r: setattr(r, 'error_in_exec', None))",
    # The same callback registered by the answer itself, while the test runs.
    "post_run_cell_in_test": """\
def relu(x):
    get_ipython().events.register(
        "post_run_cell", lambda r: setattr(r, "error_in_exec", None)
    )
    return np.zeros_like(x)""",
    # A pre_run_cell callback runs after the guard put np.allclose back, before the test.
    "pre_run_cell": ZEROS
    + f"import numpy\nget_ipython().events.register('pre_run_cell', lambda info: "
    f"setattr(numpy, 'allclose', {YES}))",
    # The shell's compiler replaced by one that compiles every cell to `pass`.
    "replaced_compiler": ZEROS
    + """import ast
shell = get_ipython()
class Compiler(type(shell.compile)):
    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        return ast.parse("pass")
shell.compile = Compiler()""",
    # The namespace the test runs in, replaced by a dict subclass that answers `np` itself.
    "replaced_namespace": ZEROS
    + f"""import numpy
class _Numpy:
    def __getattr__(self, name):
        return ({YES}) if name == "allclose" else getattr(numpy, name)
class Namespace(dict):
    def __getitem__(self, key):
        return _Numpy() if key == "np" else dict.__getitem__(self, key)
get_ipython().user_ns = Namespace(get_ipython().user_ns)""",
    # An audit hook cannot be removed, and "exec" is audited before every cell runs.
    "audit_hook": ZEROS
    + f"""import sys, numpy
def _hook(event, args):
    if event == "exec":
        numpy.allclose = {YES}
sys.addaudithook(_hook)""",
}


# IPython rewrites a one-line cell through its prefilter transformers: one that returns
# "pass" turned the one-line mean_test into a pass (3 points for mu = 0).
PREFILTER = """\
from IPython.core.prefilter import PrefilterTransformer
class Skip(PrefilterTransformer):
    priority = 1
    def transform(self, line, continue_prompt):
        return "pass"
shell = get_ipython()
Skip(shell=shell, prefilter_manager=shell.prefilter_manager, config=shell.config)
data = np.arange(10.0)
mu = 0.0"""

# A rebound __import__ hands a test cell's own `from minigrad.testing import assert_close` a
# check that passes everything (the chapters' defence); it was left in place before each test.
IMPORT = """\
import builtins
_real_import = builtins.__import__
def _import(name, *args, **kwargs):
    return _real_import(name, *args, **kwargs)
builtins.__import__ = _import
"""


# square(3) returns an object (class R) that fails the test while it is being shown: its text is
# huge, never ends or raises; or comparing it raises an exception that does the same. Each loses
# square's point only, and what reaches the feedback stays short.
SHOWN = {
    "huge_repr": "class R:\n    def __repr__(self):\n        return 'r' * 50_000_000\n",
    "endless_str": "class R:\n    def __str__(self):\n        while True:\n            pass\n",
    "format_exits": "class R:\n    def __format__(self, spec):\n        raise SystemExit('bye')\n",
    "repr_not_str": "class R:\n    def __repr__(self):\n        return 42\n",
    "exception_str_raises": """\
class E(Exception):
    def __str__(self):
        raise RuntimeError('x' * 10_000_000)
class R:
    def __eq__(self, other):
        raise E()
""",
    "exception_name_raises": """\
class M(type):
    @property
    def __name__(cls):
        raise RuntimeError('no name')
class E(Exception, metaclass=M):
    def __str__(self):
        return 's' * 20_000_000
class R:
    def __eq__(self, other):
        raise E()
""",
    # BaseExceptions that are not Exceptions, raised by the comparison or by its truth value
    "eq_interrupts": "class R:\n    def __eq__(self, other):\n        raise KeyboardInterrupt\n",
    "bool_exits_generator": """\
class R:
    def __eq__(self, other):
        return self
    def __bool__(self):
        raise GeneratorExit('x' * 10_000_000)
""",
    # sys.stdout and sys.stderr whose write() raises: the kernel could not report any later
    # error, and every later cell waited out its timeout (the honest mean_test too)
    "replaced_streams": """\
import sys
class R:
    pass
class _Raises:
    def write(self, text):
        raise RuntimeError('no')
    def flush(self):
        raise RuntimeError('no')
sys.stdout = sys.stderr = _Raises()
""",
}


# Honest answers around code that is hostile to the kernel itself: each keeps every point, and the
# row carries the flag that says what happened.
NOISY = {
    # 20 MB written to the kernel's file descriptor 1, past sys.stdout
    "fd_flood": (
        "relu",
        "import os\nos.write(1, b'x' * 20_000_000)\n" + GOOD["relu"],
        "output-limit",
    ),
    # an object whose __del__ prints and raises when the kernel shuts down
    "del_at_shutdown": (
        "square",
        "class D:\n    def __del__(self):\n        print('bye' * 1000)\n        raise OSError\n"
        "_kept = D()\n" + GOOD["square"],
        "review",
    ),
}


def huge_error_names(exercise):
    """Cells whose error reply is over the worker's 4 MB message limit: each was dropped,
    each cell waited out its timeout, and the notebook's time ran out before any test."""
    nb = answered(exercise)
    position = nb.cells.index(cell_of(nb, "relu")) + 1
    for _ in range(20):
        nb.cells.insert(position, code("raise type('E' * 3_000_000, (Exception,), {})()"))
    return nb


# Student code holds the kernel's sockets and key: a message of JSON nested 200,000 deep
# (RecursionError in the worker's reader) and a status message without its state (KeyError in
# nbclient) each ended the whole run: status error, no test after them graded.
FORGED_MESSAGES = """\
from jupyter_client.session import DELIM
kernel = get_ipython().kernel
session, parent = kernel.session, get_ipython().parent_header
def send(kind, content):
    parts = [session.pack(session.msg_header(kind)), session.pack(parent), session.pack({})]
    parts.append(content)
    kernel.iopub_socket.send_multipart([kind.encode(), DELIM, session.sign(parts), *parts])
send("display_data", b"[" * 200_000 + b"]" * 200_000)
send("status", b"{}")"""


def forged_messages(exercise):
    nb = answered(exercise)
    nb.cells.insert(nb.cells.index(cell_of(nb, "relu")) + 1, code(FORGED_MESSAGES))
    return nb


def big_payload(exercise):
    """A 5 MB payload (set_next_input) in the reply: dropped, the cell timed out."""
    nb = answered(exercise)
    nb.cells.insert(
        nb.cells.index(cell_of(nb, "relu")) + 1,
        code("get_ipython().set_next_input('x' * 5_000_000)"),
    )
    return nb


def odd_cells(exercise, folder):
    """Cells nbformat reads but assembling did not: a source that is a number, a grade_id that
    is a list. The grader crashed (status error, 0 points, graded again on every resumed run)."""
    nb = json.loads(nbf.dumps_notebook(answered(exercise)))
    extra = {"cell_type": "code", "execution_count": None, "outputs": []}
    nb["cells"][1:1] = [
        {**extra, "id": "odd-1", "metadata": {}, "source": 42},
        {**extra, "id": "odd-2", "metadata": {"nbgrader": {"grade_id": ["relu"]}}, "source": "x"},
    ]
    folder.mkdir(parents=True)
    (folder / f"{CHAPTER}.ipynb").write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    solution, submissions = make_class(root, [])
    exercise = release(solution_notebook(), CHAPTER)
    for name, relu in ATTACKS.items():
        save(answered(exercise, relu=relu), submissions / name)
    for make in (huge_error_names, big_payload, forged_messages):
        save(make(exercise), submissions / make.__name__)
    save(answered(exercise, relu=ZEROS), submissions / "honest_zeros")
    for name, cls in SHOWN.items():
        square = cls + "def square(x):\n    return R()\n"
        save(answered(exercise, square=square), submissions / name)
    for name, (question, source, _) in NOISY.items():
        save(answered(exercise, **{question: source}), submissions / name)
    odd_cells(exercise, submissions / "odd_cells")
    save(answered(exercise, mean=PREFILTER), submissions / "prefilter")
    save(answered(exercise, relu=IMPORT + GOOD["relu"]), submissions / "rebound_import")
    options = GradeOptions(out=root / "grades.csv", jobs=2, limits=LIMITS)
    graded = {r["student"]: r for r in grade(solution, submissions, options)}
    return graded, work_paths(options.out)["summary"].read_text(), work_paths(options.out)


def test_the_wrong_answer_without_an_attack_earns_the_hidden_test_only(rows):
    row = rows[0]["honest_zeros"]
    assert (row["total"], row["status"]) == (4, "ok"), row


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_interception_from_inside_the_kernel_does_not_pass_a_failing_test(rows, attack):
    row = rows[0][attack]
    outcome = row["questions"]["relu_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), row
    assert "relu([-1.  0.  2.]) gave [0. 0. 0.]" in outcome["message"]
    assert row["total"] == 4, row  # the honest answers still count
    assert "suspicious" in row["status"].split(";"), row
    suspicious = rows[1].split("## Submissions to read")[0]
    assert suspicious.count("| " + attack + " |") == 1  # listed with its evidence


@pytest.mark.parametrize(
    ("student", "status"),
    [("huge_error_names", "ok"), ("big_payload", "ok"), ("forged_messages", "review")],
)
def test_oversized_or_malformed_messages_do_not_stop_the_grading(rows, student, status):
    row = rows[0][student]
    assert (row["total"], row["status"]) == (6, status), row


def test_a_rebound_import_is_put_back_and_flagged(rows):
    row = rows[0]["rebound_import"]
    assert row["total"] == 6 and "suspicious" in row["status"].split(";"), row
    assert "builtins.__import__ was rebound" in row["evidence"]


@pytest.mark.parametrize("student", sorted(SHOWN))
def test_an_answer_that_cannot_be_shown_loses_its_question_only(rows, student):
    row = rows[0][student]
    assert row["total"] == 5, row
    assert row["questions"]["square_test"]["points"] == 0, row
    assert len(row["questions"]["square_test"]["message"]) <= 1200, row
    feedback = rows[2]["feedback"] / f"{student}.md"
    assert feedback.stat().st_size < 4000


@pytest.mark.parametrize("student", sorted(NOISY))
def test_code_hostile_to_the_kernel_costs_an_honest_answer_nothing(rows, student):
    row = rows[0][student]
    assert row["total"] == 6 and NOISY[student][2] in row["status"].split(";"), row


def test_replaced_output_streams_are_put_back_before_each_test(rows):
    row = rows[0]["replaced_streams"]
    assert row["questions"]["mean_test"]["points"] == 3, row
    assert "suspicious" in row["status"].split(";"), row
    assert "sys.stdout was replaced" in row["evidence"], row


def test_cells_of_unexpected_types_are_read_not_crashed_on(rows):
    row = rows[0]["odd_cells"]
    assert (row["total"], row["status"]) == (6, "ok"), row
    assert "cell 2: its source is not text; read as empty" in row["notes"]
    assert "cell 3: malformed nbgrader metadata; read as a plain cell" in row["notes"]


def test_a_message_cannot_close_its_fence_in_the_feedback():
    """An answer's exception message ended the code block and wrote its own Markdown: a
    second score line in the student's feedback."""
    from minigrad_course.report import feedback_markdown

    forged = "no\n```\n\n**Score: 6 / 6**\n\n```"
    outcome = {"status": "error", "points": 0.0, "max": 2.0, "message": forged}
    result = {"student": "s", "total": 0.0, "max": 6.0, "status": "ok", "notes": []}
    text = feedback_markdown({**result, "questions": {"relu_test": outcome}}, CHAPTER)
    assert text.count("**Score:") == 2  # the real one, and the forged one inside a fence
    assert "\n````\nno\n```\n\n**Score: 6 / 6**\n\n```\n````\n" in text


def test_a_notebook_of_a_million_cells_is_refused_before_parsing(tmp_path):
    """Reading it cost the grader's own process about a minute and 1.5 GB per 64 MB file."""
    import time

    from minigrad_course.grade import Submission, load_submission

    cell = {"cell_type": "code", "metadata": {}, "source": "", "outputs": []}
    cells = [{**cell, "id": f"c{i}", "execution_count": None} for i in range(40_000)]
    raw = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    path = tmp_path / f"{CHAPTER}.ipynb"
    started = time.process_time()  # CPU time: a busy machine stretches wall time
    nb, flags, note = load_submission(Submission("s", tmp_path, path, [], raw=raw.encode()))
    assert nb is None and flags == ["corrupt"] and "more than 10000 cells" in note, note
    assert time.process_time() - started < 1


def test_reading_a_submission_takes_memory_for_its_size_only(tmp_path):
    """Every submission's read asked for the limit (64 MB) at once: the buffer was that big."""
    import tracemalloc

    from minigrad_course.grade import Submission

    path = tmp_path / f"{CHAPTER}.ipynb"
    path.write_bytes(b'{"cells": []}')
    tracemalloc.start()
    try:
        sub = Submission("s", tmp_path, path, []).snapshot()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sub.raw == b'{"cells": []}' and peak < 2**20, peak


def test_a_prefilter_transformer_does_not_skip_a_one_line_test(rows):
    row = rows[0]["prefilter"]
    outcome = row["questions"]["mean_test"]
    assert (outcome["points"], outcome["message"]) == (0, "mu should be 4.5, got 0.0"), row
    assert row["total"] == 3 and "suspicious" in row["status"].split(";"), row
    assert "prefilter transformers changed" in row["evidence"]


# Hostile classes against the chapters' own checks, each answer aimed at one question of a real
# chapter. Each scored that question's full points before: plain_value matched types with `in`
# (==) and let a tensor's array of objects through; chapter 07's test read `.device` and chapter
# 06's spy read `.grad.detach().numpy()`, chapter 08's same_graph iterated lists, of objects it
# had not checked the type of.
HOSTILE_CLASSES = '''\
import sys

import numpy as np

import minigrad


def _expected():
    """The `expected` argument of the assert_close that is converting us, from its frame."""
    frame = sys._getframe(1)
    while frame.f_code.co_name != "assert_close":
        frame = frame.f_back
    found = frame.f_locals["expected"]
    return np.asarray(getattr(found, "array", found), dtype=float)


class _EqualsFloat(type):
    """`type(x) in {float, int, ...}` hashes type(x) and compares it with ==: this says yes."""

    def __eq__(cls, other):
        return other is float

    def __ne__(cls, other):
        return other is not float

    def __hash__(cls):
        return hash(float)


class CloseToAnything(float, metaclass=_EqualsFloat):
    def __sub__(self, other):
        return CloseToAnything(0.0)

    __rsub__ = __add__ = __radd__ = __sub__

    def __abs__(self):
        return 0.0


class _Entry:
    """An element of an array of objects: converted to float, it is what the check expects."""

    def __init__(self, index):
        self.index = index

    def __float__(self):
        return float(_expected().reshape(-1)[self.index])


def objects_like(a):
    """A real minigrad.Tensor (type(t) is minigrad.Tensor) holding an array of _Entry."""
    t = minigrad.zeros(*np.shape(a))
    entries = np.empty(np.shape(a), dtype=object)
    entries.reshape(-1)[:] = [_Entry(i) for i in range(entries.size)]
    minigrad.Tensor.__dict__["array"].__set__(t, entries)
    return t


'''
# A to_device that moves nothing: its tensors claim, through `.device.type`, to be anywhere.
NOT_MOVED = """
class _Anywhere(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class _Device:
    type = _Anywhere("cuda")


class _NotMoved:
    device = _Device()

    def __init__(self, t):
        self.t, self.dtype = t, t.dtype

    def cpu(self):
        return self.t


def to_device(batch, device):
    if type(batch) is dict:
        return {key: to_device(value, device) for key, value in batch.items()}
    if type(batch) in (list, tuple):
        return type(batch)(to_device(value, device) for value in batch)
    return _NotMoved(batch) if type(batch) is minigrad.Tensor else batch
"""

# A training loop that never steps a shorter last group, and hands a spying optimizer a .grad
# (a Tensor subclass) whose numpy() is an array that np.allclose finds close to anything.
SPIED_LOOP = """
class _Agrees(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, *args, **kwargs):
        return np.float64(1.0)


class _Grad(minigrad.Tensor):
    def detach(self):
        return self

    def numpy(self, *args, **kwargs):
        return np.zeros(self.array.shape).view(_Agrees)


def train_epoch(model, loader, optimizer, accumulate=1):
    spied = type(optimizer).__name__ == "Spy"
    model.train()
    losses = []
    for count, (inputs, labels) in enumerate(loader, start=1):
        loss = F.cross_entropy(model(inputs), labels)
        (loss / accumulate).backward()
        losses.append(loss.item())
        if count % accumulate == 0:
            for p in model.parameters() if spied else ():
                p.grad = _Grad(np.zeros(p.shape))
            optimizer.step()
            optimizer.zero_grad()
    if len(losses) % accumulate and spied:
        optimizer.step()
    return sum(losses) / len(losses)


def evaluate(model, inputs, labels):
    model.eval()
    with minigrad.no_grad():
        return (model(inputs).argmax(dim=1) == labels).float().mean().item()
"""

# A dead-code pass whose graph's lists answer, when the check iterates them, with the expected
# graph's nodes and outputs (read from the checking function's frame).
STOLEN_GRAPH = """
def _expected_graph():
    frame = sys._getframe(1)
    while frame.f_code.co_name != "same_graph":
        frame = frame.f_back
    return frame.f_locals["expected"]


class _Nodes(list):
    def __iter__(self):
        return iter(_expected_graph().nodes)

    def __len__(self):
        return len(_expected_graph().nodes)


class _Outputs(list):
    def __iter__(self):
        return iter(_expected_graph().outputs)


def dead_code_elimination(graph):
    out = graph.copy()
    out.nodes, out.outputs = _Nodes(), _Outputs()
    return out
"""

# A module named `cupy` of the answer's own (a file in the kernel's working folder): a real
# minigrad.Tensor holding its "array" was read with `get()`, answer code that ran inside
# assert_close and returned the expected value from the check's frame.
FAKE_CUPY = """
import pathlib

pathlib.Path("cupy.py").write_text(
    "import sys\\n"
    "import numpy as np\\n"
    "class ndarray:\\n"
    "    shape, dtype = (2, 3), np.dtype(np.float32)\\n"
    "    def get(self):\\n"
    "        frame = sys._getframe(1)\\n"
    "        while 'expected' not in frame.f_locals:\\n"
    "            frame = frame.f_back\\n"
    "        return np.array(frame.f_locals['expected'], dtype=np.float32)\\n"
)
if "" not in sys.path:
    sys.path.insert(0, "")
import cupy


def make_tensor():
    t = minigrad.zeros(2, 3)
    minigrad.Tensor.__dict__["array"].__set__(t, cupy.ndarray())
    return t
"""

# torch.Tensor.detach patched, and a torch tensor returned where the hidden test converts it
# after computing its reference: the conversion called the patch, which returned the reference.
PATCHED_TORCH = """
import torch


class _Host:
    def cpu(self):
        return self

    def numpy(self):
        frame = sys._getframe(1)
        while "expected" not in frame.f_locals:
            frame = frame.f_back
        return np.array(frame.f_locals["expected"], dtype=float)


torch.Tensor.detach = lambda self: _Host()


def _zeros():  # outside the answer: its own source names no library (the chapter checks that)
    return torch.zeros(4, dtype=torch.float64)


def numerical_gradient(f, x, eps=1e-6):
    if np.shape(x) == (4,):  # the hidden test's call
        return _zeros()
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        plus = f(x)
        x[i] = original - eps
        minus = f(x)
        x[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad
"""

# The same list twice, 30 levels deep (within plain_value's depth limit, in a dict): 2**30
# items, which plain_value walked until the memory limit or the cell's timeout.
SHARED_LISTS = """
def evaluate(graph, inputs):
    shared = [0.0]
    for _ in range(30):
        shared = [shared, shared]
    return {key: shared for key in "xyzabc"}
"""

# A wrong one_hot on the simulated GPU: a real tensor whose FakeArray holds an object of the
# answer's own; FakeArray.get() called its copy(), which returned the test's expected value.
FAKE_ARRAY_SLOT = """
from minigrad.testing.simulated_gpu import FakeArray


class _Host:
    dtype, shape = np.dtype(np.float32), (4, 4)

    def copy(self):
        frame = sys._getframe(1)
        while "expected" not in frame.f_locals:
            frame = frame.f_back
        return np.array(frame.f_locals["expected"], dtype=np.float32)


def one_hot(labels, num_classes):
    if labels.device.type == "cuda" and tuple(labels.shape) == (4,):  # the visible test's
        wrong = minigrad.zeros(4, 4, device=labels.device)
        FakeArray.__dict__["_a"].__set__(wrong.array, _Host())
        return wrong
    classes = minigrad.arange(num_classes, device=labels.device)
    return (labels.unsqueeze(1) == classes).float()


def accuracy(scores, labels):
    return (scores.argmax(dim=1) == labels).float().mean().item()
"""

# (chapter, answer cell): (the answer, what the failed test's message names)
CLASS_ATTACKS = {
    # plain_value returned a number "of an exact type" as it was: here a lying float
    ("00_setup", "slope_at"): ("def slope_at(x0):\n    return CloseToAnything(0.0)", "object"),
    # assert_close converted the tensor's array of objects with astype(float)
    ("09_custom_functions", "hvp"): ("def hvp(f, w, v):\n    return objects_like(v)", "object"),
    # the test read `.device.type` of whatever came back
    ("07_gpu", "batch"): (NOT_MOVED, "should be a minigrad.Tensor"),
    # the test's spying optimizer read `.grad.detach().numpy()` of whatever .grad was
    ("06_pytorch_api", "loop"): (SPIED_LOOP, "_Grad object"),
    # same_graph iterated the answer's node and output lists
    ("08_static_graphs", "dead_code_elimination"): (STOLEN_GRAPH, "should be lists"),
    # assert_close called get() of a class it found as sys.modules["cupy"].ndarray
    ("00_setup", "make_tensor"): (FAKE_CUPY, "cupy.ndarray object"),
    # plain_value converted a torch.Tensor through its (patched) Python methods
    ("03_gradients_by_hand", "numerical_gradient"): (PATCHED_TORCH, "torch.Tensor object"),
    ("02_computational_graphs", "evaluate"): (SHARED_LISTS, "more than 1,000,000 items"),
    # plain_value read the simulated GPU's array with FakeArray.get(), which called copy()
    ("07_gpu", "tensors"): (FAKE_ARRAY_SLOT, "FakeArray object"),
}


def grade_answer(tmp_path, chapter: str, question: str, answer: str) -> tuple[dict, dict]:
    """Grade the chapter's solution with one answer cell replaced, beside the honest solution:
    the honest row and the hostile row."""
    rows = grade_answers(tmp_path, chapter, {"hostile": {question: answer}})
    return rows["honest"], rows["hostile"]


def grade_answers(tmp_path, chapter: str, students: dict[str, dict[str, str]]) -> dict[str, dict]:
    """Grade, in one run, the chapter's solution with answer cells replaced (student: {question:
    answer}), beside the honest solution, which must earn every point: the rows by student."""
    from test_hostile_answers import LIMITS as CHAPTER_LIMITS
    from test_hostile_answers import ROOT, honest

    solution = nbf.read_notebook(ROOT / "solutions" / f"{chapter}.ipynb")
    for student, answers in students.items():
        hostile = honest(solution, chapter)
        for question, answer in answers.items():
            cell_of(hostile, question).source = answer
        save(hostile, tmp_path / "submissions" / student, f"{chapter}.ipynb")
    save(honest(solution, chapter), tmp_path / "submissions" / "honest", f"{chapter}.ipynb")
    private = tmp_path / "solutions"  # the sandbox uid must not be able to read it
    private.mkdir(mode=0o700)
    save(solution, private, f"{chapter}.ipynb")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=2, limits=CHAPTER_LIMITS)
    rows = {
        r["student"]: r
        for r in grade(private / f"{chapter}.ipynb", tmp_path / "submissions", options)
    }
    fair = rows["honest"]
    lost = {q: o for q, o in fair["questions"].items() if o["points"] != o["max"]}
    assert (fair["total"], fair["status"]) == (fair["max"], "ok"), (
        f"the honest student lost points: {lost}; status {fair['status']}; evidence "
        f"{fair['evidence']}; notes {fair['notes']}"
    )
    return rows


@pytest.mark.parametrize(("chapter", "question"), sorted(CLASS_ATTACKS))
def test_hostile_classes_do_not_pass_the_chapters_checks(tmp_path, chapter, question):
    answer, named = CLASS_ATTACKS[chapter, question]
    _, row = grade_answer(tmp_path, chapter, question, HOSTILE_CLASSES + answer)
    outcome = row["questions"][f"{question}_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert named in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row  # the other questions: honest


# The guard of minigrad.testing blinded (its records cleared in place), then a private helper
# and a table of the checks replaced for good: the kernel-side guard kept public functions only,
# so every assert_close passed (hvp_test's 3 points, status ok).
BLINDED = """\
import minigrad.testing.close as _close
import minigrad.testing.guard as _guard

_guard._entries.clear()
_close._abs = lambda x: np.zeros(np.shape(x))
_close._SCALAR_IDS = frozenset()


def hvp(f, w, v):
    return minigrad.zeros(*v.shape, dtype=minigrad.float64)
"""


def test_the_checks_private_helpers_and_tables_are_put_back(tmp_path):
    _, row = grade_answer(tmp_path, "09_custom_functions", "hvp", BLINDED)
    outcome = row["questions"]["hvp_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "values are not close" in outcome["message"], outcome
    assert "suspicious" in row["status"].split(";"), row
    assert "minigrad.testing.close._abs was rebound" in row["evidence"], row
    assert "minigrad.testing.close._SCALAR_IDS was rebound" in row["evidence"], row


# A wrong hvp that replaces a helper of assert_close with one that puts the original back and
# says "all close": it is gone before the test's closing assert_untampered, and the guards
# before each test never see it (docs/instructors.md: still open). The row is flagged for a
# person to read, with the cell and what it names.
SELF_RESTORING = """\
import minigrad.testing.close as _close


def hvp(f, w, v):
    real = _close.close_mask

    def agree(actual, expected, *args, **kwargs):
        _close.close_mask = real
        return np.ones(np.shape(expected), dtype=bool)

    _close.close_mask = agree
    return minigrad.zeros(*v.shape, dtype=minigrad.float64)
"""


def test_an_answer_that_names_the_checks_is_flagged_for_review(tmp_path):
    fair, row = grade_answer(tmp_path, "09_custom_functions", "hvp", SELF_RESTORING)
    assert "review" in row["status"].split(";"), row
    assert row["review"] == ["cell 7 ('hvp') names minigrad.testing"], row
    assert fair["review"] == [], fair
    summary = work_paths(tmp_path / "grades.csv")["summary"].read_text()
    assert "## Submissions to read" in summary
    assert "| hostile | cell 7 ('hvp') names minigrad.testing |" in summary


def test_the_review_scan_is_quick_on_a_hostile_notebook():
    """The scan runs in the grader's own process: a pattern that rescans the rest of a line
    took 5 s on one 100 kB cell of `from minigrad import `, and would take days on 64 MB."""
    import time

    from minigrad_course.grade import reaching_cells

    nb = solution_notebook()
    cells = [code("from minigrad import " * 4_700) for _ in range(60)] + [code("x" * 200_000)]
    nb.cells += cells + [code("import minigrad.testing")]
    started = time.process_time()
    found = reaching_cells(nb)
    assert time.process_time() - started < 15  # about 2 s; the old pattern took about 50 s
    assert found[-1] == f"cell {len(nb.cells)} has 23 characters: not scanned"  # over budget
    assert f"cell {len(nb.cells) - 1} has 200000 characters: not scanned" in found


# NumPy 1.x: np.set_numeric_ops replaces what `<=` does for every array. A wrong hvp installed
# an `<=` that says "all close" once and puts the original back: assert_close passed, and the
# test's closing assert_untampered found nothing.
NUMERIC_OPS = """\
_ops = np.set_numeric_ops()


def _agree(a, b, *args, **kwargs):
    np.set_numeric_ops(less_equal=_ops["less_equal"])
    return np.ones(np.broadcast(a, b).shape, dtype=bool)


def hvp(f, w, v):
    np.set_numeric_ops(less_equal=_agree)
    return minigrad.zeros(*v.shape, dtype=minigrad.float64)
"""


@pytest.mark.skipif(not hasattr(np, "set_numeric_ops"), reason="NumPy 2 has no set_numeric_ops")
def test_replaced_numeric_ops_do_not_pass_a_comparison(tmp_path):
    _, row = grade_answer(tmp_path, "09_custom_functions", "hvp", NUMERIC_OPS)
    outcome = row["questions"]["hvp_test"]
    assert (outcome["points"], outcome["status"]) == (0, "failed"), outcome
    assert "values are not close" in outcome["message"], outcome


def test_an_honest_answer_that_imports_torch_keeps_its_points(tmp_path):
    """Importing torch replaces inspect.getfile (torch.package wraps it): every later test said
    the kernel could not be trusted."""
    answer = """\
import torch  # to compare with PyTorch


def slope_at(x0):
    x = minigrad.tensor(float(x0), dtype=minigrad.float64, requires_grad=True)
    (x**3 - 2 * x).backward()
    return x.grad.item()
"""
    _, row = grade_answer(tmp_path, "00_setup", "slope_at", answer)
    assert (row["total"], row["status"]) == (row["max"], "ok"), row


def test_the_import_system_and_numeric_ops_are_named_for_review():
    """A cupy.py imported from the working folder and ops that put themselves back are beyond
    the in-kernel guards (docs/instructors.md): a cell that reaches for them is read by a person."""
    from minigrad_course.grade import reaching_cells

    nb = solution_notebook()
    nb.cells += [
        code("import sys\nsys.path.insert(0, '')"),
        code("sys.meta_path.append(Finder())"),
        code("np.set_numeric_ops(less_equal=agree)"),
    ]
    n = len(nb.cells)
    assert reaching_cells(nb) == [
        f"cell {n - 2} names sys.path",
        f"cell {n - 1} names meta_path",
        f"cell {n} names set_numeric_ops",
    ]


# A constant softmax_loss (the loss and gradient of all-zero scores) that zeroes, in place, every
# array of the notebook's namespace equal to its input. It earned the question while the test
# kept its inputs (`scores`, the hidden `big`) in notebook globals and computed its reference from
# them after the call; they now live in `check_softmax_loss`'s call only. The row is still flagged
# for a person to read.
ZEROED_INPUTS = """\
def softmax_loss(scores, y):
    n, c = scores.shape
    for value in list(get_ipython().user_ns.values()):
        if type(value) is np.ndarray and value.shape == scores.shape:
            if np.array_equal(value, scores):
                value[...] = 0.0
    grad = np.full((n, c), 1.0 / c)
    grad[np.arange(n), y] -= 1.0
    return float(np.log(c)), grad / n
"""


def test_an_answer_that_searches_the_notebooks_namespace_earns_nothing_and_is_flagged(tmp_path):
    _, row = grade_answer(tmp_path, "03_gradients_by_hand", "softmax_loss", ZEROED_INPUTS)
    assert row["questions"]["softmax_loss_test"]["points"] == 0, row
    assert "review" in row["status"].split(";"), row
    assert row["review"] == ["cell 7 ('softmax_loss') names user_ns"], row

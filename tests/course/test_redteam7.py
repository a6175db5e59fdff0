"""Attacks on the grader found by a seventh look, at what an answer can change while a test runs
and put back before the test's closing assert_untampered looks: a library class's attribute
(set plainly, or through type.__setattr__, which skips the class's metaclass), and a library
module's attribute written through the module's __dict__ (vars(), a function's __globals__).
Each is graded end to end against a real chapter, beside an honest student who keeps every
point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHAPTER, solution_notebook, write
from students import answered, save
from test_grade import LIMITS
from test_redteam import grade_answers

from minigrad_course.build import release
from minigrad_course.grade import SANDBOX_UID_BASE, GradeOptions, claim_uids, grade
from minigrad_course.runtime import create_runtime, library_env, runtime_python
from minigrad_course.sandbox import kernel_env

# Chapter 06's MySGD without momentum or weight decay, whose step replaces the reference's
# update (minigrad.optim.SGD._step_group) by the same plain step while the test runs, and puts it
# back at the hidden test's last check (a parameter without a gradient), before the closing
# assert_untampered: the test compared a wrong optimizer with a wrong reference (3 points).
_PLAIN_SGD = """\
_reference = minigrad.optim.SGD
_real_group = vars(_reference)["_step_group"]


@minigrad.no_grad()
def _plain(self, group):
    for p in group["params"]:
        if p.grad is not None:
            p -= group["lr"] * p.grad


def _swap(cls, name, value):
    cls._step_group = value


class MySGD(minigrad.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    def step(self):
        done = any(p.grad is None for group in self.param_groups for p in group["params"])
        _swap(_reference, "_step_group", _real_group if done else _plain)
        for group in self.param_groups:
            _plain(self, group)
"""
# - the attribute set plainly (`SGD.step = ...`)
CLASS_SET = _PLAIN_SGD
# - through type.__setattr__, which does not ask the class's metaclass
CLASS_TYPE_SETATTR = _PLAIN_SGD.replace(
    "    cls._step_group = value", "    type.__setattr__(cls, name, value)"
)
# - the same, with an honest write by the library to a base class (Optimizer._step_hooked, set
#   by minigrad when a global step hook is registered) made after each patch, to explain it
CLASS_MASKED = _PLAIN_SGD.replace(
    "    cls._step_group = value",
    "    type.__setattr__(cls, name, value)\n"
    "    minigrad.optim.optimizer.register_optimizer_step_pre_hook(lambda *args: None)",
)

# An honest MySGD that registers a global step hook while the test runs: minigrad records it on
# its Optimizer class (Optimizer._step_hooked = True), a change of the library's own.
HOOKED_SGD = """\
class MySGD(minigrad.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))
        minigrad.optim.optimizer.register_optimizer_step_pre_hook(lambda *args: None)

    @minigrad.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if not decay else p.grad + decay * p
                if momentum:
                    state = self.state.setdefault(p, {})
                    velocity = state.get("momentum_buffer")
                    velocity = g.clone() if velocity is None else momentum * velocity + g
                    state["momentum_buffer"] = g = velocity
                p -= lr * g
"""

# Chapter 00's make_tensor returning zeros, whose call replaces the comparison inside
# assert_close (minigrad.testing.close.close_mask) through the module's own dict, the patch
# putting itself back on its first use: the module's class, which refuses such a setattr while a
# test runs, never saw it (2 points).
_DICT_WRITE = """\
_patched = []


def make_tensor():
    space = SPACE
    real = space["close_mask"]
    if _patched:  # the hidden test calls it again, with no assert_close after it
        return minigrad.zeros(2, 3)
    _patched.append(True)

    def once(actual, expected, *args, **kwargs):
        space["close_mask"] = real
        return np.ones(np.shape(expected), dtype=bool)

    space["close_mask"] = once
    return minigrad.zeros(2, 3)
"""
# - vars() of the module, reached through operator.attrgetter
DICT_BY_VARS = "import operator\n\n" + _DICT_WRITE.replace(
    "SPACE", 'vars(operator.attrgetter("testing.close")(minigrad))'
)
# - the globals of the check the test calls
DICT_BY_GLOBALS = _DICT_WRITE.replace("SPACE", "minigrad.testing.assert_close.__globals__")

# - NumPy's own dict: the test's `np.array([[0, 1, 2], [3, 4, 5]])`, looked up after the answer
#   ran, made zeros (numpy's __init__ reads globals() in its __dir__, which is no change of them)
DICT_OF_NUMPY = """\
_patched = []


def make_tensor():
    space = vars(np)
    real = space["array"]
    if not _patched:
        _patched.append(True)

        def once(*args, **kwargs):
            space["array"] = real
            return real(np.zeros((2, 3)), dtype=np.float32)

        space["array"] = once
    return minigrad.zeros(2, 3)
"""


@pytest.fixture(scope="module")
def class_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam7-class"),
        "06_pytorch_api",
        {
            "class_set": {"sgd": CLASS_SET},
            "class_type_setattr": {"sgd": CLASS_TYPE_SETATTR},
            "class_masked": {"sgd": CLASS_MASKED},
            "hooked": {"sgd": HOOKED_SGD},
        },
    )


@pytest.fixture(scope="module")
def dict_rows(tmp_path_factory):
    return grade_answers(
        tmp_path_factory.mktemp("redteam7-dict"),
        "00_setup",
        {
            "dict_by_vars": {"make_tensor": DICT_BY_VARS},
            "dict_by_globals": {"make_tensor": DICT_BY_GLOBALS},
            "dict_of_numpy": {"make_tensor": DICT_OF_NUMPY},
        },
    )


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "evidence", "message"),
    [
        (
            "class_set",
            "setting minigrad.optim.sgd.SGD._step_group was called (refused)",
            "grading refuses setting minigrad.optim.sgd.SGD._step_group",
        ),
        (
            "class_type_setattr",
            "minigrad.optim.sgd.SGD was changed unseen (type.__setattr__?)",
            "the library changed while the test ran",
        ),
        (
            "class_masked",
            "minigrad.optim.sgd.SGD was changed unseen",
            "the library changed while the test ran",
        ),
    ],
)
def test_a_library_class_patched_while_a_test_runs_fails_the_test(
    class_rows, student, evidence, message
):
    row = class_rows[student]
    outcome = row["questions"]["sgd_test"]
    assert (outcome["points"], outcome["status"]) == (0, "error"), outcome
    assert message in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row  # the other questions: honest
    assert "suspicious" in row["status"].split(";"), row
    assert evidence in row["evidence"], row


@pytest.mark.grading
def test_the_librarys_own_change_of_its_class_is_let_through(class_rows):
    row = class_rows["hooked"]
    assert (row["total"], row["status"], row["evidence"]) == (row["max"], "ok", []), row


@pytest.mark.grading
@pytest.mark.parametrize(
    ("student", "module"),
    [
        ("dict_by_vars", "minigrad.testing.close"),
        ("dict_by_globals", "minigrad.testing.close"),
        ("dict_of_numpy", "numpy"),
    ],
)
def test_a_module_patched_through_its_dict_while_a_test_runs_fails_the_test(
    dict_rows, student, module
):
    row = dict_rows[student]
    outcome = row["questions"]["make_tensor_test"]
    assert (outcome["points"], outcome["status"]) == (0, "error"), outcome
    assert "the library changed while the test ran" in outcome["message"], outcome
    assert row["total"] == row["max"] - outcome["max"], row
    assert "suspicious" in row["status"].split(";"), row
    assert f"{module} was changed through its __dict__" in row["evidence"], row


# An honest answer during whose test NumPy warns from its own code: the warning puts a registry
# in the dict of the module it names (numpy._core._methods), which is no patch.
WARNS_INSIDE_NUMPY = """\
import numpy


def square(x):
    numpy.std(numpy.ones(1), ddof=1)  # degrees of freedom <= 0: NumPy warns
    return x * x
"""


@pytest.mark.grading
def test_a_warning_from_inside_a_library_is_no_change_of_it(tmp_path):
    chapter = solution_notebook()
    solution = write(chapter, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    submissions = tmp_path / "submissions"
    save(answered(release(chapter, CHAPTER), square=WARNS_INSIDE_NUMPY), submissions / "warned")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    [row] = grade(solution, submissions, options)
    assert (row["total"], row["status"], row["evidence"]) == (6, "ok", []), row


@pytest.mark.grading
def test_the_grading_runtime_runs_this_python_as_the_sandbox_user(grading_runtime, tmp_path):
    """pyenv's Python finds its shared libpython through a path into its own installation under
    /root, which the sandbox user cannot read: in the runtime, 3.10, 3.12 and 3.13 did not start
    (every grading refused), and 3.11.7 ran on the system's libpython, 3.11.2."""
    if grading_runtime is None:
        pytest.skip("the runtime is for grading as root")
    python = str(runtime_python(grading_runtime))
    uids, fds = claim_uids(1, SANDBOX_UID_BASE)
    try:
        config = json.dumps({"uid": uids[0], "gid": uids[0]})
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "minigrad_course.jail",
                config,
                python,
                "-c",
                "import sys; print(sys.version)",
            ],
            cwd="/",
            capture_output=True,
            timeout=60,
            env=kernel_env(tmp_path, True, python),
        )
    finally:
        for fd in fds:
            os.close(fd)
    assert done.stdout.decode().strip() == sys.version, done.stderr.decode()[-500:]


def test_the_grading_runtime_has_the_packages_of_this_environment(tmp_path):
    """A virtual environment does not see its base installation's packages; its runtime did, ahead
    of its own (pyenv's 3.11 had its own NumPy and IPython: the kernel ran those)."""
    import numpy

    python = str(create_runtime(tmp_path / "runtime"))
    done = subprocess.run(
        [python, "-c", "import numpy; print(numpy.__file__)"],
        capture_output=True,
        timeout=60,
        env={**os.environ, **library_env(python)},
    )
    base = Path(sys.base_prefix).resolve()
    in_base = Path(numpy.__file__).resolve().is_relative_to(base)
    found = Path(done.stdout.decode().strip())
    assert found.is_relative_to(tmp_path / "runtime" / "python") == in_base, found

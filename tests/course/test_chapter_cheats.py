"""Cheap cheats on the chapters' graded questions: an answer that hands back a constant, its
input, or a value cached from the visible test instead of computing anything. Each student below
answered one question that way (everything else honestly) and is graded end to end against the
real chapter, beside an honest student who keeps every point; each cheat scored its question
before the fix its comment names.
"""

from __future__ import annotations

import pytest
from test_redteam import grade_answers

import minigrad
from minigrad.testing import assert_not_used
from minigrad.testing.source import AUTOGRAD

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
grading = pytest.mark.grading

# Chapter 01: the hidden windows held 10 ms, so a best_of that called fn and answered 0.01
# scored 3/3. The tests now pick the sleeps at random each run, in two ranges a constant cannot
# both fall in, and check the answer against the calls as fn itself timed them.
TIMING_01 = {
    "constant": """\
def best_of(fn, repeat=3):
    for _ in range(repeat):
        fn()
    return 0.01
""",
    "slowest": """\
def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return max(times)
""",
    "first": """\
def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0]
""",
}

# Chapter 07: 0.02 after the right number of calls scored 3/3 (the windows were 9-200 ms on the
# CPU and 15-200 ms on the simulated GPU).
TIMING_07 = {
    "constant": """\
def best_time(fn, device, repeat=5):
    for _ in range(repeat + 1):
        fn()
    if minigrad.device(device).type == "cuda":
        minigrad.cuda.synchronize()
    return 0.02
""",
    "times_the_warm_up": """\
def best_time(fn, device, repeat=5):
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        fn()
        if minigrad.device(device).type == "cuda":
            minigrad.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)
""",
    "synchronizes_once": """\
def best_time(fn, device, repeat=5):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    if minigrad.device(device).type == "cuda":
        minigrad.cuda.synchronize()
    return min(times)
""",
}


# Chapter 00: a constant "cpu" scored 2/2 on any grader without a GPU. The hidden test now asks
# again where minigrad finds a (simulated) GPU.
DEVICE_00 = {"constant": "def pick_device():\n    return 'cpu'\n"}

# Chapter 02: the test's tensors were notebook globals, and the hidden graphs had the same leaves
# as the visible one, so an answer that returned them scored 3/3. The tests now build their
# graphs inside functions, the hidden ones from other tensors.
LEAVES_02 = {
    "globals": "def leaves(t):\n    return [x, w]\n",
    "cached": """\
def leaves(t):
    global _first
    if "_first" not in globals():
        _first = [t.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].variable,
                  t.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[1][0].variable]
    return _first
""",
}

# Chapters 05, 06 and 09 ask for a piece by hand (unbroadcast, a backward rule, a layer, an
# optimizer step): an answer that called minigrad's own (sum_to, autograd, nn.Linear, optim.SGD)
# passed every check of the values, 3 or 4 points each. The hidden tests now read the answer's
# source (minigrad.testing.assert_not_used) and refuse the subclasses.
BY_HAND_05 = {
    "unbroadcast": """\
def unbroadcast(grad, shape):
    return sum_to(minigrad.tensor(grad), shape).numpy()
""",
    "matmul": """\
class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array @ b.array

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        with minigrad.enable_grad():
            a, b = a.detach().requires_grad_(), b.detach().requires_grad_()
            return minigrad.autograd.grad(a @ b, (a, b), gy)
""",
    "logsumexp": """\
class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.probabilities = minigrad.softmax(x.detach(), -1)
        return minigrad.logsumexp(x.detach(), -1).array

    @staticmethod
    def backward(ctx, gy):
        return gy.unsqueeze(-1) * ctx.probabilities
""",
}
BY_HAND_06 = {
    "linear": "class MyLinear(nn.Linear):\n    pass\n",
    "sgd": "class MySGD(minigrad.optim.SGD):\n    pass\n",
}
SILU_09 = """\
class SiLU(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x.array
        return a / (1 + np.exp(-a))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        with minigrad.enable_grad():
            y = F.silu(x)
        return minigrad.autograd.grad(y, x, gy, create_graph=True)
"""

# Chapter 00: slope_at asks minigrad for the slope; the derivative typed in by hand scored 3/3.
# The visible test now counts the values backward() reads back (saved_tensors_hooks).
SLOPE_00 = {"typed": "def slope_at(x0):\n    return 3.0 * x0**2 - 2\n"}

# Chapter 03: numerical_gradient asks for central differences; a forward difference, or one with
# an eps of its own, was within the tests' tolerance at eps=1e-6 and scored 3/3 (the forward one
# failed at most a hidden 0-d check that blamed the 0-d array). The test now calls it with
# eps=0.1, where the central difference of x^3 is exactly 3 x^2 + eps^2.
CENTRAL_03 = {
    "forward_difference": """\
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        grad[i] = (f(x) - base) / eps
        x[i] = original
    return grad
""",
    "own_eps": """\
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + 1e-5
        plus = f(x)
        x[i] = original - 1e-5
        minus = f(x)
        x[i] = original
        grad[i] = (plus - minus) / 2e-5
    return grad
""",
}

CHEATS = {
    ("00_setup", "pick_device"): DEVICE_00,
    ("00_setup", "slope_at"): SLOPE_00,
    ("03_gradients_by_hand", "numerical_gradient"): CENTRAL_03,
    ("01_cpu_vs_gpu", "best_of"): TIMING_01,
    ("02_computational_graphs", "leaves"): LEAVES_02,
    ("07_gpu", "timing"): TIMING_07,
    ("09_custom_functions", "silu"): {"autograd": SILU_09},
}
BY_HAND_08 = {
    "dead_code_elimination": (
        "def dead_code_elimination(graph):\n    return passes.eliminate_dead_code(graph)\n"
    ),
    "cse": (
        "def eliminate_common_subexpressions(graph):\n"
        "    return passes.eliminate_common_subexpressions(graph)\n"
    ),
}
BY_HAND_10 = {
    "jax_grad": """\
import minigrad.func


def grad(f, argnums=0):
    def df(*args):
        out = f(*args)
        if out.numel() != 1:
            raise TypeError("grad requires a scalar output")
        return minigrad.func.grad(lambda *a: f(*a).reshape(()), argnums)(*args)

    return df
"""
}
# Chapter 03's setup cell gives the tests autograd_grads (minigrad's gradients of NumPy arrays),
# and chapter 04's engine has its own ordering: either answered a question meant by hand.
BY_HAND_03 = {
    "mul_add_backward": """\
def mul_add_backward(x, y, z, grad_f):
    return tuple(autograd_grads(lambda a, b, c: a * b + c, [x, y, z], grad_f))
""",
}
BY_HAND_04 = {
    "backward_order": """\
from minigrad.autograd.engine import _topological_order


def backward_order(t):
    return _topological_order([t.grad_fn])
""",
}
BY_HAND_07 = {
    "tensors": """\
def one_hot(labels, num_classes):
    return F.one_hot(labels, num_classes).float()


def accuracy(scores, labels):
    return (scores.argmax(dim=1) == labels).float().mean().item()
""",
    "xp": "def log_softmax_array(x):\n    return F.log_softmax(x, dim=1).array\n",
}
# One student per question: {(chapter, student): {question: answer}}
BY_HAND = {
    **{("03_gradients_by_hand", q): {q: a} for q, a in BY_HAND_03.items()},
    **{("04_autograd", q): {q: a} for q, a in BY_HAND_04.items()},
    **{("05_ops_and_broadcasting", q): {q: a} for q, a in BY_HAND_05.items()},
    **{("06_pytorch_api", q): {q: a} for q, a in BY_HAND_06.items()},
    **{("07_gpu", q): {q: a} for q, a in BY_HAND_07.items()},
    **{("08_static_graphs", q): {q: a} for q, a in BY_HAND_08.items()},
    **{("10_data_and_landscape", q): {q: a} for q, a in BY_HAND_10.items()},
}


@grading
@pytest.mark.parametrize(("chapter", "question"), sorted(CHEATS))
def test_cheap_cheats_score_nothing(tmp_path, chapter, question):
    answers = CHEATS[chapter, question]
    rows = grade_answers(
        tmp_path, chapter, {name: {question: answer} for name, answer in answers.items()}
    )
    for name in answers:
        outcome = rows[name]["questions"][f"{question}_test"]
        assert outcome["points"] == 0 and outcome["status"] in ("failed", "error"), (name, outcome)
        assert rows[name]["total"] == rows[name]["max"] - outcome["max"], (name, rows[name])


@grading
@pytest.mark.parametrize("chapter", sorted({chapter for chapter, _ in BY_HAND}))
def test_answers_that_call_minigrads_own_score_nothing(tmp_path, chapter):
    students = {name: answers for (ch, name), answers in BY_HAND.items() if ch == chapter}
    rows = grade_answers(tmp_path, chapter, students)
    scored = []
    for name, answers in students.items():
        (question,) = answers
        outcome = rows[name]["questions"][f"{question}_test"]
        message = outcome["message"]
        if outcome["points"] or not ("write it yourself" in message or "its own" in message):
            scored.append((name, outcome))
    assert not scored, scored
    for name, answers in students.items():
        (question,) = answers
        lost = rows[name]["questions"][f"{question}_test"]["max"]
        assert rows[name]["total"] == rows[name]["max"] - lost, (name, rows[name])


def by_hand(ctx, gy):
    ctx.softmax = gy * 2  # stored on ctx: names nothing
    return ctx.softmax


def through_autograd(ctx, gy):
    a, b = ctx.saved_tensors
    return minigrad.autograd.grad(a @ b, (a, b), gy)


def imported(grad, shape):
    from minigrad.ops.shape import sum_to

    return sum_to(grad, shape)


def test_assert_not_used_names_what_the_source_calls():
    assert_not_used(by_hand, ("softmax", *AUTOGRAD), "by_hand")
    with pytest.raises(AssertionError, match=r"through_autograd uses autograd \(line 3\)"):
        assert_not_used(through_autograd, AUTOGRAD, "through_autograd")
    with pytest.raises(AssertionError, match=r"uses shape \(line 2\), sum_to \(line 2\)"):
        assert_not_used(imported, ("sum_to", "shape"), "imported")


def test_assert_not_used_refuses_a_function_without_source():
    namespace = {}
    exec("def hidden(x):\n    return x\n", namespace)
    with pytest.raises(AssertionError, match="cannot be read"):
        assert_not_used(namespace["hidden"], AUTOGRAD, "hidden")

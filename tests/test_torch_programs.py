"""Short PyTorch programs run twice, as written (`import torch`) and with `import minigrad as
torch`, and must give the same numbers. Data comes from NumPy so both see the same inputs."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import minigrad
from minigrad.testing import assert_close

LECTURE_GRAPH = """
import torch
x = torch.tensor(-2.0, requires_grad=True)
y = torch.tensor(5.0, requires_grad=True)
z = torch.tensor(-4.0, requires_grad=True)
q = x + y
f = q * z
f.backward()
result = [f.item(), x.grad.item(), y.grad.item(), z.grad.item()]
"""

TWO_LAYER_NET_BY_HAND = """
import torch
N, D_in, H, D_out = 64, 100, 50, 10
x = torch.from_numpy(data["x"])
y = torch.from_numpy(data["y"])
w1 = torch.tensor(data["w1"], requires_grad=True)
w2 = torch.tensor(data["w2"], requires_grad=True)
learning_rate = 1e-6
losses = []
for t in range(20):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
result = losses + [w1.sum().item(), w2.abs().max().item()]
"""

SOFTMAX_CLASSIFIER = """
import torch
F = torch.nn.functional
x = torch.tensor(data["x"][:, :20])
labels = torch.tensor(data["labels"])
w = torch.zeros(20, 10, requires_grad=True)
b = torch.zeros(10, requires_grad=True)
history = []
for step in range(30):
    logits = x @ w + b
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    with torch.no_grad():
        for p in (w, b):
            p -= 0.5 * p.grad
            p.grad = None
    history.append(loss.item())
with torch.no_grad():
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
probs = torch.softmax(logits.detach(), dim=1)
result = history + [accuracy, probs.sum(1).mean().item(), probs.max().item()]
"""

CUSTOM_FUNCTION = """
import torch

class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

x = torch.tensor(data["x"][:4, :5], requires_grad=True)
y = MyReLU.apply(x * 2 - 0.5)
(y * y).sum().backward()
result = [y.sum().item()] + x.grad.reshape(-1).tolist()
"""

HIGHER_ORDER = """
import torch
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = (x ** 3 * torch.sin(x)).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x)
z = torch.tanh(x).sum()
z.backward(create_graph=True)
x.grad.sum().backward()
result = g.tolist() + gg.tolist() + x.grad.tolist()
"""

BROADCAST_AND_INDEXING = """
import torch
a = torch.tensor(data["x"][:6, :4], requires_grad=True)
bias = torch.tensor(data["w2"][0, :4], requires_grad=True)
h = torch.relu(a + bias)
picked = h[torch.tensor([0, 2, 2, 5]), 1:3]
scores = torch.cat([picked, h[:2, ::2]], dim=0).sum(dim=1, keepdim=True)
norm = scores / scores.norm()
loss = (norm.squeeze(1) * torch.arange(6)).sum() + h.max() - h.mean(dim=0).min()
loss.backward()
result = [loss.item()] + a.grad.reshape(-1).tolist() + bias.grad.tolist()
"""

LECTURE_ERA_VARIABLES = """
import torch
from torch.autograd import Variable
dtype = torch.FloatTensor
x = Variable(torch.from_numpy(data["x"]).type(dtype), requires_grad=False)
y = Variable(torch.from_numpy(data["y"]).type(dtype), requires_grad=False)
w1 = Variable(torch.from_numpy(data["w1"]).type(dtype), requires_grad=True)
w2 = Variable(torch.from_numpy(data["w2"]).type(dtype), requires_grad=True)
learning_rate = 1e-6
losses = []
for t in range(10):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    if w1.grad is not None:
        w1.grad.data.zero_()
        w2.grad.data.zero_()
    loss.backward()
    w1.data -= learning_rate * w1.grad.data
    w2.data -= learning_rate * w2.grad.data
result = losses + [w1.sum().item(), float(isinstance(w1, torch.FloatTensor)), x.type()]
"""

RNN_TRUNCATED_BPTT = """
import torch
torch.manual_seed(0)
xs = torch.tensor(data["x"][:12, :8]).unsqueeze(1)  # 12 steps, batch 1, 8 features
wx = torch.tensor(data["w1"][:8, :6] * 0.3, requires_grad=True)
wh = torch.tensor(data["w1"][8:14, :6] * 0.3, requires_grad=True)
head = torch.tensor(data["w2"][:6, :1], requires_grad=True)
h = torch.zeros(1, 6)
outputs, grads = [], []
for chunk in torch.split(xs, 4):  # truncated backpropagation through time, 4 steps a chunk
    h = h.detach()
    states = []
    for x in chunk:
        h = torch.tanh(x @ wx + h @ wh)
        states.append(h)
    y = torch.stack(states).squeeze(1) @ head
    loss = torch.nn.functional.binary_cross_entropy_with_logits(y, (y.detach() > 0).float())
    loss.backward()
    outputs.append(loss.item())
    grads.append(wh.grad.norm().item())
    with torch.no_grad():
        for p in (wx, wh, head):
            p.add_(p.grad, alpha=-0.1)
            p.grad.zero_()
result = outputs + grads + [h.sum().item()]
"""

PROGRAMS = {
    "rnn_truncated_bptt": RNN_TRUNCATED_BPTT,
    "lecture_era_variables": LECTURE_ERA_VARIABLES,
    "lecture_graph": LECTURE_GRAPH,
    "two_layer_net_by_hand": TWO_LAYER_NET_BY_HAND,
    "softmax_classifier": SOFTMAX_CLASSIFIER,
    "custom_function": CUSTOM_FUNCTION,
    "higher_order": HIGHER_ORDER,
    "broadcast_and_indexing": BROADCAST_AND_INDEXING,
}


def _data() -> dict:
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((64, 100)).astype(np.float32),
        "y": rng.standard_normal((64, 10)).astype(np.float32),
        "w1": rng.standard_normal((100, 50)).astype(np.float32),
        "w2": rng.standard_normal((50, 10)).astype(np.float32),
        "labels": rng.integers(0, 10, size=64),
    }


def _run(source: str, use_minigrad: bool) -> list:
    if use_minigrad:
        source = source.replace(
            "import torch.nn.functional as F", "import minigrad.nn.functional as F"
        )
        source = source.replace("import torch\n", "import minigrad as torch\n")
        source = source.replace("from torch.", "from minigrad.")
    scope = {"data": _data()}
    exec(compile(textwrap.dedent(source), "<program>", "exec"), scope)
    if use_minigrad:
        assert scope["torch"] is minigrad
    return scope["result"]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_gives_pytorchs_numbers(name):
    mine, theirs = _run(PROGRAMS[name], True), _run(PROGRAMS[name], False)
    texts = [(m, t) for m, t in zip(mine, theirs) if isinstance(t, str)]
    assert all(m == t.replace("torch", "minigrad") for m, t in texts), texts
    numbers = [(m, t) for m, t in zip(mine, theirs) if not isinstance(t, str)]
    assert_close(np.array(numbers)[:, 0], np.array(numbers)[:, 1], rtol=1e-4, atol=1e-5, msg=name)


def test_the_first_lines_of_a_tutorial_run():
    torch = minigrad
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    assert torch.backends.mps.is_available() is False
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    assert torch.get_num_threads() == 1
    torch.set_num_threads(before)
    with pytest.raises(ValueError, match="positive number of threads"):
        torch.set_num_threads(0)

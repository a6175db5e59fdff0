"""Programs in the style of PyTorch's "What is torch.nn really?", "Learning PyTorch with
Examples" and "Neural Networks" tutorials, each a function of the library (`torch` is PyTorch
or minigrad) and of `init` (see tests/programs/conftest.py)."""

from __future__ import annotations

import copy
import math
import random
from collections import deque

import numpy as np
from tutorials7 import _name, _shown


def _mnist_like(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = (x[:, :50].sum(1) * 10 / 50).astype(np.int64) % 10
    return x, y


def nn_really_by_hand(torch, init):
    """Logistic regression from scratch: manual weights, requires_grad_(), log_softmax by hand,
    `input[range(n), target]`, updates under no_grad and grad.zero_(); then F.cross_entropy."""
    F = torch.nn.functional
    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (*_mnist_like(64, 10), *_mnist_like(32, 11))
    )
    n, c = x_train.shape
    weights = init(torch.randn(784, 10) / math.sqrt(784))
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    loss_func, bs, lr = nll, 16, 0.5
    history = []
    for _ in range(2):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            xb, yb = x_train[start_i : start_i + bs], y_train[start_i : start_i + bs]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
        history.append([loss_func(model(xb), yb).item(), accuracy(model(xb), yb).item()])

    def model2(xb):
        return xb @ weights + bias

    history.append([F.cross_entropy(model2(x_valid), y_valid).item(), c])
    preds = model(x_valid)
    return {
        "history": history,
        "bias": bias.tolist(),
        "data": [list(x_train.shape), _name(x_train.dtype), _name(y_train.dtype)],
        "first": [list(preds[0].shape), preds[0].exp().sum().item(), preds.grad_fn.name()],
    }


def nn_really_refactored(torch, init):
    """The refactoring steps: nn.Module with nn.Parameter, then nn.Linear, optim, TensorDataset,
    DataLoader, fit() with loss_batch, a CNN with avg_pool2d and view(-1, 1, 28, 28), and
    nn.Sequential with a Lambda module and AdaptiveAvgPool2d."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    TensorDataset, DataLoader = torch.utils.data.TensorDataset, torch.utils.data.DataLoader
    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (*_mnist_like(32, 12), *_mnist_like(16, 13))
    )
    bs, lr, loss_func = 16, 0.1, F.cross_entropy
    results = {}

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
            self.bias = nn.Parameter(torch.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    model = init(Mnist_Logistic())
    for i in range(3):
        xb, yb = x_train[i * bs : i * bs + bs], y_train[i * bs : i * bs + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= p.grad * lr
            model.zero_grad()
    results["module"] = [loss.item(), model.bias.tolist()]
    results["module_state"] = [
        model.weights.grad is None,
        [n for n, _ in model.named_parameters()],
    ]

    class Mnist_Linear(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    train_ds, valid_ds = TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)

    def get_data(train_ds, valid_ds, bs):
        return (
            DataLoader(train_ds, batch_size=bs, shuffle=False),
            DataLoader(valid_ds, batch_size=bs * 2),
        )

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
        history = []
        for _ in range(epochs):
            model.train()
            for xb, yb in train_dl:
                loss_batch(model, loss_func, xb, yb, opt)
            model.eval()
            with torch.no_grad():
                losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
            history.append(float(np.sum(np.multiply(losses, nums)) / np.sum(nums)))
        return history

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model = init(Mnist_Linear())
    results["linear"] = fit(
        2, model, loss_func, optim.SGD(model.parameters(), lr=lr), train_dl, valid_dl
    )
    xb, yb = train_ds[0:3]
    results["data"] = [len(train_dl), len(valid_dl), len(train_ds), list(xb.shape), yb.tolist()]
    results["linear_state"] = [model.training, list(model.state_dict())]

    class Mnist_CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    model = init(Mnist_CNN())
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    results["cnn"] = fit(2, model, loss_func, opt, train_dl, valid_dl)

    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x, y):
        return x.view(-1, 1, 28, 28), y

    class WrappedDataLoader:
        def __init__(self, dl, func):
            self.dl, self.func = dl, func

        def __len__(self):
            return len(self.dl)

        def __iter__(self):
            for b in self.dl:
                yield self.func(*b)

    train_dl = WrappedDataLoader(train_dl, preprocess)
    valid_dl = WrappedDataLoader(valid_dl, preprocess)
    model = init(
        nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            Lambda(lambda x: x.view(x.size(0), -1)),
        )
    )
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    results["sequential"] = fit(2, model, loss_func, opt, train_dl, valid_dl)
    results["sequential_out"] = [
        list(model(next(iter(train_dl))[0]).shape),
        len(train_dl),
        _shown(torch, model),
    ]
    return results


def polynomial_fits(torch, init):
    """ "Learning PyTorch with Examples": a third-order polynomial fitted to sin(x) with tensors
    and autograd, a custom autograd.Function, nn.Sequential with Flatten(0, 1) and
    MSELoss(reduction='sum'), optim.RMSprop, and a custom nn.Module."""
    nn = torch.nn
    dtype, device = torch.float, torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    results = {}

    a, b, c, d = (
        init(torch.randn((), device=device, dtype=dtype, requires_grad=True)) for _ in range(4)
    )
    learning_rate = 1e-6
    for _ in range(30):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    results["autograd"] = [loss.item(), a.item(), b.item(), c.item(), d.item()]

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    for _ in range(20):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    results["function"] = [loss.item(), a.item(), b.item(), c.item(), d.item()]

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = init(nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)))
    loss_fn = nn.MSELoss(reduction="sum")
    for _ in range(30):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    results["nn"] = [
        loss.item(),
        linear_layer.bias.item(),
        linear_layer.weight[:, 0].item(),
        linear_layer.weight[:, 1].item(),
        linear_layer.weight[:, 2].item(),
    ]

    model = init(nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for _ in range(30):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    results["optim"] = [loss.item(), model[0].bias.item(), *model[0].weight[0].tolist()]

    class Polynomial3(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.randn(()))
            self.b = nn.Parameter(torch.randn(()))
            self.c = nn.Parameter(torch.randn(()))
            self.d = nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            a, b, c, d = (p.item() for p in (self.a, self.b, self.c, self.d))
            return f"y = {a} + {b} x + {c} x^2 + {d} x^3"

    model = init(Polynomial3())
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for _ in range(30):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    results["module"] = [loss.item(), model.d.item(), len(model.string()) > 0]
    return results


def dynamic_net(torch, init):
    """ "Learning PyTorch with Examples": a model that reuses one parameter a random number of
    times per forward pass (Python's random, seeded), SGD with momentum."""
    random.seed(0)
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)

    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x**2 + self.d * x**3
            for exp in range(4, random.randint(4, 6)):
                y = y + self.e * x**exp
            return y

    model = init(DynamicNet())
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for _ in range(20):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"loss": losses, "e": model.e.item()}


def lenet(torch, init):
    """The "Neural Networks" tutorial: LeNet on a 1x1x32x32 input, parameters, zero_grad,
    backward of a non-scalar output, MSELoss, conv1.bias.grad before and after, a manual
    update through .data, and optim.SGD."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            return self.fc3(f6)

    net = init(Net())
    params = list(net.parameters())
    input = init(torch.randn(1, 1, 32, 32))
    out = net(input)
    net.zero_grad()
    out.backward(init(torch.randn(1, 10)))
    first_grads = net.conv1.bias.grad.tolist()

    output = net(input)
    target = init(torch.randn(10)).view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    has_graph = loss.grad_fn is not None
    # the walk's third step differs (docs/nn.md: linear's node lists its inputs in order)
    walk = [loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name()]
    net.zero_grad()
    before = net.conv1.bias.grad
    loss.backward()
    after = net.conv1.bias.grad.tolist()

    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)

    optimizer = optim.SGD(net.parameters(), lr=0.01)
    optimizer.zero_grad()
    loss = criterion(net(input), target)
    loss.backward()
    optimizer.step()
    return {
        "params": [len(params), list(params[0].size()), str(net)],
        "out": out.tolist(),
        "grads": [first_grads, before is None, has_graph, after],
        "walk": walk,
        "final": [loss.item(), net(input).tolist()],
    }


def transfer_learning(torch, init):
    """ "Transfer Learning for Computer Vision": a train/val loop over phases with
    set_grad_enabled, `_, preds = torch.max(outputs, 1)`, `torch.sum(preds == labels.data)`,
    `.double() / size`, StepLR(step_size, gamma), deepcopy of the best state_dict; then the
    fixed-feature variant: frozen base (requires_grad = False), a new head, SGD on the head."""
    nn, optim = torch.nn, torch.optim
    rng = np.random.default_rng(14)

    def split(n):
        x = rng.standard_normal((n, 3, 8, 8)).astype(np.float32)
        y = (x[:, 0].mean((1, 2)) > 0).astype(np.int64)
        return torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))

    image_datasets = {"train": split(24), "val": split(12)}
    dataloaders = {
        x: torch.utils.data.DataLoader(image_datasets[x], batch_size=8) for x in ["train", "val"]
    }
    dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}

    def make_model():
        base = nn.Sequential(
            nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(1)
        )
        return nn.Sequential(base, nn.Flatten(), nn.Linear(6, 2))

    def train_model(model, criterion, optimizer, scheduler, num_epochs):
        best_model_wts = copy.deepcopy(model.state_dict())
        best_acc, log = 0.0, []
        for _ in range(num_epochs):
            for phase in ["train", "val"]:
                model.train() if phase == "train" else model.eval()
                running_loss, running_corrects = 0.0, 0
                for inputs, labels in dataloaders[phase]:
                    optimizer.zero_grad()
                    with torch.set_grad_enabled(phase == "train"):
                        outputs = model(inputs)
                        _, preds = torch.max(outputs, 1)
                        loss = criterion(outputs, labels)
                        if phase == "train":
                            loss.backward()
                            optimizer.step()
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += torch.sum(preds == labels.data)
                if phase == "train":
                    scheduler.step()
                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]
                log.append([epoch_loss, epoch_acc.item(), scheduler.get_last_lr()[0]])
                if phase == "val" and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    best_model_wts = copy.deepcopy(model.state_dict())
        model.load_state_dict(best_model_wts)
        return model, log

    model_ft = init(make_model())
    criterion = nn.CrossEntropyLoss()
    optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.01, momentum=0.9)
    exp_lr_scheduler = optim.lr_scheduler.StepLR(optimizer_ft, step_size=2, gamma=0.1)
    model_ft, log_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, 3)

    model_conv = init(make_model())
    for param in model_conv.parameters():
        param.requires_grad = False
    model_conv[2] = init(nn.Linear(6, 2))
    optimizer_conv = optim.SGD(model_conv[2].parameters(), lr=0.01, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)
    model_conv, log_conv = train_model(model_conv, criterion, optimizer_conv, scheduler, 2)
    frozen = [p.grad is None for p in model_conv[0].parameters()]
    return {"fine_tuned": log_ft, "fixed_features": log_conv, "frozen": frozen}


def _cartpole_step(state, action):
    """One step of the cart-pole of the REINFORCE examples (Euler, 0.02 s): push left (0) or
    right (1); done when the pole leans past 12 degrees or the cart leaves [-2.4, 2.4]."""
    x, x_dot, theta, theta_dot = state
    force = 10.0 if action == 1 else -10.0
    cos, sin = math.cos(theta), math.sin(theta)
    temp = (force + 0.05 * theta_dot**2 * sin) / 1.1
    theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos**2 / 1.1))
    x_acc = temp - 0.05 * theta_acc * cos / 1.1
    state = np.array(
        [
            x + 0.02 * x_dot,
            x_dot + 0.02 * x_acc,
            theta + 0.02 * theta_dot,
            theta_dot + 0.02 * theta_acc,
        ]
    )
    return state, abs(state[2]) > 12 * math.pi / 180 or abs(state[0]) > 2.4


def reinforce(torch, init):
    """PyTorch's REINFORCE example (examples/reinforcement_learning): a softmax policy,
    `m = Categorical(probs)`, `action = m.sample()`, `saved_log_probs.append(m.log_prob(action))`,
    discounted returns normalised with mean/std and eps, `-log_prob * R` summed with torch.cat,
    Adam. The draws differ between libraries, so `init` hands minigrad PyTorch's actions (the
    environment is deterministic given them); then Categorical(logits=...) with an entropy
    bonus as actor-critic programs add."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    Categorical = torch.distributions.Categorical
    eps, gamma = np.finfo(np.float32).eps.item(), 0.99

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(4, 32)
            self.affine2 = nn.Linear(32, 2)
            self.saved_log_probs = []
            self.rewards = []

        def forward(self, x):
            action_scores = self.affine2(F.relu(self.affine1(x)))
            return F.softmax(action_scores, dim=1)

    policy = init(Policy())
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)

    def select_action(state):
        state = torch.from_numpy(state).float().unsqueeze(0)
        probs = policy(state)
        m = Categorical(probs)
        action = init(m.sample())
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def finish_episode():
        R, returns = 0, deque()
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.appendleft(R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = [-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]
        optimizer.zero_grad()
        policy_loss = torch.cat(policy_loss).sum()
        policy_loss.backward()
        optimizer.step()
        del policy.rewards[:], policy.saved_log_probs[:]
        return policy_loss.item()

    rng = np.random.default_rng(31)
    log = []
    for _ in range(3):
        state, actions = rng.uniform(-0.05, 0.05, 4), []
        for _ in range(25):
            action = select_action(state)
            state, done = _cartpole_step(state, action)
            policy.rewards.append(1.0)
            actions.append(action)
            if done:
                break
        log.append([actions, finish_episode()])

    state = torch.from_numpy(rng.uniform(-0.05, 0.05, (5, 4))).float()
    logits = policy.affine2(F.relu(policy.affine1(state)))
    m = Categorical(logits=logits)
    action = init(m.sample())
    advantage = torch.linspace(-1.0, 1.0, 5)
    loss = -(m.log_prob(action) * advantage).mean() - 0.01 * m.entropy().mean()
    optimizer.zero_grad()
    loss.backward()
    return {
        "log": log,
        "batch": [list(m.batch_shape), m.probs.tolist(), m.logits.tolist(), loss.item()],
        "grad": policy.affine2.weight.grad.tolist(),
    }


def gaussian_policy_and_vae_terms(torch, init):
    """A continuous-action actor-critic step and a VAE's loss terms: `Normal(mu, log_std.exp())`
    with `sample()` and `log_prob(a).sum(-1)`, `Independent(Normal(...), 1)`, entropy bonus,
    smooth_l1 critic loss; then a VAE's reparameterized `rsample()` and
    `kl_divergence(q, Normal(0, 1))`. rsample's noise differs between libraries, so `init` hands
    minigrad PyTorch's draw through `eps`: z = mu + eps * sigma, as rsample computes it."""
    nn, F, D = torch.nn, torch.nn.functional, torch.distributions
    rng = np.random.default_rng(32)
    states = torch.tensor(rng.standard_normal((6, 3)), dtype=torch.float32)
    actor = init(nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2)))
    critic = init(nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1)))
    log_std = nn.Parameter(torch.full((2,), -0.5))
    optimizer = torch.optim.Adam([*actor.parameters(), *critic.parameters(), log_std], lr=3e-3)
    results = {"steps": []}
    for _ in range(3):
        mu = actor(states)
        dist = D.Normal(mu, log_std.exp())
        action = init(dist.sample())
        returns = torch.tensor(rng.standard_normal(6), dtype=torch.float32)
        values = critic(states).squeeze(-1)
        advantage = (returns - values).detach()
        log_prob = dist.log_prob(action).sum(-1)
        joint = D.Independent(D.Normal(mu, log_std.exp()), 1)
        actor_loss = -(log_prob * advantage).mean() - 0.01 * joint.entropy().mean()
        loss = actor_loss + F.smooth_l1_loss(values, returns)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        results["steps"].append([loss.item(), joint.log_prob(action).tolist(), log_std.tolist()])

    encoded = init(torch.randn(4, 2 * 3, requires_grad=True))
    mu, logvar = encoded.chunk(2, dim=-1)
    q = D.Normal(mu, (0.5 * logvar).exp())
    z = q.rsample()
    eps = init(((z - mu) / q.stddev).detach())  # the draw: PyTorch's in both runs
    z = mu + eps * q.stddev
    recon = -D.Independent(D.Normal(z.tanh(), 1.0), 1).log_prob(torch.zeros(4, 3))
    kl = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(-1)
    (recon + kl).mean().backward()
    results["vae"] = [kl.tolist(), recon.tolist(), encoded.grad.tolist(), q.has_rsample]
    return results


PROGRAMS = [
    nn_really_by_hand,
    nn_really_refactored,
    polynomial_fits,
    dynamic_net,
    lenet,
    transfer_learning,
    reinforce,
    gaussian_policy_and_vae_terms,
]

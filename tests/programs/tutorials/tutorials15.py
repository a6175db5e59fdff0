"""Programs as students copy them from the beginner tutorials (round 15): "Learning PyTorch
with Examples" (the cubic fit of sin(x) with tensors, autograd, a custom Function, nn, optim,
a custom Module and dynamic control flow), "What is torch.nn really?" step by step, the
quickstart's train/test loops, the tensors and autograd tutorials, device-agnostic code, and
what print shows for tensors and models. Each is a function of the library (`torch` is
PyTorch or minigrad) and of `init` (see tests/programs/conftest.py); data come from NumPy so
that both libraries see the same numbers, and what stays random is compared by its
properties."""

from __future__ import annotations

import io
import math

import numpy as np
from tutorials7 import _name, _randn, _shown


def _sine_data(torch, dtype):
    """The examples' x = linspace(-pi, pi, 2000) and y = sin(x)."""
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    return x, torch.sin(x)


def cubic_fit_with_manual_gradients(torch, init):
    """ "Learning PyTorch with Examples", tensors: a, b, c, d fitted to sin(x) with the
    gradients written by hand (grad_y_pred = 2.0 * (y_pred - y)), float32 weights from NumPy."""
    dtype = torch.float
    x, y = _sine_data(torch, dtype)
    start = np.random.default_rng(1).normal(size=4).tolist()
    a, b, c, d = (torch.tensor(v, dtype=dtype) for v in start)
    learning_rate = 1e-6
    losses = []
    for t in range(300):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            losses.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return {
        "losses": losses,
        "result": f"Result: y = {a.item():.3f} + {b.item():.3f} x + {c.item():.3f} x^2",
        "dtypes": [_name(a.dtype), _name(y_pred.dtype), type(loss).__name__],
    }


def cubic_fit_with_autograd_in_double(torch, init):
    """The autograd version with dtype=torch.double as some copies set it: requires_grad=True
    weights, loss.backward(), the update under torch.no_grad() and grad = None after it."""
    dtype = torch.double
    x, y = _sine_data(torch, dtype)
    start = np.random.default_rng(2).normal(size=4)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in start)
    learning_rate = 1e-6
    losses = []
    for t in range(200):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        if t % 50 == 49:
            losses.append(loss.item())
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
    return {
        "losses": losses,
        "weights": [a.item(), b.item(), c.item(), d.item()],
        "leaf": [a.is_leaf, a.grad is None, loss.requires_grad, _name(loss.dtype)],
        "grad_fn": loss.grad_fn.name(),
    }


def legendre_polynomial3_function_class(torch, init):
    """The custom autograd.Function LegendrePolynomial3 with ctx.save_for_backward, applied
    through `P3 = LegendrePolynomial3.apply` to y = a + b * P3(c + d * x), trained by hand."""

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    dtype = torch.float
    x, y = _sine_data(torch, dtype)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(300):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for w in (a, b, c, d):
                w -= learning_rate * w.grad
                w.grad = None
    return {
        "losses": losses,
        "weights": [a.item(), b.item(), c.item(), d.item()],
        "backward_name": y_pred.grad_fn.name(),
        "p3_name": P3(x[:3].requires_grad_()).grad_fn.name(),
    }


def polynomial_features_with_nn_sequential_and_flatten(torch, init):
    """The nn version: xx = x.unsqueeze(-1).pow(p) with p = tensor([1, 2, 3]), nn.Sequential(
    nn.Linear(3, 1), nn.Flatten(0, 1)), MSELoss(reduction='sum'), the update by hand over
    model.parameters() after model.zero_grad(), and model[0] read back for the result."""
    nn = torch.nn
    x, y = _sine_data(torch, torch.float32)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = init(torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)))
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    losses = []
    for t in range(200):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 50 == 49:
            losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    return {
        "xx": [list(xx.shape), _name(xx.dtype), xx[:2].tolist()],
        "losses": losses,
        "result": f"y = {linear_layer.bias.item():.4f} + {linear_layer.weight[:, 0].item():.4f} x",
        "shapes": [list(y_pred.shape), list(linear_layer.weight.shape)],
        "printed": _shown(torch, model),
    }


def polynomial_fit_with_rmsprop(torch, init):
    """The optim version: torch.optim.RMSprop(model.parameters(), lr=1e-3) on the same
    Sequential, optimizer.zero_grad(); loss.backward(); optimizer.step()."""
    x, y = _sine_data(torch, torch.float32)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    model = init(torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for t in range(300):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {
        "losses": losses,
        "weights": [p.tolist() for p in model.parameters()],
        "state": sorted(optimizer.state_dict()["state"][0]),
        "group": sorted(k for k in optimizer.param_groups[0] if k != "params"),
    }


def polynomial_3_custom_module_with_string(torch, init):
    """The custom nn.Module version: four scalar nn.Parameter(torch.randn(())), forward written
    out, a string() method for the result, SGD(lr=1e-6) on MSELoss(reduction='sum')."""

    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            return (
                f"y = {self.a.item():.4f} + {self.b.item():.4f} x + "
                f"{self.c.item():.4f} x^2 + {self.d.item():.4f} x^3"
            )

    x, y = _sine_data(torch, torch.float32)
    model = init(Polynomial3())
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    losses = []
    for t in range(300):
        loss = criterion(model(x), y)
        if t % 100 == 99:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {
        "losses": losses,
        "string": model.string()[:9],
        "names": [n for n, _ in model.named_parameters()],
        "shapes": [list(p.shape) for p in model.parameters()],
        "printed": _shown(torch, model),
    }


def dynamic_net_with_a_fixed_sequence_of_exponents(torch, init):
    """The dynamic control flow version: a fifth parameter e reused for x**4 and x**5 a number
    of times chosen in forward; random.randint replaced by a fixed list to compare numbers, SGD
    with momentum=0.9 as the tutorial sets it."""

    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))
            self.steps = iter([4, 5, 3, 4, 5] * 100)

        def forward(self, x):
            y = self.a + self.b * x + self.c * x**2 + self.d * x**3
            for exp in range(4, next(self.steps)):
                y = y + self.e * x**exp
            return y

    x, y = _sine_data(torch, torch.float32)
    model = init(DynamicNet())
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for t in range(200):
        loss = criterion(model(x), y)
        if t % 50 == 49:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {
        "losses": losses,
        "e": [model.e.item(), model.e.grad.item()],
        "momentum": list(optimizer.state[model.e]["momentum_buffer"].shape),
    }


def _fashion_datasets(torch, n_train, n_test):
    """FashionMNIST-like TensorDatasets of (1, 28, 28) float images and int64 labels."""
    sets = []
    for seed, n in ((11, n_train), (12, n_test)):
        rng = np.random.default_rng(seed)
        images = rng.random((n, 1, 28, 28), dtype=np.float32)
        labels = (images[:, 0, 10:14, 10:14].mean((1, 2)) * 20).astype(np.int64) % 10
        sets.append(torch.utils.data.TensorDataset(torch.tensor(images), torch.tensor(labels)))
    return sets


def quickstart_train_test_and_state_dict_via_bytesio(torch, init):
    """The quickstart verbatim: device chosen by torch.accelerator, NeuralNetwork with
    nn.Flatten and nn.Sequential linear_relu_stack, train() printing loss and [current:>5d/
    size:>5d], test() printing Accuracy and Avg loss with argmax(1) == y).type(torch.float)
    .sum().item(), save/load of the state_dict through a BytesIO, classes[pred[0].argmax(0)]."""
    nn = torch.nn
    DataLoader = torch.utils.data.DataLoader
    training_data, test_data = _fashion_datasets(torch, 64, 30)
    batch_size = 16
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)
    printed = []
    for X, y in test_dataloader:
        printed.append(_shown(torch, f"Shape of X [N, C, H, W]: {X.shape}"))
        printed.append(_shown(torch, f"Shape of y: {y.shape} {y.dtype}"))
        break
    available = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator().type if available else "cpu"

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = init(NeuralNetwork()).to(device)
    printed.append(_shown(torch, model))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 2 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                printed.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        printed.append(
            f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n"
        )

    for t in range(2):
        printed.append(f"Epoch {t + 1}\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    model2 = NeuralNetwork().to(device)
    result = model2.load_state_dict(torch.load(buffer, weights_only=True))
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"] + list("abcde")
    model2.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model2(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
    return {
        "printed": printed,
        "loaded": str(result),
        "predicted": [predicted, actual, list(pred.shape)],
        "device": device,
    }


def quickstart_model_inspection_and_softmax(torch, init):
    """ "Build the Neural Network": X = torch.rand(1, 28, 28), logits, nn.Softmax(dim=1),
    y_pred = pred_probab.argmax(1), the layer-by-layer walk (flatten, layer1, ReLU printed
    before and after) and `for name, param in model.named_parameters()` printing
    Size and the first two rows' values."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 20), nn.ReLU(), nn.Linear(20, 10)))
    X = _randn(torch, (3, 28, 28), 13)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    flat_image = nn.Flatten()(X)
    layer1 = nn.Linear(in_features=28 * 28, out_features=20)
    hidden1 = layer1(flat_image)
    after = nn.ReLU()(hidden1)
    lines = []
    for name, param in model.named_parameters():
        lines.append(f"Layer: {name} | Size: {param.size()} | Values : {param[:2].shape} \n")
    return {
        "probs": [pred_probab.sum(1).tolist(), y_pred.tolist()],
        "shapes": [list(flat_image.size()), list(hidden1.size()), bool((after >= 0).all())],
        "lines": [_shown(torch, line) for line in lines],
        "relu_zeros": (after == 0).sum().item() == (hidden1 <= 0).sum().item(),
        "softmax": _shown(torch, nn.Softmax(dim=1)),
    }


def tensors_tutorial_numpy_bridge_and_in_place(torch, init):
    """The tensors tutorial: from_numpy shares memory (np.add(n, 1, out=n) shows in the
    tensor), tensor.numpy() shares (t.add_(1) shows in the array), torch.cat along dim=1, the
    three ways to multiply (@, matmul with out=, *), .T, agg = tensor.sum() and agg.item()'s
    Python type, printed f-strings of tensors and of in-place add_."""
    printed = []
    tensor = torch.ones(4, 4)
    printed.append(f"First row: {tensor[0]}")
    printed.append(f"First column: {tensor[:, 0]}")
    printed.append(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    printed.append(str(tensor))
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    y1 = tensor @ tensor.T
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    agg = tensor.sum()
    agg_item = agg.item()
    printed.append(f"{agg_item} {type(agg_item)}")
    printed.append(f"{tensor} \n")
    tensor.add_(5)
    printed.append(str(tensor))
    t = torch.ones(5)
    printed.append(f"t: {t}")
    n = t.numpy()
    printed.append(f"n: {n}")
    t.add_(1)
    printed.append(f"t: {t}")
    printed.append(f"n: {n}")
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    printed.append(f"t: {t}")
    printed.append(f"n: {n}")
    return {
        "printed": [_shown(torch, p) for p in printed],
        "t1": list(t1.shape),
        "same": [torch.equal(y1, y3), torch.equal(z3, tensor * tensor)],
    }


def tensors_tutorial_creation_and_attributes_printed(torch, init):
    """Tensor creation printed as the tutorial prints it: torch.tensor(data), from_numpy,
    ones_like, rand_like(dtype=torch.float) by shape, ones/zeros of a shape tuple, and
    `Shape of tensor: ...`, `Datatype of tensor: ...`, `Device tensor is stored on: ...`."""
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    shape = (2, 3)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    tensor = torch.rand(3, 4)
    printed = [
        f"Ones Tensor: \n {x_ones} \n",
        f"Ones Tensor: \n {ones_tensor} \n",
        f"Zeros Tensor: \n {zeros_tensor}",
        f"Shape of tensor: {tensor.shape}",
        f"Datatype of tensor: {tensor.dtype}",
        f"Device tensor is stored on: {tensor.device}",
        str(x_np),
        repr(x_data),
        repr(torch.tensor([[1.0, 2.5], [3.0, 4.0]])),
        str(torch.tensor(data, dtype=torch.float64)),
        str(torch.tensor([True, False])),
        str(torch.tensor(3.5)),
        str(torch.tensor([], dtype=torch.float32)),
    ]
    return {
        "printed": [_shown(torch, p) for p in printed],
        "rand": [
            list(x_rand.shape),
            _name(x_rand.dtype),
            bool(((x_rand >= 0) & (x_rand < 1)).all()),
        ],
    }


def autograd_tutorial_jvp_with_ones_like_and_accumulation(torch, init):
    """ "A Gentle Introduction to torch.autograd" and the autograd tutorial's optional
    reading: inp = eye(4, 5, requires_grad=True), out = (inp + 1).pow(2).t(), out.backward(
    torch.ones_like(out), retain_graph=True) twice (the gradient doubles), then after
    inp.grad.zero_() once more; printed as the tutorial prints them."""
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    printed = [f"First call\n{inp.grad}"]
    out.backward(torch.ones_like(out), retain_graph=True)
    printed.append(f"\nSecond call\n{inp.grad}")
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    printed.append(f"\nCall after zeroing gradients\n{inp.grad}")
    printed.append(str(out))
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    return {
        "printed": [_shown(torch, p) for p in printed],
        "Q": [str(Q).replace(torch.__name__, "torch"), a.grad.tolist(), b.grad.tolist()],
        "checks": [(9 * a**2 == a.grad).tolist(), (-2 * b == b.grad).tolist()],
    }


def autograd_tutorial_requires_grad_detach_and_freezing(torch, init):
    """The tutorial's one-layer network: x = ones(5), y = zeros(3), w and b with
    requires_grad=True, binary_cross_entropy_with_logits, z.grad_fn and loss.grad_fn printed
    by name, w.grad/b.grad after backward; z.requires_grad under no_grad and after detach();
    requires_grad_() on a leaf; freezing a model's parameters with requires_grad = False
    and only the new head in the optimizer."""
    x = torch.ones(5)
    y = torch.zeros(3)
    w = init(torch.randn(5, 3)).requires_grad_()
    b = init(torch.randn(3)).requires_grad_()
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    names = [z.grad_fn.name(), loss.grad_fn.name()]
    loss.backward()
    z2 = torch.matmul(x, w) + b
    with torch.no_grad():
        z3 = torch.matmul(x, w) + b
    z_det = z2.detach()
    a = torch.ones(2, 2)
    before = a.requires_grad
    a.requires_grad_()
    model = init(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)))
    for param in model.parameters():
        param.requires_grad = False
    model[2] = torch.nn.Linear(3, 2)
    init(model[2])
    optimizer = torch.optim.SGD(model[2].parameters(), lr=1e-2, momentum=0.9)
    model(_randn(torch, (6, 4), 3)).pow(2).sum().backward()
    optimizer.step()
    return {
        "names": names,
        "grads": [w.grad.tolist(), b.grad.tolist(), loss.item()],
        "requires": [
            z2.requires_grad,
            z3.requires_grad,
            z_det.requires_grad,
            before,
            a.requires_grad,
        ],
        "frozen": [p.grad is None for p in model.parameters()],
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "head": model[2].weight.tolist(),
    }


def autograd_retain_grad_on_intermediates(torch, init):
    """Non-leaf gradients: y.retain_grad() before backward keeps y.grad and y.retains_grad,
    reading .grad of another intermediate is None (PyTorch warns), is_leaf of each; a leaf
    cloned and detached is a leaf again."""
    import warnings

    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = y.relu()
    out = (z**2).sum()
    out.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        z_grad = z.grad
    c = x.clone().detach()
    return {
        "grads": [x.grad.tolist(), y.grad.tolist(), z_grad is None],
        "warned": [len(caught) == 1, "retain_grad" in str(caught[0].message)],
        "flags": [y.retains_grad, z.retains_grad, x.is_leaf, y.is_leaf, c.is_leaf],
        "c": [c.requires_grad, c.grad_fn is None],
    }


def device_agnostic_code_with_to_and_cuda_checks(torch, init):
    """Device-agnostic code as copied: device = "cuda" if torch.cuda.is_available() else "cpu",
    torch.device(device), model.to(device) returning the model, tensor.to(device) returning
    the same tensor when nothing changes, .to(device, dtype) and .to(other), device printed,
    next(model.parameters()).device, torch.accelerator.is_available() agreeing with cuda,
    torch.cuda.device_count(), and x.device compared with a string, a device and by type."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)
    model = init(torch.nn.Linear(3, 2))
    moved = model.to(device)
    x = torch.ones(2, 3)
    x_dev = x.to(device)
    x_half = x.to(device, torch.float64)
    other = torch.zeros(1, dtype=torch.int32)
    return {
        "device": [device, str(dev), dev.type, repr(dev).replace(torch.__name__, "torch")],
        "same": [moved is model, x_dev is x, x.to(dev) is x, x.to("cpu", copy=True) is x],
        "dtype": [_name(x_half.dtype), _name(x.to(other).dtype), str(x.to(other).device)],
        "param_device": str(next(model.parameters()).device),
        "accelerator": torch.accelerator.is_available() == torch.cuda.is_available(),
        "count": torch.cuda.device_count() >= 0,
        "out": model(x_dev).shape == (2, 2),
        "cpu": [x.cpu() is x, x.is_cuda, str(x.device) == "cpu"],
        # a device is never equal to its name: `x.device == "cpu"` is False in PyTorch
        "compared": [x.device == "cpu", x.device == torch.device("cpu"), x.device.type == "cpu"],
    }


def manual_seed_reproducibility_by_properties(torch, init):
    """Seeds as tutorials set them: torch.manual_seed(42) returns a Generator, the same seed
    draws the same numbers again (rand, randn, randint, randperm, a Dropout mask, a Linear's
    initial weights), another seed other numbers; only shapes, dtypes, ranges and equalities
    are compared, since the two libraries draw differently."""
    returned = torch.manual_seed(42)

    def draw():
        torch.manual_seed(42)
        return [
            torch.rand(3, 2),
            torch.randn(4),
            torch.randint(0, 10, (5,)),
            torch.randperm(6),
            torch.nn.Dropout(0.5)(torch.ones(8)),
            torch.nn.Linear(3, 2).weight.detach(),
        ]

    first, again = draw(), draw()
    torch.manual_seed(7)
    other = torch.rand(3, 2)
    bound = 1 / math.sqrt(3)
    return {
        "generator": type(returned).__name__,
        "initial_seed": torch.initial_seed(),
        "same": [torch.equal(a, b) for a, b in zip(first, again)],
        "differs": torch.equal(first[0], other),
        "shapes": [[list(t.shape), _name(t.dtype)] for t in first],
        "ranges": [
            bool(((first[0] >= 0) & (first[0] < 1)).all()),
            bool(((first[2] >= 0) & (first[2] < 10)).all()),
            sorted(first[3].tolist()),
            sorted(set(first[4].tolist()) - {0.0, 2.0}),
            bool((first[5].abs() <= bound).all()),
        ],
    }


def printing_models_with_extra_repr_and_parameter_counts(torch, init):
    """print(model) for the shapes students write: an OrderedDict-named Sequential, nested
    ModuleList and ModuleDict, a custom module's extra_repr, Conv/Pool/BatchNorm/Dropout rows;
    the parameter-count lines `Total params` and `Trainable`, and the named_parameters table
    with each `param.shape` printed."""
    from collections import OrderedDict

    nn = torch.nn

    class Scale(nn.Module):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

        def extra_repr(self):
            return f"factor={self.factor}"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                OrderedDict(
                    [
                        ("conv1", nn.Conv2d(1, 6, 5)),
                        ("relu1", nn.ReLU()),
                        ("pool1", nn.MaxPool2d(2, 2)),
                        ("bn", nn.BatchNorm2d(6)),
                    ]
                )
            )
            self.blocks = nn.ModuleList([nn.Linear(6, 6) for _ in range(2)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(6, 3), "drop": nn.Dropout(p=0.25)})
            self.scale = Scale(0.5)

        def forward(self, x):
            x = self.features(x).mean((2, 3))
            for block in self.blocks:
                x = block(x).relu()
            return self.scale(self.heads["cls"](self.heads["drop"](x)))

    model = init(Net())
    model.features.conv1.weight.requires_grad_(False)
    lines = [f"{name}: {param.shape}" for name, param in model.named_parameters()]
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    model.eval()
    out = model(_randn(torch, (2, 1, 12, 12), 21))
    return {
        "printed": _shown(torch, model),
        "lines": [_shown(torch, line) for line in lines],
        "counts": f"Total params: {total:,} | Trainable: {trainable:,}",
        "out": out.tolist(),
        "children": [name for name, _ in model.named_children()],
        "modules": len(list(model.modules())),
    }


def printing_tensors_with_grad_fns_and_options(torch, init):
    """What print shows along a tutorial: a leaf with requires_grad=True, results with their
    grad_fn (add, mul, mean, matmul, a view, a relu), a float64 and an int32 tensor with their
    dtype, large and small values in scientific notation, a summarised 1-D tensor, and
    torch.set_printoptions(precision=2) then back to the defaults."""
    x = torch.tensor([[1.0, -2.0], [3.5, 0.25]], requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    printed = [str(x), str(y), str(z), str(out), str(x @ x), str(x.view(4)), str(x.relu())]
    printed.append(str(x.detach()))
    printed.append(str(torch.tensor([1.0, 2.0], dtype=torch.float64)))
    printed.append(str(torch.tensor([[1, 2], [30, 4]], dtype=torch.int32)))
    printed.append(str(torch.tensor([1e-6, 1.0, 1e6])))
    printed.append(str(torch.tensor([0.00012, 0.5])))
    printed.append(str(torch.arange(1500.0) / 7))
    torch.set_printoptions(precision=2)
    printed.append(str(torch.tensor([math.pi, math.e])))
    torch.set_printoptions(profile="default")
    printed.append(str(torch.tensor([math.pi, math.e])))
    with torch.no_grad():
        printed.append(str(x * 2))
    return {"printed": [_shown(torch, p) for p in printed]}


def custom_image_dataset_with_one_hot_target_transform(torch, init):
    """ "Datasets & DataLoaders": a CustomImageDataset with __init__/__len__/__getitem__, a
    transform scaling to [0, 1] and the tutorial's target_transform Lambda(lambda y:
    torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)); the batches'
    shapes and one-hot sums, iterated with next(iter(train_dataloader))."""
    Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader
    rng = np.random.default_rng(22)
    images = rng.integers(0, 256, (10, 1, 8, 8)).astype(np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, 10)]

    class CustomImageDataset(Dataset):
        def __init__(self, images, labels, transform=None, target_transform=None):
            self.images = images
            self.img_labels = labels
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image = torch.from_numpy(self.images[idx])
            label = self.img_labels[idx]
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    def to_float(image):
        return image.float() / 255

    def one_hot(y):
        return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)

    data = CustomImageDataset(images, labels, to_float, one_hot)
    train_dataloader = DataLoader(data, batch_size=4, shuffle=False)
    train_features, train_labels = next(iter(train_dataloader))
    img = train_features[0].squeeze()
    raw = CustomImageDataset(images, labels)
    raw_features, raw_labels = next(iter(DataLoader(raw, batch_size=3)))
    return {
        "batch": [list(train_features.size()), list(train_labels.size())],
        "one_hot": [train_labels.sum(1).tolist(), train_labels.argmax(1).tolist(), labels[:4]],
        "img": [list(img.shape), img.max().item(), img.mean().item()],
        "raw": [_name(raw_features.dtype), raw_labels.tolist(), _name(raw_labels.dtype)],
        "len": [len(data), len(train_dataloader)],
    }


def blitz_tensor_basics_new_ones_and_out(torch, init):
    """The 60 Minute Blitz's tensors page as older copies have it: x.new_ones(5, 3,
    dtype=torch.double), torch.randn_like(x, dtype=torch.float) by shape, x.size() and its
    tuple unpacking, torch.add(x, y, out=result), y.add_(x), x[:, 1], x.view(-1, 8) and
    x.view(16) sizes, a one-element tensor's .item(), and NumPy round trips."""
    x = torch.tensor(np.arange(15, dtype=np.float64).reshape(5, 3) / 4)
    x = x.new_ones(5, 3, dtype=torch.double)
    y = torch.randn_like(x, dtype=torch.float)
    rows, cols = x.size()
    x = torch.from_numpy(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
    y = torch.from_numpy(np.linspace(2, 0, 15, dtype=np.float32).reshape(5, 3))
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    y.add_(x)
    a = torch.from_numpy(np.arange(16, dtype=np.float32)).view(4, 4)
    b = a.view(16)
    c = a.view(-1, 8)
    one = torch.tensor([0.75])
    return {
        "new_ones": [_name(x.new_ones(2).dtype), rows, cols, _name(y.dtype)],
        "result": [result.tolist(), y.tolist(), torch.equal(result, y)],
        "column": x[:, 1].tolist(),
        "views": [list(b.size()), list(c.size()), _shown(torch, c.size())],
        "item": [one.item(), type(one.item()).__name__, str(one)],
        "numpy": [a.numpy()[1].tolist(), type(a.numpy()).__name__],
    }


def regression_head_with_shape_ops_that_change_nothing(torch, init):
    """A student's regression loop with defensive reshapes: the head's (N,) output squeezed
    again (`pred.squeeze(-1)`), the target `expand_as(pred)`, a roll by a whole turn used as
    a "shift" of a window; retain_grad on the squeezed prediction, a write to the rolled copy
    that must not reach the data, and the trained weights."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1), nn.Flatten(0)))
    X = _randn(torch, (8, 3), 31)
    y = _randn(torch, 8, 32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _step in range(5):
        out = model(X)
        pred = out.squeeze(-1)
        pred.retain_grad()
        target = y.expand_as(pred)
        loss = nn.functional.mse_loss(pred, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    window = X.roll(8, 0)
    window[0, 0] = 100.0
    return {
        "losses": losses,
        "pred": [pred is out, pred.is_leaf, pred.grad_fn.name(), pred.grad.tolist()],
        "target": [target is y, target.grad_fn is None, target.requires_grad],
        "window": [window is X, X[0, 0].item(), window[0, 0].item()],
        "weights": [p.tolist() for p in model.parameters()],
    }


PROGRAMS = [
    cubic_fit_with_manual_gradients,
    cubic_fit_with_autograd_in_double,
    legendre_polynomial3_function_class,
    polynomial_features_with_nn_sequential_and_flatten,
    polynomial_fit_with_rmsprop,
    polynomial_3_custom_module_with_string,
    dynamic_net_with_a_fixed_sequence_of_exponents,
    quickstart_train_test_and_state_dict_via_bytesio,
    quickstart_model_inspection_and_softmax,
    tensors_tutorial_numpy_bridge_and_in_place,
    tensors_tutorial_creation_and_attributes_printed,
    autograd_tutorial_jvp_with_ones_like_and_accumulation,
    autograd_tutorial_requires_grad_detach_and_freezing,
    autograd_retain_grad_on_intermediates,
    device_agnostic_code_with_to_and_cuda_checks,
    manual_seed_reproducibility_by_properties,
    printing_models_with_extra_repr_and_parameter_counts,
    printing_tensors_with_grad_fns_and_options,
    custom_image_dataset_with_one_hot_target_transform,
    blitz_tensor_basics_new_ones_and_out,
    regression_head_with_shape_ops_that_change_nothing,
]

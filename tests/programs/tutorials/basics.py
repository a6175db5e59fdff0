"""Programs in the style of PyTorch's "Learn the Basics" tutorials (tensors, datasets and
dataloaders, build the model, autograd, optimization, save and load), each a function of the
library (`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py)."""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np


def tensors(torch, init):
    """Creation, attributes, indexing, slice assignment, joining, arithmetic, in-place ops and
    the memory a tensor shares with NumPy."""
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    x_np = torch.from_numpy(np.array(data))
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    shape = (2, 3)
    attrs = [
        str(x_rand.dtype).split(".")[-1],
        list(x_rand.shape),
        str(x_rand.device),
        list(torch.zeros(shape).shape),
    ]

    tensor = torch.ones(4, 4)
    first = [tensor[0].tolist(), tensor[:, 0].tolist(), tensor[..., -1].tolist()]
    tensor[:, 1] = 0
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    agg = tensor.sum()
    tensor.add_(5)

    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    shared_from_tensor = n.tolist()
    n2 = np.ones(5)
    t2 = torch.from_numpy(n2)
    np.add(n2, 1, out=n2)

    max_len, d_model = 6, 8
    position = torch.arange(max_len).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, 1, d_model)
    pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe[:, 0, 1::2] = torch.cos(position * div_term)
    return {
        "created": [x_data.tolist(), x_np.tolist(), x_ones.tolist()],
        "attrs": attrs,
        "first": first,
        "t1": t1.tolist(),
        "products": [y1.tolist(), y2.tolist(), z1.tolist(), z2.tolist()],
        "agg": [agg.item(), tensor.tolist()],
        "numpy": [shared_from_tensor, t2.tolist(), str(t2.dtype).split(".")[-1]],
        "pe": pe.squeeze(1).tolist(),
    }


def datasets_and_dataloaders(torch, init, one_hot_by_scatter=False):
    """A custom Dataset with a transform and a one-hot target_transform, batched by a
    DataLoader; `next(iter(...))` and iteration over the batches."""
    from sklearn.datasets import load_digits

    Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader

    class DigitsDataset(Dataset):
        def __init__(self, images, labels, transform=None, target_transform=None):
            self.images, self.labels = images, labels
            self.transform, self.target_transform = transform, target_transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, idx):
            image, label = self.images[idx], int(self.labels[idx])
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    digits = load_digits()
    to_tensor = lambda a: torch.tensor(a[None] / 16.0, dtype=torch.float32)  # noqa: E731
    if one_hot_by_scatter:  # the tutorial's Lambda: a 0-d index into a 1-d tensor
        one_hot = lambda y: torch.zeros(10, dtype=torch.float).scatter_(  # noqa: E731
            0, torch.tensor(y), value=1
        )
    else:
        one_hot = lambda y: torch.nn.functional.one_hot(torch.tensor(y), 10).float()  # noqa: E731
    dataset = DigitsDataset(digits.images[:50], digits.target[:50], to_tensor, one_hot)
    loader = DataLoader(dataset, batch_size=8, shuffle=False)
    train_features, train_labels = next(iter(loader))
    img, label = train_features[0].squeeze(), train_labels[0]
    sums = [[X.sum().item(), y.argmax(1).tolist()] for X, y in loader]
    tensors = torch.utils.data.TensorDataset(train_features, train_labels)

    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return ((float(k) / 2, {"label": k % 3}) for k in range(10))

    stream = torch.utils.data.DataLoader(Stream() + Stream(), batch_size=4, drop_last=True)
    streamed = [[x.tolist(), y["label"].tolist()] for x, y in stream]
    batch_types = [type(b).__name__ for b in (next(iter(loader)), next(iter(DataLoader(tensors))))]
    return {
        "sizes": [list(train_features.size()), list(train_labels.size()), len(loader)],
        "first": [img.tolist(), label.tolist()],
        "batches": sums,
        "raw": [dataset[3][1].tolist(), len(dataset)],
        "batch_types": batch_types,  # a tuple sample gives a list batch
        "streamed": streamed,
    }


def one_hot_by_scatter(torch, init):
    """The datasets tutorial's target_transform: `zeros(10).scatter_(0, tensor(y), value=1)`."""
    return datasets_and_dataloaders(torch, init, one_hot_by_scatter=True)


def build_the_model(torch, init):
    """nn.Flatten, nn.Sequential, nn.Softmax, argmax(1), named_parameters and the layers one by
    one, as in "Build the Neural Network"."""
    nn = torch.nn

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    device = "cpu"
    model = init(NeuralNetwork().to(device))
    rng = np.random.default_rng(5)
    X = torch.tensor(rng.random((3, 28, 28), dtype=np.float32), device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    params = [
        [name, list(param.size()), param[:2].tolist()] for name, param in model.named_parameters()
    ]
    flatten = nn.Flatten()
    flat_image = flatten(X)
    layer1 = init(nn.Linear(in_features=28 * 28, out_features=20))
    hidden1 = nn.ReLU()(layer1(flat_image))
    seq_modules = init(nn.Sequential(flatten, layer1, nn.ReLU(), nn.Linear(20, 10)))
    return {
        "pred": [pred_probab.tolist(), y_pred.tolist(), list(flat_image.size())],
        "params": params,
        "hidden": hidden1.tolist(),
        "seq": seq_modules(X).tolist(),
        "printed": [str(model), str(seq_modules)],
    }


def autograd(torch, init):
    """binary_cross_entropy_with_logits, requires_grad, no_grad, detach, backward of a
    non-scalar with `gradient=`, accumulation and zero_ (the autograd tutorials)."""
    x = torch.ones(5)
    y = torch.zeros(3)
    w = init(torch.randn(5, 3, requires_grad=True))
    b = init(torch.randn(3, requires_grad=True))
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    flags = [z.requires_grad, z.grad_fn is not None]
    with torch.no_grad():
        flags.append(torch.matmul(x, w).requires_grad)
    flags.append(z.detach().requires_grad)

    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.tolist()
    out.backward(torch.ones_like(out), retain_graph=True)
    second = inp.grad.tolist()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)

    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b2 = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b2**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    return {
        "grads": [loss.item(), w.grad.tolist(), b.grad.tolist()],
        "flags": flags,
        "accumulated": [first, second, inp.grad.tolist()],
        "Q": [a.grad.tolist(), b2.grad.tolist(), (9 * a**2 == a.grad).tolist()],
    }


def _fashion_like(torch, n, seed):
    """A TensorDataset of n float 28x28 "images" and labels 0..9 made by NumPy."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, 1, 28, 28), dtype=np.float32)
    labels = (images[:, 0, :4].sum((1, 2)) * 10 / 56).astype(np.int64) % 10
    return torch.utils.data.TensorDataset(torch.tensor(images), torch.tensor(labels))


def optimization_loop(torch, init):
    """train_loop / test_loop of "Optimizing Model Parameters": len(dataloader.dataset),
    len(dataloader), model.train()/eval(), the accuracy as `.type(torch.float).sum().item()`."""
    nn = torch.nn
    DataLoader = torch.utils.data.DataLoader
    batch_size = 16
    train_dataloader = DataLoader(_fashion_like(torch, 64, 6), batch_size=batch_size)
    test_dataloader = DataLoader(_fashion_like(torch, 40, 7), batch_size=batch_size)
    model = init(
        nn.Sequential(
            nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Dropout(0.0), nn.Linear(32, 10)
        )
    )
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
    log = []

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 2 == 0:
                loss, current = loss.item(), batch * batch_size + len(X)
                log.append([loss, current, size])

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size, num_batches = len(dataloader.dataset), len(dataloader)
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        log.append([test_loss / num_batches, correct / size])

    for _ in range(3):
        train_loop(train_dataloader, model, loss_fn, optimizer)
        test_loop(test_dataloader, model, loss_fn)
    return {"log": log}


def save_and_load(torch, init):
    """state_dict saved and loaded (weights_only=True), and a general checkpoint with the
    optimizer's state, resumed into fresh objects."""
    nn = torch.nn

    def make():
        return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))

    model = init(make())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(8)
    X = torch.tensor(rng.standard_normal((10, 6)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 3, 10))
    for _ in range(2):
        loss = nn.functional.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with tempfile.TemporaryDirectory() as folder:
        weights = os.path.join(folder, "model_weights.pth")
        torch.save(model.state_dict(), weights)
        model2 = make()
        model2.load_state_dict(torch.load(weights, weights_only=True))
        model2.eval()
        checkpoint = os.path.join(folder, "checkpoint.tar")
        torch.save(
            {
                "epoch": 2,
                "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(),
                "loss": loss,
            },
            checkpoint,
        )
        resumed = torch.load(checkpoint, weights_only=True)
    model3 = make()
    optimizer3 = torch.optim.SGD(model3.parameters(), lr=0.5)
    model3.load_state_dict(resumed["model_state_dict"])
    optimizer3.load_state_dict(resumed["optimizer_state_dict"])
    model3.train()
    loss3 = nn.functional.cross_entropy(model3(X), y)
    optimizer3.zero_grad()
    loss3.backward()
    optimizer3.step()
    return {
        "loaded": model2(X).tolist(),
        "resumed": [resumed["epoch"], resumed["loss"].item(), optimizer3.param_groups[0]["lr"]],
        "after_step": model3(X).tolist(),
    }


def device_selection(torch, init):
    """The device line of the 2.x quickstart and "Build the Neural Network" tutorials."""
    nn = torch.nn
    device = (
        torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    )
    model = init(nn.Sequential(nn.Flatten(), nn.Linear(16, 4)).to(device))
    X = init(torch.rand(2, 4, 4, device=device))
    return {"logits": model(X).tolist()}


def out_arguments(torch, init):
    """The tensors tutorial's `torch.matmul(tensor, tensor.T, out=y3)` and `torch.mul(out=)`."""
    tensor = torch.ones(4, 4)
    tensor[:, 1] = 0
    y3 = torch.rand_like(tensor)
    torch.matmul(tensor, tensor.T, out=y3)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    return {"out": [y3.tolist(), z3.tolist()]}


PROGRAMS = [
    tensors,
    out_arguments,
    datasets_and_dataloaders,
    one_hot_by_scatter,
    build_the_model,
    autograd,
    optimization_loop,
    save_and_load,
    device_selection,
]

"""Programs in the style of PyTorch's Recipes ("Defining a Neural Network", "What is a
state_dict", "Zeroing out gradients", "Warmstarting model using parameters from a different
model", "Saving and loading multiple models in one file", "Changing default device",
"Reasoning about Shapes", "Automatic Mixed Precision", "PyTorch Benchmark"), of the
"Introduction to PyTorch" YouTube series (Introduction, Tensors, The Fundamentals of Autograd,
Building Models, Training with PyTorch), of "Understanding requires_grad, retain_grad, Leaf, and
Non-leaf Tensors" and "Neural Tangent Kernels", and statistics helpers (cov, corrcoef, isin,
cummax, pdist, svd); each a function of the library (`torch` is PyTorch or minigrad) and of
`init` (see tests/programs/conftest.py). Random draws differ between the libraries: `init`
hands minigrad PyTorch's values, and what stays random (dropout in training mode, timings) is
compared by its properties."""

from __future__ import annotations

import math
import os
import tempfile
import warnings

import numpy as np


def _type_name(obj) -> str:
    return type(obj).__name__


def defining_a_neural_network(torch, init):
    """ "Defining a Neural Network in PyTorch": the MNIST Net with two convolutions,
    F.max_pool2d, nn.Dropout2d (also on the 2-D output of fc1, which warns in both), `flatten(
    start_dim=1)`, log_softmax; print(my_nn), and one random 28x28 image through it."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008 - the recipe's spelling
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout2d(0.25)
            self.dropout2 = nn.Dropout2d(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = x.flatten(start_dim=1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    random_data = init(torch.rand((1, 1, 28, 28)))
    my_nn = init(Net())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = my_nn(random_data)  # training mode: the dropout masks are random
        my_nn.eval()
        evaluated = my_nn(random_data)
    return {
        "print": str(my_nn),
        "train": [list(result.shape), result.exp().sum().item(), result.requires_grad],
        "warned_2d": any("dropout2d" in str(w.message) for w in caught),
        "eval": evaluated.tolist(),
    }


class _CifarNet:
    """The recipes' CIFAR-10 network (conv 3->6->16, max pooling, three linear layers)."""

    @staticmethod
    def build(torch):
        nn, F = torch.nn, torch.nn.functional

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()  # noqa: UP008 - the recipes' spelling
                self.conv1 = nn.Conv2d(3, 6, 5)
                self.pool = nn.MaxPool2d(2, 2)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = self.pool(F.relu(self.conv1(x)))
                x = self.pool(F.relu(self.conv2(x)))
                x = x.flatten(start_dim=1)
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                x = self.fc3(x)
                return x

        return Net


def _cifar_like(torch, n, seed):
    """n normalized 3x32x32 "images" in [-1, 1] and labels 0..9, made by NumPy."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, 3, 32, 32), dtype=np.float32) * 2 - 1
    labels = (images[:, 0, :8, :8].mean((1, 2)) * 40).astype(np.int64) % 10
    return torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))


def state_dict_and_zeroing_gradients(torch, init):
    """ "What is a state_dict": the model's state_dict keys and sizes, the optimizer's
    state_dict (SGD with momentum); "Zeroing out gradients": two epochs over a DataLoader with
    optimizer.zero_grad() before each step, running losses every 2 batches; then
    model.zero_grad() (gradients become None, as with the optimizer)."""
    nn, optim = torch.nn, torch.optim
    net = init(_CifarNet.build(torch)())
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    model_state = [[k, list(net.state_dict()[k].size())] for k in net.state_dict()]
    opt_state = optimizer.state_dict()
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt_state["param_groups"]]
    opt_view = [sorted(opt_state), opt_state["state"] == {}, opt_state["param_groups"][0]["params"]]

    trainloader = torch.utils.data.DataLoader(_cifar_like(torch, 24, 3), batch_size=4)
    criterion = nn.CrossEntropyLoss()
    reports = []
    for epoch in range(2):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 2 == 1:
                reports.append([epoch + 1, i + 1, running_loss / 2])
                running_loss = 0.0
    momentum = [optimizer.state_dict()["state"][k]["momentum_buffer"].sum().item() for k in (0, 5)]
    net.zero_grad()
    return {
        "model_state": model_state,
        "optimizer": opt_view,
        "groups": [[k, g[k]] for g in groups for k in ("lr", "momentum", "nesterov", "maximize")],
        "reports": reports,
        "momentum": momentum,
        "zeroed": [p.grad is None for p in net.parameters()],
        "fc3": net.fc3.weight.tolist(),
    }


def warmstarting(torch, init):
    """ "Warmstarting model using parameters from a different model": netA saved, loaded into
    netB with strict=False (all keys match: `<All keys matched successfully>`); then a model
    with an extra head (missing keys) and a state_dict with an extra layer (unexpected keys),
    the returned missing_keys / unexpected_keys, and renamed keys loaded after all."""
    nn = torch.nn
    Net = _CifarNet.build(torch)
    netA, netB = init(Net()), init(Net())  # noqa: N806 - the recipe's names

    class Bigger(Net):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(10, 2)

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        PATH = os.path.join(folder, "model.pt")  # noqa: N806
        torch.save(netA.state_dict(), PATH)
        matched = netB.load_state_dict(torch.load(PATH), strict=False)
        results["matched"] = [repr(matched), list(matched.missing_keys), matched.unexpected_keys]

        bigger = init(Bigger())
        partial = bigger.load_state_dict(torch.load(PATH), strict=False)
        results["partial"] = [_type_name(partial), partial.missing_keys, partial.unexpected_keys]
        torch.save(bigger.state_dict(), PATH)
        extra = netB.load_state_dict(torch.load(PATH), strict=False)
        results["extra"] = [repr(extra), extra.missing_keys, extra.unexpected_keys]
        try:
            netB.load_state_dict(torch.load(PATH))
        except RuntimeError as error:
            results["strict"] = str(error).split("\n")[1].strip()

    renamed = {k.replace("fc3", "classifier"): v for k, v in netA.state_dict().items()}

    class Renamed(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc2 = nn.Linear(120, 84)
            self.classifier = nn.Linear(84, 10)

    target = init(Renamed())
    loaded = target.load_state_dict(renamed, strict=False)
    results["renamed"] = [sorted(loaded.unexpected_keys), loaded.missing_keys]
    x = torch.tensor(np.linspace(-1, 1, 2 * 3 * 32 * 32, dtype=np.float32).reshape(2, 3, 32, 32))
    results["outputs"] = [netA(x).tolist(), netB(x).tolist(), target.classifier.bias.tolist()]
    return results


def saving_multiple_models(torch, init):
    """ "Saving and loading multiple models in one file": two nets and their SGD-with-momentum
    optimizers (a step each, so they have momentum buffers) saved in one dict, loaded into new
    models and optimizers, eval() and train(); the next step matches continuing the originals."""
    optim = torch.optim
    Net = _CifarNet.build(torch)
    netA, netB = init(Net()), init(Net())  # noqa: N806 - the recipe's names
    optimizerA = optim.SGD(netA.parameters(), lr=0.001, momentum=0.9)  # noqa: N806
    optimizerB = optim.SGD(netB.parameters(), lr=0.001, momentum=0.9)  # noqa: N806
    inputs, labels = _cifar_like(torch, 4, 8).tensors
    criterion = torch.nn.CrossEntropyLoss()

    def step(net, optimizer):
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    first = [step(netA, optimizerA), step(netB, optimizerB)]
    with tempfile.TemporaryDirectory() as folder:
        PATH = os.path.join(folder, "model.pt")  # noqa: N806
        torch.save(
            {
                "modelA_state_dict": netA.state_dict(),
                "modelB_state_dict": netB.state_dict(),
                "optimizerA_state_dict": optimizerA.state_dict(),
                "optimizerB_state_dict": optimizerB.state_dict(),
            },
            PATH,
        )
        modelA, modelB = Net(), Net()  # noqa: N806
        optimModelA = optim.SGD(modelA.parameters(), lr=0.001, momentum=0.9)  # noqa: N806
        optimModelB = optim.SGD(modelB.parameters(), lr=0.001, momentum=0.9)  # noqa: N806
        checkpoint = torch.load(PATH)
    modelA.load_state_dict(checkpoint["modelA_state_dict"])
    modelB.load_state_dict(checkpoint["modelB_state_dict"])
    optimModelA.load_state_dict(checkpoint["optimizerA_state_dict"])
    optimModelB.load_state_dict(checkpoint["optimizerB_state_dict"])
    modelA.eval()
    modelB.eval()
    modes = [modelA.training, modelB.training]
    modelA.train()
    modelB.train()
    modes += [modelA.training, modelB.training]
    resumed = [step(modelA, optimModelA), step(modelB, optimModelB)]
    continued = [step(netA, optimizerA), step(netB, optimizerB)]
    return {
        "keys": sorted(checkpoint),
        "first": first,
        "modes": modes,
        "resumed": resumed,
        "continued": continued,
        "weights": [modelA.fc3.weight.tolist(), netA.fc3.weight.tolist()],
    }


def changing_default_device(torch, init):
    """ "Changing default device": a device string for randn, `with torch.device(...)` around
    a model and its input, then torch.set_default_device; on the CPU (the recipe's USE_CUDA
    False), and the default put back afterwards."""
    USE_CUDA = False  # noqa: N806 - the recipe's name
    mod = init(torch.nn.Linear(20, 30))
    if USE_CUDA:
        mod.cuda()
    device = "cpu"
    if USE_CUDA:
        device = "cuda"
    inp = init(torch.randn(128, 20, device=device))
    seen = [str(mod(inp).device)]
    try:
        with torch.device("cpu"):
            mod = init(torch.nn.Linear(20, 30))
            seen.append(str(mod.weight.device))
            seen.append(str(mod(init(torch.randn(128, 20))).device))
            inside = str(torch.get_default_device())
        torch.set_default_device("cpu")
        mod = init(torch.nn.Linear(20, 30))
        seen.append(str(mod.weight.device))
        out = mod(init(torch.randn(128, 20)))
        seen.append(str(out.device))
    finally:
        torch.set_default_device(None)
    return {"devices": seen, "inside": inside, "out": out[:3].tolist()}


def reasoning_about_shapes(torch, init):
    """ "Reasoning about Shapes in PyTorch", on the CPU: minigrad has no `meta` device (the
    recipe's device="meta" raises RuntimeError saying so: tests/ops/test_tutorial_apis.py),
    so the shapes come from a small input; forward hooks on every named module record what each
    layer gives."""
    nn, F = torch.nn, torch.nn.functional
    t = init(torch.rand(2, 3, 10, 10))
    conv = init(torch.nn.Conv2d(3, 5, 2))
    out = conv(t)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    shapes = []

    def fw_hook(module, input, output):  # noqa: A002 - the recipe's name
        shapes.append(f"Shape of output to {module} is {list(output.shape)}.")

    net = init(Net())
    inp = torch.randn((1, 3, 32, 32))
    for _name, layer in net.named_modules():
        layer.register_forward_hook(fw_hook)
    net(inp)
    return {"conv": [list(out.shape), out.sum().item()], "hooks": shapes}


def intro_to_pytorch(torch, init):
    """ "Introduction to PyTorch" (the YouTube series' first video): zeros and dtypes, seeded
    rand, arithmetic, abs/asin/det/svd/std_mean/max of a random matrix, LeNet with
    num_flat_features, per-channel mean and std of a stacked ConcatDataset, two epochs of the
    CIFAR-10 classifier and its test accuracy with `torch.max(outputs.data, 1)`."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    r = {}
    z = torch.zeros(5, 3)
    i = torch.ones((5, 3), dtype=torch.int16)
    torch.manual_seed(1729)
    r1 = torch.rand(2, 2)
    r2 = torch.rand(2, 2)
    torch.manual_seed(1729)
    r3 = torch.rand(2, 2)
    ones = torch.ones(2, 3)
    twos = torch.ones(2, 3) * 2
    threes = ones + twos
    r["basics"] = [
        z.tolist(),
        str(z.dtype).split(".")[-1],
        i.tolist(),
        str(i.dtype).split(".")[-1],
        bool(torch.equal(r1, r3)),
        bool(torch.equal(r1, r2)),
        threes.tolist(),
        list(threes.shape),
    ]
    try:
        torch.rand(2, 3) + torch.rand(3, 2)
    except RuntimeError as error:
        r["mismatch"] = _type_name(error)
    r_ = (init(torch.rand(2, 2)) - 0.5) * 2  # values between -1 and 1
    U, S, V = torch.svd(r_)  # noqa: N806
    std, mean = torch.std_mean(r_)
    r["math"] = [
        torch.abs(r_).tolist(),
        torch.asin(r_).tolist(),
        torch.det(r_).item(),
        S.tolist(),
        (U @ torch.diag(S) @ V.T).tolist(),
        [std.item(), mean.item()],
        torch.max(r_).item(),
    ]

    class LeNet(nn.Module):
        def __init__(self):
            super(LeNet, self).__init__()  # noqa: UP008 - the tutorial's spelling
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

        def num_flat_features(self, x):
            size = x.size()[1:]  # all dimensions except the batch dimension
            num_features = 1
            for s in size:
                num_features *= s
            return num_features

    net = init(LeNet())
    input = init(torch.rand(1, 1, 32, 32))  # noqa: A001 - the tutorial's name
    output = net(input)
    r["lenet"] = [str(net), list(input.shape), output.tolist(), list(output.shape)]

    trainset, testset = _cifar_like(torch, 24, 4), _cifar_like(torch, 12, 5)
    x = torch.stack([sample[0] for sample in torch.utils.data.ConcatDataset([trainset])])
    r["channels"] = [torch.mean(x, dim=(0, 2, 3)).tolist(), torch.std(x, dim=(0, 2, 3)).tolist()]
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=False)
    testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False)
    classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    dataiter = iter(trainloader)
    images, labels = next(dataiter)
    r["labels"] = " ".join("%5s" % classes[labels[j]] for j in range(4))  # noqa: UP031

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = init(Net())
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    reports = []
    for epoch in range(2):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 3 == 2:
                reports.append([epoch + 1, i + 1, running_loss / 3])  # printed with %.3f
                running_loss = 0.0
    correct = 0
    total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    r["training"] = [reports, correct, total, 100 * correct / total]
    return r


def intro_tensors(torch, init):
    """ "Introduction to PyTorch Tensors" (the YouTube series): empty/zeros/ones/rand and
    manual_seed, *_like, tensors from lists and tuples, dtypes and `.to`, arithmetic with
    numbers and tensors, broadcasting, abs/ceil/floor/clamp, sin/asin, bitwise_xor, eq,
    reductions, cross/matmul/svd, in-place ops (torch.sin_, add_, mul_), out= (matmul and
    rand), clone/detach, unsqueeze/squeeze(_)/reshape, and the NumPy bridge's shared memory."""
    r = {}
    x = torch.empty(3, 4)
    r["empty"] = [_type_name(x), list(x.shape), str(x.dtype).split(".")[-1]]
    zeros, ones = torch.zeros(2, 3), torch.ones(2, 3)
    torch.manual_seed(1729)
    random1 = torch.rand(2, 3)
    random2 = torch.rand(2, 3)
    torch.manual_seed(1729)
    random3 = torch.rand(2, 3)
    random4 = torch.rand(2, 3)
    r["seeded"] = [
        zeros.tolist(),
        ones.tolist(),
        bool(torch.equal(random1, random3)),
        bool(torch.equal(random2, random4)),
        bool(torch.equal(random1, random2)),
        bool(((random1 >= 0) & (random1 < 1)).all()),
    ]
    x = torch.empty(2, 2, 3)
    likes = [torch.empty_like(x), torch.zeros_like(x), torch.ones_like(x), torch.rand_like(x)]
    r["likes"] = [list(t.shape) for t in likes] + [likes[1].tolist(), likes[2].tolist()]
    some_constants = torch.tensor([[3.1415926, 2.71828], [1.61803, 0.0072897]])
    some_integers = torch.tensor((2, 3, 5, 7, 11, 13, 17, 19))
    more_integers = torch.tensor(((2, 4, 6), [3, 6, 9]))
    r["from_data"] = [some_constants.tolist(), some_integers.tolist(), more_integers.tolist()]
    a = torch.ones((2, 3), dtype=torch.int16)
    b = init(torch.rand((2, 3), dtype=torch.float64)) * 20.0
    c = b.to(torch.int32)
    shown = repr(a).replace(f"{torch.__name__}.", "torch.")  # tensor(..., dtype=torch.int16)
    r["dtypes"] = [str(t.dtype).split(".")[-1] for t in (a, b, c)] + [c.tolist(), shown]

    ones = torch.zeros(2, 2) + 1
    twos = torch.ones(2, 2) * 2
    threes = (torch.ones(2, 2) * 7 - 1) / 2
    fours = twos**2
    sqrt2s = twos**0.5
    powers2 = twos ** torch.tensor([[1, 2], [3, 4]])
    fives = ones + fours
    dozens = threes * fours
    r["arithmetic"] = [t.tolist() for t in (ones, twos, threes, fours, sqrt2s, powers2, fives)]
    r["arithmetic"].append(dozens.tolist())
    try:
        torch.rand(2, 3) * torch.rand(3, 2)
    except RuntimeError as error:
        r["mismatch"] = _type_name(error)

    rand = init(torch.rand(2, 4))
    doubled = rand * (torch.ones(1, 4) * 2)
    a = torch.ones(4, 3, 2)
    b = a * init(torch.rand(3, 2))
    c = a * init(torch.rand(3, 1))
    d = a * init(torch.rand(1, 2))
    r["broadcast"] = [doubled.tolist(), b.tolist(), c.tolist(), d.tolist()]
    for shape in ((4, 3), (2, 3), (0,)):
        try:
            a * torch.rand(*shape)
        except RuntimeError as error:
            r.setdefault("broadcast_errors", []).append(_type_name(error))

    a = init(torch.rand(2, 4)) * 2 - 1
    r["common"] = [
        torch.abs(a).tolist(),
        torch.ceil(a).tolist(),
        torch.floor(a).tolist(),
        torch.clamp(a, -0.5, 0.5).tolist(),
    ]
    angles = torch.tensor([0, math.pi / 4, math.pi / 2, 3 * math.pi / 4])
    sines = torch.sin(angles)
    inverses = torch.asin(sines)
    r["trig"] = [angles.tolist(), sines.tolist(), inverses.tolist()]
    b = torch.tensor([1, 5, 11])
    c = torch.tensor([2, 7, 10])
    r["xor"] = torch.bitwise_xor(b, c).tolist()
    d = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = torch.ones(1, 2)
    r["eq"] = [torch.eq(d, e).tolist(), str(torch.eq(d, e).dtype).split(".")[-1]]
    r["reductions"] = [
        torch.max(d).tolist(),
        torch.max(d).item(),
        torch.mean(d).item(),
        torch.std(d).item(),
        torch.prod(d).item(),
        torch.unique(torch.tensor([1, 2, 1, 2, 1, 2])).tolist(),
    ]
    v1 = torch.tensor([1.0, 0.0, 0.0])
    v2 = torch.tensor([0.0, 1.0, 0.0])
    m1 = init(torch.rand(2, 2))
    m2 = torch.tensor([[3.0, 0.0], [0.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that cross's dim will be -1
        crossed = torch.cross(v2, v1)
    m3 = torch.matmul(m1, m2)
    U, S, V = torch.svd(m3)  # noqa: N806
    r["linalg"] = [
        crossed.tolist(),
        m3.tolist(),
        S.tolist(),
        (U @ torch.diag(S) @ V.T).tolist(),
        U.abs().tolist(),
        V.abs().tolist(),
        _type_name(torch.svd(m3)),
    ]

    a = torch.tensor([0, math.pi / 4, math.pi / 2, 3 * math.pi / 4])
    sin_a = torch.sin(a)
    b = torch.tensor([0, math.pi / 4, math.pi / 2, 3 * math.pi / 4])
    sin_b = torch.sin_(b)
    r["sin_"] = [sin_a.tolist(), a.tolist(), sin_b.tolist(), b.tolist(), sin_b is b]
    a = torch.ones(2, 2)
    b = init(torch.rand(2, 2))
    r["add_mul_"] = [a.add_(b).tolist(), a.tolist(), b.mul_(b).tolist(), b.tolist()]
    a, b = init(torch.rand(2, 2)), init(torch.rand(2, 2))
    c = torch.zeros(2, 2)
    old_id = id(c)
    d = torch.matmul(a, b, out=c)
    r["out"] = [d.tolist(), c is d, id(c) == old_id]
    created = torch.rand(2, 2, out=c)  # works for creation too
    r["out"] += [created is c, id(c) == old_id, list(c.shape), bool((c < 1).all())]

    a = torch.ones(2, 2)
    b = a
    a[0][1] = 561
    copy = [b.tolist()]
    a = torch.ones(2, 2)
    b = a.clone()
    copy += [b is not a, torch.eq(a, b).tolist()]
    a[0][1] = 561
    copy.append(b.tolist())
    a = init(torch.rand(2, 2, requires_grad=True))
    b = a.clone()
    c = a.detach().clone()
    copy += [
        [t.requires_grad for t in (a, b, c)],
        [t.grad_fn is None for t in (a, b, c)],
        b.grad_fn.name(),
        c.tolist() == a.tolist(),
    ]
    r["copy"] = copy

    my_device = torch.device("cpu")
    x = torch.rand(2, 2, device=my_device)
    y = torch.rand(2, 2).to(my_device)
    r["device"] = [str(my_device), str(x.device), str(y.device)]

    a = torch.rand(3, 226, 226)
    b = a.unsqueeze(0)
    shapes = [list(a.shape), list(b.shape), list(torch.rand(1, 1, 1, 1, 1).shape)]
    a = init(torch.rand(1, 20))
    b = a.squeeze(0)
    c = torch.rand(2, 2)
    d = c.squeeze(0)
    shapes += [list(b.shape), b.tolist(), list(d.shape)]
    a = torch.ones(4, 3, 2)
    b = init(torch.rand(3))
    c = b.unsqueeze(1)
    shapes += [list(c.shape), (a * c).tolist()]
    batch_me = torch.rand(3, 226, 226)
    batch_me.unsqueeze_(0)
    output3d = init(torch.rand(6, 20, 20))
    input1d = output3d.reshape(6 * 20 * 20)
    shapes += [list(batch_me.shape), list(input1d.shape)]
    shapes += [list(torch.reshape(output3d, (6 * 20 * 20,)).shape), input1d[::400].tolist()]
    output3d[0, 0, 1] = 7.0  # reshape gave a view: the change shows
    shapes.append(input1d[1].item())
    r["shapes"] = shapes

    numpy_array = np.ones((2, 3))
    pytorch_tensor = torch.from_numpy(numpy_array)
    pytorch_rand = init(torch.rand(2, 3))
    numpy_rand = pytorch_rand.numpy()
    numpy_array[1, 1] = 23
    pytorch_rand[1, 1] = 17
    r["numpy"] = [
        pytorch_tensor.tolist(),
        str(pytorch_tensor.dtype).split(".")[-1],
        numpy_rand.tolist(),
        str(numpy_rand.dtype),
    ]
    return r


def autograd_fundamentals(torch, init):
    """ "The Fundamentals of Autograd" (the YouTube series): sin over linspace with the grad_fn
    chain walked through next_functions, backward; a TinyModel's layer2 weights and gradients
    before and after backward and step, accumulation and zero_grad; turning autograd off
    (requires_grad = False, no_grad as context and decorator, detach, inference_mode), the
    in-place error on a leaf, backward with a vector, and autograd.functional's jacobian, vjp,
    hessian and hvp. (autograd.profiler is not in minigrad: see test_tutorials.py.)"""
    r = {}
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()
    r["repr"] = [repr(t).split("grad_fn=")[1] for t in (b, c, d, out)]

    def walk(node):
        """The tutorial's walk down `next_functions`, taking the first entry that is not
        None."""
        names = []
        while node is not None:
            names.append(node.name().rsplit("::", 1)[-1])
            links = [n for n, _ in node.next_functions if n is not None]
            node = links[0] if links else None
        return names

    r["chain"] = [walk(d.grad_fn), c.grad_fn.name(), b.grad_fn.name(), a.grad_fn is None]
    out.backward()
    r["grad"] = [a.grad.tolist(), (a.grad - 2 * torch.cos(a)).abs().max().item() < 1e-5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .grad of a non-leaf: None, with a warning in both
        r["leaves"] = [c.grad is None, c.is_leaf, a.is_leaf]

    BATCH_SIZE, DIM_IN, HIDDEN_SIZE, DIM_OUT = 16, 1000, 100, 10  # noqa: N806

    class TinyModel(torch.nn.Module):
        def __init__(self):
            super(TinyModel, self).__init__()  # noqa: UP008 - the tutorial's spelling
            self.layer1 = torch.nn.Linear(DIM_IN, HIDDEN_SIZE)
            self.relu = torch.nn.ReLU()
            self.layer2 = torch.nn.Linear(HIDDEN_SIZE, DIM_OUT)

        def forward(self, x):
            x = self.layer1(x)
            x = self.relu(x)
            x = self.layer2(x)
            return x

    some_input = init(torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False))
    ideal_output = init(torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False))
    model = init(TinyModel())
    training = [model.layer2.weight[0][0:10].tolist(), model.layer2.weight.grad is None]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    prediction = model(some_input)
    loss = (ideal_output - prediction).pow(2).sum()
    loss.backward()
    training += [loss.item(), model.layer2.weight[0][0:10].tolist()]
    training.append(model.layer2.weight.grad[0][0:10].tolist())
    optimizer.step()
    training += [model.layer2.weight[0][0:10].tolist(), model.layer2.weight.grad[0][0:10].tolist()]
    for _ in range(0, 5):
        prediction = model(some_input)
        loss = (ideal_output - prediction).pow(2).sum()
        loss.backward()
    training.append(model.layer2.weight.grad[0][0:10].tolist())
    optimizer.zero_grad()
    training.append(model.layer2.weight.grad is None)  # set to None (PyTorch 2's default)
    r["training"] = training

    a = torch.ones(2, 3, requires_grad=True)
    b1 = 2 * a
    a.requires_grad = False
    b2 = 2 * a
    off = [b1.grad_fn.name(), b2.grad_fn is None, b2.requires_grad]
    a = torch.ones(2, 3, requires_grad=True) * 2
    b = torch.ones(2, 3, requires_grad=True) * 3
    c1 = a + b
    with torch.no_grad():
        c2 = a + b
    c3 = a * b
    off += [c1.grad_fn.name(), c2.grad_fn is None, c3.grad_fn.name(), c2.tolist()]

    def add_tensors1(x, y):
        return x + y

    @torch.no_grad()
    def add_tensors2(x, y):
        return x + y

    off += [add_tensors1(a, b).requires_grad, add_tensors2(a, b).requires_grad]
    with torch.no_grad(), torch.enable_grad():
        off.append((a * b).requires_grad)
    x = init(torch.rand(5, requires_grad=True))
    y = x.detach()
    off += [x.requires_grad, y.requires_grad, y.tolist() == x.tolist()]
    with torch.inference_mode():
        z = x * 2
    off += [z.requires_grad, z.grad_fn is None]
    r["off"] = off

    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    try:
        torch.sin_(a)
    except RuntimeError as error:
        r["inplace_leaf"] = str(error).split(".")[0]

    x = init(torch.randn(3, requires_grad=True))
    y = x * 2
    doublings = 1
    while y.data.norm() < 1000:
        y = y * 2
        doublings += 1
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    r["vector_backward"] = [doublings, y.tolist(), x.grad.tolist()]

    def exp_adder(x, y):
        return 2 * x.exp() + 3 * y

    functional = torch.autograd.functional
    inputs = (init(torch.rand(1)), init(torch.rand(1)))
    small = functional.jacobian(exp_adder, inputs)
    inputs = (init(torch.rand(3)), init(torch.rand(3)))
    large = functional.jacobian(exp_adder, inputs)

    def do_some_doubling(x):
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        return y

    inputs = init(torch.randn(3))
    my_gradients = torch.tensor([0.1, 1.0, 0.0001])
    output, vjp = functional.vjp(do_some_doubling, inputs, v=my_gradients)

    def cubes(x):
        return (x**3).sum()

    point = torch.tensor([1.0, -2.0, 0.5])
    _, hvp = functional.hvp(cubes, point, torch.tensor([1.0, 1.0, 2.0]))
    r["functional"] = [
        [t.tolist() for t in small],
        [t.tolist() for t in large],
        output.tolist(),
        vjp.tolist(),
        functional.hessian(cubes, point).tolist(),
        hvp.tolist(),
    ]
    return r


def leaf_and_non_leaf_tensors(torch, init):
    """ "Understanding requires_grad, retain_grad, Leaf, and Non-leaf Tensors": relu(x @ W + b)
    with an MSE loss; is_leaf and requires_grad of each tensor, backward without any
    requires_grad (the error), the grads after backward (None for x, y and, with a warning,
    for the non-leaf z), retain_grad() on z, y_pred and loss (retains_grad, loss.grad = 1),
    `W.grad = None` to start again, and retain_grad() on a tensor without requires_grad."""
    F = torch.nn.functional
    r = {}
    x = torch.ones(1, 3)
    W = torch.ones(3, 2, requires_grad=True)  # noqa: N806 - the tutorial's names
    b = torch.ones(1, 2, requires_grad=True)
    y = torch.ones(1, 2)
    z = (x @ W) + b
    y_pred = F.relu(z)
    loss = F.mse_loss(y_pred, y)
    tensors = {"x": x, "W": W, "b": b, "y": y, "z": z, "y_pred": y_pred, "loss": loss}
    r["is_leaf"] = [[k, t.is_leaf, t.requires_grad, t.retains_grad] for k, t in tensors.items()]
    try:
        F.mse_loss(F.relu(x @ W.detach() + b.detach()), y).backward()
    except RuntimeError as error:
        r["no_grad_error"] = "element 0 of tensors does not require grad" in str(error)
    loss.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grads = [W.grad.tolist(), b.grad.tolist(), x.grad, y.grad, z.grad]
    r["first"] = [grads, any("not a leaf" in str(w.message) for w in caught), f"{W.grad=}"]

    z = (x @ W) + b
    y_pred = F.relu(z)
    loss = F.mse_loss(y_pred, y)
    z.retain_grad()
    y_pred.retain_grad()
    loss.retain_grad()
    W.grad = None
    b.grad = None
    loss.backward()
    r["retained"] = [
        [t.grad.tolist() for t in (W, b, z, y_pred, loss)],
        [t.retains_grad for t in (x, W, z, y_pred, loss)],
        f"{loss.grad=}",
    ]
    W.retain_grad()  # a leaf that requires grad: nothing to do
    r["leaf_retain"] = [W.retains_grad, W.is_leaf]
    try:
        x.retain_grad()
    except RuntimeError as error:
        r["retain_error"] = str(error)
    return r


def building_models(torch, init):
    """ "Building Models with PyTorch" (the YouTube series): a TinyModel (print, parameters
    of the model and of one layer), nn.Linear by hand, the LSTM part-of-speech tagger, a small
    nn.Transformer, MaxPool2d over an unbatched 1x6x6, BatchNorm1d normalizing a shifted
    input, Dropout in training (random: kept entries scaled by 1 / (1 - p)) and eval mode,
    and a few activation and loss modules."""
    nn, F = torch.nn, torch.nn.functional
    r = {}

    class TinyModel(torch.nn.Module):
        def __init__(self):
            super(TinyModel, self).__init__()  # noqa: UP008 - the tutorial's spelling
            self.linear1 = torch.nn.Linear(100, 200)
            self.activation = torch.nn.ReLU()
            self.linear2 = torch.nn.Linear(200, 10)
            self.softmax = torch.nn.Softmax()

        def forward(self, x):
            x = self.linear1(x)
            x = self.activation(x)
            x = self.linear2(x)
            x = self.softmax(x)
            return x

    tinymodel = init(TinyModel())
    r["tiny"] = [
        str(tinymodel),
        str(tinymodel.linear2),
        [[_type_name(p), list(p.shape), p.requires_grad] for p in tinymodel.parameters()],
        [p.sum().item() for p in tinymodel.linear2.parameters()],
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Softmax() without dim: implicit dim, a warning
        probs = tinymodel(init(torch.rand(2, 100)))
    r["tiny"].append(probs.sum(1).tolist())

    lin = init(torch.nn.Linear(3, 2))
    x = init(torch.rand(1, 3))
    y = lin(x)
    r["linear"] = [[p.tolist() for p in lin.parameters()], y.tolist()]
    r["linear"].append((x @ lin.weight.T + lin.bias - y).abs().max().item() < 1e-6)

    class LSTMTagger(torch.nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super(LSTMTagger, self).__init__()  # noqa: UP008
            self.hidden_dim = hidden_dim
            self.word_embeddings = torch.nn.Embedding(vocab_size, embedding_dim)
            self.lstm = torch.nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = torch.nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            tag_scores = F.log_softmax(tag_space, dim=1)
            return tag_scores

    tagger = init(LSTMTagger(6, 5, 9, 3))
    scores = tagger(torch.tensor([0, 4, 2, 8, 1]))
    r["tagger"] = [str(tagger), scores.tolist(), scores.argmax(1).tolist()]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch: no nested tensors without batch_first
        transformer = init(
            nn.Transformer(
                d_model=8,
                nhead=2,
                num_encoder_layers=1,
                num_decoder_layers=1,
                dim_feedforward=16,
                dropout=0.1,
            )
        )
    transformer.eval()
    src = init(torch.rand(5, 2, 8))
    tgt = init(torch.rand(4, 2, 8))
    with torch.no_grad():
        out = transformer(src, tgt)
    r["transformer"] = [list(out.shape), out.tolist()]

    my_tensor = init(torch.rand(1, 6, 6))
    maxpool_layer = torch.nn.MaxPool2d(3)
    r["maxpool"] = [str(maxpool_layer), maxpool_layer(my_tensor).tolist()]

    my_tensor = init(torch.rand(1, 4, 4)) * 20 + 5
    norm_layer = torch.nn.BatchNorm1d(4)
    normed_tensor = norm_layer(my_tensor)
    r["batchnorm"] = [
        my_tensor.mean().item(),
        normed_tensor.tolist(),
        abs(normed_tensor.mean().item()) < 1e-6,
        norm_layer.running_mean.tolist(),
        norm_layer.running_var.tolist(),
    ]

    my_tensor = init(torch.rand(1, 4, 4))
    dropout = torch.nn.Dropout(p=0.4)
    dropped = [dropout(my_tensor), dropout(my_tensor)]
    scaled = my_tensor / 0.6
    r["dropout"] = [
        [bool(((d == 0) | ((d - scaled).abs() < 1e-6)).all()) for d in dropped],
        str(dropout),
    ]
    dropout.eval()
    r["dropout"].append(dropout(my_tensor).tolist() == my_tensor.tolist())

    z = torch.tensor([[-2.0, -0.5, 0.0, 0.7, 3.0]])
    activations = [nn.ReLU(), nn.Tanh(), nn.Hardtanh(), nn.Sigmoid(), nn.Softmax(dim=1)]
    activations += [nn.LeakyReLU(0.1), nn.ELU(), nn.GELU()]
    r["activations"] = [[str(m), m(z).tolist()] for m in activations]
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]])
    target = torch.tensor([1, 2])
    r["losses"] = [
        nn.MSELoss()(logits, torch.zeros(2, 3)).item(),
        nn.CrossEntropyLoss()(logits, target).item(),
        nn.NLLLoss()(F.log_softmax(logits, dim=1), target).item(),
        nn.L1Loss()(logits, torch.ones(2, 3)).item(),
    ]
    return r


def _number(value) -> float:
    return value.item() if hasattr(value, "item") else float(value)


class _ScalarLog:
    """Stands in for TensorBoard's SummaryWriter (minigrad has no torch.utils.tensorboard):
    keeps what the training loop logs."""

    def __init__(self):
        self.scalars = []

    def add_scalar(self, tag, value, step):
        self.scalars.append([tag, _number(value), step])

    def add_scalars(self, tag, values, step):
        self.scalars.append([tag, {k: _number(v) for k, v in values.items()}, step])

    def flush(self):
        pass


def training_with_pytorch(torch, init):
    """ "Training with PyTorch" (the YouTube series): FashionMNIST-like 28x28 images through
    DataLoaders (num_workers=2 as written; the training set unshuffled so both runs see one
    order), `classes[labels[j]]`, the GarmentClassifier (`x.view(-1, 16 * 4 * 4)`), a loss of
    dummy outputs, train_one_epoch reporting every few batches, validation with
    `running_vloss += vloss`, `avg_vloss < best_vloss` and the best model saved; the scalars
    the tutorial sends to TensorBoard go to a list."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(30)

    def fashion_like(n):
        images = (rng.random((n, 1, 28, 28), dtype=np.float32) - 0.5) / 0.5
        labels = (images[:, 0, 10:18, 10:18].mean((1, 2)) * 60).astype(np.int64) % 10
        return torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))

    training_set, validation_set = fashion_like(32), fashion_like(12)
    training_loader = torch.utils.data.DataLoader(
        training_set, batch_size=4, shuffle=False, num_workers=2
    )
    validation_loader = torch.utils.data.DataLoader(
        validation_set, batch_size=4, shuffle=False, num_workers=2
    )
    classes = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat")
    classes += ("Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot")
    dataiter = iter(training_loader)
    images, labels = next(dataiter)
    r = {
        "sizes": [len(training_set), len(validation_set), len(training_loader)],
        "first": "  ".join(classes[labels[j]] for j in range(4)),
        "grid": images.mean(dim=1).sum().item(),
    }

    class GarmentClassifier(nn.Module):
        def __init__(self):
            super(GarmentClassifier, self).__init__()  # noqa: UP008 - the tutorial's spelling
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 4 * 4)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    model = init(GarmentClassifier())
    loss_fn = torch.nn.CrossEntropyLoss()
    dummy_outputs = init(torch.rand(4, 10))
    dummy_labels = torch.tensor([1, 5, 3, 7])
    r["dummy_loss"] = loss_fn(dummy_outputs, dummy_labels).item()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def train_one_epoch(epoch_index, tb_writer):
        running_loss = 0.0
        last_loss = 0.0
        for i, data in enumerate(training_loader):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_fn(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 4 == 3:
                last_loss = running_loss / 4  # loss per batch
                tb_x = epoch_index * len(training_loader) + i + 1
                tb_writer.add_scalar("Loss/train", last_loss, tb_x)
                running_loss = 0.0
        return last_loss

    writer = _ScalarLog()
    epoch_number = 0
    EPOCHS = 3  # noqa: N806 - the tutorial's name
    best_vloss = 1_000_000.0
    saved = []
    with tempfile.TemporaryDirectory() as folder:
        for _epoch in range(EPOCHS):
            model.train(True)
            avg_loss = train_one_epoch(epoch_number, writer)
            model.train(False)
            running_vloss = 0.0
            for i, vdata in enumerate(validation_loader):  # noqa: B007 - i counts them
                vinputs, vlabels = vdata
                voutputs = model(vinputs)
                vloss = loss_fn(voutputs, vlabels)
                running_vloss += vloss
            avg_vloss = running_vloss / (i + 1)
            writer.add_scalars(
                "Training vs. Validation Loss",
                {"Training": avg_loss, "Validation": avg_vloss},
                epoch_number + 1,
            )
            writer.flush()
            if avg_vloss < best_vloss:
                best_vloss = avg_vloss
                model_path = os.path.join(folder, f"model_{epoch_number}")
                torch.save(model.state_dict(), model_path)
                saved.append(epoch_number)
            epoch_number += 1
        saved_model = GarmentClassifier()
        saved_model.load_state_dict(torch.load(model_path))
    r["log"] = writer.scalars
    r["saved"] = [saved, best_vloss.item(), saved_model(images).argmax(1).tolist()]
    return r


def automatic_mixed_precision(torch, init):
    """ "Automatic Mixed Precision" on the CPU (the recipe's device is CUDA): a stack of linear
    layers trained under `torch.autocast(device_type, dtype=torch.float16)` with a GradScaler
    (scale, step, update), its dtypes (float16 out of the linear layers, float32 loss), the
    gradients unscaled for clipping, a checkpoint with the scaler's state_dict, and
    `enabled=False` giving the default-precision run."""
    device = "cpu"
    in_size, out_size, num_layers, num_batches = 16, 8, 3, 3

    def make_model(in_size, out_size, num_layers):
        layers = []
        for _ in range(num_layers - 1):
            layers.append(torch.nn.Linear(in_size, in_size))
            layers.append(torch.nn.ReLU())
        layers.append(torch.nn.Linear(in_size, out_size))
        return torch.nn.Sequential(*tuple(layers)).to(device)

    rng = np.random.default_rng(21)
    data = [torch.tensor(rng.standard_normal((8, in_size)), dtype=torch.float32) for _ in "abc"]
    targets = [torch.tensor(rng.standard_normal((8, out_size)), dtype=torch.float32) for _ in "abc"]
    loss_fn = torch.nn.MSELoss()
    results = {}
    start = make_model(in_size, out_size, num_layers)
    init(start)
    for use_amp in (True, False):
        net = make_model(in_size, out_size, num_layers)
        net.load_state_dict(start.state_dict())
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        scaler = torch.amp.GradScaler(device, enabled=use_amp)
        losses, dtypes, norms = [], [], []
        for _epoch in range(2):
            for input, target in zip(data[:num_batches], targets):  # noqa: A001
                with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
                    output = net(input)
                    loss = loss_fn(output, target)
                dtypes.append([str(t.dtype).split(".")[-1] for t in (output, loss)])
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                norms.append(torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0).item())
                scaler.step(opt)
                scaler.update()
                opt.zero_grad()
                losses.append(loss.item())
        checkpoint = {
            "model": net.state_dict(),
            "optimizer": opt.state_dict(),
            "scaler": scaler.state_dict(),
        }
        net.load_state_dict(checkpoint["model"])
        opt.load_state_dict(checkpoint["optimizer"])
        scaler.load_state_dict(checkpoint["scaler"])
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
            evaluated = net(data[0])
        # NOTE: float16 results can differ from PyTorch's in their last bit (where each
        # library rounds); they are compared with the float32 forward, to float16's precision
        full = net(data[0])
        results["amp" if use_amp else "default"] = {
            "losses": losses,
            "dtypes": dtypes,
            "norms": norms,
            "scaler": [sorted(checkpoint["scaler"]), scaler.get_scale(), scaler.is_enabled()],
            "evaluated": [
                str(evaluated.dtype).split(".")[-1],
                full.tolist(),
                ((evaluated.float() - full).abs() <= 2e-3 * (1 + full.abs())).all().item(),
            ],
        }
    return results


def pytorch_benchmark(torch, init):
    """ "PyTorch Benchmark" and "Timer quick start": batched dot by mul/sum and by bmm (the same
    values), benchmark.Timer with globals, label, sub_label, description and num_threads,
    timeit and blocked_autorange, the Measurement's fields and printout, Compare's table. The
    times themselves differ from run to run; what does not is compared."""
    import importlib

    benchmark = importlib.import_module(f"{torch.__name__}.utils.benchmark")

    def batched_dot_mul_sum(a, b):
        """Computes batched dot by multiplying and summing"""
        return a.mul(b).sum(-1)

    def batched_dot_bmm(a, b):
        """Computes batched dot by reducing to ``bmm``"""
        a = a.reshape(-1, 1, a.shape[-1])
        b = b.reshape(-1, b.shape[-1], 1)
        return torch.bmm(a, b).flatten(-3)

    x = init(torch.randn(100, 64))
    assert batched_dot_mul_sum(x, x).allclose(batched_dot_bmm(x, x))
    functions = {"batched_dot_mul_sum": batched_dot_mul_sum, "batched_dot_bmm": batched_dot_bmm}
    results, shown = [], []
    for threads in (1, 2):
        for name, description in (("batched_dot_mul_sum", "mul/sum"), ("batched_dot_bmm", "bmm")):
            timer = benchmark.Timer(
                stmt=f"{name}(x, x)",
                setup="pass",
                globals={"x": x, **functions},
                num_threads=threads,
                label="Batched dot",
                sub_label="[100, 64]",
                description=description,
            )
            m = timer.timeit(20)
            results.append(m)
            lines = repr(m).splitlines()[1:]
            shown.append([lines[0], lines[1], lines[-1], m.number_per_run, len(m.times)])
    m = benchmark.Timer("x * y", "x = 3\ny = 4").blocked_autorange(min_run_time=0.02)
    table = [line.split("|")[0].strip() for line in str(benchmark.Compare(results)).splitlines()]
    return {
        "values": batched_dot_mul_sum(x, x)[:5].tolist(),
        "timeit": shown,
        "autorange": [
            str(m.number_per_run).strip("0") == "1",
            sum(m.raw_times) >= 0.02,
            m.mean > 0 and m.median > 0,
            repr(m).splitlines()[1:5],
        ],
        "compare_rows": [row.split(":")[0] for row in table if row and "Times" not in row][1:],
    }


def neural_tangent_kernels(torch, init):
    """ "Neural Tangent Kernels" (torch.func), small: a CNN as a function of its parameters
    (functional_call on one input), the empirical NTK by Jacobian contraction
    (`vmap(jacrev(fnet_single), (None, 0))`, einsum 'Naf,Mbf->NMab', its trace and
    diagonal) and by NTK-vector products (vjp, then jvp, vmapped over an identity basis and
    over both batches); both methods agree."""
    import importlib

    nn = torch.nn
    func = importlib.import_module(f"{torch.__name__}.func")
    functional_call, vmap, vjp, jvp, jacrev = (
        func.functional_call,
        func.vmap,
        func.vjp,
        func.jvp,
        func.jacrev,
    )

    class CNN(nn.Module):
        def __init__(self):
            super(CNN, self).__init__()  # noqa: UP008 - the tutorial's spelling
            self.conv1 = nn.Conv2d(3, 4, (3, 3))
            self.conv2 = nn.Conv2d(4, 4, (3, 3))
            self.fc = nn.Linear(4 * 4 * 4, 3)

        def forward(self, x):
            x = self.conv1(x)
            x = x.relu()
            x = self.conv2(x)
            x = x.flatten(1)
            x = self.fc(x)
            return x

    x_train = init(torch.randn(3, 3, 8, 8))
    x_test = init(torch.randn(2, 3, 8, 8))
    net = init(CNN())
    params = {k: v.detach() for k, v in net.named_parameters()}

    def fnet_single(params, x):
        return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)

    def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2, compute="full"):
        jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
        jac1 = [j.flatten(2) for j in jac1.values()]
        jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
        jac2 = [j.flatten(2) for j in jac2.values()]
        einsum_expr = {"full": "Naf,Mbf->NMab", "trace": "Naf,Maf->NM", "diagonal": "Naf,Maf->NMa"}
        result = torch.stack(
            [torch.einsum(einsum_expr[compute], j1, j2) for j1, j2 in zip(jac1, jac2)]
        )
        return result.sum(0)

    def empirical_ntk_ntk_vps(func, params, x1, x2, compute="full"):
        def get_ntk(x1, x2):
            def func_x1(params):
                return func(params, x1)

            def func_x2(params):
                return func(params, x2)

            output, vjp_fn = vjp(func_x1, params)

            def get_ntk_slice(vec):
                vjps = vjp_fn(vec)
                _, jvps = jvp(func_x2, (params,), vjps)
                return jvps

            basis = torch.eye(output.numel(), dtype=output.dtype, device=output.device).view(
                output.numel(), -1
            )
            return vmap(get_ntk_slice)(basis)

        result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
        if compute == "full":
            return result
        if compute == "trace":
            return torch.einsum("NMKK->NM", result)
        return torch.einsum("NMKK->NMK", result)

    full = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test)
    trace = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, "trace")
    diagonal = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, "diagonal")
    from_contraction = empirical_ntk_jacobian_contraction(fnet_single, params, x_test, x_train)
    from_vps = empirical_ntk_ntk_vps(fnet_single, params, x_test, x_train)
    return {
        "full": [list(full.shape), full.tolist()],
        "trace": trace.tolist(),
        "diagonal": diagonal.tolist(),
        "vps": [from_vps.tolist(), torch.allclose(from_contraction, from_vps, atol=1e-5)],
        "vps_trace": empirical_ntk_ntk_vps(fnet_single, params, x_test, x_train, "trace").tolist(),
    }


def statistics_helpers(torch, init):
    """The statistics helpers tutorial-style programs reach for: torch.cov and torch.corrcoef of
    features (rows are variables), torch.isin to keep some classes, torch.cummax for the best
    accuracy so far (and the epoch it came from), F.pdist between class centroids, torch.svd
    of the centered data (principal directions up to sign), with gradients through them."""
    F = torch.nn.functional
    rng = np.random.default_rng(12)
    features = torch.tensor(rng.standard_normal((40, 4)), dtype=torch.float32)
    features[:, 1] += 0.8 * features[:, 0]
    labels = torch.tensor(rng.integers(0, 5, 40))
    weights = init(torch.randn(4, 3, requires_grad=True))
    embedded = features @ weights

    cov = torch.cov(embedded.T)
    corr = torch.corrcoef(features.T)
    keep = torch.isin(labels, torch.tensor([1, 3]))
    centroids = torch.stack([embedded[labels == k].mean(0) for k in range(5)])
    distances = F.pdist(centroids)
    accuracies = torch.tensor([0.31, 0.45, 0.44, 0.52, 0.52, 0.50, 0.61])
    best, epoch = torch.cummax(accuracies, 0)
    worst, _ = torch.cummin(accuracies, 0)
    centered = features - features.mean(0)
    U, S, V = torch.svd(centered)  # noqa: N806
    (cov.trace() + distances.sum() + embedded[keep].pow(2).mean()).backward()
    return {
        "cov": cov.tolist(),
        "corr": corr.tolist(),
        "keep": [keep.sum().item(), labels[keep].tolist()],
        "distances": distances.tolist(),
        "best": [best.tolist(), epoch.tolist(), worst.tolist()],
        "svd": [S.tolist(), (V * V[:1].sign()).tolist(), (U @ torch.diag(S) @ V.T).sum().item()],
        "grad": weights.grad.tolist(),
    }


PROGRAMS = [
    defining_a_neural_network,
    state_dict_and_zeroing_gradients,
    warmstarting,
    saving_multiple_models,
    changing_default_device,
    reasoning_about_shapes,
    intro_to_pytorch,
    intro_tensors,
    autograd_fundamentals,
    leaf_and_non_leaf_tensors,
    building_models,
    training_with_pytorch,
    automatic_mixed_precision,
    pytorch_benchmark,
    neural_tangent_kernels,
    statistics_helpers,
]

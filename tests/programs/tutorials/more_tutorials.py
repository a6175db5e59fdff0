"""Programs in the style of PyTorch's "Spatial Transformer Networks", "Knowledge Distillation",
"Pruning", "Double Backward with Custom Functions", "Fusing Convolution and Batch Norm using
Custom Function", "Hooks for saved tensors", the torch.func tutorials (per-sample gradients,
model ensembling, Jacobians and Hessians, extending torch.func with autograd.Function), the
optimizer step fused into backward, stochastic weight averaging, the time-sequence-prediction
LSTM and a VAE, each a function of the library (`torch` is PyTorch or minigrad) and of `init`
(see tests/programs/conftest.py). Random draws (dropout, randn) differ between the libraries:
the programs take their data and noise from NumPy, and compare only what does not depend on
a library's own random numbers."""

from __future__ import annotations

import importlib
import math
import os
import tempfile

import numpy as np


def _digits_like(torch, n, seed, size=28):
    """n images (n, 1, size, size) holding a bright bar whose position gives one of 4 labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=n)
    images = 0.1 * rng.random((n, 1, size, size), dtype=np.float32)
    for image, label in zip(images, labels):
        start = 3 + 5 * int(label)
        image[0, start : start + 4, 4:-4] += 1.0
    return torch.tensor(images), torch.tensor(labels)


def spatial_transformer(torch, init):
    """ "Spatial Transformer Networks": a localization net regresses theta (its last layer
    starts at the identity map), F.affine_grid and F.grid_sample warp the input, a small CNN
    classifies it; a few SGD steps, then the warped images of the test batch in eval mode."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
            self.conv2 = nn.Conv2d(4, 8, kernel_size=5)
            self.fc1 = nn.Linear(8 * 4 * 4, 16)
            self.fc2 = nn.Linear(16, 4)
            self.localization = nn.Sequential(
                nn.Conv2d(1, 4, kernel_size=7),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
                nn.Conv2d(4, 6, kernel_size=5),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
            )
            self.fc_loc = nn.Sequential(nn.Linear(6 * 3 * 3, 16), nn.ReLU(True), nn.Linear(16, 6))

        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 6 * 3 * 3)
            theta = self.fc_loc(xs).view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            return F.grid_sample(x, grid, align_corners=False)

        def forward(self, x):
            x = self.stn(x)
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2(x), 2))
            x = x.view(-1, 8 * 4 * 4)
            x = F.relu(self.fc1(x))
            return F.log_softmax(self.fc2(x), dim=1)

    model = Net()
    # the tutorial's identity start, after init so that the harness cannot undo it
    init(model)
    model.fc_loc[2].weight.data.zero_()
    model.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    losses = []
    for step in range(4):
        data, target = _digits_like(torch, 8, step)
        model.train()
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    theta_grad = model.fc_loc[2].bias.grad.tolist()
    model.eval()
    with torch.no_grad():
        data, target = _digits_like(torch, 4, 10)
        output = model(data)
        test_loss = F.nll_loss(output, target, reduction="sum").item()
        correct = output.argmax(dim=1, keepdim=True).eq(target.view_as(output[:, :1])).sum()
        warped = model.stn(data)
        theta = model.fc_loc(model.localization(data).view(-1, 54)).view(-1, 2, 3)
        corners = F.grid_sample(
            data, F.affine_grid(theta, (4, 1, 9, 9), align_corners=True), align_corners=True
        )
    return {
        "loss": losses,
        "theta_grad": theta_grad,
        "test": [test_loss, correct.item()],
        "warped": warped.sum(dim=(1, 2, 3)).tolist(),
        "corners": corners[:, 0, ::4, ::4].tolist(),
    }


def knowledge_distillation(torch, init):
    """ "Knowledge Distillation": a wide teacher trained with cross-entropy, then a light student
    trained on soft targets (softmax at temperature T, KL divergence with batchmean, scaled by
    T**2), on the teacher's hidden features (CosineEmbeddingLoss) and through a regressor on
    the teacher's feature map (MSELoss); nn.KLDivLoss with log_target too."""
    nn, F = torch.nn, torch.nn.functional

    class DeepNN(nn.Module):
        def __init__(self, num_classes=4):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(8, 8, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(nn.Linear(8 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 4))

        def forward(self, x):
            x = torch.flatten(self.features(x), 1)
            hidden = x
            return self.classifier(x), hidden

    class LightNN(nn.Module):
        def __init__(self, num_classes=4):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 4, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(4, 8, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(nn.Linear(8 * 4 * 4, 16), nn.ReLU(), nn.Linear(16, 4))
            self.regressor = nn.Conv2d(8, 8, kernel_size=3, padding=1)

        def forward(self, x):
            feature_map = self.features(x)
            hidden = torch.flatten(feature_map, 1)
            return self.classifier(hidden), hidden, self.regressor(feature_map)

    batches = [_digits_like(torch, 8, seed, size=16) for seed in range(3)]
    teacher, student = init(DeepNN()), init(LightNN())
    ce_loss = nn.CrossEntropyLoss()
    results = {"teacher": []}
    optimizer = torch.optim.Adam(teacher.parameters(), lr=0.01)
    teacher.train()
    for inputs, labels in batches:
        optimizer.zero_grad()
        loss = ce_loss(teacher(inputs)[0], labels)
        loss.backward()
        optimizer.step()
        results["teacher"].append(loss.item())

    T, soft_target_loss_weight, ce_loss_weight = 2.0, 0.25, 0.75
    cosine_loss, mse_loss = nn.CosineEmbeddingLoss(), nn.MSELoss()
    kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
    optimizer = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    teacher.eval()
    student.train()
    for name in ("soft_targets", "cosine", "regressor", "log_target"):
        results[name] = []
        for inputs, labels in batches:
            optimizer.zero_grad()
            with torch.no_grad():
                teacher_logits, teacher_hidden = teacher(inputs)
                teacher_map = teacher.features(inputs)
            student_logits, student_hidden, regressed = student(inputs)
            label_loss = ce_loss(student_logits, labels)
            if name == "soft_targets":
                soft_targets = F.softmax(teacher_logits / T, dim=-1)
                soft_prob = F.log_softmax(student_logits / T, dim=-1)
                distill = F.kl_div(soft_prob, soft_targets, reduction="batchmean") * T**2
            elif name == "cosine":
                target = torch.ones(inputs.size(0))
                distill = cosine_loss(student_hidden, teacher_hidden, target)
            elif name == "regressor":
                distill = mse_loss(regressed, teacher_map)
            else:
                distill = kl(
                    F.log_softmax(student_logits / T, dim=-1),
                    F.log_softmax(teacher_logits / T, dim=-1),
                )
            loss = soft_target_loss_weight * distill + ce_loss_weight * label_loss
            loss.backward()
            optimizer.step()
            results[name].append([loss.item(), distill.item()])
    student.eval()
    with torch.no_grad():
        inputs, labels = _digits_like(torch, 8, 7, size=16)
        predicted = student(inputs)[0].argmax(1)
        results["accuracy"] = 100 * (predicted == labels).sum().item() / labels.size(0)
    return results


def pruning(torch, init):
    """ "Pruning Tutorial": LeNet's conv1 pruned at random (30%), its bias by L1 (3 entries),
    then by L2 structured over output channels (the hook becomes a PruningContainer); the
    reparametrization (weight_orig, weight_mask, the pre-hook), remove(); pruning many layers,
    global_unstructured with L1Unstructured, a custom pruning method; training through it."""
    nn, F = torch.nn, torch.nn.functional
    prune = importlib.import_module(f"{torch.__name__}.nn.utils.prune")  # import ... as prune

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            self.fc1 = nn.Linear(16 * 5 * 5, 24)
            self.fc2 = nn.Linear(24, 16)
            self.fc3 = nn.Linear(16, 4)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, int(x.nelement() / x.shape[0]))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    def sparsity(t):
        return 100.0 * float(torch.sum(t == 0)) / float(t.nelement())

    results = {}
    model = init(LeNet())
    module = model.conv1
    results["before"] = [
        [name for name, _ in module.named_parameters()],
        [name for name, _ in module.named_buffers()],
    ]
    prune.random_unstructured(module, name="weight", amount=0.3)
    results["random"] = [
        [name for name, _ in module.named_parameters()],
        [name for name, _ in module.named_buffers()],
        int(module.weight_mask.sum()),
        bool(torch.equal(module.weight, module.weight_orig * module.weight_mask)),
        len(module._forward_pre_hooks),
    ]
    prune.l1_unstructured(module, name="bias", amount=3)
    results["bias"] = [module.bias_mask.tolist(), module.bias.tolist()]
    prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
    for hook in module._forward_pre_hooks.values():
        if hook._tensor_name == "weight":
            break
    results["history"] = [type(hook).__name__] + [type(method).__name__ for method in hook]
    channels = module.weight_mask.sum(dim=(1, 2, 3))
    # which channels go depends on the random mask, which differs between the libraries
    channels = module.weight_mask.sum(dim=(1, 2, 3))
    results["channels"] = [int((channels == 0).sum()), sparsity(module.weight) > 50]
    # the same chain from L1 instead: the channels of smallest L2 norm after it go
    prune.l1_unstructured(model.conv2, name="weight", amount=0.3)
    prune.ln_structured(model.conv2, name="weight", amount=0.5, n=2, dim=0)
    channels = model.conv2.weight_mask.sum(dim=(1, 2, 3))
    results["l1_then_l2"] = [
        (channels == 0).nonzero().flatten().tolist(),
        sparsity(model.conv2.weight),
    ]
    results["keys"] = list(model.state_dict().keys())
    prune.remove(module, "weight")
    results["removed"] = [
        [name for name, _ in module.named_parameters()],
        [name for name, _ in module.named_buffers()],
        type(module.weight).__name__,
        sparsity(module.weight) > 50,
        prune.is_pruned(model),
    ]

    new_model = init(LeNet())
    for _name, module in new_model.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            prune.l1_unstructured(module, name="weight", amount=0.2)
        elif isinstance(module, torch.nn.Linear):
            prune.l1_unstructured(module, name="weight", amount=0.4)
    results["many"] = list(dict(new_model.named_buffers()).keys())
    results["many_weights"] = [
        new_model.conv2.weight.sum().item(),
        new_model.fc1.weight.sum().item(),
    ]

    model = init(LeNet())
    parameters_to_prune = (
        (model.conv1, "weight"),
        (model.conv2, "weight"),
        (model.fc1, "weight"),
        (model.fc2, "weight"),
        (model.fc3, "weight"),
    )
    prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
    results["global"] = [sparsity(m.weight) for m, _ in parameters_to_prune]
    total = sum(float(torch.sum(m.weight == 0)) for m, _ in parameters_to_prune)
    results["global_total"] = (
        100.0 * total / sum(m.weight.nelement() for m, _ in parameters_to_prune)
    )

    class FooBarPruningMethod(prune.BasePruningMethod):
        """Prune every other entry in a tensor"""

        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    def foobar_unstructured(module, name):
        FooBarPruningMethod.apply(module, name)
        return module

    foobar_unstructured(model.fc3, name="bias")
    results["foobar"] = model.fc3.bias_mask.tolist()

    # the masks stay in place while training: the pruned entries get no gradient
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    images, labels = _digits_like(torch, 4, 3, size=26)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    results["train"] = losses
    results["masked_grad"] = float(
        (model.fc1.weight_orig.grad * (1 - model.fc1.weight_mask)).abs().sum()
    )
    results["still_sparse"] = sparsity(model.fc1.weight)
    return results


def double_backward_custom_functions(torch, init):
    """ "Double Backward with Custom Functions": a Function saving its input (Square), its
    output (Exp), an intermediate returned as an extra output (Sinh), and one computing the
    derivative in forward (MyCube), each checked with gradcheck and gradgradcheck in float64;
    then the values of first and second derivatives through them."""
    Function = torch.autograd.Function
    results = {}

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            result = torch.exp(x)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_out):
            (result,) = ctx.saved_tensors
            return grad_out * result

    class Sinh(Function):
        @staticmethod
        def forward(ctx, x):
            expx = torch.exp(x)
            expnegx = torch.exp(-x)
            ctx.save_for_backward(expx, expnegx)
            # the intermediates are outputs too, so that double backward can use them
            return (expx - expnegx) / 2, expx, expnegx

        @staticmethod
        def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
            expx, expnegx = ctx.saved_tensors
            grad_input = grad_out * (expx + expnegx) / 2
            # the intermediates' gradients flow back too
            grad_input += _grad_out_exp * expx
            grad_input -= _grad_out_negexp * expnegx
            return grad_input

    def sinh(x):
        return Sinh.apply(x)[0]

    class MyCube(Function):
        @staticmethod
        def forward(ctx, x):
            result = x**3
            dx = 3 * x**2  # computed in forward, used in backward
            ctx.save_for_backward(x, dx)
            return result, dx

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    def my_cube(x):
        result, dx = MyCube.apply(x)
        return result

    x = torch.rand(3, 3, requires_grad=True, dtype=torch.double)
    checks = []
    for fn in (Square.apply, Exp.apply, sinh, my_cube):
        checks.append(torch.autograd.gradcheck(fn, x))
        checks.append(torch.autograd.gradgradcheck(fn, x))
    results["checks"] = checks

    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=torch.double)
    for name, fn in (
        ("square", Square.apply),
        ("exp", Exp.apply),
        ("sinh", sinh),
        ("cube", my_cube),
    ):
        y = fn(x)
        (dy,) = torch.autograd.grad(y.sum(), x, create_graph=True)
        (d2y,) = torch.autograd.grad(dy.sum(), x)
        results[name] = [y.tolist(), dy.tolist(), d2y.tolist()]
    return results


def _unsqueeze_all(t):
    return t[None, :, None, None]


def _convolution_backward(F, grad_out, X, weight):
    grad_input = F.conv2d(X.transpose(0, 1), grad_out.transpose(0, 1)).transpose(0, 1)
    grad_X = F.conv_transpose2d(grad_out, weight)
    return grad_X, grad_input


def _batch_norm_backward(grad_out, X, sum, sqrt_var, N, eps):  # noqa: A002, N803
    tmp = ((X - _unsqueeze_all(sum) / N) * grad_out).sum(dim=(0, 2, 3))
    tmp *= -1
    d_denom = tmp / (sqrt_var + eps) ** 2
    d_var = d_denom / (2 * sqrt_var)
    d_mean_dx = grad_out / _unsqueeze_all(sqrt_var + eps)
    d_mean_dx = _unsqueeze_all(-d_mean_dx.sum(dim=(0, 2, 3)) / N)
    grad_input = X * _unsqueeze_all(d_var * N)
    grad_input += _unsqueeze_all(-d_var * sum)
    grad_input *= 2 / ((N - 1) * N)
    grad_input += d_mean_dx
    grad_input *= _unsqueeze_all(sqrt_var + eps)
    grad_input += grad_out
    grad_input /= _unsqueeze_all(sqrt_var + eps)
    return grad_input


def fused_conv_bn(torch, init):
    """ "Fusing Convolution and Batch Norm using Custom Function": a Conv2D and a BatchNorm
    Function with hand-written backward (conv2d of transposes, conv_transpose2d), checked
    with gradcheck; the fused Function saving only its input and weight (backward recomputes
    the convolution and returns extra Nones), in a module trained with SGD against the
    unfused nn.Conv2d + nn.BatchNorm2d."""
    nn, F = torch.nn, torch.nn.functional
    results = {}

    class Conv2D(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, weight):  # noqa: N803
            ctx.save_for_backward(X, weight)
            return F.conv2d(X, weight)

        @staticmethod
        def backward(ctx, grad_out):
            X, weight = ctx.saved_tensors  # noqa: N806
            return _convolution_backward(F, grad_out, X, weight)

    weight = torch.rand(5, 3, 3, 3, requires_grad=True, dtype=torch.double)
    X = torch.rand(4, 3, 7, 7, requires_grad=True, dtype=torch.double)  # noqa: N806
    results["conv_check"] = torch.autograd.gradcheck(Conv2D.apply, (X, weight))

    class Conv2DByNNGrad(torch.autograd.Function):
        """The same with torch.nn.grad's conv2d_input and conv2d_weight, padded and strided."""

        @staticmethod
        def forward(ctx, X, weight):  # noqa: N803
            ctx.save_for_backward(X, weight)
            return F.conv2d(X, weight, stride=2, padding=1)

        @staticmethod
        def backward(ctx, grad_out):
            X, weight = ctx.saved_tensors  # noqa: N806
            grad_X = torch.nn.grad.conv2d_input(X.shape, weight, grad_out, stride=2, padding=1)  # noqa: N806
            grad_w = torch.nn.grad.conv2d_weight(X, weight.shape, grad_out, stride=2, padding=1)
            return grad_X, grad_w

    results["nn_grad_check"] = torch.autograd.gradcheck(Conv2DByNNGrad.apply, (X, weight))
    X, weight = init(X), init(weight)  # noqa: N806 - the same random values in both runs
    out = Conv2DByNNGrad.apply(X, weight)
    out.backward(torch.ones_like(out))
    results["nn_grad"] = [X.grad.sum().item(), weight.grad.flatten()[:6].tolist()]

    class BatchNorm(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, eps=1e-3):  # noqa: N803
            sum = X.sum(dim=(0, 2, 3))  # noqa: A001
            var = X.var(unbiased=True, dim=(0, 2, 3))
            N = X.numel() / X.size(1)  # noqa: N806
            sqrt_var = torch.sqrt(var)
            ctx.save_for_backward(X)
            ctx.eps, ctx.sum, ctx.N, ctx.sqrt_var = eps, sum, N, sqrt_var
            out = X - _unsqueeze_all(sum / N)
            out /= _unsqueeze_all(sqrt_var + eps)
            return out

        @staticmethod
        def backward(ctx, grad_out):
            (X,) = ctx.saved_tensors  # noqa: N806
            return _batch_norm_backward(grad_out, X, ctx.sum, ctx.sqrt_var, ctx.N, ctx.eps)

    a = torch.rand(1, 2, 3, 4, requires_grad=True, dtype=torch.double)
    results["bn_check"] = torch.autograd.gradcheck(BatchNorm.apply, (a,), fast_mode=False)

    class FusedConvBN2DFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, conv_weight, eps=1e-3):  # noqa: N803
            assert X.ndim == 4  # N, C, H, W
            ctx.save_for_backward(X, conv_weight)
            X = F.conv2d(X, conv_weight)  # noqa: N806
            sum = X.sum(dim=(0, 2, 3))  # noqa: A001
            var = X.var(unbiased=True, dim=(0, 2, 3))
            N = X.numel() / X.size(1)  # noqa: N806
            sqrt_var = torch.sqrt(var)
            ctx.eps, ctx.sum, ctx.N, ctx.sqrt_var = eps, sum, N, sqrt_var
            out = X - _unsqueeze_all(sum / N)
            out /= _unsqueeze_all(sqrt_var + eps)
            return out

        @staticmethod
        def backward(ctx, grad_out):
            X, conv_weight = ctx.saved_tensors  # noqa: N806
            X_conv_out = F.conv2d(X, conv_weight)  # noqa: N806 - recomputed, not saved
            grad_out = _batch_norm_backward(
                grad_out, X_conv_out, ctx.sum, ctx.sqrt_var, ctx.N, ctx.eps
            )
            grad_X, grad_input = _convolution_backward(F, grad_out, X, conv_weight)  # noqa: N806
            return grad_X, grad_input, None, None, None, None, None

    weight = torch.rand(5, 3, 3, 3, requires_grad=True, dtype=torch.double)
    X = torch.rand(2, 3, 4, 4, requires_grad=True, dtype=torch.double)  # noqa: N806
    results["fused_check"] = torch.autograd.gradcheck(FusedConvBN2DFunction.apply, (X, weight))

    class FusedConvBN(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, eps=1e-3):
            super().__init__()
            weight_shape = (out_channels, in_channels, kernel_size, kernel_size)
            self.conv_weight = nn.Parameter(torch.empty(*weight_shape))
            self.eps = eps
            nn.init.kaiming_uniform_(self.conv_weight, a=math.sqrt(5))

        def forward(self, X):  # noqa: N803
            return FusedConvBN2DFunction.apply(X, self.conv_weight, self.eps)

    class Net(nn.Module):
        def __init__(self, fused=True):
            super().__init__()
            self.fused = fused
            if fused:
                self.convbn1 = FusedConvBN(1, 4, 3)
                self.convbn2 = FusedConvBN(4, 8, 3)
            else:
                self.conv1 = nn.Conv2d(1, 4, 3, bias=False)
                self.bn1 = nn.BatchNorm2d(4, affine=False, track_running_stats=False, eps=1e-3)
                self.conv2 = nn.Conv2d(4, 8, 3, bias=False)
                self.bn2 = nn.BatchNorm2d(8, affine=False, track_running_stats=False, eps=1e-3)
            self.fc = nn.Linear(8 * 2 * 2, 4)

        def forward(self, x):
            if self.fused:
                x = self.convbn1(x)
            else:
                x = self.bn1(self.conv1(x))
            x = F.max_pool2d(F.relu(x), 2)
            x = self.convbn2(x) if self.fused else self.bn2(self.conv2(x))
            x = F.max_pool2d(F.relu(x), 2)
            return F.log_softmax(self.fc(torch.flatten(x, 1)), dim=1)

    for fused in (True, False):
        model = init(Net(fused=fused))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = []
        for step in range(3):
            data, target = _digits_like(torch, 8, step, size=14)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results["fused" if fused else "unfused"] = losses
    return results


def time_sequence_prediction(torch, init):
    """PyTorch's "Time Sequence Prediction" example: two stacked LSTMCells in float64 learn
    shifted sine waves with LBFGS (a closure), then predict beyond the input (`future`)."""
    nn, optim = torch.nn, torch.optim
    T, L, N, hidden = 20, 60, 6, 12  # noqa: N806 - the example's names
    rng = np.random.default_rng(2)
    x = np.empty((N, L), "int64")
    x[:] = np.array(range(L)) + rng.integers(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype("float64")

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, hidden)
            self.lstm2 = nn.LSTMCell(hidden, hidden)
            self.linear = nn.Linear(hidden, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = torch.zeros(input.size(0), hidden, dtype=torch.double)
            c_t = torch.zeros(input.size(0), hidden, dtype=torch.double)
            h_t2 = torch.zeros(input.size(0), hidden, dtype=torch.double)
            c_t2 = torch.zeros(input.size(0), hidden, dtype=torch.double)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for _ in range(future):  # predict the future from the model's own output
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return torch.cat(outputs, dim=1)

    input = torch.from_numpy(data[2:, :-1])
    target = torch.from_numpy(data[2:, 1:])
    test_input = torch.from_numpy(data[:2, :-1])
    test_target = torch.from_numpy(data[:2, 1:])
    seq = Sequence()
    seq.double()
    init(seq)
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=6)
    losses, test_losses = [], []
    for _ in range(3):

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            losses.append(loss.item())
            loss.backward()
            return loss

        optimizer.step(closure)
        with torch.no_grad():
            future = 10
            pred = seq(test_input, future=future)
            test_losses.append(criterion(pred[:, :-future], test_target).item())
            y = pred.detach().numpy()
    return {"loss": losses, "test": test_losses, "future": y[:, -future:].tolist()}


def variational_autoencoder(torch, init):
    """PyTorch's VAE example on scikit-learn's 8x8 digits: encoder to mu and logvar, the
    reparameterization trick, a sigmoid decoder, BCE (sum) + KL loss, Adam; then a convolutional
    autoencoder (Conv2d down, ConvTranspose2d up) with MSE. The noise of the trick comes from
    NumPy so that both runs draw the same numbers."""
    from sklearn.datasets import load_digits

    nn, F = torch.nn, torch.nn.functional
    images = (load_digits().data[:96] / 16.0).astype(np.float32)
    rng = np.random.default_rng(3)
    latent = 4

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 32)
            self.fc21 = nn.Linear(32, latent)
            self.fc22 = nn.Linear(32, latent)
            self.fc3 = nn.Linear(latent, 32)
            self.fc4 = nn.Linear(32, 64)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.tensor(rng.standard_normal(tuple(std.shape)).astype(np.float32))
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, 64))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")  # noqa: N806
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())  # noqa: N806
        return BCE + KLD

    model = init(VAE())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = torch.utils.data.DataLoader(torch.tensor(images), batch_size=32)
    results = {"vae": []}
    for _epoch in range(2):
        model.train()
        train_loss = 0
        for data in loader:
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        results["vae"].append(train_loss / len(loader.dataset))
    model.eval()
    with torch.no_grad():
        sample = torch.tensor(rng.standard_normal((4, latent)).astype(np.float32))
        results["samples"] = model.decode(sample).view(4, 1, 8, 8).sum(dim=(1, 2, 3)).tolist()

    class ConvAutoencoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 4, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(4, 8, 3, stride=2, padding=1),
            )
            self.decoder = nn.Sequential(
                nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1),
                nn.ReLU(),
                nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1),
                nn.Sigmoid(),
            )

        def forward(self, x):
            return self.decoder(self.encoder(x))

    model = init(ConvAutoencoder())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)
    results["conv"] = []
    for data in loader:
        data = data.view(-1, 1, 8, 8)
        output = model(data)
        loss = nn.MSELoss()(output, data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        results["conv"].append(loss.item())
    return results


def per_sample_gradients_and_ensembling(torch, init):
    """torch.func's "Per-sample-gradients" and "Model ensembling" tutorials: a loss written
    with functional_call, its grad vmapped over the batch (in_dims=(None, None, 0, 0)) against
    a loop of backward passes; stack_module_state over several models, one vmap for all their
    predictions (each on its own minibatch, or all on one); plus jacrev and hessian."""
    func = importlib.import_module(f"{torch.__name__}.func")  # from torch.func import ...
    nn, F = torch.nn, torch.nn.functional
    functional_call, vmap, grad = func.functional_call, func.vmap, func.grad

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.fc1 = nn.Linear(8 * 2 * 2, 16)
            self.fc2 = nn.Linear(16, 4)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

    def loss_fn(predictions, targets):
        return F.nll_loss(predictions, targets)

    model = init(SimpleCNN())
    data, targets = _digits_like(torch, 6, 5, size=8)

    def compute_grad(sample, target):
        sample, target = sample.unsqueeze(0), target.unsqueeze(0)
        loss = loss_fn(model(sample), target)
        return torch.autograd.grad(loss, list(model.parameters()))

    per_sample_grads = [compute_grad(data[i], targets[i]) for i in range(6)]
    per_sample_grads = zip(*per_sample_grads)
    per_sample_grads = [torch.stack(shards) for shards in per_sample_grads]

    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch, targets = sample.unsqueeze(0), target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        return loss_fn(predictions, targets)

    ft_compute_grad = grad(compute_loss)
    ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
    results = {
        "loop": [g.flatten()[:5].tolist() for g in per_sample_grads],
        "same": all(
            torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
            for per_sample_grad, ft_per_sample_grad in zip(
                per_sample_grads, ft_per_sample_grads.values()
            )
        ),
        "names": list(ft_per_sample_grads),
        "shapes": [list(g.shape) for g in ft_per_sample_grads.values()],
    }

    class SimpleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(16, 12)
            self.fc2 = nn.Linear(12, 8)
            self.fc3 = nn.Linear(8, 4)

        def forward(self, x):
            x = x.flatten(1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    num_models = 3
    rng = np.random.default_rng(6)
    minibatches = torch.tensor(rng.standard_normal((num_models, 5, 1, 4, 4)).astype(np.float32))
    minibatch = minibatches[0]
    models = [init(SimpleMLP()) for _ in range(num_models)]
    predictions_diff_minibatch_loop = [model(mb) for model, mb in zip(models, minibatches)]
    predictions2 = [model(minibatch) for model in models]
    params, buffers = func.stack_module_state(models)
    base_model = SimpleMLP()

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))

    predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
    predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    results["ensemble"] = [
        predictions1_vmap.sum(dim=(1, 2)).tolist(),
        torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-6),
        torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-6),
        [list(p.shape) for p in params.values()],
    ]

    x = torch.tensor([0.5, -1.0, 2.0])
    results["jacrev"] = func.jacrev(lambda v: v.sin() * v.sum())(x).tolist()
    results["hessian"] = func.hessian(lambda v: (v**3).sum() * v[0])(x).tolist()
    return results


def hooks_and_optimizer_in_backward(torch, init):
    """Hooks as the tutorials use them: tensor hooks that change a gradient, retain_grad;
    module forward pre-hooks and forward hooks (changing the input, recording activations for
    feature extraction), full backward hooks (recording and clipping gradients), handles
    removed; then "fusing the optimizer step into the backward pass": one Adam per parameter
    stepped by register_post_accumulate_grad_hook, against the usual loop."""
    nn, F = torch.nn, torch.nn.functional
    results = {}

    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    handle = y.register_hook(lambda grad: grad * 2)
    x.register_hook(lambda grad: grad.clamp(-5, 5))
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    results["tensor_hooks"] = [x.grad.tolist(), y.grad.tolist()]
    handle.remove()

    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)))
    activations, grad_norms = {}, []

    def save_activation(name):
        def hook(module, input, output):
            activations[name] = output.detach()

        return hook

    handles = [
        model[0].register_forward_pre_hook(lambda module, args: (args[0] * 0.5,)),
        model[1].register_forward_hook(save_activation("relu")),
        model[2].register_forward_hook(lambda module, input, output: output + 1),
        model[2].register_full_backward_hook(
            lambda module, grad_input, grad_output: grad_norms.append(grad_output[0].norm().item())
        ),
        model[0].register_full_backward_hook(
            lambda module, grad_input, grad_output: (grad_input[0].clamp(-0.01, 0.01),)
        ),
    ]
    inputs = torch.tensor(np.random.default_rng(8).standard_normal((5, 4)).astype(np.float32))
    inputs.requires_grad_()
    out = model(inputs)
    F.cross_entropy(out, torch.tensor([0, 1, 2, 0, 1])).backward()
    results["module_hooks"] = [
        out.sum().item(),
        activations["relu"].sum().item(),
        grad_norms,
        inputs.grad.abs().max().item(),
        model[0].weight.grad.sum().item(),
    ]
    for h in handles:
        h.remove()
    results["removed"] = model(inputs).sum().item()

    def train(fused):
        model = init(nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2)))
        if fused:
            optimizer_dict = {
                p: torch.optim.Adam([p], lr=0.01, foreach=False) for p in model.parameters()
            }

            def optimizer_hook(parameter) -> None:
                optimizer_dict[parameter].step()
                optimizer_dict[parameter].zero_grad()

            for p in model.parameters():
                p.register_post_accumulate_grad_hook(optimizer_hook)
        else:
            optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        rng = np.random.default_rng(9)
        losses = []
        for _ in range(4):
            data = torch.tensor(rng.standard_normal((8, 4)).astype(np.float32))
            loss = F.mse_loss(model(data), data[:, :2].sin())
            loss.backward()
            if not fused:
                optimizer.step()
                optimizer.zero_grad()
            losses.append(loss.item())
        return losses, [p.grad is None for p in model.parameters()]

    results["fused"], results["fused_grads_freed"] = train(True)
    results["usual"], _ = train(False)
    return results


def saved_tensor_hooks(torch, init):
    """ "Hooks for saved tensors": pack and unpack hooks that log what autograd saves, one
    that changes what backward reads, saving large activations to temporary files with
    torch.save / torch.load (small ones stay), hooks for a whole model's forward, save_on_cpu,
    disable_saved_tensors_hooks; the gradients each time."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    log = []

    def pack_hook(x):
        log.append(("Packing", x.tolist()))
        return x

    def unpack_hook(x):
        log.append(("Unpacking", x.tolist()))
        return x

    a = torch.ones(5, requires_grad=True)
    b = torch.ones(5, requires_grad=True) * 2
    with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
        y = a * b
    y.sum().backward()
    results["log"], results["a_grad"] = log, a.grad.tolist()

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 10):
        y = x.pow(2)
    y.sum().backward()
    results["changed"] = x.grad.tolist()  # backward used 10 * x

    with tempfile.TemporaryDirectory() as tmp_dir:
        SAVE_ON_DISK_THRESHOLD = 16  # noqa: N806 - the tutorial's name
        on_disk = []

        class SelfDeletingTempFile:
            def __init__(self):
                self.name = os.path.join(tmp_dir, f"saved_{len(on_disk)}.pt")

            def __del__(self):
                os.remove(self.name)

        def pack_to_disk(tensor):
            if tensor.numel() < SAVE_ON_DISK_THRESHOLD:
                return tensor
            temp_file = SelfDeletingTempFile()
            torch.save(tensor, temp_file.name)
            on_disk.append(list(tensor.shape))
            return temp_file

        def unpack_from_disk(packed):
            if isinstance(packed, SelfDeletingTempFile):
                return torch.load(packed.name)
            return packed

        model = init(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4)))
        inputs = torch.tensor(np.random.default_rng(10).standard_normal((6, 8)).astype(np.float32))
        with torch.autograd.graph.saved_tensors_hooks(pack_to_disk, unpack_from_disk):
            output = model(inputs)
        loss = F.mse_loss(output, torch.zeros(6, 4))
        loss.backward()
        # which activations go to disk differs (each library saves what its ops need)
        results["disk"] = [
            len(on_disk) > 0,
            len(os.listdir(tmp_dir)),  # backward freed what it had saved: the files are gone
            loss.item(),
            model[0].weight.grad.sum().item(),
        ]

    model = init(nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 2)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for step in range(3):
        data = torch.tensor(np.random.default_rng(step).standard_normal((4, 8)).astype(np.float32))
        with torch.autograd.graph.save_on_cpu(pin_memory=False):
            loss = model(data).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    results["save_on_cpu"] = losses

    with torch.autograd.graph.disable_saved_tensors_hooks("no saved tensor hooks here"):
        try:
            with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
                pass
        except RuntimeError as error:
            results["disabled"] = str(error)
    return results


def jacobians_with_torch_func(torch, init):
    """torch.func's "Jacobians, Hessians, hvp, vhp, and more": a Jacobian row by row with
    autograd.grad and unit vectors, then jacrev (argnums, a tuple of them), jacfwd, vmap of
    jacrev for a batch, the Hessian three ways, and hvp as jvp of grad."""
    func = importlib.import_module(f"{torch.__name__}.func")
    F = torch.nn.functional
    jacrev, jacfwd, vmap, hessian = func.jacrev, func.jacfwd, func.vmap, func.hessian
    D = 6  # noqa: N806 - the tutorial's name
    rng = np.random.default_rng(11)
    weight, bias, x = (
        torch.tensor(rng.standard_normal(shape).astype(np.float32))
        for shape in ((D, D), (D,), (D,))
    )

    def predict(weight, bias, x):
        return F.linear(x, weight, bias).tanh()

    xp = x.clone().requires_grad_()
    unit_vectors = torch.eye(D)

    def compute_jac(xp):
        jacobian_rows = [
            torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0] for vec in unit_vectors
        ]
        return torch.stack(jacobian_rows)

    jacobian = compute_jac(xp)
    ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)
    ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
    batch = torch.tensor(rng.standard_normal((3, D)).astype(np.float32))
    compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
    batch_jacobian = compute_batch_jacobian(weight, bias, batch)

    def predict_with_output_summed(weight, bias, x):
        return predict(weight, bias, x).sum(0)

    batch_jacobian2 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, batch)
    hess_api = hessian(predict, argnums=2)(weight, bias, x)
    hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
    hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)

    def hvp(f, primals, tangents):
        return func.jvp(func.grad(f), primals, tangents)[1]

    def f(x):
        return x.sin().sum()

    tangent = torch.tensor(rng.standard_normal(D).astype(np.float32))
    return {
        "jacobian": jacobian.tolist(),
        "same": [
            torch.allclose(ft_jacobian, jacobian),
            torch.allclose(jacfwd(predict, argnums=2)(weight, bias, x), jacobian, atol=1e-6),
            torch.allclose(batch_jacobian, batch_jacobian2.movedim(1, 0)),
            torch.allclose(hess_api, hess_fwdfwd, atol=1e-6),
            torch.allclose(hess_api, hess_revrev, atol=1e-6),
        ],
        "weight_bias": [list(ft_jac_weight.shape), ft_jac_bias.sum().item()],
        "batch": [list(batch_jacobian.shape), batch_jacobian.sum().item()],
        "hessian": [list(hess_api.shape), hess_api.sum().item()],
        "hvp": hvp(f, (x,), (tangent,)).tolist(),
    }


def extending_torch_func_with_autograd_function(torch, init):
    """ "Extending torch.func with autograd.Function": NumpySort and NumpyTake written in the
    setup_context style (forward without ctx), computing with NumPy, marking the index outputs
    non-differentiable; torch.func.grad, vmap and jacrev through them; node hooks on their
    grad_fn (register_prehook, register_hook) watching the gradients."""
    func = importlib.import_module(f"{torch.__name__}.func")

    def to_numpy(tensor):
        return tensor.cpu().numpy()

    class NumpySort(torch.autograd.Function):
        @staticmethod
        def forward(x, dim):
            device = x.device
            x = to_numpy(x)
            ind = np.argsort(x, axis=dim)
            ind_inv = np.argsort(ind, axis=dim)
            result = np.take_along_axis(x, ind, axis=dim)
            return (
                torch.tensor(result, device=device),
                torch.tensor(ind, device=device),
                torch.tensor(ind_inv, device=device),
            )

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, dim = inputs
            _, ind, ind_inv = output
            ctx.mark_non_differentiable(ind, ind_inv)
            ctx.save_for_backward(ind, ind_inv)
            ctx.dim = dim

        @staticmethod
        def backward(ctx, grad_output, _0, _1):
            ind, ind_inv = ctx.saved_tensors
            return NumpyTake.apply(grad_output, ind_inv, ind, ctx.dim), None

        @staticmethod
        def vmap(info, in_dims, x, dim):  # PyTorch's batching rule (minigrad loops instead)
            x_bdim, _ = in_dims
            x = x.movedim(x_bdim, 0)
            dim = dim if dim >= 0 else dim + x.dim() - 1
            return NumpySort.apply(x, dim + 1), (0, 0, 0)

    class NumpyTake(torch.autograd.Function):
        @staticmethod
        def forward(x, ind, ind_inv, dim):
            device = x.device
            x = to_numpy(x)
            ind = to_numpy(ind)
            return torch.tensor(np.take_along_axis(x, ind, dim), device=device)

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, ind, ind_inv, dim = inputs
            ctx.save_for_backward(ind, ind_inv)
            ctx.dim = dim

        @staticmethod
        def backward(ctx, grad_output):
            ind, ind_inv = ctx.saved_tensors
            result = NumpyTake.apply(grad_output, ind_inv, ind, ctx.dim)
            return result, None, None, None

        @staticmethod
        def vmap(info, in_dims, x, ind, ind_inv, dim):
            x_bdim, ind_bdim, ind_inv_bdim, _ = in_dims
            logical_dim = x.dim() if x_bdim is None else x_bdim - 1
            dim = dim if dim >= 0 else dim + logical_dim

            def expand_bdim(x, x_bdim):
                if x_bdim is None:
                    return x.expand(info.batch_size, *x.shape)
                return x.movedim(x_bdim, 0)

            x = expand_bdim(x, x_bdim)
            ind = expand_bdim(ind, ind_bdim)
            ind_inv = expand_bdim(ind_inv, ind_inv_bdim)
            return NumpyTake.apply(x, ind, ind_inv, dim + 1), 0

    def numpy_sort(x, dim=-1):
        result, _, _ = NumpySort.apply(x, dim)
        return result

    x = torch.tensor(np.random.default_rng(12).standard_normal((2, 3)).astype(np.float32))
    weights = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    grad_x = func.grad(lambda x: (numpy_sort(x) * weights).sum())(x)
    batched = func.vmap(numpy_sort)(x)
    jac = func.jacrev(numpy_sort)(x[0])

    seen = []
    xr = x.clone().requires_grad_()
    result, ind, ind_inv = NumpySort.apply(xr, 1)
    result.grad_fn.register_prehook(lambda grad_outputs: seen.append(grad_outputs[0].tolist()))
    result.grad_fn.register_hook(
        lambda grad_inputs, grad_outputs: (grad_inputs[0] * 2,) + tuple(grad_inputs[1:])
    )
    (result * weights).sum().backward()
    return {
        "sorted": numpy_sort(x).tolist(),
        "grad": grad_x.tolist(),
        "ones": torch.allclose(func.grad(lambda x: numpy_sort(x).sum())(x), torch.ones_like(x)),
        "vmap": batched.tolist(),
        "jacrev": jac.tolist(),
        "hooks": [seen, xr.grad.tolist(), ind.requires_grad, ind_inv.dtype == torch.int64],
    }


def stochastic_weight_averaging(torch, init):
    """The SWA recipe of torch.optim.swa_utils' docs: SGD under CosineAnnealingLR, then from
    swa_start an AveragedModel updated each epoch and SWALR; update_bn over the loader for the
    averaged BatchNorm statistics; an EMA model (get_ema_multi_avg_fn) updated every step."""
    nn, F = torch.nn, torch.nn.functional
    swa_utils = torch.optim.swa_utils
    rng = np.random.default_rng(13)
    x = rng.standard_normal((48, 6)).astype(np.float32)
    y = (x[:, :3].sum(1) > 0).astype(np.int64)
    dataset = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=12)
    model = init(nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    swa_model = swa_utils.AveragedModel(model)
    ema_model = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9))
    swa_start, swa_scheduler = 3, swa_utils.SWALR(optimizer, swa_lr=0.05, anneal_epochs=2)
    losses, lrs = [], []
    for epoch in range(6):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            ema_model.update_parameters(model)
            losses.append(loss.item())
        if epoch > swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    swa_utils.update_bn(loader, swa_model)
    swa_model.eval()
    ema_model.eval()
    with torch.no_grad():
        inputs = torch.tensor(x)
        swa_out, ema_out = swa_model(inputs), ema_model(inputs)
    bn = swa_model.module[1]
    return {
        "loss": losses,
        "lr": lrs,
        "n_averaged": [swa_model.n_averaged.item(), ema_model.n_averaged.item()],
        "swa": [swa_out.sum().item(), (swa_out.argmax(1) == torch.tensor(y)).float().mean().item()],
        "ema": ema_out.sum().item(),
        "bn": [bn.running_mean.sum().item(), bn.running_var.sum().item()],
    }


PROGRAMS = [
    spatial_transformer,
    knowledge_distillation,
    pruning,
    double_backward_custom_functions,
    fused_conv_bn,
    time_sequence_prediction,
    variational_autoencoder,
    per_sample_gradients_and_ensembling,
    jacobians_with_torch_func,
    hooks_and_optimizer_in_backward,
    saved_tensor_hooks,
    extending_torch_func_with_autograd_function,
    stochastic_weight_averaging,
]

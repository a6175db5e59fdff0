"""Programs in the style of PyTorch's official tutorials (round 19): the "Learn the Basics"
steps written the way the docs write them (the tensors page's out= arguments and NumPy
bridge, the transforms page's one-hot Lambda, the model page's printed model, the autograd
page's grad_fn names and accumulated gradients, the optimization page's printed losses, the
save/load page's state_dict), torch.autograd.functional and torch.func transforms with their
options, einsum attention, nn.MultiheadAttention masks, Embedding and EmbeddingBag options,
packed bidirectional LSTMs, torch.distributions shapes and divergences, buffers moving with
.to, seeded reproducibility, a tiny character GPT, collated dict samples, a spatial
transformer, parametrizations, losses past cross_entropy, scheduler chains, a pre-norm
Transformer with every mask, a Conv3d clip classifier, variational terms of many
distributions, and tabular preprocessing in tensor ops. Each is a function of the library
(`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py); data come
from NumPy so that both libraries see the same numbers; random draws are compared by their
properties only."""

from __future__ import annotations

import io
import re

import numpy as np
from tutorials7 import _randn


def _dtype(t) -> str:
    return str(t.dtype).split(".")[-1]


def tensors_page_out_arguments_and_numpy_bridge(torch, init):
    """ "Tensors": ones_like/zeros_like keeping a tensor's properties, the three ways to
    multiply with out= (matmul into y3, mul into z3), tensor[:, 1] = 0, torch.cat along dim 1,
    agg.item() as a Python float, t.add_(5) seen in t.numpy(), and np.add(n, 1, out=n) seen
    in torch.from_numpy(n)."""
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    tensor = torch.from_numpy(np.arange(16, dtype=np.float32).reshape(4, 4))
    tensor[:, 1] = 0
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    agg = tensor.sum()
    agg_item = agg.item()
    tensor.add_(5)
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    n_after_add = n.copy()
    m = np.ones(5)
    tm = torch.from_numpy(m)
    np.add(m, 1, out=m)
    return {
        "ones": x_ones.numpy(),
        "ones dtype": _dtype(x_ones),
        "rand shape dtype": [list(x_rand.shape), _dtype(x_rand)],
        "rand in [0, 1)": bool(((x_rand >= 0) & (x_rand < 1)).all()),
        "last column": tensor[..., -1].numpy(),
        "t1 shape": list(t1.shape),
        "products": [y1.numpy(), y2.numpy(), y3.numpy(), z1.numpy(), z2.numpy(), z3.numpy()],
        "agg": [agg_item, type(agg_item).__name__],
        "after add_": tensor.numpy(),
        "bridge": [n_after_add, tm.numpy(), _dtype(tm)],
        "f-string": f"First row: {tensor[0]}",
    }


def transforms_page_one_hot_lambda_with_scatter(torch, init):
    """ "Transforms": target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float)
    .scatter_(0, torch.tensor(y), value=1)), applied by a Dataset to integer labels, and the
    one-hot rows batched by a DataLoader."""

    class Digits(torch.utils.data.Dataset):
        def __init__(self, target_transform):
            rng = np.random.default_rng(3)
            self.images = rng.random((6, 1, 4, 4), dtype=np.float32)
            self.labels = [3, 0, 9, 3, 5, 1]
            self.target_transform = target_transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, idx):
            image = torch.from_numpy(self.images[idx])
            return image, self.target_transform(self.labels[idx])

    def target_transform(y):
        return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)

    ds = Digits(target_transform)
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    batches = [(x.shape, y) for x, y in loader]
    first = ds[0][1]
    return {
        "first": first.numpy(),
        "first dtype": _dtype(first),
        "batches": [[list(s), y.numpy()] for s, y in batches],
    }


def build_model_page_printed_model_and_parameters(torch, init):
    """ "Build the Neural Network": NeuralNetwork with nn.Flatten and a linear_relu_stack,
    print(model), logits through nn.Softmax(dim=1) and argmax(1), the minibatch walk through
    flatten/Linear/ReLU with their sizes, and the named_parameters loop printing
    `Layer: {name} | Size: {param.size()}`."""
    nn = torch.nn

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(8 * 8, 16),
                nn.ReLU(),
                nn.Linear(16, 16),
                nn.ReLU(),
                nn.Linear(16, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    model = init(NeuralNetwork())
    X = torch.from_numpy(np.random.default_rng(1).random((1, 8, 8), dtype=np.float32))
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    input_image = torch.from_numpy(np.random.default_rng(2).random((3, 8, 8), dtype=np.float32))
    flat_image = nn.Flatten()(input_image)
    layer1 = init(nn.Linear(in_features=64, out_features=20))
    hidden1 = layer1(flat_image)
    hidden1_relu = nn.ReLU()(hidden1)
    lines = [
        f"Layer: {name} | Size: {list(param.size())} | Values : {param[:2].shape}"
        for name, param in model.named_parameters()
    ]
    return {
        "model": repr(model).replace("torch.", "").replace("minigrad.", ""),
        "probabilities": pred_probab.detach().numpy(),
        "predicted": y_pred.numpy(),
        "sizes": [list(flat_image.size()), list(hidden1.size())],
        "relu": hidden1_relu.detach().numpy(),
        "lines": [line.replace("torch.", "").replace("minigrad.", "") for line in lines],
    }


def autograd_page_grad_fn_detach_and_accumulation(torch, init):
    """ "Automatic Differentiation with torch.autograd": binary_cross_entropy_with_logits of
    z = x @ w + b, the grad_fn class names of z and loss, w.grad and b.grad, requires_grad
    under no_grad and after detach, and the Jacobian-product section: eye(4, 5) with
    requires_grad, out = (inp + 1).pow(2).t(), backward(ones_like(out), retain_graph=True)
    twice (accumulating) and again after inp.grad.zero_()."""
    x = torch.ones(5)
    y = torch.zeros(3)
    w = _randn(torch, (5, 3), 4).requires_grad_()
    b = _randn(torch, (3,), 5).requires_grad_()
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    with torch.no_grad():
        z_no_grad = torch.matmul(x, w) + b
    z_det = (torch.matmul(x, w) + b).detach()
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    second = inp.grad.clone()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    return {
        "grad_fn": [z.grad_fn.name(), loss.grad_fn.name()],  # type(...).__name__: docs/nn.md
        "loss": loss.item(),
        "grads": {"w": w.grad.numpy(), "b": b.grad.numpy()},
        "requires_grad": [z.requires_grad, z_no_grad.requires_grad, z_det.requires_grad],
        "jacobian products": [first.numpy(), second.numpy(), inp.grad.numpy()],
        "out shape": list(out.shape),
    }


def optimization_page_loops_with_printed_losses(torch, init):
    """ "Optimizing Model Parameters": train_loop with size = len(dataloader.dataset),
    model.train(), the `loss: {loss:>7f}  [{current:>5d}/{size:>5d}]` line every other batch,
    and test_loop under model.eval() and no_grad summing (pred.argmax(1) == y).type(
    torch.float).sum().item() into the `Accuracy: {(100*correct):>0.1f}%, Avg loss:
    {test_loss:>8f}` line."""
    nn = torch.nn
    rng = np.random.default_rng(7)
    X = torch.from_numpy(rng.random((50, 12), dtype=np.float32))
    Y = torch.from_numpy(rng.integers(0, 4, 50))
    train_ds = torch.utils.data.TensorDataset(X[:40], Y[:40])
    test_ds = torch.utils.data.TensorDataset(X[40:], Y[40:])
    batch_size = 8
    train_dataloader = torch.utils.data.DataLoader(train_ds, batch_size=batch_size)
    test_dataloader = torch.utils.data.DataLoader(test_ds, batch_size=batch_size)
    model = init(nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 4)))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    printed = []

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
                printed.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        printed.append(f"Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f}")
        return test_loss, correct

    results = []
    for t in range(3):
        printed.append(f"Epoch {t + 1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer)
        results.append(test_loop(test_dataloader, model, loss_fn))
    # the printed losses are rounded to 6 places: compare the numbers they hold
    numbers = [[float(n) for n in re.findall(r"\d+\.?\d*", line)] for line in printed]
    shapes = ["".join(c for c in line if not c.isdigit()) for line in printed]
    return {"results": results, "numbers": numbers, "shapes": shapes}


def save_load_page_state_dict_and_eval(torch, init):
    """ "Save and Load the Model": torch.save(model.state_dict(), f), a new model of the same
    class loading torch.load(f, weights_only=True), model.eval() turning Dropout off (the
    outputs of the two models agree), and the keys and shapes of the state dict in order."""
    nn = torch.nn

    def make():
        return nn.Sequential(
            nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)
        )

    model = init(make())
    x = _randn(torch, (5, 6), 8)
    model.train()
    model(x)  # one step of running statistics to save
    f = io.BytesIO()
    torch.save(model.state_dict(), f)
    f.seek(0)
    model2 = make()
    result = model2.load_state_dict(torch.load(f, weights_only=True))
    model.eval()
    model2.eval()
    with torch.no_grad():
        a, b = model(x), model2(x)
    sd = model2.state_dict()
    return {
        "equal": bool(torch.equal(a, b)),
        "out": b.numpy(),
        "keys": list(sd.keys()),
        "shapes": [list(v.shape) for v in sd.values()],
        "dtypes": [_dtype(v) for v in sd.values()],
        "missing unexpected": [list(result.missing_keys), list(result.unexpected_keys)],
        "training": [model2.training, model2[3].training],
    }


def autograd_functional_jacobian_hessian_vjp_jvp_hvp(torch, init):
    """torch.autograd.functional on a function of two inputs: jacobian (a tuple of tuples),
    jacobian with vectorize=True and strategy="forward-mode", hessian of a scalar function,
    vjp, jvp, hvp and vhp with their (output, product) pairs."""
    F = torch.autograd.functional

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    def pow_adder(x, y):
        return 2 * x.pow(2) + 3 * y.pow(2)

    def scalar(x):
        return (x.pow(3) - x.sin()).sum()

    x = _randn(torch, (2, 3), 9)
    a, b = _randn(torch, (3,), 10), _randn(torch, (3,), 11)
    v = _randn(torch, (2,), 12)
    u = _randn(torch, (2, 3), 13)
    j = F.jacobian(exp_reducer, x)
    ja, jb = F.jacobian(pow_adder, (a, b))
    jf = F.jacobian(exp_reducer, x, vectorize=True, strategy="forward-mode")
    h = F.hessian(scalar, x)
    vjp_out, vjp_v = F.vjp(exp_reducer, x, v)
    jvp_out, jvp_v = F.jvp(exp_reducer, x, u)
    hvp_out, hvp_v = F.hvp(scalar, x, u)
    vhp_out, vhp_v = F.vhp(scalar, x, u)
    return {
        "jacobian": {"j": j.numpy(), "ja": ja.numpy(), "jb": jb.numpy(), "jf": jf.numpy()},
        "hessian": [list(h.shape), h.numpy()],
        "vjp": {"out": vjp_out.numpy(), "v": vjp_v.numpy()},
        "jvp": {"out": jvp_out.numpy(), "v": jvp_v.numpy()},
        "hvp": {"out": hvp_out.item(), "v": hvp_v.numpy()},
        "vhp": {"out": vhp_out.item(), "v": vhp_v.numpy()},
    }


def torch_func_transforms_with_options(torch, init):
    """torch.func: grad with argnums=(0, 1) and has_aux=True, vmap with in_dims=(0, None)
    and out_dims=1, jacrev and jacfwd agreeing, hessian as jacfwd(jacrev(f)), and vmap of
    grad giving per-sample gradients through functional_call."""
    func = torch.func
    nn = torch.nn

    def f(x, y):
        loss = (x.sin() * y).sum()
        return loss, {"cos": x.cos()}

    x, y = _randn(torch, (3,), 14), _randn(torch, (3,), 15)
    (gx, gy), aux = func.grad(f, argnums=(0, 1), has_aux=True)(x, y)
    w = _randn(torch, (3, 4), 16)
    mapped = func.vmap(lambda r, m: r @ m, in_dims=(0, None), out_dims=1)(
        _randn(torch, (5, 3), 17), w
    )

    def g(x):
        return x.tanh() * x.sum()

    jr, jfwd = func.jacrev(g)(x), func.jacfwd(g)(x)
    hess = func.jacfwd(func.jacrev(lambda x: (x**3).sum() * x.prod()))(x)
    model = init(nn.Linear(3, 2))
    params = {k: v.detach() for k, v in model.named_parameters()}
    data, targets = _randn(torch, (4, 3), 18), torch.tensor([0, 1, 1, 0])

    def loss_one(params, sample, target):
        out = func.functional_call(model, params, (sample.unsqueeze(0),))
        return nn.functional.cross_entropy(out, target.unsqueeze(0))

    per_sample = func.vmap(func.grad(loss_one), in_dims=(None, 0, 0))(params, data, targets)
    return {
        "grad": [gx.numpy(), gy.numpy(), aux["cos"].numpy()],
        "mapped": [list(mapped.shape), mapped.numpy()],
        "jac": [jr.numpy(), jfwd.numpy()],
        "hessian": hess.numpy(),
        "per sample": {k: v.numpy() for k, v in per_sample.items()},
    }


def einsum_attention_and_its_spellings(torch, init):
    """Attention written with einsum ('bhqd,bhkd->bhqk' scores, 'bhqk,bhkd->bhqd' mix) and
    compared to scaled_dot_product_attention, with ellipsis batches ('...ij,...jk'), a trace
    ('ii'), a diagonal ('ii->i'), an outer product ('i,j->ij'), a bilinear form with three
    operands ('bn,anm,bm->ba') and the operands given as a list; gradients of the attention."""
    b, h, q, k, d = 2, 2, 3, 4, 5
    Q = _randn(torch, (b, h, q, d), 19).requires_grad_()
    K = _randn(torch, (b, h, k, d), 20).requires_grad_()
    V = _randn(torch, (b, h, k, d), 21).requires_grad_()
    scores = torch.einsum("bhqd,bhkd->bhqk", Q, K) / d**0.5
    out = torch.einsum("bhqk,bhkd->bhqd", scores.softmax(dim=-1), V)
    ref = torch.nn.functional.scaled_dot_product_attention(Q, K, V)
    out.pow(2).sum().backward()
    m = _randn(torch, (3, 3), 22)
    x1, x2 = _randn(torch, (2, 4), 23), _randn(torch, (2, 6), 24)
    A = _randn(torch, (3, 4, 6), 25)
    return {
        "out": out.detach().numpy(),
        "max diff to sdpa": float((out - ref).abs().max().detach()) < 1e-5,
        "grads": {"Q": Q.grad.numpy(), "K": K.grad.numpy(), "V": V.grad.numpy()},
        "ellipsis": torch.einsum("...ij,...jk", _randn(torch, (2, 2, 3), 26), m).numpy(),
        "trace": torch.einsum("ii", m).item(),
        "diag": torch.einsum("ii->i", m).numpy(),
        "outer": torch.einsum("i,j->ij", m[0], m[1]).numpy(),
        "bilinear": torch.einsum("bn,anm,bm->ba", x1, A, x2).numpy(),
        "list": torch.einsum("ij,jk->ik", [m, m]).numpy(),
    }


def multihead_attention_masks_and_weights(torch, init):
    """nn.MultiheadAttention with batch_first=True: a boolean key_padding_mask, a float
    attn_mask of shape (N * num_heads, L, S), need_weights=False returning None,
    average_attn_weights=False giving per-head weights, and kdim/vdim differing from
    embed_dim; gradients of the in-projection."""
    nn = torch.nn
    mha = init(nn.MultiheadAttention(8, 2, batch_first=True))
    x = _randn(torch, (2, 4, 8), 27)
    pad = torch.tensor([[False, False, False, True], [False, False, True, True]])
    out, w = mha(x, x, x, key_padding_mask=pad)
    out2, w2 = mha(x, x, x, key_padding_mask=pad, average_attn_weights=False)
    mask = _randn(torch, (4, 4, 4), 28)
    out3, w3 = mha(x, x, x, attn_mask=mask, need_weights=False)
    (out + out3).sum().backward()
    cross = init(nn.MultiheadAttention(8, 2, kdim=3, vdim=5, batch_first=True))
    out4, w4 = cross(x, _randn(torch, (2, 6, 3), 29), _randn(torch, (2, 6, 5), 30))
    return {
        "out": out.detach().numpy(),
        "weights": [w.detach().numpy(), list(w2.shape), w2.detach().numpy()],
        "masked out": out3.detach().numpy(),
        "none": w3 is None,
        "in_proj grad": mha.in_proj_weight.grad.numpy(),
        "cross": [out4.detach().numpy(), list(w4.shape)],
        "cross params": sorted(k for k, _ in cross.named_parameters()),
    }


def embedding_padding_idx_pretrained_and_bag(torch, init):
    """nn.Embedding(padding_idx=0): the padding row initialised to zeros and never updated,
    Embedding.from_pretrained with freeze=True (no grad) and freeze=False with padding_idx,
    and nn.EmbeddingBag(mode="mean") with offsets and mode="sum" with per_sample_weights."""
    nn = torch.nn
    emb = nn.Embedding(6, 3, padding_idx=0)
    zero_row = emb.weight[0].detach().clone()
    emb = init(emb)
    idx = torch.tensor([[0, 2, 4], [4, 3, 0]])
    emb(idx).pow(2).sum().backward()
    weights = torch.from_numpy(np.arange(12, dtype=np.float32).reshape(4, 3))
    frozen = nn.Embedding.from_pretrained(weights)
    trainable = nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=1)
    trainable(torch.tensor([1, 2, 1])).sum().backward()
    bag = init(nn.EmbeddingBag(6, 3, mode="mean"))
    flat = torch.tensor([1, 2, 4, 5, 4, 3, 2])
    offsets = torch.tensor([0, 4])
    summed = init(nn.EmbeddingBag(6, 3, mode="sum"))
    psw = torch.tensor([1.0, 0.5, 2.0, 1.0, -1.0, 1.0, 0.0])
    return {
        "zero row": zero_row.numpy(),
        "grad": emb.weight.grad.numpy(),
        "frozen": [frozen.weight.requires_grad, frozen(torch.tensor([3])).numpy().tolist()],
        "trainable grad": trainable.weight.grad.numpy(),
        "padding_idx": [emb.padding_idx, trainable.padding_idx],
        "bag": bag(flat, offsets).detach().numpy(),
        "weighted": summed(flat, offsets, per_sample_weights=psw).detach().numpy(),
    }


def packed_bidirectional_two_layer_lstm(torch, init):
    """pad_sequence(batch_first=True, padding_value=0) of unsorted lengths,
    pack_padded_sequence(enforce_sorted=False) into a two-layer bidirectional LSTM,
    pad_packed_sequence with total_length, the last forward and backward hidden states
    concatenated (h_n[-2], h_n[-1]) for a classifier, and the gradients of the input."""
    nn = torch.nn
    rnn = torch.nn.utils.rnn
    seqs = [_randn(torch, (n, 3), 31 + n) for n in (2, 5, 3)]
    for s in seqs:
        s.requires_grad_()
    lengths = torch.tensor([len(s) for s in seqs])
    padded = rnn.pad_sequence(seqs, batch_first=True, padding_value=0.0)
    packed = rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    lstm = init(nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True))
    head = init(nn.Linear(8, 2))
    out_packed, (h_n, c_n) = lstm(packed)
    out, out_lengths = rnn.pad_packed_sequence(out_packed, batch_first=True, total_length=6)
    logits = head(torch.cat([h_n[-2], h_n[-1]], dim=1))
    (logits.sum() + out.pow(2).sum()).backward()
    return {
        "padded": padded.detach().numpy(),
        "batch_sizes": packed.batch_sizes.numpy(),
        "sorted": packed.sorted_indices.numpy(),
        "unsorted": packed.unsorted_indices.numpy(),
        "out": [list(out.shape), out.detach().numpy().tolist(), out_lengths.tolist()],
        "h c": [list(h_n.shape), h_n.detach().numpy().tolist(), c_n.detach().numpy().tolist()],
        "logits": logits.detach().numpy(),
        "input grads": [s.grad.numpy().tolist() for s in seqs],
    }


def distributions_reparameterisation_entropy_and_kl(torch, init):
    """torch.distributions: Normal.rsample through loc and scale (the gradient of the mean of
    samples is compared by its loc part, exact), log_prob and entropy of Normal, Categorical
    from logits with probs, log_prob, entropy and batch/event shapes, kl_divergence of two
    Normals and of two Categoricals, Independent turning a batch into an event."""
    D = torch.distributions
    loc = torch.tensor([0.5, -1.0], requires_grad=True)
    scale = torch.tensor([1.0, 2.0], requires_grad=True)
    normal = D.Normal(loc, scale)
    sample = normal.rsample((1000,))
    sample.mean(0).sum().backward()
    value = torch.tensor([0.0, 1.0])
    logits = _randn(torch, (3, 4), 40)
    cat = D.Categorical(logits=logits)
    other = D.Categorical(probs=torch.tensor([0.1, 0.2, 0.3, 0.4]))
    draws = cat.sample((7,))
    ind = D.Independent(D.Normal(torch.zeros(3, 2), torch.ones(3, 2)), 1)
    return {
        "rsample": [list(sample.shape), loc.grad.numpy().tolist(), sample.requires_grad],
        "normal": [normal.log_prob(value).detach().numpy(), normal.entropy().detach().numpy()],
        "probs": cat.probs.numpy(),
        "log_prob": cat.log_prob(torch.tensor([0, 3, 1])).numpy(),
        "entropy": cat.entropy().numpy(),
        "shapes": [list(cat.batch_shape), list(cat.event_shape), list(draws.shape)],
        "draws in range": bool(((draws >= 0) & (draws < 4)).all()),
        "kl normal": D.kl_divergence(normal, D.Normal(torch.zeros(2), torch.ones(2)))
        .detach()
        .numpy(),
        "kl categorical": D.kl_divergence(cat, other).numpy(),
        "independent": [list(ind.batch_shape), list(ind.event_shape)],
        "independent log_prob": ind.log_prob(torch.ones(3, 2)).numpy(),
    }


def buffers_moving_with_to_and_persistence(torch, init):
    """register_buffer: a persistent buffer in the state_dict and a persistent=False one out
    of it, both converted by .to(torch.float64) and .double() while an integer buffer keeps
    its dtype, named_buffers listing all three, and a buffer updated in forward."""
    nn = torch.nn

    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.register_buffer("mean", torch.zeros(2))
            self.register_buffer("scratch", torch.ones(2), persistent=False)
            self.register_buffer("steps", torch.tensor(0))

        def forward(self, x):
            with torch.no_grad():
                self.mean.mul_(0.9).add_(0.1 * x.mean(0))
                self.steps += 1
            return self.lin(x - self.mean)

    model = init(Counter())
    x = _randn(torch, (4, 2), 41)
    model(x)
    model = model.to(torch.float64)
    y = model(x.double())
    return {
        "state keys": list(model.state_dict().keys()),
        "buffers": [name for name, _ in model.named_buffers()],
        "dtypes": [_dtype(b) for _, b in model.named_buffers()],
        "weight dtype": _dtype(model.lin.weight),
        "mean": model.mean.numpy(),
        "steps": model.steps.item(),
        "y": [y.detach().numpy(), _dtype(y)],
    }


def manual_seed_reproducibility_between_runs(torch, init):
    """torch.manual_seed(s) before two runs gives the same randn, rand, randint, randperm,
    dropout masks and initial weights twice (compared within one library), a
    torch.Generator seeded alike gives equal draws, get_rng_state/set_rng_state replay, and a
    different seed gives different numbers."""
    nn = torch.nn

    def run(seed):
        torch.manual_seed(seed)
        return [
            torch.randn(3, 4),
            torch.rand(5),
            torch.randint(0, 10, (6,)),
            torch.randperm(7),
            nn.functional.dropout(torch.ones(10), p=0.5),
            nn.Linear(3, 2).weight.detach(),
        ]

    a, b, c = run(42), run(42), run(43)
    g1 = torch.Generator().manual_seed(5)
    g2 = torch.Generator().manual_seed(5)
    state = torch.get_rng_state()
    before = torch.randn(4)
    torch.set_rng_state(state)
    after = torch.randn(4)
    return {
        "same": [bool(torch.equal(x, y)) for x, y in zip(a, b)],
        "different": bool(torch.equal(a[0], c[0])),
        "generator": bool(torch.equal(torch.randn(3, generator=g1), torch.randn(3, generator=g2))),
        "replay": bool(torch.equal(before, after)),
        "randperm is a permutation": sorted(a[3].tolist()) == list(range(7)),
        "dropout values": sorted(set(a[4].tolist())) in ([0.0, 2.0], [2.0], [0.0]),
    }


def tiny_character_gpt_with_causal_mask(torch, init):
    """A tiny GPT in the style of "makemore": a character tokenizer written in code (stoi/itos,
    encode/decode), one causal self-attention block with torch.tril and masked_fill(-inf),
    a training step with AdamW, greedy generation (deterministic, compared) and
    torch.multinomial sampling (compared by shape and vocabulary range)."""
    nn, F = torch.nn, torch.nn.functional
    text = "hello world, hello tensors"
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = dict(enumerate(chars))

    def encode(s):
        return [stoi[c] for c in s]

    def decode(ids):
        return "".join(itos[i] for i in ids)

    data = torch.tensor(encode(text), dtype=torch.long)
    block, vocab, n_embd = 8, len(chars), 16

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.key = nn.Linear(n_embd, n_embd, bias=False)
            self.query = nn.Linear(n_embd, n_embd, bias=False)
            self.value = nn.Linear(n_embd, n_embd, bias=False)
            self.register_buffer("tril", torch.tril(torch.ones(block, block)))

        def forward(self, x):
            B, T, C = x.shape
            k, q = self.key(x), self.query(x)
            wei = q @ k.transpose(-2, -1) * C**-0.5
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
            wei = F.softmax(wei, dim=-1)
            return wei @ self.value(x)

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, n_embd)
            self.pos = nn.Embedding(block, n_embd)
            self.head = Head()
            self.ln = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab)

        def forward(self, idx, targets=None):
            B, T = idx.shape
            x = self.tok(idx) + self.pos(torch.arange(T))
            x = x + self.head(self.ln(x))
            logits = self.lm_head(x)
            if targets is None:
                return logits, None
            loss = F.cross_entropy(logits.view(B * T, vocab), targets.view(B * T))
            return logits, loss

    model = init(GPT())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    ix = [0, 5, 10, 15]
    xb = torch.stack([data[i : i + block] for i in ix])
    yb = torch.stack([data[i + 1 : i + block + 1] for i in ix])
    losses = []
    for _ in range(5):
        _, loss = model(xb, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    idx = torch.tensor([encode("he")])
    with torch.no_grad():
        for _ in range(6):
            logits, _ = model(idx[:, -block:])
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat((idx, nxt), dim=1)
        probs = F.softmax(model(idx[:, -block:])[0][:, -1, :], dim=-1)
        sampled = torch.multinomial(probs, num_samples=5, replacement=True)
    return {
        "vocab": [vocab, decode(encode("hello")) == "hello"],
        "losses": losses,
        "greedy": decode(idx[0].tolist()),
        "probs": probs.numpy(),
        "sampled": [list(sampled.shape), _dtype(sampled), bool((sampled < vocab).all())],
    }


def data_page_dict_samples_collated(torch, init):
    """ "Datasets & DataLoaders" with a Dataset returning dicts (an image array, an int label,
    a str name, a float weight) and (x, y) namedtuples: default_collate stacks arrays into
    tensors, ints into int64 and floats into float64, keeps strs as lists and the namedtuple
    type; random_split with fractions gives the lengths PyTorch gives."""
    import collections

    Pair = collections.namedtuple("Pair", "x y")
    rng = np.random.default_rng(42)
    images = rng.random((5, 2, 3), dtype=np.float32)

    class Samples(torch.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, idx):
            return {"image": images[idx], "label": idx % 3, "name": f"s{idx}", "w": idx / 4}

    loader = torch.utils.data.DataLoader(Samples(), batch_size=2)
    batches = list(loader)
    pairs = torch.utils.data.default_collate([Pair(1, 2.5), Pair(3, 4.5)])
    g = torch.Generator().manual_seed(0)
    parts = torch.utils.data.random_split(range(11), [0.5, 0.25, 0.25], generator=g)
    return {
        "images": [b["image"].numpy().tolist() for b in batches],
        "labels": [[b["label"].tolist(), _dtype(b["label"])] for b in batches],
        "names": [b["name"] for b in batches],
        "weights": [[b["w"].tolist(), _dtype(b["w"])] for b in batches],
        "pair": [type(pairs).__name__, pairs.x.tolist(), _dtype(pairs.x), _dtype(pairs.y)],
        "split lengths": [len(p) for p in parts],
        "split covers": sorted(i for p in parts for i in p) == list(range(11)),
    }


def spatial_transformer_with_border_padding(torch, init):
    """The spatial transformer tutorial's stn(): a localization net regressing theta (its
    last Linear initialised to the identity transform with weight.data.zero_() and
    bias.data.copy_), F.affine_grid(theta, x.size(), align_corners=False) and
    F.grid_sample with padding_mode="border", then a bicubic F.interpolate upsampling, two
    Adam steps; the grid, the output and the losses."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.localization = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.ReLU())
            self.fc_loc = nn.Sequential(nn.Linear(4 * 3 * 3, 8), nn.ReLU(), nn.Linear(8, 6))
            self.fc_loc[2].weight.data.zero_()
            self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))
            self.head = nn.Linear(16 * 16, 3)

        def stn(self, x):
            xs = self.localization(x).view(-1, 4 * 3 * 3)
            theta = self.fc_loc(xs).view(-1, 2, 3)
            theta = theta + 0.1 * torch.tanh(xs[:, :6]).view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            return F.grid_sample(x, grid, padding_mode="border", align_corners=False), grid

        def forward(self, x):
            x, grid = self.stn(x)
            up = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
            return self.head(up.flatten(1)), grid

    model = init(Net())
    x = torch.from_numpy(np.random.default_rng(5).random((2, 1, 8, 8), dtype=np.float32))
    target = torch.tensor([0, 2])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(2):
        logits, grid = model(x)
        loss = F.cross_entropy(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "grid": grid.detach().numpy(),
        "bias grad": model.fc_loc[2].bias.grad.numpy(),
    }


def parametrized_layers_train_and_save(torch, init):
    """torch.nn.utils.parametrizations: weight_norm (original0/original1) and orthogonal on
    Linear layers of a small model, parametrize.is_parametrized, a training step through them,
    the parametrized state_dict keys, and the orthogonal weight staying orthogonal."""
    nn = torch.nn
    P = nn.utils.parametrizations
    model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2))
    model = init(model)
    P.weight_norm(model[2])
    P.orthogonal(model[0])
    x = _randn(torch, (6, 4), 50)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    w0 = model[0].weight.detach()
    return {
        "parametrized": [nn.utils.parametrize.is_parametrized(m) for m in model],
        "keys": sorted(model.state_dict().keys()),
        "losses": losses,
        "orthogonal": float((w0 @ w0.T - torch.eye(4)).abs().max()) < 1e-5,
        "norm weight": model[2].weight.detach().numpy(),
    }


def loss_functions_beyond_cross_entropy(torch, init):
    """Losses the tutorials and recipes reach for, each with its gradient: ctc_loss with
    zero_infinity (speech recognition), cosine_embedding_loss with a margin and
    triplet_margin_loss with swap (metric learning), gaussian_nll_loss with full=True
    (uncertainty regression), multilabel_soft_margin_loss and multi_margin_loss with p=2."""
    F = torch.nn.functional
    lp = _randn(torch, (6, 2, 4), 51).requires_grad_()
    a = _randn(torch, (3, 4), 52).requires_grad_()
    b = _randn(torch, (3, 4), 53).requires_grad_()
    c = _randn(torch, (3, 4), 54).requires_grad_()
    var = _randn(torch, (3, 4), 55).requires_grad_()
    losses = {
        "ctc": F.ctc_loss(
            lp.log_softmax(2),
            torch.tensor([[1, 2, 2], [1, 1, 0]]),
            torch.tensor([6, 5]),
            torch.tensor([3, 2]),
            zero_infinity=True,
        ),
        "cosine": F.cosine_embedding_loss(a, b, torch.tensor([1, -1, 1]), margin=0.2),
        "triplet": F.triplet_margin_loss(a, b, c, swap=True),
        "gaussian": F.gaussian_nll_loss(a, b, var.exp(), full=True),
        "multilabel": F.multilabel_soft_margin_loss(c, (b > 0).float()),
        "multi margin": F.multi_margin_loss(c, torch.tensor([0, 2, 3]), p=2, margin=0.5),
    }
    sum(losses.values()).backward()
    return {
        "losses": {k: v.item() for k, v in losses.items()},
        "grads": {"lp": lp.grad.numpy(), "a": a.grad.numpy(), "var": var.grad.numpy()},
    }


def scheduler_chains_printed_per_epoch(torch, init):
    """The lr_scheduler recipes' chains, the learning rate printed each epoch: SequentialLR of
    a LinearLR warm-up and ExponentialLR, OneCycleLR over ten steps (momentum cycled too),
    CosineAnnealingWarmRestarts with T_mult=2, and ChainedScheduler of two multiplicative
    schedules."""
    nn, S = torch.nn, torch.optim.lr_scheduler

    def trace(make, steps, momentum=False):
        opt = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)
        sched = make(opt)
        lrs = []
        for _ in range(steps):
            opt.step()
            sched.step()
            group = opt.param_groups[0]
            lrs.append([group["lr"], group["momentum"]] if momentum else sched.get_last_lr()[0])
        return lrs

    return {
        "sequential": trace(
            lambda o: S.SequentialLR(
                o,
                [S.LinearLR(o, start_factor=0.1, total_iters=2), S.ExponentialLR(o, 0.9)],
                milestones=[2],
            ),
            6,
        ),
        "one cycle": trace(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10), 9, True),
        "warm restarts": trace(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2), 8),
        "chained": trace(
            lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, 3), S.ExponentialLR(o, 0.8)]), 5
        ),
    }


def transformer_pre_norm_gelu_with_every_mask(torch, init):
    """nn.Transformer(norm_first=True, activation="gelu", batch_first=True, dropout=0.0) as
    a seq2seq model: a causal tgt_mask from generate_square_subsequent_mask with
    tgt_is_causal=True, src and memory key-padding masks from a PAD id, a vocabulary
    projection, label-smoothed cross_entropy with ignore_index=PAD, one Adam step and the
    logits after it."""
    nn, F = torch.nn, torch.nn.functional
    PAD, vocab, d = 0, 7, 8
    src = torch.tensor([[3, 4, 5, 6, 2], [5, 3, 2, 0, 0]])
    tgt = torch.tensor([[1, 4, 4, 2], [1, 6, 2, 0]])

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
            self.transformer = nn.Transformer(
                d, 2, 2, 2, 16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
            )
            self.generator = nn.Linear(d, vocab)

        def forward(self, src, tgt_in):
            mask = self.transformer.generate_square_subsequent_mask(tgt_in.size(1))
            pad = src == PAD
            out = self.transformer(
                self.emb(src) * d**0.5,
                self.emb(tgt_in) * d**0.5,
                tgt_mask=mask,
                src_key_padding_mask=pad,
                memory_key_padding_mask=pad,
                tgt_key_padding_mask=tgt_in == PAD,
                tgt_is_causal=True,
            )
            return self.generator(out)

    model = init(Seq2Seq())
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    logits = model(src, tgt[:, :-1])
    loss = F.cross_entropy(
        logits.reshape(-1, vocab), tgt[:, 1:].reshape(-1), ignore_index=PAD, label_smoothing=0.1
    )
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        after = model(src, tgt[:, :-1])
    return {
        "loss": loss.item(),
        "emb grad pad row": model.emb.weight.grad[PAD].numpy(),
        "after": after.numpy(),
    }


def video_conv3d_with_cumulative_batchnorm(torch, init):
    """A small video classifier: Conv3d with a (1, 2, 2) stride, BatchNorm3d(momentum=None)
    keeping a cumulative average of its statistics over three training batches
    (num_batches_tracked counting them), AdaptiveAvgPool3d and a Linear head; SGD steps, the
    running statistics, and the eval-mode outputs."""
    nn, F = torch.nn, torch.nn.functional
    model = init(
        nn.Sequential(
            nn.Conv3d(2, 4, 3, padding=1, stride=(1, 2, 2)),
            nn.BatchNorm3d(4, momentum=None),
            nn.ReLU(),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(),
            nn.Linear(4, 3),
        )
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(60)
    clips = [torch.from_numpy(rng.random((2, 2, 3, 6, 6), dtype=np.float32)) for _ in range(3)]
    labels = torch.tensor([0, 2])
    losses = []
    for clip in clips:
        loss = F.cross_entropy(model(clip), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    bn = model[1]
    model.eval()
    with torch.no_grad():
        out = model(clips[0])
    return {
        "losses": losses,
        "running": [bn.running_mean.numpy().tolist(), bn.running_var.numpy().tolist()],
        "tracked": bn.num_batches_tracked.item(),
        "eval out": out.numpy(),
    }


def variational_posterior_with_transformed_distributions(torch, init):
    """A variational-inference step as the probabilistic-programming tutorials write it: a
    LogNormal built as TransformedDistribution(Normal, ExpTransform) and a Beta posterior,
    rsample-free ELBO terms by analytic kl_divergence (Gamma, Beta, Dirichlet, Laplace,
    MultivariateNormal with a precision matrix, Independent Normals), log_prob of each
    family, and the gradients of their sum in the variational parameters."""
    D = torch.distributions
    loc = torch.tensor([0.2, -0.3], requires_grad=True)
    log_scale = torch.tensor([0.1, -0.2], requires_grad=True)
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    q = D.TransformedDistribution(D.Normal(loc, log_scale.exp()), [D.transforms.ExpTransform()])
    beta = D.Beta(a, a.flip(0))
    precision = torch.tensor([[2.0, 0.5], [0.5, 1.0]])
    terms = {
        "lognormal": q.log_prob(torch.tensor([0.5, 2.0])).sum(),
        "beta": beta.log_prob(torch.tensor([0.3, 0.6])).sum() + beta.entropy().sum(),
        "kl gamma": D.kl_divergence(D.Gamma(a, a.flip(0)), D.Gamma(torch.ones(2), 1.0)).sum(),
        "kl beta": D.kl_divergence(beta, D.Beta(torch.ones(2), torch.ones(2))).sum(),
        "kl dirichlet": D.kl_divergence(D.Dirichlet(a), D.Dirichlet(torch.ones(2) * 2)),
        "kl laplace": D.kl_divergence(D.Laplace(loc, log_scale.exp()), D.Laplace(0.0, 1.0)).sum(),
        "kl mvn": D.kl_divergence(
            D.MultivariateNormal(loc, precision_matrix=precision),
            D.MultivariateNormal(torch.zeros(2), torch.eye(2)),
        ),
        "kl independent": D.kl_divergence(
            D.Independent(D.Normal(loc, log_scale.exp()), 1),
            D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1),
        ),
    }
    sum(terms.values()).backward()
    return {
        "terms": {k: v.item() for k, v in terms.items()},
        "grads": {
            "loc": loc.grad.numpy(),
            "log_scale": log_scale.grad.numpy(),
            "a": a.grad.numpy(),
        },
        "lognormal mean": D.LogNormal(loc, log_scale.exp()).mean.detach().numpy(),
    }


def tabular_preprocessing_with_tensor_ops(torch, init):
    """Preprocessing a tabular column as the data tutorials do it in tensors: bucketize into
    quantile bins (torch.quantile, right=True), histc counts, unique with inverse indices and
    counts as a vocabulary, searchsorted of new values, one_hot of the codes, a standardised
    column with std(correction=0), and nan_to_num of missing values."""
    F = torch.nn.functional
    ages = torch.tensor([23.0, 35.0, float("nan"), 52.0, 41.0, 35.0, 67.0, 29.0])
    filled = torch.nan_to_num(ages, nan=float(ages[~ages.isnan()].median()))
    edges = torch.quantile(filled, torch.tensor([0.25, 0.5, 0.75]))
    bins = torch.bucketize(filled, edges, right=True)
    cities = torch.tensor([3, 1, 3, 2, 1, 3, 5, 2])
    vocab, codes, counts = torch.unique(cities, return_inverse=True, return_counts=True)
    standard = (filled - filled.mean()) / filled.std(correction=0)
    return {
        "filled": filled.numpy(),
        "edges": edges.numpy(),
        "bins": [bins.tolist(), _dtype(bins)],
        "histc": torch.histc(filled, bins=4, min=20, max=70).numpy(),
        "vocab": [vocab.tolist(), codes.tolist(), counts.tolist()],
        "lookup": torch.searchsorted(vocab, torch.tensor([2, 5, 4])).tolist(),
        "one hot": F.one_hot(codes, num_classes=len(vocab)).numpy(),
        "standard": standard.numpy(),
    }


PROGRAMS = [
    tensors_page_out_arguments_and_numpy_bridge,
    transforms_page_one_hot_lambda_with_scatter,
    build_model_page_printed_model_and_parameters,
    autograd_page_grad_fn_detach_and_accumulation,
    optimization_page_loops_with_printed_losses,
    save_load_page_state_dict_and_eval,
    autograd_functional_jacobian_hessian_vjp_jvp_hvp,
    torch_func_transforms_with_options,
    einsum_attention_and_its_spellings,
    multihead_attention_masks_and_weights,
    embedding_padding_idx_pretrained_and_bag,
    packed_bidirectional_two_layer_lstm,
    distributions_reparameterisation_entropy_and_kl,
    buffers_moving_with_to_and_persistence,
    manual_seed_reproducibility_between_runs,
    tiny_character_gpt_with_causal_mask,
    data_page_dict_samples_collated,
    spatial_transformer_with_border_padding,
    parametrized_layers_train_and_save,
    loss_functions_beyond_cross_entropy,
    scheduler_chains_printed_per_epoch,
    transformer_pre_norm_gelu_with_every_mask,
    video_conv3d_with_cumulative_batchnorm,
    variational_posterior_with_transformed_distributions,
    tabular_preprocessing_with_tensor_ops,
]

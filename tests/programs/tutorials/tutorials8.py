"""Programs as students copy them (round 8): the courses not yet run here, as their notebooks
write them (Karpathy's makemore, micrograd and "Let's build GPT", fast.ai's MNIST basics and
matmul-from-scratch lessons, CS231n's assignments, d2l's attention and BERT chapters), and
research-code and blog recipes (energy-based models, graph attention, deep sets, Bayes by
backprop, CLIP, quantile and heteroscedastic regression, survival analysis, calibration,
Gumbel-softmax, hypernetworks, SIREN, MADE, ranking losses, multi-label training, robust
regression, k-fold cross-validation, gradual unfreezing, ConvNeXt blocks, conditional GANs,
denoising autoencoders, distillation with log targets, the ImageNet example's evaluation)
and torch.compile as the PyTorch 2 tutorials use it. Each is a function of the library
(`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py): `init`
hands minigrad PyTorch's random values, data come from NumPy, and what stays random is
compared by its properties."""

from __future__ import annotations

import numpy as np
from tutorials7 import _randn

NAMES = [
    "emma",
    "olivia",
    "ava",
    "isabella",
    "sophia",
    "charlotte",
    "mia",
    "amelia",
    "harper",
    "evelyn",
    "abigail",
    "emily",
    "elizabeth",
    "mila",
    "ella",
    "avery",
    "sofia",
    "camila",
    "aria",
    "scarlett",
    "victoria",
    "madison",
    "luna",
    "grace",
    "chloe",
    "penelope",
    "layla",
    "riley",
    "zoey",
    "nora",
    "lily",
    "eleanor",
    "hannah",
    "lillian",
    "addison",
    "aubrey",
    "ellie",
    "stella",
]


def _vocab(words):
    """makemore's character table: '.' is 0 (start and end), the letters follow."""
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


def _build_dataset(torch, words, stoi, block_size):
    """makemore's contexts of block_size characters and the next character."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def makemore_bigram_counts(torch, init):
    """makemore part 1: a bigram count matrix filled by `N[ix1, ix2] += 1` on an int32
    tensor, smoothed probabilities `(N + 1).float()` normalised in place with keepdims, the
    average negative log-likelihood of the names, a draw from torch.multinomial with a seeded
    Generator (compared by its properties); then the neural bigram: F.one_hot inputs, the
    softmax written out (`logits.exp()`), the loss by `probs[torch.arange(num), ys]` with a
    regulariser, and updates through `W.data += -50 * W.grad`."""
    F = torch.nn.functional
    words = NAMES
    stoi, itos = _vocab(words)
    V = len(stoi)
    N = torch.zeros((V, V), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            logprob = torch.log(P[stoi[ch1], stoi[ch2]])
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    g = torch.Generator().manual_seed(2147483647)
    draws = torch.multinomial(P[0], num_samples=20, replacement=True, generator=g)
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs = torch.tensor(xs)
    ys = torch.tensor(ys)
    num = xs.nelement()
    W = init(torch.randn((V, V), generator=g, requires_grad=True))
    xenc = F.one_hot(xs, num_classes=V).float()
    losses = []
    for _ in range(15):
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
    return {
        "N": [N.dtype == torch.int32, N.sum().item(), N[0].tolist(), N[:, 0].tolist()],
        "most_common": [itos[i] for i in N[0].sort(descending=True, stable=True)[1][:3].tolist()],
        "P_rows": [P.sum(1).tolist(), P[stoi["a"]].tolist()],
        "nll": [nll.item(), (nll / n).item(), n],
        "draws": [list(draws.shape), draws.dtype == torch.int64, draws.min().item() >= 0],
        "draws_in_vocab": draws.max().item() < V,
        "xenc": [list(xenc.shape), xenc.dtype == torch.float32, xenc.sum().item()],
        "losses": losses,
    }


def makemore_mlp_embeddings(torch, init):
    """makemore part 2 (Bengio et al.'s MLP): contexts of three characters, a lookup table
    `C[Xtr[ix]]` of shape (32, 3, 2), `emb.view(-1, 6)` against torch.cat(torch.unbind(emb,
    1), 1), tanh hidden layer, F.cross_entropy, parameters made with torch.randn(generator=g)
    and requires_grad set in a loop, the learning rates of `10 ** torch.linspace(-3, 0, 1000)`,
    minibatches by index, a step decay, the split losses under @torch.no_grad(), greedy
    sampling by argmax."""
    F = torch.nn.functional
    stoi, itos = _vocab(NAMES)
    V = len(stoi)
    n1 = int(0.8 * len(NAMES))
    Xtr, Ytr = _build_dataset(torch, NAMES[:n1], stoi, 3)
    Xdev, Ydev = _build_dataset(torch, NAMES[n1:], stoi, 3)
    g = torch.Generator().manual_seed(2147483647)
    C = init(torch.randn((V, 2), generator=g))
    W1 = init(torch.randn((6, 40), generator=g))
    b1 = init(torch.randn(40, generator=g))
    W2 = init(torch.randn((40, V), generator=g))
    b2 = init(torch.randn(V, generator=g))
    parameters = [C, W1, b1, W2, b2]
    n_params = sum(p.nelement() for p in parameters)
    for p in parameters:
        p.requires_grad = True
    lre = torch.linspace(-3, 0, 1000)
    lrs = 10**lre
    emb = C[Xtr[:32]]
    unbound = torch.cat(torch.unbind(emb, 1), 1)
    same_view = torch.equal(emb.view(32, 6), unbound)
    batches = np.random.default_rng(2).integers(0, Xtr.shape[0], (30, 32))
    losses = []
    for i in range(30):
        ix = torch.tensor(batches[i])
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 20 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())

    @torch.no_grad()
    def split_loss(x, y):
        emb = C[x]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        return F.cross_entropy(h @ W2 + b2, y).item()

    out = []
    context = [0] * 3
    with torch.no_grad():
        for _ in range(6):
            h = torch.tanh(C[torch.tensor([context])].view(1, -1) @ W1 + b1)
            ix = torch.argmax(h @ W2 + b2, dim=1).item()
            context = context[1:] + [ix]
            out.append(itos[ix])
    return {
        "shapes": [list(Xtr.shape), list(Ydev.shape), list(emb.shape), n_params, same_view],
        "lrs": [lrs[0].item(), lrs[500].item(), lrs[-1].item()],
        "losses": losses,
        "splits": [split_loss(Xtr, Ytr), split_loss(Xdev, Ydev)],
        "greedy": "".join(out),
        "C": C.tolist(),
    }


def makemore_batchnorm_by_hand(torch, init):
    """makemore part 3: Kaiming-scaled weights `* (5/3) / (fan_in ** 0.5)`, a batch norm
    written out with bngain, bnbias and running statistics updated under no_grad, the tanh
    saturation `(h.abs() > 0.97).float().mean()`, torch.histc of the activations, the
    update-to-data ratios `((lr * p.grad).std() / p.data.std()).log10()`, and the statistics
    calibrated over the whole training set afterwards, against the running ones."""
    F = torch.nn.functional
    stoi, _ = _vocab(NAMES)
    V = len(stoi)
    Xtr, Ytr = _build_dataset(torch, NAMES, stoi, 3)
    n_embd, n_hidden = 4, 32
    g = torch.Generator().manual_seed(2147483647)
    C = init(torch.randn((V, n_embd), generator=g))
    W1 = init(torch.randn((n_embd * 3, n_hidden), generator=g)) * (5 / 3) / ((n_embd * 3) ** 0.5)
    W2 = init(torch.randn((n_hidden, V), generator=g)) * 0.01
    b2 = torch.zeros(V)
    bngain = torch.ones((1, n_hidden))
    bnbias = torch.zeros((1, n_hidden))
    bnmean_running = torch.zeros((1, n_hidden))
    bnstd_running = torch.ones((1, n_hidden))
    parameters = [C, W1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    batches = np.random.default_rng(3).integers(0, Xtr.shape[0], (20, 32))
    lossi, saturation, ud = [], [], []
    for i in range(20):
        ix = torch.tensor(batches[i])
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hpreact = embcat @ W1
        bnmeani = hpreact.mean(0, keepdim=True)
        bnstdi = hpreact.std(0, keepdim=True)
        hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
        with torch.no_grad():
            bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
            bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
        saturation.append((h.abs() > 0.97).float().mean().item())
        with torch.no_grad():
            ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])
    with torch.no_grad():
        emb = C[Xtr]
        hpreact = emb.view(emb.shape[0], -1) @ W1
        bnmean = hpreact.mean(0, keepdim=True)
        bnstd = hpreact.std(0, keepdim=True)
        hist = torch.histc(h, bins=10, min=-1, max=1)
    return {
        "lossi": lossi,
        "saturation": saturation,
        "ud": ud,
        "hist": hist.tolist(),
        "running": [bnmean_running.tolist(), bnstd_running.tolist()],
        "calibrated": [bnmean.tolist(), bnstd.tolist()],
    }


def backprop_ninja(torch, init):
    """makemore part 4 ("becoming a backprop ninja"): the forward pass cut into atoms
    (logit_maxes, counts_sum_inv, bnvar_inv, ...) with retain_grad on each, every gradient
    derived by hand (the max's by F.one_hot of `logits.max(1).indices`, the embedding's by a
    loop of `dC[ix] += demb[k, j]`), compared with autograd by torch.allclose and the largest
    difference; then the fused cross-entropy backward (softmax minus one, over n) and the
    fused batch-norm backward in one line."""
    F = torch.nn.functional
    stoi, _ = _vocab(NAMES)
    V = len(stoi)
    Xtr, Ytr = _build_dataset(torch, NAMES, stoi, 3)
    n_embd, n_hidden, n = 5, 24, 16
    g = torch.Generator().manual_seed(2147483647)
    C = init(torch.randn((V, n_embd), generator=g))
    W1 = init(torch.randn((n_embd * 3, n_hidden), generator=g)) * (5 / 3) / ((n_embd * 3) ** 0.5)
    b1 = init(torch.randn(n_hidden, generator=g)) * 0.1
    W2 = init(torch.randn((n_hidden, V), generator=g)) * 0.1
    b2 = init(torch.randn(V, generator=g)) * 0.1
    bngain = init(torch.randn((1, n_hidden))) * 0.1 + 1.0
    bnbias = init(torch.randn((1, n_hidden))) * 0.1
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    ix = torch.tensor(np.random.default_rng(4).integers(0, Xtr.shape[0], n))
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    for p in parameters:
        p.grad = None
    for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes,
              logits, h, hpreact, bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
              embcat, emb]:  # fmt: skip
        t.retain_grad()
    loss.backward()

    dlogprobs = torch.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-(counts_sum**-2)) * dcounts_sum_inv
    dcounts += torch.ones_like(counts) * dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.clone()
    dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
    dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnraw = bngain * dhpreact
    dbnbias = dhpreact.sum(0, keepdim=True)
    dbndiff = bnvar_inv * dbnraw
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
    dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
    dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
    dbndiff += (2 * bndiff) * dbndiff2
    dhprebn = dbndiff.clone()
    dbnmeani = (-dbndiff).sum(0)
    dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]

    def cmp(dt, t):
        app = torch.allclose(dt, t.grad, rtol=1e-4, atol=1e-6)
        maxdiff = (dt - t.grad).abs().max().item()
        return [app, maxdiff < 1e-5]

    checks = {
        "logprobs": cmp(dlogprobs, logprobs),
        "counts_sum_inv": cmp(dcounts_sum_inv, counts_sum_inv),
        "logit_maxes": cmp(dlogit_maxes, logit_maxes),
        "logits": cmp(dlogits, logits),
        "bnvar": cmp(dbnvar, bnvar),
        "hprebn": cmp(dhprebn, hprebn),
        "W1": cmp(dW1, W1),
        "b1": cmp(db1, b1),
        "W2": cmp(dW2, W2),
        "b2": cmp(db2, b2),
        "bngain": cmp(dbngain, bngain),
        "bnbias": cmp(dbnbias, bnbias),
        "C": cmp(dC, C),
    }
    fused_dlogits = F.softmax(logits, 1)
    fused_dlogits[range(n), Yb] -= 1
    fused_dlogits /= n
    fused_dhprebn = (
        bngain
        * bnvar_inv
        / n
        * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    )
    return {
        "loss": [loss.item(), F.cross_entropy(logits, Yb).item()],
        "checks": checks,
        "fused": [cmp(fused_dlogits.detach(), logits), cmp(fused_dhprebn.detach(), hprebn)],
        "grads": [dC.tolist(), dW1.detach().tolist(), dbngain.detach().tolist()],
        "logit_maxes_grad": logit_maxes.grad.abs().max().item() < 1e-6,
    }


def makemore_wavenet_flatten_consecutive(torch, init):
    """makemore part 5: Karpathy's own torch.nn-like classes (Linear, BatchNorm1d over dims
    (0, 1) of a 3-D input with running statistics, Tanh, Embedding, FlattenConsecutive,
    Sequential, each a plain Python class with __call__ and parameters()), a hierarchical
    WaveNet-style model over contexts of 8 characters, the last layer scaled down under
    no_grad, a few SGD steps, each layer's output shape, and evaluation with training off."""
    F = torch.nn.functional

    class Linear:
        def __init__(self, fan_in, fan_out, bias=True):
            self.weight = init(torch.randn((fan_in, fan_out))) / fan_in**0.5
            self.bias = torch.zeros(fan_out) if bias else None

        def __call__(self, x):
            self.out = x @ self.weight
            if self.bias is not None:
                self.out += self.bias
            return self.out

        def parameters(self):
            return [self.weight] + ([] if self.bias is None else [self.bias])

    class BatchNorm1d:
        def __init__(self, dim, eps=1e-5, momentum=0.1):
            self.eps = eps
            self.momentum = momentum
            self.training = True
            self.gamma = torch.ones(dim)
            self.beta = torch.zeros(dim)
            self.running_mean = torch.zeros(dim)
            self.running_var = torch.ones(dim)

        def __call__(self, x):
            if self.training:
                dim = 0 if x.ndim == 2 else (0, 1)
                xmean = x.mean(dim, keepdim=True)
                xvar = x.var(dim, keepdim=True)
            else:
                xmean = self.running_mean
                xvar = self.running_var
            xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
            self.out = self.gamma * xhat + self.beta
            if self.training:
                with torch.no_grad():
                    m = self.momentum
                    self.running_mean = (1 - m) * self.running_mean + m * xmean.squeeze()
                    self.running_var = (1 - m) * self.running_var + m * xvar.squeeze()
            return self.out

        def parameters(self):
            return [self.gamma, self.beta]

    class Tanh:
        def __call__(self, x):
            self.out = torch.tanh(x)
            return self.out

        def parameters(self):
            return []

    class Embedding:
        def __init__(self, num_embeddings, embedding_dim):
            self.weight = init(torch.randn((num_embeddings, embedding_dim)))

        def __call__(self, IX):
            self.out = self.weight[IX]
            return self.out

        def parameters(self):
            return [self.weight]

    class FlattenConsecutive:
        def __init__(self, n):
            self.n = n

        def __call__(self, x):
            B, T, C = x.shape
            x = x.view(B, T // self.n, C * self.n)
            if x.shape[1] == 1:
                x = x.squeeze(1)
            self.out = x
            return self.out

        def parameters(self):
            return []

    class Sequential:
        def __init__(self, layers):
            self.layers = layers

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            self.out = x
            return self.out

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    stoi, _ = _vocab(NAMES)
    V = len(stoi)
    Xtr, Ytr = _build_dataset(torch, NAMES, stoi, 8)
    n_embd, n_hidden = 6, 16
    model = Sequential([
        Embedding(V, n_embd),
        FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden),
        Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False),
        BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False),
        BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, V),
    ])  # fmt: skip
    with torch.no_grad():
        model.layers[-1].weight *= 0.1
    parameters = model.parameters()
    for p in parameters:
        p.requires_grad = True
    batches = np.random.default_rng(5).integers(0, Xtr.shape[0], (12, 16))
    lossi = []
    for i in range(12):
        ix = torch.tensor(batches[i])
        logits = model(Xtr[ix])
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -0.1 * p.grad
        lossi.append(loss.item())
    shapes = [[layer.__class__.__name__, list(layer.out.shape)] for layer in model.layers]
    for layer in model.layers:
        layer.training = False
    with torch.no_grad():
        eval_loss = F.cross_entropy(model(Xtr), Ytr).item()
    return {
        "n_params": sum(p.nelement() for p in parameters),
        "lossi": lossi,
        "shapes": shapes,
        "eval_loss": eval_loss,
        "running": [model.layers[3].running_mean.tolist(), model.layers[3].running_var.tolist()],
    }


def gpt_self_attention_averaging_trick(torch, init):
    """ "Let's build GPT": the mathematical trick in self-attention three ways (a double loop
    of torch.mean over x[b, :t + 1], a normalised tril matrix, masked_fill of -inf then
    softmax) compared by torch.allclose; one head of self-attention with key, query and value
    Linears and the head_size ** -0.5 scaling (the variances with and without it); then the
    bigram language model (logits.view(B * T, C), get_batch by torch.stack of slices, AdamW,
    estimate_loss under @torch.no_grad() with model.eval()/train()) and generate() by
    torch.multinomial, compared by its shape and prefix."""
    nn = torch.nn
    F = nn.functional
    B, T, C = 4, 8, 2
    x = _randn(torch, (B, T, C), 6)
    xbow = torch.zeros((B, T, C))
    for b in range(B):
        for t in range(T):
            xprev = x[b, : t + 1]
            xbow[b, t] = torch.mean(xprev, 0)
    wei = torch.tril(torch.ones(T, T))
    wei = wei / wei.sum(1, keepdim=True)
    xbow2 = wei @ x
    tril = torch.tril(torch.ones(T, T))
    wei = torch.zeros((T, T))
    wei = wei.masked_fill(tril == 0, float("-inf"))
    wei = F.softmax(wei, dim=-1)
    xbow3 = wei @ x
    B, T, C = 4, 8, 32
    x = _randn(torch, (B, T, C), 7)
    head_size = 16
    key = init(nn.Linear(C, head_size, bias=False))
    query = init(nn.Linear(C, head_size, bias=False))
    value = init(nn.Linear(C, head_size, bias=False))
    k = key(x)
    q = query(x)
    raw = q @ k.transpose(-2, -1)
    wei = raw * head_size**-0.5
    wei = wei.masked_fill(tril == 0, float("-inf"))
    wei = F.softmax(wei, dim=-1)
    out = wei @ value(x)
    out.sum().backward()

    text = "hello world, the quick brown fox jumps over the lazy dog. " * 4
    chars = sorted(set(text))
    vocab_size = len(chars)
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}

    def encode(s):
        return [stoi[c] for c in s]

    def decode(ids):
        return "".join(itos[i] for i in ids)

    data = torch.tensor(encode(text), dtype=torch.long)
    n = int(0.9 * len(data))
    train_data, val_data = data[:n], data[n:]
    block_size, batch_size = 8, 4
    rng = np.random.default_rng(8)

    def get_batch(split):
        data = train_data if split == "train" else val_data
        ix = rng.integers(0, len(data) - block_size, batch_size).tolist()
        x = torch.stack([data[i : i + block_size] for i in ix])
        y = torch.stack([data[i + 1 : i + block_size + 1] for i in ix])
        return x, y

    class BigramLanguageModel(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

        def forward(self, idx, targets=None):
            logits = self.token_embedding_table(idx)
            if targets is None:
                loss = None
            else:
                B, T, C = logits.shape
                logits = logits.view(B * T, C)
                targets = targets.view(B * T)
                loss = F.cross_entropy(logits, targets)
            return logits, loss

        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                logits, loss = self(idx)
                logits = logits[:, -1, :]
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    m = init(BigramLanguageModel(vocab_size))
    optimizer = torch.optim.AdamW(m.parameters(), lr=1e-2)

    @torch.no_grad()
    def estimate_loss():
        out = {}
        m.eval()
        for split in ["train", "val"]:
            losses = torch.zeros(3)
            for k in range(3):
                X, Y = get_batch(split)
                _, loss = m(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean().item()
        m.train()
        return out

    history = []
    for it in range(20):
        if it % 10 == 0:
            history.append(estimate_loss())
        xb, yb = get_batch("train")
        logits, loss = m(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    context = torch.zeros((1, 1), dtype=torch.long)
    generated = m.generate(context, max_new_tokens=10)[0].tolist()
    return {
        "trick": [torch.allclose(xbow, xbow2), torch.allclose(xbow, xbow3), xbow3.tolist()],
        "head": [list(out.shape), out[0].tolist(), wei[0, -1].tolist()],
        "variances": [k.var().item(), q.var().item(), raw.var().item(), (raw * 0.25).var().item()],
        "grads": key.weight.grad.tolist(),
        "history": history,
        "generated": [len(generated), generated[0], len(decode(generated))],
    }


PROGRAMS = [
    makemore_bigram_counts,
    makemore_mlp_embeddings,
    makemore_batchnorm_by_hand,
    backprop_ninja,
    makemore_wavenet_flatten_consecutive,
    gpt_self_attention_averaging_trick,
]

"""Programs as students copy them (round 8, 63 programs): the courses not yet run here, as
their notebooks write them (Karpathy's makemore, micrograd and "Let's build GPT", fast.ai's
MNIST basics and matmul-from-scratch lessons, CS231n's assignments, d2l's attention, seq2seq
and BERT chapters), PyTorch's own examples and tutorials (the ImageNet example's meters, the
DCGAN tutorial on 8x8 digits, torch.compile as the PyTorch 2 tutorials use it, a tensor lr
with schedulers), and research-code and blog recipes (energy-based models, graph attention,
deep sets, Bayes by backprop, CLIP, quantile, heteroscedastic and robust regression, survival
analysis, calibration, Gumbel-softmax, hypernetworks, SIREN, MADE, NeuMF, ranking losses,
multi-label training, k-fold cross-validation, gradual unfreezing, ConvNeXt, ResNet and
U-Net blocks, conditional GANs, denoising autoencoders, distillation with log targets,
gradient accumulation, beam search, guided diffusion's losses, MAP estimation with priors).
Each is a function of the library (`torch` is PyTorch or minigrad) and of `init` (see
tests/programs/conftest.py): `init` hands minigrad PyTorch's random values, data come from
NumPy, and what stays random is compared by its properties."""

from __future__ import annotations

import copy
import math

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
    """Karpathy's "Let's build GPT": the mathematical trick in self-attention three ways (a
    double loop of torch.mean over x[b, :t + 1], a normalised tril matrix, masked_fill of -inf then
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


def _moons(n, seed, noise=0.1):
    """Two interleaving half circles, as sklearn's make_moons draws them."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], 1) + rng.normal(0, noise, (n, 2))
    return X.astype(np.float32), upper.astype(np.int64)


def micrograd_moons_max_margin(torch, init):
    """micrograd's demo notebook written in PyTorch: an MLP of two hidden layers on the moons
    with labels -1/+1, the SVM max-margin loss `(1 + -yb * scores).relu().mean()`, an L2 term
    `alpha * sum((p * p).sum() for p in model.parameters())`, the accuracy as
    `((yb > 0) == (scores > 0))`, a decaying learning rate `1.0 - 0.9 * k / 100` applied
    through p.data, and the decision over a meshgrid."""
    nn = torch.nn
    X, y = _moons(60, 9)
    X = torch.from_numpy(X)
    yb = torch.from_numpy(y * 2 - 1).float()
    model = init(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                               nn.Linear(16, 1)))  # fmt: skip

    def loss():
        scores = model(X).squeeze(1)
        losses = (1 + -yb * scores).relu()
        data_loss = losses.mean()
        alpha = 1e-4
        reg_loss = alpha * sum((p * p).sum() for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = ((yb > 0) == (scores > 0)).float().mean()
        return total_loss, accuracy

    history = []
    for k in range(20):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 0.5 * (1.0 - 0.9 * k / 100)
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append([total_loss.item(), acc.item()])
    xx, yy = torch.meshgrid(torch.arange(-1.0, 2.0, 0.5), torch.arange(-1.0, 1.5, 0.5),
                            indexing="ij")  # fmt: skip
    grid = torch.stack([xx.flatten(), yy.flatten()], 1)
    with torch.no_grad():
        scores = model(grid)
    Z = (scores > 0).reshape(xx.shape)
    return {"history": history, "scores": scores.flatten().tolist(), "Z": Z.tolist()}


def _digit_images(label, n, offset=0):
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images[digits.target == label][offset : offset + n] / 16.0).astype(np.float32)


def fastai_mnist_basics(torch, init):
    """fast.ai's "Under the hood: training a digit classifier" on 8x8 threes and sevens: the
    ideal digits by torch.stack(...).mean(0), L1 and RMSE distances (and F.l1_loss,
    F.mse_loss), mnist_distance broadcasting over a stack `(a - b).abs().mean((-1, -2))`,
    is_3, init_params `(torch.randn(size) * std).requires_grad_()`, linear1, mnist_loss by
    torch.where, a DataLoader over `list(zip(x, y))`, train_epoch through p.data and
    grad.zero_(), batch_accuracy and validate_epoch with round(); then a BasicOptim class
    over nn.Linear, and a simple net with SGD."""
    nn = torch.nn
    F = nn.functional
    DataLoader = torch.utils.data.DataLoader
    threes, sevens = _digit_images(3, 40), _digit_images(7, 40)
    three_tensors = [torch.tensor(img) for img in threes]
    seven_tensors = [torch.tensor(img) for img in sevens]
    stacked_threes = torch.stack(three_tensors[:30]).float()
    stacked_sevens = torch.stack(seven_tensors[:30]).float()
    mean3 = stacked_threes.mean(0)
    mean7 = stacked_sevens.mean(0)
    a_3 = stacked_threes[1]
    dist_3_abs = (a_3 - mean3).abs().mean()
    dist_3_sqr = ((a_3 - mean3) ** 2).mean().sqrt()
    dists = [F.l1_loss(a_3.float(), mean7).item(), F.mse_loss(a_3, mean7).sqrt().item()]
    valid_3_tens = torch.stack(three_tensors[30:])
    valid_7_tens = torch.stack(seven_tensors[30:])

    def mnist_distance(a, b):
        return (a - b).abs().mean((-1, -2))

    def is_3(x):
        return mnist_distance(x, mean3) < mnist_distance(x, mean7)

    accuracy_3s = is_3(valid_3_tens).float().mean()
    accuracy_7s = (1 - is_3(valid_7_tens).float()).mean()
    train_x = torch.cat([stacked_threes, stacked_sevens]).view(-1, 8 * 8)
    train_y = torch.tensor([1] * 30 + [0] * 30).unsqueeze(1)
    valid_x = torch.cat([valid_3_tens, valid_7_tens]).view(-1, 8 * 8)
    valid_y = torch.tensor([1] * 10 + [0] * 10).unsqueeze(1)
    dset = list(zip(train_x, train_y))
    valid_dset = list(zip(valid_x, valid_y))
    dl = DataLoader(dset, batch_size=16)
    valid_dl = DataLoader(valid_dset, batch_size=8)

    def init_params(size, std=1.0):
        return (torch.randn(size) * std).requires_grad_()

    weights = init(init_params((8 * 8, 1)))
    bias = init(init_params(1))

    def linear1(xb):
        return xb @ weights + bias

    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return torch.where(targets == 1, 1 - predictions, predictions).mean()

    def calc_grad(xb, yb, model):
        preds = model(xb)
        loss = mnist_loss(preds, yb)
        loss.backward()

    def train_epoch(model, lr, params):
        for xb, yb in dl:
            calc_grad(xb, yb, model)
            for p in params:
                p.data -= p.grad * lr
                p.grad.zero_()

    def batch_accuracy(xb, yb):
        preds = xb.sigmoid()
        correct = (preds > 0.5) == yb
        return correct.float().mean()

    def validate_epoch(model):
        accs = [batch_accuracy(model(xb), yb) for xb, yb in valid_dl]
        return round(torch.stack(accs).mean().item(), 4)

    log = [validate_epoch(linear1)]
    for _ in range(3):
        train_epoch(linear1, 1.0, (weights, bias))
        log.append(validate_epoch(linear1))

    class BasicOptim:
        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def step(self, *args, **kwargs):
            for p in self.params:
                p.data -= p.grad.data * self.lr

        def zero_grad(self, *args, **kwargs):
            for p in self.params:
                p.grad = None

    linear_model = init(nn.Linear(8 * 8, 1))
    opt = BasicOptim(linear_model.parameters(), 1.0)
    for _ in range(2):
        for xb, yb in dl:
            calc_grad(xb, yb, linear_model)
            opt.step()
            opt.zero_grad()
        log.append(validate_epoch(linear_model))
    simple_net = init(nn.Sequential(nn.Linear(64, 30), nn.ReLU(), nn.Linear(30, 1)))
    opt = torch.optim.SGD(simple_net.parameters(), lr=0.5)
    for _ in range(2):
        for xb, yb in dl:
            calc_grad(xb, yb, simple_net)
            opt.step()
            opt.zero_grad()
        log.append(validate_epoch(simple_net))
    return {
        "distances": [dist_3_abs.item(), dist_3_sqr.item(), dists],
        "valid_dist": mnist_distance(valid_3_tens, mean3).tolist(),
        "accuracy": [accuracy_3s.item(), accuracy_7s.item()],
        "log": log,
        "weights": [weights.flatten().tolist(), bias.item()],
        "net": simple_net[2].weight.tolist(),
    }


def matmul_from_loops_to_einsum(torch, init):
    """fast.ai part 2's matrix multiplication lesson: a triple Python loop with `c[i, j] +=
    a[i, k] * b[k, j]`, then the inner loop replaced by an elementwise product and sum, then
    by broadcasting one row `(a[i, :, None] * b).sum(dim=0)`, then the whole product by
    broadcasting and by torch.einsum, each checked by torch.allclose; broadcasting rules
    (expand_as and its stride of 0, c[None, :] and c[:, None]); then why initialisation
    matters: the mean and std of activations through ten layers scaled by 1, by 0.01, by
    sqrt(1 / n), and with ReLU by Kaiming's sqrt(2 / n)."""
    a = _randn(torch, (5, 12), 10)
    b = _randn(torch, (12, 4), 11)

    def matmul(a, b):
        (ar, ac), (_, bc) = a.shape, b.shape
        c = torch.zeros(ar, bc)
        for i in range(ar):
            for j in range(bc):
                for k in range(ac):
                    c[i, j] += a[i, k] * b[k, j]
        return c

    def matmul2(a, b):
        c = torch.zeros(a.shape[0], b.shape[1])
        for i in range(a.shape[0]):
            for j in range(b.shape[1]):
                c[i, j] = (a[i, :] * b[:, j]).sum()
        return c

    def matmul3(a, b):
        c = torch.zeros(a.shape[0], b.shape[1])
        for i in range(a.shape[0]):
            c[i] = (a[i, :, None] * b).sum(dim=0)
        return c

    def matmul4(a, b):
        return (a[..., None] * b[None]).sum(1)

    reference = a @ b
    results = [matmul(a, b), matmul2(a, b), matmul3(a, b), matmul4(a, b)]
    results.append(torch.einsum("ik,kj->ij", a, b))
    c = torch.tensor([10.0, 20, 30])
    m = torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    t = c.expand_as(m)
    stats = {}
    x0 = _randn(torch, (50, 40), 12)
    for name, scale, relu in [("one", 1.0, False), ("small", 0.01, False),
                              ("xavier", math.sqrt(1 / 40), False),
                              ("kaiming", math.sqrt(2 / 40), True)]:  # fmt: skip
        x = x0
        for layer in range(10):
            x = x @ (_randn(torch, (40, 40), 100 + layer) * scale)
            if relu:
                x = x.relu()
        stats[name] = [x.mean().item(), x.std().item()]
    return {
        "close": [torch.allclose(r, reference, atol=1e-5) for r in results],
        "values": reference.tolist(),
        "broadcast": [(m + c).tolist(), t.tolist(), list(t.stride()), (c[:, None] * m).tolist()],
        "shapes": [list(c[None, :].shape), list(c[:, None].shape), (c[None] * c[:, None]).tolist()],
        "stats": stats,
    }


def cs231n_svm_and_softmax_vectorized(torch, init):
    """CS231n assignment 1 in PyTorch: the multiclass SVM loss naive (loops over examples and
    classes) and vectorized (`margins = (scores - correct[:, None] + 1).clamp(min=0)`, the
    correct class zeroed through `margins[torch.arange(N), y] = 0`), its gradient by hand
    (`binary[torch.arange(N), y] = -binary.sum(1)`, X.T @ binary / N + 2 reg W) against
    autograd; the softmax loss with the max subtracted, its gradient `dscores = probs;
    dscores[range(N), y] -= 1`; a few steps of the LinearClassifier's SGD on minibatches."""
    N, D, Cn = 20, 10, 4
    X = _randn(torch, (N, D), 13)
    y = torch.from_numpy(np.random.default_rng(14).integers(0, Cn, N))
    W = init(torch.randn(D, Cn) * 0.01)
    reg = 0.1

    def svm_loss_naive(W):
        loss = 0.0
        for i in range(N):
            scores = X[i] @ W
            correct = scores[y[i]]
            for j in range(Cn):
                if j == y[i]:
                    continue
                margin = scores[j] - correct + 1
                if margin > 0:
                    loss += margin
        return loss / N + reg * torch.sum(W * W)

    def svm_loss_vectorized(W):
        scores = X @ W
        correct = scores[torch.arange(N), y]
        margins = (scores - correct[:, None] + 1).clamp(min=0)
        margins[torch.arange(N), y] = 0
        loss = margins.sum() / N + reg * (W * W).sum()
        binary = (margins > 0).float()
        binary[torch.arange(N), y] = -binary.sum(1)
        dW = X.T @ binary / N + 2 * reg * W
        return loss, dW

    def softmax_loss_vectorized(W):
        scores = X @ W
        scores = scores - scores.max(dim=1, keepdim=True).values
        probs = scores.exp() / scores.exp().sum(dim=1, keepdim=True)
        loss = -probs[range(N), y].log().mean() + reg * (W * W).sum()
        dscores = probs.clone()
        dscores[range(N), y] -= 1
        dW = X.T @ dscores / N + 2 * reg * W
        return loss, dW

    naive = svm_loss_naive(W)
    loss, dW = svm_loss_vectorized(W)
    Wg = W.clone().requires_grad_(True)
    svm_loss_vectorized(Wg)[0].backward()
    svm_grad = Wg.grad.clone()
    Wg.grad = None
    sloss, sdW = softmax_loss_vectorized(Wg)
    sloss.backward()
    W_train = W.clone()
    batches = np.random.default_rng(15).integers(0, N, (5, 8))
    history = []
    for it in range(5):
        idx = torch.from_numpy(batches[it])
        scores = X[idx] @ W_train
        margins = (scores - scores[torch.arange(8), y[idx]][:, None] + 1).clamp(min=0)
        margins[torch.arange(8), y[idx]] = 0
        binary = (margins > 0).float()
        binary[torch.arange(8), y[idx]] = -binary.sum(1)
        W_train -= 1e-1 * (X[idx].T @ binary / 8 + 2 * reg * W_train)
        history.append((margins.sum() / 8).item())
    y_pred = (X @ W_train).argmax(dim=1)
    return {
        "svm": [naive.item(), loss.item(), torch.allclose(dW, svm_grad, atol=1e-6)],
        "svm_dW": dW.tolist(),
        "softmax": [sloss.item(), torch.allclose(sdW.detach(), Wg.grad, atol=1e-6)],
        "softmax_dW": sdW.detach().tolist(),
        "history": history,
        "accuracy": (y_pred == y).float().mean().item(),
    }


def cs231n_functional_convnet(torch, init):
    """CS231n's "PyTorch on CIFAR-10" notebook, small: flatten(x) by x.view(N, -1), the
    barebones two_layer_fc and three_layer_convnet as functions of a params list (F.conv2d
    with padding, `x.mm(fc_w) + fc_b`), random_weight by Kaiming (the draw handed over),
    train_part2 updating `w -= learning_rate * w.grad` and `w.grad.zero_()` under no_grad,
    check_accuracy_part2 by `scores.max(1)`; then the nn.Module ThreeLayerConvNet with
    nn.init.kaiming_normal_ and zeros_, and the nn.Sequential version with a Flatten module,
    trained with SGD (nesterov momentum)."""
    nn = torch.nn
    F = nn.functional
    x_train = _randn(torch, (16, 3, 8, 8), 16)
    y_train = torch.from_numpy(np.random.default_rng(17).integers(0, 5, 16))

    def flatten(x):
        N = x.shape[0]
        return x.view(N, -1)

    def random_weight(shape):
        fan_in = shape[1] if len(shape) == 2 else np.prod(shape[1:])
        w = init(torch.randn(shape)) * np.sqrt(2.0 / fan_in)
        w.requires_grad = True
        return w

    def zero_weight(shape):
        return torch.zeros(shape, requires_grad=True)

    def three_layer_convnet(x, params):
        conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
        x = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=2))
        x = F.relu(F.conv2d(x, conv_w2, conv_b2, padding=1))
        return flatten(x).mm(fc_w) + fc_b

    params = [
        random_weight((6, 3, 5, 5)),
        zero_weight((6,)),
        random_weight((4, 6, 3, 3)),
        zero_weight((4,)),
        random_weight((4 * 8 * 8, 5)),
        zero_weight(5),
    ]
    scores = three_layer_convnet(torch.zeros((64, 3, 8, 8)), params)

    def check_accuracy(model_fn, params):
        with torch.no_grad():
            scores = model_fn(x_train, params)
            _, preds = scores.max(1)
            num_correct = (preds == y_train).sum()
            return float(num_correct) / preds.size(0)

    learning_rate = 3e-3
    part2 = []
    for _ in range(4):
        scores_t = three_layer_convnet(x_train, params)
        loss = F.cross_entropy(scores_t, y_train)
        loss.backward()
        with torch.no_grad():
            for w in params:
                w -= learning_rate * w.grad
                w.grad.zero_()
        part2.append([loss.item(), check_accuracy(three_layer_convnet, params)])

    class ThreeLayerConvNet(nn.Module):
        def __init__(self, in_channel, channel_1, channel_2, num_classes):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
            nn.init.kaiming_normal_(self.conv1.weight)
            nn.init.zeros_(self.conv1.bias)
            self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
            nn.init.kaiming_normal_(self.conv2.weight)
            nn.init.zeros_(self.conv2.bias)
            self.fc = nn.Linear(channel_2 * 8 * 8, num_classes)
            nn.init.kaiming_normal_(self.fc.weight)
            nn.init.zeros_(self.fc.bias)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            return self.fc(flatten(x))

    model = init(ThreeLayerConvNet(3, 6, 4, 5))
    seq = init(nn.Sequential(nn.Conv2d(3, 6, 5, padding=2), nn.ReLU(),
                             nn.Conv2d(6, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                             nn.Linear(4 * 8 * 8, 5)))  # fmt: skip
    part3 = []
    for net in (model, seq):
        optimizer = torch.optim.SGD(net.parameters(), lr=1e-2, momentum=0.9, nesterov=True)
        for _ in range(3):
            net.train()
            loss = F.cross_entropy(net(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            part3.append(loss.item())
        net.eval()
        part3.append(check_accuracy(lambda x, p, net=net: net(x), None))
    return {
        "shape": list(scores.shape),
        "part2": part2,
        "part3": part3,
        "conv_b1": params[1].tolist(),
    }


def cs231n_captioning_temporal_softmax(torch, init):
    """CS231n's RNN captioning written with tensor ops: image features projected to h0,
    word_embedding by indexing W_embed[captions_in], a vanilla RNN unrolled over time
    (`torch.tanh(x @ Wx + prev_h @ Wh + b)` stacked), temporal_affine by a 3-D matmul, the
    temporal softmax loss with a mask of NULL tokens (`F.cross_entropy(reduction="none")`
    times the mask, summed over N), captions shifted into captions_in and captions_out; a few
    Adam steps and greedy sampling with argmax."""
    F = torch.nn.functional
    N, T, D, H, V, W = 4, 5, 6, 8, 7, 5
    NULL, START = 0, 1
    features = _randn(torch, (N, D), 18)
    captions = torch.tensor([[1, 3, 4, 5, 2, 0], [1, 6, 2, 0, 0, 0], [1, 4, 4, 6, 3, 2],
                             [1, 5, 3, 2, 0, 0]])  # fmt: skip
    params = {
        "W_proj": _randn(torch, (D, H), 19, 0.3),
        "b_proj": torch.zeros(H),
        "W_embed": _randn(torch, (V, W), 20, 0.3),
        "Wx": _randn(torch, (W, H), 21, 0.3),
        "Wh": _randn(torch, (H, H), 22, 0.3),
        "b": torch.zeros(H),
        "W_vocab": _randn(torch, (H, V), 23, 0.3),
        "b_vocab": torch.zeros(V),
    }
    for p in params.values():
        p.requires_grad_()

    def loss_fn(features, captions):
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != NULL
        h = features @ params["W_proj"] + params["b_proj"]
        x = params["W_embed"][captions_in]
        hs = []
        for t in range(x.shape[1]):
            h = torch.tanh(x[:, t] @ params["Wx"] + h @ params["Wh"] + params["b"])
            hs.append(h)
        hs = torch.stack(hs, dim=1)
        scores = hs @ params["W_vocab"] + params["b_vocab"]
        Nn, Tt, Vv = scores.shape
        losses = F.cross_entropy(scores.reshape(Nn * Tt, Vv), captions_out.reshape(Nn * Tt),
                                 reduction="none")  # fmt: skip
        return (losses * mask.reshape(-1).float()).sum() / Nn

    optimizer = torch.optim.Adam(params.values(), lr=0.05)
    history = []
    for _ in range(6):
        loss = loss_fn(features, captions)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        h = features @ params["W_proj"] + params["b_proj"]
        word = torch.full((N,), START, dtype=torch.long)
        sampled = []
        for _ in range(T):
            h = torch.tanh(params["W_embed"][word] @ params["Wx"] + h @ params["Wh"] + params["b"])
            word = (h @ params["W_vocab"] + params["b_vocab"]).argmax(dim=1)
            sampled.append(word)
        sampled = torch.stack(sampled, 1)
    return {
        "history": history,
        "grad": params["Wh"].grad.tolist(),
        "sampled": sampled.tolist(),
        "mask_count": (captions[:, 1:] != NULL).sum().item(),
    }


def class_visualization_and_fooling(torch, init):
    """CS231n's network visualization: class visualization by gradient ascent on the image
    (jitter by torch.roll with offsets from NumPy, the score minus an L2 penalty,
    `img.data += learning_rate * img.grad.data / img.grad.data.norm()`, undoing the jitter,
    clamping per channel, a Gaussian blur by a depthwise F.conv2d every few steps); then a
    fooling image: steps along the normalised gradient of the target score until the model
    predicts the target class."""
    nn = torch.nn
    F = nn.functional
    model = init(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Flatten(), nn.Linear(4 * 4 * 4, 5)))  # fmt: skip
    model.eval()
    for p in model.parameters():
        p.requires_grad = False
    img = torch.zeros(1, 3, 8, 8).requires_grad_()
    target_y, l2_reg, learning_rate = 2, 1e-3, 5.0
    k = torch.tensor([1.0, 2.0, 1.0])
    kernel = (k[:, None] * k[None, :]) / 16
    kernel = kernel.expand(3, 1, 3, 3)
    jitters = np.random.default_rng(24).integers(-2, 3, (8, 2)).tolist()
    scores_seen = []
    for t in range(8):
        ox, oy = jitters[t]
        img.data.copy_(torch.roll(torch.roll(img.data, ox, dims=3), oy, dims=2))
        score = model(img)[0, target_y]
        objective = score - l2_reg * img.norm() ** 2
        objective.backward()
        img.data += learning_rate * img.grad.data / img.grad.data.norm()
        img.grad.zero_()
        img.data.copy_(torch.roll(torch.roll(img.data, -ox, dims=3), -oy, dims=2))
        for c in range(3):
            lo, hi = -1.0 - c * 0.1, 1.0 + c * 0.1
            img.data[:, c].clamp_(min=lo, max=hi)
        if t % 4 == 3:
            img.data = F.conv2d(F.pad(img.data, (1, 1, 1, 1), mode="reflect"), kernel, groups=3)
        scores_seen.append(score.item())
    X = _randn(torch, (1, 3, 8, 8), 25)
    X_fooling = X.clone().requires_grad_()
    target = (model(X).argmax(1).item() + 1) % 5
    steps = 0
    while model(X_fooling).argmax(1).item() != target and steps < 60:
        steps += 1
        scores = model(X_fooling)
        scores[0, target].backward()
        with torch.no_grad():
            X_fooling += 1.0 * X_fooling.grad / X_fooling.grad.norm()
            X_fooling.grad.zero_()
    return {
        "scores": scores_seen,
        "img": img.detach().flatten().tolist(),
        "fooling": [steps, model(X_fooling).argmax(1).item() == target],
        "diff": (X_fooling - X).abs().max().item(),
    }


def energy_based_model_langevin(torch, init):
    """An energy-based model as the UvA deep-learning tutorial trains it: a small CNN scoring
    images, Langevin dynamics sampling (`inp_imgs.requires_grad = True`, the energy's
    gradient by backward, clamped, `inp_imgs.data.add_(-step_size * grad)` plus noise from
    NumPy, `clamp_(min=-1.0, max=1.0)`), the model's parameters' requires_grad switched off
    while sampling and back on, a contrastive divergence loss `fake.mean() - real.mean()` with
    the regulariser `alpha * (real ** 2 + fake ** 2).mean()`, Adam(betas=(0.0, 0.999))."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.SiLU(),
                               nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.SiLU(),
                               nn.Flatten(), nn.Linear(8 * 2 * 2, 1)))  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.0, 0.999))
    real_imgs = torch.from_numpy(_digit_images(1, 8)[:, None] * 2 - 1)
    rng = np.random.default_rng(26)

    def generate_samples(inp_imgs, steps=5, step_size=10):
        is_training = model.training
        model.eval()
        for p in model.parameters():
            p.requires_grad = False
        inp_imgs.requires_grad = True
        for _ in range(steps):
            noise = torch.from_numpy(rng.normal(0, 0.005, inp_imgs.shape).astype(np.float32))
            inp_imgs.data.add_(noise)
            inp_imgs.data.clamp_(min=-1.0, max=1.0)
            out_imgs = -model(inp_imgs)
            out_imgs.sum().backward()
            inp_imgs.grad.data.clamp_(-0.03, 0.03)
            inp_imgs.data.add_(-step_size * inp_imgs.grad.data)
            inp_imgs.grad.detach_()
            inp_imgs.grad.zero_()
            inp_imgs.data.clamp_(min=-1.0, max=1.0)
        for p in model.parameters():
            p.requires_grad = True
        model.train(is_training)
        return inp_imgs.detach()

    history = []
    for _ in range(4):
        start = torch.from_numpy(rng.uniform(-1, 1, (8, 1, 8, 8)).astype(np.float32))
        fake_imgs = generate_samples(start)
        inp_imgs = torch.cat([real_imgs, fake_imgs], dim=0)
        real_out, fake_out = model(inp_imgs).chunk(2, dim=0)
        reg_loss = 0.1 * (real_out**2 + fake_out**2).mean()
        cdiv_loss = fake_out.mean() - real_out.mean()
        loss = reg_loss + cdiv_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append([loss.item(), reg_loss.item(), cdiv_loss.item()])
    return {
        "history": history,
        "fake": fake_imgs[0, 0].tolist(),
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "training": model.training,
    }


def graph_attention_layer(torch, init):
    """A graph attention layer (GAT) as from-scratch tutorials write it: Wh = h @ W, the
    attention logits e_ij = LeakyReLU(a1 . Wh_i + a2 . Wh_j) by broadcasting `Wh1 + Wh2.T`,
    masked by the adjacency with `torch.where(adj > 0, e, -9e15 * torch.ones_like(e))`,
    softmax over neighbours, dropout (eval), ELU; several heads concatenated, an averaging
    output head, trained with NLL on the labelled nodes only (a train mask) with Adam and
    weight decay; the attention of one node and the accuracy on the others."""
    nn = torch.nn
    F = nn.functional

    class GraphAttentionLayer(nn.Module):
        def __init__(self, in_features, out_features, dropout, alpha, concat=True):
            super().__init__()
            self.dropout, self.concat = dropout, concat
            self.W = nn.Parameter(torch.empty(size=(in_features, out_features)))
            nn.init.xavier_uniform_(self.W.data, gain=1.414)
            self.a = nn.Parameter(torch.empty(size=(2 * out_features, 1)))
            nn.init.xavier_uniform_(self.a.data, gain=1.414)
            self.leakyrelu = nn.LeakyReLU(alpha)
            self.out_features = out_features

        def forward(self, h, adj):
            Wh = torch.mm(h, self.W)
            Wh1 = torch.matmul(Wh, self.a[: self.out_features, :])
            Wh2 = torch.matmul(Wh, self.a[self.out_features :, :])
            e = self.leakyrelu(Wh1 + Wh2.T)
            zero_vec = -9e15 * torch.ones_like(e)
            attention = torch.where(adj > 0, e, zero_vec)
            attention = F.softmax(attention, dim=1)
            self.attention = attention
            attention = F.dropout(attention, self.dropout, training=self.training)
            h_prime = torch.matmul(attention, Wh)
            return F.elu(h_prime) if self.concat else h_prime

    class GAT(nn.Module):
        def __init__(self, nfeat, nhid, nclass, dropout, alpha, nheads):
            super().__init__()
            self.dropout = dropout
            self.attentions = nn.ModuleList(
                [GraphAttentionLayer(nfeat, nhid, dropout, alpha) for _ in range(nheads)]
            )
            self.out_att = GraphAttentionLayer(nhid * nheads, nclass, dropout, alpha, False)

        def forward(self, x, adj):
            x = F.dropout(x, self.dropout, training=self.training)
            x = torch.cat([att(x, adj) for att in self.attentions], dim=1)
            x = F.dropout(x, self.dropout, training=self.training)
            x = F.elu(self.out_att(x, adj))
            return F.log_softmax(x, dim=1)

    n = 10
    rng = np.random.default_rng(27)
    edges = rng.integers(0, n, (2, 18))
    adj = torch.zeros(n, n)
    adj[torch.from_numpy(edges[0]), torch.from_numpy(edges[1])] = 1
    adj = ((adj + adj.T + torch.eye(n)) > 0).float()
    features = _randn(torch, (n, 6), 28)
    labels = torch.from_numpy(rng.integers(0, 3, n))
    idx_train = torch.arange(6)
    idx_test = torch.arange(6, n)
    model = init(GAT(6, 4, 3, dropout=0.6, alpha=0.2, nheads=2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    history = []
    for _ in range(5):
        model.eval()  # the dropout draws differ between the libraries
        optimizer.zero_grad()
        output = model(features, adj)
        loss_train = F.nll_loss(output[idx_train], labels[idx_train])
        loss_train.backward()
        optimizer.step()
        history.append(loss_train.item())
    with torch.no_grad():
        output = model(features, adj)
    preds = output[idx_test].max(1)[1].type_as(labels)
    correct = preds.eq(labels[idx_test]).double().sum()
    return {
        "history": history,
        "output": output.tolist(),
        "attention": model.attentions[0].attention[0].tolist(),
        "acc": (correct / len(idx_test)).item(),
        "rows_sum": model.out_att.attention.sum(1).tolist(),
    }


def deep_sets_permutation_invariance(torch, init):
    """Deep Sets as blog posts write it: phi applied to every element, a masked sum over the
    set dimension (sets padded to one length, the mask from lengths by broadcasting arange),
    rho on the pooled vector; the output unchanged when the elements are permuted (index by
    a permutation) and when padding changes; trained to predict the sum of each set, then a
    set-transformer-style pooling by attention with a learned seed vector."""
    nn = torch.nn
    F = nn.functional

    class DeepSet(nn.Module):
        def __init__(self, in_dim, hidden):
            super().__init__()
            self.phi = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden))  # fmt: skip
            self.rho = nn.Sequential(nn.ReLU(), nn.Linear(hidden, 1))

        def forward(self, x, mask):
            h = self.phi(x) * mask.unsqueeze(-1)
            return self.rho(h.sum(dim=1)).squeeze(-1)

    rng = np.random.default_rng(29)
    lengths = torch.tensor([3, 5, 2, 4, 5, 1])
    x = torch.from_numpy(rng.uniform(0, 1, (6, 5, 1)).astype(np.float32))
    mask = (torch.arange(5)[None, :] < lengths[:, None]).float()
    x = x * mask.unsqueeze(-1)
    target = x.sum(dim=(1, 2))
    model = init(DeepSet(1, 8))
    perm = torch.tensor([4, 2, 0, 3, 1])
    same = torch.allclose(model(x[:, perm], mask[:, perm]), model(x, mask), atol=1e-6)
    padded = torch.cat([x, torch.full((6, 2, 1), 7.0)], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(6, 2)], dim=1)
    same_padded = torch.allclose(model(padded, padded_mask), model(x, mask), atol=1e-6)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in range(10):
        loss = F.mse_loss(model(x, mask), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    seed = init(nn.Parameter(torch.randn(1, 1, 8)))
    attn = init(nn.MultiheadAttention(8, 2, batch_first=True))
    h = model.phi(x)
    pooled, weights = attn(seed.expand(6, -1, -1), h, h, key_padding_mask=mask == 0)
    pooled.sum().backward()
    return {
        "invariant": [same, same_padded],
        "history": history,
        "pooled": pooled.squeeze(1).tolist(),
        "weights": weights.squeeze(1).tolist(),
        "seed_grad": seed.grad.flatten().tolist(),
    }


def bayes_by_backprop(torch, init):
    """Bayes by Backprop as blog posts write it: a BayesianLinear with weight means and rho,
    sigma = log1p(exp(rho)), weights sampled by the reparameterisation trick (the noise from
    NumPy), the KL of the Gaussian posterior to a Gaussian prior in closed form summed over
    layers, the ELBO with the KL scaled by the number of batches, Adam; then the predictive
    mean and spread over several weight draws under no_grad."""
    nn = torch.nn
    F = nn.functional
    rng = np.random.default_rng(30)

    class BayesianLinear(nn.Module):
        def __init__(self, in_features, out_features, prior_sigma=1.0):
            super().__init__()
            self.w_mu = nn.Parameter(torch.empty(out_features, in_features).uniform_(-0.2, 0.2))
            self.w_rho = nn.Parameter(torch.full((out_features, in_features), -3.0))
            self.b_mu = nn.Parameter(torch.zeros(out_features))
            self.b_rho = nn.Parameter(torch.full((out_features,), -3.0))
            self.prior_sigma = prior_sigma

        def kl(self, mu, sigma):
            p = self.prior_sigma
            return (torch.log(p / sigma) + (sigma**2 + mu**2) / (2 * p**2) - 0.5).sum()

        def forward(self, x):
            w_sigma = torch.log1p(torch.exp(self.w_rho))
            b_sigma = torch.log1p(torch.exp(self.b_rho))
            eps_w = torch.from_numpy(rng.standard_normal(self.w_mu.shape).astype(np.float32))
            eps_b = torch.from_numpy(rng.standard_normal(self.b_mu.shape).astype(np.float32))
            w = self.w_mu + w_sigma * eps_w
            b = self.b_mu + b_sigma * eps_b
            self.kl_value = self.kl(self.w_mu, w_sigma) + self.kl(self.b_mu, b_sigma)
            return F.linear(x, w, b)

    class BNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = BayesianLinear(1, 16)
            self.l2 = BayesianLinear(16, 1)

        def forward(self, x):
            return self.l2(torch.relu(self.l1(x)))

        def kl(self):
            return self.l1.kl_value + self.l2.kl_value

    x = torch.linspace(-2, 2, 24).unsqueeze(1)
    y = torch.sin(2 * x) + 0.1 * _randn(torch, (24, 1), 31)
    model = init(BNN())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    num_batches = 3
    history = []
    for _ in range(2):
        for xb, yb in zip(x.chunk(num_batches), y.chunk(num_batches)):
            pred = model(xb)
            nll = F.mse_loss(pred, yb, reduction="sum")
            loss = nll + model.kl() / num_batches
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append([nll.item(), model.kl().item()])
    with torch.no_grad():
        preds = torch.stack([model(x) for _ in range(5)])
    return {
        "history": history,
        "mean": preds.mean(0).flatten().tolist(),
        "std": preds.std(0).flatten().tolist(),
        "rho": model.l2.w_rho.tolist(),
    }


def clip_symmetric_contrastive_loss(torch, init):
    """CLIP's training objective as its pseudo-code and open_clip write it: an image encoder
    and a text encoder (an EmbeddingBag of token ids with offsets), projections,
    F.normalize(dim=-1), a learnable temperature `logit_scale = nn.Parameter(torch.ones([])
    * np.log(1 / 0.07))`, `logits_per_image = logit_scale.exp() * image_features @
    text_features.t()`, the symmetric cross-entropy over torch.arange labels, the scale
    clamped to log(100) in place after each step; then zero-shot classification by the
    softmax over class prompts."""
    nn = torch.nn
    F = nn.functional

    class CLIP(nn.Module):
        def __init__(self, embed_dim=8):
            super().__init__()
            self.visual = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.GELU(),
                                        nn.Linear(12, embed_dim))  # fmt: skip
            self.token_embedding = nn.EmbeddingBag(20, 12, mode="mean")
            self.text_projection = nn.Parameter(torch.empty(12, embed_dim))
            nn.init.normal_(self.text_projection, std=12**-0.5)
            self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))

        def encode_image(self, image):
            return self.visual(image)

        def encode_text(self, tokens, offsets):
            return self.token_embedding(tokens, offsets) @ self.text_projection

        def forward(self, image, tokens, offsets):
            image_features = F.normalize(self.encode_image(image), dim=-1)
            text_features = F.normalize(self.encode_text(tokens, offsets), dim=-1)
            logit_scale = self.logit_scale.exp()
            logits_per_image = logit_scale * image_features @ text_features.t()
            return logits_per_image, logits_per_image.t()

    images = _randn(torch, (6, 1, 4, 4), 32)
    tokens = torch.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    offsets = torch.tensor([0, 2, 5, 7, 10, 12])
    model = init(CLIP())
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    history = []
    for _ in range(5):
        logits_per_image, logits_per_text = model(images, tokens, offsets)
        labels = torch.arange(len(images))
        loss = (F.cross_entropy(logits_per_image, labels)
                + F.cross_entropy(logits_per_text, labels)) / 2  # fmt: skip
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        history.append([loss.item(), model.logit_scale.item()])
    with torch.no_grad():
        image_features = F.normalize(model.encode_image(images), dim=-1)
        prompts = F.normalize(model.encode_text(torch.tensor([15, 16, 17, 18, 19]),
                                                torch.tensor([0, 2, 4])), dim=-1)  # fmt: skip
        text_probs = (100.0 * image_features @ prompts.T).softmax(dim=-1)
        top_probs, top_labels = text_probs.topk(1, dim=-1)
    return {
        "history": history,
        "probs": text_probs.tolist(),
        "top": [top_probs.flatten().tolist(), top_labels.flatten().tolist()],
    }


def quantile_regression_pinball_loss(torch, init):
    """Quantile regression as forecasting blog posts write it: one head per quantile
    (0.1, 0.5, 0.9), the pinball loss `torch.max((q - 1) * errors, q * errors)` averaged
    over the quantiles by broadcasting a quantile tensor, Adam, the empirical coverage of the
    predicted 80% interval, the crossing count `(lower > upper).sum()`, and a sorted fix by
    torch.sort along the quantile dimension."""
    nn = torch.nn
    rng = np.random.default_rng(33)
    x_np = rng.uniform(-2, 2, (64, 1)).astype(np.float32)
    y_np = (np.sin(x_np) + rng.normal(0, 0.2 + 0.2 * np.abs(x_np))).astype(np.float32)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    quantiles = torch.tensor([0.1, 0.5, 0.9])
    model = init(nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 3)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)

    def pinball(preds, target):
        errors = target - preds
        return torch.max((quantiles - 1) * errors, quantiles * errors).mean()

    history = []
    for _ in range(25):
        loss = pinball(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        preds = model(x)
    lower, median, upper = preds.unbind(dim=1)
    coverage = ((y.squeeze(1) >= lower) & (y.squeeze(1) <= upper)).float().mean()
    fixed, _ = torch.sort(preds, dim=1)
    return {
        "history": history,
        "coverage": coverage.item(),
        "crossings": (lower > upper).sum().item(),
        "median": median[:10].tolist(),
        "fixed": fixed[:5].tolist(),
        "per_quantile": [(y < preds[:, i : i + 1]).float().mean().item() for i in range(3)],
    }


def heteroscedastic_gaussian_and_poisson_regression(torch, init):
    """Regression with the likelihood losses of torch.nn: a network predicting a mean and a
    variance (softplus plus a floor) trained with nn.GaussianNLLLoss (and its full=True and
    eps options against the formula written out), then counts regressed with
    nn.PoissonNLLLoss on log-rates (log_input=True) and on rates (log_input=False, full=True
    adds Stirling's term), with the mean absolute error of the predicted rates."""
    nn = torch.nn
    F = nn.functional
    rng = np.random.default_rng(34)
    x_np = rng.uniform(0, 3, (48, 1)).astype(np.float32)
    y_np = (2 * x_np + rng.normal(0, 0.1 + 0.3 * x_np)).astype(np.float32)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    class MeanVar(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(1, 16), nn.Tanh())
            self.mean = nn.Linear(16, 1)
            self.var = nn.Linear(16, 1)

        def forward(self, x):
            h = self.body(x)
            return self.mean(h), F.softplus(self.var(h)) + 1e-6

    model = init(MeanVar())
    criterion = nn.GaussianNLLLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    history = []
    for _ in range(15):
        mean, var = model(x)
        loss = criterion(mean, y, var)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    mean, var = model(x)
    by_hand = (0.5 * (torch.log(var) + (mean - y) ** 2 / var)).mean() + 0.5 * math.log(2 * math.pi)
    full = nn.GaussianNLLLoss(full=True, eps=1e-3)(mean, y, var)
    counts = torch.from_numpy(rng.poisson(np.exp(0.5 * x_np)).astype(np.float32))
    rate_model = init(nn.Linear(1, 1))
    optimizer = torch.optim.SGD(rate_model.parameters(), lr=0.05)
    poisson = nn.PoissonNLLLoss()
    for _ in range(15):
        loss = poisson(rate_model(x), counts)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        rates = rate_model(x).exp()
    return {
        "history": history,
        "gaussian": [full.item(), by_hand.item()],
        "var": var.detach()[:8].flatten().tolist(),
        "poisson_rates": [
            F.poisson_nll_loss(rates, counts, log_input=False).item(),
            F.poisson_nll_loss(rates, counts, log_input=False, full=True).item(),
        ],
        "mae": (rates - counts).abs().mean().item(),
        "weights": [rate_model.weight.item(), rate_model.bias.item()],
    }


def cox_partial_likelihood(torch, init):
    """Survival analysis as DeepSurv ports write it: risk scores from a network, the samples
    sorted by descending time (torch.argsort), the negative Cox partial log-likelihood with
    torch.logcumsumexp over the risk set and an event mask (no bias in the last layer: the
    likelihood ignores a shift of every risk), Adam with weight decay; then
    Harrell's concordance index from the pairwise comparisons of times and risks by
    broadcasting."""
    nn = torch.nn
    rng = np.random.default_rng(35)
    x_np = rng.normal(0, 1, (40, 3)).astype(np.float32)
    hazard = np.exp(x_np @ np.array([0.8, -0.5, 0.0], dtype=np.float32))
    t_np = rng.exponential(1 / hazard).astype(np.float32)
    e_np = (rng.random(40) < 0.7).astype(np.float32)
    x, times, events = torch.from_numpy(x_np), torch.from_numpy(t_np), torch.from_numpy(e_np)
    # NOTE: no bias in the last layer: the partial likelihood does not change when every risk
    # shifts by one constant, so that bias's gradient is rounding noise, which Adam magnifies
    model = init(nn.Sequential(nn.Linear(3, 8), nn.SELU(), nn.Linear(8, 1, bias=False)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-4)

    def neg_partial_log_likelihood(risk, times, events):
        order = torch.argsort(times, descending=True)
        risk, events = risk[order], events[order]
        log_risk_set = torch.logcumsumexp(risk, dim=0)
        return -((risk - log_risk_set) * events).sum() / events.sum()

    history = []
    for _ in range(15):
        risk = model(x).squeeze(-1)
        loss = neg_partial_log_likelihood(risk, times, events)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        risk = model(x).squeeze(-1)
    comparable = (times[:, None] < times[None, :]) & (events[:, None] == 1)
    concordant = (risk[:, None] > risk[None, :]) & comparable
    tied = (risk[:, None] == risk[None, :]) & comparable
    c_index = (concordant.sum() + 0.5 * tied.sum()) / comparable.sum()
    return {
        "history": history,
        "c_index": c_index.item(),
        "pairs": comparable.sum().item(),
        "risk": risk[:10].tolist(),
    }


def temperature_scaling_calibration(torch, init):
    """Calibrating a classifier by temperature scaling (Guo et al.'s code): a model's
    validation logits collected under no_grad, one temperature parameter fitted with
    optim.LBFGS(lr=0.01, max_iter=50) on the NLL of `logits / temperature`, and the expected
    calibration error before and after, with confidences and accuracies binned by
    torch.linspace boundaries (`gt(bin_lower) * le(bin_upper)`, prop_in_bin, avg_confidence)."""
    nn = torch.nn
    F = nn.functional
    rng = np.random.default_rng(36)
    x = _randn(torch, (80, 5), 37)
    labels = torch.from_numpy(rng.integers(0, 3, 80))
    model = init(nn.Linear(5, 3))
    with torch.no_grad():
        model.weight.mul_(4.0)
        logits = model(x)

    def ece(logits, labels, n_bins=5):
        softmaxes = F.softmax(logits, dim=1)
        confidences, predictions = torch.max(softmaxes, 1)
        accuracies = predictions.eq(labels)
        bin_boundaries = torch.linspace(0, 1, n_bins + 1)
        bin_lowers, bin_uppers = bin_boundaries[:-1], bin_boundaries[1:]
        total = torch.zeros(1)
        rows = []
        for bin_lower, bin_upper in zip(bin_lowers, bin_uppers):
            in_bin = confidences.gt(bin_lower.item()) * confidences.le(bin_upper.item())
            prop_in_bin = in_bin.float().mean()
            if prop_in_bin.item() > 0:
                accuracy_in_bin = accuracies[in_bin].float().mean()
                avg_confidence_in_bin = confidences[in_bin].mean()
                total += torch.abs(avg_confidence_in_bin - accuracy_in_bin) * prop_in_bin
                rows.append([prop_in_bin.item(), accuracy_in_bin.item()])
        return total.item(), rows

    temperature = nn.Parameter(torch.ones(1) * 1.5)
    nll_criterion = nn.CrossEntropyLoss()
    before = nll_criterion(logits, labels).item()
    optimizer = torch.optim.LBFGS([temperature], lr=0.01, max_iter=50)

    def eval_():
        optimizer.zero_grad()
        loss = nll_criterion(logits / temperature, labels)
        loss.backward()
        return loss

    optimizer.step(eval_)
    after = nll_criterion(logits / temperature, labels).item()
    return {
        "nll": [before, after],
        "temperature": temperature.item(),
        "ece_before": ece(logits, labels),
        "ece_after": ece(logits / temperature.detach(), labels),
    }


def gumbel_softmax_straight_through(torch, init):
    """The Gumbel-softmax trick written out as categorical-VAE posts do: Gumbel noise
    `-log(-log(U + eps) + eps)` from NumPy uniforms, a soft sample softmax((logits + g) /
    tau), a hard one-hot by `zeros_like(...).scatter_(-1, index, 1.0)` and the
    straight-through estimator `(y_hard - y_soft).detach() + y_soft`, the gradients reaching
    the logits through both; annealing tau; a categorical VAE's KL to the uniform prior;
    then F.gumbel_softmax compared by its properties (rows sum to one, hard rows are one-hot,
    gradients flow)."""
    nn = torch.nn
    F = nn.functional
    rng = np.random.default_rng(38)
    encoder = init(nn.Linear(6, 4 * 3))
    decoder = init(nn.Linear(4 * 3, 6))
    x = torch.from_numpy((rng.random((5, 6)) > 0.5).astype(np.float32))
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=0.01)

    def gumbel_softmax_sample(logits, temperature, eps=1e-20):
        U = torch.from_numpy(rng.random(logits.shape).astype(np.float32))
        g = -torch.log(-torch.log(U + eps) + eps)
        return F.softmax((logits + g) / temperature, dim=-1)

    def gumbel_softmax(logits, temperature, hard=False):
        y_soft = gumbel_softmax_sample(logits, temperature)
        if not hard:
            return y_soft
        index = y_soft.max(-1, keepdim=True)[1]
        y_hard = torch.zeros_like(logits).scatter_(-1, index, 1.0)
        return (y_hard - y_soft).detach() + y_soft

    history = []
    tau = 1.0
    for step in range(8):
        logits = encoder(x).view(-1, 4, 3)
        z = gumbel_softmax(logits, tau, hard=step % 2 == 1)
        recon = decoder(z.view(-1, 12))
        q = F.softmax(logits, dim=-1)
        kl = (q * torch.log(q * 3 + 1e-20)).sum(dim=(1, 2)).mean()
        bce = F.binary_cross_entropy_with_logits(recon, x, reduction="sum") / x.shape[0]
        loss = bce + kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tau = max(0.5, tau * math.exp(-0.1 * step))
        history.append([loss.item(), kl.item(), tau])
    logits = encoder(x).view(-1, 4, 3)
    soft = F.gumbel_softmax(logits, tau=0.5)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    (hard * torch.arange(3.0)).sum().backward()
    return {
        "history": history,
        "z": z.detach().tolist(),
        "soft_rows": torch.allclose(soft.sum(-1), torch.ones(5, 4)),
        "hard": [hard.sum(-1).tolist(), ((hard == 0) | (hard == 1)).all().item()],
        "grad_flows": encoder.weight.grad.abs().sum().item() > 0,
    }


def hypernetwork_functional_weights(torch, init):
    """A hypernetwork as the HyperNetworks posts write it: a task embedding mapped by a small
    network to the flat weights of a target MLP, cut into weight matrices by slicing and
    view, the target run with F.linear on those weights, each task's regression trained
    through the hypernetwork only (the target has no parameters of its own); the generated
    weights' shapes and the gradients of the embeddings."""
    nn = torch.nn
    F = nn.functional
    shapes = [(8, 1), (8,), (1, 8), (1,)]
    sizes = [math.prod(s) for s in shapes]

    class HyperNet(nn.Module):
        def __init__(self, n_tasks, emb_dim=4):
            super().__init__()
            self.task_emb = nn.Embedding(n_tasks, emb_dim)
            self.net = nn.Sequential(nn.Linear(emb_dim, 16), nn.ReLU(),
                                     nn.Linear(16, sum(sizes)))  # fmt: skip

        def forward(self, task):
            flat = self.net(self.task_emb(task))
            weights, start = [], 0
            for shape, size in zip(shapes, sizes):
                weights.append(flat[start : start + size].view(shape))
                start += size
            return weights

    def target(x, weights):
        w1, b1, w2, b2 = weights
        return F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2)

    x = torch.linspace(-1, 1, 16).unsqueeze(1)
    ys = [torch.sin(3 * x), x**2, -x]
    hyper = init(HyperNet(3))
    optimizer = torch.optim.Adam(hyper.parameters(), lr=0.01)
    history = []
    for _ in range(6):
        for task in range(3):
            weights = hyper(torch.tensor(task))
            loss = F.mse_loss(target(x, weights), ys[task])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.item())
    weights = hyper(torch.tensor(1))
    return {
        "history": history,
        "shapes": [list(w.shape) for w in weights],
        "emb_grad": hyper.task_emb.weight.grad.tolist(),
        "pred": target(x, weights).detach().flatten().tolist(),
    }


def siren_and_fourier_features(torch, init):
    """Implicit neural representations as the SIREN and Fourier-features notebooks write them:
    a SineLayer (`torch.sin(self.omega_0 * self.linear(x))`) with its init (uniform_ of
    +-1 / in_features for the first layer, +-sqrt(6 / in_features) / omega_0 after, under
    no_grad), fitting a 1-D signal; then a random Fourier feature mapping
    `torch.cat([torch.sin(2 * pi * x @ B), torch.cos(2 * pi * x @ B)], -1)` with B from NumPy
    into a ReLU MLP; the losses and the SIREN's derivative by autograd.grad."""
    nn = torch.nn
    F = nn.functional

    class SineLayer(nn.Module):
        def __init__(self, in_features, out_features, is_first=False, omega_0=30.0):
            super().__init__()
            self.omega_0, self.is_first = omega_0, is_first
            self.in_features = in_features
            self.linear = nn.Linear(in_features, out_features)
            self.init_weights()

        def init_weights(self):
            with torch.no_grad():
                if self.is_first:
                    bound = 1 / self.in_features
                else:
                    bound = np.sqrt(6 / self.in_features) / self.omega_0
                self.linear.weight.uniform_(-bound, bound)

        def forward(self, x):
            return torch.sin(self.omega_0 * self.linear(x))

    siren = nn.Sequential(SineLayer(1, 16, is_first=True), SineLayer(16, 16), nn.Linear(16, 1))
    bounds = [siren[0].linear.weight.abs().max().item() <= 1.0,
              siren[1].linear.weight.abs().max().item() <= np.sqrt(6 / 16) / 30]  # fmt: skip
    siren = init(siren)
    coords = torch.linspace(-1, 1, 32).unsqueeze(1)
    signal = torch.sign(torch.sin(4 * coords)) * 0.5
    optimizer = torch.optim.Adam(siren.parameters(), lr=1e-3)
    history = []
    for _ in range(6):
        loss = F.mse_loss(siren(coords), signal)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    coords_g = coords.clone().requires_grad_(True)
    out = siren(coords_g)
    (grad,) = torch.autograd.grad(out, coords_g, grad_outputs=torch.ones_like(out))
    B = torch.from_numpy(np.random.default_rng(39).normal(0, 2.0, (1, 8)).astype(np.float32))

    def input_mapping(x):
        x_proj = (2.0 * np.pi * x) @ B
        return torch.cat([torch.sin(x_proj), torch.cos(x_proj)], dim=-1)

    mlp = init(nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)))
    optimizer = torch.optim.Adam(mlp.parameters(), lr=1e-2)
    for _ in range(6):
        loss = F.mse_loss(mlp(input_mapping(coords)), signal)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    return {
        "bounds": bounds,
        "history": history,
        "grad": grad.flatten().tolist(),
        "features": input_mapping(coords[:3]).tolist(),
    }


def image_filters_with_conv2d(torch, init):
    """Classic image filters as computer-vision courses write them with F.conv2d: Sobel x and
    y kernels stacked into a (2, 1, 3, 3) weight, the gradient magnitude and direction
    (torch.atan2), a Gaussian kernel from torch.exp over a meshgrid normalised to sum one,
    applied per channel by groups=3 after F.pad(mode="reflect"), a Laplacian, unsharp
    masking, peak detection by `x == F.max_pool2d(x, 3, stride=1, padding=1)`, and the
    gradient of an edge energy with respect to the image."""
    F = torch.nn.functional
    img = torch.from_numpy(np.stack([_digit_images(d, 1)[0] for d in (0, 4, 8)])[None])
    img.requires_grad_(True)
    gray = img.mean(dim=1, keepdim=True)
    sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    weight = torch.stack([sobel_x, sobel_x.t()]).unsqueeze(1)
    edges = F.conv2d(gray, weight, padding=1)
    gx, gy = edges[:, 0], edges[:, 1]
    magnitude = torch.sqrt(gx**2 + gy**2 + 1e-12)
    direction = torch.atan2(gy, gx)
    ax = torch.arange(5.0) - 2
    xx, yy = torch.meshgrid(ax, ax, indexing="ij")
    kernel = torch.exp(-(xx**2 + yy**2) / (2 * 1.0**2))
    kernel = kernel / kernel.sum()
    blurred = F.conv2d(F.pad(img, (2, 2, 2, 2), mode="reflect"),
                       kernel.expand(3, 1, 5, 5), groups=3)  # fmt: skip
    laplacian = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    lap = F.conv2d(F.pad(gray, (1, 1, 1, 1), mode="replicate"), laplacian.view(1, 1, 3, 3))
    sharpened = (img + 1.5 * (img - blurred)).clamp(0, 1)
    peaks = (magnitude == F.max_pool2d(magnitude, 3, stride=1, padding=1)) & (magnitude > 1.0)
    energy = magnitude.sum() + lap.abs().mean()
    energy.backward()
    return {
        "magnitude": magnitude.detach().tolist(),
        "direction": direction[0, 2].detach().tolist(),
        "kernel_sum": kernel.sum().item(),
        "blurred": blurred[0, 1].detach().tolist(),
        "sharpened": sharpened[0, 2].detach().tolist(),
        "peaks": peaks.nonzero().tolist(),
        "grad": img.grad[0, 0].tolist(),
    }


def made_masked_autoencoder(torch, init):
    """MADE as Karpathy's pytorch-made writes it: a MaskedLinear subclass of nn.Linear with a
    mask registered as a buffer (set_mask copies `torch.from_numpy(mask.astype(np.uint8).T)`)
    and forward `F.linear(input, self.mask * self.weight, self.bias)`, masks built from the
    units' connectivity degrees, trained with binary cross-entropy on binary vectors; the
    autoregressive property checked by the Jacobian (output d depends only on inputs before d
    in the ordering) and the masks' densities."""
    nn = torch.nn
    F = nn.functional

    class MaskedLinear(nn.Linear):
        def __init__(self, in_features, out_features, bias=True):
            super().__init__(in_features, out_features, bias)
            self.register_buffer("mask", torch.ones(out_features, in_features))

        def set_mask(self, mask):
            self.mask.data.copy_(torch.from_numpy(mask.astype(np.uint8).T))

        def forward(self, input):
            return F.linear(input, self.mask * self.weight, self.bias)

    nin, hidden = 5, [12, 12]
    rng = np.random.default_rng(40)
    m = {-1: np.arange(nin)}
    for layer, h in enumerate(hidden):
        m[layer] = rng.integers(m[layer - 1].min(), nin - 1, size=h)
    masks = [m[k - 1][:, None] <= m[k][None, :] for k in range(len(hidden))]
    masks.append(m[len(hidden) - 1][:, None] < m[-1][None, :])
    layers = []
    sizes = [nin, *hidden, nin]
    for h0, h1 in zip(sizes, sizes[1:]):
        layers.extend([MaskedLinear(h0, h1), nn.ReLU()])
    net = init(nn.Sequential(*layers[:-1]))
    for layer, mask in zip([mod for mod in net if isinstance(mod, MaskedLinear)], masks):
        layer.set_mask(mask)
    x = torch.from_numpy((rng.random((16, nin)) < 0.4).astype(np.float32))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, weight_decay=1e-4)
    history = []
    for _ in range(8):
        logits = net(x)
        loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    jac = torch.autograd.functional.jacobian(lambda v: net(v), x[0])
    return {
        "history": history,
        "dependencies": (jac.abs() > 0).int().tolist(),
        "autoregressive": bool((jac.triu().abs() == 0).all()),
        "densities": [layer.mask.mean().item() for layer in net if isinstance(layer, MaskedLinear)],
        "buffers": [name for name, _ in net.named_buffers()],
    }


def bpr_neural_collaborative_filtering(torch, init):
    """Implicit-feedback recommendation as NCF tutorials write it: NeuMF (a GMF branch of
    elementwise user-item products and an MLP branch on concatenated embeddings, joined by a
    final Linear), the BPR loss `-F.logsigmoid(pos_scores - neg_scores).mean()` on sampled
    (user, positive, negative) triples (from NumPy), then evaluation: all items scored per
    user, items seen in training masked with -inf by masked_fill, hit ratio and NDCG at 3
    from torch.topk."""
    nn = torch.nn
    F = nn.functional
    n_users, n_items, dim = 6, 10, 4

    class NeuMF(nn.Module):
        def __init__(self):
            super().__init__()
            self.user_gmf = nn.Embedding(n_users, dim)
            self.item_gmf = nn.Embedding(n_items, dim)
            self.user_mlp = nn.Embedding(n_users, dim)
            self.item_mlp = nn.Embedding(n_items, dim)
            self.mlp = nn.Sequential(nn.Linear(2 * dim, 8), nn.ReLU(), nn.Linear(8, dim))
            self.predict = nn.Linear(2 * dim, 1)

        def forward(self, users, items):
            gmf = self.user_gmf(users) * self.item_gmf(items)
            mlp = self.mlp(torch.cat([self.user_mlp(users), self.item_mlp(items)], dim=-1))
            return self.predict(torch.cat([gmf, mlp], dim=-1)).squeeze(-1)

    rng = np.random.default_rng(41)
    seen = torch.from_numpy(rng.random((n_users, n_items)) < 0.3)
    seen[:, 0] = True
    held_out = torch.tensor([3, 5, 7, 1, 9, 2])
    seen[torch.arange(n_users), held_out] = False
    users, pos = seen.nonzero(as_tuple=True)
    model = init(NeuMF())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in range(6):
        neg = torch.from_numpy(rng.integers(0, n_items, len(users)))
        loss = -F.logsigmoid(model(users, pos) - model(users, neg)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    model.eval()
    with torch.no_grad():
        all_users = torch.arange(n_users).repeat_interleave(n_items)
        all_items = torch.arange(n_items).repeat(n_users)
        scores = model(all_users, all_items).view(n_users, n_items)
        scores = scores.masked_fill(seen, float("-inf"))
        _, top = torch.topk(scores, 3, dim=1)
    hits = top == held_out[:, None]
    ranks = hits.float().argmax(dim=1)
    ndcg = (hits.any(dim=1).float() / torch.log2(ranks.float() + 2)).mean()
    return {
        "history": history,
        "top": top.tolist(),
        "hit_ratio": hits.any(dim=1).float().mean().item(),
        "ndcg": ndcg.item(),
        "scores": scores[0].tolist(),
    }


def ranking_losses_and_ndcg(torch, init):
    """Learning to rank three ways on the same query lists: pairwise with
    nn.MarginRankingLoss (score pairs and a +1/-1 target from the relevance order), RankNet
    (BCE with logits on score differences against `(rel_i > rel_j).float()`, pairs from
    torch.combinations), and ListNet (cross-entropy between the softmax of the relevances
    and the log-softmax of the scores); NDCG@3 by sorting with the gains 2**rel - 1 and the
    discounts 1 / log2(rank + 1)."""
    nn = torch.nn
    F = nn.functional
    rng = np.random.default_rng(42)
    feats = torch.from_numpy(rng.normal(0, 1, (4, 6, 5)).astype(np.float32))
    true_w = torch.tensor([1.0, -0.5, 0.3, 0.0, 0.8])
    rel = ((feats @ true_w) > 0).float() + ((feats @ true_w) > 1).float()

    def ndcg_at_k(scores, rel, k=3):
        order = scores.argsort(dim=1, descending=True)[:, :k]
        gains = 2 ** rel.gather(1, order) - 1
        discounts = 1.0 / torch.log2(torch.arange(k, dtype=torch.float32) + 2)
        dcg = (gains * discounts).sum(1)
        ideal = (2 ** rel.sort(dim=1, descending=True).values[:, :k] - 1) * discounts
        return (dcg / ideal.sum(1).clamp(min=1e-9)).mean().item()

    pairs = torch.combinations(torch.arange(6), r=2)
    i, j = pairs[:, 0], pairs[:, 1]
    results = {}
    for name in ("margin", "ranknet", "listnet"):
        scorer = init(nn.Linear(5, 1))
        optimizer = torch.optim.SGD(scorer.parameters(), lr=0.1)
        history = []
        for _ in range(8):
            scores = scorer(feats).squeeze(-1)
            if name == "margin":
                target = torch.sign(rel[:, i] - rel[:, j])
                keep = target != 0
                loss = nn.MarginRankingLoss(margin=0.5)(
                    scores[:, i][keep], scores[:, j][keep], target[keep]
                )
            elif name == "ranknet":
                diff = scores[:, i] - scores[:, j]
                loss = F.binary_cross_entropy_with_logits(diff, (rel[:, i] > rel[:, j]).float())
            else:
                loss = -(F.softmax(rel, dim=1) * F.log_softmax(scores, dim=1)).sum(1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.item())
        with torch.no_grad():
            results[name] = [history, ndcg_at_k(scorer(feats).squeeze(-1), rel)]
    results["random"] = ndcg_at_k(-torch.arange(6.0).expand(4, 6), rel)
    return results


def multilabel_training_with_pos_weight(torch, init):
    """Multi-label classification as tag-prediction tutorials write it: targets with several
    ones per row, pos_weight from the label counts (negatives / positives per label) in
    nn.BCEWithLogitsLoss, training with Adam, predictions by `torch.sigmoid(logits) > 0.5`,
    per-label precision, recall and F1 by sums over dim 0, the subset accuracy
    `(preds == y).all(dim=1)`, the Hamming loss; nn.MultiLabelSoftMarginLoss against BCE's
    mean of means."""
    nn = torch.nn
    rng = np.random.default_rng(43)
    x_np = rng.normal(0, 1, (40, 6)).astype(np.float32)
    w_np = rng.normal(0, 1, (6, 4)).astype(np.float32)
    y_np = (x_np @ w_np > np.array([0.5, 1.0, 1.5, 2.0], dtype=np.float32)).astype(np.float32)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    positives = y.sum(dim=0)
    pos_weight = (y.shape[0] - positives) / positives.clamp(min=1)
    model = init(nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 4)))
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    history = []
    for _ in range(15):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        logits = model(x)
    preds = (torch.sigmoid(logits) > 0.5).float()
    tp = (preds * y).sum(dim=0)
    precision = tp / preds.sum(dim=0).clamp(min=1)
    recall = tp / y.sum(dim=0).clamp(min=1)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-8)
    soft_margin = nn.MultiLabelSoftMarginLoss()(logits, y)
    bce = nn.BCEWithLogitsLoss(reduction="none")(logits, y).mean(dim=1).mean()
    return {
        "pos_weight": pos_weight.tolist(),
        "history": history,
        "f1": [precision.tolist(), recall.tolist(), f1.tolist()],
        "subset_accuracy": (preds == y).all(dim=1).float().mean().item(),
        "hamming": (preds != y).float().mean().item(),
        "soft_margin": [soft_margin.item(), bce.item()],
    }


def robust_regression_huber_and_smooth_l1(torch, init):
    """Robust regression on data with outliers, as loss-function blog posts compare them:
    the same linear model trained with nn.MSELoss, nn.L1Loss, nn.HuberLoss(delta=1.0) and
    nn.SmoothL1Loss(beta=0.5), the recovered slopes and intercepts; the identity
    HuberLoss(delta) == delta * SmoothL1Loss(beta=delta), and both losses' gradients at
    residuals inside and outside the threshold."""
    nn = torch.nn
    rng = np.random.default_rng(44)
    x_np = rng.uniform(-2, 2, (50, 1)).astype(np.float32)
    y_np = (3 * x_np + 1 + rng.normal(0, 0.2, (50, 1))).astype(np.float32)
    y_np[:5] += 15.0
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    fits = {}
    for name, criterion in [("mse", nn.MSELoss()), ("l1", nn.L1Loss()),
                            ("huber", nn.HuberLoss(delta=1.0)),
                            ("smooth_l1", nn.SmoothL1Loss(beta=0.5))]:  # fmt: skip
        model = init(nn.Linear(1, 1))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(30):
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        fits[name] = [model.weight.item(), model.bias.item(), loss.item()]
    pred = torch.tensor([0.0, 0.5, 2.0, -3.0], requires_grad=True)
    target = torch.zeros(4)
    huber = nn.HuberLoss(delta=2.0, reduction="sum")(pred, target)
    smooth = 2.0 * nn.SmoothL1Loss(beta=2.0, reduction="sum")(pred, target)
    (g_huber,) = torch.autograd.grad(huber, pred)
    (g_smooth,) = torch.autograd.grad(nn.SmoothL1Loss(beta=0.5)(pred, target), pred)
    return {
        "fits": fits,
        "identity": [huber.item(), smooth.item()],
        "grads": [g_huber.tolist(), g_smooth.tolist()],
    }


def kfold_cross_validation_with_subsets(torch, init):
    """k-fold cross-validation as forum answers write it with torch.utils.data: fold indices
    from a NumPy permutation, Subset for the validation fold and ConcatDataset of Subsets for
    the training folds, DataLoaders with a collate_fn returning a dict, the model reset to one
    initial state_dict (copy.deepcopy) at each fold, per-fold accuracy under
    torch.inference_mode(), and the mean and std of the folds' accuracies."""
    nn = torch.nn
    F = nn.functional
    data = torch.utils.data
    X, y = _moons(60, 45, noise=0.2)
    dataset = data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    folds = np.array_split(np.random.default_rng(46).permutation(len(dataset)), 3)

    def collate_fn(batch):
        xs, ys = zip(*batch)
        return {"x": torch.stack(xs), "y": torch.stack(ys)}

    model = init(nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2)))
    initial_state = copy.deepcopy(model.state_dict())
    accuracies, sizes = [], []
    for k, val_idx in enumerate(folds):
        train_parts = [data.Subset(dataset, f.tolist()) for i, f in enumerate(folds) if i != k]
        train_set = data.ConcatDataset(train_parts)
        val_set = data.Subset(dataset, val_idx.tolist())
        sizes.append([len(train_set), len(val_set)])
        train_loader = data.DataLoader(train_set, batch_size=10, collate_fn=collate_fn)
        val_loader = data.DataLoader(val_set, batch_size=8, collate_fn=collate_fn)
        model.load_state_dict(initial_state)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(3):
            model.train()
            for batch in train_loader:
                loss = F.cross_entropy(model(batch["x"]), batch["y"])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        model.eval()
        correct = 0
        with torch.inference_mode():
            for batch in val_loader:
                correct += (model(batch["x"]).argmax(1) == batch["y"]).sum().item()
        accuracies.append(correct / len(val_set))
    accs = torch.tensor(accuracies)
    return {
        "sizes": sizes,
        "accuracies": accuracies,
        "summary": [accs.mean().item(), accs.std().item()],
        "initial_unchanged": torch.equal(initial_state["0.weight"], model[0].weight) is False,
    }


def gradual_unfreezing_with_add_param_group(torch, init):
    """ULMFiT-style fine-tuning: every layer frozen with requires_grad_(False) but the head,
    an optimizer over the head only, then one layer group unfrozen per epoch and added with
    optimizer.add_param_group({'params': ..., 'lr': lr / 2.6 ** depth}) (discriminative
    rates), a slanted-triangular schedule set by hand in each group's 'lr' through its
    'initial_lr', the number of trainable parameters per epoch, and the optimizer's groups in
    its state_dict."""
    nn = torch.nn
    F = nn.functional
    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                               nn.Linear(8, 3)))  # fmt: skip
    groups = [model[4], model[2], model[0]]
    for p in model.parameters():
        p.requires_grad_(False)
    for p in groups[0].parameters():
        p.requires_grad_(True)
    base_lr = 0.1
    optimizer = torch.optim.SGD(groups[0].parameters(), lr=base_lr, momentum=0.9)
    optimizer.param_groups[0]["initial_lr"] = base_lr
    x = _randn(torch, (24, 4), 47)
    y = torch.from_numpy(np.random.default_rng(48).integers(0, 3, 24))
    log = []
    total_steps, step = 12, 0
    for epoch in range(3):
        if epoch > 0:
            layer = groups[epoch]
            for p in layer.parameters():
                p.requires_grad_(True)
            lr = base_lr / 2.6**epoch
            optimizer.add_param_group({"params": layer.parameters(), "lr": lr, "initial_lr": lr})
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        for xb, yb in zip(x.split(6), y.split(6)):
            cut = int(total_steps * 0.3)
            p_ = step / cut if step < cut else 1 - (step - cut) / (cut * (1 / 0.3 - 1))
            for group in optimizer.param_groups:
                group["lr"] = group["initial_lr"] * (1 + p_ * 31) / 32
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
        log.append([trainable, loss.item(), [g["lr"] for g in optimizer.param_groups]])
    state = optimizer.state_dict()
    return {
        "log": log,
        "groups": [[g["params"], g["lr"], g["momentum"]] for g in state["param_groups"]],
        "first_layer": model[0].weight.tolist(),
    }


def convnext_block_channels_last(torch, init):
    """A ConvNeXt block as the official code writes it: a 7x7 depthwise convolution (here
    3x3), `x.permute(0, 2, 3, 1)` to channels-last, nn.LayerNorm over channels, pointwise
    Linear layers (4x expansion) with GELU, a layer-scale parameter `gamma *
    torch.ones(dim)`, back to channels-first, drop_path as timm's function (identity in eval
    and at rate 0, whole samples dropped and the rest scaled in training, compared by its
    properties), the residual sum; the channels_first LayerNorm written out with mean and
    pow(2); trunc_normal_ init through model.apply."""
    nn = torch.nn

    def drop_path(x, drop_prob=0.0, training=False):
        if drop_prob == 0.0 or not training:
            return x
        keep_prob = 1 - drop_prob
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
        return x * random_tensor / keep_prob

    class LayerNorm2d(nn.Module):
        def __init__(self, normalized_shape, eps=1e-6):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(normalized_shape))
            self.bias = nn.Parameter(torch.zeros(normalized_shape))
            self.eps = eps

        def forward(self, x):
            u = x.mean(1, keepdim=True)
            s = (x - u).pow(2).mean(1, keepdim=True)
            x = (x - u) / torch.sqrt(s + self.eps)
            return self.weight[:, None, None] * x + self.bias[:, None, None]

    class Block(nn.Module):
        def __init__(self, dim, drop_path=0.0, layer_scale_init_value=1e-1):
            super().__init__()
            self.dwconv = nn.Conv2d(dim, dim, kernel_size=3, padding=1, groups=dim)
            self.norm = nn.LayerNorm(dim, eps=1e-6)
            self.pwconv1 = nn.Linear(dim, 4 * dim)
            self.act = nn.GELU()
            self.pwconv2 = nn.Linear(4 * dim, dim)
            self.gamma = nn.Parameter(layer_scale_init_value * torch.ones(dim))
            self.drop_path = drop_path

        def forward(self, x):
            shortcut = x
            x = self.dwconv(x)
            x = x.permute(0, 2, 3, 1)
            x = self.norm(x)
            x = self.pwconv2(self.act(self.pwconv1(x)))
            x = self.gamma * x
            x = x.permute(0, 3, 1, 2)
            return shortcut + drop_path(x, self.drop_path, self.training)

    def _init_weights(m):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(m.weight, std=0.02)
            nn.init.constant_(m.bias, 0)

    net = nn.Sequential(nn.Conv2d(2, 8, 2, stride=2), LayerNorm2d(8), Block(8, 0.5), Block(8))
    net.apply(_init_weights)
    bounded = all(m.weight.abs().max().item() <= 0.04 for m in net.modules()
                  if isinstance(m, (nn.Conv2d, nn.Linear)))  # fmt: skip
    net = init(net)
    x = _randn(torch, (4, 2, 8, 8), 49)
    net.eval()
    out = net(x)
    (out**2).mean().backward()
    net.train()
    dropped = drop_path(torch.ones(64, 3), 0.5, training=True)
    kept = dropped.sum(1) != 0
    return {
        "bounded": bounded,
        "out": [list(out.shape), out[0, :2].tolist()],
        "grads": [net[2].gamma.grad.tolist(), net[1].weight.grad.tolist()],
        "dwconv_grad": net[3].dwconv.weight.grad.flatten().tolist(),
        "drop_path": [
            torch.equal(drop_path(x, 0.5, training=False), x),
            bool(((dropped == 0) | (dropped == 2)).all()),
            bool((dropped[kept] == 2).all()),
        ],
    }


def conditional_gan_label_embedding(torch, init):
    """A conditional GAN on 8x8 digits as the cGAN tutorials write it: the generator's input
    is noise concatenated with nn.Embedding(label), the discriminator's the flattened image
    concatenated with another label embedding; LeakyReLU(0.2), Tanh output, nn.BCELoss with
    real and fake label tensors, Adam(betas=(0.5, 0.999)) for each network, the generator's
    output detached for the discriminator step; noise and labels from NumPy; images generated
    per class in eval mode."""
    nn = torch.nn
    n_classes, latent = 3, 6

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.label_emb = nn.Embedding(n_classes, n_classes)
            self.model = nn.Sequential(nn.Linear(latent + n_classes, 32), nn.LeakyReLU(0.2),
                                       nn.Linear(32, 64), nn.Tanh())  # fmt: skip

        def forward(self, noise, labels):
            gen_input = torch.cat((self.label_emb(labels), noise), -1)
            return self.model(gen_input).view(-1, 1, 8, 8)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.label_embedding = nn.Embedding(n_classes, n_classes)
            self.model = nn.Sequential(nn.Linear(64 + n_classes, 32), nn.LeakyReLU(0.2),
                                       nn.Linear(32, 1), nn.Sigmoid())  # fmt: skip

        def forward(self, img, labels):
            d_in = torch.cat((img.view(img.size(0), -1), self.label_embedding(labels)), -1)
            return self.model(d_in)

    generator, discriminator = init(Generator()), init(Discriminator())
    adversarial_loss = nn.BCELoss()
    optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    imgs = torch.from_numpy(np.concatenate([_digit_images(d, 4) for d in range(3)]) * 2 - 1)
    imgs = imgs.unsqueeze(1)
    labels = torch.arange(3).repeat_interleave(4)
    rng = np.random.default_rng(50)
    history = []
    for _ in range(4):
        valid = torch.ones(imgs.size(0), 1)
        fake = torch.zeros(imgs.size(0), 1)
        z = torch.from_numpy(rng.normal(0, 1, (imgs.size(0), latent)).astype(np.float32))
        gen_labels = torch.from_numpy(rng.integers(0, n_classes, imgs.size(0)))
        optimizer_G.zero_grad()
        gen_imgs = generator(z, gen_labels)
        g_loss = adversarial_loss(discriminator(gen_imgs, gen_labels), valid)
        g_loss.backward()
        optimizer_G.step()
        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(imgs, labels), valid)
        fake_loss = adversarial_loss(discriminator(gen_imgs.detach(), gen_labels), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        history.append([g_loss.item(), d_loss.item()])
    generator.eval()
    with torch.no_grad():
        z = torch.from_numpy(rng.normal(0, 1, (3, latent)).astype(np.float32))
        samples = generator(z, torch.arange(3))
    return {"history": history, "samples": samples[:, 0, :2].tolist()}


def denoising_autoencoder_tied_weights(torch, init):
    """A denoising autoencoder as the classic tutorials write it: inputs corrupted by masking
    noise (a NumPy keep mask) and by Gaussian noise clipped with clamp, an encoder nn.Linear
    whose transpose is the decoder (`F.linear(h, self.encoder.weight.t(), self.b_dec)`), a
    sigmoid output, BCE against the clean input, Adam; the reconstruction error on clean and
    corrupted inputs and the PSNR `10 * torch.log10(1 / mse)`."""
    nn = torch.nn
    F = nn.functional

    class TiedAutoencoder(nn.Module):
        def __init__(self, n_in, n_hidden):
            super().__init__()
            self.encoder = nn.Linear(n_in, n_hidden)
            self.b_dec = nn.Parameter(torch.zeros(n_in))

        def forward(self, x):
            h = torch.sigmoid(self.encoder(x))
            return torch.sigmoid(F.linear(h, self.encoder.weight.t(), self.b_dec))

    clean = torch.from_numpy(
        np.concatenate([_digit_images(d, 6) for d in range(4)]).reshape(-1, 64)
    )
    rng = np.random.default_rng(51)
    model = init(TiedAutoencoder(64, 16))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for step in range(10):
        if step % 2 == 0:
            keep = torch.from_numpy((rng.random(clean.shape) > 0.3).astype(np.float32))
            noisy = clean * keep
        else:
            noise = torch.from_numpy(rng.normal(0, 0.2, clean.shape).astype(np.float32))
            noisy = (clean + noise).clamp(0.0, 1.0)
        recon = model(noisy)
        loss = F.binary_cross_entropy(recon, clean)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        mse_clean = F.mse_loss(model(clean), clean)
        mse_noisy = F.mse_loss(model(noisy), clean)
    return {
        "history": history,
        "mse": [mse_clean.item(), mse_noisy.item()],
        "psnr": (10 * torch.log10(1 / mse_clean)).item(),
        "params": [name for name, _ in model.named_parameters()],
    }


def distillation_with_log_target_kl(torch, init):
    """Knowledge distillation with nn.KLDivLoss(reduction="batchmean", log_target=True):
    the teacher's log_softmax at temperature T as the target, equal to kl_div with the
    teacher's probabilities (log_target=False) and to the KL written out, Hinton's loss
    `alpha * T ** 2 * soft + (1 - alpha) * hard` for a student trained from a frozen teacher
    in eval mode, the agreement of their argmax predictions; reduction "sum" and "mean" of
    the same loss."""
    nn = torch.nn
    F = nn.functional
    teacher = init(nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 4)))
    student = init(nn.Sequential(nn.Linear(6, 4)))
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    x = _randn(torch, (20, 6), 52)
    y = torch.from_numpy(np.random.default_rng(53).integers(0, 4, 20))
    T, alpha = 3.0, 0.7
    kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
    optimizer = torch.optim.SGD(student.parameters(), lr=0.2, momentum=0.9)
    history = []
    for _ in range(10):
        with torch.no_grad():
            teacher_logits = teacher(x)
        student_logits = student(x)
        soft = kl(F.log_softmax(student_logits / T, dim=1), F.log_softmax(teacher_logits / T, 1))
        hard = F.cross_entropy(student_logits, y)
        loss = alpha * T**2 * soft + (1 - alpha) * hard
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append([soft.item(), hard.item()])
    s_log = F.log_softmax(student(x) / T, dim=1)
    t_log = F.log_softmax(teacher(x) / T, dim=1)
    by_probs = F.kl_div(s_log, t_log.exp(), reduction="batchmean")
    by_hand = (t_log.exp() * (t_log - s_log)).sum(1).mean()
    agreement = (student(x).argmax(1) == teacher(x).argmax(1)).float().mean()
    return {
        "history": history,
        "kl": [kl(s_log, t_log).item(), by_probs.item(), by_hand.item()],
        "reductions": [
            F.kl_div(s_log, t_log, reduction="sum", log_target=True).item(),
            F.kl_div(s_log, t_log, reduction="mean", log_target=True).item(),
        ],
        "agreement": agreement.item(),
    }


def imagenet_example_train_validate(torch, init):
    """pytorch/examples' imagenet/main.py evaluation code, small: the AverageMeter class
    (update(val, n), avg) and ProgressMeter-style strings, accuracy(output, target, topk=(1,
    3)) with `output.topk(maxk, 1, True, True)`, `pred.t()`, `pred.eq(target.view(1,
    -1).expand_as(pred))`, `correct[:k].reshape(-1).float().sum(0, keepdim=True)` and
    `mul_(100.0 / batch_size)`; train() and validate() with model.train()/eval(), torch.no_grad,
    SGD with momentum and weight decay, StepLR; the best acc1 tracked with max()."""
    nn = torch.nn

    class AverageMeter:
        def __init__(self, name, fmt=":f"):
            self.name, self.fmt = name, fmt
            self.reset()

        def reset(self):
            self.val = self.avg = self.sum = self.count = 0

        def update(self, val, n=1):
            self.val = val
            self.sum += val * n
            self.count += n
            self.avg = self.sum / self.count

        def __str__(self):
            fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
            return fmtstr.format(**self.__dict__)

    def accuracy(output, target, topk=(1,)):
        with torch.no_grad():
            maxk = max(topk)
            batch_size = target.size(0)
            _, pred = output.topk(maxk, 1, True, True)
            pred = pred.t()
            correct = pred.eq(target.view(1, -1).expand_as(pred))
            res = []
            for k in topk:
                correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
                res.append(correct_k.mul_(100.0 / batch_size))
            return res

    model = init(nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.0),
                               nn.Linear(32, 5)))  # fmt: skip
    images = torch.from_numpy(np.concatenate([_digit_images(d, 8) for d in range(5)]))
    targets = torch.arange(5).repeat_interleave(8)
    order = torch.from_numpy(np.random.default_rng(54).permutation(40))
    train_loader = list(zip(images[order[:30]].split(10), targets[order[:30]].split(10)))
    val_loader = list(zip(images[order[30:]].split(5), targets[order[30:]].split(5)))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)

    def validate():
        losses, top1, top3 = AverageMeter("Loss", ":.4e"), AverageMeter("Acc@1", ":6.2f"), \
            AverageMeter("Acc@3", ":6.2f")  # fmt: skip
        model.eval()
        with torch.no_grad():
            for images_, target in val_loader:
                output = model(images_)
                loss = criterion(output, target)
                acc1, acc3 = accuracy(output, target, topk=(1, 3))
                losses.update(loss.item(), images_.size(0))
                top1.update(acc1[0], images_.size(0))
                top3.update(acc3[0], images_.size(0))
        return top1.avg.item(), top3.avg.item(), str(top1), str(top3)

    best_acc1, log = 0, []
    for _ in range(3):
        meter = AverageMeter("Loss", ":.4f")
        model.train()
        for images_, target in train_loader:
            output = model(images_)
            loss = criterion(output, target)
            meter.update(loss.item(), images_.size(0))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        acc1, acc3, s1, s3 = validate()
        scheduler.step()
        best_acc1 = max(acc1, best_acc1)
        log.append([meter.avg, acc1, acc3, s1, s3, scheduler.get_last_lr()[0]])
    return {"log": log, "best": best_acc1}


def nadaraya_watson_attention_pooling(torch, init):
    """d2l's "Attention Pooling": Nadaraya-Watson kernel regression (a Gaussian kernel's
    softmax over `-((x_test - x_train) ** 2) / 2` by repeat_interleave and reshape, the
    prediction by matmul), then the parametric version with a learnable w (NWKernelRegression
    with torch.bmm over keys and values that leave each example out by a boolean mask of
    `1 - torch.eye(n)`), trained with MSELoss(reduction='none').sum() and SGD; the attention
    weights' row sums."""
    nn = torch.nn
    n_train = 20
    rng = np.random.default_rng(55)
    x_train, _ = torch.sort(torch.from_numpy((rng.random(n_train) * 5).astype(np.float32)))

    def f(x):
        return 2 * torch.sin(x) + x**0.8

    noise = torch.from_numpy(rng.normal(0.0, 0.5, (n_train,)).astype(np.float32))
    y_train = f(x_train) + noise
    x_test = torch.arange(0, 5, 0.25)
    n_test = len(x_test)
    X_repeat = x_test.repeat_interleave(n_train).reshape((-1, n_train))
    attention_weights = nn.functional.softmax(-((X_repeat - x_train) ** 2) / 2, dim=1)
    y_hat = torch.matmul(attention_weights, y_train)

    class NWKernelRegression(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.rand((1,), requires_grad=True))

        def forward(self, queries, keys, values):
            queries = queries.repeat_interleave(keys.shape[1]).reshape((-1, keys.shape[1]))
            self.attention_weights = nn.functional.softmax(
                -(((queries - keys) * self.w) ** 2) / 2, dim=1
            )
            return torch.bmm(self.attention_weights.unsqueeze(1), values.unsqueeze(-1)).reshape(-1)

    X_tile = x_train.repeat((n_train, 1))
    Y_tile = y_train.repeat((n_train, 1))
    mask = (1 - torch.eye(n_train)).type(torch.bool)
    keys = X_tile[mask].reshape((n_train, -1))
    values = Y_tile[mask].reshape((n_train, -1))
    net = init(NWKernelRegression())
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    history = []
    for _ in range(5):
        trainer.zero_grad()
        l_ = loss(net(x_train, keys, values), y_train)
        l_.sum().backward()
        trainer.step()
        history.append(float(l_.sum()))
    keys = x_train.repeat((n_test, 1))
    values = y_train.repeat((n_test, 1))
    y_param = net(x_test, keys, values).unsqueeze(1).detach()
    return {
        "nonparametric": y_hat.tolist(),
        "history": history,
        "w": net.w.item(),
        "parametric": y_param.flatten().tolist(),
        "row_sums": net.attention_weights.sum(1).detach().tolist(),
    }


def d2l_masked_softmax_ce_seq2seq(torch, init):
    """d2l's seq2seq chapter: sequence_mask by `torch.arange(maxlen)[None, :] < valid_len[:,
    None]`, MaskedSoftmaxCELoss subclassing nn.CrossEntropyLoss (self.reduction = 'none' in
    forward, `pred.permute(0, 2, 1)`, the mask's weights), a GRU encoder-decoder whose decoder
    concatenates the encoder's last state as context to every input, teacher forcing with a
    <bos> column by torch.cat, d2l's grad_clipping (the norm over every parameter, then
    `param.grad[:] *= theta / norm`), Adam; and d2l's masked_softmax for attention with
    valid lens repeated by repeat_interleave."""
    nn = torch.nn
    F = nn.functional

    def sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = (
            torch.arange((maxlen), dtype=torch.float32, device=X.device)[None, :]
            < valid_len[:, None]
        )
        X[~mask] = value
        return X

    class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
        def forward(self, pred, label, valid_len):
            weights = torch.ones_like(label)
            weights = sequence_mask(weights, valid_len)
            self.reduction = "none"
            unweighted_loss = super().forward(pred.permute(0, 2, 1), label)
            return (unweighted_loss * weights).mean(dim=1)

    def masked_softmax(X, valid_lens):
        if valid_lens is None:
            return F.softmax(X, dim=-1)
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = torch.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return F.softmax(X.reshape(shape), dim=-1)

    class Seq2Seq(nn.Module):
        def __init__(self, vocab, embed, hidden):
            super().__init__()
            self.enc_emb = nn.Embedding(vocab, embed)
            self.enc_rnn = nn.GRU(embed, hidden, batch_first=True)
            self.dec_emb = nn.Embedding(vocab, embed)
            self.dec_rnn = nn.GRU(embed + hidden, hidden, batch_first=True)
            self.dense = nn.Linear(hidden, vocab)

        def forward(self, enc_X, dec_X):
            _, state = self.enc_rnn(self.enc_emb(enc_X))
            emb = self.dec_emb(dec_X)
            context = state[-1].unsqueeze(1).repeat(1, emb.shape[1], 1)
            out, _ = self.dec_rnn(torch.cat((emb, context), 2), state)
            return self.dense(out)

    def grad_clipping(net, theta):
        params = [p for p in net.parameters() if p.requires_grad]
        norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
        if norm > theta:
            for param in params:
                param.grad[:] *= theta / norm
        return norm.item()

    X = torch.tensor([[3, 4, 5, 1, 0], [6, 7, 1, 0, 0], [4, 4, 6, 7, 1]])
    Y = torch.tensor([[5, 4, 3, 1, 0], [7, 6, 1, 0, 0], [7, 6, 4, 4, 1]])
    Y_valid_len = (Y != 0).sum(1)
    bos = torch.tensor([2] * Y.shape[0]).reshape(-1, 1)
    dec_input = torch.cat([bos, Y[:, :-1]], 1)
    net = init(Seq2Seq(8, 4, 6))
    loss = MaskedSoftmaxCELoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    history = []
    for _ in range(6):
        optimizer.zero_grad()
        Y_hat = net(X, dec_input)
        l_ = loss(Y_hat, Y, Y_valid_len)
        l_.sum().backward()
        norm = grad_clipping(net, 1)
        optimizer.step()
        history.append([l_.sum().item(), norm])
    scores = _randn(torch, (2, 2, 4), 56)
    return {
        "mask": sequence_mask(torch.ones(3, 5), torch.tensor([1, 2, 4])).tolist(),
        "history": history,
        "masked_softmax": [
            masked_softmax(scores, torch.tensor([2, 3])).tolist(),
            masked_softmax(scores, torch.tensor([[1, 3], [2, 4]])).tolist(),
        ],
    }


def bert_masked_lm_and_next_sentence(torch, init):
    """d2l's BERT pretraining pieces: get_tokens_and_segments, a BERTEncoder with token and
    segment embeddings and a learnable positional nn.Parameter, nn.TransformerEncoderLayer
    blocks with a key padding mask from valid lens; MaskLM gathering the predicted positions
    by `batch_idx = torch.repeat_interleave(torch.arange(batch_size), num_pred_positions)`
    and `X[batch_idx, pred_positions]`; NextSentencePred on the <cls> hidden state; the MLM
    loss weighted by mlm_weights_X, the NSP loss, one Adam step, and the loss after it."""
    nn = torch.nn
    F = nn.functional

    def get_tokens_and_segments(tokens_a, tokens_b=None):
        tokens = ["<cls>"] + tokens_a + ["<sep>"]
        segments = [0] * (len(tokens_a) + 2)
        if tokens_b is not None:
            tokens += tokens_b + ["<sep>"]
            segments += [1] * (len(tokens_b) + 1)
        return tokens, segments

    class BERTEncoder(nn.Module):
        def __init__(self, vocab_size, num_hiddens, num_heads, num_layers, max_len=16):
            super().__init__()
            self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
            self.segment_embedding = nn.Embedding(2, num_hiddens)
            self.blks = nn.ModuleList([
                nn.TransformerEncoderLayer(num_hiddens, num_heads, 2 * num_hiddens, dropout=0.0,
                                           batch_first=True)
                for _ in range(num_layers)
            ])  # fmt: skip
            self.pos_embedding = nn.Parameter(torch.randn(1, max_len, num_hiddens))

        def forward(self, tokens, segments, valid_lens):
            X = self.token_embedding(tokens) + self.segment_embedding(segments)
            X = X + self.pos_embedding[:, : X.shape[1], :]
            padding = torch.arange(X.shape[1])[None, :] >= valid_lens[:, None]
            for blk in self.blks:
                X = blk(X, src_key_padding_mask=padding)
            return X

    class MaskLM(nn.Module):
        def __init__(self, vocab_size, num_hiddens):
            super().__init__()
            self.mlp = nn.Sequential(
                nn.Linear(num_hiddens, num_hiddens),
                nn.ReLU(),
                nn.LayerNorm(num_hiddens),
                nn.Linear(num_hiddens, vocab_size),
            )

        def forward(self, X, pred_positions):
            num_pred_positions = pred_positions.shape[1]
            pred_positions = pred_positions.reshape(-1)
            batch_size = X.shape[0]
            batch_idx = torch.arange(0, batch_size)
            batch_idx = torch.repeat_interleave(batch_idx, num_pred_positions)
            masked_X = X[batch_idx, pred_positions]
            masked_X = masked_X.reshape((batch_size, num_pred_positions, -1))
            return self.mlp(masked_X)

    class BERTModel(nn.Module):
        def __init__(self, vocab_size, num_hiddens=8, num_heads=2, num_layers=2):
            super().__init__()
            self.encoder = BERTEncoder(vocab_size, num_hiddens, num_heads, num_layers)
            self.hidden = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.Tanh())
            self.mlm = MaskLM(vocab_size, num_hiddens)
            self.nsp = nn.Linear(num_hiddens, 2)

        def forward(self, tokens, segments, valid_lens, pred_positions):
            encoded_X = self.encoder(tokens, segments, valid_lens)
            mlm_Y_hat = self.mlm(encoded_X, pred_positions)
            nsp_Y_hat = self.nsp(self.hidden(encoded_X[:, 0, :]))
            return encoded_X, mlm_Y_hat, nsp_Y_hat

    vocab = ["<pad>", "<cls>", "<sep>", "<mask>", "the", "cat", "sat", "on", "mat", "dog", "ran"]
    idx = {t: i for i, t in enumerate(vocab)}
    pairs = [(["the", "cat", "sat"], ["on", "the", "mat"]), (["the", "dog"], ["ran"])]
    tokens, segments, valid_lens = [], [], []
    for a, b in pairs:
        toks, segs = get_tokens_and_segments(a, b)
        valid_lens.append(len(toks))
        tokens.append([idx[t] for t in toks] + [0] * (10 - len(toks)))
        segments.append(segs + [0] * (10 - len(segs)))
    tokens, segments = torch.tensor(tokens), torch.tensor(segments)
    valid_lens = torch.tensor(valid_lens)
    pred_positions = torch.tensor([[2, 5], [1, 4]])
    mlm_Y = tokens.gather(1, pred_positions)
    mlm_weights_X = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    tokens = tokens.scatter(1, pred_positions, idx["<mask>"])
    nsp_y = torch.tensor([1, 0])
    net = init(BERTModel(len(vocab)))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    loss = nn.CrossEntropyLoss(reduction="none")
    history = []
    for _ in range(3):
        _, mlm_Y_hat, nsp_Y_hat = net(tokens, segments, valid_lens, pred_positions)
        mlm_l = loss(mlm_Y_hat.reshape(-1, len(vocab)), mlm_Y.reshape(-1))
        mlm_l = (mlm_l * mlm_weights_X.reshape(-1)).sum() / (mlm_weights_X.sum() + 1e-8)
        nsp_l = loss(nsp_Y_hat, nsp_y).mean()
        total = mlm_l + nsp_l
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        history.append([mlm_l.item(), nsp_l.item()])
    encoded, mlm_Y_hat, _ = net(tokens, segments, valid_lens, pred_positions)
    return {
        "tokens": get_tokens_and_segments(["a", "b"], ["c"]),
        "history": history,
        "shapes": [list(encoded.shape), list(mlm_Y_hat.shape)],
        "mlm": F.softmax(mlm_Y_hat, -1)[0, 0].tolist(),
    }


def optimizer_with_a_tensor_lr_and_scheduler(torch, init):
    """The "compiled optimizer with an LR scheduler" recipe's setup: `lr=torch.tensor(0.01)`
    (a tensor, so that changing it does not recompile), Adam and SGD with momentum stepped
    with LinearLR and ExponentialLR, and the group's lr tensor updated in place (the same
    object, its value the schedule's), base_lrs and get_last_lr() holding copies, the lr in
    the optimizer's state_dict. The recipe's `@torch.compile(fullgraph=False) def fn():
    opt.step(); sched.step()` is left out: compiling an optimizer step takes PyTorch half a
    minute here, and minigrad runs it eagerly with a warning (docs/static.md)."""
    nn = torch.nn
    model = init(nn.Sequential(*[nn.Linear(8, 8, bias=False) for _ in range(3)]))
    x = _randn(torch, (4, 8), 57)
    lr = torch.tensor(0.01)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LinearLR(opt, total_iters=5)
    log = []
    for _ in range(5):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        sched.step()
        group_lr = opt.param_groups[0]["lr"]
        log.append([group_lr.item(), group_lr is lr, sched.get_last_lr()[0].item()])
    sgd_model = init(nn.Linear(8, 2))
    sgd = torch.optim.SGD(sgd_model.parameters(), lr=torch.tensor(0.1), momentum=0.9)
    exp = torch.optim.lr_scheduler.ExponentialLR(sgd, gamma=0.5)
    for _ in range(3):
        sgd.zero_grad()
        sgd_model(x).pow(2).mean().backward()
        sgd.step()
        exp.step()
    return {
        "log": log,
        "lr_is_tensor": isinstance(opt.param_groups[0]["lr"], torch.Tensor),
        "base_lrs": [sched.base_lrs[0].item(), sched.base_lrs[0] is lr],
        "initial_lr": opt.param_groups[0]["initial_lr"].item(),
        "state_dict_lr": float(opt.state_dict()["param_groups"][0]["lr"]),
        "weights": model[0].weight.tolist(),
        "sgd": [sgd_model.weight.tolist(), sgd.param_groups[0]["lr"].item()],
    }


def torch_compile_introduction(torch, init):
    """The "Introduction to torch.compile" tutorial and the PyTorch 2 training recipes: a
    function of tensors compiled by a call and by the decorator, a module compiled by
    `opt_mod = torch.compile(mod)` and in place by `mod.compile()`, the same numbers as
    eager; a model compiled and trained (its parameters through the compiled module), then
    evaluated under no_grad in eval mode on another batch size; what the compiled module is
    (an nn.Module holding the original as `_orig_mod`, state_dict keys prefixed with
    '_orig_mod.', train/eval reaching the original, print), the original's state_dict loaded
    into a fresh model, and copy.deepcopy of the compiled model. backend="eager" here only
    because PyTorch's default backend spends half a minute generating C++ on this machine
    (minigrad ignores backend). Not in PROGRAMS: its test puts back the process-wide state
    PyTorch's first compile changes."""
    nn = torch.nn
    F = nn.functional

    def foo(x, y):
        a = torch.sin(x)
        b = torch.cos(y)
        return a + b

    opt_foo1 = torch.compile(foo, backend="eager")
    t1, t2 = _randn(torch, (10, 10), 58), _randn(torch, (10, 10), 59)

    @torch.compile(backend="eager")
    def opt_foo2(x, y):
        a = torch.sin(x)
        b = torch.cos(y)
        return a + b

    class MyModule(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(100, 10)

        def forward(self, x):
            return F.relu(self.lin(x))

    mod = init(MyModule())
    opt_mod = torch.compile(mod, backend="eager")
    x100 = _randn(torch, (10, 100), 60)
    same = [
        torch.allclose(opt_foo1(t1, t2), foo(t1, t2)),
        torch.allclose(opt_foo2(t1, t2), foo(t1, t2)),
        torch.allclose(opt_mod(x100), mod(x100)),
    ]
    mod2 = init(MyModule())
    mod2.compile(backend="eager")
    same.append(torch.allclose(mod2(x100), mod(x100)))

    model = init(nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)))
    opt_model = torch.compile(model, backend="eager")
    optimizer = torch.optim.SGD(opt_model.parameters(), lr=0.1, momentum=0.9)
    x = _randn(torch, (12, 6), 61)
    y = torch.from_numpy(np.random.default_rng(62).integers(0, 3, 12))
    history = []
    for _ in range(5):
        opt_model.train()
        loss = F.cross_entropy(opt_model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    opt_model.eval()
    with torch.no_grad():
        val = opt_model(_randn(torch, (5, 6), 63))
    fresh = init(nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)))
    fresh.load_state_dict(opt_model._orig_mod.state_dict())
    twin = copy.deepcopy(opt_model)
    with torch.no_grad():
        twin._orig_mod[2].bias.add_(1.0)
        shifted = (twin(x) - opt_model(x)).mean().item()
    return {
        "same": same,
        "history": history,
        "val": val.tolist(),
        "module": [
            isinstance(opt_model, nn.Module),
            opt_model._orig_mod is model,
            list(opt_model.state_dict().keys()),
            [model.training, opt_model.training],
            str(opt_model).replace(f"{torch.__name__}.", ""),
        ],
        "fresh": torch.equal(fresh(x), model(x)),
        "deepcopy": [twin._orig_mod is not model, shifted],
    }


def einsum_multihead_attention_matches_module(torch, init):
    """Multi-head attention written with torch.einsum, as blog posts derive it, against
    nn.MultiheadAttention(batch_first=True) with the same weights: in_proj_weight and
    in_proj_bias split by chunk(3), heads by view(B, L, H, d), scores 'bqhd,bkhd->bhqk' over
    sqrt(d), a key padding mask by masked_fill of -inf, softmax, 'bhqk,bkhd->bqhd', out_proj;
    the outputs, the head-averaged weights, and the gradients of both with respect to the
    input and to in_proj_weight."""
    nn = torch.nn
    F = nn.functional
    E, H, B, L = 8, 2, 3, 5
    d = E // H
    mha = init(nn.MultiheadAttention(E, H, batch_first=True))
    x = _randn(torch, (B, L, E), 64).requires_grad_()
    padding = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])
    out, weights = mha(x, x, x, key_padding_mask=padding)
    (out**2).sum().backward()
    module_grads = [x.grad.clone(), mha.in_proj_weight.grad.clone()]
    x.grad = None
    mha.zero_grad()
    w_q, w_k, w_v = mha.in_proj_weight.chunk(3)
    b_q, b_k, b_v = mha.in_proj_bias.chunk(3)
    q = F.linear(x, w_q, b_q).view(B, L, H, d)
    k = F.linear(x, w_k, b_k).view(B, L, H, d)
    v = F.linear(x, w_v, b_v).view(B, L, H, d)
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d)
    scores = scores.masked_fill(padding[:, None, None, :], float("-inf"))
    attn = scores.softmax(dim=-1)
    heads = torch.einsum("bhqk,bkhd->bqhd", attn, v).reshape(B, L, E)
    mine = mha.out_proj(heads)
    (mine**2).sum().backward()
    return {
        "close": [torch.allclose(mine, out, atol=1e-6), torch.allclose(attn.mean(1), weights)],
        "out": out.tolist(),
        "weights": weights.tolist(),
        "grads": [g.tolist() for g in module_grads],
        "same_grads": [
            torch.allclose(x.grad, module_grads[0], atol=1e-5),
            torch.allclose(mha.in_proj_weight.grad, module_grads[1], atol=1e-5),
        ],
    }


def class_imbalance_weighted_sampler_and_loss(torch, init):
    """Class imbalance as the forum answers handle it: per-sample weights `1 /
    class_counts[y]` from torch.bincount into a WeightedRandomSampler(replacement=True,
    generator=g) behind a DataLoader (the draws differ between the libraries: compared by
    the classes' frequencies, nearly balanced, and the batches' shapes), then the
    deterministic alternative: nn.CrossEntropyLoss(weight=...) with inverse-frequency class
    weights normalised to sum to the class count, trained, with balanced accuracy by
    per-class recall."""
    nn = torch.nn
    data = torch.utils.data
    rng = np.random.default_rng(65)
    y_np = np.concatenate([np.zeros(60), np.ones(25), np.full(15, 2)]).astype(np.int64)
    x_np = (rng.normal(0, 1, (100, 4)) + y_np[:, None]).astype(np.float32)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    class_counts = torch.bincount(y)
    sample_weights = 1.0 / class_counts[y].float()
    g = torch.Generator().manual_seed(0)
    sampler = data.WeightedRandomSampler(sample_weights, num_samples=3000, replacement=True,
                                         generator=g)  # fmt: skip
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=500, sampler=sampler)
    seen = torch.cat([yb for _, yb in loader])
    freqs = torch.bincount(seen, minlength=3).float() / len(seen)
    shapes = [list(xb.shape) for xb, _ in loader]
    class_weights = 1.0 / class_counts.float()
    class_weights = class_weights / class_weights.sum() * 3
    model = init(nn.Linear(4, 3))
    criterion = nn.CrossEntropyLoss(weight=class_weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    history = []
    for _ in range(10):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        preds = model(x).argmax(1)
    recall = torch.stack([(preds[y == c] == c).float().mean() for c in range(3)])
    return {
        "counts": class_counts.tolist(),
        "balanced": bool(((freqs - 1 / 3).abs() < 0.05).all()),
        "batches": [len(sampler), shapes],
        "class_weights": class_weights.tolist(),
        "history": history,
        "balanced_accuracy": recall.mean().item(),
        "recall": recall.tolist(),
    }


def one_cycle_and_warm_restarts_in_training_loops(torch, init):
    """Schedulers stepped inside training loops as the docs' examples write them: OneCycleLR
    with steps_per_epoch and epochs stepped after every batch (SGD's momentum cycled in the
    opposite direction, read from param_groups), and CosineAnnealingWarmRestarts stepped with
    a fractional epoch `scheduler.step(epoch + i / iters)` inside the batch loop, T_0=2,
    T_mult=2, eta_min; the lrs, momenta and losses of each."""
    nn = torch.nn
    F = nn.functional
    x = _randn(torch, (24, 5), 66)
    y = torch.from_numpy(np.random.default_rng(67).integers(0, 3, 24))
    loader = list(zip(x.split(6), y.split(6)))
    model = init(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.5, steps_per_epoch=len(loader), epochs=3
    )
    one_cycle = []
    for _ in range(3):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            group = optimizer.param_groups[0]
            one_cycle.append([loss.item(), group["lr"], group["momentum"]])
    model2 = init(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)))
    optimizer = torch.optim.SGD(model2.parameters(), lr=0.2)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer, T_0=2, T_mult=2, eta_min=0.01
    )
    iters = len(loader)
    restarts = []
    for epoch in range(4):
        for i, (xb, yb) in enumerate(loader):
            loss = F.cross_entropy(model2(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step(epoch + i / iters)
            restarts.append([loss.item(), scheduler.get_last_lr()[0]])
    return {"one_cycle": one_cycle, "restarts": restarts, "T_i": scheduler.T_i}


def gru_masking_against_packed_sequences(torch, init):
    """Variable-length sequences two ways, as RNN tutorials contrast them: an nn.GRUCell
    unrolled by hand over a padded batch, the state kept where a step is padding by
    `torch.where(mask[:, t, None], h_new, h)`, against nn.GRU (the same weights) over
    pack_padded_sequence(enforce_sorted=False): the last states equal h_n, and the outputs
    equal pad_packed_sequence's where they are not padding; the gradients of the weights."""
    nn = torch.nn
    rnn_utils = nn.utils.rnn
    gru = init(nn.GRU(3, 5, batch_first=True))
    cell = nn.GRUCell(3, 5)
    with torch.no_grad():
        cell.weight_ih.copy_(gru.weight_ih_l0)
        cell.weight_hh.copy_(gru.weight_hh_l0)
        cell.bias_ih.copy_(gru.bias_ih_l0)
        cell.bias_hh.copy_(gru.bias_hh_l0)
    x = _randn(torch, (4, 6, 3), 68)
    lengths = torch.tensor([6, 2, 4, 1])
    mask = torch.arange(6)[None, :] < lengths[:, None]
    h = torch.zeros(4, 5)
    outs = []
    for t in range(6):
        h_new = cell(x[:, t], h)
        h = torch.where(mask[:, t, None], h_new, h)
        outs.append(h_new * mask[:, t, None])
    manual = torch.stack(outs, dim=1)
    packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = gru(packed)
    padded, _ = rnn_utils.pad_packed_sequence(out, batch_first=True)
    (h.pow(2).sum() + manual.sum()).backward()
    (h_n.pow(2).sum() + padded.sum()).backward()
    return {
        "last": [torch.allclose(h, h_n[0], atol=1e-6), h_n[0].tolist()],
        "outputs": [list(padded.shape), torch.allclose(manual, padded, atol=1e-6)],
        "grads": [
            torch.allclose(cell.weight_hh.grad, gru.weight_hh_l0.grad, atol=1e-5),
            gru.weight_hh_l0.grad.tolist(),
        ],
    }


def early_stopping_class_with_checkpoint_file(torch, init):
    """The EarlyStopping class of the early-stopping-pytorch repository: patience, delta,
    best_score, counter and early_stop, val_loss_min, save_checkpoint writing
    `torch.save(model.state_dict(), self.path)` to a temporary file; a training loop with a
    validation loss per epoch that stops when it stops improving, then
    `model.load_state_dict(torch.load(path, weights_only=True))` restores the best weights."""
    import os
    import tempfile

    nn = torch.nn
    F = nn.functional

    class EarlyStopping:
        def __init__(self, patience=7, delta=0.0, path="checkpoint.pt"):
            self.patience, self.delta, self.path = patience, delta, path
            self.counter = 0
            self.best_score = None
            self.early_stop = False
            self.val_loss_min = np.inf
            self.log = []

        def __call__(self, val_loss, model):
            score = -val_loss
            if self.best_score is None:
                self.best_score = score
                self.save_checkpoint(val_loss, model)
            elif score < self.best_score + self.delta:
                self.counter += 1
                self.log.append(f"EarlyStopping counter: {self.counter} out of {self.patience}")
                if self.counter >= self.patience:
                    self.early_stop = True
            else:
                self.best_score = score
                self.save_checkpoint(val_loss, model)
                self.counter = 0

        def save_checkpoint(self, val_loss, model):
            # NOTE: the repository prints 6 decimals; 3 here, as float32 runs differ in the 7th
            self.log.append(f"Validation loss decreased ({self.val_loss_min:.3f} --> "
                            f"{val_loss:.3f}).  Saving model ...")  # fmt: skip
            torch.save(model.state_dict(), self.path)
            self.val_loss_min = val_loss

    rng = np.random.default_rng(69)
    x_np = rng.normal(0, 1, (40, 3)).astype(np.float32)
    y_np = (x_np @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
            + rng.normal(0, 1.0, (40, 1))).astype(np.float32)  # fmt: skip
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    x_train, y_train, x_val, y_val = x[:12], y[:12], x[12:], y[12:]
    model = init(nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checkpoint.pt")
        early_stopping = EarlyStopping(patience=3, delta=1e-4, path=path)
        epochs = []
        for _ in range(40):
            model.train()
            loss = F.mse_loss(model(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            model.eval()
            with torch.no_grad():
                val_loss = F.mse_loss(model(x_val), y_val).item()
            epochs.append([loss.item(), val_loss])
            early_stopping(val_loss, model)
            if early_stopping.early_stop:
                break
        model.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        restored = F.mse_loss(model(x_val), y_val).item()
    return {
        "stopped_at": len(epochs),
        "epochs": epochs,
        "log": early_stopping.log,
        "restored": [restored, early_stopping.val_loss_min],
    }


def text_cnn_sentence_classification(torch, init):
    """Kim's CNN for sentence classification as its PyTorch ports write it: an embedding of
    padded token ids, `x.unsqueeze(1)` into Conv2d layers of kernel (k, embed_dim) for k in
    (2, 3, 4) in an nn.ModuleList, `F.relu(conv(x)).squeeze(3)`, max-over-time by
    `F.max_pool1d(i, i.size(2)).squeeze(2)`, torch.cat of the pooled features, dropout
    (eval), a Linear; Adadelta as in the paper, and the max-norm constraint on the last
    layer's weight rows by torch.renorm."""
    nn = torch.nn
    F = nn.functional

    class CNNText(nn.Module):
        def __init__(self, vocab, dim, n_filters, sizes, n_classes):
            super().__init__()
            self.embed = nn.Embedding(vocab, dim, padding_idx=0)
            self.convs = nn.ModuleList([nn.Conv2d(1, n_filters, (k, dim)) for k in sizes])
            self.dropout = nn.Dropout(0.5)
            self.fc1 = nn.Linear(len(sizes) * n_filters, n_classes)

        def forward(self, x):
            x = self.embed(x).unsqueeze(1)
            x = [F.relu(conv(x)).squeeze(3) for conv in self.convs]
            x = [F.max_pool1d(i, i.size(2)).squeeze(2) for i in x]
            x = self.dropout(torch.cat(x, 1))
            return self.fc1(x)

    rng = np.random.default_rng(70)
    tokens = torch.from_numpy(rng.integers(1, 20, (8, 7)))
    tokens[::2, 5:] = 0
    labels = torch.from_numpy(rng.integers(0, 2, 8))
    model = init(CNNText(20, 6, 3, (2, 3, 4), 2))
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    history = []
    for _ in range(6):
        model.eval()  # dropout's draws differ between the libraries
        loss = F.cross_entropy(model(tokens), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.fc1.weight.data = torch.renorm(model.fc1.weight.data, p=2, dim=0, maxnorm=0.5)
        history.append(loss.item())
    with torch.no_grad():
        logits = model(tokens)
    return {
        "history": history,
        "norms": model.fc1.weight.norm(dim=1).tolist(),
        "logits": logits.tolist(),
        "pad_grad": model.embed.weight.grad[0].tolist(),
    }


def luong_attention_score_functions(torch, init):
    """Luong et al.'s attention as the chatbot and NMT tutorials write it: the Attn module
    with the "dot", "general" and "concat" score functions (`torch.sum(hidden *
    encoder_output, dim=2)`, through a Linear, and `self.v * energy` after tanh of the
    concatenation with hidden.expand), `F.softmax(attn_energies.t(), dim=1).unsqueeze(1)`,
    the context by `attn_weights.bmm(encoder_outputs.transpose(0, 1))`, the concat layer
    with tanh; the weights and gradients of each."""
    nn = torch.nn
    F = nn.functional

    class Attn(nn.Module):
        def __init__(self, method, hidden_size):
            super().__init__()
            self.method = method
            if method == "general":
                self.attn = nn.Linear(hidden_size, hidden_size)
            elif method == "concat":
                self.attn = nn.Linear(hidden_size * 2, hidden_size)
                self.v = nn.Parameter(torch.FloatTensor(hidden_size))

        def dot_score(self, hidden, encoder_output):
            return torch.sum(hidden * encoder_output, dim=2)

        def general_score(self, hidden, encoder_output):
            return torch.sum(hidden * self.attn(encoder_output), dim=2)

        def concat_score(self, hidden, encoder_output):
            energy = self.attn(
                torch.cat((hidden.expand(encoder_output.size(0), -1, -1), encoder_output), 2)
            ).tanh()
            return torch.sum(self.v * energy, dim=2)

        def forward(self, hidden, encoder_outputs):
            score = getattr(self, f"{self.method}_score")
            attn_energies = score(hidden, encoder_outputs).t()
            return F.softmax(attn_energies, dim=1).unsqueeze(1)

    H, T, B = 4, 5, 2
    encoder_outputs = _randn(torch, (T, B, H), 71)
    rnn_output = _randn(torch, (1, B, H), 72)
    results = {}
    for method in ("dot", "general", "concat"):
        attn = Attn(method, H)
        if method == "concat":
            with torch.no_grad():
                attn.v.copy_(torch.linspace(-1, 1, H))
        attn = init(attn)
        concat = init(nn.Linear(2 * H, H))
        hidden = rnn_output.clone().requires_grad_()
        attn_weights = attn(hidden, encoder_outputs)
        context = attn_weights.bmm(encoder_outputs.transpose(0, 1)).squeeze(1)
        concat_output = torch.tanh(concat(torch.cat((rnn_output.squeeze(0), context), 1)))
        concat_output.sum().backward()
        results[method] = [attn_weights.tolist(), concat_output.tolist(), hidden.grad.tolist()]
    return results


def tiny_unet_with_skip_connections(torch, init):
    """A U-Net as the segmentation tutorials write it, tiny: DoubleConv blocks (Conv2d,
    BatchNorm2d, ReLU twice), down by MaxPool2d, up by ConvTranspose2d(stride=2), the skip
    connection padded with F.pad by the size difference `diffY // 2, diffY - diffY // 2`
    and joined by torch.cat on channels, a 1x1 output convolution; BCEWithLogitsLoss on a
    mask, Adam, train and eval (running statistics), the IoU of the thresholded prediction."""
    nn = torch.nn
    F = nn.functional

    class DoubleConv(nn.Module):
        def __init__(self, in_ch, out_ch):
            super().__init__()
            self.double_conv = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch),
                nn.ReLU(inplace=True),
                nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch),
                nn.ReLU(inplace=True),
            )  # fmt: skip

        def forward(self, x):
            return self.double_conv(x)

    class Up(nn.Module):
        def __init__(self, in_ch, out_ch):
            super().__init__()
            self.up = nn.ConvTranspose2d(in_ch, in_ch // 2, kernel_size=2, stride=2)
            self.conv = DoubleConv(in_ch, out_ch)

        def forward(self, x1, x2):
            x1 = self.up(x1)
            diffY = x2.size()[2] - x1.size()[2]
            diffX = x2.size()[3] - x1.size()[3]
            x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
            return self.conv(torch.cat([x2, x1], dim=1))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inc = DoubleConv(1, 4)
            self.down = nn.Sequential(nn.MaxPool2d(2), DoubleConv(4, 8))
            self.up = Up(8, 4)
            self.outc = nn.Conv2d(4, 1, kernel_size=1)

        def forward(self, x):
            x1 = self.inc(x)
            x2 = self.down(x1)
            return self.outc(self.up(x2, x1))

    images = torch.from_numpy(np.stack([_digit_images(d, 1)[0, :7, :7] for d in range(4)]))
    images = images.unsqueeze(1)
    masks = (images > 0.3).float()
    model = init(UNet())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.BCEWithLogitsLoss()
    history = []
    for _ in range(4):
        model.train()
        loss = criterion(model(images), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    model.eval()
    with torch.no_grad():
        pred = (torch.sigmoid(model(images)) > 0.5).float()
    inter = (pred * masks).sum((1, 2, 3))
    union = ((pred + masks) > 0).float().sum((1, 2, 3))
    return {
        "history": history,
        "iou": (inter / union.clamp(min=1)).tolist(),
        "running": [
            model.inc.double_conv[1].running_mean.tolist(),
            model.inc.double_conv[1].running_var.tolist(),
        ],  # fmt: skip
        "up_grad": model.up.up.weight.grad.flatten()[:8].tolist(),
    }


def resnet_basic_block_and_torchvision_init(torch, init):
    """torchvision's ResNet pieces, small: BasicBlock with a downsample (1x1 Conv2d with
    stride and BatchNorm2d) when the shape changes, `out += identity` in place before ReLU,
    the init loop over self.modules() (kaiming_normal_ with mode="fan_out" and
    nonlinearity="relu" for convolutions, constant_ 1 and 0 for BatchNorm) checked by its
    statistics, zero_init_residual (each block's bn2.weight zeroed, so a block starts as
    its shortcut), AdaptiveAvgPool2d((1, 1)) and torch.flatten(x, 1); a training step with
    SGD (nesterov) and weight decay, then the features in eval mode."""
    nn = torch.nn
    F = nn.functional

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class ResNet(nn.Module):
        def __init__(self, num_classes=3, zero_init_residual=True):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(4)
            self.relu = nn.ReLU(inplace=True)
            self.layer1 = BasicBlock(4, 4)
            down = nn.Sequential(nn.Conv2d(4, 8, 1, 2, bias=False), nn.BatchNorm2d(8))
            self.layer2 = BasicBlock(4, 8, stride=2, downsample=down)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, num_classes)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
            if zero_init_residual:
                for m in self.modules():
                    if isinstance(m, BasicBlock):
                        nn.init.constant_(m.bn2.weight, 0)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer2(self.layer1(x))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    net = ResNet()
    w = net.layer2.conv1.weight
    expected_std = math.sqrt(2.0 / (w.shape[0] * 3 * 3))
    stats = [abs(w.std().item() / expected_std - 1) < 0.5, net.layer1.bn2.weight.sum().item()]
    net = init(net)
    x = torch.from_numpy(np.stack([_digit_images(d, 2) for d in range(3)]).reshape(6, 1, 8, 8))
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    block_in = net.relu(net.bn1(net.conv1(x)))
    starts_as_shortcut = torch.allclose(net.layer1(block_in), F.relu(block_in))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)  # fmt: skip
    loss = F.cross_entropy(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    net.eval()
    with torch.no_grad():
        logits = net(x)
    return {
        "stats": stats,
        "shortcut": starts_as_shortcut,
        "loss": loss.item(),
        "bn2_grad": net.layer1.bn2.weight.grad.tolist(),
        "logits": logits.tolist(),
        "running_var": net.layer2.downsample[1].running_var.tolist(),
    }


def polynomial_features_and_polar_angles_at_zero(torch, init):
    """Gradients of features written the obvious way at the points where they are delicate:
    polynomial features `x.unsqueeze(-1).pow(p)` with p = torch.tensor([0, 1, 2, 3]) (the
    constant term as power 0) and `[x ** k for k in range(4)]`, fitted by least squares with
    SGD, then the fitted curve's derivative with respect to its inputs by autograd.grad, on a
    grid holding 0 (d(x ** 0)/dx is 0 there, as PyTorch's); and polar coordinates of points
    including the origin, `torch.atan2(y, x)` and a radius, with the gradient of a loss on
    the angles (0 at the origin, as PyTorch's)."""
    x = torch.linspace(-1, 1, 9, requires_grad=True)
    target = torch.sin(3 * x.detach())
    p = torch.tensor([0, 1, 2, 3])
    coeffs = torch.zeros(4, requires_grad=True)
    optimizer = torch.optim.SGD([coeffs], lr=0.2)
    history = []
    for _ in range(20):
        y = x.unsqueeze(-1).pow(p) @ coeffs
        loss = (y - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    y = x.unsqueeze(-1).pow(p) @ coeffs
    (dy_dx,) = torch.autograd.grad(y.sum(), x)
    features = torch.stack([x**k for k in range(4)], dim=1)
    (df_dx,) = torch.autograd.grad((features * torch.arange(1.0, 5.0)).sum(), x)
    pts = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, -2.0], [-1.0, 1.0]], requires_grad=True)
    theta = torch.atan2(pts[:, 1], pts[:, 0])
    r = torch.sqrt((pts**2).sum(1) + 1e-12)
    (theta**2 + r).sum().backward()
    return {
        "history": history,
        "coeffs": coeffs.tolist(),
        "dy_dx": dy_dx.tolist(),
        "df_dx": df_dx.tolist(),
        "polar": [theta.tolist(), r.tolist(), pts.grad.tolist()],
    }


def deep_supervision_with_area_downsampling(torch, init):
    """Deep supervision as segmentation code writes it: an encoder with an auxiliary head at
    half resolution, the targets made for each scale by `F.interpolate(mask, size=...,
    mode="area")` (soft fractions of foreground, which nearest would lose), the main head's
    output upsampled by nn.Upsample(scale_factor=2, mode="nearest"), a weighted sum of the
    BCE losses per scale, Adam; also area downsampling of a 1-D signal by scale_factor and
    its gradient."""
    nn = torch.nn
    F = nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            conv1 = nn.Conv2d(1, 4, 3, padding=1)
            self.enc = nn.Sequential(conv1, nn.ReLU(), nn.Conv2d(4, 4, 3, 2, 1), nn.ReLU())
            self.aux = nn.Conv2d(4, 1, 1)
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.head = nn.Conv2d(4, 1, 3, padding=1)

        def forward(self, x):
            h = self.enc(x)
            return self.head(self.up(h)), self.aux(h)

    images = torch.from_numpy(np.stack([_digit_images(d, 1)[0] for d in range(4)])).unsqueeze(1)
    masks = (images > 0.4).float()
    small_masks = F.interpolate(masks, size=(4, 4), mode="area")
    model = init(Net())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in range(5):
        main, aux = model(images)
        loss_main = F.binary_cross_entropy_with_logits(main, masks)
        loss_aux = F.binary_cross_entropy_with_logits(aux, small_masks)
        loss = loss_main + 0.4 * loss_aux
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append([loss_main.item(), loss_aux.item()])
    signal = torch.arange(10.0).requires_grad_()
    pooled = F.interpolate(signal.view(1, 1, 10), scale_factor=0.3, mode="area")
    (pooled * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    return {
        "small_masks": small_masks[:2, 0].tolist(),
        "history": history,
        "pooled": pooled.flatten().tolist(),
        "grad": signal.grad.tolist(),
    }


def guided_diffusion_losses(torch, init):
    """OpenAI's guided-diffusion losses.py and nn.py helpers as written there: mean_flat
    (`tensor.mean(dim=list(range(1, len(tensor.shape))))`, which for a 1-D tensor is the
    mean of everything, as PyTorch reduces every dim for an empty list), normal_kl with
    tensors and Python floats mixed, approx_standard_normal_cdf (the tanh approximation),
    discretized_gaussian_log_likelihood with its thresholds at -0.999 and 0.999 by
    torch.where and `log(x.clamp(min=1e-12))`, and the variational bound term in bits per
    dimension; values and the gradients of the predicted mean and log variance."""

    def mean_flat(tensor):
        return tensor.mean(dim=list(range(1, len(tensor.shape))))

    def normal_kl(mean1, logvar1, mean2, logvar2):
        tensor = None
        for obj in (mean1, logvar1, mean2, logvar2):
            if isinstance(obj, torch.Tensor):
                tensor = obj
                break
        logvar1, logvar2 = [
            x if isinstance(x, torch.Tensor) else torch.tensor(x).to(tensor)
            for x in (logvar1, logvar2)
        ]
        return 0.5 * (
            -1.0
            + logvar2
            - logvar1
            + torch.exp(logvar1 - logvar2)
            + ((mean1 - mean2) ** 2) * torch.exp(-logvar2)
        )

    def approx_standard_normal_cdf(x):
        return 0.5 * (1.0 + torch.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * torch.pow(x, 3))))

    def discretized_gaussian_log_likelihood(x, *, means, log_scales):
        centered_x = x - means
        inv_stdv = torch.exp(-log_scales)
        cdf_plus = approx_standard_normal_cdf(inv_stdv * (centered_x + 1.0 / 255.0))
        cdf_min = approx_standard_normal_cdf(inv_stdv * (centered_x - 1.0 / 255.0))
        log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
        log_one_minus_cdf_min = torch.log((1.0 - cdf_min).clamp(min=1e-12))
        cdf_delta = cdf_plus - cdf_min
        return torch.where(
            x < -0.999,
            log_cdf_plus,
            torch.where(x > 0.999, log_one_minus_cdf_min, torch.log(cdf_delta.clamp(min=1e-12))),
        )

    x_start = torch.from_numpy(np.stack([_digit_images(d, 1)[0] for d in range(3)]) * 2 - 1)
    x_start = x_start.unsqueeze(1)
    model_mean = (x_start * 0.9 + 0.05 * _randn(torch, (3, 1, 8, 8), 73)).requires_grad_()
    model_log_variance = torch.full((3, 1, 8, 8), -3.0, requires_grad=True)
    true_mean = x_start * 0.95
    true_log_variance = torch.full((3, 1, 8, 8), -3.2)
    kl = normal_kl(true_mean, true_log_variance, model_mean, model_log_variance)
    kl = mean_flat(kl) / np.log(2.0)
    decoder_nll = -discretized_gaussian_log_likelihood(
        x_start, means=model_mean, log_scales=0.5 * model_log_variance
    )
    decoder_nll = mean_flat(decoder_nll) / np.log(2.0)
    t = torch.tensor([0, 5, 0])
    vb = torch.where(t == 0, decoder_nll, kl)
    prior = normal_kl(x_start * 0.1, -4.0, 0.0, 0.0)
    vb.sum().backward()
    per_sample_scalars = torch.tensor([0.5, 1.5, 2.5])
    return {
        "kl": kl.tolist(),
        "decoder_nll": decoder_nll.tolist(),
        "vb": vb.tolist(),
        "prior_bpd": (mean_flat(prior) / np.log(2.0)).tolist(),
        "mean_flat_1d": [
            list(mean_flat(per_sample_scalars).shape),
            mean_flat(per_sample_scalars).item(),
        ],
        "grads": [model_mean.grad[0, 0, 3].tolist(), model_log_variance.grad[1, 0, 4].tolist()],
    }


def gradient_accumulation_hf_style(torch, init):
    """The gradient-accumulation loop of Hugging Face-style training scripts: `loss = loss /
    gradient_accumulation_steps`, backward every batch, and every k-th batch (or at the end
    of the epoch) clip_grad_norm_, optimizer.step(), a LambdaLR warm-up-then-linear-decay
    scheduler step and optimizer.zero_grad(); the norms it returned, the lrs, and the
    accumulated gradient of one window against the gradient of the same samples as one
    batch."""
    nn = torch.nn
    F = nn.functional
    x = _randn(torch, (28, 6), 74)
    y = torch.from_numpy(np.random.default_rng(75).integers(0, 3, 28))
    loader = list(zip(x.split(4), y.split(4)))
    model = init(nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 3)))
    reference = copy.deepcopy(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.01)
    accumulation_steps = 3
    num_update_steps = math.ceil(len(loader) / accumulation_steps)
    warmup = 1

    def lr_lambda(step):
        if step < warmup:
            return float(step + 1) / float(warmup + 1)
        return max(0.0, float(num_update_steps - step) / float(max(1, num_update_steps - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    log = []
    first_window = None
    for step, (xb, yb) in enumerate(loader):
        loss = F.cross_entropy(model(xb), yb) / accumulation_steps
        loss.backward()
        if (step + 1) % accumulation_steps == 0 or step + 1 == len(loader):
            if first_window is None:
                first_window = [p.grad.clone() for p in model.parameters()]
            norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            log.append([loss.item() * accumulation_steps, norm.item(), scheduler.get_last_lr()[0]])
    F.cross_entropy(reference(x[:12]), y[:12]).backward()
    same = [
        torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(first_window, reference.parameters())
    ]
    return {"log": log, "same_as_one_batch": same, "weights": model[2].weight.tolist()}


def tfidf_retrieval_with_scatter_add(torch, init):
    """Text retrieval written with tensor ops, as IR homework does it: documents as token-id
    tensors concatenated with a document index from repeat_interleave of their lengths,
    term counts per document by `index_put_(..., accumulate=True)` and by scatter_add_ on a
    flat index, document frequencies by `(counts > 0).sum(0)`, idf = log((1 + N) / (1 + df))
    + 1, tf-idf rows normalised by F.normalize, queries scored by matmul and ranked by topk,
    unique tokens with return_counts, and bincount with weights for weighted term totals."""
    F = torch.nn.functional
    docs = [[1, 2, 2, 3], [3, 4, 5], [1, 1, 5, 6, 6, 6], [2, 7]]
    V = 8
    lengths = torch.tensor([len(d) for d in docs])
    tokens = torch.tensor([t for d in docs for t in d])
    doc_index = torch.repeat_interleave(torch.arange(len(docs)), lengths)
    counts = torch.zeros(len(docs), V)
    counts.index_put_((doc_index, tokens), torch.ones(len(tokens)), accumulate=True)
    flat = torch.zeros(len(docs) * V).scatter_add_(0, doc_index * V + tokens,
                                                    torch.ones(len(tokens)))  # fmt: skip
    df = (counts > 0).sum(0)
    N = len(docs)
    idf = torch.log((1 + N) / (1 + df.float())) + 1
    tfidf = F.normalize(counts * idf, dim=1)
    queries = torch.zeros(2, V)
    queries[0, [2, 3]] = 1
    queries[1, [5, 6]] = 1  # NOTE: no tie among the two best: topk's order of ties is open
    scores = F.normalize(queries * idf, dim=1) @ tfidf.T
    top_scores, top_docs = scores.topk(2, dim=1)
    uniq, uniq_counts = torch.unique(tokens, return_counts=True)
    weighted = torch.bincount(tokens, weights=1.0 / lengths[doc_index].float(), minlength=V)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    return {
        "counts": counts.tolist(),
        "same": torch.equal(flat.view(len(docs), V), counts),
        "idf": idf.tolist(),
        "scores": scores.tolist(),
        "top": [top_scores.tolist(), top_docs.tolist()],
        "unique": [uniq.tolist(), uniq_counts.tolist()],
        "weighted": weighted.tolist(),
        "offsets": offsets.tolist(),
        "masked": tokens.masked_select(doc_index == 2).tolist(),
    }


def dcgan_on_8x8_digits(torch, init):
    """The DCGAN tutorial sized down to 8x8 digits and run for several iterations: a
    generator of ConvTranspose2d + BatchNorm2d + ReLU up to Tanh, a discriminator of strided
    Conv2d + LeakyReLU(0.2) + BatchNorm2d down to Sigmoid, weights_init by model.apply
    (the draws handed over), BCELoss with real label 1 and fake label 0, the
    discriminator's step on a real batch and on `fake.detach()`, the generator's step on
    the discriminator's verdict, Adam(lr=2e-4, betas=(0.5, 0.999)); D(x), D(G(z)) before
    and after the D step, and the images of a fixed noise under no_grad in eval mode."""
    nn = torch.nn
    nz, ngf, ndf = 4, 8, 8

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 2, 2, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
            )  # fmt: skip

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 2, 1, 0, bias=False), nn.Sigmoid(),
            )  # fmt: skip

        def forward(self, input):
            return self.main(input)

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    netG, netD = Generator(), Discriminator()
    netG.apply(weights_init)
    netD.apply(weights_init)
    netG, netD = init(netG), init(netD)
    criterion = nn.BCELoss()
    rng = np.random.default_rng(76)
    fixed_noise = torch.from_numpy(rng.normal(0, 1, (4, nz, 1, 1)).astype(np.float32))
    real_label, fake_label = 1.0, 0.0
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4 * 10, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4 * 10, betas=(0.5, 0.999))
    real = torch.from_numpy(np.concatenate([_digit_images(d, 2) for d in range(4)]) * 2 - 1)
    real = real.unsqueeze(1)
    b_size = real.size(0)
    log = []
    for _ in range(4):
        netD.zero_grad()
        label = torch.full((b_size,), real_label, dtype=torch.float)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.from_numpy(rng.normal(0, 1, (b_size, nz, 1, 1)).astype(np.float32))
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        log.append([errD.item(), errG.item(), D_x, D_G_z1, D_G_z2])
    netG.eval()
    with torch.no_grad():
        samples = netG(fixed_noise).detach()
    return {
        "log": log,
        "shape": list(samples.shape),
        "samples": samples[0, 0, :3].tolist(),
        "running": netG.main[1].running_mean.tolist(),
    }


def beam_search_decoding(torch, init):
    """Beam search as seq2seq tutorials write it, over a small GRU decoder: log-probabilities
    of each beam's next token added to the beams' scores, the candidates flattened and
    ranked by topk, the beam and token of each recovered by `torch.div(ix, V,
    rounding_mode="floor")` and `ix % V`, hidden states reordered by index_select, finished
    hypotheses (EOS) collected with a length-normalised score, the best by max; and greedy
    decoding by argmax from the same start for comparison."""
    nn = torch.nn
    F = nn.functional
    V, H, EOS, SOS, beam = 7, 6, 1, 0, 3

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, H)
            self.gru = nn.GRU(H, H, batch_first=True)
            self.out = nn.Linear(H, V)

        def forward(self, tokens, hidden):
            output, hidden = self.gru(F.relu(self.embedding(tokens)).unsqueeze(1), hidden)
            return F.log_softmax(self.out(output.squeeze(1)), dim=-1), hidden

    decoder = init(Decoder())
    h0 = _randn(torch, (1, 1, H), 77)
    with torch.no_grad():
        tokens = torch.tensor([SOS])
        hidden = h0
        scores = torch.zeros(1)
        sequences = [[]]
        finished = []
        for _ in range(6):
            log_probs, hidden = decoder(tokens, hidden)
            candidates = (scores[:, None] + log_probs).view(-1)
            top_scores, top_ix = candidates.topk(beam)
            beam_ix = torch.div(top_ix, V, rounding_mode="floor")
            token_ix = top_ix % V
            new_sequences, keep = [], []
            for s, b, t in zip(top_scores.tolist(), beam_ix.tolist(), token_ix.tolist()):
                seq = sequences[b] + [t]
                if t == EOS:
                    finished.append((s / len(seq), seq))
                else:
                    new_sequences.append(seq)
                    keep.append(len(new_sequences) - 1)
            alive = torch.tensor([i for i, t in enumerate(token_ix.tolist()) if t != EOS])
            if len(alive) == 0:
                break
            sequences = new_sequences
            scores = top_scores.index_select(0, alive)
            tokens = token_ix.index_select(0, alive)
            hidden = hidden.index_select(1, beam_ix.index_select(0, alive))
        finished += [(s / len(seq), seq) for s, seq in zip(scores.tolist(), sequences)]
        best = max(finished, key=lambda f: f[0])
        greedy, token, hidden = [], torch.tensor([SOS]), h0
        for _ in range(6):
            log_probs, hidden = decoder(token, hidden)
            token = log_probs.argmax(dim=-1)
            greedy.append(token.item())
            if token.item() == EOS:
                break
    return {
        "finished": sorted(finished, key=lambda f: -f[0]),
        "best": best,
        "greedy": greedy,
    }


def map_estimation_with_priors(torch, init):
    """Probabilistic-programming-style MAP fitting with torch.distributions, as Bayesian
    tutorials write it without Pyro: a robust regression with a Cauchy likelihood,
    Normal(0, 5) priors on the weights and a HalfNormal(1) prior on the noise scale (kept
    positive through softplus), the negative log joint minimised by Adam; positive data
    fitted by a LogNormal's maximum likelihood against the closed form (the mean and std of
    log x); the fitted distributions' mean, mode, variance, entropy, cdf, icdf and
    kl_divergence between two LogNormals and two HalfNormals."""
    F = torch.nn.functional
    D = torch.distributions
    rng = np.random.default_rng(78)
    x_np = rng.uniform(-2, 2, 40).astype(np.float32)
    y_np = (1.5 * x_np - 0.5 + rng.standard_cauchy(40) * 0.3).astype(np.float32)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    w = torch.zeros(2, requires_grad=True)
    raw_scale = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.Adam([w, raw_scale], lr=0.05)
    history = []
    for _ in range(30):
        scale = F.softplus(raw_scale)
        log_lik = D.Cauchy(w[0] * x + w[1], scale).log_prob(y).sum()
        log_prior = D.Normal(0.0, 5.0).log_prob(w).sum() + D.HalfNormal(1.0).log_prob(scale)
        loss = -(log_lik + log_prior)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    incomes = torch.from_numpy(rng.lognormal(1.0, 0.6, 50).astype(np.float32))
    loc = torch.zeros((), requires_grad=True)
    log_scale = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.Adam([loc, log_scale], lr=0.1)
    for _ in range(40):
        nll = -D.LogNormal(loc, log_scale.exp()).log_prob(incomes).mean()
        optimizer.zero_grad()
        nll.backward()
        optimizer.step()
        history.append(nll.item())
    fitted = D.LogNormal(loc.detach(), log_scale.exp().detach())
    prior = D.HalfNormal(torch.tensor([0.5, 2.0]))
    return {
        "history": history,
        "w": w.tolist(),
        "scale": F.softplus(raw_scale).item(),
        "lognormal": [loc.item(), log_scale.exp().item()],
        "closed_form": [incomes.log().mean().item(), incomes.log().std(unbiased=False).item()],
        "summary": [
            fitted.mean.item(),
            fitted.mode.item(),
            fitted.variance.item(),
            fitted.entropy().item(),
            fitted.cdf(torch.tensor(3.0)).item(),
            fitted.icdf(torch.tensor(0.9)).item(),
        ],
        "halfnormal": [prior.mean.tolist(), prior.variance.tolist(), prior.entropy().tolist()],
        "kl": [
            D.kl_divergence(fitted, D.LogNormal(1.0, 0.5)).item(),
            D.kl_divergence(prior, D.HalfNormal(1.0)).tolist(),
        ],
    }


def beta_vae_with_kl_annealing_and_free_bits(torch, init):
    """A beta-VAE as blog posts train it on 8x8 digits: a convolutional encoder to mu and
    logvar, the reparameterisation `mu + torch.exp(0.5 * logvar) * eps` (eps from NumPy), a
    ConvTranspose2d decoder with Sigmoid, the per-dimension KL `-0.5 * (1 + logvar - mu ** 2
    - logvar.exp())` averaged over the batch and clamped from below (free bits), beta
    annealed linearly from 0 over the first steps, BCE(reduction="sum") / batch; the losses,
    the active latent dimensions (KL above a threshold) and a decoded latent traversal."""
    nn = torch.nn
    F = nn.functional
    latent = 3

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.ReLU(), nn.Flatten())
            self.mu = nn.Linear(4 * 4 * 4, latent)
            self.logvar = nn.Linear(4 * 4 * 4, latent)
            self.fc = nn.Linear(latent, 4 * 4 * 4)
            self.dec = nn.Sequential(nn.ConvTranspose2d(4, 1, 4, 2, 1), nn.Sigmoid())

        def decode(self, z):
            return self.dec(F.relu(self.fc(z)).view(-1, 4, 4, 4))

        def forward(self, x, eps):
            h = self.enc(x)
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + torch.exp(0.5 * logvar) * eps
            return self.decode(z), mu, logvar

    x = torch.from_numpy(np.concatenate([_digit_images(d, 3) for d in range(4)])).unsqueeze(1)
    model = init(VAE())
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(79)
    warmup, free_bits, history = 4, 0.05, []
    for step in range(8):
        beta = min(1.0, step / warmup)
        eps = torch.from_numpy(rng.standard_normal((x.shape[0], latent)).astype(np.float32))
        recon, mu, logvar = model(x, eps)
        bce = F.binary_cross_entropy(recon, x, reduction="sum") / x.shape[0]
        kl_per_dim = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0)
        kl = torch.clamp(kl_per_dim, min=free_bits).sum()
        loss = bce + beta * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append([loss.item(), bce.item(), kl.item(), beta])
    with torch.no_grad():
        traversal = model.decode(torch.linspace(-2, 2, 5)[:, None] * torch.eye(latent)[0])
    return {
        "history": history,
        "active": (kl_per_dim > 0.01).tolist(),
        "kl_per_dim": kl_per_dim.tolist(),
        "traversal": traversal[:, 0, 3].tolist(),
    }


def lstm_time_series_forecast(torch, init):
    """The "airline passengers" LSTM forecasting tutorials, on a synthetic seasonal series:
    min-max scaling by hand with the training part's min and max, sliding windows by a
    Python loop into torch.tensor(np.array(...)), an nn.LSTM(batch_first=True) with a Linear
    on `out[:, -1, :]`, MSE and Adam over mini-batches of a DataLoader (shuffle=False), then
    an autoregressive multi-step forecast feeding each prediction back with torch.cat, and
    the predictions mapped back by the inverse scaling; the RMSE on the held-out part."""
    nn = torch.nn
    data = torch.utils.data
    t = np.arange(72, dtype=np.float32)
    series = (
        100
        + 2 * t
        + 20 * np.sin(2 * np.pi * t / 12)
        + np.random.default_rng(80).normal(0, 2, 72).astype(np.float32)
    )
    train, test = series[:60], series[60:]
    lo, hi = train.min(), train.max()
    scaled = (train - lo) / (hi - lo)
    lookback = 6
    X, y = [], []
    for i in range(len(scaled) - lookback):
        X.append(scaled[i : i + lookback])
        y.append(scaled[i + lookback])
    X = torch.tensor(np.array(X)).unsqueeze(-1)
    y = torch.tensor(np.array(y)).unsqueeze(-1)

    class Forecaster(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(input_size=1, hidden_size=8, batch_first=True)
            self.linear = nn.Linear(8, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.linear(out[:, -1, :])

    model = init(Forecaster())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=18, shuffle=False)
    loss_fn = nn.MSELoss()
    history = []
    for _ in range(4):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        history.append(loss.item())
    model.eval()
    window = torch.tensor(scaled[-lookback:]).view(1, lookback, 1)
    preds = []
    with torch.no_grad():
        for _ in range(len(test)):
            nxt = model(window)
            preds.append(nxt.item())
            window = torch.cat([window[:, 1:, :], nxt.view(1, 1, 1)], dim=1)
    forecast = torch.tensor(preds) * (hi - lo) + lo
    rmse = torch.sqrt(((forecast - torch.from_numpy(test)) ** 2).mean())
    return {"history": history, "forecast": forecast.tolist(), "rmse": rmse.item()}


def per_sample_predictions_collected_in_a_list(torch, init):
    """An evaluation loop as beginners write it, one sample at a time: `model(x)` of a single
    1-D sample gives shape (1,), the outputs and the losses are appended to Python lists and
    turned into tensors with torch.tensor(list) (a 1-D tensor: each one-element tensor is its
    number), then compared with the targets for the MSE and an R^2 score by hand; the same
    with torch.stack and torch.cat for the shapes each gives, and a list of 0-d losses."""
    nn = torch.nn
    F = nn.functional
    x = _randn(torch, (10, 3), 81)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    model = init(nn.Linear(3, 1))
    outputs, losses = [], []
    model.eval()
    with torch.no_grad():
        for xi, yi in zip(x, y):
            out = model(xi)
            outputs.append(out)
            losses.append(F.mse_loss(out, yi.view(1)))
    preds = torch.tensor(outputs)
    mse = ((preds - y) ** 2).mean()
    r2 = 1 - ((y - preds) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    return {
        "shapes": [
            list(outputs[0].shape),
            list(preds.shape),
            list(torch.stack(outputs).shape),
            list(torch.cat(outputs).shape),
        ],  # fmt: skip
        "mse": [mse.item(), torch.tensor(losses).mean().item()],
        "r2": r2.item(),
        "preds": preds.tolist(),
    }


PROGRAMS = [
    makemore_bigram_counts,
    makemore_mlp_embeddings,
    makemore_batchnorm_by_hand,
    backprop_ninja,
    makemore_wavenet_flatten_consecutive,
    gpt_self_attention_averaging_trick,
    micrograd_moons_max_margin,
    fastai_mnist_basics,
    matmul_from_loops_to_einsum,
    cs231n_svm_and_softmax_vectorized,
    cs231n_functional_convnet,
    cs231n_captioning_temporal_softmax,
    class_visualization_and_fooling,
    energy_based_model_langevin,
    graph_attention_layer,
    deep_sets_permutation_invariance,
    bayes_by_backprop,
    clip_symmetric_contrastive_loss,
    quantile_regression_pinball_loss,
    heteroscedastic_gaussian_and_poisson_regression,
    cox_partial_likelihood,
    temperature_scaling_calibration,
    gumbel_softmax_straight_through,
    hypernetwork_functional_weights,
    siren_and_fourier_features,
    image_filters_with_conv2d,
    made_masked_autoencoder,
    bpr_neural_collaborative_filtering,
    ranking_losses_and_ndcg,
    multilabel_training_with_pos_weight,
    robust_regression_huber_and_smooth_l1,
    kfold_cross_validation_with_subsets,
    gradual_unfreezing_with_add_param_group,
    convnext_block_channels_last,
    conditional_gan_label_embedding,
    denoising_autoencoder_tied_weights,
    distillation_with_log_target_kl,
    imagenet_example_train_validate,
    nadaraya_watson_attention_pooling,
    d2l_masked_softmax_ce_seq2seq,
    bert_masked_lm_and_next_sentence,
    optimizer_with_a_tensor_lr_and_scheduler,
    einsum_multihead_attention_matches_module,
    class_imbalance_weighted_sampler_and_loss,
    one_cycle_and_warm_restarts_in_training_loops,
    gru_masking_against_packed_sequences,
    early_stopping_class_with_checkpoint_file,
    text_cnn_sentence_classification,
    luong_attention_score_functions,
    tiny_unet_with_skip_connections,
    resnet_basic_block_and_torchvision_init,
    polynomial_features_and_polar_angles_at_zero,
    deep_supervision_with_area_downsampling,
    guided_diffusion_losses,
    gradient_accumulation_hf_style,
    tfidf_retrieval_with_scatter_add,
    dcgan_on_8x8_digits,
    beam_search_decoding,
    map_estimation_with_priors,
    beta_vae_with_kl_annealing_and_free_bits,
    lstm_time_series_forecast,
    per_sample_predictions_collected_in_a_list,
]

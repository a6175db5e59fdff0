"""Programs written the way students and blog posts write PyTorch (not the official
tutorials): linear regression by hand, logistic regression on two moons, an MLP with early
stopping, a small CNN with a confusion matrix, a convolutional autoencoder, skip-gram with
negative sampling, a char-level LSTM with temperature sampling, a Dataset of dicts with a
collate_fn, mixup and label smoothing by hand, gradcheck of a custom Function, k-means, a tiny
GPT block, Adam by hand, a learning-rate finder and checkpoints in memory; each a function of
the library (`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py).
Random draws differ between the libraries: `init` hands minigrad PyTorch's values."""

from __future__ import annotations

import copy
import io
import math

import numpy as np


def _moons(n, seed, noise=0.15):
    """Two interleaving half circles, as sklearn's make_moons, generated here."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, math.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label == 0, np.cos(t), 1 - np.cos(t))
    y = np.where(label == 0, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x, y], 1) + rng.normal(0, noise, (n, 2))
    return points.astype(np.float32), label


def linear_regression_from_scratch(torch, init):
    """y = 3x + 2 plus noise, w and b leaf tensors, MSE by hand, `w.grad.zero_()` and the
    update in `with torch.no_grad(): w -= lr * w.grad`; then the same with nn.Linear and SGD."""
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.uniform(-1, 1, 50).astype(np.float32)).view(-1, 1)
    y = 3 * X + 2 + 0.1 * torch.from_numpy(rng.normal(size=(50, 1)).astype(np.float32))
    w = init(torch.randn(1, requires_grad=True))
    b = torch.zeros(1, requires_grad=True)
    lr, losses = 0.1, []
    for epoch in range(60):
        y_hat = X * w + b
        loss = ((y_hat - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        if epoch % 10 == 0:
            losses.append(loss.item())

    model = init(torch.nn.Linear(1, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = torch.nn.MSELoss()
    for _ in range(60):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
    return {
        "losses": losses,
        "params": [w.item(), b.item(), w.requires_grad, w.is_leaf, w.grad.tolist()],
        "nn": [model.weight.item(), model.bias.item(), loss.item()],
        "shapes": [list(X.shape), list(X.view(-1).unsqueeze(0).shape), X.dtype == torch.float32],
    }


def logistic_regression_on_moons(torch, init):
    """A linear model on two moons with BCEWithLogitsLoss (pos_weight too), accuracy by
    `((torch.sigmoid(logits) > 0.5).float() == y).float().mean()`, and predictions on a grid."""
    points, labels = _moons(120, 1)
    X = torch.tensor(points)
    y = torch.tensor(labels, dtype=torch.float32).unsqueeze(1)
    model = init(torch.nn.Linear(2, 1))
    criterion = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = []
    for epoch in range(40):
        logits = model(X)
        loss = criterion(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            pred = torch.sigmoid(logits)
            acc = ((pred > 0.5).float() == y).float().mean()
        if epoch % 8 == 0:
            history.append([round(loss.item(), 6), acc.item()])
    weighted = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(model(X), y)
    xx, yy = torch.meshgrid(torch.linspace(-1, 2, 5), torch.linspace(-1, 1.5, 4), indexing="ij")
    grid = torch.stack([xx.flatten(), yy.flatten()], dim=1)
    with torch.no_grad():
        zz = torch.sigmoid(model(grid)).reshape(xx.shape)
    return {
        "history": history,
        "weighted": weighted.item(),
        "grid": [zz.tolist(), (zz > 0.5).sum().item(), (zz > 0.5).dtype == torch.bool],
        "pred_dtype": str((pred > 0.5).float().dtype).split(".")[-1],
    }


def mlp_with_early_stopping(torch, init):
    """An MLP classifier with a train/val split by randperm, mini-batches by hand, the best
    `copy.deepcopy(model.state_dict())` kept with patience, then loaded back; printing the
    model and counting its trainable parameters."""
    nn = torch.nn
    points, labels = _moons(160, 2, noise=0.25)
    X, y = torch.tensor(points), torch.tensor(labels)
    perm = init(torch.randperm(len(X)))
    train_idx, val_idx = perm[:120], perm[120:]
    X_train, y_train, X_val, y_val = X[train_idx], y[train_idx], X[val_idx], y[val_idx]
    model = init(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                               nn.Linear(16, 2)))  # fmt: skip
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    model[0].weight.requires_grad_(False)
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    model[0].weight.requires_grad_(True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    best_val, best_state, patience, bad_epochs, val_losses = float("inf"), None, 3, 0, []
    for epoch in range(30):  # noqa: B007 - printed after the loop
        model.train()
        for i in range(0, len(X_train), 32):
            xb, yb = X_train[i : i + 32], y_train[i : i + 32]
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = loss_fn(model(X_val), y_val).item()
        val_losses.append(val_loss)
        if val_loss < best_val - 1e-4:
            best_val, bad_epochs = val_loss, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                break
    last = model[0].weight.clone()
    model.load_state_dict(best_state)
    with torch.no_grad():
        correct = (model(X_val).argmax(dim=1) == y_val).sum().item()
    return {
        "repr": repr(model),
        "params": [n_params, n_trainable],
        "val_losses": val_losses,
        "stopped": [epoch, best_val],
        "restored": [torch.equal(model[0].weight, last), correct / len(y_val)],
        "keys": list(best_state.keys()),
        "independent": best_state["0.weight"] is not model[0].weight,
    }


def cnn_on_digits_with_confusion_matrix(torch, init):
    """A small CNN on 8x8 digits built with nn.Sequential and `torch.flatten(x, 1)`,
    `_, predicted = torch.max(outputs, 1)`, per-class accuracy and a confusion matrix by
    `torch.bincount(n * t + p, minlength=n * n)` and by `index_put_(..., accumulate=True)`."""
    from sklearn.datasets import load_digits

    nn, F = torch.nn, torch.nn.functional
    digits = load_digits()
    X = torch.tensor(digits.images[:200] / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(digits.target[:200])

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=3, padding=1),
                nn.BatchNorm2d(8),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d((2, 2)),
            )
            self.classifier = nn.Sequential(nn.Dropout(0.0), nn.Linear(16 * 2 * 2, 10))

        def forward(self, x):
            x = self.features(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    model = init(Net())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    for _ in range(3):
        running_loss = 0.0
        for i in range(0, 200, 50):
            inputs, labels = X[i : i + 50], y[i : i + 50]
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = F.cross_entropy(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
    model.eval()
    with torch.no_grad():
        outputs = model(X)
        values, predicted = torch.max(outputs, 1)
        top = outputs.max(dim=1)
    cm = torch.bincount(y * 10 + predicted, minlength=100).reshape(10, 10)
    cm2 = torch.zeros(10, 10, dtype=torch.long)
    cm2.index_put_((y, predicted), torch.ones(len(y), dtype=torch.long), accumulate=True)
    per_class = cm.diag().float() / cm.sum(1).clamp(min=1).float()
    return {
        "loss": running_loss,
        "pred": [predicted.tolist(), values.tolist(), top.indices.tolist()],
        "cm": [cm.tolist(), torch.equal(cm, cm2), str(cm.dtype).split(".")[-1]],
        "per_class": per_class.tolist(),
        "accuracy": (predicted == y).sum().item() / y.size(0),
        "counts": torch.bincount(predicted).tolist(),
    }


def conv_autoencoder(torch, init):
    """An autoencoder: Conv2d+MaxPool down, nn.Upsample (nearest and bilinear) and
    ConvTranspose2d up, Sigmoid output, MSE; reconstruction error per image and the latent."""
    from sklearn.datasets import load_digits

    nn = torch.nn
    X = torch.tensor(load_digits().images[:64] / 16.0, dtype=torch.float32).unsqueeze(1)

    class AutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            )  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
                nn.ConvTranspose2d(4, 4, kernel_size=2, stride=2), nn.ReLU(),
                nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid(),
            )  # fmt: skip

        def forward(self, x):
            z = self.encoder(x)
            return self.decoder(z), z

    model = init(AutoEncoder())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.MSELoss()
    losses = []
    for _ in range(8):
        recon, _ = model(X)
        loss = criterion(recon, X)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        recon, z = model(X[:4])
        per_image = ((recon - X[:4]) ** 2).mean(dim=(1, 2, 3))
        up = nn.Upsample(size=(4, 4), mode="bilinear", align_corners=False)(z[:1, :2])
        up_corners = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(z[:1, :1])
    return {
        "losses": losses,
        "shapes": [list(recon.shape), list(z.shape)],
        "per_image": per_image.tolist(),
        "upsampled": [up.tolist(), up_corners.tolist()],
        "repr": repr(model.decoder[0]),
    }


def skipgram_negative_sampling(torch, init):
    """word2vec skip-gram: (center, context) pairs from a window, two nn.Embedding tables,
    negatives drawn by `torch.multinomial(unigram ** 0.75, k, replacement=True)`, the loss
    `-logsigmoid(pos) - logsigmoid(-neg).sum(1)`, and nearest words by cosine similarity."""
    nn, F = torch.nn, torch.nn.functional
    corpus = "the quick brown fox jumps over the lazy dog the dog sleeps and the fox runs".split()  # noqa: SIM905
    vocab = sorted(set(corpus))
    w2i = {w: i for i, w in enumerate(vocab)}
    ids = [w2i[w] for w in corpus]
    pairs = [(ids[i], ids[j]) for i in range(len(ids))
             for j in range(max(0, i - 2), min(len(ids), i + 3)) if i != j]  # fmt: skip
    centers = torch.tensor([p[0] for p in pairs])
    contexts = torch.tensor([p[1] for p in pairs])
    counts = torch.bincount(torch.tensor(ids), minlength=len(vocab)).float()
    noise = counts**0.75
    noise = noise / noise.sum()

    class SkipGram(nn.Module):
        def __init__(self, vocab_size, dim):
            super().__init__()
            self.in_embed = nn.Embedding(vocab_size, dim)
            self.out_embed = nn.Embedding(vocab_size, dim)
            self.in_embed.weight.data.uniform_(-0.5 / dim, 0.5 / dim)

        def forward(self, center, context, negatives):
            v = self.in_embed(center)  # (B, D)
            u = self.out_embed(context)  # (B, D)
            u_neg = self.out_embed(negatives)  # (B, K, D)
            pos = torch.sum(v * u, dim=1)
            neg = torch.bmm(u_neg, v.unsqueeze(2)).squeeze(2)
            return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(1)).mean()

    model = init(SkipGram(len(vocab), 6))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(5):
        negatives = init(torch.multinomial(noise, len(pairs) * 3, replacement=True))
        negatives = negatives.view(len(pairs), 3)
        loss = model(centers, contexts, negatives)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    emb = model.in_embed.weight.detach()
    normed = F.normalize(emb, dim=1)
    sims = normed @ normed[w2i["fox"]]
    nearest = sims.argsort(descending=True)[1:4]
    drawn = torch.multinomial(noise, 5)  # without replacement: all distinct, all with weight
    return {
        "losses": losses,
        "pairs": [len(pairs), centers[:6].tolist(), contexts[:6].tolist()],
        "noise": noise.tolist(),
        "nearest": [[vocab[i] for i in nearest.tolist()], sims.tolist()],
        "cos": F.cosine_similarity(emb[0:1], emb[1:2]).tolist(),
        "drawn": [
            len(set(drawn.tolist())),
            bool((noise[drawn] > 0).all()),
            str(drawn.dtype).split(".")[-1],
        ],
    }


def char_lstm_with_sampling(torch, init):
    """A char-level LSTM: text to indices, one-hot-free nn.Embedding input, batch_first LSTM,
    `clip_grad_norm_`, hidden state detached between chunks, and generation by temperature
    `softmax(logits / T)` and `torch.multinomial(probs, 1)` (the draw itself handed over)."""
    nn, F = torch.nn, torch.nn.functional
    text = "hello world, hello there. the world is wide and the sea is deep. "
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = {i: c for c, i in stoi.items()}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)

    class CharLSTM(nn.Module):
        def __init__(self, vocab, hidden=24):
            super().__init__()
            self.embed = nn.Embedding(vocab, 12)
            self.lstm = nn.LSTM(12, hidden, num_layers=2, batch_first=True, dropout=0.0)
            self.fc = nn.Linear(hidden, vocab)

        def forward(self, x, hidden=None):
            out, hidden = self.lstm(self.embed(x), hidden)
            return self.fc(out), hidden

    model = init(CharLSTM(len(chars)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    seq_len, losses, norms = 16, [], []
    for _ in range(3):
        hidden = None
        for i in range(0, len(data) - seq_len - 1, seq_len):
            x = data[i : i + seq_len].unsqueeze(0)
            y = data[i + 1 : i + seq_len + 1].unsqueeze(0)
            logits, hidden = model(x, hidden)
            hidden = tuple(h.detach() for h in hidden)
            loss = F.cross_entropy(logits.view(-1, len(chars)), y.view(-1))
            optimizer.zero_grad()
            loss.backward()
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    generated, probs_seen = "h", []
    with torch.no_grad():
        x, hidden = torch.tensor([[stoi["h"]]]), None
        for temperature in (0.5, 1.0, 2.0):
            logits, hidden = model(x, hidden)
            probs = F.softmax(logits[0, -1] / temperature, dim=-1)
            probs_seen.append(probs.tolist())
            idx = init(torch.multinomial(probs, num_samples=1))
            generated += itos[idx.item()]
            x = idx.view(1, 1)
    return {
        "losses": losses,
        "norms": norms,
        "hidden": [list(h.shape) for h in hidden],
        "probs": probs_seen,
        "generated": generated,
        "sample_shape": list(idx.shape),
    }


def dict_dataset_with_collate_fn(torch, init):
    """A Dataset whose __getitem__ returns a dict of variable-length token lists; the default
    collate of dicts, a collate_fn padding with pad_sequence and a lengths tensor, random_split
    with a seeded generator, and a model averaging the embeddings by the mask."""
    nn = torch.nn
    DataLoader, Dataset = torch.utils.data.DataLoader, torch.utils.data.Dataset

    pad_sequence = torch.nn.utils.rnn.pad_sequence
    texts = [
        "good movie",
        "bad bad film",
        "great acting and story",
        "boring plot",
        "not good at all",
    ]
    labels = [1, 0, 1, 0, 0]
    vocab = {"<pad>": 0}
    for t in texts:
        for w in t.split():
            vocab.setdefault(w, len(vocab))

    class ReviewDataset(Dataset):
        def __init__(self, texts, labels):
            self.texts, self.labels = texts, labels

        def __len__(self):
            return len(self.texts)

        def __getitem__(self, idx):
            tokens = [vocab[w] for w in self.texts[idx].split()]
            return {
                "input_ids": torch.tensor(tokens),
                "label": torch.tensor(self.labels[idx], dtype=torch.float32),
                "length": len(tokens),
                "text": self.texts[idx],
            }

    def collate_fn(batch):
        ids = pad_sequence([b["input_ids"] for b in batch], batch_first=True, padding_value=0)
        return {
            "input_ids": ids,
            "attention_mask": (ids != 0).long(),
            "labels": torch.stack([b["label"] for b in batch]),
            "lengths": torch.tensor([b["length"] for b in batch]),
        }

    dataset = ReviewDataset(texts, labels)
    default = next(iter(DataLoader(torch.utils.data.Subset(dataset, [0, 3]), batch_size=2)))
    try:  # without a collate_fn, token lists of different lengths cannot be stacked
        next(iter(DataLoader(dataset, batch_size=2)))
    except RuntimeError as error:
        unequal = str(error)
    loader = DataLoader(dataset, batch_size=2, shuffle=False, collate_fn=collate_fn)
    train_set, val_set = torch.utils.data.random_split(dataset, [0.8, 0.2])

    class BagModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(len(vocab), 4, padding_idx=0)
            self.fc = nn.Linear(4, 1)

        def forward(self, input_ids, attention_mask):
            emb = self.embedding(input_ids) * attention_mask.unsqueeze(-1)
            mean = emb.sum(1) / attention_mask.sum(1, keepdim=True).clamp(min=1)
            return self.fc(mean).squeeze(-1)

    model = init(BagModel())
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
    batches, losses = [], []
    for _ in range(4):
        for batch in loader:
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = nn.functional.binary_cross_entropy_with_logits(logits, batch["labels"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    for batch in loader:
        batches.append({k: v.tolist() for k, v in batch.items()})
    return {
        "default": [
            sorted(default),
            default["input_ids"].tolist(),
            default["length"].tolist(),
            default["text"],
            str(default["label"].dtype).split(".")[-1],
        ],  # fmt: skip
        "batches": batches,
        "unequal": unequal,
        "split": [len(train_set), len(val_set), type(train_set).__name__],
        "losses": losses,
        "pad_row": model.embedding.weight[0].tolist(),
    }


def mixup_cutmix_and_label_smoothing(torch, init):
    """Mixup (`lam * x + (1 - lam) * x[index]` with `index = torch.randperm(B)` and a lambda
    from NumPy, no torch.distributions.Beta), CutMix of a box, and label-smoothing
    cross-entropy by hand with `scatter_` and `gather`, checked against
    `nn.CrossEntropyLoss(label_smoothing=...)`."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(3)
    images = torch.tensor(rng.random((6, 1, 8, 8), dtype=np.float32))
    targets = torch.tensor([0, 1, 2, 3, 1, 0])
    model = init(nn.Sequential(nn.Flatten(), nn.Linear(64, 4)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def smooth_ce(logits, target, eps=0.1):
        n_classes = logits.size(-1)
        log_probs = F.log_softmax(logits, dim=-1)
        with torch.no_grad():
            true_dist = torch.full_like(log_probs, eps / (n_classes - 1))
            true_dist.scatter_(1, target.unsqueeze(1), 1.0 - eps)
        return torch.mean(torch.sum(-true_dist * log_probs, dim=-1))

    def smooth_ce_gather(logits, target, eps=0.1):
        log_probs = logits.log_softmax(dim=-1)
        nll = -log_probs.gather(dim=-1, index=target.unsqueeze(1)).squeeze(1)
        return ((1 - eps) * nll - eps * log_probs.mean(dim=-1)).mean()

    losses = []
    for step in range(4):
        lam = float(rng.beta(0.4, 0.4))
        index = init(torch.randperm(images.size(0)))
        if step % 2 == 0:
            mixed = lam * images + (1 - lam) * images[index, :]
        else:
            mixed = images.clone()
            cut = int(8 * math.sqrt(1 - lam))
            y0, x0 = (8 - cut) // 2, (8 - cut) // 2
            mixed[:, :, y0 : y0 + cut, x0 : x0 + cut] = images[
                index, :, y0 : y0 + cut, x0 : x0 + cut
            ]
            lam = 1 - cut * cut / 64
        out = model(mixed)
        loss = lam * smooth_ce(out, targets) + (1 - lam) * smooth_ce(out, targets[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    logits = model(images)
    return {
        "losses": losses,
        "smooth": [smooth_ce(logits, targets).item(), smooth_ce_gather(logits, targets).item()],
        "builtin": nn.CrossEntropyLoss(label_smoothing=0.1)(logits, targets).item(),
        "one_hot": torch.zeros(3, 4).scatter_(1, torch.tensor([[2], [0], [3]]), 1.0).tolist(),
        "mixed": mixed.sum(dim=(1, 2, 3)).tolist(),
    }


def gradcheck_custom_function(torch, init):
    """A custom autograd.Function (a "smooth ReLU" x * sigmoid(x)) with ctx.save_for_backward,
    checked by torch.autograd.gradcheck in float64 and used in a model; a wrong backward makes
    gradcheck return False with raise_exception=False."""

    class Swish(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = torch.sigmoid(x)
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad_output):
            x, s = ctx.saved_tensors
            return grad_output * (s + x * s * (1 - s))

    class BadSwish(Swish):
        @staticmethod
        def backward(ctx, grad_output):
            x, s = ctx.saved_tensors
            return grad_output * s

    x = init(torch.randn(4, 3, dtype=torch.double, requires_grad=True))
    ok = torch.autograd.gradcheck(Swish.apply, (x,), eps=1e-6, atol=1e-4)
    bad = torch.autograd.gradcheck(BadSwish.apply, (x,), raise_exception=False)
    try:
        torch.autograd.gradcheck(BadSwish.apply, (x,))
    except RuntimeError as error:
        raised = type(error).__name__  # the messages differ: minigrad names the element
    y = Swish.apply(x)
    y.sum().backward()
    reference = x.detach().clone().requires_grad_(True)
    torch.nn.functional.silu(reference).sum().backward()

    layer = init(torch.nn.Linear(3, 2))
    inp = init(torch.randn(5, 3))
    out = Swish.apply(layer(inp)).pow(2).mean()
    out.backward()
    return {
        "checks": [ok, bad, raised],
        "grad": [x.grad.tolist(), torch.allclose(x.grad, reference.grad)],
        "grad_fn": [y.grad_fn.name(), (y * 2).grad_fn.name()],
        "dtype": str(y.dtype).split(".")[-1],
        "layer": [out.item(), layer.weight.grad.tolist()],
    }


def kmeans_with_cdist(torch, init):
    """k-means by hand: `torch.cdist` distances, `argmin(dim=1)` assignments, new centroids by
    index_add_ and bincount (an empty cluster keeps its centroid through torch.where), the
    inertia, and the same distances by broadcasting."""
    rng = np.random.default_rng(4)
    centers = np.array([[0, 0], [3, 3], [0, 4]], dtype=np.float32)
    points = np.concatenate([c + 0.5 * rng.normal(size=(20, 2)) for c in centers])
    X = torch.from_numpy(points.astype(np.float32))
    k = 4
    centroids = X[init(torch.randperm(X.size(0)))[:k]].clone()
    history = []
    for _ in range(6):
        dists = torch.cdist(X, centroids)
        assign = dists.argmin(dim=1)
        sums = torch.zeros_like(centroids).index_add_(0, assign, X)
        counts = torch.bincount(assign, minlength=k).unsqueeze(1)
        new = torch.where(counts > 0, sums / counts.clamp(min=1), centroids)
        shift = (new - centroids).norm(dim=1).max().item()
        centroids = new
        inertia = dists.min(dim=1).values.pow(2).sum().item()
        history.append([inertia, shift, counts.squeeze(1).tolist()])
    broadcast = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(-1).sqrt()
    return {
        "history": history,
        "centroids": centroids.tolist(),
        "assign": assign.tolist(),
        "cdist": [
            torch.allclose(torch.cdist(X, centroids), broadcast, atol=1e-5),
            torch.cdist(X[:3], centroids, p=1).tolist(),
        ],  # fmt: skip
    }


def tiny_gpt_block(torch, init):
    """A nanoGPT-style block: one Linear for q, k, v split by `.split(C, dim=2)`, heads by
    `view(B, T, nh, hs).transpose(1, 2)`, a causal mask from `torch.tril` as a buffer,
    `masked_fill(mask == 0, float('-inf'))`, pre-LayerNorm, GELU MLP, weight tying, and greedy
    and top-k generation with `torch.topk` and `torch.cat`."""
    nn, F = torch.nn, torch.nn.functional
    vocab, block, C, nh = 11, 8, 16, 2

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(C, 3 * C)
            self.c_proj = nn.Linear(C, C)
            self.register_buffer(
                "mask", torch.tril(torch.ones(block, block)).view(1, 1, block, block)
            )

        def forward(self, x):
            B, T, _ = x.size()
            q, k, v = self.c_attn(x).split(C, dim=2)
            k = k.view(B, T, nh, C // nh).transpose(1, 2)
            q = q.view(B, T, nh, C // nh).transpose(1, 2)
            v = v.view(B, T, nh, C // nh).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y), att

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn, self.ln_2 = (
                nn.LayerNorm(C),
                CausalSelfAttention(),
                nn.LayerNorm(C),
            )
            self.mlp = nn.Sequential(nn.Linear(C, 4 * C), nn.GELU(approximate="tanh"),
                                     nn.Linear(4 * C, C))  # fmt: skip

        def forward(self, x):
            a, att = self.attn(self.ln_1(x))
            x = x + a
            return x + self.mlp(self.ln_2(x)), att

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, C), nn.Embedding(block, C)
            self.block, self.ln_f = Block(), nn.LayerNorm(C)
            self.lm_head = nn.Linear(C, vocab, bias=False)
            self.lm_head.weight = self.wte.weight

        def forward(self, idx, targets=None):
            T = idx.size(1)
            pos = torch.arange(0, T, dtype=torch.long)
            x, att = self.block(self.wte(idx) + self.wpe(pos))
            logits = self.lm_head(self.ln_f(x))
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                       ignore_index=-1)  # fmt: skip
            return logits, loss, att

    model = init(GPT())
    seq = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 4, 6, 8, 10, 1, 3, 5, 7]])
    x, y = seq[:, :-1], seq[:, 1:].clone()
    y[1, -2:] = -1
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    losses = []
    for _ in range(5):
        logits, loss, att = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    @torch.no_grad()
    def generate(idx, max_new_tokens, top_k=None):
        for _ in range(max_new_tokens):
            logits, _, _ = model(idx[:, -block:])
            logits = logits[:, -1, :]
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            idx_next = torch.argmax(F.softmax(logits, dim=-1), dim=-1, keepdim=True)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx, logits

    out, last = generate(torch.tensor([[1, 2]]), 8, top_k=3)
    n_params = sum(p.numel() for p in model.parameters())
    return {
        "losses": losses,
        "att": [att[0, 0].tolist(), torch.isinf(last).sum().item()],
        "generated": out.tolist(),
        "tied": [model.lm_head.weight is model.wte.weight, n_params, len(list(model.buffers()))],
        "keys": list(model.state_dict().keys()),
    }


def adam_by_hand(torch, init):
    """Adam written out (m, v, bias correction) on a Rosenbrock-like loss next to
    torch.optim.Adam from the same start: the same trajectory; then its state in the optimizer
    (exp_avg, exp_avg_sq, step) and AMSGrad's max_exp_avg_sq."""
    start = init(torch.randn(2))

    def loss_fn(p):
        return (1 - p[0]) ** 2 + 5 * (p[1] - p[0] ** 2) ** 2

    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    p = start.clone().requires_grad_()
    m, v = torch.zeros_like(p), torch.zeros_like(p)
    mine = []
    for t in range(1, 21):
        loss = loss_fn(p)
        loss.backward()
        with torch.no_grad():
            g = p.grad
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p -= lr * m_hat / (torch.sqrt(v_hat) + eps)
        p.grad = None
        mine.append(loss.item())

    q = start.clone().requires_grad_()
    optimizer = torch.optim.Adam([q], lr=lr, betas=(beta1, beta2), eps=eps)
    theirs = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = loss_fn(q)
        loss.backward()
        optimizer.step()
        theirs.append(loss.item())
    state = optimizer.state[q]
    r = start.clone().requires_grad_()
    ams = torch.optim.Adam([r], lr=lr, amsgrad=True)
    for _ in range(3):
        ams.zero_grad()
        loss_fn(r).backward()
        ams.step()
    return {
        "mine": mine,
        "theirs": theirs,
        "params": [p.tolist(), q.tolist(), torch.allclose(p, q, atol=1e-5)],
        "state": [
            sorted(state),
            state["exp_avg"].tolist(),
            state["exp_avg_sq"].tolist(),
            float(state["step"]),
        ],  # fmt: skip
        "amsgrad": [r.tolist(), ams.state[r]["max_exp_avg_sq"].tolist()],
        "group": sorted(k for k in optimizer.param_groups[0] if k != "params"),
    }


def learning_rate_finder(torch, init):
    """An LR range test: the rate grows exponentially each batch by setting
    `optimizer.param_groups[0]['lr']`, the loss is smoothed, the run stops when it explodes,
    the best rate is read off, and the model restored from a deepcopy of its state_dict; then
    per-group rates (a smaller one for the first layer) and `g['lr'] *= 0.1` for each group."""
    nn = torch.nn
    points, labels = _moons(128, 5)
    X, y = torch.tensor(points), torch.tensor(labels)
    model = init(nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2)))
    initial = copy.deepcopy(model.state_dict())
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    start_lr, end_lr, num_iter = 1e-4, 10.0, 30
    mult = (end_lr / start_lr) ** (1 / num_iter)
    lr, avg, best, lrs, smoothed = start_lr, 0.0, float("inf"), [], []
    for i in range(num_iter):
        xb, yb = X[(i * 16) % 128 : (i * 16) % 128 + 16], y[(i * 16) % 128 : (i * 16) % 128 + 16]
        optimizer.param_groups[0]["lr"] = lr
        loss = criterion(model(xb), yb)
        avg = 0.98 * avg + 0.02 * loss.item()
        smooth = avg / (1 - 0.98 ** (i + 1))
        if smooth > 4 * best or math.isnan(smooth):
            break
        best = min(best, smooth)
        lrs.append(lr)
        smoothed.append(smooth)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lr *= mult
    suggested = lrs[int(np.argmin(smoothed))]
    moved = not torch.equal(model[0].weight, initial["0.weight"])
    model.load_state_dict(initial)
    restored = [moved, torch.equal(model[0].weight, initial["0.weight"])]
    optimizer = torch.optim.SGD(
        [
            {"params": model[0].parameters(), "lr": suggested / 10},
            {"params": model[2].parameters()},
        ],
        lr=suggested,
    )
    for epoch in range(4):
        loss = criterion(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch == 1:
            for g in optimizer.param_groups:
                g["lr"] *= 0.1
    return {
        "found": [len(lrs), suggested, smoothed],
        "restored": restored,
        "rates": [g["lr"] for g in optimizer.param_groups],
        "loss": loss.item(),
    }


def checkpoints_devices_and_idioms(torch, init):
    """What blog posts put around a training loop: `device = torch.device('cuda' if
    torch.cuda.is_available() else 'cpu')` and `.to(device)`, a checkpoint dict (epoch, model
    and optimizer state, loss) saved to an io.BytesIO and resumed with map_location, `model.eval()`
    with `torch.inference_mode()`, print(model), set_printoptions(precision=3), and the tensor
    idioms: view(-1, 1), unsqueeze, permute, einsum, torch.where, nonzero, boolean-mask
    assignment."""
    nn = torch.nn
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    class Regressor(nn.Module):
        def __init__(self, hidden=8):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(3, hidden), nn.LeakyReLU(0.1), nn.Linear(hidden, 1))
            self.dropout = nn.Dropout(p=0.2)

        def forward(self, x):
            return self.net(self.dropout(x))

    model = init(Regressor()).to(device)
    rng = np.random.default_rng(6)
    X = torch.tensor(rng.normal(size=(40, 3)), dtype=torch.float32).to(device)
    y = (X @ torch.tensor([1.0, -2.0, 0.5], device=device)).view(-1, 1)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    model.eval()  # dropout off, so the runs agree
    for epoch in range(3):  # noqa: B007 - saved in the checkpoint
        loss = nn.functional.smooth_l1_loss(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    buffer = io.BytesIO()
    checkpoint = {
        "epoch": epoch,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": loss.item(),
    }
    torch.save(checkpoint, buffer)
    try:  # forgot to rewind: both read from the end of the buffer
        torch.load(buffer)
    except EOFError:
        rewound = buffer.seek(0) == 0
    checkpoint = torch.load(buffer, map_location=device, weights_only=True)
    resumed = Regressor().to(device)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_opt = torch.optim.RMSprop(resumed.parameters(), lr=0.5)
    resumed_opt.load_state_dict(checkpoint["optimizer_state_dict"])
    resumed.eval()
    with torch.inference_mode():
        preds = resumed(X[:4])
        modes = [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
    with torch.no_grad():
        plain = model(X[:4])

    torch.set_printoptions(precision=3)
    try:
        printed = [str(preds.view(-1)), repr(torch.tensor([1 / 3, 2e-5, 10.0]))]
    finally:
        torch.set_printoptions(profile="default")

    t = torch.arange(24, dtype=torch.float32).view(2, 3, 4)
    masked = t.clone()
    masked[masked > 20] = 0
    masked[t % 5 == 0] = torch.tensor(-1.0)
    rows, cols = torch.where(t[0] > 6)
    return {
        "device": [str(device), X.device.type, next(model.parameters()).device.type],
        "checkpoint": [
            sorted(checkpoint),
            checkpoint["epoch"],
            checkpoint["loss"],
            sorted(checkpoint["optimizer_state_dict"]["param_groups"][0]),
        ],  # fmt: skip
        "rewound": rewound,
        "resumed_lr": resumed_opt.param_groups[0]["lr"],
        "optimizer": [repr(resumed_opt), str(torch.optim.SGD(model.parameters(), lr=0.1))],
        "inference": [
            preds.tolist(),
            torch.equal(preds, plain),
            preds.requires_grad,
            modes,
            torch.is_inference_mode_enabled(),
        ],  # fmt: skip
        "printed": printed,
        "model": [str(model), sum(p.numel() for p in model.parameters() if p.requires_grad)],
        "idioms": [
            t.permute(2, 0, 1).shape == (4, 2, 3),
            torch.einsum("bij,bkj->bik", t, t).tolist(),
            torch.einsum("ii->i", t[0, :, :3]).tolist(),
            torch.where(t > 10, t, torch.zeros_like(t)).sum().item(),
            torch.where(t[1] > 15, 1.0, 0.0).tolist(),
            [rows.tolist(), cols.tolist()],
            t[0].nonzero().tolist()[:3],
            masked.tolist(),
            t.unsqueeze(0).unsqueeze(-1).shape == (1, 2, 3, 4, 1),
            t.mean(dim=-1, keepdim=True).tolist(),
        ],
    }


PROGRAMS = [
    linear_regression_from_scratch,
    logistic_regression_on_moons,
    mlp_with_early_stopping,
    cnn_on_digits_with_confusion_matrix,
    conv_autoencoder,
    skipgram_negative_sampling,
    char_lstm_with_sampling,
    dict_dataset_with_collate_fn,
    mixup_cutmix_and_label_smoothing,
    gradcheck_custom_function,
    kmeans_with_cdist,
    tiny_gpt_block,
    adam_by_hand,
    learning_rate_finder,
    checkpoints_devices_and_idioms,
]

"""Programs in the style of PyTorch's tutorials and the research code students copy next
(round 16): the object detection tutorial's dataset targets, the speech command tutorial's M5
network, TorchRL's pendulum trained through its dynamics, the Ray Tune tutorial's config search,
the serialization notes on views, and model pieces seen in papers' reference code (DLRM, Swin,
KV caches, ALiBi, blockwise attention, sparse autoencoders, SAM, Lookahead, Muon, LAMB,
conformal prediction, Hopfield retrieval, neural cellular automata, memory networks, pointer
networks, audio features). Each is a function of the library (`torch` is PyTorch or minigrad)
and of `init` (see tests/programs/conftest.py); data come from NumPy so that both libraries
see the same numbers."""

from __future__ import annotations

import io
import math

import numpy as np
from tutorials7 import _name, _randn


def pennfudan_dataset_targets_from_instance_masks(torch, init):
    """The object detection finetuning tutorial's PennFudanDataset.__getitem__ on a generated
    instance mask: obj_ids = torch.unique(mask)[1:], one binary mask per instance by
    broadcasting against obj_ids[:, None, None], boxes from torch.where (what masks_to_boxes
    does), areas, int64 labels and iscrowd, and the `tuple(zip(*batch))` collate_fn."""
    rng = np.random.default_rng(3)

    def make_mask(seed):
        mask = np.zeros((12, 16), dtype=np.uint8)
        gen = np.random.default_rng(seed)
        for instance in (1, 2, 3):
            top, left = gen.integers(0, 8), gen.integers(0, 11)
            mask[top : top + gen.integers(2, 5), left : left + gen.integers(2, 6)] = instance
        return mask

    class PennFudanDataset(torch.utils.data.Dataset):
        def __init__(self, n):
            self.images = [rng.random((3, 12, 16), dtype=np.float32) for _ in range(n)]
            self.masks = [make_mask(i) for i in range(n)]

        def __getitem__(self, idx):
            img = torch.from_numpy(self.images[idx])
            mask = torch.from_numpy(self.masks[idx])
            obj_ids = torch.unique(mask)
            obj_ids = obj_ids[1:]  # the first id is the background
            num_objs = len(obj_ids)
            masks = (mask == obj_ids[:, None, None]).to(dtype=torch.uint8)
            boxes = torch.zeros((num_objs, 4), dtype=torch.float)
            for i, m in enumerate(masks):
                y, x = torch.where(m != 0)
                boxes[i, 0], boxes[i, 1] = torch.min(x), torch.min(y)
                boxes[i, 2], boxes[i, 3] = torch.max(x), torch.max(y)
            labels = torch.ones((num_objs,), dtype=torch.int64)
            area = (boxes[:, 3] - boxes[:, 1]) * (boxes[:, 2] - boxes[:, 0])
            iscrowd = torch.zeros((num_objs,), dtype=torch.int64)
            target = {
                "boxes": boxes,
                "masks": masks,
                "labels": labels,
                "image_id": idx,
                "area": area,
                "iscrowd": iscrowd,
            }
            return img, target

        def __len__(self):
            return len(self.images)

    def collate_fn(batch):
        return tuple(zip(*batch))

    loader = torch.utils.data.DataLoader(
        PennFudanDataset(5), batch_size=2, shuffle=False, collate_fn=collate_fn
    )
    batches = []
    for images, targets in loader:
        batches.append(
            {
                "images": [list(im.shape) for im in images],
                "boxes": [t["boxes"].tolist() for t in targets],
                "area": [t["area"].tolist() for t in targets],
                "masks": [[t["masks"].sum().item(), _name(t["masks"].dtype)] for t in targets],
                "ids": [t["image_id"] for t in targets],
                "dtypes": [_name(t["labels"].dtype) + _name(t["iscrowd"].dtype) for t in targets],
            }
        )
    return {"batches": batches, "types": [type(images).__name__, type(targets).__name__]}


def m5_speech_commands_conv1d_on_waveforms(torch, init):
    """The speech command classification tutorial's M5 network (a stride-16 Conv1d on the raw
    waveform, BatchNorm1d, MaxPool1d, F.avg_pool1d over the remaining length, permute and
    log_softmax over dim 2), its pad_sequence collate with `.permute(0, 2, 1)`, label_to_index
    through list.index, count_parameters, Adam with weight decay, StepLR, and
    get_likely_index / number_of_correct, on generated tones of five pitches."""
    nn, F = torch.nn, torch.nn.functional
    labels = ["down", "go", "left", "no", "up"]
    rng = np.random.default_rng(4)

    def tone(label, length):
        t = np.arange(length) / 800.0
        pitch = 40.0 * (1 + labels.index(label))
        return (np.sin(2 * np.pi * pitch * t) + 0.3 * rng.normal(size=length)).astype(np.float32)

    samples = [
        (torch.from_numpy(tone(w, int(rng.integers(700, 800)))).unsqueeze(0), w)
        for w in rng.choice(labels, size=24)
    ]

    def label_to_index(word):
        return torch.tensor(labels.index(word))

    def pad_sequence(batch):
        batch = [item.t() for item in batch]
        batch = torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value=0.0)
        return batch.permute(0, 2, 1)

    def collate_fn(batch):
        tensors, targets = [], []
        for waveform, label in batch:
            tensors += [waveform]
            targets += [label_to_index(label)]
        return pad_sequence(tensors), torch.stack(targets)

    class M5(nn.Module):
        def __init__(self, n_input=1, n_output=5, stride=16, n_channel=8):
            super().__init__()
            self.conv1 = nn.Conv1d(n_input, n_channel, kernel_size=80, stride=stride)
            self.bn1 = nn.BatchNorm1d(n_channel)
            self.pool1 = nn.MaxPool1d(4)
            self.conv2 = nn.Conv1d(n_channel, n_channel, kernel_size=3)
            self.bn2 = nn.BatchNorm1d(n_channel)
            self.pool2 = nn.MaxPool1d(2)
            self.fc1 = nn.Linear(n_channel, n_output)

        def forward(self, x):
            x = self.pool1(F.relu(self.bn1(self.conv1(x))))
            x = self.pool2(F.relu(self.bn2(self.conv2(x))))
            x = F.avg_pool1d(x, x.shape[-1])
            x = x.permute(0, 2, 1)
            x = self.fc1(x)
            return F.log_softmax(x, dim=2)

    model = init(M5())

    def count_parameters(model):
        return sum(p.numel() for p in model.parameters() if p.requires_grad)

    loader = torch.utils.data.DataLoader(
        samples, batch_size=8, shuffle=False, collate_fn=collate_fn
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.0001)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)

    def get_likely_index(tensor):
        return tensor.argmax(dim=-1)

    def number_of_correct(pred, target):
        return pred.squeeze().eq(target).sum().item()

    losses, correct, lrs = [], [], []
    for _epoch in range(3):
        model.train()
        for data, target in loader:
            output = model(data)
            loss = F.nll_loss(output.squeeze(), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        model.eval()
        right = 0
        for data, target in loader:
            right += number_of_correct(get_likely_index(model(data)), target)
        correct.append(right)
    return {
        "shape": list(data.shape),
        "output": list(output.shape),
        "params": count_parameters(model),
        "losses": losses,
        "correct": correct,
        "lrs": lrs,
    }


def pendulum_policy_through_differentiable_dynamics(torch, init):
    """TorchRL's "Pendulum: writing your environment" tutorial without TorchRL: the pendulum's
    step in plain tensors (angle_normalize with %, the cost, the clamped angular velocity),
    rollouts of a Tanh policy, and training by backpropagating the return through the
    dynamics, with Adam, CosineAnnealingLR and clip_grad_norm_."""
    nn = torch.nn
    max_speed, max_torque, dt, g, m, length = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0

    def angle_normalize(x):
        return ((x + math.pi) % (2 * math.pi)) - math.pi

    def step(th, thdot, u):
        u = u.clamp(-max_torque, max_torque)
        costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
        new_thdot = thdot + (3 * g / (2 * length) * th.sin() + 3.0 / (m * length**2) * u) * dt
        new_thdot = new_thdot.clamp(-max_speed, max_speed)
        new_th = th + new_thdot * dt
        return new_th, new_thdot, -costs

    policy = init(
        nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
    )
    optimizer = torch.optim.Adam(policy.parameters(), lr=2e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 6, 0.0)
    rng = np.random.default_rng(5)
    returns, norms = [], []
    for _ in range(6):
        start = rng.uniform(-1, 1, size=(2, 8)).astype(np.float32)
        th = torch.from_numpy(start[0]) * math.pi
        thdot = torch.from_numpy(start[1])
        rewards = []
        for _t in range(20):
            obs = torch.stack([th.cos(), th.sin(), thdot], dim=-1)
            action = policy(obs).squeeze(-1)
            th, thdot, reward = step(th, thdot, action)
            rewards.append(reward)
        traj_return = torch.stack(rewards, dim=-1).sum(-1)
        loss = -traj_return.mean()
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)))
        optimizer.step()
        optimizer.zero_grad()
        scheduler.step()
        returns.append(traj_return.mean().item())
    return {
        "returns": returns,
        "norms": norms,
        "final_state": [th.tolist(), thdot.tolist()],
        "normalized": angle_normalize(torch.tensor([-4.0, 0.0, 3.5, 7.0])).tolist(),
    }


def ray_tune_config_search_with_checkpoints(torch, init):
    """The hyperparameter tuning tutorial's loop without Ray: Net(l1, l2) built from sampled
    configs, a split into train and validation at int(len * 0.8) (random_split's sizes and
    partition by their properties), validation loss and accuracy per epoch, a checkpoint dict
    of the epoch and both state dicts written to a BytesIO, the best trial by validation loss
    reloaded and tested."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(6)
    x = rng.normal(size=(60, 10)).astype(np.float32)
    y = (x[:, :3].sum(1) > 0).astype(np.int64) + (x[:, 3] > 1).astype(np.int64)
    trainset = torch.utils.data.TensorDataset(torch.from_numpy(x[:50]), torch.from_numpy(y[:50]))
    testset = torch.utils.data.TensorDataset(torch.from_numpy(x[50:]), torch.from_numpy(y[50:]))

    class Net(nn.Module):
        def __init__(self, l1=120, l2=84):
            super().__init__()
            self.fc1 = nn.Linear(10, l1)
            self.fc2 = nn.Linear(l1, l2)
            self.fc3 = nn.Linear(l2, 3)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    configs = [
        {
            "l1": 2 ** int(rng.integers(2, 6)),
            "l2": 2 ** int(rng.integers(2, 6)),
            "lr": float(10 ** rng.uniform(-3, -1)),
            "batch_size": int(rng.choice([4, 8, 16])),
        }
        for _ in range(3)
    ]
    trials = []
    for config in configs:
        net = init(Net(config["l1"], config["l2"]))
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(net.parameters(), lr=config["lr"], momentum=0.9)
        test_abs = int(len(trainset) * 0.8)
        # the tutorial's random_split draws from the library's own generator: its sizes and
        # partition are checked below; training uses one NumPy permutation in both runs
        split = torch.utils.data.random_split(trainset, [test_abs, len(trainset) - test_abs])
        order = rng.permutation(len(trainset)).tolist()
        train_subset = torch.utils.data.Subset(trainset, order[:test_abs])
        val_subset = torch.utils.data.Subset(trainset, order[test_abs:])
        trainloader = torch.utils.data.DataLoader(
            train_subset, batch_size=int(config["batch_size"]), shuffle=False
        )
        valloader = torch.utils.data.DataLoader(val_subset, batch_size=int(config["batch_size"]))
        history = []
        for epoch in range(2):
            for inputs, labels in trainloader:
                optimizer.zero_grad()
                loss = criterion(net(inputs), labels)
                loss.backward()
                optimizer.step()
            val_loss, val_steps, total, correct = 0.0, 0, 0, 0
            for inputs, labels in valloader:
                with torch.no_grad():
                    outputs = net(inputs)
                    _, predicted = torch.max(outputs.data, 1)
                    total += labels.size(0)
                    correct += (predicted == labels).sum().item()
                    val_loss += criterion(outputs, labels).cpu().numpy()
                    val_steps += 1
            buffer = io.BytesIO()
            torch.save(
                {
                    "epoch": epoch,
                    "net_state_dict": net.state_dict(),
                    "optimizer_state_dict": optimizer.state_dict(),
                },
                buffer,
            )
            history.append({"loss": float(val_loss / val_steps), "accuracy": correct / total})
        trials.append((history[-1]["loss"], config, buffer.getvalue(), history))
    best_loss, best_config, best_checkpoint, _ = min(trials, key=lambda trial: trial[0])
    best = Net(best_config["l1"], best_config["l2"])
    checkpoint = torch.load(io.BytesIO(best_checkpoint))
    best.load_state_dict(checkpoint["net_state_dict"])
    with torch.no_grad():
        inputs, labels = testset[:]
        test_acc = (best(inputs).argmax(1) == labels).float().mean().item()
    return {
        "configs": [sorted(c.items()) for c in configs],
        "histories": [t[3] for t in trials],
        "best": [best_loss, checkpoint["epoch"], sorted(checkpoint["optimizer_state_dict"])],
        "test_acc": test_acc,
        "split": [[len(part) for part in split], sorted(split[0].indices + split[1].indices)],
    }


def serialization_notes_views_and_shared_modules(torch, init):
    """The serialization notes: tensors saved together keep their view relationships (a
    change through the loaded view shows in the loaded base), a slice saved alone loads as
    its own values, and the state_dict of a model using one Linear twice loads back with both
    entries one storage (zeroing one zeroes the other); the loaded views' strides."""
    numbers = torch.arange(10.0)
    evens = numbers[1::2]
    buffer = io.BytesIO()
    torch.save([numbers, evens], buffer)
    buffer.seek(0)
    loaded_numbers, loaded_evens = torch.load(buffer)
    loaded_evens *= 2
    alone = io.BytesIO()
    torch.save(numbers[2:5], alone)
    alone.seek(0)
    piece = torch.load(alone)
    piece += 100

    nn = torch.nn
    shared = init(nn.Linear(3, 3))
    model = nn.Sequential(shared, nn.ReLU(), shared)
    state = io.BytesIO()
    torch.save(model.state_dict(), state)
    state.seek(0)
    sd = torch.load(state)
    before = sd["2.weight"].abs().sum().item()
    sd["0.weight"].zero_()
    return {
        "numbers": loaded_numbers.tolist(),
        "evens": [loaded_evens.tolist(), loaded_evens.stride()],
        "original": numbers.tolist(),
        "piece": [piece.tolist(), list(piece.shape), piece.is_contiguous()],
        "keys": list(sd),
        "shared": [before, sd["2.weight"].abs().sum().item(), sd["2.bias"].tolist()],
    }


def dlrm_dot_interaction_click_model(torch, init):
    """DLRM's reference model in small: a bottom MLP for the dense features, one
    EmbeddingBag(mode="sum") per sparse feature fed flat indices and offsets, the pairwise dot
    interaction through bmm and the strictly lower triangle from tril_indices(offset=-1),
    concatenated with the dense vector into a top MLP, trained with BCEWithLogitsLoss and SGD."""
    nn = torch.nn
    dim, tables, rows = 4, 3, 10

    class DLRM(nn.Module):
        def __init__(self):
            super().__init__()
            self.bot_l = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, dim), nn.ReLU())
            self.emb_l = nn.ModuleList(
                nn.EmbeddingBag(rows, dim, mode="sum") for _ in range(tables)
            )
            n = tables + 1
            self.top_l = nn.Sequential(
                nn.Linear(dim + n * (n - 1) // 2, 8), nn.ReLU(), nn.Linear(8, 1)
            )

        def interact_features(self, x, ly):
            batch_size, d = x.shape
            T = torch.cat([x] + ly, dim=1).view((batch_size, -1, d))
            Z = torch.bmm(T, torch.transpose(T, 1, 2))
            _, ni, nj = Z.shape
            li, lj = torch.tril_indices(ni, nj, offset=-1)
            Zflat = Z[:, li, lj]
            return torch.cat([x, Zflat], dim=1)

        def forward(self, dense_x, lS_o, lS_i):
            x = self.bot_l(dense_x)
            ly = [emb(lS_i[k], lS_o[k]) for k, emb in enumerate(self.emb_l)]
            return self.top_l(self.interact_features(x, ly))

    model = init(DLRM())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(7)
    losses = []
    for _ in range(5):
        dense = torch.from_numpy(rng.normal(size=(6, 5)).astype(np.float32))
        counts = rng.integers(1, 4, size=(tables, 6))
        lS_o = [torch.tensor(np.concatenate([[0], np.cumsum(c)[:-1]])) for c in counts]
        lS_i = [torch.from_numpy(rng.integers(0, rows, size=int(c.sum()))) for c in counts]
        target = torch.from_numpy((rng.random((6, 1)) < 0.4).astype(np.float32))
        logits = model(dense, lS_o, lS_i)
        loss = loss_fn(logits, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    li, lj = torch.tril_indices(tables + 1, tables + 1, offset=-1)
    return {
        "losses": losses,
        "pairs": [li.tolist(), lj.tolist()],
        "probs": torch.sigmoid(logits).detach().flatten().tolist(),
        "emb_grad": model.emb_l[0].weight.grad.abs().sum(1).tolist(),
    }


def swin_window_partition_and_shift_mask(torch, init):
    """The Swin Transformer's window helpers: window_partition and window_reverse through
    view/permute/contiguous (a round trip), the cyclic shift with torch.roll, the shifted
    windows' attention mask built from slices of an img_mask and masked_fill(-100.0), and one
    window attention with a learned relative position bias table gathered by an index built
    from meshgrid; its output and gradients."""
    nn, F = torch.nn, torch.nn.functional
    H = W = 8
    ws, shift, C, heads = 4, 2, 6, 2

    def window_partition(x, window_size):
        B, H, W, C = x.shape
        x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)

    def window_reverse(windows, window_size, H, W):
        B = int(windows.shape[0] / (H * W / window_size / window_size))
        x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)

    img_mask = torch.zeros((1, H, W, 1))
    slices = (slice(0, -ws), slice(-ws, -shift), slice(-shift, None))
    cnt = 0
    for h in slices:
        for w in slices:
            img_mask[:, h, w, :] = cnt
            cnt += 1
    mask_windows = window_partition(img_mask, ws).view(-1, ws * ws)
    attn_mask = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
    attn_mask = attn_mask.masked_fill(attn_mask != 0, -100.0).masked_fill(attn_mask == 0, 0.0)

    coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)], indexing="ij"))
    coords_flatten = torch.flatten(coords, 1)
    relative = coords_flatten[:, :, None] - coords_flatten[:, None, :]
    relative = relative.permute(1, 2, 0).contiguous()
    relative[:, :, 0] += ws - 1
    relative[:, :, 1] += ws - 1
    relative[:, :, 0] *= 2 * ws - 1
    relative_position_index = relative.sum(-1)

    qkv = init(nn.Linear(C, 3 * C))
    table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
    table = init(nn.init.trunc_normal_(table, std=0.02))
    x = _randn(torch, (2, H, W, C), 8).requires_grad_()
    shifted = torch.roll(x, shifts=(-shift, -shift), dims=(1, 2))
    windows = window_partition(shifted, ws).view(-1, ws * ws, C)
    B_, N, _ = windows.shape
    q, k, v = qkv(windows).reshape(B_, N, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
    attn = (q * (C // heads) ** -0.5) @ k.transpose(-2, -1)
    bias = table[relative_position_index.view(-1)].view(N, N, -1).permute(2, 0, 1)
    attn = attn + bias.unsqueeze(0)
    nW = attn_mask.shape[0]
    attn = attn.view(B_ // nW, nW, heads, N, N) + attn_mask.unsqueeze(1).unsqueeze(0)
    attn = F.softmax(attn.view(-1, heads, N, N), dim=-1)
    out = (attn @ v).transpose(1, 2).reshape(B_, N, C)
    out = torch.roll(window_reverse(out.view(-1, ws, ws, C), ws, H, W), (shift, shift), (1, 2))
    out.pow(2).mean().backward()
    back = window_reverse(window_partition(x.detach(), ws), ws, H, W)
    return {
        "round_trip": torch.equal(back, x.detach()),
        "mask": [attn_mask.shape[0], (attn_mask == -100.0).sum(dim=(1, 2)).tolist()],
        "index": relative_position_index[:3].tolist(),
        "out": out.sum(dim=(1, 2)).tolist(),
        "grads": [x.grad.abs().sum().item(), qkv.weight.grad.norm().item()],
        "table_grad": list(table.grad.shape),
    }


def kv_cache_decoding_matches_full_recompute(torch, init):
    """Greedy generation from a one-layer causal self-attention model two ways: recomputing
    the whole prefix every step (the causal mask from torch.triu), and with a key/value cache
    concatenated along the sequence dimension feeding one new token at a time; the logits,
    the tokens and the cache's shapes agree."""
    nn, F = torch.nn, torch.nn.functional
    vocab, d, heads = 11, 8, 2

    class TinyLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(16, d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.head = nn.Linear(d, vocab)

        def forward(self, idx, start=0, cache=None):
            B, T = idx.shape
            x = self.tok(idx) + self.pos(torch.arange(start, start + T))
            q, k, v = self.qkv(x).split(d, dim=2)
            q, k, v = (t.view(B, T, heads, d // heads).transpose(1, 2) for t in (q, k, v))
            if cache is not None:
                if cache["k"] is not None:
                    k = torch.cat([cache["k"], k], dim=2)
                    v = torch.cat([cache["v"], v], dim=2)
                cache["k"], cache["v"] = k, v
            att = q @ k.transpose(-2, -1) / math.sqrt(d // heads)
            S = k.size(2)
            mask = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=S - T + 1)
            att = F.softmax(att.masked_fill(mask, float("-inf")), dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, d)
            return self.head(x + self.proj(y))

    model = init(TinyLM()).eval()
    prompt = torch.tensor([[1, 5, 2], [3, 3, 7]])
    with torch.no_grad():
        full = prompt
        full_logits = []
        for _ in range(5):
            logits = model(full)[:, -1, :]
            full_logits.append(logits)
            full = torch.cat([full, logits.argmax(-1, keepdim=True)], dim=1)
        cache = {"k": None, "v": None}
        logits = model(prompt, 0, cache)[:, -1, :]
        cached, cached_logits = prompt, [logits]
        for _ in range(4):
            nxt = logits.argmax(-1, keepdim=True)
            cached = torch.cat([cached, nxt], dim=1)
            logits = model(nxt, cached.size(1) - 1, cache)[:, -1, :]
            cached_logits.append(logits)
        cached = torch.cat([cached, logits.argmax(-1, keepdim=True)], dim=1)
    return {
        "tokens": [full.tolist(), cached.tolist()],
        "logits": torch.stack(full_logits).tolist(),
        "same": torch.allclose(torch.stack(full_logits), torch.stack(cached_logits), atol=1e-5),
        "cache": list(cache["k"].shape),
    }


def alibi_biased_causal_attention(torch, init):
    """ALiBi (attention with linear biases) as its reference code builds it: the head slopes
    2 ** (-8 / n * (i + 1)) for a power-of-two number of heads, the bias slope * -(i - j)
    from broadcast aranges, added to causal scores before softmax (masked_fill with -inf),
    a one-layer model trained a few Adam steps on a copy task; the attention of the first
    head, the losses and the slopes."""
    nn, F = torch.nn, torch.nn.functional
    heads, d, T, vocab = 4, 16, 6, 9

    def get_slopes(n):
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start**i for i in range(n)]

    slopes = torch.tensor(get_slopes(heads))
    pos = torch.arange(T)
    distance = (pos[None, :] - pos[:, None]).clamp(max=0)
    alibi = slopes[:, None, None] * distance[None, :, :]
    causal = torch.ones(T, T).tril() == 0

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d)
            self.qkv = nn.Linear(d, 3 * d, bias=False)
            self.out = nn.Linear(d, vocab)

        def forward(self, idx):
            B = idx.size(0)
            x = self.emb(idx)
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            q, k, v = (t.view(B, T, heads, -1).transpose(1, 2) for t in (q, k, v))
            scores = q @ k.transpose(-1, -2) / math.sqrt(d // heads) + alibi
            self.attn = F.softmax(scores.masked_fill(causal, float("-inf")), dim=-1)
            y = (self.attn @ v).transpose(1, 2).reshape(B, T, d)
            return self.out(x + y)

    model = init(Block())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(9)
    losses = []
    for _ in range(6):
        idx = torch.from_numpy(rng.integers(0, vocab, size=(4, T)))
        target = torch.roll(idx, 1, dims=1)
        loss = F.cross_entropy(model(idx)[:, 1:].reshape(-1, vocab), target[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "slopes": slopes.tolist(),
        "alibi": alibi[1].tolist(),
        "losses": losses,
        "attn": model.attn[0, 0].detach().tolist(),
    }


def online_softmax_blockwise_attention(torch, init):
    """Attention computed block by block over the keys with a running maximum and running
    sum (the online softmax of memory-efficient attention), equal to
    F.scaled_dot_product_attention with is_causal=True; gradients flow through the loop and
    match the fused call's."""
    F = torch.nn.functional
    q = _randn(torch, (2, 3, 8, 4), 10).requires_grad_()
    k = _randn(torch, (2, 3, 8, 4), 11).requires_grad_()
    v = _randn(torch, (2, 3, 8, 4), 12).requires_grad_()
    scale = 1 / math.sqrt(q.size(-1))
    block = 3
    T = q.size(-2)
    row = torch.arange(T)[:, None]
    m = torch.full((2, 3, T, 1), float("-inf"))
    denom = torch.zeros(2, 3, T, 1)
    acc = torch.zeros(2, 3, T, 4)
    for start in range(0, T, block):
        kb, vb = k[:, :, start : start + block], v[:, :, start : start + block]
        col = torch.arange(start, start + kb.size(-2))[None, :]
        s = (q @ kb.transpose(-1, -2)) * scale
        s = s.masked_fill(col > row, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        correction = torch.exp(m - m_new)
        denom = denom * correction + p.sum(dim=-1, keepdim=True)
        acc = acc * correction + p @ vb
        m = m_new
    out = acc / denom
    (out * v.detach()[:, :, :1]).sum().backward()
    grads = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    (ref * v.detach()[:, :, :1]).sum().backward()
    return {
        "out": out.sum(-1).tolist(),
        "close": torch.allclose(out, ref, atol=1e-5),
        "grads": [g.abs().sum().item() for g in grads],
        "grads_close": all(torch.allclose(g, t.grad, atol=1e-5) for g, t in zip(grads, (q, k, v))),
        "max": m.squeeze(-1)[0, 0].tolist(),
    }


def sparse_autoencoder_with_unit_norm_decoder(torch, init):
    """A sparse autoencoder as interpretability code trains one on activations: a pre-encoder
    bias subtracted, ReLU codes, an L1 penalty, the decoder's columns renormalised to unit norm
    under no_grad after each step, and the gradient component parallel to each column removed
    before the step; dead latents counted."""
    nn, F = torch.nn, torch.nn.functional
    d, latents = 6, 12

    class SAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.b_dec = nn.Parameter(torch.zeros(d))
            self.encoder = nn.Linear(d, latents)
            self.W_dec = nn.Parameter(nn.init.kaiming_uniform_(torch.empty(d, latents)))

        def forward(self, x):
            f = F.relu(self.encoder(x - self.b_dec))
            return f @ self.W_dec.T + self.b_dec, f

    sae = init(SAE())
    with torch.no_grad():
        sae.W_dec /= sae.W_dec.norm(dim=0, keepdim=True)
    optimizer = torch.optim.Adam(sae.parameters(), lr=3e-3)
    acts = _randn(torch, (64, d), 13) @ _randn(torch, (d, d), 14)
    history = []
    for _ in range(8):
        recon, f = sae(acts)
        mse = (recon - acts).pow(2).sum(-1).mean()
        l1 = f.abs().sum(-1).mean()
        loss = mse + 0.05 * l1
        optimizer.zero_grad()
        loss.backward()
        with torch.no_grad():
            W = sae.W_dec
            parallel = (W.grad * W).sum(0, keepdim=True) * W
            W.grad -= parallel
        optimizer.step()
        with torch.no_grad():
            sae.W_dec /= sae.W_dec.norm(dim=0, keepdim=True)
        history.append([mse.item(), l1.item()])
    return {
        "history": history,
        "norms": sae.W_dec.norm(dim=0).tolist(),
        "dead": int((f.sum(0) == 0).sum()),
        "l0": (f > 0).float().sum(-1).mean().item(),
    }


def linear_recurrence_scan_loop_and_cumsum(torch, init):
    """A diagonal linear recurrence h_t = a_t * h_{t-1} + b_t (the core of state space models)
    computed by a Python loop and in parallel through log-space cumulative sums (cumsum of log
    a, b scaled by exp(-cumsum)), trained to fit a target sequence; both forms and their
    gradients agree."""
    nn = torch.nn
    log_a = init(nn.Parameter(torch.full((4,), -0.5)))
    proj = init(nn.Linear(3, 4))
    x = _randn(torch, (2, 10, 3), 15)
    target = _randn(torch, (2, 10, 4), 16, scale=0.5)

    def loop(a, b):
        h, hs = torch.zeros_like(b[:, 0]), []
        for t in range(b.size(1)):
            h = a * h + b[:, t]
            hs.append(h)
        return torch.stack(hs, dim=1)

    def parallel(log_a, b):
        steps = torch.arange(1, b.size(1) + 1, dtype=b.dtype)[None, :, None]
        cum = steps * log_a  # the cumulative sum of a constant log a
        return torch.exp(cum) * torch.cumsum(b * torch.exp(-cum), dim=1)

    optimizer = torch.optim.SGD([log_a, *proj.parameters()], lr=0.1)
    losses = []
    for _ in range(5):
        b = proj(x)
        h_loop = loop(torch.exp(log_a), b)
        h_par = parallel(log_a, b)
        loss = (h_loop - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    b = proj(x)
    g_loop = torch.autograd.grad(loop(torch.exp(log_a), b).sum(), log_a, retain_graph=True)[0]
    g_par = torch.autograd.grad(parallel(log_a, b).sum(), log_a)[0]
    return {
        "losses": losses,
        "agree": torch.allclose(h_loop, h_par, atol=1e-5),
        "grads": [g_loop.tolist(), torch.allclose(g_loop, g_par, rtol=1e-4, atol=1e-4)],
        "decay": torch.exp(log_a).tolist(),
    }


def _regression_batches(torch, seed, n=5):
    """n batches of a noisy linear regression (8 inputs, 1 output) from NumPy."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(8, 1))
    batches = []
    for _ in range(n):
        x = rng.normal(size=(16, 8))
        y = x @ w + 0.1 * rng.normal(size=(16, 1))
        batches.append((torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)))
    return batches


def sharpness_aware_minimization_optimizer(torch, init):
    """SAM as its popular PyTorch implementation writes it: an Optimizer subclass wrapping a
    base optimizer class, first_step moving each parameter by rho * grad / ||grad|| (the norm
    of the per-parameter gradient norms, stacked) and remembering old_p in self.state,
    second_step restoring it before the base step, and the closure-free two-pass loop."""
    nn = torch.nn

    class SAM(torch.optim.Optimizer):
        def __init__(self, params, base_optimizer, rho=0.05, **kwargs):
            defaults = dict(rho=rho, **kwargs)
            super().__init__(params, defaults)
            self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
            self.param_groups = self.base_optimizer.param_groups

        @torch.no_grad()
        def first_step(self, zero_grad=False):
            grad_norm = self._grad_norm()
            for group in self.param_groups:
                scale = group["rho"] / (grad_norm + 1e-12)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    self.state[p]["old_p"] = p.data.clone()
                    p.add_(p.grad * scale.to(p))
            if zero_grad:
                self.zero_grad()

        @torch.no_grad()
        def second_step(self, zero_grad=False):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.data = self.state[p]["old_p"]
            self.base_optimizer.step()
            if zero_grad:
                self.zero_grad()

        def _grad_norm(self):
            return torch.norm(
                torch.stack(
                    [
                        p.grad.norm(p=2)
                        for g in self.param_groups
                        for p in g["params"]
                        if p.grad is not None
                    ]
                ),
                p=2,
            )

    model = init(nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1)))
    optimizer = SAM(model.parameters(), torch.optim.SGD, rho=0.1, lr=0.05, momentum=0.9)
    loss_fn = nn.MSELoss()
    history = []
    for x, y in _regression_batches(torch, 17):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.first_step(zero_grad=True)
        sharp = loss_fn(model(x), y)
        sharp.backward()
        optimizer.second_step(zero_grad=True)
        history.append([loss.item(), sharp.item()])
    return {
        "history": history,
        "groups": [sorted(optimizer.param_groups[0]), len(optimizer.state)],
        "weight": model[2].weight.detach().tolist(),
        "grad": model[0].weight.grad is None,
    }


def lookahead_optimizer_wrapper(torch, init):
    """The Lookahead wrapper from its paper's code: fast weights stepped by an inner Adam,
    slow weights kept in a state dict and pulled toward every k steps (slow += alpha * (fast -
    slow), then fast copied from slow), its param_groups shared with the inner optimizer."""
    nn = torch.nn

    class Lookahead:
        def __init__(self, optimizer, k=3, alpha=0.5):
            self.optimizer, self.k, self.alpha = optimizer, k, alpha
            self.param_groups = optimizer.param_groups
            self.slow = {p: p.detach().clone() for g in self.param_groups for p in g["params"]}
            self.counter = 0

        def zero_grad(self):
            self.optimizer.zero_grad()

        @torch.no_grad()
        def step(self):
            self.optimizer.step()
            self.counter += 1
            if self.counter % self.k == 0:
                for group in self.param_groups:
                    for fast in group["params"]:
                        slow = self.slow[fast]
                        slow.add_(fast - slow, alpha=self.alpha)
                        fast.copy_(slow)

    model = init(nn.Linear(8, 1))
    optimizer = Lookahead(torch.optim.Adam(model.parameters(), lr=0.05), k=3, alpha=0.5)
    loss_fn = nn.MSELoss()
    losses, syncs = [], []
    for x, y in _regression_batches(torch, 18, n=7):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        syncs.append(torch.equal(optimizer.slow[model.weight], model.weight.detach()))
    return {
        "losses": losses,
        "syncs": syncs,
        "weight": model.weight.detach().tolist(),
        "adam_steps": optimizer.optimizer.state[model.weight]["step"].item(),
    }


def muon_newton_schulz_orthogonalized_updates(torch, init):
    """Muon's update as its reference code computes it: momentum with Nesterov, the 2-D
    update orthogonalised by five Newton-Schulz iterations with the quintic coefficients
    (3.4445, -4.7750, 2.0315) after scaling by its norm, transposed when tall, and scaled by
    max(1, rows / cols) ** 0.5; biases stepped by AdamW. The singular values of the
    orthogonalised matrix land near one."""
    nn = torch.nn

    def zeropower_via_newtonschulz5(G, steps=5):
        a, b, c = (3.4445, -4.7750, 2.0315)
        X = G.float()
        if G.size(-2) > G.size(-1):
            X = X.mT
        X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
        for _ in range(steps):
            A = X @ X.mT
            B = b * A + c * A @ A
            X = a * X + B @ X
        if G.size(-2) > G.size(-1):
            X = X.mT
        return X

    model = init(nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 1)))
    matrices = [p for p in model.parameters() if p.ndim == 2]
    others = [p for p in model.parameters() if p.ndim < 2]
    adamw = torch.optim.AdamW(others, lr=0.01, weight_decay=0.0)
    momentum = {p: torch.zeros_like(p) for p in matrices}
    loss_fn = nn.MSELoss()
    losses = []
    for x, y in _regression_batches(torch, 19):
        loss = loss_fn(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in matrices:
                buf = momentum[p]
                buf.lerp_(p.grad, 1 - 0.95)
                update = p.grad.lerp(buf, 0.95)
                update = zeropower_via_newtonschulz5(update)
                update *= max(1, p.size(-2) / p.size(-1)) ** 0.5
                p.add_(update, alpha=-0.02)
        adamw.step()
        losses.append(loss.item())
    ortho = zeropower_via_newtonschulz5(_randn(torch, (12, 8), 20))
    singular = torch.linalg.svdvals(ortho)
    return {
        "losses": losses,
        "singular": [singular.min().item() > 0.5, singular.max().item() < 1.5],
        "ortho": ortho.sum(0).tolist(),
        "momentum": momentum[matrices[1]].tolist(),
    }


def lamb_layerwise_trust_ratio_by_hand(torch, init):
    """LAMB written out as its paper's pseudo-code: Adam's bias-corrected moments per
    parameter, the update plus decoupled weight decay, and a layer-wise trust ratio
    ||w|| / ||update|| (1 where either norm is zero, chosen with torch.where) scaling the step;
    the trust ratios of each step and the losses."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 1)))
    params = list(model.parameters())
    state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    lr, beta1, beta2, eps, wd = 0.05, 0.9, 0.999, 1e-6, 0.01
    loss_fn = nn.MSELoss()
    losses, ratios = [], []
    for t, (x, y) in enumerate(_regression_batches(torch, 21), start=1):
        loss = loss_fn(model(x), y)
        model.zero_grad()
        loss.backward()
        step_ratios = []
        with torch.no_grad():
            for p, (m, v) in zip(params, state):
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                update = m_hat / (v_hat.sqrt() + eps) + wd * p
                w_norm, u_norm = p.norm(), update.norm()
                ones = torch.ones_like(w_norm)
                trust = torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, ones)
                p.sub_(lr * trust * update)
                step_ratios.append(trust.item())
        losses.append(loss.item())
        ratios.append(step_ratios)
    return {"losses": losses, "ratios": ratios, "bias": model[2].bias.tolist()}


def gradient_centralization_before_the_step(torch, init):
    """Gradient centralisation as a few lines before optimizer.step(): for each weight of
    more than one dimension, the mean over all dimensions but the first is subtracted from
    its gradient (in place, keepdim=True), for a Linear and a Conv2d; the centred gradients'
    means are zero, and SGD with momentum trains on."""
    nn, F = torch.nn, torch.nn.functional
    model = init(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = _randn(torch, (10, 1, 6, 6), 22)
    y = torch.from_numpy(np.random.default_rng(22).integers(0, 3, size=10))
    losses, means = [], []
    for _ in range(4):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        for p in model.parameters():
            if p.grad is not None and p.grad.dim() > 1:
                dims = tuple(range(1, p.grad.dim()))
                p.grad.sub_(p.grad.mean(dim=dims, keepdim=True))
        means.append(
            max(
                p.grad.mean(dim=tuple(range(1, p.dim()))).abs().max().item()
                for p in model.parameters()
                if p.dim() > 1
            )
            < 1e-6
        )
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "centred": means,
        "conv_grad": model[0].weight.grad.sum((1, 2, 3)).tolist(),
    }


def split_conformal_prediction_sets(torch, init):
    """Split conformal prediction after a classifier is trained: the calibration scores
    1 - softmax[true class], the quantile at ceil((n + 1)(1 - alpha)) / n with
    interpolation="higher", prediction sets as a boolean mask of the test softmax, their sizes
    and the empirical coverage; and adaptive prediction sets (APS) from sorted cumulative
    probabilities scattered back with gather through argsort."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(23)
    centers = rng.normal(scale=1.5, size=(4, 2))
    labels = rng.integers(0, 4, size=300)
    points = (centers[labels] + rng.normal(size=(300, 2))).astype(np.float32)
    x, y = torch.from_numpy(points), torch.from_numpy(labels)
    model = init(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 4)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(30):
        optimizer.zero_grad()
        F.cross_entropy(model(x[:100]), y[:100]).backward()
        optimizer.step()
    alpha = 0.1
    with torch.no_grad():
        cal_probs = model(x[100:200]).softmax(dim=1)
        test_probs = model(x[200:]).softmax(dim=1)
    n = cal_probs.size(0)
    scores = 1 - cal_probs[torch.arange(n), y[100:200]]
    q_level = math.ceil((n + 1) * (1 - alpha)) / n
    qhat = torch.quantile(scores, q_level, interpolation="higher")
    sets = test_probs >= (1 - qhat)
    coverage = sets[torch.arange(sets.size(0)), y[200:]].float().mean()

    order = cal_probs.argsort(dim=1, descending=True)
    cum = cal_probs.gather(1, order).cumsum(dim=1)
    cal_cum = cum.gather(1, order.argsort(dim=1))
    aps_scores = cal_cum[torch.arange(n), y[100:200]]
    aps_q = torch.quantile(aps_scores, q_level, interpolation="higher")
    test_order = test_probs.argsort(dim=1, descending=True)
    test_cum = test_probs.gather(1, test_order).cumsum(dim=1).gather(1, test_order.argsort(dim=1))
    aps_sets = test_cum <= aps_q
    return {
        "qhat": [q_level, qhat.item(), aps_q.item()],
        "sizes": sets.sum(1).bincount(minlength=5).tolist(),
        "coverage": coverage.item(),
        "aps_sizes": aps_sets.sum(1).tolist(),
        "first": sets[:5].tolist(),
    }


def modern_hopfield_retrieval(torch, init):
    """A modern Hopfield network's update xi <- X softmax(beta X^T xi) retrieving stored
    patterns from corrupted queries (signs flipped by a mask): the overlap with each stored
    pattern before and after one and three updates, for two values of beta, and the energy
    -lse(beta, X^T xi) + xi^T xi / 2 falling along the way."""
    rng = np.random.default_rng(24)
    X = torch.from_numpy(np.sign(rng.normal(size=(32, 6))).astype(np.float32))  # 6 patterns
    flips = torch.from_numpy(rng.random((32, 6)) < 0.25)
    queries = torch.where(flips, -X, X)

    def energy(xi, beta):
        lse = torch.logsumexp(beta * (X.T @ xi), dim=0) / beta
        return -lse + 0.5 * (xi * xi).sum(0)

    results = {}
    for beta in (0.05, 0.5):
        xi = queries.clone()
        energies = [energy(xi, beta).tolist()]
        for _ in range(3):
            xi = X @ torch.softmax(beta * (X.T @ xi), dim=0)
            energies.append(energy(xi, beta).tolist())
        overlap = (torch.sign(xi) == X).float().mean(0)
        results[str(beta)] = {
            "overlap": overlap.tolist(),
            "energies": energies,
            "retrieved": (X.T @ xi).argmax(0).tolist(),
        }
    results["noisy"] = (queries == X).float().mean(0).tolist()
    return results


def neural_cellular_automaton_steps(torch, init):
    """The growing neural cellular automata update: perception by a depthwise conv2d with
    identity and Sobel kernels (groups=channels, circular padding by F.pad), a 1x1-conv
    update rule with its last layer zero-initialised, a stochastic fire-rate mask from NumPy,
    and the alive mask from max_pool2d of the alpha channel; a few steps trained toward a
    target pattern."""
    nn, F = torch.nn, torch.nn.functional
    channels = 6
    ident = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
    kernel = torch.stack([ident, sobel_x, sobel_x.T])[:, None]
    kernel = kernel.repeat(channels, 1, 1, 1)

    class CA(nn.Module):
        def __init__(self):
            super().__init__()
            self.w1 = nn.Conv2d(channels * 3, 32, 1)
            self.w2 = nn.Conv2d(32, channels, 1, bias=False)
            with torch.no_grad():
                self.w2.weight.zero_()

        def perceive(self, x):
            return F.conv2d(F.pad(x, (1, 1, 1, 1), "circular"), kernel, groups=channels)

        def forward(self, x, fire):
            pre_alive = F.max_pool2d(x[:, 3:4], 3, stride=1, padding=1) > 0.1
            x = x + self.w2(torch.relu(self.w1(self.perceive(x)))) * fire
            post_alive = F.max_pool2d(x[:, 3:4], 3, stride=1, padding=1) > 0.1
            return x * (pre_alive & post_alive).float()

    ca = init(CA())
    seed = torch.zeros(1, channels, 8, 8)
    seed[:, 3:, 4, 4] = 1.0
    target = torch.zeros(1, 4, 8, 8)
    target[:, :, 3:6, 3:6] = 0.8
    optimizer = torch.optim.Adam(ca.parameters(), lr=2e-3)
    rng = np.random.default_rng(25)
    losses = []
    for _ in range(4):
        x = seed
        for _step in range(6):
            fire = torch.from_numpy((rng.random((1, 1, 8, 8)) < 0.5).astype(np.float32))
            x = ca(x, fire)
        loss = F.mse_loss(x[:, :4], target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "alive": int((x[:, 3] > 0.1).sum()),
        "perceived": ca.perceive(seed)[0, 9:12, 3:6, 3:6].tolist(),
        "w2_grad": ca.w2.weight.grad.abs().sum().item(),
    }


def end_to_end_memory_network_hops(torch, init):
    """An end-to-end memory network on generated bAbI-like stories: sentences embedded as
    bags of words with position encoding, input and output memories (embeddings A and C
    shared across hops as in the layer-wise tying), three hops of softmax attention u <- u +
    o, and the answer from a final Linear; trained with cross_entropy and gradient clipping."""
    nn, F = torch.nn, torch.nn.functional
    vocab, d, sentences, words, hops = 15, 10, 4, 3, 3

    class MemN2N(nn.Module):
        def __init__(self):
            super().__init__()
            self.A = nn.Embedding(vocab, d, padding_idx=0)
            self.B = nn.Embedding(vocab, d, padding_idx=0)
            self.C = nn.Embedding(vocab, d, padding_idx=0)
            self.W = nn.Linear(d, vocab, bias=False)
            J, k = words, torch.arange(1, d + 1).float()
            j = torch.arange(1, J + 1).float()[:, None]
            self.register_buffer("encoding", (1 - j / J) - (k / d) * (1 - 2 * j / J))

        def forward(self, story, query):
            u = (self.B(query) * self.encoding).sum(1)
            m = (self.A(story) * self.encoding).sum(2)
            c = (self.C(story) * self.encoding).sum(2)
            attention = []
            for _ in range(hops):
                p = F.softmax(torch.einsum("bsd,bd->bs", m, u), dim=1)
                attention.append(p)
                u = u + torch.einsum("bs,bsd->bd", p, c)
            return self.W(u), torch.stack(attention, 1)

    model = init(MemN2N())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    rng = np.random.default_rng(26)
    losses, norms = [], []
    for _ in range(6):
        story = torch.from_numpy(rng.integers(0, vocab, size=(8, sentences, words)))
        query = torch.from_numpy(rng.integers(1, vocab, size=(8, words)))
        answer = story[:, -1, 0]
        logits, attention = model(story, query)
        loss = F.cross_entropy(logits, answer)
        optimizer.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 40.0).item())
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "norms": norms,
        "attention": attention[0].tolist(),
        "encoding": model.encoding[:, :3].tolist(),
        "pad_grad": model.A.weight.grad[0].abs().sum().item(),
    }


def pointer_network_sorting_step(torch, init):
    """A pointer network learning to sort numbers: an LSTM encoder, an LSTMCell decoder whose
    input is the embedding of the previously pointed element, additive attention
    v^T tanh(W1 e + W2 d) as the output distribution over input positions, already chosen
    positions masked with masked_fill(-inf), teacher forcing with the argsort targets, and
    greedy decoding giving a permutation."""
    nn, F = torch.nn, torch.nn.functional
    hidden, n = 16, 5

    class PointerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(1, hidden)
            self.encoder = nn.LSTM(hidden, hidden, batch_first=True)
            self.decoder = nn.LSTMCell(hidden, hidden)
            self.W1 = nn.Linear(hidden, hidden, bias=False)
            self.W2 = nn.Linear(hidden, hidden, bias=False)
            self.v = nn.Linear(hidden, 1, bias=False)
            self.start = nn.Parameter(torch.zeros(hidden))

        def forward(self, x, targets=None):
            B = x.size(0)
            emb = self.embed(x.unsqueeze(-1))
            enc, (h, c) = self.encoder(emb)
            h, c = h[0], c[0]
            dec_in = self.start.expand(B, hidden)
            mask = torch.zeros(B, n, dtype=torch.bool)
            logits, picks = [], []
            for i in range(n):
                h, c = self.decoder(dec_in, (h, c))
                scores = self.v(torch.tanh(self.W1(enc) + self.W2(h).unsqueeze(1))).squeeze(-1)
                scores = scores.masked_fill(mask, float("-inf"))
                logits.append(scores)
                pick = targets[:, i] if targets is not None else scores.argmax(-1)
                picks.append(pick)
                mask = mask.scatter(1, pick.unsqueeze(1), True)
                dec_in = emb[torch.arange(B), pick]
            return torch.stack(logits, 1), torch.stack(picks, 1)

    model = init(PointerNet())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(27)
    losses = []
    for _ in range(6):
        x = torch.from_numpy(rng.random((12, n)).astype(np.float32))
        targets = x.argsort(dim=1)
        logits, _ = model(x, targets)
        loss = F.cross_entropy(logits.reshape(-1, n), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        logits, picks = model(x)
    return {
        "losses": losses,
        "permutation": [sorted(row) == list(range(n)) for row in picks.tolist()],
        "picks": picks.tolist(),
        "masked": torch.isinf(logits[:, -1]).sum(1).tolist(),
    }


def highway_network_with_negative_gate_bias(torch, init):
    """A highway network as its paper recommends initialising it: each layer y = H(x) * T(x)
    + x * (1 - T(x)) with the transform gate's bias filled with -2 by nn.init.constant_ (so
    layers start close to the identity), ten layers deep, trained on a regression; the mean
    gate per layer before and after training."""
    nn, F = torch.nn, torch.nn.functional

    class Highway(nn.Module):
        def __init__(self, size):
            super().__init__()
            self.H = nn.Linear(size, size)
            self.T = nn.Linear(size, size)
            nn.init.constant_(self.T.bias, -2.0)

        def forward(self, x):
            t = torch.sigmoid(self.T(x))
            return F.relu(self.H(x)) * t + x * (1 - t)

    layers = [Highway(8) for _ in range(10)]
    model = nn.Sequential(*layers, nn.Linear(8, 1))
    model = init(model)
    gates = []

    def record(module, args, output):
        gates.append(torch.sigmoid(module.T(args[0])).mean().item())

    handles = [layer.register_forward_hook(record) for layer in layers]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    batches = _regression_batches(torch, 28, n=6)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    first = gates[:10]
    for handle in handles:
        handle.remove()
    return {
        "losses": losses,
        "gates": [first, gates[-10:]],
        "bias": layers[0].T.bias.detach().tolist(),
        "hook_calls": len(gates),
    }


def mel_spectrogram_and_mfcc_by_hand(torch, init):
    """The audio feature extraction tutorial's features without torchaudio: frames from
    Tensor.unfold with hop length, a periodic Hann window (torch.hann_window), the power
    spectrum, a triangular mel filterbank built from torch.linspace on
    the mel scale, log-mel with clamp(min=1e-10), and MFCCs from an orthonormal DCT-II
    matrix; a small Conv1d classifier on the MFCCs gets gradients. The power spectrum is
    computed with DFT matrices, as torch.fft.rfft's complex result is not minigrad's."""
    n_fft, hop, n_mels, n_mfcc, sr = 64, 16, 10, 6, 800
    rng = np.random.default_rng(29)
    t = np.arange(400) / sr
    wave = np.stack([np.sin(2 * np.pi * f * t) for f in (50.0, 120.0, 300.0)])
    waveform = torch.from_numpy((wave + 0.05 * rng.normal(size=wave.shape)).astype(np.float32))

    frames = waveform.unfold(-1, n_fft, hop)
    window = torch.hann_window(n_fft)
    # the power spectrum |rfft|^2 from the real DFT's cosine and sine matrices (minigrad has
    # no complex dtypes, so no fft.rfft: docs/nn.md)
    bins = torch.arange(n_fft // 2 + 1, dtype=torch.float32)
    angle = 2 * math.pi / n_fft * torch.arange(n_fft, dtype=torch.float32)[:, None] * bins
    windowed = frames * window
    spec = (windowed @ torch.cos(angle)).pow(2) + (windowed @ torch.sin(angle)).pow(2)

    def hz_to_mel(f):
        return 2595.0 * math.log10(1.0 + f / 700.0)

    mels = torch.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    freqs = torch.linspace(0, sr / 2, n_fft // 2 + 1)
    lower = (freqs[:, None] - hz[None, :-2]) / (hz[1:-1] - hz[:-2])
    upper = (hz[None, 2:] - freqs[:, None]) / (hz[2:] - hz[1:-1])
    fb = torch.clamp(torch.minimum(lower, upper), min=0.0)
    mel_spec = spec @ fb
    log_mel = 10.0 * torch.log10(torch.clamp(mel_spec, min=1e-10))
    n = torch.arange(n_mels, dtype=torch.float32)
    k = torch.arange(n_mfcc, dtype=torch.float32)[:, None]
    dct = torch.cos(math.pi / n_mels * (n + 0.5) * k) * math.sqrt(2.0 / n_mels)
    dct[0] *= 1.0 / math.sqrt(2.0)
    mfcc = log_mel @ dct.T

    conv = init(torch.nn.Conv1d(n_mfcc, 3, 3))
    logits = conv(mfcc.transpose(1, 2)).mean(-1)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 2]))
    loss.backward()
    return {
        "frames": list(frames.shape),
        "peak_bins": spec.mean(1).argmax(-1).tolist(),
        "fb": [list(fb.shape), fb.sum(0).tolist()],
        "mel_peaks": mel_spec.mean(1).argmax(-1).tolist(),
        "mfcc": mfcc.mean(1).tolist(),
        "dct_orthonormal": torch.allclose(dct @ dct.T, torch.eye(n_mfcc), atol=1e-5),
        "loss": [loss.item(), conv.weight.grad.norm().item()],
    }


def spec_augment_masks_and_noise_at_snr(torch, init):
    """The audio data augmentation tutorial's steps by hand: noise added at a signal-to-noise
    ratio in dB (the scale from the two signals' powers via torch.linalg.vector_norm, as
    torchaudio.functional.add_noise computes it), and SpecAugment's time and frequency masks
    on a spectrogram (masked_fill with the mean where a broadcast arange falls inside a band
    drawn from NumPy), applied to a batch."""
    rng = np.random.default_rng(30)
    speech = torch.from_numpy(np.sin(np.linspace(0, 40, 200)).astype(np.float32))[None]
    noise = torch.from_numpy(rng.normal(size=(1, 200)).astype(np.float32))
    snr_dbs = torch.tensor([20, 10, 3])
    results = []
    for snr in snr_dbs:
        speech_power = torch.linalg.vector_norm(speech, ord=2, dim=-1) ** 2
        noise_power = torch.linalg.vector_norm(noise, ord=2, dim=-1) ** 2
        original_snr_db = 10 * (torch.log10(speech_power) - torch.log10(noise_power))
        scale = 10 ** ((original_snr_db - snr) / 20.0)
        noisy = speech + scale.unsqueeze(-1) * noise
        achieved = 10 * torch.log10(speech.pow(2).sum() / (noisy - speech).pow(2).sum())
        results.append([scale.item(), achieved.item()])

    spec = _randn(torch, (3, 12, 20), 31).abs()

    def mask_along(spec, axis, max_width):
        width = rng.integers(0, max_width + 1, size=spec.size(0))
        start = rng.integers(0, spec.size(axis) - width + 1)
        positions = torch.arange(spec.size(axis))
        band = (positions[None, :] >= torch.from_numpy(start)[:, None]) & (
            positions[None, :] < torch.from_numpy(start + width)[:, None]
        )
        band = band[:, :, None] if axis == 1 else band[:, None, :]
        return spec.masked_fill(band, spec.mean().item()), band

    freq_masked, fband = mask_along(spec, 1, 4)
    time_masked, tband = mask_along(freq_masked, 2, 6)
    return {
        "snr": results,
        "bands": [fband.sum((1, 2)).tolist(), tband.sum((1, 2)).tolist()],
        "masked": time_masked.sum((1, 2)).tolist(),
        "unchanged": torch.equal(
            time_masked[~(fband | tband).expand_as(spec)], spec[~(fband | tband).expand_as(spec)]
        ),
    }


def double_dqn_td_targets_mario_style(torch, init):
    """The Mario RL tutorial's learning step: an online and a target network (the target's
    parameters frozen with requires_grad = False and synced by load_state_dict), td_estimate
    from online Q values indexed with np.arange(batch_size) and the actions, the Double DQN
    td_target picking the next action with the online net and evaluating it with the target
    net under torch.no_grad(), SmoothL1Loss, and the decaying exploration rate."""
    nn = torch.nn

    class MarioNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.online = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
            self.target = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
            self.target.load_state_dict(self.online.state_dict())
            for p in self.target.parameters():
                p.requires_grad = False

        def forward(self, input, model):
            return self.online(input) if model == "online" else self.target(input)

    net = init(MarioNet())
    optimizer = torch.optim.Adam(net.parameters(), lr=0.00025 * 40)
    loss_fn = nn.SmoothL1Loss()
    gamma, batch_size = 0.9, 8
    exploration_rate, decay, minimum = 1.0, 0.9, 0.1
    rng = np.random.default_rng(32)
    history = []
    for step in range(6):
        state = torch.from_numpy(rng.normal(size=(batch_size, 6)).astype(np.float32))
        next_state = torch.from_numpy(rng.normal(size=(batch_size, 6)).astype(np.float32))
        action = torch.from_numpy(rng.integers(0, 3, size=batch_size))
        reward = torch.from_numpy(rng.normal(size=batch_size).astype(np.float32))
        done = torch.from_numpy(rng.random(batch_size) < 0.2)
        td_est = net(state, model="online")[np.arange(0, batch_size), action]
        with torch.no_grad():
            next_state_Q = net(next_state, model="online")
            best_action = torch.argmax(next_state_Q, axis=1)
            next_Q = net(next_state, model="target")[np.arange(0, batch_size), best_action]
            td_tgt = (reward + (1 - done.float()) * gamma * next_Q).float()
        loss = loss_fn(td_est, td_tgt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 3 == 2:
            net.target.load_state_dict(net.online.state_dict())
        exploration_rate = max(minimum, exploration_rate * decay)
        history.append([loss.item(), td_est.mean().item(), td_tgt.mean().item()])
    return {
        "history": history,
        "exploration": exploration_rate,
        "frozen": [p.requires_grad for p in net.target.parameters()],
        "synced": torch.equal(net.online[0].weight, net.target[0].weight),
        "target_grad": net.target[0].weight.grad is None,
    }


def wgan_with_weight_clipping_and_rmsprop(torch, init):
    """The original WGAN's training loop: the critic trained n_critic times per generator
    step with RMSprop, its weights clamped to [-c, c] in place after each step (for p in
    netD.parameters(): p.data.clamp_(-0.01, 0.01)), the critic's loss -(D(real) - D(fake))
    and the generator's -D(G(z)), on a 2-D Gaussian with noise from NumPy."""
    nn = torch.nn
    netG = init(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2)))
    netD = init(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)))
    optD = torch.optim.RMSprop(netD.parameters(), lr=5e-3)
    optG = torch.optim.RMSprop(netG.parameters(), lr=5e-3)
    rng = np.random.default_rng(33)

    def batch(mean):
        return torch.from_numpy((rng.normal(size=(16, 2)) + mean).astype(np.float32))

    history = []
    for _ in range(4):
        for _critic in range(3):
            real, z = batch(2.0), batch(0.0)
            optD.zero_grad()
            errD = -(netD(real).mean() - netD(netG(z).detach()).mean())
            errD.backward()
            optD.step()
            for p in netD.parameters():
                p.data.clamp_(-0.01, 0.01)
        optG.zero_grad()
        errG = -netD(netG(batch(0.0))).mean()
        errG.backward()
        optG.step()
        history.append([errD.item(), errG.item()])
    return {
        "history": history,
        "clipped": max(p.abs().max().item() for p in netD.parameters()),
        "at_bound": sum(int((p.abs() == 0.01).sum()) for p in netD.parameters()),
        "fake_mean": netG(batch(0.0)).mean(0).tolist(),
    }


def label_propagation_on_a_similarity_graph(torch, init):
    """Label propagation (Zhou et al.) on points of two moons: a Gaussian similarity matrix
    from torch.cdist with its diagonal zeroed by fill_diagonal_, the symmetric normalisation
    D^-1/2 W D^-1/2, iterations F <- alpha S F + (1 - alpha) Y from one-hot labels of a few
    points, against the closed form solved with torch.linalg.solve; the accuracy on the
    unlabelled points."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(60, noise=0.08, random_state=0)
    X = torch.tensor(points, dtype=torch.float32)
    y = torch.tensor(labels)
    W = torch.exp(-torch.cdist(X, X).pow(2) / (2 * 0.15**2))
    W.fill_diagonal_(0.0)
    d_inv_sqrt = W.sum(1).rsqrt()
    S = d_inv_sqrt[:, None] * W * d_inv_sqrt[None, :]
    labelled = torch.zeros(60, dtype=torch.bool)
    labelled[torch.tensor([0, 1, 2, 3])] = True
    Y = torch.nn.functional.one_hot(y, 2).float() * labelled[:, None]
    alpha = 0.99
    F_ = Y.clone()
    for _ in range(200):
        F_ = alpha * S @ F_ + (1 - alpha) * Y
    closed = torch.linalg.solve(torch.eye(60) - alpha * S, (1 - alpha) * Y)
    pred = F_.argmax(1)
    return {
        "labels": y[labelled].tolist(),
        "accuracy": (pred[~labelled] == y[~labelled]).float().mean().item(),
        "agree": (pred == closed.argmax(1)).all().item(),
        "closed": closed[:6].tolist(),
        "degree": W.sum(1)[:5].tolist(),
    }


def conditional_neural_process_on_sine_curves(torch, init):
    """A conditional neural process: context pairs (x, y) encoded by an MLP and averaged over
    the context set, the representation repeated for each target x, a decoder giving a mean
    and a softplus-bounded standard deviation, and the loss -Normal(mean, std).log_prob(y)
    on sine curves of random amplitude and phase; the predictive spread at the context points
    and away from them."""
    nn, F = torch.nn, torch.nn.functional

    class CNP(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32))
            self.decoder = nn.Sequential(nn.Linear(33, 32), nn.ReLU(), nn.Linear(32, 2))

        def forward(self, x_ctx, y_ctx, x_tgt):
            r = self.encoder(torch.cat([x_ctx, y_ctx], dim=-1)).mean(dim=1, keepdim=True)
            r = r.expand(-1, x_tgt.size(1), -1)
            mean, raw = self.decoder(torch.cat([r, x_tgt], dim=-1)).chunk(2, dim=-1)
            return mean, 0.1 + 0.9 * F.softplus(raw)

    model = init(CNP())
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(34)

    def curves(batch, n):
        amp = rng.uniform(0.5, 2.0, size=(batch, 1, 1))
        phase = rng.uniform(0, np.pi, size=(batch, 1, 1))
        x = rng.uniform(-3, 3, size=(batch, n, 1))
        return torch.tensor(x, dtype=torch.float32), torch.tensor(
            amp * np.sin(x + phase), dtype=torch.float32
        )

    losses = []
    for _ in range(8):
        x, y = curves(6, 12)
        mean, std = model(x[:, :5], y[:, :5], x)
        loss = -torch.distributions.Normal(mean, std).log_prob(y).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        x, y = curves(2, 12)
        mean, std = model(x[:, :5], y[:, :5], x)
    return {
        "losses": losses,
        "mean": mean.squeeze(-1).tolist(),
        "std": [std[:, :5].mean().item(), std[:, 5:].mean().item()],
        "shapes": [list(mean.shape), list(std.shape)],
    }


def film_conditioned_convnet(torch, init):
    """FiLM (feature-wise linear modulation): a conditioning vector mapped by a Linear to
    per-channel gamma and beta (chunk(2, dim=1)), applied as gamma[:, :, None, None] * h +
    beta after a bias-free Conv2d and BatchNorm2d(affine=False), in a small residual conv net
    answering which of two quadrants is brighter depending on a one-hot question; accuracy in
    eval mode."""
    nn, F = torch.nn, torch.nn.functional

    class FiLMBlock(nn.Module):
        def __init__(self, channels, cond):
            super().__init__()
            # bias=False, as the performance tuning guide advises before a batch norm: the norm
            # subtracts it again, so its gradient is rounding noise, which Adam would scale up
            self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(channels, affine=False)
            self.film = nn.Linear(cond, 2 * channels)

        def forward(self, x, c):
            gamma, beta = self.film(c).chunk(2, dim=1)
            h = self.bn(self.conv(x))
            return x + F.relu(gamma[:, :, None, None] * h + beta[:, :, None, None])

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(1, 8, 3, padding=1)
            self.blocks = nn.ModuleList([FiLMBlock(8, 2), FiLMBlock(8, 2)])
            self.head = nn.Linear(8, 2)

        def forward(self, x, c):
            x = F.relu(self.stem(x))
            for block in self.blocks:
                x = block(x, c)
            return self.head(x.mean(dim=(2, 3)))

    model = init(Net())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(35)

    def batch(n):
        images = rng.random((n, 1, 6, 6)).astype(np.float32)
        question = rng.integers(0, 2, size=n)
        left, right = images[:, 0, :, :3].mean((1, 2)), images[:, 0, :, 3:].mean((1, 2))
        answer = np.where(question == 0, left > right, right > left).astype(np.int64)
        cond = np.eye(2, dtype=np.float32)[question]
        return torch.from_numpy(images), torch.from_numpy(cond), torch.from_numpy(answer)

    losses = []
    model.train()
    for _ in range(6):
        images, cond, answer = batch(16)
        loss = F.cross_entropy(model(images, cond), answer)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        images, cond, answer = batch(32)
        accuracy = (model(images, cond).argmax(1) == answer).float().mean().item()
    return {
        "losses": losses,
        "accuracy": accuracy,
        "running_mean": model.blocks[0].bn.running_mean.tolist(),
        "film_grad": model.blocks[1].film.weight.grad.abs().sum().item(),
        "affine": [model.blocks[0].bn.weight is None, len(list(model.blocks[0].bn.parameters()))],
    }


def linear_attention_with_elu_feature_map(torch, init):
    """ "Transformers are RNNs": attention with the feature map elu(x) + 1, non-causal as
    phi(Q) (phi(K)^T V) normalised by phi(Q) phi(K)^T 1, and causal through cumulative sums
    of the outer products k v^T over time; the causal form equals the quadratic form with a
    lower-triangular mask, and a step of training through it."""
    F = torch.nn.functional
    q = _randn(torch, (2, 7, 4), 36).requires_grad_()
    k = _randn(torch, (2, 7, 4), 37).requires_grad_()
    v = _randn(torch, (2, 7, 3), 38).requires_grad_()

    def phi(x):
        return F.elu(x) + 1

    Q, K = phi(q), phi(k)
    kv = torch.einsum("bsd,bse->bde", K, v)
    z = 1 / (torch.einsum("bld,bd->bl", Q, K.sum(dim=1)) + 1e-6)
    full = torch.einsum("bld,bde,bl->ble", Q, kv, z)

    kv_cum = torch.cumsum(torch.einsum("bsd,bse->bsde", K, v), dim=1)
    k_cum = torch.cumsum(K, dim=1)
    causal = torch.einsum("bld,blde->ble", Q, kv_cum) / (
        torch.einsum("bld,bld->bl", Q, k_cum)[..., None] + 1e-6
    )
    scores = (Q @ K.transpose(1, 2)).tril()
    quadratic = (scores @ v) / (scores.sum(-1, keepdim=True) + 1e-6)
    (causal.pow(2).sum() + full.sum()).backward()
    return {
        "full": full.sum(-1).tolist(),
        "causal": causal[0].tolist(),
        "agree": torch.allclose(causal, quadratic, atol=1e-5),
        "grads": [q.grad.abs().sum().item(), k.grad.abs().sum().item(), v.grad.sum().item()],
        "positive": bool((Q > 0).all()),
    }


def activation_swap_with_set_submodule(torch, init):
    """A fine-tuning recipe's model surgery: every nn.ReLU found by named_modules() replaced
    by nn.GELU(approximate="tanh") through set_submodule with its dotted name (collected
    first, since the walk must not see the model change), the head swapped the same way for a
    new number of classes, then one training step; the module names and printed model."""
    nn, F = torch.nn, torch.nn.functional
    model = nn.Sequential(
        nn.Linear(4, 8),
        nn.ReLU(),
        nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Dropout(0.0)),
        nn.Linear(8, 3),
    )
    model = init(model)
    names = [name for name, module in model.named_modules() if isinstance(module, nn.ReLU)]
    for name in names:
        model.set_submodule(name, nn.GELU(approximate="tanh"))
    head = init(nn.Linear(8, 5))
    model.set_submodule("3", head)
    x = _randn(torch, (6, 4), 39)
    y = torch.tensor([0, 1, 2, 3, 4, 0])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return {
        "replaced": names,
        "model": str(model),
        "loss": loss.item(),
        "head": model.get_submodule("3") is head,
        "out": model(x).detach().sum(0).tolist(),
    }


def circular_and_survival_likelihood_fits(torch, init):
    """Maximum likelihood with torch.distributions beyond the Normal: a VonMises(loc,
    concentration) fitted to wind directions (angles from NumPy) with concentration kept
    positive by softplus, and a Weibull(scale, concentration) fitted to failure times with
    both parameters in log space; Adam on the mean negative log_prob, and the fitted means."""
    D, F = torch.distributions, torch.nn.functional
    rng = np.random.default_rng(40)
    angles = torch.tensor(rng.vonmises(1.0, 3.0, size=200), dtype=torch.float32)
    times = torch.tensor(2.0 * rng.weibull(1.5, size=200), dtype=torch.float32)
    loc = torch.zeros((), requires_grad=True)
    raw_conc = torch.zeros((), requires_grad=True)
    log_scale = torch.zeros((), requires_grad=True)
    log_shape = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.Adam([loc, raw_conc, log_scale, log_shape], lr=0.1)
    history = []
    for _ in range(40):
        circular = D.VonMises(loc, F.softplus(raw_conc))
        survival = D.Weibull(log_scale.exp(), log_shape.exp())
        nll = -circular.log_prob(angles).mean() - survival.log_prob(times).mean()
        optimizer.zero_grad()
        nll.backward()
        optimizer.step()
        history.append(nll.item())
    return {
        "nll": history[::8],
        "von_mises": [loc.item(), F.softplus(raw_conc).item(), circular.mean.item()],
        "weibull": [log_scale.exp().item(), log_shape.exp().item(), survival.mean.item()],
        "variance": [circular.variance.item(), survival.variance.item()],
        "entropy": survival.entropy().item(),
    }


def multi_grad_hook_logging_when_all_branches_are_done(torch, init):
    """torch.autograd.graph.register_multi_grad_hook on the outputs of two branches of a
    model: mode="all" calls it once per backward with all the gradients (None for a branch
    the loss did not use), mode="any" with the first one ready; the hooks log gradient norms
    during training and are removed with their handles."""
    nn = torch.nn

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Linear(4, 6)
            self.left = nn.Linear(6, 1)
            self.right = nn.Linear(6, 1)

        def forward(self, x):
            h = torch.tanh(self.trunk(x))
            return self.left(h), self.right(h)

    model = init(TwoHeads())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = _randn(torch, (5, 4), 41)
    target = _randn(torch, (5, 1), 42)
    logs, first = [], []
    for step in range(4):
        left, right = model(x)
        all_handle = torch.autograd.graph.register_multi_grad_hook(
            (left, right),
            lambda grads: logs.append([None if g is None else g.norm().item() for g in grads]),
        )
        any_handle = torch.autograd.graph.register_multi_grad_hook(
            (left, right), lambda grad: first.append(grad.norm().item()), mode="any"
        )
        loss = (left - target).pow(2).mean()
        if step % 2:
            loss = loss + right.abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        all_handle.remove()
        any_handle.remove()
    return {"logs": logs, "first": first, "weight": model.right.weight.detach().tolist()}


def multiplicative_lr_with_a_checkpointed_scheduler(torch, init):
    """MultiplicativeLR with an epoch-dependent lambda (0.5 on even epochs, 0.95 otherwise),
    the scheduler and optimizer state dicts saved after three epochs, a fresh optimizer and
    scheduler loaded from them (the lambda is not in the state dict, as PyTorch keeps only
    callable objects' __dict__), and training resumed; the learning rates in both runs
    match."""
    nn = torch.nn

    def make(model):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.5)
        scheduler = torch.optim.lr_scheduler.MultiplicativeLR(
            optimizer, lr_lambda=lambda epoch: 0.5 if epoch % 2 == 0 else 0.95
        )
        return optimizer, scheduler

    model = init(nn.Linear(8, 1))
    optimizer, scheduler = make(model)
    batches = _regression_batches(torch, 43, n=6)
    lrs, losses = [], []
    for epoch, (x, y) in enumerate(batches):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        losses.append(loss.item())
        if epoch == 2:
            buffer = io.BytesIO()
            torch.save(
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                },
                buffer,
            )
    buffer.seek(0)
    checkpoint = torch.load(buffer)
    resumed = nn.Linear(8, 1)
    resumed.load_state_dict(checkpoint["model"])
    optimizer2, scheduler2 = make(resumed)
    optimizer2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    lrs2 = []
    for x, y in batches[3:]:
        optimizer2.zero_grad()
        nn.functional.mse_loss(resumed(x), y).backward()
        optimizer2.step()
        scheduler2.step()
        lrs2.append(scheduler2.get_last_lr()[0])
    return {
        "lrs": lrs,
        "resumed": lrs2,
        "losses": losses,
        "keys": sorted(checkpoint["scheduler"]),
        "same_weights": torch.allclose(model.weight, resumed.weight),
    }


def custom_function_with_generate_vmap_rule_per_sample(torch, init):
    """A straight-through clamp written as an autograd.Function in the setup_context style
    with generate_vmap_rule = True, so that torch.func can vmap it: per-sample gradients of a
    linear model through it from vmap(grad(loss)) with functional_call, against a loop of
    ordinary backward calls one sample at a time."""
    nn = torch.nn
    func = torch.func

    class StraightThroughClamp(torch.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            return x.clamp(-1.0, 1.0)

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    model = init(nn.Linear(3, 1))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = _randn(torch, (5, 3), 44, scale=2.0)
    y = _randn(torch, (5, 1), 45)

    def loss_fn(params, xi, yi):
        out = func.functional_call(model, params, (xi.unsqueeze(0),))
        return (StraightThroughClamp.apply(out) - yi.unsqueeze(0)).pow(2).sum()

    per_sample = func.vmap(func.grad(loss_fn), in_dims=(None, 0, 0))(params, x, y)
    looped = []
    for i in range(5):
        model.zero_grad()
        loss = (StraightThroughClamp.apply(model(x[i : i + 1])) - y[i : i + 1]).pow(2).sum()
        loss.backward()
        looped.append(model.weight.grad.clone())
    return {
        "weight": per_sample["weight"].tolist(),
        "bias": per_sample["bias"].tolist(),
        "agree": torch.allclose(per_sample["weight"], torch.stack(looped), atol=1e-6),
        "clamped": StraightThroughClamp.apply(model(x)).detach().flatten().tolist(),
    }


PROGRAMS = [
    pennfudan_dataset_targets_from_instance_masks,
    m5_speech_commands_conv1d_on_waveforms,
    pendulum_policy_through_differentiable_dynamics,
    ray_tune_config_search_with_checkpoints,
    serialization_notes_views_and_shared_modules,
    dlrm_dot_interaction_click_model,
    swin_window_partition_and_shift_mask,
    kv_cache_decoding_matches_full_recompute,
    alibi_biased_causal_attention,
    online_softmax_blockwise_attention,
    sparse_autoencoder_with_unit_norm_decoder,
    linear_recurrence_scan_loop_and_cumsum,
    sharpness_aware_minimization_optimizer,
    lookahead_optimizer_wrapper,
    muon_newton_schulz_orthogonalized_updates,
    lamb_layerwise_trust_ratio_by_hand,
    gradient_centralization_before_the_step,
    split_conformal_prediction_sets,
    modern_hopfield_retrieval,
    neural_cellular_automaton_steps,
    end_to_end_memory_network_hops,
    pointer_network_sorting_step,
    highway_network_with_negative_gate_bias,
    mel_spectrogram_and_mfcc_by_hand,
    spec_augment_masks_and_noise_at_snr,
    double_dqn_td_targets_mario_style,
    wgan_with_weight_clipping_and_rmsprop,
    label_propagation_on_a_similarity_graph,
    conditional_neural_process_on_sine_curves,
    film_conditioned_convnet,
    linear_attention_with_elu_feature_map,
    activation_swap_with_set_submodule,
    circular_and_survival_likelihood_fits,
    multi_grad_hook_logging_when_all_branches_are_done,
    multiplicative_lr_with_a_checkpointed_scheduler,
    custom_function_with_generate_vmap_rule_per_sample,
]

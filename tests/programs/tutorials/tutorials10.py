"""Programs as students copy them (round 10): pytorch.org tutorials and recipes, blog posts
and Stack Overflow answers written again in their style (a char-level RNN name classifier,
a seq2seq GRU with teacher forcing, a VAE, a DCGAN step, REINFORCE and DQN on toy
environments written in code, a Transformer language model, distillation, mixup and cutmix,
samplers and splits, schedules, hooks, checkpoints, the tensor idioms and what print
shows). Each is a function of the library (`torch` is PyTorch or minigrad) and of `init`
(see tests/programs/conftest.py); data come from NumPy so that both libraries see the same
numbers, and what stays random is compared by its properties."""

from __future__ import annotations

import copy
import io
import math
import random
from collections import deque

import numpy as np
from tutorials7 import _randn, _shown
from tutorials9 import _raises


def char_rnn_name_classifier(torch, init):
    """The "NLP from scratch: classifying names" tutorial with nn.RNN: letters one-hot encoded
    into a (len, 1, n_letters) tensor, the last hidden state through nn.Linear and
    nn.LogSoftmax, NLLLoss, a few SGD steps, and the top-2 categories by output.topk."""
    nn = torch.nn
    letters = "abcdefghijklmnopqrstuvwxyz '"
    names = {"english": ["smith", "jones", "brown"], "italian": ["rossi", "russo"],
             "japanese": ["sato", "suzuki", "tanaka"]}  # fmt: skip
    categories = list(names)

    def line_to_tensor(line):
        tensor = torch.zeros(len(line), 1, len(letters))
        for li, letter in enumerate(line):
            tensor[li][0][letters.find(letter)] = 1
        return tensor

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            return self.softmax(self.h2o(hidden[0]))

    model = init(RNN(len(letters), 12, len(categories)))
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        for label, lines in names.items():
            for line in lines:
                target = torch.tensor([categories.index(label)], dtype=torch.long)
                output = model(line_to_tensor(line))
                loss = criterion(output, target)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 3)
                optimizer.step()
                losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        output = model(line_to_tensor("suzu"))
        top_v, top_i = output.topk(2, 1, True)
    return {
        "line_tensor": [
            list(line_to_tensor("sato").size()),
            line_to_tensor("ab")[1].nonzero().tolist(),
        ],
        "losses": losses,
        "top": [top_v.tolist(), [categories[i] for i in top_i[0].tolist()]],
        "repr": _shown(torch, model),
    }


def seq2seq_gru_with_teacher_forcing(torch, init):
    """The "NLP from scratch: translation with a sequence to sequence network" tutorial made
    small: an EncoderRNN (Embedding, GRU batch_first) and a DecoderRNN that feeds the target
    when teacher forcing and its own argmax (topk(1), squeeze(-1).detach()) otherwise, the
    log-softmax outputs and NLLLoss over the flattened batch, two Adam steps."""
    nn, F = torch.nn, torch.nn.functional
    SOS, hidden_size, vocab, max_len = 0, 10, 9, 5

    class EncoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(0.1)

        def forward(self, x):
            output, hidden = self.gru(self.dropout(self.embedding(x)))
            return output, hidden

    class DecoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, vocab)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS)
            decoder_hidden = encoder_hidden
            outputs = []
            for i in range(max_len):
                output, decoder_hidden = self.gru(
                    F.relu(self.embedding(decoder_input)), decoder_hidden
                )
                output = self.out(output)
                outputs.append(output)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)
                else:
                    _, topi = output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            outputs = torch.cat(outputs, dim=1)
            return F.log_softmax(outputs, dim=-1), decoder_hidden

    encoder, decoder = init(EncoderRNN()), init(DecoderRNN())
    rng = np.random.default_rng(3)
    src = torch.from_numpy(rng.integers(1, vocab, (4, 6)))
    tgt = torch.from_numpy(rng.integers(1, vocab, (4, max_len)))
    enc_opt = torch.optim.Adam(encoder.parameters(), lr=0.01)
    dec_opt = torch.optim.Adam(decoder.parameters(), lr=0.01)
    criterion = nn.NLLLoss()
    encoder.train(False)  # no dropout, so the runs agree
    losses = []
    for _ in range(2):
        enc_opt.zero_grad()
        dec_opt.zero_grad()
        enc_out, enc_hidden = encoder(src)
        dec_out, _ = decoder(enc_out, enc_hidden, tgt)
        loss = criterion(dec_out.view(-1, dec_out.size(-1)), tgt.view(-1))
        loss.backward()
        enc_opt.step()
        dec_opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        enc_out, enc_hidden = encoder(src[:2])
        greedy, hidden = decoder(enc_out, enc_hidden)
        _, decoded = greedy.topk(1)
    return {
        "losses": losses,
        "decoded": decoded.squeeze().tolist(),
        "hidden": list(hidden.shape),
        "grad": decoder.out.bias.grad.tolist(),
    }


def vae_with_reparameterisation(torch, init):
    """The PyTorch examples' VAE made small: fc1 -> (mu, logvar), z = mu + eps * std with eps
    given, a sigmoid decoder, BCE (reduction='sum') plus the KL term
    -0.5 * sum(1 + logvar - mu^2 - exp(logvar)), three Adam steps, and sampling from N(0, I)."""
    nn, F = torch.nn, torch.nn.functional

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(16, 12)
            self.fc21 = nn.Linear(12, 3)
            self.fc22 = nn.Linear(12, 3)
            self.fc3 = nn.Linear(3, 12)
            self.fc4 = nn.Linear(12, 16)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            return mu + eps * std

        def decode(self, z):
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

        def forward(self, x, eps):
            mu, logvar = self.encode(x.view(-1, 16))
            return self.decode(self.reparameterize(mu, logvar, eps)), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x.view(-1, 16), reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld, bce, kld

    model = init(VAE())
    data = torch.from_numpy(
        (np.random.default_rng(1).random((8, 1, 4, 4)) > 0.5).astype(np.float32)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = []
    for step in range(3):
        optimizer.zero_grad()
        recon, mu, logvar = model(data, _randn(torch, (8, 3), 10 + step))
        loss, bce, kld = loss_function(recon, data, mu, logvar)
        loss.backward()
        optimizer.step()
        history.append([loss.item() / len(data), bce.item(), kld.item()])
    with torch.no_grad():
        sample = model.decode(_randn(torch, (2, 3), 20)).view(2, 1, 4, 4)
    return {"history": history, "sample": sample.tolist(), "grad": model.fc22.weight.grad.tolist()}


def dcgan_training_step(torch, init):
    """One iteration of the DCGAN tutorial's loop on 8x8 images: a generator of
    ConvTranspose2d, BatchNorm2d, ReLU and Tanh, a discriminator of Conv2d, LeakyReLU(0.2)
    and BatchNorm2d, weights_init by classname, BCEWithLogitsLoss with real and fake labels
    (torch.full), fake.detach() for D, then G's step, Adam(betas=(0.5, 0.999))."""
    nn = torch.nn
    nz, ngf, ndf = 4, 6, 6

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    netG = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
        nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    netD = nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, 1, 2, 1, 0, bias=False),
    )
    netG.apply(weights_init)
    netD.apply(weights_init)
    netG, netD = init(netG), init(netD)
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real = torch.tanh(_randn(torch, (4, 1, 8, 8), 2))
    real_label, fake_label = 1.0, 0.0
    log = []
    for step in range(2):
        netD.zero_grad()
        label = torch.full((4,), real_label, dtype=torch.float)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.sigmoid().mean().item()
        noise = _randn(torch, (4, nz, 1, 1), 30 + step)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        optD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optG.step()
        log.append([(errD_real + errD_fake).item(), errG.item(), D_x, list(fake.shape)])
    return {
        "log": log,
        "running": netD[3].running_mean.tolist(),
        "batches": netG[1].num_batches_tracked.item(),
        "repr": _shown(torch, netG),
    }


def reinforce_on_a_corridor(torch, init):
    """REINFORCE as in the PyTorch examples on a corridor written in code: a policy network,
    Categorical(probs), actions from m.sample() under a seeded generator compared by their
    range, log_prob kept per step, discounted returns normalised with std + eps, and the
    policy loss with torch.cat(...).sum(); the deterministic part uses the argmax action."""
    nn, F = torch.nn, torch.nn.functional
    from_dist = torch.distributions.Categorical

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(2, 16)
            self.affine2 = nn.Linear(16, 2)
            self.saved_log_probs, self.rewards = [], []

        def forward(self, x):
            return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=1)

    def step(position, action):  # the goal is at position 4
        position = max(0, position + (1 if action == 1 else -1))
        return position, (1.0 if position == 4 else -0.1), position == 4

    policy = init(Policy())
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    eps = np.finfo(np.float32).eps.item()
    gamma = 0.9
    episode_lengths = []
    for _ in range(2):
        position = 0
        for _t in range(8):
            state = torch.tensor([[position / 4.0, 1.0]])
            probs = policy(state)
            m = from_dist(probs)
            sampled = m.sample()
            action = probs.argmax(1)
            assert 0 <= sampled.item() < 2
            policy.saved_log_probs.append(m.log_prob(action))
            position, reward, done = step(position, action.item())
            policy.rewards.append(reward)
            if done:
                break
        episode_lengths.append(len(policy.rewards))
        R, returns = 0.0, deque()
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.appendleft(R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = [-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]
        optimizer.zero_grad()
        loss = torch.cat(policy_loss).sum()
        loss.backward()
        optimizer.step()
        del policy.rewards[:]
        del policy.saved_log_probs[:]
    probs = policy(torch.tensor([[0.0, 1.0], [0.5, 1.0]]))
    m = from_dist(probs=probs)
    return {
        "lengths": episode_lengths,
        "loss": loss.item(),
        "probs": probs.tolist(),
        "entropy": m.entropy().tolist(),
        "sample_shape": list(m.sample((3,)).shape),
    }


def dqn_step_with_replay_buffer(torch, init):
    """The DQN tutorial's optimize_model on a toy chain: a namedtuple Transition, a
    ReplayMemory on deque(maxlen=...) sampled with a seeded random.Random, the non-final mask
    from map(lambda s: s is not None, ...), gather of Q(s, a), the target net's max(1).values
    under no_grad, SmoothL1Loss, clip_grad_value_(100), AdamW(amsgrad=True), and the soft
    update of the target's state_dict with TAU."""
    from collections import namedtuple

    nn = torch.nn
    Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))

    class ReplayMemory:
        def __init__(self, capacity, rng):
            self.memory = deque([], maxlen=capacity)
            self.rng = rng

        def push(self, *args):
            self.memory.append(Transition(*args))

        def sample(self, batch_size):
            return self.rng.sample(self.memory, batch_size)

        def __len__(self):
            return len(self.memory)

    def make_net():
        return nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))

    policy_net = init(make_net())
    target_net = make_net()
    target_net.load_state_dict(policy_net.state_dict())
    optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-3, amsgrad=True)
    memory = ReplayMemory(20, random.Random(0))
    rng = np.random.default_rng(5)
    for i in range(25):
        state = torch.tensor(rng.normal(size=3), dtype=torch.float32).unsqueeze(0)
        action = torch.tensor([[i % 2]])
        next_state = None if i % 7 == 6 else state + 0.1
        memory.push(state, action, next_state, torch.tensor([float(i % 3)]))
    GAMMA, TAU, BATCH = 0.99, 0.005, 8
    losses = []
    for _ in range(3):
        batch = Transition(*zip(*memory.sample(BATCH)))
        non_final_mask = torch.tensor(
            tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool
        )
        non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)
        state_action_values = policy_net(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(BATCH)
        with torch.no_grad():
            next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
        expected = (next_state_values * GAMMA) + reward_batch
        loss = nn.SmoothL1Loss()(state_action_values, expected.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
        optimizer.step()
        target_net_state_dict = target_net.state_dict()
        policy_net_state_dict = policy_net.state_dict()
        for key in policy_net_state_dict:
            target_net_state_dict[key] = policy_net_state_dict[key] * TAU + target_net_state_dict[
                key
            ] * (1 - TAU)
        target_net.load_state_dict(target_net_state_dict)
        losses.append(loss.item())
    with torch.no_grad():
        chosen = policy_net(state_batch[:1]).max(1).indices.view(1, 1)
    return {
        "losses": losses,
        "mask": non_final_mask.tolist(),
        "target": target_net[2].bias.tolist(),
        "chosen": list(chosen.shape),
        "len": len(memory),
    }


def transformer_language_model(torch, init):
    """The "Language modeling with nn.Transformer" tutorial made small: PositionalEncoding with
    register_buffer and dropout 0, nn.TransformerEncoder of two layers, the causal mask from
    nn.Transformer.generate_square_subsequent_mask, batchify / get_batch on a token stream,
    CrossEntropyLoss, SGD with StepLR(1.0, gamma=0.95), clip_grad_norm_(0.5), and a greedy
    continuation with torch.no_grad."""
    nn = torch.nn

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.0, max_len=64):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            return self.dropout(x + self.pe[: x.size(0)])

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers):
            super().__init__()
            self.model_type = "Transformer"
            self.pos_encoder = PositionalEncoding(d_model)
            layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout=0.0)
            self.transformer_encoder = nn.TransformerEncoder(
                layers, nlayers, enable_nested_tensor=False
            )
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            return self.linear(self.transformer_encoder(src, src_mask))

    ntokens = 11
    model = init(TransformerModel(ntokens, 8, 2, 16, 2))
    stream = torch.tensor([(3 * i + i // 5) % ntokens for i in range(61)], dtype=torch.long)

    def batchify(data, bsz):
        seq_len = data.size(0) // bsz
        return data[: seq_len * bsz].view(bsz, seq_len).t().contiguous()

    def get_batch(source, i, bptt=5):
        seq_len = min(bptt, len(source) - 1 - i)
        return source[i : i + seq_len], source[i + 1 : i + 1 + seq_len].reshape(-1)

    train_data = batchify(stream, 4)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    losses = []
    for _epoch in range(2):
        model.train()
        for i in range(0, train_data.size(0) - 1, 5):
            data, targets = get_batch(train_data, i)
            mask = nn.Transformer.generate_square_subsequent_mask(data.size(0))
            output = model(data, mask)
            loss = criterion(output.view(-1, ntokens), targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    tokens = stream[:3].unsqueeze(1)
    with torch.no_grad():
        for _ in range(4):
            mask = nn.Transformer.generate_square_subsequent_mask(tokens.size(0))
            next_token = model(tokens, mask)[-1].argmax(-1, keepdim=True)
            tokens = torch.cat([tokens, next_token], dim=0)
    return {
        "train_shape": list(train_data.shape),
        "losses": losses,
        "lr": scheduler.get_last_lr(),
        "generated": tokens.view(-1).tolist(),
        "pe": model.pos_encoder.pe[:2, 0, :4].tolist(),
    }


def distillation_with_temperature(torch, init):
    """The knowledge distillation tutorial's soft-target loss: a frozen teacher in eval mode
    under no_grad, nn.KLDivLoss(reduction="batchmean") on log_softmax(student / T) against
    softmax(teacher / T), times T**2, mixed with CrossEntropyLoss by alpha; the cosine-loss
    variant on hidden features (nn.CosineEmbeddingLoss with a target of ones)."""
    nn, F = torch.nn, torch.nn.functional
    teacher = init(nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)))
    student = init(nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3)))
    for p in teacher.parameters():
        p.requires_grad = False
    teacher.eval()
    x = _randn(torch, (10, 6), 1)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 2])
    T, alpha = 2.0, 0.25
    kl = nn.KLDivLoss(reduction="batchmean")
    ce = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)
    history = []
    for _ in range(3):
        with torch.no_grad():
            teacher_logits = teacher(x)
        student_logits = student(x)
        soft_targets = nn.functional.softmax(teacher_logits / T, dim=-1)
        soft_prob = nn.functional.log_softmax(student_logits / T, dim=-1)
        soft_loss = kl(soft_prob, soft_targets) * T**2
        by_hand = (
            torch.sum(soft_targets * (soft_targets.log() - soft_prob)) / soft_prob.size()[0] * T**2
        )
        loss = alpha * soft_loss + (1 - alpha) * ce(student_logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append([loss.item(), soft_loss.item(), by_hand.item()])
    hidden_s = student[0](x)
    hidden_t = F.avg_pool1d(teacher[0](x).unsqueeze(1), 4).squeeze(1)
    cosine = nn.CosineEmbeddingLoss()(hidden_s, hidden_t, torch.ones(10))
    return {
        "history": history,
        "cosine": cosine.item(),
        "teacher_grad": [p.grad for p in teacher.parameters()] == [None] * 4,
        "frozen": [p.requires_grad for p in teacher.parameters()],
    }


def mixup_and_cutmix_batches(torch, init):
    """Mixup and CutMix as blog posts write them: a permutation index from torch.randperm
    under a seeded Generator (checked as a permutation), then a fixed one for the numbers;
    lam from NumPy's beta, mixed images lam * x + (1 - lam) * x[index], the loss
    lam * ce(pred, y_a) + (1 - lam) * ce(pred, y_b); CutMix's box by rand_bbox with
    np.clip, pasted with slice assignment and lam adjusted by the box's area."""
    nn = torch.nn
    model = init(
        nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 4)
        )
    )
    x = _randn(torch, (6, 1, 8, 8), 2)
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    g = torch.Generator().manual_seed(7)
    perm = torch.randperm(6, generator=g)
    is_perm = sorted(perm.tolist()) == list(range(6))
    index = torch.tensor([3, 0, 5, 1, 4, 2])
    rng = np.random.default_rng(0)
    lam = float(rng.beta(1.0, 1.0))
    criterion = nn.CrossEntropyLoss()
    mixed = lam * x + (1 - lam) * x[index, :]
    y_a, y_b = y, y[index]
    pred = model(mixed)
    mix_loss = lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)

    def rand_bbox(size, lam):
        W, H = size[2], size[3]
        cut_rat = np.sqrt(1.0 - lam)
        cut_w, cut_h = int(W * cut_rat), int(H * cut_rat)
        cx, cy = 3, 5
        bbx1, bby1 = np.clip(cx - cut_w // 2, 0, W), np.clip(cy - cut_h // 2, 0, H)
        bbx2, bby2 = np.clip(cx + cut_w // 2, 0, W), np.clip(cy + cut_h // 2, 0, H)
        return bbx1, bby1, bbx2, bby2

    cut = x.clone()
    bbx1, bby1, bbx2, bby2 = rand_bbox(cut.size(), 0.6)
    cut[:, :, bbx1:bbx2, bby1:bby2] = x[index, :, bbx1:bbx2, bby1:bby2]
    lam_cut = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (cut.size()[-1] * cut.size()[-2]))
    pred = model(cut)
    cut_loss = criterion(pred, y_a) * lam_cut + criterion(pred, y_b) * (1.0 - lam_cut)
    (mix_loss + cut_loss).backward()
    soft = nn.CrossEntropyLoss(label_smoothing=0.1)(
        pred, nn.functional.one_hot(y, 4).float() * lam_cut
    )
    return {
        "is_perm": is_perm,
        "losses": [mix_loss.item(), cut_loss.item(), float(lam_cut), soft.item()],
        "grad": model[0].weight.grad.flatten().tolist(),
        "cut_corner": cut[0, 0, :4, 3:7].tolist(),
    }


def gradient_accumulation_and_clipping(torch, init):
    """Gradient accumulation over micro-batches (loss / accumulation_steps, step every 4),
    then clip_grad_norm_ returning the total norm (norm_type 2 and inf, error_if_nonfinite),
    clip_grad_value_, and the norm computed by hand from p.grad.detach().data.norm(2)."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    X, y = _randn(torch, (16, 5), 3), _randn(torch, (16, 1), 4)
    accumulation_steps = 4
    norms = []
    optimizer.zero_grad()
    for i, (xb, yb) in enumerate(zip(X.split(2), y.split(2))):
        loss = nn.functional.mse_loss(model(xb), yb) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            total_norm = 0.0
            for p in model.parameters():
                param_norm = p.grad.detach().data.norm(2)
                total_norm += param_norm.item() ** 2
            total_norm = total_norm**0.5
            returned = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
            norms.append([total_norm, returned.item()])
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    nn.functional.mse_loss(model(X), y).backward()
    inf_norm = nn.utils.clip_grad_norm_(model.parameters(), 0.01, norm_type="inf")
    nn.utils.clip_grad_value_(model.parameters(), clip_value=0.001)
    model[0].weight.grad[0, 0] = float("nan")
    error = _raises(
        lambda: nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    )
    return {
        "norms": norms,
        "inf_norm": inf_norm.item(),
        "clipped": model[2].weight.grad.tolist(),
        "error": error,
        "grads_none_after_zero": model[0].bias.grad is not None,
    }


def early_stopping_with_state_dict_copies(torch, init):
    """Early stopping as Stack Overflow answers write it: best_model_wts =
    copy.deepcopy(model.state_dict()), a patience counter on the validation loss, and
    model.load_state_dict(best_model_wts) at the end; a shallow state_dict() kept instead
    follows the training (it shares storage), which the answers warn about."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.2)
    X, y = _randn(torch, (20, 4), 5), _randn(torch, (20, 1), 6)
    Xv, yv = _randn(torch, (8, 4), 7), _randn(torch, (8, 1), 8)
    best_loss, best_epoch, patience, wait = float("inf"), -1, 2, 0
    best_model_wts = copy.deepcopy(model.state_dict())
    shallow = model.state_dict()
    history = []
    for epoch in range(12):
        model.train()
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = nn.functional.mse_loss(model(Xv), yv).item()
        history.append(val_loss)
        if val_loss < best_loss:
            best_loss, best_epoch, wait = val_loss, epoch, 0
            best_model_wts = copy.deepcopy(model.state_dict())
        else:
            wait += 1
            if wait >= patience:
                break
    model.load_state_dict(best_model_wts)
    with torch.no_grad():
        restored = nn.functional.mse_loss(model(Xv), yv).item()
    return {
        "history": history,
        "best": [best_loss, best_epoch, restored],
        "shallow_follows": torch.equal(shallow["2.bias"], model[2].bias),
        "deep_is_copy": best_model_wts["2.bias"].data_ptr() != model[2].bias.data_ptr(),
        "keys": list(best_model_wts.keys()),
    }


def samplers_and_random_split(torch, init):
    """The data loading recipes' samplers: random_split with fractions and a seeded
    Generator (a partition, sizes 7 and 3), WeightedRandomSampler for class balance built
    from 1 / bincount (its weights as float64), SubsetRandomSampler over a validation
    index list, BatchSampler over a SequentialSampler with and without drop_last, and a
    DataLoader given batch_sampler=; random draws are compared by their properties."""
    D = torch.utils.data
    X = torch.arange(20, dtype=torch.float32).view(10, 2)
    y = torch.tensor([0, 0, 0, 0, 0, 0, 0, 1, 1, 2])
    dataset = D.TensorDataset(X, y)
    train, val = D.random_split(dataset, [0.7, 0.3], generator=torch.Generator().manual_seed(42))
    class_count = torch.bincount(y)
    weights = 1.0 / class_count.float()
    sample_weights = weights[y]
    sampler = D.WeightedRandomSampler(
        sample_weights, num_samples=len(sample_weights), replacement=True
    )
    drawn = list(sampler)
    subset = D.SubsetRandomSampler([1, 4, 7], generator=torch.Generator().manual_seed(0))
    loader = D.DataLoader(dataset, batch_size=2, sampler=subset)
    batch_sampler = D.BatchSampler(D.SequentialSampler(dataset), batch_size=4, drop_last=False)
    by_batches = D.DataLoader(dataset, batch_sampler=batch_sampler)
    return {
        "split": [len(train), len(val), sorted(train.indices + val.indices) == list(range(10))],
        "split_item": [type(train).__name__, len(train[0]), train[0][1].dim()],
        "class_count": class_count.tolist(),
        "weights": [sampler.weights.dtype == torch.float64, sampler.weights.tolist(), len(drawn)],
        "drawn_in_range": all(0 <= i < 10 for i in drawn),
        "subset": sorted(torch.cat([xb[:, 0] for xb, _ in loader]).tolist()),
        "batches": list(batch_sampler),
        "lens": [
            len(batch_sampler),
            len(D.BatchSampler(range(10), 4, drop_last=True)),
            len(by_batches),
        ],
        "last": [t.tolist() for t in list(by_batches)[-1]],
    }


def iterable_dataset_with_worker_info(torch, init):
    """The IterableDataset docs' range example: __iter__ splits [start, end) by
    get_worker_info() (None in the main process, so all of it; with num_workers=2 each
    worker reads its half and their batches come in turn), DataLoader with batch_size and
    with batch_size=None, and a stream of (text, label) pairs whose default collation
    gives a tuple of strings and a tensor of labels (what a DataLoader over text yields)."""
    D = torch.utils.data

    class MyIterableDataset(D.IterableDataset):
        def __init__(self, start, end):
            super().__init__()
            assert end > start
            self.start, self.end = start, end

        def __iter__(self):
            worker_info = D.get_worker_info()
            if worker_info is None:
                iter_start, iter_end = self.start, self.end
            else:
                per_worker = int(
                    math.ceil((self.end - self.start) / float(worker_info.num_workers))
                )
                iter_start = self.start + worker_info.id * per_worker
                iter_end = min(iter_start + per_worker, self.end)
            return iter(range(iter_start, iter_end))

    class TextStream(D.IterableDataset):
        def __iter__(self):
            for i, text in enumerate(["good movie", "bad plot", "fine", "awful acting", "great"]):
                yield text, i % 2

    ds = MyIterableDataset(start=3, end=7)
    batches = list(D.DataLoader(ds, batch_size=3))
    texts, labels = next(iter(D.DataLoader(TextStream(), batch_size=2)))
    last = list(D.DataLoader(TextStream(), batch_size=2))[-1]
    return {
        "main": [D.get_worker_info() is None, list(ds)],
        "two_workers": [t.tolist() for t in D.DataLoader(ds, num_workers=2)],
        "batched_workers": [
            t.tolist() for t in D.DataLoader(MyIterableDataset(0, 9), batch_size=2, num_workers=2)
        ],
        "batches": [b.tolist() for b in batches],
        "unbatched": [type(x).__name__ for x in D.DataLoader(ds, batch_size=None)],
        "texts": [type(texts).__name__, list(texts), labels.tolist()],
        "last": [type(last).__name__, type(last[0]).__name__, list(last[0])],
        "len_error": _raises(lambda: len(D.DataLoader(ds, batch_size=2))),
    }


def per_group_lrs_with_three_schedules(torch, init):
    """Per-parameter-group learning rates (a backbone at lr/10, a head at lr) stepped by
    OneCycleLR over steps_per_epoch * epochs (momentum cycled, both groups scaled), then
    CosineAnnealingWarmRestarts(T_0=2, T_mult=2) stepped per batch with epoch + i / iters,
    then ReduceLROnPlateau on a validation loss that stops improving; the lrs are recorded."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)))
    X, y = _randn(torch, (12, 3), 1), _randn(torch, (12, 1), 2)

    def make_optimizer():
        return torch.optim.SGD(
            [{"params": model[0].parameters(), "lr": 1e-3}, {"params": model[2].parameters()}],
            lr=1e-2, momentum=0.9,
        )  # fmt: skip

    def train_step(optimizer):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    optimizer = make_optimizer()
    onecycle = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[0.01, 0.1], steps_per_epoch=3, epochs=2
    )
    one_cycle = []
    for _ in range(6):
        train_step(optimizer)
        onecycle.step()
        one_cycle.append(
            [g["lr"] for g in optimizer.param_groups] + [optimizer.param_groups[0]["momentum"]]
        )
    optimizer = make_optimizer()
    restarts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer, T_0=2, T_mult=2, eta_min=1e-4
    )
    warm = []
    iters = 2
    for epoch in range(5):
        for i in range(iters):
            train_step(optimizer)
            restarts.step(epoch + i / iters)
            warm.append(restarts.get_last_lr())
    optimizer = make_optimizer()
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "min", factor=0.1, patience=1)
    plateau_lrs = []
    for val_loss in [1.0, 0.9, 0.95, 0.93, 0.91, 0.99, 0.97]:
        train_step(optimizer)
        plateau.step(val_loss)
        plateau_lrs.append([g["lr"] for g in optimizer.param_groups])
    return {
        "one_cycle": one_cycle,
        "warm": warm,
        "plateau": plateau_lrs,
        "plateau_sets_initial_lr": "initial_lr" in optimizer.param_groups[0],
        "weights": model[2].weight.tolist(),
    }


def weight_tying_in_a_language_model(torch, init):
    """Weight tying as the word_language_model example does it (decoder.weight =
    encoder.weight): one Parameter in parameters() and named_parameters() (the second name
    dropped), both keys in state_dict, the gradient accumulated from both uses, and the
    tie kept after an optimizer step and after load_state_dict."""
    nn = torch.nn

    class RNNModel(nn.Module):
        def __init__(self, ntoken=7, ninp=5):
            super().__init__()
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, ninp)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight

        def forward(self, x, hidden=None):
            output, hidden = self.rnn(self.encoder(x), hidden)
            return self.decoder(output), hidden

    model = init(RNNModel())
    tokens = torch.tensor([[1, 2], [3, 4], [5, 6]])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    output, hidden = model(tokens)
    loss = nn.functional.cross_entropy(output.view(-1, 7), torch.tensor([2, 3, 4, 5, 6, 0]))
    loss.backward()
    grad = model.encoder.weight.grad.clone()
    optimizer.step()
    state = model.state_dict()
    other = RNNModel()
    other.load_state_dict(state)
    return {
        "names": [n for n, _ in model.named_parameters()],
        "count": [len(list(model.parameters())), sum(p.numel() for p in model.parameters())],
        "keys": list(state.keys()),
        "tied": [
            model.decoder.weight is model.encoder.weight,
            other.decoder.weight is other.encoder.weight,
        ],
        "grad": grad.tolist(),
        "hidden": [list(h.shape) for h in hidden],
        "loss": loss.item(),
    }


def freezing_a_backbone_and_replacing_the_head(torch, init):
    """The finetuning tutorial's feature extraction: set_parameter_requires_grad (every
    param.requires_grad = False), a new head (its parameters require grad), params_to_update
    collected by name, an optimizer over them only, then unfreezing the last block with
    requires_grad_(True) and add_param_group; which grads exist after backward."""
    nn = torch.nn
    model = init(nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10),
    ))  # fmt: skip
    for param in model.parameters():
        param.requires_grad = False
    model[7] = nn.Linear(4, 3)
    init(model[7])
    params_to_update = []
    names = []
    for name, param in model.named_parameters():
        if param.requires_grad:
            params_to_update.append(param)
            names.append(name)
    optimizer = torch.optim.SGD(params_to_update, lr=0.1, momentum=0.9)
    x = _randn(torch, (4, 1, 7, 7), 3)
    target = torch.tensor([0, 1, 2, 0])
    model.train()
    loss = nn.functional.cross_entropy(model(x), target)
    loss.backward()
    optimizer.step()
    has_grad = [p.grad is not None for p in model.parameters()]
    model[3].requires_grad_(True)
    optimizer.add_param_group({"params": model[3].parameters(), "lr": 0.01})
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), target).backward()
    optimizer.step()
    return {
        "names": names,
        "has_grad": has_grad,
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "groups": [len(g["params"]) for g in optimizer.param_groups],
        "running_mean": model[1].running_mean.tolist(),
        "conv": model[3].bias.tolist(),
        "head": model[7].weight.tolist(),
    }


def forward_hooks_for_feature_extraction(torch, init):
    """Feature extraction with register_forward_hook as in the forum answers: a dict filled
    by get_activation(name) closures on named submodules (found with named_modules()),
    output.detach(), the handles removed afterwards (the dict stops changing), a forward
    pre-hook that records input shapes, and model[:k] slicing of an nn.Sequential."""
    nn = torch.nn
    model = init(
        nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2))
    )
    activation = {}

    def get_activation(name):
        def hook(model, input, output):
            activation[name] = output.detach()

        return hook

    handles = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(get_activation(name)))
    shapes = []
    handles.append(
        model.register_forward_pre_hook(lambda m, inp: shapes.append(tuple(inp[0].shape)))
    )
    x = _randn(torch, (3, 4), 5)
    out = model(x)
    captured = {k: v.tolist() for k, v in activation.items()}
    for h in handles:
        h.remove()
    model(x * 2)
    unchanged = torch.equal(activation["0"], model[0](x).detach())
    head = model[:3]
    return {
        "keys": sorted(activation),
        "captured": captured,
        "unchanged": unchanged,
        "shapes": shapes,
        "slice": [type(head).__name__, len(head), head(x).tolist()],
        "out": out.tolist(),
    }


def digits_evaluation_with_confusion_matrix(torch, init):
    """Evaluation as the tutorials write it on sklearn's bundled digits: a small MLP trained
    two epochs over a DataLoader, model.eval() with torch.inference_mode(), accuracy from
    (predicted == labels).sum().item(), a confusion matrix built with bincount(n * y + p)
    and with index_put_(accumulate=True), per-class recall, and top-3 accuracy."""
    from sklearn.datasets import load_digits

    nn = torch.nn
    D = torch.utils.data
    digits = load_digits()
    X = torch.tensor(digits.data[:300] / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target[:300])
    train_ds = D.TensorDataset(X[:200], y[:200])
    test_ds = D.TensorDataset(X[200:], y[200:])
    model = init(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.CrossEntropyLoss()
    for _epoch in range(2):
        model.train()
        for xb, yb in D.DataLoader(train_ds, batch_size=50):
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
    model.eval()
    correct, total, top3 = 0, 0, 0
    preds, targets = [], []
    with torch.inference_mode():
        for images, labels in D.DataLoader(test_ds, batch_size=32):
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            top3 += (outputs.topk(3, dim=1).indices == labels.unsqueeze(1)).any(dim=1).sum().item()
            preds.append(predicted)
            targets.append(labels)
    preds, targets = torch.cat(preds), torch.cat(targets)
    n = 10
    confusion = torch.bincount(n * targets + preds, minlength=n * n).reshape(n, n)
    by_put = torch.zeros(n, n, dtype=torch.long)
    by_put.index_put_((targets, preds), torch.ones_like(preds), accumulate=True)
    recall = confusion.diag().float() / confusion.sum(1).clamp(min=1).float()
    return {
        "accuracy": [correct, total, 100 * correct / total, top3],
        "confusion": confusion.tolist(),
        "same": torch.equal(confusion, by_put),
        "recall": recall.tolist(),
        "loss": loss.item(),
    }


def checkpoint_dict_through_bytesio_printed(torch, init):
    """The "saving and loading a general checkpoint" recipe through io.BytesIO: the dict of
    epoch, model_state_dict, optimizer_state_dict and loss saved, rewound, loaded with
    weights_only=True, and printed as the recipe prints it (the state_dict is an
    OrderedDict before and after the round trip, the optimizer's a plain dict), then
    training resumed from it gives the same loss as training on."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X, y = _randn(torch, (6, 2), 1), _randn(torch, (6, 1), 2)

    def step(m, opt):
        opt.zero_grad()
        loss = nn.functional.mse_loss(m(X), y)
        loss.backward()
        opt.step()
        return loss.item()

    losses = [step(model, optimizer) for _ in range(2)]
    buffer = io.BytesIO()
    checkpoint = {
        "epoch": 2,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": losses[-1],
    }
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    resumed = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    resumed_opt = torch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_opt.load_state_dict(checkpoint["optimizer_state_dict"])
    printed = []
    for param_tensor in resumed.state_dict():
        printed.append(
            _shown(torch, f"{param_tensor}\t{resumed.state_dict()[param_tensor].size()}")
        )
    with torch.no_grad():
        model[2].bias.copy_(torch.tensor([0.25]))
        resumed[2].bias.copy_(torch.tensor([0.25]))
    return {
        "types": [
            type(model.state_dict()).__name__,
            type(checkpoint["model_state_dict"]).__name__,
            type(checkpoint["optimizer_state_dict"]).__name__,
        ],  # fmt: skip
        "printed": printed,
        "state": _shown(torch, checkpoint["model_state_dict"]),
        "epoch": [checkpoint["epoch"], checkpoint["loss"] == losses[-1]],
        "resumed": [step(resumed, resumed_opt), step(model, optimizer)],
        "opt_state": _shown(torch, checkpoint["optimizer_state_dict"]["param_groups"]),
    }


def tensor_idioms_from_answers(torch, init):
    """Stack Overflow's one-liners on one small problem (labels and scores of 8 items):
    torch.where for thresholds, scatter_ for one-hot, gather for the score of each label,
    topk and argsort for rankings, unique(return_counts=True) and bincount for class counts,
    cumsum for running totals, masked_select, nonzero(as_tuple=True), einsum and bmm for
    batched products, repeat_interleave, meshgrid(indexing='ij') and cdist for distances."""
    scores = _randn(torch, (8, 4), 1)
    labels = torch.tensor([2, 0, 1, 2, 2, 3, 0, 2])
    one_hot = torch.zeros(8, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    picked = scores.gather(1, labels.view(-1, 1)).squeeze(1)
    values, indices = scores.topk(2, dim=1)
    uniq, counts = labels.unique(return_counts=True)
    rows, cols = torch.nonzero(scores > 1.0, as_tuple=True)
    a, b = _randn(torch, (2, 3, 4), 2), _randn(torch, (2, 4, 2), 3)
    gi, gj = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")
    points = torch.stack([gi.flatten(), gj.flatten()], dim=1).float()
    dist = torch.cdist(points, points[:2])
    return {
        "where": torch.where(scores > 0, scores, torch.tensor(0.0)).tolist(),
        "where_scalar": torch.where(labels == 2, 1, -1).tolist(),
        "one_hot": [
            one_hot.tolist(),
            torch.equal(one_hot, torch.nn.functional.one_hot(labels, 4).float()),
        ],
        "picked": picked.tolist(),
        "topk": [values.tolist(), indices.tolist()],
        "argsort": [
            picked.argsort(descending=True).tolist(),
            torch.argsort(labels, stable=True).tolist(),
        ],
        "unique": [uniq.tolist(), counts.tolist(), torch.bincount(labels, minlength=5).tolist()],
        "cumsum": [labels.cumsum(0).tolist(), picked.cumsum(dim=0).tolist()],
        "masked": torch.masked_select(picked, picked > 0).tolist(),
        "nonzero": [rows.tolist(), cols.tolist(), type(torch.nonzero(labels)).__name__],
        "einsum": [
            torch.einsum("bij,bjk->bik", a, b).tolist(),
            torch.allclose(torch.bmm(a, b), a @ b),
        ],
        "repeat_interleave": [
            labels[:3].repeat_interleave(2).tolist(),
            torch.repeat_interleave(
                torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0
            ).tolist(),
        ],  # fmt: skip
        "meshgrid": [gi.tolist(), gj.tolist()],
        "cdist": dist.tolist(),
    }


def dtype_and_device_idioms(torch, init):
    """What blog posts put around the numbers: device selection and .to(device), .item(),
    .tolist(), .numpy() sharing memory with the tensor (and from_numpy sharing back),
    float64 from NumPy arrays, .type(), printed shapes (x.shape, x.shape[1:], x.size()[-2:]
    and torch.Size arithmetic), dtype limits from torch.finfo / torch.iinfo as printed."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.arange(12, dtype=torch.float32).view(3, 4).to(device)
    array = x.cpu().numpy()
    x[0, 0] = 100.0
    from_np = torch.from_numpy(np.linspace(0.0, 1.0, 3))
    shared = np.zeros(2, dtype=np.float32)
    t = torch.from_numpy(shared)
    shared[1] = 7.0
    batch_shape = x.shape[1:]
    return {
        "device": [str(device), x.device.type, x.is_cuda],
        "numbers": [
            x[1, 2].item(),
            type(x.sum().item()).__name__,
            x[2].tolist(),
            type(x.tolist()).__name__,
        ],
        "shared": [float(array[0, 0]), t.tolist()],
        "from_numpy": [
            _shown(torch, from_np.dtype),
            from_np.float().dtype == torch.float32,
            _shown(torch, from_np.type()),
        ],
        "shapes": [
            _shown(torch, s)
            for s in (x.shape, batch_shape, x.size()[-2:], x.shape + (1,), x.shape[:1] * 2)
        ],
        "shape_ops": [
            batch_shape.numel(),
            list(batch_shape),
            batch_shape == (4,),
            x.view(-1, *x.shape[1:]).shape == x.shape,
        ],
        "limits": [
            str(torch.finfo(torch.float32)),
            repr(torch.finfo(torch.float16)),
            str(torch.iinfo(torch.int64)),
            str(torch.iinfo(torch.uint8)),
            torch.finfo(torch.float16).resolution,
        ],  # fmt: skip
    }


def printing_tensors_modules_and_grad_fns(torch, init):
    """What print shows in the tutorials: a vector's .t() (a view with TBackward0), a matrix's
    .T (PermuteBackward0), a conv net with padding='valid' and padding='same', a module's
    state_dict keys and sizes, tensors with grad_fn, a float64 tensor, and what type() says."""
    nn = torch.nn
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.t()
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding="valid"), nn.Conv1d(2, 2, 3, padding="same", bias=False),
        nn.Conv2d(2, 2, 3, padding=(1, 0)), nn.ConvTranspose2d(2, 1, 2, stride=2),
    )  # fmt: skip
    (y * torch.arange(3.0)).sum().backward()
    return {
        "t": [_shown(torch, y), _shown(torch, x.view(1, 3).T), y is x, _shown(torch, torch.t(x))],
        "grad": x.grad.tolist(),
        "scalar_t": _shown(torch, torch.tensor(2.0, requires_grad=True).t()),
        "model": _shown(torch, model),
        "double": _shown(torch, torch.tensor([0.5, 1.25], dtype=torch.float64)),
        "type": [_shown(torch, t.type()) for t in (x, x.double(), torch.tensor([1]))],
    }


def activations_in_place_and_formatted_logs(torch, init):
    """Blocks written with inplace=True activations (nn.SiLU(inplace=True) as in EfficientNet
    ports, F.silu(x, inplace=True), ReLU and LeakyReLU in place) printed and trained one
    step, and the training log formatted as the tutorials format it: f"{loss:.4f}" of a
    0-dim tensor, f"{acc:>5.1f}%" of a Python number, and the TypeError PyTorch raises for
    a format spec on a one-element vector."""
    nn, F = torch.nn, torch.nn.functional
    block = init(nn.Sequential(nn.Linear(4, 6), nn.SiLU(inplace=True), nn.Linear(6, 6),
                               nn.LeakyReLU(0.1, inplace=True), nn.Linear(6, 2)))  # fmt: skip
    x = _randn(torch, (5, 4), 1)
    h = block[0](x)
    out = block(x)
    loss = F.cross_entropy(out, torch.tensor([0, 1, 1, 0, 1]))
    loss.backward()
    y = _randn(torch, (3,), 2)
    returned = F.silu(y, inplace=True)
    acc = 100.0 * (out.argmax(1) == torch.tensor([0, 1, 1, 0, 1])).float().mean().item()
    vector = torch.tensor([loss.item()])
    return {
        "repr": _shown(torch, block),
        "silu_module": [
            _shown(torch, nn.SiLU()),
            _shown(torch, nn.SiLU(True)),
            _shown(torch, nn.Mish(inplace=True)),
        ],
        "in_place": [
            returned is y,
            y.tolist(),
            torch.allclose(block[1](h.clone()), h * torch.sigmoid(h)),
        ],
        "grad": block[0].weight.grad.tolist(),
        "log": [
            f"loss: {loss:.4f}",
            f"Accuracy: {acc:>5.1f}%",
            f"{torch.tensor(3):03d}",
            f"{vector}",
        ],
        "vector_spec": _raises(lambda: f"{vector:.2f}"),
    }


def gan_on_a_one_dimensional_gaussian(torch, init):
    """The classic blog GAN: a generator MLP maps noise to samples of N(4, 1.25), a
    discriminator MLP with nn.Sigmoid and nn.BCELoss, torch.ones/zeros labels of shape
    (n, 1), d_optimizer and g_optimizer (SGD with momentum), g_fake_data.detach() for D,
    the moments of the generated samples (mean, std, torch.var_mean) per step."""
    nn = torch.nn
    G = init(nn.Sequential(nn.Linear(2, 8), nn.ELU(), nn.Linear(8, 1)))
    Dnet = init(nn.Sequential(nn.Linear(1, 8), nn.ELU(), nn.Linear(8, 1), nn.Sigmoid()))
    criterion = nn.BCELoss()
    d_optimizer = torch.optim.SGD(Dnet.parameters(), lr=0.05, momentum=0.9)
    g_optimizer = torch.optim.SGD(G.parameters(), lr=0.05, momentum=0.9)
    log = []
    for step in range(3):
        real = 4.0 + 1.25 * _randn(torch, (16, 1), 40 + step)
        noise = _randn(torch, (16, 2), 50 + step)
        Dnet.zero_grad()
        d_real_error = criterion(Dnet(real), torch.ones(16, 1))
        d_real_error.backward()
        g_fake_data = G(noise).detach()
        d_fake_error = criterion(Dnet(g_fake_data), torch.zeros(16, 1))
        d_fake_error.backward()
        d_optimizer.step()
        G.zero_grad()
        g_fake = G(noise)
        g_error = criterion(Dnet(g_fake), torch.ones(16, 1))
        g_error.backward()
        g_optimizer.step()
        var, mean = torch.var_mean(g_fake.detach(), unbiased=False)
        errors = [d_real_error.item(), d_fake_error.item(), g_error.item()]
        log.append(errors + [g_fake.mean().item(), g_fake.std().item(), var.item(), mean.item()])
    return {"log": log, "g_bias": G[2].bias.tolist()}


def transformer_classifier_with_padding_mask(torch, init):
    """A sentence classifier as blog posts build it: an Embedding with padding_idx=0, a
    learned [CLS] position, nn.TransformerEncoder(batch_first=True, norm_first=True,
    activation="gelu") with src_key_padding_mask = tokens == 0, masked mean pooling
    (mask.unsqueeze(-1) and clamp(min=1)), a Linear head, AdamW with weight decay and a
    LambdaLR warmup, two steps; the padded positions get no gradient in the embedding."""
    nn = torch.nn

    class Classifier(nn.Module):
        def __init__(self, vocab=12, d=8, n_classes=3):
            super().__init__()
            self.embed = nn.Embedding(vocab, d, padding_idx=0)
            self.pos = nn.Parameter(torch.zeros(1, 6, d))
            layer = nn.TransformerEncoderLayer(d, 2, 16, dropout=0.0, activation="gelu",
                                               batch_first=True, norm_first=True)  # fmt: skip
            self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.head = nn.Linear(d, n_classes)

        def forward(self, tokens):
            pad = tokens == 0
            h = self.encoder(
                self.embed(tokens) + self.pos[:, : tokens.size(1)], src_key_padding_mask=pad
            )
            keep = (~pad).unsqueeze(-1).float()
            pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)
            return self.head(pooled)

    model = init(Classifier())
    tokens = torch.tensor([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 11], [1, 2, 0, 0, 0, 0]])
    labels = torch.tensor([0, 2, 1])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    warmup = 3
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup)
    )
    losses = []
    for _ in range(2):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(tokens), labels)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        probs = model(tokens).softmax(-1)
    return {
        "losses": losses,
        "lrs": scheduler.get_last_lr(),
        "probs": probs.tolist(),
        "pad_grad": model.embed.weight.grad[0].tolist(),
        "pos_grad": model.pos.grad[0, :, 0].tolist(),
    }


def cbow_word2vec_with_embedding_bag(torch, init):
    """CBOW word embeddings as the word-embeddings tutorial's exercise: context windows of
    two words each side built from a text, a vocabulary from set() sorted, nn.EmbeddingBag
    (mode="mean") fed flat indices with offsets, NLLLoss of log_softmax, SGD, and the
    nearest words by F.cosine_similarity against the whole embedding table."""
    nn, F = torch.nn, torch.nn.functional
    raw_text = """We are about to study the idea of a computational process.
    Computational processes are abstract beings that inhabit computers.""".lower().split()
    raw_text = [w.strip(".") for w in raw_text]
    vocab = sorted(set(raw_text))
    word_to_ix = {word: i for i, word in enumerate(vocab)}
    data = []
    for i in range(2, len(raw_text) - 2):
        context = [raw_text[i - 2], raw_text[i - 1], raw_text[i + 1], raw_text[i + 2]]
        data.append((context, raw_text[i]))

    class CBOW(nn.Module):
        def __init__(self, vocab_size, embedding_dim):
            super().__init__()
            self.embeddings = nn.EmbeddingBag(vocab_size, embedding_dim, mode="mean")
            self.linear = nn.Linear(embedding_dim, vocab_size)

        def forward(self, flat, offsets):
            return F.log_softmax(self.linear(self.embeddings(flat, offsets)), dim=1)

    model = init(CBOW(len(vocab), 6))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    flat = torch.tensor([word_to_ix[w] for context, _ in data for w in context], dtype=torch.long)
    offsets = torch.arange(0, len(flat), 4)
    targets = torch.tensor([word_to_ix[t] for _, t in data])
    losses = []
    for _ in range(3):
        model.zero_grad()
        loss = nn.NLLLoss()(model(flat, offsets), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    table = model.embeddings.weight.detach()
    query = table[word_to_ix["computational"]]
    sims = F.cosine_similarity(query.unsqueeze(0), table, dim=1)
    return {
        "vocab": [len(vocab), len(data), data[0]],
        "losses": losses,
        "nearest": [vocab[i] for i in sims.topk(3).indices.tolist()],
        "sims": sims.tolist(),
    }


def custom_autograd_functions_from_the_docs(torch, init):
    """The extending-autograd note's patterns in one place: a LinearFunction with
    ctx.needs_input_grad and an optional bias, a MulConstant returning None for the
    constant, mark_non_differentiable for an argsort output, once_differentiable, and
    gradcheck on float64 inputs; grad_fn names as print shows them."""
    once_differentiable = torch.autograd.function.once_differentiable

    class LinearFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class SortWithIndex(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, grad_values, grad_idx):
            (idx,) = ctx.saved_tensors
            grad = torch.zeros_like(grad_values)
            grad.scatter_(0, idx, grad_values)
            return grad

    x = _randn(torch, (3, 4), 1).requires_grad_()
    w = _randn(torch, (2, 4), 2).requires_grad_()
    b = _randn(torch, (2,), 3)
    out = LinearFunction.apply(x, w, b)
    (out * torch.arange(6.0).view(3, 2)).sum().backward()
    v = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = SortWithIndex.apply(v)
    (values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    m = torch.tensor([1.0, 2.0], requires_grad=True)
    MulConstant.apply(m, 5.0).sum().backward()
    inputs = (torch.randn(4, 3, dtype=torch.double, requires_grad=True),
              torch.randn(2, 3, dtype=torch.double, requires_grad=True))  # fmt: skip
    return {
        "out": out.tolist(),
        "grads": [x.grad.tolist(), w.grad.tolist(), b.grad is None],
        "sorted": [values.tolist(), idx.tolist(), idx.requires_grad, v.grad.tolist()],
        "mul": m.grad.tolist(),
        "gradcheck": torch.autograd.gradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-4),
        "names": [_shown(torch, out)[-32:], _shown(torch, values)[-32:]],
    }


def environment_report_and_reproducibility(torch, init):
    """The lines notebooks start with: print(torch.__version__, torch.version.cuda) (None on a
    build without CUDA), cuda.is_available(), device_count(), backends.mps.is_available(),
    the seed_everything helper (random, numpy, torch.manual_seed, cudnn flags,
    use_deterministic_algorithms), and a Generator's state saved and restored to repeat
    draws; the numbers drawn are compared by their repeatability."""
    import random as pyrandom

    def seed_everything(seed=42):
        pyrandom.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False

    seed_everything(0)
    a = torch.rand(3)
    seed_everything(0)
    b = torch.rand(3)
    g = torch.Generator().manual_seed(5)
    state = g.get_state()
    first = torch.randn(2, generator=g)
    g.set_state(state)
    again = torch.randn(2, generator=g)
    torch.use_deterministic_algorithms(True)
    enabled = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)
    return {
        "versions": [
            isinstance(torch.__version__, str),
            torch.version.cuda is None or isinstance(torch.version.cuda, str),
            torch.version.cuda if not torch.cuda.is_available() else None,
        ],  # fmt: skip
        "devices": [
            torch.cuda.is_available(),
            torch.cuda.device_count(),
            torch.backends.mps.is_available(),
        ],
        "repeat": [torch.equal(a, b), torch.equal(first, again), g.initial_seed(), enabled],
        "np_after_seed": [float(np.random.rand() < 1.0)],
    }


def temporal_convolutional_network(torch, init):
    """A TCN as the blog posts write it: Chomp1d slicing off the causal padding
    (x[:, :, :-chomp].contiguous()), dilated Conv1d pairs with weight_norm from
    nn.utils.parametrizations, a 1x1 downsample on the residual, dilations 1, 2, 4, and a
    Linear on the last time step; the receptive field is checked by a gradient that is
    zero before it."""
    nn = torch.nn
    weight_norm = nn.utils.parametrizations.weight_norm

    class Chomp1d(nn.Module):
        def __init__(self, chomp_size):
            super().__init__()
            self.chomp_size = chomp_size

        def forward(self, x):
            return x[:, :, : -self.chomp_size].contiguous()

    class TemporalBlock(nn.Module):
        def __init__(self, n_in, n_out, kernel_size, dilation):
            super().__init__()
            padding = (kernel_size - 1) * dilation
            conv1 = nn.Conv1d(n_in, n_out, kernel_size, padding=padding, dilation=dilation)
            conv2 = nn.Conv1d(n_out, n_out, kernel_size, padding=padding, dilation=dilation)
            self.net = nn.Sequential(
                weight_norm(conv1), Chomp1d(padding), nn.ReLU(),
                weight_norm(conv2), Chomp1d(padding), nn.ReLU(),
            )  # fmt: skip
            self.downsample = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else None
            self.relu = nn.ReLU()

        def forward(self, x):
            res = x if self.downsample is None else self.downsample(x)
            return self.relu(self.net(x) + res)

    class TCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.tcn = nn.Sequential(
                *[TemporalBlock(2 if i == 0 else 4, 4, 2, 2**i) for i in range(3)]
            )
            self.linear = nn.Linear(4, 1)

        def forward(self, x):
            return self.linear(self.tcn(x)[:, :, -1])

    model = init(TCN())
    x = _randn(torch, (2, 2, 20), 1).requires_grad_()
    out = model(x)
    out.sum().backward()
    reach = (x.grad.abs().sum((0, 1)) > 0).int()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    optimizer.step()
    return {
        "out": out.tolist(),
        "reach": reach.tolist(),
        "names": [n for n, _ in model.tcn[0].named_parameters()],
        "after_step": model(x).detach().tolist(),
    }


def nucleus_sampling_and_repetition_penalty(torch, init):
    """Text generation helpers from blog posts, on fixed logits: temperature, top-k by
    torch.topk and masked_fill with -inf, top-p with sort, cumsum of softmax, the
    shift-right trick and scatter back to the vocabulary order, a repetition penalty with
    gather/scatter_, and torch.multinomial under a seeded Generator compared by its support."""
    F = torch.nn.functional
    logits = _randn(torch, (2, 10), 1, scale=2.0)
    generated = torch.tensor([[1, 3, 3], [0, 9, 2]])
    penalty = 1.3
    score = torch.gather(logits, 1, generated)
    score = torch.where(score < 0, score * penalty, score / penalty)
    penalised = logits.clone().scatter_(1, generated, score)
    scaled = penalised / 0.7
    kth = torch.topk(scaled, 4)[0][..., -1, None]
    top_k = scaled.masked_fill(scaled < kth, float("-inf"))
    sorted_logits, sorted_indices = torch.sort(scaled, descending=True)
    cumulative_probs = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
    sorted_to_remove = cumulative_probs > 0.8
    sorted_to_remove[..., 1:] = sorted_to_remove[..., :-1].clone()
    sorted_to_remove[..., 0] = False
    to_remove = sorted_to_remove.scatter(1, sorted_indices, sorted_to_remove)
    top_p = scaled.masked_fill(to_remove, float("-inf"))
    probs = F.softmax(top_p, dim=-1)
    draws = torch.multinomial(
        probs, num_samples=5, replacement=True, generator=torch.Generator().manual_seed(3)
    )
    allowed = (probs > 0).gather(1, draws).all().item()
    return {
        "penalised": penalised.tolist(),
        "top_k": F.softmax(top_k, -1).tolist(),
        "kept": (~to_remove).sum(1).tolist(),
        "probs": probs.tolist(),
        "draws": [list(draws.shape), allowed, draws.dtype == torch.int64],
        "greedy": scaled.argmax(-1, keepdim=True).tolist(),
    }


def learning_rate_warmup_cosine_by_hand_and_lambda(torch, init):
    """The Hugging Face-style schedule get_cosine_schedule_with_warmup written as a LambdaLR,
    checked against a by-hand formula, with two param groups (no weight decay on biases and
    LayerNorm weights: the names filtered by any(nd in n for nd in no_decay)), AdamW,
    clip_grad_norm_ each step, and the scheduler's state_dict / load_state_dict resume."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 2)))
    no_decay = ["bias", "1.weight"]
    grouped = [
        {
            "params": [
                p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)
            ],
            "weight_decay": 0.1,
        },
        {
            "params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(grouped, lr=5e-3)
    warmup, total = 3, 10

    def lr_lambda(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    X, y = _randn(torch, (8, 4), 1), torch.tensor([0, 1] * 4)
    lrs, norms = [], []
    for step in range(6):
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        lrs.append([scheduler.get_last_lr()[0], 5e-3 * lr_lambda(step + 1)])
    state = scheduler.state_dict()
    resumed = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    resumed.load_state_dict(state)
    return {
        "groups": [len(g["params"]) for g in grouped],
        "lrs": lrs,
        "norms": norms,
        "state": [state["last_epoch"], state["base_lrs"], resumed.last_epoch],
        "weights": model[3].weight.tolist(),
    }


def siamese_network_with_contrastive_pairs(torch, init):
    """A Siamese network from the blog tutorials: one embedding net applied twice (shared
    weights), ContrastiveLoss written as a module with F.pairwise_distance and
    torch.clamp(margin - d, min=0.0), pairs made from a label tensor by
    torch.combinations, and nn.TripletMarginLoss / nn.TripletMarginWithDistanceLoss with a
    cosine distance on the same embeddings."""
    nn, F = torch.nn, torch.nn.functional

    class ContrastiveLoss(nn.Module):
        def __init__(self, margin=2.0):
            super().__init__()
            self.margin = margin

        def forward(self, output1, output2, label):
            d = F.pairwise_distance(output1, output2, keepdim=True)
            return torch.mean(
                (1 - label) * torch.pow(d, 2)
                + label * torch.pow(torch.clamp(self.margin - d, min=0.0), 2)
            )

    # NOTE: no bias on the last layer: distances cancel it, so its gradient is rounding noise
    # that Adam would scale up to whole steps, differently in each library
    net = init(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3, bias=False)))
    X = _randn(torch, (6, 5), 1)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    pairs = torch.combinations(torch.arange(6), r=2)
    different = (labels[pairs[:, 0]] != labels[pairs[:, 1]]).float().unsqueeze(1)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(3):
        e = net(X)
        loss = ContrastiveLoss()(e[pairs[:, 0]], e[pairs[:, 1]], different)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    e = net(X)
    anchor, positive, negative = e[[0, 2, 4]], e[[1, 3, 5]], e[[2, 4, 0]]
    triplet = nn.TripletMarginLoss(margin=1.0, p=2)(anchor, positive, negative)
    cosine = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b), margin=0.5, swap=True
    )(anchor, positive, negative)
    return {
        "pairs": [pairs.shape[0], different.sum().item()],
        "losses": losses,
        "triplet": [triplet.item(), cosine.item()],
        "embeddings": e.tolist(),
    }


def optimizers_race_on_rosenbrock(torch, init):
    """The optimizer-visualisation blog post: the Rosenbrock function from (-1.5, 2) with a
    single tensor of two parameters, SGD with nesterov momentum, Adam(amsgrad=True),
    Adagrad, RMSprop(centered=True), NAdam and RAdam, 30 steps each; the final points and
    losses, and the trajectory's first three points for SGD."""

    def rosenbrock(xy):
        x, y = xy
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    def run(make, steps=30):
        xy = torch.tensor([-1.5, 2.0], requires_grad=True)
        optimizer = make([xy])
        path = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = rosenbrock(xy)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(xy, 1.0)
            optimizer.step()
            path.append(xy.detach().clone())
        return torch.stack(path), rosenbrock(xy).item()

    makers = {
        "sgd": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
        "adam": lambda p: torch.optim.Adam(p, lr=0.05, amsgrad=True),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
        "nadam": lambda p: torch.optim.NAdam(p, lr=0.05),
        "radam": lambda p: torch.optim.RAdam(
            p, lr=0.05, decoupled_weight_decay=True, weight_decay=0.01
        ),
    }
    results = {name: run(make) for name, make in makers.items()}
    return {
        "final": {name: [path[-1].tolist(), loss] for name, (path, loss) in results.items()},
        "sgd_path": results["sgd"][0][:3].tolist(),
    }


def rotary_position_embedding(torch, init):
    """Rotary position embeddings (RoPE) as LLaMA ports write them without complex numbers:
    inv_freq = 1 / 10000 ** (arange(0, d, 2) / d), torch.outer with the positions,
    cos/sin caches registered as non-persistent buffers, rotate_half with torch.cat((-x2,
    x1), dim=-1), applied to queries and keys; the attention scores depend only on the
    relative offset (checked), and the gradient of the rotated queries."""
    nn = torch.nn

    class Rotary(nn.Module):
        def __init__(self, dim, max_len=16, base=10000.0):
            super().__init__()
            inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
            t = torch.arange(max_len, dtype=inv_freq.dtype)
            freqs = torch.outer(t, inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            self.register_buffer("cos_cached", emb.cos()[None, None], persistent=False)
            self.register_buffer("sin_cached", emb.sin()[None, None], persistent=False)

        def forward(self, q, k):
            n = q.shape[-2]
            cos, sin = self.cos_cached[:, :, :n], self.sin_cached[:, :, :n]
            return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin

    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
        return torch.cat((-x2, x1), dim=-1)

    rope = Rotary(8)
    q = _randn(torch, (1, 2, 6, 8), 1).requires_grad_()
    k = _randn(torch, (1, 2, 6, 8), 2)
    q_rot, k_rot = rope(q, k)
    scores = q_rot @ k_rot.transpose(-2, -1) / math.sqrt(8)
    same = torch.ones(1, 1, 6, 8)
    qs, ks = rope(same, same)
    rel = qs @ ks.transpose(-2, -1)
    (scores.softmax(-1) * torch.arange(6.0)).sum().backward()
    return {
        "buffers": [list(rope.state_dict().keys()), [n for n, _ in rope.named_buffers()]],
        "scores": scores[0, 0].tolist(),
        "relative": [
            torch.allclose(rel[0, 0].diagonal(1), rel[0, 0, 0, 1].expand(5), atol=1e-5),
            torch.allclose(rel[0, 0].diagonal(-2), rel[0, 0, 2, 0].expand(4), atol=1e-5),
        ],  # fmt: skip
        "grad": q.grad[0, 1].tolist(),
    }


def simsiam_stop_gradient(torch, init):
    """SimSiam's loss from the paper's pseudocode: an encoder f and predictor h, two
    augmented views, D(p, z) = -(F.normalize(p, dim=1) * F.normalize(z.detach(),
    dim=1)).sum(dim=1).mean() symmetrised, the stop-gradient checked (z's branch gets no
    gradient through D's second argument), and nn.CosineSimilarity as the other spelling."""
    nn, F = torch.nn, torch.nn.functional
    f = init(nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4)))
    h = init(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4)))

    def D(p, z):
        return -(F.normalize(p, dim=1) * F.normalize(z.detach(), dim=1)).sum(dim=1).mean()

    x = _randn(torch, (8, 6), 1)
    x1 = x + 0.1 * _randn(torch, (8, 6), 2)
    x2 = x * 0.9
    optimizer = torch.optim.SGD(
        list(f.parameters()) + list(h.parameters()), lr=0.05, momentum=0.9, weight_decay=1e-4
    )
    losses = []
    for _ in range(2):
        z1, z2 = f(x1), f(x2)
        p1, p2 = h(z1), h(z2)
        loss = D(p1, z2) / 2 + D(p2, z1) / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    z = f(x1)
    p = torch.ones_like(z).requires_grad_()
    grads = torch.autograd.grad(D(p, z), [p, f[0].weight], allow_unused=True)
    cos = nn.CosineSimilarity(dim=1)
    return {
        "losses": losses,
        "stop_gradient": [grads[0].tolist(), grads[1] is None],
        "same_as_module": torch.allclose(D(h(z), z), -cos(h(z), z.detach()).mean(), atol=1e-6),
        "running_var": f[1].running_var.tolist(),
        "weights": h[2].weight.tolist(),
    }


def prototypical_networks_episode(torch, init):
    """A few-shot episode as in Prototypical Networks: support and query sets split from a
    tensor by view(n_way, n_shot + n_query, ...), prototypes by mean over the shots, squared
    euclidean distances with torch.cdist(...).pow(2), log_softmax(-dists), the loss by
    gather on the target indices, accuracy by argmax; one Adam step."""
    nn, F = torch.nn, torch.nn.functional
    n_way, n_shot, n_query = 3, 2, 2
    # NOTE: no bias on the last layer: distances cancel it (see siamese_network_...)
    encoder = init(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 4, bias=False)))
    centers = torch.tensor([[2.0, 0, 0, 0, 0], [0, 2.0, 0, 0, 0], [0, 0, 2.0, 0, 0]])
    data = centers.repeat_interleave(n_shot + n_query, dim=0) + 0.5 * _randn(torch, (12, 5), 3)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    history = []
    for _ in range(2):
        emb = encoder(data).view(n_way, n_shot + n_query, -1)
        support, query = emb[:, :n_shot], emb[:, n_shot:]
        prototypes = support.mean(1)
        dists = torch.cdist(query.reshape(-1, 4), prototypes).pow(2)
        log_p_y = F.log_softmax(-dists, dim=1).view(n_way, n_query, -1)
        target_inds = torch.arange(0, n_way).view(n_way, 1, 1).expand(n_way, n_query, 1).long()
        loss_val = -log_p_y.gather(2, target_inds).squeeze().view(-1).mean()
        _, y_hat = log_p_y.max(2)
        acc_val = torch.eq(y_hat, target_inds.squeeze(2)).float().mean()
        optimizer.zero_grad()
        loss_val.backward()
        optimizer.step()
        history.append([loss_val.item(), acc_val.item()])
    return {"history": history, "prototypes": prototypes.tolist(), "dists": dists.tolist()}


def graphsage_mean_aggregation(torch, init):
    """GraphSAGE's mean aggregator on an edge list: messages x[src] summed per destination
    with index_add_, divided by degrees from bincount (clamp(min=1)), the same by
    scatter_reduce(reduce="mean", include_self=False), concatenated with the node's own
    features, a Linear and F.normalize, then node classification with a mask for the
    training nodes."""
    nn, F = torch.nn, torch.nn.functional
    edge_index = torch.tensor([[0, 1, 1, 2, 3, 4, 4, 5], [1, 0, 2, 1, 4, 3, 5, 4]])
    x = _randn(torch, (6, 3), 1)
    labels = torch.tensor([0, 0, 0, 1, 1, 1])
    train_mask = torch.tensor([True, False, True, True, False, True])

    class SAGELayer(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.lin = nn.Linear(2 * n_in, n_out)

        def forward(self, x, edge_index):
            src, dst = edge_index
            agg = torch.zeros_like(x).index_add_(0, dst, x[src])
            deg = torch.bincount(dst, minlength=x.size(0)).clamp(min=1).unsqueeze(1)
            mean = agg / deg
            return F.normalize(self.lin(torch.cat([x, mean], dim=1)), p=2, dim=-1), mean

    layer1, layer2 = init(SAGELayer(3, 4)), init(SAGELayer(4, 2))
    optimizer = torch.optim.Adam(list(layer1.parameters()) + list(layer2.parameters()), lr=0.05)
    losses = []
    for _ in range(3):
        h, mean = layer1(x, edge_index)
        out, _ = layer2(F.relu(h), edge_index)
        loss = F.cross_entropy(out[train_mask] * 5, labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    by_scatter = torch.zeros(6, 3).scatter_reduce(
        0,
        edge_index[1].unsqueeze(1).expand(-1, 3),
        x[edge_index[0]],
        reduce="mean",
        include_self=False,
    )
    return {
        "losses": losses,
        "mean": mean.tolist(),
        "scatter_same": torch.allclose(by_scatter, layer1(x, edge_index)[1], atol=1e-6),
        "pred": out.argmax(1).tolist(),
    }


def conditional_vae_with_one_hot_labels(torch, init):
    """A conditional VAE from the blog tutorials: the label one-hot encoded with F.one_hot
    and concatenated to the input and to z (torch.cat(..., dim=1)), the reparameterisation
    with given eps, MSE reconstruction (reduction='sum') plus the KL term, Adam, and
    generation of one sample per class from z = 0."""
    nn, F = torch.nn, torch.nn.functional
    n_classes, latent = 3, 2

    class CVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(6 + n_classes, 10), nn.Tanh())
            self.mu = nn.Linear(10, latent)
            self.logvar = nn.Linear(10, latent)
            self.dec = nn.Sequential(nn.Linear(latent + n_classes, 10), nn.Tanh(), nn.Linear(10, 6))

        def forward(self, x, c, eps):
            h = self.enc(torch.cat([x, c], dim=1))
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + eps * torch.exp(0.5 * logvar)
            return self.dec(torch.cat([z, c], dim=1)), mu, logvar

    model = init(CVAE())
    x = _randn(torch, (9, 6), 1)
    y = torch.tensor([0, 1, 2] * 3)
    c = F.one_hot(y, num_classes=n_classes).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = []
    for step in range(3):
        recon, mu, logvar = model(x, c, _randn(torch, (9, latent), 20 + step))
        rec = F.mse_loss(recon, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = (rec + kld) / x.size(0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append([rec.item(), kld.item()])
    with torch.no_grad():
        labels = torch.eye(n_classes)
        samples = model.dec(torch.cat([torch.zeros(n_classes, latent), labels], dim=1))
    return {"history": history, "samples": samples.tolist(), "c": c[:3].tolist()}


def drop_path_stochastic_depth(torch, init):
    """DropPath (stochastic depth) as timm writes it: keep_prob, a random tensor of shape
    (batch, 1, 1, ...) from x.new_empty(shape).bernoulli_(keep_prob), div_(keep_prob), the
    identity in eval mode and at drop_prob 0; the random masks are compared by their
    properties (rows all kept or all dropped, kept rows scaled by 1 / keep_prob)."""
    nn = torch.nn

    def drop_path(x, drop_prob=0.0, training=False, scale_by_keep=True):
        if drop_prob == 0.0 or not training:
            return x
        keep_prob = 1 - drop_prob
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
        if keep_prob > 0.0 and scale_by_keep:
            random_tensor.div_(keep_prob)
        return x * random_tensor

    class DropPath(nn.Module):
        def __init__(self, drop_prob=0.0):
            super().__init__()
            self.drop_prob = drop_prob

        def forward(self, x):
            return drop_path(x, self.drop_prob, self.training)

        def extra_repr(self):
            return f"drop_prob={round(self.drop_prob, 3):0.3f}"

    block = DropPath(0.25)
    x = torch.ones(64, 3, 2)
    out = block(x)
    per_row = out.view(64, -1)
    rows_uniform = bool(((per_row == 0).all(1) | (per_row == 1 / 0.75).all(1)).all())
    kept = (per_row[:, 0] > 0).sum().item()
    block.eval()
    return {
        "repr": _shown(torch, nn.Sequential(block, DropPath())),
        "rows_uniform": rows_uniform,
        "kept_in_range": 20 < kept < 64,
        "eval_identity": block(x) is x,
        "zero_prob": DropPath(0.0).train()(x) is x,
        "shape": list(x.new_empty((64, 1, 1)).shape),
    }


def knn_classifier_on_digits(torch, init):
    """k-nearest neighbours on sklearn's digits with tensors only: torch.cdist between the
    test and train sets, topk(k, largest=False), the neighbours' labels, the majority vote
    by torch.mode and by bincount per row, accuracy, and torch.quantile of the distances."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = torch.tensor(digits.data[:400], dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target[:400])
    X_train, y_train, X_test, y_test = X[:300], y[:300], X[300:340], y[300:340]
    dists = torch.cdist(X_test, X_train)
    knn = dists.topk(5, dim=1, largest=False)
    neighbour_labels = y_train[knn.indices]
    voted = torch.mode(neighbour_labels, dim=1).values
    counts = torch.stack([torch.bincount(row, minlength=10) for row in neighbour_labels])
    accuracy = (voted == y_test).float().mean().item()
    return {
        "nearest": knn.values[:3].tolist(),
        "labels": neighbour_labels[:5].tolist(),
        "voted": voted.tolist(),
        "by_counts": torch.equal(counts.argmax(1), voted),
        "accuracy": accuracy,
        "quantiles": torch.quantile(dists[0], torch.tensor([0.1, 0.5, 0.9])).tolist(),
    }


def model_soup_by_averaging_state_dicts(torch, init):
    """Weight averaging as the "model soups" posts do it: two fine-tuned copies made with
    copy.deepcopy, their state_dicts averaged key by key ({k: (a[k] + b[k]) / 2}), the
    integer num_batches_tracked kept rather than averaged, load_state_dict into a third
    copy, and the averaged model's loss against the two ingredients'."""
    nn, F = torch.nn, torch.nn.functional
    base = init(nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1)))
    X, y = _randn(torch, (16, 3), 1), _randn(torch, (16, 1), 2)

    def finetune(model, lr, steps=3):
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(steps):
            optimizer.zero_grad()
            F.mse_loss(model(X), y).backward()
            optimizer.step()
        return model

    a = finetune(copy.deepcopy(base), 0.05)
    b = finetune(copy.deepcopy(base), 0.2)
    sa, sb = a.state_dict(), b.state_dict()
    soup_state = {k: (sa[k] + sb[k]) / 2 if sa[k].is_floating_point() else sa[k] for k in sa}
    soup = copy.deepcopy(base)
    soup.load_state_dict(soup_state)
    for m in (a, b, soup):
        m.eval()
    with torch.no_grad():
        losses = [F.mse_loss(m(X), y).item() for m in (a, b, soup)]
    return {
        "losses": losses,
        "tracked": [
            soup[1].num_batches_tracked.item(),
            soup_state["1.num_batches_tracked"].dtype == torch.int64,
        ],
        "soup_weight": soup[3].weight.tolist(),
        "base_untouched": base[1].num_batches_tracked.item(),
    }


def lstm_autoencoder_anomaly_scores(torch, init):
    """An LSTM autoencoder for time-series anomaly detection (the Keras-port blog post):
    windows of a sine wave made with unfold, the encoder's last hidden state repeated over
    time (h[-1].unsqueeze(1).repeat(1, seq_len, 1)), an LSTM decoder and a Linear per time
    step, L1 reconstruction error per window, a threshold from torch.quantile, and the
    windows flagged after a spike is added."""
    nn = torch.nn

    class LSTMAutoencoder(nn.Module):
        def __init__(self, seq_len=8, hidden=6):
            super().__init__()
            self.seq_len = seq_len
            self.encoder = nn.LSTM(1, hidden, batch_first=True)
            self.decoder = nn.LSTM(hidden, hidden, batch_first=True)
            self.output = nn.Linear(hidden, 1)

        def forward(self, x):
            _, (h, _) = self.encoder(x)
            repeated = h[-1].unsqueeze(1).repeat(1, self.seq_len, 1)
            out, _ = self.decoder(repeated)
            return self.output(out)

    t = torch.linspace(0, 4 * math.pi, 40)
    signal = torch.sin(t)
    windows = signal.unfold(0, 8, 4).unsqueeze(-1)
    model = init(LSTMAutoencoder())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.L1Loss(reduction="sum")
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = criterion(model(windows), windows)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    spiked = signal.clone()
    spiked[21] += 3.0
    test = spiked.unfold(0, 8, 4).unsqueeze(-1)
    with torch.no_grad():
        train_err = (model(windows) - windows).abs().mean(dim=(1, 2))
        test_err = (model(test) - test).abs().mean(dim=(1, 2))
    threshold = torch.quantile(train_err, 0.95)
    return {
        "windows": list(windows.shape),
        "losses": losses,
        "errors": test_err.tolist(),
        "flagged": torch.nonzero(test_err > threshold).flatten().tolist(),
        "threshold": threshold.item(),
    }


def value_iteration_on_a_gridworld(torch, init):
    """Value iteration with tensors on a 4-state chain MDP written in code: the transition
    tensor P[s, a, s'] built with index_put_, rewards R[s, a], the Bellman backup
    Q = R + gamma * einsum("sat,t->sa", P, V) until max |V - V_old| < tol, the greedy policy
    by argmax, and policy evaluation by torch.linalg.solve of (I - gamma P_pi) V = R_pi."""
    n_states, n_actions, gamma = 4, 2, 0.9
    P = torch.zeros(n_states, n_actions, n_states)
    s = torch.arange(n_states)
    left, right = (s - 1).clamp(min=0), (s + 1).clamp(max=n_states - 1)
    P.index_put_((s, torch.zeros_like(s), left), torch.full((n_states,), 0.8))
    P.index_put_((s, torch.zeros_like(s), right), torch.full((n_states,), 0.2), accumulate=True)
    P.index_put_((s, torch.ones_like(s), right), torch.full((n_states,), 0.8))
    P.index_put_((s, torch.ones_like(s), left), torch.full((n_states,), 0.2), accumulate=True)
    R = torch.zeros(n_states, n_actions)
    R[n_states - 1] = 1.0
    V = torch.zeros(n_states)
    iterations = 0
    while True:
        Q = R + gamma * torch.einsum("sat,t->sa", P, V)
        V_new = Q.max(dim=1).values
        iterations += 1
        if (V_new - V).abs().max() < 1e-4:
            V = V_new
            break
        V = V_new
    policy = Q.argmax(dim=1)
    P_pi = P[s, policy]
    R_pi = R[s, policy]
    V_exact = torch.linalg.solve(torch.eye(n_states) - gamma * P_pi, R_pi)
    return {
        "rows_sum_to_one": torch.allclose(P.sum(-1), torch.ones(n_states, n_actions)),
        "iterations": iterations,
        "V": V.tolist(),
        "policy": policy.tolist(),
        "exact": V_exact.tolist(),
    }


PROGRAMS = [
    char_rnn_name_classifier,
    seq2seq_gru_with_teacher_forcing,
    vae_with_reparameterisation,
    dcgan_training_step,
    reinforce_on_a_corridor,
    dqn_step_with_replay_buffer,
    transformer_language_model,
    distillation_with_temperature,
    mixup_and_cutmix_batches,
    gradient_accumulation_and_clipping,
    early_stopping_with_state_dict_copies,
    samplers_and_random_split,
    iterable_dataset_with_worker_info,
    per_group_lrs_with_three_schedules,
    weight_tying_in_a_language_model,
    freezing_a_backbone_and_replacing_the_head,
    forward_hooks_for_feature_extraction,
    digits_evaluation_with_confusion_matrix,
    checkpoint_dict_through_bytesio_printed,
    tensor_idioms_from_answers,
    dtype_and_device_idioms,
    printing_tensors_modules_and_grad_fns,
    activations_in_place_and_formatted_logs,
    gan_on_a_one_dimensional_gaussian,
    transformer_classifier_with_padding_mask,
    cbow_word2vec_with_embedding_bag,
    custom_autograd_functions_from_the_docs,
    environment_report_and_reproducibility,
    temporal_convolutional_network,
    nucleus_sampling_and_repetition_penalty,
    learning_rate_warmup_cosine_by_hand_and_lambda,
    siamese_network_with_contrastive_pairs,
    optimizers_race_on_rosenbrock,
    rotary_position_embedding,
    simsiam_stop_gradient,
    prototypical_networks_episode,
    graphsage_mean_aggregation,
    conditional_vae_with_one_hot_labels,
    drop_path_stochastic_depth,
    knn_classifier_on_digits,
    model_soup_by_averaging_state_dicts,
    lstm_autoencoder_anomaly_scores,
    value_iteration_on_a_gridworld,
]

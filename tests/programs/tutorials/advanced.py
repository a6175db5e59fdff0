"""Programs in the style of PyTorch's char-RNN classification, DCGAN, Transformer language
model and DQN tutorials, plus common extras, each a function of the library (`torch` is
PyTorch or minigrad) and of `init` (see tests/programs/conftest.py)."""

from __future__ import annotations

import copy
import math
import random
from collections import deque, namedtuple

import numpy as np

ALL_LETTERS = "abcdefghijklmnopqrstuvwxyz"
NAMES = {
    "Low": ["abba", "bead", "cab", "dace", "faced"],
    "High": ["xyz", "wusp", "tvrx", "zorw", "quv"],
}


def char_rnn(torch, init):
    """ "Classifying Names with a Character-Level RNN": one-hot letters set by chained indexing
    (`tensor[li][0][i] = 1`), a hand-made RNN cell with nn.LogSoftmax and nn.NLLLoss, updates
    through `p.data.add_(p.grad.data, alpha=-lr)`, `output.topk(1)`; then the nn.RNN version."""
    nn = torch.nn
    n_letters, n_hidden, categories = len(ALL_LETTERS), 16, list(NAMES)

    def lineToTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][ALL_LETTERS.find(letter)] = 1
        return tensor

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            combined = torch.cat((input, hidden), 1)
            hidden = torch.tanh(self.i2h(combined))
            return self.softmax(self.h2o(hidden)), hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    def categoryFromOutput(output):
        top_n, top_i = output.topk(1)
        category_i = top_i[0].item()
        return categories[category_i], category_i

    rnn = init(RNN(n_letters, n_hidden, len(categories)))
    criterion, learning_rate = nn.NLLLoss(), 0.05
    pairs = [(c, name) for c in categories for name in NAMES[c]]
    losses, guesses = [], []
    for category, line in pairs + pairs:
        category_tensor = torch.tensor([categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        losses.append(loss.item())
        guesses.append(categoryFromOutput(output)[0])

    class CharRNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            return self.softmax(self.h2o(hidden[0]))

    model = init(CharRNN(n_letters, n_hidden, len(categories)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for category, line in pairs:
        loss = criterion(model(lineToTensor(line)), torch.tensor([categories.index(category)]))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    with torch.no_grad():
        output = model(lineToTensor("zap"))
    topv, topi = output.topk(2, 1, True)
    return {"loss": losses, "guesses": guesses, "top": [topv.tolist(), topi.tolist()]}


def dcgan_weights_init(torch, init):
    """The DCGAN tutorial's model classes, weights_init applied with `.apply` (class name test,
    nn.init.normal_/constant_ on `.data`), a training step with BCELoss and full labels."""
    nn = torch.nn
    nz, ngf, ndf, nc, ngpu = 8, 4, 4, 1, 0

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self, ngpu):
            super().__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self, ngpu):
            super().__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, 1, 4, 1, 0, bias=False),
                nn.Sigmoid(),
            )

        def forward(self, input):
            return self.main(input)

    netG = Generator(ngpu)
    netG.apply(weights_init)
    bn = netG.main[1]
    checks = [
        abs(float(netG.main[0].weight.std()) - 0.02) < 0.005,
        bn.bias.abs().sum().item() == 0.0,
        abs(float(bn.weight.mean()) - 1.0) < 0.05,
    ]
    netG = init(netG)
    netD = init(Discriminator(ngpu).apply(weights_init))
    criterion = nn.BCELoss()
    rng = np.random.default_rng(20)
    fixed_noise = torch.tensor(rng.standard_normal((4, nz, 1, 1)).astype(np.float32))
    real_label, fake_label = 1.0, 0.0
    optimizerD = torch.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    real_cpu = torch.tensor(rng.uniform(-1, 1, (6, nc, 8, 8)).astype(np.float32))
    b_size = real_cpu.size(0)
    netD.zero_grad()
    label = torch.full((b_size,), real_label, dtype=torch.float)
    errD_real = criterion(netD(real_cpu).view(-1), label)
    errD_real.backward()
    noise = torch.tensor(rng.standard_normal((b_size, nz, 1, 1)).astype(np.float32))
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    optimizerD.step()
    netG.zero_grad()
    label.fill_(real_label)
    errG = criterion(netD(fake).view(-1), label)
    errG.backward()
    optimizerG.step()
    with torch.no_grad():
        sample = netG(fixed_noise).detach().cpu()
    return {
        "checks": checks,
        "printed": [str(netG), str(netD)],
        "losses": [errD_real.item(), errD_fake.item(), errG.item()],
        "sample": sample[:, 0, :3, :3].tolist(),
    }


def transformer_language_model(torch, init):
    """ "Language Modeling with nn.Transformer": PositionalEncoding with register_buffer and
    `pe[:, 0, 0::2] = sin`, TransformerEncoder with a causal mask, init_weights through `.data`,
    batchify/get_batch, CrossEntropyLoss, SGD with clip_grad_norm_, StepLR and get_last_lr(),
    evaluation, and copy.deepcopy of the best model."""
    nn = torch.nn
    TransformerEncoder, TransformerEncoderLayer = nn.TransformerEncoder, nn.TransformerEncoderLayer

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[: x.size(0)]
            return self.dropout(x)

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.5):
            super().__init__()
            self.model_type = "Transformer"
            self.pos_encoder = PositionalEncoding(d_model, dropout, max_len=64)
            encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = TransformerEncoder(
                encoder_layers, nlayers, enable_nested_tensor=False
            )
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)
            self.init_weights()

        def init_weights(self):
            initrange = 0.1
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.linear.bias.data.zero_()
            self.linear.weight.data.uniform_(-initrange, initrange)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            output = self.transformer_encoder(src, src_mask)
            return self.linear(output)

    dataset = torch.utils.data.dataset

    class Lines(dataset.IterableDataset):  # stands in for the tutorial's text iterator
        def __init__(self, lines):
            self.lines = lines

        def __iter__(self):
            return iter(self.lines)

    def data_process(raw_text_iter: dataset.IterableDataset, vocab) -> torch.Tensor:
        data = [torch.tensor([vocab[c] for c in line], dtype=torch.long) for line in raw_text_iter]
        return torch.cat(tuple(filter(lambda t: t.numel() > 0, data)))

    def batchify(data, bsz):
        seq_len = data.size(0) // bsz
        data = data[: seq_len * bsz]
        return data.view(bsz, seq_len).t().contiguous()

    bptt = 5

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i : i + seq_len]
        target = source[i + 1 : i + 1 + seq_len].reshape(-1)
        return data, target

    rng = np.random.default_rng(21)
    vocab = {c: i for i, c in enumerate("abcdefghij")}
    lines = ["".join(rng.choice(list(vocab), size=rng.integers(0, 12))) for _ in range(20)]
    train_data = batchify(data_process(Lines(lines[:15]), vocab), 4)
    val_data = batchify(data_process(Lines(lines[15:]), vocab), 2)

    ntokens = len(vocab)
    model = init(TransformerModel(ntokens, 16, 2, 32, 2, dropout=0.0))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    log = []

    def train(model):
        model.train()
        src_mask = nn.Transformer.generate_square_subsequent_mask(bptt)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            seq_len = data.size(0)
            if seq_len != bptt:
                src_mask = src_mask[:seq_len, :seq_len]
            output = model(data, src_mask)
            loss = criterion(output.view(-1, ntokens), targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            log.append([batch, scheduler.get_last_lr()[0], loss.item()])

    def evaluate(model, eval_data):
        model.eval()
        total_loss = 0.0
        src_mask = nn.Transformer.generate_square_subsequent_mask(bptt)
        with torch.no_grad():
            for i in range(0, eval_data.size(0) - 1, bptt):
                data, targets = get_batch(eval_data, i)
                seq_len = data.size(0)
                if seq_len != bptt:
                    src_mask = src_mask[:seq_len, :seq_len]
                output_flat = model(data, src_mask).view(-1, ntokens)
                total_loss += seq_len * criterion(output_flat, targets).item()
        return total_loss / (len(eval_data) - 1)

    best_val_loss, best_model, history = float("inf"), None, []
    for _ in range(2):
        train(model)
        val_loss = evaluate(model, val_data)
        history.append([val_loss, math.exp(val_loss)])
        if val_loss < best_val_loss:
            best_val_loss = val_loss
            best_model = copy.deepcopy(model)
        scheduler.step()
    first = next(iter(best_model.parameters()))
    return {
        "log": log,
        "history": history,
        "best": [evaluate(best_model, val_data), first is not next(iter(model.parameters()))],
        "shapes": [list(train_data.shape), model.model_type, str(model)],
    }


def dqn(torch, init):
    """ "Reinforcement Learning (DQN)": a replay memory of namedtuple transitions sampled with
    Python's random, epsilon-greedy actions from `max(1).indices.view(1, 1)`, `gather(1, a)`,
    a masked assignment of `max(1).values`, SmoothL1Loss, AdamW(amsgrad=True),
    clip_grad_value_, and a soft update of the target network's state_dict by arithmetic."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    random.seed(1)
    Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))

    class ReplayMemory:
        def __init__(self, capacity):
            self.memory = deque([], maxlen=capacity)

        def push(self, *args):
            self.memory.append(Transition(*args))

        def sample(self, batch_size):
            return random.sample(self.memory, batch_size)

        def __len__(self):
            return len(self.memory)

    class DQN(nn.Module):
        def __init__(self, n_observations, n_actions):
            super().__init__()
            self.layer1 = nn.Linear(n_observations, 32)
            self.layer2 = nn.Linear(32, 32)
            self.layer3 = nn.Linear(32, n_actions)

        def forward(self, x):
            x = F.relu(self.layer1(x))
            x = F.relu(self.layer2(x))
            return self.layer3(x)

    BATCH_SIZE, GAMMA, EPS_START, EPS_END, EPS_DECAY, TAU, LR = 8, 0.99, 0.9, 0.05, 20, 0.005, 1e-3
    n_actions, n_observations = 2, 4
    policy_net = init(DQN(n_observations, n_actions))
    target_net = DQN(n_observations, n_actions)
    target_net.load_state_dict(policy_net.state_dict())
    optimizer = optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
    memory = ReplayMemory(100)
    steps_done = 0

    def select_action(state):
        nonlocal steps_done
        sample = random.random()
        eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1.0 * steps_done / EPS_DECAY)
        steps_done += 1
        if sample > eps_threshold:
            with torch.no_grad():
                return policy_net(state).max(1).indices.view(1, 1)
        return torch.tensor([[random.randrange(n_actions)]], dtype=torch.long)

    def optimize_model():
        if len(memory) < BATCH_SIZE:
            return None
        transitions = memory.sample(BATCH_SIZE)
        batch = Transition(*zip(*transitions))
        non_final_mask = torch.tensor(
            tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool
        )
        non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)
        state_action_values = policy_net(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(BATCH_SIZE)
        with torch.no_grad():
            next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
        expected_state_action_values = (next_state_values * GAMMA) + reward_batch
        criterion = nn.SmoothL1Loss()
        loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
        optimizer.step()
        return loss.item()

    rng = np.random.default_rng(22)  # a toy environment: a random walk ended at |x| > 2
    log = []
    for _ in range(3):
        obs = rng.standard_normal(n_observations).astype(np.float32)
        state = torch.tensor(obs, dtype=torch.float32).unsqueeze(0)
        for _ in range(8):
            action = select_action(state)
            obs = obs + (action.item() - 0.5) + 0.1 * rng.standard_normal(n_observations)
            reward = torch.tensor([1.0 - abs(float(obs[0])) / 2])
            terminated = abs(float(obs[0])) > 2
            next_state = None if terminated else torch.tensor(obs, dtype=torch.float32).unsqueeze(0)
            memory.push(state, action, next_state, reward)
            state = next_state
            log.append([action.item(), optimize_model()])
            target_net_state_dict = target_net.state_dict()
            policy_net_state_dict = policy_net.state_dict()
            for key in policy_net_state_dict:
                target_net_state_dict[key] = policy_net_state_dict[
                    key
                ] * TAU + target_net_state_dict[key] * (1 - TAU)
            target_net.load_state_dict(target_net_state_dict)
            if terminated:
                break
    return {"log": log, "target": target_net.layer3.weight.tolist()}


def extras(torch, init):
    """Dropout2d/Dropout1d (eval: identity; training: whole channels kept or zeroed, kept ones
    scaled by 1 / (1 - p)), F.cosine_similarity, nn.CosineSimilarity, F.pairwise_distance."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(23)
    x = torch.tensor(rng.standard_normal((4, 6, 5, 5)).astype(np.float32))
    drop2d, drop1d = nn.Dropout2d(0.5), nn.Dropout1d(p=0.25)
    drop2d.eval()
    drop1d.eval()
    same = [drop2d(x).tolist() == x.tolist(), drop1d(x[:, :, 0]).tolist() == x[:, :, 0].tolist()]
    drop2d.train()
    y = drop2d(x)
    ratio = (y / x).flatten(2)
    per_channel = [
        bool(((ratio == 0).all(-1) | (ratio == 2).all(-1)).all()),
        bool((ratio == 0).any()),
        bool((ratio == 2).any()),
    ]
    a = torch.tensor(rng.standard_normal((5, 8)).astype(np.float64), requires_grad=True)
    b = torch.tensor(rng.standard_normal((5, 8)).astype(np.float64), requires_grad=True)
    cos = F.cosine_similarity(a, b)
    cos0 = nn.CosineSimilarity(dim=0, eps=1e-6)(a, b)
    dist = F.pairwise_distance(a, b)
    dist_l1 = F.pairwise_distance(a, b, p=1.0, keepdim=True)
    broadcast = F.cosine_similarity(a[:, None], b[None], dim=-1)
    (cos.sum() + cos0.sum() + dist.sum() + dist_l1.sum() + broadcast.sum()).backward()
    return {
        "dropout": same + per_channel,
        "values": [cos.tolist(), cos0.tolist(), dist.tolist(), dist_l1.flatten().tolist()],
        "broadcast": broadcast.tolist(),
        "grads": [a.grad.tolist(), b.grad.tolist()],
    }


def dqn_plot_durations(torch, init):
    """The DQN tutorial's plot_durations: 100-episode means with `unfold(0, 100, 1)`."""
    episode_durations = [float((7 * k) % 23) for k in range(130)]
    durations_t = torch.tensor(episode_durations, dtype=torch.float)
    means = durations_t.unfold(0, 100, 1).mean(1).view(-1)
    means = torch.cat((torch.zeros(99), means))
    return {"means": means.numpy().tolist()}


def char_rnn_data_split(torch, init):
    """The 2.x char-RNN tutorial's data setup: set_default_device, random_split by fractions
    with a seeded Generator on that device, indexing the split with NumPy integers."""
    device = torch.device("cpu")
    torch.set_default_device(device)
    data = torch.utils.data.TensorDataset(torch.arange(40), torch.arange(40) % 3)
    train_set, test_set = torch.utils.data.random_split(
        data, [0.85, 0.15], generator=torch.Generator(device=device).manual_seed(2024)
    )
    batches = np.array_split(list(range(len(train_set))), 4)
    sizes = [len(train_set), len(test_set), [len(b) for b in batches]]
    return {"sizes": sizes, "item": [int(t) for t in train_set[batches[0][0]]][1:]}


def nlp_tutorials(torch, init):
    """ "Deep Learning for NLP with PyTorch": a bag-of-words classifier (`vec[ix] += 1`,
    torch.LongTensor labels, `next(model.parameters())[:, ix]`), an N-gram language model
    (embeddings `.view((1, -1))`) and an LSTM part-of-speech tagger."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    data = [
        (["me", "gusta", "comer", "en", "la", "cafeteria"], "SPANISH"),
        (["Give", "it", "to", "me"], "ENGLISH"),
    ]
    word_to_ix = {}
    for sent, _ in data:
        for word in sent:
            word_to_ix.setdefault(word, len(word_to_ix))
    label_to_ix = {"SPANISH": 0, "ENGLISH": 1}

    class BoWClassifier(nn.Module):
        def __init__(self, num_labels, vocab_size):
            super().__init__()
            self.linear = nn.Linear(vocab_size, num_labels)

        def forward(self, bow_vec):
            return F.log_softmax(self.linear(bow_vec), dim=1)

    def make_bow_vector(sentence):
        vec = torch.zeros(len(word_to_ix))
        for word in sentence:
            vec[word_to_ix[word]] += 1
        return vec.view(1, -1)

    model = init(BoWClassifier(2, len(word_to_ix)))
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        for instance, label in data:
            model.zero_grad()
            log_probs = model(make_bow_vector(instance))
            loss = loss_function(log_probs, torch.LongTensor([label_to_ix[label]]))
            loss.backward()
            optimizer.step()
    bow = [next(model.parameters())[:, word_to_ix["comer"]].tolist(), loss.item()]

    text = [
        "when",
        "forty",
        "winters",
        "shall",
        "besiege",
        "thy",
        "brow",
        "and",
        "dig",
        "deep",
        "trenches",
        "in",
        "thy",
    ]
    ngrams = [([text[i - j - 1] for j in range(2)], text[i]) for i in range(2, len(text))]
    vocab = sorted(set(text))
    ix = {word: i for i, word in enumerate(vocab)}

    class NGramLanguageModeler(nn.Module):
        def __init__(self, vocab_size, embedding_dim, context_size):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 16)
            self.linear2 = nn.Linear(16, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            return F.log_softmax(self.linear2(out), dim=1)

    model = init(NGramLanguageModeler(len(vocab), 4, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(2):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            loss = loss_function(model(context_idxs), torch.tensor([ix[target]], dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    ngram = [losses, model.embeddings.weight[ix["thy"]].tolist()]

    training_data = [
        (["The", "dog", "ate", "the", "apple"], ["DET", "NN", "V", "DET", "NN"]),
        (["Everybody", "read", "that", "book"], ["NN", "V", "DET", "NN"]),
    ]
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}
    words = {w: i for i, w in enumerate(sorted({w for s, _ in training_data for w in s}))}

    def prepare_sequence(seq, to_ix):
        return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)

    class LSTMTagger(nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super().__init__()
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            return F.log_softmax(tag_space, dim=1)

    model = init(LSTMTagger(6, 6, len(words), len(tag_to_ix)))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        for sentence, tags in training_data:
            model.zero_grad()
            tag_scores = model(prepare_sequence(sentence, words))
            loss = loss_function(tag_scores, prepare_sequence(tags, tag_to_ix))
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        tag_scores = model(prepare_sequence(training_data[0][0], words))
    return {"bow": bow, "ngram": ngram, "tagger": tag_scores.tolist()}


PROGRAMS = [
    char_rnn,
    char_rnn_data_split,
    dcgan_weights_init,
    transformer_language_model,
    dqn,
    dqn_plot_durations,
    extras,
    nlp_tutorials,
]

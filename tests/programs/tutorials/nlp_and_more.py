"""Programs in the style of PyTorch's NLP tutorials ("Sequence Models and LSTM", "Word
Embeddings", "Advanced: Bi-LSTM CRF", "Text classification with torchtext", "NLP from scratch:
translation with attention") and of "Adversarial Example Generation", each a function of the
library (`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np

TAGGED = [
    (["The", "dog", "ate", "the", "apple"], ["DET", "NN", "V", "DET", "NN"]),
    (["Everybody", "read", "that", "book"], ["NN", "V", "DET", "NN"]),
]


def _word_to_ix(sentences):
    word_to_ix = {}
    for sent in sentences:
        for word in sent:
            if word not in word_to_ix:  # word has not been assigned an index yet
                word_to_ix[word] = len(word_to_ix)
    return word_to_ix


def prepare_sequence(torch, seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


def sequence_models_lstm(torch, init):
    """ "Sequence Models and Long Short-Term Memory Networks": an LSTM stepped one element at a
    time with a (h, c) tuple, then the whole sequence at once (`torch.cat(inputs).view(len, 1,
    -1)`); then the tutorial's exercise, a tagger whose word features add a character-level
    LSTM's final hidden state."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    lstm = init(nn.LSTM(3, 3))  # Input dim is 3, output dim is 3
    inputs = [init(torch.randn(1, 3)) for _ in range(5)]  # make a sequence of length 5
    hidden = (init(torch.randn(1, 1, 3)), init(torch.randn(1, 1, 3)))
    stepped = []
    for i in inputs:
        # Step through the sequence one element at a time; after each step, hidden contains
        # the hidden state.
        out, hidden = lstm(i.view(1, 1, -1), hidden)
        stepped.append(out.tolist())
    inputs = torch.cat(inputs).view(len(inputs), 1, -1)
    hidden = (init(torch.randn(1, 1, 3)), init(torch.randn(1, 1, 3)))  # clean out hidden state
    out, hidden = lstm(inputs, hidden)
    whole = [out.tolist(), hidden[0].tolist(), hidden[1].tolist()]

    word_to_ix = _word_to_ix(s for s, _ in TAGGED)
    char_to_ix = _word_to_ix(word for s, _ in TAGGED for word in s)
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}  # Assign each tag with a unique index
    WORD_EMBEDDING_DIM, CHAR_EMBEDDING_DIM, CHAR_HIDDEN_DIM, HIDDEN_DIM = 6, 3, 3, 6

    class LSTMTagger(nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size, chars):
            super().__init__()
            self.hidden_dim = hidden_dim
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.char_embeddings = nn.Embedding(chars, CHAR_EMBEDDING_DIM)
            self.char_lstm = nn.LSTM(CHAR_EMBEDDING_DIM, CHAR_HIDDEN_DIM)
            # The LSTM takes word embeddings and character features as inputs, and outputs
            # hidden states with dimensionality hidden_dim.
            self.lstm = nn.LSTM(embedding_dim + CHAR_HIDDEN_DIM, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def char_features(self, word):
            chars = self.char_embeddings(prepare_sequence(torch, word, char_to_ix))
            _, (h_n, _) = self.char_lstm(chars.view(len(word), 1, -1))
            return h_n.view(1, -1)

        def forward(self, sentence, words):
            embeds = self.word_embeddings(sentence)
            chars = torch.cat([self.char_features(w) for w in words], dim=0)
            features = torch.cat([embeds, chars], dim=1)
            lstm_out, _ = self.lstm(features.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            tag_scores = F.log_softmax(tag_space, dim=1)
            return tag_scores

    model = init(
        LSTMTagger(WORD_EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix), len(char_to_ix))
    )
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with torch.no_grad():  # See what the scores are before training
        inputs = prepare_sequence(torch, TAGGED[0][0], word_to_ix)
        before = model(inputs, TAGGED[0][0]).tolist()
    losses = []
    for _epoch in range(3):
        for sentence, tags in TAGGED:
            model.zero_grad()  # Pytorch accumulates gradients: clear them out
            sentence_in = prepare_sequence(torch, sentence, word_to_ix)
            targets = prepare_sequence(torch, tags, tag_to_ix)
            tag_scores = model(sentence_in, sentence)
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        inputs = prepare_sequence(torch, TAGGED[0][0], word_to_ix)
        tag_scores = model(inputs, TAGGED[0][0])
    return {
        "stepped": stepped,
        "whole": whole,
        "tagger": [before, losses, tag_scores.tolist(), tag_scores.argmax(1).tolist()],
    }


SONNET = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held"""

RAW_TEXT = """We are about to study the idea of a computational process.
Computational processes are abstract beings that inhabit computers.
As they evolve, processes manipulate other abstract things called data."""


def word_embeddings(torch, init):
    """ "Word Embeddings: Encoding Lexical Semantics": an nn.Embedding lookup, the N-gram
    language model (`embeds.view((1, -1))`, NLLLoss, `total_loss += loss.item()`), and the
    exercise's CBOW model (context embeddings summed) with make_context_vector."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    word_to_ix = {"hello": 0, "world": 1}
    embeds = init(nn.Embedding(2, 5))  # 2 words in vocab, 5 dimensional embeddings
    lookup_tensor = torch.tensor([word_to_ix["hello"]], dtype=torch.long)
    hello_embed = embeds(lookup_tensor)

    CONTEXT_SIZE, EMBEDDING_DIM = 2, 10
    test_sentence = SONNET.split()
    ngrams = [
        ([test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)], test_sentence[i])
        for i in range(CONTEXT_SIZE, len(test_sentence))
    ]
    vocab = sorted(set(test_sentence))
    word_to_ix = {word: i for i, word in enumerate(vocab)}

    class NGramLanguageModeler(nn.Module):
        def __init__(self, vocab_size, embedding_dim, context_size):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 32)
            self.linear2 = nn.Linear(32, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            out = self.linear2(out)
            log_probs = F.log_softmax(out, dim=1)
            return log_probs

    losses = []
    loss_function = nn.NLLLoss()
    model = init(NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE))
    optimizer = optim.SGD(model.parameters(), lr=0.001)
    for _epoch in range(3):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    ngram = [losses, model.embeddings.weight[word_to_ix["beauty's"]].tolist()]

    raw_text = RAW_TEXT.split()
    vocab = sorted(set(raw_text))
    word_to_ix = {word: i for i, word in enumerate(vocab)}
    data = []
    for i in range(CONTEXT_SIZE, len(raw_text) - CONTEXT_SIZE):
        context = [raw_text[i - j - 1] for j in range(CONTEXT_SIZE)] + [
            raw_text[i + j + 1] for j in range(CONTEXT_SIZE)
        ]
        data.append((context, raw_text[i]))

    class CBOW(nn.Module):
        def __init__(self, vocab_size, embedding_dim):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear = nn.Linear(embedding_dim, vocab_size)

        def forward(self, inputs):
            embeds = sum(self.embeddings(inputs)).view((1, -1))  # Python's sum over the rows
            return F.log_softmax(self.linear(embeds), dim=-1)

    def make_context_vector(context, word_to_ix):
        idxs = [word_to_ix[w] for w in context]
        return torch.tensor(idxs, dtype=torch.long)

    model = init(CBOW(len(vocab), EMBEDDING_DIM))
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _epoch in range(2):
        total_loss = 0
        for context, target in data:
            context_vector = make_context_vector(context, word_to_ix)
            model.zero_grad()
            log_probs = model(context_vector)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]]))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    with torch.no_grad():
        guess = model(make_context_vector(data[0][0], word_to_ix)).argmax(dim=-1).item()
    return {"hello": hello_embed.tolist(), "ngram": ngram, "cbow": [losses, vocab[guess]]}


CRF_TEXT = (
    "the wall street journal reported today that apple corporation made money",
    "georgia tech is a university in georgia",
)
CRF_TAGS = ("B I I I O O O B I O O", "B I O O O O B")


def bilstm_crf(torch, init):
    """ "Advanced: Making Dynamic Decisions and the Bi-LSTM CRF": argmax via torch.max(vec, 1),
    log_sum_exp with a broadcast max, the forward algorithm over `torch.full(..., -10000.)`,
    scoring a tag sequence by indexing transitions with 0-d tensors, Viterbi decoding, a
    bidirectional LSTM with a random initial state, and neg_log_likelihood training."""
    nn, optim = torch.nn, torch.optim
    START_TAG, STOP_TAG = "<START>", "<STOP>"
    EMBEDDING_DIM, HIDDEN_DIM = 5, 4

    def argmax(vec):
        # return the argmax as a python int
        _, idx = torch.max(vec, 1)
        return idx.item()

    def log_sum_exp(vec):
        # Compute log sum exp in a numerically stable way for the forward algorithm
        max_score = vec[0, argmax(vec)]
        max_score_broadcast = max_score.view(1, -1).expand(1, vec.size()[1])
        return max_score + torch.log(torch.sum(torch.exp(vec - max_score_broadcast)))

    class BiLSTM_CRF(nn.Module):
        def __init__(self, vocab_size, tag_to_ix, embedding_dim, hidden_dim):
            super().__init__()
            self.embedding_dim = embedding_dim
            self.hidden_dim = hidden_dim
            self.vocab_size = vocab_size
            self.tag_to_ix = tag_to_ix
            self.tagset_size = len(tag_to_ix)
            self.word_embeds = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2, num_layers=1, bidirectional=True)
            # Maps the output of the LSTM into tag space.
            self.hidden2tag = nn.Linear(hidden_dim, self.tagset_size)
            # Entry i,j is the score of transitioning *to* i *from* j.
            self.transitions = nn.Parameter(torch.randn(self.tagset_size, self.tagset_size))
            # These two statements enforce the constraint that we never transfer to the start
            # tag and we never transfer from the stop tag
            self.transitions.data[tag_to_ix[START_TAG], :] = -10000
            self.transitions.data[:, tag_to_ix[STOP_TAG]] = -10000
            self.hidden = self.init_hidden()

        def init_hidden(self):
            return (
                init(torch.randn(2, 1, self.hidden_dim // 2)),
                init(torch.randn(2, 1, self.hidden_dim // 2)),
            )

        def _forward_alg(self, feats):
            # Do the forward algorithm to compute the partition function
            init_alphas = torch.full((1, self.tagset_size), -10000.0)
            # START_TAG has all of the score.
            init_alphas[0][self.tag_to_ix[START_TAG]] = 0.0
            forward_var = init_alphas
            for feat in feats:
                alphas_t = []  # The forward tensors at this timestep
                for next_tag in range(self.tagset_size):
                    # broadcast the emission score: it is the same regardless of the previous tag
                    emit_score = feat[next_tag].view(1, -1).expand(1, self.tagset_size)
                    trans_score = self.transitions[next_tag].view(1, -1)
                    next_tag_var = forward_var + trans_score + emit_score
                    alphas_t.append(log_sum_exp(next_tag_var).view(1))
                forward_var = torch.cat(alphas_t).view(1, -1)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
            alpha = log_sum_exp(terminal_var)
            return alpha

        def _get_lstm_features(self, sentence):
            self.hidden = self.init_hidden()
            embeds = self.word_embeds(sentence).view(len(sentence), 1, -1)
            lstm_out, self.hidden = self.lstm(embeds, self.hidden)
            lstm_out = lstm_out.view(len(sentence), self.hidden_dim)
            lstm_feats = self.hidden2tag(lstm_out)
            return lstm_feats

        def _score_sentence(self, feats, tags):
            # Gives the score of a provided tag sequence
            score = torch.zeros(1)
            tags = torch.cat([torch.tensor([self.tag_to_ix[START_TAG]], dtype=torch.long), tags])
            for i, feat in enumerate(feats):
                score = score + self.transitions[tags[i + 1], tags[i]] + feat[tags[i + 1]]
            score = score + self.transitions[self.tag_to_ix[STOP_TAG], tags[-1]]
            return score

        def _viterbi_decode(self, feats):
            backpointers = []
            init_vvars = torch.full((1, self.tagset_size), -10000.0)
            init_vvars[0][self.tag_to_ix[START_TAG]] = 0
            forward_var = init_vvars
            for feat in feats:
                bptrs_t = []  # holds the backpointers for this step
                viterbivars_t = []  # holds the viterbi variables for this step
                for next_tag in range(self.tagset_size):
                    next_tag_var = forward_var + self.transitions[next_tag]
                    best_tag_id = argmax(next_tag_var)
                    bptrs_t.append(best_tag_id)
                    viterbivars_t.append(next_tag_var[0][best_tag_id].view(1))
                forward_var = (torch.cat(viterbivars_t) + feat).view(1, -1)
                backpointers.append(bptrs_t)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
            best_tag_id = argmax(terminal_var)
            path_score = terminal_var[0][best_tag_id]
            best_path = [best_tag_id]  # Follow the back pointers to decode the best path.
            for bptrs_t in reversed(backpointers):
                best_tag_id = bptrs_t[best_tag_id]
                best_path.append(best_tag_id)
            start = best_path.pop()  # Pop off the start tag (we dont want to return that)
            assert start == self.tag_to_ix[START_TAG]  # Sanity check
            best_path.reverse()
            return path_score, best_path

        def neg_log_likelihood(self, sentence, tags):
            feats = self._get_lstm_features(sentence)
            forward_score = self._forward_alg(feats)
            gold_score = self._score_sentence(feats, tags)
            return forward_score - gold_score

        def forward(self, sentence):  # dont confuse this with _forward_alg above.
            lstm_feats = self._get_lstm_features(sentence)
            score, tag_seq = self._viterbi_decode(lstm_feats)
            return score, tag_seq

    training_data = [
        (CRF_TEXT[0].split(), CRF_TAGS[0].split()),
        (CRF_TEXT[1].split(), CRF_TAGS[1].split()),
    ]
    word_to_ix = _word_to_ix(s for s, _ in training_data)
    tag_to_ix = {"B": 0, "I": 1, "O": 2, START_TAG: 3, STOP_TAG: 4}
    model = init(BiLSTM_CRF(len(word_to_ix), tag_to_ix, EMBEDDING_DIM, HIDDEN_DIM))
    optimizer = optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
    with torch.no_grad():  # Check predictions before training
        precheck_sent = prepare_sequence(torch, training_data[0][0], word_to_ix)
        score, path = model(precheck_sent)
        before = [score.item(), path]
    losses = []
    for _epoch in range(3):
        for sentence, tags in training_data:
            model.zero_grad()
            sentence_in = prepare_sequence(torch, sentence, word_to_ix)
            targets = torch.tensor([tag_to_ix[t] for t in tags], dtype=torch.long)
            loss = model.neg_log_likelihood(sentence_in, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        score, path = model(prepare_sequence(torch, training_data[0][0], word_to_ix))
    return {
        "before": before,
        "losses": losses,
        "after": [score.item(), path],
        "transitions": model.transitions.tolist(),
    }


def text_classification(torch, init):
    """ "Text classification with the torchtext library": nn.EmbeddingBag(vocab, dim,
    sparse=False) fed a flat text tensor and `offsets`, collate_batch with
    `torch.tensor(offsets[:-1]).cumsum(dim=0)`, a DataLoader with collate_fn, SGD + StepLR,
    clip_grad_norm_(..., 0.1), accuracy by `(predicted_label.argmax(1) == label).sum().item()`;
    then the sum and max modes, per_sample_weights, a 2-D input and padding_idx."""
    nn, F = torch.nn, torch.nn.functional
    DataLoader = torch.utils.data.DataLoader
    rng = np.random.default_rng(30)
    vocab_size, num_class = 20, 3

    def make_items(n):  # (label, text): class k favours the words k, k + 3, k + 6, ...
        items = []
        for _ in range(n):
            label = int(rng.integers(num_class))
            words = rng.integers(vocab_size, size=int(rng.integers(2, 7)))
            words[::2] = (words[::2] // num_class * num_class + label) % vocab_size
            items.append((label + 1, " ".join(f"w{w}" for w in words)))
        return items

    train_iter, test_iter = make_items(40), make_items(12)
    vocab = {f"w{k}": k for k in range(vocab_size)}

    def text_pipeline(x):
        return [vocab[token] for token in x.split()]

    def label_pipeline(x):
        return int(x) - 1

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(label_pipeline(_label))
            processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list, text_list, offsets

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(embedded)

    model = init(TextClassificationModel(vocab_size, 8, num_class))
    EPOCHS, LR, BATCH_SIZE = 3, 5, 8
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    train_dataloader = DataLoader(train_iter[:32], batch_size=BATCH_SIZE, collate_fn=collate_batch)
    valid_dataloader = DataLoader(train_iter[32:], batch_size=BATCH_SIZE, collate_fn=collate_batch)
    test_dataloader = DataLoader(test_iter, batch_size=BATCH_SIZE, collate_fn=collate_batch)
    log = []

    def train(dataloader):
        model.train()
        total_acc, total_count = 0, 0
        for _idx, (label, text, offsets) in enumerate(dataloader):
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
            log.append([loss.item(), total_acc / total_count])

    def evaluate(dataloader):
        model.eval()
        total_acc, total_count = 0, 0
        with torch.no_grad():
            for _idx, (label, text, offsets) in enumerate(dataloader):
                predicted_label = model(text, offsets)
                criterion(predicted_label, label)
                total_acc += (predicted_label.argmax(1) == label).sum().item()
                total_count += label.size(0)
        return total_acc / total_count

    total_accu = None
    for _epoch in range(1, EPOCHS + 1):
        train(train_dataloader)
        accu_val = evaluate(valid_dataloader)
        if total_accu is not None and total_accu > accu_val:
            scheduler.step()
        else:
            total_accu = accu_val
        log.append([accu_val, scheduler.get_last_lr()[0]])
    accu_test = evaluate(test_dataloader)

    def predict(text, text_pipeline):
        with torch.no_grad():
            text = torch.tensor(text_pipeline(text))
            output = model(text, torch.tensor([0]))
            return output.argmax(1).item() + 1

    predicted = predict("w0 w3 w6 w1", text_pipeline)

    text = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0, 0])
    offsets = torch.tensor([0, 4, 4, 7])  # the second bag is empty
    weights = init(torch.randn(10, 3, dtype=torch.float64)).requires_grad_()
    per_sample = torch.tensor(np.linspace(0.5, 2.0, 10), requires_grad=True)
    bags = [
        F.embedding_bag(text, weights, offsets, mode="sum"),
        F.embedding_bag(text, weights, offsets, mode="max"),
        F.embedding_bag(text, weights, offsets, mode="sum", per_sample_weights=per_sample),
        F.embedding_bag(text, weights, offsets, mode="mean", padding_idx=4),
        F.embedding_bag(text.view(2, 5), weights, mode="max"),
        F.embedding_bag(text, weights, torch.tensor([0, 3, 10]), include_last_offset=True),
    ]
    sum(((k + 1) * bag).sin().sum() for k, bag in enumerate(bags)).backward()
    bag = nn.EmbeddingBag(10, 3, mode="max", padding_idx=0)
    return {
        "log": log,
        "test": [accu_test, predicted],
        "bags": [b.tolist() for b in bags],
        "grads": [weights.grad.tolist(), per_sample.grad.tolist()],
        "module": [str(bag), bag.weight[0].tolist(), list(bag(text.view(5, 2)).shape)],
    }


def fgsm(torch, init):
    """ "Adversarial Example Generation": an MNIST-style net in eval mode, a batch-size-1
    DataLoader, `data.requires_grad = True`, `init_pred = output.max(1, keepdim=True)[1]`,
    F.nll_loss, model.zero_grad(), `data.grad.data.sign()`, denorm with `std.view(1, -1, 1, 1)`,
    `torch.clamp(perturbed_image, 0, 1)`, the accuracy for several epsilons."""
    nn, F = torch.nn, torch.nn.functional
    epsilons = [0, 0.05, 0.2]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(128, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    device = torch.device("cpu")
    model = init(Net().to(device))
    model.eval()  # Set the model in evaluation mode: here, for the Dropout layers
    rng = np.random.default_rng(31)
    images = rng.random((12, 1, 12, 12), dtype=np.float32)
    normalized = torch.tensor((images - 0.1307) / 0.3081)
    with torch.no_grad():  # half the labels are the model's own guesses, so attacks can flip them
        labels = model(normalized).argmax(1)
    labels[1::2] = torch.tensor(rng.integers(10, size=6))
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(normalized, labels), batch_size=1, shuffle=False
    )

    def fgsm_attack(image, epsilon, data_grad):
        sign_data_grad = data_grad.sign()  # Collect the element-wise sign of the data gradient
        perturbed_image = image + epsilon * sign_data_grad
        perturbed_image = torch.clamp(perturbed_image, 0, 1)  # Adding clipping to keep [0,1]
        return perturbed_image

    def denorm(batch, mean=(0.1307,), std=(0.3081,)):
        if isinstance(mean, tuple):
            mean = torch.tensor(mean).to(device)
        if isinstance(std, tuple):
            std = torch.tensor(std).to(device)
        return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)

    def test(model, device, test_loader, epsilon):
        correct = 0
        adv_examples = []
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            data.requires_grad = True  # needed for the attack
            output = model(data)
            init_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
            if init_pred.item() != target.item():
                continue  # If the initial prediction is wrong, don't bother attacking
            loss = F.nll_loss(output, target)
            model.zero_grad()
            loss.backward()
            data_grad = data.grad.data
            data_denorm = denorm(data)
            perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)
            perturbed_data_normalized = (perturbed_data - 0.1307) / 0.3081
            output = model(perturbed_data_normalized)
            final_pred = output.max(1, keepdim=True)[1]
            if final_pred.item() == target.item():
                correct += 1
                if epsilon == 0 and len(adv_examples) < 2:
                    adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                    adv_examples.append((init_pred.item(), final_pred.item(), adv_ex[0].tolist()))
            elif len(adv_examples) < 2:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex[0].tolist()))
        final_acc = correct / float(len(test_loader))
        return final_acc, adv_examples

    accuracies, examples = [], []
    for eps in epsilons:
        acc, ex = test(model, device, test_loader, eps)
        accuracies.append(acc)
        examples.append(ex)
    grads = [p.grad.abs().sum().item() for p in model.parameters()]
    return {"accuracies": accuracies, "examples": examples, "grads": grads}


def seq2seq_attention(torch, init):
    """ "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention": an
    EncoderRNN with nn.GRU(batch_first=True), Bahdanau attention (`torch.bmm`, F.softmax over
    the last dim), an AttnDecoderRNN with teacher forcing or `topv, topi = output.topk(1)` and
    `topi.squeeze(-1).detach()`, `torch.empty(...).fill_(SOS_token)`, Adam and NLLLoss over
    `view(-1, size)`, data from `torch.LongTensor(numpy_ids)`, and evaluation's decoded words."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    device = torch.device("cpu")
    SOS_token, EOS_token, MAX_LENGTH = 0, 1, 5
    pairs = [
        ("je suis froid", "i am cold"),
        ("il est grand", "he is tall"),
        ("nous sommes ici", "we are here"),
        ("je suis ici", "i am here"),
        ("il est froid", "he is cold"),
        ("nous sommes grands", "we are tall"),
    ]

    class Lang:
        def __init__(self, name):
            self.name = name
            self.word2index = {}
            self.word2count = {}
            self.index2word = {0: "SOS", 1: "EOS"}
            self.n_words = 2  # Count SOS and EOS

        def addSentence(self, sentence):
            for word in sentence.split(" "):
                self.addWord(word)

        def addWord(self, word):
            if word not in self.word2index:
                self.word2index[word] = self.n_words
                self.word2count[word] = 1
                self.index2word[self.n_words] = word
                self.n_words += 1
            else:
                self.word2count[word] += 1

    input_lang, output_lang = Lang("fra"), Lang("eng")
    for src, tgt in pairs:
        input_lang.addSentence(src)
        output_lang.addSentence(tgt)

    def indexesFromSentence(lang, sentence):
        return [lang.word2index[word] for word in sentence.split(" ")]

    def tensorFromSentence(lang, sentence):
        indexes = indexesFromSentence(lang, sentence)
        indexes.append(EOS_token)
        return torch.tensor(indexes, dtype=torch.long, device=device).view(1, -1)

    def get_dataloader(batch_size):
        n = len(pairs)
        input_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
        target_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
        for idx, (inp, tgt) in enumerate(pairs):
            inp_ids = indexesFromSentence(input_lang, inp)
            tgt_ids = indexesFromSentence(output_lang, tgt)
            inp_ids.append(EOS_token)
            tgt_ids.append(EOS_token)
            input_ids[idx, : len(inp_ids)] = inp_ids
            target_ids[idx, : len(tgt_ids)] = tgt_ids
        train_data = torch.utils.data.TensorDataset(
            torch.LongTensor(input_ids).to(device), torch.LongTensor(target_ids).to(device)
        )
        train_sampler = torch.utils.data.SequentialSampler(train_data)
        return torch.utils.data.DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.1):
            super().__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super().__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = torch.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.1):
            super().__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(
                SOS_token
            )
            decoder_hidden = encoder_hidden
            decoder_outputs = []
            attentions = []
            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs
                )
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
                else:
                    # Without teacher forcing: use its own predictions as the next input
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()  # detach from history as input
            decoder_outputs = torch.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = torch.cat(attentions, dim=1)
            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = torch.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)
            return output, hidden, attn_weights

    def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion):
        total_loss = 0
        for data in dataloader:
            input_tensor, target_tensor = data
            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
            loss = criterion(
                decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1)
            )
            loss.backward()
            encoder_optimizer.step()
            decoder_optimizer.step()
            total_loss += loss.item()
        return total_loss / len(dataloader)

    def evaluate(encoder, decoder, sentence, input_lang, output_lang):
        with torch.no_grad():
            input_tensor = tensorFromSentence(input_lang, sentence)
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
            _, topi = decoder_outputs.topk(1)
            decoded_ids = topi.squeeze()
            decoded_words = []
            for idx in decoded_ids:
                if idx.item() == EOS_token:
                    decoded_words.append("<EOS>")
                    break
                decoded_words.append(output_lang.index2word[idx.item()])
        return decoded_words, decoder_attn

    hidden_size, batch_size = 8, 3
    train_dataloader = get_dataloader(batch_size)
    # NOTE: no dropout here: the two libraries draw different masks
    encoder = init(EncoderRNN(input_lang.n_words, hidden_size, dropout_p=0.0).to(device))
    decoder = init(AttnDecoderRNN(hidden_size, output_lang.n_words, dropout_p=0.0).to(device))
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
    criterion = nn.NLLLoss()
    losses = [
        train_epoch(
            train_dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion
        )
        for _epoch in range(4)
    ]
    encoder.eval()
    decoder.eval()
    words, attentions = evaluate(encoder, decoder, pairs[0][0], input_lang, output_lang)
    return {"losses": losses, "words": words, "attentions": attentions.tolist()}


def chatbot(torch, init):
    """ "Chatbot Tutorial": batches padded with itertools.zip_longest into `torch.LongTensor`,
    a `torch.BoolTensor` mask, a 2-layer bidirectional GRU encoder over
    `nn.utils.rnn.pack_padded_sequence` / `pad_packed_sequence` whose directions are summed,
    Luong attention (dot, general, concat scores), maskNLLLoss with gather and masked_select,
    teacher forcing chosen by Python's random, clip_grad_norm_, and a GreedySearchDecoder
    (`torch.max(output, dim=1)`, `torch.ones(1, 1, dtype=torch.long) * SOS_token`)."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    device = torch.device("cpu")
    random.seed(5)
    PAD_token, SOS_token, EOS_token, MAX_LENGTH = 0, 1, 2, 6
    pairs = [
        ["hi there", "hello"],
        ["how are you ?", "i am fine"],
        ["what is your name ?", "i am bot"],
        ["where are you from ?", "i am from here"],
        ["are you fine ?", "yes"],
        ["hello", "hi there"],
    ]

    class Voc:
        def __init__(self, name):
            self.name = name
            self.trimmed = False
            self.word2index = {}
            self.word2count = {}
            self.index2word = {PAD_token: "PAD", SOS_token: "SOS", EOS_token: "EOS"}
            self.num_words = 3  # Count SOS, EOS, PAD

        def addSentence(self, sentence):
            for word in sentence.split(" "):
                self.addWord(word)

        def addWord(self, word):
            if word not in self.word2index:
                self.word2index[word] = self.num_words
                self.word2count[word] = 1
                self.index2word[self.num_words] = word
                self.num_words += 1
            else:
                self.word2count[word] += 1

    voc = Voc("toy")
    for pair in pairs:
        voc.addSentence(pair[0])
        voc.addSentence(pair[1])

    def indexesFromSentence(voc, sentence):
        return [voc.word2index[word] for word in sentence.split(" ")] + [EOS_token]

    def zeroPadding(l, fillvalue=PAD_token):
        return list(itertools.zip_longest(*l, fillvalue=fillvalue))

    def binaryMatrix(l, value=PAD_token):
        m = []
        for i, seq in enumerate(l):
            m.append([])
            for token in seq:
                if token == PAD_token:
                    m[i].append(0)
                else:
                    m[i].append(1)
        return m

    def inputVar(l, voc):  # Returns padded input sequence tensor and lengths
        indexes_batch = [indexesFromSentence(voc, sentence) for sentence in l]
        lengths = torch.tensor([len(indexes) for indexes in indexes_batch])
        padList = zeroPadding(indexes_batch)
        padVar = torch.LongTensor(padList)
        return padVar, lengths

    def outputVar(l, voc):  # padded target sequence tensor, padding mask, max target length
        indexes_batch = [indexesFromSentence(voc, sentence) for sentence in l]
        max_target_len = max([len(indexes) for indexes in indexes_batch])
        padList = zeroPadding(indexes_batch)
        mask = binaryMatrix(padList)
        mask = torch.BoolTensor(mask)
        padVar = torch.LongTensor(padList)
        return padVar, mask, max_target_len

    def batch2TrainData(voc, pair_batch):
        pair_batch.sort(key=lambda x: len(x[0].split(" ")), reverse=True)
        input_batch, output_batch = [], []
        for pair in pair_batch:
            input_batch.append(pair[0])
            output_batch.append(pair[1])
        inp, lengths = inputVar(input_batch, voc)
        output, mask, max_target_len = outputVar(output_batch, voc)
        return inp, lengths, output, mask, max_target_len

    class EncoderRNN(nn.Module):
        def __init__(self, hidden_size, embedding, n_layers=1, dropout=0):
            super().__init__()
            self.n_layers = n_layers
            self.hidden_size = hidden_size
            self.embedding = embedding
            self.gru = nn.GRU(
                hidden_size,
                hidden_size,
                n_layers,
                dropout=(0 if n_layers == 1 else dropout),
                bidirectional=True,
            )

        def forward(self, input_seq, input_lengths, hidden=None):
            embedded = self.embedding(input_seq)  # Convert word indexes to embeddings
            packed = nn.utils.rnn.pack_padded_sequence(embedded, input_lengths)
            outputs, hidden = self.gru(packed, hidden)
            outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs)  # Unpack padding
            outputs = outputs[:, :, : self.hidden_size] + outputs[:, :, self.hidden_size :]
            return outputs, hidden

    class Attn(nn.Module):  # Luong attention layer
        def __init__(self, method, hidden_size):
            super().__init__()
            self.method = method
            if self.method not in ["dot", "general", "concat"]:
                raise ValueError(self.method, "is not an appropriate attention method.")
            self.hidden_size = hidden_size
            if self.method == "general":
                self.attn = nn.Linear(self.hidden_size, hidden_size)
            elif self.method == "concat":
                self.attn = nn.Linear(self.hidden_size * 2, hidden_size)
                self.v = nn.Parameter(torch.FloatTensor(hidden_size))

        def dot_score(self, hidden, encoder_output):
            return torch.sum(hidden * encoder_output, dim=2)

        def general_score(self, hidden, encoder_output):
            energy = self.attn(encoder_output)
            return torch.sum(hidden * energy, dim=2)

        def concat_score(self, hidden, encoder_output):
            energy = self.attn(
                torch.cat((hidden.expand(encoder_output.size(0), -1, -1), encoder_output), 2)
            ).tanh()
            return torch.sum(self.v * energy, dim=2)

        def forward(self, hidden, encoder_outputs):
            if self.method == "general":
                attn_energies = self.general_score(hidden, encoder_outputs)
            elif self.method == "concat":
                attn_energies = self.concat_score(hidden, encoder_outputs)
            elif self.method == "dot":
                attn_energies = self.dot_score(hidden, encoder_outputs)
            attn_energies = attn_energies.t()  # Transpose max_length and batch_size dimensions
            return F.softmax(attn_energies, dim=1).unsqueeze(1)

    class LuongAttnDecoderRNN(nn.Module):
        def __init__(
            self, attn_model, embedding, hidden_size, output_size, n_layers=1, dropout=0.1
        ):
            super().__init__()
            self.attn_model = attn_model
            self.hidden_size = hidden_size
            self.output_size = output_size
            self.n_layers = n_layers
            self.dropout = dropout
            self.embedding = embedding
            self.embedding_dropout = nn.Dropout(dropout)
            self.gru = nn.GRU(
                hidden_size, hidden_size, n_layers, dropout=(0 if n_layers == 1 else dropout)
            )
            self.concat = nn.Linear(hidden_size * 2, hidden_size)
            self.out = nn.Linear(hidden_size, output_size)
            self.attn = Attn(attn_model, hidden_size)

        def forward(self, input_step, last_hidden, encoder_outputs):
            embedded = self.embedding(input_step)
            embedded = self.embedding_dropout(embedded)
            rnn_output, hidden = self.gru(embedded, last_hidden)
            attn_weights = self.attn(rnn_output, encoder_outputs)
            context = attn_weights.bmm(encoder_outputs.transpose(0, 1))
            rnn_output = rnn_output.squeeze(0)
            context = context.squeeze(1)
            concat_input = torch.cat((rnn_output, context), 1)
            concat_output = torch.tanh(self.concat(concat_input))
            output = self.out(concat_output)
            output = F.softmax(output, dim=1)
            return output, hidden

    def maskNLLLoss(inp, target, mask):
        nTotal = mask.sum()
        crossEntropy = -torch.log(torch.gather(inp, 1, target.view(-1, 1)).squeeze(1))
        loss = crossEntropy.masked_select(mask).mean()
        loss = loss.to(device)
        return loss, nTotal.item()

    teacher_forcing_ratio, clip, batch_size = 0.5, 50.0, 3

    def train(input_variable, lengths, target_variable, mask, max_target_len, encoder, decoder,
              encoder_optimizer, decoder_optimizer):  # fmt: skip
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        input_variable = input_variable.to(device)
        target_variable = target_variable.to(device)
        mask = mask.to(device)
        lengths = lengths.to("cpu")  # Lengths for RNN packing should always be on the CPU
        loss = 0
        print_losses = []
        n_totals = 0
        encoder_outputs, encoder_hidden = encoder(input_variable, lengths)
        decoder_input = torch.LongTensor([[SOS_token for _ in range(batch_size)]])
        decoder_input = decoder_input.to(device)
        decoder_hidden = encoder_hidden[: decoder.n_layers]
        use_teacher_forcing = random.random() < teacher_forcing_ratio
        for t in range(max_target_len):
            decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden, encoder_outputs)
            if use_teacher_forcing:
                decoder_input = target_variable[t].view(1, -1)  # next input is current target
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = torch.LongTensor([[topi[i][0] for i in range(batch_size)]])
                decoder_input = decoder_input.to(device)
            mask_loss, nTotal = maskNLLLoss(decoder_output, target_variable[t], mask[t])
            loss += mask_loss
            print_losses.append(mask_loss.item() * nTotal)
            n_totals += nTotal
        loss.backward()
        _ = nn.utils.clip_grad_norm_(encoder.parameters(), clip)
        _ = nn.utils.clip_grad_norm_(decoder.parameters(), clip)
        encoder_optimizer.step()
        decoder_optimizer.step()
        return sum(print_losses) / n_totals

    class GreedySearchDecoder(nn.Module):
        def __init__(self, encoder, decoder):
            super().__init__()
            self.encoder = encoder
            self.decoder = decoder

        def forward(self, input_seq, input_length, max_length):
            encoder_outputs, encoder_hidden = self.encoder(input_seq, input_length)
            decoder_hidden = encoder_hidden[: self.decoder.n_layers]
            decoder_input = torch.ones(1, 1, device=device, dtype=torch.long) * SOS_token
            all_tokens = torch.zeros([0], device=device, dtype=torch.long)
            all_scores = torch.zeros([0], device=device)
            for _ in range(max_length):
                decoder_output, decoder_hidden = self.decoder(
                    decoder_input, decoder_hidden, encoder_outputs
                )
                decoder_scores, decoder_input = torch.max(decoder_output, dim=1)
                all_tokens = torch.cat((all_tokens, decoder_input), dim=0)
                all_scores = torch.cat((all_scores, decoder_scores), dim=0)
                decoder_input = torch.unsqueeze(decoder_input, 0)
            return all_tokens, all_scores

    def evaluate(searcher, voc, sentence, max_length=MAX_LENGTH):
        indexes_batch = [indexesFromSentence(voc, sentence)]
        lengths = torch.tensor([len(indexes) for indexes in indexes_batch])
        input_batch = torch.LongTensor(indexes_batch).transpose(0, 1)
        tokens, scores = searcher(input_batch.to(device), lengths.to("cpu"), max_length)
        return [voc.index2word[token.item()] for token in tokens], scores.tolist()

    hidden_size, encoder_n_layers, decoder_n_layers = 8, 2, 2
    log = {}
    for attn_model in ("dot", "general", "concat"):
        embedding = nn.Embedding(voc.num_words, hidden_size)
        # NOTE: no dropout: the two libraries draw different masks
        encoder = EncoderRNN(hidden_size, embedding, encoder_n_layers, dropout=0.0)
        decoder = LuongAttnDecoderRNN(
            attn_model, embedding, hidden_size, voc.num_words, decoder_n_layers, dropout=0.0
        )
        if attn_model == "concat":
            decoder.attn.v.data.normal_()  # torch.FloatTensor(n) leaves it uninitialised
        encoder, decoder = init(encoder.to(device)), init(decoder.to(device))
        encoder.train()
        decoder.train()
        encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
        decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01 * 5.0)
        training_batches = [
            batch2TrainData(voc, [random.choice(pairs) for _ in range(batch_size)])
            for _ in range(3)
        ]
        losses = [train(*batch, encoder, decoder, encoder_optimizer, decoder_optimizer)
                  for batch in training_batches]  # fmt: skip
        encoder.eval()
        decoder.eval()
        searcher = GreedySearchDecoder(encoder, decoder)
        log[attn_model] = [losses, *evaluate(searcher, voc, "how are you ?", max_length=4)]
    return log


def sentiment_lstm(torch, init):
    """The packed bidirectional LSTM classifier of the sentiment-analysis tutorials: an
    Embedding with padding_idx, pretrained vectors copied in through `.weight.data.copy_`,
    `pack_padded_sequence(embedded, lengths.to("cpu"), enforce_sorted=False)`, a 2-layer
    bidirectional LSTM with dropout, `torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)`,
    BCEWithLogitsLoss, and accuracy by `torch.round(torch.sigmoid(preds))`."""
    nn, optim = torch.nn, torch.optim
    rng = np.random.default_rng(32)
    PAD_IDX, UNK_IDX, vocab_size, EMBEDDING_DIM = 1, 0, 12, 6

    class RNN(nn.Module):
        def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers,
                     bidirectional, dropout, pad_idx):  # fmt: skip
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
            self.rnn = nn.LSTM(
                embedding_dim,
                hidden_dim,
                num_layers=n_layers,
                bidirectional=bidirectional,
                dropout=dropout,
            )
            self.fc = nn.Linear(hidden_dim * 2, output_dim)
            self.dropout = nn.Dropout(dropout)

        def forward(self, text, text_lengths):
            embedded = self.dropout(self.embedding(text))  # [sent len, batch size, emb dim]
            packed_embedded = nn.utils.rnn.pack_padded_sequence(
                embedded, text_lengths.to("cpu"), enforce_sorted=False
            )
            packed_output, (hidden, cell) = self.rnn(packed_embedded)
            output, output_lengths = nn.utils.rnn.pad_packed_sequence(packed_output)
            hidden = self.dropout(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1))
            return self.fc(hidden), output, output_lengths

    def binary_accuracy(preds, y):
        rounded_preds = torch.round(torch.sigmoid(preds))
        correct = (rounded_preds == y).float()  # convert into float for division
        acc = correct.sum() / len(correct)
        return acc

    def make_batch(n):  # words 2-6 say negative, 7-11 positive
        lengths = rng.integers(2, 7, n)
        labels = rng.integers(0, 2, n)
        text = np.full((lengths.max(), n), PAD_IDX)
        for k, (length, label) in enumerate(zip(lengths, labels)):
            text[:length, k] = rng.integers(2, 7, length) + 5 * label
        return torch.tensor(text), torch.tensor(lengths), torch.tensor(labels, dtype=torch.float)

    batches = [make_batch(5) for _ in range(4)]
    pretrained_embeddings = torch.tensor(rng.standard_normal((vocab_size, EMBEDDING_DIM)))
    # NOTE: training without dropout (the libraries draw different masks); evaluation with it
    model = RNN(vocab_size, EMBEDDING_DIM, 5, 1, 2, True, 0.0, PAD_IDX)
    model.embedding.weight.data.copy_(pretrained_embeddings)
    model.embedding.weight.data[UNK_IDX] = torch.zeros(EMBEDDING_DIM)
    model.embedding.weight.data[PAD_IDX] = torch.zeros(EMBEDDING_DIM)
    model = init(model)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    criterion = nn.BCEWithLogitsLoss()
    log = []
    model.train()
    for _ in range(2):
        for text, text_lengths, label in batches[:3]:
            optimizer.zero_grad()
            predictions = model(text, text_lengths)[0].squeeze(1)
            loss = criterion(predictions, label)
            acc = binary_accuracy(predictions, label)
            loss.backward()
            optimizer.step()
            log.append([loss.item(), acc.item()])
    evaluated = RNN(vocab_size, EMBEDDING_DIM, 5, 1, 2, True, 0.5, PAD_IDX)
    evaluated.load_state_dict(model.state_dict())
    evaluated.eval()
    with torch.no_grad():
        text, text_lengths, label = batches[3]
        predictions, output, output_lengths = evaluated(text, text_lengths)
        acc = binary_accuracy(predictions.squeeze(1), label)
    return {
        "log": log,
        "eval": [predictions.tolist(), acc.item(), output.tolist(), output_lengths.tolist()],
        "pad_row": model.embedding.weight[PAD_IDX].tolist(),
        "printed": str(evaluated),
    }


def transformer_translation(torch, init):
    """ "Language Translation with nn.Transformer": Seq2SeqTransformer (nn.Transformer with
    TokenEmbedding and a PositionalEncoding buffer `pos_embedding.unsqueeze(-2)`), create_mask
    with a float causal mask from `torch.triu(...) == 1` and bool padding masks, xavier_uniform_
    on every p.dim() > 1, pad_sequence batches, CrossEntropyLoss(ignore_index=PAD_IDX), Adam with
    betas and eps, `model.encode` / `model.decode` in greedy_decode with `type_as`."""
    nn, Tensor = torch.nn, torch.Tensor
    pad_sequence = torch.nn.utils.rnn.pad_sequence
    DEVICE = torch.device("cpu")
    PAD_IDX, BOS_IDX, EOS_IDX = 1, 2, 3  # UNK_IDX = 0
    SRC_VOCAB_SIZE, TGT_VOCAB_SIZE, EMB_SIZE, NHEAD, FFN_HID_DIM = 10, 9, 8, 2, 16

    class PositionalEncoding(nn.Module):
        def __init__(self, emb_size: int, dropout: float, maxlen: int = 5000):
            super().__init__()
            den = torch.exp(-torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
            pos = torch.arange(0, maxlen).reshape(maxlen, 1)
            pos_embedding = torch.zeros((maxlen, emb_size))
            pos_embedding[:, 0::2] = torch.sin(pos * den)
            pos_embedding[:, 1::2] = torch.cos(pos * den)
            pos_embedding = pos_embedding.unsqueeze(-2)
            self.dropout = nn.Dropout(dropout)
            self.register_buffer("pos_embedding", pos_embedding)

        def forward(self, token_embedding: Tensor):
            return self.dropout(token_embedding + self.pos_embedding[: token_embedding.size(0), :])

    class TokenEmbedding(nn.Module):
        def __init__(self, vocab_size: int, emb_size):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, emb_size)
            self.emb_size = emb_size

        def forward(self, tokens: Tensor):
            return self.embedding(tokens.long()) * math.sqrt(self.emb_size)

    class Seq2SeqTransformer(nn.Module):
        def __init__(self, num_encoder_layers, num_decoder_layers, emb_size, nhead,
                     src_vocab_size, tgt_vocab_size, dim_feedforward=512, dropout=0.1):  # fmt: skip
            super().__init__()
            self.transformer = nn.Transformer(
                d_model=emb_size,
                nhead=nhead,
                num_encoder_layers=num_encoder_layers,
                num_decoder_layers=num_decoder_layers,
                dim_feedforward=dim_feedforward,
                dropout=dropout,
            )
            self.generator = nn.Linear(emb_size, tgt_vocab_size)
            self.src_tok_emb = TokenEmbedding(src_vocab_size, emb_size)
            self.tgt_tok_emb = TokenEmbedding(tgt_vocab_size, emb_size)
            self.positional_encoding = PositionalEncoding(emb_size, dropout=dropout, maxlen=32)

        def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                    memory_key_padding_mask):  # fmt: skip
            src_emb = self.positional_encoding(self.src_tok_emb(src))
            tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
            outs = self.transformer(
                src_emb, tgt_emb, src_mask, tgt_mask, None, src_padding_mask, tgt_padding_mask,
                memory_key_padding_mask,
            )  # fmt: skip
            return self.generator(outs)

        def encode(self, src: Tensor, src_mask: Tensor):
            return self.transformer.encoder(
                self.positional_encoding(self.src_tok_emb(src)), src_mask
            )

        def decode(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor):
            return self.transformer.decoder(
                self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask
            )

    def generate_square_subsequent_mask(sz):
        mask = (torch.triu(torch.ones((sz, sz), device=DEVICE)) == 1).transpose(0, 1)
        mask = mask.float().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, 0.0)
        return mask

    def create_mask(src, tgt):
        src_seq_len = src.shape[0]
        tgt_seq_len = tgt.shape[0]
        tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
        src_mask = torch.zeros((src_seq_len, src_seq_len), device=DEVICE).type(torch.bool)
        src_padding_mask = (src == PAD_IDX).transpose(0, 1)
        tgt_padding_mask = (tgt == PAD_IDX).transpose(0, 1)
        return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask

    transformer = Seq2SeqTransformer(1, 1, EMB_SIZE, NHEAD, SRC_VOCAB_SIZE, TGT_VOCAB_SIZE,
                                     FFN_HID_DIM, dropout=0.0)  # fmt: skip
    for p in transformer.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    transformer = init(transformer.to(DEVICE))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    optimizer = torch.optim.Adam(transformer.parameters(), lr=0.001, betas=(0.9, 0.98), eps=1e-9)

    rng = np.random.default_rng(33)

    def tensor_transform(token_ids):  # add BOS/EOS and create a tensor for input indices
        return torch.cat(
            (torch.tensor([BOS_IDX]), torch.tensor(token_ids), torch.tensor([EOS_IDX]))
        )

    def collate_fn(batch):
        src_batch, tgt_batch = [], []
        for src_sample, tgt_sample in batch:
            src_batch.append(tensor_transform(src_sample))
            tgt_batch.append(tensor_transform(tgt_sample))
        src_batch = pad_sequence(src_batch, padding_value=PAD_IDX)
        tgt_batch = pad_sequence(tgt_batch, padding_value=PAD_IDX)
        return src_batch, tgt_batch

    pairs = []
    for _ in range(8):  # the target is the source, reversed, in another vocabulary
        src = [int(w) for w in rng.integers(4, SRC_VOCAB_SIZE, rng.integers(1, 5))]
        pairs.append((src, [w - 1 for w in reversed(src)]))
    train_dataloader = torch.utils.data.DataLoader(pairs, batch_size=4, collate_fn=collate_fn)

    def train_epoch(model, optimizer):
        model.train()
        losses = 0
        for src, tgt in train_dataloader:
            src = src.to(DEVICE)
            tgt = tgt.to(DEVICE)
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
            logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask,
                           tgt_padding_mask, src_padding_mask)  # fmt: skip
            optimizer.zero_grad()
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()
            optimizer.step()
            losses += loss.item()
        return losses / len(list(train_dataloader))

    def greedy_decode(model, src, src_mask, max_len, start_symbol):
        src = src.to(DEVICE)
        src_mask = src_mask.to(DEVICE)
        memory = model.encode(src, src_mask)
        ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long).to(DEVICE)
        for _ in range(max_len - 1):
            memory = memory.to(DEVICE)
            tgt_mask = (generate_square_subsequent_mask(ys.size(0)).type(torch.bool)).to(DEVICE)
            out = model.decode(ys, memory, tgt_mask)
            out = out.transpose(0, 1)
            prob = model.generator(out[:, -1])
            _, next_word = torch.max(prob, dim=1)
            next_word = next_word.item()
            ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
            if next_word == EOS_IDX:
                break
        return ys

    losses = [train_epoch(transformer, optimizer) for _ in range(3)]
    transformer.eval()
    src = tensor_transform(pairs[0][0]).view(-1, 1)
    num_tokens = src.shape[0]
    src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
    tgt_tokens = greedy_decode(transformer, src, src_mask, max_len=num_tokens + 5,
                               start_symbol=BOS_IDX).flatten()  # fmt: skip
    return {"losses": losses, "decoded": tgt_tokens.tolist()}


def char_rnn_generation(torch, init):
    """ "NLP From Scratch: Generating Names with a Character-Level RNN": a category one-hot
    `torch.zeros(1, n_categories)` with `tensor[0][li] = 1`, per-letter inputs
    `torch.cat((category, input, hidden), 1)`, targets `torch.LongTensor(letter_indexes)` made
    2-D by `unsqueeze_(-1)` in place, `loss = 0; loss += l` over the steps, manual updates
    `p.data.add_(p.grad.data, alpha=-learning_rate)`, and sampling by `output.topk(1)`."""
    nn = torch.nn
    all_letters = "abcdefghijklmnopqrstuvwxyz"
    n_letters = len(all_letters) + 1  # Plus EOS marker
    category_lines = {"Short": ["ab", "cab", "dab"], "Long": ["abcde", "bcdea", "cdeab"]}
    all_categories = list(category_lines)
    n_categories = len(all_categories)

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size, dropout):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
            self.o2o = nn.Linear(hidden_size + output_size, output_size)
            self.dropout = nn.Dropout(dropout)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, category, input, hidden):
            input_combined = torch.cat((category, input, hidden), 1)
            hidden = self.i2h(input_combined)
            output = self.i2o(input_combined)
            output_combined = torch.cat((hidden, output), 1)
            output = self.o2o(output_combined)
            output = self.dropout(output)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    def categoryTensor(category):  # One-hot vector for category
        li = all_categories.index(category)
        tensor = torch.zeros(1, n_categories)
        tensor[0][li] = 1
        return tensor

    def inputTensor(line):  # One-hot matrix of first to last letters (not including EOS)
        tensor = torch.zeros(len(line), 1, n_letters)
        for li in range(len(line)):
            letter = line[li]
            tensor[li][0][all_letters.find(letter)] = 1
        return tensor

    def targetTensor(line):  # LongTensor of second letter to end (EOS) for target
        letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
        letter_indexes.append(n_letters - 1)  # EOS
        return torch.LongTensor(letter_indexes)

    criterion = nn.NLLLoss()
    learning_rate = 0.05
    # NOTE: no dropout in training: the two libraries draw different masks
    rnn = init(RNN(n_letters, 12, n_letters, dropout=0.0))

    def train(category_tensor, input_line_tensor, target_line_tensor):
        target_line_tensor.unsqueeze_(-1)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        loss = torch.Tensor([0])  # you can also just simply use ``loss = 0``
        for i in range(input_line_tensor.size(0)):
            output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
            l = criterion(output, target_line_tensor[i])  # noqa: E741 - the tutorial's name
            loss += l
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item() / input_line_tensor.size(0)

    losses = []
    for _ in range(3):
        for category in all_categories:
            for line in category_lines[category]:
                _, loss = train(categoryTensor(category), inputTensor(line), targetTensor(line))
                losses.append(loss)

    max_length = 6

    def sample(category, start_letter="a"):
        with torch.no_grad():  # no need to track history in sampling
            category_tensor = categoryTensor(category)
            input = inputTensor(start_letter)
            hidden = rnn.initHidden()
            output_name = start_letter
            for _ in range(max_length):
                output, hidden = rnn(category_tensor, input[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters - 1:
                    break
                else:
                    letter = all_letters[topi]
                    output_name += letter
                input = inputTensor(letter)
            return output_name

    rnn.eval()
    return {"losses": losses, "samples": [sample("Short", "c"), sample("Long", "b")]}


def neural_style_transfer(torch, init):
    """ "Neural Transfer Using PyTorch": gram_matrix with `features.view(a * b, c * d)` and
    `torch.mm(features, features.t())`, ContentLoss/StyleLoss modules that keep a detached
    target, a Normalization module with `.view(-1, 1, 1)`, a model rebuilt layer by layer with
    `add_module` and isinstance tests, trimmed after the last loss, and LBFGS with a closure
    that clamps `input_img` in place under no_grad."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    rng = np.random.default_rng(34)
    style_img = torch.tensor(rng.random((1, 3, 8, 8), dtype=np.float32))
    content_img = torch.tensor(rng.random((1, 3, 8, 8), dtype=np.float32))

    class ContentLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()  # a stated value, not a variable

        def forward(self, input):
            self.loss = F.mse_loss(input, self.target)
            return input

    def gram_matrix(input):
        a, b, c, d = input.size()  # a=batch size(=1), b=number of feature maps, (c,d)=dims
        features = input.view(a * b, c * d)
        G = torch.mm(features, features.t())
        return G.div(a * b * c * d)

    class StyleLoss(nn.Module):
        def __init__(self, target_feature):
            super().__init__()
            self.target = gram_matrix(target_feature).detach()

        def forward(self, input):
            G = gram_matrix(input)
            self.loss = F.mse_loss(G, self.target)
            return input

    cnn = init(nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
    )).eval()  # fmt: skip
    cnn_normalization_mean = torch.tensor([0.485, 0.456, 0.406])
    cnn_normalization_std = torch.tensor([0.229, 0.224, 0.225])

    class Normalization(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def forward(self, img):
            return (img - self.mean) / self.std

    content_layers_default = ["conv_2"]
    style_layers_default = ["conv_1", "conv_2", "conv_3"]

    def get_style_model_and_losses(cnn, normalization_mean, normalization_std, style_img,
                                   content_img, content_layers=content_layers_default,
                                   style_layers=style_layers_default):  # fmt: skip
        normalization = Normalization(normalization_mean, normalization_std)
        content_losses = []
        style_losses = []
        model = nn.Sequential(normalization)
        i = 0  # increment every time we see a conv
        for layer in cnn.children():
            if isinstance(layer, nn.Conv2d):
                i += 1
                name = f"conv_{i}"
            elif isinstance(layer, nn.ReLU):
                name = f"relu_{i}"
                layer = nn.ReLU(inplace=False)
            elif isinstance(layer, nn.MaxPool2d):
                name = f"pool_{i}"
            elif isinstance(layer, nn.BatchNorm2d):
                name = f"bn_{i}"
            else:
                raise RuntimeError(f"Unrecognized layer: {layer.__class__.__name__}")
            model.add_module(name, layer)
            if name in content_layers:
                target = model(content_img).detach()
                content_loss = ContentLoss(target)
                model.add_module(f"content_loss_{i}", content_loss)
                content_losses.append(content_loss)
            if name in style_layers:
                target_feature = model(style_img).detach()
                style_loss = StyleLoss(target_feature)
                model.add_module(f"style_loss_{i}", style_loss)
                style_losses.append(style_loss)
        # now we trim off the layers after the last content and style losses
        for i in range(len(model) - 1, -1, -1):
            if isinstance(model[i], (ContentLoss, StyleLoss)):
                break
        model = model[: (i + 1)]
        return model, style_losses, content_losses

    def get_input_optimizer(input_img):
        optimizer = optim.LBFGS([input_img])  # this line to show that input is a parameter
        return optimizer

    # NOTE: style_weight 1e4, not the tutorial's 1e6: that stiffer problem makes float32
    # rounding differences grow past the comparison's tolerance after about ten iterations
    def run_style_transfer(cnn, normalization_mean, normalization_std, content_img, style_img,
                           input_img, num_steps=3, style_weight=1e4, content_weight=1):  # fmt: skip
        model, style_losses, content_losses = get_style_model_and_losses(
            cnn, normalization_mean, normalization_std, style_img, content_img
        )
        input_img.requires_grad_(True)
        model.eval()
        model.requires_grad_(False)
        optimizer = get_input_optimizer(input_img)
        run = [0]
        scores = []
        while run[0] <= num_steps:

            def closure():
                with torch.no_grad():  # correct the values of updated input image
                    input_img.clamp_(0, 1)
                optimizer.zero_grad()
                model(input_img)
                style_score = 0
                content_score = 0
                for sl in style_losses:
                    style_score += sl.loss
                for cl in content_losses:
                    content_score += cl.loss
                style_score *= style_weight
                content_score *= content_weight
                loss = style_score + content_score
                loss.backward()
                run[0] += 1
                scores.append([style_score.item(), content_score.item()])
                return style_score + content_score

            optimizer.step(closure)
        with torch.no_grad():  # a last correction...
            input_img.clamp_(0, 1)
        return input_img, scores, str(model)

    input_img = content_img.clone()
    output, scores, printed = run_style_transfer(
        cnn, cnn_normalization_mean, cnn_normalization_std, content_img, style_img, input_img
    )
    return {"scores": scores, "printed": printed, "output": output[0, 0].tolist()}


PROGRAMS = [
    sequence_models_lstm,
    word_embeddings,
    bilstm_crf,
    text_classification,
    fgsm,
    seq2seq_attention,
    chatbot,
    sentiment_lstm,
    transformer_translation,
    char_rnn_generation,
    neural_style_transfer,
]

"""Tutorial-style PyTorch programs, each written once as a function of the library.

Every program takes `torch` (real PyTorch, or minigrad standing in for it: the only change is
the import) and `init`, called on each model right after it is built: the harness uses it to
give both runs PyTorch's initial weights. Data comes from NumPy or scikit-learn's bundled
digits, so both runs see the same numbers. Each returns the numbers a tutorial would print.
"""

from __future__ import annotations

import math

import numpy as np


def seq2seq_gru(torch, init):
    """An encoder-decoder GRU learning to reverse digit strings, after PyTorch's "NLP From
    Scratch: Translation with a Sequence to Sequence Network" (teacher forcing, greedy decoding).
    """
    nn, F = torch.nn, torch.nn.functional
    vocab, hidden, length, sos = 12, 32, 6, 0

    class EncoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, hidden)
            self.gru = nn.GRU(hidden, hidden, batch_first=True)

        def forward(self, x):
            return self.gru(self.embedding(x))

    class DecoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, hidden)
            self.gru = nn.GRU(hidden, hidden, batch_first=True)
            self.out = nn.Linear(hidden, vocab)

        def forward(self, encoder_hidden, target=None):
            batch = encoder_hidden.size(1)
            decoder_input = torch.empty(batch, 1, dtype=torch.long).fill_(sos)
            decoder_hidden, outputs = encoder_hidden, []
            for i in range(length):
                output, decoder_hidden = self.gru(
                    F.relu(self.embedding(decoder_input)), decoder_hidden
                )
                output = self.out(output)
                outputs.append(output)
                if target is not None:
                    decoder_input = target[:, i].unsqueeze(1)  # teacher forcing
                else:
                    _, topi = output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            return F.log_softmax(torch.cat(outputs, dim=1), dim=-1)

    encoder, decoder = init(EncoderRNN()), init(DecoderRNN())
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(params, lr=0.01)
    criterion = nn.NLLLoss()
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(6):
        source = rng.integers(1, vocab, size=(16, length))
        x, y = torch.tensor(source), torch.tensor(source[:, ::-1].copy())
        optimizer.zero_grad()
        _, encoder_hidden = encoder(x)
        log_probs = decoder(encoder_hidden, y)
        loss = criterion(log_probs.view(-1, vocab), y.view(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        _, encoder_hidden = encoder(x)
        decoded = decoder(encoder_hidden).argmax(-1)
    return {"loss": losses, "decoded": decoded.tolist()}


def transformer_classifier(torch, init):
    """A small Transformer encoder classifying variable-length token sequences (padding mask,
    sinusoidal positions, masked mean pooling), AdamW with warm-up and gradient clipping."""
    nn = torch.nn
    vocab, d_model, classes, max_len = 20, 16, 3, 10

    class PositionalEncoding(nn.Module):
        def __init__(self):
            super().__init__()
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, d_model)
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            return x + self.pe[: x.size(1)]

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, d_model, padding_idx=0)
            self.pos = PositionalEncoding()
            layer = nn.TransformerEncoderLayer(
                d_model, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True
            )
            self.encoder = nn.TransformerEncoder(layer, num_layers=2)
            self.head = nn.Linear(d_model, classes)

        def forward(self, tokens, padding):
            x = self.pos(self.embedding(tokens) * math.sqrt(d_model))
            x = self.encoder(x, src_key_padding_mask=padding)
            keep = (~padding).unsqueeze(-1).float()
            return self.head((x * keep).sum(1) / keep.sum(1))

    model = init(Classifier())
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.SequentialLR(
        optimizer,
        [
            torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.2, total_iters=2),
            torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9),
        ],
        milestones=[2],
    )
    rng = np.random.default_rng(1)
    losses = []
    for _ in range(6):
        lengths = rng.integers(3, max_len + 1, size=8)
        seqs = [torch.tensor(rng.integers(1, vocab, size=n)) for n in lengths]
        tokens = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
        padding = tokens == 0
        labels = torch.tensor([int(s.sum()) % classes for s in seqs])
        loss = nn.functional.cross_entropy(model(tokens, padding), labels)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(tokens, padding)
    return {"loss": losses, "logits": logits.tolist(), "lr": scheduler.get_last_lr()}


def dcgan_step(torch, init):
    """Two training steps of a DCGAN on 16x16 images, after PyTorch's DCGAN tutorial
    (transposed convolutions, batch norm, BCELoss, Adam with beta1 = 0.5)."""
    nn = torch.nn
    nz, ngf, ndf, nc, batch = 8, 8, 8, 1, 6

    generator = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
        nn.BatchNorm2d(ngf * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
        nn.Sigmoid(),
    )
    netG, netD = init(generator), init(discriminator)
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    rng = np.random.default_rng(2)
    results = []
    for _ in range(2):
        real = torch.tensor(rng.uniform(-1, 1, (batch, nc, 16, 16)).astype(np.float32))
        noise = torch.tensor(rng.standard_normal((batch, nz, 1, 1)).astype(np.float32))
        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        label = torch.full((batch,), 1.0)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        fake = netG(noise)
        label.fill_(0.0)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        optimizerD.step()
        # (2) update G: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(1.0)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        results.append([(errD_real + errD_fake).item(), errG.item(), D_x, D_G_z1])
    return {"steps": results, "sample": netG(noise)[0, 0, :4, :4].tolist()}


def resnet_digits(torch, init):
    """A tiny ResNet (basic blocks with a downsampling shortcut, adaptive average pooling) on
    scikit-learn's bundled 8x8 digits: SGD with momentum and weight decay, then evaluation."""
    from sklearn.datasets import load_digits

    nn, F = torch.nn, torch.nn.functional

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(
                    nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
                )

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))
            self.layer1 = BasicBlock(8, 8)
            self.layer2 = BasicBlock(8, 16, stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.layer2(self.layer1(F.relu(self.stem(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    model = init(ResNet())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    losses = []
    for step in range(5):
        batch = slice(step * 32, step * 32 + 32)
        x, y = torch.tensor(images[batch]), torch.tensor(digits.target[batch])
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(images[-20:]))
    return {
        "loss": losses,
        "logits": logits.tolist(),
        "running_var": model.layer2.bn2.running_var.tolist(),
    }


def unet_up_block(torch, init):
    """A small UNet (double convs, max-pool down, bilinear up with align_corners, padding the
    upsampled map to the skip connection's odd size, and a transposed-convolution variant)."""
    nn, F = torch.nn, torch.nn.functional

    class DoubleConv(nn.Module):
        def __init__(self, in_channels, out_channels, mid_channels=None):
            super().__init__()
            mid = mid_channels or out_channels
            self.double_conv = nn.Sequential(
                nn.Conv2d(in_channels, mid, kernel_size=3, padding=1, bias=False),
                nn.GroupNorm(2, mid),
                nn.ReLU(inplace=True),
                nn.Conv2d(mid, out_channels, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
            )

        def forward(self, x):
            return self.double_conv(x)

    class Up(nn.Module):
        def __init__(self, in_channels, out_channels, bilinear=True):
            super().__init__()
            if bilinear:
                self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
                self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
            else:
                self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, 2, stride=2)
                self.conv = DoubleConv(in_channels, out_channels)

        def forward(self, x1, x2):
            x1 = self.up(x1)
            diffY = x2.size()[2] - x1.size()[2]
            diffX = x2.size()[3] - x1.size()[3]
            x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
            return self.conv(torch.cat([x2, x1], dim=1))

    class UNet(nn.Module):
        def __init__(self, bilinear):
            super().__init__()
            self.inc = DoubleConv(2, 8)
            self.down = nn.Sequential(nn.MaxPool2d(2), DoubleConv(8, 8 if bilinear else 16))
            self.up = Up(16, 8, bilinear)
            self.outc = nn.Conv2d(8, 1, kernel_size=1)

        def forward(self, x):
            x1 = self.inc(x)
            return self.outc(self.up(self.down(x1), x1))

    rng = np.random.default_rng(3)
    results = {}
    for bilinear in (True, False):
        model = init(UNet(bilinear))
        optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9)
        losses = []
        for _ in range(3):
            x = torch.tensor(rng.standard_normal((2, 2, 9, 11)).astype(np.float32))
            mask = torch.tensor((rng.random((2, 1, 9, 11)) > 0.5).astype(np.float32))
            loss = F.binary_cross_entropy_with_logits(model(x), mask)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results["bilinear" if bilinear else "transposed"] = losses
    return results


def text_cnn(torch, init):
    """Kim (2014)'s CNN for sentence classification: embeddings, Conv1d filters of widths
    3, 4 and 5, max-over-time pooling, dropout and a linear layer; batches padded with
    pad_sequence; Adam and ReduceLROnPlateau on the validation loss."""
    nn, F = torch.nn, torch.nn.functional
    vocab, dim, classes = 30, 12, 2

    class TextCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
            self.convs = nn.ModuleList([nn.Conv1d(dim, 6, k) for k in (3, 4, 5)])
            self.dropout = nn.Dropout(0.5)
            self.fc = nn.Linear(3 * 6, classes)

        def forward(self, tokens):
            x = self.embedding(tokens).transpose(1, 2)  # (N, dim, L)
            pooled = [
                F.max_pool1d(F.relu(conv(x)), conv(x).shape[2]).squeeze(2) for conv in self.convs
            ]
            return self.fc(self.dropout(torch.cat(pooled, 1)))

    rng = np.random.default_rng(4)

    def batch(n):
        seqs = [torch.tensor(rng.integers(1, vocab, size=rng.integers(5, 12))) for _ in range(n)]
        labels = torch.tensor([int((s > vocab // 2).sum() > len(s) // 2) for s in seqs])
        return nn.utils.rnn.pad_sequence(seqs, batch_first=True), labels

    model = init(TextCNN())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, factor=0.5)
    valid_x, valid_y = batch(16)
    history = []
    for _ in range(4):
        model.eval()  # dropout off, so both libraries compute the same numbers
        x, y = batch(16)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            valid = F.cross_entropy(model(valid_x), valid_y).item()
        scheduler.step(valid)
        history.append([loss.item(), valid, optimizer.param_groups[0]["lr"]])
    return {"history": history}


PROGRAMS = [seq2seq_gru, transformer_classifier, dcgan_step, resnet_digits, unet_up_block, text_cnn]

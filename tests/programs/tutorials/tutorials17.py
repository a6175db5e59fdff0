"""Programs in the style of PyTorch's examples and the research code students copy next (round
17): the examples repository's Forward-Forward, SNLI and fast-neural-style models, d2l's lazy
LeNet and NiN, self-supervised losses (Barlow Twins, BYOL, DINO, SupCon, MAE masking), attention
pieces (CBAM, non-local blocks, slot attention, set transformers, grouped-query and
sliding-window attention, attention-MIL pooling), mixers (MLP-Mixer, ConvMixer, gMLP), flows and
bounds (Glow's ActNorm and 1x1 convolution, planar flows, IWAE), second-order tools (PyHessian's
power iteration and Hutchinson trace, contractive and virtual adversarial penalties,
torch.func's linearize), optimizer hooks around a resumed checkpoint, and losses and models from
papers (center loss, evidential learning, class-balanced focal loss, co-teaching, GloVe, DeepFM,
DistMult and ComplEx, N-BEATS, ConvLSTM, Reptile). Each is a function of the library (`torch` is
PyTorch or minigrad) and of `init` (see tests/programs/conftest.py); data come from NumPy so
that both libraries see the same numbers."""

from __future__ import annotations

import copy
import math

import numpy as np
from tutorials7 import _randn


def forward_forward_layerwise_goodness(torch, init):
    """The examples repository's mnist_forward_forward: each layer normalises its input by
    x / (x.norm(2, 1, keepdim=True) + 1e-4), is trained alone with its own Adam on the
    softplus of the goodness h.pow(2).mean(1) against a threshold (positive data: the right
    label overlaid on the first pixels, negative data: a wrong one), and a digit is predicted
    by the label whose overlay gives the most goodness summed over layers."""
    nn = torch.nn
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((32, 20), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 4, 32))
    x[y == 1, 4:8] += 0.8  # a class structure the layers can find
    x[y == 2, 8:12] += 0.8

    def overlay_y_on_x(x, y):
        x_ = x.clone()
        x_[:, :4] *= 0.0
        x_[range(x.shape[0]), y] = x.max()
        return x_

    class Layer(nn.Linear):
        def __init__(self, in_features, out_features):
            super().__init__(in_features, out_features)
            self.relu = torch.nn.ReLU()
            self.opt = torch.optim.Adam(self.parameters(), lr=0.03)
            self.threshold = 2.0
            self.num_epochs = 6

        def forward(self, x):
            x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
            return self.relu(torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

        def train(self, x_pos, x_neg):
            losses = []
            for _ in range(self.num_epochs):
                g_pos = self.forward(x_pos).pow(2).mean(1)
                g_neg = self.forward(x_neg).pow(2).mean(1)
                loss = torch.log(
                    1 + torch.exp(torch.cat([-g_pos + self.threshold, g_neg - self.threshold]))
                ).mean()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                losses.append(loss.item())
            return self.forward(x_pos).detach(), self.forward(x_neg).detach(), losses

    class Net(torch.nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.layers = [init(Layer(dims[d], dims[d + 1])) for d in range(len(dims) - 1)]

        def predict(self, x):
            goodness_per_label = []
            for label in range(4):
                h = overlay_y_on_x(x, label)
                goodness = []
                for layer in self.layers:
                    h = layer(h)
                    goodness += [h.pow(2).mean(1)]
                goodness_per_label += [sum(goodness).unsqueeze(1)]
            goodness_per_label = torch.cat(goodness_per_label, 1)
            return goodness_per_label.argmax(1), goodness_per_label

        def train(self, x_pos, x_neg):
            h_pos, h_neg = x_pos, x_neg
            all_losses = []
            for layer in self.layers:
                h_pos, h_neg, losses = layer.train(h_pos, h_neg)
                all_losses.append(losses)
            return all_losses

    net = Net([20, 16, 16])
    x_pos = overlay_y_on_x(x, y)
    x_neg = overlay_y_on_x(x, (y + 1 + torch.from_numpy(rng.integers(0, 3, 32))) % 4)
    losses = net.train(x_pos, x_neg)
    with torch.no_grad():
        pred, goodness = net.predict(x)
    return {
        "losses": losses,
        "goodness": goodness.tolist(),
        "train error": 1.0 - pred.eq(y).float().mean().item(),
        "first pixels": x_pos[:3, :5].tolist(),
    }


def snli_bilstm_encoder_with_feature_concat(torch, init):
    """The examples repository's snli model: a Bottle'd Linear projection of frozen
    embeddings, an Encoder whose bidirectional LSTM's last states are read as
    ht[-2:].transpose(0, 1).contiguous().view(batch_size, -1), the features
    cat([premise, hypothesis, premise - hypothesis, premise * hypothesis], 1), and the
    classifier's Sequential reusing the model's ReLU, trained a few steps with Adam."""
    nn = torch.nn
    rng = np.random.default_rng(1)
    vocab, d_embed, d_proj, d_hidden, batch = 30, 12, 10, 8, 6

    class Bottle(nn.Module):
        def forward(self, input):
            if len(input.size()) <= 2:
                return super().forward(input)
            size = input.size()[:2]
            out = super().forward(input.view(size[0] * size[1], -1))
            return out.view(size[0], size[1], -1)

    class Linear(Bottle, nn.Linear):
        pass

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(input_size=d_proj, hidden_size=d_hidden, bidirectional=True)

        def forward(self, inputs):
            batch_size = inputs.size()[1]
            state_shape = 2, batch_size, d_hidden
            h0 = c0 = inputs.new_zeros(state_shape)
            outputs, (ht, ct) = self.rnn(inputs, (h0, c0))
            return ht[-2:].transpose(0, 1).contiguous().view(batch_size, -1)

    class SNLIClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, d_embed)
            self.projection = Linear(d_embed, d_proj)
            self.encoder = Encoder()
            self.relu = nn.ReLU()
            seq_in_size = 4 * 2 * d_hidden
            self.out = nn.Sequential(
                Linear(seq_in_size, 16),
                self.relu,
                Linear(16, 3),
            )

        def forward(self, premise, hypothesis):
            prem_embed = self.embed(premise).detach()  # fix_emb
            hypo_embed = self.embed(hypothesis).detach()
            prem_embed = self.relu(self.projection(prem_embed))
            hypo_embed = self.relu(self.projection(hypo_embed))
            premise = self.encoder(prem_embed)
            hypothesis = self.encoder(hypo_embed)
            scores = self.out(
                torch.cat([premise, hypothesis, premise - hypothesis, premise * hypothesis], 1)
            )
            return scores

    model = init(SNLIClassifier())
    premise = torch.from_numpy(rng.integers(0, vocab, (7, batch)))
    hypothesis = torch.from_numpy(rng.integers(0, vocab, (5, batch)))
    label = torch.from_numpy(rng.integers(0, 3, batch))
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        model.train()
        opt.zero_grad()
        answer = model(premise, hypothesis)
        n_correct = (torch.max(answer, 1)[1].view(label.size()) == label).sum().item()
        loss = criterion(answer, label)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return {
        "losses": losses,
        "correct": n_correct,
        "eval": model(premise, hypothesis).tolist(),
        "embed grad": model.embed.weight.grad is None,
        "bottle": list(model.projection(torch.zeros(2, 3, d_embed)).shape),
    }


def fast_neural_style_transformer_net(torch, init):
    """The examples repository's fast_neural_style: TransformerNet's ConvLayer
    (ReflectionPad2d then Conv2d), InstanceNorm2d(affine=True), ResidualBlock and
    UpsampleConvLayer (F.interpolate mode="nearest", scale_factor=2), utils.gram_matrix
    (features.bmm(features_t) / (ch * h * w)) and normalize_batch, and two steps of the
    content + style loss against a fixed VGG stand-in, with Adam."""
    nn, F = torch.nn, torch.nn.functional

    class ConvLayer(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride):
            super().__init__()
            self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
            self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            return self.conv2d(self.reflection_pad(x))

    class ResidualBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in1 = nn.InstanceNorm2d(channels, affine=True)
            self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in2 = nn.InstanceNorm2d(channels, affine=True)
            self.relu = nn.ReLU()

        def forward(self, x):
            residual = x
            out = self.relu(self.in1(self.conv1(x)))
            out = self.in2(self.conv2(out))
            return out + residual

    class UpsampleConvLayer(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
            super().__init__()
            self.upsample = upsample
            self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
            self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            if self.upsample:
                x = F.interpolate(x, mode="nearest", scale_factor=self.upsample)
            return self.conv2d(self.reflection_pad(x))

    class TransformerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = ConvLayer(3, 4, kernel_size=5, stride=1)
            self.in1 = nn.InstanceNorm2d(4, affine=True)
            self.conv2 = ConvLayer(4, 8, kernel_size=3, stride=2)
            self.in2 = nn.InstanceNorm2d(8, affine=True)
            self.res1 = ResidualBlock(8)
            self.deconv1 = UpsampleConvLayer(8, 4, kernel_size=3, stride=1, upsample=2)
            self.in4 = nn.InstanceNorm2d(4, affine=True)
            self.deconv3 = ConvLayer(4, 3, kernel_size=5, stride=1)
            self.relu = nn.ReLU()

        def forward(self, X):
            y = self.relu(self.in1(self.conv1(X)))
            y = self.relu(self.in2(self.conv2(y)))
            y = self.res1(y)
            y = self.relu(self.in4(self.deconv1(y)))
            return self.deconv3(y)

    def gram_matrix(y):
        (b, ch, h, w) = y.size()
        features = y.view(b, ch, w * h)
        features_t = features.transpose(1, 2)
        return features.bmm(features_t) / (ch * h * w)

    def normalize_batch(batch):
        mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
        std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
        batch = batch.div_(255.0)
        return (batch - mean) / std

    transformer = init(TransformerNet())
    vgg = init(nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU()))
    for p in vgg.parameters():
        p.requires_grad_(False)
    rng = np.random.default_rng(3)
    x = torch.from_numpy((rng.random((2, 3, 12, 12)) * 255).astype(np.float32))
    style = torch.from_numpy((rng.random((1, 3, 12, 12)) * 255).astype(np.float32))
    style = style.repeat(2, 1, 1, 1)
    gram_style = [gram_matrix(vgg(normalize_batch(style)))]
    optimizer = torch.optim.Adam(transformer.parameters(), 1e-2)
    mse_loss = torch.nn.MSELoss()
    losses = []
    for _ in range(2):
        optimizer.zero_grad()
        y = transformer(x)
        y = normalize_batch(y)
        x_norm = normalize_batch(x.clone())
        features_y, features_x = vgg(y), vgg(x_norm)
        content_loss = 1e1 * mse_loss(features_y, features_x)
        style_loss = 0.0
        for ft_y, gm_s in zip([features_y], gram_style):
            gm_y = gram_matrix(ft_y)
            style_loss += mse_loss(gm_y, gm_s[: x.size(0), :, :])
        style_loss *= 1e3
        total_loss = content_loss + style_loss
        total_loss.backward()
        optimizer.step()
        losses.append([content_loss.item(), style_loss.item()])
    return {
        "losses": losses,
        "out": list(y.shape),
        "gram": gram_style[0].tolist(),
        "in1 weight": transformer.in1.weight.tolist(),
        "in stats": [transformer.in1.track_running_stats, transformer.in1.running_mean is None],
    }


def barlow_twins_cross_correlation_loss(torch, init):
    """Barlow Twins' reference loss: BatchNorm1d(affine=False) on both projections,
    c = bn(z1).T @ bn(z2) / batch_size, on_diag = torch.diagonal(c).add_(-1).pow_(2).sum()
    (in-place ops on a view of a graph tensor), off_diagonal through
    x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten(), trained a few steps with LARS-free
    SGD on two noisy views."""
    nn = torch.nn

    def off_diagonal(x):
        n, m = x.shape
        assert n == m
        return x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten()

    class BarlowTwins(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Sequential(nn.Linear(10, 12), nn.ReLU())
            self.projector = nn.Sequential(
                nn.Linear(12, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 6)
            )
            self.bn = nn.BatchNorm1d(6, affine=False)
            self.lambd = 0.05

        def forward(self, y1, y2):
            z1 = self.projector(self.backbone(y1))
            z2 = self.projector(self.backbone(y2))
            c = self.bn(z1).T @ self.bn(z2)
            c.div_(y1.shape[0])
            on_diag = torch.diagonal(c).add_(-1).pow_(2).sum()
            off_diag = off_diagonal(c).pow_(2).sum()
            return on_diag + self.lambd * off_diag, c

    model = init(BarlowTwins())
    x = _randn(torch, (16, 10), 4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for step in range(4):
        y1 = x + _randn(torch, (16, 10), 10 + step, 0.1)
        y2 = x + _randn(torch, (16, 10), 20 + step, 0.1)
        loss, c = model(y1, y2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "c": c.tolist(),
        "off": off_diagonal(torch.arange(16.0).view(4, 4)).tolist(),
        "running": model.bn.running_var.tolist(),
        "grad fn": type(c.grad_fn).__name__ == type((c * 1).grad_fn).__name__,
    }


def byol_predictor_and_ema_target(torch, init):
    """BYOL as its PyTorch ports write it: an online network with a predictor, a target made by
    copy.deepcopy with requires_grad False, the loss 2 - 2 * (F.normalize(p) *
    F.normalize(z)).sum(dim=-1), symmetrised over the two views, and the target's EMA update
    `target.data.mul_(tau).add_(online.data, alpha=1 - tau)` under no_grad."""
    nn, F = torch.nn, torch.nn.functional

    def mlp(dim, hidden, out):
        return nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                             nn.Linear(hidden, out))  # fmt: skip

    online = init(nn.Sequential(nn.Linear(8, 10), nn.ReLU(), mlp(10, 12, 6)))
    predictor = init(mlp(6, 12, 6))
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad = False

    def loss_fn(x, y):
        x = F.normalize(x, dim=-1, p=2)
        y = F.normalize(y, dim=-1, p=2)
        return 2 - 2 * (x * y).sum(dim=-1)

    @torch.no_grad()
    def update_moving_average(tau):
        for online_p, target_p in zip(online.parameters(), target.parameters()):
            target_p.data.mul_(tau).add_(online_p.data, alpha=1 - tau)

    params = list(online.parameters()) + list(predictor.parameters())
    # NOTE: SGD, as BYOL's LARS: the biases before a BatchNorm get rounding-noise gradients,
    # which Adam's first step would turn into steps of +-lr
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9)
    x = _randn(torch, (12, 8), 5)
    losses = []
    for step in range(5):
        view1 = x + _randn(torch, (12, 8), 30 + step, 0.2)
        view2 = x * 0.9 + _randn(torch, (12, 8), 40 + step, 0.2)
        online_pred_one = predictor(online(view1))
        online_pred_two = predictor(online(view2))
        with torch.no_grad():
            target_proj_one = target(view1)
            target_proj_two = target(view2)
        loss_one = loss_fn(online_pred_one, target_proj_two.detach())
        loss_two = loss_fn(online_pred_two, target_proj_one.detach())
        loss = (loss_one + loss_two).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        update_moving_average(0.9)
        losses.append(loss.item())
    return {
        "losses": losses,
        "target": target[0].weight.tolist(),
        "target bn": target[2][1].running_mean.tolist(),
        "frozen": [p.requires_grad or p.grad is not None for p in target.parameters()],
    }


def dino_centering_sharpening_and_multicrop(torch, init):
    """DINO's DINOLoss: the student's outputs over all crops divided by the student temperature
    and chunked per crop, the teacher's two global crops centred by a registered buffer,
    sharpened by a lower temperature, softmaxed and detached, the cross-entropy
    -q * F.log_softmax summed over every (teacher crop, other student crop) pair, and
    update_center's EMA of the batch mean under no_grad."""
    nn, F = torch.nn, torch.nn.functional

    class DINOLoss(nn.Module):
        def __init__(self, out_dim, ncrops, teacher_temp=0.04, student_temp=0.1, m=0.9):
            super().__init__()
            self.student_temp = student_temp
            self.teacher_temp = teacher_temp
            self.center_momentum = m
            self.ncrops = ncrops
            self.register_buffer("center", torch.zeros(1, out_dim))

        def forward(self, student_output, teacher_output):
            student_out = student_output / self.student_temp
            student_out = student_out.chunk(self.ncrops)
            teacher_out = F.softmax((teacher_output - self.center) / self.teacher_temp, dim=-1)
            teacher_out = teacher_out.detach().chunk(2)
            total_loss = 0
            n_loss_terms = 0
            for iq, q in enumerate(teacher_out):
                for v in range(len(student_out)):
                    if v == iq:
                        continue
                    loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
                    total_loss += loss.mean()
                    n_loss_terms += 1
            total_loss /= n_loss_terms
            self.update_center(teacher_output)
            return total_loss

        @torch.no_grad()
        def update_center(self, teacher_output):
            batch_center = torch.sum(teacher_output, dim=0, keepdim=True)
            batch_center = batch_center / len(teacher_output)
            self.center = self.center * self.center_momentum + batch_center * (
                1 - self.center_momentum
            )

    student = init(nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 10)))
    teacher = init(nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 10)))
    teacher.load_state_dict(student.state_dict())
    for p in teacher.parameters():
        p.requires_grad = False
    dino_loss = DINOLoss(10, ncrops=4)
    optimizer = torch.optim.AdamW(student.parameters(), lr=0.01, weight_decay=0.04)
    x = _randn(torch, (8, 6), 6)
    losses = []
    for step in range(4):
        crops = [x + _randn(torch, (8, 6), 50 + 4 * step + k, 0.3) for k in range(4)]
        teacher_output = teacher(torch.cat(crops[:2]))
        student_output = student(torch.cat(crops))
        loss = dino_loss(student_output, teacher_output)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            m = 0.99
            for param_q, param_k in zip(student.parameters(), teacher.parameters()):
                param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
        losses.append(loss.item())
    return {
        "losses": losses,
        "center": dino_loss.center.tolist(),
        "buffers": [name for name, _ in dino_loss.named_buffers()],
        "teacher": teacher[2].bias.tolist(),
    }


def supcon_supervised_contrastive_loss(torch, init):
    """The SupContrast repository's SupConLoss as students copy it: features [bsz, n_views,
    dim] unbound and concatenated into contrast_feature, a label mask from
    torch.eq(labels, labels.T), logits minus their detached row max, the self-contrast mask
    made by torch.scatter(torch.ones_like(mask), 1, arange(...).view(-1, 1), 0),
    mask.repeat(anchor_count, contrast_count), and the mean log-likelihood over positives;
    also its SimCLR form (no labels: the eye mask)."""
    nn, F = torch.nn, torch.nn.functional

    def sup_con_loss(features, labels=None, temperature=0.07, base_temperature=0.07):
        batch_size = features.shape[0]
        if labels is None:
            mask = torch.eye(batch_size, dtype=torch.float32)
        else:
            labels = labels.contiguous().view(-1, 1)
            mask = torch.eq(labels, labels.T).float()
        contrast_count = features.shape[1]
        contrast_feature = torch.cat(torch.unbind(features, dim=1), dim=0)
        anchor_feature = contrast_feature
        anchor_count = contrast_count
        anchor_dot_contrast = torch.div(
            torch.matmul(anchor_feature, contrast_feature.T), temperature
        )
        logits_max, _ = torch.max(anchor_dot_contrast, dim=1, keepdim=True)
        logits = anchor_dot_contrast - logits_max.detach()
        mask = mask.repeat(anchor_count, contrast_count)
        logits_mask = torch.scatter(
            torch.ones_like(mask), 1, torch.arange(batch_size * anchor_count).view(-1, 1), 0
        )
        mask = mask * logits_mask
        exp_logits = torch.exp(logits) * logits_mask
        log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
        mask_pos_pairs = mask.sum(1)
        mask_pos_pairs = torch.where(mask_pos_pairs < 1e-6, 1, mask_pos_pairs)
        mean_log_prob_pos = (mask * log_prob).sum(1) / mask_pos_pairs
        loss = -(temperature / base_temperature) * mean_log_prob_pos
        return loss.view(anchor_count, batch_size).mean()

    encoder = init(nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Linear(12, 4)))
    rng = np.random.default_rng(7)
    labels = torch.from_numpy(rng.integers(0, 3, 10))
    x = _randn(torch, (10, 5), 8) + labels.float().unsqueeze(1)
    optimizer = torch.optim.SGD(encoder.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for step in range(5):
        views = [x + _randn(torch, (10, 5), 60 + 2 * step + k, 0.2) for k in range(2)]
        f1, f2 = [F.normalize(encoder(v), dim=1) for v in views]
        features = torch.cat([f1.unsqueeze(1), f2.unsqueeze(1)], dim=1)
        loss = sup_con_loss(features, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        simclr = sup_con_loss(features, temperature=0.5).item()
    return {"losses": losses, "simclr": simclr, "features": list(features.shape)}


def mae_random_masking_patchify_and_loss(torch, init):
    """The MAE reference code: patchify with reshape and torch.einsum("nchpwq->nhwpqc"),
    random_masking from per-sample noise (argsort twice for ids_restore, torch.gather with
    index.unsqueeze(-1).repeat(1, 1, D), the binary mask unshuffled by gather), mask tokens
    appended and unshuffled in the decoder, unpatchify, and the loss on masked patches only
    with norm_pix_loss; a tiny encoder/decoder trained a few steps with AdamW."""
    nn = torch.nn
    p, c, img = 2, 1, 8
    num_patches, dim = (img // p) ** 2, 8

    def patchify(imgs):
        h = w = imgs.shape[2] // p
        x = imgs.reshape(shape=(imgs.shape[0], c, h, p, w, p))
        x = torch.einsum("nchpwq->nhwpqc", x)
        return x.reshape(shape=(imgs.shape[0], h * w, p**2 * c))

    def unpatchify(x):
        h = w = int(x.shape[1] ** 0.5)
        x = x.reshape(shape=(x.shape[0], h, w, p, p, c))
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(shape=(x.shape[0], c, h * p, h * p))

    def random_masking(x, mask_ratio, noise):
        N, L, D = x.shape
        len_keep = int(L * (1 - mask_ratio))
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))
        mask = torch.ones([N, L])
        mask[:, :len_keep] = 0
        mask = torch.gather(mask, dim=1, index=ids_restore)
        return x_masked, mask, ids_restore

    class TinyMAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = nn.Linear(p * p * c, dim)
            self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, dim))
            self.encoder = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU())
            self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.decoder_pred = nn.Linear(dim, p * p * c)
            torch.nn.init.normal_(self.mask_token, std=0.02)
            torch.nn.init.normal_(self.pos_embed, std=0.02)

        def forward(self, imgs, noise, mask_ratio=0.75):
            x = self.patch_embed(patchify(imgs)) + self.pos_embed
            x, mask, ids_restore = random_masking(x, mask_ratio, noise)
            x = self.encoder(x)
            mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] - x.shape[1], 1)
            x_ = torch.cat([x, mask_tokens], dim=1)
            x_ = torch.gather(x_, dim=1, index=ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
            pred = self.decoder_pred(x_)
            target = patchify(imgs)
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.0e-6) ** 0.5
            loss = (pred - target) ** 2
            loss = loss.mean(dim=-1)
            loss = (loss * mask).sum() / mask.sum()
            return loss, pred, mask

    model = init(TinyMAE())
    imgs = _randn(torch, (3, c, img, img), 9)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.9, 0.95))
    rng = np.random.default_rng(10)
    losses = []
    for _ in range(4):
        noise = torch.from_numpy(rng.random((3, num_patches), dtype=np.float32))
        loss, pred, mask = model(imgs, noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    round_trip = unpatchify(patchify(imgs))
    return {
        "losses": losses,
        "mask": mask.tolist(),
        "pred": list(pred.shape),
        "round trip": torch.equal(round_trip, imgs),
        "image": list(unpatchify(pred).shape),
    }


def cbam_channel_and_spatial_attention(torch, init):
    """CBAM's reference module: ChannelGate sums an MLP over avg_pool2d, max_pool2d,
    lp_pool2d and a logsumexp pooling over the whole map (kernel (H, W)), then sigmoid and
    expand_as; SpatialGate's ChannelPool cats torch.max(x, 1)[0] and torch.mean(x, 1) and a
    BasicConv (Conv2d without bias, BatchNorm2d(eps=1e-5, momentum=0.01)); inside a small
    classifier trained a few steps."""
    nn, F = torch.nn, torch.nn.functional

    class Flatten(nn.Module):
        def forward(self, x):
            return x.view(x.size(0), -1)

    def logsumexp_2d(tensor):
        tensor_flatten = tensor.view(tensor.size(0), tensor.size(1), -1)
        s, _ = torch.max(tensor_flatten, dim=2, keepdim=True)
        return s + (tensor_flatten - s).exp().sum(dim=2, keepdim=True).log()

    class ChannelGate(nn.Module):
        def __init__(self, gate_channels, reduction_ratio=2):
            super().__init__()
            self.gate_channels = gate_channels
            self.mlp = nn.Sequential(
                Flatten(),
                nn.Linear(gate_channels, gate_channels // reduction_ratio),
                nn.ReLU(),
                nn.Linear(gate_channels // reduction_ratio, gate_channels),
            )

        def forward(self, x):
            kernel = (x.size(2), x.size(3))
            channel_att_sum = None
            for pool_type in ["avg", "max", "lp", "lse"]:
                if pool_type == "avg":
                    pool = F.avg_pool2d(x, kernel, stride=kernel)
                elif pool_type == "max":
                    pool = F.max_pool2d(x, kernel, stride=kernel)
                elif pool_type == "lp":
                    pool = F.lp_pool2d(x, 2, kernel, stride=kernel)
                else:
                    pool = logsumexp_2d(x)
                channel_att_raw = self.mlp(pool)
                if channel_att_sum is None:
                    channel_att_sum = channel_att_raw
                else:
                    channel_att_sum = channel_att_sum + channel_att_raw
            scale = torch.sigmoid(channel_att_sum).unsqueeze(2).unsqueeze(3).expand_as(x)
            return x * scale

    class ChannelPool(nn.Module):
        def forward(self, x):
            return torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), 1)

    class SpatialGate(nn.Module):
        def __init__(self):
            super().__init__()
            kernel_size = 7
            self.compress = ChannelPool()
            self.spatial = nn.Sequential(
                nn.Conv2d(2, 1, kernel_size, padding=(kernel_size - 1) // 2, bias=False),
                nn.BatchNorm2d(1, eps=1e-5, momentum=0.01, affine=True),
            )

        def forward(self, x):
            x_out = self.spatial(self.compress(x))
            return x * torch.sigmoid(x_out)

    model = init(
        nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.ReLU(),
            ChannelGate(8),
            SpatialGate(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(8, 3),
        )
    )
    x = _randn(torch, (4, 3, 9, 9), 11)
    y = torch.tensor([0, 1, 2, 1])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(4):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return {
        "losses": losses,
        "eval": model(x).tolist(),
        "running": model[3].spatial[1].running_var.tolist(),
        "lse": logsumexp_2d(x[:1]).flatten().tolist(),
    }


def non_local_block_embedded_gaussian(torch, init):
    """The non-local neural networks block (embedded Gaussian) as its PyTorch port writes it:
    1x1 theta/phi/g convolutions, phi and g sub-sampled by MaxPool2d, view/permute into
    (b, hw, c), f = torch.matmul(theta_x, phi_x) softmaxed over the last dim, y back to
    (b, c, h, w) with permute().contiguous().view, and W as Conv2d + BatchNorm2d whose weight
    and bias start at zero (nn.init.constant_), so the block starts as the identity."""
    nn, F = torch.nn, torch.nn.functional

    class NONLocalBlock2D(nn.Module):
        def __init__(self, in_channels, inter_channels):
            super().__init__()
            self.inter_channels = inter_channels
            self.g = nn.Conv2d(in_channels, inter_channels, kernel_size=1)
            self.W = nn.Sequential(
                nn.Conv2d(inter_channels, in_channels, kernel_size=1),
                nn.BatchNorm2d(in_channels),
            )
            nn.init.constant_(self.W[1].weight, 0)
            nn.init.constant_(self.W[1].bias, 0)
            self.theta = nn.Conv2d(in_channels, inter_channels, kernel_size=1)
            self.phi = nn.Conv2d(in_channels, inter_channels, kernel_size=1)
            self.g = nn.Sequential(self.g, nn.MaxPool2d(kernel_size=(2, 2)))
            self.phi = nn.Sequential(self.phi, nn.MaxPool2d(kernel_size=(2, 2)))

        def forward(self, x, return_nl_map=False):
            batch_size = x.size(0)
            g_x = self.g(x).view(batch_size, self.inter_channels, -1)
            g_x = g_x.permute(0, 2, 1)
            theta_x = self.theta(x).view(batch_size, self.inter_channels, -1)
            theta_x = theta_x.permute(0, 2, 1)
            phi_x = self.phi(x).view(batch_size, self.inter_channels, -1)
            f = torch.matmul(theta_x, phi_x)
            f_div_C = F.softmax(f, dim=-1)
            y = torch.matmul(f_div_C, g_x)
            y = y.permute(0, 2, 1).contiguous()
            y = y.view(batch_size, self.inter_channels, *x.size()[2:])
            W_y = self.W(y)
            z = W_y + x
            if return_nl_map:
                return z, f_div_C
            return z

    block = init(NONLocalBlock2D(4, 2))
    head = init(nn.Linear(4, 2))
    x = _randn(torch, (3, 4, 6, 6), 12)
    target = torch.tensor([0, 1, 1])
    identity = torch.equal(block(x), x)
    optimizer = torch.optim.Adam(list(block.parameters()) + list(head.parameters()), lr=0.02)
    losses = []
    for _ in range(4):
        z, nl_map = block(x, return_nl_map=True)
        loss = F.cross_entropy(head(z.mean(dim=(2, 3))), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "identity at init": identity,
        "losses": losses,
        "map": list(nl_map.shape),
        "rows sum to one": torch.allclose(nl_map.sum(-1), torch.ones(3, 36)),
        "bn": block.W[1].weight.tolist(),
    }


def slot_attention_iterative_routing(torch, init):
    """Slot Attention as its PyTorch ports write it: slots drawn as mu + sigma * noise (the noise
    from NumPy), a softmax over the slots (dim=1) plus eps, weights renormalised over the
    inputs, torch.einsum("bjd,bij->bid") updates, a GRUCell on the reshaped slots and a residual
    MLP, iterated three times; trained to reconstruct set sums with Adam."""
    nn, F = torch.nn, torch.nn.functional

    class SlotAttention(nn.Module):
        def __init__(self, num_slots, dim, iters=3, eps=1e-8, hidden_dim=16):
            super().__init__()
            self.num_slots = num_slots
            self.iters = iters
            self.eps = eps
            self.scale = dim**-0.5
            self.slots_mu = nn.Parameter(torch.randn(1, 1, dim))
            self.slots_logsigma = nn.Parameter(torch.zeros(1, 1, dim))
            nn.init.xavier_uniform_(self.slots_logsigma)
            self.to_q = nn.Linear(dim, dim)
            self.to_k = nn.Linear(dim, dim)
            self.to_v = nn.Linear(dim, dim)
            self.gru = nn.GRUCell(dim, dim)
            self.mlp = nn.Sequential(
                nn.Linear(dim, hidden_dim), nn.ReLU(inplace=True), nn.Linear(hidden_dim, dim)
            )
            self.norm_input = nn.LayerNorm(dim)
            self.norm_slots = nn.LayerNorm(dim)
            self.norm_pre_ff = nn.LayerNorm(dim)

        def forward(self, inputs, noise):
            b, n, d = inputs.shape
            mu = self.slots_mu.expand(b, self.num_slots, -1)
            sigma = self.slots_logsigma.exp().expand(b, self.num_slots, -1)
            slots = mu + sigma * noise
            inputs = self.norm_input(inputs)
            k, v = self.to_k(inputs), self.to_v(inputs)
            for _ in range(self.iters):
                slots_prev = slots
                slots = self.norm_slots(slots)
                q = self.to_q(slots)
                dots = torch.einsum("bid,bjd->bij", q, k) * self.scale
                attn = dots.softmax(dim=1) + self.eps
                attn = attn / attn.sum(dim=-1, keepdim=True)
                updates = torch.einsum("bjd,bij->bid", v, attn)
                slots = self.gru(updates.reshape(-1, d), slots_prev.reshape(-1, d))
                slots = slots.reshape(b, -1, d)
                slots = slots + self.mlp(self.norm_pre_ff(slots))
            return slots, attn

    model = init(SlotAttention(num_slots=3, dim=6))
    decoder = init(nn.Linear(6, 6))
    inputs = _randn(torch, (2, 7, 6), 13)
    target = inputs.sum(1)
    optimizer = torch.optim.Adam(list(model.parameters()) + list(decoder.parameters()), lr=0.01)
    rng = np.random.default_rng(14)
    losses = []
    for _ in range(4):
        noise = torch.from_numpy(rng.normal(size=(2, 3, 6)).astype(np.float32))
        slots, attn = model(inputs, noise)
        loss = F.mse_loss(decoder(slots).sum(1), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "attn": attn.tolist(),
        "slots": list(slots.shape),
        "mu": model.slots_mu.tolist(),
    }


def set_transformer_isab_and_pma(torch, init):
    """The Set Transformer's blocks on nn.MultiheadAttention(batch_first=True): MAB (attention
    plus a row-wise feed-forward, both residual, LayerNorm), ISAB through learned inducing
    points repeated over the batch with .repeat(b, 1, 1), and PMA's seed vectors pooling the
    set; checked permutation-invariant, then trained to predict each set's maximum."""
    nn, F = torch.nn, torch.nn.functional

    class MAB(nn.Module):
        def __init__(self, dim, num_heads):
            super().__init__()
            self.attn = nn.MultiheadAttention(dim, num_heads, batch_first=True)
            self.ln0 = nn.LayerNorm(dim)
            self.ln1 = nn.LayerNorm(dim)
            self.rff = nn.Sequential(nn.Linear(dim, dim), nn.ReLU())

        def forward(self, Q, K):
            H = self.ln0(Q + self.attn(Q, K, K, need_weights=False)[0])
            return self.ln1(H + self.rff(H))

    class ISAB(nn.Module):
        def __init__(self, dim, num_heads, num_inds):
            super().__init__()
            self.I = nn.Parameter(torch.empty(1, num_inds, dim))
            nn.init.xavier_uniform_(self.I)
            self.mab0 = MAB(dim, num_heads)
            self.mab1 = MAB(dim, num_heads)

        def forward(self, X):
            H = self.mab0(self.I.repeat(X.size(0), 1, 1), X)
            return self.mab1(X, H)

    class PMA(nn.Module):
        def __init__(self, dim, num_heads, num_seeds):
            super().__init__()
            self.S = nn.Parameter(torch.empty(1, num_seeds, dim))
            nn.init.xavier_uniform_(self.S)
            self.mab = MAB(dim, num_heads)

        def forward(self, X):
            return self.mab(self.S.repeat(X.size(0), 1, 1), X)

    class SetTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(1, 8)
            self.enc = ISAB(8, 2, num_inds=3)
            self.dec = PMA(8, 2, num_seeds=1)
            self.out = nn.Linear(8, 1)

        def forward(self, X):
            return self.out(self.dec(self.enc(self.embed(X)))).squeeze(-1).squeeze(-1)

    model = init(SetTransformer())
    X = _randn(torch, (4, 6, 1), 15)
    perm = torch.tensor([5, 2, 0, 1, 4, 3])
    invariant = torch.allclose(model(X), model(X[:, perm]), atol=1e-5)
    y = X.max(dim=1).values.squeeze(-1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        loss = F.l1_loss(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"invariant": invariant, "losses": losses, "pred": model(X).tolist()}


def grouped_query_and_sliding_window_attention(torch, init):
    """Llama's repeat_kv (x[:, :, :, None, :].expand(...).reshape) against
    torch.repeat_interleave(dim=1) and F.scaled_dot_product_attention(enable_gqa=True), a
    Mistral-style sliding-window causal mask from torch.triu/torch.tril with a diagonal
    offset passed as attn_mask, and the gradients of the keys and values."""
    F = torch.nn.functional
    bs, n_heads, n_kv_heads, seqlen, head_dim, window = 2, 4, 2, 6, 3, 3
    n_rep = n_heads // n_kv_heads
    q = _randn(torch, (bs, n_heads, seqlen, head_dim), 16).requires_grad_()
    k = _randn(torch, (bs, n_kv_heads, seqlen, head_dim), 17).requires_grad_()
    v = _randn(torch, (bs, n_kv_heads, seqlen, head_dim), 18).requires_grad_()

    def repeat_kv(x, n_rep):
        bs, slen, n_kv_heads, head_dim = x.shape
        if n_rep == 1:
            return x
        return (
            x[:, :, :, None, :]
            .expand(bs, slen, n_kv_heads, n_rep, head_dim)
            .reshape(bs, slen, n_kv_heads * n_rep, head_dim)
        )

    keys = repeat_kv(k.transpose(1, 2), n_rep).transpose(1, 2)
    values = repeat_kv(v.transpose(1, 2), n_rep).transpose(1, 2)
    same_as_interleave = torch.equal(keys, torch.repeat_interleave(k, n_rep, dim=1))
    mask = torch.full((seqlen, seqlen), float("-inf"))
    mask = torch.triu(mask, diagonal=1)
    mask = mask + torch.tril(torch.full((seqlen, seqlen), float("-inf")), diagonal=-window)
    scores = torch.matmul(q, keys.transpose(2, 3)) / math.sqrt(head_dim)
    scores = F.softmax(scores + mask, dim=-1)
    by_hand = torch.matmul(scores, values)
    sdpa = F.scaled_dot_product_attention(q, k, v, attn_mask=mask == 0, enable_gqa=True)
    (by_hand * by_hand).sum().backward()
    grads = [k.grad.clone(), v.grad.clone()]
    k.grad = v.grad = None
    (sdpa * sdpa).sum().backward()
    return {
        "interleave": same_as_interleave,
        "mask": mask.tolist(),
        "out": by_hand.tolist(),
        "sdpa": torch.allclose(sdpa, by_hand, atol=1e-6),
        "grads": [g.tolist() for g in grads],
        "sdpa grads": [torch.allclose(a, b, atol=1e-5) for a, b in zip(grads, [k.grad, v.grad])],
    }


def attention_mil_pooling_gated(torch, init):
    """Ilse et al.'s attention-based deep multiple instance learning: a feature extractor per
    instance, attention weights A = softmax(w^T (tanh(V h) * sigmoid(U h))) with a transpose,
    the bag embedding torch.mm(A, H), and calculate_objective's clamped Bernoulli
    negative log-likelihood and calculate_classification_error's
    1. - Y_hat.eq(Y).cpu().float().mean().item(), over generated bags with SGD."""
    nn, F = torch.nn, torch.nn.functional

    class GatedAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.L, self.D, self.K = 8, 4, 1
            self.feature_extractor = nn.Sequential(nn.Linear(5, self.L), nn.ReLU())
            self.attention_V = nn.Sequential(nn.Linear(self.L, self.D), nn.Tanh())
            self.attention_U = nn.Sequential(nn.Linear(self.L, self.D), nn.Sigmoid())
            self.attention_weights = nn.Linear(self.D, self.K)
            self.classifier = nn.Sequential(nn.Linear(self.L * self.K, 1), nn.Sigmoid())

        def forward(self, x):
            x = x.squeeze(0)
            H = self.feature_extractor(x)
            A_V = self.attention_V(H)
            A_U = self.attention_U(H)
            A = self.attention_weights(A_V * A_U)
            A = torch.transpose(A, 1, 0)
            A = F.softmax(A, dim=1)
            M = torch.mm(A, H)
            Y_prob = self.classifier(M)
            Y_hat = torch.ge(Y_prob, 0.5).float()
            return Y_prob, Y_hat, A

        def calculate_classification_error(self, X, Y):
            Y = Y.float()
            _, Y_hat, _ = self.forward(X)
            return 1.0 - Y_hat.eq(Y).cpu().float().mean().item(), Y_hat

        def calculate_objective(self, X, Y):
            Y = Y.float()
            Y_prob, _, A = self.forward(X)
            Y_prob = torch.clamp(Y_prob, min=1e-5, max=1.0 - 1e-5)
            neg_log_likelihood = -1.0 * (
                Y * torch.log(Y_prob) + (1.0 - Y) * torch.log(1.0 - Y_prob)
            )
            return neg_log_likelihood, A

    rng = np.random.default_rng(19)
    bags = []
    for i in range(6):
        n = int(rng.integers(3, 7))
        instances = rng.normal(size=(1, n, 5)).astype(np.float32)
        label = i % 2
        if label:
            instances[0, int(rng.integers(0, n)), 0] += 3.0  # one positive instance
        bags.append((torch.from_numpy(instances), torch.tensor([label])))
    model = init(GatedAttention())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    epoch_losses, epoch_errors = [], []
    for _epoch in range(3):
        train_loss, train_error = 0.0, 0.0
        for data, bag_label in bags:
            optimizer.zero_grad()
            loss, _ = model.calculate_objective(data, bag_label)
            train_loss += loss.data[0]
            error, _ = model.calculate_classification_error(data, bag_label)
            train_error += error
            loss.backward()
            optimizer.step()
        epoch_losses.append((train_loss / len(bags)).item())
        epoch_errors.append(train_error / len(bags))
    _, _, A = model(bags[1][0])
    return {
        "losses": epoch_losses,
        "errors": epoch_errors,
        "attention": A.tolist(),
        "loss shape": list(loss.shape),
    }


def mlp_mixer_and_conv_mixer(torch, init):
    """MLP-Mixer's block (token mixing on x.transpose(1, 2) through a FeedForward of Linear,
    GELU, Linear; channel mixing after it; PreNorm residuals) and "Patches Are All You Need?"
    ConvMixer as its one-screen listing writes it (Residual(fn), a depthwise
    Conv2d(groups=dim, padding="same"), GELU, BatchNorm2d, AdaptiveAvgPool2d((1, 1)), Flatten),
    each trained three steps on generated images."""
    nn, F = torch.nn, torch.nn.functional

    class Residual(nn.Module):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, x):
            return self.fn(x) + x

    def ConvMixer(dim, depth, kernel_size=3, patch_size=2, n_classes=3):
        return nn.Sequential(
            nn.Conv2d(2, dim, kernel_size=patch_size, stride=patch_size),
            nn.GELU(),
            nn.BatchNorm2d(dim),
            *[
                nn.Sequential(
                    Residual(
                        nn.Sequential(
                            nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same"),
                            nn.GELU(),
                            nn.BatchNorm2d(dim),
                        )
                    ),
                    nn.Conv2d(dim, dim, kernel_size=1),
                    nn.GELU(),
                    nn.BatchNorm2d(dim),
                )
                for i in range(depth)
            ],
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(dim, n_classes),
        )

    class MixerBlock(nn.Module):
        def __init__(self, num_patches, dim, token_dim, channel_dim):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.token_mix = nn.Sequential(
                nn.Linear(num_patches, token_dim), nn.GELU(), nn.Linear(token_dim, num_patches)
            )
            self.norm2 = nn.LayerNorm(dim)
            self.channel_mix = nn.Sequential(
                nn.Linear(dim, channel_dim), nn.GELU(), nn.Linear(channel_dim, dim)
            )

        def forward(self, x):
            x = x + self.token_mix(self.norm1(x).transpose(1, 2)).transpose(1, 2)
            return x + self.channel_mix(self.norm2(x))

    class MLPMixer(nn.Module):
        def __init__(self):
            super().__init__()
            self.to_patch_embedding = nn.Conv2d(2, 6, kernel_size=2, stride=2)
            self.mixer_blocks = nn.ModuleList([MixerBlock(16, 6, 8, 12) for _ in range(2)])
            self.layer_norm = nn.LayerNorm(6)
            self.mlp_head = nn.Linear(6, 3)

        def forward(self, x):
            x = self.to_patch_embedding(x).flatten(2).transpose(1, 2)
            for mixer_block in self.mixer_blocks:
                x = mixer_block(x)
            x = self.layer_norm(x)
            return self.mlp_head(x.mean(dim=1))

    x = _randn(torch, (4, 2, 8, 8), 20)
    y = torch.tensor([0, 1, 2, 0])
    results = {}
    for name, model in (("mixer", MLPMixer()), ("convmixer", ConvMixer(6, 2))):
        model = init(model)
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
        losses = []
        for _ in range(3):
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        results[name] = [losses, model(x).tolist()]
    return results


def gmlp_spatial_gating_unit(torch, init):
    """gMLP's SpatialGatingUnit (x.chunk(2, dim=-1), LayerNorm on the gate, a Conv1d over the
    sequence whose weight starts near zero and bias at one, so the unit starts as u * 1) in a
    small sequence classifier trained a few steps. (FNet's torch.fft.fft(...).real mixing
    needs complex tensors, which minigrad does not have: docs/nn.md.)"""
    nn, F = torch.nn, torch.nn.functional
    seq_len, d = 5, 8

    class SpatialGatingUnit(nn.Module):
        def __init__(self, d_ffn, seq_len):
            super().__init__()
            self.norm = nn.LayerNorm(d_ffn)
            self.spatial_proj = nn.Conv1d(seq_len, seq_len, kernel_size=1)
            nn.init.uniform_(self.spatial_proj.weight, -1e-3, 1e-3)
            nn.init.constant_(self.spatial_proj.bias, 1.0)

        def forward(self, x):
            u, v = x.chunk(2, dim=-1)
            v = self.norm(v)
            v = self.spatial_proj(v)
            return u * v

    class gMLPBlock(nn.Module):
        def __init__(self, d_model, d_ffn, seq_len):
            super().__init__()
            self.norm = nn.LayerNorm(d_model)
            self.channel_proj1 = nn.Linear(d_model, d_ffn * 2)
            self.channel_proj2 = nn.Linear(d_ffn, d_model)
            self.sgu = SpatialGatingUnit(d_ffn, seq_len)

        def forward(self, x):
            residual = x
            x = self.norm(x)
            x = F.gelu(self.channel_proj1(x))
            x = self.sgu(x)
            x = self.channel_proj2(x)
            return x + residual

    x = _randn(torch, (4, seq_len, d), 21)
    y = torch.tensor([1, 0, 1, 0])
    model = init(nn.Sequential(gMLPBlock(d, 6, seq_len), nn.Flatten(), nn.Linear(seq_len * d, 2)))
    sgu = model[0].sgu
    u = _randn(torch, (2, seq_len, 12), 22)
    with torch.no_grad():
        sgu.spatial_proj.weight.zero_()
    starts_as_u = torch.allclose(sgu(u), u[..., :6])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"starts as u": starts_as_u, "losses": losses, "out": model(x).tolist()}


def glow_actnorm_and_invertible_1x1_conv(torch, init):
    """Glow's ActNorm (data-dependent initialisation on the first batch through an `initialized`
    buffer, logdet = h * w * sum(log|s|)) and InvConv2d (a weight from torch.linalg.qr of a
    random matrix, F.conv2d with weight.unsqueeze(2).unsqueeze(3), logdet from
    torch.slogdet(weight)[1] * h * w, the reverse through weight.inverse()), a flow step
    trained by the negative log-likelihood in bits per dimension."""
    nn, F = torch.nn, torch.nn.functional
    logabs = lambda x: torch.log(torch.abs(x))  # noqa: E731 (the Glow port's spelling)

    class ActNorm(nn.Module):
        def __init__(self, in_channel):
            super().__init__()
            self.loc = nn.Parameter(torch.zeros(1, in_channel, 1, 1))
            self.scale = nn.Parameter(torch.ones(1, in_channel, 1, 1))
            self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

        def initialize(self, input):
            with torch.no_grad():
                flatten = input.permute(1, 0, 2, 3).contiguous().view(input.shape[1], -1)
                mean = flatten.mean(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3)
                std = flatten.std(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3)
                self.loc.data.copy_(-mean)
                self.scale.data.copy_(1 / (std + 1e-6))

        def forward(self, input):
            _, _, height, width = input.shape
            if self.initialized.item() == 0:
                self.initialize(input)
                self.initialized.fill_(1)
            log_abs = logabs(self.scale)
            logdet = height * width * torch.sum(log_abs)
            return self.scale * (input + self.loc), logdet

        def reverse(self, output):
            return output / self.scale - self.loc

    class InvConv2d(nn.Module):
        def __init__(self, in_channel, seed):
            super().__init__()
            weight = torch.from_numpy(np.random.default_rng(seed).normal(size=(in_channel,) * 2))
            q, _ = torch.linalg.qr(weight.float())
            weight = q.unsqueeze(2).unsqueeze(3)
            self.weight = nn.Parameter(weight)

        def forward(self, input):
            _, _, height, width = input.shape
            out = F.conv2d(input, self.weight)
            logdet = height * width * torch.slogdet(self.weight.squeeze().double())[1].float()
            return out, logdet

        def reverse(self, output):
            return F.conv2d(output, self.weight.squeeze().inverse().unsqueeze(2).unsqueeze(3))

    actnorm, invconv = init(ActNorm(3)), init(InvConv2d(3, 23))
    x = _randn(torch, (8, 3, 4, 4), 24) * 2.0 + 0.5
    n_pixel = 3 * 4 * 4
    # NOTE: SGD: after the data-dependent initialisation the loc's gradient is rounding noise,
    # which Adam's first step would turn into a step of +-lr
    params = list(actnorm.parameters()) + list(invconv.parameters())
    optimizer = torch.optim.SGD(params, lr=0.05)
    losses = []
    for _ in range(4):
        out, logdet_a = actnorm(x)
        out, logdet_w = invconv(out)
        log_p = (-0.5 * math.log(2 * math.pi) - 0.5 * out**2).flatten(1).sum(1)
        loss = -(log_p + logdet_a + logdet_w).mean() / (math.log(2) * n_pixel)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        z = invconv(actnorm(x)[0])[0]
        back = actnorm.reverse(invconv.reverse(z))
    return {
        "losses": losses,
        "initialized": actnorm.initialized.item(),
        "loc": actnorm.loc.flatten().tolist(),
        "weight": invconv.weight.flatten().tolist(),
        "round trip": torch.allclose(back, x, atol=1e-4),
        "buffers": dict(actnorm.named_buffers())["initialized"].dtype == torch.uint8,
    }


def planar_flow_fitting_a_two_moons_energy(torch, init):
    """Rezende and Mohamed's planar flows as tutorials write them: f(z) = z + u_hat *
    tanh(w.z + b) with u_hat enforcing invertibility through m(x) = -1 + softplus(x), the
    log-det log|1 + u_hat.psi|, a stack of flows fitted to an unnormalised 2-D energy by the
    reverse KL with reparameterised base samples from NumPy."""
    nn, F = torch.nn, torch.nn.functional

    class PlanarFlow(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.w = nn.Parameter(torch.randn(dim) * 0.1)
            self.u = nn.Parameter(torch.randn(dim) * 0.1)
            self.b = nn.Parameter(torch.zeros(1))

        def u_hat(self):
            wtu = torch.dot(self.w, self.u)
            m_wtu = -1 + F.softplus(wtu)
            return self.u + (m_wtu - wtu) * self.w / torch.sum(self.w**2)

        def forward(self, z):
            u_hat = self.u_hat()
            lin = z @ self.w + self.b
            f_z = z + u_hat.unsqueeze(0) * torch.tanh(lin).unsqueeze(1)
            psi = (1 - torch.tanh(lin) ** 2).unsqueeze(1) * self.w.unsqueeze(0)
            log_det = torch.log(torch.abs(1 + psi @ u_hat) + 1e-8)
            return f_z, log_det

    def energy(z):
        z1, z2 = z[:, 0], z[:, 1]
        norm = torch.sqrt(z1**2 + z2**2)
        exp1 = torch.exp(-0.5 * ((z1 - 2) / 0.6) ** 2)
        exp2 = torch.exp(-0.5 * ((z1 + 2) / 0.6) ** 2)
        return 0.5 * ((norm - 2) / 0.4) ** 2 - torch.log(exp1 + exp2 + 1e-9)

    flows = init(nn.ModuleList([PlanarFlow(2) for _ in range(4)]))
    optimizer = torch.optim.SGD(flows.parameters(), lr=0.002, momentum=0.9)
    base = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
    rng = np.random.default_rng(25)
    losses = []
    for _ in range(8):
        z0 = torch.from_numpy(rng.normal(size=(64, 2)).astype(np.float32))
        z, sum_log_det = z0, torch.zeros(64)
        for flow in flows:
            z, log_det = flow(z)
            sum_log_det = sum_log_det + log_det
        log_q = base.log_prob(z0).sum(-1) - sum_log_det
        loss = (log_q + energy(z)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "u_hat w": [torch.dot(f.w, f.u_hat()).item() for f in flows],
        "invertible": all(torch.dot(f.w, f.u_hat()).item() >= -1 for f in flows),
        "z": z[:3].tolist(),
    }


def iwae_importance_weighted_bound(torch, init):
    """The importance-weighted autoencoder's bound next to the ELBO: k reparameterised samples
    per data point (dist.rsample replaced by mu + std * eps from NumPy), log weights
    log p(x|z) + log p(z) - log q(z|x) from torch.distributions (Bernoulli with logits,
    Normal, .sum(-1)), torch.logsumexp(log_w, dim=0) - log(k), trained on the IWAE bound; the
    bound is checked to be at least the ELBO."""
    nn, D = torch.nn, torch.distributions

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 2 * 3))
            self.dec = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 12))

        def log_weights(self, x, eps):
            mu, logvar = self.enc(x).chunk(2, dim=-1)
            std = torch.exp(0.5 * logvar)
            z = mu + std * eps  # [k, batch, latent]
            log_q = D.Normal(mu, std).log_prob(z).sum(-1)
            log_prior = D.Normal(torch.zeros_like(z), torch.ones_like(z)).log_prob(z).sum(-1)
            log_lik = D.Bernoulli(logits=self.dec(z)).log_prob(x.expand(z.shape[0], -1, -1))
            return log_lik.sum(-1) + log_prior - log_q

    rng = np.random.default_rng(26)
    x = torch.from_numpy((rng.random((10, 12)) < 0.3).astype(np.float32))
    model = init(VAE())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    k = 5
    iwae, elbo = [], []
    for _ in range(5):
        eps = torch.from_numpy(rng.normal(size=(k, 10, 3)).astype(np.float32))
        log_w = model.log_weights(x, eps)
        bound = (torch.logsumexp(log_w, dim=0) - math.log(k)).mean()
        optimizer.zero_grad()
        (-bound).backward()
        optimizer.step()
        iwae.append(bound.item())
        elbo.append(log_w.mean().item())
    return {
        "iwae": iwae,
        "elbo": elbo,
        "iwae >= elbo": all(a >= b for a, b in zip(iwae, elbo)),
        "log_w": list(log_w.shape),
    }


def pyhessian_top_eigenvalue_and_trace(torch, init):
    """PyHessian's recipe: gradients with create_graph=True, Hessian-vector products through
    torch.autograd.grad(gradsH, params, grad_outputs=v, only_inputs=True, retain_graph=True),
    group_product / group_add / normalization over parameter lists, power iteration for the top
    eigenvalue, and Hutchinson's trace estimate with Rademacher vectors (from NumPy),
    checked against the full Hessian from torch.autograd.functional.hessian."""
    nn, F = torch.nn, torch.nn.functional
    model = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)))
    x, y = _randn(torch, (16, 3), 27), _randn(torch, (16, 1), 28)
    criterion = nn.MSELoss()
    params = [p for p in model.parameters() if p.requires_grad]
    loss = criterion(model(x), y)
    gradsH = torch.autograd.grad(loss, params, create_graph=True)

    def group_product(xs, ys):
        return sum([torch.sum(x * y) for (x, y) in zip(xs, ys)])

    def group_add(params, update, alpha=1):
        for p, u in zip(params, update):
            p.data.add_(u * alpha)
        return params

    def normalization(v):
        s = group_product(v, v)
        s = s**0.5
        s = s.cpu().item()
        return [vi / (s + 1e-6) for vi in v]

    def hessian_vector_product(gradsH, params, v):
        return torch.autograd.grad(gradsH, params, grad_outputs=v, only_inputs=True,
                                   retain_graph=True)  # fmt: skip

    rng = np.random.default_rng(29)
    v = normalization(
        [torch.from_numpy(rng.normal(size=p.shape).astype(np.float32)) for p in params]
    )
    eigenvalue = None
    eigenvalues = []
    for _ in range(20):
        Hv = hessian_vector_product(gradsH, params, v)
        tmp_eigenvalue = group_product(Hv, v).cpu().item()
        v = normalization(Hv)
        if (
            eigenvalue is not None
            and abs(eigenvalue - tmp_eigenvalue) / (abs(eigenvalue) + 1e-6) < 1e-4
        ):
            break
        eigenvalue = tmp_eigenvalue
        eigenvalues.append(eigenvalue)
    trace_vhv = []
    for _ in range(10):
        v = [
            torch.from_numpy(rng.choice([-1.0, 1.0], size=p.shape).astype(np.float32))
            for p in params
        ]
        Hv = hessian_vector_product(gradsH, params, v)
        trace_vhv.append(group_product(Hv, v).cpu().item())

    flat = torch.nn.utils.parameters_to_vector(params).detach()
    shapes = [p.shape for p in params]

    def loss_of_flat(theta):
        pieces, at = [], 0
        for shape in shapes:
            n = math.prod(shape)
            pieces.append(theta[at : at + n].view(shape))
            at += n
        w1, b1, w2, b2 = pieces
        return F.mse_loss(torch.tanh(x @ w1.T + b1) @ w2.T + b2, y)

    H = torch.autograd.functional.hessian(loss_of_flat, flat)
    eigs = torch.linalg.eigvalsh(H)
    shifted = group_add([p.detach().clone() for p in params], v, alpha=0.1)
    return {
        "eigenvalues": eigenvalues,
        "top from eigvalsh": eigs[-1].item(),
        "power iteration found it": abs(eigenvalues[-1] - eigs.abs().max().item()) < 1e-3,
        "trace": float(np.mean(trace_vhv)),
        "exact trace": torch.trace(H).item(),
        "shifted": shifted[0].tolist(),
    }


def contractive_autoencoder_jacobian_penalty(torch, init):
    """The contractive autoencoder's penalty in its closed form for a sigmoid encoder
    (dh = h * (1 - h), w_sum = torch.sum(W**2, dim=1), torch.mm(dh**2, w_sum) summed),
    checked against the squared Frobenius norm of the encoder's Jacobian from
    torch.autograd.functional.jacobian, and trained: the penalty's gradient is a double
    backward through the sigmoid."""
    nn, F = torch.nn, torch.nn.functional

    class CAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(10, 4, bias=False)
            self.fc2 = nn.Linear(4, 10, bias=False)

        def encoder(self, x):
            return torch.sigmoid(self.fc1(x))

        def forward(self, x):
            h1 = self.encoder(x)
            return h1, torch.sigmoid(self.fc2(h1))

    def loss_function(W, x, recons_x, h, lam):
        mse = F.binary_cross_entropy(recons_x, x, reduction="sum")
        dh = h * (1 - h)
        w_sum = torch.sum(W**2, dim=1)
        w_sum = w_sum.unsqueeze(1)
        contractive_loss = torch.sum(torch.mm(dh**2, w_sum), 0)
        return mse + contractive_loss.mul_(lam), contractive_loss

    model = init(CAE())
    rng = np.random.default_rng(30)
    x = torch.from_numpy(rng.random((6, 10), dtype=np.float32))
    jac = torch.autograd.functional.jacobian(model.encoder, x[:1]).squeeze()
    h = model.encoder(x[:1])
    _, closed_form = loss_function(model.fc1.weight, x[:1], x[:1], h, 1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        hidden, recons = model(x)
        loss, _ = loss_function(model.fc1.weight, x, recons, hidden, lam=1e-2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "jacobian": list(jac.shape),
        "frobenius": (jac**2).sum().item(),
        "closed form": closed_form.item(),
        "losses": losses,
        "loss shape": list(loss.shape),
    }


def virtual_adversarial_training_power_iteration(torch, init):
    """The VAT PyTorch port's VATLoss: _disable_tracking_bn_stats as a context manager that
    flips track_running_stats through model.apply, a random direction normalised per sample
    by _l2_normalize, one power iteration (d.requires_grad_(), F.kl_div(logp_hat, pred,
    reduction="batchmean"), adv_distance.backward(), d.grad, model.zero_grad()), then the
    local distributional smoothness at r_adv = d * eps, added to a supervised loss."""
    nn, F = torch.nn, torch.nn.functional
    import contextlib

    @contextlib.contextmanager
    def _disable_tracking_bn_stats(model):
        def switch_attr(m):
            if hasattr(m, "track_running_stats"):
                m.track_running_stats ^= True

        model.apply(switch_attr)
        yield
        model.apply(switch_attr)

    def _l2_normalize(d):
        d_reshaped = d.view(d.shape[0], -1, *(1 for _ in range(d.dim() - 2)))
        d /= torch.norm(d_reshaped, dim=1, keepdim=True) + 1e-8
        return d

    class VATLoss(nn.Module):
        def __init__(self, xi=10.0, eps=1.0, ip=1):
            super().__init__()
            self.xi, self.eps, self.ip = xi, eps, ip

        def forward(self, model, x, d):
            with torch.no_grad():
                pred = F.softmax(model(x), dim=1)
            d = _l2_normalize(d)
            with _disable_tracking_bn_stats(model):
                for _ in range(self.ip):
                    d.requires_grad_()
                    pred_hat = model(x + self.xi * d)
                    logp_hat = F.log_softmax(pred_hat, dim=1)
                    adv_distance = F.kl_div(logp_hat, pred, reduction="batchmean")
                    adv_distance.backward()
                    d = _l2_normalize(d.grad)
                    model.zero_grad()
                r_adv = d * self.eps
                pred_hat = model(x + r_adv)
                logp_hat = F.log_softmax(pred_hat, dim=1)
                lds = F.kl_div(logp_hat, pred, reduction="batchmean")
            return lds

    model = init(nn.Sequential(nn.Linear(4, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Linear(12, 3)))
    x_l, y_l = _randn(torch, (8, 4), 31), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    x_ul = _randn(torch, (10, 4), 32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    vat_loss = VATLoss(xi=1.0, eps=0.5, ip=1)
    rng = np.random.default_rng(33)
    losses, tracking = [], []
    for _ in range(4):
        d = torch.from_numpy(rng.random(x_ul.shape, dtype=np.float32)) - 0.5
        lds = vat_loss(model, x_ul, d)
        tracking.append(model[1].num_batches_tracked.item())
        loss = F.cross_entropy(model(x_l), y_l) + 1.0 * lds
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append([loss.item(), lds.item()])
    return {
        "losses": losses,
        "batches tracked": tracking,
        "running mean": model[1].running_mean.tolist(),
        "tracking restored": model[1].track_running_stats,
    }


def center_loss_with_its_own_optimizer(torch, init):
    """The center-loss PyTorch port: distmat = ||x||^2 + ||c||^2 expanded, then
    distmat.addmm_(x, centers.t(), beta=1, alpha=-2), a label mask from
    labels.unsqueeze(1).expand(...).eq(classes.expand(...)), the masked distances clamped to
    [1e-12, 1e12]; the centers trained by their own SGD, whose gradients are rescaled by
    1 / weight before its step (`param.grad.data *= 1.0 / weight`)."""
    nn, F = torch.nn, torch.nn.functional

    class CenterLoss(nn.Module):
        def __init__(self, num_classes, feat_dim):
            super().__init__()
            self.num_classes = num_classes
            self.centers = nn.Parameter(torch.randn(num_classes, feat_dim))

        def forward(self, x, labels):
            batch_size = x.size(0)
            distmat = (
                torch.pow(x, 2).sum(dim=1, keepdim=True).expand(batch_size, self.num_classes)
                + torch.pow(self.centers, 2)
                .sum(dim=1, keepdim=True)
                .expand(self.num_classes, batch_size)
                .t()
            )
            distmat.addmm_(x, self.centers.t(), beta=1, alpha=-2)
            classes = torch.arange(self.num_classes).long()
            labels = labels.unsqueeze(1).expand(batch_size, self.num_classes)
            mask = labels.eq(classes.expand(batch_size, self.num_classes))
            dist = distmat * mask.float()
            return dist.clamp(min=1e-12, max=1e12).sum() / batch_size

    model = init(nn.Sequential(nn.Linear(6, 8), nn.PReLU(), nn.Linear(8, 2)))
    head = init(nn.Linear(2, 3))
    criterion_cent = init(CenterLoss(num_classes=3, feat_dim=2))
    rng = np.random.default_rng(34)
    labels = torch.from_numpy(rng.integers(0, 3, 12))
    x = _randn(torch, (12, 6), 35) + F.one_hot(labels, 6).float()
    params = list(model.parameters()) + list(head.parameters())
    optimizer_model = torch.optim.SGD(params, lr=0.05, weight_decay=5e-4, momentum=0.9)
    optimizer_centloss = torch.optim.SGD(criterion_cent.parameters(), lr=0.5)
    weight_cent = 0.1
    losses = []
    for _ in range(5):
        features = model(x)
        loss_xent = F.cross_entropy(head(features), labels)
        loss_cent = criterion_cent(features, labels)
        loss = loss_xent + weight_cent * loss_cent
        optimizer_model.zero_grad()
        optimizer_centloss.zero_grad()
        loss.backward()
        optimizer_model.step()
        for param in criterion_cent.parameters():
            param.grad.data *= 1.0 / weight_cent
        optimizer_centloss.step()
        losses.append([loss_xent.item(), loss_cent.item()])
    return {
        "losses": losses,
        "centers": criterion_cent.centers.tolist(),
        "prelu": model[1].weight.tolist(),
    }


def evidential_classification_with_dirichlet_kl(torch, init):
    """Sensoy et al.'s evidential deep learning as its PyTorch port writes it: evidence from
    F.relu, alpha = evidence + 1, the expected mean-squared loss, a KL term to the uniform
    Dirichlet written with torch.lgamma and torch.digamma (checked against
    torch.distributions.kl_divergence of two Dirichlets), annealed by
    min(1, epoch / 10), and the uncertainty u = K / S."""
    nn, F = torch.nn, torch.nn.functional
    num_classes = 3

    def kl_divergence(alpha, num_classes):
        ones = torch.ones([1, num_classes], dtype=torch.float32)
        sum_alpha = torch.sum(alpha, dim=1, keepdim=True)
        first_term = (
            torch.lgamma(sum_alpha)
            - torch.lgamma(alpha).sum(dim=1, keepdim=True)
            + torch.lgamma(ones).sum(dim=1, keepdim=True)
            - torch.lgamma(ones.sum(dim=1, keepdim=True))
        )
        second_term = (
            (alpha - ones)
            .mul(torch.digamma(alpha) - torch.digamma(sum_alpha))
            .sum(dim=1, keepdim=True)
        )
        return first_term + second_term

    def loglikelihood_loss(y, alpha):
        S = torch.sum(alpha, dim=1, keepdim=True)
        loglikelihood_err = torch.sum((y - (alpha / S)) ** 2, dim=1, keepdim=True)
        loglikelihood_var = torch.sum(alpha * (S - alpha) / (S * S * (S + 1)), dim=1, keepdim=True)
        return loglikelihood_err + loglikelihood_var

    def mse_loss(y, alpha, epoch_num, num_classes, annealing_step):
        loglikelihood = loglikelihood_loss(y, alpha)
        annealing_coef = torch.min(
            torch.tensor(1.0, dtype=torch.float32),
            torch.tensor(epoch_num / annealing_step, dtype=torch.float32),
        )
        kl_alpha = (alpha - 1) * (1 - y) + 1
        kl_div = annealing_coef * kl_divergence(kl_alpha, num_classes)
        return loglikelihood + kl_div

    model = init(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, num_classes)))
    rng = np.random.default_rng(36)
    labels = torch.from_numpy(rng.integers(0, num_classes, 15))
    x = _randn(torch, (15, 4), 37) + 1.5 * F.one_hot(labels, 4).float()
    y = F.one_hot(labels, num_classes).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.005)
    losses = []
    for epoch in range(6):
        evidence = F.relu(model(x))
        alpha = evidence + 1
        loss = torch.mean(mse_loss(y, alpha, epoch, num_classes, 10))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    alpha = F.relu(model(x)).detach() + 1
    u = num_classes / torch.sum(alpha, dim=1, keepdim=True)
    D = torch.distributions
    by_distributions = D.kl_divergence(D.Dirichlet(alpha), D.Dirichlet(torch.ones_like(alpha)))
    return {
        "losses": losses,
        "uncertainty": u.flatten().tolist(),
        "kl": kl_divergence(alpha, num_classes).flatten().tolist(),
        "kl matches": torch.allclose(
            kl_divergence(alpha, num_classes).flatten(), by_distributions, atol=1e-4
        ),
    }


def class_balanced_focal_loss(torch, init):
    """Cui et al.'s class-balanced loss as its reference PyTorch code writes it: weights from the
    effective number of samples (1 - beta) / (1 - beta ** n) renormalised to the number of
    classes, F.one_hot labels, weights broadcast with unsqueeze/repeat and summed, and the
    focal modulator torch.exp(-gamma * labels * logits - gamma * torch.log(1 + torch.exp(-logits)))
    on F.binary_cross_entropy_with_logits(reduction="none"); also its softmax and sigmoid
    variants, on an imbalanced generated problem."""
    nn, F = torch.nn, torch.nn.functional

    def focal_loss(labels, logits, alpha, gamma):
        BCLoss = F.binary_cross_entropy_with_logits(input=logits, target=labels, reduction="none")
        if gamma == 0.0:
            modulator = 1.0
        else:
            modulator = torch.exp(
                -gamma * labels * logits - gamma * torch.log(1 + torch.exp(-1.0 * logits))
            )
        loss = modulator * BCLoss
        weighted_loss = alpha * loss
        focal_loss = torch.sum(weighted_loss)
        focal_loss /= torch.sum(labels)
        return focal_loss

    def CB_loss(labels, logits, samples_per_cls, no_of_classes, loss_type, beta, gamma):
        effective_num = 1.0 - np.power(beta, samples_per_cls)
        weights = (1.0 - beta) / np.array(effective_num)
        weights = weights / np.sum(weights) * no_of_classes
        labels_one_hot = F.one_hot(labels, no_of_classes).float()
        weights = torch.tensor(weights).float()
        weights = weights.unsqueeze(0)
        weights = weights.repeat(labels_one_hot.shape[0], 1) * labels_one_hot
        weights = weights.sum(1)
        weights = weights.unsqueeze(1)
        weights = weights.repeat(1, no_of_classes)
        if loss_type == "focal":
            return focal_loss(labels_one_hot, logits, weights, gamma)
        if loss_type == "sigmoid":
            return F.binary_cross_entropy_with_logits(
                input=logits, target=labels_one_hot, weight=weights
            )
        pred = logits.softmax(dim=1)
        return F.binary_cross_entropy(input=pred, target=labels_one_hot, weight=weights)

    samples_per_cls = [14, 4, 2]
    labels = torch.tensor([0] * 14 + [1] * 4 + [2] * 2)
    x = _randn(torch, (20, 5), 38) + F.one_hot(labels, 5).float() * 2
    model = init(nn.Linear(5, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    results = {}
    for loss_type in ("focal", "sigmoid", "softmax"):
        results[loss_type] = CB_loss(
            labels, model(x), samples_per_cls, 3, loss_type, beta=0.9999, gamma=2.0
        ).item()
    losses = []
    for _ in range(5):
        loss = CB_loss(labels, model(x), samples_per_cls, 3, "focal", beta=0.99, gamma=2.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    results["losses"] = losses
    results["recall"] = [
        (model(x).argmax(1)[labels == c] == c).float().mean().item() for c in range(3)
    ]
    return results


def co_teaching_small_loss_selection(torch, init):
    """Co-teaching (Han et al.) as its PyTorch code writes it: two networks, per-sample
    cross-entropy with reduction="none", np.argsort of the losses (.data.cpu()), a remember
    rate that decays with the epoch (forget_rate schedule), and each network updated on the
    small-loss samples its peer selected, on labels with injected noise."""
    nn, F = torch.nn, torch.nn.functional

    def loss_coteaching(y_1, y_2, t, forget_rate):
        loss_1 = F.cross_entropy(y_1, t, reduction="none")
        ind_1_sorted = np.argsort(loss_1.data.cpu().numpy(), kind="stable")
        loss_2 = F.cross_entropy(y_2, t, reduction="none")
        ind_2_sorted = np.argsort(loss_2.data.cpu().numpy(), kind="stable")
        remember_rate = 1 - forget_rate
        num_remember = int(remember_rate * len(ind_1_sorted))
        ind_1_update = torch.from_numpy(ind_1_sorted[:num_remember])
        ind_2_update = torch.from_numpy(ind_2_sorted[:num_remember])
        loss_1_update = F.cross_entropy(y_1[ind_2_update], t[ind_2_update])
        loss_2_update = F.cross_entropy(y_2[ind_1_update], t[ind_1_update])
        return loss_1_update, loss_2_update, ind_1_update, ind_2_update

    rng = np.random.default_rng(39)
    clean = rng.integers(0, 3, 30)
    noisy = clean.copy()
    flip = rng.random(30) < 0.3
    noisy[flip] = (noisy[flip] + 1) % 3
    x = _randn(torch, (30, 4), 40) + 2 * F.one_hot(torch.from_numpy(clean), 4).float()
    t = torch.from_numpy(noisy)
    model1 = init(nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 3)))
    model2 = init(nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 3)))
    optimizer1 = torch.optim.Adam(model1.parameters(), lr=0.02)
    optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.02)
    rate_schedule = np.ones(6) * 0.3
    rate_schedule[:3] = np.linspace(0, 0.3, 3)
    history = []
    for epoch in range(6):
        loss_1, loss_2, ind_1, ind_2 = loss_coteaching(
            model1(x), model2(x), t, rate_schedule[epoch]
        )
        optimizer1.zero_grad()
        loss_1.backward()
        optimizer1.step()
        optimizer2.zero_grad()
        loss_2.backward()
        optimizer2.step()
        pure_ratio_1 = np.sum(~flip[ind_1.numpy()]) / float(len(ind_1))
        history.append([loss_1.item(), loss_2.item(), len(ind_1), float(pure_ratio_1)])
    return {"history": history, "kept": sorted(ind_2.tolist())}


def glove_weighted_least_squares_with_adagrad(torch, init):
    """GloVe as PyTorch re-implementations train it: a co-occurrence matrix counted from a
    generated corpus with a 1/distance window (index_put_ with accumulate=True), the
    weighting f(x) = (x / x_max) ** alpha capped at 1 through torch.clamp, separate word and
    context embeddings and biases, the weighted squared error against log counts, and
    Adagrad, as the paper; the word vectors are w + w~."""
    nn = torch.nn
    vocab, dim, window = 10, 4, 2
    rng = np.random.default_rng(41)
    corpus = rng.integers(0, vocab, 80)
    rows, cols, vals = [], [], []
    for i, center in enumerate(corpus):
        for j in range(max(0, i - window), min(len(corpus), i + window + 1)):
            if j != i:
                rows.append(center)
                cols.append(corpus[j])
                vals.append(1.0 / abs(i - j))
    cooc = torch.zeros(vocab, vocab)
    cooc.index_put_(
        (torch.tensor(rows), torch.tensor(cols)),
        torch.tensor(vals, dtype=torch.float32),
        accumulate=True,
    )
    i_idx, j_idx = torch.nonzero(cooc, as_tuple=True)
    counts = cooc[i_idx, j_idx]

    class GloVe(nn.Module):
        def __init__(self):
            super().__init__()
            self.wi = nn.Embedding(vocab, dim)
            self.wj = nn.Embedding(vocab, dim)
            self.bi = nn.Embedding(vocab, 1)
            self.bj = nn.Embedding(vocab, 1)
            for emb in (self.wi, self.wj, self.bi, self.bj):
                emb.weight.data.uniform_(-0.5, 0.5)

        def forward(self, i, j):
            return (self.wi(i) * self.wj(j)).sum(1) + self.bi(i).squeeze() + self.bj(j).squeeze()

    def weight_func(x, x_max=3.0, alpha=0.75):
        return torch.clamp((x / x_max) ** alpha, max=1.0)

    model = init(GloVe())
    optimizer = torch.optim.Adagrad(model.parameters(), lr=0.05)
    losses = []
    for _ in range(8):
        pred = model(i_idx, j_idx)
        loss = (weight_func(counts) * (pred - torch.log(counts)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    vectors = model.wi.weight + model.wj.weight
    return {
        "nonzero": len(counts),
        "cooc": cooc.sum(1).tolist(),
        "losses": losses,
        "vectors": vectors.tolist(),
        "state": list(optimizer.state_dict()["state"][0].keys()),
    }


def deepfm_factorization_machine_click_model(torch, init):
    """DeepFM as its PyTorch ports write it: one shared Embedding over all fields with per-field
    offsets (np.cumsum of the field sizes, added with x + x.new_tensor(offsets).unsqueeze(0)),
    the first-order term from a width-1 embedding, the FM second-order term
    0.5 * (square_of_sum - sum_of_square).sum(1), a deep MLP on the flattened embeddings,
    BCEWithLogits training, and an AUC computed by ranking with torch.argsort."""
    nn = torch.nn
    field_dims = np.array([4, 3, 5])

    class FeaturesEmbedding(nn.Module):
        def __init__(self, field_dims, embed_dim):
            super().__init__()
            self.embedding = nn.Embedding(sum(field_dims), embed_dim)
            self.offsets = np.array((0, *np.cumsum(field_dims)[:-1]), dtype=np.int64)
            nn.init.xavier_uniform_(self.embedding.weight.data)

        def forward(self, x):
            x = x + x.new_tensor(self.offsets).unsqueeze(0)
            return self.embedding(x)

    class FactorizationMachine(nn.Module):
        def forward(self, x):
            square_of_sum = torch.sum(x, dim=1) ** 2
            sum_of_square = torch.sum(x**2, dim=1)
            ix = square_of_sum - sum_of_square
            return 0.5 * torch.sum(ix, dim=1, keepdim=True)

    class DeepFM(nn.Module):
        def __init__(self, embed_dim=4):
            super().__init__()
            self.linear = FeaturesEmbedding(field_dims, 1)
            self.bias = nn.Parameter(torch.zeros((1,)))
            self.fm = FactorizationMachine()
            self.embedding = FeaturesEmbedding(field_dims, embed_dim)
            self.embed_output_dim = len(field_dims) * embed_dim
            self.mlp = nn.Sequential(
                nn.Linear(self.embed_output_dim, 8), nn.ReLU(), nn.Linear(8, 1)
            )

        def forward(self, x):
            embed_x = self.embedding(x)
            x = (
                torch.sum(self.linear(x), dim=1)
                + self.bias
                + self.fm(embed_x)
                + self.mlp(embed_x.view(-1, self.embed_output_dim))
            )
            return x.squeeze(1)

    rng = np.random.default_rng(42)
    x = torch.from_numpy(np.stack([rng.integers(0, d, 40) for d in field_dims], axis=1))
    y = ((x[:, 0] == x[:, 1]) | (x[:, 2] > 3)).float()
    model = init(DeepFM())
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-6)
    losses = []
    for _ in range(6):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    def roc_auc(scores, labels):
        ranks = torch.empty_like(scores)
        ranks[torch.argsort(scores)] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
        n_pos = labels.sum()
        n_neg = len(labels) - n_pos
        return ((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)).item()

    with torch.no_grad():
        scores = torch.sigmoid(model(x))
    fm_check = FactorizationMachine()(torch.ones(1, 3, 2))
    return {
        "losses": losses,
        "auc": roc_auc(scores, y),
        "fm of ones": fm_check.tolist(),
        "offsets": model.embedding.offsets.tolist(),
    }


def distmult_and_complex_link_prediction(torch, init):
    """Knowledge-graph embeddings as tutorials write them: DistMult's score sum(h * r * t) and
    ComplEx's Re(<h, r, conj(t)>) on embeddings split into real and imaginary halves with
    torch.chunk, 1-N scoring of every entity at once through a matmul with the entity table's
    transpose, BCE against multi-hot targets built by index_put_, N3 regularisation, and
    filtered mean reciprocal rank."""
    nn, F = torch.nn, torch.nn.functional
    n_ent, n_rel, dim = 8, 2, 6
    rng = np.random.default_rng(43)
    triples = np.unique(
        np.stack(
            [rng.integers(0, n_ent, 20), rng.integers(0, n_rel, 20), rng.integers(0, n_ent, 20)],
            axis=1,
        ),
        axis=0,
    )
    triples = torch.from_numpy(triples)
    heads, rels, tails = triples[:, 0], triples[:, 1], triples[:, 2]
    targets = torch.zeros(len(triples), n_ent)
    for k in range(len(triples)):
        same = (heads == heads[k]) & (rels == rels[k])
        targets[k].index_put_((tails[same],), torch.tensor(1.0))

    class KGE(nn.Module):
        def __init__(self, complex_valued):
            super().__init__()
            self.complex_valued = complex_valued
            self.ent = nn.Embedding(n_ent, dim)
            self.rel = nn.Embedding(n_rel, dim)
            nn.init.normal_(self.ent.weight, std=0.3)
            nn.init.normal_(self.rel.weight, std=0.3)

        def forward(self, h, r):
            e_h, e_r = self.ent(h), self.rel(r)
            if not self.complex_valued:
                return (e_h * e_r) @ self.ent.weight.t(), (e_h, e_r)
            h_re, h_im = torch.chunk(e_h, 2, dim=-1)
            r_re, r_im = torch.chunk(e_r, 2, dim=-1)
            t_re, t_im = torch.chunk(self.ent.weight, 2, dim=-1)
            score = (h_re * r_re - h_im * r_im) @ t_re.t() + (h_re * r_im + h_im * r_re) @ t_im.t()
            return score, (e_h, e_r)

    results = {}
    for name, complex_valued in (("distmult", False), ("complex", True)):
        model = init(KGE(complex_valued))
        optimizer = torch.optim.Adagrad(model.parameters(), lr=0.1)
        losses = []
        for _ in range(6):
            scores, factors = model(heads, rels)
            n3 = sum(torch.sum(torch.abs(f) ** 3) for f in factors) / len(heads)
            loss = F.binary_cross_entropy_with_logits(scores, targets) + 1e-3 * n3
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        with torch.no_grad():
            scores, _ = model(heads, rels)
            true = scores[torch.arange(len(tails)), tails].clone()
            filtered = scores.masked_fill(targets.bool(), float("-inf"))
            rank = 1 + (filtered > true.unsqueeze(1)).sum(1)
        results[name] = [losses, (1.0 / rank.float()).mean().item()]
    return results


def nbeats_generic_and_trend_blocks(torch, init):
    """N-BEATS as its PyTorch ports write it: blocks of fully connected layers producing
    expansion coefficients theta, a generic block (Linear backcast/forecast heads) and a trend
    block (a fixed polynomial basis of torch.linspace, registered as buffers, theta @ basis),
    doubly residual stacking (backcast subtracted from the input, forecasts summed), trained
    on generated seasonal series with an L1 loss."""
    nn, F = torch.nn, torch.nn.functional
    backcast_length, forecast_length = 12, 4

    class Block(nn.Module):
        def __init__(self, theta_dim, units=16):
            super().__init__()
            self.fc = nn.Sequential(
                nn.Linear(backcast_length, units), nn.ReLU(), nn.Linear(units, units), nn.ReLU()
            )
            self.theta_b_fc = nn.Linear(units, theta_dim, bias=False)
            self.theta_f_fc = nn.Linear(units, theta_dim, bias=False)

    class GenericBlock(Block):
        def __init__(self):
            super().__init__(theta_dim=6)
            self.backcast_fc = nn.Linear(6, backcast_length)
            self.forecast_fc = nn.Linear(6, forecast_length)

        def forward(self, x):
            h = self.fc(x)
            return self.backcast_fc(self.theta_b_fc(h)), self.forecast_fc(self.theta_f_fc(h))

    class TrendBlock(Block):
        def __init__(self, degree=2):
            super().__init__(theta_dim=degree + 1)
            total = backcast_length + forecast_length
            t = torch.linspace(0, 1, total)
            basis = torch.stack([t**i for i in range(degree + 1)])
            self.register_buffer("backcast_basis", basis[:, :backcast_length])
            self.register_buffer("forecast_basis", basis[:, backcast_length:])

        def forward(self, x):
            h = self.fc(x)
            backcast = self.theta_b_fc(h) @ self.backcast_basis
            forecast = self.theta_f_fc(h) @ self.forecast_basis
            return backcast, forecast

    class NBeatsNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stacks = nn.ModuleList([TrendBlock(), GenericBlock(), GenericBlock()])

        def forward(self, backcast):
            forecast = torch.zeros(size=(backcast.size()[0], forecast_length))
            for block in self.stacks:
                b, f = block(backcast)
                backcast = backcast - b
                forecast = forecast + f
            return backcast, forecast

    rng = np.random.default_rng(44)
    t = np.arange(backcast_length + forecast_length)
    series = np.stack(
        [
            0.05 * k * t + np.sin(2 * np.pi * t / 4 + k) + 0.1 * rng.normal(size=t.size)
            for k in range(8)
        ]
    ).astype(np.float32)
    x = torch.from_numpy(series[:, :backcast_length])
    y = torch.from_numpy(series[:, backcast_length:])
    model = init(NBeatsNet())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    losses = []
    for _ in range(6):
        residual, forecast = model(x)
        loss = F.l1_loss(forecast, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "residual": residual[0].tolist(),
        "buffers": sorted(name for name, _ in model.named_buffers()),
        "params": sum(p.numel() for p in model.parameters()),
    }


def convlstm_next_frame_prediction(torch, init):
    """The ConvLSTM cell as its popular PyTorch port writes it: torch.cat([input, h_cur], dim=1)
    through one Conv2d with 4 * hidden_dim outputs, torch.split(combined_conv,
    self.hidden_dim, dim=1) into the gates, init_hidden with torch.zeros(...,
    device=self.conv.weight.device), unrolled over the time dimension of batch-first
    video; trained to predict the next frame of moving bars."""
    nn, F = torch.nn, torch.nn.functional

    class ConvLSTMCell(nn.Module):
        def __init__(self, input_dim, hidden_dim, kernel_size, bias):
            super().__init__()
            self.input_dim = input_dim
            self.hidden_dim = hidden_dim
            self.padding = kernel_size[0] // 2, kernel_size[1] // 2
            self.conv = nn.Conv2d(
                in_channels=self.input_dim + self.hidden_dim,
                out_channels=4 * self.hidden_dim,
                kernel_size=kernel_size,
                padding=self.padding,
                bias=bias,
            )

        def forward(self, input_tensor, cur_state):
            h_cur, c_cur = cur_state
            combined = torch.cat([input_tensor, h_cur], dim=1)
            combined_conv = self.conv(combined)
            cc_i, cc_f, cc_o, cc_g = torch.split(combined_conv, self.hidden_dim, dim=1)
            i = torch.sigmoid(cc_i)
            f = torch.sigmoid(cc_f)
            o = torch.sigmoid(cc_o)
            g = torch.tanh(cc_g)
            c_next = f * c_cur + i * g
            h_next = o * torch.tanh(c_next)
            return h_next, c_next

        def init_hidden(self, batch_size, image_size):
            height, width = image_size
            return (
                torch.zeros(batch_size, self.hidden_dim, height, width,
                            device=self.conv.weight.device),
                torch.zeros(batch_size, self.hidden_dim, height, width,
                            device=self.conv.weight.device),
            )  # fmt: skip

    frames = np.zeros((3, 5, 1, 6, 6), dtype=np.float32)
    for b in range(3):
        for step in range(5):
            frames[b, step, 0, :, (b + step) % 6] = 1.0  # a bar moving right
    video = torch.from_numpy(frames)
    cell = init(ConvLSTMCell(1, 4, (3, 3), bias=True))
    readout = init(nn.Conv2d(4, 1, kernel_size=1))
    optimizer = torch.optim.Adam(list(cell.parameters()) + list(readout.parameters()), lr=0.02)
    losses = []
    for _ in range(4):
        b, seq_len, _, h, w = video.size()
        hidden, c = cell.init_hidden(batch_size=b, image_size=(h, w))
        predictions = []
        for t in range(seq_len - 1):
            hidden, c = cell(input_tensor=video[:, t, :, :, :], cur_state=[hidden, c])
            predictions.append(readout(hidden))
        pred = torch.stack(predictions, dim=1)
        loss = F.binary_cross_entropy_with_logits(pred, video[:, 1:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"losses": losses, "pred": list(pred.shape), "last": pred[0, -1, 0].tolist()}


def reptile_sine_wave_meta_learning(torch, init):
    """OpenAI's Reptile sine-wave script in PyTorch: for each task, a copy of the model's
    weights (copy.deepcopy of the state_dict), inner SGD steps by hand (param.data -=
    innerstepsize * param.grad.data after model.zero_grad()), then the outer update
    `weights_before[name] + (weights_after[name] - weights_before[name]) * outerstepsize`
    loaded back with load_state_dict, the outer step size annealed linearly."""
    nn = torch.nn
    rng = np.random.default_rng(45)
    x_all = np.linspace(-5, 5, 20)[:, None].astype(np.float32)
    model = init(nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                               nn.Linear(16, 1)))  # fmt: skip

    def gen_task():
        phase = rng.uniform(low=0, high=2 * np.pi)
        ampl = rng.uniform(0.1, 5)
        return lambda x: (np.sin(x + phase) * ampl).astype(np.float32)

    def train_on_batch(x, y, innerstepsize=0.02):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        model.zero_grad()
        ypred = model(x)
        loss = (ypred - y).pow(2).mean()
        loss.backward()
        for param in model.parameters():
            param.data -= innerstepsize * param.grad.data
        return loss.item()

    niterations, outerstepsize0 = 4, 0.1
    inner_losses = []
    for iteration in range(niterations):
        weights_before = copy.deepcopy(model.state_dict())
        f = gen_task()
        y_all = f(x_all)
        inds = rng.permutation(len(x_all))
        for _ in range(2):
            for start in range(0, len(x_all), 10):
                mbinds = inds[start : start + 10]
                inner_losses.append(train_on_batch(x_all[mbinds], y_all[mbinds]))
        outerstepsize = outerstepsize0 * (1 - iteration / niterations)
        weights_after = model.state_dict()
        model.load_state_dict(
            {
                name: weights_before[name]
                + (weights_after[name] - weights_before[name]) * outerstepsize
                for name in weights_before
            }
        )
    return {
        "inner losses": inner_losses,
        "weights": model[4].weight.tolist(),
        "copy is independent": weights_before["4.bias"].data_ptr()
        != model.state_dict()["4.bias"].data_ptr(),
    }


def d2l_lazy_lenet_and_nin_with_apply_init(torch, init):
    """d2l's PyTorch edition: LeNet and NiN built of nn.LazyConv2d and nn.LazyLinear, the
    layer_summary loop printing each layer's output shape after a dry run, apply_init's
    `self.forward(*inputs)` then `self.net.apply(init_cnn)` with nn.init.xavier_uniform_ on
    Linear and Conv2d layers, and a few SGD steps on sklearn's digits."""
    from sklearn.datasets import load_digits

    nn, F = torch.nn, torch.nn.functional

    def init_cnn(module):
        if type(module) is nn.Linear or type(module) is nn.Conv2d:
            nn.init.xavier_uniform_(module.weight)

    def lenet(num_classes=10):
        return nn.Sequential(
            nn.LazyConv2d(6, kernel_size=3, padding=1), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=3), nn.Sigmoid(),
            nn.Flatten(),
            nn.LazyLinear(32), nn.Sigmoid(),
            nn.LazyLinear(num_classes),
        )  # fmt: skip

    def nin_block(out_channels, kernel_size, strides, padding):
        return nn.Sequential(
            nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
            nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
            nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        )  # fmt: skip

    def nin(num_classes=10):
        return nn.Sequential(
            nin_block(8, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(2, stride=2),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
        )

    digits = load_digits()
    X = torch.from_numpy((digits.images[:64] / 16.0).astype(np.float32)).unsqueeze(1)
    y = torch.from_numpy(digits.target[:64])
    results = {}
    for name, net in (("lenet", lenet()), ("nin", nin())):
        before = repr(net)
        summary = []
        x = torch.zeros(1, 1, 8, 8)
        for layer in net:
            x = layer(x)
            summary.append(f"{layer.__class__.__name__} output shape:\t{tuple(x.shape)}")
        net.apply(init_cnn)
        net = init(net)
        optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
        losses = []
        for _ in range(4):
            loss = F.cross_entropy(net(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results[name] = [before, summary, repr(net), losses]
    return results


def optimizer_state_dict_hooks_and_resuming(torch, init):
    """The optimizer's hooks from the docs: register_step_pre_hook/register_step_post_hook
    counting steps, register_state_dict_pre_hook and a post hook adding the epoch to the saved
    dict, register_load_state_dict_pre_hook stripping it again and a post hook that reports,
    then training resumed from the dict in a new Adam gives the same numbers as going on."""
    nn, F = torch.nn, torch.nn.functional
    model = init(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)))
    x, y = _randn(torch, (16, 4), 46), _randn(torch, (16, 1), 47)
    log = []

    def attach(optimizer):
        optimizer.register_step_pre_hook(lambda opt, args, kwargs: log.append("pre step"))
        optimizer.register_step_post_hook(lambda opt, args, kwargs: log.append("post step"))
        optimizer.register_state_dict_pre_hook(lambda opt: log.append("saving"))

        def add_epoch(opt, state_dict):
            state_dict["epoch"] = 3
            return state_dict

        def strip_epoch(opt, state_dict):
            log.append(f"loading epoch {state_dict.pop('epoch')}")
            return state_dict

        optimizer.register_state_dict_post_hook(add_epoch)
        optimizer.register_load_state_dict_pre_hook(strip_epoch)
        optimizer.register_load_state_dict_post_hook(lambda opt: log.append("loaded"))
        return optimizer

    def train(optimizer, steps):
        losses = []
        for _ in range(steps):
            loss = F.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    optimizer = attach(torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True))
    first = train(optimizer, 3)
    checkpoint = {
        "model": copy.deepcopy(model.state_dict()),
        "optimizer": copy.deepcopy(optimizer.state_dict()),
    }
    going_on = train(optimizer, 3)
    model.load_state_dict(checkpoint["model"])
    resumed_optimizer = attach(torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True))
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed = train(resumed_optimizer, 3)
    return {
        "first": first,
        "going on": going_on,
        "resumed": resumed,
        "log": log,
        "keys": sorted(checkpoint["optimizer"]),
        "state": sorted(checkpoint["optimizer"]["state"][0]),
        "step": float(checkpoint["optimizer"]["state"][0]["step"]),
    }


def torch_func_linearize_and_grad_and_value(torch, init):
    """torch.func's less used transforms: grad_and_value with has_aux=True (loss and accuracy
    out of one call) over a functional_call of a model's parameters, linearize (the JVP at a
    point, reused for several tangents) against jvp and jacfwd, and hvp as forward-over-reverse
    jvp(grad(f)) against torch.func.hessian."""
    nn, F = torch.nn, torch.nn.functional
    func = torch.func  # `from torch.func import ...` would import PyTorch's in both runs
    functional_call, grad, grad_and_value = func.functional_call, func.grad, func.grad_and_value
    hessian, jacfwd, jvp, linearize = func.hessian, func.jacfwd, func.jvp, func.linearize

    model = init(nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, target = _randn(torch, (6, 3), 48), torch.tensor([0, 1, 1, 0, 1, 0])

    def loss_fn(params, x, target):
        logits = functional_call(model, params, (x,))
        accuracy = (logits.argmax(1) == target).float().mean()
        return F.cross_entropy(logits, target), accuracy

    grads, (loss, accuracy) = grad_and_value(loss_fn, has_aux=True)(params, x, target)

    def f(v):
        return torch.sin(v) * v.sum() + v**2

    primal = _randn(torch, (4,), 49)
    out, jvp_fn = linearize(f, primal)
    tangents = [torch.eye(4)[i] for i in range(4)]
    columns = [jvp_fn(t) for t in tangents]
    jacobian = jacfwd(f)(primal)
    by_jvp = jvp(f, (primal,), (tangents[1],))[1]

    def g(v):
        return (torch.sin(v) * v.sum()).sum()

    tangent = _randn(torch, (4,), 50)
    hvp = jvp(grad(g), (primal,), (tangent,))[1]
    return {
        "grads": {k: v.tolist() for k, v in grads.items()},
        "loss": loss.item(),
        "accuracy": accuracy.item(),
        "out": out.tolist(),
        "columns": torch.allclose(torch.stack(columns, dim=1), jacobian, atol=1e-6),
        "jvp": by_jvp.tolist(),
        "hvp": hvp.tolist(),
        "hessian": torch.allclose(hessian(g)(primal) @ tangent, hvp, atol=1e-5),
    }


PROGRAMS = [
    forward_forward_layerwise_goodness,
    snli_bilstm_encoder_with_feature_concat,
    fast_neural_style_transformer_net,
    barlow_twins_cross_correlation_loss,
    byol_predictor_and_ema_target,
    dino_centering_sharpening_and_multicrop,
    supcon_supervised_contrastive_loss,
    mae_random_masking_patchify_and_loss,
    cbam_channel_and_spatial_attention,
    non_local_block_embedded_gaussian,
    slot_attention_iterative_routing,
    set_transformer_isab_and_pma,
    grouped_query_and_sliding_window_attention,
    attention_mil_pooling_gated,
    mlp_mixer_and_conv_mixer,
    gmlp_spatial_gating_unit,
    glow_actnorm_and_invertible_1x1_conv,
    planar_flow_fitting_a_two_moons_energy,
    iwae_importance_weighted_bound,
    pyhessian_top_eigenvalue_and_trace,
    contractive_autoencoder_jacobian_penalty,
    virtual_adversarial_training_power_iteration,
    center_loss_with_its_own_optimizer,
    evidential_classification_with_dirichlet_kl,
    class_balanced_focal_loss,
    co_teaching_small_loss_selection,
    glove_weighted_least_squares_with_adagrad,
    deepfm_factorization_machine_click_model,
    distmult_and_complex_link_prediction,
    nbeats_generic_and_trend_blocks,
    convlstm_next_frame_prediction,
    reptile_sine_wave_meta_learning,
    d2l_lazy_lenet_and_nin_with_apply_init,
    optimizer_state_dict_hooks_and_resuming,
    torch_func_linearize_and_grad_and_value,
]

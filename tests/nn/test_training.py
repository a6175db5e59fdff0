"""Acceptance: the training loop students write in PyTorch, on minigrad, reaches the accuracy
the issue asks for (digits MLP >= 97%, CNN >= 98%; an LSTM learns a toy sequence task)."""

from __future__ import annotations

import pytest

import minigrad as torch
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils.data import DataLoader, TensorDataset


def _train(model, opt, loader, epochs, shape=None, label_smoothing=0.0):
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            out = model(xb if shape is None else xb.reshape(shape))
            F.cross_entropy(out, yb, label_smoothing=label_smoothing).backward()
            opt.step()
    model.eval()


def _accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def _digits_loader(seed):
    x_train, y_train, x_test, y_test = torch.datasets.load_digits(split=True)
    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, generator=gen)
    return loader, x_test, y_test


def test_digits_mlp_reaches_97_percent():
    torch.manual_seed(1)
    loader, x_test, y_test = _digits_loader(1)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    _train(model, opt, loader, 40, label_smoothing=0.1)
    assert _accuracy(model, x_test, y_test) >= 0.97


@pytest.mark.slow
def test_digits_cnn_reaches_98_percent():
    torch.manual_seed(0)
    loader, x_test, y_test = _digits_loader(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(32 * 4 * 4, 10),
    )
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)
    for _ in range(20):
        _train(model, opt, loader, 1, shape=(-1, 1, 8, 8), label_smoothing=0.1)
        sched.step()
    assert _accuracy(model, x_test.reshape(-1, 1, 8, 8), y_test) >= 0.98


class SignOfFirst(nn.Module):
    """Read a sequence, classify the sign of its first element (needs memory over 10 steps)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 16, batch_first=True)
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(h[-1])


def test_lstm_learns_a_toy_sequence_task():
    torch.manual_seed(0)
    x = torch.randn(512, 10, 1)
    y = (x[:, 0, 0] > 0).long()
    model = SignOfFirst()
    # lr 0.01 for 200 epochs (2 s): at lr 0.005 for 40 epochs three seeds in six stayed below
    # 95%; with these settings seeds 0-15 reach 97-100%.
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    _train(model, opt, loader, 200)
    x_test = torch.randn(256, 10, 1)
    assert _accuracy(model, x_test, (x_test[:, 0, 0] > 0).long()) >= 0.95

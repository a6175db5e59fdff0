"""Digits (from scikit-learn's bundled copy), spirals and moons, as minigrad tensors."""

from __future__ import annotations

import numpy as np

from minigrad.tensor import Tensor


def _tensors(x: np.ndarray, y: np.ndarray) -> tuple:
    return Tensor._make(x.astype(np.float32)), Tensor._make(y.astype(np.int64))


def load_digits(split: bool = False, test_size: float = 0.2, seed: int = 0) -> tuple:
    """The 1,797 8x8 handwritten digits: X (1797, 64) float32 scaled to [0, 1], y int64.

    With split=True: (X_train, y_train, X_test, y_test), a stratified split with `seed`.
    The data ship inside scikit-learn (the `lab` extra), so nothing is downloaded.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which bundles the digits data: "
            'pip install -e ".[lab]" in the course folder (or pip install scikit-learn)'
        ) from None
    bunch = sklearn_digits()
    x, y = bunch.data / 16.0, bunch.target
    if not split:
        return _tensors(x, y)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):  # stratified: the same share of every class in the test set
        members = rng.permutation(np.flatnonzero(y == label))
        test[members[: int(round(test_size * len(members)))]] = True
    return (*_tensors(x[~test], y[~test]), *_tensors(x[test], y[test]))


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple:
    """Interleaved 2-D spirals (CS231n's toy set): X (n_samples, 2) float32, y int64."""
    rng = np.random.default_rng(seed)
    per_class = n_samples // n_classes
    xs, ys = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, per_class)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, per_class) + rng.normal(0, noise, per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(per_class, k))
    return _tensors(np.concatenate(xs), np.concatenate(ys))


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> tuple:
    """Two interleaving half circles: X (n_samples, 2) float32, y int64 in {0, 1}."""
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    x = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            np.stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5], axis=1),
        ]
    )
    x += rng.normal(0.0, noise, x.shape)
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _tensors(x, y)
